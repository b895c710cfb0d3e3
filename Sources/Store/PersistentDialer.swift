import CallCenter

// MARK: - A dialer whose task survives a crash (issue 5: crash safety)

/// Drives a dialer and persists its task as it goes, so that a driver killed at any moment
/// (kill -9) and restarted resumes the task: no contract is dialled twice by mistake, none is
/// lost, and the calls that were in flight are reconciled.
///
/// The rules, in the order things happen:
/// 1. **Before an originate is sent**, the call and its contract's new state (dialing, the
///    attempt counted) are written in one synchronous transaction (`OutboundStore.beginCalls`).
///    All the originates of one dialer decision go in one transaction, then out to the softswitch.
/// 2. **When a call ends**, its record, its contract's new state and its removal from the calls in
///    flight are written together, in the background (`CallRecordWriter.append(_:contract:)`), so
///    the dispatcher does not wait for the disk, except in one case: a contract dialled again
///    before its previous call's end reached the disk waits for it (a flush), so that the store
///    never holds two calls of one contract in flight. Drivers should hand records over often
///    (`CallRecordWriter.handOver()`, say once per dialer tick) so that this wait is short.
/// 3. **On restart**, `start` loads the task with its calls in flight (those begun and not yet
///    written as ended) and the first unused call id; the dialer takes them over as calls in
///    flight. The driver then reconciles each with the softswitch (`reconcile`): a call the
///    softswitch still has goes on (its events arrive as usual); a call it no longer has ended
///    while the dialer was down: recorded as the softswitch's own record of it says (its CDR),
///    or, with no record, with its fate unknown (outcome `unknown`, cause `CRASH`): its contract
///    is held for review, not dialled again (the customer may have been served). A crash between
///    writing a call down and sending its originate makes that attempt count although nothing
///    was dialled: the safe side of "never dial twice".
/// 4. **At the end** (S34), the records are flushed and the snapshot is saved.
///
/// What can be lost: records and contract updates still in the writer's memory at the crash. Their
/// calls are still in `calls_in_flight`, so the restart reconciles them (rule 3): the call is not
/// lost, and its end is read from the softswitch's record.
///
/// It is itself a `Dialer` (a decorator), so a `CenterPolicy` composes it like any dialer. A
/// store that fails is not an event a dialer can answer: the decorator keeps the first failure
/// (`failure`), takes back the originates of that decision (they must not be sent), and from then
/// on passes nothing on; the driver stops the task (a restart resumes it).
public struct PersistentDialer<D: Dialer>: Dialer {
    /// The dialer (its policy and books).
    public private(set) var dialer: D
    /// The store the task lives in.
    public let store: OutboundStore
    /// The batch of the task.
    public let batchID: String
    /// Where call records go (the asynchronous call-record updater).
    public let writer: CallRecordWriter
    /// The calls taken over from a previous run at `start`, to reconcile.
    public private(set) var adopted: [CallInFlight] = []
    /// Scratch: the calls of the current decision, written down before they go out.
    var launching: [CallInFlight] = []
    var launchingContracts: [Contract] = []
    /// Contracts whose last call's record was handed to the writer and may not be on disk yet.
    var unwritten = Set<ContractID>()
    /// The first store failure: the task must stop (its driver checks after each event).
    public private(set) var failure: (any Error)?

    /// A driver of `dialer` on batch `batchID` of `store`, writing records through `writer`.
    public init(dialer: D, store: OutboundStore, batchID: String, writer: CallRecordWriter) {
        self.dialer = dialer
        self.store = store
        self.batchID = batchID
        self.writer = writer
    }

