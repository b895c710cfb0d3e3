// MARK: - What a run asks of the machine, before it starts

/// The work a scenario file asks for, estimated from the file alone: how many model events all
/// its runs (variants x replications) would process, and how much memory their per-interval
/// series would hold. `simcc validate` and `simcc run` refuse a file over a bound with a sentence
/// that says what to change, instead of running for hours or failing at gigabytes.
///
/// The estimates are rough on purpose (within a small factor): callers' arrivals at the mean
/// rate, three events a call (arrival, end, abandonment or hang-up); a campaign's attempts at
/// three a contact, four events each; series of 8-byte sums, one row per interval and column,
/// kept for every run until the reports are written.
public struct Workload: Sendable, Hashable {
    /// Model events over all runs.
    public var events: Double
    /// Intervals of one run's series.
    public var intervals: Double
    /// Bytes of every run's per-interval series.
    public var seriesBytes: Double

    /// At most this many model events (hours of work at a few million events a second).
    public static let maxEvents = 2e10
    /// At most this many intervals in a run's series.
    public static let maxIntervals = 1e6
    /// At most this much memory for the series (4 GiB).
    public static let maxSeriesBytes = 4.0 * 1024 * 1024 * 1024

    /// The workload of `runs` runs of `eventsPerRun` events each, over `horizon` seconds cut in
    /// intervals of `interval` with `columns` sums each.
    public init(runs: Int, eventsPerRun: Double, horizon: Double, interval: Double, columns: Int) {
        events = Double(runs) * eventsPerRun
        intervals = (horizon / interval).rounded(.up)
        seriesBytes = Double(runs) * intervals * Double(columns) * 8
    }

    /// What is wrong, in a sentence naming the knobs to change; nil when the work is reasonable.
    public var problem: String? {
        if intervals > Self.maxIntervals {
            return "the horizon cut into intervals gives \(Self.count(intervals)) intervals a run "
                + "(at most \(Self.count(Self.maxIntervals))): give a wider interval or a shorter horizon"
        }
        if seriesBytes > Self.maxSeriesBytes {
            return "the per-interval series of all runs would need about \(Self.bytes(seriesBytes)) "
                + "(at most \(Self.bytes(Self.maxSeriesBytes))): give a wider interval, fewer replications or variants"
        }
        if events > Self.maxEvents {
            return "the runs would process about \(Self.count(events)) events "
                + "(at most \(Self.count(Self.maxEvents)), hours of work): give a shorter horizon, fewer "
                + "replications or variants, or a lower arrival rate"
        }
        return nil
    }

    static func count(_ x: Double) -> String {
        switch x {
        case 1e12...: return "\(Int((x / 1e12).rounded())) trillion"
        case 1e9...: return "\(Int((x / 1e9).rounded())) billion"
        case 1e6...: return "\(Int((x / 1e6).rounded())) million"
        default: return "\(Int(x.rounded()))"
        }
    }

    static func bytes(_ x: Double) -> String {
        x >= 1024 * 1024 * 1024
            ? "\(Int((x / (1024 * 1024 * 1024)).rounded())) GiB" : "\(Int((x / (1024 * 1024)).rounded())) MiB"
    }

    /// The contacts of a source (a list not read yet counts as none).
    static func contacts(_ source: ContactSource) -> Double {
        switch source {
        case .synthetic(let count): return Double(count)
        case .list(_, let numbers): return Double(numbers.count)
        }
    }
}

extension Scenario {
    /// The work of every replication of this inbound scenario.
    public var workload: Workload {
        let calls = traffic.arrivals.meanRate(over: horizon) * (traffic.busyness?.mean ?? 1) * horizon
        return Workload(runs: replications, eventsPerRun: 3 * calls, horizon: horizon, interval: interval, columns: 10)
    }
}

extension OutboundScenario {
    /// The work of every (variant, replication) of this campaign.
    public var workload: Workload {
        Workload(
            runs: replications * variants.count, eventsPerRun: 12 * Workload.contacts(contacts), horizon: horizon,
            interval: interval, columns: 40)
    }
}

extension RoutingStudy {
    /// The work of every (variant, replication) of this routing study.
    public var workload: Workload {
        let calls = world.meanArrivalRate * (world.busyness?.mean ?? 1) * world.horizon
        let campaign = world.outbound.map { 12 * Workload.contacts($0.contacts) } ?? 0
        return Workload(
            runs: world.replications * variants.count, eventsPerRun: 3 * calls + campaign, horizon: world.horizon,
            interval: world.interval, columns: 60)
    }
}
