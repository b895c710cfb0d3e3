import Foundation

// MARK: - Exact queueing formulas, as planners use an Erlang calculator

/// Why an Erlang formula could not be evaluated; the message says what to change.
public enum ErlangError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An input is out of range; the sentence names it and what it must be.
    case invalidInput(String)
    /// Erlang C (or Erlang A without abandonment) offered at least as many erlangs as agents.
    case unstable(offeredLoad: Double, agents: Int)
    /// Erlang A would need more than `limit` queue states (a patience far too long for the load).
    case tooManyQueueStates(limit: Int)

    /// The sentence shown to the user.
    public var description: String {
        switch self {
        case .invalidInput(let sentence):
            return sentence
        case .unstable(let load, let agents):
            let staffing =
                load < 1e15 ? "staff at least \(Int(load.rounded(.down)) + 1)" : "add agents"
            return
                "unstable: offered load \(Erlang.format(load)) erlangs needs more than \(agents) "
                + "agents; \(staffing), or give a patience to model abandonment (Erlang A)"
        case .tooManyQueueStates(let limit):
            return "Erlang A: the queue would need more than \(limit) states; the mean patience is "
                + "too long for this load, so shorten the patience, add agents or use Erlang C"
        }
    }
}

/// Exact steady-state figures of the classic call-center queues: Erlang B (M/M/n/n), Erlang C
/// (M/M/n) and Erlang A (M/M/n+M, exponential patience).
///
/// All three assume Poisson arrivals at rate λ (calls per second), exponential handle times with
/// mean `handleTime` (so μ = 1/handleTime and the offered load is a = λ/μ erlangs), `agents` = n
/// identical agents, and first-come-first-served queueing. The figures are defined exactly as
/// the simulator measures them, over offered calls (answered + abandoned):
/// - `pWait`: share of offered calls that find no idle agent on arrival;
/// - `pAbandon`: share of offered calls that hang up before being answered;
/// - `asa`: mean wait of answered calls (those answered at once count with wait 0);
/// - `meanWaitAll`: mean wait of all offered calls, until answer or abandonment;
/// - `serviceLevel`: calls answered with wait ≤ target, divided by offered calls (abandoned
///   calls count in the denominator; calls answered at once count as answered within target);
/// - `occupancy`: time-average number of busy agents divided by `agents`;
/// - `meanQueueLength`: time-average number of callers waiting (not yet being served).
public enum Erlang {
    /// Largest number of queue states Erlang A will hold before giving up.
    public static let maxQueueStates = 10_000_000

    // MARK: - Erlang B

    /// Erlang B: the probability that a call is blocked (lost) when `agents` servers are offered
    /// `offeredLoad` erlangs and there is no queue.
    ///
    /// Uses the stable recursion B(0) = 1, B(j) = a·B(j−1) / (j + a·B(j−1)). `agents` may be 0
    /// (everything is blocked). By PASTA this is also the time-share with all agents busy.
    /// - Complexity: O(n), n = `agents`.
    public static func blocking(agents n: Int, offeredLoad a: Double) throws(ErlangError) -> Double
    {
        guard n >= 0 else {
            throw .invalidInput("agents must not be negative for Erlang B, got \(n)")
        }
        guard a.isFinite, a >= 0 else {
            throw .invalidInput(
                "offered load must be a finite number of erlangs that is not negative, "
                    + "got \(format(a))"
            )
        }
        return erlangB(n, a)
    }

    /// The Erlang B recursion on validated inputs.
    static func erlangB(_ n: Int, _ a: Double) -> Double {
        var b = 1.0
        if n == 0 { return b }
        for j in 1...n {
            let ab = a * b
            b = ab / (Double(j) + ab)
        }
        return b
    }

    // MARK: - Erlang C

