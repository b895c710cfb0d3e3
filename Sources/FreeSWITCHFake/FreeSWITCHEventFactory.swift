import CallCenter
import EventSocket
import Live

// MARK: - Events as FreeSWITCH writes them

/// Renders the `text/event-plain` frames FreeSWITCH would send, shaped like the captures in
/// `Tests/EventSocketTests/Fixtures` (header order and names of `switch_event_serialize`,
/// values URL-encoded with `SWITCH_URL_UNSAFE`, the inner `Content-Length` and body of
/// BACKGROUND_JOB; docs/esl-mapping.md, "Event bodies"). mod_callcenter events are *synthetic*:
/// built from the header sets of docs/esl-mapping.md, "mod_callcenter events"; no capture of
/// them exists.
///
/// Used by the conformance checker and reusable by the network client's tests (a fake
/// FreeSWITCH that answers `bgapi originate` with these frames).
public struct FreeSWITCHEventFactory: Sendable {
    /// A channel: the headers every event of the leg carries.
    public struct Leg: Equatable, Sendable {
        /// `Unique-ID`.
        public var uuid: String
        /// `Call-Direction`: `outbound` for originated legs, `inbound` for callers.
        public var direction: String
        /// `Channel-Name`, e.g. `sofia/gateway/carrier/5551234`.
        public var channelName: String
        /// `Caller-Caller-ID-Number`.
        public var callerNumber: String
        /// `Caller-Destination-Number`.
        public var destinationNumber: String
        /// `variable_*` headers, in order (without the `variable_` prefix).
        public var variables: [(String, String)]

        /// A leg with these headers.
        public init(
            uuid: String, direction: String, channelName: String, callerNumber: String,
            destinationNumber: String, variables: [(String, String)] = []
        ) {
            self.uuid = uuid
            self.direction = direction
            self.channelName = channelName
            self.callerNumber = callerNumber
            self.destinationNumber = destinationNumber
            self.variables = variables
        }

        public static func == (a: Leg, b: Leg) -> Bool {
            a.uuid == b.uuid && a.direction == b.direction && a.channelName == b.channelName
                && a.callerNumber == b.callerNumber && a.destinationNumber == b.destinationNumber
                && a.variables.map { $0.0 + "=" + $0.1 } == b.variables.map { $0.0 + "=" + $0.1 }
        }
    }

    /// Seconds since the Unix epoch of the driver's time 0 (`Event-Date-Timestamp` is µs since the epoch).
    public var epoch: Double
    /// `Core-UUID` of the FreeSWITCH.
    public var coreUUID: String
    /// `FreeSWITCH-Hostname`.
    public var hostname: String
    /// The next `Event-Sequence`.
    public var sequence: UInt64

    /// A factory for one FreeSWITCH whose clock reads `epoch` at time 0.
    public init(
        epoch: Double = 1_767_225_600, coreUUID: String = "8694f653-a9cd-4e6c-9fb8-4c7cd4d3ae3c",
        hostname: String = "fs1.example.net", sequence: UInt64 = 1000
    ) {
        self.epoch = epoch
        self.coreUUID = coreUUID
        self.hostname = hostname
        self.sequence = sequence
    }

    // MARK: - Legs

    /// The A-leg FreeSWITCH creates for our `originate` of `number` as `call`, with the
    /// variables the bridge sets (`origination_uuid`, `simcc_call`, `simcc_contract`).
    public static func outboundLeg(
        call: CallID, contract: ContractID, number: String, configuration: LiveConfiguration
    ) -> Leg {
        Leg(
            uuid: call.uuidString, direction: "outbound", channelName: configuration.dialString(for: number),
            callerNumber: configuration.callerIDNumber ?? "0000000000", destinationNumber: number,
            variables: [
                ("direction", "outbound"), ("uuid", call.uuidString), ("origination_uuid", call.uuidString),
                ("originate_timeout", String(configuration.originateTimeout)),
                ("simcc_call", String(call.rawValue)), ("simcc_contract", String(contract.rawValue)),
            ])
    }

