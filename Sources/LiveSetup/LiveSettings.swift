import Foundation
import Scenarios
import Yams

// MARK: - The live configuration file
//
// `simcc live --config live.yaml` reads every setting the flags have from one YAML mapping; a
// flag given on the command line overrides the file, the file overrides the defaults. Relative
// paths in the file are relative to the file's folder. A key left empty (`variant:`) counts as
// not given. Secrets never go in the file: `password:`, `token:` and the like are refused; the
// file names the files holding them (or the environment variables are used, as with flags).
//
//     event_socket:                  # FreeSWITCH's event socket
//       host: 127.0.0.1              # --esl-host
//       port: 8021                   # --esl-port, 1...65535
//       password_file: esl-password  # --esl-password-file (else $SIMCC_ESL_PASSWORD)
//     http:                          # the control interface (the dialer's and the router's)
//       enabled: true                # --http / --no-http
//       host: 127.0.0.1              # --http-host
//       port: 8089                   # --http-port, 0...65535 (0: any free port)
//       token_file: http-token       # --http-token-file (else $SIMCC_HTTP_TOKEN)
//     agents_start_as: idle          # --agents-start-as: callcenter (default), idle, paused or logged-out
//     dialer:                        # runs when batch and policy are given
//       db: simcc.sqlite             # --db
//       batch: b1                    # --batch
//       policy: campaign.yaml        # --policy
//       variant: progressive         # --variant
//       gateway: carrier             # --gateway
//       dial_string: sofia/gateway/{gateway}/{number}   # --dial-string
//       caller_id_number: "0215550100"                  # --caller-id-number
//       originate_timeout: 30        # --originate-timeout, whole seconds
//       answered_destination: "&park()"                 # --answered-destination
//       max_hold_message: ivr/all_agents_busy.wav        # --max-hold-message (with &park())
//       day_start: "08:00"           # --day-start HH:MM, local time today: the study's time 0
//                                    #   (dial_from, dial_until count from it); default: the start
//       agents:                      # --agent (repeat); {name, exten} or "NAME[:EXTEN]"
//         - {name: "1000", exten: "1000"}
//     router:                        # runs when db and roster are given
//       db: routing.sqlite           # --inbound-db
//       roster: roster.csv           # --roster
//       transfer_context: default    # --transfer-context
//       policy: study.yaml           # --router-policy
//       variant: cascade             # --router-variant
//       seed: 1                      # --router-seed
//
// Mistakes are reported as `ScenarioError`s, like scenario files: `FILE:LINE:COLUMN: FIELD:
// MESSAGE`. See `scenarios/live/live.example.yaml`.

/// One setting of `simcc live`: its value, and where it came from, so that a message about it
/// names the flag or the file, line and field that set it.
public struct LiveSetting<Value> {
    /// Where a value came from.
    public enum Origin {
        /// Nobody set it.
        case byDefault
        /// Its flag on the command line.
        case flag
        /// The configuration file, at this line and column (from 1).
        case file(String, line: Int, column: Int)
    }

    public var value: Value
    /// The command-line flag that sets it (`--esl-port`).
    public let flag: String
    /// Its dotted path in the configuration file (`event_socket.port`).
    public let key: String
    public var origin: Origin = .byDefault

    /// A setting holding its default `value`.
    public init(_ value: Value, flag: String, key: String) {
        self.value = value
        self.flag = flag
        self.key = key
    }

    /// Sets the value from the command line when `value` is given.
    public mutating func override(_ value: Value?) {
        guard let value else { return }
        self.value = value
        origin = .flag
    }

    /// An error about this setting, named as it was set: `FILE:LINE:COLUMN: KEY: message` for
    /// the file, `--flag: message` otherwise.
    public func problem(_ message: String) -> LiveSetupError {
        switch origin {
        case .file(let file, let line, let column):
            return LiveSetupError(ScenarioError(file: file, line: line, column: column, field: key, message: message).description)
        case .flag, .byDefault:
            return LiveSetupError("\(flag): \(message)")
        }
    }

    /// Where the value came from, for the effective configuration: `default`, `--flag` or `FILE:LINE`.
    public var source: String {
        switch origin {
        case .byDefault: return "default"
        case .flag: return flag
        case .file(let file, let line, _): return "\(file):\(line)"
        }
    }
}

