import Synchronization

// MARK: - A queue to wait on, with a deadline

/// Thrown when a test waited too long: the test fails instead of hanging.
public struct TestTimeout: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// A FIFO filled by one side (the fake server, the client's notifications) and awaited by
/// the test, each wait bounded by a deadline. No fixed sleeps: a wait ends as soon as the
/// element is there.
public final class TestQueue<Element: Sendable>: Sendable {
    private enum Outcome { case element(Element), finished, timedOut }
    private struct State {
        var buffer: [Element] = []
        var finished = false
        var waiter: (id: Int, continuation: CheckedContinuation<Outcome, Never>)?
        var nextID = 0
    }
    private let state = Mutex(State())
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    /// Adds `element`, waking the waiter if there is one.
    public func push(_ element: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: .element(element))
    }

    /// No more elements will come.
    public func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: .finished)
    }

    /// Elements buffered and not yet taken.
    public var pending: [Element] { state.withLock { $0.buffer } }

    /// True once `finish()` was called and every element taken.
    public var isFinishedAndEmpty: Bool { state.withLock { $0.finished && $0.buffer.isEmpty } }

    /// The next element; nil when the queue is finished. Throws `TestTimeout` after `limit`.
    public func next(within limit: Duration = .seconds(10)) async throws -> Element? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task {
            try await Task.sleep(for: limit)
            let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: .timedOut)
        }
        defer { timer.cancel() }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let now = state.withLock { state -> Outcome? in
                if !state.buffer.isEmpty { return .element(state.buffer.removeFirst()) }
                if state.finished { return .finished }
                state.waiter = (id, continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
        switch outcome {
        case .element(let element): return element
        case .finished: return nil
        case .timedOut: throw TestTimeout(what: name)
        }
    }

    /// The next element, which must come (a finished queue is a test failure).
    public func require(within limit: Duration = .seconds(10)) async throws -> Element {
        guard let element = try await next(within: limit) else {
            throw TestTimeout(what: "\(name) (ended)")
        }
        return element
    }
}


// MARK: - Waiting without fixed sleeps

/// Waits until `condition` holds, checking it every few milliseconds; throws `TestTimeout` after
/// `limit`.
public func eventually(
    _ what: String, within limit: Duration = .seconds(20), _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while !(await condition()) {
        if ContinuousClock.now > deadline { throw TestTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}
