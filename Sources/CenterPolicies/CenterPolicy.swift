import CallCenter

// MARK: - One call center behind the seam

/// The knobs of `CenterPolicy` besides the router's and the dialer's own.
public struct CenterRule: Sendable, Hashable {
    /// How the agents are shared between inbound callers, callbacks and the campaign.
    public var blend: BlendRule
    /// Whether an idle agent dials their callback tasks (inbound first, then callbacks).
    public var agentsDialCallbacks: Bool
    /// Seconds before a callback attempt that did not reach the customer is tried again.
    public var callbackRetry: Seconds
    /// Seconds an answered campaign customer may wait for an agent before the system's message
    /// and the hang-up (`max_hold`); nil: as long as they are willing to.
    public var maxHold: Seconds?
    /// From this time no new work starts: no callback, no campaign call (a study's horizon;
    /// `.infinity` in production).
    public var closesAt: Seconds
    /// Whether the center places the campaign's answered customers itself (they wait parked:
    /// the simulator, and FreeSWITCH's `&park()`): connects each to an agent, or lets them go at
    /// `maxHold`. False: the softswitch places them (a mod_callcenter queue, a dialplan
    /// extension) and reports whom it connected (`DialerEvent.callConnected`); the center books
    /// that agent and `maxHold` is the softswitch's business.
    public var placesCustomers: Bool

    /// A rule, by name. The readers of files check the bounds and name the field; a value out of
    /// them here is a programming error.
    public init(
        blend: BlendRule = BlendRule(), agentsDialCallbacks: Bool = false, callbackRetry: Seconds = 600,
        maxHold: Seconds? = nil, closesAt: Seconds = .infinity, placesCustomers: Bool = true
    ) {
        precondition(callbackRetry >= 0, "callbackRetry must not be negative")
        precondition(maxHold.map { $0 >= 0 } ?? true, "maxHold must not be negative")
        self.blend = blend
        self.agentsDialCallbacks = agentsDialCallbacks
        self.callbackRetry = callbackRetry
        self.maxHold = maxHold
        self.closesAt = closesAt
        self.placesCustomers = placesCustomers
    }
}

/// A whole call center's decisions behind one seam: an inbound router, an optional campaign
/// dialer, and between them the blending rule, callback working and the agent book.
///
/// The rule, in the order a free agent meets it:
/// 1. *Inbound first.* An agent who becomes free is offered to the router
///    (`InboundEvent.agentAvailable`).
/// 2. *Then callbacks* (`CenterRule.agentsDialCallbacks`). An agent the router left idle starts
///    their most urgent callback task (highest priority, then oldest) that is not waiting for a
///    retry: `startCallback`. While dialling, the agent is withdrawn from the router
///    (`agentLoggedOut`). An attempt that did not reach the customer is tried again
///    `callbackRetry` seconds later; a reached task still active is done (`callbackDone`).
/// 3. *Then the campaign.* While the dialer runs (from `dialFrom` until `dialUntil` and
///    `closesAt`) or answered customers wait, idle agents join the dialer's pool (`DialerPool`).
///    Unless `poolTakesInbound`, the router has them withdrawn and they start no callback.
///    The dialer is shown the pool's agents idle and every other agent away, so it paces for the
///    agents it can have. A call it asks for outside its window is cancelled at once.
/// 4. *Answered customers.* A live answer waits in line (`AnsweredCustomers`); the one waiting
///    longest meets the pool's agent idle the longest (`DialerPool.match`): `connect(call, agent)`,
///    the agent is withdrawn from the router, and the dialer hears the call connected. A customer
///    still waiting `maxHold` seconds after the answer: `holdExpired(call)`. A call the softswitch
///    reports connected (`placesCustomers` false, or a call taken over from a previous run) books
///    its agent the same way.
/// 5. *Pauses of the task* (`pauseCampaign`): the dialer hears no wake-up, so it launches
///    nothing; answered customers are still placed and let go. `resumeCampaign` hands it the
///    wake-up it missed.
/// 6. *Breaks.* An agent on a break (`agentPaused`) is shown to the dialer paused since then
///    (step S3' counts them idle past its pause timeout) and is away to the router; `agentFree`,
///    or `agentLoggedIn` (mod_callcenter's Available again), ends the break.
///
/// The router and the dialer each keep their own timer (the dialer's one pending at a time: a
/// later wake-up it asks for while an earlier one is pending is dropped, as is a timer that goes
/// off for a wake-up no longer pending); the center's wake-ups are its own, one pending at a time (the next callback retry, hold deadline or the window's end). The
/// driver carries out the commands in order; an event the driver reports while carrying them out
/// (a call it ended at once) is simply the next event.
public struct CenterPolicy<Router: InboundRouter & CallbackTaskLookup, D: Dialer>: Policy {
    public typealias Event = CenterEvent
    public typealias Command = CenterCommand

