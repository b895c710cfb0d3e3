import CallCenter

// MARK: - The blending rule's knobs

/// The knobs of the blending rule (a routing study's `routing.outbound`; `simcc live` takes them
/// from the same file): how the agents of a center are shared between inbound callers,
/// callbacks and an outbound campaign. `CenterPolicy` applies all four steps (through
/// `DialerPool` for step 3), in the simulator and in `simcc live` alike.
///
/// 1. *Inbound first.* An agent who becomes free is offered to the inbound router first.
/// 2. *Then callbacks.* An agent still idle starts their most urgent due callback task.
/// 3. *Then the campaign.* While the dialer runs, idle agents join the dialer's pool, longest idle
///    first, as long as `inboundReserve` idle agents stay outside it and at most
///    `maxOutboundAgents` agents are on the campaign (on a call, wrapping up, or in the pool).
/// 4. The dialer runs from `dialFrom` until `dialUntil`.
public struct BlendRule: Sendable, Hashable {
    /// Idle agents never offered to the dialer (kept for inbound callers).
    public var inboundReserve: Int
    /// At most this many agents on the campaign at once; nil: no cap.
    public var maxOutboundAgents: Int?
    /// When the dialer starts, seconds from the start of the run.
    public var dialFrom: Seconds
    /// When the dialer stops asking for calls (calls in progress finish), seconds; `.infinity`:
    /// never (at the horizon, in a study).
    public var dialUntil: Seconds
    /// Whether the inbound router may still give a caller to an agent in the dialer's pool
    /// (false: the pool is the campaign's, as the dialer paces for it, and the router has the
    /// pool's agents withdrawn while they are in it).
    public var poolTakesInbound: Bool

    /// A rule, by name. The readers of files check the bounds and name the field; a value out
    /// of them here is a programming error.
    public init(
        inboundReserve: Int = 0, maxOutboundAgents: Int? = nil, dialFrom: Seconds = 0,
        dialUntil: Seconds = .infinity, poolTakesInbound: Bool = false
    ) {
        precondition(inboundReserve >= 0, "inboundReserve must not be negative")
        precondition((maxOutboundAgents ?? 1) >= 1, "maxOutboundAgents must be at least 1")
        precondition(dialFrom >= 0 && dialUntil > dialFrom, "the dialing window must not be empty")
        self.inboundReserve = inboundReserve
        self.maxOutboundAgents = maxOutboundAgents
        self.dialFrom = dialFrom
        self.dialUntil = dialUntil
        self.poolTakesInbound = poolTakesInbound
    }
}
