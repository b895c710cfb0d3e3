import CallCenter
import Foundation

// MARK: - Customer tables (the customers inbound routing recognises, CN107682576B steps 01 and 02)

/// A row of a customer table that was not imported, with the place and field it was refused at.
public struct RejectedCustomerRow: Hashable, Sendable, CustomStringConvertible {
    /// The customer table's file name.
    public var file: String
    /// The physical line (from 1, the header being line 1) the row starts on.
    public var line: Int
    /// The column at fault (`customer`, `id_number`, `numbers`, `first_agent`), or nil when the
    /// row as a whole is (a malformed record, a wrong count of fields).
    public var field: String?
    /// Why it was refused.
    public var reason: String

    /// A row of `file` refused at `line` (in `field`) for `reason`.
    public init(file: String, line: Int, field: String?, reason: String) {
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    /// `file:line: field: reason`, the way compilers name a place.
    public var description: String {
        "\(file):\(line): " + (field.map { "\($0): " } ?? "") + reason
    }
}

/// A customer table read from CSV text: its good rows in file order and its refused rows.
///
/// The rules: RFC 4180 CSV, as for `ContactList`. A header row is required; column names are
/// matched without regard to case or surrounding spaces, other columns are ignored and listed.
/// - `customer` (required): the customer's key in the table, not empty, unique in the file.
/// - `numbers` (required): one or more phone numbers separated by `;` or `|`; each is
///   normalised like a contact list's (spaces, dashes, dots and parentheses removed) and must
///   then be an optional `+` and 3 to 19 digits (a `PhoneNumber`). A number belongs to one
///   customer only: one met again (in the same row or a later one) refuses the later row.
/// - `id_number` (optional column, optional value): the ID-card number step 02 matches, 1 to
///   32 digits (what a caller can key), or a PRC resident ID number of 17 digits and the check
///   character `X` or `x` (stored as `X`; the caller keys it `*`), unique in the file. No check
///   character is verified (`IDCardNumber`).
/// - `first_agent` (optional column, optional value): the index of the agent bound to the
///   customer, a whole number from 0.
///
/// A bad row is refused whole and listed with its line and field, the other rows are kept,
/// as a contact list's are: a table of thousands is not lost for one typo, and the report
/// says which rows to fix and import again.
public struct CustomerTable: Hashable, Sendable {
    /// A good row: a customer ready to be stored.
    public struct Entry: Hashable, Sendable {
        /// The physical line the row starts on (0 for a table made in code).
        public var line: Int
        /// The customer's key in the table (its `customer` column).
        public var label: String
        /// The normalised phone numbers, in the row's order.
        public var numbers: [String]
        /// The ID-card number, if any.
        public var idNumber: String?
        /// The bound first agent, if any.
        public var firstAgent: AgentID?

        /// An entry read at `line`.
        public init(
            line: Int = 0, label: String, numbers: [String], idNumber: String? = nil,
            firstAgent: AgentID? = nil
        ) {
            self.line = line
            self.label = label
            self.numbers = numbers
            self.idNumber = idNumber
            self.firstAgent = firstAgent
        }
    }

    /// The file the table was read from (or the name given to the text).
    public var file: String
    /// The good rows, in file order.
    public var entries: [Entry]
    /// The refused rows, in line order.
    public var rejected: [RejectedCustomerRow]
    /// The header's columns that were not read, in header order.
    public var ignoredColumns: [String]

    /// A table made in code (a synthetic scenario's customers, say).
    public init(
        file: String, entries: [Entry], rejected: [RejectedCustomerRow] = [], ignoredColumns: [String] = []
    ) {
        self.file = file
        self.entries = entries
        self.rejected = rejected
        self.ignoredColumns = ignoredColumns
    }

    /// The longest ID-card number, in characters (what `KeyedDigits` can carry).
    public static let maxIDNumberDigits = IDCardNumber.maxLength

