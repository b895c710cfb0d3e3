import CallCenter
import DialingPolicies
import Testing

/// Drives a dialer by hand and keeps its commands.
struct DispatcherScript<D: Dialer> {
    var dialer: D
    var time: Seconds = 0
    init(_ dialer: D) { self.dialer = dialer }

    mutating func start(_ task: OutboundTask, agents: [AgentState]) throws(TaskValidationError) -> [DialerCommand] {
        var out: [DialerCommand] = []
        try dialer.start(task: task, agents: agents, at: time, into: &out)
        return out
    }

    mutating func send(_ event: DialerEvent, at time: Seconds) -> [DialerCommand] {
        self.time = time
        var out: [DialerCommand] = []
        dialer.handle(event, at: time, into: &out)
        return out
    }

    /// Only the originate commands: which contracts were dialled with which call ids.
    static func dialled(_ commands: [DialerCommand]) -> [(CallID, ContractID)] {
        commands.compactMap { if case .originate(let call, let contract, _) = $0 { (call, contract) } else { nil } }
    }

    static func records(_ commands: [DialerCommand]) -> [CallRecord] {
        commands.compactMap { if case .record(let r) = $0 { r } else { nil } }
    }
}

func task(_ n: Int, batch: String = "B1") -> OutboundTask {
    OutboundTask(batchID: batch, numbers: (0..<n).map { ("+8613800000\(100 + $0)", "cust\($0)") })
}

/// Knobs that make the arithmetic of the tests plain: one line per agent until measured.
func plainConfiguration() -> PatentDispatcher.Configuration {
    var c = PatentDispatcher.Configuration()
    c.pacing.initialLinesPerAgent = 1
    c.pacing.lookahead = false
    c.minimumSample = 2
    c.abandonWindow = 4
    c.pauseTimeout = 60
    return c
}

