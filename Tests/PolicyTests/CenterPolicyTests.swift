import CallCenter
import CenterPolicies
import Testing

/// A router that routes by a script: callers numbered 100 and up queue for any agent (the
/// lowest free one, or the next to become available); the others get a callback task owned by
/// `owner` and are hung up. It remembers what it hears.
struct ScriptedRouter: InboundRouter, CallbackTaskLookup {
    var heard: [InboundEvent] = []
    /// Agents the router believes free.
    var free: Set<AgentID> = []
    var queue: [CallID] = []
    var owner: AgentID? = AgentID(0)
    var tasks: [CallbackTask] = []

    mutating func handle(_ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand]) {
        heard.append(event)
        switch event {
        case .agentLoggedIn(let a), .agentAvailable(let a):
            free.insert(a)
            if !queue.isEmpty {
                free.remove(a)
                commands.append(.connect(queue.removeFirst(), to: a))
            }
        case .agentLoggedOut(let a): free.remove(a)
        case .callerArrived(let call, _) where call.rawValue >= 100:
            if let a = free.min(by: { $0.index < $1.index }) {
                free.remove(a)
                commands.append(.connect(call, to: a))
            } else {
                queue.append(call)
            }
        case .callerArrived(let call, _):
            let id = CallbackTaskID(Int32(tasks.count))
            tasks.append(
                CallbackTask(
                    id: id, customer: nil, callerNumber: nil, businessType: nil, owner: owner,
                    created: time, deadline: time + 1800, priority: 0))
            commands.append(.createCallback(id))
            commands.append(.hangUp(call))
        default: break
        }
    }

    func callbackTask(_ id: CallbackTaskID) -> CallbackTask? { id.index < tasks.count ? tasks[id.index] : nil }
    func customer(_ id: CustomerID) -> Customer? { nil }
}

/// One call center's decisions (`CenterPolicy`): inbound first, then callbacks, then the
/// campaign; answered customers placed or let go at `max_hold`; the dialing window.
@Suite struct CenterPolicyTests {
    typealias Center = CenterPolicy<ScriptedRouter, ListeningDialer>

    static func center(agents: Int, rule: CenterRule, dialer: Bool = true) -> Center {
        var center = Center(router: ScriptedRouter(), dialer: dialer ? ListeningDialer() : nil, agents: agents, rule: rule)
        var out: [CenterCommand] = []
        for a in 0..<agents { center.handle(.agentLoggedIn(AgentID(a)), at: 0, into: &out) }
        return center
    }

    static func handle(_ center: inout Center, _ event: CenterEvent, at time: Seconds) -> [CenterCommand] {
        var out: [CenterCommand] = []
        center.handle(event, at: time, into: &out)
        return out
    }

    static func caller(_ n: UInt64) -> CenterEvent { .inbound(.callerArrived(CallID(n), caller: PhoneNumber("1380000000\(n)")!)) }

    @Test("inbound first: a free agent goes to the router before their callback; an idle one starts it, withdrawn from the router")
    func inboundFirstThenCallbacks() {
        var center = Self.center(agents: 1, rule: CenterRule(agentsDialCallbacks: true), dialer: false)
        _ = Self.handle(&center, Self.caller(100), at: 1)  // the router connects agent 0
        #expect(center.activity(AgentID(0)) == .inbound)
        _ = Self.handle(&center, .agentWrappingUp(AgentID(0)), at: 60)
        var out = Self.handle(&center, Self.caller(1), at: 61)  // a callback task for agent 0
        #expect(out.contains(.inbound(.createCallback(CallbackTaskID(0)))))
        #expect(!out.contains { if case .startCallback = $0 { true } else { false } }, "agent 0 wraps up")
        _ = Self.handle(&center, Self.caller(101), at: 62)  // waits in the router's queue
        // The wrap-up ends: the router takes agent 0 for the waiting caller first.
        out = Self.handle(&center, .agentFree(AgentID(0)), at: 70)
        #expect(out == [.inbound(.connect(CallID(101), to: AgentID(0)))])
        #expect(center.activity(AgentID(0)) == .inbound)
        // Free again with nobody waiting: the agent dials the task, withdrawn from the router.
        out = Self.handle(&center, .agentFree(AgentID(0)), at: 200)
        #expect(out.first == .startCallback(CallbackTaskID(0), agent: AgentID(0)))
        #expect(center.activity(AgentID(0)) == .callback)
        #expect(center.router.heard.last == .agentLoggedOut(AgentID(0)))
        // Reached: done, the router hears so, and the agent is free.
        out = Self.handle(&center, .callbackEnded(CallbackTaskID(0), agent: AgentID(0), reached: true), at: 300)
        #expect(out.first == .callbackDone(CallbackTaskID(0), by: AgentID(0)))
        #expect(center.router.heard.suffix(2) == [.callbackDone(CallbackTaskID(0)), .agentAvailable(AgentID(0))])
        #expect(center.activity(AgentID(0)) == .idle)
    }

