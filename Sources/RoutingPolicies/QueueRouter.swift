import CallCenter

// MARK: - The agents as a queue router sees them

/// The agents as the baseline queue routers see them: who is idle and since when, and what each
/// has done so far (calls answered, talk time). Shared by `QueueRouter` and `StickyRouter`.
///
/// "Idle since" is the sequence number of the event that made the agent idle, so that the order
/// of idleness is the order of events (the driver delivers them in time order) and never ties.
/// Talk time runs from a `connect` to the agent's next `agentAvailable` (or `agentLoggedOut`),
/// which is how mod_callcenter accumulates `agents.talk_time` from its own records.
struct QueueAgentBoard: Sendable {
    /// Whether the agent is logged in and idle, indexed by agent.
    private(set) var isIdle: [Bool] = []
    /// The sequence number of the event that made the agent idle, indexed by agent.
    private var idleSince: [UInt64] = []
    /// When the agent's current call started, nil when it has none, indexed by agent.
    private var talkStart: [Seconds?] = []
    /// The agent's total talk time of finished calls, indexed by agent.
    private(set) var talkTime: [Seconds] = []
    /// How many calls the agent was connected to, indexed by agent.
    private(set) var callsAnswered: [Int] = []
    /// The next idle sequence number.
    private var nextSequence: UInt64 = 0
    /// How many agents are idle now.
    private(set) var idleCount = 0

    /// How many agents the board knows (the highest index seen, plus one).
    var agentCount: Int { isIdle.count }

    private mutating func ensure(_ agent: AgentID) {
        precondition(agent.index >= 0, "agent indices must not be negative")
        while isIdle.count <= agent.index {
            isIdle.append(false)
            idleSince.append(0)
            talkStart.append(nil)
            talkTime.append(0)
            callsAnswered.append(0)
        }
    }

    /// Ends the agent's current call, if any, at `time`, adding it to the agent's talk time.
    mutating func endTalk(_ agent: AgentID, at time: Seconds) {
        ensure(agent)
        if let start = talkStart[agent.index] {
            talkTime[agent.index] += max(0, time - start)
            talkStart[agent.index] = nil
        }
    }

    /// Makes the agent idle; an agent idle already keeps its place in the idle order.
    mutating func markIdle(_ agent: AgentID) {
        ensure(agent)
        guard !isIdle[agent.index] else { return }
        isIdle[agent.index] = true
        idleSince[agent.index] = nextSequence
        nextSequence &+= 1
        idleCount += 1
    }

    /// Makes the agent not idle (logged out, or about to be connected).
    mutating func markNotIdle(_ agent: AgentID) {
        ensure(agent)
        guard isIdle[agent.index] else { return }
        isIdle[agent.index] = false
        idleCount -= 1
    }

    /// Records that the agent was connected to a call at `time`: it is busy, one more call.
    mutating func connect(_ agent: AgentID, at time: Seconds) {
        markNotIdle(agent)
        endTalk(agent, at: time)
        talkStart[agent.index] = time
        callsAnswered[agent.index] += 1
    }

    /// Whether the agent is idle now.
    func idle(_ agent: AgentID) -> Bool {
        agent.index < isIdle.count && isIdle[agent.index]
    }

    /// The idle agent idle the longest, nil when none is. - Complexity: O(agents).
    func longestIdle() -> AgentID? {
        var best: Int? = nil
        for i in isIdle.indices where isIdle[i] {
            if best.map({ idleSince[i] < idleSince[$0] }) ?? true { best = i }
        }
        return best.map { AgentID($0) }
    }

    /// The idle agent with the smallest `key`, ties to the lowest index. - Complexity: O(agents).
    func idleMinimizing<Key: Comparable>(_ key: (Int) -> Key) -> AgentID? {
        var best: Int? = nil
        var bestKey: Key? = nil
        for i in isIdle.indices where isIdle[i] {
            let k = key(i)
            if bestKey.map({ k < $0 }) ?? true {
                best = i
                bestKey = k
            }
        }
        return best.map { AgentID($0) }
    }

    /// The first idle agent with index at least `start`, wrapping around to index 0.
    /// - Complexity: O(agents).
    func firstIdle(from start: Int = 0) -> AgentID? {
        let n = isIdle.count
        guard n > 0, idleCount > 0 else { return nil }
        let s = min(max(start, 0), n)
        for i in s..<n where isIdle[i] { return AgentID(i) }
        for i in 0..<s where isIdle[i] { return AgentID(i) }
        return nil
    }

