import CallCenter
import EventSocket

// MARK: - The live softswitch of a whole center

/// The live softswitch of a `CenterPolicy`: the `DialerBridge` and the `RouterBridge` composed,
/// one agent book (the router bridge's reading of mod_callcenter), and the center's own actions.
/// A value-type state machine: no I/O, no clock.
///
/// | FreeSWITCH | center |
/// | --- | --- |
/// | a campaign leg's events (`DialerBridge`) | `.outbound(callAnswered)`, `.outbound(callConnected)`, `.outbound(callEnded)`; its agent states are dropped (the router bridge's reading of mod_callcenter is the one agent book) |
/// | a caller's events (`RouterBridge`) | `.inbound(callerArrived / callArrived / digitsCollected / callAbandoned)` |
/// | mod_callcenter agent status and state (`RouterBridge`) | `agentLoggedIn` (offline to ready), `agentFree` (busy to ready), `agentPaused` (ready to On Break or Idle), `agentLoggedOut` (ready to logged out or busy) |
/// | the hang-up of a caller connected to an agent | `agentFree` with `freeAtHangup`, else `agentWrappingUp` (the agent desk then reports the agent ready: `agentFree`) |
/// | the hang-up of a campaign customer the center connected | `.outbound(callEnded)`, then `agentFree` with `freeAtHangup` once `campaignWrapUp` seconds are over (`endWrapUps`); without `freeAtHangup` the center has the agent wrap up until the desk's ready |
///
/// | center | action |
/// | --- | --- |
/// | `.inbound(c)` | `RouterBridge.commands(for: c)`; its timer is `.timer(.router, at:)`, its feedback `.feedback` |
/// | `.dialer(c)` | `DialerBridge.commands(for: c)`; its timer is `.timer(.dialer, at:)`, its feedback `.feedback(.outbound(_))` |
/// | `startCallback(task, agent)` | `.startCallback`: the agent desk shows the agent the task to dial; the desk reports the attempt's end (`callbackEnded`) |
/// | `callbackDone(task, agent)` | `.callbackDone`: persist it |
/// | `wakeUp(at:)` | `.timer(.center, at:)` |
public struct CenterBridge: Sendable {
    /// Whose timer an action arms: each comes back as its own event.
    public enum Timer: Hashable, Sendable {
        /// `CenterEvent.inbound(.wakeUp)`.
        case router
        /// `CenterEvent.outbound(.wakeUp)`.
        case dialer
        /// `CenterEvent.wakeUp`.
        case center
    }

    /// What the driver does for a center command.
    public enum Action: Equatable, Sendable {
        /// An action of the bridges' (ESL, records, routing bookkeeping, refusals).
        case live(LiveAction)
        /// Arm `timer` at this time.
        case timer(Timer, at: Seconds)
        /// Hand this event to the center at once.
        case feedback(CenterEvent)
        /// Show agent `agent` callback task `task` to dial now (the agent desk).
        case startCallback(CallbackTaskID, agent: AgentID)
        /// Persist that `task` was done by `agent`.
        case callbackDone(CallbackTaskID, by: AgentID)
    }

    /// The campaign's legs.
    public private(set) var dialer: DialerBridge
    /// The callers' legs and the agents.
    public private(set) var router: RouterBridge
    /// Whether an agent is free when their caller hangs up (true), or wraps up until the agent
    /// desk reports them ready.
    public let freeAtHangup: Bool
    /// Seconds an agent wraps up after a campaign customer the center connected them to: FreeSWITCH
    /// does not know these calls as queue calls, so mod_callcenter says nothing of the agent (0:
    /// free at the hang-up). Only with `freeAtHangup`.
    public let campaignWrapUp: Seconds
    private var dialerEvents: [DialerEvent] = []
    /// The agent of each campaign call the center connected, until it ends.
    private var agentOfCall: [CallID: AgentID] = [:]
    /// Agents wrapping up after a campaign call the center connected, until when.
    private var wrappingUntil: [AgentID: Seconds] = [:]
    /// Whether answered customers wait parked for simcc (`&park()`).
    private let parks: Bool

