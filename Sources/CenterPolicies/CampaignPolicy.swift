import CallCenter

// MARK: - What happens to a campaign's answered customers

/// The knobs of `CampaignPolicy`: who places a campaign's answered customers, how long they may
/// wait for an agent, and how long an agent wraps up after a call simcc placed.
public struct AnswerRule: Sendable, Hashable {
    /// Whether simcc places the answered customers itself (they wait parked, FreeSWITCH's
    /// `&park()`): connects each to an agent, or plays the message and hangs up at `maxHold`.
    /// False: the softswitch places them (a mod_callcenter queue, a dialplan extension) and the
    /// policy only passes the dialer's events and commands on.
    public var placesCustomers: Bool
    /// Seconds an answered customer may wait for an agent before the system's message and the
    /// hang-up (a campaign's `max_hold`); nil: as long as they are willing to.
    public var maxHold: Seconds?
    /// Seconds an agent wraps up after a call simcc connected them to, before being free again:
    /// the softswitch does not know of these calls (they are not queue calls), so nothing else
    /// would tell. 0: free at the hang-up.
    public var wrapUp: Seconds

    /// A rule, by name. The readers of files check the bounds and name the field; a value out of
    /// them here is a programming error.
    public init(placesCustomers: Bool = true, maxHold: Seconds? = 15, wrapUp: Seconds = 0) {
        precondition(maxHold.map { $0 >= 0 } ?? true, "maxHold must not be negative")
        precondition(wrapUp >= 0, "wrapUp must not be negative")
        self.placesCustomers = placesCustomers
        self.maxHold = maxHold
        self.wrapUp = wrapUp
    }

    /// The softswitch places the answered customers; the policy passes everything on.
    public static let softswitchPlaces = AnswerRule(placesCustomers: false, maxHold: nil)
}

/// A dialer and what happens to its answered customers: the one place that decides to connect an
/// answered customer to an agent, to keep them waiting, or to play the system's message and hang
/// up at `max_hold`; and that holds the dialer's timer back while the task is paused.
///
/// It is itself a `Dialer`: the driver hands it what the softswitch says and carries out what it
/// asks, the dialer's commands and its own (`DialerCommand.connect`, `.holdExpired`, `.wakeUp`).
///
/// With `AnswerRule.placesCustomers`:
/// - a live answer waits at the back of the line (`AnsweredCustomers`); the customer waiting
///   longest meets the agent idle the longest (`DialerPool.match`, the same rule as the routing
///   world's blend) as soon as both exist: `connect(call, agent)`, and the dialer hears the agent
///   `talking` (the bridge's `callConnected` follows from the softswitch);
/// - an agent on a call it connected stays `talking` to the dialer, whatever the softswitch says
///   of them meanwhile (kept, and shown once the call is over), then `wrapUp` for
///   `AnswerRule.wrapUp` seconds, then as the softswitch last said;
/// - a customer still waiting `maxHold` seconds after the answer: `holdExpired(call)`;
/// - a call connected by someone else (a previous run, the softswitch) books its agent the same way.
///
/// Its own deadlines come back as `DialerEvent.wakeUp`; the dialer hears a wake-up only when one
/// it asked for is due (never while paused: it hears it on `resume`).
public struct CampaignPolicy<D: Dialer>: Dialer {
    /// The dialer.
    public private(set) var dialer: D
    /// The rule.
    public let rule: AnswerRule
    /// Whether the dialer's timer is held back (the task is paused): it launches nothing.
    public private(set) var isPaused = false
    /// Dialer wake-ups that came while paused.
    public private(set) var heldWakeUps = 0