    /// The `k`-th idle agent (from 0) in index order. - Complexity: O(agents).
    func idle(number k: Int) -> AgentID? {
        var seen = 0
        for i in isIdle.indices where isIdle[i] {
            if seen == k { return AgentID(i) }
            seen += 1
        }
        return nil
    }
}

// MARK: - FreeSWITCH mod_callcenter's queue strategies

/// A FIFO queue whose idle agent is chosen by one of FreeSWITCH mod_callcenter's queue
/// strategies, as a deterministic state machine behind the inbound seam: the planner's baseline.
///
/// - A caller who arrives while an agent is idle is connected to the agent the strategy picks.
/// - Otherwise the caller waits in one first-come first-served queue, unless the queue holds
///   `queueCapacity` callers already, in which case the call is rejected (capacity 0: a loss
///   system). A caller who hangs up (`callAbandoned`) leaves the queue: the callers' patience
///   is the driver's, as in `LongestIdleRouter`.
/// - An agent who becomes available takes the caller waiting longest (no choice to make); with
///   nobody waiting the agent becomes idle.
///
/// There is one queue and one tier, so mod_callcenter's "tier order" is the agent index order.
/// Every tie is broken by agent index, so the same events give the same commands.
/// `callerArrived` is handled like `callArrived`; `digitsCollected`, `wakeUp` and
/// `callbackDone` are ignored.
///
/// - Complexity: choosing an agent is O(agents) (a scan in index order); every other event is
///   amortised O(1).
public struct QueueRouter: InboundRouter, Sendable {
    /// mod_callcenter's queue strategies; the raw values are its `strategy` parameter values.
    public enum Strategy: String, CaseIterable, Hashable, Sendable, Codable {
        /// The agent idle the longest (mod_callcenter's default); the same choices as
        /// `LongestIdleRouter`.
        case longestIdleAgent = "longest-idle-agent"
        /// The first idle agent after the agent who was last connected, wrapping around.
        case roundRobin = "round-robin"
        /// The first idle agent in tier order (agent index order), from the top for every call.
        case topDown = "top-down"
        /// The idle agent with the least total talk time so far (connect to next available).
        case agentWithLeastTalkTime = "agent-with-least-talk-time"
        /// The idle agent connected to the fewest calls so far.
        case agentWithFewestCalls = "agent-with-fewest-calls"
        /// An idle agent drawn uniformly from the router's `SplitMix64` (one draw per choice).
        case random = "random"
        /// mod_callcenter rings every idle agent and the first to answer takes the call. This
        /// seam has no "ring several, first to answer" yet (a `connect` names one agent, who
        /// always answers), so here the first idle agent in index order takes it: the same
        /// choices as `topDown`.
        case ringAll = "ring-all"
    }

    /// The planner's knobs of this router.
    public struct Configuration: Hashable, Sendable, Codable {
        /// How an idle agent is chosen for an arriving caller.
        public var strategy: Strategy
        /// How many callers may wait at once; nil for no limit, 0 for a loss system.
        public var queueCapacity: Int?
        /// The knobs, by name.
        public init(strategy: Strategy = .longestIdleAgent, queueCapacity: Int? = nil) {
            precondition(queueCapacity.map { $0 >= 0 } ?? true, "queueCapacity must not be negative")
            self.strategy = strategy
            self.queueCapacity = queueCapacity
        }
    }

    /// The router's knobs.
    public let configuration: Configuration
    /// The stream the `random` strategy draws from (the other strategies never draw).
    public private(set) var random: SplitMix64

    private var agents = QueueAgentBoard()
    /// Callers in arrival order; an entry is stale once the caller has left `waiting`.
    private var queue = RingBuffer<CallID>()
    /// The callers waiting now.
    private var waiting = CallSet()
    /// The agent connected last (round-robin's "where we left off"), nil before the first call.
    private var lastConnected: AgentID? = nil

    /// A router with no agents logged in and nobody waiting; `random` feeds the `random` strategy.
    public init(_ configuration: Configuration = Configuration(), random: SplitMix64 = SplitMix64(seed: 0)) {
        self.configuration = configuration
        self.random = random
    }

    /// How many callers wait now. - Complexity: O(1).
    public var waitingCount: Int { waiting.count }

    /// How many agents are idle now. - Complexity: O(1).
    public var idleCount: Int { agents.idleCount }

