import CallCenter

// MARK: - The baselines the patent's dispatcher is compared with
//
// Three dialers under the same seam as `PatentDispatcher`, each embedding a `DialerCore` (the
// contracts in round-robin order with their retries, the agents, the calls in flight, the call
// records, S33 and S34) and differing only in how many calls a tick of the loop launches:
//
// - `ProgressiveDialer`: one line per idle agent, never more;
// - `PowerDialer`: a fixed number of lines per idle agent;
// - `AdaptiveDialer`: VICIdial's adaptive-predictive dial level (ADAPT_HARD_LIMIT,
//   ADAPT_TAPERED, ADAPT_AVERAGE).
//
// Like the dispatcher, they decide only on `.wakeUp` ticks (the dial loop runs once per `tick`,
// as VICIdial's does every second), draw no random numbers and read no clock.

/// `x` rounded up to a whole number of lines, forgiving the rounding error of a product such as
/// 10 × 1.1 (11.000000000000002 lines are 11, not 12); 0 when `x` is not positive.
private func wholeLines(_ x: Double) -> Int {
    guard x > 0 else { return 0 }
    return Int((x - 1e-9 * max(1, x)).rounded(.up))
}

/// The windows over which the cores of the fixed-ratio dialers measure their empirical rates.
/// Those dialers do not pace by the rates: the windows only shape `core.answerRate` and
/// `core.abandonRate` for traces.
private enum TraceWindows {
    /// Attempts over which the live answer rate is measured.
    static let answer = 200
    /// Live answers over which the abandon rate is measured.
    static let abandon = 100
}

// MARK: - Progressive

/// The progressive dialer: one call per idle agent, never more.
///
/// On every tick of its loop it launches `idle − ringing − answeredWaiting` calls, in
/// round-robin order, so that every call ringing or answered has an idle agent of its own.
///
/// Theory: because an agent is reserved for each call from the moment it is dialled, a live
/// answer always finds that agent still idle, provided agents leave the idle state only to take
/// the dialer's calls (not to pause) and the customer waits at least the moment the bridge takes.
/// It never abandons then; the price is the agents' idle time while each call rings.
public struct ProgressiveDialer: TickingDialer, Sendable {
    /// The planner's knobs.
    public struct Configuration: Hashable, Sendable {
        /// The dial loop's period (seconds).
        public var tick: Seconds = 1
        /// A live answer connected later than this is abandoned (seconds), for the records'
        /// figures.
        public var abandonGrace: Seconds = 2
        /// Completion and retries.
        public var rules = ContractRules()
        /// The default knobs.
        public init() {}

        /// Why these knobs are unusable, or nil.
        public var problem: String? {
            if !(tick > 0) || !tick.isFinite { return "tick must be positive" }
            if !(abandonGrace >= 0) { return "abandon_grace must not be negative" }
            return nil
        }
    }

    /// "progressive", in scenario files and reports.
    public let name = "progressive"
    /// The knobs.
    public let configuration: Configuration
    /// The shared bookkeeping.
    public var core: DialerCore
    /// The dial loop's period.
    public var tickPeriod: Seconds { configuration.tick }

    /// A progressive dialer with these knobs. - Precondition: `configuration.problem == nil`.
    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.problem == nil, configuration.problem ?? "")
        self.configuration = configuration
        core = DialerCore(
            rules: configuration.rules, abandonGrace: configuration.abandonGrace,
            answerWindow: TraceWindows.answer, abandonWindow: TraceWindows.abandon)
    }



    /// One pass of the loop: a line for every idle agent not yet reserved by a call.
    public mutating func tick(at time: Seconds, into commands: inout [DialerCommand]) {
        guard core.hasContractDue(at: time) else { return }
        core.launch(core.idleAgents - core.ringing - core.answeredWaiting, at: time, into: &commands)
    }

}

// MARK: - Power

