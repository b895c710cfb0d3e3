import CallCenter
import Foundation
import RoutingPolicies
import SimKernel
import Simulation
import Testing

/// Routing study files (issue 4): the `routing` world and its `variants`, their mistakes, and
/// the files a run writes.
@Suite("Routing files")
struct RoutingFileTests {
    static let valid = """
        name: b
        seed: 5
        replications: 3
        horizon: 2h
        interval: 30min
        routing:
          teams: 2
          team_size: 3
          customers: 100
          business_types: 3
          business_types_per_agent: 2
          arrival_rate: 60/h
          callers: {known_number: 0.6, known_customer_other_number: 0.2, valid_id: 0.75}
          ivr: {id_entry: 8s, menu_choice: 3s, valid_menu_key: 0.8, patience: never}
          queue_patience: {exponential: 90s}
          talk_time: {exponential: 3min}
          wrap_up: 20s
          service_target: 15s
          callbacks: {agents_dial: false, answer: 0.5, talk: 2min, failed_attempt: 20s, retry: 5min}
        variants:
          - {name: c, router: cascade, id_attempts: 1, callback_deadline: 10min, default_business_type: 2, seed: 9}
          - {name: q, router: queue, strategy: round-robin, queue_capacity: 4}
          - {name: s, router: sticky, sticky_wait: 20s}
        """

    func study(_ yaml: String = valid) throws -> RoutingStudy {
        guard case .routing(let s) = try ScenarioFile.parse(yaml: yaml, file: "r.yaml") else {
            Issue.record("not read as a routing study")
            throw CancellationError()
        }
        return s
    }

    /// The error `yaml` gives, if any.
    func failure(_ yaml: String) -> ScenarioError? {
        do {
            _ = try ScenarioFile.parse(yaml: yaml, file: "r.yaml")
            return nil
        } catch {
            return error
        }
    }

