import CallCenter
import Foundation
import Scenarios
import SimKernel

// MARK: - What one replication measures

/// The columns of the per-interval series and of the overall totals of an inbound run.
///
/// Call counts are attributed to the interval in which the call **arrived** (so every call of
/// an interval is followed to its end, even past the horizon); agent time is attributed to the
/// interval in which it was spent.
public enum InboundColumn: Int, CaseIterable, Sendable {
    /// Calls that arrived.
    case offered
    /// Calls connected to an agent.
    case answered
    /// Calls whose caller hung up while waiting.
    case abandoned
    /// Calls the router refused (no place in the queue).
    case blocked
    /// Calls that found no idle agent on arrival (they queued, or were refused).
    case waited
    /// Calls answered within the service target.
    case answeredWithinTarget
    /// The sum of the waits of answered calls, seconds.
    case answeredWaitSum
    /// The sum of the waits of answered and abandoned calls, seconds.
    case waitSum
    /// Agent-seconds spent talking or in wrap-up.
    case busyAgentSeconds
    /// Agent-seconds logged in.
    case staffedAgentSeconds
}

/// The counts and sums of one replication: per interval, and overall after the warm-up.
public struct InboundReplication: Sendable, Hashable {
    /// The replication's index.
    public var replication: Int
    /// Per-interval sums, columns as in `InboundColumn`.
    public var series: IntervalSeries
    /// Sums over calls that arrived in [warm-up, horizon) and agent time in that span.
    public var totals: [Double]
    /// Arrivals, service completions and abandonments processed, warm-up included.
    public var modelEvents: Int

    /// The overall value of `column`.
    public func total(_ column: InboundColumn) -> Double { totals[column.rawValue] }
}

// MARK: - The inbound world of one replication

/// One replication of the inbound world: Poisson arrivals per period, callers with patience,
/// agents who talk and wrap up, and a router behind the policy seam.
///
/// A non-copyable value rather than a class, so that its state is checked for exclusive access
/// at compile time rather than on every access at run time. Single-threaded by design: one replication runs on one thread, start to end, and depends only
/// on (scenario, seed, replication). Random numbers come from one stream per purpose (arrival
/// times, patience, talk time, wrap-up), each drawn once per caller in arrival order, so any two
/// routers meet the same callers (common random numbers).
struct InboundModel<Router: InboundRouter>: ~Copyable {
    @usableFromInline enum Event {
        case arrival
        case abandon(slot: Int32)
        case talkEnd(agent: Int32)
        case wrapEnd(agent: Int32)
    }

    @usableFromInline enum CallState: UInt8 { case free, arriving, waiting, talking }

    /// A call in the slab of calls: its id, times, draws and statistics row.
    struct Call {
        var id: UInt64 = 0
        var arrival: Double = 0
        var talk: Double = 0
        var wrap: Double = 0
        var abandon: EventHandle = .none
        var state: CallState = .free
        /// Where its counts go: its arrival interval, and whether it arrived after the warm-up.
        var interval: Int32 = 0
        var counted = false
    }

    let scenario: Scenario
    var router: Router
    var calendar = EventCalendar<Event>()
    var commands: [InboundCommand] = []

    let arrivalStream: RandomStream
    let patienceStream: RandomStream
    let talkStream: RandomStream
    let wrapStream: RandomStream
    let talkTime: Sampler
    let wrapUp: Sampler
    let patience: Sampler?

    // The arrival process, and how many callers so far.
    var process: PoissonArrivals
    var arrivals = 0

    // Calls in a slab; a call's id is (arrival number << 32 | slot).
    var calls = Slab<Call>(capacity: 256)
    var freeSlots: [Int32] = []

    // Agents: the call each one serves; how many are busy, and since when that count holds.
    var agentCall: Slab<Int32>
    var busyAgents = 0
    var busySince = 0.0

    /// Per-interval sums (row i = interval i) and, in the last row, the totals after warm-up.
    var sums: Slab<Double>
    let intervalWidth: Double
    let intervals: Int
    var modelEvents = 0
    let warmup: Double
    let horizon: Double
    let target: Double

    static var columns: Int { InboundColumn.allCases.count }

