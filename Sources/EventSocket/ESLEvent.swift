/// A FreeSWITCH event read from a text/event-plain or text/event-json frame.
///
/// Its headers are the event's own (`Event-Name`, `Unique-ID`, `variable_*`, ...), not the
/// frame's outer `Content-Type`/`Content-Length`. Values are percent-decoded for event-plain
/// and taken as is for event-json, so both formats read the same. Array headers read as
/// `ARRAY::a|:b` through `value(_:)` and as a list through `values(_:)`.
public struct ESLEvent: Sendable, Equatable {
    /// The wire format the event came in.
    public enum Format: Sendable, Equatable {
        /// `text/event-plain`: URL-encoded `Name: value` lines, then an optional body.
        case plain
        /// `text/event-json`: one JSON object, the body under `_body`.
        case json
    }

    /// The format the event came in.
    public let format: Format
    /// The event's headers in the order FreeSWITCH wrote them (the inner `Content-Length` of
    /// an event with a body included).
    public let headers: ESLHeaderBlock
    /// Where the event's own body lies in `headers.storage`, if it has one.
    let bodyRange: Range<Int>?
    /// Stream offset of the frame the event came in.
    public let streamOffset: Int

    /// Parses the event carried by `frame`.
    /// - Throws: `ESLDecodingError` when the frame is not an event (`notAnEvent`), holds no
    ///   header (`emptyEvent`), has an inner Content-Length that does not fit, or bad JSON.
    /// - Complexity: one pass over the body; no copy of an event-plain body.
    public init(_ frame: ESLFrame) throws(ESLDecodingError) {
        let type = frame.headers.rawValue("Content-Type").map { String(decoding: $0, as: UTF8.self) }
        switch type {
        case "text/event-plain":
            try self.init(plainFrame: frame)
        case "text/event-json":
            try self.init(jsonFrame: frame)
        default:
            throw ESLDecodingError(.notAnEvent(contentType: type), offset: frame.streamOffset)
        }
    }

    private init(plainFrame frame: ESLFrame) throws(ESLDecodingError) {
        let storage = frame.headers.storage
        let body = frame.bodyRange
        // The inner header block ends at its empty line, or at the end of the body.
        let (fields, innerBodyStart) = try ESLDecoder.parseLines(
            storage, from: body.lowerBound, to: body.upperBound, relativeTo: 0, allowContinuation: true,
            streamOffset: frame.streamOffset)
        guard !fields.isEmpty else { throw ESLDecodingError(.emptyEvent, offset: frame.streamOffset) }
        let headers = ESLHeaderBlock(storage: storage, fields: fields)
        var bodyRange: Range<Int>?
        if let raw = headers.rawValue("Content-Length") {
            guard let length = ESLDecoder.parseLength(raw[...]), length <= body.upperBound - innerBodyStart
            else {
                throw ESLDecodingError(
                    .invalidInnerContentLength(String(decoding: raw.prefix(40), as: UTF8.self)),
                    offset: frame.streamOffset)
            }
            bodyRange = innerBodyStart..<(innerBodyStart + length)
        }
        self.format = .plain
        self.headers = headers
        self.bodyRange = bodyRange
        self.streamOffset = frame.streamOffset
    }

    private init(jsonFrame frame: ESLFrame) throws(ESLDecodingError) {
        let bodyOffset = frame.streamOffset + frame.bodyRange.lowerBound
        let members = try ESLJSONReader.readObject(frame.body, offset: bodyOffset)
        // Re-lay the members as name/value byte ranges so lookups share the plain code path.
        var storage = [UInt8]()
        storage.reserveCapacity(frame.body.count)
        var fields = [ESLFieldRange]()
        fields.reserveCapacity(members.count)
        var bodyRange: Range<Int>?
        for member in members {
            let nameStart = storage.count
            storage.append(contentsOf: member.key)
            let valueStart = storage.count
            storage.append(contentsOf: member.value)
            if member.key == Array("_body".utf8) {
                bodyRange = valueStart..<storage.count
                continue
            }
            fields.append(
                ESLFieldRange(
                    nameStart: UInt32(nameStart), nameEnd: UInt32(valueStart), valueStart: UInt32(valueStart),
                    valueEnd: UInt32(storage.count), hasEscapes: false))
        }
        guard !fields.isEmpty else { throw ESLDecodingError(.emptyEvent, offset: frame.streamOffset) }
        self.format = .json
        self.headers = ESLHeaderBlock(storage: storage, fields: fields)
        self.bodyRange = bodyRange
        self.streamOffset = frame.streamOffset
    }

    // MARK: - Headers

    /// The value of header `name` (percent-decoded for event-plain), or nil; see `ESLHeaderBlock`.
    public func value(_ name: String) -> String? { headers.value(name) }

    /// The value of header `name` as a list: `ARRAY::a|:b` (or a JSON array) gives `["a", "b"]`,
    /// any other value a one-element list, a missing header an empty list.
    public func values(_ name: String) -> [String] {
        guard let value = headers.value(name) else { return [] }
        guard value.hasPrefix("ARRAY::") else { return [value] }
        return value.dropFirst(7).split(separator: "|:", omittingEmptySubsequences: false).map(String.init)
    }

    /// The channel variable `name` (header `variable_<name>`), e.g. `variable("origination_uuid")`.
    public func variable(_ name: String) -> String? { headers.value("variable_" + name) }

