import CallCenter
import CenterPolicies
import DialingPolicies
import SimKernel

// MARK: - Blending: the routing world's agents also work an outbound campaign

/// An outbound campaign the agents of a routing study work between inbound calls and callbacks
/// (blending), with the rule that shares them out.
///
/// The rule is the policy layer's: `BlendRule` holds its knobs and `DialerPool` (module
/// `CenterPolicies`) decides who is in the dialer's pool, what the dialer is shown and which
/// agent an answered campaign customer meets; `AnsweredCustomers` keeps those customers in line.
/// The routing world only tells the pool what each agent does and carries out its decisions:
/// inbound first (an agent who becomes free is offered to the router first), then callbacks, then
/// the campaign. Unless `poolTakesInbound`, the router is told the pool's agents are away and they
/// start no callback (a task falling due waits for the end of their next campaign call), so the
/// dialer can count on them. The dialer runs from `dialFrom` until `dialUntil` (and never after
/// the horizon); calls it asks for outside that window are cancelled at once, and the pool returns
/// to the router.
///
/// The campaign's customers behave as in a campaign scenario (`OutboundWorld`, with common random
/// numbers per (contract, attempt)); agents do not pause (the routing world has no pauses).
public struct Blend: Sendable, Hashable {
    /// The knobs of the blending rule.
    public typealias Rule = BlendRule

    /// The campaign's contacts.
    public var contacts: ContactSource
    /// How the campaign's customers answer, wait and talk.
    public var world: OutboundWorld
    /// The dialer and its knobs (the same as a campaign variant's).
    public var dialer: DialerPolicy
    /// The blending rule.
    public var rule: Rule

    /// A campaign to blend, by name.
    public init(contacts: ContactSource, world: OutboundWorld, dialer: DialerPolicy, rule: Rule = Rule()) {
        self.contacts = contacts
        self.world = world
        self.dialer = dialer
        self.rule = rule
    }
}

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

// MARK: - The campaign's side of the routing world

/// One attempt of the blended campaign.
struct BlendedAttempt {
    var call: CallID
    var draw: AttemptDraw
    var answeredAt = -1.0
    var waiting = false
    var ended = false
    var pending: EventHandle = .none
}

/// What the routing world keeps of the blended campaign (empty when the study has none).
struct BlendState {
    var dialer: (any Dialer)?
    var commands: [DialerCommand] = []
    var attempts: [BlendedAttempt] = []
    var slotOfCall: [CallID: Int] = [:]
    var attemptsOfContract: [Int32] = []
    /// The blending rule at work: the dialer's pool.
    var pool = DialerPool(rule: BlendRule())
    /// Answered campaign customers waiting for an agent.
    var customers = AnsweredCustomers()
    /// What the dialer was last told of each agent.
    var view: [CallCenter.AgentState] = []
    /// Scratch: the agents that joined or left the pool in the last update.
    var joined: [Int] = []
    var left: [Int] = []
    var started = false
    var wakeAt = Double.infinity
    var completedAt: Double?

    /// The rule's knobs.
    var rule: BlendRule { pool.rule }
}

extension RoutingWorld {
    /// Whether the dialer may still ask for calls.
    var dialing: Bool {
        blend.started && now < min(blend.rule.dialUntil, scenario.horizon)
    }

    /// Starts the dialer (steps S31-S33) with the agents as the blending rule shows them.
    mutating func startDialer() throws(TaskValidationError) {
        guard let outbound = scenario.outbound, var dialer = blend.dialer else { return }
        blend.started = true
        blend.attemptsOfContract = Array(repeating: 0, count: outbound.contacts.count)
        let view = dialerView()
        blend.view = view
        blend.dialer = nil  // handled while out of the state, to keep one copy
        try dialer.start(
            task: outbound.contacts.task(batchID: scenario.outboundBatchID), agents: view, at: now,
            into: &blend.commands)
        blend.dialer = dialer
        carryOutDialerCommands()
        syncBlend()
    }

    /// The agents as the dialer should see them now (after updating the pool).
    mutating func dialerView() -> [CallCenter.AgentState] {
        updatePool()
        var view = [CallCenter.AgentState](repeating: .loggedOut, count: agents.count)
        for a in agents.indices { view[a] = blend.pool.shown(a) }
        return view
    }

