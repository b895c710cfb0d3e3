import CallCenter
import Foundation
import GRDB

// MARK: - Call records off the hot path (S3: the asynchronous call-record updater)

/// Stores the call records of one batch from a background thread, so that the driver that
/// appends them never waits for SQLite.
///
/// `append` puts a record in a buffer; a background thread writes the buffer `batchSize`
/// records per transaction. `flush()` writes what is buffered and waits until every record
/// appended before it is on disk; `close()` flushes and stops the thread.
///
/// Memory is bounded: when the background thread is behind by more than `maxBacklog` full
/// batches (SQLite slower than the driver for long), `append` waits until it catches up. A
/// driver that must never wait should `flush()` at quiet moments.
///
/// A record the database refuses (a contract that is not the batch's, a NaN time) is not
/// written and does not stop the others; a failed transaction loses its batch. Either way the
/// failure is kept, and the next `flush()` or `close()` throws it once, with the count of the
/// records not written. Call `close()` when done: a writer dropped without it still writes
/// what it holds, but nobody hears of a failure.
///
/// Thread-safe: any thread may append, flush and close.
public final class CallRecordWriter: Sendable {
    /// The batch the records belong to.
    public let batchID: String
    /// The records per transaction.
    public let batchSize: Int
    /// How many full batches may wait for the background thread before `append` waits.
    public let maxBacklog: Int

    private let shared: Shared

    init(database: any DatabaseWriter, batchID: String, batchSize: Int, maxBacklog: Int = 64) {
        self.batchID = batchID
        self.batchSize = batchSize
        self.maxBacklog = maxBacklog
        let shared = Shared()
        shared.pending.reserveCapacity(batchSize)
        self.shared = shared
        let thread = Thread { [shared] in
            Self.run(shared, database: database, batchID: batchID)
        }
        thread.name = "simcc.store.call-records"
        thread.start()
    }

    deinit {
        // Let the thread write what is left and end; nobody is left to hear of a failure.
        let s = shared
        s.condition.lock()
        if !s.stopping {
            s.enqueuePending()
            s.stopping = true
            s.condition.broadcast()
        }
        s.condition.unlock()
    }

    /// Hands a record to the background writer. Returns at once unless the writer is behind by
    /// more than `maxBacklog` batches, in which case it waits for room.
    ///
    /// Appending after `close()` writes nothing: the record is counted as a failure that the
    /// next `flush()` or `close()` throws.
    /// - Complexity: amortised O(1).
    public func append(_ record: CallRecord) { append(record, contract: nil) }

    /// Hands a record to the background writer together with its contract's state after the
    /// call (attempts, state, last outcome, retry time): one transaction writes the record,
    /// updates the contract and takes the call off the calls in flight (`beginCalls`), so that
    /// after a crash the store shows every call either in flight or ended, never both or neither.
    public func append(_ record: CallRecord, contract: Contract?) {
        let s = shared
        s.condition.lock()
        defer { s.condition.unlock() }
        guard !s.stopping else {
            s.fail(
                count: 1,
                "\(record.call) (\(record.contract), attempt \(record.attempt)) was appended after close(); "
                    + "append every record before closing the writer")
            return
        }
        s.pending.append(WriterEntry(record: record, contract: contract))
        s.appended += 1
        if s.pending.count >= batchSize {
            s.enqueuePending()
            s.pending.reserveCapacity(batchSize)
            s.condition.broadcast()
            while s.queued.count > maxBacklog { s.condition.wait() }
        }
    }

    /// Hands the records appended so far to the background thread without waiting: they are
    /// written in the next transaction even if fewer than `batchSize`. A live driver calls it
    /// once per tick, so that a crash loses at most about a tick's records.
    public func handOver() {
        let s = shared
        s.condition.lock()
        defer { s.condition.unlock() }
        guard !s.stopping, !s.pending.isEmpty else { return }
        s.enqueuePending()
        s.condition.broadcast()
    }

    /// Writes every record appended so far and waits until they are on disk.
    ///
    /// - Throws: `StoreError` with the count of records not written and the first failure,
    ///   when some record appended since the last throwing `flush()` or `close()` was not.
    public func flush() throws {
        let s = shared
        s.condition.lock()
        defer { s.condition.unlock() }
        if !s.pending.isEmpty {
            s.enqueuePending()
            s.condition.broadcast()
        }
        let target = s.appended
        while s.done < target, !s.finished { s.condition.wait() }
        try s.takeFailure(batchID: batchID)
    }

    /// Flushes and stops the background thread. Calling it again does nothing more.
    ///
    /// - Throws: the failures `flush()` would throw.
    public func close() throws {
        let s = shared
        s.condition.lock()
        defer { s.condition.unlock() }
        if !s.stopping {
            s.enqueuePending()
            s.stopping = true
            s.condition.broadcast()
        }
        while !s.finished { s.condition.wait() }
        try s.takeFailure(batchID: batchID)
    }

