import CallCenter
import LiveRunner
import Synchronization

// MARK: - A clock the test moves

/// A `LiveClock` that moves only when told: `set(to:)` moves the time the run reads, and a
/// sleeper wakes only when released (`releaseFirst()`, `release(upTo:)`; `advance(to:)` moves
/// and releases). So a live test decides what happens at an instant and in which order: an
/// event, then one timer due then, then another event, as the simulator's calendar had them; no
/// test waits for wall-clock time. A sleep begun after a release waits for the next one: a test
/// waits for its sleeper (`nextDeadline`) before releasing it.
public final class ManualLiveClock: LiveClock, Sendable {
    private struct Sleeper {
        var id: UInt64
        var deadline: Seconds
        var waiter: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Seconds
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    /// A clock reading `start`.
    public init(start: Seconds = 0) { state = Mutex(State(now: start)) }

    public func now() -> Seconds { state.withLock { $0.now } }

    /// Sleepers waiting now.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline a sleeper waits for, if any.
    public var nextDeadline: Seconds? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    public func sleep(until deadline: Seconds) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
                let resume = state.withLock { state -> Result<Void, any Error>? in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, waiter: waiter))
                    return nil
                }
                if let resume { waiter.resume(with: resume) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let i = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: i).waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Moves the time to `time` (never back) without waking anybody.
    public func set(to time: Seconds) {
        state.withLock { $0.now = max($0.now, time) }
    }

    /// Wakes the earliest sleeper (the first to sleep among those with its deadline) if its
    /// deadline has come; returns whether one woke.
    @discardableResult
    public func releaseFirst() -> Bool {
        let first = state.withLock { state -> Sleeper? in
            guard let i = state.sleepers.indices.min(by: {
                (state.sleepers[$0].deadline, state.sleepers[$0].id) < (state.sleepers[$1].deadline, state.sleepers[$1].id)
            }), state.sleepers[i].deadline <= state.now else { return nil }
            return state.sleepers.remove(at: i)
        }
        first?.waiter.resume()
        return first != nil
    }

    /// Wakes the sleepers whose deadline is at most `time` (and at most the clock's time), in
    /// deadline order.
    public func release(upTo time: Seconds = .infinity) {
        let due = state.withLock { state -> [Sleeper] in
            let limit = min(time, state.now)
            let due = state.sleepers.filter { $0.deadline <= limit }.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
            state.sleepers.removeAll { $0.deadline <= limit }
            return due
        }
        for sleeper in due { sleeper.waiter.resume() }
    }

    /// Moves the time to `time` and wakes the sleepers due by then.
    public func advance(to time: Seconds) {
        set(to: time)
        release(upTo: time)
    }
}
