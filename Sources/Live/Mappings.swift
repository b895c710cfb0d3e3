import CallCenter
import EventSocket

// MARK: - What the bridges hand their runner

/// One thing the runner must do for a policy command: write an ESL command, or something that
/// is not the softswitch's business (a timer, a call record, a snapshot, a router note).
public enum LiveAction: Equatable, Sendable {
    /// Write this command on the ESL connection.
    case esl(ESLCommand)
    /// Arm the policy's timer: at this time (the driver's clock), hand it `wakeUp`.
    case timer(at: Seconds)
    /// Write this call record (the asynchronous call-record updater).
    case record(CallRecord)
    /// Step S34: save this snapshot; the task is over.
    case taskCompleted(TaskSnapshot)
    /// A router command that is bookkeeping, not telephony (`routed`, `bindNumber`,
    /// `createCustomer`, `createCallback`, `remindAgent`, `reassignCallback`, `expireCallback`):
    /// persist or log it.
    case routing(InboundCommand)
    /// Hand this event back to the dialer at once: the command could not be sent (e.g. a number
    /// that is not dialable ends as `callEnded(.invalidNumberFormat)` without reaching FreeSWITCH).
    case dialerFeedback(DialerEvent)
    /// Hand this event back to the router at once (e.g. `agentAvailable` for an agent the router
    /// counted busy with a call whose channel was already gone).
    case routerFeedback(InboundEvent)
    /// The command was not sent, for this reason (to log; e.g. an agent missing from the roster).
    case refused(String)
}

// MARK: - Hang-up causes

extension HangupCause {
    /// The cause a dialer reads when FreeSWITCH names none, or a name that is not well formed
    /// (see `HangupCause`): `NORMAL_TEMPORARY_FAILURE`, an unanswered attempt that failed in the
    /// network. It is retried after the `failed` delay and never counts as busy, no answer or an
    /// invalid number.
    public static let fallback = HangupCause.normalTemporaryFailure

    /// The cause named `name` (a `Hangup-Cause` or the text after `-ERR `), kept as FreeSWITCH
    /// gave it, known or not (`MEDIA_TIMEOUT`, `BUSY_EVERYWHERE`, a name from a later release):
    /// what a dialer reads from it is `unansweredOutcome`'s business. No name, an empty one or a
    /// malformed one (lower case, spaces, punctuation, longer than `maxNameLength`) gives
    /// `fallback` (NORMAL_TEMPORARY_FAILURE).
    public init(freeSWITCH name: String?) {
        self = name.flatMap(HangupCause.init(rawValue:)) ?? .fallback
    }

    /// The cause of a failed job's text `-ERR NO_ANSWER` (a trailing newline or more words
    /// ignored): the first word after `-ERR`, read as `init(freeSWITCH:)`.
    public init(jobResult text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("-ERR") { rest = rest.dropFirst(4) }
        let word = rest.drop { $0 == " " }.prefix { $0 != " " && $0 != "\n" && $0 != "\r" }
        self.init(freeSWITCH: String(word))
    }
}

// MARK: - mod_callcenter agents

/// An agent as mod_callcenter reports it: `CC-Agent-Status` and `CC-Agent-State` of the
/// `agent-status-change` and `agent-state-change` events (docs/esl-mapping.md, "mod_callcenter
/// events"), kept per agent because each event carries only one of the two.
public struct CallCenterAgent: Hashable, Sendable {
    /// `CC-Agent-Status`: `Logged Out`, `Available`, `Available (On Demand)`, `On Break`;
    /// nil until one arrives (read as `Logged Out`).
    public var status: String?
    /// `CC-Agent-State`: `Waiting`, `Receiving`, `In a queue call`, `Idle`, `Reserved`; nil until
    /// one arrives (read as `Waiting`, the state mod_callcenter gives an agent made available).
    public var state: String?
    /// Since when the agent has been away (On Break, or Idle while available).
    public var awaySince: Seconds?
    /// The agent's `wrap_up_time` in mod_callcenter (`callcenter_config agent list`), seconds:
    /// after a queue call it stays `Waiting` that long before mod_callcenter offers it another.
    /// 0 when not known.
    public var wrapUpTime: Seconds
    /// When the agent's wrap-up ends, while it wraps up (`Waiting` after a queue call, for
    /// `wrapUpTime`); the driver ends it with `endWrapUp(at:)`.
    public var wrapUpUntil: Seconds?

    /// An agent nothing is known of.
    public init(status: String? = nil, state: String? = nil, awaySince: Seconds? = nil, wrapUpTime: Seconds = 0) {
        self.status = status
        self.state = state
        self.awaySince = awaySince
        self.wrapUpTime = wrapUpTime
    }

