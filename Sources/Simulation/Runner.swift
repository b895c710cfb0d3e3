import CallCenter
import Dispatch
import Foundation
import RoutingPolicies
import Scenarios
import SimKernel

// MARK: - Running replications

/// Runs a scenario's replications, spread over threads, and gathers them in index order.
///
/// Replication `r` depends only on (scenario, seed, r): the threads take indices from a shared
/// counter, in any order, and the result is the same whatever the number of threads.
public enum Runner {
    /// Runs one replication of `scenario` on the calling thread.
    public static func replicate(_ scenario: Scenario, replication: Int) -> InboundReplication {
        switch scenario.policy {
        case .longestIdle(let configuration):
            var world = RoutingWorld<LongestIdleRouter, AnyDialer>(
                scenario: scenario.softswitch, replication: replication, router: LongestIdleRouter(configuration),
                dialer: nil)
            // No campaign: nothing can fail to start.
            return try! world.runInbound(replication: replication)
        }
    }

    /// Runs all replications of `scenario` on up to `threads` threads; `progress` is called (from
    /// any thread) with the number of replications done so far.
    public static func run(
        _ scenario: Scenario, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (Int) -> Void)? = nil
    ) -> RunResult {
        let count = scenario.replications
        let results = ResultSlots<InboundReplication>(count: count)
        let workers = max(1, min(threads, count))
        let started = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = results.claim() {
                let replication = replicate(scenario, replication: index)
                let done = results.store(replication, at: index)
                progress?(done)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return RunResult(scenario: scenario, replications: results.values(), wallSeconds: seconds)
    }
}

extension Scenario {
    /// The simulated softswitch of an inbound study: its agents (one team, all day), anonymous
    /// callers with the scenario's arrivals, patience, talk and wrap-up, no IVR, no callbacks,
    /// no campaign; random streams named `inbound.*`.
    var softswitch: RoutingScenario {
        var s = RoutingScenario(
            horizon: horizon, interval: interval, seed: seed, replications: replications, teams: 1, teamSize: agents,
            customers: 0, businessTypes: 1, businessTypesPerAgent: 1, arrivalRate: 0,
            callers: .init(knownNumberShare: 0, knownCustomerOtherNumberShare: 0, validIDProbability: 0),
            queuePatience: traffic.patience, talk: traffic.talkTime, wrapUp: traffic.wrapUp,
            serviceTarget: serviceTarget, callbacks: .init(agentsDial: false),
            router: .queue(.init(strategy: .longestIdleAgent), seed: 0))
        s.arrivals = traffic.arrivals
        s.busyness = traffic.busyness
        s.warmup = warmup
        s.anonymousCallers = true
        s.streams = "inbound"
        return s
    }
}

/// Slots for results computed on several threads, with a counter that hands out indices.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every access to `slots`, `next` and `done` holds `lock`.
    private let lock = NSLock()
    private var slots: [Value?]
    private var next = 0
    private var done = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next index to compute, or nil when all are handed out.
    func claim() -> Int? {
        lock.withLock {
            guard next < slots.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// Stores the result of `index` and returns how many are done.
    func store(_ value: Value, at index: Int) -> Int {
        lock.withLock {
            slots[index] = value
            done += 1
            return done
        }
    }

    /// All results, in index order.
    func values() -> [Value] { lock.withLock { slots.map { $0! } } }
}

// MARK: - The result of a run

/// A metric of a run: its name in the outputs, and how it is computed from the sums.
public struct Metric: Sendable {
    /// The name in `summary.json`, `intervals.csv` and the table.
    public let name: String
    /// What it means, in words (docs/scenarios.md gives the same definitions).
    public let meaning: String
    /// Its value from a row of sums (indexed by `InboundColumn`); NaN when undefined.
    public let value: @Sendable ([Double]) -> Double

    static func ratio(_ name: String, _ meaning: String, _ num: InboundColumn, _ den: InboundColumn) -> Metric {
        Metric(name: name, meaning: meaning) { row in
            row[den.rawValue] > 0 ? row[num.rawValue] / row[den.rawValue] : .nan
        }
    }

    static func count(_ name: String, _ meaning: String, _ column: InboundColumn) -> Metric {
        Metric(name: name, meaning: meaning) { $0[column.rawValue] }
    }

    /// The metrics of an inbound run, in output order.
    public static let inbound: [Metric] = [
        .count("offered_calls", "calls that arrived", .offered),
        .count("answered_calls", "calls connected to an agent", .answered),
        .count("abandoned_calls", "callers who hung up while waiting", .abandoned),
        .count("blocked_calls", "calls refused for want of a place in the queue", .blocked),
        .ratio("abandon_rate", "abandoned / offered", .abandoned, .offered),
        .ratio("blocking_rate", "blocked / offered", .blocked, .offered),
        .ratio("p_wait", "share of offered calls that found no idle agent", .waited, .offered),
        .ratio("asa_seconds", "mean wait of answered calls (average speed of answer)", .answeredWaitSum, .answered),
        Metric(name: "mean_wait_seconds", meaning: "mean wait of answered and abandoned calls") { row in
            let n = row[InboundColumn.answered.rawValue] + row[InboundColumn.abandoned.rawValue]
            return n > 0 ? row[InboundColumn.waitSum.rawValue] / n : .nan
        },
        .ratio("service_level", "answered within the service target / offered", .answeredWithinTarget, .offered),
        .ratio("occupancy", "agent time talking or in wrap-up / agent time logged in", .busyAgentSeconds, .staffedAgentSeconds),
    ]
}

/// All replications of a run, and their estimates.
public struct RunResult: Sendable {
    /// The scenario that ran.
    public let scenario: Scenario
    /// The replications, in index order.
    public let replications: [InboundReplication]
    /// How long the run took, seconds of wall time (not part of any output file).
    public let wallSeconds: Double

    /// Model events (arrivals, service completions, abandonments) over all replications.
    public var modelEvents: Int { replications.reduce(0) { $0 + $1.modelEvents } }

    /// The overall estimate of `metric` over replications.
    public func estimate(_ metric: Metric) -> Estimate {
        Estimate(replications.map { metric.value($0.totals) })
    }

    /// The estimate of `metric` in interval `index` over replications.
    public func estimate(_ metric: Metric, interval index: Int) -> Estimate {
        Estimate(replications.map { rep in
            let c = rep.series.columns
            return metric.value(Array(rep.series.values[(index * c)..<((index + 1) * c)]))
        })
    }

    /// The estimate of the metric named `name`, if there is one.
    public func estimate(named name: String) -> Estimate? {
        Metric.inbound.first { $0.name == name }.map(estimate)
    }
}
