import CallCenter
import Foundation
import GRDB

/// The SQLite store of inbound routing (CN107682576B): the customers step 01 and step 02
/// recognise, with their numbers, ID numbers and first agents; the bindings and customers a run
/// adds; callback tasks and their history; inbound call records.
///
/// It opens the same file as `OutboundStore` (one simcc store holds both) in the same way: a
/// file store uses SQLite's write-ahead log, an in-memory one lives as long as the object.
/// Every method may be called from any thread: writes are serialised, and each is one transaction.
public final class RoutingStore: Sendable {
    /// The database file, or nil for an in-memory store.
    public let path: String?
    /// The connection (a pool in WAL mode for a file, a queue in memory).
    let database: any DatabaseWriter

    /// Opens (creating it if needed) the store at `path` and brings its schema up to date.
    ///
    /// - Throws: `StoreError` naming the path when it cannot be opened or migrated.
    public init(path: String) throws {
        self.database = try StoreDatabase.open(path: path)
        self.path = path
    }

    /// A new empty store in memory, gone with the object: for tests and one-off runs.
    public static func inMemory() throws -> RoutingStore {
        try RoutingStore(inMemory: ())
    }

    private init(inMemory: Void) throws {
        database = try StoreDatabase.openInMemory()
        path = nil
    }

    // MARK: - Customer-table import

    /// Imports the customer table `csv` (named `file` in messages): its good rows become
    /// customers with the next ids, in file order; its bad rows are listed in the report with
    /// their file, line and field. All of it is one transaction.
    ///
    /// The rules are `CustomerTable`'s; in addition a row is refused whose key, ID number or a
    /// number the store already has. `progress`, when given, is called with the count imported
    /// so far after each customer, inside the transaction: throw from it to cancel the import,
    /// which then writes nothing and rethrows that error.
    ///
    /// - Throws: `ImportError` naming the file (and line) when the table is refused as a whole;
    ///   `StoreError` when the database fails (nothing is then written).
    /// - Complexity: O(n + m) for n rows and m customers already stored.
    @discardableResult
    public func importCustomers(
        csv: String, file: String, progress: ((_ imported: Int) throws -> Void)? = nil
    ) throws -> CustomerImportReport {
        try importCustomers(CustomerTable.parse(csv: csv, file: file), progress: progress)
    }

    /// Imports the UTF-8 CSV customer table at `path`; see `importCustomers(csv:file:progress:)`.
    ///
    /// - Throws: `ImportError` naming the file when it cannot be read or is refused as a whole.
    @discardableResult
    public func importCustomers(
        fromFile path: String, progress: ((_ imported: Int) throws -> Void)? = nil
    ) throws -> CustomerImportReport {
        try importCustomers(CustomerTable.load(fromFile: path), progress: progress)
    }