    func replacing(_ old: String, _ new: String) -> String {
        precondition(Self.valid.contains(old), "the valid file has no '\(old)'")
        return Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test("a valid file reads into the expected RoutingScenario and variants")
    func valid() throws {
        let s = try study()
        #expect(s.name == "b")
        var world = RoutingScenario(
            horizon: 7200, interval: 1800, seed: 5, replications: 3, teams: 2, teamSize: 3, customers: 100,
            businessTypes: 3, businessTypesPerAgent: 2, arrivalRate: 60.0 / 3600,
            callers: .init(
                knownNumberShare: 0.6, knownCustomerOtherNumberShare: 0.2, validIDProbability: 0.75),
            ivr: .init(
                idEntry: .deterministic(8), menuChoice: .deterministic(3), validMenuKeyProbability: 0.8,
                patience: nil),
            queuePatience: .exponential(mean: 90), talk: .exponential(mean: 180), wrapUp: .deterministic(20),
            serviceTarget: 15,
            callbacks: .init(
                agentsDial: false, answerProbability: 0.5, talk: .deterministic(120),
                failedAttempt: .deterministic(20), retry: 300))
        world.router = s.world.router  // the world's own router is not used
        #expect(s.world == world)
        #expect(s.variants.map(\.name) == ["c", "q", "s"])
        #expect(s.variants.map(\.kind) == ["cascade", "queue", "sticky"])
        let cascade = CascadeRouter.Configuration(
            idAttempts: 1, defaultBusinessType: BusinessTypeID(1), callbackDeadline: 600)
        #expect(s.variants[0].router == .cascade(cascade, seed: 9))
        // No seed of its own: 0, so its draws derive from the study's seed (and `--seed`) alone.
        #expect(s.variants[1].router == .queue(.init(strategy: .roundRobin, queueCapacity: 4), seed: 0))
        #expect(s.variants[2].router == .sticky(.init(stickyWait: 20)))
        #expect(s.scenario(variant: 1).router == s.variants[1].router)
    }

    @Test("warm-up, an arrival profile, busyness and business types as a list read into the world")
    func profileAndTypes() throws {
        let yaml = replacing(
            "  business_types: 3\n", "")
            .replacingOccurrences(of: "interval: 30min\n", with: "interval: 30min\nwarmup: 15min\n")
            .replacingOccurrences(
                of: "  arrival_rate: 60/h\n",
                with: """
                      arrival_rates: [{from: 0h, rate: 30/h}, {from: 1h, rate: 90/h}]
                      busyness: {gamma: {mean: 1, sd: 0.2}}
                      business_types:
                        - {name: loans, share: 3, talk_time: 6min}
                        - {name: cards, share: 1, wrap_up: 1min}

                    """)
        let s = try study(yaml)
        #expect(s.world.warmup == 900)
        let segments: [ArrivalProfile.Segment] = [.init(start: 0, rate: 30.0 / 3600), .init(start: 3600, rate: 90.0 / 3600)]
        #expect(s.world.arrivals.segments == segments)
        #expect(abs(s.world.meanArrivalRate - 60.0 / 3600) < 1e-12)
        #expect(s.world.busyness == .gamma(mean: 1, sd: 0.2))
        #expect(s.world.businessTypes == 2)
        let types: [RoutingScenario.BusinessTypeProfile] = [
            .init(name: "loans", share: 0.75, talk: .deterministic(360)),
            .init(name: "cards", share: 0.25, wrapUp: .deterministic(60)),
        ]
        #expect(s.world.businessTypeProfiles == types)
        #expect(s.world.directory().businessTypes.map(\.name) == ["loans", "cards"])
    }

    @Test("a warm-up as long as the horizon, both arrival forms, and all-zero shares are refused where written")
    func profileMistakes() throws {
        let longWarmup = try #require(
            failure(replacing("interval: 30min\n", "interval: 30min\nwarmup: 2h\n")))
        #expect(longWarmup.field == "warmup")
        #expect(longWarmup.message.contains("shorter than the horizon"))
        let both = try #require(
            failure(replacing("  arrival_rate: 60/h\n", "  arrival_rate: 60/h\n  arrival_rates: [{from: 0h, rate: 1/h}]\n")))
        #expect(both.field == "routing.arrival_rates")
        #expect(both.message.contains("not both"))
        let zero = try #require(
            failure(
                replacing(
                    "  business_types: 3\n",
                    "  business_types: [{name: a, share: 0}, {name: b, share: 0}]\n")))
        #expect(zero.field == "routing.business_types")
        #expect(zero.message.contains("share above 0"))
        let dup = try #require(
            failure(
                replacing(
                    "  business_types: 3\n",
                    "  business_types: [{name: a, share: 1}, {name: a, share: 1}]\n")))
        #expect(dup.field == "routing.business_types[1].name")
    }

    @Test("an unknown field names its line and field and suggests the known one")
    func unknownField() throws {
        let e = try #require(failure(replacing("  wrap_up: 20s", "  wrapup: 20s")))
        #expect(e.line == 17)
        #expect(e.field == "routing.wrapup")
        #expect(e.message.contains("did you mean 'wrap_up'"))
        #expect(e.file == "r.yaml")
    }

    @Test("an unknown router names its line, field and the routers it knows, with a suggestion")
    func unknownRouter() throws {
        let e = try #require(failure(replacing("router: cascade", "router: cascad")))
        #expect(e.line == 21)
        #expect(e.field == "variants[0].router")
        #expect(e.message.contains("did you mean 'cascade'"))
        #expect(e.message.contains("cascade, queue, sticky"))
    }

    @Test("an unknown strategy names its line and field and lists mod_callcenter's strategies")
    func unknownStrategy() throws {
        let e = try #require(failure(replacing("strategy: round-robin", "strategy: round-robn")))
        #expect(e.line == 22)
        #expect(e.field == "variants[1].strategy")
        #expect(e.message.contains("did you mean 'round-robin'"))
        #expect(e.message.contains("longest-idle-agent"))
    }

    @Test("a probability above 1 is refused where it is written")
    func probabilityAboveOne() throws {
        let e = try #require(failure(replacing("valid_id: 0.75", "valid_id: 1.5")))
        #expect(e.line == 13)
        #expect(e.field == "routing.callers.valid_id")
        #expect(e.message.contains("between 0 and 1"))
        let shares = try #require(failure(replacing("known_number: 0.6", "known_number: 0.9")))
        #expect(shares.line == 13)
        #expect(shares.message.contains("at most 1"))
    }

    @Test("shifts read into the world; shifts whose agents do not add up to teams × team_size, or that end before they start, are refused where written")
    func shifts() throws {
        let shifted = replacing("  service_target: 15s\n", "  service_target: 15s\n  shifts: [{from: 0h, to: 1h, agents: 3}, {from: 30min, to: 2h, agents: 3}]\n")
        let world = try study(shifted).world
        #expect(world.shifts == [Shift(start: 0, end: 3600, agents: 3), Shift(start: 1800, end: 7200, agents: 3)])
        let paused = try study(replacing("  service_target: 15s\n", "  service_target: 15s\n  pauses: {after_call: 0.1, duration: 5min}\n")).world
        #expect(paused.pauses.afterCall == 0.1 && paused.pauses.duration == .deterministic(300))
        #expect(world.agentHours.map(\.start) == [0, 0, 0, 1800, 1800, 1800])
        let short = try #require(failure(shifted.replacingOccurrences(of: "agents: 3}]", with: "agents: 2}]")))
        #expect(short.line == 19)
        #expect(short.field == "routing.shifts")
        #expect(short.message.contains("add up to teams × team_size (6), got 5"))
        let backwards = try #require(failure(shifted.replacingOccurrences(of: "{from: 0h, to: 1h", with: "{from: 1h, to: 0h")))
        #expect(backwards.field == "routing.shifts[0].to")
        #expect(backwards.message.contains("an end after the start"))
    }

    @Test("a missing world field is reported at the routing section")
    func missingWorldField() throws {
        let e = try #require(failure(replacing("  teams: 2\n", "")))
        #expect(e.line == 6)
        #expect(e.field == "routing.teams")
        #expect(e.message.contains("missing required field 'teams'"))
    }

    @Test("two variants with one name are refused at the second")
    func duplicateVariantName() throws {
        let e = try #require(failure(replacing("{name: s, router: sticky", "{name: q, router: sticky")))
        #expect(e.line == 23)
        #expect(e.field == "variants[2].name")
        #expect(e.message.contains("'q' again"))
    }

    @Test("a knob of another router is an unknown field of this one")
    func knobOfAnotherRouter() throws {
        let e = try #require(failure(replacing("sticky_wait: 20s", "strategy: random")))
        #expect(e.line == 23)
        #expect(e.field == "variants[2].strategy")
    }

    @Test("a run writes summary.json with every variant, metric and paired difference, and the CSVs")
    func endToEnd() throws {
        let result = try RoutingStudyRunner.run(try study(), threads: 2)
        let json = RoutingReports.summaryJSON(result)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(root["kind"] as? String == "routing")
        let variants = try #require(root["variants"] as? [String: Any])
        #expect(Set(variants.keys) == ["c", "q", "s"])
        let expected = [
            "share_connected_known_agent", "known_callers_connected_known_agent", "share_known_agent",
            "share_first_agent", "share_backup", "share_team", "share_leader", "share_random",
            "share_callback",
            "share_queue", "service_level", "asa_seconds", "abandon_rate_queue", "abandon_rate_ivr",
            "callbacks_created", "callbacks_done", "callbacks_done_in_time", "callbacks_reminded",
            "callbacks_reassigned", "callbacks_expired", "mean_callback_delay_seconds", "bindings",
            "utilisation_inbound", "utilisation_callbacks", "utilisation_idle",
        ]
        for name in ["c", "q", "s"] {
            let v = try #require(variants[name] as? [String: Any])
            let metrics = try #require(v["metrics"] as? [String: Any])
            for metric in expected {
                let m = try #require(metrics[metric] as? [String: Any], "\(name) has no \(metric)")
                #expect(m["mean"] != nil && m["half_width"] != nil)
            }
            #expect((v["difference_from_c"] != nil) == (name != "c"))
        }
        let c = try #require((variants["c"] as? [String: Any])?["metrics"] as? [String: Any])
        let offered = try #require((c["offered"] as? [String: Any])?["mean"] as? Double)
        #expect(offered > 50)
        // Every variant met the same callers.
        for v in 1..<3 {
            #expect(result.runs[v].map { $0.total(.offered) } == result.runs[0].map { $0.total(.offered) })
        }
        let replications = RoutingReports.replicationsCSV(result).split(separator: "\n")
        #expect(replications.first?.hasPrefix("variant,replication,offered,") == true)
        #expect(replications.count == 1 + 3 * 3)
        let intervals = RoutingReports.intervalsCSV(result).split(separator: "\n")
        #expect(intervals.count == 1 + 3 * 4)
        #expect(HTMLReport.routing(result).contains("<svg"))
        #expect(RoutingReports.summaryJSON(result) == json, "the same result writes the same bytes")
    }
}
