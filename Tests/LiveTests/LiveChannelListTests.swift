import CallCenter
import Foundation
import Live
import Testing

/// Replies of `show calls as json` / `show channels as json`. The "real" ones were found in public
/// code and are trimmed to fewer columns (values unchanged); the others are labelled synthetic.
enum ChannelReplies {
    /// Real, trimmed: `show calls as json` of FreeSWITCH 1.10 (2021), a bridged call: an inbound
    /// leg from extension 1003 bridged to an outbound gateway leg (picallex/sqlsync,
    /// spec/fsocket_spec.cr).
    static let callsBridgedToGateway = """
        {"row_count":1,"rows":[{"uuid":"ed2370f7-49e1-4d82-b425-f99e58d2dbb4","direction":"inbound",\
        "created":"2021-12-21 22:15:25","created_epoch":"1640124925",\
        "name":"sofia/cloudpbxdev.picallex.com/1003@cloudpbxclient1.picallex.com","state":"CS_EXECUTE",\
        "cid_name":"1003","cid_num":"1003","dest":"573165387562","presence_id":"1003@cloudpbxclient1.picallex.com",\
        "presence_data":"","accountcode":"","callstate":"ACTIVE","callee_name":"","callee_num":"","callee_direction":"",\
        "call_uuid":"ed2370f7-49e1-4d82-b425-f99e58d2dbb4","sent_callee_name":"","sent_callee_num":"",\
        "b_uuid":"b7d2160d-6441-4469-b610-d9b962ef0d4d","b_direction":"outbound","b_created":"2021-12-21 22:15:27",\
        "b_created_epoch":"1640124927","b_name":"sofia/cloudpbxdev.picallex.com/573165387562",\
        "b_state":"CS_EXCHANGE_MEDIA","b_cid_name":"Vip2phone Pruebas","b_cid_num":"17863057605",\
        "b_dest":"573165387562","b_presence_id":"","b_presence_data":"","b_accountcode":"","b_callstate":"ACTIVE",\
        "b_callee_name":"Outbound Call","b_callee_num":"573165387562","b_callee_direction":"",\
        "b_sent_callee_name":"","b_sent_callee_num":"","call_created_epoch":"1640124935"}]}

        """

    /// Real, trimmed: `show channels as json` from the same source, the same kind of call while the
    /// gateway leg is still being set up (a-leg EARLY running `bridge`, b-leg DOWN, no application).
    static let channelsRinging = """
        {"row_count":2,"rows":[{"uuid":"9d1589aa-64a5-438b-b4fb-8d336efe9032","direction":"inbound",\
        "created":"2021-12-21 22:14:56","created_epoch":"1640124896",\
        "name":"sofia/cloudpbxdev.picallex.com/1003@cloudpbxclient1.picallex.com","state":"CS_EXECUTE",\
        "cid_name":"1003","cid_num":"1003","dest":"573165387562","application":"bridge",\
        "application_data":"[]sofia/gateway/Telinta/573165387562|error/NO_ROUTE_DESTINATION","dialplan":"XML",\
        "callstate":"EARLY","callee_name":"","callee_num":"","callee_direction":"","call_uuid":""},\
        {"uuid":"e4b21ae1-56c1-49a2-bc83-050da2b5a8d4","direction":"outbound","created":"2021-12-21 22:14:59",\
        "created_epoch":"1640124899","name":"sofia/cloudpbxdev.picallex.com/573165387562","state":"CS_CONSUME_MEDIA",\
        "cid_name":"Vip2phone Pruebas","cid_num":"17863057605","dest":"573165387562","application":"",\
        "application_data":"","dialplan":"XML","callstate":"DOWN","callee_name":"Outbound Call",\
        "callee_num":"573165387562","callee_direction":"","call_uuid":"9d1589aa-64a5-438b-b4fb-8d336efe9032"}]}
        """

