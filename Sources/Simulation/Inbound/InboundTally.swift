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

// MARK: - What an inbound study counts of the simulated softswitch

/// The figures of an inbound study (`InboundColumn`), counted as the simulated softswitch
/// (`RoutingWorld` with anonymous callers and no campaign) carries out the calls.
///
/// Call counts go to the interval the call **arrived** in (every call of an interval is followed
/// to its end, even past the horizon), and to the totals when it arrived after the warm-up; busy
/// agent time (talking or in wrap-up) to the interval it was spent in, up to the horizon. The
/// busy time is booked each time the number of busy agents changes, as one area of that level.
struct InboundTally: ~Copyable {
    static var columns: Int { InboundColumn.allCases.count }

    /// Per-interval sums (row i = interval i) and, in the last row, the totals after warm-up.
    var sums: Slab<Double>
    let intervalWidth: Double
    let intervals: Int
    let warmup: Double
    let horizon: Double
    let agents: Int
    /// Arrivals, service completions and abandonments: an inbound study's model events.
    var modelEvents = 0
    var busyAgents = 0
    var busySince = 0.0
    /// The interval of `busySince`, and its bounds.
    var busyInterval = 0
    var intervalStart = 0.0
    var intervalEnd: Double

    init(_ scenario: RoutingScenario) {
        intervalWidth = scenario.interval
        intervals = IntervalSeries(width: scenario.interval, horizon: scenario.horizon, columns: 1).intervals
        sums = Slab(repeating: 0, count: (intervals + 1) * Self.columns)
        warmup = scenario.warmup
        horizon = scenario.horizon
        agents = scenario.agents
        intervalEnd = scenario.interval
    }

    /// Adds `amount` to `column` of the call that arrived at `arrival` in interval `interval`.
    @inline(__always)
    mutating func add(_ column: InboundColumn, _ amount: Double, interval: Int, arrival: Double) {
        sums[interval * Self.columns + column.rawValue] += amount
        if arrival >= warmup { sums[intervals * Self.columns + column.rawValue] += amount }
    }

    /// `busy` agents talk or wrap up from `time` on.
    @inline(__always)
    mutating func setBusy(_ busy: Int, at time: Double) {
        accumulateBusy(until: time)
        busyAgents = busy
    }

    @inline(__always)
    mutating func accumulateBusy(until time: Double) {
        if time > busySince && busyAgents > 0 && busySince < horizon {
            // Agent time counts up to the horizon, like staffed time.
            let level = Double(busyAgents)
            let to = min(time, horizon)
            let c = InboundColumn.busyAgentSeconds.rawValue
            // Within the interval of `busySince` (the usual case): one area, no division.
            if busySince >= intervalStart && to <= intervalEnd {
                sums[busyInterval * Self.columns + c] += level * (to - busySince)
            } else {
                var t = busySince
                var i = Int(t / intervalWidth)
                while t < to {
                    let stop = min(Double(i + 1) * intervalWidth, to)
                    sums[min(i, intervals - 1) * Self.columns + c] += level * (stop - t)
                    t = stop
                    i += 1
                }
            }
            let from = max(busySince, warmup)
            if to > from { sums[intervals * Self.columns + c] += level * (to - from) }
        }
        busySince = time
        if time >= intervalEnd || time < intervalStart { findInterval(of: time) }
    }

    /// Moves the cached interval (`busyInterval`, from `intervalStart` to `intervalEnd`) to the
    /// one holding `time`, as the loop above finds it.
    mutating func findInterval(of time: Double) {
        let i = Int(time / intervalWidth)
        busyInterval = min(i, intervals - 1)
        intervalStart = Double(i) * intervalWidth
        // Past the last interval's end nothing is added any more (time is past the horizon).
        intervalEnd = Double(i + 1) * intervalWidth
    }

    /// The replication's figures, once the last call ended at `end`.
    mutating func replication(_ replication: Int, end: Double) -> InboundReplication {
        accumulateBusy(until: max(end, horizon))
        var series = IntervalSeries(width: intervalWidth, horizon: horizon, columns: Self.columns)
        let all = sums.toArray()
        for i in 0..<intervals {
            for c in 0..<Self.columns { series.add(all[i * Self.columns + c], column: c, interval: i) }
        }
        var totals = Array(all[(intervals * Self.columns)...])
        // Staffed time: every agent is logged in from 0 to the horizon.
        let staffed = Double(agents)
        series.addArea(level: staffed, column: InboundColumn.staffedAgentSeconds.rawValue, from: 0, to: horizon)
        totals[InboundColumn.staffedAgentSeconds.rawValue] = staffed * (horizon - warmup)
        return InboundReplication(
            replication: replication, series: series, totals: totals, modelEvents: modelEvents)
    }
}
