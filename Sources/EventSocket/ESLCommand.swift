/// A command to FreeSWITCH, encoded as `verb args\n` plus `Header: value\n` lines and the
/// blank line that ends it (docs/esl-mapping.md, "Commands").
///
/// Every string that goes into a command is checked before anything is written: `\n` or `\r`
/// would end the command early and let the rest be read as a second command, so they are
/// refused (`ESLCommandError.lineBreak`). Words that FreeSWITCH splits on spaces (event
/// names, header names, UUIDs, application names) must not hold spaces either.
public enum ESLCommand: Sendable, Equatable {
    /// `auth <password>`: the answer to auth/request.
    case auth(password: String)
    /// `event <plain|json> <names…> [CUSTOM <subclasses…>]`: subscribe.
    case event(ESLSubscription)
    /// `nixevent <names…> [CUSTOM <subclasses…>]`: unsubscribe from some events.
    case nixevent(ESLSubscription)
    /// `noevents`: unsubscribe from everything.
    case noevents
    /// `api <command> [<arguments>]`: run synchronously (blocks this connection's events).
    case api(command: String, arguments: String = "")
    /// `bgapi <command> [<arguments>]` with header `Job-UUID: <jobUUID>`: run in the
    /// background; the result comes as a BACKGROUND_JOB event carrying the same Job-UUID.
    case bgapi(command: String, arguments: String = "", jobUUID: String)
    /// `sendmsg [<uuid>]` with `call-command` headers: control one channel.
    case sendmsg(uuid: String?, ESLCallCommand)
    /// `filter <header> <value>`: only pass events whose `header` matches `value`.
    case filter(header: String, value: String)
    /// `filter delete <header> [<value>]`: remove a filter (`filter delete all`: every filter).
    case filterDelete(header: String, value: String?)
    /// `linger [<seconds>]`: keep the socket open after the controlled channel hangs up.
    case linger(seconds: Int?)
    /// `nolinger`.
    case nolinger
    /// `exit`: FreeSWITCH replies `+OK bye`, sends a disconnect notice and closes.
    case exit

    /// The bytes to write, ending in the blank line `\n\n`.
    /// - Throws: `ESLCommandError` when an argument holds a line break, or a space where a
    ///   single word is needed, or is empty where a value is required.
    public func encoded() throws(ESLCommandError) -> [UInt8] {
        Array(try text().utf8)
    }

    /// The command as text, ending in `\n\n`; see `encoded()`.
    public func text() throws(ESLCommandError) -> String {
        switch self {
        case .auth(let password):
            try check(password, "password", word: false)
            return "auth \(password)\n\n"
        case .event(let subscription):
            return "event \(subscription.format.rawValue) \(try subscription.renderedNames())\n\n"
        case .nixevent(let subscription):
            return "nixevent \(try subscription.renderedNames())\n\n"
        case .noevents:
            return "noevents\n\n"
        case .api(let command, let arguments):
            try check(command, "api command", word: true)
            try check(arguments, "api arguments", word: false, allowEmpty: true)
            return "api \(command)\(arguments.isEmpty ? "" : " " + arguments)\n\n"
        case .bgapi(let command, let arguments, let jobUUID):
            try check(command, "bgapi command", word: true)
            try check(arguments, "bgapi arguments", word: false, allowEmpty: true)
            try check(jobUUID, "Job-UUID", word: true)
            return "bgapi \(command)\(arguments.isEmpty ? "" : " " + arguments)\nJob-UUID: \(jobUUID)\n\n"
        case .sendmsg(let uuid, let callCommand):
            var text = "sendmsg"
            if let uuid {
                try check(uuid, "sendmsg UUID", word: true)
                text += " " + uuid
            }
            return text + "\n" + (try callCommand.headerLines()) + "\n"
        case .filter(let header, let value):
            try check(header, "filter header", word: true)
            try check(value, "filter value", word: false)
            return "filter \(header) \(value)\n\n"
        case .filterDelete(let header, let value):
            try check(header, "filter header", word: true)
            guard let value else { return "filter delete \(header)\n\n" }
            try check(value, "filter value", word: false)
            return "filter delete \(header) \(value)\n\n"
        case .linger(let seconds):
            guard let seconds else { return "linger\n\n" }
            guard seconds > 0 else { throw ESLCommandError.invalidArgument(field: "linger seconds") }
            return "linger \(seconds)\n\n"
        case .nolinger:
            return "nolinger\n\n"
        case .exit:
            return "exit\n\n"
        }
    }
}

/// A `sendmsg` call command (mes.c `parse_command`, switch_ivr.c `switch_ivr_parse_event`).
public enum ESLCallCommand: Sendable, Equatable {
    /// `call-command: execute`: run dialplan application `application` with `argument`;
    /// `eventLock` makes FreeSWITCH run queued applications one at a time; `eventUUID` is
    /// echoed as `Application-UUID` in CHANNEL_EXECUTE_COMPLETE.
    case execute(
        application: String, argument: String = "", eventLock: Bool = false, eventUUID: String? = nil)
    /// `call-command: hangup` with `hangup-cause: <cause>` (e.g. `NORMAL_CLEARING`).
    case hangup(cause: String)

