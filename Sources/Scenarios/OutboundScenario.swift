import CallCenter
import DialingPolicies

// MARK: - An outbound campaign, as a planner describes it

/// An outbound campaign: a contact list, agents, the modelled softswitch and customers, and the
/// dialers to compare on the same customers (variants). Durations in seconds.
public struct OutboundScenario: Sendable, Hashable {
    /// A short name for tables and reports.
    public var name: String
    /// Free text for the reader.
    public var description = ""
    /// The seed every random stream derives from.
    public var seed: UInt64 = 1
    /// Independent replications (each variant runs each replication on the same customers).
    public var replications = 10
    /// How long the campaign dials; calls in progress then are finished.
    public var horizon: Double
    /// The width of the per-interval series.
    public var interval: Double = 900
    /// Agents in all (the sum of the shifts' agents when there are shifts).
    public var agents: Int
    /// When agents work; empty: every agent from the start to the end of the campaign.
    public var shifts: [Shift] = []
    /// The contacts to call.
    public var contacts: ContactSource
    /// The modelled softswitch and customers.
    public var world: OutboundWorld
    /// The dialers to compare; at least one.
    public var variants: [DialerVariant]

    /// A campaign with the required fields; the rest take their defaults.
    public init(name: String, horizon: Double, agents: Int, contacts: ContactSource, world: OutboundWorld,
                variants: [DialerVariant]) {
        self.name = name
        self.horizon = horizon
        self.agents = agents
        self.contacts = contacts
        self.world = world
        self.variants = variants
    }
}

/// A group of agents who log in at `start` and log out at `end` (after finishing the call they
/// are on), seconds from the start of the campaign.
public struct Shift: Sendable, Hashable {
    /// When the group logs in.
    public var start: Double
    /// When it logs out.
    public var end: Double
    /// How many agents.
    public var agents: Int
    /// A shift.
    public init(start: Double, end: Double, agents: Int) {
        self.start = start
        self.end = end
        self.agents = agents
    }
}

extension Shift {
    /// Each of `agents` agents' (login, logout) time, agents numbered shift by shift; with no
    /// shifts, all day.
    public static func hours(_ shifts: [Shift], agents: Int) -> [(start: Double, end: Double)] {
        if shifts.isEmpty { return Array(repeating: (0, .infinity), count: agents) }
        return shifts.flatMap { shift in Array(repeating: (shift.start, shift.end), count: shift.agents) }
    }
}

extension OutboundScenario {
    /// Each agent's (login, logout) time, agents numbered shift by shift.
    public var agentHours: [(start: Double, end: Double)] { Shift.hours(shifts, agents: agents) }
}

/// Where the contacts come from.
public enum ContactSource: Sendable, Hashable {
    /// `count` synthetic contacts with numbers +86 138 0000 0000 upward.
    case synthetic(count: Int)
    /// The numbers of a CSV contact list (a header row naming `number`, `customer` optional).
    case list(path: String, numbers: [String])

    /// The task the campaign dials.
    public func task(batchID: String) -> OutboundTask {
        switch self {
        case .synthetic(let count):
            return OutboundTask(batchID: batchID, numbers: (0..<count).map {
                ("+86138" + String(100_000_000 + $0).suffix(8), "c\($0)")
            })
        case .list(_, let numbers):
            return OutboundTask(batchID: batchID, numbers: numbers.enumerated().map { ($1, "c\($0)") })
        }
    }

    /// How many contacts.
    public var count: Int {
        switch self {
        case .synthetic(let n): return n
        case .list(_, let numbers): return numbers.count
        }
    }
}

/// The probabilities of an attempt's outcome, by attempt number (the last entry holds for later
/// attempts); no answer takes what is left.
public struct AnswerProbabilities: Sendable, Hashable {
    /// When this period starts, seconds from the start of the campaign.
    public var from: Double
    /// P(a live person answers), by attempt.
    public var live: [Double]
    /// P(an answering machine answers), by attempt.
    public var machine: [Double]
    /// P(busy), by attempt.
    public var busy: [Double]

    /// Probabilities from `from` on.
    public init(from: Double = 0, live: [Double], machine: [Double] = [0], busy: [Double] = [0]) {
        self.from = from
        self.live = live
        self.machine = machine
        self.busy = busy
    }

    /// (live, machine, busy) for attempt `attempt` (from 1).
    public func probabilities(attempt: Int) -> (live: Double, machine: Double, busy: Double) {
        func pick(_ xs: [Double]) -> Double { xs[min(attempt, xs.count) - 1] }
        return (pick(live), pick(machine), pick(busy))
    }

