import CallCenter
import RoutingPolicies
import SimKernel
import Simulation
import Testing

/// The routing world's traffic model (issue 4, item 4): arrival profiles, the warm-up, talk and
/// wrap-up by business type, known customers' other numbers, and the callback delay distribution.
@Suite("Routing traffic model")
struct RoutingModelTests {
    /// A quiet queue with every caller new and plenty of agents: what arrives is what is measured.
    static func queueWorld(replications: Int = 20) -> RoutingScenario {
        RoutingScenario(
            horizon: 2 * 3600, interval: 1800, seed: 77, replications: replications, teams: 2, teamSize: 10,
            customers: 0, businessTypes: 2, arrivalRate: 0,
            callers: .init(knownNumberShare: 0, knownCustomerOtherNumberShare: 0, validIDProbability: 0),
            queuePatience: nil, talk: .deterministic(60), wrapUp: .deterministic(0),
            router: .queue(.init(strategy: .longestIdleAgent), seed: 0))
    }

    @Test("A piecewise profile: each interval's offered calls match its rate (99.9% interval)")
    func arrivalProfile() throws {
        var world = Self.queueWorld()
        world.arrivals = ArrivalProfile(segments: [.init(start: 0, rate: 60.0 / 3600), .init(start: 3600, rate: 240.0 / 3600)])
        let runs = try RoutingRunner.run(world, threads: 2)
        for (interval, expected) in [(0, 30.0), (1, 30.0), (2, 120.0), (3, 120.0)] {
            let e = Estimate(runs.map { $0.value(.offered, interval: interval) }, level: 0.999)
            let hw = try #require(e.halfWidth)
            #expect(abs(e.mean - expected) <= hw, "interval \(interval): \(e.mean) ± \(hw), expected \(expected)")
            #expect(hw < 0.25 * expected)
        }
    }

    @Test("The warm-up leaves early calls and agent time out of the totals, not out of the series")
    func warmup() throws {
        var world = Self.queueWorld(replications: 3)
        world.arrivals = .constant(120.0 / 3600)
        world.warmup = 1800  // one whole interval
        for rep in try RoutingRunner.run(world, threads: 2) {
            let later = (1..<rep.series.intervals).reduce(0) { $0 + rep.value(.offered, interval: $1) }
            #expect(rep.total(.offered) == later)
            #expect(rep.value(.offered, interval: 0) > 0)
            #expect(rep.total(.staffedAgentSeconds) == 20 * (7200 - 1800))
            let parts = rep.total(.inboundAgentSeconds) + rep.total(.idleAgentSeconds)
            #expect(abs(parts - rep.total(.staffedAgentSeconds)) < 1e-6)
        }
    }

    @Test("Talk and wrap-up by business type: the handle time is the share-weighted mix")
    func talkByType() throws {
        var world = Self.queueWorld()
        world.arrivals = .constant(120.0 / 3600)
        world.businessTypeProfiles = [
            .init(name: "short", share: 0.75, talk: .deterministic(60), wrapUp: .deterministic(0)),
            .init(name: "long", share: 0.25, talk: .deterministic(600), wrapUp: .deterministic(60)),
        ]
        // Calls still talking at the horizon are cut there; measure on the whole replication.
        let handle = try RoutingRunner.run(world, threads: 2).map {
            $0.total(.inboundAgentSeconds) / $0.total(.answered)
        }
        let e = Estimate(handle, level: 0.999)
        let expected = 0.75 * 60 + 0.25 * 660.0
        let hw = try #require(e.halfWidth)
        // Calls cut at the horizon bias the mean down by at most a few seconds; allow for it.
        #expect(e.mean <= expected + hw && e.mean >= expected - hw - 15, "\(e.mean) ± \(hw) vs \(expected)")
        // Only one type, 11 erlangs on 20 agents (nobody waits): every call takes exactly its
        // time, except at most 20 cut at the horizon.
        world.businessTypeProfiles[0].share = 0
        world.arrivals = .constant(60.0 / 3600)
        world.horizon = 3600
        for rep in try RoutingRunner.run(world, threads: 2) {
            #expect(rep.total(.answered) > 0)
            #expect(rep.total(.inboundAgentSeconds) <= 660 * rep.total(.answered) + 1e-6)
            #expect(rep.total(.inboundAgentSeconds) > 660 * (rep.total(.answered) - 20))
        }
    }

    @Test("A known customer's other number, bound by step 02, is recognised on their next call")
    func otherNumberIsBoundOnce() throws {
        // Everyone is one of 20 known customers calling from their other number and keying their
        // valid ID: each customer's first call is matched by ID and binds the number; later calls
        // are recognised by number at step 01.
        let world = RoutingScenario(
            horizon: 4 * 3600, interval: 3600, seed: 5, replications: 3, teams: 2, teamSize: 5, customers: 20,
            businessTypes: 2, arrivalRate: 60.0 / 3600,
            callers: .init(knownNumberShare: 0, knownCustomerOtherNumberShare: 1, validIDProbability: 1),
            ivr: .init(idEntry: .deterministic(5)), queuePatience: nil,
            router: .cascade(CascadeRouter.Configuration(), seed: 0))
        for rep in try RoutingRunner.run(world, threads: 2) {
            #expect(rep.total(.offered) > 150)
            #expect(rep.total(.bindings) <= 20)
            #expect(rep.total(.bindings) >= 15)
            #expect(rep.total(.routedAfterIDMatch) == rep.total(.bindings))
        }
    }

    @Test("The callback delay distribution: sorted delays of done tasks, quantiles and shares consistent")
    func callbackDelays() throws {
        let world = RoutingScenario(
            horizon: 4 * 3600, interval: 1800, seed: 3, replications: 3, teams: 2, teamSize: 3, customers: 300,
            arrivalRate: 80.0 / 3600, queuePatience: nil,
            router: .cascade(CascadeRouter.Configuration(callbackDeadline: 1200), seed: 0))
        for rep in try RoutingRunner.run(world, threads: 2) {
            let delays = rep.callbackDelays
            #expect(!delays.isEmpty)
            #expect(Double(delays.count) == rep.total(.callbacksDone))
            #expect(delays == delays.sorted())
            let mean = delays.reduce(0, +) / Double(delays.count)
            #expect(abs(mean - rep.meanCallbackDelay) < 1e-6 * max(1, mean))
            #expect(rep.callbackDelayQuantile(0) == delays.first)
            #expect(rep.callbackDelayQuantile(1) == delays.last)
            #expect(rep.callbackDelayQuantile(0.5) <= rep.callbackDelayQuantile(0.9))
            #expect(rep.callbackDelayShare(within: delays.last!) == 1)
            #expect(rep.callbackDelayShare(within: -1) == 0)
            let inTime = rep.total(.callbacksDoneInTime) / rep.total(.callbacksDone)
            // Every task has the same 20-minute deadline: done in time = done within 20 minutes.
            #expect(abs(rep.callbackDelayShare(within: 1200) - inTime) < 1e-12)
        }
    }
}