    /// Whether answered campaign customers are waiting for an agent.
    var customersWaiting: Bool { blend.customers.hasEntries }

    /// What the campaign sees agent `a` doing (`DialerPool.set`): idle, on a campaign call or
    /// its wrap-up, or away on other work.
    static func campaignState(_ state: AgentState) -> CallCenter.AgentState {
        switch state {
        case .idle: .idle
        case .outboundTalking: .talking
        case .outboundWrapping: .wrapUp
        case .talking, .wrapping, .callback: .loggedOut
        }
    }

    /// Brings the dialer's pool up to date (`DialerPool.update`; open while the dialer runs or
    /// customers wait) and carries out its decisions: joiners leave the router unless
    /// `poolTakesInbound`; when the pool closes, its agents return to the router and may start a
    /// callback that fell due while they were in it.
    mutating func updatePool() {
        let open = dialing || customersWaiting
        blend.joined.removeAll(keepingCapacity: true)
        blend.left.removeAll(keepingCapacity: true)
        blend.pool.update(open: open, joined: &blend.joined, left: &blend.left)
        guard open else {
            // Agents leaving a closed pool are idle: back to the router (those that left by
            // taking a call are back when it ends).
            let released = blend.left
            for a in released where agents[a].state == .idle {
                poke(a)
                if agents[a].withdrawn {
                    agents[a].withdrawn = false
                    route(.agentAvailable(AgentID(a)))
                }
            }
            drainPokes()
            return
        }
        if !blend.rule.poolTakesInbound && !blend.joined.isEmpty {
            let joining = blend.joined
            for a in joining { withdraw(a) }
        }
    }

    /// After each event: answered customers meet the pool's longest-idle agents, and the dialer
    /// hears of every agent whose state, as the rule shows it, changed.
    mutating func syncBlend() {
        guard blend.started else { return }
        updatePool()
        while let (call, agent) = blend.pool.match(&blend.customers) {
            guard let slot = blend.slotOfCall[call] else { continue }
            connectOutbound(slot, agent: agent)
            updatePool()
        }
        for a in agents.indices {
            let state = blend.pool.shown(a)
            if state != blend.view[a] {
                blend.view[a] = state
                tellDialer(.agent(AgentID(a), state))
            }
        }
    }

    // MARK: The dialer's side of the seam

    mutating func tellDialer(_ event: DialerEvent) {
        guard var dialer = blend.dialer else { return }
        blend.dialer = nil
        dialer.handle(event, at: now, into: &blend.commands)
        blend.dialer = dialer
        carryOutDialerCommands()
    }

    mutating func carryOutDialerCommands() {
        while !blend.commands.isEmpty {
            let command = blend.commands.removeFirst()
            switch command {
            case .originate(let call, let contract, _):
                if dialing {
                    originate(call, contract: contract.index)
                } else {
                    tellDialer(.callEnded(call, cause: .originatorCancel))
                }
            case .hangUp(let call):
                if let slot = blend.slotOfCall[call], !blend.attempts[slot].ended,
                    blend.attempts[slot].answeredAt < 0
                {
                    calendar.cancel(blend.attempts[slot].pending)
                    endAttempt(slot, cause: .originatorCancel)
                }
            case .wakeUp(let at):
                if at < blend.wakeAt {
                    blend.wakeAt = at
                    calendar.schedule(.dialerWake, at: max(at, now))
                }
            case .record:
                break
            case .connect, .holdExpired:
                // The patent's dialers never ask these (`CampaignPolicy` does); the blend places
                // answered customers through its `DialerPool`.
                break
            case .taskCompleted:
                blend.completedAt = now
            }
        }
    }

    /// The dialer's timer fired.
    mutating func dialerWake(at time: Double) {
        guard time == blend.wakeAt else { return }
        blend.wakeAt = .infinity
        guard dialing else { return }
        tellDialer(.wakeUp)
    }

