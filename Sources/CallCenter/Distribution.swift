// MARK: - Distributions in planner terms

/// A distribution of durations (talk time, wrap-up, patience, ring time), given as planners
/// describe them: by mean and standard deviation where that is natural.
///
/// A plain value: its cases, its validation (`problem`) and its mean. It lives here, below the
/// scenario readers (`Scenarios`) and the simulation kernel (`SimKernel`), so that reading a
/// scenario file does not need GSL; `SimKernel` adds the variance and the `Sampler` that draws
/// from it through GSL (`gsl_ran_*`).
public enum Distribution: Sendable, Hashable {
    /// Always the same value.
    case deterministic(Double)
    /// Exponential with the given mean (simcc's ziggurat on its xoshiro256++ stream, `Sources/CGSL/random.h`).
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
            if !values.allSatisfy(finiteNonNegative) {
                return "every value must be a duration that is not negative"
            }
            if let weights {
                if interpolate { return "weights cannot be combined with interpolate" }
                if weights.count != values.count { return "there must be one weight per value" }
                if !weights.allSatisfy(finiteNonNegative) {
                    return "every weight must be a number that is not negative"
                }
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

    /// Whether every draw is the same value.
    public var isDeterministic: Bool {
        if case .deterministic = self { return true }
        return false
    }
}
