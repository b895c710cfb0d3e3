// MARK: - The outbound policy seam

/// What the softswitch and the agent-state updater tell a dialer. Each event comes with its time.
public enum DialerEvent: Hashable, Sendable {
    /// The timer the dialer asked for (`DialerCommand.wakeUp`) fired: the real-time
    /// dispatcher's loop.
    case wakeUp
    /// An agent's state changed (the real-time agent-state updater).
    case agent(AgentID, AgentState)
    /// The called party answered: a live person, or (`live == false`) an answering machine.
    case callAnswered(CallID, live: Bool)
    /// The answered call was bridged to an agent.
    case callConnected(CallID, AgentID)
    /// The connection reported by `callConnected` did not happen after all (the softswitch did
    /// not carry out `DialerCommand.connect`): the customer waits for an agent again.
    case connectionFailed(CallID)
    /// The call ended, with FreeSWITCH's hang-up cause.
    case callEnded(CallID, cause: HangupCause)
    /// The driver lost sight of the call (a gap in the events, a restart) and its channel is gone:
    /// what became of it, read afterwards from the softswitch's own record of it (its CDR), with
    /// that record's times; nil when no record says (its fate is unknown). The dialer decides
    /// what that means for the contract (`ContractRules`): a fate unknown holds it for review.
    indirect case callReported(CallID, CallReport?)
}

/// What the softswitch's own record of a call (FreeSWITCH's CDR) says happened to it, times on
/// the driver's clock: what `DialerEvent.callReported` carries for a call the driver lost sight of.
public struct CallReport: Hashable, Sendable {
    /// When the called party answered, if they did.
    public var answeredAt: Seconds?
    /// Whether a live person answered (false: an answering machine).
    public var live: Bool
    /// When the call was bridged to an agent, if it was.
    public var connectedAt: Seconds?
    /// The agent it was bridged to, if the record names one of the roster.
    public var agent: AgentID?
    /// When it ended.
    public var endedAt: Seconds
    /// FreeSWITCH's hang-up cause.
    public var cause: HangupCause

    /// A report, by name.
    public init(
        answeredAt: Seconds?, live: Bool = true, connectedAt: Seconds?, agent: AgentID?, endedAt: Seconds,
        cause: HangupCause
    ) {
        self.answeredAt = answeredAt
        self.live = live
        self.connectedAt = connectedAt
        self.agent = agent
        self.endedAt = endedAt
        self.cause = cause
    }
}

/// What a dialer asks for.
public enum DialerCommand: Hashable, Sendable {
    /// Dial `number` for `contract` as call `call` (ESL: `bgapi originate` with `Job-UUID` and
    /// `origination_uuid` from `call.uuidString`).
    case originate(CallID, ContractID, number: String)
    /// Hang up a call still in flight (ESL: `uuid_kill`).
    case hangUp(CallID)
    /// Connect the answered customer of `call`, waiting parked, to `agent` (ESL: `bgapi
    /// uuid_transfer` to the agent's extension). Issued by `CenterPolicy` when simcc places the
    /// answered customers itself; the patent's dialers never issue it.
    case connect(CallID, AgentID)
    /// The customer of `call` waited `max_hold` without an agent: play the system's message and
    /// hang up (ESL: `bgapi uuid_transfer` to an inline `playback,hangup`, or `uuid_kill`). Issued
    /// by `CenterPolicy`.
    case holdExpired(CallID)
    /// Wake the dialer at this time with `DialerEvent.wakeUp`.
    case wakeUp(at: Seconds)
    /// Write this call record (the asynchronous call-record updater).
    indirect case record(CallRecord)
    /// Step S34: every contract is complete; save this snapshot and stop.
    indirect case taskCompleted(TaskSnapshot)
}

/// Why a task cannot start (step S33), in words for the operator.
public struct TaskValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong and what to do about it.
    public var reason: String
    /// An error with this reason.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "the task cannot start: \(reason)" }
}

/// An outbound dialer: a deterministic state machine from events to commands.
///
/// Like the inbound router, a dialer does no I/O, reads no clock and appends its commands to a
/// buffer its driver owns. The simulation and the live ESL adapter drive the same dialers.
public protocol Dialer: Policy where Event == DialerEvent, Command == DialerCommand {
    /// The dialer's name in scenario files and reports.
    var name: String { get }

    /// Steps S31–S33: loads the task's contracts and the agents (indexed by `AgentID.index`),
    /// validates both, and starts dialing; throws with the reason when they are not valid.
    mutating func start(
        task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]
    ) throws(TaskValidationError)

    /// Handles `event`, which happened at `time`, appending the resulting commands.
    mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand])

    /// The task snapshot (S34 format) as things stand at `time`.
    func snapshot(at time: Seconds) -> TaskSnapshot

    /// How many contracts are closed (completed, failed or held for review): the task's progress.
    var closedContracts: Int { get }

    /// Contract `id` as the dialer holds it now (attempts, state, last outcome, retry time).
    func contract(_ id: ContractID) -> Contract?
}

extension Dialer {
    /// Read from a snapshot, in O(contracts); dialers that keep their contracts return it in O(1).
    public func contract(_ id: ContractID) -> Contract? {
        let contracts = snapshot(at: 0).contracts
        return id.index >= 0 && id.index < contracts.count ? contracts[id.index] : nil
    }

    /// Counted from a snapshot, in O(contracts); dialers that keep the count return it in O(1).
    public var closedContracts: Int {
        snapshot(at: 0).contracts.reduce(0) { $0 + ($1.state.isClosed ? 1 : 0) }
    }
}

// MARK: - A queue ordered by time

/// A min-heap of values ordered by (time, insertion order): the retry queue of a dialer.
///
/// Inlinable, so that it is specialised for its element type where it is used: a generic heap
/// of tuples run through the unspecialised path spends its time in metadata look-ups and copies.
public struct TimedQueue<Element: Sendable>: Sendable {
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var time: Seconds
        @usableFromInline var order: UInt64
        @usableFromInline var element: Element
        @inlinable init(time: Seconds, order: UInt64, element: Element) {
            self.time = time
            self.order = order
            self.element = element
        }
        @inlinable func before(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && order < other.order)
        }
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var nextOrder: UInt64 = 0

    /// An empty queue.
    public init() {}

    /// How many elements wait. - Complexity: O(1).
    @inlinable public var count: Int { heap.count }
    /// The earliest time, if any. - Complexity: O(1).
    @inlinable public var nextTime: Seconds? { heap.first?.time }

    /// Adds `element` due at `time`. - Complexity: O(log n).
    @inlinable
    public mutating func insert(_ element: Element, at time: Seconds) {
        let entry = Entry(time: time, order: nextOrder, element: element)
        nextOrder += 1
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard entry.before(heap[p]) else { break }
            heap[i] = heap[p]
            i = p
        }
        heap[i] = entry
    }

    /// Removes and returns the earliest element if it is due at or before `time`.
    /// - Complexity: O(1) when nothing is due, else O(log n).
    @inlinable
    public mutating func popDue(at time: Seconds) -> Element? {
        guard let first = heap.first, first.time <= time else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var m = l
                if l + 1 < n && heap[l + 1].before(heap[l]) { m = l + 1 }
                guard heap[m].before(last) else { break }
                heap[i] = heap[m]
                i = m
            }
            heap[i] = last
        }
        return first.element
    }
}
