import CallCenter
import EventSocket

// MARK: - The inbound bridge

/// The live softswitch of an `InboundRouter`: parked inbound channels and mod_callcenter agent
/// events become router events; router commands become ESL commands and runner actions. A
/// value-type state machine: no I/O, no clock.
///
/// FreeSWITCH names inbound channels itself, so the bridge numbers its callers: the n-th parked
/// inbound leg becomes `CallID(configuration.firstInboundCall + n)`, and the bridge keeps the
/// channel UUID of each call for the commands (`channelUUID(of:)`). A leg whose UUID is already
/// a simcc one (`CallID(uuidString:)`) keeps that id.
///
/// The dialplan is expected to answer inbound calls and `park` them; the router then places
/// each one.
///
/// | FreeSWITCH | router |
/// | --- | --- |
/// | CHANNEL_PARK of a new leg with `Call-Direction: inbound` (and a service number, if any are set) | `callerArrived(call, caller: Caller-Caller-ID-Number)`, or `callArrived(call)` when the number is not `+` and digits (anonymous) |
/// | CHANNEL_EXECUTE_COMPLETE of our `play_and_get_digits` (`Application-UUID` = our `Event-UUID`, or the application's name when absent) | `digitsCollected(call, variable_<digitsVariable>)`, nil when empty or not keys |
/// | CHANNEL_EXECUTE_COMPLETE of our `playback` (an announcement, `maxDigits` 0) | `digitsCollected(call, nil)` |
/// | CHANNEL_HANGUP / CHANNEL_HANGUP_COMPLETE of a leg still waiting or in the IVR | `callAbandoned(call)`, once |
/// | the same, of a leg connected to an agent | `agentAvailable(agent)` when `agentAvailableOnHangup` |
/// | the same, of a leg the router hung up or rejected | nothing |
/// | `callcenter::info` agent-status-change / agent-state-change | `RouterAgentState.event(to:)`: `agentLoggedIn` offline→ready, `agentAvailable` busy→ready, `agentLoggedOut` ready→offline and ready→busy (on mod_callcenter's, i.e. the dialer's, call: withdrawn) |
/// | anything else, other channels, duplicates | nothing |
public struct RouterBridge: Sendable {
    /// Where an inbound call stands.
    enum Phase: Hashable, Sendable {
        /// Waiting for the router's next command.
        case waiting
        /// In the IVR: `application` runs, announced with `eventUUID`.
        case collecting(application: String, eventUUID: String)
        /// Transferred to the agent.
        case connected(AgentID)
        /// The router hung it up or rejected it.
        case closing
    }

    struct Inbound: Hashable, Sendable {
        var uuid: String
        var phase: Phase
    }

    /// The configuration, validated.
    public let configuration: LiveConfiguration
    var calls: [CallID: Inbound] = [:]
    var byUUID: [String: CallID] = [:]
    var nextCall: UInt64
    var executes: UInt64 = 0
    var chats: UInt64 = 0
    let agentByName: [String: AgentID]
    let extenByAgent: [AgentID: String]
    var agents: [AgentID: CallCenterAgent] = [:]

    /// A bridge for `configuration`.
    /// - Throws: the first configuration value that cannot go into a command.
    public init(configuration: LiveConfiguration) throws(LiveConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        nextCall = configuration.firstInboundCall
        var byName: [String: AgentID] = [:]
        var exten: [AgentID: String] = [:]
        for agent in configuration.agents {
            byName[agent.name] = agent.id
            exten[agent.id] = agent.exten
        }
        agentByName = byName
        extenByAgent = exten
    }

    /// The channel UUID of inbound `call` while the bridge follows it.
    public func channelUUID(of call: CallID) -> String? { calls[call]?.uuid }

    /// Inbound calls followed (waiting, in the IVR, or connected and not yet hung up).
    public var callsInFlight: Int { calls.count }

