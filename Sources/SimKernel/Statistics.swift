import CGSL
import Foundation

// MARK: - Tallies

/// Count, mean, variance, minimum and maximum of observations (Welford's algorithm).
public struct Tally: Sendable, Hashable, Codable {
    /// How many observations.
    public private(set) var count: Int = 0
    /// Their mean (0 with none).
    public private(set) var mean: Double = 0
    @usableFromInline var m2: Double = 0
    /// The smallest observation (+∞ with none).
    public private(set) var min: Double = .infinity
    /// The largest observation (−∞ with none).
    public private(set) var max: Double = -.infinity

    /// An empty tally.
    public init() {}

    /// Adds one observation. - Complexity: O(1).
    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
        if x < min { min = x }
        if x > max { max = x }
    }

    /// The sample variance (n − 1 in the denominator); 0 with fewer than two observations.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    /// The sample standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }
}

// MARK: - Time-weighted averages

/// The time average of a piecewise-constant quantity (busy agents, queue length).
public struct TimeWeighted: Sendable, Hashable {
    /// The value now.
    public private(set) var value: Double
    @usableFromInline var lastTime: Double
    @usableFromInline var start: Double
    @usableFromInline var area: Double = 0

    /// A quantity worth `value` from time `start` on.
    public init(value: Double = 0, at start: Double = 0) {
        self.value = value
        self.lastTime = start
        self.start = start
    }

    /// Sets the quantity to `newValue` from time `time` on. - Complexity: O(1).
    /// - Precondition: `time` is not before the last update.
    public mutating func set(_ newValue: Double, at time: Double) {
        area += value * (time - lastTime)
        lastTime = time
        value = newValue
    }

    /// The time average from the start to `time`. - Complexity: O(1).
    public func mean(until time: Double) -> Double {
        let span = time - start
        guard span > 0 else { return value }
        return (area + value * (time - lastTime)) / span
    }
}

// MARK: - Per-interval series

/// Per-interval sums of counts, amounts and time-weighted quantities, in buckets of fixed
/// width (for example 15 minutes) from time 0 to a horizon.
///
/// Memory is one row of `columns` numbers per interval: proportional to horizon / width, not
/// to the number of events.
public struct IntervalSeries: Sendable, Hashable {
    /// The width of an interval, in seconds.
    public let width: Double
    /// How many intervals.
    public let intervals: Int
    /// How many columns each interval has.
    public let columns: Int
    /// Row-major sums: `values[interval * columns + column]`.
    @usableFromInline var storage: [Double]
    /// Row-major sums: `values[interval * columns + column]`.
    public var values: [Double] { storage }

    /// A series of `columns` sums per interval over [0, horizon).
    public init(width: Double, horizon: Double, columns: Int) {
        precondition(width > 0 && horizon > 0 && columns > 0)
        self.width = width
        self.intervals = max(1, Int((horizon / width).rounded(.up)))
        self.columns = columns
        self.storage = Array(repeating: 0, count: intervals * columns)
    }

    /// The interval that holds time `t` (times at or past the horizon fall in the last one).
    /// - Complexity: O(1).
    @inlinable
    public func interval(at t: Double) -> Int {
        let i = Int(t / width)
        return i < 0 ? 0 : (i >= intervals ? intervals - 1 : i)
    }

    /// Adds `amount` to `column` of the interval holding `t`. - Complexity: O(1).
    @inlinable
    public mutating func add(_ amount: Double, column: Int, at t: Double) {
        storage[interval(at: t) * columns + column] += amount
    }

    /// Adds `amount` to `column` of interval `index`. - Complexity: O(1).
    @inlinable
    public mutating func add(_ amount: Double, column: Int, interval index: Int) {
        storage[index * columns + column] += amount
    }

    /// Adds the area of `level` held from `from` to `to` to `column`, split over the intervals
    /// the span crosses (for time-weighted quantities such as busy agents).
    /// - Complexity: O(1 + intervals crossed).
    @inlinable
    public mutating func addArea(level: Double, column: Int, from: Double, to: Double) {
        guard to > from, level != 0 else { return }
        var t = from
        var i = interval(at: t)
        let end = min(to, Double(intervals) * width)
        while t < end {
            let boundary = Double(i + 1) * width
            let stop = min(boundary, end)
            storage[i * columns + column] += level * (stop - t)
            t = stop
            i += 1
        }
    }

    /// The sum in `column` of interval `index`.
    public func value(interval index: Int, column: Int) -> Double {
        storage[index * columns + column]
    }
}

// MARK: - Confidence intervals over replications

/// The mean of independent replications and the half-width of its Student-t confidence interval.
public struct Estimate: Sendable, Hashable, Codable {
    /// The mean over replications.
    public var mean: Double
    /// The half-width of the confidence interval; nil with fewer than two replications (or no
    /// finite values).
    public var halfWidth: Double?
    /// How many replications had a value.
    public var n: Int

    /// The estimate from one value per replication, at confidence `level` (0.95 by default).
    /// Values that are not finite (a ratio with nothing to divide) are left out.
    /// - Complexity: O(values).
    public init(_ values: [Double], level: Double = 0.95) {
        precondition(level > 0 && level < 1)
        let finite = values.filter(\.isFinite)
        n = finite.count
        guard n > 0 else {
            mean = .nan
            halfWidth = nil
            return
        }
        var tally = Tally()
        for v in finite { tally.add(v) }
        mean = tally.mean
        if n > 1 {
            let t = Estimate.studentQuantile(level: level, degreesOfFreedom: n - 1)
            halfWidth = t * tally.standardDeviation / Double(n).squareRoot()
        } else {
            halfWidth = nil
        }
    }

    /// The two-sided Student-t quantile for `level` with `degreesOfFreedom` (GSL's
    /// `gsl_cdf_tdist_Pinv`).
    public static func studentQuantile(level: Double, degreesOfFreedom: Int) -> Double {
        gsl_cdf_tdist_Pinv(0.5 + level / 2, Double(degreesOfFreedom))
    }

    /// Whether `value` lies in [mean − half-width, mean + half-width].
    public func covers(_ value: Double) -> Bool {
        guard let h = halfWidth else { return false }
        return abs(value - mean) <= h
    }
}