    /// Real, trimmed: `show channels as json` (FusionPBX, 2023): an inbound call bridged to
    /// extension 103; both legs ACTIVE, both `call_uuid` naming the a-leg.
    static let channelsBridged = """
        {"row_count":2,"rows":[{"uuid":"6d91cd24-5e2d-4512-bfbf-f879a9e8e205","direction":"inbound",\
        "created":"2023-01-14 19:49:32","created_epoch":"1673705972","name":"sofia/external/anonymous@anonymous.invalid",\
        "state":"CS_EXECUTE","cid_name":"Anonymous","cid_num":"anonymous","dest":"103","application":"bridge",\
        "application_data":"user/103@192.168.1.103","callstate":"ACTIVE","callee_name":"103","callee_num":"103",\
        "callee_direction":"SEND","call_uuid":"6d91cd24-5e2d-4512-bfbf-f879a9e8e205"},\
        {"uuid":"d1378a04-2ffe-4730-932a-badf0b5e746e","direction":"outbound","created":"2023-01-14 19:49:32",\
        "created_epoch":"1673705972","name":"sofia/internal/103@192.168.1.100:50861","state":"CS_EXCHANGE_MEDIA",\
        "cid_name":"Anonymous","cid_num":"anonymous","dest":"103","application":"","application_data":"",\
        "callstate":"ACTIVE","callee_name":"103","callee_num":"103","callee_direction":"SEND",\
        "call_uuid":"6d91cd24-5e2d-4512-bfbf-f879a9e8e205"}]}
        """

    /// Real, converted: the CSV `show calls` of FreeSWITCH 1.10.11 (2025, srthorat/freeswitch-speech-ai,
    /// dockerfiles/README.md), extension 1000 calling 1001, written as the JSON form of the same
    /// columns (FreeSWITCH writes every value as a string there).
    static let callsExtensionToExtension = """
        {"row_count":1,"rows":[{"uuid":"bba5d840-47d1-4245-8319-deda26f01b95","direction":"inbound",\
        "created":"2025-11-17 19:09:55","created_epoch":"1763406595","name":"sofia/internal/1000@192.168.64.2",\
        "state":"CS_EXECUTE","cid_name":"1000","cid_num":"1000","ip_addr":"192.168.64.1","dest":"1001",\
        "presence_id":"1000@192.168.64.2","presence_data":"","accountcode":"1000","callstate":"ACTIVE",\
        "callee_name":"Outbound Call","callee_num":"1001","callee_direction":"SEND",\
        "call_uuid":"bba5d840-47d1-4245-8319-deda26f01b95","hostname":"docker-desktop",\
        "sent_callee_name":"Outbound Call","sent_callee_num":"1001","b_uuid":"17f0b761-a8f8-4309-8d9a-224a98f9bfce",\
        "b_direction":"outbound","b_created":"2025-11-17 19:10:06","b_created_epoch":"1763406606",\
        "b_name":"sofia/internal/1001@192.168.64.1:50357","b_state":"CS_EXCHANGE_MEDIA","b_cid_name":"Extension 1000",\
        "b_cid_num":"1000","b_ip_addr":"192.168.64.1","b_dest":"1001","b_presence_id":"1001@192.168.64.2",\
        "b_presence_data":"","b_accountcode":"","b_callstate":"ACTIVE","b_callee_name":"Outbound Call",\
        "b_callee_num":"1001","b_callee_direction":"SEND","b_sent_callee_name":"Extension 1000",\
        "b_sent_callee_num":"1000","call_created_epoch":"1763406608"}]}
        """

    /// Real, trimmed: `show calls as json` of FreeSWITCH 1.10 (2025), one unbridged call with the
    /// `b_` columns empty (quoted in a public ESL client's notes).
    static let callsUnbridged = """
        {"row_count":1,"rows":[{"uuid":"0843f5c8-a736-464c-af5f-530359ec1fc3","direction":"inbound",\
        "created":"2025-06-30 11:03:53","created_epoch":"1751281433","name":"sofia/internal/1000@172.15.238.10",\
        "state":"CS_EXECUTE","cid_name":"1000","cid_num":"1000","dest":"9196","callstate":"ACTIVE",\
        "callee_name":"","callee_num":"","call_uuid":"","b_uuid":"","b_direction":"","b_created":"",\
        "b_created_epoch":"","b_name":"","b_state":"","b_cid_name":"","b_cid_num":"","b_dest":"",\
        "b_callstate":"","b_callee_name":"","b_callee_num":"","call_created_epoch":""}]}
        """

    /// A synthetic `show calls` row: our outbound call (`uuid`) bridged to a callee described by
    /// these `b_` values; `callstate` for both legs.
    static func syntheticBridge(
        _ uuid: String, callState: String = "ACTIVE", peer: String, peerDirection: String = "outbound",
        peerName: String = "", peerDest: String = "", peerCID: String = "", peerCallee: String = ""
    ) -> String {
        """
        {"uuid":"\(uuid)","direction":"outbound","created_epoch":"1700000000","name":"sofia/gateway/carrier/5551111",\
        "state":"CS_EXCHANGE_MEDIA","cid_name":"Acme_Bank","cid_num":"4000","dest":"5551111","callstate":"\(callState)",\
        "callee_name":"","callee_num":"5551111","call_uuid":"\(uuid)","b_uuid":"\(peer)","b_direction":"\(peerDirection)",\
        "b_created_epoch":"1700000010","b_name":"\(peerName)","b_state":"CS_EXCHANGE_MEDIA","b_cid_name":"",\
        "b_cid_num":"\(peerCID)","b_dest":"\(peerDest)","b_callstate":"ACTIVE","b_callee_name":"",\
        "b_callee_num":"\(peerCallee)","call_created_epoch":"1700000012"}
        """
    }

