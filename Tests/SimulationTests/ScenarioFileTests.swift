import CallCenter
import Foundation
import RoutingPolicies
import SimKernel
import Simulation
import Testing

// MARK: - Helpers

/// The error reading `yaml` gives, recording an issue when it reads without one.
private func failure(
    _ yaml: String, file: String = "test.yaml", sourceLocation: SourceLocation = #_sourceLocation
) -> ScenarioError? {
    do {
        let scenario = try Scenario.parse(yaml: yaml, file: file)
        Issue.record("expected an error, read \(scenario)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.file == file, sourceLocation: sourceLocation)
        return error
    }
}

/// A valid scenario whose traffic block is `traffic` (indented by two spaces, from line 5).
private func withTraffic(_ traffic: String) -> String {
    """
    name: test
    horizon: 8h
    agents: 10
    traffic:
    \(traffic)
    """
}

/// The talk time read from a scenario whose talk_time is `distribution`.
private func talkTime(_ distribution: String) throws -> Distribution {
    try Scenario.parse(
        yaml: withTraffic("  arrival_rate: 1/min\n  talk_time: \(distribution)"), file: "t.yaml"
    ).traffic.talkTime
}

/// The `scenarios/` folder at the root of the package.
private let scenariosFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("scenarios")

@Suite struct ScenarioFileTests {
    // MARK: - Valid files

    @Test func fullFileGivesTheExpectedScenario() throws {
        let yaml = """
            name: M/M/100+M standard day
            description: free text
            seed: 42
            replications: 12
            horizon: 8h
            warmup: 30min
            interval: 30min
            service_target: 15s
            agents: 100
            traffic:
              arrival_rate: 31.5/min
              talk_time: {exponential: 3min}
              wrap_up: 10s
              patience: {exponential: 60s}
            policy:
              router: longest-idle-fifo
              queue_capacity: 25
            """
        let scenario = try Scenario.parse(yaml: yaml, file: "full.yaml")
        var traffic = InboundTraffic(arrivals: .constant(31.5 / 60), talkTime: .exponential(mean: 180))
        traffic.wrapUp = .deterministic(10)
        traffic.patience = .exponential(mean: 60)
        var expected = Scenario(
            name: "M/M/100+M standard day", horizon: 28_800, agents: 100, traffic: traffic)
        expected.description = "free text"
        expected.seed = 42
        expected.replications = 12
        expected.warmup = 1800
        expected.interval = 1800
        expected.serviceTarget = 15
        expected.policy = .longestIdle(.init(queueCapacity: 25))
        #expect(scenario == expected)
    }

    @Test func defaultsApply() throws {
        let scenario = try Scenario.parse(
            yaml: withTraffic("  arrival_rate: 120/h\n  talk_time: 3min"), file: "min.yaml")
        #expect(scenario.name == "test")
        #expect(scenario.description == "")
        #expect(scenario.seed == 1)
        #expect(scenario.replications == 10)
        #expect(scenario.horizon == 8 * 3600)
        #expect(scenario.warmup == 0)
        #expect(scenario.interval == 900)
        #expect(scenario.serviceTarget == 20)
        #expect(scenario.agents == 10)
        #expect(scenario.traffic.arrivals == .constant(120.0 / 3600))
        #expect(scenario.traffic.talkTime == .deterministic(180))
        #expect(scenario.traffic.wrapUp == .deterministic(0))
        #expect(scenario.traffic.patience == nil)
        #expect(scenario.policy == .longestIdle(.init(queueCapacity: nil)))
        #expect(scenario.policy.name == "longest-idle-fifo")
    }

    @Test func bareNumbersAreSeconds() throws {
        let yaml = """
            name: bare
            horizon: 3600
            warmup: 60
            agents: 1
            traffic:
              arrival_rate: 1/min
              talk_time: 45
            """
        let scenario = try Scenario.parse(yaml: yaml, file: "bare.yaml")
        #expect(scenario.horizon == 3600)
        #expect(scenario.warmup == 60)
        #expect(scenario.traffic.talkTime == .deterministic(45))
    }

    @Test(arguments: [
        ("20s", Distribution.deterministic(20)),
        ("{deterministic: 20s}", .deterministic(20)),
        ("{exponential: 3min}", .exponential(mean: 180)),
        ("{exponential: {mean: 3min}}", .exponential(mean: 180)),
        ("{erlang: {k: 3, mean: 3min}}", .erlang(k: 3, mean: 180)),
        ("{gamma: {mean: 3min, sd: 1min}}", .gamma(mean: 180, sd: 60)),
        ("{lognormal: {mean: 3min, sd: 2min}}", .lognormal(mean: 180, sd: 120)),
        ("{weibull: {shape: 1.5, mean: 60s}}", .weibull(shape: 1.5, mean: 60)),
        ("{uniform: {min: 1min, max: 5min}}", .uniform(min: 60, max: 300)),
        (
            "{empirical: {values: [2min, 150s, 4min], weights: [1, 2, 1], interpolate: false}}",
            .empirical(values: [120, 150, 240], weights: [1, 2, 1], interpolate: false)
        ),
        (
            "{empirical: {values: [2min, 150s]}}",
            .empirical(values: [120, 150], weights: nil, interpolate: false)
        ),
        (
            "{empirical: {values: [2min, 4min], interpolate: true}}",
            .empirical(values: [120, 240], weights: nil, interpolate: true)
        ),
    ])
    func distributionForms(text: String, expected: Distribution) throws {
        #expect(try talkTime(text) == expected)
    }

    @Test func blockStyleDistribution() throws {
        let scenario = try Scenario.parse(
            yaml: withTraffic(
                """
                  arrival_rate: 1/min
                  talk_time:
                    gamma:
                      mean: 4min
                      sd: 90s
                """), file: "block.yaml")
        #expect(scenario.traffic.talkTime == .gamma(mean: 240, sd: 90))
    }

    @Test func neverPatienceMeansNoAbandonment() throws {
        let scenario = try Scenario.parse(
            yaml: withTraffic("  arrival_rate: 1/min\n  talk_time: 3min\n  patience: never"), file: "n.yaml")
        #expect(scenario.traffic.patience == nil)
        let timed = try Scenario.parse(
            yaml: withTraffic("  arrival_rate: 1/min\n  talk_time: 3min\n  patience: 45s"), file: "n.yaml")
        #expect(timed.traffic.patience == .deterministic(45))
    }

    @Test func queueCapacityUnlimitedOrAWholeNumber() throws {
        let base = withTraffic("  arrival_rate: 1/min\n  talk_time: 3min")
        let unlimited = try Scenario.parse(
            yaml: base + "\npolicy: {queue_capacity: unlimited}", file: "q.yaml")
        #expect(unlimited.policy == .longestIdle(.init(queueCapacity: nil)))
        let loss = try Scenario.parse(yaml: base + "\npolicy:\n  queue_capacity: 0", file: "q.yaml")
        #expect(loss.policy == .longestIdle(.init(queueCapacity: 0)))
        let routerOnly = try Scenario.parse(
            yaml: base + "\npolicy: {router: longest-idle-fifo}", file: "q.yaml")
        #expect(routerOnly.policy == .longestIdle(.init(queueCapacity: nil)))
    }

    @Test func piecewiseArrivalRates() throws {
        let scenario = try Scenario.parse(
            yaml: withTraffic(
                """
                  arrival_rates:
                    - {from: 0h, rate: 120/h}
                    - {from: 2h, rate: 300/h}
                    - from: 5h
                      rate: 2/min
                  talk_time: 3min
                """), file: "p.yaml")
        let expected = ArrivalProfile(segments: [
            .init(start: 0, rate: 120.0 / 3600), .init(start: 7200, rate: 300.0 / 3600),
            .init(start: 18_000, rate: 2.0 / 60),
        ])
        #expect(scenario.traffic.arrivals == expected)
    }

    @Test func everyExampleScenarioLoads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: scenariosFolder.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 4)
        for name in ["mmn-standard.yaml", "erlang-c-small.yaml", "loss-system.yaml", "day-profile.yaml"] {
            #expect(names.contains(name), "scenarios/\(name) is missing")
        }
        for name in names {
            let path = scenariosFolder.appendingPathComponent(name).path
            do {
                _ = try ScenarioFile.load(contentsOf: path)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func exampleScenariosSayWhatTheyShould() throws {
        func load(_ name: String) throws -> Scenario {
            try Scenario.load(contentsOf: scenariosFolder.appendingPathComponent(name).path)
        }
        let standard = try load("mmn-standard.yaml")
        #expect(standard.agents == 100)
        #expect(abs(standard.traffic.arrivals.rate(at: 0) * 180 / 100 - 0.95) < 1e-5)
        #expect(standard.traffic.talkTime == .exponential(mean: 180))
        #expect(standard.traffic.patience == .exponential(mean: 60))
        #expect(standard.horizon == 8 * 3600 && standard.warmup == 1800 && standard.replications == 10)
        #expect(standard.serviceTarget == 20)

        let erlangC = try load("erlang-c-small.yaml")
        #expect(erlangC.agents == 2 && erlangC.traffic.patience == nil)
        #expect(abs(erlangC.traffic.arrivals.rate(at: 0) * erlangC.traffic.talkTime.mean - 1.5) < 1e-9)

        let loss = try load("loss-system.yaml")
        #expect(loss.agents == 10 && loss.policy == .longestIdle(.init(queueCapacity: 0)))
        #expect(abs(loss.traffic.arrivals.rate(at: 0) * loss.traffic.talkTime.mean - 7) < 1e-9)

        let day = try load("day-profile.yaml")
        #expect(day.agents == 60 && day.horizon == 12 * 3600 && day.interval == 900)
        #expect(!day.traffic.arrivals.isConstant)
        #expect(day.traffic.talkTime == .lognormal(mean: 240, sd: 180))
        #expect(day.traffic.wrapUp.mean == 30)
        if case .weibull = day.traffic.patience {} else { Issue.record("patience is not Weibull") }
        #expect(!day.description.isEmpty)
    }

    // MARK: - The error itself

    @Test func errorDescriptionNamesFileLineColumnAndField() {
        let error = ScenarioError(
            file: "a.yaml", line: 7, column: 3, field: "traffic.talk_time", message: "bad")
        #expect(error.description == "a.yaml:7:3: traffic.talk_time: bad")
        let document = ScenarioError(file: "a.yaml", line: 1, column: 1, field: "", message: "empty")
        #expect(document.description == "a.yaml:1:1: empty")
    }

    // MARK: - Mistakes: the file and the document

    @Test func unreadableFileNamesTheFileAtLineZero() {
        let path = "/nonexistent/folder/scenario.yaml"
        do {
            _ = try Scenario.load(contentsOf: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == path)
            #expect(error.line == 0)
            #expect(error.field == "")
            #expect(error.message.contains("no such file"))
        }
    }

    @Test func loadedFileErrorsNameThePath() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("scenario-\(UUID().uuidString).yaml").path
        try "name: x\nhorizon: 8h\nagents: 0\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try Scenario.load(contentsOf: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == path)
            #expect(error.line == 3)
            #expect(error.field == "agents")
            #expect(error.description.hasPrefix("\(path):3:9: agents: "))
        }
    }

    @Test func emptyFile() throws {
        for text in ["", "\n\n", "# only a comment\n", "---\n"] {
            let error = try #require(failure(text, file: "empty.yaml"))
            #expect(error.line == 1)
            #expect(error.field == "")
            #expect(error.message.contains("empty"))
            #expect(error.message.contains("expected a mapping"))
        }
    }

    @Test func fileThatIsNotAMapping() throws {
        let list = try #require(failure("# header\n- name: x\n- agents: 3\n"))
        #expect(list.line == 2)
        #expect(list.field == "")
        #expect(list.message.contains("expected a mapping"))
        #expect(list.message.contains("got a list"))

        let scalar = try #require(failure("just some text"))
        #expect(scalar.line == 1)
        #expect(scalar.message.contains("got 'just some text'"))
    }

    @Test func yamlSyntaxErrorGivesItsLine() throws {
        let yaml = withTraffic("  arrival_rate: 1/min\n  talk_time: {exponential: 3min\n  wrap_up: 0s")
        let error = try #require(failure(yaml))
        #expect(error.line >= 6)
        #expect(error.field == "")
        #expect(error.message.hasPrefix("invalid YAML"))

        let indentation = try #require(failure("name: x\nhorizon: 8h\n  agents: 3\n"))
        #expect(indentation.line == 3)
        #expect(indentation.message.contains("invalid YAML"))
    }

    @Test func duplicateTopLevelKey() throws {
        let yaml = """
            name: x
            horizon: 8h
            agents: 10
            horizon: 4h
            """
        let error = try #require(failure(yaml))
        #expect(error.line == 4)
        #expect(error.field == "horizon")
        #expect(error.message.contains("duplicate field 'horizon'"))
        #expect(error.message.contains("line 2"))
    }

    @Test func duplicateNestedKey() throws {
        let yaml = withTraffic(
            """
              arrival_rate: 1/min
              talk_time: 3min
              wrap_up: 0s
              talk_time: 4min
            """)
        let error = try #require(failure(yaml))
        #expect(error.line == 8)
        #expect(error.column == 3)
        #expect(error.field == "traffic.talk_time")
        #expect(error.message.contains("duplicate field 'talk_time'; it was already given on line 6"))
    }

    // MARK: - Mistakes: fields

    @Test func unknownFieldWithSuggestion() throws {
        let yaml = withTraffic("  arrival_rate: 1/min\n  talktime: 3min")
        let error = try #require(failure(yaml))
        #expect(error.line == 6)
        #expect(error.column == 3)
        #expect(error.field == "traffic.talktime")
        #expect(error.message.contains("unknown field 'talktime'"))
        #expect(error.message.contains("did you mean 'talk_time'?"))
        #expect(
            error.message.contains("known fields: arrival_rate, arrival_rates, busyness, talk_time, wrap_up, patience"))
    }

    @Test func unknownTopLevelFieldWithoutCloseMatch() throws {
        let error = try #require(failure("name: x\ncolour: blue\n"))
        #expect(error.line == 2)
        #expect(error.field == "colour")
        #expect(error.message.contains("unknown field 'colour'; known fields: name, description"))
        #expect(!error.message.contains("did you mean"))
    }

    @Test func missingRequiredTopLevelField() throws {
        let yaml = """
            # a scenario without agents
            name: x
            horizon: 8h
            traffic: {arrival_rate: 1/min, talk_time: 3min}
            """
        let error = try #require(failure(yaml))
        #expect(error.line == 2)
        #expect(error.field == "agents")
        #expect(error.message.contains("missing required field 'agents'"))
        #expect(error.message.contains("whole number"))
    }

    @Test func missingRequiredNestedFieldNamesTheParentLine() throws {
        let yaml = withTraffic("  arrival_rate: 1/min\n  wrap_up: 10s")
        let error = try #require(failure(yaml))
        #expect(error.line == 4)
        #expect(error.field == "traffic.talk_time")
        #expect(error.message.contains("missing required field 'talk_time' in 'traffic'"))
        #expect(error.message.contains("distribution"))
    }

    @Test func wrongNodeKind() throws {
        let yaml = """
            name: x
            horizon: 8h
            agents: 10
            traffic:
              - arrival_rate: 1/min
            """
        let error = try #require(failure(yaml))
        #expect(error.line == 5)
        #expect(error.field == "traffic")
        #expect(error.message.contains("expected a mapping"))
        #expect(error.message.contains("got a list"))

        let listForDuration = try #require(failure("name: x\nhorizon: [8h]\n"))
        #expect(listForDuration.line == 2)
        #expect(listForDuration.field == "horizon")
        #expect(listForDuration.message.contains("expected a duration"))
        #expect(listForDuration.message.contains("got a list"))
    }

    @Test func missingValue() throws {
        let error = try #require(failure("name: x\nhorizon:\nagents: 3\n"))
        #expect(error.line == 2)
        #expect(error.field == "horizon")
        #expect(error.message.contains("expected a duration"))
        #expect(error.message.contains("got nothing"))
    }

    @Test func emptyName() throws {
        let error = try #require(
            failure("name: ''\nhorizon: 8h\nagents: 3\ntraffic: {arrival_rate: 1/min, talk_time: 3min}"))
        #expect(error.line == 1)
        #expect(error.field == "name")
        #expect(error.message.contains("non-empty name"))
    }

    // MARK: - Mistakes: units and numbers

    @Test func badDurationUnit() throws {
        let yaml = withTraffic("  arrival_rate: 1/min\n  talk_time: {exponential: 3mn}")
        let error = try #require(failure(yaml))
        #expect(error.line == 6)
        #expect(error.field == "traffic.talk_time.exponential")
        #expect(error.message.contains("duration"))
        #expect(error.message.contains("unknown unit 'mn'"))
        #expect(error.message.contains("got '3mn'"))
    }

    @Test func badHorizon() throws {
        let error = try #require(failure("name: x\nhorizon: 8 hourz\n"))
        #expect(error.line == 2)
        #expect(error.column == 10)
        #expect(error.field == "horizon")
        #expect(error.message.contains("expected a duration"))

        let zero = try #require(failure("name: x\nhorizon: 0s\n"))
        #expect(zero.field == "horizon")
        #expect(zero.message.contains("above 0s"))
    }

    @Test func negativeDuration() throws {
        let error = try #require(
            failure(
                "name: x\nhorizon: 8h\nagents: 3\nservice_target: -5s\ntraffic: {arrival_rate: 1/min, talk_time: 3min}"
            ))
        #expect(error.line == 4)
        #expect(error.field == "service_target")
        #expect(error.message.contains("not negative"))
    }

    @Test func badRate() throws {
        let yaml = withTraffic("  arrival_rate: 120\n  talk_time: 3min")
        let error = try #require(failure(yaml))
        #expect(error.line == 5)
        #expect(error.field == "traffic.arrival_rate")
        #expect(error.message.contains("expected a rate such as"))
        #expect(error.message.contains("got '120'"))
    }

    @Test func notAWholeNumber() throws {
        let error = try #require(failure("name: x\nhorizon: 8h\nagents: 2.5\n"))
        #expect(error.line == 3)
        #expect(error.field == "agents")
        #expect(error.message == "expected a whole number, got '2.5'")
    }

    @Test func wholeNumbersOutOfRange() throws {
        let replications = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: 3min") + "\nreplications: 0"))
        #expect(replications.line == 7)
        #expect(replications.field == "replications")
        #expect(replications.message == "expected a whole number from 1 to 10000, got '0'")

        let agents = try #require(failure("name: x\nhorizon: 8h\nagents: 0\n"))
        #expect(agents.line == 3)
        #expect(agents.field == "agents")
        #expect(agents.message == "expected a whole number from 1 to 100000, got '0'")

        let tooMany = try #require(failure("name: x\nhorizon: 8h\nagents: 1000000\n"))
        #expect(tooMany.message.contains("from 1 to 100000"))

        let seed = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: 3min") + "\nseed: -1"))
        #expect(seed.line == 7)
        #expect(seed.field == "seed")
        #expect(seed.message.contains("expected a whole number from 0 to"))
    }

    @Test func fieldsAreCheckedInTheFormatsOrder() throws {
        // replications comes before agents in the format, so its mistake is reported first.
        let error = try #require(failure("name: x\nhorizon: 8h\nreplications: 0\n"))
        #expect(error.field == "replications")
        #expect(error.line == 3)
    }

    @Test func warmupNotBelowHorizon() throws {
        let yaml = withTraffic("  arrival_rate: 1/min\n  talk_time: 3min") + "\nwarmup: 8h"
        let error = try #require(failure(yaml))
        #expect(error.line == 7)
        #expect(error.field == "warmup")
        #expect(error.message == "expected a warmup shorter than the horizon (8h), got 8h")
    }

    @Test func zeroInterval() throws {
        let yaml = withTraffic("  arrival_rate: 1/min\n  talk_time: 3min") + "\ninterval: 0min"
        let error = try #require(failure(yaml))
        #expect(error.line == 7)
        #expect(error.field == "interval")
        #expect(error.message.contains("expected a duration above 0s"))
    }

    // MARK: - Mistakes: arrivals

    @Test func bothArrivalRateAndArrivalRates() throws {
        let yaml = withTraffic(
            "  arrival_rate: 1/min\n  arrival_rates: [{from: 0h, rate: 1/min}]\n  talk_time: 3min")
        let error = try #require(failure(yaml))
        #expect(error.line == 6)
        #expect(error.field == "traffic")
        #expect(error.message.contains("arrival_rate"))
        #expect(error.message.contains("arrival_rates"))
        #expect(error.message.contains("not both"))
    }

    @Test func neitherArrivalRateNorArrivalRates() throws {
        let error = try #require(failure(withTraffic("  talk_time: 3min")))
        #expect(error.line == 4)
        #expect(error.field == "traffic")
        #expect(error.message.contains("expected arrival_rate"))
        #expect(error.message.contains("or arrival_rates"))
    }

    @Test func firstPeriodMustStartAtZero() throws {
        let yaml = withTraffic("  arrival_rates:\n    - {from: 1h, rate: 1/min}\n  talk_time: 3min")
        let error = try #require(failure(yaml))
        #expect(error.line == 6)
        #expect(error.field == "traffic.arrival_rates[0].from")
        #expect(error.message == "expected the first period to start at 0s, got 1h")
    }

    @Test func periodsMustIncrease() throws {
        let yaml = withTraffic(
            """
              arrival_rates:
                - {from: 0h, rate: 1/min}
                - {from: 2h, rate: 2/min}
                - {from: 2h, rate: 3/min}
              talk_time: 3min
            """)
        let error = try #require(failure(yaml))
        #expect(error.line == 8)
        #expect(error.field == "traffic.arrival_rates[2].from")
        #expect(error.message.contains("expected a start after the previous period's (2h), got 2h"))
    }

    @Test func periodMustStartBeforeHorizon() throws {
        let yaml = withTraffic(
            """
              arrival_rates:
                - {from: 0h, rate: 1/min}
                - {from: 9h, rate: 2/min}
              talk_time: 3min
            """)
        let error = try #require(failure(yaml))
        #expect(error.line == 7)
        #expect(error.field == "traffic.arrival_rates[1].from")
        #expect(error.message == "expected a start before the horizon (8h), got 9h")
    }

    @Test func periodMistakes() throws {
        let empty = try #require(failure(withTraffic("  arrival_rates: []\n  talk_time: 3min")))
        #expect(empty.line == 5)
        #expect(empty.field == "traffic.arrival_rates")
        #expect(empty.message.contains("at least one period"))

        let scalarItem = try #require(
            failure(withTraffic("  arrival_rates:\n    - 120/h\n  talk_time: 3min")))
        #expect(scalarItem.line == 6)
        #expect(scalarItem.field == "traffic.arrival_rates[0]")
        #expect(scalarItem.message.contains("expected a period {from: DURATION, rate: RATE}, got '120/h'"))

        let missingRate = try #require(
            failure(withTraffic("  arrival_rates:\n    - {from: 0h}\n  talk_time: 3min")))
        #expect(missingRate.line == 6)
        #expect(missingRate.field == "traffic.arrival_rates[0].rate")
        #expect(missingRate.message.contains("missing required field 'rate'"))

        let typo = try #require(
            failure(withTraffic("  arrival_rates:\n    - {start: 0h, rate: 1/min}\n  talk_time: 3min")))
        #expect(typo.field == "traffic.arrival_rates[0].start")
        #expect(typo.message.contains("known fields: from, rate"))
    }

    // MARK: - Mistakes: distributions

    @Test func unknownDistributionFamily() throws {
        let error = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {exponentail: 3min}")))
        #expect(error.line == 6)
        #expect(error.field == "traffic.talk_time.exponentail")
        #expect(error.message.contains("unknown distribution family 'exponentail'"))
        #expect(error.message.contains("did you mean 'exponential'?"))
        #expect(error.message.contains("known families: deterministic, exponential, erlang"))

        let prefix = try #require(failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {expo: 3min}")))
        #expect(prefix.message.contains("unknown distribution family 'expo' (did you mean 'exponential'?)"))
    }

    @Test func distributionWithTwoFamilies() throws {
        let error = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {exponential: 3min, gamma: 2min}")))
        #expect(error.line == 6)
        #expect(error.field == "traffic.talk_time")
        #expect(error.message.contains("expected exactly one distribution family"))
        #expect(error.message.contains("got 2 keys"))
    }

    @Test func invalidDistributionParameters() throws {
        let yaml = withTraffic(
            "  arrival_rate: 1/min\n  talk_time: 3min\n  patience: {gamma: {mean: 1min, sd: 0s}}")
        let error = try #require(failure(yaml))
        #expect(error.line == 7)
        #expect(error.field == "traffic.patience")
        #expect(error.message == "invalid gamma distribution: sd must be positive")

        let weights = try #require(
            failure(
                withTraffic(
                    "  arrival_rate: 1/min\n  talk_time: {empirical: {values: [1min, 2min], weights: [1]}}")))
        #expect(weights.field == "traffic.talk_time")
        #expect(weights.message.contains("one weight per value"))

        let uniform = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {uniform: {min: 5min, max: 1min}}")))
        #expect(uniform.message.contains("min must not exceed max"))
    }

    @Test func distributionParameterMistakes() throws {
        let missingSD = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {lognormal: {mean: 3min}}")))
        #expect(missingSD.line == 6)
        #expect(missingSD.field == "traffic.talk_time.lognormal.sd")
        #expect(missingSD.message.contains("missing required field 'sd'"))

        let shape = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {weibull: {shape: steep, mean: 1min}}")))
        #expect(shape.field == "traffic.talk_time.weibull.shape")
        #expect(shape.message == "expected a number such as 1.5, got 'steep'")

        let k = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {erlang: {k: 2.5, mean: 1min}}")))
        #expect(k.field == "traffic.talk_time.erlang.k")
        #expect(k.message == "expected a whole number, got '2.5'")

        let notMapping = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {gamma: 3min}")))
        #expect(notMapping.field == "traffic.talk_time.gamma")
        #expect(
            notMapping.message.contains("expected the parameters as a mapping such as {mean: 3min, sd: 1min}")
        )

        let interpolate = try #require(
            failure(
                withTraffic(
                    "  arrival_rate: 1/min\n  talk_time: {empirical: {values: [1min, 2min], interpolate: maybe}}"
                )))
        #expect(interpolate.field == "traffic.talk_time.empirical.interpolate")
        #expect(interpolate.message == "expected true or false, got 'maybe'")

        let value = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: {empirical: {values: [1min, soon]}}")))
        #expect(value.field == "traffic.talk_time.empirical.values[1]")
        #expect(value.message.contains("expected a duration"))
    }

    @Test func distributionThatIsAList() throws {
        let error = try #require(failure(withTraffic("  arrival_rate: 1/min\n  talk_time: [1min, 2min]")))
        #expect(error.line == 6)
        #expect(error.field == "traffic.talk_time")
        #expect(error.message.contains("expected a distribution"))
        #expect(error.message.contains("got a list"))
    }

    @Test func patienceTypoMentionsNever() throws {
        let error = try #require(
            failure(withTraffic("  arrival_rate: 1/min\n  talk_time: 3min\n  patience: nevr")))
        #expect(error.line == 7)
        #expect(error.field == "traffic.patience")
        #expect(error.message.hasPrefix("expected 'never' (callers never abandon) or a duration such as"))
        #expect(error.message.contains("got 'nevr'"))
    }

    // MARK: - Mistakes: policy

    @Test func unknownRouter() throws {
        let yaml =
            withTraffic("  arrival_rate: 1/min\n  talk_time: 3min") + "\npolicy:\n  router: longest-idle"
        let error = try #require(failure(yaml))
        #expect(error.line == 8)
        #expect(error.field == "policy.router")
        #expect(error.message.contains("unknown router 'longest-idle'"))
        #expect(error.message.contains("known routers: longest-idle-fifo"))
    }

    @Test func badQueueCapacity() throws {
        let base = withTraffic("  arrival_rate: 1/min\n  talk_time: 3min")
        let negative = try #require(failure(base + "\npolicy:\n  queue_capacity: -1"))
        #expect(negative.line == 8)
        #expect(negative.field == "policy.queue_capacity")
        #expect(negative.message.contains("expected 'unlimited' or a whole number of at least 0"))
        #expect(negative.message.contains("got '-1'"))

        let word = try #require(failure(base + "\npolicy: {queue_capacity: infinite}"))
        #expect(word.line == 7)
        #expect(word.message.contains("got 'infinite'"))

        let notMapping = try #require(failure(base + "\npolicy: longest-idle-fifo"))
        #expect(notMapping.field == "policy")
        #expect(notMapping.message.contains("expected a mapping with fields such as router, queue_capacity"))
    }
}
