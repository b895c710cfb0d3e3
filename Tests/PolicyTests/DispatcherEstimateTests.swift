import CallCenter
import DialingPolicies
import Testing

// MARK: - Helpers

/// How many calls one tick at `time` launches from a copy of `s` (the original is left as it
/// was), and the step that decided it.
private func probe(_ s: DispatcherScript<PatentDispatcher>, at time: Seconds) -> (
    dialled: Int, step: PatentDispatcher.Step?
) {
    var copy = s
    let dialled = DispatcherScript<PatentDispatcher>.dialled(copy.send(.wakeUp, at: time)).count
    return (dialled, copy.dialer.lastStep)
}

/// An event and its time.
fileprivate typealias Timed = (time: Seconds, event: DialerEvent)

@Suite("PatentDispatcher: the S2' estimate and lookahead pacing")
struct DispatcherEstimateTests {
    // MARK: - S2': the probability that an answered customer finds no agent

    /// Eight calls launched at 0 for eight idle agents; the script's ends, in time order, with
    /// the estimate expected after each (minimum sample 3, window 4, grace 2 s).
    fileprivate static let estimatorScript: [(Timed, share: Double, samples: Int, estimate: Double)] = [
        ((10, .callEnded(CallID(1), cause: .normalClearing)), 0, 1, 0),  // connected after 2 s: in time
        ((11, .callEnded(CallID(2), cause: .normalClearing)), 1.0 / 2, 2, 0),  // never connected
        ((12, .callEnded(CallID(3), cause: .normalClearing)), 1.0 / 2, 2, 0),  // a machine: not a live answer
        ((13, .callEnded(CallID(4), cause: .noAnswer)), 1.0 / 2, 2, 0),  // unanswered: not counted
        ((14, .callEnded(CallID(5), cause: .normalClearing)), 2.0 / 3, 3, 2.0 / 3),  // connected 2.5 s late
        ((15, .callEnded(CallID(6), cause: .normalClearing)), 2.0 / 4, 4, 2.0 / 4),  // in time
        ((16, .callEnded(CallID(7), cause: .normalClearing)), 2.0 / 4, 4, 2.0 / 4),  // call 1 leaves
        ((17, .callEnded(CallID(8), cause: .normalClearing)), 1.0 / 4, 4, 1.0 / 4),  // in time; call 2 leaves
    ]

    @Test("S2' estimate: abandoned over live answers in the window, by the grace, hand-computed")
    func estimatorHandComputed() throws {
        var configuration = plainConfiguration()
        configuration.minimumSample = 3
        configuration.abandonWindow = 4
        configuration.abandonGrace = 2
        var s = DispatcherScript(PatentDispatcher(configuration))
        let started = try s.start(task(20), agents: Array(repeating: .idle, count: 8))
        #expect(DispatcherScript<PatentDispatcher>.dialled(started).map(\.0) == (1...8).map { CallID($0) })
        let answers: [Timed] = [
            (1, .callAnswered(CallID(1), live: true)), (2, .callAnswered(CallID(2), live: true)),
            (3, .callConnected(CallID(1), AgentID(0))), (3, .callAnswered(CallID(3), live: false)),
            (4, .callAnswered(CallID(5), live: true)), (5, .callAnswered(CallID(6), live: true)),
            (5.5, .callConnected(CallID(6), AgentID(1))), (6, .callAnswered(CallID(7), live: true)),
            (6.1, .callConnected(CallID(7), AgentID(2))), (6.5, .callConnected(CallID(5), AgentID(3))),
            (7, .callAnswered(CallID(8), live: true)), (7.2, .callConnected(CallID(8), AgentID(4))),
        ]
        for (time, event) in answers { _ = s.send(event, at: time) }
        #expect(s.dialer.abandonEstimate == 0 && s.dialer.core.abandonRate.samples == 0)
        for ((time, event), share, samples, estimate) in Self.estimatorScript {
            _ = s.send(event, at: time)
            #expect(s.dialer.core.abandonRate.share == share, "after \(event)")
            #expect(s.dialer.core.abandonRate.samples == samples, "after \(event)")
            #expect(s.dialer.abandonEstimate == estimate, "after \(event)")
        }
        let outcomes = s.dialer.core.outcomes
        #expect(outcomes == [.connected: 5, .abandoned: 1, .machine: 1, .noAnswer: 1])
    }

