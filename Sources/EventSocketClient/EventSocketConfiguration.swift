import EventSocket

// MARK: - Password

/// The event-socket password: kept out of every description, debug print and mirror, so it
/// cannot reach a log or an error message by accident. Read it from a file or the environment.
public struct ESLPassword: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself; only the `auth` command reads it.
    let secret: String

    /// Wraps `secret`.
    public init(_ secret: String) {
        self.secret = secret
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }

    /// Always `ESLPassword(<redacted>)`.
    public var debugDescription: String { "ESLPassword(<redacted>)" }

    /// A mirror without children, so `dump` shows nothing of the secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

// MARK: - Reconnect policy

/// How the client reconnects after losing an established connection: exponential backoff
/// from `initialDelay`, multiplied by `multiplier` after each failed attempt, capped at
/// `maximumDelay`. Auth failures and ACL refusals are never retried.
public struct EventSocketReconnectPolicy: Sendable, Equatable {
    /// The wait before the first attempt after a loss.
    public var initialDelay: Duration
    /// The longest wait between two attempts.
    public var maximumDelay: Duration
    /// The factor applied to the wait after each failed attempt (at least 1).
    public var multiplier: Double
    /// How many attempts in a row may fail before the client gives up; nil: never give up.
    public var maximumAttempts: Int?

    /// A policy; the defaults wait 0.5 s, 1 s, 2 s, ... up to 30 s, forever.
    public init(
        initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30),
        multiplier: Double = 2, maximumAttempts: Int? = nil
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = max(1, multiplier)
        self.maximumAttempts = maximumAttempts
    }

    /// No reconnection: a lost connection stops the client.
    public static let never = EventSocketReconnectPolicy(maximumAttempts: 0)

    /// The wait before attempt `attempt` (1 for the first attempt after a loss).
    public func delay(beforeAttempt attempt: Int) -> Duration {
        var delay = initialDelay
        var step = 1
        while step < attempt, delay < maximumDelay {
            delay = delay * multiplier
            step += 1
        }
        return min(delay, maximumDelay)
    }
}

// MARK: - Configuration

/// Where and how an `EventSocketClient` connects to FreeSWITCH (inbound mode, TCP 8021).
public struct EventSocketConfiguration: Sendable {
    /// The host name or address of FreeSWITCH.
    public var host: String
    /// The event-socket port (8021 by default in FreeSWITCH's event_socket.conf.xml).
    public var port: Int
    /// The password answered to `auth/request`.
    public var password: ESLPassword
    /// The subscriptions sent after each login, in order (first connection and every reconnect).
    public var subscriptions: [ESLSubscription]
    /// Caps on frame sizes (header block and body) read from FreeSWITCH.
    public var limits: ESLDecoder.Limits
    /// How long a TCP connect may take.
    public var connectTimeout: Duration
    /// How long to wait for a command's reply (and for `auth/request` after connecting).
    public var commandTimeout: Duration
    /// How long `bgapi` waits for its BACKGROUND_JOB (an originate lasts up to its own timeout).
    public var jobTimeout: Duration
    /// Reconnection after an established connection is lost.
    public var reconnect: EventSocketReconnectPolicy
    /// The liveness watchdog: when no frame at all comes from FreeSWITCH for this long, the
    /// connection is taken for dead (a frozen FreeSWITCH, a NAT that dropped its state, a pulled
    /// cable: a half-open TCP connection that would otherwise go unnoticed forever). The client
    /// then closes it and handles it as a lost connection: `disconnected(.livenessTimeout)`,
    /// pending commands failed, reconnect with backoff, `reconnected(gap:)`. Any frame resets
    /// the timer. To keep a quiet connection talking, the client subscribes to HEARTBEAT after
    /// each login (FreeSWITCH sends one every 20 s by default) unless the subscriptions already
    /// cover it (`ALL`); if FreeSWITCH refuses it, see `EventSocketClient.heartbeatRefusal`.
    /// The default, 60 s, is three missed heartbeats; nil disables the watchdog and the
    /// HEARTBEAT subscription. Keep it longer than the timeout of any `api` command, since
    /// FreeSWITCH sends nothing on the connection while an `api` runs.
    public var livenessTimeout: Duration?

    /// A configuration; see each property for the defaults' meaning.
    public init(
        host: String, port: Int = 8021, password: ESLPassword, subscriptions: [ESLSubscription] = [],
        limits: ESLDecoder.Limits = ESLDecoder.Limits(), connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration = .seconds(10), jobTimeout: Duration = .seconds(120),
        reconnect: EventSocketReconnectPolicy = EventSocketReconnectPolicy(),
        livenessTimeout: Duration? = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.subscriptions = subscriptions
        self.limits = limits
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.jobTimeout = jobTimeout
        self.reconnect = reconnect
        self.livenessTimeout = livenessTimeout
    }
}
