import CallCenter
import CenterPolicies
import Dispatch
import Foundation
import RoutingPolicies
import Scenarios
import SimKernel

// MARK: - What one routing replication measures

/// The columns of a routing run's per-interval series and totals.
///
/// Call counts go to the interval in which the call **arrived**; callback counts to the interval
/// in which the task was **created**; bindings and new customers to the interval in which they
/// were made; agent time to the interval in which it was spent (up to the horizon).
///
/// Every offered call ends exactly one way (`answered`, `blocked`, `abandonedInQueue`,
/// `abandonedInIVR`, `endedForCallback`, `hungUp`) and is counted in exactly one route column
/// (`routedFirstAgent` ... `routedCallback` from the router's `routed`, `routedQueue` for a
/// connect without `routed` (baselines), `notRouted` otherwise).
public enum RoutingColumn: Int, CaseIterable, Sendable {
    /// Calls that arrived.
    case offered
    /// Callers calling from a known customer's bound number (the world's draw, not the router's).
    case callersKnownNumber
    /// Known customers calling from a number nobody knows.
    case callersKnownOtherNumber
    /// New callers.
    case callersNew
    /// Calls connected to an agent.
    case answered
    /// Calls the router refused.
    case blocked
    /// Callers who hung up while waiting in a queue.
    case abandonedInQueue
    /// Callers who hung up in the ID-number prompt (before a routing decision).
    case abandonedInIVR
    /// Calls that ended in the callback announcement or menu (the router's hang-up, or the caller's).
    case endedForCallback
    /// Calls the router hung up otherwise.
    case hungUp
    /// Calls placed by 011 (first agent).
    case routedFirstAgent
    /// Calls placed by 012 (backup).
    case routedBackup
    /// Calls placed by 013 (team).
    case routedTeam
    /// Calls placed by 014 (leader).
    case routedLeader
    /// Calls placed by 021 (random idle agent).
    case routedRandom
    /// Calls sent to a callback by 03.
    case routedCallback
    /// Calls connected by a router that does not say why (the baseline queues).
    case routedQueue
    /// Calls that were never routed (blocked, or abandoned before routing).
    case notRouted
    /// Routed calls whose customer step 02 recognised by ID number first.
    case routedAfterIDMatch
    /// Connects of a known customer the router could recognise (calling from their bound number,
    /// or having keyed their valid ID) to an agent outside their first agent's team (first
    /// agent, backup, team and leader are all of that team).
    case strangerConnects
    /// Calls that waited in a queue (no connect, IVR or refusal on arrival).
    case waited
    /// Answered calls connected within the service target of their arrival.
    case answeredWithinTarget
    /// Sum of arrival-to-connect times of answered calls, seconds.
    case answeredWaitSum
    /// Numbers bound to customers (`bindNumber`).
    case bindings
    /// New customers created (`createCustomer`).
    case customersCreated
    /// Callback tasks created.
    case callbacksCreated
    /// Callback tasks done (the customer reached).
    case callbacksDone
    /// Callback tasks done by their first deadline.
    case callbacksDoneInTime
    /// Callback tasks reminded at least once.
    case callbacksReminded
    /// Callback tasks reassigned at least once.
    case callbacksReassigned
    /// Callback tasks expired.
    case callbacksExpired
    /// Sum over done tasks of creation-to-done, seconds.
    case callbackDelaySum
    /// Reminders sent (`remindAgent` commands).
    case reminders
    /// Reassignments (`reassignCallback` commands).
    case reassignments
    /// Callback attempts started by agents.
    case callbackAttempts
    /// Agent-seconds on inbound calls (talk and wrap-up).
    case inboundAgentSeconds
    /// Agent-seconds on callbacks (attempts and talks).
    case callbackAgentSeconds
    /// Agent-seconds idle (logged in, neither).
    case idleAgentSeconds
    /// Agent-seconds logged in (every agent, 0 to the horizon).
    case staffedAgentSeconds
    /// Connects of a known customer (from either number) to their first agent, whatever the
    /// router (the world's truth, so the baselines are measured the same way as the cascade).
    case connectedFirstAgent
    /// Connects of a known customer to their first agent's backup.
    case connectedBackup
    /// Connects of a known customer to another agent of their first agent's team, not its leader.
    case connectedTeam
    /// Connects of a known customer to the leader of their first agent's team (neither the first
    /// agent nor the backup).
    case connectedLeader
    /// Blended campaign (outbound calls count in the interval they were dialled, answered
    /// customers in the interval they answered): calls dialled.
    case outboundAttempts
    /// Campaign calls a live person answered.
    case outboundLiveAnswers
    /// Campaign calls an answering machine answered.
    case outboundMachines
    /// Answered campaign customers connected to an agent.
    case outboundConnected
    /// Answered campaign customers who hung up before an agent took them, or were connected after
    /// the abandon grace (the regulators' abandoned call, as in campaign runs).
    case outboundAbandoned
    /// Answered campaign customers who hung up before an agent took them.
    case outboundHungUpWaiting
    /// Sum of answer-to-connect (or answer-to-hang-up) times of answered campaign customers, s.
    case outboundWaitSum
    /// Contracts the dialer closed (completed or failed).
    case outboundClosedContracts
    /// Agent-seconds on campaign calls (talk and wrap-up).
    case outboundAgentSeconds

    /// The route columns: one per offered call, adding up to `offered`.
    public static let routes: [RoutingColumn] = [
        .routedFirstAgent, .routedBackup, .routedTeam, .routedLeader, .routedRandom, .routedCallback,
        .routedQueue, .notRouted,
    ]
    /// The ending columns: one per offered call, adding up to `offered`.
    public static let endings: [RoutingColumn] = [
        .answered, .blocked, .abandonedInQueue, .abandonedInIVR, .endedForCallback, .hungUp,
    ]
}

/// The counts and sums of one routing replication: per interval and overall.
public struct RoutingReplication: Sendable, Hashable {
    /// The replication's index.
    public var replication: Int
    /// Per-interval sums, columns as in `RoutingColumn`.
    public var series: IntervalSeries
    /// Overall sums, indexed by `RoutingColumn.rawValue`.
    public var totals: [Double]
    /// Events the world processed.
    public var modelEvents: Int
    /// Creation-to-done of every done callback task created after the warm-up, seconds, ascending.
    public var callbackDelays: [Double]

    /// The overall value of `column`.
    public func total(_ column: RoutingColumn) -> Double { totals[column.rawValue] }

    /// The value of `column` in interval `index`.
    public func value(_ column: RoutingColumn, interval index: Int) -> Double {
        series.value(interval: index, column: column.rawValue)
    }

    /// `column` over offered calls (NaN with none offered): the shares of the route columns.
    public func share(_ column: RoutingColumn) -> Double { ratio(column, .offered) }

    /// `numerator / denominator` overall, NaN when the denominator is 0.
    public func ratio(_ numerator: RoutingColumn, _ denominator: RoutingColumn) -> Double {
        let d = total(denominator)
        return d > 0 ? total(numerator) / d : .nan
    }

