import CallCenter

// MARK: - Answered campaign customers waiting for an agent

/// The campaign's answered customers waiting for an agent, first come first served, and the
/// system's maximum hold: a customer held `maxHold` seconds without an agent hears the message
/// and is hung up (`expired`). With `DialerPool.match`, it decides which answered customer meets
/// which agent, in `CenterPolicy` (both simulated worlds, and `simcc live` with the destination
/// `&park()`).
///
/// A customer who hangs up first leaves (`left`); they are forgotten once they reach the front,
/// so `hasEntries` may still count them until then.
public struct AnsweredCustomers: Sendable {
    /// Seconds an answered customer may wait for an agent before the system's message and the
    /// hang-up; nil: as long as they are willing to.
    public let maxHold: Seconds?
    private var line: [CallID] = []
    private var deadlines: [Seconds] = []
    private var head = 0
    private var waiting = CallSet()

    /// Nobody waiting; customers held at most `maxHold` seconds (nil: no limit).
    public init(maxHold: Seconds? = nil) {
        precondition(maxHold.map { $0 >= 0 } ?? true, "maxHold must not be negative")
        self.maxHold = maxHold
    }

    /// How many customers wait now. - Complexity: O(1).
    public var count: Int { waiting.count }

    /// Whether the line still has entries (customers waiting, or customers who left and have not
    /// yet reached the front). - Complexity: O(1).
    public var hasEntries: Bool { head < line.count }

    /// Whether `call` waits. - Complexity: O(1).
    public func contains(_ call: CallID) -> Bool { waiting.contains(call) }

    /// Call `call` was answered by a live customer at `time`: they wait at the back.
    public mutating func answered(_ call: CallID, at time: Seconds) {
        guard waiting.insert(call) else { return }
        line.append(call)
        deadlines.append(time + (maxHold ?? .infinity))
    }

    /// The customer of `call` hung up, or was connected some other way; returns whether they waited.
    @discardableResult
    public mutating func left(_ call: CallID) -> Bool {
        waiting.isEmpty ? false : waiting.remove(call)
    }

    /// The customer waiting longest, if any (those who left are dropped from the front).
    public var first: CallID? {
        mutating get {
            while head < line.count {
                if waiting.contains(line[head]) { return line[head] }
                head += 1
            }
            compact()
            return nil
        }
    }

    /// Removes the customer waiting longest (after `first` returned them).
    public mutating func removeFirst() {
        guard let call = first else { return }
        _ = waiting.remove(call)
        head += 1
        compact()
    }

    /// When the next customer's hold runs out, if any customer waits and holds are limited.
    public var nextDeadline: Seconds? {
        mutating get {
            guard maxHold != nil, first != nil else { return nil }
            return deadlines[head]
        }
    }

    /// The customers whose hold ran out by `time`, longest waiting first: they leave the line and
    /// hear the system's message before the hang-up.
    public mutating func expired(at time: Seconds, into calls: inout [CallID]) {
        guard maxHold != nil else { return }
        while let call = first, deadlines[head] <= time {
            calls.append(call)
            removeFirst()
        }
    }

    private mutating func compact() {
        guard head > 0, head == line.count else { return }
        line.removeAll(keepingCapacity: true)
        deadlines.removeAll(keepingCapacity: true)
        head = 0
    }
}
