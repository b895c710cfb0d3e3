import CallCenter
import EventSocket

// MARK: - simcc's own UUIDs

/// The UUIDs simcc names things with in FreeSWITCH: `51ccKKKK-0000-4000-8xxx-xxxxxxxxxxxx`,
/// where `KKKK` says what is named and the last 15 hex digits carry a number. Kind 0 is a call's
/// `origination_uuid` (`CallID.uuidString`), so a Job-UUID tells which call it was for.
public enum SimccUUID {
    /// What a simcc UUID names.
    public enum Kind: UInt16, Sendable {
        /// A call's channel (`CallID.uuidString`).
        case call = 0
        /// The `bgapi originate` of a call.
        case originateJob = 1
        /// A `bgapi uuid_kill` of a call.
        case killJob = 2
        /// A `bgapi uuid_transfer` of a call.
        case transferJob = 3
        /// A `sendmsg` execute (`Event-UUID`, echoed as `Application-UUID`).
        case execute = 4
        /// A `bgapi chat` (a reminder to an agent's phone).
        case chatJob = 5
    }

    /// The call a UUID of `kind` was made for (`make(kind, call.rawValue)`), or nil when `uuid`
    /// is not one.
    public static func call(of uuid: String, _ kind: Kind) -> CallID? {
        let hex = String(kind.rawValue, radix: 16)
        guard uuid.hasPrefix("51cc" + String(repeating: "0", count: 4 - hex.count) + hex) else { return nil }
        return CallID(uuidString: "51cc0000" + uuid.dropFirst(8))
    }

    /// The UUID of `kind` for `number` (below 2^60).
    public static func make(_ kind: Kind, _ number: UInt64) -> String {
        let call = CallID(number).uuidString
        guard kind != .call else { return call }
        let hex = String(kind.rawValue, radix: 16)
        return "51cc" + String(repeating: "0", count: 4 - hex.count) + hex + call.dropFirst(8)
    }
}

// MARK: - The outbound bridge

/// The live softswitch of a `Dialer`: turns its commands into ESL commands and FreeSWITCH's
/// events into its events. A value-type state machine: no I/O, no clock (time comes with each
/// call), the same inputs give the same outputs.
///
/// The runner (the patent's four activities) feeds it:
/// - every `DialerCommand` to `commands(for:at:)`, and performs the `LiveAction`s returned
///   (writes the ESL commands, arms the timer, hands records to the record writer);
/// - every `ESLEvent` read to `events(for:at:)`, and hands the `DialerEvent`s to the dialer
///   (the real-time dispatcher of S1'–S3' and the agent-state updater);
/// - after a reconnect, FreeSWITCH's channel list to `reconcile(channels:agentChannels:at:)` and
///   mod_callcenter's agent list to `resync(agents:)`.
///
/// Mappings (docs/esl-mapping.md has them with the protocol notes they rely on):
///
/// | FreeSWITCH | dialer |
/// | --- | --- |
/// | CHANNEL_ANSWER of our leg (`Unique-ID` = `origination_uuid`) | `callAnswered(live: true)`, or with machine detection the verdict: `live` unless the variable holds a machine value; no verdict yet: wait for one on a later event of the leg |
/// | CHANNEL_BRIDGE touching our leg (`Unique-ID`, `Bridge-A/B-Unique-ID`, `Other-Leg-Unique-ID`) | `callConnected(call, agent)`, the agent from `variable_cc_agent` (roster name), else `Other-Leg-Destination-Number` / `Other-Leg-Caller-ID-Number` / `Caller-Destination-Number` (roster extension); unresolved: wait for `bridge-agent-start` |
/// | `callcenter::info` `bridge-agent-start` with `CC-Member-Session-UUID` ours | `callConnected(call, CC-Agent)` (if not yet) |
/// | CHANNEL_HANGUP or CHANNEL_HANGUP_COMPLETE of our leg, the first of them | `callEnded(cause: Hangup-Cause)`, once |
/// | the same, of a call whose answer or bridge was learnt late (taken over, or from a channel list) | waits for CHANNEL_HANGUP_COMPLETE: `callReported` with its `variable_answer_uepoch`, `bridge_uepoch`, `end_uepoch` (FreeSWITCH's own times); without them, `callEnded` |
/// | BACKGROUND_JOB of our originate's Job-UUID, body `-ERR CAUSE` | `callEnded(cause)` unless the channel already ended it; `+OK` ignored |
/// | `callcenter::info` agent-status-change / agent-state-change of a roster agent | `agent(id, state)` when the state `CallCenterAgent.dialerState` changes |
/// | anything else, other channels, duplicates | nothing |
///
/// A hang-up of an answered leg whose machine verdict never came reports
/// `callAnswered(live: true)` first (from the variable on the hang-up event if it is there),
/// and a bridge of a leg not yet reported answered reports `callAnswered(live: true)` first:
/// whoever reached an agent was a person.
public struct DialerBridge: Sendable {
    /// A call in flight, as the bridge follows it.
    struct Call: Hashable, Sendable {
        var contract: ContractID
        var jobUUID: String
        /// CHANNEL_ANSWER seen.
        var answered = false
        /// `callAnswered` reported to the dialer.
        var answerReported = false
        /// `callConnected` reported.
        var connected = false
        /// When its originate was handed over to be sent, and how many originates went before.
        var dialedAt: Seconds = 0
        var order = 0
        /// Whether FreeSWITCH showed any sign of it: an event of its channel or its job, or its
        /// channel in a list.
        var seen = false
        /// Its answer or bridge was learnt late (taken over after a restart, or read from a
        /// channel list after a gap): its end is reported with the times FreeSWITCH's
        /// CHANNEL_HANGUP_COMPLETE carries (`callReported`).
        var learntLate = false
    }

