import Benchmarks
import EventSocket
import Foundation
import Testing

/// The decoder's throughput. Runs only with `SIMCC_ESL_BENCH=1` (meaningful in release:
/// `SIMCC_ESL_BENCH=1 swift test -c release --filter ESLBenchmarkTests`); a tiny smoke run
/// always checks that the benchmark decodes what it builds.
@Suite struct ESLBenchmarkTests {
    @Test func benchmarkInputIsTypical() throws {
        let stream = ESLBenchmark.channelEventStream(eventsPerChunk: 5)
        let outcome = decodeWhole(stream.bytes)
        #expect(outcome.error == nil)
        #expect(outcome.frames.count == 5)
        let sizes = outcome.frames.map(\.byteCount)
        #expect(sizes.allSatisfy { $0 > 1400 && $0 < 1700 }, "\(sizes)")
        let event = try ESLEvent(outcome.frames[2])
        #expect(event.eventName == "CHANNEL_ANSWER")
        #expect(event.callerIDNumber == "1000")
        #expect(ESLBenchmark.decodeChannelEvents(count: 100).events == 100)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SIMCC_ESL_BENCH"] == "1"))
    func channelEventsPerSecond() {
        _ = ESLBenchmark.decodeChannelEvents(count: 20_000)  // warm-up
        var best = 0.0
        for _ in 0..<3 {
            let run = ESLBenchmark.decodeChannelEvents(count: 200_000)
            #expect(run.events == 200_000)
            best = max(best, Double(run.events) / run.seconds)
        }
        print("ESL decode: \(Int(best)) channel events/s (best of 3 runs of 200,000, ~1.5 KB each)")
    }
}