    /// Erlang C (M/M/n, callers wait as long as it takes) at the given staffing and service target.
    ///
    /// Throws `ErlangError.unstable` when the offered load a = λ·handleTime is at least `agents`.
    /// - Parameters:
    ///   - agents: number of agents n, at least 1.
    ///   - arrivalRate: λ, calls per second, positive.
    ///   - handleTime: mean handle time in seconds (talk + wrap-up), positive.
    ///   - target: service-level target T in seconds, not negative.
    /// - Complexity: O(n).
    public static func delay(
        agents n: Int, arrivalRate lambda: Double, handleTime: Double, target: Double
    ) throws(ErlangError) -> ErlangC {
        try validate(agents: n, arrivalRate: lambda, handleTime: handleTime)
        try validate(target: target)
        let a = lambda * handleTime
        guard a < Double(n) else { throw .unstable(offeredLoad: a, agents: n) }
        let b = erlangB(n, a)
        let rho = a / Double(n)
        let c = b / (1 - rho * (1 - b))
        let drain = Double(n) / handleTime - lambda  // nμ − λ > 0
        let asa = c / drain
        return ErlangC(
            agents: n, arrivalRate: lambda, handleTime: handleTime, target: target,
            offeredLoad: a, pWait: c, asa: asa,
            serviceLevel: 1 - c * exp(-drain * target),
            occupancy: rho, meanQueueLength: lambda * asa)
    }

    // MARK: - Erlang A

    /// Erlang A (M/M/n+M: callers abandon after an exponential patience with mean `patience`),
    /// computed exactly from the birth–death chain, not from a heavy-traffic approximation.
    ///
    /// Stable at every load, so `agents` may be below the offered load. `patience` may be
    /// `.infinity` (callers never abandon): the result is then Erlang C's, and the call throws
    /// `ErlangError.unstable` when the offered load is at least `agents`.
    ///
    /// Method: π_j ∝ a^j/j! for j ≤ n, normalised through Erlang B (Σ_{j≤n} π_j = π_n/B(n,a)),
    /// and π_{n+k} = π_n·Π_{i=1..k} λ/(nμ + iθ), θ = 1/patience, summed until the geometric bound
    /// on the remaining terms is below 1e-16 of the total (K = the number of queue states kept).
    /// By PASTA an arrival finds k callers queued ahead with probability π_{n+k}. Ahead of it the
    /// queue shrinks at rate d_i = nμ + iθ (i = k, …, 0 ahead), and it is served if that chain
    /// finishes before its own patience: P(served | k) = Π_{i=0..k} d_i/(d_i+θ). The service
    /// level is from `ErlangA.serviceLevel(within:)` (uniformisation).
    /// - Parameters:
    ///   - agents: number of agents n, at least 1.
    ///   - arrivalRate: λ, calls per second, positive.
    ///   - handleTime: mean handle time in seconds, positive.
    ///   - patience: mean patience 1/θ in seconds, positive (`.infinity` for none).
    ///   - target: service-level target T in seconds, not negative.
    /// - Complexity: O(n + K) for the distribution and figures, plus O(K·M) for the service
    ///   level, M the number of Poisson terms (about ΛT + 8√(ΛT), Λ = nμ + Kθ).
    public static func abandonment(
        agents n: Int, arrivalRate lambda: Double, handleTime: Double, patience: Double,
        target: Double
    ) throws(ErlangError) -> ErlangA {
        try validate(agents: n, arrivalRate: lambda, handleTime: handleTime)
        try validate(target: target)
        guard patience > 0, !patience.isNaN else {
            throw .invalidInput(
                "mean patience must be positive (seconds; infinity means callers never abandon), "
                    + "got \(format(patience))")
        }
        if patience == .infinity {
            let c = try delay(
                agents: n, arrivalRate: lambda, handleTime: handleTime, target: target)
            return ErlangA(
                agents: n, arrivalRate: lambda, handleTime: handleTime, abandonmentRate: 0,
                target: target, offeredLoad: c.offeredLoad, pWait: c.pWait, pAbandon: 0,
                asa: c.asa, meanWaitAll: c.asa, serviceLevel: c.serviceLevel,
                occupancy: c.occupancy, meanQueueLength: c.meanQueueLength, queueStates: 0)
        }
        let chain = try AbandonmentChain(
            agents: n, arrivalRate: lambda, handleTime: handleTime, abandonmentRate: 1 / patience)
        return chain.result(target: target)
    }

    // MARK: - Validation and formatting

