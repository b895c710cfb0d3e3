import CallCenter

// MARK: - Completion and retries

/// Which outcomes complete a contract, and when an uncompleted one is dialled again (the patent
/// is silent; these are the planner's knobs).
///
/// A contract is **completed** when a live person is connected to an agent; it **fails** when
/// its number is invalid or its attempts are used up; it is **held for review** when an
/// attempt's fate is unknown (`CallOutcome.unknown`: the customer may have been served, so it is
/// never dialled again automatically). Every other outcome leaves it uncompleted, to be dialled
/// again in a later round after the outcome's retry delay.
public struct ContractRules: Hashable, Sendable {
    /// Attempts per contract, at least 1.
    public var maxAttempts: Int
    /// How long to wait before dialling again after each outcome, in seconds.
    public var retryDelay: [CallOutcome: Seconds]

    /// The rules with the given knobs; outcomes missing from `retryDelay` retry at once.
    public init(maxAttempts: Int = 3, retryDelay: [CallOutcome: Seconds] = ContractRules.defaultRetryDelay) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
    }

    /// Busy: 10 min; no answer: 1 h; machine: 2 h; abandoned: 30 min; failed network: 15 min;
    /// cancelled by the dialer: at once.
    public static let defaultRetryDelay: [CallOutcome: Seconds] = [
        .busy: 600, .noAnswer: 3600, .machine: 7200, .abandoned: 1800, .failed: 900, .cancelled: 0,
    ]

    /// The state a contract takes after an attempt ended with `outcome`, its attempts counted.
    public func state(after outcome: CallOutcome, attempts: Int) -> ContractState {
        switch outcome {
        case .connected: return .completed
        case .invalidNumber: return .failed
        case .unknown: return .review
        default: return attempts >= maxAttempts ? .failed : .uncompleted
        }
    }
}

// MARK: - What every dialer keeps track of

/// The bookkeeping every dialer shares: the contracts in round-robin order with their retries,
/// the agents' states, the calls in flight, the call records, and the empirical figures a
/// dialer paces by (answer rate, talk time, ring time, abandon rate). Dialers differ only in how
/// many calls they launch at a moment.
public struct DialerCore: Sendable {
    /// A call in flight.
    public struct InFlight: Hashable, Sendable {
        public var contract: ContractID
        public var attempt: Int
        public var dialedAt: Seconds
        public var answeredAt: Seconds?
        public var live = false
        public var connectedAt: Seconds?
        public var agent: AgentID?
    }

    /// The completion and retry rules.
    public let rules: ContractRules
    /// A live answer connected later than this many seconds counts as abandoned (the
    /// regulators' 2-second rule).
    public let abandonGrace: Seconds
    /// The batch id of the task.
    public private(set) var batchID = ""
    /// The contracts, by index.
    public private(set) var contracts: [Contract] = []
    /// Uncompleted contracts whose turn may come, in round-robin order.
    var ready = RingBuffer<ContractID>()
    /// Uncompleted contracts waiting for their retry delay.
    var retries = TimedQueue<ContractID>()
    /// Each agent's state, by index, and since when it has been talking.
    public private(set) var agents: [AgentState] = []
    var talkingSince: [Seconds] = []
    /// The calls in flight.
    public private(set) var inFlight: [CallID: InFlight] = [:]
    var nextCall: UInt64 = 1
    var finished = false
    var wakeUpAt: Seconds = -.infinity

    /// Calls dialled and not yet answered nor ended.
    public private(set) var ringing = 0
    /// Live answers not yet connected to an agent (nor ended).
    public private(set) var answeredWaiting = 0
    /// Attempts by outcome.
    public private(set) var outcomes: [CallOutcome: Int] = [:]
    /// Contracts closed: completed, failed or held for review.
    public private(set) var closedContracts = 0

    // Empirical figures, measured online from the calls so far.
    var answerWindow: SlidingShare
    var abandonWindow: SlidingShare
    /// Mean talk time of connected calls (connect to hang-up), and how many.
    public private(set) var meanTalk: Seconds = 0
    public private(set) var talkSamples = 0
    /// Mean time from dial to answer of answered calls, and how many.
    public private(set) var meanRing: Seconds = 0
    public private(set) var ringSamples = 0