    /// Answered within the target over offered calls.
    public var serviceLevel: Double { ratio(.answeredWithinTarget, .offered) }
    /// Mean arrival-to-connect time of answered calls (IVR time included), seconds.
    public var averageSpeedOfAnswer: Double { ratio(.answeredWaitSum, .answered) }
    /// Callers who hung up in a queue over offered calls.
    public var abandonRate: Double { ratio(.abandonedInQueue, .offered) }
    /// Share of staffed time on inbound calls.
    public var inboundUtilisation: Double { ratio(.inboundAgentSeconds, .staffedAgentSeconds) }
    /// Share of staffed time on callbacks.
    public var callbackUtilisation: Double { ratio(.callbackAgentSeconds, .staffedAgentSeconds) }
    /// Mean creation-to-done of done callback tasks, seconds.
    public var meanCallbackDelay: Double { ratio(.callbackDelaySum, .callbacksDone) }

    /// The `p`-quantile (0...1) of the callback delays, seconds (the empirical quantile with
    /// linear interpolation, GSL's definition); NaN when no task was done.
    public func callbackDelayQuantile(_ p: Double) -> Double {
        guard !callbackDelays.isEmpty else { return .nan }
        let h = p * Double(callbackDelays.count - 1)
        let i = Int(h.rounded(.down))
        guard i + 1 < callbackDelays.count else { return callbackDelays[callbackDelays.count - 1] }
        return callbackDelays[i] + (h - Double(i)) * (callbackDelays[i + 1] - callbackDelays[i])
    }

    /// The share of done callback tasks done within `seconds` of their creation; NaN with none.
    public func callbackDelayShare(within seconds: Double) -> Double {
        guard !callbackDelays.isEmpty else { return .nan }
        var lo = 0, hi = callbackDelays.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if callbackDelays[mid] <= seconds { lo = mid + 1 } else { hi = mid }
        }
        return Double(lo) / Double(callbackDelays.count)
    }
}

// MARK: - Where a replication's records go

/// Receives replication 0's routing records of every variant, in the order they happen:
/// customers created (021), numbers bound (02), callback-task events (04-06) and every inbound
/// call once it ended. Called from the worker threads (one thread per variant at a time).
public protocol RoutingSink: Sendable {
    /// A record of variant `variant`.
    func record(variant: Int, _ record: RoutingRecord)
}

// MARK: - The routing world of one replication

/// One replication of the routing world: Poisson callers of three kinds (known number, known
/// customer from another number, new), an IVR they answer, agents who talk, wrap up and dial
/// callback tasks, and a router behind the inbound seam that it drives and obeys.
///
/// **The policy** is a `CenterPolicy` (module `CenterPolicies`): the router, the blended
/// campaign's dialer, and between them the blending rule and callback working (inbound first,
/// then callbacks, then the campaign). The world reports what happens (callers, IVR replies,
/// agents free or wrapping up, callback attempts ended, campaign calls answered or ended) and
/// carries out what the center asks: it draws each callback attempt's fate when the center starts
/// it (reached with `answerProbability` after `talk`, or failed after `failedAttempt`), and each
/// campaign attempt's fate when the dialer originates it.
///
/// **The IVR**: an ID prompt is answered after the caller's `idEntry` time (the same for every
/// attempt) with their ID number (a known customer from another number who keys it), a wrong
/// number (everyone else), or nil when that time exceeds the prompt's timeout; the menu is
/// answered after `menuChoice` with a valid key (the caller's business type) or the invalid key
/// `0`, or nil past the timeout; a bare announcement with nil at its timeout. A caller whose IVR
/// patience (from arrival) runs out first hangs up (`callAbandoned`).
///
/// **The studies**: a routing study counts the routing columns; a campaign study is this
/// softswitch with no inbound callers (`runCampaign`, its figures in `CampaignTally`); an inbound
/// study with anonymous callers (`RoutingScenario.anonymousCallers`: no number, no IVR, the
/// router hears `callArrived`) and no campaign (`runInbound`, its figures in `InboundTally`),
/// whose call slots are reused so that its memory does not grow with the simulated time.
///
/// **Common random numbers**: a caller's arrival time, kind, customer, ID behaviour, IVR
/// durations, menu key, patience, talk and wrap-up are drawn from one stream per purpose, once
/// per caller in arrival order, whatever the router does. Callback attempts draw from their own
/// stream. Single-threaded: a replication runs on one thread and depends only on
/// (scenario, seed, replication).
struct RoutingWorld<Router: InboundRouter & CallbackTaskLookup, D: Dialer>: ~Copyable {
    enum Event {
        case arrival
        case ivr(call: Int32, sequence: UInt32)
        case abandon(call: Int32)
        case talkEnd(agent: Int32)
        case wrapEnd(agent: Int32)
        case callbackEnd(agent: Int32)
        /// The router's timer.
        case timer
        /// The center's timer (callback retries, hold deadlines).
        case centerTimer
        // The blended campaign (see `Blend`).
        case dialerStart
        case dialerWake
        case outboundResolve(slot: Int32)
        case outboundGone(slot: Int32)
        case outboundMachineDone(slot: Int32)
        case outboundTalkEnd(agent: Int32)
        case outboundWrapEnd(agent: Int32)
        case pauseEnd(agent: Int32)
        /// An agent's shift starts, or ends (they log out after the work they are on).
        case shiftStart(agent: Int32)
        case shiftEnd(agent: Int32)
    }

    enum CallState: UInt8 { case arriving, inIDPrompt, inMenu, waiting, talking, ended }
    enum Kind: UInt8 { case knownNumber, knownOtherNumber, new }
    enum Reply: UInt8 { case validID, wrongID, nothing, key, hangUp }
    enum AgentState: UInt8 { case idle, talking, wrapping, callback, outboundTalking, outboundWrapping, paused, loggedOut }

    struct Call {
        /// The call's id: its slot (routing studies: its arrival number, slots are not reused),
        /// or (arrival number << 32 | slot) for anonymous callers.
        var id: UInt64 = 0
        var arrival: Double
        var interval: Int
        var kind: Kind
        var customer: Int
        var type: Int
        var keysValidID: Bool
        var idEntry: Double
        var menuChoice: Double
        var menuKey: Int  // 0: the invalid key
        var ivrDeadline: Double
        var queuePatience: Double
        var talk: Double
        var wrap: Double
        var state: CallState = .arriving
        var awaitingReply = false
        var sequence: UInt32 = 0
        var reply: Reply = .nothing
        var idDelivered = false
        var reason: RoutingReason? = nil
        var abandon: EventHandle = .none
        var agent = -1
        var connectedAt = -1.0
        var callbackTask: CallbackTaskID? = nil
        /// How the call ended, unless it was answered (recorded when its talk ends).
        var ending: InboundCallEnding? = nil
    }

    struct Task {
        var owner: Int
        var priority: Int
        var created: Double
        var deadline: Double
        var interval: Int
        var counted = true
        var active = true
        var reminded = false
        var reassigned = false
    }

    struct Agent {
        var state: AgentState = .idle
        var since = 0.0
        /// The inbound call (index) or, on the campaign, the attempt (slot) the agent serves.
        var call = -1
        var task = -1
        var reached = false
        /// The agent's shift ended while they worked: they log out once free.
        var leaving = false
    }

