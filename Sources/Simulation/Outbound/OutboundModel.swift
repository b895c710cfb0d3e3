import CallCenter
import CenterPolicies
import DialingPolicies
import Foundation
import Scenarios
import SimKernel

// MARK: - What an outbound replication measures

/// The columns of an outbound run's per-interval series and totals.
///
/// Attempts count in the interval they were dialled; answers, abandons and connections in the
/// interval the call was answered; agent time in the interval it was spent.
public enum OutboundColumn: Int, CaseIterable, Sendable {
    /// Calls dialled.
    case attempts
    /// Live answers.
    case liveAnswers
    /// Live answers connected to an agent.
    case connected
    /// Live answers not connected within the grace (the regulators' abandoned calls).
    case abandoned
    /// Live answers never connected (the customer or the system hung up).
    case unserved
    /// Machine answers.
    case machines
    /// Busy lines.
    case busy
    /// Unanswered calls.
    case noAnswer
    /// Invalid numbers.
    case invalid
    /// Sum of live answers' waits for an agent (to connection, or to hang-up), seconds.
    case waitSum
    /// Agent-seconds talking.
    case talkSeconds
    /// Agent-seconds talking or in wrap-up.
    case busyAgentSeconds
    /// Agent-seconds paused.
    case pausedSeconds
    /// Agent-seconds logged in.
    case staffedSeconds
    /// Contracts completed (connected) or failed, counted when it happened.
    case closedContracts
}

/// One replication of one variant: per-interval sums, totals, and the end state.
public struct OutboundReplication: Sendable, Hashable {
    /// The replication's index.
    public var replication: Int
    /// Per-interval sums, columns as in `OutboundColumn`.
    public var series: IntervalSeries
    /// Sums over the whole campaign.
    public var totals: [Double]
    /// Contracts in the list.
    public var contracts: Int
    /// When the dialer emitted the task snapshot (S34), if it finished the list.
    public var completedAt: Double?
    /// Model events processed.
    public var modelEvents: Int

    /// The total of `column`.
    public func total(_ column: OutboundColumn) -> Double { totals[column.rawValue] }
}

// MARK: - The outbound world of one replication

/// One replication of an outbound campaign: a `CenterPolicy` with no inbound router (the dialer,
/// and what happens to its answered customers: the first answered meets the agent idle the
/// longest, let go at the maximum hold; no campaign call after the horizon), as a blended study
/// runs it, and a modelled softswitch (ring, answer, machine, busy, invalid, no answer),
/// customers' patience, talk and wrap-up, agents' pauses and shifts.
///
/// Common random numbers: an attempt's outcome, ring time, patience, talk and wrap-up come from
/// a taus2 substream of (seed, replication, contract, attempt); whether a number is invalid from
/// (seed, replication, contract). Whatever the dialer's order, contract 17's second attempt meets
/// the same customer. An agent's n-th pause decision comes from (seed, replication, agent, n).
struct OutboundModel<D: Dialer>: ~Copyable {
    enum Event {
        case wake
        case resolve(slot: Int32)
        case customerGone(slot: Int32)
        case machineDone(slot: Int32)
        case talkEnd(agent: Int32)
        case wrapEnd(agent: Int32)
        case pauseEnd(agent: Int32)
        case shiftStart(agent: Int32)
        case shiftEnd(agent: Int32)
        /// The center's own timer (hold deadlines).
        case centerWake
    }

    typealias Fate = OutboundFate

    struct Attempt {
        var call: CallID
        var contract: Int
        var dialedAt: Double
        var answeredAt: Double = -1
        var fate: Fate
        var ring: Double
        var patience: Double
        var talk: Double
        var wrap: Double
        var machineDetection: Double
        var waiting = false
        var pending: EventHandle = .none
        var ended = false
    }

    let scenario: OutboundScenario
    let world: OutboundWorld
    /// The policy: the dialer, and what happens to its answered customers (`CenterPolicy` with no
    /// inbound router, the same as a blended study's).
    var center: CenterPolicy<NoRouter, D>
    var calendar = EventCalendar<Event>()
    /// The center's commands not yet carried out (first in, first out, across nested events).
    var commands: [CenterCommand] = []
    var commandHead = 0

    let seeds: StreamSeeds
    var draws: AttemptDraws
    /// One taus2 stream, reseeded for each agent's n-th pause decision at (agent, n).

