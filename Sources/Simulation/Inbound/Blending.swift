import CallCenter
import CenterPolicies
import DialingPolicies
import Scenarios
import SimKernel

// MARK: - Blending: the routing world's agents also work an outbound campaign (`Blend`, in
// module Scenarios, is what a study file says)

extension DialerPolicy {
    /// A dialer with this policy's knobs.
    func makeDialer() -> any Dialer {
        switch self {
        case .patent(let c): PatentDispatcher(c)
        case .progressive(let c): ProgressiveDialer(c)
        case .power(let c): PowerDialer(c)
        case .adaptive(let c): AdaptiveDialer(c)
        }
    }
}

extension RoutingScenario {
    /// A fresh dialer of the blended campaign, if the study has one.
    var blendedDialer: AnyDialer? { outbound.map { AnyDialer($0.dialer.makeDialer()) } }
}

// MARK: - The campaign's side of the routing world

/// One attempt of the blended campaign.
struct BlendedAttempt {
    var call: CallID
    var draw: AttemptDraw
    var dialedAt = 0.0
    var answeredAt = -1.0
    var waiting = false
    var ended = false
    var pending: EventHandle = .none
}

/// What the routing world keeps of the blended campaign (empty when the study has none): the
/// softswitch's side of its calls. The decisions are `CenterPolicy`'s.
struct BlendState {
    var attempts: [BlendedAttempt] = []
    /// Slots of ended attempts, reused (every event of an ended attempt is cancelled or past).
    var freeSlots: [Int32] = []
    var slotOfCall = CallMap()
    var attemptsOfContract: [Int32] = []
    var completedAt: Double?
}

extension RoutingWorld {
    /// Starts the campaign's task (steps S31-S33) at `dial_from`.
    mutating func startDialer() throws(TaskValidationError) {
        guard let outbound = scenario.outbound else { return }
        blend.attemptsOfContract = Array(repeating: 0, count: outbound.contacts.count)
        let task = outbound.contacts.task(batchID: scenario.outboundBatchID)
        let first = queue.count
        try center.startCampaign(task: task, at: now, into: &queue)
        commandsCarried += queue.count - first
        if trace != nil {
            trace!.task = task
            trace!.steps.append(.init(time: now, event: nil, commands: Array(queue[first...])))
        }
        drain()
    }

    // MARK: The campaign's side of the seam

    /// Carries out a campaign command of the center's.
    mutating func carryOut(_ command: DialerCommand) {
        switch command {
        case .originate(let call, let contract, _):
            originate(call, contract: contract.index)
        case .hangUp(let call):
            if let s = blend.slotOfCall[call], case let slot = Int(s), !blend.attempts[slot].ended, blend.attempts[slot].answeredAt < 0 {
                calendar.cancel(blend.attempts[slot].pending)
                endAttempt(slot, cause: .originatorCancel)
            }
        case .wakeUp(let at):
            calendar.schedule(.dialerWake, at: max(at, now))
        case .record(let record):
            campaignSink?.sink.record(variant: campaignSink!.variant, record)
        case .connect(let call, let agent):
            if let slot = blend.slotOfCall[call] { connectOutbound(Int(slot), agent: agent.index) }
        case .holdExpired(let call):
            if let slot = blend.slotOfCall[call] { customerLeft(Int(slot)) }
        case .taskCompleted:
            blend.completedAt = now
            if countsCampaign { tally!.completedAt = now }
        }
    }

    /// The dialer's timer fired.
    mutating func dialerWake(at time: Double) {
        // The center passes on only the wake-up the dialer waits for.
        tell(.outbound(.wakeUp))
    }

    mutating func originate(_ call: CallID, contract: Int) {
        if countsCampaign { tally!.modelEvents += 1 }
        blend.attemptsOfContract[contract] += 1
        let draw = draws.draw(contract: contract, attempt: Int(blend.attemptsOfContract[contract]), at: now)
        let attempt = BlendedAttempt(call: call, draw: draw, dialedAt: now)
        let slot: Int
        if let free = blend.freeSlots.popLast() {
            slot = Int(free)
            blend.attempts[slot] = attempt
        } else {
            slot = blend.attempts.count
            blend.attempts.append(attempt)
        }
        blend.slotOfCall.set(call, Int32(slot))
        count(.outboundAttempts, at: now)
        if countsCampaign { tally!.count(.attempts, 1, at: now) }
        blend.attempts[slot].pending = calendar.schedule(
            .outboundResolve(slot: Int32(slot)), at: now + draw.resolvesAfter)
    }