/// The power dialer: a fixed ratio of lines per idle agent.
///
/// On every tick of its loop it brings the calls ringing up to
/// `ceil(idle × linesPerAgent) − answeredWaiting`: a live answer still waiting has already
/// claimed one of the idle agents. It never reads the answer rate, so the ratio that suits one
/// list over-dials (abandons) or under-dials (idles) the next.
public struct PowerDialer: TickingDialer, Sendable {
    /// The planner's knobs.
    public struct Configuration: Hashable, Sendable {
        /// Lines per idle agent, at least 1 (1 is the progressive dialer).
        public var linesPerAgent: Double = 2
        /// The dial loop's period (seconds).
        public var tick: Seconds = 1
        /// A live answer connected later than this is abandoned (seconds), for the records'
        /// figures.
        public var abandonGrace: Seconds = 2
        /// Completion and retries.
        public var rules = ContractRules()
        /// The default knobs.
        public init() {}

        /// Why these knobs are unusable, or nil.
        public var problem: String? {
            if !(linesPerAgent >= 1) || !linesPerAgent.isFinite {
                return "lines_per_agent must be at least 1"
            }
            if !(tick > 0) || !tick.isFinite { return "tick must be positive" }
            if !(abandonGrace >= 0) { return "abandon_grace must not be negative" }
            return nil
        }
    }

    /// "power", in scenario files and reports.
    public let name = "power"
    /// The knobs.
    public let configuration: Configuration
    /// The shared bookkeeping.
    public var core: DialerCore
    /// The dial loop's period.
    public var tickPeriod: Seconds { configuration.tick }

    /// A power dialer with these knobs. - Precondition: `configuration.problem == nil`.
    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.problem == nil, configuration.problem ?? "")
        self.configuration = configuration
        core = DialerCore(
            rules: configuration.rules, abandonGrace: configuration.abandonGrace,
            answerWindow: TraceWindows.answer, abandonWindow: TraceWindows.abandon)
    }



    /// The calls to have ringing now: `ceil(idle × linesPerAgent) − answeredWaiting`.
    public var targetRinging: Int {
        wholeLines(Double(core.idleAgents) * configuration.linesPerAgent) - core.answeredWaiting
    }

    /// One pass of the loop: tops the ringing calls up to `targetRinging`.
    public mutating func tick(at time: Seconds, into commands: inout [DialerCommand]) {
        guard core.hasContractDue(at: time) else { return }
        core.launch(targetRinging - core.ringing, at: time, into: &commands)
    }

}

// MARK: - Adaptive (VICIdial)

