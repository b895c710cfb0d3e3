// MARK: - The event calendar

/// A handle to a scheduled event, for cancelling it.
public struct EventHandle: Hashable, Sendable {
    @usableFromInline let slot: Int32
    @usableFromInline let sequence: UInt64
    @inlinable init(slot: Int32, sequence: UInt64) {
        self.slot = slot
        self.sequence = sequence
    }

    /// A handle to no event: cancelling it does nothing. (Computed, not a stored `static let`,
    /// which would cost a lazy-initialisation check on every use in the hot loop.)
    @inlinable public static var none: EventHandle { EventHandle(slot: -1, sequence: 0) }
}

/// The simulated clock and the future events, ordered by (time, priority, sequence).
///
/// Events at the same time run in order of priority (lower first), then in the order they were
/// scheduled: ties are repeatable, so a run is a function of its inputs. This is SimPy's kernel
/// and SwiftNIO's `EmbeddedEventLoop` order. Time moves only when an event is taken.
///
/// Storage: a binary min-heap (`arity` 2: `removeTop` is written for two children, `siftUp`
/// and `siftDown` take any arity) of 16-byte entries (the time, and one 64-bit key packing the
/// priority, the sequence and the payload's slot), over a slab of payloads whose slots are
/// reused. Cancelling marks the slot (O(1)); the heap entry is dropped when it reaches the top,
/// or all at once when cancelled entries outnumber live ones, so memory stays proportional to
/// the events pending, never to the events ever scheduled.
/// Storage is owned (`Slab`), so the calendar cannot be copied, and belongs to one replication
/// on one thread.
///
/// Limits: priorities 0...15; 2^36 (69 billion) events scheduled and 2^24 (16.7 million) pending
/// per calendar, each checked by a precondition.
public struct EventCalendar<Payload>: ~Copyable {
    @usableFromInline struct Entry {
        /// The time's bit pattern: for times that are not negative (and not -0), ordering the
        /// patterns as integers orders the times, so (time, key) compares as one 128-bit integer,
        /// without branches.
        @usableFromInline var timeBits: UInt64
        /// priority (4 bits) | sequence (36 bits) | slot (24 bits): ordering by key is ordering
        /// by (priority, sequence), since sequences are unique.
        @usableFromInline var key: UInt64

        @inlinable init(time: Double, key: UInt64) {
            // + 0.0 turns -0.0 into +0.0, whose pattern is the smallest.
            self.timeBits = (time + 0.0).bitPattern
            self.key = key
        }

        @inlinable var time: Double { Double(bitPattern: timeBits) }

        @inlinable func precedes(_ other: Entry) -> Bool {
            (UInt128(timeBits) << 64 | UInt128(key)) < (UInt128(other.timeBits) << 64 | UInt128(other.key))
        }

        @inlinable var slot: Int { Int(key & EventCalendar.slotMask) }
        @inlinable var sequence: UInt64 { (key >> 24) & EventCalendar.sequenceMask }
    }

    /// Children per node of the heap.
    @usableFromInline static var arity: Int { 2 }
    @usableFromInline static var slotMask: UInt64 { (1 << 24) - 1 }
    @usableFromInline static var sequenceMask: UInt64 { (1 << 36) - 1 }
    /// The highest priority number (the lowest priority).
    public static var lowestPriority: UInt8 { 15 }
    /// The priority of `schedule` when none is given.
    public static var defaultPriority: UInt8 { 8 }

    @usableFromInline var heap = Slab<Entry>(capacity: 256)
    @usableFromInline var payloads = Slab<Payload>(capacity: 256)
    /// The sequence of the live event in each slot; 0 when the slot's event ran or was cancelled.
    @usableFromInline var slotSequence = Slab<UInt64>(capacity: 256)
    @usableFromInline var freeSlots = Slab<Int32>(capacity: 256)
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