    /// The event's own body (BACKGROUND_JOB output, a CUSTOM event's payload), if it has one.
    public var body: ArraySlice<UInt8>? { bodyRange.map { headers.storage[$0] } }

    /// The event's own body as text (invalid UTF-8 replaced), if it has one.
    public var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    // MARK: - Typed accessors

    /// `Event-Name`: CHANNEL_ANSWER, BACKGROUND_JOB, CUSTOM, HEARTBEAT, ...
    public var eventName: String? { headers.value("Event-Name") }
    /// `Event-Subclass` of a CUSTOM event, e.g. `callcenter::info` (decoded from `callcenter%3A%3Ainfo`).
    public var eventSubclass: String? { headers.value("Event-Subclass") }
    /// `Unique-ID`: the channel's UUID (absent on BACKGROUND_JOB, HEARTBEAT, agent events).
    public var uniqueID: String? { headers.value("Unique-ID") }
    /// `Job-UUID` of a BACKGROUND_JOB: the id sent with `bgapi`.
    public var jobUUID: String? { headers.value("Job-UUID") }
    /// `Job-Command` of a BACKGROUND_JOB (`originate`, ...).
    public var jobCommand: String? { headers.value("Job-Command") }
    /// `Hangup-Cause` of CHANNEL_HANGUP / CHANNEL_HANGUP_COMPLETE (`NORMAL_CLEARING`, `USER_BUSY`, ...).
    public var hangupCause: String? { headers.value("Hangup-Cause") }
    /// `Channel-Call-UUID`: the UUID shared by the legs of one call.
    public var channelCallUUID: String? { headers.value("Channel-Call-UUID") }
    /// `Caller-Caller-ID-Number`.
    public var callerIDNumber: String? { headers.value("Caller-Caller-ID-Number") }
    /// `Caller-Destination-Number`.
    public var destinationNumber: String? { headers.value("Caller-Destination-Number") }
    /// `Answer-State`: ringing, early, answered, hangup.
    public var answerState: String? { headers.value("Answer-State") }
    /// `Channel-Call-State`: DOWN, RINGING, EARLY, ACTIVE, HANGUP, ...
    public var channelCallState: String? { headers.value("Channel-Call-State") }
    /// `Other-Leg-Unique-ID`: the bridged or originating leg.
    public var otherLegUniqueID: String? { headers.value("Other-Leg-Unique-ID") }
    /// `Event-Sequence`, FreeSWITCH's global event counter (gaps reveal lost events).
    public var eventSequence: UInt64? { headers.value("Event-Sequence").flatMap { UInt64($0) } }

    /// The result of a BACKGROUND_JOB (`+OK <uuid>` / `-ERR <CAUSE>` in its body), with its
    /// Job-UUID; nil for any other event.
    public var backgroundJobResult: ESLReply? {
        guard eventName == "BACKGROUND_JOB" else { return nil }
        return ESLReply(text: bodyText ?? "", jobUUID: jobUUID)
    }

    /// The mod_callcenter fields of a `CUSTOM` `callcenter::info` event; nil for other events.
    public var callCenterInfo: ESLCallCenterInfo? {
        guard eventSubclass == "callcenter::info", let action = headers.value("CC-Action") else { return nil }
        return ESLCallCenterInfo(
            action: action, agent: headers.value("CC-Agent"), agentState: headers.value("CC-Agent-State"),
            agentStatus: headers.value("CC-Agent-Status"), queue: headers.value("CC-Queue"),
            memberUUID: headers.value("CC-Member-UUID"),
            memberSessionUUID: headers.value("CC-Member-Session-UUID"),
            hangupCause: headers.value("CC-Hangup-Cause"), cause: headers.value("CC-Cause"),
            cancelReason: headers.value("CC-Cancel-Reason"))
    }
}

/// The headers of a mod_callcenter `callcenter::info` event (docs/esl-mapping.md, "mod_callcenter
/// events").
public struct ESLCallCenterInfo: Sendable, Equatable {
    /// `CC-Action`: agent-status-change, agent-state-change, agent-offering, bridge-agent-start,
    /// bridge-agent-end, bridge-agent-fail, member-queue-start, member-queue-end, ...
    public var action: String
    /// `CC-Agent`: the agent's name.
    public var agent: String?
    /// `CC-Agent-State`: Waiting, Receiving, In a queue call, Idle, Reserved.
    public var agentState: String?
    /// `CC-Agent-Status`: Logged Out, Available, Available (On Demand), On Break.
    public var agentStatus: String?
    /// `CC-Queue`: the queue's name.
    public var queue: String?
    /// `CC-Member-UUID`: the queue member (caller) entry.
    public var memberUUID: String?
    /// `CC-Member-Session-UUID`: the caller's channel UUID.
    public var memberSessionUUID: String?
    /// `CC-Hangup-Cause` of bridge-agent-end/-fail and member-queue-end.
    public var hangupCause: String?
    /// `CC-Cause` of member-queue-end: Terminated (served) or Cancel (abandoned).
    public var cause: String?
    /// `CC-Cancel-Reason`: NONE, TIMEOUT, NO_AGENT_TIMEOUT, BREAK_OUT, EXIT_WITH_KEY.
    public var cancelReason: String?
}
