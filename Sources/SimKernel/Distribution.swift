import CGSL
import Foundation

// MARK: - Distributions in planner terms

/// A distribution of durations (talk time, wrap-up, patience, ring time), given as planners
/// describe them: by mean and standard deviation where that is natural.
///
/// Sampling goes through GSL (`gsl_ran_*`). `validated()` checks the parameters once; a
/// `Sampler` then draws with the parameters GSL wants, precomputed.
public enum Distribution: Sendable, Hashable {
    /// Always the same value.
    case deterministic(Double)
    /// Exponential with the given mean (`gsl_ran_exponential`).
    case exponential(mean: Double)
    /// Erlang: the sum of `k` exponentials, with the given overall mean (`gsl_ran_gamma`, integer shape).
    case erlang(k: Int, mean: Double)
    /// Gamma by mean and standard deviation (`gsl_ran_gamma`, shape (mean/sd)^2).
    case gamma(mean: Double, sd: Double)
    /// Lognormal by the mean and standard deviation of the value itself, not of its logarithm
    /// (`gsl_ran_lognormal`).
    case lognormal(mean: Double, sd: Double)
    /// Weibull by shape and mean (`gsl_ran_weibull`, scale mean / Γ(1 + 1/shape)).
    case weibull(shape: Double, mean: Double)
    /// Uniform on [min, max] (`gsl_ran_flat`).
    case uniform(min: Double, max: Double)
    /// Observed values, each drawn with its weight (`gsl_ran_discrete`) or, with `interpolate`,
    /// the piecewise-linear distribution through the sorted values (equal weights).
    case empirical(values: [Double], weights: [Double]?, interpolate: Bool)

    /// Why a distribution's parameters are invalid, as a sentence fragment, or nil when valid.
    public var problem: String? {
        func finiteNonNegative(_ x: Double) -> Bool { x.isFinite && x >= 0 }
        switch self {
        case .deterministic(let v):
            return finiteNonNegative(v) ? nil : "the value must be a duration that is not negative"
        case .exponential(let mean):
            return mean.isFinite && mean > 0 ? nil : "the mean must be positive"
        case .erlang(let k, let mean):
            if k < 1 { return "k must be a whole number of at least 1" }
            return mean.isFinite && mean > 0 ? nil : "the mean must be positive"
        case .gamma(let mean, let sd), .lognormal(let mean, let sd):
            if !(mean.isFinite && mean > 0) { return "the mean must be positive" }
            return sd.isFinite && sd > 0 ? nil : "sd must be positive"
        case .weibull(let shape, let mean):
            if !(shape.isFinite && shape > 0) { return "shape must be positive" }
            return mean.isFinite && mean > 0 ? nil : "the mean must be positive"
        case .uniform(let lo, let hi):
            if !(finiteNonNegative(lo) && finiteNonNegative(hi)) {
                return "min and max must be durations that are not negative"
            }
            return lo <= hi ? nil : "min must not exceed max"
        case .empirical(let values, let weights, let interpolate):
            if values.isEmpty { return "the table of values is empty" }
            if !values.allSatisfy(finiteNonNegative) { return "every value must be a duration that is not negative" }
            if let weights {
                if interpolate { return "weights cannot be combined with interpolate" }
                if weights.count != values.count { return "there must be one weight per value" }
                if !weights.allSatisfy(finiteNonNegative) { return "every weight must be a number that is not negative" }
                if !(weights.reduce(0, +) > 0) { return "the weights must not all be zero" }
            }
            if interpolate && values.count < 2 { return "interpolate needs at least two values" }
            return nil
        }
    }

    /// The exact mean.
    public var mean: Double {
        switch self {
        case .deterministic(let v): return v
        case .exponential(let m), .erlang(_, let m), .gamma(let m, _), .lognormal(let m, _),
            .weibull(_, let m):
            return m
        case .uniform(let lo, let hi): return (lo + hi) / 2
        case .empirical(let values, let weights, let interpolate):
            if interpolate {
                let s = values.sorted()
                var sum = 0.0
                for i in 1..<s.count { sum += (s[i - 1] + s[i]) / 2 }
                return sum / Double(s.count - 1)
            }
            let w = weights ?? Array(repeating: 1, count: values.count)
            return zip(values, w).map(*).reduce(0, +) / w.reduce(0, +)
        }
    }

    /// The exact variance.
    public var variance: Double {
        switch self {
        case .deterministic: return 0
        case .exponential(let m): return m * m
        case .erlang(let k, let m): return m * m / Double(k)
        case .gamma(_, let sd), .lognormal(_, let sd): return sd * sd
        case .weibull(let k, let m):
            let scale = m / tgamma(1 + 1 / k)
            return scale * scale * (tgamma(1 + 2 / k) - pow(tgamma(1 + 1 / k), 2))
        case .uniform(let lo, let hi): return (hi - lo) * (hi - lo) / 12
        case .empirical(let values, let weights, let interpolate):
            let mu = mean
            if interpolate {
                // Each segment [a, b] carries probability 1/(n-1), uniform within it.
                let s = values.sorted()
                var second = 0.0
                for i in 1..<s.count {
                    let a = s[i - 1], b = s[i]
                    second += (a * a + a * b + b * b) / 3
                }
                return second / Double(s.count - 1) - mu * mu
            }
            let w = weights ?? Array(repeating: 1, count: values.count)
            let total = w.reduce(0, +)
            return zip(values, w).map { ($0 - mu) * ($0 - mu) * $1 }.reduce(0, +) / total
        }
    }

