import CallCenter
import Foundation
import RoutingPolicies
import Yams

// MARK: - The scenario file format
//
// A scenario file is one YAML mapping. Durations are written as planners write them (`20s`,
// `3min`, `1.5h`; a bare number is seconds), rates as events per unit of time (`120/h`,
// `3.5/min`, `0.5/s`). Fields, in the order they are usually written:
//
//     name: M/M/100+M standard day     # required, non-empty string
//     description: free text            # optional
//     seed: 42                          # optional, default 1; whole number >= 0
//     replications: 10                  # optional, default 10; whole number 1...10000
//     horizon: 8h                       # required duration > 0: how long callers arrive
//     warmup: 30min                     # optional duration, default 0; must be < horizon
//     interval: 15min                   # optional duration > 0, default 15min (series width)
//     service_target: 20s               # optional duration, default 20s
//     agents: 100                       # required whole number 1...100000
//     traffic:                          # required mapping
//       arrival_rate: 0.5278/s          # one rate for the whole run, or instead:
//       # arrival_rates:                # periods of constant rate; the first `from` is 0s,
//       #   - {from: 0h, rate: 120/h}   #   starts strictly increase, each is < horizon
//       #   - {from: 2h, rate: 300/h}
//       talk_time: {exponential: 3min}  # required distribution
//       wrap_up: 0s                     # optional distribution, default 0s
//       busyness: {gamma: {mean: 1, sd: 0.1}}  # optional: each replication (day) multiplies every
//                                       # rate by one draw of this factor (a bare number: fixed)
//       patience: {exponential: 60s}    # optional distribution; omitted or `never`:
//                                       #   callers never abandon
//     policy:                           # optional; default longest-idle-fifo, unlimited queue
//       router: longest-idle-fifo       # optional; the only router for now
//       queue_capacity: unlimited       # `unlimited` or a whole number >= 0 (0: Erlang B)
//
// Exactly one of `arrival_rate` and `arrival_rates` is given. A distribution is one of:
//
//     20s                                   # always that value, same as {deterministic: 20s}
//     {exponential: 3min}                   # or {exponential: {mean: 3min}}
//     {erlang: {k: 3, mean: 3min}}
//     {gamma: {mean: 3min, sd: 1min}}
//     {lognormal: {mean: 3min, sd: 2min}}
//     {weibull: {shape: 1.5, mean: 60s}}    # shape is a plain number
//     {uniform: {min: 1min, max: 5min}}
//     {empirical: {values: [2min, 150s, 4min], weights: [1, 2, 1], interpolate: false}}
//                                           # weights and interpolate are optional
//
// Every mistake is reported as a `ScenarioError` naming the file, the line and column, the
// field as a dotted path (`traffic.talk_time.gamma.sd`, list items as `arrival_rates[1]`) and
// what was expected. See `scenarios/*.yaml` for complete examples.

// MARK: - Errors

/// A mistake in a scenario file: where it is, which field, and what was expected instead.
public struct ScenarioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file, as it was named to the reader.
    public var file: String
    /// The line, from 1; 0 when the mistake has no place in the file (the file could not be read).
    public var line: Int
    /// The column, from 1; 0 when unknown.
    public var column: Int
    /// The field as a dotted path such as `traffic.talk_time`; "" for the document itself.
    public var field: String
    /// What is wrong and what was expected.
    public var message: String

    /// An error at `line`:`column` of `file`, in `field`.
    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `FILE:LINE:COLUMN: FIELD: MESSAGE`; the field is left out for the document itself.
    public var description: String {
        let place = "\(file):\(line):\(column): "
        return field.isEmpty ? place + message : place + field + ": " + message
    }
}

// MARK: - Reading a scenario

extension Scenario {
    /// Reads and validates the scenario file at `path` (see the format at the top of `ScenarioFile.swift`).
    public static func load(contentsOf path: String) throws(ScenarioError) -> Scenario {
        try parse(yaml: ScenarioReader.text(ofFile: path), file: path)
    }

    /// Reads and validates a scenario written in YAML; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(ScenarioError) -> Scenario {
        try ScenarioReader(file: file).read(yaml)
    }
}

