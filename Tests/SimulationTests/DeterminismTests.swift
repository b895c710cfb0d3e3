import Foundation
import SimKernel
import Simulation
import Testing

/// A small M/M/n+M scenario built in code.
func mmnm(agents: Int, load: Double, talk: Double = 180, patience: Double? = 60, hours: Double = 4,
          warmup: Double = 1800, replications: Int = 10, seed: UInt64 = 1, capacity: Int? = nil) -> Scenario {
    var traffic = InboundTraffic(
        arrivals: .constant(load / talk), talkTime: .exponential(mean: talk))
    traffic.patience = patience.map { .exponential(mean: $0) }
    var s = Scenario(name: "test", horizon: hours * 3600, agents: agents, traffic: traffic)
    s.warmup = warmup
    s.replications = replications
    s.seed = seed
    s.policy = .longestIdle(.init(queueCapacity: capacity))
    return s
}

@Suite("Determinism")
struct DeterminismTests {
    @Test("same scenario, same seed: the same bytes, whatever the number of threads")
    func sameBytes() {
        let s = mmnm(agents: 20, load: 18, hours: 2, replications: 4)
        let a = Runner.run(s, threads: 1)
        let b = Runner.run(s, threads: 2)
        #expect(Reports.summaryJSON(a) == Reports.summaryJSON(b))
        #expect(Reports.intervalsCSV(a) == Reports.intervalsCSV(b))
        #expect(a.replications == b.replications)
    }

    @Test("another seed gives other numbers")
    func seedMatters() {
        let a = Runner.run(mmnm(agents: 20, load: 18, hours: 2, replications: 2, seed: 1))
        let b = Runner.run(mmnm(agents: 20, load: 18, hours: 2, replications: 2, seed: 2))
        #expect(Reports.summaryJSON(a) != Reports.summaryJSON(b))
    }

    @Test("replication r depends only on (seed, r), not on how many replications run")
    func replicationsIndependent() {
        let few = Runner.run(mmnm(agents: 10, load: 8, hours: 1, replications: 2))
        let many = Runner.run(mmnm(agents: 10, load: 8, hours: 1, replications: 5))
        #expect(few.replications[0] == many.replications[0])
        #expect(few.replications[1] == many.replications[1])
    }

    @Test("common random numbers: more agents meet the same callers")
    func commonRandomNumbers() {
        let small = Runner.run(mmnm(agents: 10, load: 9, hours: 2, warmup: 0, replications: 3))
        let large = Runner.run(mmnm(agents: 12, load: 9, hours: 2, warmup: 0, replications: 3))
        for r in 0..<3 {
            // The same arrivals, so the same offered calls ...
            #expect(small.replications[r].total(.offered) == large.replications[r].total(.offered))
            // ... and, with more agents, fewer abandon: paired, replication by replication.
            #expect(small.replications[r].total(.abandoned) > large.replications[r].total(.abandoned))
        }
    }

    @Test("summary.json and intervals.csv are written, complete, and no temporary file is left")
    func filesWritten() throws {
        let s = mmnm(agents: 10, load: 8, hours: 1, warmup: 0, replications: 2)
        let result = Runner.run(s)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-test-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Reports.write(result, to: dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["intervals.csv", "report.html", "summary.json"])
        let summary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
        let metrics = summary["metrics"] as! [String: [String: Any]]
        for name in ["abandon_rate", "p_wait", "asa_seconds", "service_level", "occupancy"] {
            #expect(metrics[name]?["mean"] is Double, "\(name) missing")
            #expect(metrics[name]?["half_width"] is Double, "\(name) has no half-width")
        }
        let csv = try String(contentsOfFile: dir + "/intervals.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 1 + 4, "a header and four 15-minute intervals")
        #expect(lines[0].hasPrefix("interval,start_seconds,start,offered_calls,offered_calls_hw"))
    }
}

@Suite("Simulation bookkeeping")
struct BookkeepingTests {
    @Test("every offered call ends answered, abandoned or blocked")
    func conservation() {
        for capacity in [nil, 0, 3] as [Int?] {
            let result = Runner.run(mmnm(agents: 5, load: 6, hours: 2, warmup: 0, replications: 2, capacity: capacity))
            for rep in result.replications {
                let ended = rep.total(.answered) + rep.total(.abandoned) + rep.total(.blocked)
                #expect(rep.total(.offered) == ended, "capacity \(String(describing: capacity))")
                #expect(rep.total(.offered) > 0)
                if capacity == 0 { #expect(rep.total(.abandoned) == 0) }
                if capacity == nil { #expect(rep.total(.blocked) == 0) }
            }
        }
    }

    @Test("the interval series add up to the totals when there is no warm-up")
    func seriesAddUp() {
        let result = Runner.run(mmnm(agents: 5, load: 4, hours: 2, warmup: 0, replications: 1))
        let rep = result.replications[0]
        for column in InboundColumn.allCases {
            let sum = (0..<rep.series.intervals).reduce(0.0) { $0 + rep.series.value(interval: $1, column: column.rawValue) }
            #expect(abs(sum - rep.total(column)) <= 1e-6 * max(1, abs(sum)), "\(column)")
        }
    }

    @Test("no abandonment without patience; no waiting with more agents than callers can use")
    func limits() {
        let patient = Runner.run(mmnm(agents: 5, load: 4, patience: nil, hours: 2, replications: 2))
        #expect(patient.estimate(named: "abandon_rate")!.mean == 0)
        let idle = Runner.run(mmnm(agents: 200, load: 2, hours: 2, replications: 2))
        #expect(idle.estimate(named: "p_wait")!.mean == 0)
        #expect(idle.estimate(named: "service_level")!.mean == 1)
    }
}
