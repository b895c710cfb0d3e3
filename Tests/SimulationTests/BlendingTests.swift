import CallCenter
import DialingPolicies
import RoutingPolicies
import SimKernel
import Simulation
import Testing

/// Blending (issue 4, item 4): the routing world's agents work inbound calls, callbacks and an
/// outbound campaign, under a documented rule.
@Suite("Blending")
struct BlendingTests {
    /// The campaign world of `campaign()` (OutboundModelTests), to blend.
    static func blend(
        dialer: DialerPolicy = .patent(.init()), contacts: Int = 600, rule: Blend.Rule = Blend.Rule()
    ) -> Blend {
        let c = campaign(contacts: contacts)
        return Blend(contacts: .synthetic(count: contacts), world: c.world, dialer: dialer, rule: rule)
    }

    /// A routing world of `agents` agents (one team) with the given inbound rate and campaign.
    static func world(
        agents: Int = 10, inboundPerHour: Double, hours: Double = 2, replications: Int = 4, blend: Blend?,
        router: RoutingScenario.RouterChoice = .queue(.init(strategy: .longestIdleAgent), seed: 0)
    ) -> RoutingScenario {
        var s = RoutingScenario(
            horizon: hours * 3600, interval: 1800, seed: 99, replications: replications, teams: 1, teamSize: agents,
            customers: 0, businessTypes: 1, businessTypesPerAgent: 1, arrivalRate: inboundPerHour / 3600,
            callers: .init(knownNumberShare: 0, knownCustomerOtherNumberShare: 0, validIDProbability: 0),
            queuePatience: .exponential(mean: 60), talk: .exponential(mean: 180), wrapUp: .deterministic(10),
            router: router)
        s.outbound = blend
        return s
    }

    @Test("With no inbound callers, the blended campaign is the campaign world: same figures, call for call")
    func noInboundIsTheCampaign() throws {
        var power = PowerDialer.Configuration()
        power.linesPerAgent = 2
        for dialer in [DialerPolicy.patent(.init()), .progressive(.init()), .power(power)] {
            let alone = try OutboundRunner.run(campaign(variants: [DialerVariant(name: "d", policy: dialer)]))
            let blended = try RoutingRunner.run(Self.world(inboundPerHour: 0, blend: Self.blend(dialer: dialer)))
            for (a, b) in zip(alone.runs[0], blended) {
                #expect(b.total(.offered) == 0)
                #expect(a.total(.attempts) == b.total(.outboundAttempts), "\(dialer.kind) replication \(a.replication)")
                #expect(a.total(.liveAnswers) == b.total(.outboundLiveAnswers))
                #expect(a.total(.machines) == b.total(.outboundMachines))
                #expect(a.total(.connected) == b.total(.outboundConnected))
                #expect(a.total(.abandoned) == b.total(.outboundAbandoned))
                #expect(a.total(.unserved) == b.total(.outboundHungUpWaiting))
                #expect(abs(a.total(.waitSum) - b.total(.outboundWaitSum)) < 1e-6)
                #expect(a.total(.closedContracts) == b.total(.outboundClosedContracts))
                // Agent time up to the horizon (the campaign world also books the time after it).
                let busy = (0..<a.series.intervals).reduce(0) {
                    $0 + a.series.value(interval: $1, column: OutboundColumn.busyAgentSeconds.rawValue)
                }
                #expect(abs(busy - b.total(.outboundAgentSeconds)) < 1e-6)
            }
        }
    }

    @Test("Agents who pause after campaign calls (S3'): with no inbound callers, still the campaign world call for call")
    func pausesAreTheCampaignWorlds() throws {
        func pausing(_ w: inout OutboundWorld) {
            w.pauses.afterCall = 0.3
            w.pauses.duration = .exponential(mean: 120)
            w.pauses.awayShare = 0.3
            w.pauses.away = .uniform(min: 300, max: 900)
        }
        for dialer in [DialerPolicy.patent(.init()), .progressive(.init())] {
            let c = campaign(variants: [DialerVariant(name: "d", policy: dialer)], world: pausing)
            let alone = try OutboundRunner.run(c)
            let blend = Blend(contacts: .synthetic(count: 600), world: c.world, dialer: dialer)
            let blended = try RoutingRunner.run(Self.world(inboundPerHour: 0, blend: blend))
            for (a, b) in zip(alone.runs[0], blended) {
                #expect(a.total(.pausedSeconds) > 0, "the campaign world's agents pause")
                #expect(a.total(.attempts) == b.total(.outboundAttempts), "\(dialer.kind) replication \(a.replication)")
                #expect(a.total(.connected) == b.total(.outboundConnected))
                #expect(a.total(.abandoned) == b.total(.outboundAbandoned))
                #expect(abs(a.total(.waitSum) - b.total(.outboundWaitSum)) < 1e-6)
                #expect(a.total(.closedContracts) == b.total(.outboundClosedContracts))
            }
            // And they do pause in the blend: fewer attempts than without pauses.
            let still = try RoutingRunner.run(Self.world(inboundPerHour: 0, blend: Self.blend(dialer: dialer)))
            #expect(blended.map { $0.total(.outboundAttempts) }.reduce(0, +) < still.map { $0.total(.outboundAttempts) }.reduce(0, +))
        }
    }