    /// The softswitch reports the attempt's fate.
    mutating func resolveOutbound(_ slot: Int) {
        let attempt = blend.attempts[slot]
        guard !attempt.ended else { return }
        switch attempt.draw.fate {
        case .busy:
            if countsCampaign { tally!.count(.busy, 1, at: attempt.dialedAt) }
            endAttempt(slot, cause: .userBusy)
        case .noAnswer:
            if countsCampaign { tally!.count(.noAnswer, 1, at: attempt.dialedAt) }
            endAttempt(slot, cause: .noAnswer)
        case .invalid:
            if countsCampaign { tally!.count(.invalid, 1, at: attempt.dialedAt) }
            endAttempt(slot, cause: .unallocatedNumber)
        case .machine:
            blend.attempts[slot].answeredAt = now
            count(.outboundMachines, at: now)
            if countsCampaign { tally!.count(.machines, 1, at: now) }
            tell(.outbound(.callAnswered(attempt.call, live: false)))
            calendar.schedule(.outboundMachineDone(slot: Int32(slot)), at: now + attempt.draw.machineDetection)
        case .live:
            blend.attempts[slot].answeredAt = now
            blend.attempts[slot].waiting = true
            count(.outboundLiveAnswers, at: now)
            if countsCampaign { tally!.count(.liveAnswers, 1, at: now) }
            blend.attempts[slot].pending = calendar.schedule(
                .outboundGone(slot: Int32(slot)), at: now + attempt.draw.patience)
            tell(.outbound(.callAnswered(attempt.call, live: true)))
        }
    }

    /// An answered customer hung up before an agent took them.
    mutating func outboundGone(_ slot: Int) {
        guard blend.attempts[slot].waiting, !blend.attempts[slot].ended else { return }
        customerLeft(slot)
    }

    /// An answered customer left without an agent: they hung up, or the center let them go.
    mutating func customerLeft(_ slot: Int) {
        guard blend.attempts[slot].waiting, !blend.attempts[slot].ended else { return }
        if countsCampaign { tally!.modelEvents += 1 }
        calendar.cancel(blend.attempts[slot].pending)
        let answered = blend.attempts[slot].answeredAt
        blend.attempts[slot].waiting = false
        count(.outboundWaitSum, amount: now - answered, at: answered)
        count(.outboundAbandoned, at: answered)
        count(.outboundHungUpWaiting, at: answered)
        if countsCampaign {
            tally!.count(.waitSum, now - answered, at: answered)
            tally!.count(.abandoned, 1, at: answered)
            tally!.count(.unserved, 1, at: answered)
        }
        endAttempt(slot, cause: .normalClearing)
    }

    /// The center connected the answered customer of `slot` to agent `a`.
    mutating func connectOutbound(_ slot: Int, agent a: Int) {
        let attempt = blend.attempts[slot]
        precondition(attempt.waiting && !attempt.ended, "the center connected \(attempt.call), which is not waiting")
        precondition(agents[a].state == .idle, "the center connected agent#\(a), who is not idle")
        calendar.cancel(attempt.pending)
        blend.attempts[slot].waiting = false
        let wait = now - attempt.answeredAt
        count(.outboundConnected, at: attempt.answeredAt)
        count(.outboundWaitSum, amount: wait, at: attempt.answeredAt)
        let late = wait > (scenario.outbound?.world.abandonGrace ?? 0)
        if late { count(.outboundAbandoned, at: attempt.answeredAt) }
        if countsCampaign {
            tally!.count(.connected, 1, at: attempt.answeredAt)
            tally!.count(.waitSum, wait, at: attempt.answeredAt)
            if late { tally!.count(.abandoned, 1, at: attempt.answeredAt) }
        }
        agents[a].call = slot
        setState(a, .outboundTalking)
        calendar.schedule(.outboundTalkEnd(agent: Int32(a)), at: now + attempt.draw.talk)
    }

    mutating func outboundTalkEnded(_ a: Int) {
        if countsCampaign { tally!.modelEvents += 1 }
        let slot = agents[a].call
        agents[a].call = -1
        setState(a, .outboundWrapping)
        let wrap = blend.attempts[slot].draw.wrap  // the slot may be reused once the call ends
        endAttempt(slot, cause: .normalClearing)
        calendar.schedule(.outboundWrapEnd(agent: Int32(a)), at: now + wrap)
    }

    /// After a campaign call's wrap-up the agent may go on a break (the campaign's `pauses`, drawn
    /// as the campaign world draws them), else is free.
    mutating func afterCampaignWrap(_ a: Int) {
        if agents[a].leaving { return logOut(a) }
        rest(a, for: draws.pauseAfterCall(agent: a))
    }

    mutating func endAttempt(_ slot: Int, cause: HangupCause) {
        guard !blend.attempts[slot].ended else { return }
        blend.attempts[slot].ended = true
        let call = blend.attempts[slot].call
        blend.slotOfCall.remove(call)
        blend.freeSlots.append(Int32(slot))
        let before = center.dialer?.closedContracts ?? 0
        tell(.outbound(.callEnded(call, cause: cause)))
        let after = center.dialer?.closedContracts ?? 0
        if after > before {
            count(.outboundClosedContracts, amount: Double(after - before), at: now)
            if countsCampaign { tally!.count(.closedContracts, Double(after - before), at: now) }
        }
    }

    /// Adds to the interval of `time`, and to the totals when `time` is after the warm-up.
    mutating func count(_ column: RoutingColumn, amount: Double = 1, at time: Double) {
        guard !countsCampaign else { return }  // a campaign study counts its own figures
        add(column, amount, interval: series.interval(at: time), counted: time >= warmup)
    }
}