    @Test("a callback that did not reach the customer is tried again after the retry delay, not before")
    func callbackRetry() {
        var center = Self.center(agents: 1, rule: CenterRule(agentsDialCallbacks: true, callbackRetry: 600), dialer: false)
        var out = Self.handle(&center, Self.caller(1), at: 1)
        #expect(out.contains(.startCallback(CallbackTaskID(0), agent: AgentID(0))))
        #expect(out.contains(.inbound(.hangUp(CallID(1)))))
        #expect(center.router.heard.last == .agentLoggedOut(AgentID(0)), "withdrawn from the router while dialling")
        out = Self.handle(&center, .callbackEnded(CallbackTaskID(0), agent: AgentID(0), reached: false), at: 31)
        #expect(out.contains(.wakeUp(at: 631)))
        #expect(!out.contains { if case .startCallback = $0 { true } else { false } }, "not due yet")
        #expect(center.router.heard.last == .agentAvailable(AgentID(0)))
        out = Self.handle(&center, .wakeUp, at: 631)
        #expect(out.contains(.startCallback(CallbackTaskID(0), agent: AgentID(0))))
    }

    @Test("the campaign: the reserve stays with the router; an answered customer meets the pool's longest idle agent")
    func poolAndAnsweredCustomers() throws {
        var center = Self.center(
            agents: 3, rule: CenterRule(blend: BlendRule(inboundReserve: 1, dialUntil: 3600), maxHold: 15))
        var out: [CenterCommand] = []
        try center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 10, into: &out)
        #expect(out.contains(.wakeUp(at: 3600)), "the window's end is the center's to notice")
        // Agents 0 and 1 join the pool (idle the longest, lower index first); 2 is the reserve.
        #expect(center.shown(AgentID(0)) == .idle && center.shown(AgentID(1)) == .idle)
        #expect(center.shown(AgentID(2)) == .loggedOut)
        #expect(center.router.free == [AgentID(2)], "the pool's agents are withdrawn from the router")
        out = Self.handle(&center, .outbound(.callAnswered(CallID(7), live: true)), at: 20)
        #expect(out.contains(.dialer(.connect(CallID(7), AgentID(0)))))
        #expect(out.contains(.wakeUp(at: 35)), "the hold deadline is armed")
        #expect(center.activity(AgentID(0)) == .campaign)
        #expect(center.dialer?.heard.contains(.callConnected(CallID(7), AgentID(0))) == true)
        #expect(center.dialer?.heard.last == .agent(AgentID(0), .talking))
        // The call ends: the agent wraps up (the world says when they are free).
        _ = Self.handle(&center, .outbound(.callEnded(CallID(7), cause: .normalClearing)), at: 80)
        #expect(center.shown(AgentID(0)) == .wrapUp)
        // Free at 90: agent 2 (idle since 0) has waited longer, so it joins and agent 0 is the
        // reserve, back with the router.
        _ = Self.handle(&center, .agentFree(AgentID(0)), at: 90)
        #expect(center.shown(AgentID(2)) == .idle && center.shown(AgentID(0)) == .loggedOut)
        #expect(center.router.free == [AgentID(0)])
    }

    @Test("an answered customer nobody takes is let go at max_hold; the pool closes at dial_until and goes back to the router")
    func maxHoldAndWindow() throws {
        var center = Self.center(
            agents: 2, rule: CenterRule(blend: BlendRule(inboundReserve: 2, dialUntil: 100), maxHold: 15))
        var out: [CenterCommand] = []
        try center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 0, into: &out)
        out = Self.handle(&center, .outbound(.callAnswered(CallID(1), live: true)), at: 10)
        #expect(out == [.wakeUp(at: 25)], "both agents are the reserve: the customer waits")
        #expect(Self.handle(&center, .wakeUp, at: 24.9).isEmpty)
        // Let go; the center's next wake-up is the window's end (one pending at a time).
        #expect(Self.handle(&center, .wakeUp, at: 25) == [.dialer(.holdExpired(CallID(1))), .wakeUp(at: 100)])
        // A reserve of 0 lets both join; at dial_until the pool empties, back to the router.
        center = Self.center(agents: 2, rule: CenterRule(blend: BlendRule(dialUntil: 100), maxHold: 15))
        try center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 0, into: &out)
        #expect(center.router.free.isEmpty)
        out = Self.handle(&center, .wakeUp, at: 100)
        #expect(center.router.free == [AgentID(0), AgentID(1)])
        #expect(center.shown(AgentID(0)) == .loggedOut && !center.dialing)
    }

    @Test("outside the window a call the dialer asks for is cancelled at once and never reaches the softswitch")
    func originateOutsideWindow() throws {
        struct EagerDialer: Dialer {
            var name: String { "eager" }
            var ended: [CallID] = []
            var next: UInt64 = 1
            mutating func start(task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]) {}
            mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
                switch event {
                case .agent(_, .idle):
                    commands.append(.originate(CallID(next), ContractID(0), number: "1"))
                    next += 1
                case .callEnded(let call, _): ended.append(call)
                default: break
                }
            }
            func snapshot(at time: Seconds) -> TaskSnapshot { TaskSnapshot(batchID: "t", takenAt: time, contracts: [], outcomes: [:]) }
        }
        var center = CenterPolicy<ScriptedRouter, EagerDialer>(
            router: ScriptedRouter(), dialer: EagerDialer(), agents: 1, rule: CenterRule(blend: BlendRule(dialUntil: 50)))
        var out: [CenterCommand] = []
        center.handle(.agentLoggedIn(AgentID(0)), at: 0, into: &out)
        try center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 0, into: &out)
        // The dialer was shown agent 0 idle at start, and asks for nothing more; the agent
        // leaves the pool with an answered customer and comes back after 50: no dialing then.
        out.removeAll()
        center.handle(.outbound(.callAnswered(CallID(9), live: true)), at: 60, into: &out)
        center.handle(.outbound(.callEnded(CallID(9), cause: .normalClearing)), at: 70, into: &out)
        center.handle(.agentFree(AgentID(0)), at: 80, into: &out)
        #expect(!out.contains { if case .dialer(.originate) = $0 { true } else { false } })
    }
}

