import ArgumentParser
import Foundation
import Store

/// `simcc import`: step S1, a contact list into a task of the store; or a customer table
/// (CN107682576B: the customers inbound routing recognises) into the store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Import a CSV contact list into an outbound task (step S1), or a customer table for inbound routing.",
        discussion: """
            Contact list: `simcc import FILE --batch ID`. The CSV needs a header naming a `number` \
            column (`customer` optional). Good rows are imported in one transaction; bad rows are \
            listed with their line and reason; a number already in the batch is refused. Importing \
            into an existing batch appends.

            Customer table: `simcc import --customers FILE`. The CSV needs the columns `customer` (a \
            unique key) and `numbers` (phone numbers separated by `;` or `|`); `id_number` (digits, or 17 digits and X) \
            and `first_agent` (an agent index) are optional. Good rows become customers in one \
            transaction; bad rows are listed with their file, line and field; a key, ID number or \
            number the store already has is refused. Importing again appends.
            """
    )

    @Argument(help: "The contact list (CSV), with --batch.")
    var file: String?

    @Option(help: "The task's batch id (with a contact list).")
    var batch: String?

    @Option(
        help: ArgumentHelp("A customer table (CSV) to import instead of a contact list.", valueName: "file"))
    var customers: String?

    @Option(help: "The SQLite store (created when missing).")
    var db: String = "simcc.sqlite"

    func validate() throws {
        if let customers {
            if file != nil {
                throw ValidationError(
                    "give either a contact list (FILE --batch ID) or --customers \(customers), not both")
            }
            if batch != nil {
                throw ValidationError(
                    "--batch is for a contact list; a customer table (--customers) has no batch")
            }
        } else {
            guard file != nil else {
                throw ValidationError(
                    "give a contact list to import (FILE --batch ID) or a customer table (--customers FILE)")
            }
            guard batch != nil else {
                throw ValidationError("give the batch id to import the contact list under: --batch ID")
            }
        }
    }

    func run() throws {
        // A store this import creates is removed again when the import fails: a mistake leaves
        // no empty database behind.
        let existed = FileManager.default.fileExists(atPath: db)
        do {
            if let customers {
                let store = try RoutingStore(path: db)
                print(try store.importCustomers(fromFile: customers).description)
            } else if let file, let batch {
                let store = try OutboundStore(path: db)
                print(try store.importContacts(fromFile: file, batchID: batch).description)
            }
        } catch {
            if !existed {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
            }
            throw CLIError(String(describing: error))
        }
    }
}
