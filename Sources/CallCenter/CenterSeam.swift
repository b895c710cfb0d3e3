// MARK: - The seam of a whole center (`CenterPolicy`, module `CenterPolicies`)

/// What the softswitch (or the simulator) tells a center.
public enum CenterEvent: Hashable, Sendable {
    /// The agent logged in, free.
    case agentLoggedIn(AgentID)
    /// The agent logged out.
    case agentLoggedOut(AgentID)
    /// The agent went on a break (the dialer sees them `paused(since:)`, step S3'; the router
    /// has them away); `agentFree` ends it.
    case agentPaused(AgentID)
    /// The agent's inbound call ended and they wrap up.
    case agentWrappingUp(AgentID)
    /// The agent is free again: their call ended without wrap-up, or their wrap-up ended.
    case agentFree(AgentID)
    /// A caller's event, for the router: `callerArrived`, `callArrived`, `digitsCollected`,
    /// `callAbandoned`, `callbackDone` (an agent desk's), and `wakeUp` (the router's timer, asked
    /// for by `CenterCommand.inbound(.wakeUp(at:))`). Agent events go by the cases above.
    case inbound(InboundEvent)
    /// A campaign call's event, for the dialer: `callAnswered`, `callEnded`, and `wakeUp` (the
    /// dialer's timer, asked for by `CenterCommand.dialer(.wakeUp(at:))`). The center connects
    /// answered customers itself; agent events go by the cases above.
    case outbound(DialerEvent)
    /// A callback attempt `CenterCommand.startCallback` started ended; `reached`: the customer
    /// answered and the agent talked with them.
    case callbackEnded(CallbackTaskID, agent: AgentID, reached: Bool)
    /// The center's own timer (callback retries, hold deadlines), asked for by
    /// `CenterCommand.wakeUp(at:)`.
    case wakeUp
    /// The softswitch did not connect the answered customer of campaign call `call` to the
    /// agent the center chose (`DialerCommand.connect` refused, or lost with the connection):
    /// the agent is free again and the customer waits in line anew.
    case placementFailed(CallID)
}

/// What a center asks of the softswitch (or the simulator).
public enum CenterCommand: Hashable, Sendable {
    /// The router's command (its `wakeUp(at:)` comes back as `CenterEvent.inbound(.wakeUp)`).
    case inbound(InboundCommand)
    /// The campaign's command: the dialer's (`originate`, `hangUp`, `record`, `taskCompleted`,
    /// `wakeUp(at:)`, which comes back as `CenterEvent.outbound(.wakeUp)`), and the center's for
    /// answered customers: `connect(call, agent)` and `holdExpired(call)`.
    case dialer(DialerCommand)
    /// Agent `agent` dials callback task `task` now.
    case startCallback(CallbackTaskID, agent: AgentID)
    /// Callback task `task`, reached by `agent`, is done (record it).
    case callbackDone(CallbackTaskID, by: AgentID)
    /// Wake the center (`CenterEvent.wakeUp`) at this time.
    case wakeUp(at: Seconds)
}