/// VICIdial's adaptive-predictive dialer: a dial level (lines per ready agent) that the dialer
/// adjusts itself from the ready agents, the calls waiting for them, and the drop rate.
///
/// Modelled on `AST_VDadapt.pl`, the VICIdial process that rewrites a campaign's
/// `auto_dial_level` in the ADAPT dial methods. Sources read:
/// - `bin/AST_VDadapt.pl` version 2.4 (github.com/inktel/Vicidial, commit 9e65b4ce6ae3),
///   subroutines `count_agents_lines` and `calculate_dial_level`; a later copy
///   (github.com/scoutman57/vicidial) has the same `calculate_dial_level`.
/// - VICIdial's campaign help text (`admin.php`): Dial Method, Maximum Adapt Dial Level,
///   Latest Server Time, Adapt Intensity Modifier, Dial Level Difference Target.
///
/// **What VICIdial does, and what this dialer does.** Every second VICIdial samples the ready
/// agents (`READY`/`DONE`), the calls waiting for an agent (`vicidial_auto_calls` in `LIVE`) and
/// the logged-in agents, and averages the last 15 samples. Every 15 seconds it adjusts the level:
/// 1. differential = average ready − average waiting + `adaptive_dl_diff_target`; its share of
///    the average agents, `mul = differential / agents` (0 when either is 0);
/// 2. intensity `i = adaptive_intensity / 100`: a rise is scaled by `1 + i`, a fall by `1 − i`
///    (a positive intensity rises faster and falls slower; a negative one the reverse);
/// 3. level × (1 + scaled mul), rounded to 3 decimals, kept within [1, `adaptive_maximum_level`];
/// 4. drop rules: when more than 20 calls were placed in the last minute and more than half of
///    them dropped, the level is halved; when more than 50 calls were placed today and the drops
///    are over `adaptive_dropped_percentage` of the answers, ADAPT_HARD_LIMIT sets the level to
///    1.0, ADAPT_AVERAGE halves it, ADAPT_TAPERED multiplies it by the share of the last 10 hours
///    of the shift still to run (1.0 once `adaptive_latest_server_time` has passed);
/// 5. never below 1.0. The new level is the base of the next adjustment.
/// This dialer follows those steps with the project's figures, and these documented choices:
/// - **Ready agents** are the idle agents, **waiting calls** the live answers not yet connected
///   (`core.answeredWaiting`), **agents** the logged-in ones (paused included, as VICIdial's
///   `vicidial_live_agents` rows). They are sampled once per tick of the loop (`tick`, VICIdial's
///   one-second loop), the last `averagingSamples` averaged. As VICIdial does with an empty
///   hopper, a tick with no contract due neither samples nor adjusts.
/// - **`dlDiffTarget`** is the target of (ready agents − waiting calls): the level rises while
///   the averaged difference is above it, falls while it is below, and holds when it is exactly
///   the target. It is VICIdial's `adaptive_dl_diff_target` with the sign turned (VICIdial's −1,
///   "one agent free on average", is `dlDiffTarget = 1` here).
/// - **The drop rate** is the core's abandon rate: the share of the last `horizon` live answers
///   not connected within `abandonGrace` (the regulators' 2-second rule; VICIdial counts its
///   `DROP` statuses over today's answers). It is trusted after `minimumSample` live answers
///   (VICIdial: more than 50 calls today); until then no cap rule applies.
/// - **At the cap** means `dropRate >= dropCap` (VICIdial tests `>`; the planner's cap is the
///   rate to stay under).
/// - **The shift** of ADAPT_TAPERED runs `shiftLength` seconds from the task's start (VICIdial's
///   `adaptive_latest_server_time`, a time of day); the taper rate is the time left over
///   `taperSpan`, at most 1 (VICIdial's span is fixed at 10 hours, `1000` in HHMM arithmetic).
///   The default span is half the default shift, as the help text says the method "allows for
///   running over the dropped percentage in the first half of the shift".
/// - **The tapered ceiling** (not in VICIdial, the project's reading of "gets more strict as
///   the shift goes on"): under the cap, ADAPT_TAPERED also keeps the level at most
///   `maximumLevel − (maximumLevel − 1) × (1 − taperRate) × dropRate / dropCap`, so the allowed
///   level shrinks as the drop rate approaches the cap, and the more so the later in the shift.
///   Early in the shift (taper rate 1) it is the plain maximum, as in VICIdial.
/// - **ADAPT_AVERAGE** is VICIdial's rule: the level is halved at each adjustment while the
///   drop rate is at the cap. Its name states its aim (an average drop rate held at the cap, by
///   a softer response than the hard limit's 1.0), not a formula of its own.
/// - **The surge rule** counts the attempts that *ended* in the last `surgeWindow` seconds and
///   the regulators' abandoned calls among them (VICIdial counts the calls *placed* in the last
///   minute and their `DROP` statuses).
/// - Everything above happens at adjustments only (`adjustEvery`): between two, the level holds.
///
/// **Launch.** On every tick the calls ringing are brought up to
/// `ceil(ready × level) − answeredWaiting` (VICIdial's `available_only_ratio_tally = Y`: lines
/// for ready agents only).
public struct AdaptiveDialer: TickingDialer, Sendable {
    /// How the dial level answers a drop rate at the cap (VICIdial's ADAPT dial methods).
    public enum Method: String, Hashable, Sendable, CaseIterable {
        /// ADAPT_HARD_LIMIT: at the cap, the level falls to 1.0 until the rate is back under.
        case hardLimit = "hard_limit"
        /// ADAPT_TAPERED: over the cap it is cut by the share of the taper span still to run
        /// (1.0 after the shift); under it, the tapered ceiling.
        case tapered
        /// ADAPT_AVERAGE: at the cap, the level is halved at each adjustment.
        case average

