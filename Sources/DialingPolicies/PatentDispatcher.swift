import CallCenter

// MARK: - The CN107613150B dispatcher

/// The real-time dispatcher of patent CN107613150B, steps S1'–S3', with the task steps
/// S31–S34 (docs/architecture.md lists the patent's steps and where each lives in the code).
///
/// On every tick of its loop (`Configuration.tick`), the dispatcher:
/// - **S1'** if an agent is online and idle, dials uncompleted contracts in round-robin order
///   for the idle agents (paced, below);
/// - **S2'** otherwise, if the estimated probability that an answered customer finds no agent is
///   above `abandonThreshold`, pauses dialing (the dispatcher idles until the next tick);
/// - **S3'** otherwise, counts the agents paused for longer than `pauseTimeout` as idle and
///   dials for them.
///
/// Where the patent is silent, these are the documented knobs:
/// - **Pacing** (`Pacing`): calls to have ringing per available agent. Available agents are the
///   idle ones (S1') or those counted as idle (S3'), less the live answers still waiting for an
///   agent, plus — with `lookahead` — the agents whose current call has lasted at least the
///   empirical mean talk time less the empirical mean ring time (they should be free when the
///   next customer answers). Lines per available agent = `aggressiveness` / the empirical live
///   answer rate (over the last `answerWindow` attempts), capped by `maxLinesPerAgent`; until
///   `minimumSample` attempts have ended, `initialLinesPerAgent`. The dialer launches enough
///   calls to bring the ringing calls up to that target.
/// - **Abandon probability**: abandoned / live-answered over the last `abandonWindow` live
///   answers, abandoned meaning not connected to an agent within `abandonGrace` (the
///   regulators' 2 seconds); until `minimumSample` live answers it counts as 0.
/// - **Completion and retries**: `ContractRules`.
/// - `throttleWhenIdle` (default on): how many lines S1' dials per idle agent is pacing, on which
///   the patent is silent; with this knob, while the abandon estimate is above the threshold S1'
///   dials one line per idle agent and looks ahead to no one (progressive), so the threshold governs the dialing whether
///   or not agents are idle. Off, the threshold acts only where S2' literally puts it (no agent
///   idle), and S1' over-dials at full pace however many customers are abandoned.
public struct PatentDispatcher: TickingDialer, Sendable {
    /// How fast to dial (the patent's "dialing speed from the number of agents and the
    /// empirical talk time").
    public struct Pacing: Hashable, Sendable {
        /// Lines per available agent before enough calls have been seen.
        public var initialLinesPerAgent: Double = 1.5
        /// Scales the lines per agent that the empirical answer rate calls for.
        public var aggressiveness: Double = 1.0
        /// The most lines per available agent.
        public var maxLinesPerAgent: Double = 4
        /// Count agents expected to be free soon (from the empirical talk and ring times).
        public var lookahead = true
        /// Attempts over which the live answer rate is measured.
        public var answerWindow = 200
        /// Pacing with the default knobs.
        public init() {}
    }

    /// The planner's knobs.
    public struct Configuration: Hashable, Sendable {
        /// S2': pause dialing while the estimated abandon probability is above this.
        public var abandonThreshold: Double = 0.03
        /// Live answers over which the abandon probability is estimated.
        public var abandonWindow = 100
        /// A live answer connected later than this is abandoned (seconds).
        public var abandonGrace: Seconds = 2
        /// Live answers (or attempts, for the answer rate) before the estimates are trusted.
        public var minimumSample = 30
        /// S3': agents paused longer than this count as idle (seconds).
        public var pauseTimeout: Seconds = 300
        /// Pacing.
        public var pacing = Pacing()
        /// Above the threshold, S1' dials one line per idle agent (see the type's notes).
        public var throttleWhenIdle = true
        /// The dispatcher loop's period (seconds).
        public var tick: Seconds = 1
        /// Completion and retries.
        public var rules = ContractRules()
        /// The default knobs.
        public init() {}