    let scenario: RoutingScenario
    /// The policy: the router, the blended campaign's dialer, the blending rule and callback
    /// working (`CenterPolicy`). The world carries out its commands and reports what happens.
    var center: CenterPolicy<Router, D>
    var calendar = EventCalendar<Event>()
    /// The center's commands not yet carried out (first in, first out, across nested events).
    var queue: [CenterCommand] = []
    var queueHead = 0
    /// The center's trace, when asked for (`RoutingRunner.twin`).
    var trace: CenterTrace? { didSet { tracing = trace != nil } }
    /// Whether `trace` is kept (a flag: testing the optional on every event costs a copy).
    var tracing = false

    let arrivalStream: RandomStream
    let kindStream: RandomStream
    let customerStream: RandomStream
    let idStream: RandomStream
    let ivrStream: RandomStream
    let patienceStream: RandomStream
    let talkStream: RandomStream
    let wrapStream: RandomStream
    let callbackStream: RandomStream
    let typeStream: RandomStream
    var process: PoissonArrivals
    /// The business types' cumulative shares, the last exactly 1.
    let typeCumulative: [Double]
    let idEntry: Sampler
    let menuChoice: Sampler
    let ivrPatience: Sampler?
    let queuePatience: Sampler?
    /// Talk and wrap-up samplers by business type.
    let talkTime: [Sampler]
    let wrapUp: [Sampler]
    let callbackTalk: Sampler
    let failedAttempt: Sampler

    var calls = Slab<Call>(capacity: 256)
    var tasks: [Task] = []
    /// The blended campaign's draws and state (unused without one).
    var draws: AttemptDraws
    var blend = BlendState()
    /// The agents' pauses after inbound calls (the study's `pauses`; none by default).
    var inboundPauses: PauseDraws
    var agents: Slab<Agent>
    /// Calls that ended in the current batch of commands, classified by route once it is done.
    var settled: [Int] = []
    /// The call the event being routed concerns, if any.
    var routingCall: Int? = nil
    /// Where replication 0's records go, with the variant's index.
    var sink: (variant: Int, sink: any RoutingSink)? { didSet { recording = sink != nil } }
    /// Whether records go to `sink` (a flag: testing the optional on every call costs a copy).
    var recording = false
    /// A campaign study's figures (`runCampaign`), counted as the campaign goes; nil otherwise.
    var tally: CampaignTally?
    /// Whether `tally` counts (a flag: testing the optional on every event costs a copy).
    var countsCampaign = false
    /// Where a campaign study's replication 0 sends its call records and snapshot.
    var campaignSink: (variant: Int, sink: any CampaignSink)?
    /// Commands of the center's carried out so far.
    var commandsCarried = 0
    /// An inbound study's figures (`Runner`), counted as the calls go when `countsInbound`.
    var inboundTally: InboundTally
    var countsInbound = false
    /// Whether the routing figures are counted (not in a campaign or an inbound study, which
    /// count their own).
    var countsRouting: Bool { !countsInbound && !countsCampaign }
    /// Slots of ended calls, to reuse (anonymous callers: their ids carry no meaning outside
    /// the world, so an inbound study's memory does not grow with its calls).
    var freeCalls = Slab<Int32>(capacity: 64)
    /// Anonymous callers so far (the high half of their call ids).
    var arrivals = 0

    var series: IntervalSeries
    var totals: [Double]
    var callbackDelays: [Double] = []
    var modelEvents = 0
    var now = 0.0
    let warmup: Double

    init(scenario: RoutingScenario, replication: Int, router: Router, dialer: D?) {
        self.scenario = scenario
        center = Self.center(scenario, router: router, dialer: dialer)
        let seeds = StreamSeeds(seed: scenario.seed, replication: replication)
        arrivalStream = RandomStream(seeds, purpose: scenario.streams + ".arrivals")
        kindStream = RandomStream(seeds, purpose: scenario.streams + ".kind")
        customerStream = RandomStream(seeds, purpose: scenario.streams + ".customer")
        idStream = RandomStream(seeds, purpose: scenario.streams + ".id")
        ivrStream = RandomStream(seeds, purpose: scenario.streams + ".ivr")
        patienceStream = RandomStream(seeds, purpose: scenario.streams + ".patience")
        talkStream = RandomStream(seeds, purpose: scenario.streams + ".talk")
        wrapStream = RandomStream(seeds, purpose: scenario.streams + ".wrap")
        callbackStream = RandomStream(seeds, purpose: scenario.streams + ".callbacks")
        typeStream = RandomStream(seeds, purpose: scenario.streams + ".type")
        inboundPauses = PauseDraws(scenario.pauses, seeds: seeds, purpose: OutboundPurposes.inboundPause)
        draws = AttemptDraws(
            world: scenario.outbound?.world ?? OutboundWorld(answer: [AnswerProbabilities(live: [0])]), seeds: seeds)
        process = PoissonArrivals(
            scenario.arrivals, factor: PoissonArrivals.factor(scenario.busyness, seeds, purpose: scenario.streams + ".busyness"),
            horizon: scenario.horizon)
        let shares = scenario.businessTypeProfiles.map(\.share)
        let sum = shares.reduce(0, +)
        var cumulative: [Double] = []
        var running = 0.0
        for share in shares {
            running += share
            cumulative.append(running / sum)
        }
        cumulative[cumulative.count - 1] = 1
        typeCumulative = cumulative
        warmup = scenario.warmup
        idEntry = Sampler(scenario.ivr.idEntry)
        menuChoice = Sampler(scenario.ivr.menuChoice)
        ivrPatience = scenario.ivr.patience.map(Sampler.init)
        queuePatience = scenario.queuePatience.map(Sampler.init)
        talkTime = scenario.businessTypeProfiles.map { Sampler($0.talk ?? scenario.talk) }
        wrapUp = scenario.businessTypeProfiles.map { Sampler($0.wrapUp ?? scenario.wrapUp) }
        callbackTalk = Sampler(scenario.callbacks.talk)
        failedAttempt = Sampler(scenario.callbacks.failedAttempt)
        agents = Slab(repeating: Agent(), count: scenario.agents)
        series = IntervalSeries(
            width: scenario.interval, horizon: scenario.horizon, columns: RoutingColumn.allCases.count)
        totals = Array(repeating: 0, count: RoutingColumn.allCases.count)
        inboundTally = InboundTally(scenario)
        queue.reserveCapacity(16)
    }

    /// The center of `scenario` with `router`: the study's callbacks and blending rule, its
    /// campaign's dialer, closing at the horizon.
    static func center(_ scenario: RoutingScenario, router: Router, dialer: D?) -> CenterPolicy<Router, D> {
        var rule = CenterRule(
            agentsDialCallbacks: scenario.callbacks.agentsDial, callbackRetry: scenario.callbacks.retry,
            closesAt: scenario.horizon)
        if let outbound = scenario.outbound {
            rule.blend = outbound.rule
            rule.maxHold = outbound.world.maxHold
        }
        return CenterPolicy(router: router, dialer: dialer, agents: scenario.agents, rule: rule)
    }

    /// Runs the replication: arrivals until the horizon, then until every call and task is done.
    mutating func run(replication: Int) throws(TaskValidationError) -> RoutingReplication {
        try simulate()
        return figures(replication: replication)
    }

