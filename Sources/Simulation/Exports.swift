// MARK: - What Simulation re-exports

/// The scenario files' readers and the plain description types they fill (`ScenarioFile`,
/// `Scenario`, `OutboundScenario`, `RoutingStudy`, `RoutingScenario`, `Blend`, `ScenarioError`,
/// `Units`) moved to module `Scenarios`, which production can link without GSL. Simulation
/// re-exports it so that code written against Simulation before the move (the commands, the
/// tests, `simcc live`) keeps compiling unchanged; new code that only reads files should import
/// `Scenarios` itself.
@_exported import Scenarios
