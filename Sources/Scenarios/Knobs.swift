import CallCenter

// MARK: - The knobs of a file, declared once
//
// Every key a scenario, campaign or routing file may hold is one `Knob` in one `Section` of the
// tables in `KnobTables.swift`: its name, how its value is written (`KnobType`: a duration, a
// rate, a distribution, a whole number in bounds, one of some names, ...), whether it is
// required, its default and a one-line doc. The readers take the list of known keys, the parser
// and the static bounds of a key from there (`ScenarioReader.Fields`), and `Schema` turns the same
// tables into the JSON Schemas of `simcc schema`. Checks that involve two keys (a warmup shorter
// than the horizon, `inbound_reserve` below the agents) stay in the readers; the knob's doc says
// them.

/// One key of a scenario file: its name, how its value is written, whether it is required, its
/// default and what it means.
public struct Knob: Sendable {
    /// The key as written in the file (`ring_timeout`).
    public var name: String
    /// How the value is written and read, with its static bounds.
    public var type: KnobType
    /// Whether the key must be given.
    public var isRequired: Bool
    /// The value used when the key is left out, as a planner would write it; nil when required or
    /// when leaving it out means something the doc says (`patience`: callers never abandon).
    public var defaultValue: KnobDefault?
    /// One line: what the knob means, and any bound that involves another key.
    public var doc: String