    static func validate(agents n: Int, arrivalRate lambda: Double, handleTime: Double)
        throws(ErlangError)
    {
        guard n >= 1 else { throw .invalidInput("agents must be at least 1, got \(n)") }
        guard lambda.isFinite, lambda > 0 else {
            throw .invalidInput(
                "arrival rate must be positive and finite (calls per second), got \(format(lambda))"
            )
        }
        guard handleTime.isFinite, handleTime > 0 else {
            throw .invalidInput(
                "mean handle time must be positive and finite (seconds), got \(format(handleTime))")
        }
    }

    static func validate(target: Double) throws(ErlangError) {
        guard target.isFinite, target >= 0 else {
            throw .invalidInput(
                "service-level target must be a finite time that is not negative (seconds), "
                    + "got \(format(target))")
        }
    }

    /// A number for messages: at most three decimals, at least one (`105.0`, `95.004`); very
    /// small or large numbers as Swift prints them (`1e-05`).
    static func format(_ x: Double) -> String {
        guard x.isFinite, x == 0 || (abs(x) >= 0.001 && abs(x) < 1e15) else { return "\(x)" }
        return "\((x * 1000).rounded() / 1000)"
    }
}

// MARK: - Results

/// Erlang C (M/M/n) figures at one staffing level; see `Erlang` for the exact definitions.
public struct ErlangC: Sendable, Hashable, Codable {
    /// Number of agents n.
    public var agents: Int
    /// Arrival rate λ, calls per second.
    public var arrivalRate: Double
    /// Mean handle time 1/μ, seconds.
    public var handleTime: Double
    /// Service-level target T, seconds.
    public var target: Double
    /// Offered load a = λ/μ, erlangs.
    public var offeredLoad: Double
    /// Share of offered calls that find no idle agent (the Erlang C probability C(n, a)).
    public var pWait: Double
    /// Mean wait of answered calls, seconds: C/(nμ − λ) (every call is answered here).
    public var asa: Double
    /// Calls answered within `target` over offered calls: 1 − C·e^{−(nμ−λ)T}.
    public var serviceLevel: Double
    /// Mean busy agents over agents: a/n.
    public var occupancy: Double
    /// Time-average number of callers waiting: λ·asa.
    public var meanQueueLength: Double

    /// Mean wait of all calls, seconds; the same as `asa` since nobody abandons.
    public var meanWaitAll: Double { asa }

    /// The service level P(wait ≤ `seconds`) for another target.
    /// - Complexity: O(1).
    public func serviceLevel(within seconds: Double) throws(ErlangError) -> Double {
        try Erlang.validate(target: seconds)
        return 1 - pWait * exp(-(Double(agents) / handleTime - arrivalRate) * seconds)
    }
}

/// Erlang A (M/M/n+M) figures at one staffing level; see `Erlang` for the exact definitions.
public struct ErlangA: Sendable, Hashable, Codable {
    /// Number of agents n.
    public var agents: Int
    /// Arrival rate λ, calls per second.
    public var arrivalRate: Double
    /// Mean handle time 1/μ, seconds.
    public var handleTime: Double
    /// Abandonment rate θ = 1/mean patience, per second (0: callers never abandon).
    public var abandonmentRate: Double
    /// Service-level target T, seconds.
    public var target: Double
    /// Offered load a = λ/μ, erlangs.
    public var offeredLoad: Double
    /// Share of offered calls that find no idle agent.
    public var pWait: Double
    /// Share of offered calls that abandon before being answered (= θ·meanQueueLength/λ).
    public var pAbandon: Double
    /// Mean wait of answered calls, seconds (calls answered at once count with wait 0).
    public var asa: Double
    /// Mean wait of all offered calls until answer or abandonment, seconds (= meanQueueLength/λ).
    public var meanWaitAll: Double
    /// Calls answered with wait ≤ `target`, over offered calls.
    public var serviceLevel: Double
    /// Mean busy agents over agents: λ(1 − pAbandon)/(nμ).
    public var occupancy: Double
    /// Time-average number of callers waiting (not yet being served).
    public var meanQueueLength: Double
    /// Number of queue states K kept in the truncated distribution (0 when θ = 0: Erlang C).
    public var queueStates: Int

    /// Mean patience 1/θ, seconds (`.infinity` when callers never abandon).
    public var patience: Double { abandonmentRate > 0 ? 1 / abandonmentRate : .infinity }

