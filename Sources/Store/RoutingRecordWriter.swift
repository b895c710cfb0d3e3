import CallCenter
import Foundation
import GRDB

// MARK: - Routing records off the hot path (CN107682576B: bindings, customers, callbacks, calls)

/// Stores a routing run's records (customers created at 021, numbers bound at 02, callback
/// task events of 04-06, inbound call records) from a background thread, so that the driver
/// (the simulation or the live router) never waits for SQLite.
///
/// The same contract as `CallRecordWriter`: `append` puts a record in a buffer; a background
/// thread writes the buffer `batchSize` records per transaction, in append order (so a customer
/// is written before its bindings, a task's creation before its reminders). `flush()` waits
/// until every record appended before it is on disk; `close()` flushes and stops the thread.
/// When the thread is behind by more than `maxBacklog` full batches, `append` waits.
///
/// Each record is written whole or not at all (a savepoint of its own): a record the database
/// refuses (a customer id already taken, a callback event for a task never created, a call of
/// an unknown customer, a NaN time) is not written and does not stop the others; a failed
/// transaction loses its batch. Either way the failure is kept, and the next `flush()` or
/// `close()` throws it once, with the count of records not written.
///
/// What each record does:
/// - `customerCreated`: a `customers` row (source `run`, `created_at`) and its numbers.
/// - `numberBound`: the number belongs to the customer from now on (source `run`, `bound_at`),
///   appended to its numbers; a number bound to another customer moves, as in `Directory.bind`;
///   one already the customer's is left as it is.
/// - `callback(.created)`: a `callback_tasks` row and the history lines `created`, then
///   `assigned` when the task has an owner; the other events update the task (state, owner,
///   priority, counts, deadline, `done_at`) and append one history line each.
/// - `inboundCall`: an `inbound_calls` row.
///
/// Thread-safe: any thread may append, flush and close.
public final class RoutingRecordWriter: Sendable {
    /// The records per transaction.
    public let batchSize: Int
    /// How many full batches may wait for the background thread before `append` waits.
    public let maxBacklog: Int

    private let shared: RecordQueue<RoutingRecord>

    init(database: any DatabaseWriter, batchSize: Int, maxBacklog: Int = 64) {
        self.batchSize = batchSize
        self.maxBacklog = maxBacklog
        let shared = RecordQueue<RoutingRecord>(batchSize: batchSize, maxBacklog: maxBacklog)
        self.shared = shared
        let thread = Thread { [shared] in
            shared.run { batch in Self.write(batch, to: database) }
        }
        thread.name = "simcc.store.routing-records"
        thread.start()
    }

    deinit {
        // Let the thread write what is left and end; nobody is left to hear of a failure.
        shared.stop()
    }

    /// Hands a record to the background writer. Returns at once unless the writer is behind by
    /// more than `maxBacklog` batches, in which case it waits for room.
    ///
    /// Appending after `close()` writes nothing: the record is counted as a failure that the
    /// next `flush()` or `close()` throws.
    /// - Complexity: amortised O(1).
    public func append(_ record: RoutingRecord) {
        shared.append(record) {
            "\(Self.describe(record)) was appended after close(); append every record before closing the writer"
        }
    }

    /// Hands the records appended so far to the background thread without waiting: they are
    /// written in the next transaction even if fewer than `batchSize`. The live router calls it
    /// after each batch of events, so that a crash loses at most about a batch's records.
    public func handOver() { shared.handOver() }

    /// Writes every record appended so far and waits until they are on disk.
    ///
    /// - Throws: `StoreError` with the count of records not written and the first failure,
    ///   when some record appended since the last throwing `flush()` or `close()` was not.
    public func flush() throws {
        shared.flush()
        try takeFailure()
    }

    /// Flushes and stops the background thread. Calling it again does nothing more.
    ///
    /// - Throws: the failures `flush()` would throw.
    public func close() throws {
        shared.stop()
        shared.waitUntilFinished()
        try takeFailure()
    }

