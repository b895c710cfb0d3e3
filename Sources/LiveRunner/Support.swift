import CallCenter
import Foundation

// MARK: - The runner's clock

/// The one clock of a live run, as `Seconds`: by default seconds since 1970 (UTC), so that the
/// times in the stores (call records, callback tasks and their deadlines) mean the same across
/// restarts and can be read by other tools. Every time the dialer, the bridges and the records
/// see comes from it, and its timers sleep on it.
public protocol LiveClock: Sendable {
    /// The time now.
    func now() -> Seconds
    /// Sleeps until `deadline` (a time of this clock); throws `CancellationError` when the task
    /// is cancelled.
    func sleep(until deadline: Seconds) async throws
}

/// The system's monotonic clock, read from the wall-clock time at its creation, optionally sped
/// up (`speed` clock seconds per real second): production uses `speed: 1`; tests run a policy's
/// one-second ticks in a few milliseconds. Monotonic after its start: a wall-clock step (NTP)
/// does not move it.
public struct SystemLiveClock: LiveClock {
    /// Clock seconds per real second.
    public let speed: Double
    /// The clock's time at its creation.
    public let origin: Seconds
    private let start: ContinuousClock.Instant

    /// A clock reading `origin` now (by default the wall-clock time, seconds since 1970), running
    /// `speed` times as fast as real time (positive).
    public init(speed: Double = 1, origin: Seconds? = nil) {
        precondition(speed > 0 && speed.isFinite, "speed must be positive")
        self.speed = speed
        self.origin = origin ?? Date().timeIntervalSince1970
        start = ContinuousClock.now
    }

    public func now() -> Seconds {
        let elapsed = start.duration(to: .now)
        let (s, atto) = elapsed.components
        return origin + (Double(s) + Double(atto) * 1e-18) * speed
    }

    public func sleep(until deadline: Seconds) async throws {
        let remaining = (deadline - now()) / speed
        guard remaining > 0 else {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: .nanoseconds(Int64(min(remaining, 1e6) * 1e9)))
    }
}

// MARK: - Secrets

/// A secret (the ESL password, the HTTP token) read from a file or an environment variable, never
/// from a command-line flag (which `ps` shows to every user). Its description is redacted so that
/// it cannot reach a log by accident.
public struct LiveSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; hand it only to what needs it.
    public let value: String

    /// A secret holding `value`.
    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "LiveSecret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Reads the secret from the file at `file` when given (its first line, surrounding white space
    /// removed), else from the environment variable `variable`.
    /// - Parameter what: names the secret and its flag in messages (e.g. `the ESL password
    ///   (--esl-password-file)`).
    /// - Throws: `LiveSecretError`, a sentence naming the file or the variable, never the content.
    public static func read(
        file: String?, variable: String, what: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LiveSecret {
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw LiveSecretError(description: "cannot read \(what) from \(file): the file is missing, unreadable or not UTF-8")
            }
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let secret = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw LiveSecretError(description: "\(file) has an empty first line, where \(what) should be")
            }
            return LiveSecret(secret)
        }
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw LiveSecretError(description: "\(what) is missing: give its file, or set the environment variable \(variable)")
        }
        return LiveSecret(value)
    }

    /// Whether `candidate` equals the secret, in time that depends only on the lengths (no early
    /// exit at the first differing byte, so a timing attack learns nothing of the content).
    public func matches(_ candidate: some StringProtocol) -> Bool {
        let a = Array(value.utf8)
        let b = Array(candidate.utf8)
        var difference = UInt64(a.count ^ b.count)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}

/// A secret could not be read; the description is a sentence for the operator.
public struct LiveSecretError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the file or the variable.
    public var description: String
}

// MARK: - Pieces every runner has

/// How a run ends, and who waits for it: set once, handed to every waiter.
struct LiveRunEnding<Summary: Sendable> {
    /// The run's end, once known.
    private(set) var outcome: Result<Summary, LiveRunnerError>?
    private var waiters: [CheckedContinuation<Summary, any Error>] = []

    /// Adds a waiter (resumed at once when the end is known).
    mutating func wait(_ waiter: CheckedContinuation<Summary, any Error>) {
        if let outcome { waiter.resume(with: outcome.mapError { $0 as any Error }) } else { waiters.append(waiter) }
    }

    /// Records the end and resumes every waiter.
    mutating func finish(_ result: Result<Summary, LiveRunnerError>) {
        outcome = result
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(with: result.mapError { $0 as any Error }) }
    }
}
