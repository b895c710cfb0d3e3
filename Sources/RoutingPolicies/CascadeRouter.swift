import CallCenter

// MARK: - A seeded generator

/// SplitMix64: a tiny seeded generator, the same numbers for the same seed on every platform.
/// Step 021 draws its random agent from one handed to the router.
public struct SplitMix64: RandomNumberGenerator, Hashable, Sendable, Codable {
    /// The generator's state.
    public var state: UInt64
    /// A generator seeded with `seed`.
    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (n > 0) by multiply-shift: one draw, a bias below n / 2^64.
    public mutating func next(below n: Int) -> Int {
        precondition(n > 0, "next(below:) needs a positive bound")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }
}

// MARK: - The CN107682576B router

/// The inbound routing cascade of CN107682576B (steps listed in docs/architecture.md), with its
/// callback tasks and their monitor, as a deterministic state machine behind the inbound seam.
///
/// - **01** `callerArrived`: a known number loads the customer and goes to 011; otherwise 02.
/// - **011-014** the first agent, their backup, a second agent (another agent of the first
///   agent's team, or of their skill group: `secondAgentGroup`; the one idle the longest), the
///   first agent's team leader: the first of them online and idle takes the call; otherwise 03.
///   A known customer never goes to a random agent.
/// - **02** the IVR collects the ID-card number (`idAttempts` tries; `KeyedDigits.idNumber`
///   reads a final `*` as the check character X); a match binds the caller number to the
///   customer (`bindNumber`) and goes to 011; otherwise 021.
/// - **021** an idle agent chosen uniformly at random (over idle agents in id order, from the
///   router's `SplitMix64`), optionally bound as the new customer's first agent; the new
///   customer carries the caller number and the ID number keyed at 02 (the last one keyed, if
///   no customer has it), so either recognises them next time; otherwise 03.
///   A known customer without a first agent also goes to 03, never to 021.
/// - **03** the callback announcement and business-type menu (key k: the k-th business type of
///   the directory; a timeout, a bad key or a hang-up: `defaultBusinessType`).
/// - **04** hang up and create the callback task, due `callbackDeadline` seconds later.
/// - **05** its owner: the customer's first agent if recognised (by number or ID number),
///   else the online agent serving the chosen business type with the fewest active tasks, ties
///   to the lowest agent id (any online agent when no business type was chosen).
/// - **06** at each deadline (`wakeUp(at:)`), an active task is overdue: a recognised
///   customer's owner is reminded, an unrecognised customer's task goes to the least-loaded other
///   online agent serving its business type (its owner's team first; it stays with its owner when
///   there is none); the priority rises by `priorityStep` and the next check is
///   `followUpPeriod` later. Past `maxReminders` / `maxReassignments` the task expires.
///
/// Every call that is routed gets one `routed(call, reason)` after the command that routes it.
/// Choices among agents never iterate a hashed collection, so the same events give the same
/// commands in every process.
public struct CascadeRouter: InboundRouter, Sendable {
    /// Step 013: who the first agent's second agents (第二坐席) are. The patent's claim says
    /// "the first agent's team", its description "the team or skill group (团队、技能组)"; a
    /// skill group here is a business type (the description's [0095] equates them).
    public enum SecondAgentGroup: String, Hashable, Sendable, Codable, CaseIterable {
        /// The other agents of the first agent's team (the claim's reading; the default).
        case team
        /// The agents serving a business type the first agent serves, of any team (none when
        /// the first agent serves none).
        case skillGroup = "skill_group"
    }