    /// Runs a campaign study's replication: this softswitch with no inbound callers, the
    /// campaign's figures counted as it goes (`CampaignTally`); replication 0's call records and
    /// final snapshot go to `campaignSink`.
    mutating func runCampaign(replication: Int) throws(TaskValidationError) -> OutboundReplication {
        tally = CampaignTally(scenario)
        countsCampaign = true
        try simulate()
        let end = max(tally!.lastEvent, scenario.horizon)
        if let campaignSink, let dialer = center.dialer {
            campaignSink.sink.snapshot(variant: campaignSink.variant, dialer.snapshot(at: tally!.completedAt ?? end))
        }
        return tally!.replication(replication, contracts: scenario.outbound?.contacts.count ?? 0, until: end)
    }

    /// Runs an inbound study's replication: this softswitch with anonymous callers and no
    /// campaign, the inbound figures counted as it goes (`InboundTally`).
    mutating func runInbound(replication: Int) throws(TaskValidationError) -> InboundReplication {
        countsInbound = true
        try simulate()
        return inboundTally.replication(replication, end: now)
    }

    /// Runs the events: the agents log in, callers arrive until the horizon, the campaign starts
    /// at `dial_from`; until every call and task is done.
    mutating func simulate() throws(TaskValidationError) {
        for (a, hours) in scenario.agentHours.enumerated() {
            if hours.start <= 0 {
                tell(.agentLoggedIn(AgentID(a)))
            } else {
                agents[a].state = .loggedOut
                calendar.schedule(.shiftStart(agent: Int32(a)), at: hours.start)
            }
            if hours.end.isFinite { calendar.schedule(.shiftEnd(agent: Int32(a)), at: hours.end) }
        }
        if let first = nextArrival(after: 0) { calendar.schedule(.arrival, at: first) }
        if let outbound = scenario.outbound, outbound.rule.dialFrom < scenario.horizon {
            calendar.schedule(.dialerStart, at: outbound.rule.dialFrom)
        }
        while let (time, event) = calendar.next() {
            now = time
            modelEvents += 1
            if countsCampaign {
                if case .centerTimer = event {} else { tally!.lastEvent = time }
            }
            switch event {
            case .arrival:
                arrive()
                if let t = nextArrival(after: time) { calendar.schedule(.arrival, at: t) }
            case .ivr(let call, let sequence):
                ivrReply(Int(call), sequence: sequence)
            case .abandon(let call):
                let c = Int(call)
                if countsInbound { inboundTally.modelEvents += 1 }
                guard calls[c].state == .waiting else { break }
                end(c, .abandonedInQueue)
                settle()
                route(.callAbandoned(id(ofSlot: c)))
            case .talkEnd(let agent):
                let a = Int(agent)
                let wrap = calls[agents[a].call].wrap
                if recording { recordCall(agents[a].call, ending: .served) }
                if countsInbound { inboundTally.modelEvents += 1 }
                release(agents[a].call)
                agents[a].call = -1
                if wrap > 0 {
                    setState(a, .wrapping)
                    tell(.agentWrappingUp(AgentID(a)))
                    calendar.schedule(.wrapEnd(agent: agent), at: time + wrap)
                } else {
                    afterInboundCall(a)
                }
            case .wrapEnd(let agent):
                afterInboundCall(Int(agent))
            case .callbackEnd(let agent):
                callbackEnded(Int(agent))
            case .timer:
                route(.wakeUp)
            case .centerTimer:
                let before = commandsCarried
                tell(.wakeUp)
                if countsCampaign && commandsCarried > before { tally!.lastEvent = time }
            case .dialerStart:
                try startDialer()
            case .dialerWake:
                dialerWake(at: time)
            case .outboundResolve(let slot):
                resolveOutbound(Int(slot))
            case .outboundGone(let slot):
                outboundGone(Int(slot))
            case .outboundMachineDone(let slot):
                if countsCampaign { tally!.modelEvents += 1 }
                endAttempt(Int(slot), cause: .normalClearing)
            case .outboundTalkEnd(let agent):
                outboundTalkEnded(Int(agent))
            case .outboundWrapEnd(let agent):
                afterCampaignWrap(Int(agent))
            case .pauseEnd(let agent):
                guard agents[Int(agent)].state == .paused else { break }  // the shift ended meanwhile
                becomeAvailable(Int(agent))
            case .shiftStart(let agent):
                setState(Int(agent), .idle)
                tell(.agentLoggedIn(AgentID(Int(agent))))
            case .shiftEnd(let agent):
                let a = Int(agent)
                switch agents[a].state {
                case .idle, .paused: logOut(a)
                case .talking, .wrapping, .callback, .outboundTalking, .outboundWrapping: agents[a].leaving = true
                case .loggedOut: break
                }
            }
        }
    }

    /// The routing figures of the replication just simulated.
    mutating func figures(replication: Int) -> RoutingReplication {
        let horizon = scenario.horizon
        now = max(now, horizon)
        for a in 0..<agents.count { setState(a, agents[a].state) }
        let staffed = Double(scenario.agents)
        if scenario.shifts.isEmpty {
            series.addArea(
                level: staffed, column: RoutingColumn.staffedAgentSeconds.rawValue, from: 0, to: horizon)
            totals[RoutingColumn.staffedAgentSeconds.rawValue] = staffed * (horizon - warmup)
        }  // else: accrued by setState while logged in
        // Idle time: staffed time neither on inbound calls nor on callbacks.
        let idle = RoutingColumn.idleAgentSeconds.rawValue
        let busy = [
            RoutingColumn.inboundAgentSeconds.rawValue, RoutingColumn.callbackAgentSeconds.rawValue,
            RoutingColumn.outboundAgentSeconds.rawValue,
        ]
        for i in 0..<series.intervals {
            let s = series.value(interval: i, column: RoutingColumn.staffedAgentSeconds.rawValue)
            let b = busy.reduce(0) { $0 + series.value(interval: i, column: $1) }
            series.add(s - b, column: idle, interval: i)
        }
        totals[idle] = totals[RoutingColumn.staffedAgentSeconds.rawValue] - busy.reduce(0) { $0 + totals[$1] }
        callbackDelays.sort()
        return RoutingReplication(
            replication: replication, series: series, totals: totals, modelEvents: modelEvents,
            callbackDelays: callbackDelays)
    }

    // MARK: Callers

    @inline(__always)
    mutating func nextArrival(after t: Double) -> Double? { process.next(after: t, arrivalStream) }

