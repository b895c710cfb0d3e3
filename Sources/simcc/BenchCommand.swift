import ArgumentParser
import Benchmarks
import EventSocket
import Foundation
import Live
import LiveRunner
import Simulation

/// `simcc bench`: the standard workload through the whole stack, against a C baseline.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure model events per second on the standard M/M/n+M workload.",
        discussion: """
            Workload: 100 agents, mean talk 180 s, offered load 0.95, mean patience 60 s, \
            8 simulated hours, 10 replications, read from a scenario file and run through the \
            runner, the router and the statistics. Model events are arrivals, service \
            completions and abandonments. In the same run: a minimal hand-written C loop on the \
            same workload (the baseline), simcc on one thread, and simcc on every core. \
            With --memory, two child processes run 8 h and 80 h and their peak memory is compared.
            """
    )

    @Option(help: "Simulated hours per replication.")
    var hours: Double = 8

    @Option(help: "Replications.")
    var replications: Int = 10

    @Option(help: "Threads for the parallel run (default: the number of cores).")
    var threads: Int?

    @Option(name: .customLong("repeat"), help: "How many times each configuration runs; the best is reported.")
    var `repeat`: Int = 5

    @Flag(help: "Also compare the peak memory of an 8 h and an 80 h run (child processes).")
    var memory = false

    @Option(help: .hidden)
    var rssProbe: Double?

    @Flag(help: "Run the outbound benchmark instead: a 1,000-agent, 8-hour predictive campaign (no call records written).")
    var campaign = false

    @Flag(help: "Run the live-path benchmark instead: ESL decoding, event translation and the dialer's decision, per event on one core.")
    var esl = false

    func validate() throws {
        guard hours > 0, hours <= 10_000 else { throw ValidationError("--hours must be in (0, 10000], got \(hours)") }
        guard (1...10_000).contains(replications) else {
            throw ValidationError("--replications must be between 1 and 10000, got \(replications)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard (1...1000).contains(self.repeat) else {
            throw ValidationError("--repeat must be between 1 and 1000, got \(self.repeat)")
        }
    }

    func run() async throws {
        if let probe = rssProbe {
            let scenario = try Bench.scenario(hours: probe, replications: 1)
            _ = Runner.run(scenario, threads: 1)
            print(Bench.peakResidentKiB())
            return
        }
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        if campaign {
            try runCampaign(cores: cores)
            return
        }
        if esl {
            runLivePath()
            try await runLiveLoop()
            return
        }
        let scenario = try Bench.scenario(hours: hours, replications: replications)
        print("workload: M/M/100+M, load 0.95, talk 180 s, patience 60 s, \(hours) h x \(replications) replications")

        // One untimed pass of each, so that none is charged for first-touch page faults,
        // symbol binding and cold caches.
        _ = Bench.runBaselineC(hours: hours, replications: 1)
        _ = Runner.run(try Bench.scenario(hours: hours, replications: 1), threads: 1)

        // Each configuration runs `repeat` times, interleaved, so that a burst of load from
        // elsewhere on the machine hits all three alike; the best and the median are reported.
        var cTimes: [Double] = [], oneTimes: [Double] = [], manyTimes: [Double] = []
        var cEvents = 0, events = 0
        for _ in 0..<self.repeat {
            let c = Bench.runBaselineC(hours: hours, replications: replications)
            cEvents = c.events
            cTimes.append(c.seconds)
            let one = Runner.run(scenario, threads: 1)
            events = one.modelEvents
            oneTimes.append(one.wallSeconds)
            let many = Runner.run(scenario, threads: cores)
            precondition(many.modelEvents == events, "runs on 1 and \(cores) threads differ")
            manyTimes.append(many.wallSeconds)
        }
        let cBest = cTimes.min()!, oneBest = oneTimes.min()!, manyBest = manyTimes.min()!
        let cRate = Double(cEvents) / cBest
        let oneRate = Double(events) / oneBest
        let manyRate = Double(events) / manyBest
        print("best of \(self.repeat) (median in brackets):")
        line("C baseline loop, 1 core", events: cEvents, seconds: cBest, median: median(cTimes), extra: "")
        line("simcc, 1 thread", events: events, seconds: oneBest, median: median(oneTimes),
             extra: String(format: "%.2f x C", oneRate / cRate))
        line("simcc, \(cores) threads", events: events, seconds: manyBest, median: median(manyTimes),
             extra: String(format: "%.2f x C, speed-up %.2f x over 1 thread", manyRate / cRate, manyRate / oneRate))
        print("peak resident memory: \(Bench.peakResidentKiB() / 1024) MiB")

        if memory {
            let short = try probeRSS(hours: 8), long = try probeRSS(hours: 80)
            print(String(format: "peak memory, 1 replication: 8 h %d KiB, 80 h %d KiB (ratio %.2f)",
                         short, long, Double(long) / Double(short)))
        }
    }

    func line(_ label: String, events: Int, seconds: Double, median: Double, extra: String) {
        let padded = label.padding(toLength: 24, withPad: " ", startingAt: 0)
        print(String(format: "%@ %10d events %7.3f s (%7.3f) %6.2f M events/s  %@",
                     padded, events, seconds, median, Double(events) / seconds / 1e6, extra))
    }

    /// The outbound benchmark: each replication on one thread, then all on every core.
    func runCampaign(cores: Int) throws {
        let reps = min(replications, 4)
        let scenario = try Bench.campaign(replications: reps)
        print("workload: 1000 agents, 400000 contacts, 8 h, patent dispatcher, \(reps) replications")
        var oneTimes: [Double] = [], manyTimes: [Double] = []
        var attempts = 0.0, events = 0
        for _ in 0..<self.repeat {
            let one = try OutboundRunner.run(scenario, threads: 1)
            attempts = one.runs[0].map { $0.total(.attempts) }.reduce(0, +)
            events = one.modelEvents
            oneTimes.append(one.wallSeconds)
            manyTimes.append(try OutboundRunner.run(scenario, threads: cores).wallSeconds)
        }
        let one = oneTimes.min()!, many = manyTimes.min()!
        print(String(format: "attempts per replication: %.0f; model events per replication: %d", attempts / Double(reps), events / reps))
        print(String(format: "1 thread: %.3f s per replication (median %.3f), %.2f M events/s",
                     one / Double(reps), median(oneTimes) / Double(reps), Double(events) / one / 1e6))
        print(String(format: "%d threads: %.3f s for %d replications, speed-up %.2f x", cores, many, reps, one / many))
        print("peak resident memory: \(Bench.peakResidentKiB() / 1024) MiB")
    }

    /// The live path, stage by stage, on one core: decoding typical channel events (about 1.5 KB
    /// of text/event-plain each) from a byte stream, translating them into dialer events, and the
    /// CN107613150B dispatcher's handling of a live center's events. Best of `--repeat`.
    func runLivePath() {
        let count = 300_000
        _ = ESLBenchmark.decodeChannelEvents(count: 10_000)
        _ = LiveBenchmark.translateDialerEvents(count: 10_000)
        _ = Bench.dialerDecisions(events: 10_000)
        var decode: [Double] = [], translate: [Double] = [], decide: [Double] = []
        var decided = 0, originates = 0
        for _ in 0..<self.repeat {
            let d = ESLBenchmark.decodeChannelEvents(count: count)
            decode.append(d.seconds / Double(d.events))
            let t = LiveBenchmark.translateDialerEvents(count: count)
            translate.append(t.seconds / Double(t.events))
            let p = Bench.dialerDecisions(events: count)
            decide.append(p.seconds / Double(p.events))
            decided = p.events
            originates = p.originates
        }
        print("workload: \(count) events per stage, best of \(self.repeat) (median in brackets), one core")
        func show(_ label: String, _ xs: [Double]) {
            let best = xs.min()!
            print(String(format: "%@ %8.2f µs/event (%8.2f)  %10.0f events/s",
                         label.padding(toLength: 46, withPad: " ", startingAt: 0), best * 1e6, median(xs) * 1e6, 1 / best))
        }
        show("decode text/event-plain (ESLDecoder+ESLEvent)", decode)
        show("translate to dialer events (DialerBridge)", translate)
        show("dispatcher decision (PatentDispatcher)", decide)
        let total = decode.min()! + translate.min()! + decide.min()!
        print(String(format: "live path per event: %.2f µs, %.0f events/s on one core (%d dispatcher events, %d originates)",
                     total * 1e6, 1 / total, decided, originates))
    }

    /// The whole input path over a loopback socket (SwiftNIO, the client, the session).
    func runLiveLoop() async throws {
        let count = 300_000
        _ = try await LiveLoopBenchmark.run(count: 10_000)
        var rates: [Double] = []
        var events = 0
        for _ in 0..<self.repeat {
            let r = try await LiveLoopBenchmark.run(count: count)
            rates.append(r.eventsPerSecond)
            events = r.events
        }
        let best = rates.max()!
        print(String(format: "%@ %8.2f µs/event (%8.2f)  %10.0f events/s (%d events, both cores: event loop and session)",
                     "loopback socket to a session member".padding(toLength: 46, withPad: " ", startingAt: 0),
                     1e6 / best, 1e6 / median(rates), best, events))
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Runs this executable as a child with `--rss-probe` and reads its peak memory.
    func probeRSS(hours: Double) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = ["bench", "--rss-probe", String(hours)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let kib = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CLIError("the memory probe for \(hours) h printed no number")
        }
        return kib
    }
}