    /// Steps S31–S33 from the store: loads the task (and any calls in flight a previous run left),
    /// starts the dialer, and writes down its first calls before returning their originates.
    /// `adopted` then lists the calls to `reconcile`.
    ///
    /// - Throws: `TaskValidationError` when the task cannot start; `StoreError` when the store
    ///   cannot be read or written (then nothing is sent).
    public mutating func start(agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]) throws {
        try start(task: try store.loadTask(batchID: batchID), agents: agents, at: time, into: &commands)
        if let failure { throw failure }
    }

    /// Steps S31–S33 on `task`, read from the store (`OutboundStore.loadTask`): `adopted` lists
    /// its calls in flight; the first calls are written down before their originates are
    /// returned (a store failure: `failure`, and no originate).
    public mutating func start(
        task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]
    ) throws(TaskValidationError) {
        adopted = task.callsInFlight
        let first = commands.count
        try dialer.start(task: task, agents: agents, at: time, into: &commands)
        persistOrFail(&commands, from: first, at: time)
    }

    public var name: String { dialer.name }
    public var closedContracts: Int { dialer.closedContracts }
    public func contract(_ id: ContractID) -> Contract? { dialer.contract(id) }

    /// What the softswitch says of a call taken over after a restart.
    public enum ChannelStatus: Hashable, Sendable {
        /// Still ringing (no answer yet).
        case ringing
        /// Answered, by a live person or a machine, and not connected to an agent; `at`: when,
        /// if the softswitch says (else the reconcile's time stands for it).
        case answered(live: Bool, at: Seconds? = nil)
        /// Answered by a live person and bridged to an agent; the times, if the softswitch says.
        case connected(AgentID, answeredAt: Seconds? = nil, connectedAt: Seconds? = nil)
        /// Ended while the dialer was down, as the softswitch's own record of it says (its CDR).
        case ended(CallReport)
    }

    /// Reconciles the calls taken over at `start` with what the softswitch has now: `status`
    /// gives a call's state by its id (the softswitch knows it by `CallID.uuidString`): up
    /// (ringing, answered, connected), ended as its record says (`ended`), or nil when it no
    /// longer has the call and no record says how it ended. Calls that ended while the dialer was
    /// down are reported to the dialer with their record (`callReported`: the real times and
    /// cause) or without (their fate unknown: the contract is held for review, never dialled
    /// again by guess); the others are brought up to date and go on, their next events passed on
    /// as usual. Returns the calls still alive.
    public mutating func reconcile(
        at time: Seconds, status: (CallID) -> ChannelStatus?, into commands: inout [DialerCommand]
    ) throws -> [CallInFlight] {
        var live: [CallInFlight] = []
        let calls = adopted
        adopted = []
        for call in calls {
            switch status(call.call) {
            case nil:
                try handleOrThrow(.callReported(call.call, nil), at: time, into: &commands)
            case .ended(let report):
                try handleOrThrow(.callReported(call.call, report), at: time, into: &commands)
            case .ringing:
                live.append(call)
            case .answered(let isLive, let at):
                live.append(call)
                try handleOrThrow(.callAnswered(call.call, live: isLive), at: at ?? time, into: &commands)
            case .connected(let agent, let answeredAt, let connectedAt):
                live.append(call)
                try handleOrThrow(.callAnswered(call.call, live: true), at: answeredAt ?? time, into: &commands)
                try handleOrThrow(.callConnected(call.call, agent), at: connectedAt ?? time, into: &commands)
            }
        }
        return live
    }

    /// Hands `event` to the dialer; writes down the calls it launches before returning their
    /// originates, and hands each call record to the writer with its contract's new state.
    ///
    /// When the calls cannot be written down, their originates are taken back out of `commands`
    /// (they must not be sent), the error is kept in `failure`, and the task must stop: the
    /// dialer believes them launched, and a restart will reconcile them. After a failure nothing
    /// more is passed on.
    public mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        guard failure == nil else { return }
        let first = commands.count
        dialer.handle(event, at: time, into: &commands)
        persistOrFail(&commands, from: first, at: time)
    }

    /// `handle`, throwing the store's failure.
    public mutating func handleOrThrow(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) throws {
        handle(event, at: time, into: &commands)
        if let failure { throw failure }
    }

    mutating func persistOrFail(_ commands: inout [DialerCommand], from first: Int, at time: Seconds) {
        do {
            try persist(&commands, from: first, at: time)
        } catch {
            failure = error
            commands.removeSubrange(first...)
        }
    }

    /// The task snapshot (S34 format) at `time`.
    public func snapshot(at time: Seconds) -> TaskSnapshot { dialer.snapshot(at: time) }

    /// Lets `body` act on the dialer outside an event (pause, resume), writing down the calls
    /// it launches into `commands` as `handle` does.
    /// - Throws: as `handle`.
    public mutating func act(
        at time: Seconds, into commands: inout [DialerCommand], _ body: (inout D, inout [DialerCommand]) -> Void
    ) throws {
        let first = commands.count
        body(&dialer, &commands)
        try persist(&commands, from: first, at: time)
    }

    /// Rules 1, 2 and 4 for the commands from index `first` on, issued at `time`.
    mutating func persist(_ commands: inout [DialerCommand], from first: Int, at time: Seconds) throws {
        launching.removeAll(keepingCapacity: true)
        launchingContracts.removeAll(keepingCapacity: true)
        var completed: TaskSnapshot?
        for command in commands[first...] {
            switch command {
            case .originate(let call, let id, _):
                guard let contract = dialer.contract(id) else {
                    preconditionFailure("the dialer launched \(call) on \(id), which it does not hold")
                }
                launching.append(CallInFlight(call: call, contract: id, attempt: contract.attempts, dialedAt: time))
                launchingContracts.append(contract)
            case .record(let record):
                writer.append(record, contract: dialer.contract(record.contract))
                unwritten.insert(record.contract)
            case .taskCompleted(let snapshot):
                completed = snapshot
            case .hangUp, .wakeUp, .connect, .holdExpired:
                break
            }
        }
        if !launching.isEmpty {
            do {
                // A contract dialled again before its previous call's end is on disk: that end is
                // written first, so the store never shows two calls of one contract in flight.
                if unwritten.count > 4096 || launching.contains(where: { unwritten.contains($0.contract) }) {
                    try writer.flush()
                    unwritten.removeAll(keepingCapacity: true)
                }
                try store.beginCalls(launching, contracts: launchingContracts, batchID: batchID)
            } catch {
                var i = first
                while i < commands.count {
                    if case .originate = commands[i] { commands.remove(at: i) } else { i += 1 }
                }
                throw error
            }
        }
        if var snapshot = completed {
            try writer.flush()
            snapshot.batchID = batchID
            try store.saveSnapshot(snapshot)
        }
    }
}