    /// An inbound caller's leg, from `caller` to `service`, named `uuid` by FreeSWITCH.
    public static func inboundLeg(uuid: String, caller: String, service: String) -> Leg {
        Leg(
            uuid: uuid, direction: "inbound", channelName: "sofia/external/\(caller)@203.0.113.7",
            callerNumber: caller, destinationNumber: service,
            variables: [("direction", "inbound"), ("uuid", uuid), ("sip_from_user", caller)])
    }

    /// A random-looking UUID FreeSWITCH might give a channel, the same for the same `seed`.
    public static func foreignUUID(_ seed: UInt64) -> String {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let hex = String(z, radix: 16)
        let d = Array(String(repeating: "0", count: 16 - hex.count) + hex)
        return "\(String(d[0..<8]))-\(String(d[8..<12]))-4\(String(d[12..<15]))-a\(String(d[13..<16]))-\(String(d[0..<12]))"
    }

    // MARK: - Channel events

    /// A channel event `name` of `leg` at `time`: the common headers, the channel's state and
    /// caller profile, then `extra`, then the leg's variables.
    public mutating func channelEvent(
        _ name: String, _ leg: Leg, at time: Seconds, channelState: String = "CS_EXECUTE",
        callState: String = "ACTIVE", answerState: String = "answered", extra: [(String, String)] = [],
        variables: [(String, String)] = []
    ) -> [UInt8] {
        var headers = common(name, at: time, file: "switch_channel.c")
        headers += [
            ("Channel-State", channelState), ("Channel-Call-State", callState),
            ("Channel-Name", leg.channelName), ("Unique-ID", leg.uuid), ("Call-Direction", leg.direction),
            ("Presence-Call-Direction", leg.direction), ("Channel-Call-UUID", leg.uuid),
            ("Answer-State", answerState), ("Channel-Read-Codec-Name", "PCMU"),
            ("Channel-Read-Codec-Rate", "8000"), ("Caller-Direction", leg.direction),
            ("Caller-Caller-ID-Name", leg.callerNumber), ("Caller-Caller-ID-Number", leg.callerNumber),
            ("Caller-Destination-Number", leg.destinationNumber), ("Caller-Unique-ID", leg.uuid),
            ("Caller-Context", "default"), ("Caller-Channel-Name", leg.channelName),
            ("Caller-Channel-Created-Time", microseconds(time)),
        ]
        headers += extra
        for (n, v) in leg.variables + variables { headers.append(("variable_" + n, v)) }
        return Self.frame(headers)
    }

    /// CHANNEL_PROGRESS (180 ringing) of `leg`.
    public mutating func progress(_ leg: Leg, at time: Seconds) -> [UInt8] {
        channelEvent("CHANNEL_PROGRESS", leg, at: time, channelState: "CS_CONSUME_MEDIA", callState: "RINGING",
                     answerState: "ringing")
    }

    /// CHANNEL_ANSWER of `leg`, with `variables` (e.g. an AMD verdict already known).
    public mutating func answer(_ leg: Leg, at time: Seconds, variables: [(String, String)] = []) -> [UInt8] {
        channelEvent(
            "CHANNEL_ANSWER", leg, at: time, extra: [("Caller-Channel-Answered-Time", microseconds(time))],
            variables: variables)
    }

    /// CHANNEL_PARK of `leg` (the `&park()` of an answered originate, or an inbound caller parked by the dialplan).
    public mutating func park(_ leg: Leg, at time: Seconds) -> [UInt8] {
        channelEvent("CHANNEL_PARK", leg, at: time)
    }

    /// CHANNEL_EXECUTE_COMPLETE of `application` on `leg`, echoing `applicationUUID` (the
    /// `Event-UUID` of the sendmsg) when given, with `variables` as the application left them.
    public mutating func executeComplete(
        _ leg: Leg, application: String, data: String = "", response: String = "_none_",
        applicationUUID: String? = nil, at time: Seconds, variables: [(String, String)] = []
    ) -> [UInt8] {
        var extra = [("Application", application), ("Application-Data", data), ("Application-Response", response)]
        if let applicationUUID { extra.append(("Application-UUID", applicationUUID)) }
        return channelEvent("CHANNEL_EXECUTE_COMPLETE", leg, at: time, extra: extra, variables: variables)
    }

