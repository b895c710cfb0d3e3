// MARK: - The event calendar

/// A handle to a scheduled event, for cancelling it.
public struct EventHandle: Hashable, Sendable {
    @usableFromInline let slot: Int32
    @usableFromInline let sequence: UInt64
    @inlinable init(slot: Int32, sequence: UInt64) {
        self.slot = slot
        self.sequence = sequence
    }

    /// A handle to no event: cancelling it does nothing.
    public static let none = EventHandle(slot: -1, sequence: 0)
}

/// The simulated clock and the future events, ordered by (time, priority, sequence).
///
/// Events at the same time run in order of priority (lower first), then in the order they were
/// scheduled: ties are repeatable, so a run is a function of its inputs. This is SimPy's kernel
/// and SwiftNIO's `EmbeddedEventLoop` order. Time moves only when an event is taken.
///
/// Storage: a 4-ary min-heap of 24-byte entries (time, priority and sequence packed in one
/// key, slot) over a slab of payloads whose slots are reused. Cancelling marks the slot (O(1));
/// the heap entry is dropped when it reaches the top, or all at once when cancelled entries
/// outnumber live ones, so memory stays proportional to the events pending, never to the events
/// ever scheduled. The calendar belongs to one replication on one thread.
public struct EventCalendar<Payload> {
    @usableFromInline struct Entry {
        @usableFromInline var time: Double
        /// priority in the top 8 bits, sequence in the low 56.
        @usableFromInline var key: UInt64
        @usableFromInline var slot: Int32

        @inlinable init(time: Double, key: UInt64, slot: Int32) {
            self.time = time
            self.key = key
            self.slot = slot
        }

