// MARK: - Errors

/// A failure of the store, with a message that says what went wrong and what to do about it.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong and what to fix, in a sentence or two.
    public var message: String

    /// An error with the given message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// A contact list refused as a whole (no header, no `number` column, unreadable, ...): nothing
/// of it was imported. Rows refused one by one are listed in `ImportReport.rejected` instead.
public struct ImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The contact list's file name (or the name the caller gave to the text).
    public var file: String
    /// The physical line (from 1) the problem is on, when it is on one.
    public var line: Int?
    /// What is wrong and what to fix.
    public var message: String

    /// An error about `file` (at `line`, when given).
    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the way compilers name a place.
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