    /// What an agent does, as the center knows it.
    public enum Activity: UInt8, Sendable {
        case loggedOut, idle, inbound, inboundWrapUp, callback, campaign, campaignWrapUp, paused
    }

    /// The router.
    @inlinable public var router: Router { _router }
    /// The campaign's dialer, if the center runs one.
    @inlinable public var dialer: D? { _dialer }
    /// The knobs.
    public let rule: CenterRule
    /// Whether the dialer has started.
    @inlinable public var campaignStarted: Bool { _campaignStarted }
    /// Whether the task is paused (`pauseCampaign`): the dialer hears no wake-up.
    @inlinable public var campaignPaused: Bool { _campaignPaused }
    /// The dialer's wake-ups that came while the task was paused.
    @inlinable public var heldWakeUps: Int { _heldWakeUps }

    // The state is `@usableFromInline` and the methods `@inlinable`, so that a driver's module
    // specialises the center for its router and dialer (unspecialised, the routing world's
    // blended studies ran 38% slower).
    @usableFromInline var _router: Router
    @usableFromInline var _dialer: D?
    /// Whether the center runs a campaign (a flag: testing the optional dialer on every change
    /// of an agent costs a copy of it).
    @usableFromInline let hasDialer: Bool
    @usableFromInline var _campaignStarted = false
    @usableFromInline var _campaignPaused = false
    @usableFromInline var _campaignEnded = false
    @usableFromInline var _heldWakeUps = 0
    @usableFromInline var wakeHeld = false

    @usableFromInline struct Agent {
        @usableFromInline var activity = Activity.loggedOut
        /// The router has been told the agent is away (`agentLoggedOut`).
        @usableFromInline var withdrawn = false
        /// The callback tasks the agent owns.
        @usableFromInline var tasks: [Int32] = []
        /// The campaign call the agent is on.
        @usableFromInline var call: CallID?
        @usableFromInline init() {}
    }

    @usableFromInline struct Task {
        @usableFromInline var owner = -1
        @usableFromInline var priority = 0
        @usableFromInline var created: Seconds = 0
        @usableFromInline var active = false
        @usableFromInline var inProgress = false
        @usableFromInline var notBefore: Seconds = 0
        @usableFromInline init() {}
        @usableFromInline init(priority: Int, created: Seconds, active: Bool) {
            self.priority = priority
            self.created = created
            self.active = active
        }
    }