    private func takeFailure() throws {
        guard let (count, first) = shared.takeFailure() else { return }
        throw StoreError(
            "\(count) routing record\(count == 1 ? " was" : "s were") not written to the store; the first: \(first)"
        )
    }

    // MARK: - Writing

    /// Writes `batch` in one transaction, each record in a savepoint; returns how many records
    /// were not written and why the first was not.
    private static func write(_ batch: [RoutingRecord], to database: any DatabaseWriter) -> (Int, String?) {
        do {
            return try database.write { db -> (Int, String?) in
                var failed = 0
                var first: String?
                for record in batch {
                    do {
                        try db.inSavepoint {
                            try write(record, db)
                            return .commit
                        }
                    } catch let error as StoreError {
                        failed += 1
                        if first == nil { first = "\(describe(record)): \(error.message)" }
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        failed += 1
                        if first == nil { first = "\(describe(record)): \(why(error, record))" }
                    }
                }
                return (failed, first)
            }
        } catch {
            return (batch.count, "a transaction of \(batch.count) records failed: \(reason(error))")
        }
    }

    private static func write(_ record: RoutingRecord, _ db: Database) throws {
        switch record {
        case .customerCreated(let created):
            let c = created.customer
            try db.execute(
                sql: """
                    INSERT INTO customers (id, label, id_number, first_agent, created_at, source)
                    VALUES (?, NULL, ?, ?, ?, 'run')
                    """,
                arguments: [
                    Int(c.id.rawValue), c.idNumber, c.firstAgent.map { Int($0.rawValue) }, created.at,
                ])
            for number in c.numbers {
                try bind(number, to: c.id, at: created.at, db)
            }
        case .numberBound(let binding):
            try bind(binding.number, to: binding.customer, at: binding.at, db)
        case .callback(let event):
            try write(event, db)
        case .inboundCall(let r):
            try db.execute(
                sql: """
                    INSERT INTO inbound_calls (call_id, call_uuid, caller, customer, arrived_at, step, after_id_match,
                                               agent, connected_at, ended_at, ending, callback)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Int64(bitPattern: r.call.rawValue), r.call.uuidString, r.caller,
                    r.customer.map { Int($0.rawValue) }, r.arrivedAt, r.reason?.step.storeName,
                    r.reason?.afterIDMatch ?? false, r.agent.map { Int($0.rawValue) }, r.connectedAt,
                    r.endedAt,
                    r.ending.rawValue, r.callback.map { Int($0.rawValue) },
                ])
        }
    }

    /// Binds `number` to `customer` at the end of its numbers (a run's binding).
    private static func bind(_ number: String, to customer: CustomerID, at: Seconds, _ db: Database) throws {
        let owner = try Int32.fetchOne(
            db, sql: "SELECT customer FROM customer_numbers WHERE number = ?", arguments: [number])
        if owner == customer.rawValue { return }
        if owner != nil {
            try db.execute(sql: "DELETE FROM customer_numbers WHERE number = ?", arguments: [number])
        }
        try db.execute(
            sql: """
                INSERT INTO customer_numbers (number, customer, position, bound_at, source)
                VALUES (?, ?, (SELECT COALESCE(MAX(position) + 1, 0) FROM customer_numbers WHERE customer = ?), ?, 'run')
                """,
            arguments: [number, Int(customer.rawValue), Int(customer.rawValue), at])
    }

    private static func write(_ event: CallbackEvent, _ db: Database) throws {
        let id = Int(event.task.rawValue)
        func history(_ kind: CallbackHistoryEntry.Event, agent: AgentID?, priority: Int) throws {
            try db.execute(
                sql: "INSERT INTO callback_history (task, at, event, agent, priority) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, event.at, kind.rawValue, agent.map { Int($0.rawValue) }, priority])
        }
        /// The task's owner and priority, or a failure naming the missing task.
        func stored() throws -> (owner: AgentID?, priority: Int) {
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT owner, priority FROM callback_tasks WHERE id = ?", arguments: [id])
            else {
                throw StoreError("the store has no \(event.task); write its `created` event first")
            }
            let owner: Int32? = row[0]
            return (owner.map { AgentID($0) }, row[1])
        }
        switch event {
        case .created(let t):
            try db.execute(
                sql: """
                    INSERT INTO callback_tasks (id, customer, caller_number, business_type, owner, created_at, deadline,
                                                priority, state, reminders, reassignments, done_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    id, t.customer.map { Int($0.rawValue) }, t.callerNumber,
                    t.businessType.map { Int($0.rawValue) },
                    t.owner.map { Int($0.rawValue) }, t.created, t.deadline, t.priority, t.state.rawValue,
                    t.reminders, t.reassignments,
                ])
            try history(.created, agent: nil, priority: t.priority)
            if let owner = t.owner { try history(.assigned, agent: owner, priority: t.priority) }
        case .reminded(_, let agent, let priority, let deadline, _):
            _ = try stored()
            try db.execute(
                sql: """
                    UPDATE callback_tasks SET reminders = reminders + 1, priority = ?, state = 'reminded',
                                              deadline = COALESCE(?, deadline)
                    WHERE id = ?
                    """,
                arguments: [priority, deadline, id])
            try history(.reminded, agent: agent, priority: priority)
        case .reassigned(_, let to, let priority, let deadline, _):
            _ = try stored()
            try db.execute(
                sql: """
                    UPDATE callback_tasks SET owner = ?, reassignments = reassignments + 1, priority = ?,
                                              state = 'reassigned', deadline = COALESCE(?, deadline)
                    WHERE id = ?
                    """,
                arguments: [to.map { Int($0.rawValue) }, priority, deadline, id])
            try history(.reassigned, agent: to, priority: priority)
        case .done(_, let by, let at):
            let task = try stored()
            try db.execute(
                sql: "UPDATE callback_tasks SET state = 'done', done_at = ? WHERE id = ?",
                arguments: [at, id])
            try history(.done, agent: by ?? task.owner, priority: task.priority)
        case .expired:
            let task = try stored()
            try db.execute(sql: "UPDATE callback_tasks SET state = 'expired' WHERE id = ?", arguments: [id])
            try history(.expired, agent: task.owner, priority: task.priority)
        }
    }