    /// A core with these rules; `answerWindow` attempts and `abandonWindow` live answers make
    /// the sliding windows of the empirical rates.
    public init(rules: ContractRules, abandonGrace: Seconds, answerWindow: Int, abandonWindow: Int) {
        self.rules = rules
        self.abandonGrace = abandonGrace
        self.answerWindow = SlidingShare(size: answerWindow)
        self.abandonWindow = SlidingShare(size: abandonWindow)
    }

    // MARK: Start (S31–S33)

    /// Loads and validates the task (S31) and the agents (S32) as step S33 requires.
    public mutating func load(task: OutboundTask, agents: [AgentState], at time: Seconds)
        throws(TaskValidationError)
    {
        guard !task.batchID.isEmpty else { throw TaskValidationError("the task has no batch id") }
        guard !task.contracts.isEmpty else {
            throw TaskValidationError("batch \(task.batchID) has no contracts; import a contact list first")
        }
        var seen = Set<String>(minimumCapacity: task.contracts.count)
        for (i, c) in task.contracts.enumerated() {
            guard c.id.index == i else {
                throw TaskValidationError("contract \(i) of batch \(task.batchID) carries index \(c.id.index)")
            }
            guard Self.isDialable(c.number) else {
                throw TaskValidationError("contract \(i) of batch \(task.batchID) has no dialable number ('\(c.number)')")
            }
            guard seen.insert(c.number).inserted else {
                let j = task.contracts.firstIndex { $0.number == c.number }!
                throw TaskValidationError("contracts \(j) and \(i) of batch \(task.batchID) have the same number \(c.number)")
            }
        }
        guard agents.contains(where: \.isOnline) else {
            throw TaskValidationError("no agent is logged in; log agents in before starting batch \(task.batchID)")
        }
        var adopted = Set<Int>()
        for c in task.callsInFlight {
            guard c.contract.index >= 0 && c.contract.index < task.contracts.count,
                task.contracts[c.contract.index].state == .dialing
            else {
                throw TaskValidationError(
                    "\(c.call) of batch \(task.batchID) is in flight on \(c.contract), which is not being dialled")
            }
            guard adopted.insert(c.contract.index).inserted else {
                throw TaskValidationError(
                    "batch \(task.batchID) has two calls in flight on \(c.contract); a contract is dialled once at a time")
            }
            guard c.call.rawValue < task.firstCallID else {
                throw TaskValidationError(
                    "\(c.call) of batch \(task.batchID) is not below the task's first call id \(task.firstCallID)")
            }
        }
        batchID = task.batchID
        contracts = task.contracts
        outcomes = task.earlierOutcomes
        nextCall = max(1, task.firstCallID)
        // Calls a previous run launched and did not see end: in flight again, still ringing as
        // far as the dialer knows (the driver tells it what became of them).
        for c in task.callsInFlight {
            inFlight[c.call] = InFlight(contract: c.contract, attempt: c.attempt, dialedAt: c.dialedAt)
            ringing += 1
        }
        for i in contracts.indices {
            if contracts[i].state == .dialing && adopted.contains(i) { continue }
            // A contract that was dialling when a previous run stopped, with no call in flight
            // (its end was written, or it was never sent), is uncompleted again.
            if contracts[i].state == .dialing { contracts[i].state = .uncompleted }
            switch contracts[i].state {
            case .uncompleted:
                if contracts[i].notBefore > time {
                    retries.insert(contracts[i].id, at: contracts[i].notBefore)
                } else {
                    ready.append(contracts[i].id)
                }
            case .completed, .failed, .review:
                closedContracts += 1
            case .dialing:
                break
            }
        }
        self.agents = agents
        talkingSince = agents.map { _ in time }
    }

    /// A number a softswitch can dial (`PhoneNumber.isDialable`).
    public static func isDialable(_ number: String) -> Bool { PhoneNumber.isDialable(number) }

    // MARK: Events

