import CBaseline
import CallCenter
import DialingPolicies
import Foundation
import SimKernel
import Simulation

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

// MARK: - A dialer's decision per event (the live loop's policy cost)

extension Bench {
    /// What `dialerDecisions` measured.
    public struct DecisionResult: Sendable {
        /// Events the dialer handled.
        public var events: Int
        /// Calls it launched.
        public var originates: Int
        /// Wall-clock seconds.
        public var seconds: Double
        /// Mean time per event, microseconds.
        public var microsecondsPerEvent: Double { seconds / Double(max(events, 1)) * 1e6 }
    }

    /// Feeds the CN107613150B dispatcher the events a live center sends it: 200 agents on a
    /// 400,000-contract task; each second a tick (S1'-S3'), and for each call it launched the
    /// answer (70% live), the bridge to an agent and the agent's state, the hang-up and the agent
    /// free again, or a no-answer. Returns the events handled and the time: the policy's cost per
    /// event, without I/O.
    public static func dialerDecisions(events target: Int) -> DecisionResult {
        let agents = 200
        var dialer = PatentDispatcher(PatentDispatcher.Configuration())
        let task = OutboundTask(
            batchID: "bench", numbers: (0..<400_000).map { ("+86138" + String(10_000_000 + $0), "c\($0)") })
        var commands: [DialerCommand] = []
        commands.reserveCapacity(256)
        var state = [AgentState](repeating: .idle, count: agents)
        do {
            try dialer.start(task: task, agents: state, at: 0, into: &commands)
        } catch {
            return DecisionResult(events: 0, originates: 0, seconds: 0)
        }
        var pending: [CallID] = []
        var free = Array(0..<agents)
        var busy: [(agent: Int, call: CallID)] = []
        var handled = 0, originates = 0, time = 0.0, n: UInt64 = 0
        let clock = ContinuousClock()
        let start = clock.now
        func feed(_ event: DialerEvent) {
            dialer.handle(event, at: time, into: &commands)
            handled += 1
        }
        while handled < target {
            for c in commands { if case .originate(let call, _, _) = c { pending.append(call); originates += 1 } }
            commands.removeAll(keepingCapacity: true)
            // Calls launched last second resolve now; half the talking agents hang up.
            for call in pending {
                n = n &* 6364136223846793005 &+ 1442695040888963407
                if n >> 62 != 0, let a = free.popLast() {
                    feed(.callAnswered(call, live: true))
                    feed(.callConnected(call, AgentID(a)))
                    state[a] = .talking
                    feed(.agent(AgentID(a), .talking))
                    busy.append((a, call))
                } else {
                    feed(.callEnded(call, cause: .noAnswer))
                }
            }
            pending.removeAll(keepingCapacity: true)
            var kept: [(agent: Int, call: CallID)] = []
            for (i, b) in busy.enumerated() {
                if i % 2 == 0 {
                    feed(.callEnded(b.call, cause: .normalClearing))
                    state[b.agent] = .idle
                    feed(.agent(AgentID(b.agent), .idle))
                    free.append(b.agent)
                } else {
                    kept.append(b)
                }
            }
            busy = kept
            time += 1
            feed(.wakeUp)
            commands.removeAll { if case .record = $0 { true } else { false } }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return DecisionResult(events: handled, originates: originates, seconds: seconds)
    }
}
