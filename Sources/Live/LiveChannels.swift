import CallCenter
import Foundation

// MARK: - The channel list after a gap

/// The channels FreeSWITCH has up, read from `api show channels as json`: what the bridges'
/// `reconcile(liveChannels:at:)` compare their calls in flight with after a reconnect.
public enum LiveChannels {
    /// Why a channel list could not be read.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// What was wrong.
        public var reason: String
        public var description: String { "show channels/calls as json: \(reason)" }
    }

    /// The `uuid` of every channel of `text`, the api/response body of `show channels as json`
    /// (`{"row_count":2,"rows":[{"uuid":"…",…},…]}`; FreeSWITCH writes `{"row_count":0}` with no
    /// rows when nothing is up) or of `show calls as json` (then the bridged callees' `b_uuid`
    /// are in the set as well). A thin wrapper of `LiveChannelList.parse(_:)`.
    /// - Throws: `ParseError` for an `-ERR` reply, text that is not that JSON object, a row
    ///   without a `uuid`, or a row count that does not match the rows (a cut reply).
    public static func parse(showChannelsJSON text: String) throws(ParseError) -> Set<String> {
        try LiveChannelList.parse(text).uuids
    }
}

// MARK: - One channel

/// One channel FreeSWITCH has up, as a row of `show calls as json` or `show channels as json`
/// describes it. A bridged row of `show calls` gives two channels: the row's own (the a-leg) and
/// its callee (the `b_` columns), each the other's `peer`.
///
/// Empty strings of the reply are read as nil. Callstates FreeSWITCH writes: `DOWN`, `DIALING`,
/// `RINGING`, `EARLY`, `ACTIVE`, `HELD`, `UNHELD` (also seen as `UNHOLD`), `RING_WAIT`,
/// `HANGUP`.
public struct LiveChannel: Hashable, Sendable {
    /// The other leg of a bridge, as the channel's row tells it.
    public struct Peer: Hashable, Sendable {
        /// The other leg's uuid.
        public var uuid: String
        /// Its direction, `inbound` or `outbound` (as FreeSWITCH sees the leg), if given.
        public var direction: String?
        /// Its channel name, e.g. `sofia/internal/1001@192.0.2.20:5060`, if given.
        public var name: String?
        /// Its destination number, if given.
        public var destination: String?
        /// Its caller-id name, if given.
        public var callerName: String?
        /// Its caller-id number, if given.
        public var callerNumber: String?
        /// Its callee-id name, if given.
        public var calleeName: String?
        /// Its callee-id number, if given.
        public var calleeNumber: String?

        /// A peer with these values.
        public init(
            uuid: String, direction: String? = nil, name: String? = nil, destination: String? = nil,
            callerName: String? = nil, callerNumber: String? = nil, calleeName: String? = nil,
            calleeNumber: String? = nil
        ) {
            self.uuid = uuid
            self.direction = direction
            self.name = name
            self.destination = destination
            self.callerName = callerName
            self.callerNumber = callerNumber
            self.calleeName = calleeName
            self.calleeNumber = calleeNumber
        }
    }

    /// The channel's uuid (`Unique-ID`).
    public var uuid: String
    /// `inbound` (the far end called FreeSWITCH) or `outbound` (FreeSWITCH originated it); nil
    /// when the row does not say.
    public var direction: String?
    /// When the channel was created (`created_epoch`, Unix seconds), if given.
    public var createdEpoch: Int?
    /// The channel name, e.g. `sofia/gateway/carrier/5552222`, if given.
    public var name: String?
    /// The state machine's state, e.g. `CS_EXECUTE`, `CS_EXCHANGE_MEDIA`, `CS_PARK`, if given.
    public var state: String?
    /// The callstate (`RINGING`, `EARLY`, `ACTIVE`, `HELD`, `HANGUP`, `DOWN`, …); "" when the row
    /// does not say.
    public var callState: String
    /// The destination number, if given.
    public var destination: String?
    /// The caller-id name, if given.
    public var callerName: String?
    /// The caller-id number, if given.
    public var callerNumber: String?
    /// The callee-id name, if given.
    public var calleeName: String?
    /// The callee-id number, if given.
    public var calleeNumber: String?
    /// The application it runs (`park`, `bridge`, `callcenter`, …): only `show channels` has
    /// this column (and older versions' `show calls`); nil when absent or empty.
    public var application: String?
    /// The application's argument, where `application` is given.
    public var applicationData: String?
    /// `call_uuid`: the uuid of the call the channel belongs to (FreeSWITCH writes the a-leg's
    /// uuid into both legs on a bridge), if given.
    public var callUUID: String?
    /// The leg it is bridged to, if the reply tells.
    public var peer: Peer?
    /// Whether the channel came from the `b_` columns of a `show calls` row (a bridged callee).
    public var isCallee: Bool