    /// Imports a customer table already read (or made in code); see
    /// `importCustomers(csv:file:progress:)`.
    @discardableResult
    public func importCustomers(
        _ table: CustomerTable, progress: ((_ imported: Int) throws -> Void)? = nil
    ) throws -> CustomerImportReport {
        let empty = CustomerImportReport(
            file: table.file, imported: 0, numbers: 0, firstCustomer: nil, rejected: table.rejected,
            ignoredColumns: table.ignoredColumns)
        var line = 0  // the row being written, for the message of a database failure
        do {
            return try database.write { db in
                var report = empty
                var fresh: [CustomerTable.Entry] = []
                fresh.reserveCapacity(table.entries.count)
                // The rows refused against the store; a table made in code is also checked against
                // itself (a parsed one already is).
                var byLabel = try Self.index(db, "SELECT label, id FROM customers WHERE label IS NOT NULL")
                var byIDNumber = try Self.index(
                    db, "SELECT id_number, id FROM customers WHERE id_number IS NOT NULL")
                var byNumber = try Self.index(db, "SELECT number, customer FROM customer_numbers")
                let first = try Int.fetchOne(db, sql: "SELECT MAX(id) + 1 FROM customers") ?? 0
                for entry in table.entries {
                    func reject(_ field: String, _ reason: String) {
                        report.rejected.append(
                            RejectedCustomerRow(
                                file: table.file, line: entry.line, field: field, reason: reason))
                    }
                    if let id = byLabel[entry.label] {
                        reject("customer", "\"\(entry.label)\" is already in the store (\(CustomerID(id)))")
                    } else if let idNumber = entry.idNumber, let id = byIDNumber[idNumber] {
                        reject(
                            "id_number",
                            "\"\(idNumber)\" is already the ID number of \(CustomerID(id)) in the store")
                    } else if let number = entry.numbers.first(where: { byNumber[$0] != nil }),
                        let id = byNumber[number]
                    {
                        reject(
                            "numbers", "\"\(number)\" is already a number of \(CustomerID(id)) in the store")
                    } else if Set(entry.numbers).count < entry.numbers.count {
                        reject("numbers", "a number is listed twice in the row")
                    } else {
                        let id = Int32(truncatingIfNeeded: first + fresh.count)
                        byLabel[entry.label] = id
                        if let idNumber = entry.idNumber { byIDNumber[idNumber] = id }
                        for number in entry.numbers { byNumber[number] = id }
                        fresh.append(entry)
                    }
                }
                report.rejected.sort { $0.line < $1.line }
                guard !fresh.isEmpty else { return report }
                var next = first
                guard next + fresh.count - 1 <= Int(Int32.max) else {
                    throw ImportError(
                        file: table.file, message: "the store would have more than \(Int32.max) customers")
                }
                report.firstCustomer = CustomerID(next)
                let insertCustomer = try db.cachedStatement(
                    sql: """
                        INSERT INTO customers (id, label, id_number, first_agent, created_at, source)
                        VALUES (?, ?, ?, ?, NULL, 'import')
                        """)
                let insertNumber = try db.cachedStatement(
                    sql: """
                        INSERT INTO customer_numbers (number, customer, position, bound_at, source)
                        VALUES (?, ?, ?, NULL, 'import')
                        """)
                for entry in fresh {
                    line = entry.line
                    try insertCustomer.execute(arguments: [
                        next, entry.label, entry.idNumber, entry.firstAgent.map { Int($0.rawValue) },
                    ])
                    for (position, number) in entry.numbers.enumerated() {
                        try insertNumber.execute(arguments: [number, next, position])
                    }
                    next += 1
                    report.imported += 1
                    report.numbers += entry.numbers.count
                    try progress?(report.imported)
                }
                return report
            }
        } catch let error as DatabaseError {
            throw StoreError(
                "importing the customer table \(table.file) failed"
                    + (line > 0 ? " at line \(line)" : "") + ": \(reason(error)); nothing was imported")
        }
    }

    /// The first column of each row of `sql`, mapped to its second.
    private static func index(_ db: Database, _ sql: String) throws -> [String: Int32] {
        var index: [String: Int32] = [:]
        let rows = try Row.fetchCursor(db, sql: sql)
        while let row = try rows.next() { index[row[0]] = row[1] }
        return index
    }

    // MARK: - Customers

    /// The stored customers in id order, their numbers in binding order: what the router's
    /// directory starts from.
    ///
    /// - Throws: `StoreError` when the ids are not dense from 0 (a damaged store).
    /// - Complexity: O(n log n) in the number of customers and numbers.
    public func customers() throws -> [Customer] {
        try storedCustomers().map(\.customer)
    }

