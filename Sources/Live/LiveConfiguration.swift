import CallCenter

// MARK: - How the live side maps the world

/// How the live softswitch maps the policies' world onto one FreeSWITCH: the outbound gateway,
/// the originate variables, where answered calls go, the agents roster, the IVR's sound files and
/// the answering-machine verdict. A value checked once (`validate()`), before any command is built.
///
/// Every value that goes into an ESL command is checked for line breaks (they would end the
/// command and smuggle in another: docs/esl-mapping.md, "Commands") and, where FreeSWITCH
/// splits on them, for spaces, commas and braces.
public struct LiveConfiguration: Hashable, Sendable {
    /// Where an answered outbound call goes: the `<exten>|&<app>(<args>)` argument of
    /// `originate` (docs/esl-mapping.md, "Call-control commands").
    public enum Destination: Hashable, Sendable {
        /// `&<application>(<argument>)`, e.g. `&park()` (the call waits parked for the dialer's
        /// `CenterPolicy` to place it) or `&callcenter(sales@default)` (mod_callcenter offers it
        /// to its agents).
        case application(String, argument: String)
        /// `<extension> <dialplan> <context>`, e.g. `9000 XML default`: the dialplan takes it.
        case dialplan(extension: String, dialplan: String, context: String)

        /// `&park()`: the call waits, parked, until the `CenterPolicy` connects it to an
        /// agent (`uuid_transfer`) or lets it go at `max_hold`.
        public static let park = Destination.application("park", argument: "")

        /// Whether simcc places the answered customers itself: they wait parked (`&park()`) for the
        /// policy to connect them to an agent or hang up at `max_hold`. Any other destination
        /// (mod_callcenter, a dialplan extension) places them in FreeSWITCH.
        public var isPark: Bool {
            if case .application("park", _) = self { return true }
            return false
        }

        /// The originate argument(s) as written after the dial string.
        public var rendered: String {
            switch self {
            case .application(let name, let argument): return "&\(name)(\(argument))"
            case .dialplan(let exten, let dialplan, let context): return "\(exten) \(dialplan) \(context)"
            }
        }
    }

    /// Where step 06's reminders go besides the store: a SIP MESSAGE to the agent's phone through
    /// FreeSWITCH's `chat` API (`chat sip|<from>|<exten>@<domain>|<text>`).
    public struct ReminderChat: Hashable, Sendable {
        /// The sender, e.g. `simcc@pbx.example.com`.
        public var from: String
        /// The agents' SIP domain: the message goes to `<exten>@<domain>`.
        public var domain: String
        /// Messages from `from` to the agents of `domain`.
        public init(from: String, domain: String) {
            self.from = from
            self.domain = domain
        }
    }

    /// One agent of the roster: the policy's dense `AgentID` and its names in FreeSWITCH.
    public struct Agent: Hashable, Sendable {
        /// The policies' id.
        public var id: AgentID
        /// The mod_callcenter agent name (`CC-Agent`, e.g. `1001@default`).
        public var name: String
        /// The dialplan extension that reaches the agent (`uuid_transfer <uuid> <exten>`), e.g.
        /// `1001`; also how a bridged leg is recognised as the agent's.
        public var exten: String
        /// An agent with these names.
        public init(id: AgentID, name: String, exten: String) {
            self.id = id
            self.name = name
            self.exten = exten
        }
    }

    /// A channel variable set on every originated call, `name=value` inside `{…}`.
    public struct Variable: Hashable, Sendable {
        /// The variable's name.
        public var name: String
        /// Its value (no spaces, commas or braces: FreeSWITCH splits on them).
        public var value: String
        /// A variable.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The sound files the IVR plays for each `IVRPrompt` (paths or `say:`/`tone_stream://` URLs).
    public struct Sounds: Hashable, Sendable {
        /// Step 02: "please key your ID-card number", by attempt (the last one repeats).
        public var idNumber: [String]
        /// Step 03: the callback announcement and business-type menu.
        public var callbackMenu: String
        /// Step 03 without the menu: the announcement alone.
        public var callbackAnnouncement: String
        /// Played by `play_and_get_digits` when the keys do not match (`invalid_file`).
        public var invalid: String

        /// Sound files for the prompts.
        public init(idNumber: [String], callbackMenu: String, callbackAnnouncement: String, invalid: String) {
            self.idNumber = idNumber
            self.callbackMenu = callbackMenu
            self.callbackAnnouncement = callbackAnnouncement
            self.invalid = invalid
        }

