import CallCenter
import Foundation
import Yams

// MARK: - A mapping read against its section of the knob tables

extension ScenarioReader {
    /// The fields of a mapping, checked against the keys of its `Section`; each typed accessor
    /// reads a key with the parser and the bounds its `Knob` declares.
    ///
    /// An accessor returns nil when the key is absent and optional, and throws when it is absent
    /// and required (so a required key's value is never nil) or when the value is not what the
    /// knob says. Asking for a key the section does not declare, or with the accessor of another
    /// type, is a programming error (a precondition), which the tests of every shipped file catch.
    struct Fields {
        /// The dotted path of the mapping; "" for the document.
        let path: String
        /// Where to report a missing field: the line of the mapping's key, or of the mapping itself.
        let at: Place?
        let reader: ScenarioReader
        /// The keys this mapping knows.
        let section: Section
        var entries: [String: (key: Node, value: Node)] = [:]

        /// The dotted path of a field of this mapping.
        func path(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

        /// The knob of `key`.
        func knob(_ key: String) -> Knob {
            guard let knob = section.knob(key) else {
                preconditionFailure("'\(key)' is not in the knob table of '\(path)' (\(section.names))")
            }
            return knob
        }

        /// The value of `key`, or nil when absent (even when required).
        func optional(_ key: String) -> Node? {
            _ = knob(key)
            return entries[key]?.value
        }

        /// Where `key` is written, or where the mapping is when it is absent.
        func keyMark(_ key: String) -> Place? { Place(entries[key]?.key.mark) ?? at }

        /// The value of `key`: nil when absent and optional, an error saying it is missing and
        /// what it should be when absent and required.
        func node(_ key: String) throws(ScenarioError) -> Node? {
            let knob = knob(key)
            if let value = entries[key]?.value { return value }
            guard knob.isRequired else { return nil }
            let what = path.isEmpty ? "the scenario" : "'\(path)'"
            throw reader.error(
                at: at, self.path(key),
                "missing required field '\(key)' in \(what) (\(knob.doc)); expected \(knob.type.phrase)")
        }

        /// The value of required `key`, or the error saying it is missing.
        func required(_ key: String) throws(ScenarioError) -> Node {
            precondition(knob(key).isRequired, "'\(key)' is not required in the knob table")
            return try node(key)!
        }

        // MARK: Typed accessors

        /// Text; blank text is refused when the knob says non-empty; YAML's null is no text.
        func text(_ key: String) throws(ScenarioError) -> String? {
            guard case .text(let nonEmpty) = knob(key).type else { preconditionFailure("\(key) is not text") }
            guard let node = try node(key) else { return nil }
            if !nonEmpty && ScenarioReader.isNull(node) { return nil }
            let text = try reader.string(node, path(key))
            if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty {
                throw reader.error(
                    node, path(key),
                    "expected a non-empty \(key.replacingOccurrences(of: "_", with: " ")), got an empty one")
            }
            return text
        }

        /// A seed, 0 to 2^64 - 1.
        func seed(_ key: String) throws(ScenarioError) -> UInt64? {
            guard case .seed = knob(key).type else { preconditionFailure("\(key) is not a seed") }
            guard let node = try node(key) else { return nil }
            return try reader.seed(node, path(key))
        }

        /// A whole number within the knob's range, and at most `atMost` (a bound set by another key).
        func integer(_ key: String, atMost: Int? = nil) throws(ScenarioError) -> Int? {
            guard case .integer(let range) = knob(key).type else {
                preconditionFailure("\(key) is not a whole number")
            }
            guard let node = try node(key) else { return nil }
            let upper = min(range.upperBound, atMost ?? .max)
            return try reader.integer(node, path(key), in: range.lowerBound...max(upper, range.lowerBound))
        }

        /// A plain number within the knob's bounds.
        func number(_ key: String) throws(ScenarioError) -> Double? {
            let type = knob(key).type
            guard case .number = type else { preconditionFailure("\(key) is not a number") }
            guard let node = try node(key) else { return nil }
            return try reader.number(node, path(key), type)
        }

        /// A probability.
        func probability(_ key: String) throws(ScenarioError) -> Double? {
            guard case .probability = knob(key).type else {
                preconditionFailure("\(key) is not a probability")
            }
            guard let node = try node(key) else { return nil }
            return try reader.probability(node, path(key))
        }

        /// A probability or a list of them by attempt.
        func probabilities(_ key: String) throws(ScenarioError) -> [Double]? {
            guard case .probabilities = knob(key).type else {
                preconditionFailure("\(key) is not probabilities")
            }
            guard let node = try node(key) else { return nil }
            return try reader.probabilities(node, path(key))
        }

        /// A duration, above 0s when the knob says positive.
        func duration(_ key: String) throws(ScenarioError) -> Double? {
            guard case .duration(let positive) = knob(key).type else {
                preconditionFailure("\(key) is not a duration")
            }
            guard let node = try node(key) else { return nil }
            return positive
                ? try reader.positiveDuration(node, path(key)) : try reader.duration(node, path(key))
        }

        /// A rate.
        func rate(_ key: String) throws(ScenarioError) -> Double? {
            guard case .rate = knob(key).type else { preconditionFailure("\(key) is not a rate") }
            guard let node = try node(key) else { return nil }
            return try reader.rate(node, path(key))
        }

        /// A distribution (a knob that does not take `never`).
        func distribution(_ key: String) throws(ScenarioError) -> Distribution? {
            guard case .distribution(never: false) = knob(key).type else {
                preconditionFailure("\(key) is not a distribution without never")
            }
            guard let node = try node(key) else { return nil }
            return try reader.distribution(node, path(key))
        }

        /// A distribution or `never` (a knob that takes it): nil when absent, `.some(nil)` for never.
        func distributionOrNever(_ key: String) throws(ScenarioError) -> Distribution?? {
            guard case .distribution(never: true) = knob(key).type else {
                preconditionFailure("\(key) is not a distribution or never")
            }
            guard let node = try node(key) else { return nil }
            if ScenarioReader.isNever(node) { return .some(nil) }
            return .some(try reader.distribution(node, path(key), orNever: true))
        }

        /// True or false.
        func bool(_ key: String) throws(ScenarioError) -> Bool? {
            guard case .bool = knob(key).type else { preconditionFailure("\(key) is not a bool") }
            guard let node = try node(key) else { return nil }
            return try reader.bool(node, path(key))
        }

        /// One of the knob's names.
        func name(_ key: String) throws(ScenarioError) -> String? {
            let knob = knob(key)
            guard case .names(let names) = knob.type else {
                preconditionFailure("\(key) is not one of names")
            }
            guard let node = try node(key) else { return nil }
            let text = try reader.string(node, path(key))
            guard names.contains(text) else {
                let noun = key.replacingOccurrences(of: "_", with: " ")
                throw reader.error(
                    node, path(key),
                    "unknown \(noun) '\(text)'\(ScenarioReader.suggestion(text, names)); known \(ScenarioReader.plural(noun)): \(names.joined(separator: ", ")) (\(knob.doc))"
                )
            }
            return text
        }

        /// A queue capacity: `.some(nil)` for unlimited, nil when absent.
        func capacity(_ key: String) throws(ScenarioError) -> Int?? {
            guard case .capacity = knob(key).type else { preconditionFailure("\(key) is not a capacity") }
            guard let node = try node(key) else { return nil }
            return .some(try reader.capacity(node, path(key)))
        }

        /// The fields of the nested section `key`, read against its table; nil when absent.
        func section(_ key: String) throws(ScenarioError) -> Fields? {
            guard case .section(let section) = knob(key).type else {
                preconditionFailure("\(key) is not a section")
            }
            guard let node = try node(key) else { return nil }
            return try reader.fields(of: node, path: path(key), at: keyMark(key), section: section)
        }

        /// The items of the list `key` with their dotted paths; nil when absent. An empty list is
        /// refused with the message `empty` (a `.list` knob is never empty; the schemas say
        /// `minItems: 1`).
        func list(_ key: String, _ expected: String, empty: String) throws(ScenarioError) -> [(
            node: Node, path: String
        )]? {
            guard case .list = knob(key).type else { preconditionFailure("\(key) is not a list") }
            guard let node = try node(key) else { return nil }
            let items = try reader.list(node, path(key), expected)
            if items.isEmpty { throw reader.error(node, path(key), empty) }
            return items.enumerated().map { (node: $0.element, path: "\(path(key))[\($0.offset)]") }
        }
    }