extension CenterPolicyTests {
    @Test("reports that do not match the center (an unknown agent, a callback never started) are ignored, not a crash")
    func mismatchedReports() {
        var center = Self.center(agents: 2, rule: CenterRule(agentsDialCallbacks: true), dialer: false)
        #expect(Self.handle(&center, .agentFree(AgentID(7)), at: 1).isEmpty)
        #expect(Self.handle(&center, .callbackEnded(CallbackTaskID(3), agent: AgentID(1), reached: true), at: 2).isEmpty)
        #expect(Self.handle(&center, .callbackEnded(CallbackTaskID(0), agent: AgentID(9), reached: false), at: 3).isEmpty)
        #expect(center.activity(AgentID(1)) == .idle)
    }
}

extension CenterPolicyTests {
    @Test("a break: the dialer sees the agent paused since then (S3'), the router has them away; back, they are free")
    func pauses() throws {
        var center = Self.center(agents: 2, rule: CenterRule(blend: BlendRule(dialUntil: 3600)))
        var out: [CenterCommand] = []
        try center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 0, into: &out)
        _ = Self.handle(&center, .outbound(.callAnswered(CallID(1), live: true)), at: 10)
        _ = Self.handle(&center, .outbound(.callEnded(CallID(1), cause: .normalClearing)), at: 70)
        _ = Self.handle(&center, .agentPaused(AgentID(0)), at: 80)
        #expect(center.shown(AgentID(0)) == .paused(since: 80))
        #expect(center.dialer?.heard.last == .agent(AgentID(0), .paused(since: 80)))
        #expect(center.activity(AgentID(0)) == .paused)
        // mod_callcenter's Available again reads as agentLoggedIn: the end of the break.
        _ = Self.handle(&center, .agentLoggedIn(AgentID(0)), at: 200)
        #expect(center.activity(AgentID(0)) == .idle)
        // Offered to the router first (agentAvailable), then back in the dialer's pool (withdrawn).
        #expect(center.router.heard.suffix(2) == [.agentAvailable(AgentID(0)), .agentLoggedOut(AgentID(0))])
        #expect(center.shown(AgentID(0)) == .idle)
    }
}