    /// Four calls launched at 0 for four idle agents: two live answers, one in time and one
    /// abandoned (estimate 1/2, over the minimum sample of 2), two unanswered (answer rate 1/2:
    /// 2 lines per agent). Then agent 0 talks, agent 1 has been paused since 5 s (past the 60 s
    /// timeout at 100 s), and `idle` of agents 2 and 3 are idle, the others logged out.
    func estimateHalf(idle: Int, threshold: Double, throttleWhenIdle: Bool = true) throws
        -> DispatcherScript<PatentDispatcher>
    {
        var configuration = plainConfiguration()  // minimum sample 2, window 4, pause timeout 60 s
        configuration.abandonThreshold = threshold
        configuration.throttleWhenIdle = throttleWhenIdle
        var s = DispatcherScript(PatentDispatcher(configuration))
        _ = try s.start(task(40), agents: Array(repeating: .idle, count: 4))
        _ = s.send(.callAnswered(CallID(1), live: true), at: 1)
        _ = s.send(.callEnded(CallID(1), cause: .normalClearing), at: 3)  // abandoned
        _ = s.send(.callAnswered(CallID(2), live: true), at: 2)
        _ = s.send(.callConnected(CallID(2), AgentID(0)), at: 2.5)
        _ = s.send(.callEnded(CallID(2), cause: .normalClearing), at: 4)
        _ = s.send(.callEnded(CallID(3), cause: .noAnswer), at: 4)
        _ = s.send(.callEnded(CallID(4), cause: .noAnswer), at: 4)
        _ = s.send(.agent(AgentID(0), .talking), at: 5)
        _ = s.send(.agent(AgentID(1), .paused(since: 5)), at: 5)
        for a in 2..<4 { _ = s.send(.agent(AgentID(a), a - 2 < idle ? .idle : .loggedOut), at: 5) }
        return s
    }