    /// The fields of a mapping, checked against `section`'s keys.
    func fields(of node: Node, path: String, at: Place?, section: Section) throws(ScenarioError) -> Fields {
        let known = section.names
        guard case .mapping(let mapping) = node else {
            let fieldsList = known.joined(separator: ", ")
            throw error(
                node, path, "expected a mapping with fields such as \(fieldsList), got \(Self.kind(node))")
        }
        var result = Fields(path: path, at: at ?? Place(node.mark), reader: self, section: section)
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw error(key, path, "expected a field name, got \(Self.kind(key))")
            }
            let name = scalar.string
            guard known.contains(name) else {
                throw error(
                    key, result.path(name),
                    "unknown field '\(name)'\(Self.suggestion(name, known)); known fields: \(known.joined(separator: ", "))"
                )
            }
            // Yams rejects duplicate keys before this point; kept as a guard.
            if let earlier = result.entries[name] {
                throw error(
                    key, result.path(name),
                    "duplicate field '\(name)'; it was already given on line \(earlier.key.mark?.line ?? 0), give each field once"
                )
            }
            result.entries[name] = (key, value)
        }
        return result
    }

    /// The mapping of a tagged knob (`dialer: patent` and its knobs): the case its tag names and
    /// the mapping's fields read against that case's section.
    func tagged(_ node: Node, _ path: String, key: String, _ cases: [TaggedCase], noun: String)
        throws(ScenarioError) -> (name: String, fields: Fields)
    {
        let names = cases.map(\.name)
        let known = names.joined(separator: ", ")
        guard case .mapping(let mapping) = node else {
            throw error(node, path, "expected a mapping with \(key) and its knobs, got \(Self.kind(node))")
        }
        guard let tagNode = mapping[Node(key)] else {
            throw error(
                node, path + "." + key,
                "missing required field '\(key)'; known \(Self.plural(noun)): \(known)")
        }
        let name = try string(tagNode, path + "." + key)
        guard let chosen = cases.first(where: { $0.name == name }) else {
            throw error(
                tagNode, path + "." + key,
                "unknown \(noun) '\(name)'\(Self.suggestion(name, names)); known \(Self.plural(noun)): \(known)"
            )
        }
        return (name, try fields(of: node, path: path, at: Place(node.mark), section: chosen.section))
    }

    /// "routers", "strategies", "second agent groups".
    static func plural(_ noun: String) -> String {
        noun.hasSuffix("y") ? noun.dropLast() + "ies" : noun + "s"
    }

    /// A plain number within the bounds of `type` (a `.number`).
    func number(_ node: Node, _ path: String, _ type: KnobType) throws(ScenarioError) -> Double {
        let value = try number(node, path)
        guard case .number(let atLeast, let above, let atMost) = type else { return value }
        if (atLeast.map { value < $0 } ?? false) || (above.map { value <= $0 } ?? false)
            || (atMost.map { value > $0 } ?? false)
        {
            throw error(node, path, "expected \(type.phrase), got \(Self.text(node))")
        }
        return value
    }
}