    /// Whether every draw is the same value.
    public var isDeterministic: Bool {
        if case .deterministic = self { return true }
        return false
    }
}

// MARK: - Sampling

/// A validated distribution with GSL's parameters precomputed, ready to draw from.
///
/// A sampler holds no generator: the caller passes the stream of the purpose it samples for.
/// An empirical sampler with weights owns a GSL lookup table (`gsl_ran_discrete_t`), shared
/// read-only among copies and freed with the last of them.
public struct Sampler: @unchecked Sendable {
    // @unchecked: `table` is immutable after construction and only read (gsl_ran_discrete
    // reads its table without writing), so sharing it between threads is safe.
    @usableFromInline enum Kind: Sendable {
        case constant, exponential, gamma, lognormal, weibull, flat, discrete, interpolated, values
    }
    @usableFromInline let kind: Kind
    @usableFromInline let a: Double
    @usableFromInline let b: Double
    @usableFromInline let values: [Double]
    @usableFromInline let table: DiscreteTable?

    /// The distribution this sampler draws from.
    public let distribution: Distribution

    /// A sampler for `distribution`.
    /// - Precondition: `distribution.problem == nil` (scenarios are validated before they run).
    public init(_ distribution: Distribution) {
        precondition(distribution.problem == nil, "invalid distribution: \(distribution.problem!)")
        self.distribution = distribution
        var values: [Double] = []
        var table: DiscreteTable? = nil
        switch distribution {
        case .deterministic(let v): (kind, a, b) = (.constant, v, 0)
        case .exponential(let m): (kind, a, b) = (.exponential, m, 0)
        case .erlang(let k, let m): (kind, a, b) = (.gamma, Double(k), m / Double(k))
        case .gamma(let m, let sd):
            let shape = (m / sd) * (m / sd)
            (kind, a, b) = (.gamma, shape, m / shape)
        case .lognormal(let m, let sd):
            let sigma2 = log1p((sd * sd) / (m * m))
            (kind, a, b) = (.lognormal, log(m) - sigma2 / 2, sigma2.squareRoot())
        case .weibull(let k, let m): (kind, a, b) = (.weibull, m / tgamma(1 + 1 / k), k)
        case .uniform(let lo, let hi): (kind, a, b) = (.flat, lo, hi)
        case .empirical(let vs, let ws, let interpolate):
            if interpolate {
                values = vs.sorted()
                (kind, a, b) = (.interpolated, 0, 0)
            } else if let ws {
                values = vs.map { $0 }  // a private buffer: no reference count shared between threads
                table = DiscreteTable(weights: ws)
                (kind, a, b) = (.discrete, 0, 0)
            } else {
                values = vs.map { $0 }
                (kind, a, b) = (.values, 0, 0)
            }
        }
        self.values = values
        self.table = table
    }

    /// One draw, using `stream`.
    /// - Complexity: O(1); O(log n) for an interpolated table of n values.
    @inlinable @inline(__always)
    public func sample(_ stream: borrowing RandomStream) -> Double {
        switch kind {
        case .constant: return a
        case .exponential: return gsl_ran_exponential(stream.gsl, a)
        case .gamma: return gsl_ran_gamma(stream.gsl, a, b)
        case .lognormal: return gsl_ran_lognormal(stream.gsl, a, b)
        case .weibull: return gsl_ran_weibull(stream.gsl, a, b)
        case .flat: return gsl_ran_flat(stream.gsl, a, b)
        case .values: return values[stream.uniformInt(below: values.count)]
        case .discrete: return values[Int(gsl_ran_discrete(stream.gsl, table!.pointer))]
        case .interpolated:
            // Segment i of n-1 is chosen uniformly, then a uniform point within it.
            let u = stream.uniformPositive() * Double(values.count - 1)
            let i = min(Int(u), values.count - 2)
            let f = u - Double(i)
            return values[i] + f * (values[i + 1] - values[i])
        }
    }
}

/// GSL's Walker alias table for weighted discrete draws, freed with the last reference.
@usableFromInline
final class DiscreteTable: @unchecked Sendable {
    // @unchecked: the table is written once here and only read afterwards.
    @usableFromInline let pointer: UnsafeMutablePointer<gsl_ran_discrete_t>

    init(weights: [Double]) {
        pointer = weights.withUnsafeBufferPointer { gsl_ran_discrete_preproc($0.count, $0.baseAddress) }
    }

    deinit { gsl_ran_discrete_free(pointer) }
}
