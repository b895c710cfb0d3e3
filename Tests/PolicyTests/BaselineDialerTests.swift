import CallCenter
import DialingPolicies
import Testing

// MARK: - Helpers (prefixed `baseline` so they stay clear of the other policy tests)

/// The number of contract `i` in these tests' tasks.
func baselineNumber(_ i: Int) -> String { "+1555" + String(1000 + i) }

/// A task of `n` contracts with distinct dialable numbers, in list order.
func baselineTask(_ n: Int, batch: String = "B1") -> OutboundTask {
    OutboundTask(batchID: batch, numbers: (0..<n).map { (baselineNumber($0), "customer \($0)") })
}

/// The command dialling contract `contract` as call `call`.
func baselineDial(_ call: UInt64, _ contract: Int) -> DialerCommand {
    .originate(CallID(call), ContractID(contract), number: baselineNumber(contract))
}

/// The commands dialling `contracts` as the calls from `firstCall` on.
func baselineDials(from firstCall: UInt64, _ contracts: ClosedRange<Int>) -> [DialerCommand] {
    contracts.enumerated().map { n, contract in baselineDial(firstCall + UInt64(n), contract) }
}

/// The call record command of a finished attempt.
func baselineRecord(
    _ call: UInt64, _ contract: Int, attempt: Int = 1, dialed: Seconds, answered: Seconds? = nil,
    connected: Seconds? = nil, ended: Seconds, _ outcome: CallOutcome, _ cause: HangupCause, agent: Int? = nil
) -> DialerCommand {
    .record(
        CallRecord(
            call: CallID(call), contract: ContractID(contract), attempt: attempt, dialedAt: dialed,
            answeredAt: answered, connectedAt: connected, endedAt: ended, outcome: outcome, cause: cause,
            agent: agent.map { AgentID($0) }))
}

/// Contract `i` of `baselineTask` as a snapshot shows it.
func baselineContract(
    _ i: Int, attempts: Int, _ state: ContractState, last: CallOutcome?, notBefore: Seconds = 0
) -> Contract {
    var c = Contract(id: ContractID(i), number: baselineNumber(i), customer: "customer \(i)")
    c.attempts = attempts
    c.state = state
    c.lastOutcome = last
    c.notBefore = notBefore
    return c
}

/// Drives a dialer with hand-written events, returning the commands of each step.
struct BaselineDriver<D: Dialer> {
    var dialer: D

    init(_ dialer: D) { self.dialer = dialer }

    /// Starts the task at `time` (S31–S33).
    mutating func start(_ task: OutboundTask, agents: [AgentState], at time: Seconds = 0)
        throws(TaskValidationError) -> [DialerCommand]
    {
        var commands: [DialerCommand] = []
        try dialer.start(task: task, agents: agents, at: time, into: &commands)
        return commands
    }

    /// Hands `event` to the dialer at `time`.
    mutating func send(_ event: DialerEvent, at time: Seconds) -> [DialerCommand] {
        var commands: [DialerCommand] = []
        dialer.handle(event, at: time, into: &commands)
        return commands
    }

    /// Hands each (time, event) of `script` to the dialer in order; all the commands.
    mutating func run(_ script: [(Seconds, DialerEvent)]) -> [DialerCommand] {
        var commands: [DialerCommand] = []
        for (time, event) in script { dialer.handle(event, at: time, into: &commands) }
        return commands
    }

    /// Wakes the dialer at each whole second of `seconds`; all the commands.
    mutating func wake(_ seconds: ClosedRange<Int>) -> [DialerCommand] {
        run(seconds.map { (Seconds($0), DialerEvent.wakeUp) })
    }
}

/// The originate commands among `commands`.
func baselineOriginates(_ commands: [DialerCommand]) -> [DialerCommand] {
    commands.filter { if case .originate = $0 { true } else { false } }
}

/// The wake-up requests for each whole second of `seconds`.
func baselineWakeUps(_ seconds: ClosedRange<Int>) -> [DialerCommand] {
    seconds.map { .wakeUp(at: Seconds($0)) }
}

/// A small deterministic world for whole runs: every call's fate follows from its id; live
/// answers are bridged at once to the lowest-numbered idle agent, or wait up to `patience`
/// seconds and hang up (abandoned); agents talk `talk` seconds and wrap up `wrapUp` seconds.
struct BaselineWorld<D: Dialer> {
    enum Happening {
        case toDialer(DialerEvent)
        case liveAnswer(CallID)
        case giveUp(CallID)
        case hangUp(CallID, AgentID)
        case agentFree(AgentID)
    }

    var dialer: D
    var agents: [AgentState]
    var patience: Seconds = 4
    var talk: Seconds = 20
    var wrapUp: Seconds = 5
    var queue: [(time: Seconds, order: Int, happening: Happening)] = []
    var order = 0
    var waiting: [CallID] = []
    var commands: [DialerCommand] = []

    init(_ dialer: D, agents: Int) {
        self.dialer = dialer
        self.agents = Array(repeating: .idle, count: agents)
    }

