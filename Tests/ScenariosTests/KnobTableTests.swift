import CallCenter
import Foundation
import Scenarios
import Testing

/// The readers take their keys, parsers and bounds from the knob tables: these tests walk the
/// tables and check that the readers do what each row says.
@Suite("Knob tables")
struct KnobTableTests {
    /// A campaign whose one variant is `ITEM`.
    static let campaign = """
        name: c
        horizon: 2h
        agents: 5
        campaign:
          contacts: 500
          answer: [{live: 0.3}]
        variants:
          - ITEM
        """

    /// A routing study whose one variant is `ITEM`.
    static let routing = """
        name: r
        horizon: 2h
        routing:
          teams: 2
          team_size: 3
          customers: 100
          arrival_rate: 60/h
        variants:
          - ITEM
        """

    /// The error reading `yaml` gives, or nil when it reads.
    func failure(_ yaml: String) -> ScenarioError? {
        do {
            _ = try ScenarioFile.parse(yaml: yaml, file: "t.yaml")
            return nil
        } catch {
            return error
        }
    }

    /// The variants of both file kinds: the template, the tag key and the cases.
    static var variantKinds: [(template: String, key: String, cases: [TaggedCase])] {
        guard case .list(.tagged(_, let routers)) = KnobTables.routing.knob("variants")?.type else {
            return []
        }
        return [(campaign, "dialer", KnobTables.dialers), (routing, "router", routers)]
    }

    /// The 1-based column of `value` after `key: ` on the variant's line.
    func column(of key: String, in item: String) -> Int {
        let prefix = "  - "
        let range = item.range(of: "\(key): ")!
        return prefix.count + item.distance(from: item.startIndex, to: range.upperBound) + 1
    }

