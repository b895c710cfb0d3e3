import CBaseline
import Foundation
import SimKernel

// MARK: - The standard benchmark workload

/// The standard workload of `simcc bench`: M/M/n+M, 100 agents, mean talk 180 s, offered load
/// 0.95, mean patience 60 s, 8 simulated hours, 10 replications. It goes through the whole
/// stack: the scenario file reader, the runner, the router behind the seam, the statistics.
public enum Bench {
    /// The workload as a scenario file, with the horizon and replications given.
    public static func scenarioYAML(hours: Double, replications: Int) -> String {
        """
        name: bench M/M/100+M
        description: the standard benchmark workload
        seed: 2026
        replications: \(replications)
        horizon: \(hours)h
        interval: 15min
        service_target: 20s
        agents: 100
        traffic:
          arrival_rate: \(0.95 * 100 / 180)/s
          talk_time: {exponential: 180s}
          patience: {exponential: 60s}
        policy:
          router: longest-idle-fifo
        """
    }

    /// The workload as a scenario, read through the scenario file reader.
    public static func scenario(hours: Double, replications: Int) throws -> Scenario {
        try Scenario.parse(yaml: scenarioYAML(hours: hours, replications: replications), file: "<bench>")
    }

    /// Runs the hand-written C loop (`CBaseline`) on the same workload, one replication after
    /// another on this thread; returns the model events and the wall seconds.
    public static func runBaselineC(hours: Double, replications: Int) -> (events: Int, seconds: Double) {
        let start = DispatchTime.now()
        var events = 0
        for r in 0..<replications {
            let result = simcc_baseline_mmnm(100, 0.95 * 100 / 180, 180, 60, hours * 3600, UInt64(r + 1))
            events += Int(result.events)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (events, seconds)
    }

    /// The outbound workload of `simcc bench --campaign`: a 1,000-agent, 8-hour predictive
    /// campaign (about half a million attempts) dialled by the CN107613150B dispatcher.
    public static func campaignYAML(replications: Int) -> String {
        """
        name: bench 1000-agent campaign
        seed: 2026
        replications: \(replications)
        horizon: 8h
        interval: 30min
        agents: 1000
        campaign:
          contacts: 400000
          answer:
            - {from: 0h, live: [0.30, 0.25, 0.20], machine: 0.10, busy: 0.05}
          invalid_numbers: 0.03
          talk_time: {lognormal: {mean: 3min, sd: 1.5min}}
          wrap_up: 10s
          pauses: {after_call: 0.05, duration: {exponential: 3min}, away_share: 0.1, away: {uniform: {min: 10min, max: 30min}}}
        variants:
          - {name: patent-3%, dialer: patent, abandon_threshold: 0.03}
        """
    }

    /// The outbound workload as a campaign, read through the scenario file reader.
    public static func campaign(replications: Int) throws -> OutboundScenario {
        guard case .outbound(let s) = try ScenarioFile.parse(yaml: campaignYAML(replications: replications), file: "<bench>")
        else { preconditionFailure("the bench campaign is a campaign") }
        return s
    }

    /// The process's peak resident memory so far, in kibibytes.
    public static func peakResidentKiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss)
    }
}
