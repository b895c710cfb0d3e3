import CallCenter
import Foundation

// MARK: - mod_callcenter's agents at start

/// The agents mod_callcenter has, read from `api callcenter_config agent list`: what a runner
/// starts its agents as, instead of assuming them all idle.
///
/// The reply (mod_callcenter.c `list_result_callback`, `SELECT * FROM agents`) is a header line
/// of column names joined by `|`, one line per agent, values joined by `|` (a NULL printed as
/// `(null)` by some C libraries, read as empty), then `+OK`. With no agents there is no header:
/// the reply is `+OK` alone. Columns are read by name, since versions differ (1.10 has 21:
/// `name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|…|last_status_change|…`).
public enum CallCenterAgentList {
    /// Why an agent list could not be read: the line (1 is the first of the reply) and the column
    /// concerned, when there is one.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The line of the reply, counting from 1; nil when the whole reply is at fault.
        public var line: Int?
        /// The column concerned, if any.
        public var column: String?
        /// What was wrong.
        public var reason: String

        /// An error about `line` and `column`.
        public init(line: Int? = nil, column: String? = nil, reason: String) {
            self.line = line
            self.column = column
            self.reason = reason
        }

        public var description: String {
            var place = ""
            if let line { place += " line \(line)" }
            if let column { place += " column \(column)" }
            return "callcenter_config agent list\(place.isEmpty ? "" : ",")\(place): \(reason)"
        }
    }

    /// One agent's line, by column name.
    public struct Row: Hashable, Sendable {
        /// `name`: the agent's name (`CC-Agent`, e.g. `1001@default`).
        public var name: String
        /// `status`: `Logged Out`, `Available`, `Available (On Demand)`, `On Break` (or anything
        /// else, kept as given); nil when empty.
        public var status: String?
        /// `state`: `Waiting`, `Receiving`, `In a queue call`, `Idle`, `Reserved` (or anything
        /// else, kept as given); nil when empty.
        public var state: String?
        /// `uuid`: the agent's channel while mod_callcenter has it on a call (empty otherwise),
        /// if the column is there.
        public var uuid: String?
        /// `last_status_change`: Unix seconds of the last status change; nil when absent or 0.
        public var lastStatusChange: Int?
        /// Every column of the line by header name, empty values included as "".
        public var fields: [String: String]
    }

    /// The agents of `text` by name, with `status`, `state` and `wrap_up_time` as given. When `timeOfEpoch` is
    /// given (Unix seconds → the driver's clock), an agent that is away (`On Break`, or
    /// `Available…` and `Idle`) gets `awaySince` from `last_status_change`: exact for a break,
    /// an earlier bound for Idle (mod_callcenter stamps status changes, not state changes); one
    /// `Waiting` with a `wrap_up_time` gets `wrapUpUntil` from `last_bridge_end` (the driver
    /// ends a wrap-up already over with `endWrapUp(at:)`).
    /// - Throws: `ParseError` as `rows(agentList:)`.
    public static func parse(agentList text: String, timeOfEpoch: ((Int) -> Seconds)? = nil)
        throws(ParseError) -> [String: CallCenterAgent]
    {
        var agents: [String: CallCenterAgent] = [:]
        for row in try rows(agentList: text) {
            var agent = CallCenterAgent(
                status: row.status, state: row.state,
                wrapUpTime: row.fields["wrap_up_time"].flatMap { Double($0) }.map { max(0, $0) } ?? 0)
            let away = row.status == "On Break" || (row.status?.hasPrefix("Available") == true && row.state == "Idle")
            if away, let timeOfEpoch, let epoch = row.lastStatusChange { agent.awaySince = timeOfEpoch(epoch) }
            // Waiting after a queue call that ended less than wrap_up_time ago: wrapping up.
            if agent.wrapUpTime > 0, row.status?.hasPrefix("Available") == true, row.state == "Waiting",
                let timeOfEpoch, let end = row.fields["last_bridge_end"].flatMap({ Int($0) }), end > 0
            {
                agent.wrapUpUntil = timeOfEpoch(end) + agent.wrapUpTime
            }
            agents[row.name] = agent
        }
        return agents
    }

    /// The agents' channels: channel uuid → agent name, for the agents whose `uuid` is set (on a
    /// mod_callcenter call). What `LiveChannelList.status(ofCall:roster:agentChannels:)` reads.
    public static func agentsByChannel(_ rows: [Row]) -> [String: String] {
        var channels: [String: String] = [:]
        for row in rows { if let uuid = row.uuid { channels[uuid] = row.name } }
        return channels
    }

    /// The lines of `text`, the api/response body of `callcenter_config agent list`, in order.
    /// - Throws: `ParseError` for an `-ERR`/`-USAGE` reply, a reply that does not end with
    ///   `+OK` (cut short), a header without `name`, `status` or `state`, a line whose number of
    ///   fields is not the header's, a line with an empty name, or a name seen twice.
    public static func rows(agentList text: String) throws(ParseError) -> [Row] {
        // "\r\n" is one Character in Swift: split on both spellings of a line end.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
        let numbered = lines.enumerated().map { (number: $0.offset + 1, text: $0.element) }
            .filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let first = numbered.first else { throw ParseError(reason: "the reply is empty") }
        if first.text.hasPrefix("-ERR") || first.text.hasPrefix("-USAGE") {
            throw ParseError(line: first.number, reason: "FreeSWITCH replied \(first.text.prefix(80))")
        }
        guard let last = numbered.last, last.text.trimmingCharacters(in: .whitespaces) == "+OK" else {
            throw ParseError(reason: "the reply does not end with +OK (cut short?)")
        }
        let body = numbered.dropLast()
        guard let header = body.first else { return [] }
        let columns = header.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        for required in ["name", "status", "state"] where !columns.contains(required) {
            throw ParseError(
                line: header.number, column: required, reason: "the header has no \(required) column")
        }
        var rows: [Row] = []
        var seen = Set<String>()
        for line in body.dropFirst() {
            let values = line.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard values.count == columns.count else {
                throw ParseError(
                    line: line.number,
                    reason: "\(values.count) fields where the header has \(columns.count) (\(line.text.prefix(80)))")
            }
            var fields: [String: String] = [:]
            for (column, value) in zip(columns, values) where fields[column] == nil {
                fields[column] = value == "(null)" ? "" : value
            }
            func value(_ column: String) -> String? {
                guard let v = fields[column], !v.isEmpty else { return nil }
                return v
            }
            guard let name = value("name") else {
                throw ParseError(line: line.number, column: "name", reason: "the agent has no name")
            }
            guard seen.insert(name).inserted else {
                throw ParseError(line: line.number, column: "name", reason: "\(name) appears twice")
            }
            let epoch = value("last_status_change").flatMap { Int($0) }
            rows.append(
                Row(
                    name: name, status: value("status"), state: value("state"), uuid: value("uuid"),
                    lastStatusChange: epoch == 0 ? nil : epoch, fields: fields))
        }
        return rows
    }
}