        /// The method's name in VICIdial.
        public var vicidialName: String {
            switch self {
            case .hardLimit: return "ADAPT_HARD_LIMIT"
            case .tapered: return "ADAPT_TAPERED"
            case .average: return "ADAPT_AVERAGE"
            }
        }
    }

    /// The planner's knobs (VICIdial's campaign fields in brackets).
    public struct Configuration: Hashable, Sendable {
        /// How the level answers drops (`dial_method`).
        public var method: Method = .hardLimit
        /// The drop rate to stay under, a share of live answers, in (0, 1]
        /// (`adaptive_dropped_percentage` / 100).
        public var dropCap: Double = 0.03
        /// The highest dial level, at least 1 (`adaptive_maximum_level`).
        public var maximumLevel: Double = 3
        /// Scales the steps: positive rises faster and falls slower, negative the reverse;
        /// −40...40 (`adaptive_intensity`).
        public var intensity: Double = 0
        /// The target of ready agents minus waiting calls (`−adaptive_dl_diff_target`).
        public var dlDiffTarget: Double = 0
        /// The level at the start, within [1, `maximumLevel`] (VICIdial sets 1.0 when a campaign
        /// enters an ADAPT method).
        public var initialLevel: Double = 1
        /// Seconds between adjustments of the level (VICIdial: 15).
        public var adjustEvery: Seconds = 15
        /// Samples (one per tick) averaged for the differential (VICIdial: 15).
        public var averagingSamples = 15
        /// Live answers over which the drop rate is measured (the core's abandon window).
        public var horizon = 100
        /// Live answers before the drop rate is trusted.
        public var minimumSample = 30
        /// ADAPT_TAPERED: seconds from the task's start when dialing stops
        /// (`adaptive_latest_server_time`).
        public var shiftLength: Seconds = 8 * 3600
        /// ADAPT_TAPERED: the last part of the shift over which it tapers (seconds).
        public var taperSpan: Seconds = 4 * 3600
        /// The surge rule's window (seconds; VICIdial: one minute).
        public var surgeWindow: Seconds = 60
        /// The surge rule applies when more attempts than this ended in its window
        /// (VICIdial: 20).
        public var surgeMinimumCalls = 20
        /// The surge rule halves the level when more than this share of those attempts
        /// dropped (VICIdial: 0.5).
        public var surgeDropShare = 0.5
        /// The dial loop's period (seconds).
        public var tick: Seconds = 1
        /// A live answer connected later than this is a drop (seconds).
        public var abandonGrace: Seconds = 2
        /// Completion and retries.
        public var rules = ContractRules()
        /// The default knobs.
        public init() {}

        /// Why these knobs are unusable, or nil.
        public var problem: String? {
            if !(dropCap > 0 && dropCap <= 1) { return "drop_cap must be above 0 and at most 1" }
            if !(maximumLevel >= 1) || !maximumLevel.isFinite { return "maximum_level must be at least 1" }
            if !(-40...40).contains(intensity) { return "intensity must be between -40 and 40" }
            if !dlDiffTarget.isFinite { return "dl_diff_target must be a number" }
            if !(initialLevel >= 1 && initialLevel <= maximumLevel) {
                return "initial_level must be between 1 and maximum_level"
            }
            if !(adjustEvery > 0) || !adjustEvery.isFinite { return "adjust_every must be positive" }
            if averagingSamples < 1 { return "averaging_samples must be at least 1" }
            if horizon < 1 { return "horizon must be at least 1" }
            if minimumSample < 0 { return "minimum_sample must not be negative" }
            if !(shiftLength >= 0) || !shiftLength.isFinite { return "shift_length must not be negative" }
            if !(taperSpan > 0) || !taperSpan.isFinite { return "taper_span must be positive" }
            if !(surgeWindow > 0) || !surgeWindow.isFinite { return "surge_window must be positive" }
            if surgeMinimumCalls < 0 { return "surge_minimum_calls must not be negative" }
            if !(0...1).contains(surgeDropShare) { return "surge_drop_share must be between 0 and 1" }
            if !(tick > 0) || !tick.isFinite { return "tick must be positive" }
            if !(abandonGrace >= 0) { return "abandon_grace must not be negative" }
            return nil
        }
    }

