import CallCenter
import DialingPolicies
import SimKernel

// MARK: - Blending: the routing world's agents also work an outbound campaign

/// An outbound campaign the agents of a routing study work between inbound calls and callbacks
/// (issue 4: blending), with the rule that shares them out.
///
/// **The blending rule** (the patents leave it open; `Rule` holds its knobs):
/// 1. *Inbound first.* An agent who becomes free is offered to the inbound router first, which
///    may connect a waiting caller (or, for the cascade, route the next caller to them).
/// 2. *Then callbacks.* An agent still idle starts their most urgent due callback task.
/// 3. *Then the campaign.* While the dialer runs, idle agents join the dialer's pool, longest
///    idle first, as long as `inboundReserve` idle agents stay outside it for inbound callers and
///    at most `maxOutboundAgents` agents are on the campaign (on a call, wrapping up, or in the
///    pool). An agent stays in the pool until it takes a call; unless `poolTakesInbound`, the
///    router is told the pool's agents are away and they start no callback (a task falling due
///    waits for the end of their next campaign call), so the dialer can count on them. An answered
///    campaign customer is connected at once to the pool's longest-idle agent, or waits (and may
///    hang up, by their patience and the maximum hold) until an agent joins the pool.
/// 4. The dialer runs from `dialFrom` until `dialUntil` (and never after the horizon); calls it
///    asks for outside that window are cancelled at once, and the pool returns to the router.
///
/// The dialer sees the campaign's agents only: the pool's as idle, those on campaign calls as
/// talking or wrapping up, and everyone else (held back, on inbound calls or callbacks) as logged
/// out, so its pacing counts only agents it can have (an agent busy with an inbound call goes
/// back to the router first when it frees up). With `poolTakesInbound`, an inbound caller can
/// take an agent the dialer was pacing for: the abandonment this causes is what the dialer's
/// threshold (CN107613150B's S2') and the reserve trade against each other.
///
/// The campaign's customers behave as in a campaign scenario (`OutboundWorld`, with common random
/// numbers per (contract, attempt)); agents do not pause (the routing world has no pauses).
public struct Blend: Sendable, Hashable {
    /// The knobs of the blending rule.
    public struct Rule: Sendable, Hashable {
        /// Idle agents never offered to the dialer (kept for inbound callers); below the agents.
        public var inboundReserve: Int
        /// At most this many agents on the campaign at once; nil: no cap.
        public var maxOutboundAgents: Int?
        /// When the dialer starts, seconds from the start of the run.
        public var dialFrom: Double
        /// When the dialer stops asking for calls (calls in progress finish), seconds; `.infinity`:
        /// at the horizon.
        public var dialUntil: Double
        /// Whether the inbound router may still give a caller to an agent in the dialer's pool
        /// (false: the pool is the campaign's, as the dialer paces for it).
        public var poolTakesInbound: Bool