    /// The planner's knobs: every choice the patent leaves open.
    public struct Configuration: Hashable, Sendable, Codable {
        /// 013: the second agents are the first agent's team or their skill group.
        public var secondAgentGroup: SecondAgentGroup
        /// 02: how many times the IVR asks for the ID number before 021 (0 skips 02).
        public var idAttempts: Int
        /// 02: how many digits an ID number has at most (18 for a PRC resident ID card).
        public var idNumberDigits: Int
        /// 02: how long the IVR waits for the ID number, in seconds.
        public var idNumberTimeout: Seconds
        /// 03: whether the announcement offers the business-type menu (the patent's "preferably").
        public var offerBusinessTypeMenu: Bool
        /// 03: how long the IVR waits for the menu key (or plays the bare announcement), seconds.
        public var menuTimeout: Seconds
        /// 03: the business type of a task when the caller keyed none or a bad key.
        public var defaultBusinessType: BusinessTypeID?
        /// 021: whether a new caller served at random becomes a customer bound to that agent.
        public var bindNewCustomerToServingAgent: Bool
        /// 04: seconds from the task's creation to its deadline.
        public var callbackDeadline: Seconds
        /// 06: seconds from a missed deadline to the next check.
        public var followUpPeriod: Seconds
        /// 04: a new task's priority.
        public var initialPriority: Int
        /// 06: how much each missed deadline raises the priority.
        public var priorityStep: Int
        /// 06: how many reminders a recognised customer's task gets before it expires.
        public var maxReminders: Int
        /// 06: how many reassignments an unrecognised customer's task gets before it expires.
        public var maxReassignments: Int

        /// The knobs, by name; the defaults are the project's reading of the patent.
        public init(
            secondAgentGroup: SecondAgentGroup = .team,
            idAttempts: Int = 2, idNumberDigits: Int = 18, idNumberTimeout: Seconds = 15,
            offerBusinessTypeMenu: Bool = true, menuTimeout: Seconds = 10,
            defaultBusinessType: BusinessTypeID? = nil, bindNewCustomerToServingAgent: Bool = true,
            callbackDeadline: Seconds = 1800, followUpPeriod: Seconds = 900, initialPriority: Int = 0,
            priorityStep: Int = 1, maxReminders: Int = 3, maxReassignments: Int = 2
        ) {
            precondition(idAttempts >= 0, "idAttempts must not be negative")
            precondition(idNumberDigits > 0, "idNumberDigits must be positive")
            precondition(idNumberTimeout > 0 && menuTimeout > 0, "IVR timeouts must be positive")
            precondition(
                callbackDeadline > 0 && followUpPeriod > 0,
                "callbackDeadline and followUpPeriod must be positive")
            precondition(maxReminders >= 0 && maxReassignments >= 0, "the caps must not be negative")
            self.secondAgentGroup = secondAgentGroup
            self.idAttempts = idAttempts
            self.idNumberDigits = idNumberDigits
            self.idNumberTimeout = idNumberTimeout
            self.offerBusinessTypeMenu = offerBusinessTypeMenu
            self.menuTimeout = menuTimeout
            self.defaultBusinessType = defaultBusinessType
            self.bindNewCustomerToServingAgent = bindNewCustomerToServingAgent
            self.callbackDeadline = callbackDeadline
            self.followUpPeriod = followUpPeriod
            self.initialPriority = initialPriority
            self.priorityStep = priorityStep
            self.maxReminders = maxReminders
            self.maxReassignments = maxReassignments
        }
    }

    /// The router's knobs.
    public let configuration: Configuration
    /// Customers, agents and teams, with the bindings made so far.
    public private(set) var directory: Directory
    /// The callback tasks created so far, indexed by `CallbackTaskID.index`.
    public private(set) var tasks: [CallbackTask] = []
    /// The generator of step 021.
    public private(set) var random: SplitMix64

    /// Where a call in the IVR stands.
    enum Phase: Hashable, Sendable {
        /// 02: the ID-number prompt number `attempt` is playing.
        case awaitingID(attempt: Int)
        /// 03: the announcement and menu are playing.
        case awaitingMenu
    }

    /// A call the router has not finished with.
    struct PendingCall: Hashable, Sendable {
        var caller: String?
        var customer: CustomerID?
        var viaIDNumber: Bool
        var phase: Phase
        /// 02: the last ID number keyed that matched no customer (for the customer 021 creates).
        var keyedIDNumber: String? = nil
    }