    /// A channel with these values.
    public init(
        uuid: String, direction: String? = nil, createdEpoch: Int? = nil, name: String? = nil,
        state: String? = nil, callState: String = "", destination: String? = nil, callerName: String? = nil,
        callerNumber: String? = nil, calleeName: String? = nil, calleeNumber: String? = nil,
        application: String? = nil, applicationData: String? = nil, callUUID: String? = nil,
        peer: Peer? = nil, isCallee: Bool = false
    ) {
        self.uuid = uuid
        self.direction = direction
        self.createdEpoch = createdEpoch
        self.name = name
        self.state = state
        self.callState = callState
        self.destination = destination
        self.callerName = callerName
        self.callerNumber = callerNumber
        self.calleeName = calleeName
        self.calleeNumber = calleeNumber
        self.application = application
        self.applicationData = applicationData
        self.callUUID = callUUID
        self.peer = peer
        self.isCallee = isCallee
    }

    /// Whether the channel is answered: callstate `ACTIVE`, `HELD`, or `UNHELD`/`UNHOLD` (taken
    /// off hold; a real `show calls` of 2013 shows `UNHOLD` on a talking call).
    public var isAnswered: Bool { ["ACTIVE", "HELD", "UNHELD", "UNHOLD"].contains(callState) }

    /// The uuid of the leg it is bridged to, if any.
    public var bridgedUUID: String? { peer?.uuid }

    /// Whether the far end called FreeSWITCH (`direction` is `inbound`).
    public var isInbound: Bool { direction == "inbound" }

    /// The channel as the other leg's `peer`.
    var asPeer: Peer {
        Peer(
            uuid: uuid, direction: direction, name: name, destination: destination, callerName: callerName,
            callerNumber: callerNumber, calleeName: calleeName, calleeNumber: calleeNumber)
    }
}

// MARK: - What a call is after a gap

/// What a call in flight is, as FreeSWITCH's channel list tells it after a crash or a reconnect
/// (`LiveChannelList.status(ofCall:roster:agentChannels:)`); a call that is gone has no status.
public enum LiveCallStatus: Hashable, Sendable {
    /// Not answered yet (`DOWN`, `DIALING`, `RINGING`, `EARLY`, `RING_WAIT`, or no callstate).
    case ringing
    /// Answered, and bridged to no one, or to a party that is not in the roster.
    case answered
    /// Bridged to this roster agent.
    case bridged(AgentID)
}

// MARK: - The list

/// The channels of one `show calls as json` or `show channels as json` reply, every b-leg
/// included, with look-up by uuid.
///
/// `show calls` (FreeSWITCH's `detailed_calls` view) has one row per channel that is not the
/// callee of a bridge; a bridged row fills the callee's `b_uuid`, `b_name`, `b_dest`,
/// `b_cid_num`, `b_callee_num`, `b_callstate`, …, and both legs are linked both ways.
/// `show channels` has one row per channel and no `b_` columns; there two rows are linked only
/// when both are answered and one's `call_uuid` names the other (FreeSWITCH writes the a-leg's
/// uuid into both legs' `call_uuid` on a bridge): an inference, since `call_uuid` is not cleared
/// on an unbridge. Prefer `show calls` when bridges matter.
public struct LiveChannelList: Hashable, Sendable {
    /// The channels in reply order, each callee right after the row that named it.
    public private(set) var channels: [LiveChannel]
    private var positions: [String: Int]

    /// A list of these channels; a uuid seen twice keeps its first channel (taking the second's
    /// peer if the first has none). Peers are taken as given: no links are added.
    public init(_ channels: [LiveChannel]) {
        self.channels = []
        positions = [:]
        for channel in channels { add(channel) }
    }