    var attempts: [Attempt] = []
    var freeSlots: [Int32] = []
    var slotOfCall = CallMap()
    var attemptsOfContract: [Int32]
    var agentState: [AgentState]
    var agentCall: [Int32]
    var agentStateSince: [Double]
    /// Agents whose shift has ended while they were on a call: they log out after it.
    var leaving: [Bool]
    var completedAt: Double?

    /// Where replication 0's call records and final snapshot go, with the variant's index.
    var sink: (variant: Int, sink: any CampaignSink)?

    var series: IntervalSeries
    var totals = [Double](repeating: 0, count: OutboundColumn.allCases.count)
    var modelEvents = 0

    init(scenario: OutboundScenario, replication: Int, dialer: D) {
        self.scenario = scenario
        self.world = scenario.world
        center = CenterPolicy(
            router: NoRouter(), dialer: dialer, agents: scenario.agents,
            rule: CenterRule(maxHold: scenario.world.maxHold, closesAt: scenario.horizon))
        seeds = StreamSeeds(seed: scenario.seed, replication: replication)
        draws = AttemptDraws(world: scenario.world, seeds: seeds)
        attemptsOfContract = Array(repeating: 0, count: scenario.contacts.count)
        let hours = scenario.agentHours
        agentState = hours.map { $0.start <= 0 ? .idle : .loggedOut }
        leaving = Array(repeating: false, count: scenario.agents)
        agentCall = Array(repeating: -1, count: scenario.agents)
        agentStateSince = Array(repeating: 0, count: scenario.agents)
        series = IntervalSeries(width: scenario.interval, horizon: scenario.horizon,
                                columns: OutboundColumn.allCases.count)
    }

    /// Runs the campaign to its end: dialing until the horizon or the end of the list, then
    /// until every call is over.
    mutating func run(replication: Int) throws(TaskValidationError) -> OutboundReplication {
        for (agent, hours) in scenario.agentHours.enumerated() {
            if hours.start <= 0 {
                tell(.agentLoggedIn(AgentID(agent)), at: 0)
            } else {
                calendar.schedule(.shiftStart(agent: Int32(agent)), at: hours.start)
            }
            if hours.end.isFinite { calendar.schedule(.shiftEnd(agent: Int32(agent)), at: hours.end) }
        }
        try center.startCampaign(task: scenario.contacts.task(batchID: scenario.name), at: 0, into: &commands)
        carryOut(at: 0)
        // The run ends with its last event, not counting a hold deadline of the center's that found
        // nobody waiting (it would stretch the agents' staffed time past the last call).
        var lastEvent = 0.0
        while let (time, event) = calendar.next() {
            if case .centerWake = event {} else { lastEvent = time }
            switch event {
            case .wake:
                // The center passes on only the wake-up the dialer waits for.
                tell(.outbound(.wakeUp), at: time)
            case .resolve(let slot): resolve(Int(slot), at: time)
            case .customerGone(let slot):
                customerLeft(Int(slot), at: time)
            case .centerWake:
                center.handle(.wakeUp, at: time, into: &commands)
                if !commands.isEmpty { lastEvent = time }
                carryOut(at: time)
            case .machineDone(let slot):
                modelEvents += 1
                endCall(Int(slot), cause: .normalClearing, at: time)
            case .talkEnd(let agent):
                modelEvents += 1
                let a = Int(agent)
                let s = Int(agentCall[a])
                agentCall[a] = -1
                setAgent(a, .wrapUp, at: time)
                let wrapTime = attempts[s].wrap
                endCall(s, cause: .normalClearing, at: time)
                calendar.schedule(.wrapEnd(agent: agent), at: time + wrapTime)
            case .wrapEnd(let agent):
                afterWrap(Int(agent), at: time)
            case .pauseEnd(let agent):
                let a = Int(agent)
                guard case .paused = agentState[a] else { continue }  // the shift ended meanwhile
                setAgent(a, .idle, at: time)
                tell(.agentFree(AgentID(a)), at: time)
            case .shiftStart(let agent):
                let a = Int(agent)
                setAgent(a, .idle, at: time)
                tell(.agentLoggedIn(AgentID(a)), at: time)
            case .shiftEnd(let agent):
                let a = Int(agent)
                switch agentState[a] {
                case .idle, .paused:
                    setAgent(a, .loggedOut, at: time)
                    tell(.agentLoggedOut(AgentID(a)), at: time)
                case .talking, .wrapUp:
                    leaving[a] = true
                case .loggedOut:
                    break
                }
            }
        }
        let end = max(lastEvent, scenario.horizon)
        if let sink, let dialer = center.dialer {
            sink.sink.snapshot(variant: sink.variant, dialer.snapshot(at: completedAt ?? end))
        }
        for a in 0..<scenario.agents { accrueAgentTime(a, until: end) }

        return OutboundReplication(
            replication: replication, series: series, totals: totals, contracts: scenario.contacts.count,
            completedAt: completedAt, modelEvents: modelEvents)
    }

