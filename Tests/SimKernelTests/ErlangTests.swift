import Foundation
import SimKernel
import Testing

// MARK: - Independent references, written the textbook way (small n only)

/// a^j/j! for j = 0...n, by direct products.
private func poissonTerms(_ n: Int, _ a: Double) -> [Double] {
    var terms: [Double] = [1]
    var factorial = 1.0
    for j in stride(from: 1, through: n, by: 1) {
        factorial *= Double(j)
        terms.append(pow(a, Double(j)) / factorial)
    }
    return terms
}

/// Erlang B by its closed form (a^n/n!) / Σ_{j≤n} a^j/j!.
private func directErlangB(_ n: Int, _ a: Double) -> Double {
    let t = poissonTerms(n, a)
    return t[n] / t.reduce(0, +)
}

/// Erlang C by its closed form (a^n/n!·n/(n−a)) / (Σ_{j<n} a^j/j! + a^n/n!·n/(n−a)).
private func directErlangC(_ n: Int, _ a: Double) -> Double {
    let t = poissonTerms(n, a)
    let top = t[n] * Double(n) / (Double(n) - a)
    return top / (t[0..<n].reduce(0, +) + top)
}

/// Erlang A the long way: the state probabilities summed directly over a generous fixed
/// truncation, and the service level by integrating the killed death chain's forward equations
/// with RK4 (step h), for small n only.
private struct DirectErlangA {
    var pWait = 0.0
    var pAbandon = 0.0
    var meanQueue = 0.0
    var serviceLevel = 0.0

