// MARK: - A FIFO without allocation in steady state

/// A first-in first-out queue on a growable ring of storage.
///
/// Policies keep their queues (waiting calls, idle agents) in these: appending and removing at
/// the ends never shifts elements, and storage is reused once it has grown to the peak size.
public struct RingBuffer<Element>: Sendable where Element: Sendable {
    @usableFromInline var storage: [Element?]
    @usableFromInline var head = 0
    @usableFromInline var _count = 0

    /// An empty queue.
    public init() { storage = Array(repeating: nil, count: 16) }

    /// How many elements are queued. - Complexity: O(1).
    @inlinable public var count: Int { _count }
    /// Whether the queue is empty. - Complexity: O(1).
    @inlinable public var isEmpty: Bool { _count == 0 }

    /// The oldest element, if any. - Complexity: O(1).
    @inlinable public var first: Element? { _count == 0 ? nil : storage[head] }

    /// Adds `element` at the back. - Complexity: amortised O(1).
    @inlinable
    public mutating func append(_ element: Element) {
        if _count == storage.count { grow() }
        var tail = head + _count
        if tail >= storage.count { tail -= storage.count }
        storage[tail] = element
        _count += 1
    }

    /// Removes and returns the oldest element, if any. - Complexity: O(1).
    @inlinable
    public mutating func popFirst() -> Element? {
        guard _count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head += 1
        if head == storage.count { head = 0 }
        _count -= 1
        return element
    }

    @usableFromInline
    mutating func grow() {
        var bigger: [Element?] = Array(repeating: nil, count: storage.count * 2)
        for i in 0..<_count {
            var j = head + i
            if j >= storage.count { j -= storage.count }
            bigger[i] = storage[j]
        }
        storage = bigger
        head = 0
    }
}
