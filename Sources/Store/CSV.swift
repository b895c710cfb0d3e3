// MARK: - RFC 4180 records

/// One record of a CSV text: its fields and the physical line it starts on.
struct CSVRecord: Hashable, Sendable {
    /// The physical line (from 1) the record starts on.
    var line: Int
    /// The fields, unquoted.
    var fields: [String]
    /// Why the record is malformed (a stray quote, an unterminated quote), if it is.
    var problem: String?
}

/// Splits CSV text into records per RFC 4180: fields separated by commas, records by CRLF or
/// LF (a lone CR counts as a line break too), fields optionally enclosed in double quotes, a
/// quote inside a quoted field written twice, commas and line breaks allowed inside quotes, an
/// optional UTF-8 byte-order mark at the start. Empty lines between records are skipped.
///
/// Malformed records are returned with a `problem` rather than thrown, so the caller can
/// report them by line and go on: a quote inside an unquoted field, text after a closing
/// quote, or a quote still open at the end of the text (that record then runs to the end).
///
/// - Complexity: O(n) in the length of the text.
func parseCSVRecords(_ text: String) -> [CSVRecord] {
    var text = text
    return text.withUTF8 { parseCSVRecords(bytes: $0) }
}

private let quote = UInt8(ascii: "\"")
private let comma = UInt8(ascii: ",")
private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")

private func parseCSVRecords(bytes: UnsafeBufferPointer<UInt8>) -> [CSVRecord] {
    let n = bytes.count
    var i = 0
    if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
    var line = 1
    var records: [CSVRecord] = []
    var field: [UInt8] = []

    /// Whether a line break (CRLF, LF or CR) starts at `i`.
    func atLineBreak(_ i: Int) -> Bool { i < n && (bytes[i] == lf || bytes[i] == cr) }
    /// Consumes the line break at `i` and counts the line.
    func skipLineBreak(_ i: inout Int, _ line: inout Int) {
        if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { i += 2 } else { i += 1 }
        line += 1
    }

    while i < n {
        if atLineBreak(i) {  // an empty line between records
            skipLineBreak(&i, &line)
            continue
        }
        let startLine = line
        var fields: [String] = []
        var problem: String?
        while true {
            field.removeAll(keepingCapacity: true)
            let fieldNumber = fields.count + 1
            if i < n, bytes[i] == quote {
                let openLine = line
                i += 1
                var closed = false
                while i < n {
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 < n, bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                        } else {
                            i += 1
                            closed = true
                            break
                        }
                    } else {
                        if b == lf || (b == cr && !(i + 1 < n && bytes[i + 1] == lf)) { line += 1 }
                        field.append(b)
                        i += 1
                    }
                }
                if !closed {
                    problem =
                        problem
                        ?? "unterminated quote: field \(fieldNumber), opened on line \(openLine), is not closed "
                        + "before the end of the file; close the quote (and double any quote inside the field)"
                } else if i < n, bytes[i] != comma, !atLineBreak(i) {
                    problem =
                        problem
                        ?? "field \(fieldNumber) has text after its closing quote; enclose the whole field in "
                        + "quotes and double any quote inside it"
                    while i < n, bytes[i] != comma, !atLineBreak(i) {
                        field.append(bytes[i])
                        i += 1
                    }
                }
            } else {
                while i < n, bytes[i] != comma, !atLineBreak(i) {
                    if bytes[i] == quote, problem == nil {
                        problem =
                            "field \(fieldNumber) has a quote but does not start with one; enclose the "
                            + "field in quotes and double the quote inside it"
                    }
                    field.append(bytes[i])
                    i += 1
                }
            }
            fields.append(String(decoding: field, as: UTF8.self))
            if i < n, bytes[i] == comma {
                i += 1
                continue
            }
            if i < n { skipLineBreak(&i, &line) }
            break
        }
        records.append(CSVRecord(line: startLine, fields: fields, problem: problem))
    }
    return records
}