    mutating func originate(_ call: CallID, contract: Int) {
        blend.attemptsOfContract[contract] += 1
        let draw = draws.draw(contract: contract, attempt: Int(blend.attemptsOfContract[contract]), at: now)
        let slot = blend.attempts.count
        blend.attempts.append(BlendedAttempt(call: call, draw: draw))
        blend.slotOfCall[call] = slot
        count(.outboundAttempts, at: now)
        blend.attempts[slot].pending = calendar.schedule(
            .outboundResolve(slot: Int32(slot)), at: now + draw.resolvesAfter)
    }

    /// The softswitch reports the attempt's fate.
    mutating func resolveOutbound(_ slot: Int) {
        let attempt = blend.attempts[slot]
        guard !attempt.ended else { return }
        switch attempt.draw.fate {
        case .busy: endAttempt(slot, cause: .userBusy)
        case .noAnswer: endAttempt(slot, cause: .noAnswer)
        case .invalid: endAttempt(slot, cause: .unallocatedNumber)
        case .machine:
            blend.attempts[slot].answeredAt = now
            count(.outboundMachines, at: now)
            tellDialer(.callAnswered(attempt.call, live: false))
            calendar.schedule(.outboundMachineDone(slot: Int32(slot)), at: now + attempt.draw.machineDetection)
        case .live:
            blend.attempts[slot].answeredAt = now
            blend.attempts[slot].waiting = true
            count(.outboundLiveAnswers, at: now)
            tellDialer(.callAnswered(attempt.call, live: true))
            blend.attempts[slot].pending = calendar.schedule(
                .outboundGone(slot: Int32(slot)), at: now + attempt.draw.patience)
            blend.customers.answered(attempt.call, at: now)
        }
    }

    /// An answered customer hung up before an agent took them.
    mutating func outboundGone(_ slot: Int) {
        guard blend.attempts[slot].waiting, !blend.attempts[slot].ended else { return }
        let answered = blend.attempts[slot].answeredAt
        blend.attempts[slot].waiting = false
        blend.customers.left(blend.attempts[slot].call)
        count(.outboundWaitSum, amount: now - answered, at: answered)
        count(.outboundAbandoned, at: answered)
        count(.outboundHungUpWaiting, at: answered)
        endAttempt(slot, cause: .normalClearing)
    }

    mutating func connectOutbound(_ slot: Int, agent a: Int) {
        let attempt = blend.attempts[slot]
        calendar.cancel(attempt.pending)
        blend.attempts[slot].waiting = false
        let wait = now - attempt.answeredAt
        count(.outboundConnected, at: attempt.answeredAt)
        count(.outboundWaitSum, amount: wait, at: attempt.answeredAt)
        if wait > (scenario.outbound?.world.abandonGrace ?? 0) { count(.outboundAbandoned, at: attempt.answeredAt) }
        agents[a].call = slot
        setState(a, .outboundTalking)
        withdraw(a)
        tellDialer(.callConnected(attempt.call, AgentID(a)))
        calendar.schedule(.outboundTalkEnd(agent: Int32(a)), at: now + attempt.draw.talk)
    }

    mutating func outboundTalkEnded(_ a: Int) {
        let slot = agents[a].call
        agents[a].call = -1
        setState(a, .outboundWrapping)
        endAttempt(slot, cause: .normalClearing)
        calendar.schedule(.outboundWrapEnd(agent: Int32(a)), at: now + blend.attempts[slot].draw.wrap)
    }

    mutating func endAttempt(_ slot: Int, cause: HangupCause) {
        guard !blend.attempts[slot].ended else { return }
        blend.attempts[slot].ended = true
        let call = blend.attempts[slot].call
        blend.slotOfCall[call] = nil
        let before = blend.dialer?.closedContracts ?? 0
        tellDialer(.callEnded(call, cause: cause))
        let after = blend.dialer?.closedContracts ?? 0
        if after > before { count(.outboundClosedContracts, amount: Double(after - before), at: now) }
    }

    /// Adds to the interval of `time`, and to the totals when `time` is after the warm-up.
    mutating func count(_ column: RoutingColumn, amount: Double = 1, at time: Double) {
        add(column, amount, interval: series.interval(at: time), counted: time >= warmup)
    }
}