    /// The header lines (each ending in `\n`, without the final blank line).
    func headerLines() throws(ESLCommandError) -> String {
        switch self {
        case .execute(let application, let argument, let eventLock, let eventUUID):
            try check(application, "execute-app-name", word: true)
            try check(argument, "execute-app-arg", word: false, allowEmpty: true)
            var text = "call-command: execute\nexecute-app-name: \(application)\n"
            if !argument.isEmpty { text += "execute-app-arg: \(argument)\n" }
            if eventLock { text += "event-lock: true\n" }
            if let eventUUID {
                try check(eventUUID, "Event-UUID", word: true)
                text += "Event-UUID: \(eventUUID)\n"
            }
            return text
        case .hangup(let cause):
            try check(cause, "hangup-cause", word: true)
            return "call-command: hangup\nhangup-cause: \(cause)\n"
        }
    }
}

/// Which events a connection listens to: event names and CUSTOM subclasses, as one value that
/// can be re-applied after a reconnect (docs/esl-mapping.md, "Subscriptions, api and bgapi").
public struct ESLSubscription: Sendable, Equatable, Hashable {
    /// The event format asked for (sticky: the last one used applies to the whole connection).
    public enum Format: String, Sendable, Equatable, Hashable {
        /// `text/event-plain`.
        case plain
        /// `text/event-json`.
        case json
    }

    /// The format of the events.
    public var format: Format
    /// Event names (`CHANNEL_ANSWER`, `BACKGROUND_JOB`, `HEARTBEAT`, `ALL`), without `CUSTOM`.
    public var eventNames: [String]
    /// CUSTOM subclasses (`callcenter::info`); rendered after the word `CUSTOM`.
    public var customSubclasses: [String]

    /// A subscription to `eventNames` and the CUSTOM `customSubclasses`, in `format`.
    public init(format: Format = .plain, eventNames: [String], customSubclasses: [String] = []) {
        self.format = format
        self.eventNames = eventNames
        self.customSubclasses = customSubclasses
    }

    /// Every event, CUSTOM ones included (`event plain ALL`).
    public static func all(format: Format = .plain) -> ESLSubscription {
        ESLSubscription(format: format, eventNames: ["ALL"])
    }

    /// The names as FreeSWITCH reads them: `A B CUSTOM x::y z::w` (duplicates removed, order kept).
    /// - Throws: `ESLCommandError` for an empty subscription or a name that is not one word.
    func renderedNames() throws(ESLCommandError) -> String {
        var words = [String]()
        var seen = Set<String>()
        for name in eventNames where name != "CUSTOM" {
            try check(name, "event name", word: true)
            if seen.insert(name).inserted { words.append(name) }
        }
        if !customSubclasses.isEmpty || eventNames.contains("CUSTOM") {
            words.append("CUSTOM")
            for subclass in customSubclasses {
                try check(subclass, "event subclass", word: true)
                if seen.insert(subclass).inserted { words.append(subclass) }
            }
        }
        guard !words.isEmpty else { throw ESLCommandError.emptySubscription }
        return words.joined(separator: " ")
    }
}

/// Why a command was not encoded.
public enum ESLCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `field` holds `\n` or `\r`, which would end the command early (command injection).
    case lineBreak(field: String)
    /// `field` must be one word but holds a space or tab.
    case whitespace(field: String)
    /// `field` is empty but a value is required.
    case empty(field: String)
    /// `field` has a value FreeSWITCH does not accept (e.g. a linger time of 0).
    case invalidArgument(field: String)
    /// An `event`/`nixevent` subscription without any name.
    case emptySubscription

    /// A sentence saying what to fix.
    public var description: String {
        switch self {
        case .lineBreak(let field): return "ESL command refused: \(field) contains a line break (\\n or \\r)"
        case .whitespace(let field): return "ESL command refused: \(field) must be one word, without spaces"
        case .empty(let field): return "ESL command refused: \(field) is empty"
        case .invalidArgument(let field): return "ESL command refused: invalid \(field)"
        case .emptySubscription: return "ESL command refused: a subscription needs at least one event name"
        }
    }
}

/// Refuses line breaks anywhere, empty values unless allowed, and blanks in single words.
private func check(_ value: String, _ field: String, word: Bool, allowEmpty: Bool = false)
    throws(ESLCommandError)
{
    if value.isEmpty {
        if allowEmpty { return }
        throw .empty(field: field)
    }
    for byte in value.utf8 {
        if byte == 0x0A || byte == 0x0D { throw .lineBreak(field: field) }
    }
    if word, value.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 }) { throw .whitespace(field: field) }
}