    @usableFromInline var agents: [Agent]
    @usableFromInline var tasks: [Task] = []
    @usableFromInline var pool: DialerPool
    @usableFromInline var customers: AnsweredCustomers
    /// What the dialer was last told of each agent.
    @usableFromInline var told: [AgentState]
    /// The agent of each campaign call the center connected, until it ends.
    @usableFromInline var agentOfCall = CallMap()
    /// Customers whose placement failed, and how many times (`placementFailed`; rare).
    @usableFromInline var failedPlacements: [CallID: Int] = [:]
    @usableFromInline var now: Seconds = 0
    /// Agents to offer callback work once the current event is handled.
    @usableFromInline var pokes: [Int] = []
    @usableFromInline var draining = false
    @usableFromInline var retries = TimedQueue<Int32>()
    /// The dialer's commands not yet carried out (first in, first out, across nested events).
    @usableFromInline var dialerQueue: [DialerCommand] = []
    /// The earliest wake-up of the center's own the driver has been asked for and not yet
    /// delivered: a later one is asked for when this one comes (one pending at a time).
    @usableFromInline var wakePending = Seconds.infinity
    /// The dialer's earliest wake-up asked for and not yet delivered: a later one it asks for
    /// meanwhile is dropped (it asks again when woken) unless this one is overdue (a late
    /// timer: the dialer has re-armed past it), and a timer that goes off before it (one asked
    /// for and dropped or replaced, or already delivered) is not passed on.
    @usableFromInline var dialerWakeAt = Seconds.infinity
    @usableFromInline var dialerHead = 0
    @usableFromInline var routerScratch: [InboundCommand] = []
    @usableFromInline var joined: [Int] = []
    @usableFromInline var left: [Int] = []
    @usableFromInline var expired: [CallID] = []
    /// The agents whose state or place in the pool changed since the dialer was last shown them.
    @usableFromInline var dirty: [Int] = []
    @usableFromInline var isDirty: [Bool]
    @usableFromInline var dirtyScratch: [Int] = []

    /// A center of `agents` agents, all logged out, with `router` and, if given, the campaign's
    /// `dialer` (started by `startCampaign`).
    public init(router: Router, dialer: D?, agents count: Int, rule: CenterRule) {
        self._router = router
        self._dialer = dialer
        self.hasDialer = dialer != nil
        self.rule = rule
        agents = Array(repeating: Agent(), count: count)
        pool = DialerPool(rule: rule.blend, agents: dialer == nil ? 0 : count)
        customers = AnsweredCustomers(maxHold: rule.maxHold)
        told = Array(repeating: .loggedOut, count: count)
        isDirty = Array(repeating: false, count: count)
    }

    /// What the center knows agent `agent` does.
    @inlinable public func activity(_ agent: AgentID) -> Activity { agents[agent.index].activity }

    /// What the dialer is shown of `agent` now.
    @inlinable public func shown(_ agent: AgentID) -> AgentState { told[agent.index] }

    /// Whether `agent` is in the dialer's pool now.
    @inlinable public func inPool(_ agent: AgentID) -> Bool { pool.contains(agent.index) }

    /// How many answered campaign customers wait for an agent.
    @inlinable public var customersWaiting: Int { customers.count }

    /// Whether the dialer may ask for calls now.
    @inlinable public var dialing: Bool {
        campaignStarted && !_campaignEnded && now < min(rule.blend.dialUntil, rule.closesAt)
    }

    /// Whether the campaign's task is complete (S34): the pool closes, its agents go back to
    /// the router.
    @inlinable public var campaignEnded: Bool { _campaignEnded }

    /// Starts the campaign's task (steps S31-S33) with the agents as the blending rule shows
    /// them; the driver calls it at `rule.blend.dialFrom`.
    @inlinable public mutating func startCampaign(
        task: OutboundTask, at time: Seconds, into commands: inout [CenterCommand]
    ) throws(TaskValidationError) {
        guard hasDialer else { return }
        now = time
        _campaignStarted = true
        updatePool(into: &commands)
        for a in agents.indices { told[a] = pool.shown(a) }
        dialerQueue.removeAll(keepingCapacity: true)
        dialerHead = 0
        try _dialer!.start(task: task, agents: told, at: time, into: &dialerQueue)
        // The window's end: the pool closes then, and its agents go back to the router.
        let end = min(rule.blend.dialUntil, rule.closesAt)
        if end.isFinite { requestWake(at: end, into: &commands) }
        carryOutDialerCommands(into: &commands)
        sync(into: &commands)
    }