        /// A rule, by name.
        public init(
            inboundReserve: Int = 0, maxOutboundAgents: Int? = nil, dialFrom: Double = 0,
            dialUntil: Double = .infinity, poolTakesInbound: Bool = false
        ) {
            precondition(inboundReserve >= 0, "inboundReserve must not be negative")
            precondition((maxOutboundAgents ?? 1) >= 1, "maxOutboundAgents must be at least 1")
            precondition(dialFrom >= 0 && dialUntil > dialFrom, "the dialing window must not be empty")
            self.inboundReserve = inboundReserve
            self.maxOutboundAgents = maxOutboundAgents
            self.dialFrom = dialFrom
            self.dialUntil = dialUntil
            self.poolTakesInbound = poolTakesInbound
        }
    }

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
    var rule = Blend.Rule()
    var commands: [DialerCommand] = []
    var attempts: [BlendedAttempt] = []
    var slotOfCall: [CallID: Int] = [:]
    var attemptsOfContract: [Int32] = []
    /// Answered customers waiting for an agent, in answer order (`head` is the first still there).
    var waiting: [Int] = []
    var head = 0
    /// What the dialer was last told of each agent.
    var view: [CallCenter.AgentState] = []
    /// Which agents are in the dialer's pool; scratch: the idle agents outside it.
    var inPool: [Bool] = []
    var idle: [Int] = []
    var started = false
    var wakeAt = Double.infinity
    var completedAt: Double?
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
        for a in agents.indices { view[a] = shown(a) }
        return view
    }

    /// Whether answered campaign customers are waiting for an agent.
    var customersWaiting: Bool { blend.head < blend.waiting.count }

    /// The dialer's pool under the blending rule. An agent leaves it when it is no longer idle
    /// (it took a campaign call, an inbound call or a callback). While the dialer runs (or
    /// customers wait), idle agents outside the pool join it, longest idle first, as long as
    /// `inboundReserve` idle agents stay outside and the campaign's agents (on a call, wrapping
    /// up, or in the pool) stay within `maxOutboundAgents`. Joiners leave the router unless
    /// `poolTakesInbound`; when the dialer stops, the pool empties and they return to it.
    mutating func updatePool() {
        if blend.inPool.count != agents.count { blend.inPool = Array(repeating: false, count: agents.count) }
        blend.idle.removeAll(keepingCapacity: true)
        var onCampaign = 0
        for a in agents.indices {
            if blend.inPool[a] && agents[a].state != .idle { blend.inPool[a] = false }
            switch agents[a].state {
            case .idle:
                if blend.inPool[a] { onCampaign += 1 } else { blend.idle.append(a) }
            case .outboundTalking, .outboundWrapping: onCampaign += 1
            default: break
            }
        }
        if !(dialing || customersWaiting) {
            for a in agents.indices where blend.inPool[a] {
                blend.inPool[a] = false
                poke(a)  // a callback that fell due while it was in the pool
                if agents[a].withdrawn {
                    agents[a].withdrawn = false
                    route(.agentAvailable(AgentID(a)))
                }
            }
            drainPokes()
            return
        }
        var room = blend.idle.count - blend.rule.inboundReserve
        if let cap = blend.rule.maxOutboundAgents { room = min(room, cap - onCampaign) }
        guard room > 0 else { return }
        blend.idle.sort { (agents[$0].since, $0) < (agents[$1].since, $1) }
        let joining = blend.idle.prefix(room)
        for a in joining { blend.inPool[a] = true }
        if !blend.rule.poolTakesInbound {
            for a in joining { withdraw(a) }
        }
    }

    /// What the dialer is shown of agent `a`.
    func shown(_ a: Int) -> CallCenter.AgentState {
        switch agents[a].state {
        case .idle: blend.inPool[a] ? .idle : .loggedOut
        case .outboundTalking: .talking
        case .outboundWrapping: .wrapUp
        case .talking, .wrapping, .callback: .loggedOut
        }
    }

    /// After each event: answered customers meet the pool's longest-idle agents, and the dialer
    /// hears of every agent whose state, as the rule shows it, changed.
    mutating func syncBlend() {
        guard blend.started else { return }
        updatePool()
        while customersWaiting {
            let slot = blend.waiting[blend.head]
            guard blend.attempts[slot].waiting else {
                blend.head += 1
                continue
            }
            var best = -1
            for a in agents.indices where blend.inPool[a] && agents[a].state == .idle {
                if best < 0 || (agents[a].since, a) < (agents[best].since, best) { best = a }
            }
            guard best >= 0 else { break }
            blend.head += 1
            connectOutbound(slot, agent: best)
            updatePool()
        }
        if !customersWaiting {
            blend.waiting.removeAll(keepingCapacity: true)
            blend.head = 0
        }
        for a in agents.indices {
            let state = shown(a)
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
            blend.waiting.append(slot)
        }
    }

    /// An answered customer hung up before an agent took them.
    mutating func outboundGone(_ slot: Int) {
        guard blend.attempts[slot].waiting, !blend.attempts[slot].ended else { return }
        let answered = blend.attempts[slot].answeredAt
        blend.attempts[slot].waiting = false
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
