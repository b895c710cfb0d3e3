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
    /// One taus2 stream, reseeded for each agent's n-th pause decision at (agent, n).
    var pauseStream: RandomStream
    let pauseShort: Sampler, pauseAway: Sampler
    /// Each agent's pause decisions so far.
    var pauseDecisions: [UInt32] = []

    init(world: OutboundWorld, seeds: StreamSeeds) {
        self.world = world
        self.seeds = seeds
        stream = RandomStream(taus2: seeds, purpose: OutboundPurposes.attempt, entity: 0)
        pauseStream = RandomStream(taus2: seeds, purpose: OutboundPurposes.agent, entity: 0)
        pauseShort = Sampler(world.pauses.duration)
        pauseAway = Sampler(world.pauses.away)
        ring = Sampler(world.ringTime)
        patience = Sampler(world.patience)
        talk = Sampler(world.talkTime)
        wrap = Sampler(world.wrapUp)
        machine = Sampler(world.machineDetection)
    }

    /// Whether agent `agent` pauses after a campaign call's wrap-up, and for how long (the
    /// campaign's `pauses`): its n-th decision comes from (seed, replication, agent, n), so both
    /// worlds, and every dialer, draw the same breaks.
    mutating func pauseAfterCall(agent: Int) -> Double? {
        let pauses = world.pauses
        guard pauses.afterCall > 0 else { return nil }
        while pauseDecisions.count <= agent { pauseDecisions.append(0) }
        pauseDecisions[agent] += 1
        pauseStream.reseed(seeds, purpose: OutboundPurposes.agent, entity: UInt64(agent) << 32 | UInt64(pauseDecisions[agent]))
        guard pauseStream.uniformPositive() < pauses.afterCall else { return nil }
        let away = pauseStream.uniformPositive() < pauses.awayShare
        return (away ? pauseAway : pauseShort).sample(pauseStream)
    }

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
}