    var records: [CallRecord] { commands.compactMap { if case .record(let r) = $0 { r } else { nil } } }
    var completed: TaskSnapshot? {
        commands.lazy.compactMap { if case .taskCompleted(let s) = $0 { s } else { nil } }.first
    }

    /// Starts `task` at 0 and runs until nothing is left to happen or `limit`; `afterTick` sees
    /// the dialer after each of its ticks.
    mutating func run(
        _ task: OutboundTask, limit: Seconds = 100_000, afterTick: (D, Seconds) -> Void = { _, _ in }
    ) throws {
        var out: [DialerCommand] = []
        try dialer.start(task: task, agents: agents, at: 0, into: &out)
        take(out, at: 0)
        while let next = queue.indices.min(by: {
            (queue[$0].time, queue[$0].order) < (queue[$1].time, queue[$1].order)
        }) {
            let (time, _, happening) = queue.remove(at: next)
            if time > limit { break }
            happen(happening, at: time)
            if case .toDialer(.wakeUp) = happening { afterTick(dialer, time) }
        }
    }

    mutating func schedule(_ happening: Happening, at time: Seconds) {
        queue.append((time, order, happening))
        order += 1
    }

    mutating func deliver(_ event: DialerEvent, at time: Seconds) {
        var out: [DialerCommand] = []
        dialer.handle(event, at: time, into: &out)
        take(out, at: time)
    }

    mutating func take(_ out: [DialerCommand], at time: Seconds) {
        commands += out
        for command in out {
            switch command {
            case .originate(let call, _, _):
                switch call.rawValue % 4 {
                case 0: schedule(.toDialer(.callEnded(call, cause: .noAnswer)), at: time + 8)
                case 1: schedule(.liveAnswer(call), at: time + 3)
                case 2: schedule(.toDialer(.callEnded(call, cause: .userBusy)), at: time + 1)
                default:
                    schedule(.toDialer(.callAnswered(call, live: false)), at: time + 2)
                    schedule(.toDialer(.callEnded(call, cause: .normalClearing)), at: time + 5)
                }
            case .wakeUp(let at):
                schedule(.toDialer(.wakeUp), at: at)
            case .hangUp, .record, .taskCompleted, .connect, .holdExpired:
                break
            }
        }
    }

    mutating func connect(_ call: CallID, _ agent: AgentID, at time: Seconds) {
        agents[agent.index] = .talking
        deliver(.callConnected(call, agent), at: time)
        deliver(.agent(agent, .talking), at: time)
        schedule(.hangUp(call, agent), at: time + talk)
    }

    mutating func happen(_ happening: Happening, at time: Seconds) {
        switch happening {
        case .toDialer(let event):
            deliver(event, at: time)
        case .liveAnswer(let call):
            deliver(.callAnswered(call, live: true), at: time)
            if let free = agents.firstIndex(of: .idle) {
                connect(call, AgentID(free), at: time)
            } else {
                waiting.append(call)
                schedule(.giveUp(call), at: time + patience)
            }
        case .giveUp(let call):
            guard let i = waiting.firstIndex(of: call) else { return }
            waiting.remove(at: i)
            deliver(.callEnded(call, cause: .normalClearing), at: time)
        case .hangUp(let call, let agent):
            deliver(.callEnded(call, cause: .normalClearing), at: time)
            agents[agent.index] = .wrapUp
            deliver(.agent(agent, .wrapUp), at: time)
            schedule(.agentFree(agent), at: time + wrapUp)
        case .agentFree(let agent):
            agents[agent.index] = .idle
            deliver(.agent(agent, .idle), at: time)
            if !waiting.isEmpty { connect(waiting.removeFirst(), agent, at: time) }
        }
    }
}

/// Retry rules that let a whole run finish quickly: 3 attempts, 30 s between them.
func baselineQuickRules() -> ContractRules {
    ContractRules(
        maxAttempts: 3, retryDelay: [.busy: 30, .noAnswer: 30, .machine: 30, .abandoned: 30, .failed: 30])
}

/// The three baselines, for tests every one of them must pass.
enum BaselineKind: String, CaseIterable, Sendable {
    case progressive, power, adaptive

    /// A dialer of this kind with its default knobs.
    func make() -> any Dialer {
        switch self {
        case .progressive: return ProgressiveDialer()
        case .power: return PowerDialer()
        case .adaptive: return AdaptiveDialer()
        }
    }
}

// MARK: - The seam, common to the three

@Suite("Baseline dialers: the task steps (S33, S34) and the round")
struct BaselineDialerTests {
    /// Starts a dialer of `kind` and returns the rejection's reason (nil if it started) and the
    /// commands it gave.
    func startReason(_ kind: BaselineKind, _ task: OutboundTask, agents: [AgentState]) -> (
        String?, [DialerCommand]
    ) {
        var dialer = kind.make()
        var commands: [DialerCommand] = []
        do {
            try dialer.start(task: task, agents: agents, at: 0, into: &commands)
            return (nil, commands)
        } catch {
            return (error.reason, commands)
        }
    }