    /// Updates the bookkeeping for `event`, appending the call records it completes.
    public mutating func apply(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        switch event {
        case .wakeUp:
            if time >= wakeUpAt { wakeUpAt = -.infinity }
        case .agent(let agent, let state):
            while agents.count <= agent.index {
                agents.append(.loggedOut)
                talkingSince.append(time)
            }
            if state == .talking && agents[agent.index] != .talking { talkingSince[agent.index] = time }
            agents[agent.index] = state
        case .callAnswered(let call, let live):
            guard var c = inFlight[call], c.answeredAt == nil else { return }
            c.answeredAt = time
            c.live = live
            ringing -= 1
            if live { answeredWaiting += 1 }
            meanRing += (time - c.dialedAt - meanRing) / Double(ringSamples + 1)
            ringSamples += 1
            inFlight[call] = c
        case .callConnected(let call, let agent):
            guard var c = inFlight[call], c.connectedAt == nil, c.answeredAt != nil else { return }
            c.connectedAt = time
            c.agent = agent
            answeredWaiting -= 1
            inFlight[call] = c
        case .connectionFailed(let call):
            guard var c = inFlight[call], c.connectedAt != nil else { return }
            c.connectedAt = nil
            c.agent = nil
            answeredWaiting += 1
            inFlight[call] = c
        case .callEnded(let call, let cause):
            guard let c = inFlight.removeValue(forKey: call) else { return }
            end(call, c, cause: cause, at: time, into: &commands)
        case .callReported(let call, let report?):
            // The record's story, told as it happened: the answer, the bridge, the end, each at
            // its own time. The record's times are the truth: they replace the moments the dialer
            // learnt of late (an answer or a bridge it heard of only after a gap or a restart).
            guard inFlight[call] != nil else { return }
            if let answeredAt = report.answeredAt {
                if inFlight[call]!.answeredAt == nil {
                    apply(.callAnswered(call, live: report.live), at: answeredAt, into: &commands)
                } else {
                    inFlight[call]!.answeredAt = answeredAt
                }
                if let connectedAt = report.connectedAt {
                    if inFlight[call]!.connectedAt != nil {
                        inFlight[call]!.connectedAt = connectedAt
                        if let agent = report.agent { inFlight[call]!.agent = agent }
                    } else if let agent = report.agent ?? inFlight[call]!.agent {
                        apply(.callConnected(call, agent), at: connectedAt, into: &commands)
                    } else {
                        // Bridged to somebody the roster does not name: connected all the same.
                        inFlight[call]!.connectedAt = connectedAt
                        if inFlight[call]!.live { answeredWaiting -= 1 }
                    }
                }
            }
            guard let c = inFlight.removeValue(forKey: call) else { return }
            end(call, c, cause: report.cause, at: report.endedAt, retryFrom: time, into: &commands)
        case .callReported(let call, nil):
            // Nobody saw how it ended. Connected before the gap: the customer was served (the
            // end's time is unknown). Otherwise they may have been: held for review.
            guard let c = inFlight.removeValue(forKey: call) else { return }
            end(call, c, cause: .crash, at: time, seen: c.connectedAt == nil ? .nothing : .notTheEnd, into: &commands)
        }
    }

    /// How much of a call's end somebody saw.
    enum Seen {
        /// The end, with its time and cause.
        case theEnd
        /// Not the end: its time is unknown (no talk-time sample).
        case notTheEnd
        /// Nothing: the call's fate is unknown (`CallOutcome.unknown`).
        case nothing
    }