    /// A deadline in the monitor's queue; stale once the task's deadline or state changed.
    struct Due: Sendable {
        var task: CallbackTaskID
        var deadline: Seconds
    }

    var calls: [CallID: PendingCall] = [:]
    /// Per agent index: logged in.
    var online: [Bool] = []
    /// Per agent index: logged in and free.
    var idle: [Bool] = []
    /// Per agent index: when it last became idle, as a sequence number (smaller: idle longer).
    var idleOrder: [UInt64] = []
    var nextIdleOrder: UInt64 = 0
    /// Per agent index: its active callback tasks.
    var activeTasks: [Int] = []
    var deadlines = TimedQueue<Due>()
    /// The wake-ups asked for that have not fired yet.
    var pendingWakeUps: [Seconds] = []

    /// A router over `directory`, with no agent logged in, drawing step 021 from `random`.
    public init(directory: Directory, configuration: Configuration = Configuration(), random: SplitMix64) {
        self.directory = directory
        self.configuration = configuration
        self.random = random
    }

    /// Takes back the callback tasks of an earlier run (a live router restarted on the same
    /// store), so that new tasks get the next ids and step 06 watches the active ones again
    /// (their wake-ups are appended to `commands`).
    ///
    /// - Returns: false, changing nothing, unless the router has no task yet and `previous` holds
    ///   ids 0, 1, 2, ... in order.
    public mutating func restore(tasks previous: [CallbackTask], into commands: inout [InboundCommand]) -> Bool {
        guard tasks.isEmpty, previous.enumerated().allSatisfy({ $0.offset == $0.element.id.index }) else {
            return false
        }
        tasks = previous
        for task in previous where task.state.isActive {
            if let owner = task.owner { addActive(owner) }
            watch(task.id, until: task.deadline, into: &commands)
        }
        return true
    }

    /// How many active (open, reminded or reassigned) callback tasks `agent` owns.
    public func activeTaskCount(of agent: AgentID) -> Int {
        agent.index < activeTasks.count ? activeTasks[agent.index] : 0
    }

    /// Handles `event`, which happened at `time`, appending the resulting commands (see the type's steps).
    public mutating func handle(
        _ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        switch event {
        case .agentLoggedIn(let agent), .agentAvailable(let agent):
            ensure(agent)
            online[agent.index] = true
            if !idle[agent.index] {
                idle[agent.index] = true
                idleOrder[agent.index] = nextIdleOrder
                nextIdleOrder += 1
            }
        case .agentLoggedOut(let agent):
            ensure(agent)
            online[agent.index] = false
            idle[agent.index] = false
        case .callArrived(let call):
            step01(call, caller: nil, at: time, into: &commands)
        case .callerArrived(let call, let caller):
            step01(call, caller: caller.text, at: time, into: &commands)
        case .digitsCollected(let call, let keyed):
            guard let pending = calls[call] else { return }
            switch pending.phase {
            case .awaitingID(let attempt):
                step02(
                    call, pending, attempt: attempt, idNumber: keyed?.idNumber, at: time, into: &commands)
            case .awaitingMenu:
                step04(call, pending, key: keyed?.text, hangUp: true, at: time, into: &commands)
            }
        case .callAbandoned(let call):
            guard let pending = calls[call] else { return }
            // Hanging up during the announcement is what 03 waits for; during 02 it is a loss.
            if pending.phase == .awaitingMenu {
                step04(call, pending, key: nil, hangUp: false, at: time, into: &commands)
            } else {
                calls[call] = nil
            }
        case .wakeUp:
            step06(at: time, into: &commands)
        case .callbackDone(let id):
            guard id.index < tasks.count, tasks[id.index].state != .done else { return }
            deactivate(id)
            tasks[id.index].state = .done
        }
    }

    // MARK: - 01, 011-014: recognised callers