    /// CHANNEL_BRIDGE of `leg` (the A-leg) with `other`, the agent's leg: `Bridge-A/B-Unique-ID`,
    /// `Other-Type: originatee` and the other leg's caller profile (`Other-Leg-*`), plus
    /// `variable_cc_agent` when mod_callcenter placed the call (`ccAgent`).
    public mutating func bridge(_ leg: Leg, to other: Leg, ccAgent: String?, at time: Seconds) -> [UInt8] {
        var variables: [(String, String)] = [("bridge_uuid", other.uuid)]
        if let ccAgent { variables.append(("cc_agent", ccAgent)) }
        return channelEvent(
            "CHANNEL_BRIDGE", leg, at: time,
            extra: [
                ("Bridge-A-Unique-ID", leg.uuid), ("Bridge-B-Unique-ID", other.uuid), ("Other-Type", "originatee"),
                ("Other-Leg-Direction", other.direction), ("Other-Leg-Caller-ID-Number", other.callerNumber),
                ("Other-Leg-Destination-Number", other.destinationNumber), ("Other-Leg-Unique-ID", other.uuid),
                ("Other-Leg-Channel-Name", other.channelName),
            ], variables: variables)
    }

    /// CHANNEL_HANGUP (or CHANNEL_HANGUP_COMPLETE, `complete`) of `leg` with `cause`, and the
    /// CDR variables HANGUP_COMPLETE carries.
    public mutating func hangup(
        _ leg: Leg, cause: String, complete: Bool, answered: Bool, at time: Seconds,
        variables: [(String, String)] = []
    ) -> [UInt8] {
        var cdr: [(String, String)] = [("hangup_cause", cause)]
        if complete {
            cdr += [
                ("hangup_cause_q850", Self.q850[cause] ?? "41"), ("billsec", answered ? "1" : "0"),
                ("originate_disposition", answered ? "SUCCESS" : cause),
                ("endpoint_disposition", answered ? "ANSWER" : cause),
            ]
        }
        return channelEvent(
            complete ? "CHANNEL_HANGUP_COMPLETE" : "CHANNEL_HANGUP", leg, at: time,
            channelState: complete ? "CS_REPORTING" : "CS_HANGUP", callState: "HANGUP", answerState: "hangup",
            extra: [("Hangup-Cause", cause), ("Caller-Channel-Hangup-Time", microseconds(time))],
            variables: variables + cdr)
    }

    // MARK: - Jobs

    /// BACKGROUND_JOB of `jobUUID` for `command` `argument`, whose output is `result`
    /// (`+OK <uuid>` or `-ERR NO_ANSWER`; a newline is added as FreeSWITCH does).
    public mutating func backgroundJob(
        jobUUID: String, command: String, argument: String, result: String, at time: Seconds
    ) -> [UInt8] {
        var headers = common("BACKGROUND_JOB", at: time, file: "mod_event_socket.c")
        headers += [("Job-UUID", jobUUID), ("Job-Command", command), ("Job-Command-Arg", argument)]
        return Self.frame(headers, body: result + "\n")
    }

    // MARK: - mod_callcenter (synthetic)

    /// `callcenter::info` agent-status-change of `agent` to `status` (`Available`, `On Break`, ...).
    public mutating func agentStatus(_ agent: String, _ status: String, at time: Seconds) -> [UInt8] {
        callCenter("agent-status-change", at: time, [("CC-Agent", agent), ("CC-Agent-Status", status)])
    }

    /// `callcenter::info` agent-state-change of `agent` to `state` (`Waiting`, `In a queue call`, ...).
    public mutating func agentState(_ agent: String, _ state: String, at time: Seconds) -> [UInt8] {
        callCenter("agent-state-change", at: time, [("CC-Agent", agent), ("CC-Agent-State", state)])
    }