    /// The configuration, validated.
    public let configuration: LiveConfiguration
    var calls: [CallID: Call] = [:]
    var jobs: [String: CallID] = [:]
    let agentByName: [String: AgentID]
    let agentByExten: [String: AgentID]
    let extenOf: [AgentID: String]
    var agents: [AgentID: CallCenterAgent] = [:]
    var reported: [AgentID: AgentState] = [:]
    /// The originate variables that do not change from call to call, rendered once.
    let fixedVariables: String
    let destination: String

    /// A bridge for `configuration`.
    /// - Throws: the first configuration value that cannot go into a command.
    public init(configuration: LiveConfiguration) throws(LiveConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        var byName: [String: AgentID] = [:]
        var byExten: [String: AgentID] = [:]
        for agent in configuration.agents {
            byName[agent.name] = agent.id
            byExten[agent.exten] = agent.id
        }
        agentByName = byName
        agentByExten = byExten
        extenOf = Dictionary(configuration.agents.map { ($0.id, $0.exten) }, uniquingKeysWith: { a, _ in a })
        var fixed = ["originate_timeout=\(configuration.originateTimeout)"]
        if configuration.ignoreEarlyMedia { fixed.append("ignore_early_media=true") }
        if let number = configuration.callerIDNumber { fixed.append("origination_caller_id_number=\(number)") }
        if let name = configuration.callerIDName { fixed.append("origination_caller_id_name=\(name)") }
        fixedVariables = fixed.joined(separator: ",")
        destination = configuration.answeredCallDestination.rendered
    }

    /// Calls originated and not yet ended.
    public var callsInFlight: Int { calls.count }

    /// The Job-UUID of `call`'s originate while the call is in flight.
    public func jobUUID(of call: CallID) -> String? { calls[call]?.jobUUID }

    /// The state last reported to the dialer for `agent`, if any.
    public func reportedState(of agent: AgentID) -> AgentState? { reported[agent] }

    /// Seeds what mod_callcenter says of `agent` before events flow (from `callcenter_config
    /// agent list` at start, or the agents handed to `Dialer.start`), without reporting it:
    /// later events report only changes from here.
    public mutating func seed(_ agent: AgentID, _ state: CallCenterAgent) {
        agents[agent] = state
        reported[agent] = state.dialerState
    }