    /// What mod_callcenter last said of `agent`, as the router reads it (offline when nothing).
    public func routerState(of agent: AgentID) -> RouterAgentState { agents[agent]?.routerState ?? .offline }

    /// Seeds what mod_callcenter says of `agent` before events flow, without reporting it.
    public mutating func seed(_ agent: AgentID, _ state: CallCenterAgent) { agents[agent] = state }

    /// What mod_callcenter says of its agents now, by name (`callcenter_config agent list`, see
    /// `CallCenterAgentList`), read at start or after a gap in the event stream: every roster
    /// agent's tracked state is replaced (an agent missing from `list` is logged out) and the
    /// changes are reported as the events would have (`RouterAgentState.event(to:)`), in roster
    /// order. At start, with nothing seeded, an agent available is `agentLoggedIn`.
    public mutating func resync(agents list: [String: CallCenterAgent]) -> [InboundEvent] {
        var out: [InboundEvent] = []
        for agent in configuration.agents {
            let before = agents[agent.id]?.routerState ?? .offline
            let tracked = list[agent.name] ?? CallCenterAgent(status: "Logged Out")
            agents[agent.id] = tracked
            if let event = before.event(to: tracked.routerState, agent: agent.id) { out.append(event) }
        }
        return out
    }

    // MARK: - Commands

    /// The actions for the router's `command` at `time`:
    ///
    /// | router | action |
    /// | --- | --- |
    /// | `connect(call, agent)` | `bgapi uuid_transfer <uuid> <agent's exten> <transferDialplan> <transferContext>`: the dialplan bridges the caller to the agent's phone (`uuid_bridge` would need a channel of the agent's already up; agents are not kept on a line); an agent missing from the roster: `refused`; a call already gone: `routerFeedback(agentAvailable(agent))`, since the router counted the agent busy |
    /// | `collectDigits(call, prompt, maxDigits > 0, timeout)` | `sendmsg <uuid>` execute `play_and_get_digits 1 <maxDigits> 1 <timeout ms> <terminators> <file> <invalid file> <digitsVariable> <digitsPattern> <inter-digit ms>` with `Event-UUID` |
    /// | `collectDigits(call, prompt, 0, _)` | `sendmsg <uuid>` execute `playback <file>` with `Event-UUID` |
    /// | `hangUp(call)` | `bgapi uuid_kill <uuid>` |
    /// | `reject(call)` | `bgapi uuid_kill <uuid> USER_BUSY` |
    /// | `wakeUp(at:)` | `timer(at:)` |
    /// | `remindAgent(agent, task, priority)` | `routing(command)`, and with `reminderChat` `bgapi chat sip|<from>|<agent's exten>@<domain>|simcc: callback task <task> is due (priority <p>)`: a SIP MESSAGE to the agent's phone |
    /// | `routed`, `bindNumber`, `createCustomer`, `createCallback`, `reassignCallback`, `expireCallback` | `routing(command)` |
    ///
    /// One try per prompt: the router counts attempts itself (step 02's `idAttempts`).
    public mutating func commands(for command: InboundCommand, at time: Seconds) -> [LiveAction] {
        switch command {
        case .connect(let call, let agent):
            guard var c = calls[call], c.phase != .closing else {
                return [.routerFeedback(.agentAvailable(agent))]
            }
            guard let exten = extenByAgent[agent] else {
                return [.refused("\(agent) has no extension in the live roster; \(call) stays parked")]
            }
            c.phase = .connected(agent)
            calls[call] = c
            return [
                .esl(.bgapi(
                    command: "uuid_transfer",
                    arguments: "\(c.uuid) \(exten) \(configuration.transferDialplan) \(configuration.transferContext)",
                    jobUUID: SimccUUID.make(.transferJob, call.rawValue)))
            ]
        case .collectDigits(let call, let prompt, let maxDigits, let timeout):
            guard var c = calls[call], c.phase == .waiting || isCollecting(c.phase) else { return [] }
            executes += 1
            let eventUUID = SimccUUID.make(.execute, executes)
            let file = configuration.sounds.file(for: prompt)
            let application: String
            let argument: String
            if maxDigits > 0 {
                application = "play_and_get_digits"
                argument = [
                    "1", String(maxDigits), "1", String(Self.milliseconds(timeout)), configuration.terminators, file,
                    configuration.sounds.invalid, configuration.digitsVariable, configuration.digitsPattern,
                    String(Self.milliseconds(configuration.interDigitTimeout)),
                ].joined(separator: " ")
            } else {
                application = "playback"
                argument = file
            }
            c.phase = .collecting(application: application, eventUUID: eventUUID)
            calls[call] = c
            return [
                .esl(.sendmsg(
                    uuid: c.uuid,
                    .execute(application: application, argument: argument, eventLock: false, eventUUID: eventUUID)))
            ]
        case .hangUp(let call):
            return kill(call, cause: nil)
        case .reject(let call):
            return kill(call, cause: "USER_BUSY")
        case .wakeUp(let at):
            return [.timer(at: at)]
        case .remindAgent(let agent, let task, let priority):
            guard let chat = configuration.reminderChat, let exten = extenByAgent[agent] else { return [.routing(command)] }
            chats += 1
            let text = "simcc: callback task \(task.rawValue) is due (priority \(priority))"
            return [
                .routing(command),
                .esl(.bgapi(
                    command: "chat", arguments: "sip|\(chat.from)|\(exten)@\(chat.domain)|\(text)",
                    jobUUID: SimccUUID.make(.chatJob, chats))),
            ]
        case .routed, .bindNumber, .createCustomer, .createCallback, .reassignCallback, .expireCallback:
            return [.routing(command)]
        }
    }