    /// The answered customers waiting for an agent.
    private var customers: AnsweredCustomers
    /// Each agent as the dialer is shown it, and who is idle the longest.
    private var agents = DialerPool(rule: BlendRule())
    /// What the softswitch last said of each agent.
    private var reported: [AgentState] = []
    /// What the dialer was last told of each agent.
    private var told: [AgentState] = []
    /// The call each agent is on, if this policy booked it (connected, or heard connected).
    private var callOf: [CallID?] = []
    /// When each agent's wrap-up ends (meaningful while `wrapping`).
    private var wrapEnds: [Seconds] = []
    private var wrapping: [Bool] = []
    /// The agent of each booked call.
    private var agentOf: [CallID: Int] = [:]
    /// The wake-ups the dialer asked for and has not heard yet.
    private var dialerWakes = TimedQueue<Bool>()
    /// Wrap-ups by their end (an agent's entry is stale when its wrap-up ended otherwise).
    private var wrapQueue = TimedQueue<Int>()
    /// A wake-up of the dialer's came due while paused.
    private var heldWakeUp = false
    private var inner: [DialerCommand] = []
    /// Scratch for `refreshPool` (who joined or left is not needed here).
    private var joined: [Int] = []
    private var left: [Int] = []
    private var expired: [CallID] = []

    /// `dialer` under `rule`.
    public init(_ dialer: D, rule: AnswerRule) {
        self.dialer = dialer
        self.rule = rule
        customers = AnsweredCustomers(maxHold: rule.maxHold)
    }

    public var name: String { dialer.name }
    public var closedContracts: Int { dialer.closedContracts }
    public func contract(_ id: ContractID) -> Contract? { dialer.contract(id) }
    public func snapshot(at time: Seconds) -> TaskSnapshot { dialer.snapshot(at: time) }

    /// How many answered customers wait for an agent now.
    public var customersWaiting: Int { customers.count }

    /// What the dialer is shown of `agent` now.
    public func shown(_ agent: AgentID) -> AgentState {
        agent.index >= 0 && agent.index < told.count ? told[agent.index] : .loggedOut
    }

    public mutating func start(
        task: OutboundTask, agents states: [AgentState], at time: Seconds, into commands: inout [DialerCommand]
    ) throws(TaskValidationError) {
        for (a, state) in states.enumerated() {
            grow(a)
            reported[a] = state
            told[a] = state
            agents.set(a, state, at: time)
        }
        refreshPool()
        inner.removeAll(keepingCapacity: true)
        try dialer.start(task: task, agents: states, at: time, into: &inner)
        pass(at: time, into: &commands)
    }

