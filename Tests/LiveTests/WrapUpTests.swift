import FreeSWITCHFake
import CallCenter
import EventSocket
import Live
import LiveTestSupport
import Testing

/// mod_callcenter's wrap-up: after a queue call the agent stays `Waiting` for its
/// `wrap_up_time` before it is offered another call. The dialer and the router see it as
/// wrap-up (`AgentState.wrapUp`, busy to the router), not idle, as the simulator does.
@Suite("Live: mod_callcenter wrap-up")
struct WrapUpTests {
    static let list = """
        \(AgentListReplies.header)
        1000@default|single_box||callback|user/1000|Available|Waiting|3|30|10|60|0|0|0|0|1700000100|0|0|0|0|0
        1001@default|single_box||callback|user/1001|Available|Waiting|3|20|10|60|0|1700000390|1700000395|0|1700000100|0|0|0|0|0
        1002@default|single_box||callback|user/1002|Available|Waiting|3|0|10|60|0|0|0|0|1700000100|0|0|0|0|0
        +OK

        """

    @Test("the agent list gives each agent its wrap_up_time; one whose call ended less than that ago wraps up")
    func agentList() throws {
        // The driver's clock: Unix seconds less 1,700,000,000.
        let agents = try CallCenterAgentList.parse(agentList: Self.list, timeOfEpoch: { Double($0 - 1_700_000_000) })
        #expect(agents["1000@default"]?.wrapUpTime == 30)
        #expect(agents["1000@default"]?.dialerState == .idle, "no call ended: waiting is idle")
        #expect(agents["1001@default"]?.wrapUpUntil == 415, "its call ended at 395, wrap_up_time 20")
        #expect(agents["1001@default"]?.dialerState == .wrapUp)
        #expect(agents["1002@default"]?.wrapUpTime == 0)
    }

    @Test("a queue call's end is wrap-up for wrap_up_time, then idle; the router has the agent busy meanwhile")
    func afterAQueueCall() throws {
        var factory = FreeSWITCHEventFactory()
        let agents = try CallCenterAgentList.parse(agentList: Self.list)
        var dialer = W.dialer()
        var router = W.router()
        _ = dialer.resync(agents: agents)
        _ = router.resync(agents: agents)
        #expect(dialer.nextWrapUpEnd == nil)
        #expect(dialer.feed(factory.agentState("1000@default", "In a queue call", at: 100), at: 100) == [.agent(W.a0, .talking)])
        #expect(router.feed(factory.agentState("1000@default", "In a queue call", at: 100), at: 100) == [.agentLoggedOut(W.a0)])
        let waiting = factory.agentState("1000@default", "Waiting", at: 160)
        #expect(dialer.feed(waiting, at: 160) == [.agent(W.a0, .wrapUp)])
        #expect(router.feed(waiting, at: 160).isEmpty, "still busy to the router")
        #expect(dialer.nextWrapUpEnd == 190 && router.nextWrapUpEnd == 190)
        #expect(dialer.endWrapUps(at: 189.9).isEmpty)
        #expect(dialer.endWrapUps(at: 190) == [.agent(W.a0, .idle)])
        #expect(router.endWrapUps(at: 190) == [.agentAvailable(W.a0)])
        #expect(dialer.nextWrapUpEnd == nil)
        // An agent going on a break during wrap-up: no wrap-up left to end.
        _ = dialer.feed(factory.agentState("1000@default", "In a queue call", at: 200), at: 200)
        _ = dialer.feed(factory.agentState("1000@default", "Waiting", at: 260), at: 260)
        #expect(dialer.feed(factory.agentStatus("1000@default", "On Break", at: 270), at: 270) == [.agent(W.a0, .paused(since: 270))])
        #expect(dialer.nextWrapUpEnd == nil)
        // An agent with no wrap_up_time is idle at once.
        _ = dialer.feed(factory.agentState("1002@default", "In a queue call", at: 300), at: 300)
        #expect(dialer.feed(factory.agentState("1002@default", "Waiting", at: 330), at: 330) == [.agent(W.a2, .idle)])
    }
}

@Suite("Live: a whole center's bridge")
struct CenterBridgeTests {
    @Test("the agent of a campaign call the center connected is free at the hang-up with freeAtHangup, else wraps up")
    func campaignHangUp() throws {
        var factory = FreeSWITCHEventFactory()
        for freeAtHangup in [true, false] {
            var bridge = try CenterBridge(configuration: W.configuration, freeAtHangup: freeAtHangup)
            var actions: [CenterBridge.Action] = []
            let call = CallID(7)
            bridge.actions(for: .dialer(.originate(call, ContractID(0), number: "5551234")), at: 0, into: &actions)
            bridge.actions(for: .dialer(.connect(call, W.a1)), at: 5, into: &actions)
            #expect(actions.contains { if case .live(.esl(.bgapi("uuid_transfer", _, _))) = $0 { true } else { false } })
            let leg = W.leg(call)
            var events: [CenterEvent] = []
            bridge.events(for: event(factory.answer(leg, at: 4)), at: 4, into: &events)
            bridge.events(for: event(factory.hangup(leg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: 60)), at: 60, into: &events)
            let ended = events.drop { if case .outbound(.callEnded) = $0 { false } else { true } }
            #expect(Array(ended) == (freeAtHangup
                ? [.outbound(.callEnded(call, cause: .normalClearing)), .agentFree(W.a1)]
                : [.outbound(.callEnded(call, cause: .normalClearing))]))
        }
    }
}
