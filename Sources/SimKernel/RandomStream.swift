import CGSL

// MARK: - Seeds

/// Derives the seeds of independent random streams from (seed, replication, purpose, entity).
///
/// Replication `r` of a run depends only on (seed, r): its streams are derived here, never from
/// a shared generator, so replications can run in any order on any core. Purposes are hashed
/// with FNV-1a (stable across builds and processes, unlike Swift's `Hasher`) and mixed with
/// SplitMix64.
public struct StreamSeeds: Sendable, Hashable {
    /// The scenario's seed.
    public let seed: UInt64
    /// The replication's index.
    public let replication: UInt64

    /// The seeds of replication `replication` of a run with seed `seed`.
    public init(seed: UInt64, replication: Int) {
        self.seed = seed
        self.replication = UInt64(replication)
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    @inlinable
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a of a purpose's name: stable across builds.
    public static func purposeHash(_ purpose: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in purpose.utf8 {
            h = (h ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return h
    }

    /// The 64-bit key of stream (purpose, entity) of this replication.
    @inlinable
    public func key(purpose: UInt64, entity: UInt64) -> UInt64 {
        var k = StreamSeeds.mix(seed)
        k = StreamSeeds.mix(k ^ replication)
        k = StreamSeeds.mix(k ^ purpose)
        return StreamSeeds.mix(k ^ entity)
    }
}

// MARK: - A generator, owned

/// One stream of random numbers: a xoshiro256++ generator (registered as a GSL generator type,
/// `simcc_gsl_rng_xoshiro` in `Sources/CGSL/random.h`) owned by this value and freed with it.
///
/// A stream serves one purpose (arrivals, patience, talk time, ...) so that two policies run on
/// the same scenario and seed draw the same numbers for the same customers (common random
/// numbers). Its 256-bit state is set from the 64-bit key of (seed, replication, purpose,
/// entity) by SplitMix64, cheaply enough to make one per entity (per contract attempt, per
/// agent's decision). GSL's distributions draw from it through GSL's interface; uniforms and
/// exponentials are drawn inline. Not thread-safe: a stream belongs to one replication, which
/// runs on one thread.
public struct RandomStream: ~Copyable {
    @usableFromInline let rng: UnsafeMutablePointer<gsl_rng>

    /// The stream of purpose `purpose` (and `entity`) of a replication.
    /// - Complexity: O(1).
    public init(_ seeds: StreamSeeds, purpose: String, entity: UInt64 = 0) {
        self.init(seeds, purposeHash: StreamSeeds.purposeHash(purpose), entity: entity)
    }

    /// The stream of purpose `purpose` (a hash, as `StreamSeeds.purposeHash` makes) and
    /// `entity`, to be moved to other entities' substreams with `reseed`.
    /// - Complexity: O(1).
    public init(_ seeds: StreamSeeds, purposeHash purpose: UInt64, entity: UInt64) {
        simcc_gsl_disable_abort()
        rng = gsl_rng_alloc(simcc_gsl_rng_xoshiro())
        reseed(seeds, purpose: purpose, entity: entity)
    }

    /// Resets the stream to the start of substream (purpose, entity), reusing its memory.
    /// - Complexity: O(1), about as cheap as a few draws.
    @inlinable
    public mutating func reseed(_ seeds: StreamSeeds, purpose: UInt64, entity: UInt64) {
        simcc_xoshiro_set_key(rng, seeds.key(purpose: purpose, entity: entity))
    }

    deinit { gsl_rng_free(rng) }

    /// A uniform number in (0, 1), never 0 nor 1 (the midpoint of one of 2^52 equal cells).
    @inlinable
    public func uniformPositive() -> Double { simcc_xoshiro_uniform_pos(rng) }

    /// An exponential number with mean 1 (the ziggurat of `Sources/CGSL/random.h`).
    @inlinable
    public func standardExponential() -> Double { simcc_xoshiro_exponential(rng) }

    /// A uniform integer in 0..<n.
    /// - Precondition: n > 0.
    @inlinable
    public func uniformInt(below n: Int) -> Int {
        precondition(n > 0, "uniformInt(below:) needs a positive bound")
        return Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    /// The underlying GSL generator, for the distributions in this module.
    @inlinable
    var gsl: UnsafeMutablePointer<gsl_rng> { rng }
}