    @Test(
        "S2' estimate 1/2: pause iff above the threshold; dialling never falls as the threshold or the idle agents grow"
    )
    func thresholdAndIdleMonotone() throws {
        let thresholds = [0, 0.03, 0.25, 0.49, 0.5, 0.51, 0.75, 1]
        var byIdle: [[Int]] = []
        for idle in 0...2 {
            var row: [Int] = []
            for threshold in thresholds {
                let s = try estimateHalf(idle: idle, threshold: threshold)
                #expect(s.dialer.abandonEstimate == 0.5 && s.dialer.linesPerAgent == 2)
                let (dialled, step) = probe(s, at: 100)
                let above = 0.5 > threshold
                // Hand-computed: no idle agent: S2' pauses above the threshold, else S3' dials
                // 2 lines for the one agent paused past the timeout; idle agents: S1' dials 1
                // line each above the threshold (throttled), 2 below.
                let expected = idle == 0 ? (above ? 0 : 2) : idle * (above ? 1 : 2)
                let expectedStep: PatentDispatcher.Step =
                    idle > 0 ? .s1DialForIdle : (above ? .s2Paused : .s3DialForOverduePauses)
                #expect(dialled == expected, "idle \(idle), threshold \(threshold)")
                #expect(step == expectedStep, "idle \(idle), threshold \(threshold)")
                row.append(dialled)
            }
            #expect(
                zip(row, row.dropFirst()).allSatisfy { $0 <= $1 }, "non-decreasing in the threshold: \(row)")
            byIdle.append(row)
        }
        for t in thresholds.indices {
            let column = byIdle.map { $0[t] }
            #expect(
                zip(column, column.dropFirst()).allSatisfy { $0 <= $1 },
                "non-decreasing in idle agents: \(column)")
        }
        #expect(byIdle == [[0, 0, 0, 0, 2, 2, 2, 2], [1, 1, 1, 1, 2, 2, 2, 2], [2, 2, 2, 2, 4, 4, 4, 4]])
    }

    @Test("S2' with throttleWhenIdle off: above the threshold, idle agents are dialled for at full pace")
    func unthrottled() throws {
        let s = try estimateHalf(idle: 2, threshold: 0.03, throttleWhenIdle: false)
        #expect(probe(s, at: 100) == (4, .s1DialForIdle))
        #expect(
            probe(try estimateHalf(idle: 0, threshold: 0.03, throttleWhenIdle: false), at: 100) == (
                0, .s2Paused
            ))
    }

    // MARK: - Lookahead pacing

    /// Two calls launched at 0 for agents 0 and 1: answered after 4 s and 6 s of ringing, talked
    /// 100 s each (mean ring 5 s, mean talk 100 s: an agent who has talked 95 s is counted as
    /// free soon), both live (1 line per agent). The second is connected 3 s late when
    /// `lateSecond` (estimate 1/2, over the 0.03 threshold). Then agent 0 talks from 200 s,
    /// agent 1 from 250 s, and agent 2 is `third` from 200 s.
    func lookaheadState(
        _ third: AgentState, lateSecond: Bool = false,
        edit: (inout PatentDispatcher.Configuration) -> Void = { _ in }
    ) throws -> DispatcherScript<PatentDispatcher> {
        var configuration = plainConfiguration()  // minimum sample 2, pause timeout 60 s
        configuration.pacing.lookahead = true
        edit(&configuration)
        var s = DispatcherScript(PatentDispatcher(configuration))
        _ = try s.start(task(20), agents: [.idle, .idle])
        let connect2: Seconds = lateSecond ? 9 : 6
        _ = s.send(.callAnswered(CallID(1), live: true), at: 4)
        _ = s.send(.callConnected(CallID(1), AgentID(0)), at: 4)
        _ = s.send(.callAnswered(CallID(2), live: true), at: 6)
        _ = s.send(.callConnected(CallID(2), AgentID(1)), at: connect2)
        _ = s.send(.callEnded(CallID(1), cause: .normalClearing), at: 104)
        _ = s.send(.callEnded(CallID(2), cause: .normalClearing), at: connect2 + 100)
        _ = s.send(.agent(AgentID(0), .talking), at: 200)
        _ = s.send(.agent(AgentID(2), third), at: 200)
        _ = s.send(.agent(AgentID(1), .talking), at: 250)
        return s
    }

    @Test("lookahead: S1' counts the agents who have talked the mean talk less the mean ring")
    func lookaheadS1() throws {
        let s = try lookaheadState(.idle)
        #expect(s.dialer.core.meanTalk == 100 && s.dialer.core.meanRing == 5 && s.dialer.linesPerAgent == 1)
        #expect(probe(s, at: 294.9) == (1, .s1DialForIdle))  // agent 0 has talked 94.9 s
        #expect(probe(s, at: 295) == (2, .s1DialForIdle))  // 95 s: free soon
        #expect(probe(s, at: 345) == (3, .s1DialForIdle))  // agent 1 too
        let off = try lookaheadState(.idle) { $0.pacing.lookahead = false }
        #expect(probe(off, at: 345) == (1, .s1DialForIdle))
        // Under the minimum sample of talk times, no lookahead.
        let unmeasured = try lookaheadState(.idle) { $0.minimumSample = 3 }
        #expect(probe(unmeasured, at: 345) == (1, .s1DialForIdle))
    }

    @Test("lookahead: not while S1' is throttled above the threshold, unless the throttle is off")
    func lookaheadThrottled() throws {
        let s = try lookaheadState(.idle, lateSecond: true)
        #expect(s.dialer.abandonEstimate == 0.5)
        #expect(probe(s, at: 345) == (1, .s1DialForIdle))
        let unthrottled = try lookaheadState(.idle, lateSecond: true) { $0.throttleWhenIdle = false }
        #expect(probe(unthrottled, at: 345) == (3, .s1DialForIdle))
    }

    @Test("lookahead: a live answer waiting for an agent takes one of the agents counted")
    func lookaheadLessWaiting() throws {
        var s = try lookaheadState(.idle)
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 280)).count == 1)  // call 3
        _ = s.send(.callAnswered(CallID(3), live: true), at: 285)  // rang 5 s: the mean ring stays 5
        #expect(s.dialer.core.meanRing == 5 && s.dialer.core.answeredWaiting == 1)
        #expect(probe(s, at: 294.9) == (0, .s1DialForIdle))  // 1 idle − 1 waiting
        #expect(probe(s, at: 295) == (1, .s1DialForIdle))  // 1 idle + 1 soon − 1 waiting
        #expect(probe(s, at: 345) == (2, .s1DialForIdle))
    }

    @Test("lookahead in S3': added to the agents paused past the timeout, never dialling on its own")
    func lookaheadS3() throws {
        let paused = try lookaheadState(.paused(since: 200))
        #expect(probe(paused, at: 259) == (0, .s3NoAgent))  // paused 59 s: not past 60 s
        #expect(probe(paused, at: 294.9) == (1, .s3DialForOverduePauses))
        #expect(probe(paused, at: 295) == (2, .s3DialForOverduePauses))
        #expect(probe(paused, at: 345) == (3, .s3DialForOverduePauses))
        // Paused only 45 s: nobody counts as idle, so nothing is dialled, though two agents are
        // about to be free.
        let recent = try lookaheadState(.paused(since: 300))
        #expect(probe(recent, at: 345) == (0, .s3NoAgent))
    }
}
