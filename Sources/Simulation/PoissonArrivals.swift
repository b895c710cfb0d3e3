import CallCenter
import Foundation
import Scenarios
import SimKernel

// MARK: - Arrivals of a piecewise-constant rate

/// The piecewise Poisson process of one replication: an arrival profile scaled by the day's
/// busyness factor, drawn forward from a stream the caller owns.
///
/// Within a period the gaps are exponential; at a period's end the process restarts with the
/// next rate (exact, by memorylessness).
struct PoissonArrivals {
    /// The periods, rates already scaled by the day's factor (a private copy per replication, so
    /// threads running other replications never touch its reference count).
    let segments: [ArrivalProfile.Segment]
    let horizon: Double
    var segmentIndex = 0

    /// The process of `profile` up to `horizon`, every rate multiplied by `factor`.
    init(_ profile: ArrivalProfile, factor: Double = 1, horizon: Double) {
        segments = profile.segments.map { ArrivalProfile.Segment(start: $0.start, rate: $0.rate * factor) }
        self.horizon = horizon
    }

    /// The day's busyness factor of replication `seeds`: one draw of `busyness` from its own
    /// stream (`purpose`), or 1 without one.
    static func factor(_ busyness: Distribution?, _ seeds: StreamSeeds, purpose: String) -> Double {
        guard let busyness else { return 1 }
        let stream = RandomStream(seeds, purpose: purpose)
        return Sampler(busyness).sample(stream)
    }

    /// The next arrival time after `t`, or nil past the horizon. Calls must ask with
    /// non-decreasing `t` (the process only moves forward).
    @inline(__always)
    mutating func next(after t: Double, _ stream: borrowing RandomStream) -> Double? {
        var t = t
        while true {
            let end = segmentIndex + 1 < segments.count ? segments[segmentIndex + 1].start : horizon
            let rate = segments[segmentIndex].rate
            if rate > 0 {
                let next = t + stream.standardExponential() / rate
                if next < end { return next < horizon ? next : nil }
            }
            guard segmentIndex + 1 < segments.count, end < horizon else { return nil }
            t = end
            segmentIndex += 1
        }
    }
}