    /// What mod_callcenter says of its agents now, by name (`callcenter_config agent list`, see
    /// `CallCenterAgentList`), read after a gap in the event stream: every roster agent's tracked
    /// state is replaced (an agent missing from `list` is logged out), and each whose dialer state
    /// differs from the one last reported is reported, in roster order.
    public mutating func resync(agents list: [String: CallCenterAgent]) -> [DialerEvent] {
        var out: [DialerEvent] = []
        for agent in configuration.agents {
            let tracked = list[agent.name] ?? CallCenterAgent(status: "Logged Out")
            agents[agent.id] = tracked
            let state = tracked.dialerState
            guard reported[agent.id] != state else { continue }
            reported[agent.id] = state
            out.append(.agent(agent.id, state))
        }
        return out
    }

    /// Takes over `call` of `contract`, launched by a previous run of the dialer (crash safety):
    /// its channel's events are read as those of a call originated here, and `answered` says
    /// whether the softswitch already answered it (then a hang-up is not reported as unanswered).
    /// Its originate's Job-UUID is the one this bridge would have given it.
    /// `connected` says whether it is already bridged to an agent (reported to the dialer).
    public mutating func adopt(_ call: CallID, contract: ContractID, answered: Bool = false, connected: Bool = false) {
        let job = SimccUUID.make(.originateJob, call.rawValue)
        var c = Call(contract: contract, jobUUID: job)
        c.seen = true
        c.order = -1  // before every originate of this run
        c.learntLate = true
        c.answered = answered || connected
        c.answerReported = answered || connected
        c.connected = connected
        calls[call] = c
        jobs[job] = call
    }

    /// FreeSWITCH refused the `bgapi originate` of `call` itself (its command/reply was `-ERR`):
    /// no channel and no BACKGROUND_JOB will come. Ends the call with `cause` (once; nothing when
    /// the call is not in flight).
    public mutating func originateFailed(_ call: CallID, cause: HangupCause = .fallback) -> [DialerEvent] {
        var out: [DialerEvent] = []
        end(call, cause: cause, into: &out)
        return out
    }

    // MARK: - Commands

    /// The actions for the dialer's `command` at `time`:
    ///
    /// | dialer | action |
    /// | --- | --- |
    /// | `originate(call, contract, number)` | `bgapi originate {origination_uuid=<call.uuidString>,originate_timeout=…,ignore_early_media=true,origination_caller_id_…,simcc_call=…,simcc_contract=…,<variables>}<dial string> <destination>` with Job-UUID `SimccUUID(.originateJob, call)`; a number that is not dialable (`PhoneNumber.isDialable`: an optional `+` and 3 to 20 digits): `dialerFeedback(callEnded(.invalidNumberFormat))` |
    /// | `hangUp(call)` in flight | `bgapi uuid_kill <uuid> ORIGINATOR_CANCEL` while ringing, `NORMAL_CLEARING` once answered; not in flight: nothing |
    /// | `connect(call, agent)` in flight (a customer waiting parked) | `bgapi uuid_transfer <uuid> <agent's exten> <transferDialplan> <transferContext>`: the dialplan bridges the customer to the agent's phone (the CHANNEL_BRIDGE then reports `callConnected`); an agent missing from the roster: `refused`; not in flight: nothing |
    /// | `holdExpired(call)` in flight | `bgapi uuid_transfer <uuid> playback:<maxHoldMessage>,hangup:NORMAL_CLEARING inline`; no message configured: `bgapi uuid_kill <uuid> NORMAL_CLEARING`; not in flight: nothing |
    /// | `wakeUp(at:)` | `timer(at:)` |
    /// | `record(r)` | `record(r)` |
    /// | `taskCompleted(s)` | `taskCompleted(s)` |
    public mutating func commands(for command: DialerCommand, at time: Seconds) -> [LiveAction] {
        switch command {
        case .originate(let call, let contract, let number):
            guard Self.isDialable(number) else {
                return [.dialerFeedback(.callEnded(call, cause: .invalidNumberFormat))]
            }
            let job = SimccUUID.make(.originateJob, call.rawValue)
            var c = Call(contract: contract, jobUUID: job)
            c.dialedAt = time
            c.order = originatesSoFar
            originatesSoFar += 1
            calls[call] = c
            jobs[job] = call
            return [.esl(.bgapi(command: "originate", arguments: originateArguments(call, contract, number), jobUUID: job))]
        case .hangUp(let call):
            guard let c = calls[call] else { return [] }
            let cause = c.answered ? "NORMAL_CLEARING" : "ORIGINATOR_CANCEL"
            return [
                .esl(.bgapi(command: "uuid_kill", arguments: "\(call.uuidString) \(cause)",
                            jobUUID: SimccUUID.make(.killJob, call.rawValue)))
            ]
        case .connect(let call, let agent):
            guard calls[call] != nil else { return [] }  // gone meanwhile: its end is on its way
            guard let exten = extenOf[agent] else {
                return [.refused("\(agent) has no extension in the live roster; \(call) stays parked")]
            }
            return [
                .esl(.bgapi(command: "uuid_transfer",
                            arguments: "\(call.uuidString) \(exten) \(configuration.transferDialplan) \(configuration.transferContext)",
                            jobUUID: SimccUUID.make(.transferJob, call.rawValue)))
            ]
        case .holdExpired(let call):
            guard calls[call] != nil else { return [] }
            guard let message = configuration.maxHoldMessage else {
                return [
                    .esl(.bgapi(command: "uuid_kill", arguments: "\(call.uuidString) NORMAL_CLEARING",
                                jobUUID: SimccUUID.make(.killJob, call.rawValue)))
                ]
            }
            return [
                .esl(.bgapi(command: "uuid_transfer",
                            arguments: "\(call.uuidString) playback:\(message),hangup:NORMAL_CLEARING inline",
                            jobUUID: SimccUUID.make(.transferJob, call.rawValue)))
            ]
        case .wakeUp(let at): return [.timer(at: at)]
        case .record(let record): return [.record(record)]
        case .taskCompleted(let snapshot): return [.taskCompleted(snapshot)]
        }
    }