    /// Wraps rows into a reply.
    static func reply(_ rows: [String]) -> String {
        rows.isEmpty ? "{\"row_count\":0}\n" : "{\"row_count\":\(rows.count),\"rows\":[\(rows.joined(separator: ","))]}\n"
    }
}

@Suite("Live: show calls / show channels as json")
struct LiveChannelListTests {
    typealias R = ChannelReplies
    let roster = W.configuration.agents  // 1000, 1001, 1002 → a0, a1, a2

    @Test("an empty list, from either command")
    func empty() throws {
        let list = try LiveChannelList.parse("{\"row_count\":0}\n")
        #expect(list.count == 0)
        #expect(list.uuids.isEmpty)
        #expect(list.parkedInboundCalls.isEmpty)
        #expect(list.status(ofCall: "anything", roster: roster) == nil)
        #expect(try LiveChannels.parse(showChannelsJSON: "{\"row_count\":0}") == [])
    }

    @Test("real show calls: a bridged row gives two channels linked both ways")
    func bridgedRowLinksBothWays() throws {
        let list = try LiveChannelList.parse(R.callsBridgedToGateway)
        let a = "ed2370f7-49e1-4d82-b425-f99e58d2dbb4", b = "b7d2160d-6441-4469-b610-d9b962ef0d4d"
        #expect(list.count == 2)
        #expect(list.uuids == [a, b])
        #expect(try LiveChannels.parse(showChannelsJSON: R.callsBridgedToGateway) == [a, b])
        let aLeg = try #require(list[a]), bLeg = try #require(list[b])
        #expect(aLeg.bridgedUUID == b)
        #expect(bLeg.bridgedUUID == a)
        #expect(!aLeg.isCallee && bLeg.isCallee)
        #expect(aLeg.direction == "inbound" && bLeg.direction == "outbound")
        #expect(aLeg.createdEpoch == 1_640_124_925 && bLeg.createdEpoch == 1_640_124_927)
        #expect(aLeg.callState == "ACTIVE" && aLeg.isAnswered && bLeg.isAnswered)
        #expect(aLeg.callerNumber == "1003" && aLeg.destination == "573165387562")
        #expect(aLeg.calleeNumber == nil)  // "" is read as nil
        #expect(bLeg.callerName == "Vip2phone Pruebas" && bLeg.callerNumber == "17863057605")
        #expect(bLeg.calleeNumber == "573165387562" && bLeg.state == "CS_EXCHANGE_MEDIA")
        #expect(aLeg.peer?.name == "sofia/cloudpbxdev.picallex.com/573165387562")
        #expect(bLeg.peer?.callerNumber == "1003" && bLeg.peer?.direction == "inbound")
        #expect(list.peer(of: b)?.uuid == a)
        #expect(aLeg.application == nil)  // the calls view of 1.10 has no application column
        // Bridged to a gateway, not to an agent: answered. From 1003's side, 1003 is no agent either.
        #expect(list.status(ofCall: a, roster: roster) == .answered)
        #expect(list.status(ofCall: b, roster: roster) == .answered)
        // With 1003 in the roster, the gateway leg is bridged to it (the inbound peer's caller id).
        let with1003 = roster + [.init(id: AgentID(9), name: "1003@default", exten: "1003")]
        #expect(list.status(ofCall: b, roster: with1003) == .bridged(AgentID(9)))
        #expect(list.status(ofCall: a, roster: with1003) == .answered)
    }

    @Test("real show calls between two roster extensions: each leg resolves the other")
    func extensionToExtension() throws {
        let list = try LiveChannelList.parse(R.callsExtensionToExtension)
        let caller = "bba5d840-47d1-4245-8319-deda26f01b95", callee = "17f0b761-a8f8-4309-8d9a-224a98f9bfce"
        // The outbound peer is who FreeSWITCH called (b_dest 1001); the inbound peer is who called
        // (cid 1000), not its destination 1001.
        #expect(list.status(ofCall: caller, roster: roster) == .bridged(W.a1))
        #expect(list.status(ofCall: callee, roster: roster) == .bridged(W.a0))
    }