    init(scenario: Scenario, replication: Int, router: Router) {
        self.scenario = scenario
        self.router = router
        let seeds = StreamSeeds(seed: scenario.seed, replication: replication)
        arrivalStream = RandomStream(seeds, purpose: "inbound.arrivals")
        patienceStream = RandomStream(seeds, purpose: "inbound.patience")
        talkStream = RandomStream(seeds, purpose: "inbound.talk")
        wrapStream = RandomStream(seeds, purpose: "inbound.wrap")
        talkTime = Sampler(scenario.traffic.talkTime)
        wrapUp = Sampler(scenario.traffic.wrapUp)
        patience = scenario.traffic.patience.map(Sampler.init)
        process = PoissonArrivals(
            scenario.traffic.arrivals,
            factor: PoissonArrivals.factor(scenario.traffic.busyness, seeds, purpose: "inbound.busyness"),
            horizon: scenario.horizon)
        agentCall = Slab(repeating: -1, count: scenario.agents)
        intervalWidth = scenario.interval
        intervals = IntervalSeries(width: scenario.interval, horizon: scenario.horizon, columns: 1).intervals
        sums = Slab(repeating: 0, count: (intervals + 1) * Self.columns)
        warmup = scenario.warmup
        horizon = scenario.horizon
        target = scenario.serviceTarget
        commands.reserveCapacity(8)
    }

    /// Runs the replication to its end: arrivals until the horizon, then until every call is done.
    mutating func run(replication: Int) -> InboundReplication {
        for agent in 0..<scenario.agents {
            route(.agentLoggedIn(AgentID(agent)), at: 0)
        }
        if let first = nextArrival(after: 0) { calendar.schedule(.arrival, at: first) }
        while let (time, event) = calendar.next() {
            switch event {
            case .arrival:
                modelEvents += 1
                arrive(at: time)
                if let t = nextArrival(after: time) { calendar.schedule(.arrival, at: t) }
            case .abandon(let slot):
                modelEvents += 1
                abandon(slot: Int(slot), at: time)
            case .talkEnd(let agent):
                modelEvents += 1
                let slot = Int(agentCall[Int(agent)])
                let wrap = calls[slot].wrap
                release(slot: slot)
                agentCall[Int(agent)] = -1
                if wrap > 0 {
                    calendar.schedule(.wrapEnd(agent: agent), at: time + wrap)
                } else {
                    agentAvailable(Int(agent), at: time)
                }
            case .wrapEnd(let agent):
                agentAvailable(Int(agent), at: time)
            }
        }
        accumulateBusy(until: max(calendar.now, horizon))
        var series = IntervalSeries(width: intervalWidth, horizon: horizon, columns: Self.columns)
        let all = sums.toArray()
        for i in 0..<intervals {
            for c in 0..<Self.columns { series.add(all[i * Self.columns + c], column: c, interval: i) }
        }
        var totals = Array(all[(intervals * Self.columns)...])
        // Staffed time: every agent is logged in from 0 to the horizon.
        let staffed = Double(scenario.agents)
        series.addArea(
            level: staffed, column: InboundColumn.staffedAgentSeconds.rawValue, from: 0, to: horizon)
        totals[InboundColumn.staffedAgentSeconds.rawValue] = staffed * (horizon - warmup)
        return InboundReplication(
            replication: replication, series: series, totals: totals, modelEvents: modelEvents)
    }

    // MARK: Arrivals

    /// The next arrival time after `t`, or nil past the horizon.
    @inline(__always)
    mutating func nextArrival(after t: Double) -> Double? { process.next(after: t, arrivalStream) }

