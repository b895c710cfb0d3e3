import CallCenter

// MARK: - The blending rule, live

/// The blending rule a planner tuned in a routing study (`routing.outbound`'s `inbound_reserve`
/// and `max_outbound_agents`), applied to what the live dialer is shown of the agents, as the
/// routing world applies it: idle agents join the dialer's pool longest-idle first while more
/// than `inboundReserve` idle agents stay outside it, and at most `maxOutboundAgents` agents are
/// on the campaign (in the pool or on its calls); an agent stays in the pool while idle. The
/// dialer sees the pool idle, the campaign's calls as mod_callcenter reports them, and every
/// other agent logged out, so it paces for the pool only.
public struct LiveBlendRule: Sendable, Hashable {
    /// Idle agents never offered to the dialer (kept for inbound callers).
    public var inboundReserve: Int
    /// At most this many agents on the campaign at once; nil: no cap.
    public var maxOutboundAgents: Int?
    /// Whether the router may still give a caller to an agent of the pool; false: the router
    /// has the pool's agents withdrawn while they are in it (the session tells it).
    public var poolTakesInbound: Bool

    /// A rule keeping `inboundReserve` idle agents for inbound callers, with at most
    /// `maxOutboundAgents` on the campaign, the pool withdrawn from the router unless
    /// `poolTakesInbound`.
    public init(inboundReserve: Int = 0, maxOutboundAgents: Int? = nil, poolTakesInbound: Bool = false) {
        self.inboundReserve = max(0, inboundReserve)
        self.maxOutboundAgents = maxOutboundAgents.map { max(1, $0) }
        self.poolTakesInbound = poolTakesInbound
    }
}

/// The dialer's view of the agents under a `LiveBlendRule` (the pool kept from call to call).
struct LiveBlendView {
    let rule: LiveBlendRule
    /// The agents in the dialer's pool.
    private(set) var pool: Set<AgentID> = []
    private var idleSince: [AgentID: Seconds] = [:]

    init(rule: LiveBlendRule) { self.rule = rule }

    /// What the dialer is shown of each agent of `truth` (the agents' states without the rule:
    /// mod_callcenter's, and logged out while on an inbound call), at `time`.
    mutating func shown(_ truth: [AgentID: AgentState], at time: Seconds) -> [AgentID: AgentState] {
        var idleOutside: [AgentID] = []
        var onCampaign = 0
        for (agent, state) in truth {
            if case .idle = state {
                if idleSince[agent] == nil { idleSince[agent] = time }
                if pool.contains(agent) { onCampaign += 1 } else { idleOutside.append(agent) }
            } else {
                idleSince[agent] = nil
                pool.remove(agent)
                switch state {
                case .talking, .wrapUp: onCampaign += 1
                default: break
                }
            }
        }
        var room = idleOutside.count - rule.inboundReserve
        if let cap = rule.maxOutboundAgents { room = min(room, cap - onCampaign) }
        if room > 0 {
            idleOutside.sort { (idleSince[$0] ?? time, $0) < (idleSince[$1] ?? time, $1) }
            pool.formUnion(idleOutside.prefix(room))
        }
        var shown = truth
        for (agent, state) in truth {
            if case .idle = state, !pool.contains(agent) { shown[agent] = .loggedOut }
        }
        return shown
    }
}