    /// What mod_callcenter would say of an agent the dialer sees in `state`; nil for `wrapUp`,
    /// which mod_callcenter has no status for (its wrap-up is a delay spent `Waiting` after a
    /// queue call: the driver sees it through `wrapUpTime`).
    public init?(_ state: AgentState) {
        switch state {
        case .loggedOut: self.init(status: "Logged Out")
        case .idle: self.init(status: "Available", state: "Waiting")
        case .talking: self.init(status: "Available", state: "In a queue call")
        case .paused(let since): self.init(status: "On Break", awaySince: since)
        case .wrapUp: return nil
        }
    }

    /// What the dialer sees (the patent's agent-state updater):
    ///
    /// | status | state | `AgentState` |
    /// | --- | --- | --- |
    /// | Logged Out (or none yet), or unknown | any | loggedOut |
    /// | On Break | any | paused(since: when the break began) |
    /// | Available, Available (On Demand) | Waiting after a queue call, for `wrapUpTime` | wrapUp |
    /// | Available, Available (On Demand) | Waiting (or none yet) | idle |
    /// | Available… | In a queue call | talking |
    /// | Available… | Receiving (a call is being offered) | talking: reserved, not to be dialled for |
    /// | Available… | Reserved (uuid-standby agents) | talking, likewise |
    /// | Available… | Idle ("does nothing, no calls will be given") | paused(since: when it became Idle) |
    /// | Available… | unknown | idle |
    public var dialerState: AgentState {
        switch status {
        case "On Break": return .paused(since: awaySince ?? 0)
        case "Available", "Available (On Demand)":
            switch state {
            case "In a queue call", "Receiving", "Reserved": return .talking
            case "Idle": return .paused(since: awaySince ?? 0)
            default: return wrapUpUntil == nil ? .idle : .wrapUp
            }
        default: return .loggedOut
        }
    }

    /// Applies one `callcenter::info` status or state change at `time`; returns whether it was one.
    mutating func apply(_ info: ESLCallCenterInfo, at time: Seconds) -> Bool {
        let wasAway = isAway
        let wasOnCall = state == "In a queue call"
        switch info.action {
        case "agent-status-change":
            guard let status = info.agentStatus else { return false }
            self.status = status
        case "agent-state-change":
            guard let state = info.agentState else { return false }
            self.state = state
        default:
            return false
        }
        if isAway && !wasAway { awaySince = time }
        if !isAway { awaySince = nil }
        let available = status?.hasPrefix("Available") == true
        if available && state == "Waiting" {
            if wasOnCall && wrapUpTime > 0 { wrapUpUntil = time + wrapUpTime }
        } else {
            wrapUpUntil = nil
        }
        return true
    }

    /// Ends the agent's wrap-up if it is over at `time`; returns whether it ended.
    public mutating func endWrapUp(at time: Seconds) -> Bool {
        guard let until = wrapUpUntil, until <= time else { return false }
        wrapUpUntil = nil
        return true
    }

    /// What the inbound router sees: `offline` when logged out, on a break or Idle; `ready`
    /// when Available and Waiting (or no state yet); `busy` when Available and Receiving, In a
    /// queue call or Reserved.
    public var routerState: RouterAgentState {
        switch dialerState {
        case .loggedOut, .paused: return .offline
        case .idle: return .ready
        case .talking, .wrapUp: return .busy
        }
    }

    private var isAway: Bool {
        status == "On Break" || (status?.hasPrefix("Available") == true && state == "Idle")
    }
}

/// An agent as the inbound router's events describe it.
public enum RouterAgentState: Hashable, Sendable {
    /// Takes no calls (`agentLoggedOut` tells the router).
    case offline
    /// Free for a call (`agentLoggedIn` from offline, `agentAvailable` from busy).
    case ready
    /// On a call mod_callcenter gave them (`Receiving`, `In a queue call`, `Reserved`): in a
    /// blended center, the dialer's. The router's own calls go by `uuid_transfer`, outside
    /// mod_callcenter, and the router marks the agent busy itself when it connects one.
    case busy

    /// The router event for going from `self` to `next`, if any. An agent mod_callcenter puts on
    /// a call is withdrawn from the router (`agentLoggedOut`) and given back when free
    /// (`agentAvailable`), as the simulated blend withdraws agents on other work, so the router
    /// never transfers a caller to an agent talking to the dialer's customer.
    public func event(to next: RouterAgentState, agent: AgentID) -> InboundEvent? {
        switch (self, next) {
        case (.offline, .ready): return .agentLoggedIn(agent)
        case (.busy, .ready): return .agentAvailable(agent)
        case (.ready, .offline), (.ready, .busy): return .agentLoggedOut(agent)
        case (.busy, .offline): return nil  // withdrawn already
        default: return nil
        }
    }
}

// MARK: - Small readers shared by the bridges

extension ESLEvent {
    /// `value(name)` with FreeSWITCH's empty marker `_undef_` and "" read as nil.
    func nonEmpty(_ name: String) -> String? {
        guard let v = value(name), !v.isEmpty, v != "_undef_" else { return nil }
        return v
    }

    /// `variable(name)` with `_undef_` and "" read as nil.
    func nonEmptyVariable(_ name: String) -> String? { nonEmpty("variable_" + name) }
}