    @Test(
        "S33: no contracts, no agent online, a duplicate or an undialable number: refused, with the reason",
        arguments: BaselineKind.allCases)
    func s33Rejections(kind: BaselineKind) {
        var (reason, commands) = startReason(kind, baselineTask(0), agents: [.idle])
        #expect(reason == "batch B1 has no contracts; import a contact list first")
        #expect(commands.isEmpty)

        (reason, commands) = startReason(kind, baselineTask(3), agents: [.loggedOut, .loggedOut])
        #expect(reason == "no agent is logged in; log agents in before starting batch B1")
        #expect(commands.isEmpty)
        (reason, _) = startReason(kind, baselineTask(3), agents: [])
        #expect(reason == "no agent is logged in; log agents in before starting batch B1")

        let duplicate = OutboundTask(
            batchID: "B1",
            numbers: [(baselineNumber(0), "a"), (baselineNumber(1), "b"), (baselineNumber(0), "c")])
        (reason, commands) = startReason(kind, duplicate, agents: [.idle])
        #expect(reason == "contracts 0 and 2 of batch B1 have the same number +15551000")
        #expect(commands.isEmpty)

        let undialable = OutboundTask(batchID: "B1", numbers: [(baselineNumber(0), "a"), ("12-34", "b")])
        (reason, commands) = startReason(kind, undialable, agents: [.idle])
        #expect(reason == "contract 1 of batch B1 has no dialable number ('12-34')")
        #expect(commands.isEmpty)

        // A paused agent is online: the task starts, though nobody is idle to dial for.
        (reason, commands) = startReason(kind, baselineTask(3), agents: [.paused(since: 0)])
        #expect(reason == nil)
        #expect(commands == [.wakeUp(at: 1)])
    }

    /// Runs the S34 script on `dialer`: one contract connected, one with an invalid number.
    func checkS34<D: Dialer>(_ dialer: D) throws {
        var d = BaselineDriver(dialer)
        #expect(
            try d.start(baselineTask(2), agents: [.idle, .idle]) == baselineDials(from: 1, 0...1) + [
                .wakeUp(at: 1)
            ])
        #expect(
            d.run([
                (0.5, .callAnswered(CallID(1), live: true)),
                (0.5, .callConnected(CallID(1), AgentID(0))),
                (0.5, .agent(AgentID(0), .talking)),
            ]) == [])
        #expect(
            d.send(.callEnded(CallID(2), cause: .unallocatedNumber), at: 0.7) == [
                baselineRecord(2, 1, dialed: 0, ended: 0.7, .invalidNumber, .unallocatedNumber)
            ])
        // Nothing left to dial, a call still in flight: the loop goes on.
        #expect(d.send(.wakeUp, at: 1) == [.wakeUp(at: 2)])
        let snapshot = TaskSnapshot(
            batchID: "B1", takenAt: 1.5,
            contracts: [
                baselineContract(0, attempts: 1, .completed, last: .connected),
                baselineContract(1, attempts: 1, .failed, last: .invalidNumber),
            ],
            outcomes: ["connected": 1, "invalid_number": 1])
        #expect(
            d.send(.callEnded(CallID(1), cause: .normalClearing), at: 1.5) == [
                baselineRecord(
                    1, 0, dialed: 0, answered: 0.5, connected: 0.5, ended: 1.5, .connected, .normalClearing,
                    agent: 0),
                .taskCompleted(snapshot),
            ])
        #expect(snapshot.isComplete)
        #expect(d.dialer.snapshot(at: 1.5) == snapshot)
        // Stopped: no more commands, whatever comes.
        #expect(d.send(.wakeUp, at: 2) == [])
        #expect(d.send(.agent(AgentID(0), .idle), at: 2) == [])
    }

    @Test(
        "S34: once every contract is completed or failed, the task snapshot, once",
        arguments: BaselineKind.allCases)
    func s34Snapshot(kind: BaselineKind) throws {
        switch kind {
        case .progressive: try checkS34(ProgressiveDialer())
        case .power: try checkS34(PowerDialer())
        case .adaptive: try checkS34(AdaptiveDialer())
        }
    }

    @Test("retried contracts come back behind the others, after their delay, until the attempts are used up")
    func roundRobinRetries() throws {
        var c = ProgressiveDialer.Configuration()
        c.rules = ContractRules(maxAttempts: 2, retryDelay: [.busy: 0.5])
        var d = BaselineDriver(ProgressiveDialer(c))
        #expect(try d.start(baselineTask(3), agents: [.idle]) == [baselineDial(1, 0), .wakeUp(at: 1)])
        #expect(
            d.send(.callEnded(CallID(1), cause: .userBusy), at: 0.2) == [
                baselineRecord(1, 0, dialed: 0, ended: 0.2, .busy, .userBusy)
            ])
        // Contract 0 is due again at 0.7, but behind 1 and 2.
        #expect(d.send(.wakeUp, at: 1) == [baselineDial(2, 1), .wakeUp(at: 2)])
        _ = d.send(.callEnded(CallID(2), cause: .userBusy), at: 1.2)
        #expect(d.send(.wakeUp, at: 2) == [baselineDial(3, 2), .wakeUp(at: 3)])
        _ = d.send(.callEnded(CallID(3), cause: .callRejected), at: 2.2)
        #expect(d.send(.wakeUp, at: 3) == [baselineDial(4, 0), .wakeUp(at: 4)])
        // The second attempt of contract 0 is its last.
        #expect(
            d.send(.callEnded(CallID(4), cause: .userBusy), at: 3.2) == [
                baselineRecord(4, 0, attempt: 2, dialed: 3, ended: 3.2, .busy, .userBusy)
            ])
        #expect(d.send(.wakeUp, at: 4) == [baselineDial(5, 1), .wakeUp(at: 5)])
        let snapshot = d.dialer.snapshot(at: 4)
        // A failed contract keeps the retry time of its last retry.
        #expect(
            snapshot.contracts[0] == baselineContract(0, attempts: 2, .failed, last: .busy, notBefore: 0.7))
        #expect(
            snapshot.contracts[1] == baselineContract(1, attempts: 2, .dialing, last: .busy, notBefore: 1.7))
        #expect(
            snapshot.contracts[2]
                == baselineContract(2, attempts: 1, .uncompleted, last: .busy, notBefore: 2.7))
        #expect(snapshot.outcomes == ["busy": 4])
    }

    @Test("when everything left waits for its retry delay, the loop sleeps until the first is due")
    func retryAfterDelay() throws {
        var c = PowerDialer.Configuration()
        c.rules = ContractRules(maxAttempts: 3, retryDelay: [.noAnswer: 60])
        var d = BaselineDriver(PowerDialer(c))
        #expect(try d.start(baselineTask(1), agents: [.idle]) == [baselineDial(1, 0), .wakeUp(at: 1)])
        _ = d.send(.callEnded(CallID(1), cause: .noAnswer), at: 0.5)
        #expect(d.send(.wakeUp, at: 1) == [.wakeUp(at: 60.5)])
        #expect(d.send(.wakeUp, at: 60.5) == [baselineDial(2, 0), .wakeUp(at: 61.5)])
    }
}

