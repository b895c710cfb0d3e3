import CallCenter
import Foundation

// MARK: - Contact lists (step S1: the numbers an operator imports under a batch id)

/// A row of a contact list that was not imported, by the physical line it starts on.
public struct RejectedRow: Hashable, Sendable, CustomStringConvertible {
    /// The physical line (from 1, the header being line 1) the row starts on.
    public var line: Int
    /// Why it was refused.
    public var reason: String

    /// A row refused at `line` for `reason`.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line N: reason`.
    public var description: String { "line \(line): \(reason)" }
}

/// A contact list read from CSV text: its good rows in file order and its refused rows.
///
/// The rules: RFC 4180 CSV (quoted fields, doubled quotes, commas and line breaks inside
/// quotes, CRLF or LF, an optional UTF-8 byte-order mark). A header row is required and must
/// name a `number` column; a `customer` column is optional (a row's customer defaults to its
/// number); other columns are ignored and listed in `ignoredColumns`. Column names are matched
/// without regard to case or surrounding spaces. A number is normalised by removing spaces,
/// dashes, dots and parentheses, and must then be an optional leading `+` and 3 to 20 digits.
/// A number met twice is kept at its first line and refused at the later ones.
public struct ContactList: Hashable, Sendable {
    /// `value` in quotes for a message; a long one cut to its first 40 characters, with its
    /// length (a 1 MB field is not echoed whole).
    static func quoted(_ value: String) -> String {
        value.count <= 40 ? "'\(value)'" : "'\(value.prefix(40))...' (\(value.count) characters)"
    }

    /// A good row: a normalised number and its customer.
    public struct Entry: Hashable, Sendable {
        /// The physical line the row starts on.
        public var line: Int
        /// The normalised number (`+` and digits only).
        public var number: String
        /// The customer's reference (the number when the list has no customer for it).
        public var customer: String

        /// An entry read at `line`.
        public init(line: Int, number: String, customer: String) {
            self.line = line
            self.number = number
            self.customer = customer
        }
    }

    /// The file the list was read from (or the name given to the text).
    public var file: String
    /// The good rows, in file order.
    public var entries: [Entry]
    /// The refused rows, in line order.
    public var rejected: [RejectedRow]
    /// The header's columns other than `number` and `customer`, in header order.
    public var ignoredColumns: [String]

    /// A list made in code (a synthetic campaign's contacts, say).
    public init(file: String, entries: [Entry], rejected: [RejectedRow] = [], ignoredColumns: [String] = []) {
        self.file = file
        self.entries = entries
        self.rejected = rejected
        self.ignoredColumns = ignoredColumns
    }

    /// The shortest and longest number of digits a phone number may have (`PhoneNumber.isDialable`).
    public static let digitRange = 3...20

    /// Reads a contact list from CSV text; `file` names it in errors.
    ///
    /// - Throws: `ImportError` when the text has no header row, or its header names no
    ///   `number` column (or names one twice), or the header row itself is malformed.
    /// - Complexity: O(n) in the length of the text.
    public static func parse(csv: String, file: String) throws -> ContactList {
        let records = parseCSVRecords(csv)
        guard let header = records.first else {
            throw ImportError(
                file: file,
                message:
                    "the file is empty: expected a header row naming a 'number' column, then one row per contact"
            )
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
        guard let numberColumn = try column("number") else {
            let listed = names.enumerated().map { $1.isEmpty ? "(unnamed column \($0 + 1))" : "'\($1)'" }
            throw ImportError(
                file: file, line: header.line,
                message:
                    "the header row names no 'number' column (it has \(listed.joined(separator: ", "))); "
                    + "name the column of phone numbers 'number' (a header row is required)")
        }
        let customerColumn = try column("customer")
        let ignored = names.indices.filter { $0 != numberColumn && $0 != customerColumn }
            .map { names[$0].isEmpty ? "(unnamed column \($0 + 1))" : names[$0] }

        var entries: [Entry] = []
        var rejected: [RejectedRow] = []
        var firstLine: [String: Int] = [:]
        entries.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            if let problem = record.problem {
                rejected.append(RejectedRow(line: record.line, reason: problem))
                continue
            }
            guard record.fields.count == names.count else {
                rejected.append(
                    RejectedRow(
                        line: record.line,
                        reason: "has \(fieldCount(record.fields.count)), the header has \(names.count); "
                            + "quote a field that contains a comma"))
                continue
            }
            let raw = record.fields[numberColumn].trimmingCharacters(in: .whitespacesAndNewlines)
            guard !raw.isEmpty else {
                rejected.append(RejectedRow(line: record.line, reason: "empty number"))
                continue
            }
            guard let number = normalizedNumber(raw) else {
                rejected.append(
                    RejectedRow(
                        line: record.line,
                        reason: "\(Self.quoted(raw)) is not a phone number: expected \(digitRange.lowerBound) to "
                            + "\(digitRange.upperBound) digits with an optional leading +"))
                continue
            }
            if let first = firstLine[number] {
                rejected.append(RejectedRow(line: record.line, reason: "duplicate of line \(first)"))
                continue
            }
            firstLine[number] = record.line
            var customer =
                customerColumn.map { record.fields[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            if customer.isEmpty { customer = number }
            entries.append(Entry(line: record.line, number: number, customer: customer))
        }
        return ContactList(file: file, entries: entries, rejected: rejected, ignoredColumns: ignored)
    }

    /// Reads a contact list from a UTF-8 CSV file.
    ///
    /// - Throws: `ImportError` naming the file when it cannot be read, is not UTF-8, or has no
    ///   header naming a `number` column.
    public static func load(fromFile path: String) throws -> ContactList {
        try parse(csv: readContactFile(path), file: path)
    }

    /// The number with spaces, dashes, dots and parentheses removed, or nil when what remains
    /// is not an optional leading `+` and 3 to 20 digits.
    public static func normalizedNumber(_ raw: String) -> String? {
        var out = ""
        out.unicodeScalars.reserveCapacity(raw.unicodeScalars.count)
        var digits = 0
        for s in raw.unicodeScalars {
            switch s {
            case " ", "\t", "\u{00A0}", "-", ".", "(", ")":
                continue
            case "+" where out.isEmpty:
                out.unicodeScalars.append(s)
            case "0"..."9":
                digits += 1
                out.unicodeScalars.append(s)
            default:
                return nil
            }
        }
        // The one rule for a dialable number; `digitRange` names its bounds in messages.
        return PhoneNumber.isDialable(out) ? out : nil
    }
}

/// "1 field", "2 fields".
private func fieldCount(_ n: Int) -> String { n == 1 ? "1 field" : "\(n) fields" }

/// The text of a contact-list file, or an `ImportError` naming the file saying why not.
func readContactFile(_ path: String) throws -> String {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        let reason: String
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            reason = "no such file; check the path"
        } else if isDirectory.boolValue {
            reason = "is a folder, not a CSV file"
        } else {
            reason = "cannot be read (\(error.localizedDescription)); check its permissions"
        }
        throw ImportError(file: path, message: reason)
    }
    if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
        throw ImportError(file: path, line: 1, message: "the file is UTF-16 text; save it as UTF-8 CSV")
    }
    if let text = String(data: data, encoding: .utf8) { return text }
    // Name the first line that is not UTF-8.
    var line = 1
    var start = data.startIndex
    while start < data.endIndex {
        let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
        if String(data: data[start..<end], encoding: .utf8) == nil { break }
        line += 1
        start = end < data.endIndex ? data.index(after: end) : end
    }
    throw ImportError(
        file: path, line: line, message: "the line is not UTF-8 text; save the file as UTF-8 CSV")
}
