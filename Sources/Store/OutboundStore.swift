import CallCenter
import Foundation
import GRDB

/// The SQLite store of outbound tasks: contact lists imported by batch id (step S1), the
/// tasks' contracts, their call records (step S3) and task snapshots (step S34).
///
/// A file store uses SQLite's write-ahead log (readers do not wait for the writer); an
/// in-memory store lives as long as the object. Every method may be called from any thread:
/// writes are serialised, and each is one transaction.
public final class OutboundStore: Sendable {
    /// The database file, or nil for an in-memory store.
    public let path: String?
    /// The connection (a pool in WAL mode for a file, a queue in memory).
    let database: any DatabaseWriter

    /// Opens (creating it if needed) the store at `path` and brings its schema up to date.
    ///
    /// - Throws: `StoreError` naming the path when it cannot be opened or migrated (a missing
    ///   folder, no permission, not an SQLite file, written by a newer simcc).
    public init(path: String) throws {
        self.database = try StoreDatabase.open(path: path)
        self.path = path
    }

    /// A new empty store in memory, gone with the object: for tests and one-off runs.
    public static func inMemory() throws -> OutboundStore {
        try OutboundStore(inMemory: ())
    }

    private init(inMemory: Void) throws {
        database = try StoreDatabase.openInMemory()
        path = nil
    }

    // MARK: - Contact-list import (S1)

    /// Imports the contact list `csv` (named `file` in messages) under `batchID`: its good rows
    /// become contracts appended after the batch's existing ones, in file order; its bad rows
    /// are listed in the report with their line. All of it is one transaction.
    ///
    /// The rules are `ContactList`'s; in addition a number already in the batch is refused
    /// (`already in batch X`). `progress`, when given, is called with the count imported so
    /// far after each contract, inside the transaction: throw from it to cancel the import,
    /// which then writes nothing and rethrows that error.
    ///
    /// - Throws: `ImportError` naming the file (and line) when the batch id is empty or the
    ///   list has no header naming a `number` column; `StoreError` when the database fails
    ///   (nothing is then written).
    /// - Complexity: O(n + m) for n rows and m contracts already in the batch.
    @discardableResult
    public func importContacts(
        csv: String, file: String, batchID: String, progress: ((_ imported: Int) throws -> Void)? = nil
    ) throws -> ImportReport {
        try Self.checkBatchID(batchID, file: file)
        return try importContacts(
            ContactList.parse(csv: csv, file: file), batchID: batchID, progress: progress)
    }

    /// Imports the UTF-8 CSV contact list at `path` under `batchID`; see
    /// `importContacts(csv:file:batchID:progress:)`.
    ///
    /// - Throws: `ImportError` naming the file when it cannot be read or is refused as a whole.
    @discardableResult
    public func importContacts(
        fromFile path: String, batchID: String, progress: ((_ imported: Int) throws -> Void)? = nil
    ) throws -> ImportReport {
        try Self.checkBatchID(batchID, file: path)
        return try importContacts(ContactList.load(fromFile: path), batchID: batchID, progress: progress)
    }