// MARK: - Progressive

extension BaselineDialerTests {
    @Suite("ProgressiveDialer: one line per idle agent")
    struct Progressive {
        @Test("start, answer, connect, end: the exact commands")
        func exactCommands() throws {
            var d = BaselineDriver(ProgressiveDialer())
            #expect(d.dialer.name == "progressive")
            #expect(
                try d.start(baselineTask(5), agents: [.idle, .idle]) == [
                    .originate(CallID(1), ContractID(0), number: "+15551000"),
                    .originate(CallID(2), ContractID(1), number: "+15551001"),
                    .wakeUp(at: 1),
                ])
            #expect(d.send(.callAnswered(CallID(1), live: true), at: 0.5) == [])
            #expect(d.send(.callConnected(CallID(1), AgentID(0)), at: 0.6) == [])
            #expect(d.send(.agent(AgentID(0), .talking), at: 0.6) == [])
            // Agent 1 is still reserved for call 2, which rings.
            #expect(d.send(.wakeUp, at: 1) == [.wakeUp(at: 2)])
            // Call 2 is not answered; contract 1 waits an hour for its retry (the default rules).
            #expect(
                d.send(.callEnded(CallID(2), cause: .noAnswer), at: 1.5) == [
                    baselineRecord(2, 1, dialed: 0, ended: 1.5, .noAnswer, .noAnswer)
                ])
            #expect(d.send(.wakeUp, at: 2) == [baselineDial(3, 2), .wakeUp(at: 3)])
            #expect(
                d.send(.callEnded(CallID(1), cause: .normalClearing), at: 2.5) == [
                    baselineRecord(
                        1, 0, dialed: 0, answered: 0.5, connected: 0.6, ended: 2.5, .connected,
                        .normalClearing,
                        agent: 0)
                ])
            #expect(d.send(.agent(AgentID(0), .wrapUp), at: 2.5) == [])
            // In wrap-up, agent 0 is not idle: nothing more to dial.
            #expect(d.send(.wakeUp, at: 3) == [.wakeUp(at: 4)])
            #expect(d.send(.agent(AgentID(0), .idle), at: 3.5) == [])
            #expect(d.send(.wakeUp, at: 4) == [baselineDial(4, 3), .wakeUp(at: 5)])
            // A paused agent is not dialled for.
            _ = d.send(.callEnded(CallID(3), cause: .userBusy), at: 4.2)
            _ = d.send(.agent(AgentID(1), .paused(since: 4.2)), at: 4.2)
            #expect(d.send(.wakeUp, at: 5) == [.wakeUp(at: 6)])
            #expect(d.dialer.core.ringing == 1)
            #expect(d.dialer.core.idleAgents == 1)
        }

        @Test("a whole run: never more calls ringing or waiting than idle agents, and no abandoned call")
        func neverMoreThanIdle() throws {
            var c = ProgressiveDialer.Configuration()
            c.rules = baselineQuickRules()
            var world = BaselineWorld(ProgressiveDialer(c), agents: 3)
            var ticks = 0
            try world.run(baselineTask(40)) { dialer, _ in
                ticks += 1
                #expect(dialer.core.ringing + dialer.core.answeredWaiting <= dialer.core.idleAgents)
                #expect(dialer.core.ringing <= dialer.core.idleAgents)
            }
            #expect(ticks > 100)
            let snapshot = try #require(world.completed)
            #expect(snapshot.isComplete)
            #expect(world.records.count == snapshot.contracts.reduce(0) { $0 + $1.attempts })
            #expect(!world.records.contains { $0.outcome == .abandoned })
            #expect(world.records.filter { $0.outcome == .connected }.allSatisfy { $0.wait == 0 })
            #expect(snapshot.outcomes["connected", default: 0] > 0)
        }
    }
}