        /// Why these knobs are unusable, or nil.
        public var problem: String? {
            if !(0...1).contains(abandonThreshold) { return "abandon_threshold must be between 0 and 1" }
            if abandonWindow < 1 { return "abandon_window must be at least 1" }
            if !(abandonGrace >= 0) { return "abandon_grace must not be negative" }
            if minimumSample < 0 { return "minimum_sample must not be negative" }
            if !(pauseTimeout >= 0) { return "pause_timeout must not be negative" }
            if !(tick > 0) { return "tick must be positive" }
            if !(pacing.initialLinesPerAgent > 0) { return "initial_lines_per_agent must be positive" }
            if !(pacing.aggressiveness > 0) { return "aggressiveness must be positive" }
            if !(pacing.maxLinesPerAgent >= 1) { return "max_lines_per_agent must be at least 1" }
            if pacing.answerWindow < 1 { return "answer_window must be at least 1" }
            return nil
        }
    }

    /// Which step decided the last tick, for tests and traces.
    public enum Step: String, Hashable, Sendable {
        /// S1': dialled for idle agents.
        case s1DialForIdle = "S1'"
        /// S2': paused, the abandon estimate being above the threshold.
        case s2Paused = "S2'"
        /// S3': dialled for agents paused past the timeout.
        case s3DialForOverduePauses = "S3'"
        /// S3' found no agent paused past the timeout: nothing to dial for.
        case s3NoAgent = "S3' (none)"
    }

    public let name = "patent"
    /// The knobs.
    public let configuration: Configuration
    /// The shared bookkeeping.
    public var core: DialerCore
    /// The dial loop's period.
    public var tickPeriod: Seconds { configuration.tick }
    /// The step the last tick took.
    public private(set) var lastStep: Step?

    /// A dispatcher with these knobs. - Precondition: `configuration.problem == nil`.
    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.problem == nil, configuration.problem ?? "")
        self.configuration = configuration
        core = DialerCore(
            rules: configuration.rules, abandonGrace: configuration.abandonGrace,
            answerWindow: configuration.pacing.answerWindow, abandonWindow: configuration.abandonWindow)
    }

    /// The estimated probability that an answered customer finds no agent (S2').
    public var abandonEstimate: Double {
        let (share, samples) = core.abandonRate
        return samples >= configuration.minimumSample ? share : 0
    }

    /// Lines per available agent, from the empirical answer rate.
    public var linesPerAgent: Double {
        let pacing = configuration.pacing
        let (rate, samples) = core.answerRate
        guard samples >= configuration.minimumSample else { return pacing.initialLinesPerAgent }
        guard rate > 0 else { return pacing.maxLinesPerAgent }
        return min(pacing.maxLinesPerAgent, max(1, pacing.aggressiveness / rate))
    }

    /// One pass of the dispatcher: S1', else S2', else S3'.
    public mutating func tick(at time: Seconds, into commands: inout [DialerCommand]) {
        guard core.hasContractDue(at: time) else { return }
        let idle = core.idleAgents
        let above = abandonEstimate > configuration.abandonThreshold
        var available: Double
        var lines = linesPerAgent
        var throttled = false
        if idle > 0 {
            // S1': dial for the idle agents.
            lastStep = .s1DialForIdle
            available = Double(idle)
            throttled = configuration.throttleWhenIdle && above
            if throttled { lines = 1 }
        } else if above {
            // S2': an answered customer would likely find no agent: pause.
            lastStep = .s2Paused
            return
        } else {
            // S3': agents paused past the timeout count as idle.
            let overdue = core.agentsPaused(longerThan: configuration.pauseTimeout, at: time)
            guard overdue > 0 else {
                lastStep = .s3NoAgent
                return
            }
            lastStep = .s3DialForOverduePauses
            available = Double(overdue)
        }
        if configuration.pacing.lookahead && !throttled && core.talkSamples >= configuration.minimumSample {
            let soon = core.meanTalk - core.meanRing
            available += Double(core.agentsTalking(atLeast: max(0, soon), at: time))
        }
        available -= Double(core.answeredWaiting)
        guard available > 0 else { return }
        let target = Int((available * lines).rounded(.up))
        core.launch(target - core.ringing, at: time, into: &commands)
    }

}
