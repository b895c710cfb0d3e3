import CallCenter

// MARK: - The dialer's pool: the blending rule

/// The blending rule (`BlendRule`) applied to a center's agents: which agents are in the
/// dialer's pool, what the dialer is shown of each agent, and which agent an answered campaign
/// customer meets. The one place this is decided: `CenterPolicy` (the routing world's blended
/// studies) and `CampaignPolicy` (`simcc live`) both drive it.
///
/// The driver tells the pool each agent's state *as the campaign sees it* (`set`): `idle` when
/// free, `talking`/`wrapUp` on the campaign's calls, `paused` on a break, and `loggedOut` when
/// the agent is away or on other work (an inbound call, its wrap-up, a callback). Then:
///
/// - An agent leaves the pool when it is no longer idle (it took a call, went on a break).
/// - While the pool is *open* (the dialer runs, or answered customers wait for an agent), idle
///   agents outside it join, longest idle first (ties: the lower index), as long as
///   `inboundReserve` idle agents stay outside and the agents on the campaign (on its calls,
///   wrapping up, or in the pool) stay within `maxOutboundAgents`. When it closes, it empties.
/// - The dialer is shown the pool's agents idle, idle agents outside it logged out, and every
///   other agent as set, so it paces for the agents it can have.
/// - An answered customer meets the pool's agent idle the longest (`match`).
///
/// Agents are dense indices (`AgentID.index`). Each operation is O(agents) at most; the pool
/// allocates only when it grows.
public struct DialerPool: Sendable {
    /// The rule's knobs.
    public let rule: BlendRule
    /// Each agent's state as the campaign sees it (see the type's summary).
    @inlinable public var states: [AgentState] { _states }
    @usableFromInline var _states: [AgentState]
    /// When each idle agent became idle (meaningless for the others).
    @inlinable public var idleSince: [Seconds] { _idleSince }
    @usableFromInline var _idleSince: [Seconds]
    /// Whether each agent is in the pool.
    @inlinable public var isMember: [Bool] { _isMember }
    @usableFromInline var _isMember: [Bool]
    /// Scratch: the idle agents outside the pool.
    @usableFromInline var outside: [Int] = []
    /// Whether anything `update` reads changed since it last ran, and with which `open`.
    @usableFromInline var changed = true
    @usableFromInline var lastOpen = false

    /// An empty pool under `rule` for `agents` agents, all logged out.
    public init(rule: BlendRule, agents: Int = 0) {
        self.rule = rule
        _states = Array(repeating: .loggedOut, count: agents)
        _idleSince = Array(repeating: 0, count: agents)
        _isMember = Array(repeating: false, count: agents)
    }

    /// Agent `agent` is now in `state` (as the campaign sees it), since `time`: an agent becoming
    /// idle is idle since `time`; one idle already keeps its place in the line.
    /// - Complexity: O(1), amortised.
    @inlinable
    public mutating func set(_ agent: Int, _ state: AgentState, at time: Seconds) {
        while _states.count <= agent {
            _states.append(.loggedOut)
            _idleSince.append(0)
            _isMember.append(false)
        }
        guard _states[agent] != state else { return }
        if state == .idle { _idleSince[agent] = time }
        _states[agent] = state
        changed = true
    }

    /// Brings the pool up to date under the rule: appends to `left` the agents that left it (no
    /// longer idle, then, when the pool is closed, every member, in index order) and to `joined`
    /// those that joined it (longest idle first).
    /// - Parameter open: whether the dialer may take agents now (it is dialing, or answered
    ///   customers wait for an agent).
    /// - Complexity: O(agents), plus O(k log k) to sort the k idle agents outside the pool.
    @inlinable
    public mutating func update(open: Bool, joined: inout [Int], left: inout [Int]) {
        // Nothing changed since the last update with the same `open`: it would change nothing.
        guard changed || open != lastOpen else { return }
        changed = false
        lastOpen = open
        outside.removeAll(keepingCapacity: true)
        var onCampaign = 0
        for a in _states.indices {
            if _isMember[a] && _states[a] != .idle {
                _isMember[a] = false
                left.append(a)
            }
            switch _states[a] {
            case .idle:
                if _isMember[a] { onCampaign += 1 } else { outside.append(a) }
            case .talking, .wrapUp:
                onCampaign += 1
            case .loggedOut, .paused:
                break
            }
        }
        guard open else {
            for a in _states.indices where _isMember[a] {
                _isMember[a] = false
                left.append(a)
            }
            return
        }
        var room = outside.count - rule.inboundReserve
        if let cap = rule.maxOutboundAgents { room = min(room, cap - onCampaign) }
        guard room > 0 else { return }
        outside.sort { (_idleSince[$0], $0) < (_idleSince[$1], $1) }
        for a in outside.prefix(room) {
            _isMember[a] = true
            joined.append(a)
        }
    }

    /// What the dialer is shown of `agent`: idle in the pool, logged out when idle outside it,
    /// else its state as set. - Complexity: O(1).
    @inlinable
    public func shown(_ agent: Int) -> AgentState {
        guard agent < _states.count else { return .loggedOut }
        let state = _states[agent]
        if state == .idle && !_isMember[agent] { return .loggedOut }
        return state
    }

    /// The pool's agent idle the longest (ties: the lower index), if any is idle.
    /// - Complexity: O(agents).
    @inlinable
    public func longestIdleMember() -> Int? {
        var best = -1
        for a in _states.indices where _isMember[a] && _states[a] == .idle {
            if best < 0 || (_idleSince[a], a) < (_idleSince[best], best) { best = a }
        }
        return best < 0 ? nil : best
    }

    /// The next answered customer to connect and the agent to connect them to: the customer
    /// waiting longest meets the pool's agent idle the longest. The customer leaves `customers`;
    /// the driver connects them and sets the agent `talking`. Nil when nobody waits or no agent
    /// of the pool is idle.
    @inlinable
    public func match(_ customers: inout AnsweredCustomers) -> (call: CallID, agent: Int)? {
        guard let call = customers.first, let agent = longestIdleMember() else { return nil }
        customers.removeFirst()
        return (call, agent)
    }
}