    /// The service level (answered within `seconds` over offered) for another target.
    /// - Complexity: O(n + K) to rebuild the distribution, plus O(K·M) for uniformisation.
    public func serviceLevel(within seconds: Double) throws(ErlangError) -> Double {
        try Erlang.validate(target: seconds)
        if abandonmentRate == 0 {
            return 1 - pWait * exp(-(Double(agents) / handleTime - arrivalRate) * seconds)
        }
        let chain = try AbandonmentChain(
            agents: agents, arrivalRate: arrivalRate, handleTime: handleTime,
            abandonmentRate: abandonmentRate)
        return chain.serviceLevel(within: seconds)
    }
}

// MARK: - The Erlang A chain

/// The M/M/n+M chain as an arrival sees it: the probability of finding all agents busy with k
/// callers queued ahead, k = 0..<K, and the pure-death chain that a queued caller then rides.
struct AbandonmentChain {
    let agents: Int
    let lambda: Double
    let handleTime: Double
    let theta: Double
    /// nμ, the rate at which busy agents free up.
    let serviceRate: Double
    /// arrival[k] = π_{n+k}: an arrival finds all agents busy and k callers queued ahead.
    let arrival: [Double]

    /// Tolerance on the Poisson weights' tails (each side, relative to the mode's weight).
    static let poissonTailTolerance = 1e-14
    /// Uniformisation stops once less than this mass is still waiting.
    static let unabsorbedTolerance = 1e-14
    /// A top queue state holding less than this may be dropped from the uniformised vector...
    static let negligibleState = 1e-20
    /// ... as long as all the mass dropped stays below this.
    static let maxDropped = 1e-15

    /// Beyond this mean number of uniformised steps, the service level is taken at T = ∞.
    static let maxPoissonMean = 1e14

    /// Builds the arrival distribution over queue states.
    /// - Complexity: O(n + K).
    init(
        agents n: Int, arrivalRate lambda: Double, handleTime: Double, abandonmentRate theta: Double
    )
        throws(ErlangError)
    {
        self.agents = n
        self.lambda = lambda
        self.handleTime = handleTime
        self.theta = theta
        let nMu = Double(n) / handleTime
        self.serviceRate = nMu
        let b = Erlang.erlangB(n, lambda * handleTime)
        let lower = 1 / b  // Σ_{j≤n} π_j / π_n
        guard b > 0, lower.isFinite else {
            // π_n underflows: no arrival ever finds all agents busy, to double precision.
            self.arrival = []
            return
        }
        // In overload the terms grow until k ≈ (λ − nμ)/θ: refuse at once if that is past the cap.
        if lambda > nMu, (lambda - nMu) / theta >= Double(Erlang.maxQueueStates) {
            throw .tooManyQueueStates(limit: Erlang.maxQueueStates)
        }
        // r[k] = π_{n+k}/π_n, rescaled together with `total` if an overload makes them huge.
        var r: [Double] = [1]
        var total = lower  // Σ_{j≤n} + Σ_{k≥1}, in the same scale as r
        var k = 0
        while true {
            k += 1
            let next = r[k - 1] * (lambda / (nMu + Double(k) * theta))
            r.append(next)
            total += next
            if next > 1e250 {
                for i in r.indices { r[i] *= 1e-250 }
                total *= 1e-250
            }
            // Beyond k the ratios λ/(nμ + jθ) only decrease, so once q < 1 the rest is at most
            // r_k·q/(1 − q).
            let q = lambda / (nMu + Double(k + 1) * theta)
            if q < 1, next * q / (1 - q) <= 1e-16 * total { break }
            if k + 1 >= Erlang.maxQueueStates {
                throw .tooManyQueueStates(limit: Erlang.maxQueueStates)
            }
        }
        let piN = 1 / total
        self.arrival = r.map { $0 * piN }
    }

    /// Share of offered calls that queue and are eventually served: Σ_k π_{n+k}·L_k.
    /// - Complexity: O(K).
    func eventuallyServed() -> Double {
        var served = 1.0
        var total = 0.0
        for (k, p) in arrival.enumerated() {
            served *= (serviceRate + Double(k) * theta) / exitRate(k)
            total += p * served
        }
        return total
    }