    @Test("real show calls with empty b_ columns: one channel, answered, not bridged")
    func unbridgedCall() throws {
        let list = try LiveChannelList.parse(R.callsUnbridged)
        let uuid = "0843f5c8-a736-464c-af5f-530359ec1fc3"
        #expect(list.uuids == [uuid])
        #expect(list[uuid]?.peer == nil)
        #expect(list.status(ofCall: uuid, roster: roster) == .answered)
    }

    @Test("real show channels: no b_ columns; ringing legs stay apart, answered legs link by call_uuid")
    func showChannels() throws {
        let ringing = try LiveChannelList.parse(R.channelsRinging)
        let a = "9d1589aa-64a5-438b-b4fb-8d336efe9032", b = "e4b21ae1-56c1-49a2-bc83-050da2b5a8d4"
        #expect(ringing.count == 2)
        #expect(ringing[a]?.application == "bridge")
        #expect(ringing[a]?.applicationData?.hasPrefix("[]sofia/gateway/Telinta/") == true)
        #expect(ringing[b]?.application == nil)
        #expect(ringing[b]?.callUUID == a)
        #expect(ringing[a]?.peer == nil && ringing[b]?.peer == nil)
        #expect(ringing.status(ofCall: a, roster: roster) == .ringing)  // EARLY
        #expect(ringing.status(ofCall: b, roster: roster) == .ringing)  // DOWN
        #expect(ringing.parkedInboundCalls.isEmpty)  // inbound, but running bridge

        let bridged = try LiveChannelList.parse(R.channelsBridged)
        let c = "6d91cd24-5e2d-4512-bfbf-f879a9e8e205", d = "d1378a04-2ffe-4730-932a-badf0b5e746e"
        #expect(bridged[c]?.bridgedUUID == d)
        #expect(bridged[d]?.bridgedUUID == c)
        #expect(bridged.status(ofCall: c, roster: roster) == .answered)  // 103 is not in the roster
        let with103 = roster + [.init(id: AgentID(7), name: "103@default", exten: "103")]
        #expect(bridged.status(ofCall: c, roster: with103) == .bridged(AgentID(7)))
    }

