import CallCenter
import DialingPolicies
import Foundation
import Yams

// MARK: - Scenario files of either kind

/// A scenario file: an inbound scenario (it has `traffic`), an outbound campaign (it has
/// `campaign` and `variants`) or a routing study (it has `routing` and `variants`; the format is
/// at `RoutingStudy`).
///
/// The campaign format (durations and distributions as in inbound scenarios):
/// ```yaml
/// name: Survey campaign
/// seed: 7
/// replications: 10
/// horizon: 8h                 # how long the campaign dials
/// interval: 15min
/// agents: 40
/// campaign:
///   contacts: 20000           # that many synthetic contacts, or a CSV file (relative to this file)
///   answer:                   # outcome probabilities by period; a list gives them by attempt
///     - {from: 0h, live: [0.30, 0.25, 0.20], machine: 0.10, busy: 0.05}
///     - {from: 4h, live: [0.40, 0.35, 0.30], machine: 0.10, busy: 0.05}
///   invalid_numbers: 0.03     # share of contacts whose number does not exist
///   ring_time: {lognormal: {mean: 12s, sd: 6s}}
///   ring_timeout: 30s
///   busy_time: 4s
///   invalid_time: 2s
///   machine_detection: {uniform: {min: 2s, max: 5s}}
///   patience: {exponential: 8s}   # an answered customer waiting for an agent
///   max_hold: 15s             # the system's message, then it hangs up
///   abandon_grace: 2s         # the regulators' rule, for the reported abandon rate
///   talk_time: {lognormal: {mean: 2.5min, sd: 1.5min}}
///   wrap_up: 10s
///   pauses: {after_call: 0.05, duration: {exponential: 3min}, away_share: 0.1, away: {uniform: {min: 10min, max: 30min}}}
///   shifts:                   # optional; agents log out at the end after their call
///     - {from: 0h, to: 4h, agents: 20}
///     - {from: 2h, to: 8h, agents: 20}   # the shifts' agents add up to `agents`
/// variants:                   # the dialers to compare on the same customers
///   - name: patent-3%
///     dialer: patent
///     abandon_threshold: 0.03
///     pause_timeout: 5min
/// ```
/// The patent dispatcher's knobs: `abandon_threshold`, `abandon_window`, `abandon_grace`,
/// `minimum_sample`, `pause_timeout`, `tick`, `initial_lines_per_agent`, `aggressiveness`,
/// `max_lines_per_agent`, `lookahead`, `answer_window`, `throttle_when_idle`, and the contract
/// rules `max_attempts` and `retry_delay` (a mapping from outcome — busy, no_answer, machine,
/// abandoned, failed, cancelled — to a duration).
public enum ScenarioFile: Sendable, Hashable {
    /// An inbound scenario.
    case inbound(Scenario)
    /// An outbound campaign.
    case outbound(OutboundScenario)
    /// A routing study: routers compared on the same callers.
    case routing(RoutingStudy)

    /// The scenario's name.
    public var name: String {
        switch self {
        case .inbound(let s): return s.name
        case .outbound(let s): return s.name
        case .routing(let s): return s.name
        }
    }

    /// Reads and validates the scenario file at `path`, of either kind.
    public static func load(contentsOf path: String) throws(ScenarioError) -> ScenarioFile {
        try parse(yaml: ScenarioReader.text(ofFile: path), file: path)
    }

    /// Reads and validates a scenario of either kind; `file` names it in errors and anchors
    /// relative contact-list paths.
    public static func parse(yaml: String, file: String) throws(ScenarioError) -> ScenarioFile {
        let reader = ScenarioReader(file: file)
        let root = try reader.root(yaml)
        if case .mapping(let mapping) = root, mapping.keys.contains(where: { $0.string == "campaign" }) {
            return .outbound(try reader.readCampaign(root: root))
        }
        if case .mapping(let mapping) = root, mapping.keys.contains(where: { $0.string == "routing" }) {
            return .routing(try reader.readRouting(root: root))
        }
        return .inbound(try reader.read(root: root))
    }
}

// MARK: - The campaign reader

