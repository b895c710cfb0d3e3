// MARK: - A set of calls for the hot path

/// A set of call ids: open addressing with linear probing and backward-shift deletion, hashed by
/// a fixed 64-bit mix.
///
/// Policies use it where Swift's `Set` would do, on paths taken for every call: its hash is
/// cheaper than `Hasher`'s per-process seeded SipHash, and it is the same in every process (a
/// policy never depends on its order, but nothing here varies from run to run either).
/// Memory follows the peak number of members; the table never shrinks.
public struct CallSet: Sendable {
    /// Slots hold `rawValue + 1`; 0 marks an empty slot.
    @usableFromInline var slots: [UInt64]
    @usableFromInline var mask: Int
    @usableFromInline var _count = 0
    /// How many calls are in the set. - Complexity: O(1).
    @inlinable public var count: Int { _count }

    /// An empty set.
    public init() {
        slots = Array(repeating: 0, count: 16)
        mask = 15
    }

    /// Whether the set is empty. - Complexity: O(1).
    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable
    static func home(_ key: UInt64, _ mask: Int) -> Int {
        // Fibonacci hashing: the multiplication spreads consecutive ids over the table.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Whether `call` is in the set. - Complexity: O(1) expected.
    @inlinable
    public func contains(_ call: CallID) -> Bool {
        let key = call.rawValue &+ 1
        var i = Self.home(key, mask)
        while true {
            let s = slots[i]
            if s == key { return true }
            if s == 0 { return false }
            i = (i + 1) & mask
        }
    }

    /// Adds `call`; false when it was there already. - Complexity: O(1) expected, amortised.
    @inlinable @discardableResult
    public mutating func insert(_ call: CallID) -> Bool {
        precondition(call.rawValue != .max, "CallID.max cannot be stored")
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let key = call.rawValue &+ 1
        var i = Self.home(key, mask)
        while true {
            let s = slots[i]
            if s == key { return false }
            if s == 0 {
                slots[i] = key
                _count += 1
                return true
            }
            i = (i + 1) & mask
        }
    }

    /// Removes `call`; false when it was not there. - Complexity: O(1) expected.
    @inlinable @discardableResult
    public mutating func remove(_ call: CallID) -> Bool {
        let key = call.rawValue &+ 1
        var i = Self.home(key, mask)
        while true {
            let s = slots[i]
            if s == 0 { return false }
            if s == key { break }
            i = (i + 1) & mask
        }
        // Backward-shift deletion: move later members of the probe run into the hole when their
        // home does not lie cyclically in (hole, j].
        var hole = i
        var j = (i + 1) & mask
        while slots[j] != 0 {
            let h = Self.home(slots[j], mask)
            let between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !between {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        slots[hole] = 0
        _count -= 1
        return true
    }

    @usableFromInline
    mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for key in old where key != 0 {
            var i = Self.home(key, mask)
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = key
        }
    }
}

// MARK: - A map from calls for the hot path

/// A map from call ids to small integers (an agent's index, a slot), the same table as `CallSet`
/// with a value beside each key: what a driver or a policy keeps per call in flight, without
/// `Hasher`'s SipHash on every call.
public struct CallMap: Sendable {
    @usableFromInline var keys: [UInt64]
    @usableFromInline var values: [Int32]
    @usableFromInline var mask: Int
    @usableFromInline var _count = 0
    /// How many calls are in the map. - Complexity: O(1).
    @inlinable public var count: Int { _count }
    /// Whether the map is empty. - Complexity: O(1).
    @inlinable public var isEmpty: Bool { _count == 0 }

    /// An empty map.
    public init() {
        keys = Array(repeating: 0, count: 16)
        values = Array(repeating: 0, count: 16)
        mask = 15
    }

    /// The value of `call`, or nil. - Complexity: O(1) expected.
    @inlinable
    public subscript(_ call: CallID) -> Int32? {
        let key = call.rawValue &+ 1
        var i = CallSet.home(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Sets the value of `call` (replacing one there). - Complexity: O(1) expected, amortised.
    @inlinable
    public mutating func set(_ call: CallID, _ value: Int32) {
        precondition(call.rawValue != .max, "CallID.max cannot be stored")
        if (_count + 1) * 4 > keys.count * 3 { grow() }
        let key = call.rawValue &+ 1
        var i = CallSet.home(key, mask)
        while true {
            let k = keys[i]
            if k == key {
                values[i] = value
                return
            }
            if k == 0 {
                keys[i] = key
                values[i] = value
                _count += 1
                return
            }
            i = (i + 1) & mask
        }
    }

    /// Removes `call` and returns its value, or nil when it was not there.
    /// - Complexity: O(1) expected.
    @inlinable @discardableResult
    public mutating func remove(_ call: CallID) -> Int32? {
        let key = call.rawValue &+ 1
        var i = CallSet.home(key, mask)
        while true {
            let k = keys[i]
            if k == 0 { return nil }
            if k == key { break }
            i = (i + 1) & mask
        }
        let removed = values[i]
        // Backward-shift deletion, as `CallSet.remove`.
        var hole = i
        var j = (i + 1) & mask
        while keys[j] != 0 {
            let h = CallSet.home(keys[j], mask)
            let between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !between {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = 0
        _count -= 1
        return removed
    }

    @usableFromInline
    mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        for (key, value) in zip(oldKeys, oldValues) where key != 0 {
            var i = CallSet.home(key, mask)
            while keys[i] != 0 { i = (i + 1) & mask }
            keys[i] = key
            values[i] = value
        }
    }
}