    /// For crash tests: what a kill -9 does to the writer. The records not yet handed to the
    /// background thread are dropped unwritten; a transaction under way finishes or not, as SQLite
    /// decides; the thread stops.
    func simulateCrash() {
        let s = shared
        s.condition.lock()
        defer { s.condition.unlock() }
        s.pending = []
        s.queued = []
        s.stopping = true
        s.condition.broadcast()
        while !s.finished { s.condition.wait() }
    }

    // MARK: - The background thread

    private static func run(_ s: Shared, database: any DatabaseWriter, batchID: String) {
        while true {
            s.condition.lock()
            while s.queued.isEmpty, !s.stopping { s.condition.wait() }
            guard !s.queued.isEmpty else {
                s.finished = true
                s.condition.broadcast()
                s.condition.unlock()
                return
            }
            let batch = s.queued.removeFirst()
            s.condition.broadcast()  // room for a waiting `append`
            s.condition.unlock()

            let (failed, first) = write(batch, batchID: batchID, to: database)

            s.condition.lock()
            s.done += batch.count
            if failed > 0 { s.fail(count: failed, first ?? "unknown failure") }
            s.condition.broadcast()
            s.condition.unlock()
        }
    }

    private static let insertSQL = """
        INSERT INTO call_records (call_id, call_uuid, batch_id, contract_idx, attempt, dialed_at, answered_at,
                                  connected_at, ended_at, outcome, cause, agent, wait)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Writes `batch` in one transaction; returns how many records were not written and why
    /// the first was not.
    private static let leaveFlightSQL = "DELETE FROM calls_in_flight WHERE batch_id = ? AND call_id = ?"

    private static func write(_ batch: [WriterEntry], batchID: String, to database: any DatabaseWriter) -> (
        Int, String?
    ) {
        do {
            return try database.write { db -> (Int, String?) in
                // A statement of its own (not the cache's): after a failed step SQLite reports the
                // failure again on the statement's next reset, so a failed one is replaced.
                var insert = try db.makeStatement(sql: insertSQL)
                var failed = 0
                var first: String?
                let leave = try db.makeStatement(sql: leaveFlightSQL)
                for entry in batch {
                    let r = entry.record
                    do {
                        try insert.execute(arguments: [
                            Int64(bitPattern: r.call.rawValue), r.call.uuidString, batchID, r.contract.index,
                            r.attempt, r.dialedAt, r.answeredAt, r.connectedAt, r.endedAt, r.outcome.rawValue,
                            r.cause.rawValue, r.agent.map { Int($0.rawValue) }, r.wait,
                        ])
                        try leave.execute(arguments: [batchID, Int64(bitPattern: r.call.rawValue)])
                        if let contract = entry.contract {
                            do {
                                try OutboundStore.update([contract], batchID: batchID, db)
                            } catch let error as StoreError {
                                failed += 1
                                if first == nil { first = "\(r.call): \(error.message)" }
                            }
                        }
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        // SQLite undid this statement only; the transaction goes on.
                        insert = try db.makeStatement(sql: insertSQL)
                        failed += 1
                        if first == nil {
                            let why =
                                error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY
                                ? "batch \(batchID) has no \(r.contract)"
                                : reason(error) + " (a time is NaN?)"
                            first = "\(r.call) (\(r.contract), attempt \(r.attempt)): \(why)"
                        }
                    }
                }
                return (failed, first)
            }
        } catch {
            return (batch.count, "a transaction of \(batch.count) records failed: \(reason(error))")
        }
    }
}

/// A record and, from a live driver, its contract's state after the call.
struct WriterEntry: Sendable {
    var record: CallRecord
    var contract: Contract?
}

/// The state the appending threads and the background thread share.
private final class Shared: @unchecked Sendable {
    // @unchecked: every stored property other than `condition` is read and written only while
    // holding `condition`.
    let condition = NSCondition()
    /// Records appended and not yet handed to the thread (fewer than a batch).
    var pending: [WriterEntry] = []
    /// Batches handed to the thread and not yet taken by it.
    var queued: [[WriterEntry]] = []
    /// Records appended so far (before `close()`).
    var appended = 0
    /// Records the thread has dealt with (written, or counted in `failedCount`).
    var done = 0
    /// Records not written since the failure was last thrown, and why the first was not.
    var failedCount = 0
    var firstFailure: String?
    /// Set by `close()` (or deinit): the thread ends once `queued` is empty.
    var stopping = false
    /// Set by the thread as it ends.
    var finished = false

    /// Moves `pending` to the end of `queued`.
    func enqueuePending() {
        guard !pending.isEmpty else { return }
        queued.append(pending)
        pending = []
    }

    /// Counts `count` records not written, keeping the first reason.
    func fail(count: Int, _ why: String) {
        failedCount += count
        if firstFailure == nil { firstFailure = why }
    }

    /// Throws the failures counted so far, once, and forgets them.
    func takeFailure(batchID: String) throws {
        guard failedCount > 0 else { return }
        let error = StoreError(
            "\(failedCount) call record\(failedCount == 1 ? " was" : "s were") not written to batch \(batchID); "
                + "the first: \(firstFailure ?? "unknown failure")")
        failedCount = 0
        firstFailure = nil
        throw error
    }
}