    /// A caller arrives: every draw of the caller is made here, in arrival order.
    mutating func arrive() {
        if scenario.anonymousCallers { return arriveAnonymous() }
        let n = calls.count
        let mix = scenario.callers
        let u = kindStream.uniformPositive()
        let kind: Kind =
            u < mix.knownNumberShare
            ? .knownNumber
            : (u < mix.knownNumberShare + mix.knownCustomerOtherNumberShare ? .knownOtherNumber : .new)
        let customer = scenario.customers > 0 ? customerStream.uniformInt(below: scenario.customers) : -1
        let keysValidID = idStream.uniformPositive() < mix.validIDProbability
        let idTime = idEntry.sample(ivrStream)
        let menuTime = menuChoice.sample(ivrStream)
        let validKey = ivrStream.uniformPositive() < scenario.ivr.validMenuKeyProbability
        let ut = typeStream.uniformPositive()
        var type = 0
        while typeCumulative[type] < ut { type += 1 }
        let ivrWait = ivrPatience?.sample(patienceStream) ?? .infinity
        let queueWait = queuePatience?.sample(patienceStream) ?? .infinity
        let talk = talkTime[type].sample(talkStream)
        let wrap = wrapUp[type].sample(wrapStream)
        calls.append(
            Call(
                id: UInt64(n), arrival: now, interval: series.interval(at: now), kind: kind,
                customer: kind == .new ? -1 : customer, type: type,
                keysValidID: kind == .knownOtherNumber && keysValidID
                    && scenario.idCardNumber(ofCustomer: customer) != nil,
                idEntry: idTime, menuChoice: menuTime, menuKey: validKey ? type + 1 : 0,
                ivrDeadline: now + ivrWait,
                queuePatience: queueWait, talk: talk, wrap: wrap))
        count(.offered, call: n)
        switch kind {
        case .knownNumber: count(.callersKnownNumber, call: n)
        case .knownOtherNumber: count(.callersKnownOtherNumber, call: n)
        case .new: count(.callersNew, call: n)
        }
        let number =
            switch kind {
            case .knownNumber: scenario.boundNumber(ofCustomer: customer)
            case .knownOtherNumber: RoutingScenario.otherNumber(ofCustomer: customer)
            case .new: RoutingScenario.freshNumber(arrival: n)
            }
        route(.callerArrived(id(ofSlot: n), caller: PhoneNumber(number)!), call: n)
    }

    /// An anonymous caller arrives (an inbound study): their patience, talk and wrap-up are drawn,
    /// in arrival order, and the router hears `callArrived`. The call takes a free slot; its id
    /// is (arrival number << 32 | slot).
    @inline(__always)
    mutating func arriveAnonymous() {
        let c = freeCalls.popLast().map(Int.init) ?? calls.count
        let call = Call(
            id: UInt64(arrivals) << 32 | UInt64(c), arrival: now, interval: series.interval(at: now), kind: .new,
            customer: -1, type: 0, keysValidID: false, idEntry: 0, menuChoice: 0, menuKey: 0,
            ivrDeadline: .infinity, queuePatience: queuePatience?.sample(patienceStream) ?? .infinity,
            talk: talkTime[0].sample(talkStream), wrap: wrapUp[0].sample(wrapStream))
        if c < calls.count { calls[c] = call } else { calls.append(call) }
        arrivals += 1
        if countsInbound {
            inboundTally.modelEvents += 1
            inboundTally.add(.offered, 1, interval: call.interval, arrival: now)
        }
        count(.offered, call: c)
        count(.callersNew, call: c)
        route(.callArrived(CallID(call.id)), call: c)
    }

    /// The slot of call `id`.
    @inline(__always)
    func slot(_ id: CallID) -> Int { Int(id.rawValue & 0xFFFF_FFFF) }

    /// The id of the call in slot `c`.
    @inline(__always)
    func id(ofSlot c: Int) -> CallID { CallID(calls[c].id) }

    /// The IVR answers the prompt it was given (or the caller hangs up).
    mutating func ivrReply(_ c: Int, sequence: UInt32) {
        let call = calls[c]
        guard call.sequence == sequence, call.state == .inIDPrompt || call.state == .inMenu else { return }
        calls[c].awaitingReply = false
        let id = id(ofSlot: c)
        switch call.reply {
        case .validID:
            calls[c].idDelivered = true
            route(
                .digitsCollected(id, KeyedDigits(idNumber: scenario.idCardNumber(ofCustomer: call.customer) ?? "")),
                call: c)
        case .wrongID:
            route(.digitsCollected(id, KeyedDigits(RoutingScenario.wrongIDNumber(arrival: c))), call: c)
        case .nothing:
            route(.digitsCollected(id, nil), call: c)
        case .key:
            route(.digitsCollected(id, KeyedDigits(String(call.menuKey))), call: c)
        case .hangUp:
            end(c, call.state == .inMenu ? .endedForCallback : .abandonedInIVR)
            settle()
            route(.callAbandoned(id))
        }
    }

    mutating func collectDigits(_ c: Int, prompt: IVRPrompt, maxDigits: Int, timeout: Double) {
        let state = calls[c].state
        precondition(
            state == .arriving || state == .inIDPrompt || state == .inMenu,
            "the router asked for digits of call#\(c), which is not in the IVR")
        var reply: Reply
        var delay: Double
        switch prompt {
        case .idNumber:
            calls[c].state = .inIDPrompt
            let d = calls[c].idEntry
            (reply, delay) =
                d <= timeout ? (calls[c].keysValidID ? .validID : .wrongID, d) : (.nothing, timeout)
        case .callbackMenu:
            calls[c].state = .inMenu
            let d = calls[c].menuChoice
            (reply, delay) = d <= timeout && maxDigits > 0 ? (.key, d) : (.nothing, timeout)
        case .callbackAnnouncement:
            calls[c].state = .inMenu
            (reply, delay) = (.nothing, timeout)
        }
        if now + delay > calls[c].ivrDeadline {
            reply = .hangUp
            delay = max(0, calls[c].ivrDeadline - now)
        }
        calls[c].sequence &+= 1
        calls[c].reply = reply
        calls[c].awaitingReply = true
        calendar.schedule(.ivr(call: Int32(c), sequence: calls[c].sequence), at: now + delay)
    }

    /// Ends call `c` one way (once).
    @inline(__always)
    mutating func end(_ c: Int, _ ending: RoutingColumn) {
        precondition(calls[c].state != .ended && calls[c].state != .talking, "call#\(c) ended twice")
        if calls[c].state == .waiting { calendar.cancel(calls[c].abandon) }
        calls[c].sequence &+= 1  // any pending IVR reply is stale
        calls[c].state = ending == .answered ? .talking : .ended
        if countsInbound {
            let (interval, arrival) = (calls[c].interval, calls[c].arrival)
            switch ending {
            case .blocked:
                inboundTally.add(.blocked, 1, interval: interval, arrival: arrival)
                inboundTally.add(.waited, 1, interval: interval, arrival: arrival)
            case .abandonedInQueue:
                inboundTally.add(.abandoned, 1, interval: interval, arrival: arrival)
                inboundTally.add(.waitSum, now - arrival, interval: interval, arrival: arrival)
            default:
                break
            }
        }
        // The slot is free for the next caller (none arrives before this event is done).
        if ending != .answered { release(c) }
        guard countsRouting || recording else { return }
        count(ending, call: c)
        settled.append(c)
        calls[c].ending =
            switch ending {
            case .blocked: .blocked
            case .abandonedInQueue: .abandonedInQueue
            case .abandonedInIVR: .abandonedInIVR
            case .endedForCallback: .callback
            case .hungUp: .hungUp
            default: nil  // answered: recorded when the talk ends
            }
    }

    // MARK: Records (replication 0, when a sink is given)

    mutating func record(_ record: RoutingRecord) {
        guard recording else { return }
        sink?.sink.record(variant: sink!.variant, record)
    }

    /// The record of call `c`, which ended now `ending`. Its customer is who the caller is (the
    /// world's truth; nil for new callers), whether or not the router recognised them.
    @inline(never)
    mutating func recordCall(_ c: Int, ending: InboundCallEnding) {
        guard recording else { return }
        let call = calls[c]
        let caller =
            switch call.kind {
            case .knownNumber: scenario.boundNumber(ofCustomer: call.customer)
            case .knownOtherNumber: RoutingScenario.otherNumber(ofCustomer: call.customer)
            case .new: RoutingScenario.freshNumber(arrival: c)
            }
        record(
            .inboundCall(
                InboundCallRecord(
                    call: id(ofSlot: c), caller: caller,
                    customer: call.customer >= 0 ? CustomerID(Int32(call.customer)) : nil, arrivedAt: call.arrival,
                    reason: call.reason, agent: call.agent >= 0 ? AgentID(call.agent) : nil,
                    connectedAt: call.connectedAt >= 0 ? call.connectedAt : nil, endedAt: now, ending: ending,
                    callback: call.callbackTask)))
    }