    /// Events naming an agent outside the center, or a callback task the center did not start,
    /// are ignored (a report from a desk or a softswitch that does not match what the center
    /// knows must not stop it).
    @inlinable public mutating func handle(_ event: CenterEvent, at time: Seconds, into commands: inout [CenterCommand]) {
        now = time
        // One switch (the hot loop's events pass through here): an event naming an agent
        // outside the center is dropped in its case.
        switch event {
        case .agentLoggedIn(let agent):
            guard known(agent) else { return }
            if agents[agent.index].activity == .paused {
                // Back from a break (mod_callcenter's Available again): free, as `agentFree`.
                becomeFree(agent.index, into: &commands)
            } else {
                set(agent.index, .idle)
                agents[agent.index].withdrawn = false
                // Offered to the router first (a caller may be waiting), then to their due callbacks.
                poke(agent.index)
                route(.agentLoggedIn(agent), into: &commands)
            }
        case .agentLoggedOut(let agent):
            guard known(agent) else { return }
            set(agent.index, .loggedOut)
            agents[agent.index].withdrawn = true
            route(.agentLoggedOut(agent), into: &commands)
        case .agentPaused(let agent):
            guard known(agent) else { return }
            set(agent.index, .paused)
            withdraw(agent.index, into: &commands)
        case .agentWrappingUp(let agent):
            guard known(agent) else { return }
            set(agent.index, agents[agent.index].activity == .campaign ? .campaignWrapUp : .inboundWrapUp)
        case .agentFree(let agent):
            guard known(agent) else { return }
            becomeFree(agent.index, into: &commands)
        case .inbound(let inbound):
            switch inbound {
            case .agentLoggedIn(let a): return handle(.agentLoggedIn(a), at: time, into: &commands)
            case .agentLoggedOut(let a): return handle(.agentLoggedOut(a), at: time, into: &commands)
            case .agentAvailable(let a): return handle(.agentFree(a), at: time, into: &commands)
            default: route(inbound, into: &commands)
            }
        case .outbound(let outbound):
            if case .wakeUp = outbound {
                // The dialer's timer: only the wake-up it is waiting for (one pending at a time).
                guard time >= dialerWakeAt else { return }
                dialerWakeAt = .infinity
            }
            outboundEvent(outbound, into: &commands)
        case .callbackEnded(let task, let agent, let reached):
            guard known(agent) else { return }
            callbackEnded(Int(task.rawValue), agent: agent.index, reached: reached, into: &commands)
        case .placementFailed(let call):
            placementFailed(call, into: &commands)
        case .wakeUp:
            if time >= wakePending { wakePending = .infinity }
            while let t = retries.popDue(at: time) {
                let owner = tasks[Int(t)].owner
                if owner >= 0 { poke(owner) }
                drainPokes(into: &commands)
            }
            if rule.maxHold != nil {
                expired.removeAll(keepingCapacity: true)
                customers.expired(at: time, into: &expired)
                for call in expired { commands.append(.dialer(.holdExpired(call))) }
            }
            requestNextWake(into: &commands)
        }
        if campaignStarted { sync(into: &commands) }
    }

    /// Whether `agent` is one of the center's.
    @inlinable @inline(__always) func known(_ agent: AgentID) -> Bool {
        agent.index >= 0 && agent.index < agents.count
    }

    /// Asks the driver to wake the center at `time`, unless an earlier wake-up is pending.
    @inlinable mutating func requestWake(at time: Seconds, into commands: inout [CenterCommand]) {
        guard time < wakePending else { return }
        wakePending = time
        commands.append(.wakeUp(at: time))
    }

    /// After a wake-up: the next of the retries, the hold deadlines and the window's end.
    @inlinable mutating func requestNextWake(into commands: inout [CenterCommand]) {
        var next = retries.nextTime ?? .infinity
        if rule.maxHold != nil, let deadline = customers.nextDeadline { next = min(next, deadline) }
        if campaignStarted {
            let end = min(rule.blend.dialUntil, rule.closesAt)
            if end > now { next = min(next, end) }
        }
        if next.isFinite { requestWake(at: next, into: &commands) }
    }

    // MARK: - Agents