/// An agent for the dialer: the mod_callcenter name and the extension CHANNEL_BRIDGE shows.
public struct LiveAgentEntry: Equatable {
    public var name: String
    public var exten: String

    /// `NAME` or `NAME:EXTEN` (the extension defaults to the name), or nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts.first ?? ""
        let exten = parts.count > 1 ? parts[1] : name
        guard !name.isEmpty, !exten.isEmpty else { return nil }
        self.init(name: name, exten: exten)
    }

    public init(name: String, exten: String) {
        self.name = name
        self.exten = exten
    }
}

/// Every setting of `simcc live`, merged from the defaults, the configuration file and the flags.
public struct LiveSettings {
    /// The defaults.
    public init() {}

    public var eslHost = LiveSetting("127.0.0.1", flag: "--esl-host", key: "event_socket.host")
    public var eslPort = LiveSetting(8021, flag: "--esl-port", key: "event_socket.port")
    public var eslReconnectMax = LiveSetting(30, flag: "--esl-reconnect-max", key: "event_socket.reconnect_max")
    public var watchdog = LiveSetting(600, flag: "--watchdog", key: "event_socket.watchdog")
    public var eslPasswordFile = LiveSetting(String?.none, flag: "--esl-password-file", key: "event_socket.password_file")
    public var http = LiveSetting(true, flag: "--no-http", key: "http.enabled")
    public var httpHost = LiveSetting("127.0.0.1", flag: "--http-host", key: "http.host")
    public var httpPort = LiveSetting(8089, flag: "--http-port", key: "http.port")
    public var httpTokenFile = LiveSetting(String?.none, flag: "--http-token-file", key: "http.token_file")
    public var agentsStartAs = LiveSetting("callcenter", flag: "--agents-start-as", key: "agents_start_as")
    public var db = LiveSetting("simcc.sqlite", flag: "--db", key: "dialer.db")
    public var batch = LiveSetting(String?.none, flag: "--batch", key: "dialer.batch")
    public var policy = LiveSetting(String?.none, flag: "--policy", key: "dialer.policy")
    public var variant = LiveSetting(String?.none, flag: "--variant", key: "dialer.variant")
    public var gateway = LiveSetting("carrier", flag: "--gateway", key: "dialer.gateway")
    public var dialString = LiveSetting("sofia/gateway/{gateway}/{number}", flag: "--dial-string", key: "dialer.dial_string")
    public var callerIdNumber = LiveSetting(String?.none, flag: "--caller-id-number", key: "dialer.caller_id_number")
    public var originateTimeout = LiveSetting(30, flag: "--originate-timeout", key: "dialer.originate_timeout")
    public var wrapUp = LiveSetting(0, flag: "--wrap-up", key: "dialer.wrap_up")
    public var cdrDir = LiveSetting(String?.none, flag: "--cdr-dir", key: "dialer.cdr_dir")
    public var cdrWait = LiveSetting(60, flag: "--cdr-wait", key: "dialer.cdr_wait")
    public var answeredDestination = LiveSetting("&park()", flag: "--answered-destination", key: "dialer.answered_destination")
    public var maxHoldMessage = LiveSetting(String?.none, flag: "--max-hold-message", key: "dialer.max_hold_message")
    public var dayStart = LiveSetting(String?.none, flag: "--day-start", key: "dialer.day_start")
    public var agents = LiveSetting([LiveAgentEntry](), flag: "--agent", key: "dialer.agents")
    public var inboundDb = LiveSetting(String?.none, flag: "--inbound-db", key: "router.db")
    public var roster = LiveSetting(String?.none, flag: "--roster", key: "router.roster")
    public var transferContext = LiveSetting("default", flag: "--transfer-context", key: "router.transfer_context")
    public var routerSeed = LiveSetting(UInt64(1), flag: "--router-seed", key: "router.seed")
    public var routerPolicy = LiveSetting(String?.none, flag: "--router-policy", key: "router.policy")
    public var routerVariant = LiveSetting(String?.none, flag: "--router-variant", key: "router.variant")
    public var reminderChatFrom = LiveSetting(String?.none, flag: "--reminder-chat-from", key: "router.reminder_chat_from")
    public var reminderChatDomain = LiveSetting(String?.none, flag: "--reminder-chat-domain", key: "router.reminder_chat_domain")
    public var agentsDialCallbacks = LiveSetting(false, flag: "--agents-dial-callbacks", key: "router.agents_dial_callbacks")