    /// Frees the slot of call `c`, which ended, for the next caller (anonymous callers only:
    /// a routing study's call is its arrival number).
    @inline(__always)
    mutating func release(_ c: Int) {
        guard scenario.anonymousCallers else { return }
        calls[c].state = .ended
        freeCalls.append(Int32(c))
    }

    /// Counts the route of each call that ended in the last batch.
    @inline(__always)
    mutating func settle() {
        if !settled.isEmpty { settleCalls() }
    }

    mutating func settleCalls() {
        for c in settled {
            let column: RoutingColumn
            if let reason = calls[c].reason {
                switch reason.step {
                case .firstAgent: column = .routedFirstAgent
                case .backup: column = .routedBackup
                case .team: column = .routedTeam
                case .leader: column = .routedLeader
                case .random: column = .routedRandom
                case .callback: column = .routedCallback
                }
                if reason.afterIDMatch { count(.routedAfterIDMatch, call: c) }
            } else {
                column = calls[c].state == .talking ? .routedQueue : .notRouted
            }
            count(column, call: c)
            // Recorded once the batch is done, so that a callback task created in it is named.
            if recording, let ending = calls[c].ending { recordCall(c, ending: ending) }
        }
        settled.removeAll(keepingCapacity: true)
    }

    // MARK: The seam

    /// Hands `event` to the center and carries out its commands, until the queue is empty.
    @inline(__always)
    mutating func tell(_ event: CenterEvent) {
        let first = queue.count
        center.handle(event, at: now, into: &queue)
        commandsCarried += queue.count - first
        if tracing { trace!.steps.append(.init(time: now, event: event, commands: Array(queue[first...]))) }
        drain()
        settle()
    }

    /// Carries out the center's commands in order; a nested `tell` (a call ended at once) drains
    /// the rest.
    @inline(__always)
    mutating func drain() {
        while queueHead < queue.count {
            let command = queue[queueHead]
            queueHead += 1
            carryOut(command)
        }
        // Emptied one by one: cheaper than removeAll for the few commands of an event, and the
        // storage is kept.
        while !queue.isEmpty { queue.removeLast() }
        queueHead = 0
    }

    @inline(__always)
    mutating func carryOut(_ command: CenterCommand) {
        switch command {
        case .inbound(let command):
            carryOut(command)
        case .dialer(let command):
            carryOut(command)
        case .startCallback(let task, let agent):
            startCallback(task.index, agent: agent.index)
        case .callbackDone(let task, let agent):
            callbackDone(task.index, by: agent.index)
        case .wakeUp(let at):
            calendar.schedule(.centerTimer, at: max(at, now))
        }
    }

    /// Hands a caller's `event` to the router (through the center) and carries out its
    /// commands; `call` is the caller the event concerns, who waits in a queue if the router
    /// left them with nothing to do.
    @inline(__always)
    mutating func route(_ event: InboundEvent, call: Int? = nil) {
        switch event {
        case .callerArrived(let id, _), .digitsCollected(let id, _), .callAbandoned(let id):
            routingCall = slot(id)
        default:
            routingCall = call
        }
        tell(.inbound(event))
        defer { routingCall = nil }
        if let c = call {
            let state = calls[c].state
            if (state == .arriving || state == .inIDPrompt || state == .inMenu) && !calls[c].awaitingReply {
                calls[c].state = .waiting
                count(.waited, call: c)
                if countsInbound {
                    inboundTally.add(.waited, 1, interval: calls[c].interval, arrival: calls[c].arrival)
                }
                let patience = calls[c].queuePatience
                if patience.isFinite {
                    calls[c].abandon = calendar.schedule(.abandon(call: Int32(c)), at: now + patience)
                }
            }
        }
        settle()
    }

    @inline(__always)
    mutating func carryOut(_ command: InboundCommand) {
        switch command {
        case .connect(let call, let agent):
            connect(slot(call), agent: agent.index)
        case .reject(let call):
            end(slot(call), .blocked)
        case .collectDigits(let call, let prompt, let maxDigits, let timeout):
            collectDigits(slot(call), prompt: prompt, maxDigits: maxDigits, timeout: timeout)
        case .hangUp(let call):
            let c = slot(call)
            guard calls[c].state != .ended else { break }  // the caller hung up first
            end(c, calls[c].state == .inMenu ? .endedForCallback : .hungUp)
        case .routed(let call, let reason):
            calls[slot(call)].reason = reason
        case .bindNumber(let number, let customer):
            add(.bindings, 1, interval: series.interval(at: now), counted: now >= warmup)
            record(.numberBound(NumberBinding(number, customer: customer, at: now)))
        case .createCustomer(let id):
            add(.customersCreated, 1, interval: series.interval(at: now), counted: now >= warmup)
            if recording, let customer = center.router.customer(id) {
                record(.customerCreated(CreatedCustomer(customer, at: now)))
            }
        case .wakeUp(let at):
            calendar.schedule(.timer, at: max(at, now))
        case .createCallback(let id):
            createCallback(id)
        case .reassignCallback(let id, let to, let priority):
            var task = tasks[id.index]
            if !task.reassigned { add(.callbacksReassigned, 1, task: id.index) }
            add(.reassignments, 1, task: id.index)
            task.reassigned = true
            task.priority = priority
            tasks[id.index] = task
            record(.callback(.reassigned(id, to: to, priority: priority, at: now)))
        case .remindAgent(let agent, let id, let priority):
            record(.callback(.reminded(id, agent: agent, priority: priority, at: now)))
            if !tasks[id.index].reminded { add(.callbacksReminded, 1, task: id.index) }
            add(.reminders, 1, task: id.index)
            tasks[id.index].reminded = true
            tasks[id.index].priority = priority
        case .expireCallback(let id):
            guard tasks[id.index].active else { break }
            add(.callbacksExpired, 1, task: id.index)
            tasks[id.index].active = false
            record(.callback(.expired(id, at: now)))
        }
    }

    @inline(__always)
    mutating func connect(_ c: Int, agent a: Int) {
        let state = calls[c].state
        precondition(
            state == .arriving || state == .waiting || state == .inIDPrompt || state == .inMenu,
            "the router connected call#\(c), which is not waiting")
        precondition(agents[a].state == .idle, "the router connected agent#\(a), who is not idle")
        end(c, .answered)
        let wait = now - calls[c].arrival
        if countsInbound {
            let (interval, arrival) = (calls[c].interval, calls[c].arrival)
            inboundTally.add(.answered, 1, interval: interval, arrival: arrival)
            inboundTally.add(.answeredWaitSum, wait, interval: interval, arrival: arrival)
            inboundTally.add(.waitSum, wait, interval: interval, arrival: arrival)
            if wait <= scenario.serviceTarget {
                inboundTally.add(.answeredWithinTarget, 1, interval: interval, arrival: arrival)
            }
        }
        if countsRouting { countConnect(c, agent: a, wait: wait) }
        agents[a].call = c
        calls[c].agent = a
        calls[c].connectedAt = now
        setState(a, .talking)
        calendar.schedule(.talkEnd(agent: Int32(a)), at: now + calls[c].talk)
    }