    /// The center's view of agent `a` changes.
    @inlinable @inline(__always) mutating func set(_ a: Int, _ activity: Activity) {
        agents[a].activity = activity
        guard hasDialer else { return }
        let state: AgentState =
            switch activity {
            case .idle: .idle
            case .campaign: .talking
            case .campaignWrapUp: .wrapUp
            case .paused: .paused(since: now)
            case .loggedOut, .inbound, .inboundWrapUp, .callback: .loggedOut
            }
        pool.set(a, state, at: now)
        markDirty(a)
    }

    @inlinable mutating func markDirty(_ a: Int) {
        guard !isDirty[a] else { return }
        isDirty[a] = true
        dirty.append(a)
    }

    /// Agent `a` is free: offered to the router first, then to their callbacks, then the pool.
    @inlinable @inline(__always) mutating func becomeFree(_ a: Int, into commands: inout [CenterCommand]) {
        set(a, .idle)
        poke(a)
        agents[a].withdrawn = false
        route(.agentAvailable(AgentID(a)), into: &commands)
    }

    /// Tells the router agent `a` is away (once).
    @inlinable mutating func withdraw(_ a: Int, into commands: inout [CenterCommand]) {
        guard !agents[a].withdrawn else { return }
        agents[a].withdrawn = true
        route(.agentLoggedOut(AgentID(a)), into: &commands)
    }

    // MARK: - The router

    /// Hands `event` to the router, books what its commands decide, passes them on, then offers
    /// callback work to the agents poked meanwhile.
    @inlinable mutating func route(_ event: InboundEvent, into commands: inout [CenterCommand]) {
        // The scratch buffer is taken (a nested route while this batch is read gets its own) and
        // given back, by swapping: no copy, no reference counting.
        var batch: [InboundCommand] = []
        swap(&batch, &routerScratch)
        _router.handle(event, at: now, into: &batch)
        var i = 0
        while i < batch.count {
            let command = batch[i]
            i += 1
            commands.append(.inbound(command))
            switch command {
            case .connect(_, let agent):
                set(agent.index, .inbound)
            case .createCallback(let id):
                guard let task = _router.callbackTask(id) else { break }
                let t = id.index
                while tasks.count <= t { tasks.append(Task()) }
                tasks[t] = Task(priority: task.priority, created: task.created, active: true)
                setOwner(t, task.owner?.index ?? -1)
            case .reassignCallback(let id, let to, let priority):
                guard id.index < tasks.count else { break }
                tasks[id.index].priority = priority
                setOwner(id.index, to?.index ?? -1)
            case .remindAgent(_, let id, let priority):
                guard id.index < tasks.count else { break }
                tasks[id.index].priority = priority
            case .expireCallback(let id):
                guard id.index < tasks.count, tasks[id.index].active else { break }
                tasks[id.index].active = false
                setOwner(id.index, -1)
            default:
                break
            }
        }
        // Emptied one by one: cheaper than removeAll for the one or two commands of an event,
        // and the storage is kept.
        while !batch.isEmpty { batch.removeLast() }
        swap(&batch, &routerScratch)
        drainPokes(into: &commands)
    }

    // MARK: - Callbacks

    /// Moves task `t` to `owner` (-1: nobody) and offers it to the new owner.
    @inlinable mutating func setOwner(_ t: Int, _ owner: Int) {
        let old = tasks[t].owner
        if old >= 0 { agents[old].tasks.removeAll { $0 == Int32(t) } }
        tasks[t].owner = owner
        if owner >= 0, tasks[t].active {
            agents[owner].tasks.append(Int32(t))
            poke(owner)
        }
    }

    /// Agent `a` is to be offered callback work once the event is handled (only when agents
    /// dial callbacks: nothing else is offered this way).
    @inlinable mutating func poke(_ a: Int) {
        if rule.agentsDialCallbacks { pokes.append(a) }
    }