    /// Why these are not probabilities, or nil.
    public var problem: String? {
        for list in [live, machine, busy] where list.isEmpty { return "each list needs at least one probability" }
        for attempt in 1...max(live.count, machine.count, busy.count) {
            let p = probabilities(attempt: attempt)
            for x in [p.live, p.machine, p.busy] where !(0...1).contains(x) {
                return "probabilities must be between 0 and 1, got \(x)"
            }
            if p.live + p.machine + p.busy > 1 + 1e-12 {
                return "live + machine + busy must not exceed 1 (attempt \(attempt): \(p.live + p.machine + p.busy))"
            }
        }
        return nil
    }
}

/// Agents' pauses: after a call, an agent pauses with probability `afterCall`; a pause is a
/// short break, or — with probability `awayShare` — a long absence (the tail of agents who stay
/// away past the dispatcher's pause timeout, which is what that timeout trades against).
public struct PauseModel: Sendable, Hashable {
    /// P(pausing after a call's wrap-up).
    public var afterCall: Double = 0
    /// A short break's duration.
    public var duration: Distribution = .exponential(mean: 180)
    /// P(a pause is a long absence).
    public var awayShare: Double = 0
    /// A long absence's duration.
    public var away: Distribution = .uniform(min: 600, max: 1800)
    /// No pauses.
    public init() {}
}

/// The modelled softswitch and customers of an outbound campaign.
public struct OutboundWorld: Sendable, Hashable {
    /// Outcome probabilities by period (by increasing `from`, the first from 0).
    public var answer: [AnswerProbabilities]
    /// Share of the contacts whose number does not exist (fixed per contact).
    public var invalidNumbers = 0.0
    /// Time from dialing to an answer (live or machine).
    public var ringTime: Distribution = .lognormal(mean: 12, sd: 6)
    /// Unanswered calls end with NO_ANSWER after this long (an answer that would come later is
    /// no answer).
    public var ringTimeout: Double = 30
    /// A busy line ends after this long.
    public var busyTime: Double = 4
    /// An invalid number ends after this long.
    public var invalidTime: Double = 2
    /// From a machine's answer to the dialer hanging up on it.
    public var machineDetection: Distribution = .uniform(min: 2, max: 5)
    /// How long an answered customer waits for an agent before hanging up.
    public var patience: Distribution = .exponential(mean: 8)
    /// The system hangs up (after its message) on a customer not connected by then.
    public var maxHold: Double = 15
    /// The regulators' limit: a live answer not connected within it is an abandoned call.
    public var abandonGrace: Double = 2
    /// Talk time of a connected call.
    public var talkTime: Distribution = .lognormal(mean: 150, sd: 90)
    /// Wrap-up after a call.
    public var wrapUp: Distribution = .deterministic(10)
    /// The agents' pauses.
    public var pauses = PauseModel()

    /// A world with these answer probabilities and the other settings at their defaults.
    public init(answer: [AnswerProbabilities]) { self.answer = answer }

    /// The probabilities in force at `time` for attempt `attempt`.
    public func probabilities(at time: Double, attempt: Int) -> (live: Double, machine: Double, busy: Double) {
        // By index: copying a period (three arrays) per attempt costs retains and releases.
        var period = 0
        for i in answer.indices where answer[i].from <= time { period = i }
        return answer[period].probabilities(attempt: attempt)
    }
}

/// One dialer to compare, with its knobs.
public struct DialerVariant: Sendable, Hashable {
    /// The variant's name in outputs.
    public var name: String
    /// The dialer and its knobs.
    public var policy: DialerPolicy
    /// A variant.
    public init(name: String, policy: DialerPolicy) {
        self.name = name
        self.policy = policy
    }
}

/// The dialers a campaign can run.
public enum DialerPolicy: Sendable, Hashable {
    /// The CN107613150B dispatcher.
    case patent(PatentDispatcher.Configuration)
    /// One call per idle agent.
    case progressive(ProgressiveDialer.Configuration)
    /// A fixed number of lines per idle agent.
    case power(PowerDialer.Configuration)
    /// VICIdial-style adaptive dial level.
    case adaptive(AdaptiveDialer.Configuration)

    /// The dialer's name in scenario files.
    public var kind: String {
        switch self {
        case .patent: return "patent"
        case .progressive: return "progressive"
        case .power: return "power"
        case .adaptive: return "adaptive"
        }
    }
}