    /// Ends call `call` at `time` with `cause`: its record, its contract's new state. A retry is
    /// due its delay after `retryFrom` (by default `time`; later when the end is reported after
    /// the fact).
    mutating func end(_ call: CallID, _ c: InFlight, cause: HangupCause, at time: Seconds, retryFrom: Seconds? = nil,
                      seen: Seen = .theEnd, into commands: inout [DialerCommand]) {
        var outcome: CallOutcome
        if c.answeredAt == nil {
            ringing -= 1
            outcome = cause.unansweredOutcome
        } else if !c.live {
            outcome = .machine
        } else if let connectedAt = c.connectedAt {
            outcome = .connected
            if seen == .theEnd {
                meanTalk += (time - connectedAt - meanTalk) / Double(talkSamples + 1)
                talkSamples += 1
            }
        } else {
            answeredWaiting -= 1
            outcome = .abandoned
        }
        if seen == .nothing {
            // Counted in no rate: what happened is not known.
            outcome = .unknown
        } else if let answeredAt = c.answeredAt, c.live {
            // The regulators' abandoned call: a live answer not connected within the grace.
            let wait = (c.connectedAt ?? time) - answeredAt
            abandonWindow.add(c.connectedAt == nil || wait > abandonGrace)
        }
        if outcome != .cancelled && outcome != .unknown { answerWindow.add(c.answeredAt != nil && c.live) }
        outcomes[outcome, default: 0] += 1
        commands.append(.record(CallRecord(
            call: call, contract: c.contract, attempt: c.attempt, dialedAt: c.dialedAt,
            answeredAt: c.answeredAt, connectedAt: c.connectedAt, endedAt: time, outcome: outcome,
            cause: cause, agent: c.agent)))

        let i = c.contract.index
        contracts[i].lastOutcome = outcome
        contracts[i].state = rules.state(after: outcome, attempts: contracts[i].attempts)
        switch contracts[i].state {
        case .uncompleted:
            let delay = rules.retryDelay[outcome] ?? 0
            let from = max(time, retryFrom ?? time)
            contracts[i].notBefore = from + delay
            if delay > 0 { retries.insert(c.contract, at: from + delay) } else { ready.append(c.contract) }
        case .completed, .failed, .review:
            closedContracts += 1
        case .dialing:
            preconditionFailure("a contract cannot stay dialing after its call ended")
        }
    }

    // MARK: Figures dialers pace by

    /// Agents online and idle now.
    public var idleAgents: Int { agents.reduce(0) { $0 + ($1 == .idle ? 1 : 0) } }
    /// Agents online now.
    public var onlineAgents: Int { agents.reduce(0) { $0 + ($1.isOnline ? 1 : 0) } }
    /// Calls in flight (ringing, answered, or talking).
    public var callsInFlight: Int { inFlight.count }

    /// Agents paused for longer than `timeout` at `time` (step S3').
    public func agentsPaused(longerThan timeout: Seconds, at time: Seconds) -> Int {
        agents.reduce(0) { n, state in
            if case .paused(let since) = state, time - since > timeout { return n + 1 }
            return n
        }
    }

    /// Agents talking for at least `seconds` at `time`: those expected to be free soon.
    public func agentsTalking(atLeast seconds: Seconds, at time: Seconds) -> Int {
        var n = 0
        for (i, state) in agents.enumerated() where state == .talking && time - talkingSince[i] >= seconds {
            n += 1
        }
        return n
    }

    /// Share of the recent attempts answered by a live person, and over how many attempts.
    public var answerRate: (share: Double, samples: Int) { (answerWindow.share, answerWindow.count) }
    /// Share of the recent live answers abandoned (not connected within the grace), and over
    /// how many.
    public var abandonRate: (share: Double, samples: Int) { (abandonWindow.share, abandonWindow.count) }

    // MARK: Dialing

    /// The next contract in round-robin order whose turn has come, if any; retries whose delay
    /// has passed join the back of the round first.
    mutating func nextContract(at time: Seconds) -> ContractID? {
        while let due = retries.popDue(at: time) { ready.append(due) }
        while let id = ready.popFirst() {
            if contracts[id.index].state == .uncompleted { return id }
        }
        return nil
    }

    /// Dials up to `count` contracts in round-robin order; returns how many were dialled.
    @discardableResult
    public mutating func launch(_ count: Int, at time: Seconds, into commands: inout [DialerCommand]) -> Int {
        var launched = 0
        while launched < count, let id = nextContract(at: time) {
            let call = CallID(nextCall)
            nextCall += 1
            contracts[id.index].attempts += 1
            contracts[id.index].state = .dialing
            inFlight[call] = InFlight(contract: id, attempt: contracts[id.index].attempts, dialedAt: time)
            ringing += 1
            commands.append(.originate(call, id, number: contracts[id.index].number))
            launched += 1
        }
        return launched
    }

