import CallCenter
import Foundation
import Live

/// The live router's roster: every agent's mod_callcenter name and extension, team, backup,
/// whether it leads its team, and the business types it serves. Agent ids are the row order
/// (0, 1, 2, ...), the same indexes the customer table's `first_agent` names.
///
/// Its CSV form (`LiveRoster.parse(csv:)`), one agent a line after the header:
///
/// ```
/// name,exten,team,backup,leader,business_types
/// 1000,1000,sales,1001,yes,loans;cards
/// 1001,1001,sales,1000,no,loans
/// ```
///
/// `exten` defaults to the name, `backup` (another agent's name) and `business_types`
/// (separated by `;`, numbered in the order they first appear: key 1 of the callback menu is
/// the first) may be empty, `leader` is `yes`/`no` (or `true`/`false`, `1`/`0`). Fields hold no
/// commas or quotes.
public struct LiveRoster: Hashable, Sendable {
    /// One agent of the roster.
    public struct Agent: Hashable, Sendable {
        /// The mod_callcenter agent name.
        public var name: String
        /// The extension a transfer dials.
        public var exten: String
        /// The team's name.
        public var team: String
        /// The backup agent's name, if any.
        public var backup: String?
        /// Whether the agent leads its team.
        public var isLeader: Bool
        /// The business types served, by name.
        public var businessTypes: [String]

        /// An agent with these fields.
        public init(
            name: String, exten: String, team: String, backup: String? = nil, isLeader: Bool = false,
            businessTypes: [String] = []
        ) {
            self.name = name
            self.exten = exten
            self.team = team
            self.backup = backup
            self.isLeader = isLeader
            self.businessTypes = businessTypes
        }
    }

    /// The agents, in id order.
    public var agents: [Agent]

    /// A roster of `agents` (ids in order).
    /// - Throws: `LiveRunnerError` when a name is empty or given twice, or a backup is unknown.
    public init(agents: [Agent]) throws {
        var names = Set<String>()
        for agent in agents {
            guard !agent.name.isEmpty, !agent.exten.isEmpty, !agent.team.isEmpty else {
                throw LiveRunnerError("every roster agent needs a name, an extension and a team")
            }
            guard names.insert(agent.name).inserted else {
                throw LiveRunnerError("the roster names agent \(agent.name) twice")
            }
        }
        for agent in agents {
            if let backup = agent.backup, !names.contains(backup) {
                throw LiveRunnerError("roster agent \(agent.name) has backup \(backup), who is not on the roster")
            }
        }
        self.agents = agents
    }

    /// Reads the CSV form (see the type); `file` names it in messages.
    /// - Throws: `LiveRunnerError` naming the file and line of the first bad row.
    public static func parse(csv: String, file: String = "the roster") throws -> LiveRoster {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let header = lines.first else { throw LiveRunnerError("\(file) is empty: it needs a header line") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let nameColumn = columns.firstIndex(of: "name"), let teamColumn = columns.firstIndex(of: "team") else {
            throw LiveRunnerError("\(file): the header needs the columns name and team (and optionally exten, backup, leader, business_types)")
        }
        let extenColumn = columns.firstIndex(of: "exten")
        let backupColumn = columns.firstIndex(of: "backup")
        let leaderColumn = columns.firstIndex(of: "leader")
        let typesColumn = columns.firstIndex(of: "business_types")
        var agents: [Agent] = []
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func field(_ column: Int?) -> String? {
                guard let column, column < fields.count, !fields[column].isEmpty else { return nil }
                return fields[column]
            }
            guard let name = field(nameColumn), let team = field(teamColumn) else {
                throw LiveRunnerError("\(file) line \(offset + 1): name and team are required")
            }
            let leader: Bool
            switch field(leaderColumn)?.lowercased() {
            case nil, "no", "false", "0": leader = false
            case "yes", "true", "1": leader = true
            case let other?: throw LiveRunnerError("\(file) line \(offset + 1): leader must be yes or no, not \(other)")
            }
            let types = (field(typesColumn) ?? "").split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            agents.append(
                Agent(
                    name: name, exten: field(extenColumn) ?? name, team: team, backup: field(backupColumn),
                    isLeader: leader, businessTypes: types))
        }
        do {
            return try LiveRoster(agents: agents)
        } catch let error as LiveRunnerError {
            throw LiveRunnerError("\(file): \(error.description)")
        }
    }

    /// The agents as the live bridges know them (ids in row order).
    public var liveAgents: [LiveConfiguration.Agent] {
        agents.enumerated().map { LiveConfiguration.Agent(id: AgentID($0.offset), name: $0.element.name, exten: $0.element.exten) }
    }

    /// The business types, in the order they first appear.
    public var businessTypeNames: [String] {
        var seen: [String] = []
        for agent in agents { for type in agent.businessTypes where !seen.contains(type) { seen.append(type) } }
        return seen
    }

    /// A directory with the roster's agents, teams and business types, and no customer.
    public func directory() -> Directory {
        var directory = Directory()
        let types = businessTypeNames
        directory.businessTypes = types.enumerated().map { BusinessType(id: BusinessTypeID(Int32($0.offset)), name: $0.element) }
        var teams: [String: Int] = [:]
        for agent in agents where teams[agent.team] == nil { teams[agent.team] = teams.count }
        var ids: [String: AgentID] = [:]
        for (index, agent) in agents.enumerated() { ids[agent.name] = AgentID(index) }
        for (index, agent) in agents.enumerated() {
            directory.addAgent(
                AgentProfile(
                    id: AgentID(index), team: TeamID(Int32(teams[agent.team] ?? 0)), backup: agent.backup.flatMap { ids[$0] },
                    isLeader: agent.isLeader,
                    businessTypes: Set(agent.businessTypes.compactMap { t in types.firstIndex(of: t).map { BusinessTypeID(Int32($0)) } })))
        }
        return directory
    }
}