    // MARK: - Messages

    /// The record in a few words, for a failure message.
    static func describe(_ record: RoutingRecord) -> String {
        switch record {
        case .customerCreated(let c): "\(c.customer.id) created at \(c.at) s"
        case .numberBound(let b): "\(b.number) bound to \(b.customer) at \(b.at) s"
        case .callback(let e):
            switch e {
            case .created: "\(e.task) created at \(e.at) s"
            case .reminded: "\(e.task) reminded at \(e.at) s"
            case .reassigned: "\(e.task) reassigned at \(e.at) s"
            case .done: "\(e.task) done at \(e.at) s"
            case .expired: "\(e.task) expired at \(e.at) s"
            }
        case .inboundCall(let r): "inbound \(r.call)"
        }
    }

    /// What a constraint failure means for `record`.
    private static func why(_ error: DatabaseError, _ record: RoutingRecord) -> String {
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return "it names a customer the store does not have; import the customer table (or write the "
                + "customer's `customerCreated` record) first"
        case .SQLITE_CONSTRAINT_PRIMARYKEY:
            switch record {
            case .customerCreated(let c):
                return
                    "the store already has \(c.customer.id); fill the router's directory from this store so that "
                    + "new customers get new ids"
            case .callback(let e):
                return
                    "the store already has \(e.task); write each task's `created` event once, to a store of one run"
            default: return reason(error)
            }
        case .SQLITE_CONSTRAINT_UNIQUE:
            if case .customerCreated(let c) = record, let idNumber = c.customer.idNumber {
                return "ID number \(idNumber) is already another customer's"
            }
            return reason(error)
        default:
            return reason(error) + " (a time is NaN?)"
        }
    }
}