// MARK: - Power

extension BaselineDialerTests {
    @Suite("PowerDialer: a fixed ratio of lines per idle agent")
    struct Power {
        func power(_ lines: Double) -> PowerDialer {
            var c = PowerDialer.Configuration()
            c.linesPerAgent = lines
            return PowerDialer(c)
        }

        @Test(
            "it dials exactly ceil(idle × ratio)",
            arguments: [
                (1.0, 3, 3), (1.5, 3, 5), (2.0, 2, 4), (2.5, 1, 3), (1.1, 10, 11), (3.0, 4, 12),
            ])
        func exactRatio(lines: Double, idle: Int, expected: Int) throws {
            var d = BaselineDriver(power(lines))
            let commands = try d.start(baselineTask(20), agents: Array(repeating: .idle, count: idle))
            #expect(commands == baselineDials(from: 1, 0...(expected - 1)) + [.wakeUp(at: 1)])
            #expect(d.dialer.core.ringing == expected)
        }

        @Test("a live answer waiting claims an idle agent; calls ringing count against the target")
        func answeredWaitingCounts() throws {
            var d = BaselineDriver(power(1.5))
            #expect(d.dialer.name == "power")
            #expect(
                try d.start(baselineTask(10), agents: [.idle, .idle, .idle]) == baselineDials(from: 1, 0...4)
                    + [.wakeUp(at: 1)])
            _ = d.send(.callAnswered(CallID(1), live: true), at: 0.5)
            _ = d.send(.callEnded(CallID(2), cause: .userBusy), at: 0.6)
            // ceil(3 × 1.5) − 1 waiting = 4 to have ringing; 3 ring: one more.
            #expect(d.dialer.targetRinging == 4)
            #expect(d.send(.wakeUp, at: 1) == [baselineDial(6, 5), .wakeUp(at: 2)])
            // Call 1 goes to agent 0: ceil(2 × 1.5) = 3 to have ringing; 4 ring: none.
            _ = d.send(.callConnected(CallID(1), AgentID(0)), at: 1.2)
            _ = d.send(.agent(AgentID(0), .talking), at: 1.2)
            #expect(d.dialer.targetRinging == 3)
            #expect(d.send(.wakeUp, at: 2) == [.wakeUp(at: 3)])
            // Two calls end unanswered: 2 ring, one more to 3.
            _ = d.send(.callEnded(CallID(3), cause: .noAnswer), at: 2.5)
            _ = d.send(.callEnded(CallID(4), cause: .noAnswer), at: 2.5)
            #expect(d.send(.wakeUp, at: 3) == [baselineDial(7, 6), .wakeUp(at: 4)])
        }

        @Test("the knobs are checked")
        func problems() {
            var c = PowerDialer.Configuration()
            #expect(c.problem == nil)
            c.linesPerAgent = 0.9
            #expect(c.problem == "lines_per_agent must be at least 1")
            c.linesPerAgent = 2
            c.tick = 0
            #expect(c.problem == "tick must be positive")
            var p = ProgressiveDialer.Configuration()
            p.abandonGrace = -1
            #expect(p.problem == "abandon_grace must not be negative")
        }
    }
}

// MARK: - Adaptive

extension BaselineDialerTests {
    @Suite("AdaptiveDialer: VICIdial's adaptive dial level")
    struct Adaptive {
        /// Knobs for the hand-written scripts: adjust every 15 s, start at `initialLevel`.
        func adaptive(
            _ method: AdaptiveDialer.Method = .hardLimit, initialLevel: Double = 1,
            configure: (inout AdaptiveDialer.Configuration) -> Void = { _ in }
        ) -> AdaptiveDialer {
            var c = AdaptiveDialer.Configuration()
            c.method = method
            c.initialLevel = initialLevel
            configure(&c)
            return AdaptiveDialer(c)
        }