    /// A bridge for `configuration`.
    /// - Throws: the first configuration value that cannot go into a command.
    public init(
        configuration: LiveConfiguration, freeAtHangup: Bool = true, campaignWrapUp: Seconds = 0
    ) throws(LiveConfigurationError) {
        dialer = try DialerBridge(configuration: configuration)
        router = try RouterBridge(configuration: configuration)
        self.freeAtHangup = freeAtHangup
        self.campaignWrapUp = max(0, campaignWrapUp)
        parks = configuration.answeredCallDestination.isPark
    }

    /// Calls of the campaign and callers followed now.
    public var callsInFlight: (campaign: Int, inbound: Int) { (dialer.callsInFlight, router.callsInFlight) }

    /// Seeds what mod_callcenter says of `agent` before events flow, without reporting it.
    public mutating func seed(_ agent: AgentID, _ state: CallCenterAgent) {
        dialer.seed(agent, state)
        router.seed(agent, state)
    }

    /// The roster agents at start, as mod_callcenter has them (`agents`, by id; a roster agent
    /// missing there is logged out): seeded without being reported (later events report only
    /// changes), and told to the center in roster order: a free agent logs in, one on a break or
    /// `Idle` is paused (S3' counts the pause from the start), any other (on a call, logged out)
    /// stays away until mod_callcenter says they are free.
    public mutating func start(agents: [AgentID: CallCenterAgent], into out: inout [CenterEvent]) {
        for agent in dialer.configuration.agents.sorted(by: { $0.id < $1.id }) where agent.id.index >= 0 {
            let tracked = agents[agent.id] ?? CallCenterAgent(status: "Logged Out")
            seed(agent.id, tracked)
            switch tracked.dialerState {
            case .idle: out.append(.agentLoggedIn(agent.id))
            case .paused: out.append(.agentPaused(agent.id))
            case .loggedOut, .talking, .wrapUp: break
            }
        }
    }

    /// What mod_callcenter says of its agents now, by name, read after a gap: the agents whose
    /// state changed, as center events (see `events(for:at:into:)`).
    public mutating func resync(agents list: [String: CallCenterAgent], into out: inout [CenterEvent]) {
        _ = dialer.resync(agents: list)
        translate(router.resync(agents: list), hangup: false, into: &out)
    }

    /// Takes over `call` of `contract`, launched by a previous run (see `DialerBridge.adopt`);
    /// `agent`: it is bridged to this agent already (its hang-up frees them like a call the center
    /// connected).
    public mutating func adopt(_ call: CallID, contract: ContractID, answered: Bool = false, agent: AgentID? = nil) {
        dialer.adopt(call, contract: contract, answered: answered, connected: agent != nil)
        if let agent { agentOfCall[call] = agent }
    }

    /// The campaign's calls whose channel vanished while nobody saw their end, with when that
    /// was noticed: they wait for `report(_:_:at:into:)` (see `DialerBridge.vanished`).
    public var vanished: [CallID: Seconds] { dialer.vanished }

    /// The campaign call a `bgapi uuid_transfer` with Job-UUID `job` was to place with the agent
    /// the center chose, if it is one and the center still has it booked.
    public func placement(ofJob job: String) -> CallID? {
        guard let call = SimccUUID.call(of: job, .transferJob), agentOfCall[call] != nil
        else { return nil }
        return call
    }

    /// The campaign calls the center placed with an agent that FreeSWITCH has not shown bridged:
    /// when the connection drops, their transfers may have been lost with it.
    public var unconfirmedPlacements: [CallID] {
        agentOfCall.keys.filter { !dialer.isConnected($0) }.sorted()
    }

    /// The placement of `call` failed (its transfer was refused, or FreeSWITCH still has the
    /// customer parked after it was lost): the center event, if the center had booked the call.
    public mutating func placementFailed(_ call: CallID, into out: inout [CenterEvent]) {
        guard agentOfCall.removeValue(forKey: call) != nil else { return }
        out.append(.placementFailed(call))
    }