    /// The channel with this uuid, if it is up.
    public subscript(uuid: String) -> LiveChannel? { positions[uuid].map { channels[$0] } }

    /// Every channel's uuid.
    public var uuids: Set<String> { Set(positions.keys) }

    /// The number of channels.
    public var count: Int { channels.count }

    /// The other leg of `channel`'s bridge, as a channel of the list if it has a row, else as
    /// the peer values the row gave.
    public func peer(of uuid: String) -> LiveChannel.Peer? {
        guard let peer = self[uuid]?.peer else { return nil }
        return self[peer.uuid]?.asPeer ?? peer
    }

    /// What the call of uuid `call` is:
    ///
    /// | channel | status |
    /// | --- | --- |
    /// | not in the list, or callstate `HANGUP` (being torn down) | nil: gone |
    /// | not answered, not bridged | `ringing` |
    /// | answered, not bridged | `answered` |
    /// | bridged to a roster agent (below) | `bridged(agent)` |
    /// | bridged to anyone else | `answered` |
    ///
    /// The agent on the other leg is found, first match wins: the peer's uuid in
    /// `agentChannels` (channel uuid → mod_callcenter agent name, e.g. the `uuid` column of
    /// `callcenter_config agent list`, see `CallCenterAgentList.agentsByChannel`) naming a roster
    /// agent; then an agent's extension among the numbers that say who the peer *is*: for an
    /// `outbound` peer (FreeSWITCH called the agent) its destination, callee number and the user
    /// part of its channel name (`sofia/internal/1001@…` → `1001`); for an `inbound` peer (the
    /// agent's phone called in) its caller-id number and the user part of its name; when the
    /// direction is not given, destination, caller-id number, callee number, then the name.
    /// (An inbound leg's destination is whom it called, and an outbound leg's caller id is who
    /// was presented to it: neither tells who the leg is.)
    public func status(
        ofCall call: String, roster: [LiveConfiguration.Agent], agentChannels: [String: String] = [:]
    ) -> LiveCallStatus? {
        guard let channel = self[call], channel.callState != "HANGUP" else { return nil }
        guard let peer = peer(of: call) else { return channel.isAnswered ? .answered : .ringing }
        if let name = agentChannels[peer.uuid], let agent = roster.first(where: { $0.name == name }) {
            return .bridged(agent.id)
        }
        let user = peer.name.flatMap(Self.userPart)
        let candidates: [String?]
        switch peer.direction {
        case "outbound": candidates = [peer.destination, peer.calleeNumber, user]
        case "inbound": candidates = [peer.callerNumber, user]
        default: candidates = [peer.destination, peer.callerNumber, peer.calleeNumber, user]
        }
        for case let number? in candidates {
            if let agent = roster.first(where: { $0.exten == number }) { return .bridged(agent.id) }
        }
        return .answered
    }

