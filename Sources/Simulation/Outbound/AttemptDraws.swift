import CallCenter
import Scenarios
import SimKernel

// MARK: - What the simulated softswitch draws for an outbound attempt

/// How an outbound attempt ends, decided when it is dialled.
enum OutboundFate { case live, machine, busy, noAnswer, invalid }

/// Everything the modelled world decides about one outbound attempt when it is dialled.
struct AttemptDraw {
    var fate: OutboundFate
    var ring: Double
    /// The live customer's patience once answered (the center lets them go at the maximum hold).
    var patience: Double
    var talk: Double
    var wrap: Double
    var machineDetection: Double
    /// When the softswitch reports the attempt's fate: the answer, busy, no-answer or invalid.
    var resolvesAfter: Double
}

/// The draws of outbound attempts: common random numbers per (contract, attempt), so that every
/// dialer (and every blending rule) meets the same customers. Shared by the campaign world and
/// the blended routing world.
struct AttemptDraws: ~Copyable {
    let world: OutboundWorld
    let seeds: StreamSeeds
    var stream: RandomStream
    let ring: Sampler, patience: Sampler, talk: Sampler, wrap: Sampler, machine: Sampler
    /// The agents' pauses after campaign calls.
    var pauses: PauseDraws

    init(world: OutboundWorld, seeds: StreamSeeds) {
        self.world = world
        self.seeds = seeds
        stream = RandomStream(seeds, purposeHash: OutboundPurposes.attempt, entity: 0)
        pauses = PauseDraws(world.pauses, seeds: seeds, purpose: OutboundPurposes.agent)
        ring = Sampler(world.ringTime)
        patience = Sampler(world.patience)
        talk = Sampler(world.talkTime)
        wrap = Sampler(world.wrapUp)
        machine = Sampler(world.machineDetection)
    }

    /// Whether agent `agent` pauses after a campaign call's wrap-up, and for how long (the
    /// campaign's `pauses`).
    mutating func pauseAfterCall(agent: Int) -> Double? { pauses.after(agent: agent) }

    /// The draws of attempt `attempt` (1, 2, ...) on `contract`, dialled at `time` (the answer
    /// probabilities depend on the period and the attempt).
    mutating func draw(contract: Int, attempt: Int, at time: Double) -> AttemptDraw {
        // The contract's own randomness: invalid or not, from (seed, replication, contract).
        stream.reseed(seeds, purpose: OutboundPurposes.invalid, entity: UInt64(contract))
        let invalid = stream.uniformPositive() < world.invalidNumbers
        // The attempt's randomness, from (seed, replication, contract, attempt).
        stream.reseed(seeds, purpose: OutboundPurposes.attempt, entity: UInt64(contract) << 16 | UInt64(attempt))
        let u = stream.uniformPositive()
        let ringTime = ring.sample(stream)
        let p = world.probabilities(at: time, attempt: attempt)
        var fate: OutboundFate
        if invalid { fate = .invalid }
        else if u < p.live { fate = .live }
        else if u < p.live + p.machine { fate = .machine }
        else if u < p.live + p.machine + p.busy { fate = .busy }
        else { fate = .noAnswer }
        if (fate == .live || fate == .machine) && ringTime > world.ringTimeout { fate = .noAnswer }
        // The customer's own patience: the maximum hold is the center's to apply.
        let patienceTime = patience.sample(stream)
        let talkTime = talk.sample(stream)
        let wrapTime = wrap.sample(stream)
        let detection = machine.sample(stream)
        let resolves: Double
        switch fate {
        case .live, .machine: resolves = ringTime
        case .busy: resolves = world.busyTime
        case .noAnswer: resolves = world.ringTimeout
        case .invalid: resolves = world.invalidTime
        }
        return AttemptDraw(
            fate: fate, ring: ringTime, patience: patienceTime, talk: talkTime, wrap: wrapTime,
            machineDetection: detection, resolvesAfter: resolves)
    }
}

/// The purposes of the outbound world's substreams, hashed once.
enum OutboundPurposes {
    static let attempt = StreamSeeds.purposeHash("outbound.attempt")
    static let invalid = StreamSeeds.purposeHash("outbound.invalid")
    static let agent = StreamSeeds.purposeHash("outbound.agent")
    /// An agent's pauses after inbound calls (a routing study's `pauses`).
    static let inboundPause = StreamSeeds.purposeHash("routing.pause")
}

/// The agents' pause decisions (a `PauseModel`): agent `a`'s n-th decision comes from a
/// substream of (seed, replication, purpose, a, n), so every dialer and every router meets the
/// same breaks, whatever the order of the calls.
struct PauseDraws: ~Copyable {
    let model: PauseModel
    let seeds: StreamSeeds
    let purpose: UInt64
    /// One stream, reseeded for each decision.
    var stream: RandomStream
    let short: Sampler, away: Sampler
    /// Each agent's decisions so far.
    var decisions: [UInt32] = []

    init(_ model: PauseModel, seeds: StreamSeeds, purpose: UInt64) {
        self.model = model
        self.seeds = seeds
        self.purpose = purpose
        stream = RandomStream(seeds, purposeHash: purpose, entity: 0)
        short = Sampler(model.duration)
        away = Sampler(model.away)
    }

    /// Whether agent `agent` pauses after a call's wrap-up, and for how long (nil: no pause).
    mutating func after(agent: Int) -> Double? {
        guard model.afterCall > 0 else { return nil }
        while decisions.count <= agent { decisions.append(0) }
        decisions[agent] += 1
        stream.reseed(seeds, purpose: purpose, entity: UInt64(agent) << 32 | UInt64(decisions[agent]))
        guard stream.uniformPositive() < model.afterCall else { return nil }
        let isAway = stream.uniformPositive() < model.awayShare
        return (isAway ? away : short).sample(stream)
    }
}