extension ScenarioReader {
    static let campaignTopFields = [
        "name", "description", "seed", "replications", "horizon", "interval", "agents", "campaign", "variants",
    ]
    static let campaignFields = [
        "contacts", "answer", "invalid_numbers", "ring_time", "ring_timeout", "busy_time", "invalid_time",
        "machine_detection", "patience", "max_hold", "abandon_grace", "talk_time", "wrap_up", "pauses", "shifts",
    ]
    static let shiftFields = ["from", "to", "agents"]
    static let answerFields = ["from", "live", "machine", "busy"]
    static let pauseFields = ["after_call", "duration", "away_share", "away"]
    static let dialers = ["patent", "progressive", "power", "adaptive"]
    static let commonDialerFields = ["name", "dialer", "tick", "abandon_grace", "max_attempts", "retry_delay"]
    static let powerFields = commonDialerFields + ["lines_per_agent"]
    static let adaptiveFields = commonDialerFields + [
        "method", "drop_cap", "maximum_level", "intensity", "dl_diff_target", "initial_level", "adjust_every",
        "averaging_samples", "horizon", "minimum_sample", "shift_length", "taper_span",
    ]
    static let patentFields = [
        "name", "dialer", "abandon_threshold", "abandon_window", "abandon_grace", "minimum_sample",
        "pause_timeout", "tick", "initial_lines_per_agent", "aggressiveness", "max_lines_per_agent", "lookahead",
        "answer_window", "throttle_when_idle", "max_attempts", "retry_delay",
    ]
    static let retryOutcomes: [String: CallOutcome] = [
        "busy": .busy, "no_answer": .noAnswer, "machine": .machine, "abandoned": .abandoned, "failed": .failed,
        "cancelled": .cancelled,
    ]

    func readCampaign(root: Node) throws(ScenarioError) -> OutboundScenario {
        let top = try fields(of: root, path: "", at: Place(root.mark), known: Self.campaignTopFields)
        let name = try scenarioName(top)
        let horizonNode = try top.required("horizon", "\(Self.durationExpected): how long the campaign dials")
        let horizon = try duration(horizonNode, "horizon")
        guard horizon > 0 else {
            throw error(horizonNode, "horizon", "expected a duration above 0s, got \(Self.text(horizonNode))")
        }
        let agents = try integer(
            top.required("agents", "the number of agents, a whole number from 1 to \(Self.maxAgents)"),
            "agents", in: 1...Self.maxAgents)
        let campaignNode = try top.required("campaign", "a mapping with contacts and answer")
        let world = try campaign(campaignNode, at: top.keyMark("campaign"), horizon: horizon)
        let variantsNode = try top.required("variants", "a list of dialers to compare, such as [{name: a, dialer: patent}]")
        let variants = try self.variants(variantsNode)
        var scenario = OutboundScenario(
            name: name, horizon: horizon, agents: agents, contacts: world.contacts, world: world.world,
            variants: variants)
        if !world.shifts.isEmpty {
            let total = world.shifts.reduce(0) { $0 + $1.agents }
            guard total == agents else {
                throw error(at: top.keyMark("agents"), "agents",
                            "expected the sum of the shifts' agents (\(total)), got \(agents)")
            }
            scenario.shifts = world.shifts
        }
        if let node = top.optional("description"), !Self.isNull(node) { scenario.description = try string(node, "description") }
        if let node = top.optional("seed") { scenario.seed = try seed(node, "seed") }
        if let node = top.optional("replications") {
            scenario.replications = try integer(node, "replications", in: 1...Self.maxReplications)
        }
        if let node = top.optional("interval") {
            let value = try duration(node, "interval")
            guard value > 0 else { throw error(node, "interval", "expected a duration above 0s, got \(Self.text(node))") }
            scenario.interval = value
        }
        return scenario
    }