    /// Offers callback work to the agents poked, once the current event is handled.
    @inlinable @inline(__always) mutating func drainPokes(into commands: inout [CenterCommand]) {
        guard !draining, !pokes.isEmpty else { return }
        draining = true
        while let a = pokes.popLast() { startCallback(a, into: &commands) }
        draining = false
    }

    /// An idle agent with a due task starts the most urgent one (inbound calls were offered first).
    @inlinable mutating func startCallback(_ a: Int, into commands: inout [CenterCommand]) {
        guard rule.agentsDialCallbacks, now < rule.closesAt, agents[a].activity == .idle else { return }
        // An agent in the dialer's pool is promised to the campaign until its next call ends.
        if pool.contains(a) && !rule.blend.poolTakesInbound { return }
        var best = -1
        for t32 in agents[a].tasks {
            let t = Int(t32)
            let task = tasks[t]
            guard task.active, !task.inProgress, task.notBefore <= now else { continue }
            if best < 0 || task.priority > tasks[best].priority
                || (task.priority == tasks[best].priority && (task.created, t) < (tasks[best].created, best))
            {
                best = t
            }
        }
        guard best >= 0 else { return }
        tasks[best].inProgress = true
        commands.append(.startCallback(CallbackTaskID(Int32(best)), agent: AgentID(a)))
        set(a, .callback)
        withdraw(a, into: &commands)
    }

    @inlinable mutating func callbackEnded(_ t: Int, agent a: Int, reached: Bool, into commands: inout [CenterCommand]) {
        guard t >= 0 && t < tasks.count && tasks[t].inProgress, agents[a].activity == .callback else { return }
        tasks[t].inProgress = false
        if reached {
            if tasks[t].active {
                tasks[t].active = false
                setOwner(t, -1)
                commands.append(.callbackDone(CallbackTaskID(Int32(t)), by: AgentID(a)))
                route(.callbackDone(CallbackTaskID(Int32(t))), into: &commands)
            }
        } else if tasks[t].active {
            tasks[t].notBefore = now + rule.callbackRetry
            retries.insert(Int32(t), at: tasks[t].notBefore)
            requestWake(at: tasks[t].notBefore, into: &commands)
        }
        becomeFree(a, into: &commands)
    }

    // MARK: - The campaign

    @inlinable mutating func outboundEvent(_ event: DialerEvent, into commands: inout [CenterCommand]) {
        guard hasDialer else { return }
        switch event {
        case .wakeUp:
            guard dialing else { return }
            guard !_campaignPaused else {
                wakeHeld = true
                _heldWakeUps += 1
                return
            }
            tellDialer(.wakeUp, into: &commands)
        case .callAnswered(let call, let live):
            tellDialer(event, into: &commands)
            guard live, rule.placesCustomers, agentOfCall[call] == nil else { return }
            customers.answered(call, at: now)
            if let maxHold = rule.maxHold { requestWake(at: now + maxHold, into: &commands) }
        case .callConnected(let call, let agent):
            // Connected by the softswitch (or before a restart): the customer waits no more; the
            // agent is on the campaign's call. A call the center connected itself is booked.
            // A connected call was answered: the dialer hears the answer first (a dialer ignores
            // an answer it heard already), so a call taken over connected needs no answer of its own.
            guard agentOfCall[call] == nil, agent.index >= 0 && agent.index < agents.count else { return }
            customers.left(call)
            tellDialer(.callAnswered(call, live: true), into: &commands)
            book(call, agent.index, into: &commands)
        case .callEnded(let call, _), .callReported(let call, _):
            customers.left(call)
            if !failedPlacements.isEmpty { failedPlacements[call] = nil }
            if let a32 = agentOfCall.remove(call), case let a = Int(a32), agents[a].call == call {
                agents[a].call = nil
                set(a, .campaignWrapUp)
            }
            tellDialer(event, into: &commands)
        case .agent, .connectionFailed:
            // The center keeps the agent book itself (the agent events above), and tells the
            // dialer of failed connections itself (`placementFailed`).
            break
        }
    }