    init(
        n: Int, lambda: Double, aht: Double, patience: Double, target: Double, states: Int,
        h: Double
    ) {
        let mu = 1 / aht
        let theta = 1 / patience
        let nMu = Double(n) * mu
        var weights = poissonTerms(n, lambda / mu)  // π_0 … π_n unnormalised
        for k in 1..<states {
            weights.append(weights[weights.count - 1] * lambda / (nMu + Double(k) * theta))
        }
        let total = weights.reduce(0, +)
        let arrival = (0..<states).map { weights[n + $0] / total }  // k ahead
        pWait = arrival.reduce(0, +)
        meanQueue = (0..<states).reduce(0) { $0 + Double($1) * arrival[$1] }
        for k in 0..<states {
            var served = 1.0
            for i in 0...k { served *= (nMu + Double(i) * theta) / (nMu + Double(i + 1) * theta) }
            pAbandon += arrival[k] * (1 - served)
        }
        // v' = −(d_i+θ) v_i + d_{i+1} v_{i+1};  s' = d_0 v_0.
        func derivative(_ v: [Double]) -> [Double] {
            var dv = [Double](repeating: 0, count: states + 1)
            for i in 0..<states {
                dv[i] = -(nMu + Double(i + 1) * theta) * v[i]
                if i + 1 < states { dv[i] += (nMu + Double(i + 1) * theta) * v[i + 1] }
            }
            dv[states] = nMu * v[0]
            return dv
        }
        var v = arrival + [0]
        let steps = Int((target / h).rounded())
        for _ in 0..<steps {
            let k1 = derivative(v)
            let k2 = derivative(zip(v, k1).map { $0 + h / 2 * $1 })
            let k3 = derivative(zip(v, k2).map { $0 + h / 2 * $1 })
            let k4 = derivative(zip(v, k3).map { $0 + h * $1 })
            for i in v.indices { v[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
        }
        serviceLevel = 1 - pWait + v[states]
    }
}

private func close(_ x: Double, _ y: Double, _ tolerance: Double) -> Bool {
    abs(x - y) <= tolerance
}

private func relativelyClose(_ x: Double, _ y: Double, _ tolerance: Double) -> Bool {
    abs(x - y) <= tolerance * max(abs(x), abs(y))
}

// MARK: - Erlang B and C

@Suite("Erlang")
struct ErlangTests {
    @Test("Erlang B matches published values and the closed form")
    func erlangB() throws {
        #expect(close(try Erlang.blocking(agents: 10, offeredLoad: 5), 0.018384, 1e-6))
        #expect(close(try Erlang.blocking(agents: 1, offeredLoad: 3), 0.75, 1e-15))  // a/(1+a)
        #expect(close(try Erlang.blocking(agents: 2, offeredLoad: 1), 0.2, 1e-15))
        #expect(try Erlang.blocking(agents: 0, offeredLoad: 7) == 1)
        #expect(try Erlang.blocking(agents: 5, offeredLoad: 0) == 0)
        for n in [1, 3, 7, 12, 20, 30] {
            for a in [0.1, 1, 2.5, 8, 19.5, 40] {
                #expect(
                    relativelyClose(
                        try Erlang.blocking(agents: n, offeredLoad: a), directErlangB(n, a), 1e-12))
            }
        }
        // The recursion stays finite far beyond where factorials overflow.
        let big = try Erlang.blocking(agents: 5000, offeredLoad: 4900)
        #expect(big > 0 && big < 0.02)
    }

    @Test("Erlang C matches published values and the closed form")
    func erlangC() throws {
        let c = try Erlang.delay(agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, target: 20)
        #expect(close(c.pWait, 0.4092, 5e-5))
        #expect(close(c.offeredLoad, 8, 1e-12))
        #expect(close(c.occupancy, 0.8, 1e-12))
        // Two agents, one erlang: C = 1/3 exactly; ASA = C/(nμ − λ) = (1/3)/(1/aht).
        let two = try Erlang.delay(agents: 2, arrivalRate: 1.0 / 60, handleTime: 60, target: 30)
        #expect(close(two.pWait, 1.0 / 3, 1e-15))
        #expect(close(two.asa, 20, 1e-12))
        #expect(close(two.meanQueueLength, two.arrivalRate * two.asa, 1e-15))
        #expect(close(two.serviceLevel, 1 - exp(-0.5) / 3, 1e-15))
        #expect(try two.serviceLevel(within: 30) == two.serviceLevel)
        #expect(close(try two.serviceLevel(within: 0), 2.0 / 3, 1e-15))
        for n in [1, 4, 10, 25] {
            for share in [0.3, 0.7, 0.95] {
                let a = share * Double(n)
                let r = try Erlang.delay(
                    agents: n, arrivalRate: a / 240, handleTime: 240, target: 15)
                #expect(relativelyClose(r.pWait, directErlangC(n, a), 1e-12))
            }
        }
    }

    @Test("Erlang C refuses an offered load of at least the number of agents")
    func erlangCUnstable() {
        #expect(throws: ErlangError.unstable(offeredLoad: 105, agents: 100)) {
            try Erlang.delay(agents: 100, arrivalRate: 105.0 / 180, handleTime: 180, target: 20)
        }
        let error = ErlangError.unstable(offeredLoad: 105, agents: 100)
        #expect(
            error.description.hasPrefix(
                "unstable: offered load 105.0 erlangs needs more than 100 agents"))
        #expect(throws: ErlangError.self) {
            try Erlang.delay(agents: 8, arrivalRate: 8.0 / 60, handleTime: 60, target: 20)  // a = n
        }
        // Without abandonment Erlang A is Erlang C and is just as unstable.
        #expect(throws: ErlangError.self) {
            try Erlang.abandonment(
                agents: 8, arrivalRate: 9.0 / 60, handleTime: 60, patience: .infinity, target: 20)
        }
    }

    // MARK: - Erlang A

    @Test("Erlang A matches a direct summation and an RK4 integration of the death chain")
    func erlangADirect() throws {
        for (n, a, patience) in [(3, 2.5, 30.0), (5, 4.0, 120.0), (4, 6.0, 90.0), (2, 0.5, 10.0)] {
            let aht = 100.0
            let r = try Erlang.abandonment(
                agents: n, arrivalRate: a / aht, handleTime: aht, patience: patience, target: 20)
            let d = DirectErlangA(
                n: n, lambda: a / aht, aht: aht, patience: patience, target: 20, states: 50, h: 0.02
            )
            #expect(relativelyClose(r.pWait, d.pWait, 1e-12), "n=\(n) a=\(a)")
            #expect(relativelyClose(r.pAbandon, d.pAbandon, 1e-11), "n=\(n) a=\(a)")
            #expect(relativelyClose(r.meanQueueLength, d.meanQueue, 1e-11), "n=\(n) a=\(a)")
            #expect(close(r.serviceLevel, d.serviceLevel, 1e-9), "n=\(n) a=\(a)")
        }
    }

    @Test("Erlang A against a high-precision reference (mpmath, 40 digits, expm of the chain)")
    func erlangAReference() throws {
        // n = 3, a = 2.5 (λ = 2.5/100 per s, aht 100 s), patience 30 s, target 20 s.
        let r = try Erlang.abandonment(
            agents: 3, arrivalRate: 0.025, handleTime: 100, patience: 30, target: 20)
        #expect(close(r.pWait, Reference.pWait, 1e-14))
        #expect(close(r.pAbandon, Reference.pAbandon, 1e-14))
        #expect(close(r.asa, Reference.asa, 1e-12))
        #expect(close(r.serviceLevel, Reference.serviceLevel, 1e-13))
    }

    @Test("P(abandon) = θ·E[queue]/λ and mean wait of all = E[queue]/λ (Little)")
    func abandonmentBalance() throws {
        for (n, a, patience) in [
            (10, 8.0, 60.0), (10, 12.0, 60.0), (100, 95.0, 180.0), (50, 70.0, 20.0),
        ] {
            let r = try Erlang.abandonment(
                agents: n, arrivalRate: a / 180, handleTime: 180, patience: patience, target: 20)
            let theta = 1 / patience
            #expect(relativelyClose(r.pAbandon, theta * r.meanQueueLength / r.arrivalRate, 1e-12))
            #expect(relativelyClose(r.meanWaitAll, r.meanQueueLength / r.arrivalRate, 1e-12))
            #expect(relativelyClose(r.occupancy, a * (1 - r.pAbandon) / Double(n), 1e-14))
            #expect(r.occupancy < 1 && r.pAbandon < r.pWait && r.asa > 0)
        }
    }

    @Test("Erlang A tends to Erlang C as patience grows (θ = 1e-9, then 1e-12)")
    func erlangAToC() throws {
        let c = try Erlang.delay(agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, target: 20)
        let a = try Erlang.abandonment(
            agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, patience: 1e9, target: 20)
        // The differences are first order in θ. Waits scale with 1/(nμ − λ) = 90 s, and the
        // change of a (relative) figure with θ is about θ times a squared wait, so
        // θ/(nμ − λ)² = 1e-9 · 8100 ≈ 8e-6 bounds them (observed: 2e-7 to 1.1e-6).
        let scale = 1e-9 * 90 * 90
        #expect(relativelyClose(a.pWait, c.pWait, scale))
        #expect(relativelyClose(a.asa, c.asa, scale))
        #expect(relativelyClose(a.meanQueueLength, c.meanQueueLength, scale))
        #expect(a.pAbandon < scale)
        // The uniformised service level against C's closed form 1 − C·e^{−(nμ−λ)T}.
        for target in [0.0, 5, 20, 60, 300] {
            #expect(
                close(try a.serviceLevel(within: target), try c.serviceLevel(within: target), scale)
            )
        }
        // No numerical floor: 1000 times less θ gives 1000 times smaller differences.
        let b = try Erlang.abandonment(
            agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, patience: 1e12, target: 20)
        #expect(relativelyClose((a.asa - c.asa) / (b.asa - c.asa), 1000, 0.01))
        #expect(relativelyClose((a.pWait - c.pWait) / (b.pWait - c.pWait), 1000, 0.01))
        #expect(
            relativelyClose(
                (a.serviceLevel - c.serviceLevel) / (b.serviceLevel - c.serviceLevel), 1000, 0.01))
        // θ = 0 exactly is Erlang C.
        let never = try Erlang.abandonment(
            agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, patience: .infinity, target: 20)
        #expect(
            never.pWait == c.pWait && never.serviceLevel == c.serviceLevel && never.pAbandon == 0)
        #expect(never.patience == .infinity && never.abandonmentRate == 0)
    }

    @Test("Erlang A tends to Erlang B as patience vanishes (θ → ∞)")
    func erlangAToB() throws {
        let n = 10
        let aht = 180.0
        let lambda = 5.0 / aht
        let b = try Erlang.blocking(agents: n, offeredLoad: 5)
        for patience in [1e-1, 1e-3] {
            let theta = 1 / patience
            let r = try Erlang.abandonment(
                agents: n, arrivalRate: lambda, handleTime: aht, patience: patience, target: 20)
            // With x = Σ_{k≥1} π_{n+k}/π_n ≤ λ/(θ−λ):
            //   B(1 − x − nμ/θ) ≤ P(abandon) ≤ P(wait) ≤ B(1 + x),
            // so |P(abandon) − B| ≤ B·(λ/(θ − λ) + nμ/θ).
            let bound = b * (lambda / (theta - lambda) + Double(n) / aht / theta)
            #expect(abs(r.pAbandon - b) <= bound + 1e-16)
            #expect(abs(r.pWait - b) <= bound + 1e-16)
        }
    }

    @Test("the service level rises with the target towards 1 − P(abandon)")
    func serviceLevelMonotone() throws {
        let r = try Erlang.abandonment(
            agents: 100, arrivalRate: 0.5278, handleTime: 180, patience: 60, target: 20)
        var previous = try r.serviceLevel(within: 0)
        #expect(close(previous, 1 - r.pWait, 1e-15))
        for target in [1.0, 5, 10, 20, 30, 60, 120, 300, 900, 3600] {
            let level = try r.serviceLevel(within: target)
            #expect(level >= previous)
            #expect(level <= 1 - r.pAbandon + 1e-13)
            previous = level
        }
        #expect(try r.serviceLevel(within: 20) == r.serviceLevel)
        #expect(close(try r.serviceLevel(within: 1e6), 1 - r.pAbandon, 1e-12))
        #expect(close(try r.serviceLevel(within: 1e20), 1 - r.pAbandon, 1e-12))
    }

    @Test("large cases are quick and give figures in [0, 1]")
    func largeCases() throws {
        let c = try Erlang.delay(agents: 500, arrivalRate: 490.0 / 180, handleTime: 180, target: 20)
        for a in [490.0, 600.0] {
            let r = try Erlang.abandonment(
                agents: 500, arrivalRate: a / 180, handleTime: 180, patience: 60, target: 20)
            for p in [r.pWait, r.pAbandon, r.serviceLevel, r.occupancy] {
                #expect(p.isFinite && p >= 0 && p <= 1, "a=\(a): \(r)")
            }
            #expect(r.asa.isFinite && r.meanWaitAll.isFinite && r.meanQueueLength.isFinite)
            if a == 490 { #expect(r.serviceLevel > c.serviceLevel && r.pWait < c.pWait) }
            if a == 600 { #expect(r.pAbandon > 1 - 500.0 / 600 && r.occupancy > 0.99) }
        }
    }

    @Test("results are Codable and round-trip")
    func codable() throws {
        let r = try Erlang.abandonment(
            agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, patience: 60, target: 20)
        let data = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(ErlangA.self, from: data) == r)
        let c = try Erlang.delay(agents: 10, arrivalRate: 8.0 / 180, handleTime: 180, target: 20)
        #expect(try JSONDecoder().decode(ErlangC.self, from: JSONEncoder().encode(c)) == c)
    }

    // MARK: - Invalid inputs

    @Test("invalid inputs throw a sentence naming what to fix")
    func invalidInputs() {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let error as ErlangError { return error.description } catch {
                return "not an ErlangError: \(error)"
            }
            return "no error"
        }
        let cases: [(expected: String, body: () throws -> Void)] = [
            (
                "agents must not be negative for Erlang B, got -1",
                { _ = try Erlang.blocking(agents: -1, offeredLoad: 2) }
            ),
            (
                "offered load must be a finite number of erlangs that is not negative, got nan",
                { _ = try Erlang.blocking(agents: 3, offeredLoad: .nan) }
            ),
            (
                "agents must be at least 1, got 0",
                { _ = try Erlang.delay(agents: 0, arrivalRate: 1, handleTime: 1, target: 1) }
            ),
            (
                "arrival rate must be positive and finite (calls per second), got -1.0",
                { _ = try Erlang.delay(agents: 3, arrivalRate: -1, handleTime: 1, target: 1) }
            ),
            (
                "mean handle time must be positive and finite (seconds), got inf",
                { _ = try Erlang.delay(agents: 3, arrivalRate: 1, handleTime: .infinity, target: 1) }
            ),
            (
                "service-level target must be a finite time that is not negative (seconds), "
                    + "got -2.0",
                { _ = try Erlang.delay(agents: 3, arrivalRate: 0.01, handleTime: 1, target: -2) }
            ),
            (
                "mean patience must be positive (seconds; infinity means callers never abandon), "
                    + "got 0.0",
                {
                    _ = try Erlang.abandonment(
                        agents: 3, arrivalRate: 0.01, handleTime: 1, patience: 0, target: 2)
                }
            ),
            (
                "unstable: offered load 105.0 erlangs needs more than 100 agents; staff at least "
                    + "106, or give a patience to model abandonment (Erlang A)",
                {
                    _ = try Erlang.delay(
                        agents: 100, arrivalRate: 105.0 / 180, handleTime: 180, target: 20)
                }
            ),
            (
                "Erlang A: the queue would need more than 10000000 states; the mean patience is "
                    + "too long for this load, so shorten the patience, add agents or use Erlang C",
                {
                    _ = try Erlang.abandonment(
                        agents: 10, arrivalRate: 20.0 / 180, handleTime: 180, patience: 1e12,
                        target: 20)
                }
            ),
        ]
        for (expected, body) in cases {
            #expect(message(body) == expected)
        }
    }
}

/// High-precision values for n = 3, λ = 0.025/s, aht = 100 s, patience 30 s, T = 20 s.
private enum Reference {
    static let pWait = 0.373998621510432249
    static let pAbandon = 0.22048394479676626294
    static let asa = 3.6760173536820832112
    static let serviceLevel = 0.72525463006165945472
}