    @Test("Agents' time adds up; every answered campaign customer is connected or hangs up; calls end one way")
    func bookkeeping() throws {
        let world = Self.world(inboundPerHour: 90, blend: Self.blend(rule: .init(inboundReserve: 2)))
        for rep in try RoutingRunner.run(world) {
            #expect(rep.total(.outboundAttempts) > 300)
            #expect(rep.total(.outboundConnected) + rep.total(.outboundHungUpWaiting) == rep.total(.outboundLiveAnswers))
            #expect(rep.total(.outboundAbandoned) >= rep.total(.outboundHungUpWaiting))
            let parts = [RoutingColumn.inboundAgentSeconds, .callbackAgentSeconds, .outboundAgentSeconds, .idleAgentSeconds]
                .map(rep.total).reduce(0, +)
            #expect(abs(parts - rep.total(.staffedAgentSeconds)) < 1e-6 * rep.total(.staffedAgentSeconds))
            #expect(rep.total(.idleAgentSeconds) >= 0)
            let ended = RoutingColumn.endings.reduce(0) { $0 + rep.total($1) }
            #expect(ended == rep.total(.offered))
            #expect(rep.total(.offered) > 100)
        }
    }

    @Test("The reserve trades campaign work for inbound service, monotonically (paired replications)")
    func reserveTradesOff() throws {
        var figures: [(inboundWait: Double, outboundShare: Double)] = []
        for reserve in [0, 2, 5] {
            let world = Self.world(
                inboundPerHour: 100, replications: 6, blend: Self.blend(contacts: 3000, rule: .init(inboundReserve: reserve)))
            let reps = try RoutingRunner.run(world)
            let waited = reps.map { $0.ratio(.waited, .offered) }.reduce(0, +) / Double(reps.count)
            let outbound = reps.map { $0.ratio(.outboundAgentSeconds, .staffedAgentSeconds) }.reduce(0, +)
                / Double(reps.count)
            figures.append((waited, outbound))
        }
        #expect(figures[0].inboundWait > figures[1].inboundWait)
        #expect(figures[1].inboundWait > figures[2].inboundWait)
        #expect(figures[0].outboundShare > figures[1].outboundShare)
        #expect(figures[1].outboundShare > figures[2].outboundShare)
    }

    @Test("The cap bounds the agents on the campaign; outside the dialing window nobody dials")
    func capAndWindow() throws {
        var power = PowerDialer.Configuration()
        power.linesPerAgent = 2
        let capped = Self.world(
            inboundPerHour: 0, hours: 1, replications: 2,
            blend: Self.blend(dialer: .power(power), contacts: 3000, rule: .init(maxOutboundAgents: 3)))
        for rep in try RoutingRunner.run(capped) {
            // Three agents at most on the campaign: at most 3 agent-seconds per second.
            for i in 0..<rep.series.intervals {
                #expect(rep.value(.outboundAgentSeconds, interval: i) <= 3 * 1800 + 1e-6)
            }
            #expect(rep.total(.outboundAgentSeconds) > 2 * 3600)
        }
        let windowed = Self.world(
            inboundPerHour: 0, hours: 2, replications: 2,
            blend: Self.blend(contacts: 3000, rule: .init(dialFrom: 1800, dialUntil: 3600)))
        for rep in try RoutingRunner.run(windowed) {
            #expect(rep.value(.outboundAttempts, interval: 0) == 0)
            #expect(rep.value(.outboundAttempts, interval: 1) > 0)
            #expect(rep.value(.outboundAttempts, interval: 2) == 0)
            #expect(rep.value(.outboundAttempts, interval: 3) == 0)
        }
    }