// MARK: - The reader

/// A line and column in the file, both from 1.
struct Place {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The place of a Yams mark, or nil.
    init?(_ mark: Mark?) {
        guard let mark else { return nil }
        self.init(line: mark.line, column: mark.column)
    }
}

/// Walks a composed YAML tree into a `Scenario`, failing at the first mistake with its place.
struct ScenarioReader {
    let file: String

    /// The text of the scenario file at `path`, or an error saying why it cannot be read.
    static func text(ofFile path: String) throws(ScenarioError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let why =
                !exists
                ? "no such file; expected the path of a scenario YAML file"
                : isDirectory.boolValue
                    ? "this is a folder; expected the path of a scenario YAML file"
                    : "cannot read the file as UTF-8 text (\(error.localizedDescription))"
            throw ScenarioError(file: path, line: 0, column: 0, field: "", message: why)
        }
    }

    /// The most replications and agents a scenario may have (the tables' bounds).
    static let maxReplications = KnobTables.maxReplications
    static let maxAgents = KnobTables.maxAgents

    static let durationExpected = "a duration such as '20s', '3min' or '1.5h'"
    static let rateExpected = "a rate such as '3.5/min', '120/h' or '0.5/s'"

    // MARK: Errors

    func error(at place: Place?, _ field: String, _ message: String) -> ScenarioError {
        ScenarioError(
            file: file, line: place?.line ?? 0, column: place?.column ?? 0, field: field,
            message: message)
    }

    func error(_ node: Node, _ field: String, _ message: String) -> ScenarioError {
        error(at: Place(node.mark), field, message)
    }

    // MARK: The document

    /// The document's root mapping, or the error of a file that is not YAML, empty, or not a
    /// mapping.
    func root(_ yaml: String) throws(ScenarioError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let yamlError as YamlError {
            throw translate(yamlError, yaml: yaml)
        } catch {
            throw ScenarioError(
                file: file, line: 0, column: 0, field: "",
                message: "cannot read the YAML (\(error))")
        }
        let start = Place(line: 1, column: 1)
        guard let root, !Self.isNull(root) else {
            throw error(
                at: start, "",
                "the file is empty; expected a mapping with at least name, horizon, agents and traffic")
        }
        guard case .mapping = root else {
            throw error(
                root, "",
                "expected a mapping of fields (name: ..., horizon: ..., agents: ..., traffic: ...), got \(Self.kind(root))"
            )
        }
        return root
    }

    func read(_ yaml: String) throws(ScenarioError) -> Scenario {
        try read(root: root(yaml))
    }

    func read(root: Node) throws(ScenarioError) -> Scenario {
        let top = try fields(of: root, path: "", at: Place(root.mark), section: KnobTables.scenario)

        // Fields are read in the order the format lists them, so the first mistake reported is
        // the first in that order.
        let name = try top.text("name")!
        let description = try top.text("description") ?? ""
        let seed = try top.seed("seed")
        let replications = try top.integer("replications")
        let horizon = try top.duration("horizon")!
        let warmup = try self.warmup(top, horizon: horizon)
        let interval = try top.duration("interval")
        let serviceTarget = try top.duration("service_target")
        let agents = try top.integer("agents")!
        let traffic = try self.traffic(try top.section("traffic")!, horizon: horizon)
        let policy = try top.section("policy").map { (f) throws(ScenarioError) in try self.policy(f) }

        var scenario = Scenario(name: name, horizon: horizon, agents: agents, traffic: traffic)
        scenario.description = description
        if let seed { scenario.seed = seed }
        if let replications { scenario.replications = replications }
        if let warmup { scenario.warmup = warmup }
        if let interval { scenario.interval = interval }
        if let serviceTarget { scenario.serviceTarget = serviceTarget }
        if let policy { scenario.policy = policy }
        return scenario
    }

    /// The `warmup` of `top`, which must be shorter than the horizon; nil when absent.
    func warmup(_ top: Fields, horizon: Double) throws(ScenarioError) -> Double? {
        guard let value = try top.duration("warmup") else { return nil }
        guard value < horizon else {
            let node = top.optional("warmup")!
            throw error(
                node, "warmup",
                "expected a warmup shorter than the horizon (\(Units.format(seconds: horizon))), got \(Self.text(node))")
        }
        return value
    }

    /// The arrivals of `f` (the traffic, or a routing world): exactly one of `arrival_rate` and
    /// `arrival_rates`; `bothPath` names the field both are reported at.
    func arrivals(_ f: Fields, horizon: Double, bothPath: String) throws(ScenarioError) -> ArrivalProfile {
        switch (f.optional("arrival_rate"), f.optional("arrival_rates")) {
        case (_?, nil):
            return .constant(try f.rate("arrival_rate")!)
        case (nil, let listNode?):
            return try profile(listNode, f.path("arrival_rates"), horizon: horizon)
        case (_?, _?):
            throw error(
                at: f.keyMark("arrival_rates"), bothPath,
                "expected either arrival_rate (one rate for the whole run) or arrival_rates (a list of periods), not both"
            )
        case (nil, nil):
            throw error(
                at: f.at, f.path,
                "missing the arrivals; expected arrival_rate (one rate such as '120/h') or arrival_rates (a list of {from: DURATION, rate: RATE})"
            )
        }
    }

    /// A busyness factor: a distribution with a positive mean.
    func busyness(_ f: Fields) throws(ScenarioError) -> Distribution? {
        guard let busyness = try f.distribution("busyness") else { return nil }
        guard busyness.mean > 0 else {
            throw error(
                f.optional("busyness")!, f.path("busyness"),
                "expected a factor with a positive mean, such as {gamma: {mean: 1, sd: 0.1}}")
        }
        return busyness
    }

    // MARK: Traffic

    func traffic(_ f: Fields, horizon: Double) throws(ScenarioError) -> InboundTraffic {
        let arrivals = try self.arrivals(f, horizon: horizon, bothPath: f.path)
        let talk = try f.distribution("talk_time")!
        var traffic = InboundTraffic(arrivals: arrivals, talkTime: talk)
        if let wrapUp = try f.distribution("wrap_up") { traffic.wrapUp = wrapUp }
        if let patience = try f.distributionOrNever("patience") { traffic.patience = patience }
        traffic.busyness = try busyness(f)
        return traffic
    }

    func profile(_ node: Node, _ path: String, horizon: Double) throws(ScenarioError) -> ArrivalProfile {
        let items = try list(node, path, "a list of periods such as - {from: 0h, rate: 120/h}")
        guard !items.isEmpty else {
            throw error(
                node, path, "expected at least one period {from: DURATION, rate: RATE}, got an empty list")
        }
        var segments: [ArrivalProfile.Segment] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard case .mapping = item else {
                throw error(
                    item, itemPath, "expected a period {from: DURATION, rate: RATE}, got \(Self.kind(item))")
            }
            let f = try fields(of: item, path: itemPath, at: Place(item.mark), section: KnobTables.period)
            let fromNode = try f.required("from")
            let start = try f.duration("from")!
            let value = try f.rate("rate")!
            if let previous = segments.last {
                guard start > previous.start else {
                    throw error(
                        fromNode, f.path("from"),
                        "expected a start after the previous period's (\(Units.format(seconds: previous.start))), got \(Self.text(fromNode)); periods must be in increasing order"
                    )
                }
            } else {
                guard start == 0 else {
                    throw error(
                        fromNode, f.path("from"),
                        "expected the first period to start at 0s, got \(Self.text(fromNode))")
                }
            }
            guard start < horizon else {
                throw error(
                    fromNode, f.path("from"),
                    "expected a start before the horizon (\(Units.format(seconds: horizon))), got \(Self.text(fromNode))"
                )
            }
            segments.append(.init(start: start, rate: value))
        }
        return ArrivalProfile(segments: segments)
    }

    // MARK: Policy

    func policy(_ f: Fields) throws(ScenarioError) -> InboundPolicy {
        // One router for now: its name is checked against the table's.
        _ = try f.name("router")
        let capacity = try f.capacity("queue_capacity") ?? nil
        return .longestIdle(.init(queueCapacity: capacity))
    }

    // MARK: Distributions

    /// A distribution; `orNever` says in messages that `never` is also accepted (for patience).
    func distribution(_ node: Node, _ path: String, orNever: Bool = false) throws(ScenarioError)
        -> Distribution
    {
        let never = orNever ? "'never' or " : ""
        let expected =
            "\(never)a distribution: a duration such as '20s' (always that value) or a mapping with one family such as {exponential: 3min}"
        let result: Distribution
        let family: String
        switch node {
        case .scalar:
            let text = try scalar(node, path, expected)
            do throws(UnitError) {
                result = .deterministic(try Units.duration(text))
                family = "deterministic"
            } catch {
                let what =
                    orNever ? "'never' (callers never abandon) or \(error.expected)" : error.expected
                throw self.error(
                    node, path,
                    "expected \(what), got '\(text)'; a distribution may also be a mapping such as {exponential: 3min}"
                )
            }
        case .mapping(let mapping):
            let families = DistributionFamily.names
            guard mapping.count == 1, let (keyNode, value) = mapping.first else {
                let got = mapping.isEmpty ? "an empty mapping" : "\(mapping.count) keys"
                throw error(
                    node, path,
                    "expected exactly one distribution family (\(families.joined(separator: ", "))), got \(got)"
                )
            }
            guard case .scalar(let key) = keyNode else {
                throw error(keyNode, path, "expected a distribution family name, got \(Self.kind(keyNode))")
            }
            family = key.string
            let familyPath = path + "." + family
            guard let entry = DistributionFamily.all.first(where: { $0.name == family }) else {
                throw error(
                    keyNode, familyPath,
                    "unknown distribution family '\(family)'\(Self.suggestion(family, families)); known families: \(families.joined(separator: ", "))"
                )
            }
            // The bare duration of deterministic and exponential: the value, the mean.
            if entry.takesDuration, !(entry.parameters != nil && value.mapping != nil) {
                let alternative = entry.parameters == nil ? "" : " or {mean: DURATION}"
                let seconds = try duration(value, familyPath, or: alternative)
                result = family == "deterministic" ? .deterministic(seconds) : .exponential(mean: seconds)
                break
            }
            let f = try parameters(value, familyPath, at: Place(keyNode.mark), entry)
            switch family {
            case "exponential":
                result = .exponential(mean: try f.duration("mean")!)
            case "erlang":
                let k = try f.integer("k")!
                result = .erlang(k: k, mean: try f.duration("mean")!)
            case "gamma", "lognormal":
                let mean = try f.duration("mean")!
                let sd = try f.duration("sd")!
                result = family == "gamma" ? .gamma(mean: mean, sd: sd) : .lognormal(mean: mean, sd: sd)
            case "weibull":
                let shape = try f.number("shape")!
                result = .weibull(shape: shape, mean: try f.duration("mean")!)
            case "uniform":
                let lo = try f.duration("min")!
                result = .uniform(min: lo, max: try f.duration("max")!)
            case "empirical":
                let values = try durations(f, "values", "a list of durations such as [2min, 150s, 4min]")!
                var weights: [Double]? = nil
                if let node = try f.node("weights") {
                    var ws: [Double] = []
                    for (i, item) in try list(node, f.path("weights"), "a list of numbers such as [1, 2, 1]").enumerated() {
                        ws.append(try number(item, "\(f.path("weights"))[\(i)]"))
                    }
                    weights = ws
                }
                result = .empirical(values: values, weights: weights, interpolate: try f.bool("interpolate") ?? false)
            default:
                preconditionFailure("distribution family \(family) has parameters in the table but no reader")
            }
        case .sequence, .alias:
            throw error(node, path, "expected \(expected), got \(Self.kind(node))")
        }
        if let problem = result.problem {
            throw error(node, path, "invalid \(family) distribution: \(problem)")
        }
        return result
    }

    /// The parameter mapping of a distribution family, such as `{mean: 3min, sd: 1min}`.
    func parameters(_ node: Node, _ path: String, at keyMark: Place?, _ family: DistributionFamily)
        throws(ScenarioError) -> Fields
    {
        let section = family.parameters!
        guard case .mapping = node else {
            throw error(
                node, path, "expected the parameters as a mapping such as \(family.example), got \(Self.kind(node))")
        }
        return try fields(of: node, path: path, at: keyMark, section: section)
    }

    /// The durations of the list `key` of `f`, each named by its index; nil when absent.
    func durations(_ f: Fields, _ key: String, _ expected: String) throws(ScenarioError) -> [Double]? {
        guard let node = try f.node(key) else { return nil }
        var values: [Double] = []
        for (i, item) in try list(node, f.path(key), expected).enumerated() {
            values.append(try duration(item, "\(f.path(key))[\(i)]"))
        }
        return values
    }

    // MARK: Mappings

    // MARK: Scalars

    /// The text of a scalar, or an error saying `expected` for a mapping, a list or nothing.
    func scalar(_ node: Node, _ path: String, _ expected: String) throws(ScenarioError) -> String {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            throw error(node, path, "expected \(expected), got \(Self.kind(node))")
        }
        return scalar.string
    }

    func string(_ node: Node, _ path: String) throws(ScenarioError) -> String {
        try scalar(node, path, "text")
    }

    func duration(_ node: Node, _ path: String, or alternative: String = "") throws(ScenarioError) -> Double {
        let text = try scalar(node, path, Self.durationExpected + alternative)
        let seconds: Double
        do throws(UnitError) {
            seconds = try Units.duration(text)
        } catch {
            throw self.error(node, path, error.description)
        }
        guard seconds.isFinite else {
            throw self.error(node, path, "expected a finite duration, got '\(text)'")
        }
        return seconds
    }

    func rate(_ node: Node, _ path: String) throws(ScenarioError) -> Double {
        let text = try scalar(node, path, Self.rateExpected)
        let perSecond: Double
        do throws(UnitError) {
            perSecond = try Units.rate(text)
        } catch {
            throw self.error(node, path, error.description)
        }
        guard perSecond.isFinite else {
            throw self.error(node, path, "expected a finite rate, got '\(text)'")
        }
        return perSecond
    }

    func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        let expected =
            range.upperBound == Int.max
            ? "a whole number of at least \(range.lowerBound)"
            : "a whole number from \(range.lowerBound) to \(range.upperBound)"
        let text = try scalar(node, path, expected)
        guard let value = Int(text) else {
            let isNumber = Double(text) != nil
            throw error(node, path, "expected \(isNumber ? "a whole number" : expected), got '\(text)'")
        }
        guard range.contains(value) else {
            throw error(node, path, "expected \(expected), got '\(text)'")
        }
        return value
    }

    func seed(_ node: Node, _ path: String) throws(ScenarioError) -> UInt64 {
        let expected = "a whole number from 0 to \(UInt64.max)"
        let text = try scalar(node, path, expected)
        guard let value = UInt64(text) else {
            throw error(node, path, "expected \(expected), got '\(text)'")
        }
        return value
    }

    func number(_ node: Node, _ path: String) throws(ScenarioError) -> Double {
        let text = try scalar(node, path, "a number")
        guard let value = Double(text), value.isFinite else {
            throw error(node, path, "expected a number such as 1.5, got '\(text)'")
        }
        return value
    }

    func bool(_ node: Node, _ path: String) throws(ScenarioError) -> Bool {
        let text = try scalar(node, path, "true or false")
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw error(node, path, "expected true or false, got '\(text)'")
        }
    }

    func list(_ node: Node, _ path: String, _ expected: String) throws(ScenarioError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(node, path, "expected \(expected), got \(Self.kind(node))")
        }
        return Array(sequence)
    }

    // MARK: Helpers

    /// Whether a node is YAML's null: nothing after the colon, `~` or `null`.
    static func isNull(_ node: Node) -> Bool {
        node.null != nil
    }

    /// Whether a node is the word `never` (callers who never abandon).
    static func isNever(_ node: Node) -> Bool { node.scalar?.string == "never" }

    /// What a node is, for "got ..." in messages.
    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull(node) ? "nothing" : "'\(scalar.string)'"
        }
    }

    /// A scalar's text, for messages.
    static func text(_ node: Node) -> String { node.scalar?.string ?? kind(node) }

    /// " (did you mean 'x'?)" when a known name is close to `name` or starts with it, else "".
    static func suggestion(_ name: String, _ known: [String]) -> String {
        func normalized(_ s: String) -> [Character] {
            Array(s.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
        }
        let target = normalized(name)
        var best: (name: String, distance: Int)? = nil
        for candidate in known {
            let d = editDistance(target, normalized(candidate))
            let close = d <= max(1, min(2, target.count / 3))
            let prefix = target.count >= 3 && normalized(candidate).starts(with: target)
            if close || prefix, d < (best?.distance ?? .max) {
                best = (candidate, d)
            }
        }
        return best.map { " (did you mean '\($0.name)'?)" } ?? ""
    }

    /// Levenshtein distance. - Complexity: O(a.count × b.count).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: YAML syntax errors

    /// A Yams error as a `ScenarioError` at the place it names.
    func translate(_ yamlError: YamlError, yaml: String) -> ScenarioError {
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return error(at: Place(mark), "", message)
        case .reader(let problem, let offset, _, _):
            let mark = offset.map { Self.place(ofCharacterOffset: $0, in: yaml) }
            return error(at: mark ?? Place(line: 1, column: 1), "", "invalid YAML text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(duplicates.first ?? "?", first: Place(context.mark)!, yaml: yaml)
        default:
            return error(at: nil, "", "cannot read the YAML (\(yamlError))")
        }
    }

    /// The line and column (from 1) of the character at `offset`.
    static func place(ofCharacterOffset offset: Int, in text: String) -> Place {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return Place(line: line, column: column)
    }

    /// A duplicate key, reported at its second occurrence with its dotted path.
    ///
    /// Yams rejects the document naming only the first occurrence; the first occurrence is renamed
    /// and the document composed again to find the mapping that holds both, hence the path and the
    /// second occurrence. When that does not work out (three occurrences, an unusual key), the
    /// error names the first occurrence and the key alone.
    func duplicateKeyError(_ key: String, first: Place, yaml: String) -> ScenarioError {
        let fallback = error(
            at: first, key,
            "duplicate field '\(key)'; it is given more than once in the same mapping, give each field once")
        let placeholder = "simcc-duplicate-key-placeholder"
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard first.line >= 1, first.line <= lines.count else { return fallback }
        var scalars = Array(lines[first.line - 1].unicodeScalars)
        var start = first.column - 1
        guard start >= 0, start < scalars.count else { return fallback }
        if scalars[start] == "\"" || scalars[start] == "'" { start += 1 }
        let keyScalars = Array(key.unicodeScalars)
        guard start + keyScalars.count <= scalars.count,
            Array(scalars[start..<start + keyScalars.count]) == keyScalars
        else { return fallback }
        scalars.replaceSubrange(start..<start + keyScalars.count, with: placeholder.unicodeScalars)
        var line = String.UnicodeScalarView()
        line.append(contentsOf: scalars)
        lines[first.line - 1] = String(line)
        guard let root = try? Yams.compose(yaml: lines.joined(separator: "\n")),
            let (path, mapping) = Self.findMapping(holding: placeholder, in: root, path: "")
        else { return fallback }
        guard let second = mapping.first(where: { $0.key.scalar?.string == key }) else { return fallback }
        let field = path.isEmpty ? key : path + "." + key
        return error(
            at: Place(second.key.mark), field,
            "duplicate field '\(key)'; it was already given on line \(first.line), give each field once")
    }

    /// The mapping with a key `name`, and its dotted path.
    static func findMapping(holding name: String, in node: Node, path: String) -> (String, Node.Mapping)? {
        switch node {
        case .mapping(let mapping):
            if mapping.contains(where: { $0.key.scalar?.string == name }) { return (path, mapping) }
            for (key, value) in mapping {
                let keyText = key.scalar?.string ?? "?"
                let childPath = path.isEmpty ? keyText : path + "." + keyText
                if let found = findMapping(holding: name, in: value, path: childPath) { return found }
            }
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() {
                if let found = findMapping(holding: name, in: item, path: "\(path)[\(i)]") { return found }
            }
        case .scalar, .alias:
            break
        }
        return nil
    }
}
