import CGSL
import CallCenter
import Foundation

// MARK: - Moments

/// The pure enum (cases, validation, mean) is `CallCenter.Distribution`; the kernel adds what
/// needs the maths library and GSL: the variance and sampling.
extension Distribution {
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
        case .exponential: return a * stream.standardExponential()
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