    @Test(
        "every whole-number knob of every dialer and router refuses a value past its bound, at its own line, column and path"
    )
    func integerBounds() throws {
        var checked = 0
        for kind in Self.variantKinds {
            for c in kind.cases {
                for knob in c.section.knobs {
                    guard case .integer(let range) = knob.type, range.upperBound < Int.max else { continue }
                    // The blending knobs need a blended campaign; their bounds are the agents'.
                    guard !["inbound_reserve", "max_outbound_agents"].contains(knob.name) else { continue }
                    let item = "{name: v, \(kind.key): \(c.name), \(knob.name): \(range.upperBound + 1)}"
                    let e = try #require(
                        failure(kind.template.replacingOccurrences(of: "ITEM", with: item)), "\(knob.name)")
                    #expect(e.field == "variants[0].\(knob.name)", "\(c.name).\(knob.name)")
                    #expect(e.line == (kind.key == "dialer" ? 8 : 9), "\(c.name).\(knob.name)")
                    #expect(e.column == column(of: knob.name, in: item), "\(c.name).\(knob.name)")
                    // default_business_type's bound is the study's business types (3 by default).
                    let upper = knob.name == "default_business_type" ? 3 : range.upperBound
                    #expect(
                        e.message
                            == "expected a whole number from \(range.lowerBound) to \(upper), got '\(range.upperBound + 1)'",
                        "\(c.name).\(knob.name)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 15, "the tables hold the dialers' and routers' whole-number knobs")
    }

    @Test("every bounded number knob of every dialer refuses a value past its bound, naming the bound")
    func numberBounds() throws {
        var checked = 0
        for c in KnobTables.dialers {
            for knob in c.section.knobs {
                guard case .number(let atLeast, let above, let atMost) = knob.type else { continue }
                for bad in [atLeast.map { $0 - 0.5 }, above, atMost.map { $0 + 0.5 }].compactMap({ $0 }) {
                    let item = "{name: v, dialer: \(c.name), \(knob.name): \(bad)}"
                    let e = try #require(
                        failure(Self.campaign.replacingOccurrences(of: "ITEM", with: item)), "\(knob.name)")
                    #expect(e.field == "variants[0].\(knob.name)")
                    #expect(e.message == "expected \(knob.type.phrase), got \(bad)", "\(c.name).\(knob.name)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 7)
    }

    @Test("an unknown key is refused with the table's keys of that case, in the table's order")
    func unknownKeys() throws {
        for kind in Self.variantKinds {
            for c in kind.cases {
                let item = "{name: v, \(kind.key): \(c.name), colour: red}"
                let e = try #require(failure(kind.template.replacingOccurrences(of: "ITEM", with: item)))
                #expect(e.field == "variants[0].colour")
                #expect(
                    e.message == "unknown field 'colour'; known fields: "
                        + c.section.names.joined(separator: ", "))
            }
        }
        let top = try #require(failure("name: x\nhorizon: 1h\ncolour: red\n"))
        #expect(
            top.message == "unknown field 'colour'; known fields: "
                + KnobTables.scenario.names.joined(separator: ", "))
    }

    @Test("a missing required key is named with the knob's doc and the form its value takes")
    func missingRequired() throws {
        let e = try #require(failure("name: x\nagents: 3\ntraffic: {arrival_rate: 1/min, talk_time: 3min}\n"))
        let horizon = try #require(KnobTables.scenario.knob("horizon"))
        #expect(e.field == "horizon" && e.line == 1 && e.column == 1)
        #expect(
            e.message
                == "missing required field 'horizon' in the scenario (how long callers arrive); expected a duration above 0s such as '20s', '3min' or '1.5h'"
        )
        #expect(e.message.contains(horizon.doc))
    }

    @Test("every distribution default of the tables, written as a file writes it, reads back as itself")
    func distributionDefaults() throws {
        var defaults: [Distribution] = []
        func collect(_ section: Section) {
            for knob in section.knobs {
                if case .distribution(let d)? = knob.defaultValue { defaults.append(d) }
                switch knob.type {
                case .section(let inner), .list(.section(let inner)), .countOrList(_, let inner):
                    collect(inner)
                case .tagged(_, let cases), .list(.tagged(_, let cases)):
                    cases.forEach { collect($0.section) }
                default: break
                }
            }
        }
        KnobTables.kinds.forEach { collect($0.section) }
        #expect(defaults.count >= 15)
        for d in defaults + [
            .erlang(k: 3, mean: 90), .weibull(shape: 1.5, mean: 60),
            .empirical(values: [60, 90], weights: [1, 3], interpolate: false),
        ] {
            let yaml =
                "name: x\nhorizon: 1h\nagents: 3\ntraffic: {arrival_rate: 1/min, talk_time: \(d.fileText)}\n"
            guard case .inbound(let scenario) = try ScenarioFile.parse(yaml: yaml, file: "d.yaml") else {
                Issue.record("not an inbound scenario")
                continue
            }
            #expect(scenario.traffic.talkTime == d, "\(d.fileText)")
        }
    }

    @Test("the defaults the tables state are the ones a file without the key gets")
    func statedDefaults() throws {
        let yaml = Self.campaign.replacingOccurrences(of: "ITEM", with: "{name: v, dialer: patent}")
        guard case .outbound(let scenario) = try ScenarioFile.parse(yaml: yaml, file: "c.yaml"),
            case .patent(let patent) = scenario.variants[0].policy
        else {
            Issue.record("not a patent campaign")
            return
        }
        let world = try #require(KnobTables.campaign.section("campaign"))
        #expect(
            world.knob("ring_timeout")?.defaultValue?.text
                == Units.format(seconds: scenario.world.ringTimeout))
        #expect(world.knob("talk_time")?.defaultValue == .distribution(scenario.world.talkTime))
        #expect(world.knob("max_hold")?.defaultValue == .duration(scenario.world.maxHold))
        let knobs = try #require(KnobTables.dialers.first { $0.name == "patent" }).section
        #expect(knobs.knob("abandon_threshold")?.defaultValue == .number(patent.abandonThreshold))
        #expect(knobs.knob("pause_timeout")?.defaultValue == .duration(patent.pauseTimeout))
        #expect(knobs.knob("max_attempts")?.defaultValue == .integer(patent.rules.maxAttempts))
        #expect(scenario.seed == 1 && KnobTables.campaign.knob("seed")?.defaultValue == .integer(1))
    }
}

@Suite("Knob tables: lists")
struct KnobTableListTests {
    @Test(
        "a list knob is never empty, in the reader as in the schema: an empty shifts list is refused where it is written"
    )
    func emptyShifts() throws {
        let yaml = """
            name: c
            horizon: 2h
            agents: 5
            campaign:
              contacts: 500
              answer: [{live: 0.3}]
              shifts: []
            variants: [{name: v, dialer: progressive}]
            """
        let error = #expect(throws: ScenarioError.self) { try ScenarioFile.parse(yaml: yaml, file: "s.yaml") }
        let e = try #require(error)
        #expect(e.field == "campaign.shifts" && e.line == 7 && e.column == 11)
        #expect(e.message.hasPrefix("expected at least one shift, got an empty list"))
    }
}