        @inlinable func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && key < other.key)
        }
    }

    @usableFromInline static var sequenceMask: UInt64 { (1 << 56) - 1 }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var payloads: [Payload] = []
    /// The sequence of the live event in each slot; 0 when the slot's event was cancelled.
    @usableFromInline var slotSequence: [UInt64] = []
    @usableFromInline var freeSlots: [Int32] = []
    @usableFromInline var nextSequence: UInt64 = 1
    @usableFromInline var cancelledInHeap = 0

    @usableFromInline var _now: Double = 0
    /// The current simulated time, in seconds. It only moves forward.
    @inlinable public var now: Double { _now }

    /// An empty calendar at time 0.
    public init() {}

    /// How many events are pending (cancelled ones excluded). - Complexity: O(1).
    @inlinable public var count: Int { heap.count - cancelledInHeap }
    /// How many entries the heap holds, cancelled ones not yet reclaimed included; for tests
    /// and memory checks. - Complexity: O(1).
    public var heapEntries: Int { heap.count }
    /// Whether no event is pending. - Complexity: O(1).
    @inlinable public var isEmpty: Bool { count == 0 }

    /// Schedules `payload` at `time` with `priority` (lower runs first among events at the same
    /// time; default 128) and returns a handle to cancel it.
    /// - Precondition: `time` is finite and not before `now`.
    /// - Complexity: O(log n), n the number of entries in the heap.
    @inlinable @discardableResult
    public mutating func schedule(_ payload: Payload, at time: Double, priority: UInt8 = 128)
        -> EventHandle
    {
        precondition(time >= now && time.isFinite, "an event cannot be scheduled in the past")
        let sequence = nextSequence
        nextSequence += 1
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            payloads[Int(slot)] = payload
            slotSequence[Int(slot)] = sequence
        } else {
            slot = Int32(payloads.count)
            payloads.append(payload)
            slotSequence.append(sequence)
        }
        let entry = Entry(time: time, key: UInt64(priority) << 56 | sequence, slot: slot)
        heap.append(entry)
        siftUp(heap.count - 1)
        return EventHandle(slot: slot, sequence: sequence)
    }

    /// Schedules `payload` `delay` seconds from now. - Complexity: O(log n).
    @inlinable @discardableResult
    public mutating func schedule(_ payload: Payload, after delay: Double, priority: UInt8 = 128)
        -> EventHandle
    {
        schedule(payload, at: now + delay, priority: priority)
    }

    /// Cancels the event behind `handle`; false when it already ran or was cancelled.
    /// - Complexity: O(1) amortised (an occasional O(n) clean-up when cancelled entries
    ///   outnumber live ones).
    @inlinable @discardableResult
    public mutating func cancel(_ handle: EventHandle) -> Bool {
        let slot = Int(handle.slot)
        guard slot >= 0, slot < slotSequence.count, slotSequence[slot] == handle.sequence else {
            return false
        }
        slotSequence[slot] = 0
        cancelledInHeap += 1
        if cancelledInHeap > 1024 && cancelledInHeap * 2 > heap.count { compact() }
        return true
    }

    /// Whether the event behind `handle` is still pending. - Complexity: O(1).
    @inlinable
    public func isPending(_ handle: EventHandle) -> Bool {
        let slot = Int(handle.slot)
        return slot >= 0 && slot < slotSequence.count && slotSequence[slot] == handle.sequence
    }

    /// The time of the next pending event, if any. - Complexity: O(log n) amortised.
    @inlinable
    public mutating func peekTime() -> Double? {
        dropCancelledTop()
        return heap.first?.time
    }

    /// Takes the next event, moves the clock to its time and returns it.
    /// - Complexity: O(log n).
    @inlinable
    public mutating func next() -> (time: Double, payload: Payload)? {
        dropCancelledTop()
        guard let top = heap.first else { return nil }
        removeTop()
        let slot = Int(top.slot)
        slotSequence[slot] = 0
        freeSlots.append(top.slot)
        _now = top.time
        return (top.time, payloads[slot])
    }

    /// Takes the next event only if it is due at or before `limit`.
    /// - Complexity: O(log n).
    @inlinable
    public mutating func next(until limit: Double) -> (time: Double, payload: Payload)? {
        guard let t = peekTime(), t <= limit else { return nil }
        return next()
    }

    /// Moves the clock forward to `time` without taking an event.
    /// - Precondition: no pending event is due before `time`.
    public mutating func advance(to time: Double) {
        precondition(time >= now, "time only moves forward")
        precondition((peekTime() ?? .infinity) >= time, "an event is due before \(time)")
        _now = time
    }

    // MARK: Heap internals

    @inlinable
    mutating func dropCancelledTop() {
        while let top = heap.first, slotSequence[Int(top.slot)] != top.key & Self.sequenceMask {
            removeTop()
            freeSlots.append(top.slot)
            cancelledInHeap -= 1
        }
    }

    /// Removes the top entry: the last entry takes its place and sifts down.
    @inlinable
    mutating func removeTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    // The heap is 4-ary: half the depth of a binary heap, and a node's children share a cache
    // line or two, which suits the few hundred pending events of a call center.

    @inlinable
    mutating func siftUp(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            var i = start
            let moving = h[i]
            while i > 0 {
                let parent = (i - 1) >> 2
                guard moving.precedes(h[parent]) else { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = moving
        }
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = start
            let moving = h[i]
            while true {
                let first = 4 * i + 1
                if first >= n { break }
                var best = first
                let end = min(first + 4, n)
                var c = first + 1
                while c < end {
                    if h[c].precedes(h[best]) { best = c }
                    c += 1
                }
                guard h[best].precedes(moving) else { break }
                h[i] = h[best]
                i = best
            }
            h[i] = moving
        }
    }

    /// Drops every cancelled entry and rebuilds the heap. - Complexity: O(n).
    @usableFromInline
    mutating func compact() {
        var kept: [Entry] = []
        kept.reserveCapacity(heap.count - cancelledInHeap)
        for entry in heap {
            if slotSequence[Int(entry.slot)] == entry.key & Self.sequenceMask {
                kept.append(entry)
            } else {
                freeSlots.append(entry.slot)
            }
        }
        heap = kept
        cancelledInHeap = 0
        if heap.count > 1 {
            for i in stride(from: (heap.count - 2) / 4, through: 0, by: -1) { siftDown(i) }
        }
    }

    /// Checks the heap order and the bookkeeping; for tests. - Complexity: O(n).
    public func checkInvariants() -> Bool {
        for i in 1..<max(1, heap.count) where heap[i].precedes(heap[(i - 1) >> 2]) { return false }
        let live = heap.filter { slotSequence[Int($0.slot)] == $0.key & Self.sequenceMask }.count
        return live == count && Set(freeSlots).count == freeSlots.count
    }
}