    /// Agent `a` is on campaign call `call`: withdrawn from the router, and the dialer hears it.
    @inlinable mutating func book(_ call: CallID, _ a: Int, into commands: inout [CenterCommand]) {
        if let old = agents[a].call { agentOfCall.remove(old) }
        agents[a].call = call
        agentOfCall.set(call, Int32(a))
        set(a, .campaign)
        withdraw(a, into: &commands)
        tellDialer(.callConnected(call, AgentID(a)), into: &commands)
    }

    /// The customer of `call`, connected by the center to an agent, did not reach them: the
    /// agent is free (offered to the router first, as after any call), and the customer waits
    /// in line again from now (a new `maxHold` deadline), to be placed with the pool agent idle
    /// the longest. After `maxPlacements` failed placements the customer is let go
    /// (`holdExpired`): a softswitch that cannot place them must not keep the line busy.
    @inlinable mutating func placementFailed(_ call: CallID, into commands: inout [CenterCommand]) {
        guard rule.placesCustomers, let a32 = agentOfCall.remove(call) else { return }
        let a = Int(a32)
        if agents[a].call == call { agents[a].call = nil }
        let failures = (failedPlacements[call] ?? 0) + 1
        if failures >= Self.maxPlacements {
            failedPlacements[call] = nil
            commands.append(.dialer(.holdExpired(call)))
        } else {
            failedPlacements[call] = failures
            customers.answered(call, at: now)
            if let maxHold = rule.maxHold { requestWake(at: now + maxHold, into: &commands) }
        }
        // The dialer heard the call connected when the center placed it: it was not.
        tellDialer(.connectionFailed(call), into: &commands)
        if agents[a].activity == .campaign { becomeFree(a, into: &commands) }
    }

    /// How many times the center tries to place one customer (`placementFailed`).
    public static var maxPlacements: Int { 3 }

    /// Pauses the campaign's task: the dialer hears no wake-up (so launches nothing) until
    /// `resumeCampaign`; answered customers are still placed and let go at `maxHold`.
    @inlinable public mutating func pauseCampaign() { _campaignPaused = true }

    /// Resumes a paused task: a wake-up the dialer missed is handed to it now.
    @inlinable public mutating func resumeCampaign(at time: Seconds, into commands: inout [CenterCommand]) {
        guard _campaignPaused else { return }
        now = time
        _campaignPaused = false
        guard wakeHeld else { return }
        wakeHeld = false
        if dialing { tellDialer(.wakeUp, into: &commands) }
        if campaignStarted { sync(into: &commands) }
    }

    /// Hands `event` to the dialer and carries out what it asks.
    @inlinable mutating func tellDialer(_ event: DialerEvent, into commands: inout [CenterCommand]) {
        guard hasDialer else { return }
        _dialer!.handle(event, at: now, into: &dialerQueue)
        carryOutDialerCommands(into: &commands)
    }

    /// Passes the dialer's commands on, first in first out; a call asked for outside the dialing
    /// window is cancelled at once.
    @inlinable mutating func carryOutDialerCommands(into commands: inout [CenterCommand]) {
        // A nested call (a cancelled call's end) drains the rest and empties the queue.
        while dialerHead < dialerQueue.count {
            let command = dialerQueue[dialerHead]
            dialerHead += 1
            if case .originate(let call, _, _) = command, !dialing {
                tellDialer(.callEnded(call, cause: .originatorCancel), into: &commands)
                continue
            }
            if case .taskCompleted = command { _campaignEnded = true }
            if case .wakeUp(let at) = command {
                // One pending wake-up at a time: an earlier one replaces it, and so does any once
                // it is overdue (the driver's timer is late; the dialer, which re-arms when its
                // wake-up is due, no longer waits for it, and that late one is dropped).
                guard at < dialerWakeAt || dialerWakeAt <= now else { continue }
                dialerWakeAt = at
            }
            commands.append(.dialer(command))
        }
        dialerQueue.removeAll(keepingCapacity: true)
        dialerHead = 0
    }