    // MARK: The center's side of the seam

    /// Hands `event` to the center and carries out its commands, until the queue is empty.
    mutating func tell(_ event: CenterEvent, at time: Double) {
        center.handle(event, at: time, into: &commands)
        carryOut(at: time)
    }

    /// Carries out the center's commands in order; a nested `tell` (a call ended at once) drains
    /// the rest.
    mutating func carryOut(at time: Double) {
        while commandHead < commands.count {
            let command = commands[commandHead]
            commandHead += 1
            switch command {
            case .dialer(.originate(let call, let contract, _)):
                originate(call, contract: contract.index, at: time)
            case .dialer(.hangUp(let call)):
                if let slot = slotOfCall[call], !attempts[Int(slot)].ended, attempts[Int(slot)].answeredAt < 0 {
                    calendar.cancel(attempts[Int(slot)].pending)
                    endCall(Int(slot), cause: .originatorCancel, at: time)
                }
            case .dialer(.wakeUp(let at)):
                calendar.schedule(.wake, at: at)
            case .dialer(.record(let record)):
                sink?.sink.record(variant: sink!.variant, record)
            case .dialer(.connect(let call, let agent)):
                if let slot = slotOfCall[call] { connect(Int(slot), agent: agent.index, at: time) }
            case .dialer(.holdExpired(let call)):
                if let slot = slotOfCall[call] { customerLeft(Int(slot), at: time) }
            case .dialer(.taskCompleted):
                completedAt = time
            case .wakeUp(let at):
                calendar.schedule(.centerWake, at: max(at, time))
            case .inbound, .startCallback, .callbackDone:
                break  // no inbound callers, no callbacks
            }
        }
        commands.removeAll(keepingCapacity: true)
        commandHead = 0
    }

    /// An answered customer left without an agent: they hung up, or the center let them go at
    /// the maximum hold.
    mutating func customerLeft(_ s: Int, at time: Double) {
        guard attempts[s].waiting, !attempts[s].ended else { return }
        modelEvents += 1
        calendar.cancel(attempts[s].pending)
        attempts[s].waiting = false
        count(.waitSum, time - attempts[s].answeredAt, at: attempts[s].answeredAt)
        count(.abandoned, 1, at: attempts[s].answeredAt)
        count(.unserved, 1, at: attempts[s].answeredAt)
        endCall(s, cause: .normalClearing, at: time)
    }

