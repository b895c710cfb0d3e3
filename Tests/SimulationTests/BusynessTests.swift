import SimKernel
import Simulation
import Testing

@Suite("Day-to-day busyness")
struct BusynessTests {
    @Test("a busyness factor makes daily volumes a Poisson mixture: same mean, far more variance")
    func mixture() {
        // 500 calls a day on average; the factor's sd 0.2 adds 500² × 0.04 = 10,000 to Poisson's 500.
        var s = mmnm(agents: 20, load: 10, patience: 60, hours: 500 * 180 / 10 / 3600, warmup: 0,
                     replications: 400, seed: 5)
        s.traffic.busyness = .gamma(mean: 1, sd: 0.2)
        let result = Runner.run(s)
        var offered = Tally()
        for rep in result.replications { offered.add(rep.total(.offered)) }
        let se = (offered.variance / Double(offered.count)).squareRoot()
        #expect(abs(offered.mean - 500) < 3.3 * se, "mean \(offered.mean) ± \(se)")
        // The sample variance of 400 days: about 10,500, with a standard error near 7.5% of it
        // (the mixture is close to normal), so ±25% is about 3.3 standard errors; Poisson alone
        // would give about 500.
        #expect(offered.variance > 0.75 * 10_500 && offered.variance < 1.25 * 10_500, "variance \(offered.variance)")
        var plain = s
        plain.traffic.busyness = nil
        var poisson = Tally()
        for rep in Runner.run(plain).replications { poisson.add(rep.total(.offered)) }
        #expect(poisson.variance < 0.75 * 10_500 / 10, "Poisson variance \(poisson.variance)")
    }

    @Test("busyness reads from a scenario file, and a scenario with it gets no Erlang figures")
    func fileAndTheory() throws {
        let yaml = """
            name: b
            horizon: 8h
            agents: 10
            traffic:
              arrival_rate: 100/h
              busyness: {gamma: {mean: 1, sd: 0.15}}
              talk_time: {exponential: 3min}
            """
        let s = try Scenario.parse(yaml: yaml, file: "b.yaml")
        #expect(s.traffic.busyness == .gamma(mean: 1, sd: 0.15))
        #expect(Theory(s) == nil)
        var plain = s
        plain.traffic.busyness = nil
        #expect(Theory(plain) != nil)
    }
}
