import CallCenter

// MARK: - The baseline inbound router

/// A FIFO queue served by the longest-idle agent: FreeSWITCH mod_callcenter's default strategy
/// (`longest-idle-agent`), written as a deterministic state machine.
///
/// - A caller who arrives while an agent is idle is connected to the agent idle the longest.
/// - Otherwise the caller waits in one first-come first-served queue, unless the queue holds
///   `queueCapacity` callers already, in which case the call is rejected (a loss system when the
///   capacity is 0: Erlang B).
/// - An agent who becomes available takes the caller waiting longest; with nobody waiting the
///   agent joins the back of the idle line.
/// - A caller who hangs up leaves the queue.
///
/// Agents' "idle since" order is the order of the events that made them idle, which the driver
/// delivers in time order. Every event is handled in amortised O(1) time.
public struct LongestIdleRouter: InboundRouter, Sendable {
    /// The planner's knobs of this router.
    public struct Configuration: Hashable, Sendable {
        /// How many callers may wait at once; nil for no limit, 0 for a loss system.
        public var queueCapacity: Int?
        /// The knobs, by name.
        public init(queueCapacity: Int? = nil) {
            precondition(queueCapacity.map { $0 >= 0 } ?? true, "queueCapacity must not be negative")
            self.queueCapacity = queueCapacity
        }
    }

    /// The router's knobs.
    public let configuration: Configuration

    /// Each agent's state as the router sees it, indexed by agent.
    @usableFromInline var agentIdleEpoch: [UInt32] = []
    /// Whether the agent is logged in and idle, indexed by agent.
    @usableFromInline var agentIsIdle: [Bool] = []
    /// Idle agents, longest idle first; an entry is stale when its epoch no longer matches.
    @usableFromInline var idleLine = RingBuffer<IdleEntry>()
    /// Callers in arrival order; an entry is stale once the caller has left `waiting`.
    @usableFromInline var queue = RingBuffer<CallID>()
    /// The callers waiting now.
    @usableFromInline var waiting = CallSet()

    @usableFromInline struct IdleEntry: Sendable {
        @usableFromInline var agent: AgentID
        @usableFromInline var epoch: UInt32
        @inlinable init(agent: AgentID, epoch: UInt32) {
            self.agent = agent
            self.epoch = epoch
        }
    }

    /// A router with no agents logged in and nobody waiting.
    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// How many callers wait now. - Complexity: O(1).
    public var waitingCount: Int { waiting.count }

    /// How many agents are idle now. - Complexity: O(agents).
    public var idleCount: Int { agentIsIdle.lazy.filter { $0 }.count }

    @inlinable
    public mutating func handle(
        _ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        switch event {
        case .callArrived(let call), .callerArrived(let call, _):
            if let agent = takeLongestIdleAgent() {
                commands.append(.connect(call, to: agent))
            } else if let capacity = configuration.queueCapacity, waiting.count >= capacity {
                commands.append(.reject(call))
            } else {
                waiting.insert(call)
                queue.append(call)
            }
        case .agentLoggedIn(let agent), .agentAvailable(let agent):
            if let call = takeLongestWaitingCall() {
                // The agent was not idle before this event; it goes straight to the caller.
                markBusy(agent)
                commands.append(.connect(call, to: agent))
            } else {
                markIdle(agent)
            }
        case .agentLoggedOut(let agent):
            markBusy(agent)
        case .callAbandoned(let call):
            // The queue entry goes stale and is skipped when it reaches the front.
            waiting.remove(call)
        case .digitsCollected, .wakeUp, .callbackDone:
            // No IVR, no timers, no callbacks: nothing to do.
            break
        }
    }

    @inlinable
    mutating func ensureAgent(_ agent: AgentID) {
        while agentIsIdle.count <= agent.index {
            agentIsIdle.append(false)
            agentIdleEpoch.append(0)
        }
    }

    @inlinable
    mutating func markIdle(_ agent: AgentID) {
        ensureAgent(agent)
        guard !agentIsIdle[agent.index] else { return }
        agentIsIdle[agent.index] = true
        agentIdleEpoch[agent.index] &+= 1
        idleLine.append(IdleEntry(agent: agent, epoch: agentIdleEpoch[agent.index]))
    }

    @inlinable
    mutating func markBusy(_ agent: AgentID) {
        ensureAgent(agent)
        agentIsIdle[agent.index] = false
    }

    @inlinable
    mutating func takeLongestIdleAgent() -> AgentID? {
        while let entry = idleLine.popFirst() {
            let i = entry.agent.index
            if agentIsIdle[i] && agentIdleEpoch[i] == entry.epoch {
                agentIsIdle[i] = false
                return entry.agent
            }
        }
        return nil
    }

    @inlinable
    mutating func takeLongestWaitingCall() -> CallID? {
        while let call = queue.popFirst() {
            if waiting.remove(call) { return call }
        }
        return nil
    }
}