    /// The campaign section at `path` (`campaign`, or `routing.outbound` in a blended routing
    /// study, which knows the fields `known`).
    func campaign(
        _ node: Node, at keyMark: Place?, horizon: Double, path: String = "campaign",
        known: [String] = campaignFields
    ) throws(ScenarioError)
        -> (contacts: ContactSource, world: OutboundWorld, shifts: [Shift])
    {
        let f = try fields(of: node, path: path, at: keyMark, known: known)
        let contactsNode = try f.required("contacts", "a number of synthetic contacts, or the path of a CSV contact list")
        let contacts: ContactSource
        let text = try scalar(contactsNode, "\(path).contacts", "a number of contacts or a CSV file's path")
        if let count = Int(text) {
            guard (1...10_000_000).contains(count) else {
                throw error(contactsNode, "\(path).contacts", "expected from 1 to 10000000 contacts, got \(count)")
            }
            contacts = .synthetic(count: count)
        } else {
            let base = URL(fileURLWithPath: file).deletingLastPathComponent()
            let listPath = text.hasPrefix("/") ? text : base.appendingPathComponent(text).path
            guard FileManager.default.fileExists(atPath: listPath) else {
                throw error(contactsNode, "\(path).contacts",
                            "expected a number of contacts or an existing CSV file, got '\(text)' (no such file: \(listPath))")
            }
            contacts = .list(path: listPath, numbers: [])
        }
        let answerNode = try f.required("answer", "a list of periods such as [{from: 0h, live: 0.3, machine: 0.1, busy: 0.05}]")
        var periods: [AnswerProbabilities] = []
        for (i, item) in try list(answerNode, "\(path).answer", "a list of periods").enumerated() {
            let itemPath = "\(path).answer[\(i)]"
            let p = try fields(of: item, path: itemPath, at: Place(item.mark), known: Self.answerFields)
            var period = AnswerProbabilities(
                from: try p.optional("from").map { (n) throws(ScenarioError) in try duration(n, itemPath + ".from") } ?? 0,
                live: try probabilities(try p.required("live", "a probability or a list of them by attempt"), itemPath + ".live"))
            if let n = p.optional("machine") { period.machine = try probabilities(n, itemPath + ".machine") }
            if let n = p.optional("busy") { period.busy = try probabilities(n, itemPath + ".busy") }
            if i == 0 && period.from != 0 {
                throw error(item, itemPath + ".from", "expected the first period to start at 0s, got \(Units.format(seconds: period.from))")
            }
            if let last = periods.last, period.from <= last.from {
                throw error(item, itemPath + ".from", "expected a start after the previous period's (\(Units.format(seconds: last.from)))")
            }
            if let problem = period.problem { throw error(item, itemPath, problem) }
            periods.append(period)
        }
        guard !periods.isEmpty else { throw error(answerNode, "\(path).answer", "expected at least one period, got an empty list") }
        var world = OutboundWorld(answer: periods)
        if let n = f.optional("invalid_numbers") { world.invalidNumbers = try probability(n, "\(path).invalid_numbers") }
        if let n = f.optional("ring_time") { world.ringTime = try distribution(n, "\(path).ring_time") }
        if let n = f.optional("ring_timeout") { world.ringTimeout = try positiveDuration(n, "\(path).ring_timeout") }
        if let n = f.optional("busy_time") { world.busyTime = try duration(n, "\(path).busy_time") }
        if let n = f.optional("invalid_time") { world.invalidTime = try duration(n, "\(path).invalid_time") }
        if let n = f.optional("machine_detection") { world.machineDetection = try distribution(n, "\(path).machine_detection") }
        if let n = f.optional("patience") { world.patience = try distribution(n, "\(path).patience") }
        if let n = f.optional("max_hold") { world.maxHold = try duration(n, "\(path).max_hold") }
        if let n = f.optional("abandon_grace") { world.abandonGrace = try duration(n, "\(path).abandon_grace") }
        if let n = f.optional("talk_time") { world.talkTime = try distribution(n, "\(path).talk_time") }
        if let n = f.optional("wrap_up") { world.wrapUp = try distribution(n, "\(path).wrap_up") }
        if let n = f.optional("pauses") {
            let p = try fields(of: n, path: "\(path).pauses", at: f.keyMark("pauses"), known: Self.pauseFields)
            if let m = p.optional("after_call") { world.pauses.afterCall = try probability(m, "\(path).pauses.after_call") }
            if let m = p.optional("duration") { world.pauses.duration = try distribution(m, "\(path).pauses.duration") }
            if let m = p.optional("away_share") { world.pauses.awayShare = try probability(m, "\(path).pauses.away_share") }
            if let m = p.optional("away") { world.pauses.away = try distribution(m, "\(path).pauses.away") }
        }
        var shifts: [Shift] = []
        if let n = f.optional("shifts") {
            for (i, item) in try list(n, "\(path).shifts", "a list of shifts such as [{from: 0h, to: 4h, agents: 10}]").enumerated() {
                let itemPath = "\(path).shifts[\(i)]"
                let g = try fields(of: item, path: itemPath, at: Place(item.mark), known: Self.shiftFields)
                let from = try duration(try g.required("from", "when the shift starts"), itemPath + ".from")
                let toNode = try g.required("to", "when the shift ends")
                let to = try duration(toNode, itemPath + ".to")
                guard to > from else {
                    throw error(toNode, itemPath + ".to", "expected an end after the start (\(Units.format(seconds: from))), got \(Self.text(toNode))")
                }
                let agents = try integer(try g.required("agents", "how many agents work the shift"), itemPath + ".agents", in: 1...Self.maxAgents)
                shifts.append(Shift(start: from, end: to, agents: agents))
            }
        }
        return (contacts, world, shifts)
    }