    /// d_i + θ = nμ + (i+1)θ: the total rate of leaving stage i (i callers ahead).
    func exitRate(_ i: Int) -> Double { serviceRate + Double(i + 1) * theta }

    /// The figures at `target`.
    /// - Complexity: O(K) plus the service level's O(K·M).
    func result(target: Double) -> ErlangA {
        var pWait = 0.0
        var pAbandon = 0.0
        var waitAnswered = 0.0  // E[wait · 1{served}]
        var waitAll = 0.0  // E[wait until served or abandoned]
        var queue = 0.0
        // For a caller finding k ahead it passes stages k, k−1, …, 0, each left at rate d_i + θ,
        // towards service with probability g_i = d_i/(d_i+θ). Adding stage k in front:
        //   L_k = g_k·L_{k−1}                      (served)
        //   A_k = θ/(d_k+θ) + g_k·A_{k−1} = 1 − L_k (abandons; no cancellation for small θ)
        //   W_k = 1/(d_k+θ) + g_k·W_{k−1} = (1 − L_k)/θ (mean of min(wait needed, patience))
        //   S_k = Σ_{i≤k} 1/(d_i+θ)                (mean wait given served)
        var served = 1.0
        var abandons = 0.0
        var meanWait = 0.0
        var meanWaitServed = 0.0
        for (k, p) in arrival.enumerated() {
            let exit = exitRate(k)
            let g = (serviceRate + Double(k) * theta) / exit
            served *= g
            abandons = theta / exit + g * abandons
            meanWait = 1 / exit + g * meanWait
            meanWaitServed += 1 / exit
            pWait += p
            pAbandon += p * abandons
            waitAnswered += p * served * meanWaitServed
            waitAll += p * meanWait
            queue += Double(k) * p
        }
        let n = Double(agents)
        let a = lambda * handleTime
        return ErlangA(
            agents: agents, arrivalRate: lambda, handleTime: handleTime, abandonmentRate: theta,
            target: target, offeredLoad: a, pWait: pWait, pAbandon: pAbandon,
            asa: waitAnswered / (1 - pAbandon), meanWaitAll: waitAll,
            serviceLevel: serviceLevel(within: target),
            occupancy: a * (1 - pAbandon) / n, meanQueueLength: queue, queueStates: arrival.count)
    }

