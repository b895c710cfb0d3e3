import CallCenter
import DialingPolicies
import Testing

/// What a dialer does with a call it lost sight of (`DialerEvent.callReported`): the softswitch's
/// record is the truth; without one, a customer who may have been served is never dialled again.
@Suite("Dialers: calls reported after the fact (CDRs), and calls of unknown fate")
struct CallReportTests {
    /// A progressive dialer on three contracts and two idle agents, its first two calls out.
    static func started() throws -> (ProgressiveDialer, [CallID]) {
        var c = ProgressiveDialer.Configuration()
        c.rules = ContractRules(maxAttempts: 3, retryDelay: [.noAnswer: 60, .failed: 60, .busy: 60])
        var dialer = ProgressiveDialer(c)
        var commands: [DialerCommand] = []
        try dialer.start(task: task(3), agents: [.idle, .idle], at: 0, into: &commands)
        let calls = commands.compactMap { if case .originate(let call, _, _) = $0 { call } else { nil } }
        return (dialer, calls)
    }

    static func records(_ commands: [DialerCommand]) -> [CallRecord] {
        commands.compactMap { if case .record(let r) = $0 { r } else { nil } }
    }

    @Test("a record says answered, bridged to a1 and ended: connected at the record's times, the contract completed")
    func recordedServed() throws {
        var (dialer, calls) = try Self.started()
        var out: [DialerCommand] = []
        let report = CallReport(answeredAt: 4, connectedAt: 5, agent: AgentID(1), endedAt: 65, cause: .normalClearing)
        dialer.handle(.callReported(calls[0], report), at: 100, into: &out)
        let record = try #require(Self.records(out).first)
        #expect(record.outcome == .connected && record.agent == AgentID(1))
        #expect(record.answeredAt == 4 && record.connectedAt == 5 && record.endedAt == 65 && record.cause == .normalClearing)
        #expect(dialer.contract(record.contract)?.state == .completed)
        #expect(dialer.core.callsInFlight == 1)
    }

    @Test("the record's times replace an answer the dialer heard of late; an answer it never saw is taken from the record")
    func recordTimesWin() throws {
        var (dialer, calls) = try Self.started()
        var out: [DialerCommand] = []
        // Heard of at a reconcile at 50, though the record says 12.
        dialer.handle(.callAnswered(calls[0], live: true), at: 50, into: &out)
        dialer.handle(.callConnected(calls[0], AgentID(0)), at: 50, into: &out)
        dialer.handle(.callReported(calls[0], CallReport(answeredAt: 12, connectedAt: 13, agent: nil, endedAt: 70, cause: .normalClearing)), at: 80, into: &out)
        // Unanswered: no answer, no bridge; busy at 9.
        dialer.handle(.callReported(calls[1], CallReport(answeredAt: nil, connectedAt: nil, agent: nil, endedAt: 9, cause: .userBusy)), at: 80, into: &out)
        let records = Self.records(out)
        #expect(records.map(\.outcome) == [.connected, .busy])
        #expect(records[0].answeredAt == 12 && records[0].connectedAt == 13 && records[0].agent == AgentID(0))
        // A retry is due its delay after the moment the dialer learnt of the end, not before.
        #expect(dialer.contract(records[1].contract)?.notBefore == 140)
    }

    @Test("no record: a call seen connected was served (the end's time unknown); any other is held for review and never dialled again")
    func unknownFate() throws {
        var (dialer, calls) = try Self.started()
        var out: [DialerCommand] = []
        dialer.handle(.callAnswered(calls[0], live: true), at: 3, into: &out)
        dialer.handle(.callConnected(calls[0], AgentID(0)), at: 4, into: &out)
        dialer.handle(.callReported(calls[0], nil), at: 50, into: &out)
        dialer.handle(.callReported(calls[1], nil), at: 50, into: &out)
        let records = Self.records(out)
        #expect(records.map(\.outcome) == [.connected, .unknown])
        #expect(records.allSatisfy { $0.cause == .crash && $0.endedAt == 50 })
        #expect(dialer.contract(records[1].contract)?.state == .review)
        // The dialer goes on with the last contract and completes the task without the held one.
        out.removeAll()
        var t = 50.0
        var dialled: [ContractID] = []
        while !dialer.core.isFinished && t < 1000 {
            t += 1
            dialer.handle(.wakeUp, at: t, into: &out)
            for case .originate(let call, let contract, _) in out {
                dialled.append(contract)
                var end: [DialerCommand] = []
                dialer.handle(.callEnded(call, cause: .noAnswer), at: t, into: &end)
            }
            out.removeAll()
        }
        #expect(!dialled.contains(records[1].contract), "a customer of unknown fate was dialled again")
        #expect(!dialled.contains(records[0].contract))
        let snapshot = dialer.snapshot(at: t)
        #expect(snapshot.isComplete && snapshot.contracts[records[1].contract.index].state == .review)
        #expect(snapshot.outcomes["unknown"] == 1)
    }

    @Test("a connection that failed (the softswitch did not place the customer): a customer who then hangs up waiting is abandoned; one placed again is connected from the second placement")
    func connectionFailed() throws {
        var (dialer, calls) = try Self.started()
        var out: [DialerCommand] = []
        for call in calls {
            dialer.handle(.callAnswered(call, live: true), at: 2, into: &out)
            dialer.handle(.callConnected(call, AgentID(0)), at: 3, into: &out)
            dialer.handle(.connectionFailed(call), at: 4, into: &out)
        }
        dialer.handle(.callEnded(calls[0], cause: .normalClearing), at: 10, into: &out)
        dialer.handle(.callConnected(calls[1], AgentID(1)), at: 6, into: &out)
        dialer.handle(.callEnded(calls[1], cause: .normalClearing), at: 70, into: &out)
        let records = Self.records(out)
        #expect(records.map(\.outcome) == [.abandoned, .connected])
        #expect(records[0].connectedAt == nil && records[0].agent == nil)
        #expect(records[1].connectedAt == 6 && records[1].agent == AgentID(1))
    }
}
