import CallCenter
import DialingPolicies
import SimKernel
import Simulation
import Testing

/// A small campaign built in code.
func campaign(contacts: Int = 600, agents: Int = 10, hours: Double = 2, replications: Int = 4,
              variants: [DialerVariant]? = nil, world: ((inout OutboundWorld) -> Void)? = nil) -> OutboundScenario {
    var w = OutboundWorld(answer: [AnswerProbabilities(live: [0.4, 0.3], machine: [0.1], busy: [0.05])])
    w.invalidNumbers = 0.05
    world?(&w)
    var s = OutboundScenario(
        name: "test campaign", horizon: hours * 3600, agents: agents, contacts: .synthetic(count: contacts),
        world: w, variants: variants ?? [DialerVariant(name: "patent", policy: .patent(.init()))])
    s.replications = replications
    s.seed = 99
    return s
}

@Suite("Outbound world")
struct OutboundModelTests {
    @Test("every attempt ends one way; live answers are connected or not; agents' time adds up")
    func bookkeeping() throws {
        let result = try OutboundRunner.run(campaign())
        for rep in result.runs[0] {
            let ends = [OutboundColumn.liveAnswers, .machines, .busy, .noAnswer, .invalid].map(rep.total).reduce(0, +)
            #expect(rep.total(.attempts) == ends)
            #expect(rep.total(.attempts) > 500)
            #expect(rep.total(.connected) + rep.total(.unserved) == rep.total(.liveAnswers))
            #expect(rep.total(.abandoned) >= rep.total(.unserved))
            #expect(rep.total(.busyAgentSeconds) <= rep.total(.staffedSeconds))
            #expect(rep.total(.talkSeconds) <= rep.total(.busyAgentSeconds))
            #expect(rep.total(.closedContracts) <= Double(rep.contracts))
        }
    }

    @Test("the world's outcome rates match the configured probabilities (99.9% intervals)")
    func outcomeRates() throws {
        // Ring time well under the timeout, so that the configured shares are exact:
        // live = (1 − invalid) × 0.4 on first attempts, etc. One attempt per contract.
        var patent = PatentDispatcher.Configuration()
        patent.rules = ContractRules(maxAttempts: 1)
        let s = campaign(contacts: 3000, agents: 30, hours: 10, replications: 12,
                         variants: [DialerVariant(name: "p", policy: .patent(patent))]) { w in
            w.ringTime = .uniform(min: 3, max: 10)
        }
        let result = try OutboundRunner.run(s)
        func share(_ column: OutboundColumn) -> Estimate {
            Estimate(result.runs[0].map { $0.total(column) / $0.total(.attempts) }, level: 0.999)
        }
        let valid = 1 - 0.05
        for (column, p) in [(OutboundColumn.liveAnswers, valid * 0.4), (.machines, valid * 0.1),
                            (.busy, valid * 0.05), (.invalid, 0.05), (.noAnswer, valid * 0.45)] {
            let e = share(column)
            #expect(e.covers(p), "\(column): \(e.mean) ± \(e.halfWidth ?? .nan), configured \(p)")
            #expect((e.halfWidth ?? 1) < 0.02)
        }
        // Every contract got its one attempt.
        for rep in result.runs[0] { #expect(rep.total(.attempts) == 3000) }
    }

    @Test("common random numbers: each contract's attempt has the same fate under any dialer")
    func commonRandomNumbers() throws {
        var slow = PatentDispatcher.Configuration()
        slow.rules = ContractRules(maxAttempts: 1)
        slow.pacing.initialLinesPerAgent = 1
        slow.pacing.maxLinesPerAgent = 1
        var fast = slow
        fast.pacing.initialLinesPerAgent = 3
        fast.pacing.maxLinesPerAgent = 3
        let s = campaign(contacts: 800, agents: 10, hours: 20, replications: 2,
                         variants: [DialerVariant(name: "slow", policy: .patent(slow)),
                                    DialerVariant(name: "fast", policy: .patent(fast))])
        let result = try OutboundRunner.run(s)
        for r in 0..<2 {
            let a = result.runs[0][r], b = result.runs[1][r]
            #expect(a.total(.attempts) == 800 && b.total(.attempts) == 800)
            for column in [OutboundColumn.liveAnswers, .machines, .busy, .invalid] {
                #expect(a.total(column) == b.total(column), "\(column) differs between dialers")
            }
            // Dialing faster than one line per agent makes customers wait (the same customers:
            // more waiting, never fewer abandoned).
            #expect(b.total(.waitSum) > 1.3 * a.total(.waitSum))
            #expect(b.total(.abandoned) >= a.total(.abandoned))
        }
    }

    @Test("same campaign, same seed: the same replications, whatever the threads")
    func deterministic() throws {
        let s = campaign(replications: 3)
        let a = try OutboundRunner.run(s, threads: 1)
        let b = try OutboundRunner.run(s, threads: 2)
        #expect(a.runs == b.runs)
    }
}

@Suite("Outbound shifts")
struct OutboundShiftTests {
    @Test("agents work their shifts: logged-in time follows the shifts; nobody dials for the absent")
    func shifts() throws {
        var s = campaign(contacts: 3000, agents: 6, hours: 4, replications: 2)
        s.shifts = [Shift(start: 0, end: 2 * 3600, agents: 2), Shift(start: 3600, end: 4 * 3600, agents: 4)]
        let result = try OutboundRunner.run(s)
        for rep in result.runs[0] {
            // 2 agents × 2 h + 4 agents × 3 h, plus at most one call's end per agent past the shift.
            let staffed = rep.total(.staffedSeconds)
            let shiftHours: Double = 2 * 2 + 4 * 3
            let overrun: Double = 6 * 1800
            #expect(staffed >= shiftHours * 3600)
            #expect(staffed <= shiftHours * 3600 + overrun)
            // In the first hour only 2 agents: fewer connections than in the second, with 6.
            let first = rep.series.value(interval: 0, column: OutboundColumn.connected.rawValue)
                + rep.series.value(interval: 1, column: OutboundColumn.connected.rawValue)
                + rep.series.value(interval: 2, column: OutboundColumn.connected.rawValue)
                + rep.series.value(interval: 3, column: OutboundColumn.connected.rawValue)
            let second = (4..<8).map { rep.series.value(interval: $0, column: OutboundColumn.connected.rawValue) }.reduce(0, +)
            #expect(second > 2 * first)
        }
    }
}
