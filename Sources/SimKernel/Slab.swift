// MARK: - Storage for the hot loop

/// A growable buffer of elements owned by one replication, without copy-on-write checks.
///
/// Swift arrays check that their storage is not shared before every write; in a loop of
/// millions of events those checks are measurable. A `Slab` cannot be copied, so it needs none.
/// Indices are checked by a precondition, as an array's are.
public struct Slab<Element>: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var capacity: Int
    @usableFromInline var _count = 0

    /// An empty slab with room for `capacity` elements before it grows.
    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    /// A slab of `count` copies of `value`.
    public init(repeating value: Element, count: Int) {
        self.init(capacity: count)
        base.initialize(repeating: value, count: count)
        _count = count
    }

    deinit {
        base.deinitialize(count: _count)
        base.deallocate()
    }

    /// How many elements. - Complexity: O(1).
    @inlinable public var count: Int { _count }

    /// Appends `element`. - Complexity: amortised O(1).
    @inlinable
    public mutating func append(_ element: Element) {
        if _count == capacity { grow() }
        (base + _count).initialize(to: element)
        _count += 1
    }

    /// Removes and returns the last element, if any. - Complexity: O(1).
    @inlinable
    public mutating func popLast() -> Element? {
        guard _count > 0 else { return nil }
        _count -= 1
        return (base + _count).move()
    }

    /// Removes every element, keeping the storage. - Complexity: O(count).
    @inlinable
    public mutating func removeAll() {
        base.deinitialize(count: _count)
        _count = 0
    }

    /// The element at `index`. - Complexity: O(1).
    @inlinable
    public subscript(index: Int) -> Element {
        unsafeAddress {
            precondition(index >= 0 && index < _count, "Slab index out of range")
            return UnsafePointer(base + index)
        }
        unsafeMutableAddress {
            precondition(index >= 0 && index < _count, "Slab index out of range")
            return base + index
        }
    }

    @usableFromInline
    mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: _count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// The elements, copied into an array. - Complexity: O(count).
    public func toArray() -> [Element] {
        Array(UnsafeBufferPointer(start: base, count: _count))
    }
}