        /// The file for `prompt`.
        public func file(for prompt: IVRPrompt) -> String {
            switch prompt {
            case .idNumber(let attempt):
                guard let last = idNumber.last else { return callbackAnnouncement }
                let index = max(0, attempt - 1)
                return index < idNumber.count ? idNumber[index] : last
            case .callbackMenu: return callbackMenu
            case .callbackAnnouncement: return callbackAnnouncement
            }
        }
    }

    /// Where an answering machine's verdict is read: a channel variable set by an AMD
    /// application (mod_amd's `amd_result`, or a carrier header copied into a variable).
    public struct MachineDetection: Hashable, Sendable {
        /// The variable's name, read as `variable_<name>` on any event of the leg.
        public var variable: String
        /// Values meaning a machine (compared case-insensitively); anything else is a live person.
        public var machineValues: Set<String>
        /// A verdict read from `variable` with these machine values.
        public init(variable: String = "amd_result", machineValues: Set<String> = ["MACHINE"]) {
            self.variable = variable
            self.machineValues = machineValues
        }
    }

    // MARK: Outbound

    /// The dial string, `{number}` and `{gateway}` replaced: `sofia/gateway/{gateway}/{number}`.
    public var dialStringTemplate: String = "sofia/gateway/{gateway}/{number}"
    /// The SIP gateway's name in the template.
    public var gateway: String = "carrier"
    /// `originate_timeout`: seconds the call may ring.
    public var originateTimeout: Int = 30
    /// `ignore_early_media=true`: report ANSWER only on a real answer, not on 183 early media.
    public var ignoreEarlyMedia: Bool = true
    /// `origination_caller_id_number`, if set.
    public var callerIDNumber: String?
    /// `origination_caller_id_name`, if set (no spaces: write `Acme_Bank`).
    public var callerIDName: String?
    /// More variables for every originate (after simcc's own).
    public var variables: [Variable] = []
    /// Where an answered outbound call goes.
    public var answeredCallDestination: Destination = .park
    /// The answering-machine verdict, or nil when every answer counts as a live person.
    public var machineDetection: MachineDetection?
    /// What an answered customer held `max_hold` without an agent hears before the hang-up (a
    /// sound file or `say:`/`tone_stream://` URL), when simcc places the answered customers
    /// (`&park()`); nil: the hang-up alone.
    public var maxHoldMessage: String?

    // MARK: Agents

    /// The agents: `AgentID` ↔ mod_callcenter name ↔ dialplan extension.
    public var agents: [Agent] = []

    // MARK: Inbound

    /// Dialplan and context of `uuid_transfer` to an agent's extension.
    public var transferDialplan: String = "XML"
    /// Context of `uuid_transfer` to an agent's extension.
    public var transferContext: String = "default"
    /// The IVR's sound files.
    public var sounds = Sounds(
        idNumber: ["ivr/ivr-please_enter_id.wav"], callbackMenu: "ivr/ivr-callback_menu.wav",
        callbackAnnouncement: "ivr/ivr-callback.wav", invalid: "ivr/ivr-that_was_an_invalid_entry.wav")
    /// The channel variable `play_and_get_digits` stores the keys in (read back as
    /// `variable_<name>` of CHANNEL_EXECUTE_COMPLETE).
    public var digitsVariable: String = "simcc_digits"
    /// Keys that end the entry early (`#`), or `none`.
    public var terminators: String = "#"
    /// The regular expression the keys must match (`play_and_get_digits`' `regexp`).
    public var digitsPattern: String = "[0-9*]+"
    /// Seconds `play_and_get_digits` waits between two keys (`digit_timeout`).
    public var interDigitTimeout: Seconds = 5
    /// Inbound legs parked with one of these destination numbers are routed; empty: all of them.
    public var serviceNumbers: Set<String> = []
    /// The first `CallID` given to inbound callers (FreeSWITCH names their channels, so the
    /// router bridge numbers them); far above the dialer's ids, so both can share a runner.
    public var firstInboundCall: UInt64 = 1 << 48
    /// When a caller connected to an agent hangs up, report the agent available again at once
    /// (`InboundEvent.agentAvailable`): agents reached by `uuid_transfer` are not mod_callcenter
    /// queue calls, so no agent-state-change would tell.
    public var agentAvailableOnHangup: Bool = true
    /// Step 06's reminders as a SIP MESSAGE to the agent's phone (`chat`); nil: the store only.
    public var reminderChat: ReminderChat?

    /// The default configuration (gateway `carrier`, `&park()`, no agents).
    public init() {}

    // MARK: Look-ups

    /// The roster entry of `agent`, if any. - Complexity: O(agents).
    public func agent(_ agent: AgentID) -> Agent? { agents.first { $0.id == agent } }

    /// The dial string for `number`.
    public func dialString(for number: String) -> String {
        dialStringTemplate.replacing("{gateway}", with: gateway).replacing("{number}", with: number)
    }

