import CallCenter
import RoutingPolicies
import SimKernel
import Simulation
import Testing

/// The routing world (issue 4, item 4) driving the CN107682576B cascade and the baselines.
@Suite("RoutingWorld")
struct RoutingWorldTests {
    /// A small day: 3 teams of 4, 600 customers, a busy center with callbacks.
    static func scenario(
        router: RoutingScenario.RouterChoice = .cascade(CascadeRouter.Configuration(), seed: 7),
        replications: Int = 4, seed: UInt64 = 2026
    ) -> RoutingScenario {
        RoutingScenario(
            horizon: 4 * 3600, interval: 1800, seed: seed, replications: replications, teams: 3, teamSize: 4,
            customers: 600, businessTypes: 3, arrivalRate: 150.0 / 3600,
            ivr: .init(patience: .exponential(mean: 60)), queuePatience: .exponential(mean: 90),
            talk: .exponential(mean: 240), wrapUp: .deterministic(20),
            callbacks: .init(answerProbability: 0.6, talk: .exponential(mean: 180), retry: 300),
            router: router)
    }

    static let routers: [RoutingScenario.RouterChoice] = [
        .cascade(CascadeRouter.Configuration(callbackDeadline: 900, followUpPeriod: 600), seed: 7),
        .queue(QueueRouter.Configuration(strategy: .longestIdleAgent), seed: 3),
        .queue(QueueRouter.Configuration(strategy: .random, queueCapacity: 5), seed: 3),
        .sticky(StickyRouter.Configuration(stickyWait: 20)),
    ]

    @Test("Bookkeeping: every call ends one way, shares add up to 1, callbacks done ≤ created")
    func bookkeeping() throws {
        for (r, router) in Self.routers.enumerated() {
            for rep in try RoutingRunner.run(Self.scenario(router: router)) {
                let offered = rep.total(.offered)
                #expect(offered > 300, "router \(r)")
                let ended = RoutingColumn.endings.reduce(0) { $0 + rep.total($1) }
                #expect(
                    ended == offered,
                    "router \(r) replication \(rep.replication): \(ended) ended of \(offered)")
                let shares = RoutingColumn.routes.reduce(0) { $0 + rep.share($1) }
                #expect(abs(shares - 1) < 1e-9, "router \(r): route shares add up to \(shares)")
                let kinds =
                    rep.total(.callersKnownNumber) + rep.total(.callersKnownOtherNumber)
                    + rep.total(.callersNew)
                #expect(kinds == offered)
                #expect(rep.total(.callbacksDone) <= rep.total(.callbacksCreated))
                #expect(rep.total(.callbacksDoneInTime) <= rep.total(.callbacksDone))
                #expect(
                    rep.total(.callbacksDone) + rep.total(.callbacksExpired) <= rep.total(.callbacksCreated))
                // Per interval, the columns add up to the totals.
                for column in [RoutingColumn.offered, .answered, .callbacksCreated, .inboundAgentSeconds] {
                    let sum = (0..<rep.series.intervals).reduce(0) { $0 + rep.value(column, interval: $1) }
                    #expect(abs(sum - rep.total(column)) < 1e-6 * max(1, rep.total(column)))
                }
                // Agent time: inbound + callbacks + idle = staffed, each within 0...1 of it.
                let staffed = rep.total(.staffedAgentSeconds)
                let parts =
                    rep.total(.inboundAgentSeconds) + rep.total(.callbackAgentSeconds)
                    + rep.total(.idleAgentSeconds)
                #expect(abs(parts - staffed) < 1e-6 * staffed)
                #expect(rep.total(.idleAgentSeconds) >= -1e-6)
                if case .cascade = router {
                    #expect(rep.total(.callbacksCreated) > 0)
                    #expect(rep.total(.callbacksDone) > 0)
                    #expect(rep.total(.callbackAgentSeconds) > 0)
                    #expect(rep.total(.routedCallback) > 0 && rep.total(.routedFirstAgent) > 0)
                    #expect(rep.total(.bindings) > 0, "known customers from other numbers keyed their ID")
                    #expect(rep.total(.routedQueue) == 0)
                } else {
                    #expect(rep.total(.callbacksCreated) == 0 && rep.total(.callbackAgentSeconds) == 0)
                    #expect(rep.total(.routedQueue) == rep.total(.answered))
                }
            }
        }
    }

    @Test("The cascade never connects a recognised customer to a stranger")
    func noStrangers() throws {
        let reps = try RoutingRunner.run(Self.scenario(replications: 6))
        for rep in reps {
            #expect(rep.total(.strangerConnects) == 0)
            #expect(rep.total(.routedTeam) + rep.total(.routedBackup) + rep.total(.routedLeader) > 0)
        }
        // The sticky queue overflows to any agent: it does connect strangers (the check bites).
        let sticky = try RoutingRunner.run(Self.scenario(router: .sticky(.init(stickyWait: 5)), replications: 2))
        #expect(sticky.reduce(0) { $0 + $1.total(.strangerConnects) } > 0)
    }

    @Test("Theory: with every caller unknown and no queue, the callback share is Erlang B")
    func erlangB() throws {
        let agents = 10
        let holding = 180.0  // talk 160 (exponential) + wrap-up 20
        let load = 8.0
        let scenario = RoutingScenario(
            horizon: 40 * 3600, interval: 3600, seed: 20261122, replications: 20, teams: 2, teamSize: 5,
            customers: 50, businessTypes: 2, arrivalRate: load / holding,
            callers: .init(knownNumberShare: 0, knownCustomerOtherNumberShare: 0, validIDProbability: 0),
            ivr: .init(idEntry: .deterministic(0), menuChoice: .deterministic(3)), queuePatience: nil,
            talk: .exponential(mean: 160), wrapUp: .deterministic(20),
            callbacks: .init(agentsDial: false), router: .cascade(CascadeRouter.Configuration(), seed: 11))
        let reps = try RoutingRunner.run(scenario)
        let exact = try Erlang.blocking(agents: agents, offeredLoad: load)
        let estimate = Estimate(reps.map { $0.share(.routedCallback) }, level: 0.999)
        let hw = estimate.halfWidth ?? .infinity
        #expect(
            abs(estimate.mean - exact) <= hw,
            "callback share \(estimate.mean) ± \(hw) (99.9%), Erlang B \(exact)")
        #expect(hw < 0.02)
        for rep in reps {
            #expect(rep.total(.routedRandom) + rep.total(.routedCallback) == rep.total(.offered))
            #expect(rep.total(.callbackAgentSeconds) == 0)
            #expect(rep.total(.waited) == 0)
        }
    }

    @Test("Determinism: the same run twice; every router meets the same callers")
    func determinism() throws {
        let first = try RoutingRunner.run(Self.scenario(), threads: 3)
        let second = try RoutingRunner.run(Self.scenario(), threads: 1)
        #expect(first == second)
        let callers: [RoutingColumn] = [.offered, .callersKnownNumber, .callersKnownOtherNumber, .callersNew]
        let reference = first.map { rep in callers.map { rep.total($0) } }
        for router in Self.routers {
            let other = try RoutingRunner.run(Self.scenario(router: router))
            #expect(other.map { rep in callers.map { rep.total($0) } } == reference)
        }
        // A different seed meets different callers.
        let reseeded = try RoutingRunner.run(Self.scenario(seed: 99))
        #expect(reseeded.map { $0.total(.offered) } != first.map { $0.total(.offered) })
    }
}