    /// A knob; `required` ones have no default.
    public init(
        _ name: String, _ type: KnobType, required: Bool = false, default defaultValue: KnobDefault? = nil,
        _ doc: String
    ) {
        precondition(!(required && defaultValue != nil), "\(name): a required knob has no default")
        self.name = name
        self.type = type
        self.isRequired = required
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// How a knob's value is written, and the bounds every value must keep whatever the other keys.
public indirect enum KnobType: Sendable {
    /// Free text; `nonEmpty`: not blank.
    case text(nonEmpty: Bool)
    /// A seed: a whole number from 0 to 2^64 - 1.
    case seed
    /// A whole number within `range`.
    case integer(ClosedRange<Int>)
    /// A plain number (no unit), within the bounds given.
    case number(atLeast: Double? = nil, above: Double? = nil, atMost: Double? = nil)
    /// A number from 0 to 1.
    case probability
    /// A probability, or a list of them by attempt (the last holds for later attempts).
    case probabilities
    /// A duration (`20s`, `3min`, `1.5h`, a bare number of seconds), never negative; `positive`:
    /// above 0s.
    case duration(positive: Bool)
    /// A rate (`120/h`, `3.5/min`).
    case rate
    /// A distribution (`DistributionFamily`); `never`: the word `never` is accepted too.
    case distribution(never: Bool)
    /// `true` or `false` (`yes`, `no`).
    case bool
    /// One of these names.
    case names([String])
    /// A queue's capacity: `unlimited` or a whole number of at least 0.
    case capacity
    /// A number of synthetic items within `range`, or the path of a CSV file (relative to the
    /// scenario file).
    case countOrFile(ClosedRange<Int>)
    /// A number within `range` of items with the defaults, or a list of them described.
    case countOrList(ClosedRange<Int>, Section)
    /// A mapping of its own keys.
    case section(Section)
    /// A non-empty list of values of the type.
    case list(KnobType)
    /// A mapping whose `key` names which of `cases` it is (`dialer: patent`, `router: queue`).
    case tagged(key: String, [TaggedCase])

    /// What a value of this type looks like, for messages ("a duration such as '20s', ...").
    public var phrase: String {
        switch self {
        case .text: return "text"
        case .seed: return "a whole number from 0 to \(UInt64.max)"
        case .integer(let range): return Self.wholeNumber(range)
        case .number(let atLeast, let above, let atMost):
            var bounds: [String] = []
            if let atLeast { bounds.append("at least \(KnobDefault.number(atLeast).text)") }
            if let above { bounds.append("above \(KnobDefault.number(above).text)") }
            if let atMost { bounds.append("at most \(KnobDefault.number(atMost).text)") }
            guard let first = bounds.first else { return "a number" }
            return (first.hasPrefix("at ") ? "a number of " : "a number ") + bounds.joined(separator: " and ")
        case .probability: return "a probability between 0 and 1"
        case .probabilities: return "a probability or a list of them by attempt"
        case .duration(let positive):
            return positive
                ? "a duration above 0s such as '20s', '3min' or '1.5h'"
                : "a duration such as '20s', '3min' or '1.5h'"
        case .rate: return "a rate such as '3.5/min', '120/h' or '0.5/s'"
        case .distribution(let never):
            return (never ? "'never' or " : "") + "a distribution such as '20s' or {exponential: 3min}"
        case .bool: return "true or false"
        case .names(let names): return "one of " + names.joined(separator: ", ")
        case .capacity: return "'unlimited' or a whole number of at least 0"
        case .countOrFile(let range): return "\(Self.wholeNumber(range)) or the path of a CSV file"
        case .countOrList(let range, _): return "\(Self.wholeNumber(range)) or a list of mappings"
        case .section(let section):
            return "a mapping with fields such as " + section.names.joined(separator: ", ")
        case .list(let item): return "a list of " + item.phrase
        case .tagged(let key, let cases):
            return "a mapping with \(key): " + cases.map(\.name).joined(separator: ", ")
        }
    }

    /// "a whole number from A to B", or "of at least A" without an upper bound.
    static func wholeNumber(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max
            ? "a whole number of at least \(range.lowerBound)"
            : "a whole number from \(range.lowerBound) to \(range.upperBound)"
    }
}

/// One case of a tagged mapping: the name its key takes, and the keys it then knows.
public struct TaggedCase: Sendable {
    /// The value of the tag key (`patent`).
    public var name: String
    /// One line: what this case is.
    public var doc: String
    /// The keys of a mapping of this case, the tag key among them.
    public var section: Section

    /// A case of a tagged mapping.
    public init(_ name: String, _ doc: String, _ section: Section) {
        self.name = name
        self.doc = doc
        self.section = section
    }
}

/// The keys of one mapping of a file, in the order the format lists them.
public struct Section: Sendable {
    /// The knobs, in the order they are documented and reported.
    public var knobs: [Knob]
    /// Groups of keys of which exactly one must be given (`arrival_rate`, `arrival_rates`).
    public var exactlyOne: [[String]]

    /// A section of these knobs.
    public init(_ knobs: [Knob], exactlyOne: [[String]] = []) {
        var seen = Set<String>()
        for knob in knobs {
            precondition(seen.insert(knob.name).inserted, "knob \(knob.name) declared twice")
        }
        self.knobs = knobs
        self.exactlyOne = exactlyOne
    }

    /// The known keys, in order.
    public var names: [String] { knobs.map(\.name) }

    /// The knob named `name`, or nil.
    public func knob(_ name: String) -> Knob? { knobs.first { $0.name == name } }

    /// This section with `other`'s knobs after its own.
    public func adding(_ other: [Knob]) -> Section { Section(knobs + other, exactlyOne: exactlyOne) }

    /// This section without the knobs named `names`.
    public func removing(_ names: Set<String>) -> Section {
        Section(knobs.filter { !names.contains($0.name) }, exactlyOne: exactlyOne)
    }

    /// The knob `name` of a nested section: its section, or nil when it is not one.
    public func section(_ name: String) -> Section? {
        if case .section(let section)? = knob(name)?.type { return section }
        return nil
    }
}

/// A knob's default, as a planner would write it.
public enum KnobDefault: Sendable, Equatable {
    /// A plain number.
    case number(Double)
    /// A whole number.
    case integer(Int)
    /// A duration in seconds, written with a unit (`15min`).
    case duration(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// A word or text (`unlimited`, `longest-idle-fifo`).
    case text(String)
    /// A distribution, written as in a file (`{exponential: 3min}`).
    case distribution(Distribution)

    /// The default as written in a file.
    public var text: String {
        switch self {
        case .number(let x):
            return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .integer(let n): return String(n)
        case .duration(let s): return Units.format(seconds: s)
        case .bool(let b): return b ? "true" : "false"
        case .text(let t): return t
        case .distribution(let d): return d.fileText
        }
    }
}

extension Distribution {
    /// The distribution as written in a scenario file (`20s`, `{exponential: 3min}`,
    /// `{gamma: {mean: 3min, sd: 1min}}`).
    public var fileText: String {
        func d(_ s: Double) -> String { Units.format(seconds: s) }
        switch self {
        case .deterministic(let v): return d(v)
        case .exponential(let mean): return "{exponential: \(d(mean))}"
        case .erlang(let k, let mean): return "{erlang: {k: \(k), mean: \(d(mean))}}"
        case .gamma(let mean, let sd): return "{gamma: {mean: \(d(mean)), sd: \(d(sd))}}"
        case .lognormal(let mean, let sd): return "{lognormal: {mean: \(d(mean)), sd: \(d(sd))}}"
        case .weibull(let shape, let mean):
            return "{weibull: {shape: \(KnobDefault.number(shape).text), mean: \(d(mean))}}"
        case .uniform(let lo, let hi): return "{uniform: {min: \(d(lo)), max: \(d(hi))}}"
        case .empirical(let values, let weights, let interpolate):
            var text = "{empirical: {values: [" + values.map(d).joined(separator: ", ") + "]"
            if let weights {
                text +=
                    ", weights: [" + weights.map { KnobDefault.number($0).text }.joined(separator: ", ") + "]"
            }
            if interpolate { text += ", interpolate: true" }
            return text + "}}"
        }
    }
}