    /// The campaign's originates handed over so far (see `DialerBridge.originatesSoFar`).
    public var originatesSoFar: Int { dialer.originatesSoFar }

    /// The campaign's calls FreeSWITCH has shown no sign of `grace` seconds past their
    /// originate's timeout (see `DialerBridge.overdue`).
    public func overdue(at time: Seconds, grace: Seconds) -> [CallID] { dialer.overdue(at: time, grace: grace) }

    /// Marks campaign call `call` vanished at `time` (see `DialerBridge.vanish`).
    public mutating func vanish(_ call: CallID, at time: Seconds) { dialer.vanish(call, at: time) }

    /// What FreeSWITCH's record says of vanished call `call` (nil: none; its fate is unknown),
    /// as center events: `callReported`, and the agent the center had booked on it freed.
    public mutating func report(_ call: CallID, _ record: CallDetailRecord?, at time: Seconds, into out: inout [CenterEvent]) {
        dialerEvents = dialer.report(call, record)
        translateDialer(at: time, into: &out)
    }

    /// FreeSWITCH refused the originate of `call`: its end, as center events.
    public mutating func originateFailed(_ call: CallID, at time: Seconds, into out: inout [CenterEvent]) {
        dialerEvents = dialer.originateFailed(call)
        translateDialer(at: time, into: &out)
    }

    /// The parked inbound calls of `channels` not followed yet (picked up at start or after a gap).
    public mutating func parked(_ channels: [LiveChannel], into out: inout [CenterEvent]) {
        for event in router.parked(channels) { out.append(.inbound(event)) }
    }

    /// After a gap, with what FreeSWITCH has now: the campaign's calls and the callers brought up
    /// to date (ended, answered or connected meanwhile), as center events.
    public mutating func reconcile(
        channels: LiveChannelList, agentChannels: [String: String] = [:], at time: Seconds, listedAfter: Int? = nil,
        into out: inout [CenterEvent]
    ) {
        dialerEvents = dialer.reconcile(channels: channels, agentChannels: agentChannels, at: time, listedAfter: listedAfter)
        translateDialer(at: time, into: &out)
        translate(router.reconcile(liveChannels: channels.uuids, at: time), hangup: true, into: &out)
    }

    // MARK: - Wrap-ups

    /// When the first wrap-up ends (mod_callcenter's `wrap_up_time`, or `campaignWrapUp`): the
    /// driver calls `endWrapUps(at:into:)` then.
    public var nextWrapUpEnd: Seconds? {
        [router.nextWrapUpEnd, dialer.nextWrapUpEnd, wrappingUntil.values.min()].compactMap { $0 }.min()
    }

    /// Ends the wrap-ups over at `time`: those agents are free (`agentFree`), in roster order.
    public mutating func endWrapUps(at time: Seconds, into out: inout [CenterEvent]) {
        _ = dialer.endWrapUps(at: time)
        translate(router.endWrapUps(at: time), hangup: false, into: &out)
        guard !wrappingUntil.isEmpty else { return }
        for (agent, end) in wrappingUntil.sorted(by: { $0.key < $1.key }) where end <= time {
            wrappingUntil[agent] = nil
            out.append(.agentFree(agent))
        }
    }

    // MARK: - Events

    /// Appends the center events FreeSWITCH's `event` means at `time` (see the type's table).
    public mutating func events(for event: ESLEvent, at time: Seconds, into out: inout [CenterEvent]) {
        if event.eventName == "BACKGROUND_JOB", let job = event.jobUUID, let call = placement(ofJob: job),
            let result = event.backgroundJobResult, result.isFailure
        {
            // The transfer that was to place the customer with their agent failed.
            placementFailed(call, into: &out)
            return
        }
        dialerEvents.removeAll(keepingCapacity: true)
        dialer.events(for: event, at: time, into: &dialerEvents)
        translateDialer(at: time, into: &out)
        let hangup = event.eventName == "CHANNEL_HANGUP" || event.eventName == "CHANNEL_HANGUP_COMPLETE"
        translate(router.events(for: event, at: time), hangup: hangup, into: &out)
    }

