import CallCenter
import Foundation
import Simulation
import Testing

/// The routing world tells its `CenterPolicy` everything through events: a simulated day's trace,
/// replayed into a fresh center, gets the same answer to every event (issue 10's twin check,
/// policy side).
@Suite("Center replay")
struct CenterReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func study(_ name: String) throws -> RoutingStudy {
        let file = try ScenarioFile.load(contentsOf: root.appendingPathComponent("scenarios/\(name).yaml").path)
        guard case .routing(let study) = file else { throw CocoaError(.fileReadCorruptFile) }
        return study
    }

    @Test("a blended day (cascade router, callbacks, the patent dispatcher) replays command for command")
    func blendedDay() throws {
        let study = try Self.study("bank-blended")
        for v in study.variants.indices {
            let scenario = study.scenario(variant: v)
            let replay = try RoutingRunner.replay(scenario)
            let r = replay.replication
            #expect(r.total(.offered) >= 1000, "variant \(v): a whole day of inbound callers")
            if case .cascade = scenario.router {
                #expect(r.total(.callbacksCreated) > 20 && r.total(.callbackAttempts) > 20, "variant \(v)")
            }
            #expect(replay.campaignCalls > 500, "variant \(v): the campaign dials")
            #expect(r.total(.outboundConnected) > 100)
            #expect(replay.difference == nil, "variant \(v): \(replay.difference ?? "")")
        }
    }

    @Test("a routing study without a campaign replays too; a changed rule does not")
    func inboundOnlyAndAChangedRule() throws {
        let replay = try RoutingRunner.replay(try Self.study("routing-bank").scenario(variant: 0))
        #expect(replay.steps > 1000)
        #expect(replay.difference == nil, "\(replay.difference ?? "")")
        // The check can fail: the same day with a different reserve answers differently.
        var scenario = try Self.study("bank-blended").scenario(variant: 0)
        let traced = try RoutingRunner.replay(scenario)
        scenario.outbound?.rule.inboundReserve += 3
        let other = try RoutingRunner.replay(scenario)
        #expect(traced.replication.total(.outboundAttempts) != other.replication.total(.outboundAttempts))
    }
}