    public mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        guard rule.placesCustomers else {
            switch event {
            case .wakeUp:
                wakeUp(at: time, into: &commands)
            case .agent(let agent, let state) where agent.index >= 0:
                grow(agent.index)
                reported[agent.index] = state
                told[agent.index] = state
                tell(event, at: time, into: &commands)
            default:
                tell(event, at: time, into: &commands)
            }
            return
        }
        switch event {
        case .wakeUp:
            expired.removeAll(keepingCapacity: true)
            customers.expired(at: time, into: &expired)
            for call in expired { commands.append(.holdExpired(call)) }
            while let a = wrapQueue.popDue(at: time) {
                guard wrapping[a], wrapEnds[a] <= time else { continue }
                wrapping[a] = false
                show(a, reported[a], at: time, into: &commands)
            }
            wakeUp(at: time, into: &commands)
        case .agent(let agent, let state):
            let a = agent.index
            guard a >= 0 else { return }
            grow(a)
            reported[a] = state
            if callOf[a] == nil && !wrapping[a] { show(a, state, at: time, into: &commands) }
        case .callAnswered(let call, let live):
            tell(event, at: time, into: &commands)
            guard live, agentOf[call] == nil else { break }
            customers.answered(call, at: time)
            if let maxHold = rule.maxHold { commands.append(.wakeUp(at: time + maxHold)) }
        case .callConnected(let call, let agent):
            if agentOf[call] == nil {
                // Connected by someone else: the customer no longer waits; the agent is on it.
                customers.left(call)
                let a = agent.index
                grow(a)
                if callOf[a] == nil {
                    book(call, a)
                    show(a, .talking, at: time, into: &commands)
                }
            }
            tell(event, at: time, into: &commands)
        case .callEnded(let call, _):
            customers.left(call)
            if let a = agentOf.removeValue(forKey: call), callOf[a] == call {
                callOf[a] = nil
                if rule.wrapUp > 0 {
                    wrapping[a] = true
                    wrapEnds[a] = time + rule.wrapUp
                    wrapQueue.insert(a, at: time + rule.wrapUp)
                    commands.append(.wakeUp(at: time + rule.wrapUp))
                    show(a, .wrapUp, at: time, into: &commands)
                } else {
                    show(a, reported[a], at: time, into: &commands)
                }
            }
            tell(event, at: time, into: &commands)
        }
        placeCustomers(at: time, into: &commands)
    }

    /// A call taken over from a previous run is with `agent` already (its driver read it from the
    /// softswitch): the agent is booked on it, and its answer, when the driver reports it, does
    /// not put the customer in the line. Call before reporting the call's answer.
    public mutating func takeOver(_ call: CallID, connectedTo agent: AgentID, at time: Seconds,
                                  into commands: inout [DialerCommand]) {
        guard rule.placesCustomers, agent.index >= 0 else { return }
        let a = agent.index
        grow(a)
        guard callOf[a] == nil else { return }
        book(call, a)
        show(a, .talking, at: time, into: &commands)
    }

    /// Pauses the task: the dialer hears no wake-up until `resume`; answered customers are still
    /// placed and held no longer than `maxHold`.
    public mutating func pause() { isPaused = true }

    /// Resumes the task: a wake-up held back is heard at once.
    public mutating func resume(at time: Seconds, into commands: inout [DialerCommand]) {
        isPaused = false
        guard heldWakeUp else { return }
        heldWakeUp = false
        tell(.wakeUp, at: time, into: &commands)
        placeCustomers(at: time, into: &commands)
    }

    // MARK: - Internals

    /// The dialer hears `.wakeUp` if one it asked for is due (held while paused).
    private mutating func wakeUp(at time: Seconds, into commands: inout [DialerCommand]) {
        var due = false
        while dialerWakes.popDue(at: time) != nil { due = true }
        guard due else { return }
        if isPaused {
            heldWakeUp = true
            heldWakeUps += 1
            return
        }
        tell(.wakeUp, at: time, into: &commands)
    }

    /// Connects waiting customers to idle agents while both exist.
    private mutating func placeCustomers(at time: Seconds, into commands: inout [DialerCommand]) {
        guard rule.placesCustomers, customers.hasEntries else { return }
        while let (call, a) = agents.match(&customers) {
            book(call, a)
            commands.append(.connect(call, AgentID(a)))
            show(a, .talking, at: time, into: &commands)
        }
    }

    private mutating func book(_ call: CallID, _ a: Int) {
        callOf[a] = call
        wrapping[a] = false
        agentOf[call] = a
    }

    /// The dialer is shown `agent` in `state` (told if it changes).
    private mutating func show(_ a: Int, _ state: AgentState, at time: Seconds, into commands: inout [DialerCommand]) {
        guard told[a] != state else { return }
        told[a] = state
        agents.set(a, state, at: time)
        refreshPool()
        tell(.agent(AgentID(a), state), at: time, into: &commands)
    }

    /// Every idle agent can take an answered customer (no blending rule here: the driver shows
    /// the policy only the agents the campaign may have).
    private mutating func refreshPool() {
        joined.removeAll(keepingCapacity: true)
        left.removeAll(keepingCapacity: true)
        agents.update(open: true, joined: &joined, left: &left)
    }

    /// Hands `event` to the dialer and passes its commands on, noting the wake-ups it asks for.
    private mutating func tell(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        inner.removeAll(keepingCapacity: true)
        dialer.handle(event, at: time, into: &inner)
        pass(at: time, into: &commands)
    }

    private mutating func pass(at time: Seconds, into commands: inout [DialerCommand]) {
        for command in inner {
            if case .wakeUp(let at) = command { dialerWakes.insert(true, at: at) }
            commands.append(command)
        }
    }

    private mutating func grow(_ a: Int) {
        while reported.count <= a {
            reported.append(.loggedOut)
            told.append(.loggedOut)
            callOf.append(nil)
            wrapEnds.append(0)
            wrapping.append(false)
        }
    }
}