    /// What one adjustment of the level saw and did, for tests and traces.
    public struct Adjustment: Hashable, Sendable {
        /// When it happened.
        public var time: Seconds
        /// Average ready agents, waiting calls and logged-in agents over the samples.
        public var ready: Double, waiting: Double, agents: Double
        /// The level before.
        public var from: Double
        /// The level the differential and the intensity called for, within [1, maximum].
        public var suggested: Double
        /// The drop rate, once trusted.
        public var dropRate: Double?
        /// Whether the surge rule halved the level.
        public var surged: Bool
        /// Whether the drop rate was at the cap.
        public var atCap: Bool
        /// The level after.
        public var level: Double
    }

    /// "adaptive", in scenario files and reports.
    public let name = "adaptive"
    /// The knobs.
    public let configuration: Configuration
    /// The shared bookkeeping.
    public var core: DialerCore
    /// The dial loop's period.
    public var tickPeriod: Seconds { configuration.tick }
    /// The dial level: lines per ready agent.
    public private(set) var level: Double
    /// The last adjustment of the level, if any.
    public private(set) var lastAdjustment: Adjustment?
    /// When the task started.
    public private(set) var startedAt: Seconds = 0
    var adjustedAt: Seconds = 0
    var samples: AgentSamples
    var recent = RingBuffer<EndedAttempt>()
    var recentDrops = 0