        @Test(
            "while agents sit ready, the level rises every 15 s up to the maximum, and more lines are dialled"
        )
        func risesWhileReady() throws {
            var d = BaselineDriver(adaptive())
            #expect(d.dialer.name == "adaptive")
            #expect(
                try d.start(baselineTask(60), agents: Array(repeating: .idle, count: 4)) == baselineDials(
                    from: 1, 0...3)
                    + [.wakeUp(at: 1)])
            #expect(d.wake(1...14) == baselineWakeUps(2...15))
            #expect(d.dialer.level == 1)
            // 4 ready, none waiting, 4 agents: the level doubles; ceil(4 × 2) − 4 ringing = 4 more.
            #expect(d.send(.wakeUp, at: 15) == baselineDials(from: 5, 4...7) + [.wakeUp(at: 16)])
            #expect(d.dialer.level == 2)
            let adjustment = try #require(d.dialer.lastAdjustment)
            #expect(adjustment.time == 15)
            #expect((adjustment.ready, adjustment.waiting, adjustment.agents) == (4, 0, 4))
            #expect((adjustment.from, adjustment.suggested, adjustment.level) == (1, 2, 2))
            #expect(adjustment.dropRate == nil)
            #expect(!adjustment.surged && !adjustment.atCap)
            #expect(d.wake(16...29) == baselineWakeUps(17...30))
            // Doubling again would be 4: kept at the maximum, 3.
            #expect(d.send(.wakeUp, at: 30) == baselineDials(from: 9, 8...11) + [.wakeUp(at: 31)])
            #expect(d.dialer.level == 3)
            _ = d.wake(31...45)
            #expect(d.dialer.level == 3)
        }

        @Test(
            "the step scales with the intensity and stops at the difference target",
            arguments: [
                (0.0, 0.0, 2.0), (20, 0, 2.2), (-20, 0, 1.8), (40, 0, 2.4), (0, 2, 1.5), (0, 4, 1.0),
                (0, 6, 1.0), (0, -4, 3.0),
            ])
        func intensityAndTarget(intensity: Double, target: Double, expected: Double) throws {
            var d = BaselineDriver(
                adaptive { c in
                    c.intensity = intensity
                    c.dlDiffTarget = target
                })
            _ = try d.start(baselineTask(60), agents: Array(repeating: .idle, count: 4))
            _ = d.wake(1...15)
            #expect(d.dialer.level == expected)
        }