    /// The configuration file the settings were read from, if any (as named on the command line).
    public var file: String?

    /// `--flag` alone, or `--flag (key)` when a configuration file is in use.
    public func name<Value>(_ setting: LiveSetting<Value>) -> String {
        file == nil ? setting.flag : "\(setting.flag) (\(setting.key))"
    }

    /// The checks of the merged settings that need no file but the configuration file itself:
    /// which of the dialer and the router run, the agents, the ports.
    /// - Returns: the first problem, as a sentence, or nil.
    public func problem() -> String? {
        if (batch.value == nil) != (policy.value == nil) {
            return "the dialer needs both \(name(batch)) and \(name(policy))"
        }
        if (inboundDb.value == nil) != (roster.value == nil) {
            return "the inbound router needs both \(name(inboundDb)) and \(name(roster))"
        }
        if batch.value == nil && inboundDb.value == nil {
            return file == nil
                ? "give a task to dial (--batch ID --policy FILE), an inbound router (--inbound-db FILE --roster FILE), or both"
                : "give a task to dial (dialer.batch and dialer.policy), an inbound router (router.db and router.roster), or both"
        }
        if batch.value != nil && agents.value.isEmpty && roster.value == nil {
            return file == nil
                ? "give the agent roster: --agent NAME[:EXTEN], once per agent (or --roster FILE)"
                : "give the agent roster: dialer.agents or --agent NAME[:EXTEN] (or router.roster)"
        }
        if roster.value != nil && !agents.value.isEmpty {
            return "give the agents either with \(name(agents)) or with \(name(roster)), not both"
        }
        if !LiveConfigReader.startStates.contains(agentsStartAs.value) {
            return "\(name(agentsStartAs)) must be callcenter, idle, paused or logged-out, not \(agentsStartAs.value)"
        }
        if let text = dayStart.value, LiveDayStart.minutes(text) == nil {
            return "\(name(dayStart)) must be a time of day HH:MM (00:00 to 23:59), not '\(text.prefix(40))'"
        }
        if !(1...65535).contains(eslPort.value) { return "\(name(eslPort)) must be between 1 and 65535" }
        if !(1...3600).contains(eslReconnectMax.value) {
            return "\(name(eslReconnectMax)) must be between 1 and 3600 seconds"
        }
        if !(30...86400).contains(watchdog.value) { return "\(name(watchdog)) must be between 30 and 86400 seconds" }
        if !(0...65535).contains(httpPort.value) { return "\(name(httpPort)) must be between 0 and 65535" }
        if !(0...3600).contains(wrapUp.value) { return "\(name(wrapUp)) must be between 0 and 3600 seconds" }
        if !(0...3600).contains(cdrWait.value) { return "\(name(cdrWait)) must be between 0 and 3600 seconds" }
        return nil
    }
}

// MARK: - Reading the file

/// Reads a live configuration file into `LiveSettings`, failing at the first mistake with its
/// file, line, column and field.
public struct LiveConfigReader {
    /// The file, as named on the command line.
    public let file: String
    /// The folder relative paths in the file are taken from.
    public let folder: String

    public static let topFields = ["event_socket", "http", "agents_start_as", "dialer", "router"]
    public static let eventSocketFields = ["host", "port", "password_file", "reconnect_max", "watchdog"]
    public static let httpFields = ["enabled", "host", "port", "token_file"]
    public static let dialerFields = [
        "db", "batch", "policy", "variant", "gateway", "dial_string", "caller_id_number", "originate_timeout",
        "answered_destination", "max_hold_message", "day_start", "agents", "wrap_up", "cdr_dir", "cdr_wait",
    ]
    public static let agentFields = ["name", "exten"]
    public static let routerFields = [
        "db", "roster", "transfer_context", "seed", "policy", "variant", "reminder_chat_from", "reminder_chat_domain",
        "agents_dial_callbacks",
    ]
    public static let startStates = ["callcenter", "idle", "paused", "logged-out"]

    /// A reader of `file`.
    public init(file: String) {
        self.file = file
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        folder = directory
    }