    @inline(__always)
    mutating func arrive(at time: Double) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
        } else {
            slot = calls.count
            calls.append(Call())
        }
        // Every caller draws patience, talk and wrap-up, in arrival order: common random numbers.
        let patienceDraw = patience?.sample(patienceStream) ?? .infinity
        let id = CallID(UInt64(arrivals) << 32 | UInt64(slot))
        arrivals += 1
        calls[slot] = Call(
            id: id.rawValue, arrival: time, talk: talkTime.sample(talkStream),
            wrap: wrapUp.sample(wrapStream), abandon: .none, state: .arriving,
            interval: Int32(min(Int(time / intervalWidth), intervals - 1)), counted: time >= warmup)
        add(.offered, 1, rows(of: slot))

        route(.callArrived(id), at: time)
        if calls[slot].state == .arriving {
            // Neither connected nor refused: the caller waits.
            calls[slot].state = .waiting
            add(.waited, 1, rows(of: slot))
            if patienceDraw.isFinite {
                calls[slot].abandon = calendar.schedule(.abandon(slot: Int32(slot)), at: time + patienceDraw)
            }
        }
    }

    @inline(__always)
    mutating func abandon(slot: Int, at time: Double) {
        guard calls[slot].state == .waiting else { return }
        let rows = rows(of: slot)
        add(.abandoned, 1, rows)
        add(.waitSum, time - calls[slot].arrival, rows)
        let id = CallID(calls[slot].id)
        release(slot: slot)
        route(.callAbandoned(id), at: time)
    }

    // MARK: The seam

    /// Hands an event to the router and carries out its commands.
    @inline(__always)
    mutating func route(_ event: InboundEvent, at time: Double) {
        router.handle(event, at: time, into: &commands)
        var i = 0
        while i < commands.count {
            switch commands[i] {
            case .connect(let call, let agent):
                connect(slot: Int(call.rawValue & 0xFFFF_FFFF), agent: agent.index, at: time)
            case .reject(let call):
                let slot = Int(call.rawValue & 0xFFFF_FFFF)
                precondition(calls[slot].state == .arriving, "the router refused \(call), which is not arriving")
                let rows = rows(of: slot)
                add(.blocked, 1, rows)
                add(.waited, 1, rows)
                release(slot: slot)
            case .collectDigits, .hangUp, .createCallback, .reassignCallback, .wakeUp:
                preconditionFailure("\(commands[i]) is not simulated yet")
            case .routed, .bindNumber, .createCustomer, .remindAgent, .expireCallback:
                // Logs and desktop notices: nothing to model yet.
                break
            }
            i += 1
        }
        // Emptied one by one: cheaper than removeAll for the one or two commands of an event,
        // and the storage is kept.
        while !commands.isEmpty { commands.removeLast() }
    }

    @inline(__always)
    mutating func connect(slot: Int, agent: Int, at time: Double) {
        let state = calls[slot].state
        precondition(state == .arriving || state == .waiting, "the router connected a call that is not waiting")
        precondition(agentCall[agent] < 0, "the router connected agent#\(agent), who is busy")
        if state == .waiting { calendar.cancel(calls[slot].abandon) }
        let wait = time - calls[slot].arrival
        let rows = rows(of: slot)
        add(.answered, 1, rows)
        add(.answeredWaitSum, wait, rows)
        add(.waitSum, wait, rows)
        if wait <= target { add(.answeredWithinTarget, 1, rows) }
        calls[slot].state = .talking
        agentCall[agent] = Int32(slot)
        setBusy(busyAgents + 1, at: time)
        calendar.schedule(.talkEnd(agent: Int32(agent)), at: time + calls[slot].talk)
    }

    @inline(__always)
    mutating func agentAvailable(_ agent: Int, at time: Double) {
        setBusy(busyAgents - 1, at: time)
        route(.agentAvailable(AgentID(agent)), at: time)
    }

    @inline(__always)
    mutating func release(slot: Int) {
        calls[slot].state = .free
        freeSlots.append(Int32(slot))
    }

    // MARK: Statistics

    /// Where the counts of the call in `slot` go: its interval's row, and the totals' row when it
    /// arrived after the warm-up (else -1).
    @inline(__always)
    func rows(of slot: Int) -> (interval: Int, total: Int) {
        (Int(calls[slot].interval) * Self.columns, calls[slot].counted ? intervals * Self.columns : -1)
    }

    /// Adds `amount` to `column` in `rows`.
    @inline(__always)
    mutating func add(_ column: InboundColumn, _ amount: Double, _ rows: (interval: Int, total: Int)) {
        sums[rows.interval + column.rawValue] += amount
        if rows.total >= 0 { sums[rows.total + column.rawValue] += amount }
    }

    @inline(__always)
    mutating func setBusy(_ newValue: Int, at time: Double) {
        accumulateBusy(until: time)
        busyAgents = newValue
    }

    @inline(__always)
    mutating func accumulateBusy(until time: Double) {
        let level = Double(busyAgents)
        if time > busySince && busyAgents > 0 && busySince < horizon {
            // Agent time counts up to the horizon, like staffed time.
            let to = min(time, horizon)
            let c = InboundColumn.busyAgentSeconds.rawValue
            var t = busySince
            var i = Int(t / intervalWidth)
            while t < to {
                let stop = min(Double(i + 1) * intervalWidth, to)
                sums[min(i, intervals - 1) * Self.columns + c] += level * (stop - t)
                t = stop
                i += 1
            }
            let from = max(busySince, warmup)
            if to > from { sums[intervals * Self.columns + c] += level * (to - from) }
        }
        busySince = time
    }
}