    mutating func originate(_ call: CallID, contract: Int, at time: Double) {
        modelEvents += 1
        attemptsOfContract[contract] += 1
        let d = draws.draw(contract: contract, attempt: Int(attemptsOfContract[contract]), at: time)
        let a = Attempt(
            call: call, contract: contract, dialedAt: time, fate: d.fate, ring: d.ring, patience: d.patience,
            talk: d.talk, wrap: d.wrap, machineDetection: d.machineDetection)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            attempts[slot] = a
        } else {
            slot = attempts.count
            attempts.append(a)
        }
        slotOfCall.set(call, Int32(slot))
        count(.attempts, 1, at: time)
        attempts[slot].pending = calendar.schedule(.resolve(slot: Int32(slot)), at: time + d.resolvesAfter)
    }

    mutating func resolve(_ slot: Int, at time: Double) {
        let a = attempts[slot]
        guard !a.ended else { return }
        switch a.fate {
        case .busy:
            count(.busy, 1, at: a.dialedAt)
            endCall(slot, cause: .userBusy, at: time)
        case .noAnswer:
            count(.noAnswer, 1, at: a.dialedAt)
            endCall(slot, cause: .noAnswer, at: time)
        case .invalid:
            count(.invalid, 1, at: a.dialedAt)
            endCall(slot, cause: .unallocatedNumber, at: time)
        case .machine:
            attempts[slot].answeredAt = time
            count(.machines, 1, at: time)
            tell(.outbound(.callAnswered(a.call, live: false)), at: time)
            calendar.schedule(.machineDone(slot: Int32(slot)), at: time + a.machineDetection)
        case .live:
            attempts[slot].answeredAt = time
            attempts[slot].waiting = true
            count(.liveAnswers, 1, at: time)
            attempts[slot].pending = calendar.schedule(.customerGone(slot: Int32(slot)), at: time + a.patience)
            tell(.outbound(.callAnswered(a.call, live: true)), at: time)
        }
    }

    mutating func endCall(_ slot: Int, cause: HangupCause, at time: Double) {
        guard !attempts[slot].ended else { return }
        attempts[slot].ended = true
        let call = attempts[slot].call
        slotOfCall.remove(call)
        freeSlots.append(Int32(slot))
        let before = center.dialer?.closedContracts ?? 0
        tell(.outbound(.callEnded(call, cause: cause)), at: time)
        let after = center.dialer?.closedContracts ?? 0
        if after > before { count(.closedContracts, Double(after - before), at: time) }
    }

    // MARK: Answered customers with agents

    /// The center connected the answered customer of `slot` to `agent`.
    mutating func connect(_ slot: Int, agent: Int, at time: Double) {
        let a = attempts[slot]
        calendar.cancel(a.pending)
        attempts[slot].waiting = false
        let wait = time - a.answeredAt
        count(.connected, 1, at: a.answeredAt)
        count(.waitSum, wait, at: a.answeredAt)
        if wait > world.abandonGrace { count(.abandoned, 1, at: a.answeredAt) }
        agentCall[agent] = Int32(slot)
        setAgent(agent, .talking, at: time)
        calendar.schedule(.talkEnd(agent: Int32(agent)), at: time + a.talk)
    }

    mutating func afterWrap(_ agent: Int, at time: Double) {
        if leaving[agent] {
            leaving[agent] = false
            setAgent(agent, .loggedOut, at: time)
            tell(.agentLoggedOut(AgentID(agent)), at: time)
            return
        }
        if let duration = draws.pauseAfterCall(agent: agent) {
            setAgent(agent, .paused(since: time), at: time)
            tell(.agentPaused(AgentID(agent)), at: time)
            calendar.schedule(.pauseEnd(agent: Int32(agent)), at: time + duration)
        } else {
            setAgent(agent, .idle, at: time)
            tell(.agentFree(AgentID(agent)), at: time)
        }
    }

    /// Changes an agent's state (for the figures; the center hears what happened) and books the
    /// time spent in the previous state.
    mutating func setAgent(_ agent: Int, _ state: AgentState, at time: Double) {
        accrueAgentTime(agent, until: time)
        agentState[agent] = state
    }

    mutating func accrueAgentTime(_ agent: Int, until time: Double) {
        let from = agentStateSince[agent]
        agentStateSince[agent] = time
        guard time > from else { return }
        if agentState[agent] != .loggedOut {
            series.addArea(level: 1, column: OutboundColumn.staffedSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.staffedSeconds.rawValue] += time - from
        }
        switch agentState[agent] {
        case .talking:
            series.addArea(level: 1, column: OutboundColumn.talkSeconds.rawValue, from: from, to: time)
            series.addArea(level: 1, column: OutboundColumn.busyAgentSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.talkSeconds.rawValue] += time - from
            totals[OutboundColumn.busyAgentSeconds.rawValue] += time - from
        case .wrapUp:
            series.addArea(level: 1, column: OutboundColumn.busyAgentSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.busyAgentSeconds.rawValue] += time - from
        case .paused:
            series.addArea(level: 1, column: OutboundColumn.pausedSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.pausedSeconds.rawValue] += time - from
        case .idle, .loggedOut:
            break
        }
    }

    mutating func count(_ column: OutboundColumn, _ amount: Double, at time: Double) {
        series.add(amount, column: column.rawValue, at: time)
        totals[column.rawValue] += amount
    }
}

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