    /// Reads the file at `path` into `settings`.
    public static func load(_ path: String, into settings: inout LiveSettings) throws(ScenarioError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let why =
                !exists
                ? "no such file; expected the path of a live configuration YAML file"
                : isDirectory.boolValue
                    ? "this is a folder; expected the path of a live configuration YAML file"
                    : "cannot read the file as UTF-8 text"
            throw ScenarioError(file: path, line: 0, column: 0, field: "", message: why)
        }
        try LiveConfigReader(file: path).read(text, into: &settings)
    }

    /// Reads the YAML `yaml` into `settings`.
    public func read(_ yaml: String, into settings: inout LiveSettings) throws(ScenarioError) {
        settings.file = file
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let yamlError as YamlError {
            throw translate(yamlError)
        } catch {
            throw ScenarioError(file: file, line: 0, column: 0, field: "", message: "cannot read the YAML (\(error))")
        }
        guard let root, root.null == nil else { return }
        let top = try fields(of: root, "", known: Self.topFields)
        if let node = top["event_socket"] {
            let f = try fields(of: node, "event_socket", known: Self.eventSocketFields)
            try set(&settings.eslHost, f, "host", text)
            try set(&settings.eslPort, f, "port") { n, k throws(ScenarioError) in try integer(n, k, in: 1...65535) }
            try set(&settings.eslReconnectMax, f, "reconnect_max") { n, k throws(ScenarioError) in
                try integer(n, k, in: 1...3600)
            }
            try set(&settings.eslPasswordFile, f, "password_file") { n, k throws(ScenarioError) in try path(n, k) }
            try set(&settings.watchdog, f, "watchdog") { n, k throws(ScenarioError) in try integer(n, k, in: 30...86400) }
        }
        if let node = top["http"] {
            let f = try fields(of: node, "http", known: Self.httpFields)
            try set(&settings.http, f, "enabled", bool)
            try set(&settings.httpHost, f, "host", text)
            try set(&settings.httpPort, f, "port") { n, k throws(ScenarioError) in try integer(n, k, in: 0...65535) }
            try set(&settings.httpTokenFile, f, "token_file") { n, k throws(ScenarioError) in try path(n, k) }
        }
        try set(&settings.agentsStartAs, top, "agents_start_as") { n, k throws(ScenarioError) in
            let state = try text(n, k)
            guard Self.startStates.contains(state) else {
                throw error(n, k, "expected callcenter, idle, paused or logged-out, got '\(state)'")
            }
            return state
        }
        if let node = top["dialer"] {
            let f = try fields(of: node, "dialer", known: Self.dialerFields)
            try set(&settings.db, f, "db", path)
            try set(&settings.batch, f, "batch") { n, k throws(ScenarioError) in try text(n, k) }
            try set(&settings.policy, f, "policy") { n, k throws(ScenarioError) in try path(n, k) }
            try set(&settings.variant, f, "variant") { n, k throws(ScenarioError) in try text(n, k) }
            try set(&settings.gateway, f, "gateway", text)
            try set(&settings.dialString, f, "dial_string", text)
            try set(&settings.callerIdNumber, f, "caller_id_number") { n, k throws(ScenarioError) in try text(n, k) }
            try set(&settings.originateTimeout, f, "originate_timeout") { n, k throws(ScenarioError) in
                let value = try scalar(n, k, "a whole number of seconds")
                guard let seconds = Int(value), seconds > 0 else {
                    throw error(n, k, "expected a whole number of seconds (at least 1), got '\(value)'")
                }
                return seconds
            }
            try set(&settings.cdrDir, f, "cdr_dir") { n, k throws(ScenarioError) in try path(n, k) }
            try set(&settings.cdrWait, f, "cdr_wait") { n, k throws(ScenarioError) in
                let value = try scalar(n, k, "a whole number of seconds")
                guard let seconds = Int(value), (0...3600).contains(seconds) else {
                    throw error(n, k, "expected a whole number of seconds from 0 to 3600, got '\(value)'")
                }
                return seconds
            }
            try set(&settings.wrapUp, f, "wrap_up") { n, k throws(ScenarioError) in
                let value = try scalar(n, k, "a whole number of seconds")
                guard let seconds = Int(value), (0...3600).contains(seconds) else {
                    throw error(n, k, "expected a whole number of seconds from 0 to 3600, got '\(value)'")
                }
                return seconds
            }
            try set(&settings.answeredDestination, f, "answered_destination", text)
            try set(&settings.maxHoldMessage, f, "max_hold_message") { n, k throws(ScenarioError) in try text(n, k) }
            try set(&settings.dayStart, f, "day_start") { n, k throws(ScenarioError) in
                let value = try text(n, k)
                guard LiveDayStart.minutes(value) != nil else {
                    throw error(n, k, "expected a time of day HH:MM (00:00 to 23:59), got '\(value.prefix(40))'")
                }
                return value
            }
            try set(&settings.agents, f, "agents", agents)
        }
        if let node = top["router"] {
            let f = try fields(of: node, "router", known: Self.routerFields)
            try set(&settings.inboundDb, f, "db") { n, k throws(ScenarioError) in try path(n, k) }
            try set(&settings.roster, f, "roster") { n, k throws(ScenarioError) in try path(n, k) }
            try set(&settings.transferContext, f, "transfer_context", text)
            try set(&settings.routerPolicy, f, "policy") { n, k throws(ScenarioError) in try path(n, k) }
            try set(&settings.routerVariant, f, "variant", text)
            try set(&settings.reminderChatFrom, f, "reminder_chat_from") { n, k throws(ScenarioError) in try text(n, k) }
            try set(&settings.reminderChatDomain, f, "reminder_chat_domain") { n, k throws(ScenarioError) in try text(n, k) }
            try set(&settings.agentsDialCallbacks, f, "agents_dial_callbacks", bool)
            try set(&settings.routerSeed, f, "seed") { n, k throws(ScenarioError) in
                let value = try scalar(n, k, "a whole number from 0 to \(UInt64.max)")
                guard let seed = UInt64(value) else {
                    throw error(n, k, "expected a whole number from 0 to \(UInt64.max), got '\(value)'")
                }
                return seed
            }
        }
    }

    // MARK: Mappings

    /// The entries of a mapping (keys with an empty value left out), checked against `known`.
    public struct Fields {
        /// The mapping's dotted path; "" for the document.
        public let path: String
        public var entries: [String: (key: Node, value: Node)] = [:]

        /// The dotted path of `key` in this mapping.
        public func path(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

        /// The value of `key`, or nil when absent or empty.
        subscript(_ key: String) -> Node? { entries[key]?.value }
    }

    public func fields(of node: Node, _ path: String, known: [String]) throws(ScenarioError) -> Fields {
        guard case .mapping(let mapping) = node else {
            throw error(node, path, "expected a mapping with fields such as \(known.joined(separator: ", ")), got \(Self.kind(node))")
        }
        var result = Fields(path: path)
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw error(key, path, "expected a field name, got \(Self.kind(key))")
            }
            let name = scalar.string
            if !known.contains(name), let secret = Self.secretAdvice(name, in: path) {
                throw error(key, result.path(name), secret)
            }
            guard known.contains(name) else {
                throw error(key, result.path(name), "unknown field '\(name)'; known fields: \(known.joined(separator: ", "))")
            }
            if value.null == nil { result.entries[name] = (key, value) }
        }
        return result
    }

    /// What to say about a key that looks like a secret (`password`, `token`, `secret`), or nil.
    public static func secretAdvice(_ name: String, in path: String) -> String? {
        let lower = name.lowercased()
        let isToken = lower.contains("token") || path == "http"
        guard lower.contains("password") || lower.contains("token") || lower.contains("secret") || lower == "pass"
        else { return nil }
        return isToken
            ? "secrets never go in the configuration file: put the HTTP token in a file only simcc can read and name it with http.token_file (or set SIMCC_HTTP_TOKEN)"
            : "secrets never go in the configuration file: put the ESL password in a file only simcc can read and name it with event_socket.password_file (or set SIMCC_ESL_PASSWORD)"
    }

    /// Sets `setting` from `key` of `fields` when given, read by `read`, and records the place.
    public func set<Value>(
        _ setting: inout LiveSetting<Value>, _ fields: Fields, _ key: String,
        _ read: (Node, String) throws(ScenarioError) -> Value
    ) throws(ScenarioError) {
        guard let entry = fields.entries[key] else { return }
        setting.value = try read(entry.value, fields.path(key))
        let mark = entry.key.mark
        setting.origin = .file(file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    // MARK: Values

    public func error(_ node: Node, _ field: String, _ message: String) -> ScenarioError {
        ScenarioError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, field: field, message: message)
    }

    /// The text of a scalar, or an error saying `expected`.
    public func scalar(_ node: Node, _ field: String, _ expected: String) throws(ScenarioError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(node, field, "expected \(expected), got \(Self.kind(node))")
        }
        return scalar.string
    }

    /// Non-empty text.
    public func text(_ node: Node, _ field: String) throws(ScenarioError) -> String {
        let value = try scalar(node, field, "text")
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error(node, field, "expected text, got an empty string")
        }
        return value
    }

    /// A path, relative ones taken from the file's folder.
    public func path(_ node: Node, _ field: String) throws(ScenarioError) -> String {
        let value = try scalar(node, field, "a file path")
        guard !value.isEmpty else { throw error(node, field, "expected a file path, got an empty string") }
        if value.hasPrefix("/") { return value }
        return URL(fileURLWithPath: folder).appendingPathComponent(value).standardized.path
    }

    public func integer(_ node: Node, _ field: String, in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        let value = try scalar(node, field, expected)
        guard let number = Int(value), range.contains(number) else {
            throw error(node, field, "expected \(expected), got '\(value)'")
        }
        return number
    }

    public func bool(_ node: Node, _ field: String) throws(ScenarioError) -> Bool {
        let value = try scalar(node, field, "true or false")
        switch value.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw error(node, field, "expected true or false, got '\(value)'")
        }
    }

    /// The dialer's agents: a list of `{name, exten}` or `NAME[:EXTEN]`.
    public func agents(_ node: Node, _ field: String) throws(ScenarioError) -> [LiveAgentEntry] {
        guard case .sequence(let items) = node else {
            throw error(node, field, "expected a list of agents ({name: NAME, exten: EXTEN} or NAME[:EXTEN]), got \(Self.kind(node))")
        }
        var result: [LiveAgentEntry] = []
        var names: Set<String> = []
        for (i, item) in items.enumerated() {
            let itemField = "\(field)[\(i)]"
            let agent: LiveAgentEntry
            if case .mapping = item {
                let f = try fields(of: item, itemField, known: Self.agentFields)
                guard let nameNode = f["name"] else {
                    throw error(item, f.path("name"), "missing required field 'name': the mod_callcenter agent")
                }
                let name = try text(nameNode, f.path("name"))
                let exten = try f["exten"].map { n throws(ScenarioError) in try text(n, f.path("exten")) } ?? name
                agent = LiveAgentEntry(name: name, exten: exten)
            } else {
                let value = try scalar(item, itemField, "an agent: {name: NAME, exten: EXTEN} or NAME[:EXTEN]")
                guard let parsed = LiveAgentEntry(value) else {
                    throw error(item, itemField, "expected NAME or NAME:EXTEN, got '\(value)'")
                }
                agent = parsed
            }
            guard names.insert(agent.name).inserted else {
                throw error(item, itemField, "the agent \(agent.name) is given twice")
            }
            result.append(agent)
        }
        return result
    }

    /// What a node is, for "got ..." in messages.
    public static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return node.null != nil ? "nothing" : "'\(scalar.string)'"
        }
    }

    /// A Yams error as a `ScenarioError` at the place it names.
    public func translate(_ yamlError: YamlError) -> ScenarioError {
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ScenarioError(file: file, line: mark.line, column: mark.column, field: "", message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            return ScenarioError(
                file: file, line: context.mark.line, column: context.mark.column, field: key,
                message: "duplicate field '\(key)'; it is given more than once in the same mapping, give each field once")
        default:
            return ScenarioError(file: file, line: 0, column: 0, field: "", message: "cannot read the YAML (\(yamlError))")
        }
    }
}

// MARK: - The day's start

/// `--day-start HH:MM`: the local time of day the campaign file's time 0 stands for.
public enum LiveDayStart {
    /// Minutes after midnight of `text` (`HH:MM`, 00:00 to 23:59), or nil.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

    /// Today at `minutes` after local midnight, as seconds since 1970 (the live clock's time).
    public static func today(at minutes: Int, now: Date = Date(), calendar: Calendar = .current) -> Double {
        calendar.startOfDay(for: now).timeIntervalSince1970 + Double(minutes) * 60
    }
}
