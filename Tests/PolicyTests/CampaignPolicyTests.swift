import CallCenter
import CenterPolicies
import Testing

/// A dialer that dials nothing by itself: it asks for the wake-ups it is told to and remembers
/// every event it hears, so a test sees exactly what `CampaignPolicy` shows it.
struct ListeningDialer: Dialer {
    var name: String { "listening" }
    var heard: [DialerEvent] = []
    /// Wake-ups to ask for at start.
    var wakeUps: [Seconds] = []

    mutating func start(task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]) {
        for at in wakeUps { commands.append(.wakeUp(at: at)) }
    }

    mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        heard.append(event)
    }

    func snapshot(at time: Seconds) -> TaskSnapshot {
        TaskSnapshot(batchID: "t", takenAt: time, contracts: [], outcomes: [:])
    }
}

/// What happens to a campaign's answered customers (`CampaignPolicy`): connected to the agent
/// idle the longest, kept waiting, or hung up at `max_hold`; the same for the simulator and live.
@Suite struct CampaignPolicyTests {
    typealias Policy = CampaignPolicy<ListeningDialer>

    static func started(_ agents: [AgentState], rule: AnswerRule, wakeUps: [Seconds] = []) -> (Policy, [DialerCommand]) {
        var dialer = ListeningDialer()
        dialer.wakeUps = wakeUps
        var policy = CampaignPolicy(dialer, rule: rule)
        var out: [DialerCommand] = []
        try! policy.start(task: OutboundTask(batchID: "t", numbers: []), agents: agents, at: 0, into: &out)
        return (policy, out)
    }

    static func handle(_ policy: inout Policy, _ event: DialerEvent, at time: Seconds) -> [DialerCommand] {
        var out: [DialerCommand] = []
        policy.handle(event, at: time, into: &out)
        return out
    }

    static let c1 = CallID(1), c2 = CallID(2), c3 = CallID(3)

    @Test("a live answer meets the agent idle the longest at once; the dialer hears the agent talking, then the bridge")
    func connectsLongestIdle() {
        var (policy, _) = Self.started([.idle, .loggedOut, .idle], rule: AnswerRule(maxHold: 15))
        // Agent 0 goes on a break and comes back at 5: 2, idle since 0, is idle the longest.
        _ = Self.handle(&policy, .agent(AgentID(0), .paused(since: 4)), at: 4)
        _ = Self.handle(&policy, .agent(AgentID(0), .idle), at: 5)
        let out = Self.handle(&policy, .callAnswered(Self.c1, live: true), at: 6)
        #expect(out.contains(.connect(Self.c1, AgentID(2))))
        #expect(out.contains(.wakeUp(at: 21)), "the hold deadline is armed")
        #expect(policy.shown(AgentID(2)) == .talking)
        #expect(policy.dialer.heard.suffix(2) == [.callAnswered(Self.c1, live: true), .agent(AgentID(2), .talking)])
        // The softswitch bridges: the dialer hears it (once); mod_callcenter knows nothing of the
        // call and says the agent is Waiting meanwhile: the dialer still sees the agent talking.
        _ = Self.handle(&policy, .callConnected(Self.c1, AgentID(2)), at: 6.2)
        _ = Self.handle(&policy, .agent(AgentID(2), .idle), at: 6.3)
        #expect(policy.dialer.heard.last == .callConnected(Self.c1, AgentID(2)))
        #expect(policy.shown(AgentID(2)) == .talking)
        // The deadline passes: the customer is with an agent, nothing to do.
        #expect(Self.handle(&policy, .wakeUp, at: 21).isEmpty)
        // The call ends: the agent is free again (no wrap-up here), as the softswitch last said.
        _ = Self.handle(&policy, .callEnded(Self.c1, cause: .normalClearing), at: 60)
        #expect(policy.dialer.heard.suffix(2) == [.agent(AgentID(2), .idle), .callEnded(Self.c1, cause: .normalClearing)])
        #expect(policy.shown(AgentID(2)) == .idle)
    }

