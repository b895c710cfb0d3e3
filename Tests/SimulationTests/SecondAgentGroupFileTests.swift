import CallCenter
import RoutingPolicies
import Simulation
import Testing

/// The cascade's `second_agent_group` knob (step 013: the first agent's team or skill group) in
/// a routing study file.
@Suite("Routing files: second_agent_group")
struct SecondAgentGroupFileTests {
    static func file(_ variant: String) -> String {
        """
        name: g
        horizon: 1h
        routing:
          teams: 2
          team_size: 3
          customers: 10
          arrival_rate: 60/h
        variants:
          \(variant)
        """
    }

    func configuration(_ variant: String) throws -> CascadeRouter.Configuration? {
        guard case .routing(let study) = try ScenarioFile.parse(yaml: Self.file(variant), file: "g.yaml"),
            case .cascade(let configuration, _) = study.variants[0].router
        else { return nil }
        return configuration
    }

    @Test("team by default; team and skill_group read")
    func values() throws {
        #expect(try configuration("- {name: c, router: cascade}")?.secondAgentGroup == .team)
        #expect(
            try configuration("- {name: c, router: cascade, second_agent_group: team}")?.secondAgentGroup
                == .team)
        #expect(
            try configuration("- {name: c, router: cascade, second_agent_group: skill_group}")?
                .secondAgentGroup
                == .skillGroup)
    }

    @Test("a bad value is refused with file, line, field and the values known")
    func badValue() throws {
        let error = #expect(throws: ScenarioError.self) {
            try configuration("- {name: c, router: cascade, second_agent_group: skill}")
        }
        let e = try #require(error)
        #expect(e.file == "g.yaml" && e.line == 9)
        #expect(e.field == "variants[0].second_agent_group")
        #expect(
            e.message
                == "unknown second agent group 'skill' (did you mean 'skill_group'?); known second agent groups: "
                + "team, skill_group (step 013: the other agents of the first agent's team, or of their skill group)")
        let other = #expect(throws: ScenarioError.self) {
            try configuration("- {name: q, router: queue, second_agent_group: team}")
        }
        #expect(other?.field.hasSuffix("second_agent_group") == true, "a queue has no step 013")
    }
}