    /// Imports a contact list already read, under `batchID`; see
    /// `importContacts(csv:file:batchID:progress:)`. A new task is created at `createdAt`
    /// (ISO 8601); nil: now, by the wall clock. A simulated run gives a fixed time, so that its
    /// store is the same bytes from run to run.
    @discardableResult
    public func importContacts(
        _ list: ContactList, batchID: String, createdAt: String? = nil,
        progress: ((_ imported: Int) throws -> Void)? = nil
    ) throws -> ImportReport {
        try Self.checkBatchID(batchID, file: list.file)
        let createdAt = createdAt ?? Date().formatted(.iso8601)
        var report = ImportReport(
            batchID: batchID, file: list.file, imported: 0, firstContract: nil, rejected: list.rejected,
            ignoredColumns: list.ignoredColumns)
        var line = 0  // the row being written, for the message of a database failure
        do {
            report = try database.write { db in
                var report = report
                let exists =
                    try Bool.fetchOne(db, sql: "SELECT 1 FROM tasks WHERE batch_id = ?", arguments: [batchID])
                    ?? false
                let existing = try Set(
                    String.fetchAll(
                        db, sql: "SELECT number FROM contracts WHERE batch_id = ?", arguments: [batchID]))
                var fresh: [ContactList.Entry] = []
                fresh.reserveCapacity(list.entries.count)
                for entry in list.entries {
                    if existing.contains(entry.number) {
                        report.rejected.append(
                            RejectedRow(line: entry.line, reason: "already in batch \(batchID)"))
                    } else {
                        fresh.append(entry)
                    }
                }
                report.rejected.sort { $0.line < $1.line }
                guard !fresh.isEmpty else { return report }
                if !exists {
                    try db.execute(
                        sql: "INSERT INTO tasks (batch_id, created_at, source_file) VALUES (?, ?, ?)",
                        arguments: [batchID, createdAt, list.file])
                }
                var next =
                    try Int.fetchOne(
                        db, sql: "SELECT MAX(idx) + 1 FROM contracts WHERE batch_id = ?", arguments: [batchID]
                    ) ?? 0
                guard next + fresh.count - 1 <= Int(Int32.max) else {
                    throw ImportError(
                        file: list.file,
                        message:
                            "batch \(batchID) would have more than \(Int32.max) contracts; import into a new batch"
                    )
                }
                report.firstContract = ContractID(next)
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO contracts (batch_id, idx, number, customer) VALUES (?, ?, ?, ?)")
                for entry in fresh {
                    line = entry.line
                    try insert.execute(arguments: [batchID, next, entry.number, entry.customer])
                    next += 1
                    report.imported += 1
                    try progress?(report.imported)
                }
                return report
            }
        } catch let error as DatabaseError {
            throw StoreError(
                "importing \(list.file) into batch \(batchID) failed"
                    + (line > 0 ? " at line \(line)" : "") + ": \(reason(error)); nothing was imported")
        }
        return report
    }

