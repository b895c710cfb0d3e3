import CallCenter
import Foundation
import Simulation
import Store

/// Runs an outbound campaign for `simcc run`: loads its contact list, runs every variant,
/// streams replication 0's call records into `calls.sqlite` and writes the reports.
enum CampaignRun {
    /// Runs `scenario`, writing into `folder` (the staging folder of `OutputFolder`); returns
    /// what to print once the results are in place, naming them `shownAs`.
    static func run(
        _ scenario: OutboundScenario, folder: String, shownAs: String, threads: Int, showProgress: Bool
    ) throws -> String {
        var scenario = scenario
        scenario.contacts = try loaded(scenario.contacts)
        let temporary = folder + "/.calls.sqlite.tmp-\(getpid())"
        let sink = try StoreSink(path: temporary, scenario: scenario)
        let progress = Progress(
            total: scenario.replications * scenario.variants.count, label: scenario.name,
            variants: scenario.variants.count)
        var report: (@Sendable (Int) -> Void)? = nil
        if showProgress && progress.isShown { report = { @Sendable done in progress.show(done) } }
        let result: OutboundResult
        do {
            result = try OutboundRunner.run(scenario, threads: threads, progress: report, sink: sink)
        } catch {
            sink.abandon()
            throw CLIError("\(scenario.name): \(error)")
        }
        progress.finish()
        try sink.finish(into: folder + "/calls.sqlite")
        try OutboundReports.write(result, to: folder)
        return OutboundReports.table(result)
            + "results in \(shownAs)/ (summary.json, curves.csv, replications.csv, report.html, calls.sqlite: replication 0's call records)\n"
    }
}

extension CampaignRun {
    /// The contacts with a CSV list's numbers read in (refused rows listed on standard error).
    static func loaded(_ contacts: ContactSource) throws -> ContactSource {
        // Read once: a list already read keeps its numbers.
        guard case .list(let path, let numbers) = contacts, numbers.isEmpty else { return contacts }
        let list = try ContactList.load(fromFile: path)
        if !list.rejected.isEmpty {
            var warning = "\(path): \(list.rejected.count) row(s) refused, \(list.entries.count) kept:\n"
            for row in list.rejected.prefix(10) { warning += "  \(row)\n" }
            if list.rejected.count > 10 { warning += "  ...\n" }
            FileHandle.standardError.write(Data(warning.utf8))
        }
        guard !list.entries.isEmpty else { throw CLIError("\(path): no usable contact in the list") }
        return .list(path: path, numbers: list.entries.map(\.number))
    }
}

/// Streams replication 0's call records of every variant into a SQLite store, one batch per
/// variant, through the store's background writers.
///
/// The variants run at the same time, so each writes into a temporary store of its own; `finish`
/// gathers them into one store in a fixed order (the tasks and contracts of every variant, then
/// each variant's records in the order it made them, then the snapshots, variant by variant),
/// with a fixed creation time: the same scenario and seed give the same bytes.
final class StoreSink: CampaignSink, @unchecked Sendable {
    // @unchecked: `writers` is set in init and never reassigned; `stores` is only emptied by
    // `finish` and `abandon`, after the run; the writers and the stores are Sendable;
    // `snapshots` is guarded by `lock`.
    let path: String
    let scenario: OutboundScenario
    let list: ContactList
    var stores: [OutboundStore?]
    let writers: [CallRecordWriter]
    let lock = NSLock()
    var snapshots: [TaskSnapshot?]

    /// A simulated run's tasks are created when its clock starts (0 s, written as the epoch):
    /// never the wall clock, so the store is the same bytes from run to run.
    static let createdAt = "1970-01-01T00:00:00Z"

    init(path: String, scenario: OutboundScenario) throws {
        self.path = path
        self.scenario = scenario
        let task = scenario.contacts.task(batchID: scenario.name)
        list = ContactList(file: "(\(scenario.name))", entries: task.contracts.enumerated().map {
            ContactList.Entry(line: $0.offset + 2, number: $0.element.number, customer: $0.element.customer)
        })
        var stores: [OutboundStore?] = []
        var writers: [CallRecordWriter] = []
        for (i, variant) in scenario.variants.enumerated() {
            let store = try OutboundStore(path: Self.variantPath(path, i))
            try store.importContacts(list, batchID: variant.name, createdAt: Self.createdAt)
            writers.append(try store.recordWriter(batchID: variant.name))
            stores.append(store)
        }
        self.stores = stores
        self.writers = writers
        snapshots = Array(repeating: nil, count: scenario.variants.count)
    }

    /// The temporary store of variant `i`.
    static func variantPath(_ path: String, _ i: Int) -> String { path + "-variant-\(i)" }

    func record(variant: Int, _ record: CallRecord) { writers[variant].append(record) }

    func snapshot(variant: Int, _ snapshot: TaskSnapshot) {
        var s = snapshot
        s.batchID = writers[variant].batchID
        lock.withLock { snapshots[variant] = s }
    }

    /// Flushes every record, gathers the variants' stores into one and moves it to
    /// `destination`; the temporary stores are removed, whatever happens.
    func finish(into destination: String) throws {
        defer { removeVariantStores() }
        for writer in writers { try writer.close() }
        for i in stores.indices { stores[i] = nil }
        do {
            let store = try OutboundStore(path: path)
            for variant in scenario.variants {
                try store.importContacts(list, batchID: variant.name, createdAt: Self.createdAt)
            }
            for (i, variant) in scenario.variants.enumerated() {
                try store.appendCallRecords(batchID: variant.name, fromStoreAt: Self.variantPath(path, i))
            }
            for snapshot in lock.withLock({ snapshots }) {
                if let snapshot { try store.saveSnapshot(snapshot) }
            }
        } catch {
            SQLiteFile.remove(path)
            throw error
        }
        try SQLiteFile.move(path, to: destination, what: "the call records")
    }

    /// Drops the temporary stores after a failed run.
    func abandon() {
        for writer in writers { try? writer.close() }
        removeVariantStores()
        SQLiteFile.remove(path)
    }

    func removeVariantStores() {
        for i in stores.indices {
            stores[i] = nil
            SQLiteFile.remove(Self.variantPath(path, i))
        }
    }
}

/// A closed SQLite database file (with its `-wal` and `-shm` companions) written under a
/// temporary name: moved into place once complete, or removed.
enum SQLiteFile {
    /// Replaces `destination` with the database at `temporary` (one rename), dropping its
    /// companions.
    static func move(_ temporary: String, to destination: String, what: String) throws {
        try? FileManager.default.removeItem(atPath: destination)
        guard rename(temporary, destination) == 0 else {
            throw CLIError("cannot move \(what) into \(destination): \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
    }

    /// Removes the database at `path` and its companions, if any.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
