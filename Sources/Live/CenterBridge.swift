import CallCenter
import EventSocket

// MARK: - The live softswitch of a whole center

/// The live softswitch of a `CenterPolicy`: the `DialerBridge` and the `RouterBridge` composed,
/// one agent book (the router bridge's reading of mod_callcenter), and the center's own actions.
/// A value-type state machine: no I/O, no clock.
///
/// | FreeSWITCH | center |
/// | --- | --- |
/// | a campaign leg's events (`DialerBridge`) | `.outbound(callAnswered)`, `.outbound(callEnded)`; its `callConnected` and agent states are dropped: the center books the agents it connects |
/// | a caller's events (`RouterBridge`) | `.inbound(callerArrived / callArrived / digitsCollected / callAbandoned)` |
/// | mod_callcenter agent status and state (`RouterBridge`) | `agentLoggedIn` (offline to ready), `agentFree` (busy to ready), `agentPaused` (ready to On Break or Idle), `agentLoggedOut` (ready to logged out or busy) |
/// | the hang-up of a caller connected to an agent | `agentFree` with `freeAtHangup`, else `agentWrappingUp` (the agent desk then reports the agent ready: `agentFree`) |
/// | the hang-up of a campaign customer the center connected | `.outbound(callEnded)`, then `agentFree` with `freeAtHangup` (else the center has the agent wrap up until the desk's ready) |
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
    private var dialerEvents: [DialerEvent] = []
    /// The agent of each campaign call the center connected, until it ends.
    private var agentOfCall: [CallID: AgentID] = [:]

    /// A bridge for `configuration`.
    /// - Throws: the first configuration value that cannot go into a command.
    public init(configuration: LiveConfiguration, freeAtHangup: Bool = true) throws(LiveConfigurationError) {
        dialer = try DialerBridge(configuration: configuration)
        router = try RouterBridge(configuration: configuration)
        self.freeAtHangup = freeAtHangup
    }

    // MARK: - Events

    /// Appends the center events FreeSWITCH's `event` means at `time` (see the type's table).
    public mutating func events(for event: ESLEvent, at time: Seconds, into out: inout [CenterEvent]) {
        dialerEvents.removeAll(keepingCapacity: true)
        dialer.events(for: event, at: time, into: &dialerEvents)
        for translated in dialerEvents {
            switch translated {
            case .callAnswered: out.append(.outbound(translated))
            case .callEnded(let call, _):
                out.append(.outbound(translated))
                // The agent of a call the center placed: free at the hang-up, or wrapping up
                // (the center books that) until the agent desk says ready.
                if let agent = agentOfCall.removeValue(forKey: call), freeAtHangup { out.append(.agentFree(agent)) }
            case .agent, .callConnected, .wakeUp: break
            }
        }
        let hangup = event.eventName == "CHANNEL_HANGUP" || event.eventName == "CHANNEL_HANGUP_COMPLETE"
        for translated in router.events(for: event, at: time) {
            switch translated {
            case .agentLoggedIn(let agent): out.append(.agentLoggedIn(agent))
            case .agentLoggedOut(let agent):
                if case .paused? = dialer.reportedState(of: agent) {
                    out.append(.agentPaused(agent))  // On Break, or Idle: a pause (S3')
                } else {
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