    @Test("agent resolution: each route, and what does not count")
    func agentRoutes() throws {
        let us = "51cc0001-0000-4000-8000-000000000001"
        func status(_ row: String, _ agentChannels: [String: String] = [:]) throws -> LiveCallStatus? {
            try LiveChannelList.parse(R.reply([row])).status(ofCall: us, roster: roster, agentChannels: agentChannels)
        }
        // Synthetic rows, one route each.
        #expect(try status(R.syntheticBridge(us, peer: "p1", peerDest: "1002")) == .bridged(W.a2))
        #expect(try status(R.syntheticBridge(us, peer: "p1", peerDest: "agents", peerCallee: "1001")) == .bridged(W.a1))
        #expect(
            try status(R.syntheticBridge(us, peer: "p1", peerName: "sofia/internal/1000@192.0.2.7:5060", peerDest: "q"))
                == .bridged(W.a0))
        #expect(
            try status(R.syntheticBridge(us, peer: "p1", peerDirection: "inbound", peerDest: "5551111", peerCID: "1002"))
                == .bridged(W.a2))
        #expect(
            try status(R.syntheticBridge(us, peer: "p1", peerDest: "x"), ["p1": "1001@default"]) == .bridged(W.a1))
        // The mod_callcenter channel wins over numbers; an unknown agent name falls back to them.
        #expect(
            try status(R.syntheticBridge(us, peer: "p1", peerDest: "1000"), ["p1": "1002@default"]) == .bridged(W.a2))
        #expect(try status(R.syntheticBridge(us, peer: "p1", peerDest: "1000"), ["p1": "nobody"]) == .bridged(W.a0))
        // An outbound peer's caller id is who was presented to it: not who it is.
        #expect(try status(R.syntheticBridge(us, peer: "p1", peerDest: "9", peerCID: "1001")) == .answered)
        // An extension only as part of a longer number does not count.
        #expect(
            try status(R.syntheticBridge(us, peer: "p1", peerName: "sofia/internal/10010@h", peerDest: "10010"))
                == .answered)
        // Gone while hanging up; unknown uuid.
        #expect(try status(R.syntheticBridge(us, callState: "HANGUP", peer: "p1", peerDest: "1001")) == nil)
        #expect(try LiveChannelList.parse(R.reply([R.syntheticBridge(us, peer: "p1")])).status(
            ofCall: "other", roster: roster) == nil)
        // Not answered and not bridged: ringing, whatever the callstate before ACTIVE.
        for state in ["DOWN", "DIALING", "RINGING", "EARLY", "RING_WAIT", ""] {
            let row = #"{"uuid":"\#(us)","direction":"outbound","callstate":"\#(state)"}"#
            #expect(try status(row) == .ringing, "\(state)")
        }
        for state in ["ACTIVE", "HELD", "UNHELD", "UNHOLD"] {
            let row = #"{"uuid":"\#(us)","direction":"outbound","callstate":"\#(state)"}"#
            #expect(try status(row) == .answered, "\(state)")
        }
    }

    @Test("synthetic: parked inbound calls, oldest first, bridged/outbound/IVR/hanging-up ones left out")
    func parkedInbound() throws {
        func row(_ uuid: String, _ epoch: String, direction: String = "inbound", state: String = "CS_EXECUTE",
                 app: String = "park", callState: String = "ACTIVE") -> String {
            """
            {"uuid":"\(uuid)","direction":"\(direction)","created_epoch":"\(epoch)","name":"sofia/external/+155501@198.51.100.1",\
            "state":"\(state)","cid_num":"+155501","dest":"4000","application":"\(app)","application_data":"",\
            "callstate":"\(callState)","call_uuid":""}
            """
        }
        let rows = [
            row("late", "1700000300"),
            row("ivr", "1700000050", app: "play_and_get_digits"),
            row("early", "1700000100"),
            row("out", "1700000010", direction: "outbound"),
            row("uuid-parked", "1700000200", state: "CS_PARK", app: ""),
            row("routing", "1700000020", state: "CS_ROUTING", app: ""),
            row("leaving", "1700000030", callState: "HANGUP"),
            row("tie-first", "1700000100", callState: "RINGING"),
            row("no-time", ""),
            R.syntheticBridge("bridged", peer: "p1", peerDest: "1001").replacingOccurrences(
                of: "\"direction\":\"outbound\",\"created", with: "\"direction\":\"inbound\",\"created"),
        ]
        let list = try LiveChannelList.parse(R.reply(rows))
        #expect(list["bridged"]?.isInbound == true)
        #expect(list.parkedInboundCalls.map(\.uuid) == ["early", "tie-first", "uuid-parked", "late", "no-time"])
        #expect(list.parkedInboundCalls.first?.callerNumber == "+155501")
    }

    @Test("errors: -ERR, -USAGE, cut JSON, row_count mismatch, rows without uuid, not JSON")
    func errors() {
        let bad: [(String, String)] = [
            ("-ERR no reply\n", "FreeSWITCH replied -ERR"),
            ("-USAGE: show calls\n", "FreeSWITCH replied -USAGE"),
            (String(R.callsBridgedToGateway.prefix(300)), "not the JSON object"),
            ("{\"row_count\":2,\"rows\":[]}", "row_count is 2 but 0 rows"),
            (R.channelsBridged.replacingOccurrences(of: "\"row_count\":2", with: "\"row_count\":3"), "row_count is 3"),
            ("{\"row_count\":1,\"rows\":[{\"direction\":\"inbound\"}]}", "row 1 has no uuid"),
            ("{\"row_count\":1,\"rows\":[\"x\"]}", "row 1 is not an object"),
            ("{\"row_count\":1,\"rows\":{}}", "rows is not an array"),
            ("[1,2]", "not the JSON object"),
            ("", "not the JSON object"),
        ]
        for (text, reason) in bad {
            do {
                _ = try LiveChannelList.parse(text)
                Issue.record("parsed: \(text.prefix(40))")
            } catch {
                #expect(error.reason.contains(reason), "\(error)")
            }
            #expect(throws: LiveChannels.ParseError.self) { try LiveChannels.parse(showChannelsJSON: text) }
        }
    }

    @Test("numbers as values, a row_count given as a string, and a uuid listed twice")
    func tolerance() throws {
        let list = try LiveChannelList.parse(
            #"{"row_count":"2","rows":[{"uuid":"a","created_epoch":1700000000,"callstate":"ACTIVE"},{"uuid":"a"}]}"#)
        #expect(list.count == 1)
        #expect(list["a"]?.createdEpoch == 1_700_000_000)
        #expect(list["a"]?.isAnswered == true)
    }
}
