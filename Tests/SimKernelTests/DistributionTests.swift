import CallCenter
import Foundation
import Scenarios
import SimKernel
import Testing

@Suite("Distributions and random streams")
struct DistributionTests {
    static let cases: [(String, Distribution)] = [
        ("deterministic", .deterministic(42)),
        ("exponential", .exponential(mean: 180)),
        ("erlang", .erlang(k: 3, mean: 120)),
        ("gamma", .gamma(mean: 240, sd: 90)),
        ("lognormal", .lognormal(mean: 240, sd: 180)),
        ("weibull", .weibull(shape: 1.5, mean: 60)),
        ("uniform", .uniform(min: 20, max: 40)),
        ("empirical", .empirical(values: [60, 120, 150, 400], weights: nil, interpolate: false)),
        ("empirical-weighted", .empirical(values: [60, 120, 400], weights: [1, 3, 1], interpolate: false)),
        ("empirical-interpolated", .empirical(values: [30, 60, 90, 300], weights: nil, interpolate: true)),
    ]

    @Test("sample means and variances match theory within 99.9% batch confidence intervals",
          arguments: cases)
    func momentsMatchTheory(_ name: String, _ distribution: Distribution) {
        #expect(distribution.problem == nil)
        let sampler = Sampler(distribution)
        let stream = RandomStream(StreamSeeds(seed: 7, replication: 0), purpose: "test.\(name)")
        // 40 batches of 5000: each batch's mean and variance are nearly normal, so a Student-t
        // interval over batches is a proper confidence interval for the mean and the variance.
        var batchMeans: [Double] = []
        var batchVariances: [Double] = []
        for _ in 0..<40 {
            var tally = Tally()
            for _ in 0..<5000 { tally.add(sampler.sample(stream)) }
            batchMeans.append(tally.mean)
            batchVariances.append(tally.variance)
        }
        let mean = Estimate(batchMeans, level: 0.999)
        let variance = Estimate(batchVariances, level: 0.999)
        if distribution.isDeterministic {
            #expect(mean.mean == distribution.mean && variance.mean == 0)
            return
        }
        #expect(mean.covers(distribution.mean), "\(name): mean \(mean.mean) ± \(mean.halfWidth!) vs \(distribution.mean)")
        #expect(variance.covers(distribution.variance),
                "\(name): variance \(variance.mean) ± \(variance.halfWidth!) vs \(distribution.variance)")
        // The test has power: the intervals are narrow relative to the values they check.
        #expect(mean.halfWidth! < 0.01 * distribution.mean)
        #expect(variance.halfWidth! < 0.1 * distribution.variance)
    }

    @Test("the ziggurat's exponential has the distribution 1 - exp(-x): the top layer, the wedges, the base and the tail")
    func zigguratShape() {
        // 2,000,000 draws; at each point the share at or below it is binomial around
        // 1 - exp(-x): 5 standard deviations per point (10 points) is a false alarm about once
        // in 300,000 runs, and a layer or the tail drawn wrong moves a share by far more.
        let stream = RandomStream(StreamSeeds(seed: 2026, replication: 0), purpose: "test.ziggurat")
        let points: [Double] = [0.001, 0.02, 0.1, 0.5, 1, 2, 4, 7.0, 7.69711747013104972, 9]
        var below = [Int](repeating: 0, count: points.count)
        let n = 2_000_000
        var sum = 0.0, previous = 0.0, lagged = 0.0, bad = 0
        for _ in 0..<n {
            let x = stream.standardExponential()
            if !(x >= 0 && x.isFinite) { bad += 1 }
            var i = points.count - 1
            while i >= 0 && x <= points[i] {
                below[i] += 1
                i -= 1
            }
            sum += x
            lagged += (x - 1) * (previous - 1)
            previous = x
        }
        for (i, p) in points.enumerated() {
            let expected = -expm1(-p)
            let share = Double(below[i]) / Double(n)
            let sd = (expected * (1 - expected) / Double(n)).squareRoot()
            #expect(abs(share - expected) < 5 * sd, "P(X <= \(p)) = \(share), expected \(expected) ± \(5 * sd)")
        }
        // Mean 1 (sd of the mean 1/sqrt(n)); successive draws uncorrelated (sd about 1/sqrt(n)).
        #expect(bad == 0)
        #expect(abs(sum / Double(n) - 1) < 5 / Double(n).squareRoot())
        #expect(abs(lagged / Double(n)) < 5 / Double(n).squareRoot())
    }

    @Test("uniforms are never 0 nor 1, and the same stream key gives the same numbers")
    func uniforms() {
        let seeds = StreamSeeds(seed: 3, replication: 1)
        let a = RandomStream(seeds, purpose: "test.uniform")
        let b = RandomStream(seeds, purpose: "test.uniform")
        var outside = 0, different = 0
        for _ in 0..<100_000 {
            let u = a.uniformPositive()
            if !(u > 0 && u < 1) { outside += 1 }
            if u != b.uniformPositive() { different += 1 }
        }
        #expect(outside == 0 && different == 0)
    }

    @Test("invalid parameters are reported in planner terms")
    func problems() {
        #expect(Distribution.exponential(mean: 0).problem == "the mean must be positive")
        #expect(Distribution.erlang(k: 0, mean: 3).problem == "k must be a whole number of at least 1")
        #expect(Distribution.lognormal(mean: 10, sd: -1).problem == "sd must be positive")
        #expect(Distribution.uniform(min: 5, max: 1).problem == "min must not exceed max")
        #expect(Distribution.deterministic(-1).problem == "the value must be a duration that is not negative")
        #expect(Distribution.empirical(values: [], weights: nil, interpolate: false).problem == "the table of values is empty")
        #expect(Distribution.empirical(values: [1, 2], weights: [1], interpolate: false).problem == "there must be one weight per value")
        #expect(Distribution.weibull(shape: 0, mean: 3).problem == "shape must be positive")
    }

    @Test("a stream depends only on (seed, replication, purpose)")
    func streamsAreReproducibleAndIndependent() {
        func draws(_ seed: UInt64, _ replication: Int, _ purpose: String) -> [Double] {
            let s = RandomStream(StreamSeeds(seed: seed, replication: replication), purpose: purpose)
            return (0..<5).map { _ in s.uniformPositive() }
        }
        #expect(draws(1, 0, "arrivals") == draws(1, 0, "arrivals"))
        #expect(draws(1, 0, "arrivals") != draws(1, 1, "arrivals"))
        #expect(draws(1, 0, "arrivals") != draws(2, 0, "arrivals"))
        #expect(draws(1, 0, "arrivals") != draws(1, 0, "patience"))
    }

    @Test("per-entity substreams: reseeding returns to the same numbers, entities differ")
    func substreams() {
        let seeds = StreamSeeds(seed: 11, replication: 3)
        var s = RandomStream(seeds, purposeHash: 1, entity: 0)
        var firsts: Set<Double> = []
        for entity in 0..<10_000 as Range<UInt64> {
            s.reseed(seeds, purpose: 1, entity: entity)
            firsts.insert(s.uniformPositive())
        }
        #expect(firsts.count == 10_000, "two entities started alike")
        s.reseed(seeds, purpose: 1, entity: 42)
        let a = (0..<3).map { _ in s.uniformPositive() }
        s.reseed(seeds, purpose: 1, entity: 42)
        let b = (0..<3).map { _ in s.uniformPositive() }
        #expect(a == b)
        // Uniformity of a substream's first draws over many entities: mean 1/2, variance 1/12.
        var tally = Tally()
        for entity in 0..<40_000 as Range<UInt64> {
            s.reseed(seeds, purpose: 2, entity: entity)
            tally.add(s.uniformPositive())
        }
        let se = (1.0 / 12 / 40_000).squareRoot()
        #expect(abs(tally.mean - 0.5) < 3.3 * se)
    }
}