    /// A routing study's counts of call `c` connected to agent `a` after `wait` seconds: the
    /// wait, and who the agent is to the customer (out of line: the inbound study's hot loop
    /// skips it).
    @inline(never)
    mutating func countConnect(_ c: Int, agent a: Int, wait: Double) {
        count(.answeredWaitSum, call: c, amount: wait)
        if wait <= scenario.serviceTarget { count(.answeredWithinTarget, call: c) }
        let customer = calls[c].customer
        let firstAgent = customer >= 0 ? scenario.firstAgent(ofCustomer: customer) : nil
        if calls[c].kind != .new, let first = firstAgent {
            if a == first {
                count(.connectedFirstAgent, call: c)
            } else if scenario.team(of: a) == scenario.team(of: first) {
                let size = scenario.teamSize
                if a == first - first % size + (first % size + 1) % size {  // the backup (see profile(of:))
                    count(.connectedBackup, call: c)
                } else if a % scenario.teamSize == 0 {
                    count(.connectedLeader, call: c)
                } else {
                    count(.connectedTeam, call: c)
                }
            }
        }
        let recognised = calls[c].kind == .knownNumber || calls[c].idDelivered
        if recognised, let first = firstAgent, scenario.team(of: a) != scenario.team(of: first) {
            count(.strangerConnects, call: c)
        }
    }

    /// The agent finished wrap-up: it is idle, and the center hears so (it offers the agent to the
    /// router, then to their callbacks, then to the campaign).
    @inline(__always)
    mutating func becomeAvailable(_ a: Int) {
        if agents[a].leaving { return logOut(a) }
        setState(a, .idle)
        tell(.agentFree(AgentID(a)))
    }

    /// After an inbound call's wrap-up the agent may go on a break (the study's `pauses`: the
    /// router has them away, the dialer sees them paused), else is free.
    @inline(__always)
    mutating func afterInboundCall(_ a: Int) {
        if agents[a].leaving { return logOut(a) }
        rest(a, for: inboundPauses.after(agent: a))
    }

    /// After a call: a break of `duration` (the router has the agent away, the dialer sees them
    /// paused, until `pauseEnd`), or free when nil.
    @inline(__always)
    mutating func rest(_ a: Int, for duration: Double?) {
        guard let duration else { return becomeAvailable(a) }
        setState(a, .paused)
        tell(.agentPaused(AgentID(a)))
        calendar.schedule(.pauseEnd(agent: Int32(a)), at: now + duration)
    }

    /// Agent `a`'s shift is over: logged out (the center hears so).
    mutating func logOut(_ a: Int) {
        agents[a].leaving = false
        setState(a, .loggedOut)
        tell(.agentLoggedOut(AgentID(a)))
    }

    // MARK: Callbacks

    mutating func createCallback(_ id: CallbackTaskID) {
        guard let task = center.router.callbackTask(id) else {
            preconditionFailure("the router created \(id) but cannot show it")
        }
        while tasks.count <= id.index {
            tasks.append(
                Task(owner: -1, priority: 0, created: now, deadline: now, interval: 0, active: false))
        }
        let interval = series.interval(at: task.created)
        tasks[id.index] = Task(
            owner: -1, priority: task.priority, created: task.created, deadline: task.deadline,
            interval: interval, counted: task.created >= warmup)
        add(.callbacksCreated, 1, task: id.index)
        if let c = routingCall { calls[c].callbackTask = id }
        record(.callback(.created(task)))
    }

    /// The center started callback task `t` on agent `a`: the attempt's fate is drawn.
    mutating func startCallback(_ t: Int, agent a: Int) {
        precondition(agents[a].state == .idle, "the center started a callback on agent#\(a), who is not idle")
        add(.callbackAttempts, 1, task: t)
        let reached = callbackStream.uniformPositive() < scenario.callbacks.answerProbability
        let duration = reached ? callbackTalk.sample(callbackStream) : failedAttempt.sample(callbackStream)
        agents[a].task = t
        agents[a].reached = reached
        setState(a, .callback)
        calendar.schedule(.callbackEnd(agent: Int32(a)), at: now + duration)
    }

    mutating func callbackEnded(_ a: Int) {
        let t = agents[a].task
        agents[a].task = -1
        setState(a, .idle)
        tell(.callbackEnded(CallbackTaskID(Int32(t)), agent: AgentID(a), reached: agents[a].reached))
        // A shift that ended meanwhile: out, unless the center gave the agent new work at once
        // (then after it).
        if agents[a].leaving && agents[a].state == .idle { logOut(a) }
    }

    /// The center found task `t` done by agent `a`.
    mutating func callbackDone(_ t: Int, by a: Int) {
        let task = tasks[t]
        add(.callbacksDone, 1, task: t)
        add(.callbackDelaySum, now - task.created, task: t)
        if task.counted { callbackDelays.append(now - task.created) }
        if now <= task.deadline { add(.callbacksDoneInTime, 1, task: t) }
        tasks[t].active = false
        record(.callback(.done(CallbackTaskID(t), by: AgentID(a), at: now)))
    }

    // MARK: Statistics

    @inline(__always)
    mutating func setState(_ a: Int, _ state: AgentState) {
        if countsInbound {
            // An inbound study counts the agents talking or in wrap-up, as one level.
            let wasBusy = agents[a].state == .talking || agents[a].state == .wrapping
            let isBusy = state == .talking || state == .wrapping
            if wasBusy != isBusy {
                inboundTally.setBusy(inboundTally.busyAgents + (isBusy ? 1 : -1), at: now)
            }
            agents[a].state = state
            return
        }
        setStateCounting(a, state)
    }

    /// `setState` in a campaign or a routing study: the agent's time in the state it leaves is
    /// counted (out of line: the inbound study's hot loop skips it).
    @inline(never)
    mutating func setStateCounting(_ a: Int, _ state: AgentState) {
        guard !countsCampaign else {
            // A campaign study counts its own figures.
            agents[a].state = state
            let campaign: CampaignTally.State =
                switch state {
                case .idle: .idle
                case .talking, .callback, .outboundTalking: .talking
                case .wrapping, .outboundWrapping: .wrapUp
                case .paused: .paused
                case .loggedOut: .loggedOut
                }
            tally!.set(a, campaign, at: now)
            return
        }
        let from = agents[a].since
        let to = min(now, scenario.horizon)
        let column: RoutingColumn? =
            switch agents[a].state {
            case .idle, .paused, .loggedOut: nil  // a break counts as idle time
            case .talking, .wrapping: .inboundAgentSeconds
            case .callback: .callbackAgentSeconds
            case .outboundTalking, .outboundWrapping: .outboundAgentSeconds
            }
        if let column, to > from {
            series.addArea(level: 1, column: column.rawValue, from: from, to: to)
            totals[column.rawValue] += max(0, to - max(from, warmup))
        }
        // With shifts, staffed time is the time logged in (without, every agent all day).
        if !scenario.shifts.isEmpty && agents[a].state != .loggedOut && to > from {
            let staffed = RoutingColumn.staffedAgentSeconds.rawValue
            series.addArea(level: 1, column: staffed, from: from, to: to)
            totals[staffed] += max(0, to - max(from, warmup))
        }
        agents[a].since = now
        agents[a].state = state
    }

