import EventSocket

/// Why a connection to FreeSWITCH ended.
public enum EventSocketDisconnectReason: Sendable, Equatable, CustomStringConvertible {
    /// FreeSWITCH closed the socket, after a disconnect notice if it sent one.
    case closedByPeer(notice: ESLDisconnectNotice?)
    /// The bytes received were not ESL (garbage, a cap exceeded, or the stream ended inside a
    /// frame): the connection was closed because the stream was out of step.
    case decodingFailed(ESLDecodingError)
    /// A socket error.
    case ioError(String)
    /// Nothing came from FreeSWITCH for `after` (`EventSocketConfiguration.livenessTimeout`):
    /// the client closed the connection, taking it for dead.
    case livenessTimeout(after: Duration)
    /// A command's reply did not come in time just after a reply was taken for the late one of
    /// a command given up on: the replies, matched to the commands in order, are out of step
    /// (FreeSWITCH lost a command), so the client closed the connection to start afresh (after
    /// the reconnect, the runner reconciles what may have been lost).
    case noReply(what: String, after: Duration)

    /// A sentence for a log.
    public var description: String {
        switch self {
        case .closedByPeer(let notice):
            guard let notice else { return "FreeSWITCH closed the connection" }
            let text = notice.text.split(separator: "\n").first.map(String.init) ?? ""
            return "FreeSWITCH closed the connection (\(text))"
        case .decodingFailed(let error):
            return "the connection was closed: \(error)"
        case .ioError(let text):
            return "socket error: \(text)"
        case .livenessTimeout(let after):
            return "no traffic from FreeSWITCH for \(Self.text(of: after))"
        case .noReply(let what, let after):
            return "no reply to \(what) for \(Self.text(of: after)): the replies were out of step"
        }
    }

    /// `60 s`, `1500 ms`, `300 ms`: whole seconds or milliseconds.
    private static func text(of duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// What went wrong talking to FreeSWITCH. The password never appears in these.
public enum EventSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP connection could not be made.
    case connectFailed(host: String, port: Int, reason: String)
    /// FreeSWITCH refused the password (`-ERR invalid`). Permanent: the client does not retry.
    case authenticationRejected(replyText: String)
    /// FreeSWITCH refused this address (`text/rude-rejection`, its inbound ACL). Permanent.
    case refusedByACL(text: String)
    /// No reply (or no `auth/request`, or no BACKGROUND_JOB) came in time. `what` names the
    /// command by its verb (and api command), never its arguments.
    case timedOut(what: String, after: Duration)
    /// FreeSWITCH answered a later command first, so this one's reply never came (it replies
    /// in order); whether the command took effect is unknown.
    case replyLost(what: String)
    /// The connection ended while the command was pending; whether a command already sent took
    /// effect is unknown.
    case connectionLost(EventSocketDisconnectReason)
    /// FreeSWITCH answered `-ERR …` to a command whose failure the client cannot pass on as a
    /// value (a subscription, or an `api`/`bgapi` refused with a command/reply).
    case commandRejected(what: String, reply: ESLReply)
    /// FreeSWITCH answered with a message of the wrong kind (e.g. an api/response to `event`).
    case unexpectedReply(what: String, contentType: String)
    /// The command was refused before sending (a line break in an argument, ...).
    case invalidCommand(ESLCommandError)
    /// There is no connection now (not yet connected, or between reconnect attempts).
    case notConnected
    /// The client was closed (by `close()`, or after a permanent failure).
    case closed
    /// The calling task was cancelled while it waited; a command already sent may still run
    /// (its reply is read and dropped).
    case cancelled

    /// True for failures that reconnecting cannot fix: a wrong password or an ACL refusal.
    public var isPermanent: Bool {
        switch self {
        case .authenticationRejected, .refusedByACL: return true
        default: return false
        }
    }

    /// A sentence saying what went wrong and what to check.
    public var description: String {
        switch self {
        case .connectFailed(let host, let port, let reason):
            return
                "ESL: cannot connect to \(host):\(port) (\(reason)); is FreeSWITCH's event socket listening there?"
        case .authenticationRejected(let text):
            return
                "ESL: FreeSWITCH refused the event-socket password (\(text)); check the password configured"
        case .refusedByACL(let text):
            let first = text.split(separator: "\n").first.map(String.init) ?? text
            return
                "ESL: FreeSWITCH refused this address (\(first)); check apply-inbound-acl in event_socket.conf.xml"
        case .timedOut(let what, let after):
            return "ESL: no answer to \(what) within \(after)"
        case .replyLost(let what):
            return "ESL: the reply to \(what) never came (FreeSWITCH answered the next command first); it may have run"
        case .connectionLost(let reason):
            return "ESL: connection lost (\(reason))"
        case .commandRejected(let what, let reply):
            return "ESL: FreeSWITCH refused \(what): \(reply.text)"
        case .unexpectedReply(let what, let contentType):
            return "ESL: unexpected \(contentType) in reply to \(what)"
        case .invalidCommand(let error):
            return error.description
        case .notConnected:
            return "ESL: not connected to FreeSWITCH"
        case .closed:
            return "ESL: the client is closed"
        case .cancelled:
            return "ESL: the wait was cancelled"
        }
    }
}

/// What the client tells the layer above, in order, on `EventSocketClient.notifications`.
public enum EventSocketNotification: Sendable, Equatable {
    /// The first connection is up: logged in, subscriptions applied.
    case connected
    /// An event (BACKGROUND_JOB included, after it has resolved its `bgapi`).
    case event(ESLEvent)
    /// A `linger` disconnect notice: the controlled channel hung up, events keep coming.
    case lingerNotice(ESLDisconnectNotice)
    /// A frame that was framed correctly but whose event body could not be parsed; skipped.
    case undecodableFrame(ESLDecodingError)
    /// The connection was lost; pending commands failed with `connectionLost`. Events may be
    /// missed from now until `reconnected`.
    case disconnected(EventSocketDisconnectReason)
    /// Reconnect attempt `attempt` (1, 2, ...) starts after `delay`.
    case reconnecting(attempt: Int, delay: Duration)
    /// Connected again, logged in, subscriptions re-applied. Events of the last `gap` (from the
    /// loss to now) were missed: reconcile calls (`show channels as json`).
    case reconnected(gap: Duration)
    /// The client stopped for good: `nil` after `close()`, else the permanent error (wrong
    /// password, ACL, or `maximumAttempts` failed reconnects). The stream ends after this.
    case stopped(EventSocketError?)
}
