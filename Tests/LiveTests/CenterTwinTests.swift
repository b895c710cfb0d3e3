import CallCenter
import CenterPolicies
import EventSocket
import Foundation
import Live
import LiveTestSupport
import RoutingPolicies
import Simulation
import Testing

/// The twin check (issue 10): the simulator's blended day through the live side
/// (`CenterTwin`, module `LiveTestSupport`), at several chunkings of the frames.
@Suite("Twin check: a simulated blended day through the live side")
struct CenterTwinTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func studyScenario(variant: Int) throws -> RoutingScenario {
        let file = try ScenarioFile.load(contentsOf: root.appendingPathComponent("scenarios/bank-blended.yaml").path)
        guard case .routing(let study) = file else { throw CocoaError(.fileReadCorruptFile) }
        return study.scenario(variant: variant)
    }

    static func scenario() throws -> RoutingScenario { try studyScenario(variant: 0) }

    @Test("the simulator's blended day, told as ESL frames in chunks of several sizes, gets the same commands")
    func blendedDay() throws {
        let scenario = try Self.scenario()
        let replay = try RoutingRunner.replay(scenario)
        #expect(replay.difference == nil)
        let expected = replay.trace.steps.flatMap { step in step.commands.map { Timed(step.time, $0) } }
        #expect(replay.replication.total(.offered) >= 1000)
        let center = try #require(RoutingRunner.cascadeCenter(scenario))
        for chunk in [0, 1, 7] {
            var twin = CenterTwin(configuration: CenterTwin.configuration(agents: scenario.agents))
            twin.chunkSize = chunk
            let result = twin.run(replay.trace, center: center)
            #expect(result.failures.isEmpty, "chunks of \(chunk): \(result.failures.prefix(5))")
            let common = min(expected.count, result.live.count)
            if let i = (0..<common).first(where: { expected[$0] != result.live[$0] })
                ?? (expected.count == result.live.count ? nil : common)
            {
                Issue.record("""
                    chunks of \(chunk): command \(i) of \(expected.count) differs
                      simulator: \(expected[max(0, i - 2)..<min(expected.count, i + 3)].map(\.description))
                      live:      \(result.live[max(0, i - 2)..<min(result.live.count, i + 3)].map(\.description))
                    """)
            }
            #expect(result.live.count > 40_000 && result.eslCommands > 10_000 && result.frames > 25_000)
        }
        // Agents who pause after campaign calls: On Break and Available again, through mod_callcenter.
        var pausing = scenario
        pausing.outbound?.world.pauses.afterCall = 0.25
        let paused = try RoutingRunner.replay(pausing)
        let pausedCenter = try #require(RoutingRunner.cascadeCenter(pausing))
        #expect(paused.trace.steps.contains { if case .agentPaused? = $0.event { true } else { false } })
        let twin = CenterTwin(configuration: CenterTwin.configuration(agents: scenario.agents)).run(paused.trace, center: pausedCenter)
        #expect(twin.failures.isEmpty, "\(twin.failures.prefix(5))")
        #expect(twin.live.map(\.value) == paused.trace.steps.flatMap(\.commands), "pauses: the live side answers alike")
        // The check can fail: a center with another reserve (variant 1) answers the same day
        // differently.
        let other = try #require(RoutingRunner.cascadeCenter(try Self.studyScenario(variant: 1)))
        let result = CenterTwin(configuration: CenterTwin.configuration(agents: scenario.agents)).run(replay.trace, center: other)
        #expect(result.live.map(\.value) != expected.map(\.value))
    }
}