    /// The actions for several commands, in order.
    public mutating func commands(for commands: [DialerCommand], at time: Seconds) -> [LiveAction] {
        var actions: [LiveAction] = []
        for command in commands { actions += self.commands(for: command, at: time) }
        return actions
    }

    /// The arguments of `originate` (after the word): variables, dial string, destination.
    func originateArguments(_ call: CallID, _ contract: ContractID, _ number: String) -> String {
        var text = "{origination_uuid=\(call.uuidString),\(fixedVariables),simcc_call=\(call.rawValue),simcc_contract=\(contract.rawValue)"
        for variable in configuration.variables { text += ",\(variable.name)=\(variable.value)" }
        return text + "}" + configuration.dialString(for: number) + " " + destination
    }

    /// Nothing but a dialable number (`PhoneNumber.isDialable`) may reach the dial string.
    static func isDialable(_ number: String) -> Bool { PhoneNumber.isDialable(number) }

    // MARK: - Events

    /// The dialer events FreeSWITCH's `event` means, at `time` (see the type's table).
    public mutating func events(for event: ESLEvent, at time: Seconds) -> [DialerEvent] {
        var out: [DialerEvent] = []
        events(for: event, at: time, into: &out)
        return out
    }

    /// Appends the dialer events `event` means to `out` (no allocation when there are none).
    public mutating func events(for event: ESLEvent, at time: Seconds, into out: inout [DialerEvent]) {
        guard let name = event.eventName else { return }
        let own = event.uniqueID.flatMap { CallID(uuidString: $0) }.flatMap { calls[$0] != nil ? $0 : nil }
        if let own { calls[own]?.seen = true }
        // A machine verdict may ride on any event of an answered leg (EXECUTE_COMPLETE of amd, PARK, ...).
        if let own, name != "CHANNEL_HANGUP", name != "CHANNEL_HANGUP_COMPLETE" {
            reportVerdictIfKnown(own, event, into: &out)
        }
        switch name {
        case "CHANNEL_ANSWER":
            guard let own, var c = calls[own], !c.answered else { return }
            c.answered = true
            calls[own] = c
            if configuration.machineDetection == nil { report(own, live: true, into: &out) }
            else { reportVerdictIfKnown(own, event, into: &out) }
        case "CHANNEL_BRIDGE":
            guard let call = bridgedCall(event), calls[call]?.connected == false,
                let agent = bridgedAgent(event, ours: call)
            else { return }
            connect(call, agent, into: &out)
        case "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE":
            guard let own, let c = calls[own] else { return }
            if c.learntLate {
                // The complete hang-up carries the call's own times: the end waits for it.
                guard name == "CHANNEL_HANGUP_COMPLETE" else { return }
                if let record = lateRecord(own, event) {
                    out += report(own, record)
                    return
                }
            }
            if c.answered && !c.answerReported {
                var live = true
                if let detection = configuration.machineDetection, let known = verdict(event, detection) {
                    live = known
                }
                report(own, live: live, into: &out)
            }
            end(own, cause: HangupCause(freeSWITCH: event.hangupCause ?? event.nonEmptyVariable("hangup_cause")),
                into: &out)
        case "BACKGROUND_JOB":
            guard let job = event.jobUUID, let call = jobs.removeValue(forKey: job), calls[call] != nil else { return }
            calls[call]?.seen = true
            guard let result = event.backgroundJobResult, result.isFailure else { return }
            end(call, cause: HangupCause(jobResult: result.text), into: &out)
        case "CUSTOM":
            guard let info = event.callCenterInfo else { return }
            callCenter(info, at: time, into: &out)
        default:
            return
        }
    }

