import CallCenter

// MARK: - The dialer's pool: the blending rule

/// The blending rule (`BlendRule`) applied to a center's agents: which agents are in the
/// dialer's pool, what the dialer is shown of each agent, and which agent an answered campaign
/// customer meets. The one place this is decided: `CenterPolicy` drives it, in the simulator and
/// in `simcc live`.
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
    /// The idle agents outside the pool, by (idle since, index): the next to join first.
    @usableFromInline var outsideIdle: [Int] = []
    /// The idle members, by (idle since, index): the next to meet a customer first.
    @usableFromInline var idleMembers: [Int] = []
    /// Agents on the campaign's calls or their wrap-up.
    @usableFromInline var onCalls = 0
    /// Members (idle or not yet updated).
    @usableFromInline var members = 0
    /// Agents set since the last update, each once.
    @usableFromInline var pending: [Int] = []
    @usableFromInline var isPending: [Bool]
    /// The `open` of the last update.
    @usableFromInline var lastOpen = false

    /// An empty pool under `rule` for `agents` agents, all logged out.
    public init(rule: BlendRule, agents: Int = 0) {
        self.rule = rule
        _states = Array(repeating: .loggedOut, count: agents)
        _idleSince = Array(repeating: 0, count: agents)
        _isMember = Array(repeating: false, count: agents)
        isPending = Array(repeating: false, count: agents)
    }

    /// Whether `agent` is in the pool. - Complexity: O(1).
    @inlinable
    public func contains(_ agent: Int) -> Bool { agent >= 0 && agent < _isMember.count && _isMember[agent] }

    /// Agent `agent` is now in `state` (as the campaign sees it), since `time`: an agent becoming
    /// idle is idle since `time`; one idle already keeps its place in the line.
    /// - Complexity: O(log k + k) for the k idle agents in its line, amortised.
    @inlinable
    public mutating func set(_ agent: Int, _ state: AgentState, at time: Seconds) {
        while _states.count <= agent {
            _states.append(.loggedOut)
            _idleSince.append(0)
            _isMember.append(false)
            isPending.append(false)
        }
        let old = _states[agent]
        guard old != state else { return }
        if old == .idle { leaveLine(agent) }
        if Self.onCall(old) { onCalls -= 1 }
        if state == .idle { _idleSince[agent] = time }
        _states[agent] = state
        if state == .idle { joinLine(agent) }
        if Self.onCall(state) { onCalls += 1 }
        if !isPending[agent] {
            isPending[agent] = true
            pending.append(agent)
        }
    }

    /// Brings the pool up to date under the rule: appends to `left` the agents that left it (no
    /// longer idle, then, when the pool is closed, every member, in index order) and to `joined`
    /// those that joined it (longest idle first).
    /// - Parameter open: whether the dialer may take agents now (it is dialing, or answered
    ///   customers wait for an agent).
    /// - Complexity: O(c log c) for the c agents set since the last update, plus O(j) for the j
    ///   that join; O(agents) when the pool closes with members.
    @inlinable
    public mutating func update(open: Bool, joined: inout [Int], left: inout [Int]) {
        // No agent set since the last update with the same `open`: it would change nothing.
        guard !pending.isEmpty || open != lastOpen else { return }
        lastOpen = open
        // Members were idle at the last update: only an agent set since can have left.
        pending.sort()
        for a in pending {
            isPending[a] = false
            if _isMember[a] && _states[a] != .idle {
                _isMember[a] = false
                members -= 1
                left.append(a)
            }
        }
        pending.removeAll(keepingCapacity: true)
        guard open else {
            guard members > 0 else { return }
            for a in _isMember.indices where _isMember[a] {
                _isMember[a] = false
                left.append(a)
                // Idle, since non-idle members left above: back in the line outside.
                Self.remove(a, from: &idleMembers, _idleSince)
                Self.insert(a, into: &outsideIdle, _idleSince)
            }
            members = 0
            return
        }
        var room = outsideIdle.count - rule.inboundReserve
        if let cap = rule.maxOutboundAgents { room = min(room, cap - (idleMembers.count + onCalls)) }
        guard room > 0 else { return }
        for a in outsideIdle.prefix(room) {
            _isMember[a] = true
            members += 1
            joined.append(a)
            Self.insert(a, into: &idleMembers, _idleSince)
        }
        outsideIdle.removeFirst(room)
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
    /// - Complexity: O(1).
    @inlinable
    public func longestIdleMember() -> Int? { idleMembers.first }

    // MARK: The lines, by (idle since, index)

    @inlinable
    static func onCall(_ state: AgentState) -> Bool {
        switch state {
        case .talking, .wrapUp: return true
        case .idle, .paused, .loggedOut: return false
        }
    }

    /// Idle agent `agent` takes its place in its line (the members' or the one outside).
    @inlinable
    mutating func joinLine(_ agent: Int) {
        if _isMember[agent] {
            Self.insert(agent, into: &idleMembers, _idleSince)
        } else {
            Self.insert(agent, into: &outsideIdle, _idleSince)
        }
    }

    /// Agent `agent`, idle until now, leaves its line.
    @inlinable
    mutating func leaveLine(_ agent: Int) {
        if _isMember[agent] {
            Self.remove(agent, from: &idleMembers, _idleSince)
        } else {
            Self.remove(agent, from: &outsideIdle, _idleSince)
        }
    }

    /// Where `agent` goes in `line` (the first place whose agent does not come before it).
    @inlinable
    static func place(of agent: Int, in line: [Int], _ since: [Seconds]) -> Int {
        let key = (since[agent], agent)
        var lo = 0, hi = line.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (since[line[mid]], line[mid]) < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    @inlinable
    static func insert(_ agent: Int, into line: inout [Int], _ since: [Seconds]) {
        line.insert(agent, at: place(of: agent, in: line, since))
    }

    @inlinable
    static func remove(_ agent: Int, from line: inout [Int], _ since: [Seconds]) {
        let i = place(of: agent, in: line, since)
        if i < line.count && line[i] == agent { line.remove(at: i) }
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