    func variants(_ node: Node) throws(ScenarioError) -> [DialerVariant] {
        var result: [DialerVariant] = []
        let items = try list(node, "variants", "a list of dialers such as [{name: a, dialer: patent}]")
        guard !items.isEmpty else { throw error(node, "variants", "expected at least one variant, got an empty list") }
        for (i, item) in items.enumerated() {
            let path = "variants[\(i)]"
            guard case .mapping = item else {
                throw error(item, path, "expected a mapping with name and dialer, got \(Self.kind(item))")
            }
            let (policy, f) = try dialerPolicy(item, path)
            let name = try string(try f.required("name", "a name for the variant"), path + ".name")
            if result.contains(where: { $0.name == name }) {
                throw error(item, path + ".name", "expected a name no other variant has, got '\(name)' again")
            }
            result.append(DialerVariant(name: name, policy: policy))
        }
        return result
    }

    /// The dialer a mapping names (`dialer: patent`, ...) with its knobs, and the mapping's fields;
    /// `extra` fields are known besides the dialer's own.
    func dialerPolicy(_ item: Node, _ path: String, extra: [String] = []) throws(ScenarioError)
        -> (DialerPolicy, Fields)
    {
        guard case .mapping(let mapping) = item else {
            throw error(item, path, "expected a mapping with a dialer and its knobs, got \(Self.kind(item))")
        }
        guard let dialerNode = mapping["dialer"] else {
            throw error(item, path + ".dialer", "missing required field 'dialer'; known dialers: \(Self.dialers.joined(separator: ", "))")
        }
        let kind = try string(dialerNode, path + ".dialer")
        let policy: DialerPolicy
        let f: Fields
        switch kind {
        case "patent":
            f = try fields(of: item, path: path, at: Place(item.mark), known: Self.patentFields + extra)
            policy = .patent(try patent(f, item, path))
        case "progressive":
            f = try fields(of: item, path: path, at: Place(item.mark), known: Self.commonDialerFields + extra)
            var c = ProgressiveDialer.Configuration()
            if let n = f.optional("tick") { c.tick = try positiveDuration(n, f.path("tick")) }
            if let n = f.optional("abandon_grace") { c.abandonGrace = try duration(n, f.path("abandon_grace")) }
            c.rules = try rules(f)
            if let problem = c.problem { throw error(item, path, problem) }
            policy = .progressive(c)
        case "power":
            f = try fields(of: item, path: path, at: Place(item.mark), known: Self.powerFields + extra)
            var c = PowerDialer.Configuration()
            if let n = f.optional("tick") { c.tick = try positiveDuration(n, f.path("tick")) }
            if let n = f.optional("abandon_grace") { c.abandonGrace = try duration(n, f.path("abandon_grace")) }
            if let n = f.optional("lines_per_agent") { c.linesPerAgent = try number(n, f.path("lines_per_agent")) }
            c.rules = try rules(f)
            if let problem = c.problem { throw error(item, path, problem) }
            policy = .power(c)
        case "adaptive":
            f = try fields(of: item, path: path, at: Place(item.mark), known: Self.adaptiveFields + extra)
            policy = .adaptive(try adaptive(f, item, path))
        default:
            throw error(dialerNode, path + ".dialer",
                        "unknown dialer '\(kind)'\(Self.suggestion(kind, Self.dialers)); known dialers: \(Self.dialers.joined(separator: ", "))")
        }
        return (policy, f)
    }

    func patent(_ f: Fields, _ node: Node, _ path: String) throws(ScenarioError) -> PatentDispatcher.Configuration {
        var c = PatentDispatcher.Configuration()
        if let n = f.optional("abandon_threshold") { c.abandonThreshold = try probability(n, f.path("abandon_threshold")) }
        if let n = f.optional("abandon_window") { c.abandonWindow = try integer(n, f.path("abandon_window"), in: 1...1_000_000) }
        if let n = f.optional("abandon_grace") { c.abandonGrace = try duration(n, f.path("abandon_grace")) }
        if let n = f.optional("minimum_sample") { c.minimumSample = try integer(n, f.path("minimum_sample"), in: 0...1_000_000) }
        if let n = f.optional("pause_timeout") { c.pauseTimeout = try duration(n, f.path("pause_timeout")) }
        if let n = f.optional("tick") { c.tick = try positiveDuration(n, f.path("tick")) }
        if let n = f.optional("initial_lines_per_agent") { c.pacing.initialLinesPerAgent = try number(n, f.path("initial_lines_per_agent")) }
        if let n = f.optional("aggressiveness") { c.pacing.aggressiveness = try number(n, f.path("aggressiveness")) }
        if let n = f.optional("max_lines_per_agent") { c.pacing.maxLinesPerAgent = try number(n, f.path("max_lines_per_agent")) }
        if let n = f.optional("lookahead") { c.pacing.lookahead = try bool(n, f.path("lookahead")) }
        if let n = f.optional("answer_window") { c.pacing.answerWindow = try integer(n, f.path("answer_window"), in: 1...1_000_000) }
        if let n = f.optional("throttle_when_idle") { c.throttleWhenIdle = try bool(n, f.path("throttle_when_idle")) }
        c.rules = try rules(f)
        if let problem = c.problem { throw error(node, path, problem) }
        return c
    }