    // MARK: - Wrap-ups

    /// When the first agent's wrap-up ends (an agent `Waiting` after a queue call, for its
    /// `wrap_up_time`): the driver calls `endWrapUps(at:)` then.
    public var nextWrapUpEnd: Seconds? { agents.values.compactMap(\.wrapUpUntil).min() }

    /// Ends the wrap-ups over at `time`: the agents are reported as mod_callcenter now has them
    /// (idle), in roster order.
    public mutating func endWrapUps(at time: Seconds) -> [DialerEvent] {
        var out: [DialerEvent] = []
        for agent in agents.keys.sorted() {
            guard var tracked = agents[agent], tracked.endWrapUp(at: time) else { continue }
            agents[agent] = tracked
            let state = tracked.dialerState
            guard reported[agent] != state else { continue }
            reported[agent] = state
            out.append(.agent(agent, state))
        }
        return out
    }

    // MARK: - Reconcile

    /// After a gap in the event stream (a reconnect): every call in flight whose channel is not
    /// among `liveChannels` (the `uuid`s of `api show channels as json`, see
    /// `LiveChannels.parse`) **vanished**: nobody saw how it ended, so it is not ended here (a
    /// guess would record a served customer as failed, and dial them again). It stays in flight,
    /// listed in `vanished` from `time`, until the runner reports what FreeSWITCH's record of it
    /// says (`report(_:_:)`), or that there is none. An event of a vanished call (its channel
    /// was not up yet when the list was taken) brings it back. Returns the answers the gap hid
    /// (none here: see `reconcile(channels:agentChannels:at:)`).
    public mutating func reconcile(liveChannels: Set<String>, at time: Seconds, listedAfter: Int? = nil) -> [DialerEvent] {
        for call in calls.keys.sorted() {
            if liveChannels.contains(call.uuidString) {
                calls[call]?.seen = true
            } else if vanished[call] == nil, calls[call]!.order < (listedAfter ?? .max) {
                // (A call dialled after the list was asked for may not be on it.)
                vanished[call] = time
            }
        }
        return []
    }

    /// FreeSWITCH's record of `call` as its CHANNEL_HANGUP_COMPLETE carries it
    /// (`variable_answer_uepoch`, `variable_bridge_uepoch`, `variable_end_uepoch`, microseconds
    /// since 1970, `0` for never; `variable_cc_agent`); nil without an end time.
    private func lateRecord(_ call: CallID, _ event: ESLEvent) -> CallDetailRecord? {
        func moment(_ name: String) -> Seconds? {
            guard let text = event.nonEmptyVariable(name), let micros = Int64(text), micros > 0 else { return nil }
            return Seconds(micros) / 1_000_000
        }
        guard let ended = moment("end_uepoch") else { return nil }
        return CallDetailRecord(
            uuid: call.uuidString, answeredAt: moment("answer_uepoch"), bridgedAt: moment("bridge_uepoch"),
            endedAt: ended, cause: HangupCause(freeSWITCH: event.hangupCause ?? event.nonEmptyVariable("hangup_cause")),
            callCenterAgent: event.nonEmptyVariable("cc_agent"))
    }


