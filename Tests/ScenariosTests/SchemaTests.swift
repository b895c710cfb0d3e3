import Foundation
import Scenarios
import Testing
import Yams

/// The package's root, from this file's path.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Runs the built `simcc` with `arguments`; its exit status and standard output.
private func simcc(_ arguments: [String]) throws -> (status: Int32, out: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("simcc")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = Pipe()
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

// MARK: - A validator for the part of JSON Schema the generator emits

/// Checks a YAML document (as Yams loads it) against a JSON Schema (as JSONSerialization reads
/// it), for the keywords `Schema` emits: type, properties, required, additionalProperties false,
/// enum, minimum, exclusiveMinimum, maximum, pattern, items, minItems, oneOf, anyOf, allOf and
/// local `$ref`. Any other keyword but the annotations fails the check, so a schema cannot grow
/// a keyword this validator ignores.
struct TinyValidator {
    let document: [String: Any]

    static let annotations: Set<String> = ["description", "default", "title", "$schema", "$defs"]
    static let keywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "minimum", "exclusiveMinimum",
        "maximum",
        "pattern", "items", "minItems", "oneOf", "anyOf", "allOf", "$ref",
    ]

    /// The mistakes of `value` at `path`; empty when it validates.
    func errors(_ value: Any, _ schema: [String: Any], _ path: String) -> [String] {
        var errors: [String] = []
        for key in schema.keys where !Self.keywords.contains(key) && !Self.annotations.contains(key) {
            errors.append("\(path): the schema uses \(key), which this validator does not know")
        }
        if let ref = schema["$ref"] as? String {
            let name = String(ref.dropFirst("#/$defs/".count))
            guard let defs = document["$defs"] as? [String: Any], let target = defs[name] as? [String: Any]
            else {
                return ["\(path): unresolved \(ref)"]
            }
            errors += self.errors(value, target, path)
        }
        if let types = schema["type"] {
            let names = (types as? [String]) ?? [(types as? String) ?? "?"]
            guard names.contains(where: { Self.has(value, type: $0) }) else {
                return errors + ["\(path): expected \(names.joined(separator: " or ")), got \(value)"]
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            errors.append("\(path): \(value) is not one of \(options)")
        }
        if let x = Self.number(value) {
            if let min = Self.bound(schema["minimum"]), x < min {
                errors.append("\(path): \(x) is below \(min)")
            }
            if let min = Self.bound(schema["exclusiveMinimum"]), x <= min {
                errors.append("\(path): \(x) is not above \(min)")
            }
            if let max = Self.bound(schema["maximum"]), x > max {
                errors.append("\(path): \(x) is above \(max)")
            }
        }
        if let pattern = schema["pattern"] as? String, (try? NSRegularExpression(pattern: pattern)) == nil {
            errors.append("\(path): the pattern \(pattern) does not compile")
        }
        if let s = value as? String, let pattern = schema["pattern"] as? String {
            if let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil
            {
                errors.append("\(path): '\(s)' does not match \(pattern)")
            }
        }
        if let object = Self.object(value) {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                errors.append("\(path): missing \(key)")
            }
            for (key, member) in object {
                if let sub = properties[key] as? [String: Any] {
                    errors += self.errors(member, sub, path + "." + key)
                } else if (schema["additionalProperties"] as? Bool) == false {
                    errors.append("\(path): unknown key \(key)")
                }
            }
        }
        if let array = value as? [Any] {
            if let min = Self.bound(schema["minItems"]), Double(array.count) < min {
                errors.append("\(path): too few items")
            }
            if let items = schema["items"] as? [String: Any] {
                for (i, item) in array.enumerated() { errors += self.errors(item, items, "\(path)[\(i)]") }
            }
        }
        for sub in schema["allOf"] as? [[String: Any]] ?? [] { errors += self.errors(value, sub, path) }
        if let options = schema["anyOf"] as? [[String: Any]] {
            let results = options.map { self.errors(value, $0, path) }
            if !results.contains(where: \.isEmpty) {
                errors.append(
                    "\(path): matches none of anyOf (\(results.map { $0.first ?? "" }.joined(separator: "; ")))"
                )
            }
        }
        if let options = schema["oneOf"] as? [[String: Any]] {
            let matching = options.filter { self.errors(value, $0, path).isEmpty }.count
            if matching != 1 { errors.append("\(path): matches \(matching) of oneOf, not exactly 1") }
        }
        return errors
    }

    static func object(_ value: Any) -> [String: Any]? {
        if let o = value as? [String: Any] { return o }
        if let o = value as? [AnyHashable: Any] {
            return Dictionary(uniqueKeysWithValues: o.map { ("\($0.key)", $0.value) })
        }
        return nil
    }

    /// A number of the document (Yams gives Swift's Int, Double and Bool; a Bool is no number).
    static func number(_ value: Any?) -> Double? {
        guard let value, !isBool(value) else { return nil }
        if let n = value as? Int, type(of: value) == Int.self { return Double(n) }
        if let x = value as? Double, type(of: value) == Double.self { return x }
        return nil
    }

    /// A number of the schema (JSONSerialization gives NSNumber, Int, Double or UInt64).
    static func bound(_ value: Any?) -> Double? {
        guard let value else { return nil }
        if let n = value as? Int { return Double(n) }
        if let x = value as? Double { return x }
        if let n = value as? UInt64 { return Double(n) }
        if let n = value as? NSNumber { return n.doubleValue }
        return nil
    }

    static func isBool(_ value: Any) -> Bool { type(of: value) == Bool.self }

    static func has(_ value: Any, type: String) -> Bool {
        switch type {
        case "boolean": return isBool(value)
        case "integer": return number(value).map { $0 == $0.rounded() } ?? false
        case "number": return number(value) != nil
        case "string": return value is String
        case "null": return value is NSNull
        case "array": return value is [Any]
        case "object": return object(value) != nil
        default: return false
        }
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String, let b = b as? String { return a == b }
        if let a = bound(a), let b = number(b) { return a == b }
        return false
    }
}