    /// The inbound calls waiting parked, oldest first (`created_epoch`; equal or missing times in
    /// reply order, missing ones last), for a router started after they arrived.
    ///
    /// A channel counts when it is `inbound`, not bridged, not a callee, not hanging up, and
    /// either runs the `park` application (what a dialplan `park` or `&park()` shows: a real
    /// CHANNEL_PARK capture has `Channel-State: CS_EXECUTE` with `current_application: park`) or
    /// is in state `CS_PARK` (parked by `uuid_park` or a transfer to park). An inbound channel
    /// with no application is not counted: it may still be in the dialplan or an IVR. The
    /// `show calls` of FreeSWITCH 1.10 has no `application` column, so only `CS_PARK` channels
    /// are found there: list parked calls from `show channels as json`.
    public var parkedInboundCalls: [LiveChannel] {
        let parked = channels.enumerated().filter { _, channel in
            channel.isInbound && channel.peer == nil && !channel.isCallee && channel.callState != "HANGUP"
                && (channel.application == "park" || channel.state == "CS_PARK")
        }
        return parked.sorted { a, b in
            switch (a.element.createdEpoch, b.element.createdEpoch) {
            case (let x?, let y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// `sofia/internal/1001@192.0.2.1:5060` → `1001`: the last path component, up to `@`.
    static func userPart(_ name: String) -> String? {
        let last = name.split(separator: "/").last.map { $0.prefix { $0 != "@" } } ?? ""
        return last.isEmpty ? nil : String(last)
    }

    private mutating func add(_ channel: LiveChannel) {
        if let at = positions[channel.uuid] {
            if channels[at].peer == nil, let peer = channel.peer { channels[at].peer = peer }
            return
        }
        positions[channel.uuid] = channels.count
        channels.append(channel)
    }

    // MARK: Parsing

    /// The channels of `text`, the api/response body of `show calls as json` or
    /// `show channels as json` (`{"row_count":0}` when nothing is up). Values may be strings or
    /// numbers; a row needs only `uuid`.
    /// - Throws: `LiveChannels.ParseError` for an `-ERR`/`-USAGE` reply, text that is not that
    ///   JSON object (e.g. cut short), a row that is not an object or has no `uuid`, or a
    ///   `row_count` that does not match the rows.
    public static func parse(_ text: String) throws(LiveChannels.ParseError) -> LiveChannelList {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-ERR") || trimmed.hasPrefix("-USAGE") {
            throw LiveChannels.ParseError(reason: "FreeSWITCH replied \(trimmed.prefix(80))")
        }
        let object: [String: Any]
        do {
            guard let decoded = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw LiveChannels.ParseError(reason: "")
            }
            object = decoded
        } catch {
            throw LiveChannels.ParseError(reason: "not the JSON object expected (\(trimmed.prefix(80)))")
        }
        let rows: [Any]
        switch object["rows"] {
        case nil, is NSNull: rows = []
        case let array as [Any]: rows = array
        default: throw LiveChannels.ParseError(reason: "rows is not an array")
        }
        if let count = object["row_count"].flatMap(Self.string).flatMap({ Int($0) }), count != rows.count {
            throw LiveChannels.ParseError(reason: "row_count is \(count) but \(rows.count) rows arrived")
        }
        var channels: [LiveChannel] = []
        for (i, raw) in rows.enumerated() {
            guard let row = raw as? [String: Any] else {
                throw LiveChannels.ParseError(reason: "row \(i + 1) is not an object")
            }
            func value(_ key: String) -> String? {
                guard let v = row[key].flatMap(Self.string), !v.isEmpty else { return nil }
                return v
            }
            guard let uuid = value("uuid") else {
                throw LiveChannels.ParseError(reason: "row \(i + 1) has no uuid")
            }
            var a = LiveChannel(
                uuid: uuid, direction: value("direction"), createdEpoch: value("created_epoch").flatMap { Int($0) },
                name: value("name"), state: value("state"), callState: value("callstate") ?? "",
                destination: value("dest"), callerName: value("cid_name"), callerNumber: value("cid_num"),
                calleeName: value("callee_name"), calleeNumber: value("callee_num"),
                application: value("application"), applicationData: value("application_data"),
                callUUID: value("call_uuid"))
            if let bUUID = value("b_uuid") {
                var b = LiveChannel(
                    uuid: bUUID, direction: value("b_direction"),
                    createdEpoch: value("b_created_epoch").flatMap { Int($0) }, name: value("b_name"),
                    state: value("b_state"), callState: value("b_callstate") ?? "", destination: value("b_dest"),
                    callerName: value("b_cid_name"), callerNumber: value("b_cid_num"),
                    calleeName: value("b_callee_name"), calleeNumber: value("b_callee_num"),
                    application: value("b_application"), applicationData: value("b_application_data"),
                    callUUID: value("b_call_uuid"), isCallee: true)
                b.peer = a.asPeer
                a.peer = b.asPeer
                channels.append(a)
                channels.append(b)
            } else {
                channels.append(a)
            }
        }
        var list = LiveChannelList(channels)
        list.linkByCallUUID()
        return list
    }

    /// `show channels`: links two answered, unlinked legs when one's `call_uuid` names the other.
    private mutating func linkByCallUUID() {
        for i in channels.indices where channels[i].peer == nil && channels[i].isAnswered {
            guard let other = channels[i].callUUID, other != channels[i].uuid, let j = positions[other],
                channels[j].peer == nil, channels[j].isAnswered
            else { continue }
            channels[i].peer = channels[j].asPeer
            channels[j].peer = channels[i].asPeer
        }
    }

    private static func string(_ value: Any) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }
}
