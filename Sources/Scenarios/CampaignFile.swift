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
/// Every dialer's knobs, with their forms, bounds, defaults and docs, are `KnobTables.dialers`
/// (`simcc schema campaign` prints them).
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
    func readCampaign(root: Node) throws(ScenarioError) -> OutboundScenario {
        let top = try fields(of: root, path: "", at: Place(root.mark), section: KnobTables.campaign)
        let name = try top.text("name")!
        let horizon = try top.duration("horizon")!
        let agents = try top.integer("agents")!
        let world = try campaign(try top.section("campaign")!, horizon: horizon)
        let variants = try self.variants(try top.required("variants"))
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
        if let description = try top.text("description") { scenario.description = description }
        if let seed = try top.seed("seed") { scenario.seed = seed }
        if let replications = try top.integer("replications") { scenario.replications = replications }
        if let interval = try top.duration("interval") { scenario.interval = interval }
        return scenario
    }

    /// A number of synthetic items, or the path of an existing file (relative to the scenario
    /// file): the `.countOrFile` knob `key` of `f`; `file` names the file in messages.
    func countOrFile(_ f: Fields, _ key: String, file fileNoun: String) throws(ScenarioError)
        -> (count: Int?, path: String?)
    {
        guard case .countOrFile(let range) = f.knob(key).type else { preconditionFailure("\(key) is not a count or a file") }
        let node = try f.required(key)
        let text = try scalar(node, f.path(key), f.knob(key).type.phrase)
        if Int(text) != nil || text.hasPrefix("-") {
            return (try integer(node, f.path(key), in: range), nil)
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let path = text.hasPrefix("/") ? text : base.appendingPathComponent(text).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw error(
                node, f.path(key),
                "expected a number of \(key) or an existing \(fileNoun), got '\(text)' (no such file: \(path))")
        }
        return (nil, path)
    }

    /// The campaign section `f` (`campaign`, or `routing.outbound` in a blended routing study,
    /// whose table has no `shifts`).
    func campaign(_ f: Fields, horizon: Double) throws(ScenarioError)
        -> (contacts: ContactSource, world: OutboundWorld, shifts: [Shift])
    {
        let source = try countOrFile(f, "contacts", file: "CSV file")
        let contacts: ContactSource = source.path.map { .list(path: $0, numbers: []) } ?? .synthetic(count: source.count!)
        guard case .list(.section(let answerSection)) = f.knob("answer").type else { preconditionFailure("answer") }
        var periods: [AnswerProbabilities] = []
        let answer = try f.list("answer", "a list of periods", empty: "expected at least one period, got an empty list")!
        for (i, (item, itemPath)) in answer.enumerated() {
            let p = try fields(of: item, path: itemPath, at: Place(item.mark), section: answerSection)
            var period = AnswerProbabilities(from: try p.duration("from") ?? 0, live: try p.probabilities("live")!)
            if let machine = try p.probabilities("machine") { period.machine = machine }
            if let busy = try p.probabilities("busy") { period.busy = busy }
            if i == 0 && period.from != 0 {
                throw error(item, itemPath + ".from", "expected the first period to start at 0s, got \(Units.format(seconds: period.from))")
            }
            if let last = periods.last, period.from <= last.from {
                throw error(item, itemPath + ".from", "expected a start after the previous period's (\(Units.format(seconds: last.from)))")
            }
            if let problem = period.problem { throw error(item, itemPath, problem) }
            periods.append(period)
        }
        var world = OutboundWorld(answer: periods)
        if let x = try f.probability("invalid_numbers") { world.invalidNumbers = x }
        if let x = try f.distribution("ring_time") { world.ringTime = x }
        if let x = try f.duration("ring_timeout") { world.ringTimeout = x }
        if let x = try f.duration("busy_time") { world.busyTime = x }
        if let x = try f.duration("invalid_time") { world.invalidTime = x }
        if let x = try f.distribution("machine_detection") { world.machineDetection = x }
        if let x = try f.distribution("patience") { world.patience = x }
        if let x = try f.duration("max_hold") { world.maxHold = x }
        if let x = try f.duration("abandon_grace") { world.abandonGrace = x }
        if let x = try f.distribution("talk_time") { world.talkTime = x }
        if let x = try f.distribution("wrap_up") { world.wrapUp = x }
        try pauses(f, into: &world.pauses)
        let shifts = try self.shifts(f)
        return (contacts, world, shifts)
    }

    /// The `pauses` of `f`, if given, into `model`.
    func pauses(_ f: Fields, into model: inout PauseModel) throws(ScenarioError) {
        guard let p = try f.section("pauses") else { return }
        if let x = try p.probability("after_call") { model.afterCall = x }
        if let x = try p.distribution("duration") { model.duration = x }
        if let x = try p.probability("away_share") { model.awayShare = x }
        if let x = try p.distribution("away") { model.away = x }
    }

    /// The `shifts` of `f` (none when absent): each `{from, to, agents}`, ending after it starts.
    func shifts(_ f: Fields) throws(ScenarioError) -> [Shift] {
        var shifts: [Shift] = []
        if f.section.knob("shifts") != nil,
            let items = try f.list(
                "shifts", "a list of shifts such as [{from: 0h, to: 4h, agents: 10}]",
                empty: "expected at least one shift, got an empty list (leave shifts out for agents working all day)")
        {
            guard case .list(.section(let shiftSection)) = f.knob("shifts").type else { preconditionFailure("shifts") }
            for (item, itemPath) in items {
                let g = try fields(of: item, path: itemPath, at: Place(item.mark), section: shiftSection)
                let from = try g.duration("from")!
                let toNode = try g.required("to")
                let to = try g.duration("to")!
                guard to > from else {
                    throw error(toNode, itemPath + ".to", "expected an end after the start (\(Units.format(seconds: from))), got \(Self.text(toNode))")
                }
                shifts.append(Shift(start: from, end: to, agents: try g.integer("agents")!))
            }
        }
        return shifts
    }

    func variants(_ node: Node) throws(ScenarioError) -> [DialerVariant] {
        var result: [DialerVariant] = []
        var names: Set<String> = []
        let items = try list(node, "variants", "a list of dialers such as [{name: a, dialer: patent}]")
        guard !items.isEmpty else { throw error(node, "variants", "expected at least one variant, got an empty list") }
        for (i, item) in items.enumerated() {
            let path = "variants[\(i)]"
            guard case .mapping = item else {
                throw error(item, path, "expected a mapping with name and dialer, got \(Self.kind(item))")
            }
            let (policy, f) = try dialerPolicy(item, path, KnobTables.dialers)
            let name = try f.text("name") ?? ""
            if !names.insert(name).inserted {
                throw error(f.optional("name")!, path + ".name", "expected a name no other variant has, got '\(name)' again")
            }
            result.append(DialerVariant(name: name, policy: policy))
        }
        return result
    }

    /// The dialer a mapping names (`dialer: patent`, ...) with its knobs (`cases`: a variant's or
    /// a blended campaign's), and the mapping's fields.
    func dialerPolicy(_ item: Node, _ path: String, _ cases: [TaggedCase]) throws(ScenarioError) -> (DialerPolicy, Fields) {
        let (kind, f) = try tagged(item, path, key: "dialer", cases, noun: "dialer")
        let policy: DialerPolicy
        switch kind {
        case "patent":
            policy = .patent(try patent(f, item, path))
        case "progressive":
            var c = ProgressiveDialer.Configuration()
            if let x = try f.duration("tick") { c.tick = x }
            if let x = try f.duration("abandon_grace") { c.abandonGrace = x }
            c.rules = try rules(f)
            if let problem = c.problem { throw error(item, path, problem) }
            policy = .progressive(c)
        case "power":
            var c = PowerDialer.Configuration()
            if let x = try f.duration("tick") { c.tick = x }
            if let x = try f.duration("abandon_grace") { c.abandonGrace = x }
            if let x = try f.number("lines_per_agent") { c.linesPerAgent = x }
            c.rules = try rules(f)
            if let problem = c.problem { throw error(item, path, problem) }
            policy = .power(c)
        case "adaptive":
            policy = .adaptive(try adaptive(f, item, path))
        default:
            preconditionFailure("dialer \(kind) is in the table but has no reader")
        }
        return (policy, f)
    }

    func patent(_ f: Fields, _ node: Node, _ path: String) throws(ScenarioError) -> PatentDispatcher.Configuration {
        var c = PatentDispatcher.Configuration()
        if let x = try f.probability("abandon_threshold") { c.abandonThreshold = x }
        if let x = try f.integer("abandon_window") { c.abandonWindow = x }
        if let x = try f.duration("abandon_grace") { c.abandonGrace = x }
        if let x = try f.integer("minimum_sample") { c.minimumSample = x }
        if let x = try f.duration("pause_timeout") { c.pauseTimeout = x }
        if let x = try f.duration("tick") { c.tick = x }
        if let x = try f.number("initial_lines_per_agent") { c.pacing.initialLinesPerAgent = x }
        if let x = try f.number("aggressiveness") { c.pacing.aggressiveness = x }
        if let x = try f.number("max_lines_per_agent") { c.pacing.maxLinesPerAgent = x }
        if let x = try f.bool("lookahead") { c.pacing.lookahead = x }
        if let x = try f.integer("answer_window") { c.pacing.answerWindow = x }
        if let x = try f.bool("throttle_when_idle") { c.throttleWhenIdle = x }
        c.rules = try rules(f)
        if let problem = c.problem { throw error(node, path, problem) }
        return c
    }

    func adaptive(_ f: Fields, _ node: Node, _ path: String) throws(ScenarioError) -> AdaptiveDialer.Configuration {
        var c = AdaptiveDialer.Configuration()
        if let x = try f.name("method") { c.method = AdaptiveDialer.Method(rawValue: x)! }
        if let x = try f.probability("drop_cap") { c.dropCap = x }
        if let x = try f.number("maximum_level") { c.maximumLevel = x }
        if let x = try f.number("intensity") { c.intensity = x }
        if let x = try f.number("dl_diff_target") { c.dlDiffTarget = x }
        if let x = try f.number("initial_level") { c.initialLevel = x }
        if let x = try f.duration("adjust_every") { c.adjustEvery = x }
        if let x = try f.integer("averaging_samples") { c.averagingSamples = x }
        if let x = try f.integer("horizon") { c.horizon = x }
        if let x = try f.integer("minimum_sample") { c.minimumSample = x }
        if let x = try f.duration("shift_length") { c.shiftLength = x }
        if let x = try f.duration("taper_span") { c.taperSpan = x }
        if let x = try f.duration("tick") { c.tick = x }
        if let x = try f.duration("abandon_grace") { c.abandonGrace = x }
        c.rules = try rules(f)
        if let problem = c.problem { throw error(node, path, problem) }
        return c
    }

    func rules(_ f: Fields) throws(ScenarioError) -> ContractRules {
        var rules = ContractRules()
        if let x = try f.integer("max_attempts") { rules.maxAttempts = x }
        if let r = try f.section("retry_delay") {
            for (name, outcome) in KnobTables.retryOutcomes {
                if let x = try r.duration(name) { rules.retryDelay[outcome] = x }
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