    // MARK: Validation

    /// Throws the first value that cannot go into an ESL command, naming the field.
    public func validate() throws(LiveConfigurationError) {
        guard dialStringTemplate.contains("{number}") else {
            throw LiveConfigurationError(field: "dial_string_template", problem: "has no {number} placeholder")
        }
        try token(gateway, "gateway")
        // The placeholders are the only braces allowed; what is left must be one token.
        try token(dialString(for: "0"), "dial_string_template")
        guard originateTimeout > 0 else {
            throw LiveConfigurationError(field: "originate_timeout", problem: "must be a positive number of seconds")
        }
        if let callerIDNumber { try token(callerIDNumber, "caller_id_number") }
        if let callerIDName { try token(callerIDName, "caller_id_name") }
        for variable in variables {
            try token(variable.name, "variables.name", extra: "=")
            try token(variable.value, "variables.\(variable.name)")
        }
        switch answeredCallDestination {
        case .application(let name, let argument):
            try token(name, "answered_call_destination", extra: "()&")
            try token(argument, "answered_call_destination argument", allowEmpty: true, extra: "()")
        case .dialplan(let exten, let dialplan, let context):
            try token(exten, "answered_call_destination extension")
            try token(dialplan, "answered_call_destination dialplan")
            try token(context, "answered_call_destination context")
        }
        if let machineDetection { try token(machineDetection.variable, "machine_detection.variable") }
        if let maxHoldMessage { try token(maxHoldMessage, "max_hold_message") }
        if let reminderChat {
            try token(reminderChat.from, "reminder_chat.from", refusing: "|")
            try token(reminderChat.domain, "reminder_chat.domain", refusing: "|@")
        }
        var ids = Set<AgentID>(), names = Set<String>()
        for agent in agents {
            try token(agent.name, "agents.name")
            try token(agent.exten, "agents.\(agent.name).extension")
            guard ids.insert(agent.id).inserted else {
                throw LiveConfigurationError(field: "agents", problem: "\(agent.id) appears twice")
            }
            guard names.insert(agent.name).inserted else {
                throw LiveConfigurationError(field: "agents", problem: "the name \(agent.name) appears twice")
            }
        }
        try token(transferDialplan, "transfer_dialplan")
        try token(transferContext, "transfer_context")
        for (i, file) in sounds.idNumber.enumerated() { try token(file, "sounds.id_number[\(i)]") }
        guard !sounds.idNumber.isEmpty else {
            throw LiveConfigurationError(field: "sounds.id_number", problem: "needs at least one file")
        }
        try token(sounds.callbackMenu, "sounds.callback_menu")
        try token(sounds.callbackAnnouncement, "sounds.callback_announcement")
        try token(sounds.invalid, "sounds.invalid")
        try token(digitsVariable, "digits_variable")
        try token(terminators, "terminators")
        try token(digitsPattern, "digits_pattern", extra: "[]")
        guard interDigitTimeout > 0 else {
            throw LiveConfigurationError(field: "inter_digit_timeout", problem: "must be positive")
        }
    }

    /// Refuses what would break a command: control characters, blanks, and the characters
    /// FreeSWITCH splits variable lists on (`,{}[]'"`), plus `extra`.
    /// `extra`: separators allowed in this value; `refusing`: more characters refused in it.
    private func token(_ value: String, _ field: String, allowEmpty: Bool = false, extra: String = "", refusing: String = "")
        throws(LiveConfigurationError)
    {
        if value.isEmpty {
            if allowEmpty { return }
            throw LiveConfigurationError(field: field, problem: "is empty")
        }
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                throw LiveConfigurationError(
                    field: field, problem: "contains a line break or control character (\(value.debugDescription))")
            }
            if scalar == " " || scalar == "\t" {
                throw LiveConfigurationError(
                    field: field, problem: "contains a space (\(value.debugDescription)); use _ instead")
            }
            if refusing.unicodeScalars.contains(scalar) {
                throw LiveConfigurationError(field: field, problem: "contains '\(scalar)', which this command reads as a separator")
            }
            if "{}[]'\",".unicodeScalars.contains(scalar) && !extra.unicodeScalars.contains(scalar) {
                throw LiveConfigurationError(
                    field: field, problem: "contains '\(scalar)', which FreeSWITCH reads as a separator")
            }
        }
    }
}

/// A configuration value that cannot go into an ESL command.
public struct LiveConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The field, as named in configuration files.
    public var field: String
    /// What is wrong with it.
    public var problem: String
    /// An error about `field`.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
    public var description: String { "live configuration: \(field) \(problem)" }
}
