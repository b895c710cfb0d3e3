import CallCenter
import CenterPolicies
import Dispatch
import DialingPolicies
import Foundation
import Scenarios
import SimKernel

// MARK: - Running a campaign's variants

/// Receives the call records and the final task snapshot of replication 0 of every variant (the
/// asynchronous call-record updater's side of a simulation). Called from the worker threads.
public protocol CampaignSink: Sendable {
    /// A call attempt ended.
    func record(variant: Int, _ record: CallRecord)
    /// The variant's task as it stood at the end (the S34 snapshot when the list was finished).
    func snapshot(variant: Int, _ snapshot: TaskSnapshot)
}

/// Runs every (variant, replication) of a campaign, spread over threads. Replication r of every
/// variant meets the same customers (common random numbers), so variants are compared pairwise.
public enum OutboundRunner {
    /// Runs one replication of one variant on the calling thread.
    public static func replicate(_ scenario: OutboundScenario, variant: Int, replication: Int,
                                 sink: (any CampaignSink)? = nil)
        throws(TaskValidationError) -> OutboundReplication
    {
        switch scenario.variants[variant].policy {
        case .patent(let configuration):
            return try run(PatentDispatcher(configuration), scenario, variant, replication, sink)
        case .progressive(let configuration):
            return try run(ProgressiveDialer(configuration), scenario, variant, replication, sink)
        case .power(let configuration):
            return try run(PowerDialer(configuration), scenario, variant, replication, sink)
        case .adaptive(let configuration):
            return try run(AdaptiveDialer(configuration), scenario, variant, replication, sink)
        }
    }

    static func run<D: Dialer>(_ dialer: D, _ scenario: OutboundScenario, _ variant: Int, _ replication: Int,
                               _ sink: (any CampaignSink)?) throws(TaskValidationError) -> OutboundReplication {
        var world = RoutingWorld<NoRouter, D>(
            scenario: scenario.softswitch(variant: variant), replication: replication, router: NoRouter(),
            dialer: dialer)
        world.campaignSink = sink.map { sink in (variant, sink) }
        return try world.runCampaign(replication: replication)
    }

    /// Runs the whole campaign; `progress` is called with the number of runs done.
    public static func run(
        _ scenario: OutboundScenario, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (Int) -> Void)? = nil, sink: (any CampaignSink)? = nil
    ) throws(TaskValidationError) -> OutboundResult {
        let variants = scenario.variants.count, replications = scenario.replications
        let slots = ResultSlots<Result<OutboundReplication, TaskValidationError>>(count: variants * replications)
        let started = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, variants * replications))) { _ in
            while let index = slots.claim() {
                let result = Result { () throws(TaskValidationError) in
                    try replicate(scenario, variant: index / replications, replication: index % replications,
                                  sink: index % replications == 0 ? sink : nil)
                }
                let done = slots.store(result, at: index)
                progress?(done)
            }
        }
        var runs: [[OutboundReplication]] = []
        let all = slots.values()
        for v in 0..<variants {
            var reps: [OutboundReplication] = []
            for r in 0..<replications { reps.append(try all[v * replications + r].get()) }
            runs.append(reps)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return OutboundResult(scenario: scenario, runs: runs, wallSeconds: seconds)
    }
}

extension OutboundScenario {
    /// The simulated softswitch of variant `variant`: the campaign's agents (one team, its
    /// shifts), no inbound callers, the campaign worked by every agent (the default blending
    /// rule), its task named after the campaign.
    func softswitch(variant: Int) -> RoutingScenario {
        var s = RoutingScenario(
            horizon: horizon, interval: interval, seed: seed, replications: replications, teams: 1, teamSize: agents,
            customers: 0, businessTypes: 1, businessTypesPerAgent: 1, arrivalRate: 0,
            callers: .init(knownNumberShare: 0, knownCustomerOtherNumberShare: 0, validIDProbability: 0),
            callbacks: .init(agentsDial: false), router: .queue(.init(strategy: .longestIdleAgent), seed: 0))
        s.outbound = Blend(contacts: contacts, world: world, dialer: variants[variant].policy)
        s.shifts = shifts
        s.outboundBatchID = name
        return s
    }
}

// MARK: - Metrics

