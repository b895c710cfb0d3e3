// MARK: - A set of calls for the hot path

/// A set of call ids, on `CallMap`'s table (open addressing with linear probing and
/// backward-shift deletion, hashed by a fixed 64-bit mix).
///
/// Policies use it where Swift's `Set` would do, on paths taken for every call: its hash is
/// cheaper than `Hasher`'s per-process seeded SipHash, and it is the same in every process (a
/// policy never depends on its order, but nothing here varies from run to run either).
/// Memory follows the peak number of members; the table never shrinks.
public struct CallSet: Sendable {
    /// The table, every value 0.
    @usableFromInline var table = CallMap()
    /// How many calls are in the set. - Complexity: O(1).
    @inlinable public var count: Int { table.count }

    /// An empty set.
    public init() {}

    /// Whether the set is empty. - Complexity: O(1).
    @inlinable public var isEmpty: Bool { table.isEmpty }

    /// Whether `call` is in the set. - Complexity: O(1) expected.
    @inlinable
    public func contains(_ call: CallID) -> Bool { table[call] != nil }

    /// Adds `call`; false when it was there already. - Complexity: O(1) expected, amortised.
    @inlinable @discardableResult
    public mutating func insert(_ call: CallID) -> Bool { table.set(call, 0) }

    /// Removes `call`; false when it was not there. - Complexity: O(1) expected.
    @inlinable @discardableResult
    public mutating func remove(_ call: CallID) -> Bool { table.remove(call) != nil }
}

// MARK: - A map from calls for the hot path

/// A map from call ids to small integers (an agent's index, a slot): open addressing with linear
/// probing and backward-shift deletion, hashed by a fixed 64-bit mix (the table behind
/// `CallSet` too). What a driver or a policy keeps per call in flight, without `Hasher`'s
/// SipHash on every call; the same in every process. Memory follows the peak number of calls;
/// the table never shrinks.
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
        var i = Self.home(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Sets the value of `call` (replacing one there); true when `call` was not there.
    /// - Complexity: O(1) expected, amortised.
    @inlinable @discardableResult
    public mutating func set(_ call: CallID, _ value: Int32) -> Bool {
        precondition(call.rawValue != .max, "CallID.max cannot be stored")
        if (_count + 1) * 4 > keys.count * 3 { grow() }
        let key = call.rawValue &+ 1
        var i = Self.home(key, mask)
        while true {
            let k = keys[i]
            if k == key {
                values[i] = value
                return false
            }
            if k == 0 {
                keys[i] = key
                values[i] = value
                _count += 1
                return true
            }
            i = (i + 1) & mask
        }
    }

    @inlinable
    static func home(_ key: UInt64, _ mask: Int) -> Int {
        // Fibonacci hashing: the multiplication spreads consecutive ids over the table.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Removes `call` and returns its value, or nil when it was not there.
    /// - Complexity: O(1) expected.
    @inlinable @discardableResult
    public mutating func remove(_ call: CallID) -> Int32? {
        let key = call.rawValue &+ 1
        var i = Self.home(key, mask)
        while true {
            let k = keys[i]
            if k == 0 { return nil }
            if k == key { break }
            i = (i + 1) & mask
        }
        let removed = values[i]
        // Backward-shift deletion: move later members of the probe run into the hole when their
        // home does not lie cyclically in (hole, j].
        var hole = i
        var j = (i + 1) & mask
        while keys[j] != 0 {
            let h = Self.home(keys[j], mask)
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
            var i = Self.home(key, mask)
            while keys[i] != 0 { i = (i + 1) & mask }
            keys[i] = key
            values[i] = value
        }
    }
}