// MARK: - The tests

@Suite("Schemas")
struct SchemaTests {
    /// The schema of `kind`, parsed.
    func schema(_ kind: String) throws -> [String: Any] {
        let text = try #require(Schema.text(of: kind))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The kind of a scenario file, as `ScenarioFile.parse` tells them apart.
    func kind(of document: [String: Any]) -> String {
        document["campaign"] != nil ? "campaign" : document["routing"] != nil ? "routing" : "scenario"
    }

    /// The mistakes `yaml` has against its kind's schema.
    func errors(_ yaml: String) throws -> [String] {
        let value = try #require(try Yams.load(yaml: yaml))
        let document = try #require(TinyValidator.object(value))
        let schema = try schema(kind(of: document))
        return TinyValidator(document: schema).errors(value, schema, "")
    }

    @Test(
        "docs/schema/KIND.json is what `simcc schema KIND` prints, byte for byte",
        arguments: ["scenario", "campaign", "routing"])
    func committedSchemas(kind: String) throws {
        let run = try simcc(["schema", kind])
        #expect(run.status == 0)
        let committed = try Data(contentsOf: root.appendingPathComponent("docs/schema/\(kind).json"))
        #expect(
            run.out == committed,
            "docs/schema/\(kind).json is stale: run `swift run simcc schema \(kind) > docs/schema/\(kind).json`"
        )
        #expect(String(decoding: run.out, as: UTF8.self) == Schema.text(of: kind))
    }

    @Test("the output is byte-stable and valid JSON with sorted keys")
    func stable() throws {
        for kind in Schema.kinds {
            #expect(Schema.text(of: kind) == Schema.text(of: kind))
            _ = try schema(kind)
        }
        #expect(Schema.text(of: "live") == nil)
        let bad = try simcc(["schema", "live"])
        #expect(bad.status != 0)
    }

