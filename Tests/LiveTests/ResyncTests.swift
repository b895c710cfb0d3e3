import CallCenter
import EventSocket
import Live
import Testing

@Suite("Bridges: agents read again from mod_callcenter (start, gap)")
struct ResyncTests {
    static let available = CallCenterAgent(status: "Available", state: "Waiting")
    static let onCall = CallCenterAgent(status: "Available", state: "In a queue call")
    static let onBreak = CallCenterAgent(status: "On Break", state: "Waiting", awaySince: 50)

    @Test("dialer: only the agents whose state changed during the gap are reported; missing agents are logged out")
    func dialerResync() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        for name in ["1000@default", "1001@default", "1002@default"] {
            _ = bridge.feed(f.agentStatus(name, "Available", at: 1))
            _ = bridge.feed(f.agentState(name, "Waiting", at: 1))
        }
        #expect((0...2).map { bridge.reportedState(of: AgentID($0)) } == [.idle, .idle, .idle])
        let events = bridge.resync(agents: ["1000@default": Self.available, "1001@default": Self.onBreak])
        #expect(events == [.agent(W.a1, .paused(since: 50)), .agent(W.a2, .loggedOut)])
        #expect(bridge.resync(agents: ["1000@default": Self.available, "1001@default": Self.onBreak]).isEmpty)
        // The tracked state was replaced: the next event is read against it.
        #expect(bridge.feed(f.agentStatus("1001@default", "Available", at: 60)) == [.agent(W.a1, .idle)])
    }

    @Test("router: at start the available agents log in; after a gap, busy to ready is agentAvailable, gone is agentLoggedOut")
    func routerResync() {
        var bridge = W.router()
        let start = bridge.resync(agents: ["1000@default": Self.available, "1001@default": Self.onCall])
        #expect(start == [.agentLoggedIn(W.a0)])
        let gap = bridge.resync(agents: ["1000@default": Self.onCall, "1001@default": Self.available, "1002@default": Self.available])
        #expect(gap == [.agentLoggedOut(W.a0), .agentAvailable(W.a1), .agentLoggedIn(W.a2)])
        #expect(bridge.resync(agents: ["1001@default": Self.available, "1002@default": Self.available]).isEmpty,
                "from busy (withdrawn) to logged out: nothing more to say")
        #expect(bridge.resync(agents: ["1001@default": Self.available, "1002@default": Self.available]).isEmpty)
    }
}