    /// Adds to call `c`'s arrival interval, and to the totals if it arrived after the warm-up.
    @inline(__always)
    mutating func count(_ column: RoutingColumn, call c: Int, amount: Double = 1) {
        add(column, amount, interval: calls[c].interval, counted: calls[c].arrival >= warmup)
    }

    /// Adds to task `t`'s creation interval, and to the totals if it was created after the warm-up.
    @inline(__always)
    mutating func add(_ column: RoutingColumn, _ amount: Double, task t: Int) {
        add(column, amount, interval: tasks[t].interval, counted: tasks[t].counted)
    }

    @inline(__always)
    mutating func add(_ column: RoutingColumn, _ amount: Double, interval: Int, counted: Bool) {
        if countsRouting { addRouting(column, amount, interval: interval, counted: counted) }
    }

    /// `add`'s work, kept out of line: the inbound and campaign studies' hot loops skip it.
    @inline(never)
    mutating func addRouting(_ column: RoutingColumn, _ amount: Double, interval: Int, counted: Bool) {
        series.add(amount, column: column.rawValue, interval: interval)
        if counted { totals[column.rawValue] += amount }
    }
}

// MARK: - Running replications

/// A replication whose center's trace was replayed into a fresh center (`RoutingRunner.replay`).
public struct CenterReplay: Sendable {
    /// The replication's figures.
    public var replication: RoutingReplication
    /// Calls into the center.
    public var steps: Int
    /// Campaign calls the center originated.
    public var campaignCalls = 0
    /// Where the replay first answered differently; nil: never.
    public var difference: String?
    /// The trace replayed.
    public var trace = CenterTrace()

    init(replication: RoutingReplication, steps: Int) {
        self.replication = replication
        self.steps = steps
    }
}

/// Runs a routing scenario's replications, spread over threads, gathered in index order.
public enum RoutingRunner {
    /// Runs replication `replication` of `scenario` on the calling thread; its records go to
    /// `sink` with the variant's index, if given.
    public static func replicate(
        _ scenario: RoutingScenario, replication: Int, sink: (variant: Int, sink: any RoutingSink)? = nil
    ) throws(TaskValidationError) -> RoutingReplication {
        try withRouter(scenario, replication: replication, sink: sink, replay: false).replication
    }

    /// Runs replication `replication` of `scenario` keeping the trace of its `CenterPolicy`, then
    /// replays the trace's events into a fresh center: the policy must answer every event the
    /// same, which shows the world tells it everything through its events (no side channel) and
    /// nothing in its answers depends on anything else.
    public static func replay(
        _ scenario: RoutingScenario, replication: Int = 0
    ) throws(TaskValidationError) -> CenterReplay {
        try withRouter(scenario, replication: replication, sink: nil, replay: true)
    }

    /// A fresh center of `scenario`'s replication `replication`, as the routing world starts it,
    /// when its router is the cascade (nil otherwise): to drive through another driver.
    public static func cascadeCenter(
        _ scenario: RoutingScenario, replication: Int = 0
    ) -> CenterPolicy<CascadeRouter, AnyDialer>? {
        guard case .cascade(let configuration, let seed) = scenario.router else { return nil }
        let mixed = StreamSeeds.mix(scenario.seed ^ StreamSeeds.mix(UInt64(replication) &+ 1))
        return RoutingWorld<CascadeRouter, AnyDialer>.center(
            scenario,
            router: CascadeRouter(
                directory: scenario.directory(), configuration: configuration, random: SplitMix64(seed: seed ^ mixed)),
            dialer: scenario.blendedDialer)
    }

    private static func withRouter(
        _ scenario: RoutingScenario, replication: Int, sink: (variant: Int, sink: any RoutingSink)?, replay: Bool
    ) throws(TaskValidationError) -> CenterReplay {
        precondition(
            scenario.customerTable.map { $0.customers.count == scenario.customers && !$0.customers.isEmpty } ?? true,
            "the scenario's customer table has not been read (set customerTable.customers and customers)")
        let mixed = StreamSeeds.mix(scenario.seed ^ StreamSeeds.mix(UInt64(replication) &+ 1))
        switch scenario.router {
        case .cascade(let configuration, let seed):
            return try run(
                scenario, replication: replication, sink: sink, replay: replay,
                router: CascadeRouter(
                    directory: scenario.directory(), configuration: configuration,
                    random: SplitMix64(seed: seed ^ mixed)))
        case .queue(let configuration, let seed):
            return try run(
                scenario, replication: replication, sink: sink, replay: replay,
                router: QueueRouter(configuration, random: SplitMix64(seed: seed ^ mixed)))
        case .sticky(let configuration):
            return try run(
                scenario, replication: replication, sink: sink, replay: replay,
                router: StickyRouter(configuration, bindings: scenario.stickyBindings()))
        }
    }

    private static func run<R: InboundRouter & CallbackTaskLookup>(
        _ scenario: RoutingScenario, replication: Int, sink: (variant: Int, sink: any RoutingSink)?, replay: Bool,
        router: R
    ) throws(TaskValidationError) -> CenterReplay {
        var world = RoutingWorld<R, AnyDialer>(
            scenario: scenario, replication: replication, router: router, dialer: scenario.blendedDialer)
        world.sink = sink
        if replay { world.trace = CenterTrace() }
        let result = try world.run(replication: replication)
        guard replay, let trace = world.trace else { return CenterReplay(replication: result, steps: 0) }
        var fresh = RoutingWorld<R, AnyDialer>.center(scenario, router: router, dialer: scenario.blendedDialer)
        var report = CenterReplay(replication: result, steps: trace.steps.count)
        report.trace = trace
        report.campaignCalls = trace.steps.reduce(0) { n, step in
            n + step.commands.reduce(0) { if case .dialer(.originate) = $1 { $0 + 1 } else { $0 } }
        }
        if let (i, got) = trace.firstDifference(replayingInto: &fresh) {
            let step = trace.steps[i]
            report.difference = """
                step \(i) at \(step.time), \(step.event.map { "\($0)" } ?? "startCampaign"): \
                the simulation's center answered \(step.commands), the replay \(got)
                """
        }
        return report
    }

    /// Runs all replications of `scenario` on up to `threads` threads, in index order.
    /// Throws when the blended campaign's task cannot start (step S33). Replication 0's records
    /// go to `sink`, if given.
    /// `progress` is called (from any thread) with the number of replications done so far.
    public static func run(
        _ scenario: RoutingScenario, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        sink: (variant: Int, sink: any RoutingSink)? = nil, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(TaskValidationError) -> [RoutingReplication] {
        let count = scenario.replications
        let results = ResultSlots<Result<RoutingReplication, TaskValidationError>>(count: count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
            while let index = results.claim() {
                let result = Result { () throws(TaskValidationError) in
                    try replicate(scenario, replication: index, sink: index == 0 ? sink : nil)
                }
                let done = results.store(result, at: index)
                progress?(done)
            }
        }
        var replications: [RoutingReplication] = []
        for result in results.values() { replications.append(try result.get()) }
        return replications
    }
}