    /// How many calls `agent` was connected to so far. - Complexity: O(1).
    public func callsAnswered(by agent: AgentID) -> Int {
        agent.index < agents.agentCount ? agents.callsAnswered[agent.index] : 0
    }

    /// The talk time of `agent`'s finished calls so far (a call in progress is not counted).
    /// - Complexity: O(1).
    public func talkTime(of agent: AgentID) -> Seconds {
        agent.index < agents.agentCount ? agents.talkTime[agent.index] : 0
    }

    /// Handles `event`, which happened at `time`, appending the resulting commands to `commands`.
    public mutating func handle(
        _ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        switch event {
        case .callArrived(let call), .callerArrived(let call, _):
            if let agent = chooseIdleAgent() {
                connect(call, to: agent, at: time, into: &commands)
            } else if let capacity = configuration.queueCapacity, waiting.count >= capacity {
                commands.append(.reject(call))
            } else {
                waiting.insert(call)
                queue.append(call)
            }
        case .agentLoggedIn(let agent), .agentAvailable(let agent):
            agents.endTalk(agent, at: time)
            if let call = takeLongestWaitingCall() {
                connect(call, to: agent, at: time, into: &commands)
            } else {
                agents.markIdle(agent)
            }
        case .agentLoggedOut(let agent):
            agents.endTalk(agent, at: time)
            agents.markNotIdle(agent)
        case .callAbandoned(let call):
            // The queue entry goes stale and is skipped when it reaches the front.
            waiting.remove(call)
        case .digitsCollected, .wakeUp, .callbackDone:
            // No IVR, no timers, no callbacks: nothing to do.
            break
        }
    }

    // MARK: Choosing an agent

    /// The idle agent the strategy picks, nil when none is idle. - Complexity: O(agents).
    private mutating func chooseIdleAgent() -> AgentID? {
        guard agents.idleCount > 0 else { return nil }
        switch configuration.strategy {
        case .longestIdleAgent:
            return agents.longestIdle()
        case .roundRobin:
            return agents.firstIdle(from: lastConnected.map { $0.index + 1 } ?? 0)
        case .topDown, .ringAll:
            return agents.firstIdle()
        case .agentWithLeastTalkTime:
            let talk = agents.talkTime
            return agents.idleMinimizing { talk[$0] }
        case .agentWithFewestCalls:
            let calls = agents.callsAnswered
            return agents.idleMinimizing { calls[$0] }
        case .random:
            return agents.idle(number: random.next(below: agents.idleCount))
        }
    }

    private mutating func connect(
        _ call: CallID, to agent: AgentID, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        agents.connect(agent, at: time)
        lastConnected = agent
        commands.append(.connect(call, to: agent))
    }

    private mutating func takeLongestWaitingCall() -> CallID? {
        while let call = queue.popFirst() {
            if waiting.remove(call) { return call }
        }
        return nil
    }
}

// MARK: - The sticky queue

/// A queue that keeps a caller for their bound agent: it waits up to `stickyWait` seconds for
/// that agent before overflowing to any idle agent (the one idle the longest). The planner's
/// baseline for "a caller reaches an agent who knows them" without the patent's cascade.
///
/// - A caller (`callerArrived`) whose number is bound to an idle agent is connected to them.
/// - A caller bound to an agent who is not idle waits for that agent alone (other idle agents
///   do not take them), and the router asks for a `wakeUp(at: arrival + stickyWait)`. The wait
///   does not depend on whether the bound agent is busy or logged out.
/// - At a `wakeUp`, every caller whose wait is over overflows, oldest first: to the agent idle
///   the longest, or, with nobody idle, into the first-come first-served queue (in arrival
///   order among the overflowed callers).
/// - A caller whose number is unknown, a `callArrived` (no number), or any caller when
///   `stickyWait` is 0, goes straight to the agent idle the longest, or waits overflowed.
/// - An agent who becomes available takes, first, the longest-waiting caller bound to them
///   (still in their sticky wait or overflowed already), then the longest-waiting overflowed
///   caller; with neither the agent becomes idle.
/// - `queueCapacity` bounds all waiting callers (sticky and overflowed); a caller who would
///   exceed it is rejected. A caller who hangs up leaves the queue.
///
/// Choices never iterate a hashed collection (the bindings are only looked up), so the same
/// events give the same commands.
///
/// - Complexity: O(agents + waiting callers) per event.
public struct StickyRouter: InboundRouter, Sendable {
    /// The planner's knobs of this router.
    public struct Configuration: Hashable, Sendable, Codable {
        /// How long a caller waits for their bound agent before overflowing, in seconds.
        public var stickyWait: Seconds
        /// How many callers may wait at once; nil for no limit, 0 for a loss system.
        public var queueCapacity: Int?
        /// The knobs, by name.
        public init(stickyWait: Seconds = 30, queueCapacity: Int? = nil) {
            precondition(stickyWait >= 0, "stickyWait must not be negative")
            precondition(queueCapacity.map { $0 >= 0 } ?? true, "queueCapacity must not be negative")
            self.stickyWait = stickyWait
            self.queueCapacity = queueCapacity
        }
    }