    mutating func step01(
        _ call: CallID, caller: String?, at time: Seconds, into commands: inout [InboundCommand]
    ) {
        if let caller, let customer = directory.customer(number: caller) {
            let pending = PendingCall(
                caller: caller, customer: customer.id, viaIDNumber: false, phase: .awaitingMenu)
            cascade(call, pending, customer: customer, into: &commands)
        } else {
            let pending = PendingCall(
                caller: caller, customer: nil, viaIDNumber: false, phase: .awaitingID(attempt: 1))
            if configuration.idAttempts == 0 {
                step021(call, pending, into: &commands)
            } else {
                askIDNumber(call, pending, attempt: 1, into: &commands)
            }
        }
    }

    /// Steps 011-014, then 03 when none of the customer's agents is idle.
    mutating func cascade(
        _ call: CallID, _ pending: PendingCall, customer: Customer, into commands: inout [InboundCommand]
    ) {
        if let (agent, reason) = step011to014(customer) {
            connect(
                call, to: agent, reason: pending.viaIDNumber ? .idMatched(then: reason) : reason,
                into: &commands)
        } else {
            step03(call, pending, into: &commands)
        }
    }

    func step011to014(_ customer: Customer) -> (AgentID, RoutingReason)? {
        guard let first = customer.firstAgent else { return nil }
        if isIdle(first) { return (first, .firstAgent) }  // 011
        let profile = directory.agents[first]
        if let backup = profile?.backup, isIdle(backup) { return (backup, .backup) }  // 012
        let leader = directory.leader(of: first)
        if let second = step013(first, profile, leader: leader) { return (second, .team) }
        if let leader, isIdle(leader) { return (leader, .leader) }  // 014
        return nil
    }

    /// Step 013: the second agent idle the longest, of the first agent's team or skill group
    /// (`secondAgentGroup`); the first agent and their team leader (014's) aside.
    func step013(_ first: AgentID, _ profile: AgentProfile?, leader: AgentID?) -> AgentID? {
        guard let profile else { return nil }
        var best: AgentID?
        for i in idle.indices where idle[i] {
            let agent = AgentID(i)
            guard agent != first, agent != leader, let other = directory.agents[agent] else { continue }
            let second =
                switch configuration.secondAgentGroup {
                case .team: other.team == profile.team
                case .skillGroup: !other.businessTypes.isDisjoint(with: profile.businessTypes)
                }
            guard second else { continue }
            if best == nil || idleOrder[i] < idleOrder[best!.index] { best = agent }
        }
        return best
    }

    // MARK: - 02, 021: unrecognised callers

    mutating func askIDNumber(
        _ call: CallID, _ pending: PendingCall, attempt: Int, into commands: inout [InboundCommand]
    ) {
        var pending = pending
        pending.phase = .awaitingID(attempt: attempt)
        calls[call] = pending
        commands.append(
            .collectDigits(
                call, prompt: .idNumber(attempt: attempt), maxDigits: configuration.idNumberDigits,
                timeout: configuration.idNumberTimeout))
    }

    /// Step 02: `idNumber` is what the caller keyed, read as an ID number (nil: nothing keyed,
    /// or keys that spell none).
    mutating func step02(
        _ call: CallID, _ pending: PendingCall, attempt: Int, idNumber: String?, at time: Seconds,
        into commands: inout [InboundCommand]
    ) {
        var pending = pending
        if let idNumber, let customer = directory.customer(idNumber: idNumber) {
            if let caller = pending.caller {
                directory.bind(number: caller, to: customer.id)
                if let number = PhoneNumber(caller) { commands.append(.bindNumber(number, to: customer.id)) }
            }
            pending.customer = customer.id
            pending.viaIDNumber = true
            cascade(call, pending, customer: customer, into: &commands)
            return
        }
        if let idNumber { pending.keyedIDNumber = idNumber }
        if attempt < configuration.idAttempts {
            askIDNumber(call, pending, attempt: attempt + 1, into: &commands)
        } else {
            step021(call, pending, into: &commands)
        }
    }