    @Test("every shipped scenario file (but scenarios/live/) validates against its kind's schema")
    func shippedFilesValidate() throws {
        let folder = root.appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        #expect(files.count >= 8)
        var kinds = Set<String>()
        for file in files {
            let yaml = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let value = try #require(try Yams.load(yaml: yaml))
            kinds.insert(kind(of: try #require(TinyValidator.object(value))))
            #expect(try errors(yaml) == [], "scenarios/\(file)")
            // And simcc reads it: the schema is not stricter than the reader on shipped files.
            _ = try ScenarioFile.load(contentsOf: folder.appendingPathComponent(file).path)
        }
        #expect(kinds == ["scenario", "campaign", "routing"])
    }

    @Test(
        "the schemas refuse what the readers refuse: an unknown key, a bound, a unit, a family, a missing key"
    )
    func schemasRefuse() throws {
        let valid = """
            name: x
            horizon: 8h
            agents: 10
            traffic: {arrival_rate: 120/h, talk_time: {exponential: 3min}, patience: never}
            policy: {queue_capacity: unlimited}
            """
        #expect(try errors(valid) == [])
        let cases: [(String, String, String)] = [
            ("agents: 10", "agents: 10\ncolour: red", "unknown key colour"),
            ("agents: 10", "agents: 0", "below"),
            ("horizon: 8h", "horizon: 8 fortnights", "does not match"),
            ("{exponential: 3min}", "{exponentail: 3min}", "oneOf"),
            ("arrival_rate: 120/h, ", "", "oneOf"),
            ("agents: 10\n", "", "missing agents"),
            ("queue_capacity: unlimited", "queue_capacity: lots", "anyOf"),
        ]
        for (old, new, expected) in cases {
            let yaml = valid.replacingOccurrences(of: old, with: new)
            let found = try errors(yaml)
            #expect(found.contains { $0.contains(expected) }, "\(new): \(found)")
        }
        let campaign = """
            name: c
            horizon: 2h
            agents: 5
            campaign: {contacts: 500, answer: [{live: 0.3}]}
            variants: [{name: v, dialer: patent, abandon_threshold: 0.03}]
            """
        #expect(try errors(campaign) == [])
        #expect(
            try !errors(
                campaign.replacingOccurrences(of: "abandon_threshold: 0.03", with: "lines_per_agent: 2")
            ).isEmpty)
        #expect(try !errors(campaign.replacingOccurrences(of: "name: v, ", with: "")).isEmpty)
    }

    @Test("the duration and rate patterns accept what Units reads and refuse what it refuses")
    func unitPatterns() throws {
        let defs = try #require(try schema("scenario")["$defs"] as? [String: Any])
        let duration = try #require((defs["duration"] as? [String: Any])?["pattern"] as? String)
        let rate = try #require((defs["rate"] as? [String: Any])?["pattern"] as? String)
        func matches(_ pattern: String, _ text: String) -> Bool {
            (try? NSRegularExpression(pattern: pattern))?.firstMatch(
                in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        for text in ["20s", "3min", "1.5h", "45", "3 MIN", "250ms", "2days", ".5h", "1e3s", "0s"] {
            #expect((try? Units.duration(text)) != nil, "\(text)")
            #expect(matches(duration, text), "\(text)")
        }
        for text in ["abc", "3 fortnights", "-3s", "3min20s", "h"] {
            #expect((try? Units.duration(text)) == nil, "\(text)")
            #expect(!matches(duration, text), "\(text)")
        }
        for text in ["120/h", "3.5/min", "0.5/s", "2 per min", "30/15min"] {
            #expect((try? Units.rate(text)) != nil, "\(text)")
            #expect(matches(rate, text), "\(text)")
        }
        for text in ["120", "120/fortnight", "-1/h", "/h"] {
            #expect((try? Units.rate(text)) == nil, "\(text)")
            #expect(!matches(rate, text), "\(text)")
        }
    }
}