    /// `callcenter::info` bridge-agent-start: `agent` (its leg `agentUUID`) bridged to the member
    /// whose channel is `memberSessionUUID`.
    public mutating func bridgeAgentStart(
        queue: String, agent: String, agentUUID: String, memberSessionUUID: String, at time: Seconds
    ) -> [UInt8] {
        callCenter(
            "bridge-agent-start", at: time,
            [
                ("CC-Queue", queue), ("CC-Agent", agent), ("CC-Agent-System", "single_box"),
                ("CC-Agent-UUID", agentUUID), ("CC-Agent-Called-Time", seconds(time)),
                ("CC-Agent-Answered-Time", seconds(time)), ("CC-Member-Joined-Time", seconds(time)),
                ("CC-Member-UUID", Self.foreignUUID(UInt64(time * 1000) ^ 0x5A5A)),
                ("CC-Member-Session-UUID", memberSessionUUID), ("CC-Member-CID-Name", "customer"),
                ("CC-Member-CID-Number", "customer"),
            ])
    }

    private mutating func callCenter(_ action: String, at time: Seconds, _ fields: [(String, String)]) -> [UInt8] {
        var headers = common("CUSTOM", at: time, file: "mod_callcenter.c")
        headers += [("Event-Subclass", "callcenter::info"), ("CC-Action", action)]
        headers += fields
        return Self.frame(headers)
    }

    // MARK: - Rendering

    private mutating func common(_ name: String, at time: Seconds, file: String) -> [(String, String)] {
        sequence += 1
        return [
            ("Event-Name", name), ("Core-UUID", coreUUID), ("FreeSWITCH-Hostname", hostname),
            ("FreeSWITCH-Switchname", hostname), ("FreeSWITCH-IPv4", "192.0.2.10"), ("FreeSWITCH-IPv6", "::1"),
            ("Event-Date-Timestamp", microseconds(time)), ("Event-Calling-File", file),
            ("Event-Sequence", String(sequence)),
        ]
    }

    private func microseconds(_ time: Seconds) -> String { String(Int64(((epoch + time) * 1_000_000).rounded())) }
    private func seconds(_ time: Seconds) -> String { String(Int64((epoch + time).rounded(.down))) }

    /// One text/event-plain frame: outer `Content-Length` and `Content-Type`, then the event's
    /// headers (values URL-encoded), then a blank line, or `Content-Length` and `body`.
    public static func frame(_ headers: [(String, String)], body: String? = nil) -> [UInt8] {
        var event: [UInt8] = []
        event.reserveCapacity(2048)
        for (name, value) in headers {
            event += name.utf8
            event += ": ".utf8
            urlEncode(value.isEmpty ? "_undef_" : value, into: &event)
            event.append(0x0A)
        }
        if let body {
            let bytes = Array(body.utf8)
            event += "Content-Length: \(bytes.count)\n\n".utf8
            event += bytes
        } else {
            event.append(0x0A)
        }
        var frame = Array("Content-Length: \(event.count)\nContent-Type: text/event-plain\n\n".utf8)
        frame += event
        return frame
    }

    /// FreeSWITCH's `switch_url_encode`: control bytes, non-ASCII and `SWITCH_URL_UNSAFE`
    /// (`\r\n #%&+:;<=>?@[\]^`{|}"`) become upper-case `%XX`.
    public static func urlEncode(_ value: String, into out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for b in value.utf8 {
            if b < 0x20 || b > 0x7E || unsafe.contains(b) {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            } else {
                out.append(b)
            }
        }
    }

    private static let unsafe = Set("\r\n #%&+:;<=>?@[\\]^`{|}\"".utf8)

    /// Q.850 codes of the causes the scripts use (switch_channel.c `CAUSE_CHART`).
    static let q850: [String: String] = [
        "NORMAL_CLEARING": "16", "USER_BUSY": "17", "NO_USER_RESPONSE": "18", "NO_ANSWER": "19",
        "CALL_REJECTED": "21", "UNALLOCATED_NUMBER": "1", "INVALID_NUMBER_FORMAT": "28",
        "NORMAL_TEMPORARY_FAILURE": "41", "RECOVERY_ON_TIMER_EXPIRE": "102", "ORIGINATOR_CANCEL": "487",
        "NETWORK_OUT_OF_ORDER": "38", "DESTINATION_OUT_OF_ORDER": "27",
    ]
}