    /// The stored customers in id order with their table keys, sources and creation times.
    ///
    /// - Throws: `StoreError` when the ids are not dense from 0 (a damaged store).
    public func storedCustomers() throws -> [StoredCustomer] {
        try read("reading the customers") { db in
            var customers: [StoredCustomer] = []
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT id, label, id_number, first_agent, created_at, source FROM customers ORDER BY id"
            )
            while let row = try rows.next() {
                let id: Int = row[0]
                guard id == customers.count else {
                    throw StoreError(
                        "the store's customers are damaged: their ids jump from \(customers.count - 1) to \(id); "
                            + "import the customer table into a new store")
                }
                let agent: Int32? = row[3]
                let source = try Self.decode(RecordSource.self, row[5], "source", of: "customer#\(id)")
                customers.append(
                    StoredCustomer(
                        customer: Customer(
                            id: CustomerID(id), numbers: [], idNumber: row[2],
                            firstAgent: agent.map { AgentID($0) }),
                        label: row[1], source: source, createdAt: row[4]))
            }
            let numbers = try Row.fetchCursor(
                db, sql: "SELECT customer, number FROM customer_numbers ORDER BY customer, position")
            while let row = try numbers.next() {
                let id: Int = row[0]
                guard customers.indices.contains(id) else { continue }  // the foreign key forbids it
                customers[id].customer.numbers.append(row[1])
            }
            return customers
        }
    }

    /// Adds the stored customers to `directory`, in id order, so that each keeps its id and
    /// step 01 recognises every stored number (bindings of earlier runs included).
    ///
    /// - Throws: `StoreError` when `directory` already has customers (their ids would clash)
    ///   or the store is damaged.
    public func fill(_ directory: inout Directory) throws {
        guard directory.customers.isEmpty else {
            throw StoreError(
                "the directory already has \(directory.customers.count) customers; fill an empty directory "
                    + "from the store, so that the store's customer ids stay the directory's")
        }
        for customer in try customers() {
            directory.addCustomer(
                numbers: customer.numbers, idNumber: customer.idNumber, firstAgent: customer.firstAgent)
        }
    }

    /// The numbers runs bound (step 02's bindings, and the numbers of customers created at 021),
    /// in the order they were bound (`bound_at`, then number).
    public func runBindings() throws -> [NumberBinding] {
        try read("reading the bindings") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT number, customer, bound_at FROM customer_numbers
                    WHERE source = 'run' ORDER BY bound_at, number
                    """
            ).map { NumberBinding(number: $0[0], customer: CustomerID($0[1] as Int32), at: $0[2]) }
        }
    }

    // MARK: - Callback tasks and inbound calls

    /// The callback tasks in id order, as their last event left them.
    public func callbackTasks() throws -> [StoredCallbackTask] {
        try read("reading the callback tasks") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, customer, caller_number, business_type, owner, created_at, deadline, priority,
                           state, reminders, reassignments, done_at
                    FROM callback_tasks ORDER BY id
                    """)
            var tasks: [StoredCallbackTask] = []
            while let row = try rows.next() {
                let id: Int32 = row[0]
                let customer: Int32? = row[1]
                let businessType: Int32? = row[3]
                let owner: Int32? = row[4]
                let task = CallbackTask(
                    id: CallbackTaskID(id), customer: customer.map { CustomerID($0) }, callerNumber: row[2],
                    businessType: businessType.map { BusinessTypeID($0) }, owner: owner.map { AgentID($0) },
                    created: row[5], deadline: row[6], priority: row[7], reminders: row[9],
                    reassignments: row[10],
                    state: try Self.decode(CallbackState.self, row[8], "state", of: "callback#\(id)"))
                tasks.append(StoredCallbackTask(task: task, doneAt: row[11]))
            }
            return tasks
        }
    }

    /// The history of the callback tasks (of `task` alone when given), in the order it happened.
    public func callbackHistory(of task: CallbackTaskID? = nil) throws -> [CallbackHistoryEntry] {
        try read("reading the callback history") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT id, task, at, event, agent, priority FROM callback_history "
                    + (task == nil ? "" : "WHERE task = ? ") + "ORDER BY id",
                arguments: StatementArguments(task.map { [Int($0.rawValue)] } ?? []))
            var entries: [CallbackHistoryEntry] = []
            while let row = try rows.next() {
                let rowID: Int64 = row[0]
                let agent: Int32? = row[4]
                entries.append(
                    CallbackHistoryEntry(
                        task: CallbackTaskID(row[1] as Int32), at: row[2],
                        event: try Self.decode(
                            CallbackHistoryEntry.Event.self, row[3], "event",
                            of: "callback history row \(rowID)"),
                        agent: agent.map { AgentID($0) }, priority: row[5]))
            }
            return entries
        }
    }

    /// The inbound call records in call-id order, then append order (ids of 2^63 and above
    /// sort first). Records still in a writer's buffer are not included: `flush()` it first.
    public func inboundCalls() throws -> [InboundCallRecord] {
        try read("reading the inbound calls") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT call_id, caller, customer, arrived_at, step, after_id_match, agent, connected_at,
                           ended_at, ending, callback, id
                    FROM inbound_calls ORDER BY call_id, id
                    """)
            var records: [InboundCallRecord] = []
            while let row = try rows.next() {
                let rowID: Int64 = row[11]
                let place = "inbound call row \(rowID)"
                let customer: Int32? = row[2]
                let stepName: String? = row[4]
                let agent: Int32? = row[6]
                let callback: Int32? = row[10]
                let reason = try stepName.map { name in
                    guard let step = RoutingStep(storeName: name) else {
                        throw StoreError(
                            "\(place) has step '\(name)', which this simcc does not know; the store was written "
                                + "by another program")
                    }
                    return RoutingReason(step: step, afterIDMatch: row[5])
                }
                records.append(
                    InboundCallRecord(
                        call: CallID(UInt64(bitPattern: row[0])), caller: row[1],
                        customer: customer.map { CustomerID($0) }, arrivedAt: row[3], reason: reason,
                        agent: agent.map { AgentID($0) }, connectedAt: row[7], endedAt: row[8],
                        ending: try Self.decode(InboundCallEnding.self, row[9], "ending", of: place),
                        callback: callback.map { CallbackTaskID($0) }))
            }
            return records
        }
    }

    // MARK: - The writer

    /// A writer that stores a run's routing records in the background, `batchSize` records per
    /// transaction; see `RoutingRecordWriter`.
    ///
    /// - Throws: `StoreError` when `batchSize` is below 1.
    public func recordWriter(batchSize: Int = 1000) throws -> RoutingRecordWriter {
        guard batchSize >= 1 else {
            throw StoreError(
                "a routing-record batch size of \(batchSize) is too small; give 1 or more records per transaction"
            )
        }
        return RoutingRecordWriter(database: database, batchSize: batchSize)
    }

    // MARK: - Helpers

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw StoreError("\(what) failed: \(reason(error))")
        }
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

// MARK: - Import report

/// What an import of a customer table did: how many customers (and numbers) it added, and
/// which rows it refused and why.
public struct CustomerImportReport: Hashable, Sendable, CustomStringConvertible {
    /// The customer table's file name.
    public var file: String
    /// How many customers were added.
    public var imported: Int
    /// How many phone numbers those customers have.
    public var numbers: Int
    /// The first customer added (the others follow it densely), or nil when none was.
    public var firstCustomer: CustomerID?
    /// The refused rows, in line order.
    public var rejected: [RejectedCustomerRow]
    /// The header's columns that were not read.
    public var ignoredColumns: [String]

    /// A report of an import.
    public init(
        file: String, imported: Int, numbers: Int, firstCustomer: CustomerID?,
        rejected: [RejectedCustomerRow],
        ignoredColumns: [String]
    ) {
        self.file = file
        self.imported = imported
        self.numbers = numbers
        self.firstCustomer = firstCustomer
        self.rejected = rejected
        self.ignoredColumns = ignoredColumns
    }

    /// A summary for a planner: the counts imported, then each refused row with its place.
    public var description: String {
        var text =
            "Imported \(imported) customer\(imported == 1 ? "" : "s") (\(numbers) number\(numbers == 1 ? "" : "s")) "
            + "from \(file)"
        if let first = firstCustomer, imported > 0 {
            text += imported == 1 ? " (\(first))" : " (\(first) to \(CustomerID(first.index + imported - 1)))"
        }
        if rejected.isEmpty {
            text += "; no row rejected."
        } else {
            text += "; rejected \(rejected.count) row\(rejected.count == 1 ? "" : "s"):"
            for row in rejected.prefix(ImportReport.rejectedRowsShown) {
                text += "\n  \(row)"
            }
            if rejected.count > ImportReport.rejectedRowsShown {
                text += "\n  ... and \(rejected.count - ImportReport.rejectedRowsShown) more"
            }
        }
        if !ignoredColumns.isEmpty {
            text +=
                "\nIgnored column\(ignoredColumns.count == 1 ? "" : "s"): \(ignoredColumns.joined(separator: ", "))."
        }
        return text
    }
}
