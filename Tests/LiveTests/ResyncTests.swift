import FreeSWITCHFake
import CallCenter
import EventSocket
import Live
import LiveTestSupport
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

@Suite("Bridges: calls read from FreeSWITCH's channel list")
struct ChannelListBridgeTests {
    @Test("router: parked inbound channels arrive once, oldest first, through the service-number filter")
    func parkedArrivals() throws {
        var c = W.configuration
        c.serviceNumbers = ["4000"]
        var bridge = W.router(c)
        let list = try LiveChannelList.parse(#"""
            {"row_count":4,"rows":[
            {"uuid":"p2","direction":"inbound","created_epoch":"20","callstate":"ACTIVE","cid_num":"13800000002","dest":"4000","application":"park"},
            {"uuid":"p1","direction":"inbound","created_epoch":"10","callstate":"ACTIVE","cid_num":"13800000001","dest":"4000","application":"park"},
            {"uuid":"p3","direction":"inbound","created_epoch":"5","callstate":"ACTIVE","cid_num":"13800000003","dest":"4999","application":"park"},
            {"uuid":"o1","direction":"outbound","created_epoch":"1","callstate":"ACTIVE","application":"park"}]}
            """#)
        let first = CallID(c.firstInboundCall)
        #expect(bridge.parked(list.parkedInboundCalls) == [
            .callerArrived(first, caller: PhoneNumber("13800000001")),
            .callerArrived(CallID(first.rawValue + 1), caller: PhoneNumber("13800000002")),
        ])
        #expect(bridge.parked(list.parkedInboundCalls).isEmpty, "already followed")
        #expect(bridge.channelUUID(of: first) == "p1")
    }

    @Test("dialer: after a gap, a call answered meanwhile is reported answered, one bridged meanwhile connected")
    func dialerReconcile() throws {
        var bridge = W.dialer()
        let (a, b, gone) = (CallID(1), CallID(2), CallID(3))
        for call in [a, b, gone] { _ = bridge.commands(for: .originate(call, ContractID(Int32(call.rawValue)), number: "5551234"), at: 0) }
        let list = try LiveChannelList.parse(#"""
            {"row_count":2,"rows":[
            {"uuid":"\#(a.uuidString)","direction":"outbound","callstate":"ACTIVE"},
            {"uuid":"\#(b.uuidString)","direction":"outbound","callstate":"ACTIVE","b_uuid":"agentleg","b_direction":"outbound","b_dest":"1001","b_callstate":"ACTIVE"}]}
            """#)
        let events = bridge.reconcile(channels: list, at: 5)
        #expect(events == [.callAnswered(a, live: true), .callAnswered(b, live: true), .callConnected(b, W.a1)])
        #expect(bridge.vanished == [gone: 5], "the call that vanished waits for its record")
        #expect(bridge.reconcile(channels: list, at: 6).isEmpty, "nothing new the second time")
    }
}