@Suite("Statistics")
struct StatisticsTests {
    @Test("tally: mean, sample variance, extremes")
    func tally() {
        var t = Tally()
        for x in [2.0, 4, 4, 4, 5, 5, 7, 9] { t.add(x) }
        #expect(t.count == 8)
        #expect(t.mean == 5)
        #expect(t.min == 2)
        #expect(t.max == 9)
        #expect(abs(t.variance - 32.0 / 7) < 1e-12)
    }

    @Test("time-weighted average of a step function")
    func timeWeighted() {
        var q = TimeWeighted(value: 0, at: 0)
        q.set(2, at: 10)  // 0 on [0,10)
        q.set(1, at: 20)  // 2 on [10,20)
        let expected: Double = (2 * 10 + 1 * 20) / 40.0
        #expect(q.mean(until: 40) == expected)
    }

    @Test("per-interval areas split across boundaries")
    func intervals() {
        var s = IntervalSeries(width: 10, horizon: 30, columns: 2)
        s.addArea(level: 3, column: 1, from: 5, to: 25)
        #expect(s.value(interval: 0, column: 1) == 15)
        #expect(s.value(interval: 1, column: 1) == 30)
        #expect(s.value(interval: 2, column: 1) == 15)
        s.add(1, column: 0, at: 29.9)
        s.add(1, column: 0, at: 31)  // past the horizon: the last interval
        #expect(s.value(interval: 2, column: 0) == 2)
        #expect(s.intervals == 3)
    }

    @Test("Student-t confidence interval from GSL")
    func confidence() {
        // t(0.975, 4) = 2.776445
        #expect(abs(Estimate.studentQuantile(level: 0.95, degreesOfFreedom: 4) - 2.776445) < 1e-5)
        let e = Estimate([1, 2, 3, 4, 5])
        #expect(e.mean == 3)
        #expect(abs(e.halfWidth! - 2.776445 * (2.5).squareRoot() / (5.0).squareRoot()) < 1e-5)
        #expect(Estimate([1]).halfWidth == nil)
        #expect(Estimate([1, .nan, 3]).n == 2)
    }
}

@Suite("Units")
struct UnitsTests {
    @Test func durations() throws {
        #expect(try Units.duration("3min") == 180)
        #expect(try Units.duration("20s") == 20)
        #expect(try Units.duration("1.5h") == 5400)
        #expect(try Units.duration("45") == 45)
        #expect(throws: UnitError.self) { try Units.duration("abc") }
        #expect(throws: UnitError.self) { try Units.duration("3 fortnights") }
        #expect(throws: UnitError.self) { try Units.duration("-3s") }
    }

    @Test func rates() throws {
        #expect(try Units.rate("3.5/min") == 3.5 / 60)
        #expect(try Units.rate("120/h") == 120.0 / 3600)
        #expect(try Units.rate("30/15min") == 30.0 / 900)
        #expect(try Units.rate("2 per min") == 2.0 / 60)
        #expect(throws: UnitError.self) { try Units.rate("3.5") }
        #expect(throws: UnitError.self) { try Units.rate("3/fortnight") }
    }
}