    /// A waiting caller.
    private struct Waiter: Sendable {
        var call: CallID
        /// The agent the caller is bound to, nil for an unknown caller.
        var boundAgent: AgentID?
        /// When the caller's sticky wait ends; nil once they overflowed (any agent may take them).
        var stickyUntil: Seconds?
    }

    /// The router's knobs.
    public let configuration: Configuration
    /// The caller numbers bound to an agent (each customer's first agent).
    public let bindings: [PhoneNumber: AgentID]

    private var agents = QueueAgentBoard()
    /// The waiting callers in arrival order.
    private var waiters: [Waiter] = []

    /// A router with no agents logged in and nobody waiting; `bindings` maps caller numbers to
    /// their bound agent.
    public init(_ configuration: Configuration = Configuration(), bindings: [PhoneNumber: AgentID]) {
        self.configuration = configuration
        self.bindings = bindings
    }

    /// How many callers wait now (sticky and overflowed). - Complexity: O(1).
    public var waitingCount: Int { waiters.count }

    /// How many agents are idle now. - Complexity: O(1).
    public var idleCount: Int { agents.idleCount }

    /// Handles `event`, which happened at `time`, appending the resulting commands to `commands`.
    public mutating func handle(
        _ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        switch event {
        case .callerArrived(let call, let number):
            arrive(call, boundTo: bindings[number], at: time, into: &commands)
        case .callArrived(let call):
            arrive(call, boundTo: nil, at: time, into: &commands)
        case .agentLoggedIn(let agent), .agentAvailable(let agent):
            agents.endTalk(agent, at: time)
            let position =
                waiters.firstIndex { $0.boundAgent == agent }
                ?? waiters.firstIndex { $0.stickyUntil == nil }
            if let position {
                let waiter = waiters.remove(at: position)
                agents.connect(agent, at: time)
                commands.append(.connect(waiter.call, to: agent))
            } else {
                agents.markIdle(agent)
            }
        case .agentLoggedOut(let agent):
            agents.endTalk(agent, at: time)
            agents.markNotIdle(agent)
        case .callAbandoned(let call):
            waiters.removeAll { $0.call == call }
        case .wakeUp:
            overflowExpiredWaits(at: time, into: &commands)
        case .digitsCollected, .callbackDone:
            // No IVR, no callbacks: nothing to do.
            break
        }
    }

    private mutating func arrive(
        _ call: CallID, boundTo bound: AgentID?, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        if let bound, agents.idle(bound) {
            agents.connect(bound, at: time)
            commands.append(.connect(call, to: bound))
        } else if let bound, configuration.stickyWait > 0 {
            guard hasRoom else { return commands.append(.reject(call)) }
            let until = time + configuration.stickyWait
            waiters.append(Waiter(call: call, boundAgent: bound, stickyUntil: until))
            commands.append(.wakeUp(at: until))
        } else if let agent = agents.longestIdle() {
            agents.connect(agent, at: time)
            commands.append(.connect(call, to: agent))
        } else {
            guard hasRoom else { return commands.append(.reject(call)) }
            waiters.append(Waiter(call: call, boundAgent: bound, stickyUntil: nil))
        }
    }

    private var hasRoom: Bool {
        configuration.queueCapacity.map { waiters.count < $0 } ?? true
    }

    /// Overflows every caller whose sticky wait is over at `time`, oldest first.
    private mutating func overflowExpiredWaits(at time: Seconds, into commands: inout [InboundCommand]) {
        var i = 0
        while i < waiters.count {
            guard let until = waiters[i].stickyUntil, until <= time else {
                i += 1
                continue
            }
            if let agent = agents.longestIdle() {
                let waiter = waiters.remove(at: i)
                agents.connect(agent, at: time)
                commands.append(.connect(waiter.call, to: agent))
            } else {
                waiters[i].stickyUntil = nil
                i += 1
            }
        }
    }
}