        @Test(
            "while calls wait for busy agents, the level falls; the intensity makes it fall slower or faster",
            arguments: [(0.0, 1.5), (20, 1.8), (-20, 1.2)])
        func fallsWhileCallsWait(intensity: Double, expected: Double) throws {
            var d = BaselineDriver(adaptive(initialLevel: 3) { $0.intensity = intensity })
            #expect(
                try d.start(baselineTask(60), agents: [.idle, .idle]) == baselineDials(from: 1, 0...5) + [
                    .wakeUp(at: 1)
                ])
            _ = d.run([
                (0.5, .callAnswered(CallID(1), live: true)), (0.5, .callConnected(CallID(1), AgentID(0))),
                (0.5, .agent(AgentID(0), .talking)),
                (0.5, .callAnswered(CallID(2), live: true)), (0.5, .callConnected(CallID(2), AgentID(1))),
                (0.5, .agent(AgentID(1), .talking)),
                (0.6, .callAnswered(CallID(3), live: true)),
            ])
            // 0 ready, 1 waiting, 2 agents over the last 15 samples (1...15): −1/2 of the level.
            _ = d.wake(1...15)
            #expect(d.dialer.lastAdjustment?.ready == 0)
            #expect(d.dialer.lastAdjustment?.waiting == 1)
            #expect(d.dialer.level == expected)
        }

        /// Starts 4 ready agents at level 3 (12 calls), and drops the first two live answers: a drop
        /// rate of 1 over a horizon of 2 answers, trusted from 2.
        func dropTwo(_ dialer: AdaptiveDialer) throws -> BaselineDriver<AdaptiveDialer> {
            var d = BaselineDriver(dialer)
            #expect(try d.start(baselineTask(60), agents: Array(repeating: .idle, count: 4)).count == 13)
            let commands = d.run([
                (0.5, .callAnswered(CallID(1), live: true)), (0.5, .callAnswered(CallID(2), live: true)),
                (0.8, .callEnded(CallID(1), cause: .normalClearing)),
                (0.8, .callEnded(CallID(2), cause: .normalClearing)),
            ])
            #expect(
                commands == [
                    baselineRecord(1, 0, dialed: 0, answered: 0.5, ended: 0.8, .abandoned, .normalClearing),
                    baselineRecord(2, 1, dialed: 0, answered: 0.5, ended: 0.8, .abandoned, .normalClearing),
                ])
            #expect(d.dialer.core.abandonRate == (1, 2))
            return d
        }

        func dropping(_ method: AdaptiveDialer.Method, shift: Seconds = 8 * 3600, span: Seconds = 4 * 3600)
            -> AdaptiveDialer
        {
            adaptive(method, initialLevel: 3) { c in
                c.horizon = 2
                c.minimumSample = 2
                c.shiftLength = shift
                c.taperSpan = span
            }
        }

        /// (method, shift length, taper span, the level after the adjustment at 15 s).
        static let dropCases: [(AdaptiveDialer.Method, Seconds, Seconds, Double)] = [
            // The hard limit: 1.0.
            (.hardLimit, 28_800, 14_400, 1.0),
            // The average: halved.
            (.average, 28_800, 14_400, 1.5),
            // Tapered, 5 s of a 10 s taper left: halved.
            (.tapered, 20, 10, 1.5),
            // Tapered, 1 s of a 10 s taper left: 0.3, raised to 1.0.
            (.tapered, 16, 10, 1.0),
            // Tapered past the end of the shift: 1.0.
            (.tapered, 10, 10, 1.0),
            // Tapered early in the shift runs over the cap: the level holds.
            (.tapered, 28_800, 14_400, 3.0),
        ]

        @Test("under drops at the cap the level falls, each method its way", arguments: dropCases)
        func fallsUnderDrops(method: AdaptiveDialer.Method, shift: Seconds, span: Seconds, expected: Double)
            throws
        {
            var d = try dropTwo(dropping(method, shift: shift, span: span))
            _ = d.wake(1...15)
            // Without the drops, 4 ready agents would keep the level at the maximum.
            #expect(d.dialer.lastAdjustment?.suggested == 3)
            #expect(d.dialer.lastAdjustment?.atCap == true)
            #expect(d.dialer.level == expected)
        }

        @Test("the hard limit drops to 1.0 at the cap and climbs again once the rate is back under")
        func hardLimitRecovers() throws {
            var d = try dropTwo(dropping(.hardLimit))
            // At level 3 the two dropped calls are replaced at once.
            #expect(d.wake(1...14) == [baselineDial(13, 12), baselineDial(14, 13)] + baselineWakeUps(2...15))
            // Level 1.0: 4 lines for 4 ready agents, 10 still ring: nothing to dial.
            #expect(d.send(.wakeUp, at: 15) == [.wakeUp(at: 16)])
            #expect(d.dialer.level == 1)
            // Two answers connected at once push the drops out of the horizon.
            _ = d.run([
                (15.2, .callAnswered(CallID(3), live: true)), (15.2, .callConnected(CallID(3), AgentID(0))),
                (15.2, .agent(AgentID(0), .talking)),
                (15.2, .callAnswered(CallID(4), live: true)), (15.2, .callConnected(CallID(4), AgentID(1))),
                (15.2, .agent(AgentID(1), .talking)),
                (15.8, .callEnded(CallID(3), cause: .normalClearing)), (15.8, .agent(AgentID(0), .idle)),
                (15.8, .callEnded(CallID(4), cause: .normalClearing)), (15.8, .agent(AgentID(1), .idle)),
            ])
            #expect(d.dialer.dropRate == 0)
            _ = d.wake(16...29)
            #expect(d.dialer.level == 1)
            _ = d.send(.wakeUp, at: 30)
            #expect(d.dialer.lastAdjustment?.atCap == false)
            #expect(d.dialer.level == 2)
        }

        /// Starts 4 ready agents at level 3 (12 calls); of the first four live answers, one is
        /// dropped and three are connected at once: a drop rate of 0.25.
        func oneDropInFour(_ dialer: AdaptiveDialer) throws -> BaselineDriver<AdaptiveDialer> {
            var d = BaselineDriver(dialer)
            _ = try d.start(baselineTask(60), agents: Array(repeating: .idle, count: 4))
            var script: [(Seconds, DialerEvent)] = (1...4).map {
                (0.5, .callAnswered(CallID(UInt64($0)), live: true))
            }
            for n in 2...4 {
                let call = CallID(UInt64(n)), agent = AgentID(n - 2)
                script += [(0.5, .callConnected(call, agent)), (0.5, .agent(agent, .talking))]
            }
            script.append((0.8, .callEnded(CallID(1), cause: .normalClearing)))
            for n in 2...4 {
                let call = CallID(UInt64(n)), agent = AgentID(n - 2)
                script += [(0.9, .callEnded(call, cause: .normalClearing)), (0.9, .agent(agent, .idle))]
            }
            _ = d.run(script)
            #expect(d.dialer.dropRate == 0.25)
            return d
        }

        @Test(
            "the exact cap counts as reached; just above the rate it does not",
            arguments: [(0.25, 1.0), (0.26, 3.0)])
        func atTheCap(cap: Double, expected: Double) throws {
            var d = try oneDropInFour(
                adaptive(.hardLimit, initialLevel: 3) { c in
                    c.horizon = 4
                    c.minimumSample = 4
                    c.dropCap = cap
                })
            _ = d.wake(1...15)
            #expect(d.dialer.lastAdjustment?.atCap == (expected == 1))
            #expect(d.dialer.level == expected)
        }

        @Test("the drop rate is not trusted before the minimum sample: no cap rule")
        func minimumSample() throws {
            var d = try dropTwo(
                adaptive(.hardLimit, initialLevel: 3) { c in
                    c.horizon = 2
                    c.minimumSample = 3
                })
            _ = d.wake(1...15)
            #expect(d.dialer.lastAdjustment?.dropRate == nil)
            #expect(d.dialer.level == 3)
        }

        @Test(
            "tapered: under the cap, the allowed level shrinks as drops near it, more so late in the shift",
            arguments: [
                (8 * 3600.0, 3.0),  // taper rate 1: the plain maximum
                (20, 2.5),  // taper rate 0.5: 3 − 2 × 0.5 × (0.25 / 0.5)
                (15, 2.0),  // taper rate 0: 3 − 2 × 1 × (0.25 / 0.5)
            ])
        func taperedCeiling(shift: Seconds, expected: Double) throws {
            var d = try oneDropInFour(
                adaptive(.tapered, initialLevel: 3) { c in
                    c.horizon = 4
                    c.minimumSample = 4
                    c.dropCap = 0.5
                    c.shiftLength = shift
                    c.taperSpan = 10
                })
            _ = d.wake(1...15)
            #expect(d.dialer.lastAdjustment?.atCap == false)
            #expect(d.dialer.level == expected)
        }

        @Test("the surge rule: more than half of over 20 calls in the last minute dropped halves the level")
        func surge() throws {
            // The average method with the cap rule out of reach, to see the surge rule alone.
            var d = BaselineDriver(adaptive(.average) { $0.minimumSample = 1000 })
            _ = try d.start(baselineTask(100), agents: Array(repeating: .idle, count: 30))
            // 21 live answers dropped and one call unanswered: 22 calls, 21 drops.
            let answers: [(Seconds, DialerEvent)] = (1...21).map {
                (0.5, .callAnswered(CallID(UInt64($0)), live: true))
            }
            let drops: [(Seconds, DialerEvent)] = (1...21).map {
                (0.8, .callEnded(CallID(UInt64($0)), cause: .normalClearing))
            }
            _ = d.run(answers + drops + [(0.8, .callEnded(CallID(22), cause: .noAnswer))])
            _ = d.wake(1...15)
            #expect(d.dialer.lastAdjustment?.suggested == 2)
            #expect(d.dialer.lastAdjustment?.surged == true)
            #expect(d.dialer.level == 1)
            // A minute later the drops have left the window: the level doubles again.
            _ = d.wake(16...74)
            #expect(d.dialer.lastAdjustment?.surged == true)
            _ = d.send(.wakeUp, at: 75)
            #expect(d.dialer.lastAdjustment?.surged == false)
            #expect(d.dialer.level == 2)
        }

        @Test("launch: ceil(ready × level) − answered waiting")
        func launchTarget() throws {
            var d = BaselineDriver(adaptive(initialLevel: 1.5))
            #expect(
                try d.start(baselineTask(20), agents: [.idle, .idle, .idle]) == baselineDials(from: 1, 0...4)
                    + [.wakeUp(at: 1)])
            _ = d.send(.callAnswered(CallID(1), live: true), at: 0.5)
            #expect(d.dialer.targetRinging == 4)
            #expect(d.send(.wakeUp, at: 1) == [.wakeUp(at: 2)])
            _ = d.send(.callEnded(CallID(2), cause: .userBusy), at: 1.5)
            #expect(d.send(.wakeUp, at: 2) == [baselineDial(6, 5), .wakeUp(at: 3)])
        }

        @Test("the knobs are checked")
        func problems() {
            var c = AdaptiveDialer.Configuration()
            #expect(c.problem == nil)
            c.intensity = 41
            #expect(c.problem == "intensity must be between -40 and 40")
            c.intensity = 0
            c.initialLevel = 4
            #expect(c.problem == "initial_level must be between 1 and maximum_level")
            c.initialLevel = 1
            c.dropCap = 0
            #expect(c.problem == "drop_cap must be above 0 and at most 1")
            c.dropCap = 0.03
            c.maximumLevel = 0.5
            #expect(c.problem == "maximum_level must be at least 1")
            #expect(
                AdaptiveDialer.Method.allCases.map(\.vicidialName) == [
                    "ADAPT_HARD_LIMIT", "ADAPT_TAPERED", "ADAPT_AVERAGE",
                ])
        }
    }
}

