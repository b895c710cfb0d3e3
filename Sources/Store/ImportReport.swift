import CallCenter

// MARK: - Import report

/// What an import of a contact list did: how many contracts it added to the batch, and which
/// rows it refused and why.
public struct ImportReport: Hashable, Sendable, CustomStringConvertible {
    /// The batch the numbers were imported under.
    public var batchID: String
    /// The contact list's file name.
    public var file: String
    /// How many contracts were added.
    public var imported: Int
    /// The first contract added (the others follow it densely), or nil when none was.
    public var firstContract: ContractID?
    /// The refused rows, in line order.
    public var rejected: [RejectedRow]
    /// The columns of the header that were not read (other than `number` and `customer`).
    public var ignoredColumns: [String]

    /// A report of an import.
    public init(
        batchID: String, file: String, imported: Int, firstContract: ContractID?, rejected: [RejectedRow],
        ignoredColumns: [String]
    ) {
        self.batchID = batchID
        self.file = file
        self.imported = imported
        self.firstContract = firstContract
        self.rejected = rejected
        self.ignoredColumns = ignoredColumns
    }

    /// The most refused rows `description` lists one by one.
    public static let rejectedRowsShown = 50

    /// A summary for a planner: the count imported, then each refused row with its line.
    public var description: String {
        var text =
            "Imported \(imported) contract\(imported == 1 ? "" : "s") from \(file) into batch \(batchID)"
        if let first = firstContract, imported > 0 {
            text += imported == 1 ? " (\(first))" : " (\(first) to \(ContractID(first.index + imported - 1)))"
        }
        if rejected.isEmpty {
            text += "; no row rejected."
        } else {
            text += "; rejected \(rejected.count) row\(rejected.count == 1 ? "" : "s"):"
            for row in rejected.prefix(Self.rejectedRowsShown) {
                text += "\n  \(row)"
            }
            if rejected.count > Self.rejectedRowsShown {
                text += "\n  ... and \(rejected.count - Self.rejectedRowsShown) more"
            }
        }
        if !ignoredColumns.isEmpty {
            text +=
                "\nIgnored column\(ignoredColumns.count == 1 ? "" : "s"): \(ignoredColumns.joined(separator: ", "))."
        }
        return text
    }
}
