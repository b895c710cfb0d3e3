import Scenarios
import SimKernel

// MARK: - Exact figures for the scenarios queueing theory solves

/// The exact steady-state figures of a scenario when it is a Markovian queue that the Erlang
/// formulas solve, under the same metric names as the simulation's outputs.
///
/// That is: one constant arrival rate (no busyness factor), exponential talk time, no wrap-up, FIFO with the
/// longest-idle router, and either exponential patience with an unlimited queue (Erlang A), no
/// abandonment with an unlimited queue (Erlang C, when stable), or no queue at all (Erlang B).
/// Anything else has no closed form here, and gets none.
public struct Theory: Sendable, Hashable {
    /// "Erlang A", "Erlang B" or "Erlang C".
    public var model: String
    /// Metric name to exact value.
    public var figures: [String: Double]

    /// The exact figures for `scenario`, or nil when it is not such a queue (or Erlang C is
    /// unstable at its load).
    public init?(_ scenario: Scenario) {
        let traffic = scenario.traffic
        guard traffic.arrivals.isConstant, traffic.busyness == nil,
              let rate = traffic.arrivals.segments.first?.rate, rate > 0,
              case .exponential(let talk) = traffic.talkTime,
              case .deterministic(0) = traffic.wrapUp,
              case .longestIdle(let configuration) = scenario.policy
        else { return nil }
        let n = scenario.agents, target = scenario.serviceTarget
        do {
            switch (configuration.queueCapacity, traffic.patience) {
            case (0, _):
                let b = try Erlang.blocking(agents: n, offeredLoad: rate * talk)
                model = "Erlang B"
                figures = [
                    "blocking_rate": b, "abandon_rate": 0, "p_wait": b, "service_level": 1 - b,
                    "asa_seconds": 0, "mean_wait_seconds": 0, "occupancy": rate * talk * (1 - b) / Double(n),
                ]
            case (nil, nil):
                let c = try Erlang.delay(agents: n, arrivalRate: rate, handleTime: talk, target: target)
                model = "Erlang C"
                figures = [
                    "blocking_rate": 0, "abandon_rate": 0, "p_wait": c.pWait, "service_level": c.serviceLevel,
                    "asa_seconds": c.asa, "mean_wait_seconds": c.meanWaitAll, "occupancy": c.occupancy,
                ]
            case (nil, .exponential(let patience)?):
                let a = try Erlang.abandonment(
                    agents: n, arrivalRate: rate, handleTime: talk, patience: patience, target: target)
                model = "Erlang A"
                figures = [
                    "blocking_rate": 0, "abandon_rate": a.pAbandon, "p_wait": a.pWait,
                    "service_level": a.serviceLevel, "asa_seconds": a.asa,
                    "mean_wait_seconds": a.meanWaitAll, "occupancy": a.occupancy,
                ]
            default:
                return nil
            }
        } catch {
            return nil
        }
    }
}
