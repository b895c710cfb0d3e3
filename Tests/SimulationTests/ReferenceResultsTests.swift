import Foundation
import Simulation
import Store
import Testing

/// The committed reference results of the shipped scenarios (`results/NAME/summary.json`, made
/// by `simcc run scenarios/NAME.yaml --out results/NAME`). A change to a policy, the world or the
/// statistics that moves any figure fails here, naming the figures that moved; when the change
/// is intended, run that command again and commit the new results with it.
@Suite("Reference results")
struct ReferenceResultsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var shipped: [String] {
        let folder = root.appendingPathComponent("results").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test("every shipped scenario has reference results")
    func everyScenarioHasResults() throws {
        let scenarios = try FileManager.default.contentsOfDirectory(
            atPath: Self.root.appendingPathComponent("scenarios").path
        ).filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(scenarios == Self.shipped)
    }

    @Test("the shipped scenarios reproduce their committed summary.json byte for byte", arguments: shipped)
    func reproduces(_ name: String) throws {
        let file = try ScenarioFile.load(
            contentsOf: Self.root.appendingPathComponent("scenarios/\(name).yaml").path)
        let expected = try String(
            contentsOf: Self.root.appendingPathComponent("results/\(name)/summary.json"), encoding: .utf8)
        let got: String
        switch file {
        case .inbound(let scenario):
            got = Reports.summaryJSON(Runner.run(scenario))
        case .outbound(var campaign):
            if case .list(let path, _) = campaign.contacts {
                campaign.contacts = .list(path: path, numbers: try ContactList.load(fromFile: path).entries.map(\.number))
            }
            got = OutboundReports.summaryJSON(try OutboundRunner.run(campaign))
        case .routing(let study):
            got = RoutingReports.summaryJSON(try RoutingStudyRunner.run(study))
        }
        if got != expected {
            let moved = zip(expected.split(separator: "\n"), got.split(separator: "\n"))
                .filter { $0 != $1 }.prefix(6).map { "  was \($0)\n  now \($1)" }
            Issue.record("""
                \(name): the results moved; if intended, run `simcc run scenarios/\(name).yaml --out results/\(name)` \
                and commit them.
                \(moved.joined(separator: "\n"))
                """)
        }
    }
}
