import CallCenter
import DialingPolicies
import Foundation
import SimKernel
import Simulation
import Testing

@Suite("Outbound dialing against theory")
struct CampaignTheoryTests {
    @Test("progressive dialing never abandons: every live answer finds its agent at once")
    func progressiveNeverAbandons() throws {
        let s = campaign(contacts: 2000, agents: 8, hours: 4, replications: 6,
                         variants: [DialerVariant(name: "progressive", policy: .progressive(.init()))]) { w in
            w.pauses.afterCall = 0.2
            w.pauses.awayShare = 0.3
        }
        let result = try OutboundRunner.run(s)
        for rep in result.runs[0] {
            #expect(rep.total(.liveAnswers) > 100)
            #expect(rep.total(.abandoned) == 0)
            #expect(rep.total(.waitSum) == 0)
        }
    }

    /// P(max(X − m, 0)) summed: the expected drops when X ~ Binomial(n, p) live answers arrive
    /// together for m free agents and nobody waits.
    static func expectedDrops(n: Int, p: Double, agents m: Int) -> Double {
        var total = 0.0
        var pmf = pow(1 - p, Double(n))  // P(X = 0)
        for x in 0...n {
            if x > 0 { pmf *= Double(n - x + 1) / Double(x) * p / (1 - p) }
            if x > m { total += Double(x - m) * pmf }
        }
        return total
    }

    @Test("zero patience and no free agent: the drop fraction is the binomial one", arguments: [
        (agents: 5, lines: 2.0, live: 0.4), (agents: 10, lines: 1.5, live: 0.6), (agents: 3, lines: 3.0, live: 0.3),
    ])
    func binomialDrops(agents: Int, lines: Double, live: Double) throws {
        // One round: the power dialer launches ceil(m × lines) calls at time 0; every answer comes
        // 5 s later at once; customers do not wait (patience 0, no hold); talk outlasts the run, so
        // the m agents take at most m calls. The campaign stops before a second round.
        var power = PowerDialer.Configuration()
        power.linesPerAgent = lines
        var s = campaign(contacts: 200, agents: agents, hours: 4.5 / 3600, replications: 2000,
                         variants: [DialerVariant(name: "power", policy: .power(power))]) { w in
            w.answer = [AnswerProbabilities(live: [live], machine: [0], busy: [0])]
            w.invalidNumbers = 0
            w.ringTime = .deterministic(5)
            w.ringTimeout = 5
            w.patience = .deterministic(0)
            w.maxHold = 0
            w.talkTime = .deterministic(3600)
        }
        s.interval = 10
        let result = try OutboundRunner.run(s)
        let n = Int((Double(agents) * lines).rounded(.up))
        let exactDropFraction = Self.expectedDrops(n: n, p: live, agents: agents) / (Double(n) * live)
        // Batches of 100 replications: each batch's drop fraction is nearly normal.
        var fractions: [Double] = []
        for batch in stride(from: 0, to: 2000, by: 100) {
            let reps = result.runs[0][batch..<batch + 100]
            #expect(reps.allSatisfy { $0.total(.attempts) == Double(n) }, "one round of \(n) calls")
            let dropped = reps.map { $0.total(.unserved) }.reduce(0, +)
            let answered = reps.map { $0.total(.liveAnswers) }.reduce(0, +)
            fractions.append(dropped / answered)
        }
        let e = Estimate(fractions, level: 0.999)
        #expect(e.covers(exactDropFraction), "simulated \(e.mean) ± \(e.halfWidth!), binomial \(exactDropFraction)")
        #expect(e.halfWidth! < 0.2 * exactDropFraction + 0.005)
    }
}
