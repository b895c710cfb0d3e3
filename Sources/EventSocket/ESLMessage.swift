/// What a frame from FreeSWITCH means, by its Content-Type (docs/esl-mapping.md, "What FreeSWITCH
/// sends").
public enum ESLMessage: Sendable, Equatable {
    /// `auth/request`: FreeSWITCH asks for `auth <password>` (sent on connect, inbound mode).
    case authRequest
    /// `command/reply`: the reply to any command but `api` (Reply-Text; bgapi adds Job-UUID).
    case commandReply(ESLReply)
    /// `api/response`: the output of an `api` command (the body).
    case apiResponse(ESLReply)
    /// `text/event-plain` or `text/event-json`.
    case event(ESLEvent)
    /// `text/disconnect-notice`: the socket is about to close, or a linger notice.
    case disconnectNotice(ESLDisconnectNotice)
    /// `text/rude-rejection`: the client's address failed FreeSWITCH's ACL; the socket closes
    /// and no auth/request comes. The text is the body (`Access Denied, go away.\n`).
    case rudeRejection(text: String)
    /// Anything else (`log/data`, `text/event-xml`, no Content-Type), left as a frame.
    case other(ESLFrame)

    /// Classifies `frame` and parses its content.
    /// - Throws: `ESLDecodingError` when an event frame's body cannot be parsed.
    public init(_ frame: ESLFrame) throws(ESLDecodingError) {
        switch frame.contentType {
        case "auth/request":
            self = .authRequest
        case "command/reply":
            self = .commandReply(
                ESLReply(
                    text: frame.headers.value("Reply-Text") ?? "", jobUUID: frame.headers.value("Job-UUID")))
        case "api/response":
            self = .apiResponse(ESLReply(text: frame.bodyText, jobUUID: nil))
        case "text/event-plain", "text/event-json":
            self = .event(try ESLEvent(frame))
        case "text/disconnect-notice":
            self = .disconnectNotice(
                ESLDisconnectNotice(
                    disposition: frame.headers.value("Content-Disposition"),
                    controlledSessionUUID: frame.headers.value("Controlled-Session-UUID"),
                    text: frame.bodyText))
        case "text/rude-rejection":
            self = .rudeRejection(text: frame.bodyText)
        default:
            self = .other(frame)
        }
    }
}

/// A reply text classified as FreeSWITCH's clients do: `+OK` is success, `-ERR` (and `-USAGE`
/// in api output) failure.
public struct ESLReply: Sendable, Equatable {
    /// How the reply begins.
    public enum Status: Sendable, Equatable {
        /// `+OK…`
        case ok
        /// `-ERR…`
        case error
        /// `-USAGE…` (an api command called with the wrong arguments).
        case usage
        /// Anything else (some api commands print plain output, e.g. `status`).
        case other
    }

    /// The full text: Reply-Text, or the api/BACKGROUND_JOB output with its final `\n` removed.
    public let text: String
    /// The `Job-UUID` header of a bgapi reply or BACKGROUND_JOB, if any.
    public let jobUUID: String?

    /// Builds a reply from its text (one trailing `\n` is dropped) and optional Job-UUID.
    public init(text: String, jobUUID: String?) {
        self.text = text.hasSuffix("\n") ? String(text.dropLast()) : text
        self.jobUUID = jobUUID
    }

    /// How the text begins.
    public var status: Status {
        if text.hasPrefix("+OK") { return .ok }
        if text.hasPrefix("-ERR") { return .error }
        if text.hasPrefix("-USAGE") { return .usage }
        return .other
    }

    /// True for `+OK…`.
    public var isOK: Bool { status == .ok }

    /// True for `-ERR…` and `-USAGE…`.
    public var isFailure: Bool { status == .error || status == .usage }

    /// The text after the status word and one space: the UUID of `+OK <uuid>`, the cause of
    /// `-ERR NO_ANSWER`, `accepted` of `+OK accepted`; the whole text for `.other`.
    public var detail: String {
        let prefix: Int
        switch status {
        case .ok: prefix = 3
        case .error: prefix = 4
        case .usage: prefix = 6
        case .other: return text
        }
        let rest = text.dropFirst(prefix)
        return String(rest.first == " " || rest.first == ":" ? rest.dropFirst() : rest)
    }
}

/// A `text/disconnect-notice`: the end of the connection, or a linger notice (the channel hung
/// up; events keep coming until the linger time ends).
public struct ESLDisconnectNotice: Sendable, Equatable {
    /// `Content-Disposition`: `disconnect`, `linger`, or nil (inbound connections without a session).
    public let disposition: String?
    /// `Controlled-Session-UUID` of a session-bound connection.
    public let controlledSessionUUID: String?
    /// The body, e.g. `Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n`.
    public let text: String

    /// Builds a notice from its headers and body text.
    public init(disposition: String?, controlledSessionUUID: String?, text: String) {
        self.disposition = disposition
        self.controlledSessionUUID = controlledSessionUUID
        self.text = text
    }

    /// True when the notice only says the controlled channel hung up (`linger`): the socket
    /// stays open. Every other notice means the socket is closing.
    public var isLinger: Bool { disposition == "linger" }
}

// MARK: - Authentication outcome

/// What the first replies of an inbound connection mean for logging in (docs/esl-mapping.md,
/// "Logging in").
public enum ESLAuthOutcome: Sendable, Equatable {
    /// `+OK accepted`: logged in.
    case accepted
    /// `-ERR invalid` (or any other reply to `auth`): wrong password. Permanent: do not retry.
    case rejected(replyText: String)
    /// `text/rude-rejection`: this address is refused by the ACL. Permanent: do not retry.
    case refusedByACL(text: String)
    /// The socket is closing before a reply (disconnect notice).
    case disconnected(text: String)
    /// A message that says nothing about auth (an event, an auth/request): keep waiting.
    case pending

    /// Classifies `message`, read while waiting for the reply to `auth`. Like libesl, only a
    /// reply of exactly `+OK accepted` is a successful login.
    public init(replyTo message: ESLMessage) {
        switch message {
        case .commandReply(let reply):
            self = reply.text == "+OK accepted" ? .accepted : .rejected(replyText: reply.text)
        case .rudeRejection(let text):
            self = .refusedByACL(text: text)
        case .disconnectNotice(let notice) where !notice.isLinger:
            self = .disconnected(text: notice.text)
        default:
            self = .pending
        }
    }

    /// True for outcomes that end the connection for good (wrong password, ACL refusal).
    public var isPermanentFailure: Bool {
        switch self {
        case .rejected, .refusedByACL: return true
        default: return false
        }
    }
}