    /// Whether `call`, in flight, was seen bridged to an agent.
    public func isConnected(_ call: CallID) -> Bool { calls[call]?.connected ?? false }

    /// Originates handed over so far: what `reconcile`'s `listedAfter` counts (read it when the
    /// channel list is asked for; the calls dialled since are not judged by that list).
    public private(set) var originatesSoFar = 0

    /// The calls FreeSWITCH has shown no sign of (no event of their channel or job, not in a
    /// channel list) `grace` seconds past their originate's timeout: an originate whose reply
    /// or events never came. The runner then lists FreeSWITCH's channels and reconciles, so that
    /// no call stays in flight for good.
    public func overdue(at time: Seconds, grace: Seconds) -> [CallID] {
        let limit = Seconds(configuration.originateTimeout) + grace
        return calls.filter { !$0.value.seen && time - $0.value.dialedAt > limit }.map(\.key).sorted()
    }

    /// The calls whose channel vanished during a gap, with when the bridge noticed, waiting for
    /// `report(_:_:)`.
    public private(set) var vanished: [CallID: Seconds] = [:]

    /// Marks `call`, in flight, as vanished at `time` (its channel is gone and nobody saw its
    /// end: a call taken over after a restart whose channel FreeSWITCH no longer has, or one
    /// whose deadline passed with no channel): it waits for `report(_:_:)` like one a gap hid.
    public mutating func vanish(_ call: CallID, at time: Seconds) {
        guard calls[call] != nil, vanished[call] == nil else { return }
        vanished[call] = time
    }

    /// What FreeSWITCH's record says of vanished call `call` (nil: no record; its fate is
    /// unknown): `callReported` with the record's times, cause and agent (`cc_agent` as a
    /// roster name, else a destination of its call flow as a roster extension), what the bridge
    /// saw before the gap standing. Nothing when the call is not in flight.
    public mutating func report(_ call: CallID, _ record: CallDetailRecord?) -> [DialerEvent] {
        guard let c = calls.removeValue(forKey: call) else { return [] }
        vanished[call] = nil
        jobs[c.jobUUID] = nil
        return [.callReported(call, record.map(callReport))]
    }

    /// What FreeSWITCH's record of a call says, as the dialer hears it: its answer, bridge and
    /// end times and cause, and the agent (`cc_agent` as a roster name, else a destination of
    /// its call flow as a roster extension) when it was bridged.
    private func callReport(_ record: CallDetailRecord) -> CallReport {
        var agent = record.callCenterAgent.flatMap { agentByName[$0] }
        if agent == nil { agent = record.destinations.compactMap { agentByExten[$0] }.first }
        let connected = record.answeredAt == nil ? nil : record.bridgedAt
        return CallReport(
            answeredAt: record.answeredAt, live: true, connectedAt: connected,
            agent: connected == nil ? nil : agent, endedAt: record.endedAt, cause: record.cause)
    }


    /// After a gap in the event stream, with what FreeSWITCH has now (`LiveChannelList` of
    /// `show channels` / `show calls`, and the agents' channels of `callcenter_config agent list`):
    /// every call in flight is brought up to date, in call order, with the events the gap hid —
    /// gone: as `reconcile(liveChannels:at:)`; answered meanwhile: `callAnswered(live: true)`
    /// (the machine verdict, if any, was on the missed events); bridged to a roster agent
    /// meanwhile: `callConnected` (after `callAnswered` if needed).
    public mutating func reconcile(
        channels: LiveChannelList, agentChannels: [String: String] = [:], at time: Seconds, listedAfter: Int? = nil
    ) -> [DialerEvent] {
        var out = reconcile(liveChannels: channels.uuids, at: time, listedAfter: listedAfter)
        for call in calls.keys.sorted() {
            switch channels.status(ofCall: call.uuidString, roster: configuration.agents, agentChannels: agentChannels) {
            case .answered?:
                if calls[call]?.answered == false {
                    calls[call]?.answered = true
                    calls[call]?.learntLate = true
                }
                report(call, live: true, into: &out)
            case .bridged(let agent)?:
                if calls[call]?.connected == false { calls[call]?.learntLate = true }
                connect(call, agent, into: &out)
            case .ringing?, nil:
                break
            }
        }
        return out
    }

