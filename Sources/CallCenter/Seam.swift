// MARK: - The inbound policy seam

/// Seconds on the driver's clock: simulated seconds since the start of a run, or, in
/// production, seconds since the epoch the live adapter chose. Policies read time only from
/// the events handed to them.
public typealias Seconds = Double

/// What a softswitch tells an inbound router. Each event comes with its time.
public enum InboundEvent: Hashable, Sendable {
    /// An agent logged in and is ready for calls.
    case agentLoggedIn(AgentID)
    /// An agent logged out (or went on a break); it takes no more calls until it logs in.
    case agentLoggedOut(AgentID)
    /// An agent finished a call and its wrap-up and is ready again.
    case agentAvailable(AgentID)
    /// A caller arrived and waits to be routed.
    case callArrived(CallID)
    /// A caller hung up before being connected to an agent.
    case callAbandoned(CallID)
}

/// What an inbound router asks the softswitch to do.
public enum InboundCommand: Hashable, Sendable {
    /// Bridge the call to the agent. The router considers the agent busy from now on.
    case connect(CallID, to: AgentID)
    /// Refuse the call: there is no place for it (the caller hears busy and is lost).
    case reject(CallID)
}

/// An inbound router: a deterministic state machine from events to commands.
///
/// A router does no I/O, reads no clock (time arrives with each event) and draws randomness
/// only from what it is given. Given the same events it returns the same commands. Commands are
/// appended to a buffer the caller owns and clears, so handling an event allocates nothing.
public protocol InboundRouter {
    /// Handles `event`, which happened at `time`, appending the resulting commands to `commands`.
    mutating func handle(_ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand])
}