    /// Reads a customer table from CSV text; `file` names it in messages.
    ///
    /// - Throws: `ImportError` when the text has no header row, the header names no `customer`
    ///   or no `numbers` column, names a column twice, or is itself malformed.
    /// - Complexity: O(n) in the length of the text.
    public static func parse(csv: String, file: String) throws -> CustomerTable {
        let records = parseCSVRecords(csv)
        guard let header = records.first else {
            throw ImportError(
                file: file,
                message:
                    "the file is empty: expected a header row naming the columns 'customer' and 'numbers' "
                    + "('id_number' and 'first_agent' optional), then one row per customer")
        }
        if let problem = header.problem {
            throw ImportError(
                file: file, line: header.line, message: "the header row is malformed: \(problem)")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let keys = names.map { $0.lowercased() }
        func column(_ key: String) throws -> Int? {
            let found = keys.indices.filter { keys[$0] == key }
            if found.count > 1 {
                let columns = found.map { String($0 + 1) }.joined(separator: " and ")
                throw ImportError(
                    file: file, line: header.line,
                    message: "the header names a '\(key)' column twice (columns \(columns)); keep one")
            }
            return found.first
        }
        func requiredColumn(_ key: String) throws -> Int {
            if let found = try column(key) { return found }
            let listed = names.enumerated().map { $1.isEmpty ? "(unnamed column \($0 + 1))" : "'\($1)'" }
            throw ImportError(
                file: file, line: header.line,
                message:
                    "the header row names no '\(key)' column (it has \(listed.joined(separator: ", "))); "
                    + "a customer table needs the columns 'customer' and 'numbers' "
                    + "('id_number' and 'first_agent' optional)")
        }
        let customerColumn = try requiredColumn("customer")
        let numbersColumn = try requiredColumn("numbers")
        let idColumn = try column("id_number")
        let agentColumn = try column("first_agent")
        let read = Set([customerColumn, numbersColumn] + [idColumn, agentColumn].compactMap { $0 })
        let ignored = names.indices.filter { !read.contains($0) }
            .map { names[$0].isEmpty ? "(unnamed column \($0 + 1))" : names[$0] }

        var entries: [Entry] = []
        var rejected: [RejectedCustomerRow] = []
        var lineOfLabel: [String: Int] = [:]
        var lineOfIDNumber: [String: Int] = [:]
        var lineOfNumber: [String: Int] = [:]
        entries.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            func reject(_ field: String?, _ reason: String) {
                rejected.append(
                    RejectedCustomerRow(file: file, line: record.line, field: field, reason: reason))
            }
            if let problem = record.problem {
                reject(nil, problem)
                continue
            }
            guard record.fields.count == names.count else {
                reject(
                    nil,
                    "has \(record.fields.count == 1 ? "1 field" : "\(record.fields.count) fields"), the header has "
                        + "\(names.count); quote a field that contains a comma")
                continue
            }
            func value(_ column: Int?) -> String {
                column.map { record.fields[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            }

            let label = value(customerColumn)
            guard !label.isEmpty else {
                reject("customer", "empty; give each customer a key, unique in the table")
                continue
            }
            if let first = lineOfLabel[label] {
                reject("customer", "\"\(label)\" is a duplicate of line \(first)")
                continue
            }

            let rawNumbers = value(numbersColumn)
            guard !rawNumbers.isEmpty else {
                reject("numbers", "empty; give one or more phone numbers separated by ';' or '|'")
                continue
            }
            var numbers: [String] = []
            var bad: (String, String)?
            for piece in rawNumbers.split(whereSeparator: { $0 == ";" || $0 == "|" }) {
                let raw = piece.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !raw.isEmpty else { continue }  // "a;;b", a trailing ';'
                guard let number = normalizedNumber(raw) else {
                    bad = (
                        "numbers",
                        "\"\(raw)\" is not a phone number: expected 3 to 19 digits with an optional leading +"
                    )
                    break
                }
                if numbers.contains(number) {
                    bad = ("numbers", "\"\(raw)\" is listed twice in the row")
                    break
                }
                if let first = lineOfNumber[number] {
                    bad = ("numbers", "\"\(raw)\" is already a number of the customer of line \(first)")
                    break
                }
                numbers.append(number)
            }
            if let (field, reason) = bad {
                reject(field, reason)
                continue
            }
            guard !numbers.isEmpty else {
                reject("numbers", "empty; give one or more phone numbers separated by ';' or '|'")
                continue
            }

            let rawID = value(idColumn)
            var idNumber: String?
            if !rawID.isEmpty {
                guard let canonical = IDCardNumber.canonical(rawID) else {
                    reject(
                        "id_number",
                        "\"\(rawID)\" is not an ID number: expected 1 to \(maxIDNumberDigits) digits "
                            + "(what a caller keys), 17 digits and the check character X "
                            + "(a PRC resident ID number), or an empty field")
                    continue
                }
                if let first = lineOfIDNumber[canonical] {
                    reject("id_number", "\"\(rawID)\" is a duplicate of line \(first)")
                    continue
                }
                idNumber = canonical
            }

            let rawAgent = value(agentColumn)
            var firstAgent: AgentID?
            if !rawAgent.isEmpty {
                guard rawAgent.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let index = Int32(rawAgent) else {
                    reject(
                        "first_agent",
                        "\"\(rawAgent)\" is not an agent: expected the agent's index, a whole number from 0 "
                            + "to \(Int32.max), or an empty field")
                    continue
                }
                firstAgent = AgentID(index)
            }

            lineOfLabel[label] = record.line
            if let idNumber { lineOfIDNumber[idNumber] = record.line }
            for number in numbers { lineOfNumber[number] = record.line }
            entries.append(
                Entry(
                    line: record.line, label: label, numbers: numbers, idNumber: idNumber,
                    firstAgent: firstAgent))
        }
        return CustomerTable(file: file, entries: entries, rejected: rejected, ignoredColumns: ignored)
    }

    /// Reads a customer table from a UTF-8 CSV file.
    ///
    /// - Throws: `ImportError` naming the file when it cannot be read, is not UTF-8, or has no
    ///   header naming the `customer` and `numbers` columns.
    public static func load(fromFile path: String) throws -> CustomerTable {
        try parse(csv: readContactFile(path), file: path)
    }

    /// The number normalised as a contact list's, or nil when it is not then a `PhoneNumber`
    /// of 3 digits or more.
    public static func normalizedNumber(_ raw: String) -> String? {
        guard let number = ContactList.normalizedNumber(raw), PhoneNumber(number) != nil else { return nil }
        return number
    }
}