    /// Schedules `payload` at `time` with `priority` (0...15, lower runs first among events at
    /// the same time; default 8) and returns a handle to cancel it.
    /// - Precondition: `time` is finite and not before `now`.
    /// - Complexity: O(log n), n the number of entries in the heap.
    @inlinable @discardableResult
    public mutating func schedule(
        _ payload: Payload, at time: Double, priority: UInt8 = EventCalendar.defaultPriority
    ) -> EventHandle {
        precondition(time >= _now && time.isFinite, "an event cannot be scheduled in the past")
        // (Time starts at 0 and never decreases, so every scheduled time is at least 0.)
        precondition(priority <= Self.lowestPriority, "event priorities are 0...15")
        let sequence = nextSequence
        precondition(sequence <= Self.sequenceMask, "more than 2^36 events scheduled")
        nextSequence += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            (payloads.base + slot).pointee = payload
            slotSequence[slot] = sequence
        } else {
            slot = payloads.count
            precondition(UInt64(slot) <= Self.slotMask, "more than 2^24 events pending")
            payloads.append(payload)
            slotSequence.append(sequence)
        }
        heap.append(Entry(time: time, key: UInt64(priority) << 60 | sequence << 24 | UInt64(slot)))
        siftUp(heap.count - 1)
        return EventHandle(slot: Int32(slot), sequence: sequence)
    }

    /// Schedules `payload` `delay` seconds from now. - Complexity: O(log n).
    @inlinable @discardableResult
    public mutating func schedule(
        _ payload: Payload, after delay: Double, priority: UInt8 = EventCalendar.defaultPriority
    ) -> EventHandle {
        schedule(payload, at: _now + delay, priority: priority)
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
        return heap.count > 0 ? heap[0].time : nil
    }

    /// Takes the next event, moves the clock to its time and returns it.
    /// - Complexity: O(log n).
    @inlinable
    public mutating func next() -> (time: Double, payload: Payload)? {
        dropCancelledTop()
        guard heap.count > 0 else { return nil }
        let top = heap[0]
        removeTop()
        let slot = top.slot
        slotSequence[slot] = 0
        freeSlots.append(Int32(slot))
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
        precondition(time >= _now, "time only moves forward")
        precondition((peekTime() ?? .infinity) >= time, "an event is due before \(time)")
        _now = time
    }

    // MARK: Heap internals

    @inlinable @inline(__always)
    mutating func dropCancelledTop() {
        while heap.count > 0 {
            let top = heap[0]
            guard slotSequence[top.slot] != top.sequence else { return }
            removeTop()
            freeSlots.append(Int32(top.slot))
            cancelledInHeap -= 1
        }
    }

    /// Removes the top entry (Floyd's way): the hole at the root moves down to a leaf along the
    /// earlier child (one comparison a level, the child chosen without a branch), then the last
    /// entry, which usually belongs near the bottom, sifts up from there. Keys are unique, so the
    /// order events come out in does not depend on the heap's shape.
    @inlinable
    mutating func removeTop() {
        let last = heap.popLast()!
        let n = heap.count
        guard n > 0 else { return }
        let h = heap.base
        var i = 0
        var left = 1
        while left &+ 1 < n {
            let c = left &+ (h[left &+ 1].precedes(h[left]) ? 1 : 0)
            h[i] = h[c]
            i = c
            left = 2 &* i &+ 1
        }
        if left < n {
            h[i] = h[left]
            i = left
        }
        while i > 0 {
            let parent = (i &- 1) >> 1
            guard last.precedes(h[parent]) else { break }
            h[i] = h[parent]
            i = parent
        }
        h[i] = last
    }

    @inlinable
    mutating func siftUp(_ start: Int) {
        let h = heap.base
        var i = start
        let moving = h[i]
        while i > 0 {
            let parent = (i - 1) / Self.arity
            guard moving.precedes(h[parent]) else { break }
            h[i] = h[parent]
            i = parent
        }
        h[i] = moving
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        let h = heap.base
        let n = heap.count
        var i = start
        let moving = h[i]
        while true {
            let first = Self.arity * i + 1
            if first >= n { break }
            var best = first
            let end = min(first + Self.arity, n)
            var c = first + 1
            while c < end {
                best = h[c].precedes(h[best]) ? c : best
                c += 1
            }
            guard h[best].precedes(moving) else { break }
            h[i] = h[best]
            i = best
        }
        h[i] = moving
    }

    /// Drops every cancelled entry and rebuilds the heap. - Complexity: O(n).
    @usableFromInline
    mutating func compact() {
        var kept = 0
        for i in 0..<heap.count {
            let entry = heap[i]
            if slotSequence[entry.slot] == entry.sequence {
                heap[kept] = entry
                kept += 1
            } else {
                freeSlots.append(Int32(entry.slot))
            }
        }
        while heap.count > kept { _ = heap.popLast() }
        cancelledInHeap = 0
        if heap.count > 1 {
            for i in stride(from: (heap.count - 2) / Self.arity, through: 0, by: -1) { siftDown(i) }
        }
    }

    /// Checks the heap order and the bookkeeping; for tests. - Complexity: O(n).
    public func checkInvariants() -> Bool {
        var live = 0
        for i in 0..<heap.count {
            if i > 0 && heap[i].precedes(heap[(i - 1) / Self.arity]) { return false }
            if slotSequence[heap[i].slot] == heap[i].sequence { live += 1 }
        }
        let free = Set(freeSlots.toArray())
        return live == count && free.count == freeSlots.count
    }
}