    mutating func step021(_ call: CallID, _ pending: PendingCall, into commands: inout [InboundCommand]) {
        var candidates: [AgentID] = []
        for i in idle.indices where idle[i] { candidates.append(AgentID(i)) }
        guard !candidates.isEmpty else { return step03(call, pending, into: &commands) }
        let agent = candidates[random.next(below: candidates.count)]
        connect(call, to: agent, reason: .random, into: &commands)
        guard configuration.bindNewCustomerToServingAgent else { return }
        // The new customer: the caller number, and the ID number keyed at 02 unless another
        // customer has it by now; a withheld number with no ID number keyed makes none.
        let idNumber = pending.keyedIDNumber.flatMap { directory.customer(idNumber: $0) == nil ? $0 : nil }
        let numbers = pending.caller.map { [$0] } ?? []
        guard !numbers.isEmpty || idNumber != nil else { return }
        let customer = directory.addCustomer(numbers: numbers, idNumber: idNumber, firstAgent: agent)
        commands.append(.createCustomer(customer.id))
    }

    mutating func connect(
        _ call: CallID, to agent: AgentID, reason: RoutingReason, into commands: inout [InboundCommand]
    ) {
        idle[agent.index] = false
        calls[call] = nil
        commands.append(.connect(call, to: agent))
        commands.append(.routed(call, reason))
    }

    // MARK: - 03-05: callbacks

    mutating func step03(_ call: CallID, _ pending: PendingCall, into commands: inout [InboundCommand]) {
        var pending = pending
        pending.phase = .awaitingMenu
        calls[call] = pending
        let menu = configuration.offerBusinessTypeMenu && !directory.businessTypes.isEmpty
        commands.append(
            .collectDigits(
                call, prompt: menu ? .callbackMenu : .callbackAnnouncement, maxDigits: menu ? 1 : 0,
                timeout: configuration.menuTimeout))
        commands.append(.routed(call, pending.viaIDNumber ? .idMatched(then: .callback) : .callback))
    }

    mutating func step04(
        _ call: CallID, _ pending: PendingCall, key: String?, hangUp: Bool, at time: Seconds,
        into commands: inout [InboundCommand]
    ) {
        calls[call] = nil
        if hangUp { commands.append(.hangUp(call)) }
        var businessType = configuration.defaultBusinessType
        if configuration.offerBusinessTypeMenu, let key, let k = Int(key), k >= 1,
            k <= directory.businessTypes.count
        {
            businessType = directory.businessTypes[k - 1].id
        }
        let id = CallbackTaskID(tasks.count)
        let owner = step05(customer: pending.customer, businessType: businessType)
        let deadline = time + configuration.callbackDeadline
        let task = CallbackTask(
            id: id, customer: pending.customer, callerNumber: pending.caller, businessType: businessType,
            owner: owner, created: time, deadline: deadline, priority: configuration.initialPriority)
        tasks.append(task)
        if let owner { addActive(owner) }
        commands.append(.createCallback(task.id))
        watch(id, until: deadline, into: &commands)
    }

    /// Step 05: the recognised customer's first agent, else the least-loaded online agent.
    func step05(customer: CustomerID?, businessType: BusinessTypeID?) -> AgentID? {
        if let customer, let first = directory.customers[customer.index].firstAgent { return first }
        return leastLoaded(serving: businessType, excluding: nil, preferringTeam: nil)
    }