    @Test("The pool is the campaign's: with pool_takes_inbound off, no inbound caller meets a pool agent")
    func poolWithdrawn() throws {
        // Every agent in the pool (reserve 0) and the dialer pacing for them: inbound callers only
        // get agents coming free from calls, so they wait more than when the pool takes inbound.
        func waited(_ takes: Bool) throws -> Double {
            let world = Self.world(
                inboundPerHour: 60, replications: 6,
                blend: Self.blend(contacts: 3000, rule: .init(poolTakesInbound: takes)))
            let reps = try RoutingRunner.run(world)
            return reps.map { $0.ratio(.waited, .offered) }.reduce(0, +) / Double(reps.count)
        }
        #expect(try waited(false) > waited(true))
    }

    @Test("Determinism, and the same inbound callers whatever the blending rule (common random numbers)")
    func determinismAndCRN() throws {
        let a = Self.world(inboundPerHour: 90, replications: 2, blend: Self.blend(rule: .init(inboundReserve: 1)))
        #expect(try RoutingRunner.run(a) == RoutingRunner.run(a))
        var b = a
        b.outbound?.rule = .init(inboundReserve: 4, maxOutboundAgents: 2)
        for (x, y) in zip(try RoutingRunner.run(a), try RoutingRunner.run(b)) {
            #expect(x.total(.offered) == y.total(.offered))
            #expect(x.series.value(interval: 2, column: RoutingColumn.offered.rawValue)
                == y.series.value(interval: 2, column: RoutingColumn.offered.rawValue))
        }
    }

    @Test("A blended routing file reads its campaign, dialer and rule; variants override the rule")
    func file() throws {
        let yaml = """
            name: blended
            horizon: 2h
            routing:
              teams: 1
              team_size: 6
              customers: 0
              callers: {known_number: 0, known_customer_other_number: 0}
              arrival_rate: 30/h
              outbound:
                contacts: 500
                answer: [{from: 0h, live: 0.3}]
                dialer: {dialer: power, lines_per_agent: 1.5}
                inbound_reserve: 1
                dial_from: 10min
                dial_until: 1.5h
            variants:
              - {name: a, router: queue}
              - {name: b, router: queue, inbound_reserve: 3, max_outbound_agents: 2, pool_takes_inbound: true}
            """
        guard case .routing(let study) = try ScenarioFile.parse(yaml: yaml, file: "b.yaml") else {
            Issue.record("not a routing study")
            return
        }
        let outbound = try #require(study.world.outbound)
        #expect(outbound.contacts == .synthetic(count: 500))
        #expect(outbound.dialer.kind == "power")
        #expect(outbound.rule == Blend.Rule(inboundReserve: 1, dialFrom: 600, dialUntil: 5400))
        #expect(study.scenario(variant: 0).outbound?.rule == outbound.rule)
        #expect(
            study.scenario(variant: 1).outbound?.rule
                == Blend.Rule(inboundReserve: 3, maxOutboundAgents: 2, dialFrom: 600, dialUntil: 5400, poolTakesInbound: true))
        // Mistakes are named where they are written.
        func failure(_ old: String, _ new: String) -> ScenarioError? {
            do {
                _ = try ScenarioFile.parse(yaml: yaml.replacingOccurrences(of: old, with: new), file: "b.yaml")
                return nil
            } catch { return error }
        }
        let reserve = try #require(failure("inbound_reserve: 1", "inbound_reserve: 6"))
        #expect(reserve.field == "routing.outbound.inbound_reserve")
        let shifts = try #require(failure("inbound_reserve: 1", "shifts: []"))
        #expect(shifts.field == "routing.outbound.shifts")
        let window = try #require(failure("dial_until: 1.5h", "dial_until: 5min"))
        #expect(window.field == "routing.outbound.dial_until")
        let dialer = try #require(failure("dialer: power,", "dialer: powr,"))
        #expect(dialer.field == "routing.outbound.dialer.dialer")
        #expect(dialer.message.contains("did you mean 'power'"))
        let noCampaign = try #require(
            failure(
                "  outbound:\n    contacts: 500\n    answer: [{from: 0h, live: 0.3}]\n    dialer: {dialer: power, lines_per_agent: 1.5}\n    inbound_reserve: 1\n    dial_from: 10min\n    dial_until: 1.5h\n",
                ""))
        #expect(noCampaign.field == "variants[1].inbound_reserve")
    }
}