/// A metric of an outbound run, computed from a row of sums (indexed by `OutboundColumn`).
public struct OutboundMetric: Sendable {
    /// The name in the outputs.
    public let name: String
    /// What it means.
    public let meaning: String
    /// Its value from a row of sums; NaN when undefined.
    public let value: @Sendable ([Double]) -> Double

    static func ratio(_ name: String, _ meaning: String, _ num: OutboundColumn, _ den: OutboundColumn,
                      scale: Double = 1) -> OutboundMetric {
        OutboundMetric(name: name, meaning: meaning) { row in
            row[den.rawValue] > 0 ? scale * row[num.rawValue] / row[den.rawValue] : .nan
        }
    }

    static func count(_ name: String, _ meaning: String, _ column: OutboundColumn) -> OutboundMetric {
        OutboundMetric(name: name, meaning: meaning) { $0[column.rawValue] }
    }

    /// The metrics of an outbound run, in output order.
    public static let all: [OutboundMetric] = [
        .ratio("abandon_rate", "abandoned / live answers (the regulators' definition: not connected within the grace)",
               .abandoned, .liveAnswers),
        .ratio("utilization", "agent time talking / agent time logged in", .talkSeconds, .staffedSeconds),
        .ratio("talk_minutes_per_agent_hour", "minutes of talk per logged-in agent-hour", .talkSeconds,
               .staffedSeconds, scale: 60),
        .ratio("occupancy", "agent time talking or in wrap-up / agent time logged in", .busyAgentSeconds,
               .staffedSeconds),
        .ratio("paused_share", "agent time paused / agent time logged in", .pausedSeconds, .staffedSeconds),
        .count("attempts", "calls dialled", .attempts),
        .count("live_answers", "calls a live person answered", .liveAnswers),
        .count("connected", "live answers connected to an agent (contacts completed)", .connected),
        .count("abandoned", "live answers not connected within the grace", .abandoned),
        .count("unserved", "live answers never connected", .unserved),
        .count("machines", "answering machines", .machines),
        .count("busy", "busy lines", .busy),
        .count("no_answer", "unanswered calls", .noAnswer),
        .count("invalid", "invalid numbers", .invalid),
        .ratio("mean_wait_seconds", "mean wait of live answers for an agent", .waitSum, .liveAnswers),
        .ratio("live_answer_rate", "live answers / attempts", .liveAnswers, .attempts),
        .count("contracts_closed", "contracts completed or failed", .closedContracts),
    ]
}

/// All runs of a campaign, and their estimates.
public struct OutboundResult: Sendable {
    /// The campaign.
    public let scenario: OutboundScenario
    /// `runs[variant][replication]`.
    public let runs: [[OutboundReplication]]
    /// Wall time of the run (in no output file).
    public let wallSeconds: Double

    /// Model events over all runs.
    public var modelEvents: Int { runs.joined().reduce(0) { $0 + $1.modelEvents } }

    /// The overall estimate of `metric` for `variant`.
    public func estimate(_ metric: OutboundMetric, variant: Int) -> Estimate {
        Estimate(runs[variant].map { metric.value($0.totals) })
    }

    /// List exhaustion of `variant`: contracts closed / contracts, over replications.
    public func exhaustion(variant: Int) -> Estimate {
        Estimate(runs[variant].map { $0.total(.closedContracts) / Double(max(1, $0.contracts)) })
    }

    /// The paired difference `variant − baseline` of `metric` over replications (common random
    /// numbers make the pairs).
    public func difference(_ metric: OutboundMetric, variant: Int, baseline: Int) -> Estimate {
        Estimate(zip(runs[variant], runs[baseline]).map { metric.value($0.totals) - metric.value($1.totals) })
    }

    /// The estimate of `metric` for `variant` in interval `index` (`cumulative`: from the start
    /// to the end of that interval).
    public func estimate(_ metric: OutboundMetric, variant: Int, interval index: Int, cumulative: Bool) -> Estimate {
        Estimate(runs[variant].map { rep in
            let c = rep.series.columns
            var row = [Double](repeating: 0, count: c)
            for i in (cumulative ? 0 : index)...index {
                for j in 0..<c { row[j] += rep.series.value(interval: i, column: j) }
            }
            return metric.value(row)
        })
    }
}
