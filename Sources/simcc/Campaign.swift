import CallCenter
import Foundation
import Simulation
import Store

/// Runs an outbound campaign for `simcc run`: loads its contact list, runs every variant,
/// streams replication 0's call records into `calls.sqlite` and writes the reports.
enum CampaignRun {
    static func run(_ scenario: OutboundScenario, folder: String, threads: Int, showProgress: Bool) throws {
        var scenario = scenario
        scenario.contacts = try loaded(scenario.contacts)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.calls.sqlite.tmp-\(getpid())"
        let sink = try StoreSink(path: temporary, scenario: scenario)
        let progress = Progress(total: scenario.replications * scenario.variants.count, label: scenario.name)
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
        print(OutboundReports.table(result), terminator: "")
        print("results in \(folder)/ (summary.json, curves.csv, replications.csv, report.html, calls.sqlite: replication 0's call records)")
    }
}

extension CampaignRun {
    /// The contacts with a CSV list's numbers read in (refused rows listed on standard error).
    static func loaded(_ contacts: ContactSource) throws -> ContactSource {
        guard case .list(let path, _) = contacts else { return contacts }
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
final class StoreSink: CampaignSink, @unchecked Sendable {
    // @unchecked: `store` and `writers` are set in init and never reassigned; the writers and the
    // store are Sendable; `failure` is guarded by `lock`.
    let path: String
    var store: OutboundStore?
    let writers: [CallRecordWriter]
    let lock = NSLock()
    var failure: Error?

    init(path: String, scenario: OutboundScenario) throws {
        self.path = path
        let store = try OutboundStore(path: path)
        let task = scenario.contacts.task(batchID: scenario.name)
        let list = ContactList(file: "(\(scenario.name))", entries: task.contracts.enumerated().map {
            ContactList.Entry(line: $0.offset + 2, number: $0.element.number, customer: $0.element.customer)
        })
        var writers: [CallRecordWriter] = []
        for variant in scenario.variants {
            try store.importContacts(list, batchID: variant.name)
            writers.append(try store.recordWriter(batchID: variant.name))
        }
        self.store = store
        self.writers = writers
    }

    func record(variant: Int, _ record: CallRecord) { writers[variant].append(record) }

    func snapshot(variant: Int, _ snapshot: TaskSnapshot) {
        var s = snapshot
        s.batchID = writers[variant].batchID
        do { try store?.saveSnapshot(s) } catch { lock.withLock { failure = failure ?? error } }
    }

    /// Flushes every record, closes the store and moves it to `destination`.
    func finish(into destination: String) throws {
        for writer in writers { try writer.close() }
        if let failure = lock.withLock({ failure }) { throw failure }
        store = nil
        try SQLiteFile.move(path, to: destination, what: "the call records")
    }

    /// Drops the temporary store after a failed run.
    func abandon() {
        for writer in writers { try? writer.close() }
        store = nil
        SQLiteFile.remove(path)
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
