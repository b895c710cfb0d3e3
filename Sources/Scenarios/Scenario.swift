import CallCenter
import RoutingPolicies

// MARK: - The scenario a planner writes

/// A scenario: what a planner describes in a YAML file (see `ScenarioFile` and
/// `scenarios/*.yaml`), validated. All durations are in seconds, all rates per second.
public struct Scenario: Sendable, Hashable {
    /// A short name for tables and reports.
    public var name: String
    /// Free text for the reader.
    public var description: String = ""
    /// The seed every random stream of every replication derives from.
    public var seed: UInt64 = 1
    /// How many independent replications to run.
    public var replications: Int = 10
    /// How long callers arrive, in seconds. Calls in progress at the horizon are finished.
    public var horizon: Double
    /// Calls arriving before this time, and agent time before it, are left out of the statistics
    /// (the system starts empty). Seconds; must be below the horizon.
    public var warmup: Double = 0
    /// The width of the per-interval series, in seconds (planners use 15 or 30 minutes).
    public var interval: Double = 900
    /// Calls answered within this wait count towards the service level, in seconds.
    public var serviceTarget: Double = 20
    /// How many agents are logged in throughout.
    public var agents: Int
    /// The inbound traffic.
    public var traffic: InboundTraffic
    /// The router and its knobs.
    public var policy: InboundPolicy = .longestIdle(.init())

    /// A scenario with the required fields; the rest take their defaults.
    public init(name: String, horizon: Double, agents: Int, traffic: InboundTraffic) {
        self.name = name
        self.horizon = horizon
        self.agents = agents
        self.traffic = traffic
    }
}

/// Inbound traffic: Poisson arrivals with a rate per period, and the callers' durations.
public struct InboundTraffic: Sendable, Hashable {
    /// The arrival rate, piecewise constant.
    public var arrivals: ArrivalProfile
    /// How long an agent talks with a caller.
    public var talkTime: Distribution
    /// How long an agent spends after the call before taking the next one.
    public var wrapUp: Distribution = .deterministic(0)
    /// How long a caller waits in the queue before hanging up; nil when callers never abandon.
    public var patience: Distribution?
    /// The day-to-day busyness factor: each replication multiplies every arrival rate by one draw
    /// of it (its own stream, so policies still meet the same days); nil for none. Planners use a
    /// gamma with mean 1: the arrivals are then a Poisson mixture, more variable than Poisson.
    public var busyness: Distribution?

    /// Traffic with the given arrivals and talk time, no wrap-up, callers who never abandon.
    public init(arrivals: ArrivalProfile, talkTime: Distribution) {
        self.arrivals = arrivals
        self.talkTime = talkTime
    }
}

/// A piecewise-constant arrival rate: segment i holds from its start to the next one's start
/// (the last to the horizon).
public struct ArrivalProfile: Sendable, Hashable {
    /// One period of constant rate.
    public struct Segment: Sendable, Hashable {
        /// When the period starts, seconds from the start of the run.
        public var start: Double
        /// Arrivals per second during the period.
        public var rate: Double
        /// A period starting at `start` with `rate` arrivals per second.
        public init(start: Double, rate: Double) {
            self.start = start
            self.rate = rate
        }
    }

    /// The periods, by increasing start; the first starts at 0.
    public var segments: [Segment]

    /// A constant rate, arrivals per second.
    public static func constant(_ rate: Double) -> ArrivalProfile {
        ArrivalProfile(segments: [Segment(start: 0, rate: rate)])
    }

    /// Periods of constant rate.
    /// - Precondition: starts increase, the first is 0, rates are finite and not negative.
    public init(segments: [Segment]) {
        precondition(segments.first?.start == 0, "the first period must start at 0")
        precondition(zip(segments, segments.dropFirst()).allSatisfy { $0.start < $1.start })
        precondition(segments.allSatisfy { $0.rate.isFinite && $0.rate >= 0 })
        self.segments = segments
    }

    /// The rate at time `t`. - Complexity: O(log periods).
    public func rate(at t: Double) -> Double {
        var lo = 0, hi = segments.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if segments[mid].start <= t { lo = mid } else { hi = mid - 1 }
        }
        return segments[lo].rate
    }

    /// The mean rate over [0, horizon), arrivals per second.
    public func meanRate(over horizon: Double) -> Double {
        var total = 0.0
        for (i, segment) in segments.enumerated() where segment.start < horizon {
            let end = i + 1 < segments.count ? min(segments[i + 1].start, horizon) : horizon
            total += segment.rate * (end - segment.start)
        }
        return total / horizon
    }

    /// Whether the rate is the same throughout.
    public var isConstant: Bool { Set(segments.map(\.rate)).count == 1 }
}

/// The inbound router a scenario runs, with its knobs.
public enum InboundPolicy: Sendable, Hashable {
    /// FIFO queue, longest-idle agent (`LongestIdleRouter`).
    case longestIdle(LongestIdleRouter.Configuration)

    /// The name planners write in a scenario file.
    public var name: String {
        switch self {
        case .longestIdle: return "longest-idle-fifo"
        }
    }
}