    @Test("no agent idle: customers wait in answer order; the first agent free takes the first; max_hold hangs up the rest")
    func waitsThenExpires() {
        var (policy, _) = Self.started([.talking, .talking], rule: AnswerRule(maxHold: 10))
        #expect(!Self.handle(&policy, .callAnswered(Self.c1, live: true), at: 1).contains { if case .connect = $0 { true } else { false } })
        _ = Self.handle(&policy, .callAnswered(Self.c2, live: true), at: 2)
        _ = Self.handle(&policy, .callAnswered(Self.c3, live: false), at: 2.5)  // a machine: never placed
        #expect(policy.customersWaiting == 2)
        let freed = Self.handle(&policy, .agent(AgentID(1), .idle), at: 4)
        #expect(freed.contains(.connect(Self.c1, AgentID(1))), "the customer waiting longest")
        #expect(policy.dialer.heard.suffix(2) == [.agent(AgentID(1), .idle), .agent(AgentID(1), .talking)],
                "free, then on the customer's call at once, as the simulator tells it")
        // c2's hold (answered at 2) runs out at 12: the message and the hang-up, once.
        #expect(Self.handle(&policy, .wakeUp, at: 11.9).isEmpty)
        #expect(Self.handle(&policy, .wakeUp, at: 12) == [.holdExpired(Self.c2)])
        #expect(policy.customersWaiting == 0)
        // Agent 0 frees up later: nobody is waiting, nothing is connected.
        let later = Self.handle(&policy, .agent(AgentID(0), .idle), at: 13)
        #expect(!later.contains { if case .connect = $0 { true } else { false } })
        #expect(policy.dialer.heard.last == .agent(AgentID(0), .idle))
    }

    @Test("a customer who hangs up while waiting leaves the line: the next agent takes the next customer")
    func hangUpWhileWaiting() {
        var (policy, _) = Self.started([.talking], rule: AnswerRule(maxHold: nil))
        _ = Self.handle(&policy, .callAnswered(Self.c1, live: true), at: 1)
        _ = Self.handle(&policy, .callAnswered(Self.c2, live: true), at: 2)
        _ = Self.handle(&policy, .callEnded(Self.c1, cause: .normalClearing), at: 3)
        #expect(Self.handle(&policy, .agent(AgentID(0), .idle), at: 4).contains(.connect(Self.c2, AgentID(0))))
        let unlimited = Self.handle(&policy, .callAnswered(CallID(9), live: true), at: 5)
        #expect(!unlimited.contains { if case .wakeUp = $0 { true } else { false } }, "no hold limit: no deadline")
        #expect(policy.customersWaiting == 1)
    }

    @Test("after a call it placed, the agent wraps up for wrapUp seconds, then is what the softswitch last said")
    func wrapUpThenTruth() {
        var (policy, _) = Self.started([.idle], rule: AnswerRule(maxHold: 15, wrapUp: 5))
        _ = Self.handle(&policy, .callAnswered(Self.c1, live: true), at: 1)
        _ = Self.handle(&policy, .agent(AgentID(0), .paused(since: 30)), at: 30)  // the agent asks for a break
        #expect(policy.shown(AgentID(0)) == .talking)
        let ended = Self.handle(&policy, .callEnded(Self.c1, cause: .normalClearing), at: 40)
        #expect(ended.contains(.wakeUp(at: 45)))
        #expect(policy.shown(AgentID(0)) == .wrapUp)
        _ = Self.handle(&policy, .callAnswered(Self.c2, live: true), at: 41)
        #expect(policy.customersWaiting == 1, "an agent wrapping up takes no customer")
        _ = Self.handle(&policy, .wakeUp, at: 45)
        #expect(policy.shown(AgentID(0)) == .paused(since: 30), "the break it asked for during the call")
        #expect(policy.customersWaiting == 1)
    }

    @Test("a call connected by someone else (a previous run, the softswitch) books its agent the same way")
    func foreignConnection() {
        var (policy, _) = Self.started([.idle, .idle], rule: AnswerRule(maxHold: 15))
        let out = Self.handle(&policy, .callConnected(Self.c1, AgentID(1)), at: 1)
        #expect(!out.contains { if case .connect = $0 { true } else { false } })
        #expect(policy.shown(AgentID(1)) == .talking)
        #expect(Self.handle(&policy, .callAnswered(Self.c2, live: true), at: 2).contains(.connect(Self.c2, AgentID(0))))
        _ = Self.handle(&policy, .callEnded(Self.c1, cause: .normalClearing), at: 3)
        #expect(policy.shown(AgentID(1)) == .idle)
    }

    @Test("paused: the dialer's wake-ups are held (once each), hold deadlines are not; resume gives the wake-up")
    func pause() {
        var (policy, first) = Self.started([.talking], rule: AnswerRule(maxHold: 10), wakeUps: [5])
        #expect(first == [.wakeUp(at: 5)])
        policy.pause()
        _ = Self.handle(&policy, .callAnswered(Self.c1, live: true), at: 1)
        _ = Self.handle(&policy, .wakeUp, at: 5)
        #expect(!policy.dialer.heard.contains(.wakeUp))
        #expect(policy.heldWakeUps == 1)
        #expect(Self.handle(&policy, .wakeUp, at: 11) == [.holdExpired(Self.c1)])
        #expect(policy.heldWakeUps == 1, "no wake-up of the dialer's was due at 11")
        var out: [DialerCommand] = []
        policy.resume(at: 20, into: &out)
        #expect(policy.dialer.heard.last == .wakeUp)
        // A timer that fires with nothing of the dialer's due is not passed on.
        let count = policy.dialer.heard.count
        _ = Self.handle(&policy, .wakeUp, at: 30)
        #expect(policy.dialer.heard.count == count)
    }

    @Test("when the softswitch places the customers, everything passes through and nothing is connected")
    func softswitchPlaces() {
        var (policy, _) = Self.started([.idle], rule: .softswitchPlaces, wakeUps: [2])
        let events: [DialerEvent] = [
            .callAnswered(Self.c1, live: true), .agent(AgentID(0), .talking), .callConnected(Self.c1, AgentID(0)),
            .agent(AgentID(0), .talking), .wakeUp, .callEnded(Self.c1, cause: .normalClearing),
        ]
        var out: [DialerCommand] = []
        for (i, event) in events.enumerated() { policy.handle(event, at: Seconds(i), into: &out) }
        #expect(out.isEmpty)
        #expect(policy.dialer.heard == events, "every event, repeats included, in order")
    }
}