    /// An adaptive dialer with these knobs. - Precondition: `configuration.problem == nil`.
    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.problem == nil, configuration.problem ?? "")
        self.configuration = configuration
        level = configuration.initialLevel
        samples = AgentSamples(capacity: configuration.averagingSamples)
        core = DialerCore(
            rules: configuration.rules, abandonGrace: configuration.abandonGrace,
            answerWindow: TraceWindows.answer, abandonWindow: configuration.horizon)
    }

    /// Steps S31–S33: loads and validates the task and the agents, then runs the first tick.
    public mutating func start(
        task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]
    ) throws(TaskValidationError) {
        try core.load(task: task, agents: agents, at: time)  // S31, S32, S33
        startedAt = time
        adjustedAt = time
        tick(at: time, into: &commands)
        core.finish(at: time, tick: configuration.tick, into: &commands)
    }

    /// Handles `event` at `time`; on a `.wakeUp`, runs a tick of the dial loop.
    public mutating func handle(
        _ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]
    ) {
        guard !core.isFinished else { return }
        let before = commands.count
        core.apply(event, at: time, into: &commands)
        for command in commands[before...] {
            if case .record(let record) = command { noteEnded(record, at: time) }
        }
        if event == .wakeUp { tick(at: time, into: &commands) }
        core.finish(at: time, tick: configuration.tick, into: &commands)
    }

    /// The drop rate once `minimumSample` live answers have been seen, else nil.
    public var dropRate: Double? {
        let (share, samples) = core.abandonRate
        return samples >= configuration.minimumSample ? share : nil
    }

    /// ADAPT_TAPERED's rate at `time`: the share of `taperSpan` left before the end of the
    /// shift, within [0, 1].
    public func taperRate(at time: Seconds) -> Double {
        let left = startedAt + configuration.shiftLength - time
        return min(1, max(0, left / configuration.taperSpan))
    }

    /// The calls to have ringing now: `ceil(ready × level) − answeredWaiting`.
    public var targetRinging: Int {
        wholeLines(Double(core.idleAgents) * level) - core.answeredWaiting
    }

    /// One pass of the loop: sample, adjust the level when due, top the ringing calls up.
    public mutating func tick(at time: Seconds, into commands: inout [DialerCommand]) {
        guard core.hasContractDue(at: time) else { return }
        samples.add(ready: core.idleAgents, waiting: core.answeredWaiting, agents: core.onlineAgents)
        // A little tolerance: a driver adding 0.1 s ticks reaches 15 s as 14.999999999999.
        if time - adjustedAt >= configuration.adjustEvery - 1e-9 { adjust(at: time) }
        core.launch(targetRinging - core.ringing, at: time, into: &commands)
    }

    /// One adjustment of the level (`calculate_dial_level`).
    mutating func adjust(at time: Seconds) {
        adjustedAt = time
        let c = configuration
        let (ready, waiting, agents) = samples.averages
        guard agents > 0 else { return }  // VICIdial adjusts only with agents logged in

        // 1–3: the differential's share of the agents, scaled by the intensity.
        let share = (ready - waiting - c.dlDiffTarget) / agents
        let i = c.intensity / 100
        let step = share >= 0 ? share * (1 + i) : share * (1 - i)
        let suggested = min(c.maximumLevel, max(1, (level * (1 + step) * 1000).rounded() / 1000))
        var next = suggested

        // 4: the drop rules.
        while let first = recent.first, first.time <= time - c.surgeWindow {
            if first.dropped { recentDrops -= 1 }
            _ = recent.popFirst()
        }
        let surged =
            recent.count > c.surgeMinimumCalls
            && Double(recentDrops) > c.surgeDropShare * Double(recent.count)
        if surged { next /= 2 }
        let rate = dropRate
        let atCap = rate.map { $0 >= c.dropCap } ?? false
        if let rate {
            switch c.method {
            case .hardLimit:
                if atCap { next = 1 }
            case .average:
                if atCap { next /= 2 }
            case .tapered:
                let taper = taperRate(at: time)
                if atCap {
                    next = time > startedAt + c.shiftLength ? 1 : next * taper
                } else {
                    let ceiling = c.maximumLevel - (c.maximumLevel - 1) * (1 - taper) * rate / c.dropCap
                    next = min(next, ceiling)
                }
            }
        }
        // 5: never below 1.
        let from = level
        level = max(1, next)
        lastAdjustment = Adjustment(
            time: time, ready: ready, waiting: waiting, agents: agents, from: from, suggested: suggested,
            dropRate: rate, surged: surged, atCap: atCap, level: level)
    }

    /// Notes an attempt that ended, for the surge rule.
    mutating func noteEnded(_ record: CallRecord, at time: Seconds) {
        let dropped =
            record.outcome == .abandoned
            || (record.outcome == .connected && (record.wait ?? 0) > configuration.abandonGrace)
        recent.append(EndedAttempt(time: time, dropped: dropped))
        if dropped { recentDrops += 1 }
    }

}

// MARK: - The adaptive dialer's samples

/// An attempt that ended, as the surge rule counts it.
struct EndedAttempt: Sendable {
    var time: Seconds
    var dropped: Bool
}

/// The last `capacity` samples of (ready agents, waiting calls, logged-in agents), VICIdial's
/// `stat_ready_agents`, `stat_waiting_calls` and `stat_total_agents`.
struct AgentSamples: Sendable {
    var ready: [Int]
    var waiting: [Int]
    var agents: [Int]
    var next = 0
    var count = 0

    init(capacity: Int) {
        precondition(capacity >= 1)
        ready = Array(repeating: 0, count: capacity)
        waiting = ready
        agents = ready
    }

    /// Adds a sample, dropping the oldest when full. - Complexity: O(1).
    mutating func add(ready r: Int, waiting w: Int, agents a: Int) {
        ready[next] = r
        waiting[next] = w
        agents[next] = a
        next = (next + 1) % ready.count
        count = min(count + 1, ready.count)
    }

    /// The averages over the samples held (zeros when there are none). - Complexity: O(capacity).
    var averages: (ready: Double, waiting: Double, agents: Double) {
        guard count > 0 else { return (0, 0, 0) }
        // Unfilled slots hold zeros, so summing everything sums the samples held.
        let n = Double(count)
        return (
            Double(ready.reduce(0, +)) / n, Double(waiting.reduce(0, +)) / n, Double(agents.reduce(0, +)) / n
        )
    }
}