    /// Brings the pool up to date (open while the dialer runs or customers wait) and carries out
    /// its decisions: joiners leave the router unless `poolTakesInbound`; when the pool closes,
    /// its idle agents return to the router and may start a callback that fell due meanwhile.
    @inlinable mutating func updatePool(into commands: inout [CenterCommand]) {
        let open = dialing || customers.hasEntries
        joined.removeAll(keepingCapacity: true)
        left.removeAll(keepingCapacity: true)
        pool.update(open: open, joined: &joined, left: &left)
        for a in joined { markDirty(a) }
        for a in left { markDirty(a) }
        guard open else {
            let released = left
            for a in released where agents[a].activity == .idle {
                poke(a)
                if agents[a].withdrawn {
                    agents[a].withdrawn = false
                    route(.agentAvailable(AgentID(a)), into: &commands)
                }
            }
            drainPokes(into: &commands)
            return
        }
        if !rule.blend.poolTakesInbound && !joined.isEmpty {
            let joining = joined
            for a in joining { withdraw(a, into: &commands) }
        }
    }

    /// After each event: answered customers meet the pool's longest-idle agents, and the dialer
    /// hears of every agent whose state, as the rule shows it, changed.
    @inlinable mutating func sync(into commands: inout [CenterCommand]) {
        updatePool(into: &commands)
        while let (call, a) = pool.match(&customers) {
            commands.append(.dialer(.connect(call, AgentID(a))))
            book(call, a, into: &commands)
            updatePool(into: &commands)
        }
        guard !dirty.isEmpty else { return }
        // In index order, as a scan of every agent would tell them.
        swap(&dirty, &dirtyScratch)
        dirtyScratch.sort()
        for a in dirtyScratch {
            isDirty[a] = false
            let state = pool.shown(a)
            if state != told[a] {
                told[a] = state
                tellDialer(.agent(AgentID(a), state), into: &commands)
            }
        }
        dirtyScratch.removeAll(keepingCapacity: true)
    }
}

// MARK: - A center's trace

/// What a center was told and what it answered, step by step: the record a driver keeps to
/// replay a run through another driver (the twin check) or through the policy alone.
public struct CenterTrace: Sendable {
    /// One call into the policy.
    public struct Step: Sendable, Hashable {
        /// When.
        public var time: Seconds
        /// The event; nil: `startCampaign`.
        public var event: CenterEvent?
        /// What the center answered, in order.
        public var commands: [CenterCommand]

        public init(time: Seconds, event: CenterEvent?, commands: [CenterCommand]) {
            self.time = time
            self.event = event
            self.commands = commands
        }
    }

    /// The campaign's task, if the center ran one.
    public var task: OutboundTask?
    /// The steps, in the order they happened.
    public var steps: [Step] = []

    public init(task: OutboundTask? = nil) { self.task = task }

    /// Replays the trace's events into `center` (fresh, as the traced one was at the start) and
    /// returns the first step at which it answers differently, with what it answered; nil when
    /// every answer is the same.
    public func firstDifference<R, D>(
        replayingInto center: inout CenterPolicy<R, D>
    ) -> (step: Int, got: [CenterCommand])? {
        var out: [CenterCommand] = []
        for (i, step) in steps.enumerated() {
            out.removeAll(keepingCapacity: true)
            if let event = step.event {
                center.handle(event, at: step.time, into: &out)
            } else {
                do {
                    guard let task else { return (i, []) }
                    try center.startCampaign(task: task, at: step.time, into: &out)
                } catch {
                    return (i, [])
                }
            }
            if out != step.commands { return (i, out) }
        }
        return nil
    }
}

// MARK: - A center without inbound callers

/// The router of a center that takes no inbound calls (a campaign alone): it hears the agents
/// and asks nothing.
public struct NoRouter: InboundRouter, CallbackTaskLookup, Sendable {
    public init() {}
    @inlinable
    public mutating func handle(_ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand]) {}
    public func callbackTask(_ id: CallbackTaskID) -> CallbackTask? { nil }
    public func customer(_ id: CustomerID) -> Customer? { nil }
}