    /// The online agent serving `businessType` (any, if nil) with the fewest active tasks, ties
    /// to the lowest id; agents of `team` first when any of them qualifies.
    func leastLoaded(serving businessType: BusinessTypeID?, excluding: AgentID?, preferringTeam team: TeamID?)
        -> AgentID?
    {
        var best: AgentID?
        var bestInTeam: AgentID?
        for i in online.indices where online[i] {
            let agent = AgentID(i)
            guard agent != excluding else { continue }
            if let businessType, directory.agents[agent]?.businessTypes.contains(businessType) != true {
                continue
            }
            if best == nil || activeTaskCount(of: agent) < activeTaskCount(of: best!) { best = agent }
            if let team, directory.agents[agent]?.team == team,
                bestInTeam == nil || activeTaskCount(of: agent) < activeTaskCount(of: bestInTeam!)
            {
                bestInTeam = agent
            }
        }
        return bestInTeam ?? best
    }

    // MARK: - 06: the monitor

    mutating func step06(at time: Seconds, into commands: inout [InboundCommand]) {
        pendingWakeUps.removeAll { $0 <= time }
        while let due = deadlines.popDue(at: time) {
            let task = tasks[due.task.index]
            guard task.state.isActive, task.deadline == due.deadline else { continue }
            overdue(due.task, at: time, into: &commands)
        }
        if let next = deadlines.nextTime { requestWakeUp(at: next, into: &commands) }
    }

    mutating func overdue(_ id: CallbackTaskID, at time: Seconds, into commands: inout [InboundCommand]) {
        var task = tasks[id.index]
        let recognised = task.customer.map { directory.customers[$0.index].firstAgent != nil } ?? false
        if recognised, let owner = task.owner {
            guard task.reminders < configuration.maxReminders else { return expire(id, into: &commands) }
            task.reminders += 1
            task.priority += configuration.priorityStep
            task.state = .reminded
            commands.append(.remindAgent(owner, about: id, priority: task.priority))
        } else {
            guard task.reassignments < configuration.maxReassignments else {
                return expire(id, into: &commands)
            }
            let team = task.owner.flatMap { directory.agents[$0]?.team }
            let newOwner =
                leastLoaded(serving: task.businessType, excluding: task.owner, preferringTeam: team)
                ?? task.owner
            if let old = task.owner { activeTasks[old.index] -= 1 }
            if let newOwner { addActive(newOwner) }
            task.owner = newOwner
            task.reassignments += 1
            task.priority += configuration.priorityStep
            task.state = .reassigned
            commands.append(.reassignCallback(id, to: newOwner, priority: task.priority))
        }
        task.deadline = time + configuration.followUpPeriod
        tasks[id.index] = task
        deadlines.insert(Due(task: id, deadline: task.deadline), at: task.deadline)
    }

    mutating func expire(_ id: CallbackTaskID, into commands: inout [InboundCommand]) {
        deactivate(id)
        tasks[id.index].state = .expired
        commands.append(.expireCallback(id))
    }

    /// Puts the task's deadline in the monitor's queue and asks for a wake-up if none is due by then.
    mutating func watch(_ id: CallbackTaskID, until deadline: Seconds, into commands: inout [InboundCommand])
    {
        deadlines.insert(Due(task: id, deadline: deadline), at: deadline)
        requestWakeUp(at: deadline, into: &commands)
    }

    mutating func requestWakeUp(at time: Seconds, into commands: inout [InboundCommand]) {
        guard !pendingWakeUps.contains(where: { $0 <= time }) else { return }
        pendingWakeUps.append(time)
        commands.append(.wakeUp(at: time))
    }

    // MARK: - Agents

    func isIdle(_ agent: AgentID) -> Bool { agent.index < idle.count && idle[agent.index] }

    mutating func ensure(_ agent: AgentID) {
        while online.count <= agent.index {
            online.append(false)
            idle.append(false)
            idleOrder.append(0)
            activeTasks.append(0)
        }
    }

    mutating func addActive(_ agent: AgentID) {
        ensure(agent)
        activeTasks[agent.index] += 1
    }

    /// Takes an active task off its owner's count (it is done or expired).
    mutating func deactivate(_ id: CallbackTaskID) {
        let task = tasks[id.index]
        if task.state.isActive, let owner = task.owner { activeTasks[owner.index] -= 1 }
    }
}
