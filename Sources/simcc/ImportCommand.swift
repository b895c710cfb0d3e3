import ArgumentParser
import Foundation
import Store

/// `simcc import`: step S1, a contact list into a task of the store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV contact list into an outbound task of a store (step S1).",
        discussion: """
            The CSV needs a header naming a `number` column (`customer` optional). Good rows are \
            imported in one transaction; bad rows are listed with their line and reason; a number \
            already in the batch is refused. Importing into an existing batch appends.
            """
    )

    @Argument(help: "The contact list (CSV).")
    var file: String

    @Option(help: "The task's batch id.")
    var batch: String

    @Option(help: "The SQLite store (created when missing).")
    var db: String = "simcc.sqlite"

    func run() throws {
        let store: OutboundStore
        do { store = try OutboundStore(path: db) } catch { throw CLIError(String(describing: error)) }
        do {
            let report = try store.importContacts(fromFile: file, batchID: batch)
            print(report.description)
        } catch {
            throw CLIError(String(describing: error))
        }
    }
}
