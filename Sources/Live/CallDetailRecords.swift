import CallCenter
import Foundation

// MARK: - FreeSWITCH's own record of a call

/// FreeSWITCH's record of one call (its CDR), as `mod_json_cdr` writes it: what a driver reads
/// to learn what became of a call it lost sight of (a gap in the events, a restart of simcc or
/// of FreeSWITCH), with the real times and cause.
///
/// Read from the JSON object `mod_json_cdr` writes (`switch_ivr_generate_json_cdr`): the
/// `variables` `uuid`, `hangup_cause`, `answer_uepoch`, `bridge_uepoch`, `end_uepoch`
/// (microseconds since 1970, `0` for a moment that never came), `cc_agent` (the agent
/// mod_callcenter bridged), and the `destination_number` of each `callflow` entry's
/// `caller_profile` (a `uuid_transfer` to an agent's extension shows there). Values may be
/// URL-encoded (`encode-values`); they are decoded.
public struct CallDetailRecord: Hashable, Sendable {
    /// The channel's UUID.
    public var uuid: String
    /// When it was answered (seconds since 1970), if it was.
    public var answeredAt: Double?
    /// When it was bridged to another leg, if it was.
    public var bridgedAt: Double?
    /// When it ended.
    public var endedAt: Double
    /// The hang-up cause.
    public var cause: HangupCause
    /// The mod_callcenter agent it was bridged to (`cc_agent`), if any.
    public var callCenterAgent: String?
    /// The destination numbers of its call flow, newest first (an agent's extension after a
    /// transfer to it).
    public var destinations: [String]

    /// A record, by name.
    public init(
        uuid: String, answeredAt: Double?, bridgedAt: Double?, endedAt: Double, cause: HangupCause,
        callCenterAgent: String? = nil, destinations: [String] = []
    ) {
        self.uuid = uuid
        self.answeredAt = answeredAt
        self.bridgedAt = bridgedAt
        self.endedAt = endedAt
        self.cause = cause
        self.callCenterAgent = callCenterAgent
        self.destinations = destinations
    }

    /// Why a CDR could not be read.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// The record in `data`, one JSON object as `mod_json_cdr` writes it.
    /// - Throws: `ParseError` naming what is missing or malformed (a file still being written
    ///   reads as malformed JSON: read it again later).
    public static func parse(_ data: Data) throws(ParseError) -> CallDetailRecord {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ParseError("not a JSON object (a file still being written?)")
        }
        guard let root = object as? [String: Any] else { throw ParseError("not a JSON object") }
        guard let variables = root["variables"] as? [String: Any] else {
            throw ParseError("no \"variables\" object")
        }
        func variable(_ name: String) -> String? {
            guard let raw = variables[name] else { return nil }
            let text = (raw as? String) ?? (raw as? NSNumber)?.stringValue
            guard let text, !text.isEmpty else { return nil }
            return text.removingPercentEncoding ?? text
        }
        /// A `*_uepoch` moment, nil for 0 (never).
        func moment(_ name: String) throws(ParseError) -> Double? {
            guard let text = variable(name) else { return nil }
            guard let micros = Int64(text), micros >= 0 else {
                throw ParseError("variable \(name) is not a count of microseconds: '\(text.prefix(40))'")
            }
            return micros == 0 ? nil : Double(micros) / 1_000_000
        }
        guard let uuid = variable("uuid") else { throw ParseError("no variable uuid") }
        guard let causeName = variable("hangup_cause") else { throw ParseError("no variable hangup_cause") }
        guard let cause = HangupCause(rawValue: causeName) else {
            throw ParseError("variable hangup_cause is not a cause: '\(causeName.prefix(40))'")
        }
        guard let ended = try moment("end_uepoch") else { throw ParseError("no variable end_uepoch") }
        var destinations: [String] = []
        if let flow = root["callflow"] as? [[String: Any]] {
            for entry in flow {
                if let profile = entry["caller_profile"] as? [String: Any],
                    let number = profile["destination_number"] as? String, !number.isEmpty
                {
                    destinations.append(number.removingPercentEncoding ?? number)
                }
            }
        } else if let entry = root["callflow"] as? [String: Any],
            let profile = entry["caller_profile"] as? [String: Any],
            let number = profile["destination_number"] as? String, !number.isEmpty
        {
            destinations.append(number.removingPercentEncoding ?? number)
        }
        return CallDetailRecord(
            uuid: uuid, answeredAt: try moment("answer_uepoch"), bridgedAt: try moment("bridge_uepoch"),
            endedAt: ended, cause: cause, callCenterAgent: variable("cc_agent"), destinations: destinations)
    }

    /// The record as `mod_json_cdr` would write it (its fields that `parse` reads): what a fake
    /// FreeSWITCH writes.
    public func json() -> String {
        func micros(_ t: Double?) -> String { String(Int64(((t ?? 0) * 1_000_000).rounded())) }
        var variables: [String: String] = [
            "uuid": uuid, "hangup_cause": cause.rawValue, "answer_uepoch": micros(answeredAt),
            "bridge_uepoch": micros(bridgedAt), "end_uepoch": micros(endedAt),
        ]
        if let callCenterAgent { variables["cc_agent"] = callCenterAgent }
        let flow = destinations.map { ["caller_profile": ["destination_number": $0]] }
        let root: [String: Any] = ["variables": variables, "callflow": flow]
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

// MARK: - Where the records are

/// The folder `mod_json_cdr` writes its records into (its `log-dir`): `<uuid>.cdr.json`, or
/// `a_<uuid>.cdr.json` with `prefix-a-leg`, in the folder or, with `rotate`, in one of its
/// dated subfolders. See docs/live.md, "Calls simcc lost sight of".
public struct CDRDirectory: Sendable, Hashable {
    /// The folder.
    public let path: String

    /// The folder at `path`.
    public init(path: String) { self.path = path }

    /// What a look for one call's record found.
    public enum Lookup: Hashable, Sendable {
        /// The record.
        case found(CallDetailRecord)
        /// No record (yet): FreeSWITCH writes it a moment after the hang-up.
        case absent
        /// A file that cannot be read as a record (still being written, or damaged), and why.
        case unreadable(String)
    }

    /// The record of channel `uuid`.
    public func record(uuid: String) -> Lookup { record(uuid: uuid, in: folders()) }

    /// The folders records are looked for in: the folder, then its dated subfolders, newest
    /// first (mod_json_cdr's `rotate` names them YYYY-MM-DD-HH-MM-SS). List them once for
    /// several lookups: the folder may hold many thousands of records.
    public func folders() -> [String] {
        var folders = [path]
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return folders }
        for entry in entries.sorted(by: >) where !entry.hasSuffix(".cdr.json") {
            var isDirectory: ObjCBool = false
            let full = (path as NSString).appendingPathComponent(entry)
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), isDirectory.boolValue {
                folders.append(full)
            }
        }
        return folders
    }

    /// The record of channel `uuid`, looked for in `folders` (from `folders()`).
    public func record(uuid: String, in folders: [String]) -> Lookup {
        let names = ["\(uuid).cdr.json", "a_\(uuid).cdr.json"]
        for folder in folders {
            for name in names {
                let file = (folder as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                do {
                    let record = try CallDetailRecord.parse(data)
                    guard record.uuid == uuid else { return .unreadable("\(file) is the record of \(record.uuid)") }
                    return .found(record)
                } catch {
                    return .unreadable("\(file): \(error)")
                }
            }
        }
        return .absent
    }
}