// MARK: - The queue the appending threads share with the background thread

/// Records waiting for a background thread, in batches; the machinery of a record writer.
final class RecordQueue<Record: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property other than `condition` and the constants is read and
    // written only while holding `condition`.
    let condition = NSCondition()
    let batchSize: Int
    let maxBacklog: Int
    /// Records appended and not yet handed to the thread (fewer than a batch).
    private var pending: [Record] = []
    /// Batches handed to the thread and not yet taken by it.
    private var queued: [[Record]] = []
    /// Records appended so far (before `stop()`).
    private var appended = 0
    /// Records the thread has dealt with (written, or counted in `failedCount`).
    private var done = 0
    /// Records not written since the failure was last taken, and why the first was not.
    private var failedCount = 0
    private var firstFailure: String?
    /// Set by `stop()`: the thread ends once `queued` is empty.
    private var stopping = false
    /// Set by the thread as it ends.
    private var finished = false

    init(batchSize: Int, maxBacklog: Int) {
        self.batchSize = batchSize
        self.maxBacklog = maxBacklog
        pending.reserveCapacity(batchSize)
    }

    /// Adds `record`; after `stop()`, counts it as a failure described by `late` instead.
    func append(_ record: Record, late: () -> String) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else {
            fail(count: 1, late())
            return
        }
        pending.append(record)
        appended += 1
        if pending.count >= batchSize {
            enqueuePending()
            pending.reserveCapacity(batchSize)
            condition.broadcast()
            while queued.count > maxBacklog { condition.wait() }
        }
    }

    /// Hands what is pending to the thread without waiting.
    func handOver() {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, !pending.isEmpty else { return }
        enqueuePending()
        condition.broadcast()
    }

    /// Hands what is pending to the thread and waits until everything appended is dealt with.
    func flush() {
        condition.lock()
        defer { condition.unlock() }
        if !pending.isEmpty {
            enqueuePending()
            condition.broadcast()
        }
        let target = appended
        while done < target, !finished { condition.wait() }
    }

    /// Hands what is pending to the thread and tells it to end once it has written it.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        if !stopping {
            enqueuePending()
            stopping = true
            condition.broadcast()
        }
    }

    /// Waits until the thread has ended.
    func waitUntilFinished() {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
    }

    /// The failures counted so far (how many, the first reason), once; nil when none.
    func takeFailure() -> (Int, String)? {
        condition.lock()
        defer { condition.unlock() }
        guard failedCount > 0 else { return nil }
        let failure = (failedCount, firstFailure ?? "unknown failure")
        failedCount = 0
        firstFailure = nil
        return failure
    }

    /// The background thread's loop: takes batches and writes them with `write`, which returns
    /// how many records it did not write and why the first was not, until stopped and drained.
    func run(_ write: ([Record]) -> (Int, String?)) {
        while true {
            condition.lock()
            while queued.isEmpty, !stopping { condition.wait() }
            guard !queued.isEmpty else {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queued.removeFirst()
            condition.broadcast()  // room for a waiting `append`
            condition.unlock()

            let (failed, first) = write(batch)

            condition.lock()
            done += batch.count
            if failed > 0 { fail(count: failed, first ?? "unknown failure") }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Moves `pending` to the end of `queued`. Call with `condition` held.
    private func enqueuePending() {
        guard !pending.isEmpty else { return }
        queued.append(pending)
        pending = []
    }

    /// Counts `count` records not written, keeping the first reason. Call with `condition` held.
    private func fail(count: Int, _ why: String) {
        failedCount += count
        if firstFailure == nil { firstFailure = why }
    }
}