// MARK: - Whole runs

extension BaselineDialerTests {
    @Suite("Baseline dialers: whole runs are deterministic")
    struct Determinism {
        func twice<D: Dialer>(_ make: () -> D) throws -> (first: [DialerCommand], second: [DialerCommand]) {
            var first = BaselineWorld(make(), agents: 4)
            try first.run(baselineTask(50))
            var second = BaselineWorld(make(), agents: 4)
            try second.run(baselineTask(50))
            #expect(first.completed != nil)
            return (first.commands, second.commands)
        }

        @Test(
            "the same events give the same commands, and every run completes",
            arguments: BaselineKind.allCases)
        func sameCommands(kind: BaselineKind) throws {
            let runs: (first: [DialerCommand], second: [DialerCommand])
            switch kind {
            case .progressive:
                var c = ProgressiveDialer.Configuration()
                c.rules = baselineQuickRules()
                runs = try twice { ProgressiveDialer(c) }
            case .power:
                var c = PowerDialer.Configuration()
                c.rules = baselineQuickRules()
                runs = try twice { PowerDialer(c) }
            case .adaptive:
                var c = AdaptiveDialer.Configuration()
                c.rules = baselineQuickRules()
                c.minimumSample = 5
                runs = try twice { AdaptiveDialer(c) }
            }
            #expect(runs.first == runs.second)
            #expect(runs.first.count > 100)
        }
    }
}