@Suite("PatentDispatcher (CN107613150B, S1'–S3', S31–S34)")
struct PatentDispatcherTests {
    @Test("S33: an invalid task or no agent online ends the task with a clear reason")
    func s33Validation() {
        var s = DispatcherScript(PatentDispatcher())
        #expect(throws: TaskValidationError("batch B1 has no contracts; import a contact list first")) {
            _ = try s.start(task(0), agents: [.idle])
        }
        #expect(throws: TaskValidationError("no agent is logged in; log agents in before starting batch B1")) {
            _ = try s.start(task(3), agents: [.loggedOut, .loggedOut])
        }
        var dup = task(2)
        dup.contracts[1].number = dup.contracts[0].number
        #expect(throws: TaskValidationError("contracts 0 and 1 of batch B1 have the same number +8613800000100")) {
            _ = try s.start(dup, agents: [.idle])
        }
        var bad = task(2)
        bad.contracts[1].number = "12ab"
        #expect(throws: TaskValidationError("contract 1 of batch B1 has no dialable number ('12ab')")) {
            _ = try s.start(bad, agents: [.idle])
        }
    }

    @Test("S31–S32 then S1': with idle agents, contracts are dialled in round-robin order, one line each")
    func s1DialsForIdleAgents() throws {
        var s = DispatcherScript(PatentDispatcher(plainConfiguration()))
        let out = try s.start(task(5), agents: [.idle, .idle, .talking])
        #expect(out == [
            .originate(CallID(1), ContractID(0), number: "+8613800000100"),
            .originate(CallID(2), ContractID(1), number: "+8613800000101"),
            .wakeUp(at: 1),
        ])
        #expect(s.dialer.lastStep == .s1DialForIdle)
        // Next tick: two calls still ringing for two idle agents: nothing more.
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 1)).isEmpty)
        // One call fails busy: a line is free again; the next contract in the round is dialled.
        _ = s.send(.callEnded(CallID(1), cause: .userBusy), at: 1.5)
        let next = DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 2))
        #expect(next.map(\.1) == [ContractID(2)])
        #expect(next.map(\.0) == [CallID(3)])
    }

    @Test("a call's life becomes one call record with its outcome, times and agent")
    func callRecord() throws {
        var s = DispatcherScript(PatentDispatcher(plainConfiguration()))
        _ = try s.start(task(1), agents: [.idle])
        _ = s.send(.callAnswered(CallID(1), live: true), at: 8)
        _ = s.send(.agent(AgentID(0), .talking), at: 9)
        _ = s.send(.callConnected(CallID(1), AgentID(0)), at: 9)
        let out = s.send(.callEnded(CallID(1), cause: .normalClearing), at: 100)
        let records = DispatcherScript<PatentDispatcher>.records(out)
        #expect(records == [CallRecord(
            call: CallID(1), contract: ContractID(0), attempt: 1, dialedAt: 0, answeredAt: 8, connectedAt: 9,
            endedAt: 100, outcome: .connected, cause: .normalClearing, agent: AgentID(0))])
        #expect(records.first?.wait == 1)
    }

    @Test("S34: when every contract is completed or failed, the snapshot, once")
    func s34Snapshot() throws {
        var s = DispatcherScript(PatentDispatcher(plainConfiguration()))
        _ = try s.start(task(2), agents: [.idle, .idle])
        _ = s.send(.callEnded(CallID(1), cause: .unallocatedNumber), at: 3)
        _ = s.send(.callAnswered(CallID(2), live: true), at: 5)
        _ = s.send(.callConnected(CallID(2), AgentID(1)), at: 5.5)
        let out = s.send(.callEnded(CallID(2), cause: .normalClearing), at: 60)
        let snapshots = out.compactMap { if case .taskCompleted(let snap) = $0 { snap } else { nil } }
        #expect(snapshots.count == 1)
        let snap = try #require(snapshots.first)
        #expect(snap.isComplete)
        #expect(snap.batchID == "B1" && snap.takenAt == 60)
        #expect(snap.contracts.map(\.state) == [.failed, .completed])
        #expect(snap.contracts.map(\.lastOutcome) == [.invalidNumber, .connected])
        #expect(snap.outcomes == ["invalid_number": 1, "connected": 1])
        #expect(!out.contains { if case .wakeUp = $0 { true } else { false } }, "no wake-up after the end")
        #expect(s.send(.wakeUp, at: 61).isEmpty, "a finished task does nothing")
    }

    @Test("retries: an unanswered contract comes back after its delay, behind the rest of the round")
    func retries() throws {
        var configuration = plainConfiguration()
        configuration.rules = ContractRules(maxAttempts: 2, retryDelay: [.noAnswer: 100])
        var s = DispatcherScript(PatentDispatcher(configuration))
        _ = try s.start(task(3), agents: [.idle])  // dials contract 0
        _ = s.send(.callEnded(CallID(1), cause: .noAnswer), at: 30)
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 31)).map(\.1) == [ContractID(1)])
        _ = s.send(.callEnded(CallID(2), cause: .noAnswer), at: 60)
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 61)).map(\.1) == [ContractID(2)])
        _ = s.send(.callEnded(CallID(3), cause: .noAnswer), at: 90)
        // Contract 0's retry is due at 130: nothing to dial at 91.
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 91)).isEmpty)
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 130)).map(\.1) == [ContractID(0)])
        // Its second no-answer uses up its attempts: failed.
        _ = s.send(.callEnded(CallID(4), cause: .noAnswer), at: 150)
        #expect(s.dialer.snapshot(at: 150).contracts[0].state == .failed)
        #expect(s.dialer.snapshot(at: 150).contracts[0].attempts == 2)
    }

    /// Two answered customers who found no agent in time: the abandon estimate is 1.
    func abandonTwice(_ s: inout DispatcherScript<PatentDispatcher>) {
        _ = s.send(.callAnswered(CallID(1), live: true), at: 1)
        _ = s.send(.callEnded(CallID(1), cause: .normalClearing), at: 4)  // hung up unconnected
        _ = s.send(.callAnswered(CallID(2), live: true), at: 2)
        _ = s.send(.callConnected(CallID(2), AgentID(0)), at: 5)  // 3 s late: abandoned by the rule
        _ = s.send(.agent(AgentID(0), .talking), at: 5)
        _ = s.send(.agent(AgentID(1), .paused(since: 5)), at: 5)
        _ = s.send(.callEnded(CallID(2), cause: .normalClearing), at: 6)
    }

    @Test("S2': no idle agent and the abandon estimate above the threshold: dialing pauses")
    func s2PausesDialing() throws {
        var s = DispatcherScript(PatentDispatcher(plainConfiguration()))
        _ = try s.start(task(10), agents: [.idle, .idle])
        abandonTwice(&s)
        #expect(s.dialer.abandonEstimate == 1)
        // Agent 0 talks, agent 1 has been paused 200 s (> the 60 s timeout), but S2' comes first.
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 205)).isEmpty)
        #expect(s.dialer.lastStep == .s2Paused)
    }

    @Test("S3': below the threshold, agents paused past the timeout count as idle")
    func s3CountsOverduePauses() throws {
        var configuration = plainConfiguration()
        configuration.abandonThreshold = 1  // never above
        var s = DispatcherScript(PatentDispatcher(configuration))
        _ = try s.start(task(10), agents: [.idle, .idle])
        abandonTwice(&s)
        // Paused 50 s: under the timeout, nobody to dial for.
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 55)).isEmpty)
        #expect(s.dialer.lastStep == .s3NoAgent)
        // Paused 61 s: counted as idle, one line for it.
        let out = DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 66))
        #expect(out.map(\.1) == [ContractID(2)])
        #expect(s.dialer.lastStep == .s3DialForOverduePauses)
    }

    @Test("pacing: lines per agent follow the empirical live answer rate, capped")
    func pacingFollowsAnswerRate() throws {
        var configuration = plainConfiguration()
        configuration.minimumSample = 4
        configuration.pacing.maxLinesPerAgent = 3
        var s = DispatcherScript(PatentDispatcher(configuration))
        _ = try s.start(task(40), agents: [.idle, .idle])
        #expect(s.dialer.linesPerAgent == 1)  // initial, until 4 attempts have ended
        // Four attempts: one live answer, three no-answers: answer rate 1/4 → 4 lines, capped to 3.
        _ = s.send(.callEnded(CallID(1), cause: .noAnswer), at: 1)
        _ = s.send(.callEnded(CallID(2), cause: .noAnswer), at: 1)
        _ = s.send(.wakeUp, at: 1)  // dials 3 and 4
        _ = s.send(.callEnded(CallID(3), cause: .noAnswer), at: 1.5)
        _ = s.send(.callAnswered(CallID(4), live: true), at: 1.5)
        _ = s.send(.callConnected(CallID(4), AgentID(0)), at: 1.6)
        _ = s.send(.agent(AgentID(0), .talking), at: 1.6)
        _ = s.send(.callEnded(CallID(4), cause: .normalClearing), at: 1.9)
        _ = s.send(.agent(AgentID(0), .idle), at: 1.9)
        #expect(s.dialer.linesPerAgent == 3)
        // Two idle agents, no call ringing: 2 × 3 = 6 lines.
        #expect(DispatcherScript<PatentDispatcher>.dialled(s.send(.wakeUp, at: 2)).count == 6)
    }

    @Test("same events, same commands")
    func deterministic() throws {
        func run() throws -> [DialerCommand] {
            var s = DispatcherScript(PatentDispatcher())
            var out = try s.start(task(50), agents: Array(repeating: .idle, count: 5))
            for t in 1...200 {
                let time = Double(t)
                for case .originate(let call, _, _) in out where call.rawValue % 3 == 0 {
                    out += s.send(.callEnded(call, cause: .noAnswer), at: time)
                }
                out += s.send(.wakeUp, at: time)
            }
            return out
        }
        let a = try run()
        #expect(a.count > 20)
        #expect(a == (try run()))
    }
}