    func adaptive(_ f: Fields, _ node: Node, _ path: String) throws(ScenarioError) -> AdaptiveDialer.Configuration {
        var c = AdaptiveDialer.Configuration()
        if let n = f.optional("method") {
            let text = try string(n, f.path("method"))
            let known = AdaptiveDialer.Method.allCases.map(\.rawValue)
            guard let method = AdaptiveDialer.Method(rawValue: text) else {
                throw error(n, f.path("method"), "unknown method '\(text)'\(Self.suggestion(text, known)); known methods: \(known.joined(separator: ", "))")
            }
            c.method = method
        }
        if let n = f.optional("drop_cap") { c.dropCap = try probability(n, f.path("drop_cap")) }
        if let n = f.optional("maximum_level") { c.maximumLevel = try number(n, f.path("maximum_level")) }
        if let n = f.optional("intensity") { c.intensity = try number(n, f.path("intensity")) }
        if let n = f.optional("dl_diff_target") { c.dlDiffTarget = try number(n, f.path("dl_diff_target")) }
        if let n = f.optional("initial_level") { c.initialLevel = try number(n, f.path("initial_level")) }
        if let n = f.optional("adjust_every") { c.adjustEvery = try positiveDuration(n, f.path("adjust_every")) }
        if let n = f.optional("averaging_samples") { c.averagingSamples = try integer(n, f.path("averaging_samples"), in: 1...10_000) }
        if let n = f.optional("horizon") { c.horizon = try integer(n, f.path("horizon"), in: 1...1_000_000) }
        if let n = f.optional("minimum_sample") { c.minimumSample = try integer(n, f.path("minimum_sample"), in: 0...1_000_000) }
        if let n = f.optional("shift_length") { c.shiftLength = try positiveDuration(n, f.path("shift_length")) }
        if let n = f.optional("taper_span") { c.taperSpan = try positiveDuration(n, f.path("taper_span")) }
        if let n = f.optional("tick") { c.tick = try positiveDuration(n, f.path("tick")) }
        if let n = f.optional("abandon_grace") { c.abandonGrace = try duration(n, f.path("abandon_grace")) }
        c.rules = try rules(f)
        if let problem = c.problem { throw error(node, path, problem) }
        return c
    }

    func rules(_ f: Fields) throws(ScenarioError) -> ContractRules {
        var rules = ContractRules()
        if let n = f.optional("max_attempts") { rules.maxAttempts = try integer(n, f.path("max_attempts"), in: 1...100) }
        if let n = f.optional("retry_delay") {
            let known = Self.retryOutcomes.keys.sorted()
            let r = try fields(of: n, path: f.path("retry_delay"), at: f.keyMark("retry_delay"), known: known)
            for key in known {
                if let m = r.optional(key) { rules.retryDelay[Self.retryOutcomes[key]!] = try duration(m, r.path(key)) }
            }
        }
        return rules
    }

    func probability(_ node: Node, _ path: String) throws(ScenarioError) -> Double {
        let value = try number(node, path)
        guard (0...1).contains(value) else {
            throw error(node, path, "expected a probability between 0 and 1, got \(Self.text(node))")
        }
        return value
    }

    /// A probability, or a list of them by attempt.
    func probabilities(_ node: Node, _ path: String) throws(ScenarioError) -> [Double] {
        if case .sequence(let items) = node {
            guard !items.isEmpty else { throw error(node, path, "expected at least one probability, got an empty list") }
            var result: [Double] = []
            for (i, item) in items.enumerated() { result.append(try probability(item, "\(path)[\(i)]")) }
            return result
        }
        return [try probability(node, path)]
    }

    func positiveDuration(_ node: Node, _ path: String) throws(ScenarioError) -> Double {
        let value = try duration(node, path)
        guard value > 0 else { throw error(node, path, "expected a duration above 0s, got \(Self.text(node))") }
        return value
    }
}
