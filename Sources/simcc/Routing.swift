import CallCenter
import Foundation
import Simulation
import Store

/// Runs a routing study for `simcc run`: every variant on the same callers, replication 0's
/// records of each variant into `records/<variant>.sqlite`, then the reports.
enum RoutingRun {
    /// Runs `study`, writing into `folder` (the staging folder of `OutputFolder`); returns what
    /// to print once the results are in place, naming them `shownAs`.
    static func run(_ study: RoutingStudy, folder: String, shownAs: String, threads: Int) throws -> String {
        let study = try prepared(study)
        let sink = try RoutingStoreSink(folder: folder, study: study)
        let progress = Progress(
            total: study.world.replications * study.variants.count, label: study.name, variants: study.variants.count)
        var report: (@Sendable (Int) -> Void)? = nil
        if progress.isShown { report = { @Sendable done in progress.show(done) } }
        let result: RoutingResult
        do {
            result = try RoutingStudyRunner.run(study, threads: threads, sink: sink, progress: report)
        } catch {
            progress.finish()
            sink.abandon()
            throw CLIError("\(study.name): \(error)")
        }
        progress.finish()
        try sink.finish()
        do {
            try RoutingReports.write(result, to: folder)
        } catch {
            throw CLIError("cannot write results into \(shownAs): \(error.localizedDescription)")
        }
        return RoutingReports.table(result)
            + "results in \(shownAs)/ (summary.json, intervals.csv, replications.csv, report.html, records/: replication 0's customers, bindings, callback tasks and calls per variant)\n"
    }
}

extension RoutingRun {
    /// The study with the files it names read in (its customer table, its campaign's contact
    /// list): what `run` and `validate` both check.
    static func prepared(_ study: RoutingStudy) throws -> RoutingStudy {
        var study = try loaded(study)
        if let outbound = study.world.outbound {
            study.world.outbound?.contacts = try CampaignRun.loaded(outbound.contacts)
        }
        return study
    }

    /// The study with its customer table read in, if it names one: refused rows are listed on
    /// standard error; a first agent the study does not have is an error naming file, line and
    /// field.
    static func loaded(_ study: RoutingStudy) throws -> RoutingStudy {
        guard var table = study.world.customerTable, table.customers.isEmpty else { return study }
        let parsed = try Store.CustomerTable.load(fromFile: table.path)
        if !parsed.rejected.isEmpty {
            var warning = "\(table.path): \(parsed.rejected.count) row(s) refused, \(parsed.entries.count) kept:\n"
            for row in parsed.rejected.prefix(10) { warning += "  \(row)\n" }
            if parsed.rejected.count > 10 { warning += "  ...\n" }
            FileHandle.standardError.write(Data(warning.utf8))
        }
        guard !parsed.entries.isEmpty else { throw CLIError("\(table.path): no usable customer in the table") }
        let agents = study.world.agents
        for entry in parsed.entries {
            if let first = entry.firstAgent, first.index >= agents {
                throw CLIError(
                    "\(table.path):\(entry.line): first_agent: agent \(first.index) does not exist; the study has \(agents) agents (0 to \(agents - 1))"
                )
            }
        }
        table.customers = parsed.entries.enumerated().map {
            Customer(
                id: CustomerID($0.offset), numbers: $0.element.numbers, idNumber: $0.element.idNumber,
                firstAgent: $0.element.firstAgent)
        }
        table.labels = parsed.entries.map(\.label)
        var study = study
        study.world.customerTable = table
        study.world.customers = table.customers.count
        return study
    }
}

/// Streams replication 0's routing records of every variant into one SQLite store per variant,
/// each holding the study's customers first (so that the records' customer ids are the store's),
/// then what the run made: customers, bindings, callback tasks with their history, inbound calls.
/// The stores are written under temporary names and moved into `records/` once complete.
final class RoutingStoreSink: RoutingSink, @unchecked Sendable {
    // @unchecked: every property is set in init and never reassigned; stores and writers are
    // Sendable.
    let temporaries: [String]
    let destinations: [String]
    var stores: [RoutingStore?]
    let writers: [RoutingRecordWriter]

    init(folder: String, study: RoutingStudy) throws {
        let directory = folder + "/records"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let customers = study.world.directory().customers
        let labels = study.world.customerTable?.labels
        let table = Store.CustomerTable(
            file: "(\(study.name))",
            entries: customers.map {
                Store.CustomerTable.Entry(
                    label: labels?[$0.id.index] ?? "customer \($0.id.index)", numbers: $0.numbers,
                    idNumber: $0.idNumber, firstAgent: $0.firstAgent)
            })
        var temporaries: [String] = [], destinations: [String] = [], stores: [RoutingStore?] = []
        var writers: [RoutingRecordWriter] = []
        for variant in study.variants {
            let name = Self.fileName(variant.name)
            let temporary = directory + "/.\(name).sqlite.tmp-\(getpid())"
            SQLiteFile.remove(temporary)
            let store = try RoutingStore(path: temporary)
            let report = try store.importCustomers(table)
            guard report.imported == customers.count else {
                throw CLIError("\(study.name): \(customers.count - report.imported) customer(s) refused by the store")
            }
            temporaries.append(temporary)
            destinations.append(directory + "/\(name).sqlite")
            stores.append(store)
            writers.append(try store.recordWriter())
        }
        self.temporaries = temporaries
        self.destinations = destinations
        self.stores = stores
        self.writers = writers
    }

    /// A variant's name as a file name: letters, digits, `-`, `_` and `.` kept, others `_`.
    static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }

    func record(variant: Int, _ record: RoutingRecord) { writers[variant].append(record) }

    /// Flushes every record, closes the stores and moves them into place.
    func finish() throws {
        for writer in writers { try writer.close() }
        stores = stores.map { _ in nil }
        for (temporary, destination) in zip(temporaries, destinations) {
            try SQLiteFile.move(temporary, to: destination, what: "the records")
        }
    }

    /// Drops the temporary stores after a failed run.
    func abandon() {
        for writer in writers { try? writer.close() }
        stores = stores.map { _ in nil }
        for temporary in temporaries { SQLiteFile.remove(temporary) }
    }
}