    /// Whether a contract could be dialled now.
    public mutating func hasContractDue(at time: Seconds) -> Bool {
        while let due = retries.popDue(at: time) { ready.append(due) }
        return !ready.isEmpty
    }

    /// Ends the handling of an event: asks to be woken at `time + tick` while work remains,
    /// and, once every contract is complete and no call is in flight, emits the task snapshot
    /// (step S34) once.
    public mutating func finish(at time: Seconds, tick: Seconds, into commands: inout [DialerCommand]) {
        guard !finished else { return }
        if closedContracts == contracts.count && inFlight.isEmpty {
            finished = true
            commands.append(.taskCompleted(snapshot(at: time)))
            return
        }
        // The real-time dispatcher loop: wake every tick while calls may be launched; when
        // everything left waits for a retry, wake at the first retry instead.
        var next = time + tick
        if ready.isEmpty && inFlight.isEmpty, let retry = retries.nextTime { next = max(next, retry) }
        // A wake-up due now is still to come (an event at the same instant came first); one
        // overdue was late (a live timer): ask for the next.
        if wakeUpAt < time || next < wakeUpAt {
            wakeUpAt = next
            commands.append(.wakeUp(at: next))
        }
    }

    /// Whether the task snapshot has been emitted.
    public var isFinished: Bool { finished }

    /// The task snapshot (S34 format) at `time`.
    public func snapshot(at time: Seconds) -> TaskSnapshot {
        var counts: [String: Int] = [:]
        for (outcome, n) in outcomes { counts[outcome.rawValue] = n }
        return TaskSnapshot(batchID: batchID, takenAt: time, contracts: contracts, outcomes: counts)
    }
}

// MARK: - The shape every dialer here has

/// A dialer made of the shared books (`DialerCore`) and a tick that decides how many calls to
/// launch. The default `start` runs steps S31–S33 and a first tick; the default `handle` keeps
/// the books on every event, runs a tick when the dialer's timer fires, and asks for the next
/// one (or emits the S34 snapshot).
public protocol TickingDialer: Dialer {
    /// The shared books; settable for the default implementations, only read by drivers.
    var core: DialerCore { get set }
    /// The dial loop's period (seconds).
    var tickPeriod: Seconds { get }
    /// One pass of the dial loop at `time`.
    mutating func tick(at time: Seconds, into commands: inout [DialerCommand])
}

extension TickingDialer {
    /// Steps S31–S33: loads and validates the task and the agents, then runs the first tick.
    public mutating func start(
        task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]
    ) throws(TaskValidationError) {
        try core.load(task: task, agents: agents, at: time)  // S31, S32, S33
        tick(at: time, into: &commands)
        core.finish(at: time, tick: tickPeriod, into: &commands)
    }

    /// Handles `event` at `time`; on a `.wakeUp`, runs a tick of the dial loop.
    public mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        guard !core.isFinished else { return }
        core.apply(event, at: time, into: &commands)
        if event == .wakeUp { tick(at: time, into: &commands) }
        core.finish(at: time, tick: tickPeriod, into: &commands)
    }

    /// The task snapshot (S34 format) at `time`.
    public func snapshot(at time: Seconds) -> TaskSnapshot { core.snapshot(at: time) }

    /// Contracts closed (completed, failed or held for review), in O(1).
    public var closedContracts: Int { core.closedContracts }

    /// Contract `id` as the dialer holds it, in O(1).
    public func contract(_ id: ContractID) -> Contract? {
        id.index >= 0 && id.index < core.contracts.count ? core.contracts[id.index] : nil
    }
}

// MARK: - A sliding share

/// The share of `true` among the last `size` observations. - Complexity: O(1) per observation.
struct SlidingShare: Sendable {
    var window: [Bool]
    var next = 0
    var count = 0
    var trues = 0

    init(size: Int) {
        precondition(size >= 1)
        window = Array(repeating: false, count: size)
    }

    mutating func add(_ value: Bool) {
        if count == window.count {
            if window[next] { trues -= 1 }
        } else {
            count += 1
        }
        window[next] = value
        if value { trues += 1 }
        next = (next + 1) % window.count
    }

    var share: Double { count == 0 ? 0 : Double(trues) / Double(count) }
}