    private static func checkBatchID(_ batchID: String, file: String) throws {
        if batchID.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ImportError(
                file: file,
                message: "the batch id is empty; give the task's batch id to import the numbers under")
        }
        if batchID.trimmingCharacters(in: .whitespacesAndNewlines) != batchID {
            throw ImportError(
                file: file, message: "the batch id '\(batchID)' begins or ends with spaces; remove them")
        }
    }

    // MARK: - Tasks

    /// The batch ids of the store's tasks, in ascending order.
    public func batchIDs() throws -> [String] {
        try read("listing the batches") { db in
            try String.fetchAll(db, sql: "SELECT batch_id FROM tasks ORDER BY batch_id")
        }
    }

    /// The task imported under `batchID`, its contracts in index order with their stored state.
    ///
    /// - Throws: `StoreError` naming the batch when the store has no such batch.
    /// - Complexity: O(n) in the number of contracts.
    public func loadTask(batchID: String) throws -> OutboundTask {
        try read("loading batch \(batchID)") { db in
            try Self.requireBatch(batchID, db)
            var task = OutboundTask(batchID: batchID, numbers: [])
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT idx, number, customer, attempts, state, last_outcome, not_before
                    FROM contracts WHERE batch_id = ? ORDER BY idx
                    """,
                arguments: [batchID])
            while let row = try rows.next() {
                let idx: Int = row[0]
                guard idx == task.contracts.count else {
                    throw StoreError(
                        "batch \(batchID) is damaged: its contracts jump from index \(task.contracts.count - 1) to "
                            + "\(idx); re-import its contact list into a new batch")
                }
                var contract = Contract(id: ContractID(idx), number: row[1], customer: row[2])
                contract.attempts = row[3]
                contract.state = try Self.decode(
                    ContractState.self, row[4], "state", of: "\(batchID) contract#\(idx)")
                contract.lastOutcome = try (row[5] as String?).map {
                    try Self.decode(CallOutcome.self, $0, "last_outcome", of: "\(batchID) contract#\(idx)")
                }
                contract.notBefore = row[6]
                task.contracts.append(contract)
            }
            task.callsInFlight = try Row.fetchAll(
                db,
                sql: """
                    SELECT call_id, contract_idx, attempt, dialed_at FROM calls_in_flight
                    WHERE batch_id = ? ORDER BY call_id
                    """,
                arguments: [batchID]
            ).map {
                CallInFlight(
                    call: CallID(UInt64(bitPattern: $0[0] as Int64)), contract: ContractID($0[1] as Int),
                    attempt: $0[2], dialedAt: $0[3])
            }
            let used = try Int64.fetchOne(
                db,
                sql: """
                    SELECT MAX(id) FROM (SELECT call_id AS id FROM call_records WHERE batch_id = ?
                                         UNION ALL SELECT call_id FROM calls_in_flight WHERE batch_id = ?)
                    """,
                arguments: [batchID, batchID])
            task.firstCallID = used.map { UInt64(bitPattern: $0) + 1 } ?? 1
            // The attempts of earlier runs, from their records: a resumed task's counts are the
            // task's, not the last run's.
            for row in try Row.fetchAll(
                db, sql: "SELECT outcome, COUNT(*) FROM call_records WHERE batch_id = ? GROUP BY outcome ORDER BY outcome",
                arguments: [batchID])
            {
                let outcome = try Self.decode(CallOutcome.self, row[0], "outcome", of: "\(batchID) call records")
                task.earlierOutcomes[outcome] = row[1]
            }
            return task
        }
    }

    /// Stores the attempts, state, last outcome and retry time of `contracts` of the batch, in
    /// one transaction: all are saved, or none.
    ///
    /// - Throws: `StoreError` when the batch is unknown or a contract is not the batch's (its
    ///   index is out of range or its number differs).
    /// - Complexity: O(n log m) for n contracts of a batch of m.
    public func saveContracts(_ contracts: [Contract], batchID: String) throws {
        try write("saving the contracts of batch \(batchID)") { db in
            try Self.requireBatch(batchID, db)
            try Self.update(contracts, batchID: batchID, db)
        }
    }

    // MARK: - Calls in flight (crash safety)

    /// Writes down, in one transaction, calls about to be launched and their contracts' new
    /// state (dialing, the attempt counted), before the originates are sent: after a crash,
    /// `loadTask` hands them back as `callsInFlight`, so a restarted dialer takes them over
    /// instead of dialling their contracts again. Their end is written by the `CallRecordWriter`
    /// (`append(_:contract:)`), which removes them.
    ///
    /// - Throws: `StoreError` when the batch is unknown, a contract is not the batch's, or a
    ///   contract already has a call in flight.
    public func beginCalls(_ calls: [CallInFlight], contracts: [Contract], batchID: String) throws {
        guard !calls.isEmpty || !contracts.isEmpty else { return }
        try write("writing down \(calls.count) call(s) about to be launched in batch \(batchID)") { db in
            try Self.requireBatch(batchID, db)
            try Self.update(contracts, batchID: batchID, db)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO calls_in_flight (batch_id, call_id, call_uuid, contract_idx, attempt, dialed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            for c in calls {
                do {
                    try insert.execute(arguments: [
                        batchID, Int64(bitPattern: c.call.rawValue), c.call.uuidString, c.contract.index, c.attempt,
                        c.dialedAt,
                    ])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw StoreError(
                        "\(c.call) of batch \(batchID) cannot be launched: \(c.contract) already has a call in "
                            + "flight, or the call id was used (\(error.message ?? "constraint"))")
                }
            }
        }
    }

    /// The calls of `batchID` launched and not yet seen end, in call-id order.
    public func callsInFlight(batchID: String) throws -> [CallInFlight] {
        try loadTask(batchID: batchID).callsInFlight
    }

    static func update(_ contracts: [Contract], batchID: String, _ db: Database) throws {
        let update = try db.cachedStatement(
            sql: """
                UPDATE contracts SET attempts = ?, state = ?, last_outcome = ?, not_before = ?
                WHERE batch_id = ? AND idx = ? AND number = ?
                """)
        for c in contracts {
            try update.execute(arguments: [
                c.attempts, c.state.rawValue, c.lastOutcome?.rawValue, c.notBefore, batchID, c.id.index,
                c.number,
            ])
            if db.changesCount == 0 {
                let stored = try String.fetchOne(
                    db, sql: "SELECT number FROM contracts WHERE batch_id = ? AND idx = ?",
                    arguments: [batchID, c.id.index])
                if let stored {
                    throw StoreError(
                        "\(c.id) of batch \(batchID) has number \(stored), not \(c.number); save the contracts "
                            + "of the task loaded from this batch")
                }
                let count =
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM contracts WHERE batch_id = ?", arguments: [batchID])
                    ?? 0
                throw StoreError(
                    "batch \(batchID) has no \(c.id) (it has \(count) contracts); save the contracts of the task "
                        + "loaded from this batch")
            }
        }
    }

    // MARK: - Call records (S3)

    /// A writer that stores call records of `batchID` in the background, `batchSize` records
    /// per transaction; see `CallRecordWriter`.
    ///
    /// - Throws: `StoreError` when the batch is unknown or `batchSize` is below 1.
    public func recordWriter(batchID: String, batchSize: Int = 1000) throws -> CallRecordWriter {
        guard batchSize >= 1 else {
            throw StoreError(
                "a call-record batch size of \(batchSize) is too small; give 1 or more records per transaction"
            )
        }
        try read("opening a call-record writer for batch \(batchID)") { try Self.requireBatch(batchID, $0) }
        return CallRecordWriter(database: database, batchID: batchID, batchSize: batchSize)
    }

    /// The call records of `batchID` on disk, in call-id order (then append order; ids of 2^63
    /// and above, which no run reaches, sort first). Records still in a writer's buffer are not
    /// included: `flush()` it first.
    ///
    /// - Throws: `StoreError` when the batch is unknown or a row is damaged.
    /// - Complexity: O(n log n) in the number of records.
    public func callRecords(batchID: String) throws -> [CallRecord] {
        try read("reading the call records of batch \(batchID)") { db in
            try Self.requireBatch(batchID, db)
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT call_id, contract_idx, attempt, dialed_at, answered_at, connected_at, ended_at,
                           outcome, cause, agent, id
                    FROM call_records WHERE batch_id = ? ORDER BY call_id, id
                    """,
                arguments: [batchID])
            var records: [CallRecord] = []
            while let row = try rows.next() {
                let rowID: Int64 = row[10]
                let place = "\(batchID) call record row \(rowID)"
                let agent: Int32? = row[9]
                records.append(
                    CallRecord(
                        call: CallID(UInt64(bitPattern: row[0])), contract: ContractID(row[1] as Int32),
                        attempt: row[2], dialedAt: row[3], answeredAt: row[4], connectedAt: row[5],
                        endedAt: row[6],
                        outcome: try Self.decode(CallOutcome.self, row[7], "outcome", of: place),
                        cause: try Self.decode(HangupCause.self, row[8], "cause", of: place),
                        agent: agent.map { AgentID($0) }))
            }
            return records
        }
    }

    /// A contract held for review (`ContractState.review`), with the call whose fate is unknown.
    public struct HeldContract: Hashable, Sendable, Codable {
        /// The contract's index in the batch.
        public var contract: Int
        /// Its number and customer reference.
        public var number: String
        public var customer: String
        /// Its attempts so far.
        public var attempts: Int
        /// The call of unknown fate (its UUID is what FreeSWITCH knows it by), when it was dialled
        /// and when its fate was given up on.
        public var callUUID: String?
        public var dialedAt: Double?
        public var heldAt: Double?
    }

    /// The contracts of `batchID` held for review, in contract order: their last attempt's fate
    /// is unknown (its call ended while nobody could see it, and no record of FreeSWITCH said
    /// how), so no dialer calls them again until an operator decides.
    public func contractsHeldForReview(batchID: String) throws -> [HeldContract] {
        try read("reading the contracts of batch \(batchID) held for review") { db in
            try Self.requireBatch(batchID, db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.idx, c.number, c.customer, c.attempts, r.call_uuid, r.dialed_at, r.ended_at
                    FROM contracts c
                    LEFT JOIN call_records r ON r.id = (
                        SELECT MAX(id) FROM call_records
                        WHERE batch_id = c.batch_id AND contract_idx = c.idx AND outcome = 'unknown')
                    WHERE c.batch_id = ? AND c.state = 'review' ORDER BY c.idx
                    """,
                arguments: [batchID])
            return rows.map { row in
                HeldContract(
                    contract: row[0], number: row[1], customer: row[2], attempts: row[3], callUUID: row[4],
                    dialedAt: row[5], heldAt: row[6])
            }
        }
    }

    /// What an operator decided for a contract held for review.
    public enum ReviewDecision: String, Sendable, CaseIterable {
        /// The customer was served: the contract is completed.
        case served
        /// The customer was not reached: the contract may be dialled again (its attempts kept).
        case redial
        /// Give up on the contract: failed.
        case giveUp = "give-up"
    }

    /// Applies `decision` to contract `contract` of `batchID`, which must be held for review.
    /// Refused while a live dialer holds the batch's lease with a heartbeat newer than
    /// `staleAfter` seconds before `now` (its task lives in its memory): stop it first.
    /// - Throws: `StoreError` naming the batch and contract when it is not held for review.
    public func decide(
        _ decision: ReviewDecision, contract: Int, batchID: String, now: Double, staleAfter: Double = 60
    ) throws {
        try write("deciding contract \(contract) of batch \(batchID)") { db in
            try Self.requireBatch(batchID, db)
            if let lease = try Self.lease(batchID, db), now - lease.heartbeatAt < staleAfter {
                throw StoreError(
                    "batch \(batchID) is being dialled by simcc live (pid \(lease.pid) on \(lease.host)); stop it before deciding on its contracts")
            }
            let state: ContractState =
                switch decision {
                case .served: .completed
                case .redial: .uncompleted
                case .giveUp: .failed
                }
            try db.execute(
                sql: "UPDATE contracts SET state = ?, not_before = 0 WHERE batch_id = ? AND idx = ? AND state = 'review'",
                arguments: [state.rawValue, batchID, contract])
            guard db.changesCount == 1 else {
                throw StoreError("contract \(contract) of batch \(batchID) is not held for review")
            }
        }
    }

    /// Appends the call records of `batchID` from the store at `path` (another store with the
    /// same batch, written by its own writer), in their order there, in one transaction: how a
    /// run whose variants wrote their records at the same time, each into a store of its own,
    /// gathers them into one store in a fixed order.
    ///
    /// - Throws: `StoreError` when the batch is unknown here, or the other store cannot be read
    ///   (nothing is then appended).
    public func appendCallRecords(batchID: String, fromStoreAt path: String) throws {
        try read("appending the call records of batch \(batchID)") { try Self.requireBatch(batchID, $0) }
        let what = "appending the call records of batch \(batchID) from \(path)"
        do {
            try database.writeWithoutTransaction { db in
                // ATTACH cannot run inside a transaction: attach, copy in one, detach.
                try db.execute(sql: "ATTACH DATABASE ? AS other", arguments: [path])
                defer { try? db.execute(sql: "DETACH DATABASE other") }
                try db.inTransaction {
                    try db.execute(
                        sql: """
                            INSERT INTO call_records (call_id, call_uuid, batch_id, contract_idx, attempt, dialed_at,
                                                      answered_at, connected_at, ended_at, outcome, cause, agent, wait)
                            SELECT call_id, call_uuid, batch_id, contract_idx, attempt, dialed_at,
                                   answered_at, connected_at, ended_at, outcome, cause, agent, wait
                            FROM other.call_records WHERE batch_id = ? ORDER BY id
                            """,
                        arguments: [batchID])
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw StoreError("\(what) failed: \(reason(error)); nothing was appended")
        }
    }

    // MARK: - Snapshots (S34)

    /// Stores the snapshot, and its contracts' attempts, states, outcomes and retry times, in
    /// one transaction.
    ///
    /// - Throws: `StoreError` when the batch is unknown or a contract is not the batch's.
    public func saveSnapshot(_ snapshot: TaskSnapshot) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: String
        do {
            json = String(decoding: try encoder.encode(snapshot), as: UTF8.self)
        } catch {
            throw StoreError(
                "cannot encode the snapshot of batch \(snapshot.batchID) at \(snapshot.takenAt) s: \(error)")
        }
        try write("saving a snapshot of batch \(snapshot.batchID)") { db in
            try Self.requireBatch(snapshot.batchID, db)
            try db.execute(
                sql: "INSERT INTO snapshots (batch_id, taken_at, json) VALUES (?, ?, ?)",
                arguments: [snapshot.batchID, snapshot.takenAt, json])
            try Self.update(snapshot.contracts, batchID: snapshot.batchID, db)
        }
    }

    /// The snapshot of `batchID` taken last (the latest `takenAt`, then the last saved), or nil
    /// when it has none.
    ///
    /// - Throws: `StoreError` when the batch is unknown or the stored snapshot cannot be read.
    public func latestSnapshot(batchID: String) throws -> TaskSnapshot? {
        let row = try read("reading the latest snapshot of batch \(batchID)") { db -> (Int64, String)? in
            try Self.requireBatch(batchID, db)
            return try Row.fetchOne(
                db,
                sql:
                    "SELECT id, json FROM snapshots WHERE batch_id = ? ORDER BY taken_at DESC, id DESC LIMIT 1",
                arguments: [batchID]
            ).map { ($0[0], $0[1]) }
        }
        guard let (id, json) = row else { return nil }
        do {
            return try JSONDecoder().decode(TaskSnapshot.self, from: Data(json.utf8))
        } catch {
            throw StoreError("snapshot \(id) of batch \(batchID) is damaged (\(error)); take a new snapshot")
        }
    }

    // MARK: - Helpers

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw StoreError("\(what) failed: \(reason(error))")
        }
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch let error as DatabaseError {
            throw StoreError("\(what) failed: \(reason(error)); nothing was written")
        }
    }

    private static func requireBatch(_ batchID: String, _ db: Database) throws {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM tasks WHERE batch_id = ?", arguments: [batchID]) == true
        {
            return
        }
        let known = try String.fetchAll(db, sql: "SELECT batch_id FROM tasks ORDER BY batch_id LIMIT 11")
        let list =
            known.isEmpty
            ? "it has none"
            : "it has " + known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", ..." : "")
        throw StoreError(
            "the store has no batch '\(batchID)' (\(list)); import its contact list under that batch id first"
        )
    }

    private static func decode<T: RawRepresentable>(
        _ type: T.Type, _ raw: String, _ column: String, of place: String
    ) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: raw) else {
            throw StoreError(
                "\(place) has \(column) '\(raw)', which this simcc does not know; the store was written by another program"
            )
        }
        return value
    }
}

/// The part of a database error a user can act on.
func reason(_ error: any Error) -> String {
    if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
    return "\(error)"
}