    // MARK: - Internals

    private mutating func report(_ call: CallID, live: Bool, into out: inout [DialerEvent]) {
        guard var c = calls[call], !c.answerReported else { return }
        c.answerReported = true
        c.answered = true
        calls[call] = c
        out.append(.callAnswered(call, live: live))
    }

    private mutating func reportVerdictIfKnown(_ call: CallID, _ event: ESLEvent, into out: inout [DialerEvent]) {
        guard let detection = configuration.machineDetection, let c = calls[call], c.answered, !c.answerReported,
            let live = verdict(event, detection)
        else { return }
        report(call, live: live, into: &out)
    }

    /// The machine verdict on `event`: nil when the variable is not (yet) set.
    private func verdict(_ event: ESLEvent, _ detection: LiveConfiguration.MachineDetection) -> Bool? {
        guard let value = event.nonEmptyVariable(detection.variable) else { return nil }
        let upper = value.uppercased()
        return !detection.machineValues.contains { $0.uppercased() == upper }
    }

    private mutating func connect(_ call: CallID, _ agent: AgentID, into out: inout [DialerEvent]) {
        guard var c = calls[call], !c.connected else { return }
        if !c.answerReported { report(call, live: true, into: &out) }
        c = calls[call] ?? c
        c.connected = true
        calls[call] = c
        out.append(.callConnected(call, agent))
    }

    private mutating func end(_ call: CallID, cause: HangupCause, into out: inout [DialerEvent]) {
        guard let c = calls.removeValue(forKey: call) else { return }
        vanished[call] = nil
        jobs[c.jobUUID] = nil
        out.append(.callEnded(call, cause: cause))
    }

    /// Our call among the legs a CHANNEL_BRIDGE names.
    private func bridgedCall(_ event: ESLEvent) -> CallID? {
        for header in ["Unique-ID", "Bridge-A-Unique-ID", "Bridge-B-Unique-ID", "Other-Leg-Unique-ID"] {
            if let uuid = event.value(header), let call = CallID(uuidString: uuid), calls[call] != nil { return call }
        }
        return nil
    }

    /// The roster agent on the other side of a bridge of `ours`.
    private func bridgedAgent(_ event: ESLEvent, ours: CallID) -> AgentID? {
        if let name = event.nonEmptyVariable("cc_agent"), let agent = agentByName[name] { return agent }
        let eventIsOurs = event.uniqueID.flatMap { CallID(uuidString: $0) } == ours
        let candidates =
            eventIsOurs
            ? ["Other-Leg-Destination-Number", "Other-Leg-Caller-ID-Number", "Other-Leg-Callee-ID-Number"]
            : ["Caller-Destination-Number", "Caller-Caller-ID-Number", "Caller-Callee-ID-Number"]
        for header in candidates {
            if let exten = event.nonEmpty(header), let agent = agentByExten[exten] { return agent }
        }
        return nil
    }

    private mutating func callCenter(_ info: ESLCallCenterInfo, at time: Seconds, into out: inout [DialerEvent]) {
        guard let name = info.agent, let agent = agentByName[name] else { return }
        if info.action == "bridge-agent-start" {
            guard let member = info.memberSessionUUID, let call = CallID(uuidString: member), calls[call] != nil
            else { return }
            connect(call, agent, into: &out)
            return
        }
        var tracked = agents[agent] ?? CallCenterAgent()
        guard tracked.apply(info, at: time) else { return }
        agents[agent] = tracked
        let state = tracked.dialerState
        guard reported[agent] != state else { return }
        reported[agent] = state
        out.append(.agent(agent, state))
    }
}