    /// P(answered AND wait ≤ T) over offered calls, by uniformisation of the killed death chain.
    ///
    /// Callers finding an idle agent count as answered at once. A queued caller's chain has
    /// transient states i = K−1, …, 0 (callers ahead), leaving i at rate d_i + θ: to i−1 (or to
    /// "served" from 0) at rate d_i, to "abandoned" at rate θ. With Λ = nμ + Kθ ≥ every exit
    /// rate, the chain is a discrete chain with steps at Poisson(ΛT) times; s_m = mass served
    /// within m steps, from the arrival distribution (all starting states at once, one vector of
    /// length K), and the answer is Σ_m Pois(m; ΛT)·s_m.
    ///
    /// Error bound: the Poisson weights are computed by the stable recursion from the mode and
    /// normalised over the window [L, R] whose tails are each below 1e-14 of the mode's weight
    /// (geometric bounds), so the dropped tails and the normalisation cost at most 4e-14; the
    /// steps stop early once less than 1e-14 of the mass is still waiting (s_m can then grow by
    /// at most that: the midpoint is used, error ≤ 5e-15). As the mass drifts down the queue,
    /// top states holding < 1e-20 are dropped, at most 1e-15 in all (it can only lower the
    /// result, by at most that). In all the truncation error is below 1e-13 (< 1e-12), plus
    /// rounding. When ΛT exceeds 1e14 the T = ∞ value Σ_k π_{n+k}·L_k is
    /// returned (callers still waiting after 1e14 uniformised steps are beyond double precision
    /// for any queue this type can hold).
    /// - Complexity: O(K·M), M = min(R, steps until absorbed), R ≈ ΛT + 8√(ΛT); plus O(√(ΛT)).
    func serviceLevel(within target: Double) -> Double {
        let pWait = arrival.reduce(0, +)
        let immediate = 1 - pWait
        guard target > 0, !arrival.isEmpty else { return immediate }
        let count = arrival.count
        let uniformRate = serviceRate + Double(count) * theta  // Λ = max_i (d_i + θ)
        let x = uniformRate * target
        if x > Self.maxPoissonMean {
            // Past 1e14 uniformised steps every caller has long been served or gone.
            return immediate + eventuallyServed()
        }
        let window = PoissonWindow(mean: x, tolerance: Self.poissonTailTolerance)

        // stay[i] = 1 − (d_i+θ)/Λ = (K−1−i)θ/Λ; down[i] = d_i/Λ.
        let stay = (0..<count).map { Double(count - 1 - $0) * theta / uniformRate }
        let down = (0..<count).map { (serviceRate + Double($0) * theta) / uniformRate }
        var v = arrival
        var served = 0.0
        var waiting = pWait
        var servedBy: [Double] = [0]  // s_m
        // The mass drifts down the queue; states above `top` hold nothing. A top state is
        // dropped once it holds < 1e-20, as long as all dropped mass stays ≤ 1e-15.
        var top = count - 1
        var dropped = 0.0
        var m = 0
        v.withUnsafeMutableBufferPointer { v in
            while true {
                while top > 0, v[top] < Self.negligibleState, dropped + v[top] <= Self.maxDropped {
                    dropped += v[top]
                    v[top] = 0
                    top -= 1
                }
                guard m < window.right, waiting >= Self.unabsorbedTolerance else { break }
                served += v[0] * down[0]
                var sum = 0.0
                for i in 0..<top {
                    v[i] = v[i] * stay[i] + v[i + 1] * down[i + 1]
                    sum += v[i]
                }
                v[top] *= stay[top]
                sum += v[top]
                waiting = sum
                m += 1
                servedBy.append(served)
            }
        }
        // Beyond step m, s grows by at most `waiting`: use the midpoint.
        let after = served + waiting / 2
        guard m >= window.left else { return min(1, max(0, immediate + after)) }
        let weights = window.weights()
        var queued = 0.0
        for j in window.left...m { queued += weights[j - window.left] * servedBy[j] }
        if m < window.right {
            var rest = 0.0
            for j in (m + 1)...window.right { rest += weights[j - window.left] }
            queued += rest * after
        }
        return min(1, max(0, immediate + queued))  // only rounding can step outside
    }
}

/// The Poisson(x) weights worth keeping, on [left, right] (Fox–Glynn style): found by walking
/// from the mode with the ratios x/(m+1) and m/x, each tail bounded by a geometric series.
struct PoissonWindow {
    let mean: Double
    let mode: Int
    let left: Int
    let right: Int

    /// Finds the window whose each tail weighs below `tolerance` times the mode's weight.
    /// - Complexity: O(√x).
    init(mean x: Double, tolerance: Double) {
        mean = x
        mode = Int(x.rounded(.down))
        var left = mode
        var w = 1.0
        while left > 0 {
            let previous = w * Double(left) / x  // w_{left−1}
            let ratio = Double(left - 1) / x  // ≥ w_{j−1}/w_j for every j ≤ left − 1
            if previous / (1 - ratio) < tolerance { break }
            w = previous
            left -= 1
        }
        var right = mode
        w = 1
        while true {
            let next = w * x / Double(right + 1)  // w_{right+1}
            let ratio = x / Double(right + 2)  // ≥ w_{j+1}/w_j for every j ≥ right + 1
            if ratio < 1, next / (1 - ratio) < tolerance { break }
            w = next
            right += 1
        }
        self.left = left
        self.right = right
    }

    /// The weights on [left, right], normalised to sum to 1 (index m − left).
    /// - Complexity: O(right − left).
    func weights() -> [Double] {
        var w = [Double](repeating: 0, count: right - left + 1)
        w[mode - left] = 1
        if mode > left {
            for m in stride(from: mode - 1, through: left, by: -1) {
                w[m - left] = w[m + 1 - left] * Double(m + 1) / mean
            }
        }
        if right > mode {
            for m in (mode + 1)...right { w[m - left] = w[m - 1 - left] * mean / Double(m) }
        }
        let total = w.sorted().reduce(0, +)
        return w.map { $0 / total }
    }
}