    /// The actions for several commands, in order.
    public mutating func commands(for commands: [InboundCommand], at time: Seconds) -> [LiveAction] {
        var actions: [LiveAction] = []
        for command in commands { actions += self.commands(for: command, at: time) }
        return actions
    }

    private mutating func kill(_ call: CallID, cause: String?) -> [LiveAction] {
        guard var c = calls[call], c.phase != .closing else { return [] }
        c.phase = .closing
        calls[call] = c
        return [
            .esl(.bgapi(
                command: "uuid_kill", arguments: cause.map { "\(c.uuid) \($0)" } ?? c.uuid,
                jobUUID: SimccUUID.make(.killJob, call.rawValue)))
        ]
    }

    private func isCollecting(_ phase: Phase) -> Bool {
        if case .collecting = phase { return true }
        return false
    }

    static func milliseconds(_ seconds: Seconds) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return Int(min(seconds * 1000, 86_400_000).rounded())
    }

    // MARK: - Events

    /// The router events FreeSWITCH's `event` means, at `time` (see the type's table).
    public mutating func events(for event: ESLEvent, at time: Seconds) -> [InboundEvent] {
        guard let name = event.eventName else { return [] }
        switch name {
        case "CHANNEL_PARK":
            return arrival(event).map { [$0] } ?? []
        case "CHANNEL_EXECUTE_COMPLETE":
            guard let uuid = event.uniqueID, let call = byUUID[uuid], let c = calls[call],
                case .collecting(let application, let eventUUID) = c.phase
            else { return [] }
            if let echoed = event.nonEmpty("Application-UUID") {
                guard echoed == eventUUID else { return [] }
            } else {
                guard event.value("Application") == application else { return [] }
            }
            calls[call]?.phase = .waiting
            let digits =
                application == "playback"
                ? nil : event.nonEmptyVariable(configuration.digitsVariable).flatMap { KeyedDigits($0) }
            return [.digitsCollected(call, digits)]
        case "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE":
            guard let uuid = event.uniqueID, let call = byUUID.removeValue(forKey: uuid),
                let c = calls.removeValue(forKey: call)
            else { return [] }
            return ended(call, c)
        case "CUSTOM":
            guard let info = event.callCenterInfo, let name = info.agent, let agent = agentByName[name] else {
                return []
            }
            var tracked = agents[agent] ?? CallCenterAgent()
            let before = tracked.routerState
            guard tracked.apply(info, at: time) else { return [] }
            agents[agent] = tracked
            return before.event(to: tracked.routerState, agent: agent).map { [$0] } ?? []
        default:
            return []
        }
    }

    /// When the first agent's wrap-up ends (see `DialerBridge.nextWrapUpEnd`).
    public var nextWrapUpEnd: Seconds? { agents.values.compactMap(\.wrapUpUntil).min() }

    /// Ends the wrap-ups over at `time`: an agent that wrapped up is ready again
    /// (`agentAvailable`), in agent order.
    public mutating func endWrapUps(at time: Seconds) -> [InboundEvent] {
        var out: [InboundEvent] = []
        for agent in agents.keys.sorted() {
            guard var tracked = agents[agent] else { continue }
            let before = tracked.routerState
            guard tracked.endWrapUp(at: time) else { continue }
            agents[agent] = tracked
            if let event = before.event(to: tracked.routerState, agent: agent) { out.append(event) }
        }
        return out
    }

    /// After a gap in the event stream: every followed call whose channel is not among
    /// `liveChannels` ends as its hang-up would have (`callAbandoned` while waiting or in the IVR,
    /// `agentAvailable` once connected, when so configured), in call order.
    public mutating func reconcile(liveChannels: Set<String>, at time: Seconds) -> [InboundEvent] {
        var out: [InboundEvent] = []
        for call in calls.keys.sorted() {
            guard let c = calls[call], !liveChannels.contains(c.uuid) else { continue }
            calls[call] = nil
            byUUID[c.uuid] = nil
            out += ended(call, c)
        }
        return out
    }

    private func ended(_ call: CallID, _ c: Inbound) -> [InboundEvent] {
        switch c.phase {
        case .waiting, .collecting: return [.callAbandoned(call)]
        case .connected(let agent): return configuration.agentAvailableOnHangup ? [.agentAvailable(agent)] : []
        case .closing: return []
        }
    }

    private mutating func arrival(_ event: ESLEvent) -> InboundEvent? {
        guard let uuid = event.uniqueID,
            event.value("Call-Direction") == "inbound" || event.value("Caller-Direction") == "inbound"
        else { return nil }
        return arrival(uuid: uuid, destination: event.destinationNumber, caller: event.nonEmpty("Caller-Caller-ID-Number"))
    }

    /// The inbound calls FreeSWITCH holds parked that this bridge does not follow yet
    /// (`LiveChannelList.parkedInboundCalls` of `show channels as json`, oldest first): calls that
    /// arrived while the router was down or cut off. Each becomes an arrival, as its CHANNEL_PARK
    /// would have (the same service-number filter and numbering).
    public mutating func parked(_ channels: [LiveChannel]) -> [InboundEvent] {
        channels.compactMap { channel in
            guard channel.isInbound else { return nil }
            return arrival(uuid: channel.uuid, destination: channel.destination, caller: channel.callerNumber)
        }
    }

    private mutating func arrival(uuid: String, destination: String?, caller: String?) -> InboundEvent? {
        guard byUUID[uuid] == nil else { return nil }
        if !configuration.serviceNumbers.isEmpty {
            guard let destination, configuration.serviceNumbers.contains(destination) else { return nil }
        }
        let call: CallID
        if let own = CallID(uuidString: uuid) {
            guard calls[own] == nil else { return nil }
            call = own
        } else {
            call = CallID(nextCall)
            nextCall += 1
        }
        byUUID[uuid] = call
        calls[call] = Inbound(uuid: uuid, phase: .waiting)
        if let number = caller.flatMap({ $0.isEmpty || $0 == "_undef_" ? nil : PhoneNumber($0) }) {
            return .callerArrived(call, caller: number)
        }
        return .callArrived(call)
    }
}