    /// `dialerEvents` as center events.
    private mutating func translateDialer(at time: Seconds, into out: inout [CenterEvent]) {
        for (i, translated) in dialerEvents.enumerated() {
            switch translated {
            case .callAnswered(let call, _):
                // Answered and connected at once (a bridge seen first, or after a gap): the
                // connection alone, so that the customer never waits in line for an agent
                // meanwhile (the center tells the dialer of the answer).
                if i + 1 < dialerEvents.count, case .callConnected(call, _) = dialerEvents[i + 1] { break }
                out.append(.outbound(translated))
            case .callConnected(let call, let agent):
                // With `&park()` nobody but simcc bridges the customers mod_callcenter does not
                // know: the agent is freed at the hang-up like one the center connected.
                if parks, agentOfCall[call] == nil { agentOfCall[call] = agent }
                out.append(.outbound(translated))
            case .callEnded(let call, _), .callReported(let call, _):
                out.append(.outbound(translated))
                // The agent of a call the center placed: free at the hang-up (after
                // `campaignWrapUp`), or wrapping up (the center books that) until the agent desk
                // says ready.
                guard let agent = agentOfCall.removeValue(forKey: call), freeAtHangup else { break }
                // A call reported after the fact ended at its record's time (unknown: now).
                var ended = time
                if case .callReported(_, let report?) = translated { ended = min(time, report.endedAt) }
                if campaignWrapUp > 0 && ended + campaignWrapUp > time {
                    wrappingUntil[agent] = ended + campaignWrapUp
                } else {
                    out.append(.agentFree(agent))
                }
            case .agent, .wakeUp, .connectionFailed: break
            }
        }
    }

    /// The router bridge's `events` as center events; `hangup`: they follow a hang-up.
    private func translate(_ events: [InboundEvent], hangup: Bool, into out: inout [CenterEvent]) {
        for translated in events {
            switch translated {
            case .agentLoggedIn(let agent): out.append(.agentLoggedIn(agent))
            case .agentLoggedOut(let agent):
                switch dialer.reportedState(of: agent) {
                case .paused?:
                    out.append(.agentPaused(agent))  // On Break, or Idle: a pause (S3')
                case .talking? where agentOfCall.values.contains(agent):
                    // Busy on the campaign call the center connected them to: no news.
                    break
                default:
                    out.append(.agentLoggedOut(agent))
                }
            case .agentAvailable(let agent):
                out.append(hangup && !freeAtHangup ? .agentWrappingUp(agent) : .agentFree(agent))
            default: out.append(.inbound(translated))
            }
        }
    }

    // MARK: - Commands

    /// Appends the actions for the center's `command` at `time` (see the type's table).
    public mutating func actions(for command: CenterCommand, at time: Seconds, into out: inout [Action]) {
        switch command {
        case .inbound(let inbound):
            for action in router.commands(for: inbound, at: time) {
                switch action {
                case .timer(let at): out.append(.timer(.router, at: at))
                case .routerFeedback(.agentAvailable(let agent)): out.append(.feedback(.agentFree(agent)))
                case .routerFeedback(let event): out.append(.feedback(.inbound(event)))
                default: out.append(.live(action))
                }
            }
        case .dialer(let outbound):
            if case .connect(let call, let agent) = outbound { agentOfCall[call] = agent }
            for action in dialer.commands(for: outbound, at: time) {
                switch action {
                case .timer(let at): out.append(.timer(.dialer, at: at))
                case .dialerFeedback(let event): out.append(.feedback(.outbound(event)))
                default: out.append(.live(action))
                }
            }
        case .startCallback(let task, let agent):
            out.append(.startCallback(task, agent: agent))
        case .callbackDone(let task, let agent):
            out.append(.callbackDone(task, by: agent))
        case .wakeUp(let at):
            out.append(.timer(.center, at: at))
        }
    }
}
