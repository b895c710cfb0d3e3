import CallCenter
import RoutingPolicies
import Testing

// MARK: - Helpers (Queue prefix: this test module is shared with the other routers' tests)

/// Drives a router with timed events and collects its commands.
private struct QueueScript<Router: InboundRouter> {
    var router: Router

    init(_ router: Router) { self.router = router }

    /// Hands `event` to the router at `time` and returns the commands.
    mutating func send(_ event: InboundEvent, at time: Seconds) -> [InboundCommand] {
        var commands: [InboundCommand] = []
        router.handle(event, at: time, into: &commands)
        return commands
    }

    /// Sends every timed event in order and returns all commands.
    mutating func run(_ events: [(Seconds, InboundEvent)]) -> [InboundCommand] {
        events.flatMap { send($0.1, at: $0.0) }
    }
}

private let queueA0 = AgentID(0), queueA1 = AgentID(1), queueA2 = AgentID(2)
private func queueCall(_ n: UInt64) -> CallID { CallID(n) }

/// A queue router with `strategy`.
private func queueRouter(
    _ strategy: QueueRouter.Strategy, capacity: Int? = nil, seed: UInt64 = 0
) -> QueueRouter {
    QueueRouter(.init(strategy: strategy, queueCapacity: capacity), random: SplitMix64(seed: seed))
}

/// A long pseudo-random script of arrivals, availabilities and hang-ups over 5 agents; calls
/// `body` with each command list so that the caller can check it, and returns all commands.
private func queueRandomReplay<Router: InboundRouter>(
    _ router: Router, steps: Int = 4000, numbers: [PhoneNumber] = []
) -> [InboundCommand] {
    var s = QueueScript(router)
    var out: [InboundCommand] = []
    var x: UInt64 = 98765
    var busy: [AgentID] = []
    for i in 0..<5 { out += s.send(.agentLoggedIn(AgentID(i)), at: 0) }
    for step in 1...steps {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        let t = Double(step)
        let r = Int(x >> 33) % 4
        var commands: [InboundCommand]
        if r == 0 {
            commands = s.send(.callArrived(CallID(UInt64(step))), at: t)
        } else if r == 1, !numbers.isEmpty {
            let number = numbers[Int(x >> 40) % numbers.count]
            commands = s.send(.callerArrived(CallID(UInt64(step)), caller: number), at: t)
        } else if r <= 2, let agent = busy.min() {
            busy.removeAll { $0 == agent }
            commands = s.send(.agentAvailable(agent), at: t)
        } else if Int(x >> 50) % 3 == 0 {
            commands = s.send(.wakeUp, at: t)
        } else {
            commands = s.send(.callAbandoned(CallID(UInt64(max(0, step - Int(x >> 60))))), at: t)
        }
        for case .connect(_, let agent) in commands {
            #expect(!busy.contains(agent), "agent \(agent) connected twice at step \(step)")
            busy.append(agent)
        }
        out += commands
    }
    return out
}

// MARK: - QueueRouter

@Suite("QueueRouter (FreeSWITCH mod_callcenter strategies)")
struct QueueRouterTests {
    /// Three agents with different idle times, call counts and talk times; the seven calls go
    /// to different agents under each strategy.
    static let script: [(Seconds, InboundEvent)] = [
        (0, .agentLoggedIn(queueA2)), (1, .agentLoggedIn(queueA0)), (2, .agentLoggedIn(queueA1)),
        (10, .callArrived(queueCall(1))), (20, .callArrived(queueCall(2))),
        (25, .agentAvailable(queueA0)),
        (30, .callArrived(queueCall(3))), (31, .callArrived(queueCall(4))),  // everybody busy
        (40, .agentAvailable(queueA2)), (45, .callArrived(queueCall(5))),  // a2 alone is idle
        (46, .agentAvailable(queueA2)), (47, .agentAvailable(queueA1)), (48, .agentAvailable(queueA0)),
        (50, .callArrived(queueCall(6))), (51, .callArrived(queueCall(7))),
    ]

    /// The agents of calls 1 to 7 under each strategy, worked out by hand.
    static let expected: [QueueRouter.Strategy: [AgentID]] = [
        // Idle order a2 a0 a1; a0 back at 25 (a1 a0); a2 back at 40; then a2 a1 a0.
        .longestIdleAgent: [queueA2, queueA0, queueA1, queueA0, queueA2, queueA2, queueA1],
        // After the last agent connected, wrapping: a0 a1 | a2 a0 | a2 (alone) | a0 a1.
        .roundRobin: [queueA0, queueA1, queueA2, queueA0, queueA2, queueA0, queueA1],
        // Always the lowest idle index.
        .topDown: [queueA0, queueA1, queueA0, queueA2, queueA2, queueA0, queueA1],
        // At 50 the talk times are a0 15+17 = 32, a1 27, a2 10+1 = 11.
        .agentWithLeastTalkTime: [queueA0, queueA1, queueA2, queueA0, queueA2, queueA2, queueA1],
        // At 50 the call counts are a0 2, a1 1, a2 2.
        .agentWithFewestCalls: [queueA0, queueA1, queueA2, queueA0, queueA2, queueA1, queueA0],
        // The seam has no "ring several, first to answer": the first idle agent takes it.
        .ringAll: [queueA0, queueA1, queueA0, queueA2, queueA2, queueA0, queueA1],
    ]

    @Test(
        "each strategy sends the same callers to its own agents",
        arguments: [
            QueueRouter.Strategy.longestIdleAgent, .roundRobin, .topDown, .agentWithLeastTalkTime,
            .agentWithFewestCalls, .ringAll,
        ])
    func strategy(_ strategy: QueueRouter.Strategy) throws {
        var s = QueueScript(queueRouter(strategy))
        let commands = s.run(Self.script)
        let agents = try #require(Self.expected[strategy])
        let expected = agents.enumerated().map { InboundCommand.connect(queueCall(UInt64($0 + 1)), to: $1) }
        #expect(commands == expected)
    }

    @Test("the expected connections differ between strategies (ring-all is top-down in this seam)")
    func strategiesDiffer() {
        let strategies: [QueueRouter.Strategy] = [
            .longestIdleAgent, .roundRobin, .topDown, .agentWithLeastTalkTime, .agentWithFewestCalls,
        ]
        for (i, a) in strategies.enumerated() {
            for b in strategies[(i + 1)...] {
                #expect(Self.expected[a] != Self.expected[b], "\(a) and \(b) agree")
            }
        }
        #expect(Self.expected[.ringAll] == Self.expected[.topDown])
    }

    @Test("talk time runs from connect to the next agentAvailable; calls are counted")
    func records() {
        var s = QueueScript(queueRouter(.agentWithLeastTalkTime))
        _ = s.run(Array(Self.script.prefix(13)))  // up to a0 available at 48
        #expect(s.router.talkTime(of: queueA0) == 32)
        #expect(s.router.talkTime(of: queueA1) == 27)
        #expect(s.router.talkTime(of: queueA2) == 11)
        #expect(s.router.callsAnswered(by: queueA0) == 2)
        #expect(s.router.callsAnswered(by: queueA1) == 1)
        #expect(s.router.callsAnswered(by: queueA2) == 2)
        #expect(s.router.idleCount == 3)
    }

    @Test("the raw values are mod_callcenter's strategy names")
    func names() {
        #expect(
            QueueRouter.Strategy.allCases.map(\.rawValue) == [
                "longest-idle-agent", "round-robin", "top-down", "agent-with-least-talk-time",
                "agent-with-fewest-calls", "random", "ring-all",
            ])
        #expect(QueueRouter.Strategy(rawValue: "agent-with-fewest-calls") == .agentWithFewestCalls)
    }

    @Test("longest-idle-agent makes the same choices as LongestIdleRouter")
    func longestIdleMatchesBaseline() {
        let mine = queueRandomReplay(queueRouter(.longestIdleAgent, capacity: 5))
        let baseline = queueRandomReplay(LongestIdleRouter(.init(queueCapacity: 5)))
        #expect(mine.count > 1000)
        #expect(mine == baseline)
    }

    @Test("random: the same seed picks the same agents; another seed differs")
    func randomSeeded() {
        func picks(seed: UInt64) -> [InboundCommand] {
            var s = QueueScript(queueRouter(.random, seed: seed))
            var out: [InboundCommand] = []
            for i in 0..<3 { out += s.send(.agentLoggedIn(AgentID(i)), at: 0) }
            for n in 1...50 as ClosedRange<UInt64> {
                let commands = s.send(.callArrived(CallID(n)), at: Double(n))
                out += commands
                for case .connect(_, let agent) in commands {
                    out += s.send(.agentAvailable(agent), at: Double(n))
                }
            }
            return out
        }
        #expect(picks(seed: 7).count == 50)
        #expect(picks(seed: 7) == picks(seed: 7))
        #expect(picks(seed: 7) != picks(seed: 8))
    }

    @Test("random: over 3,000 decisions each of 3 idle agents gets about a third")
    func randomUniform() {
        var s = QueueScript(queueRouter(.random, seed: 2026))
        for i in 0..<3 { _ = s.send(.agentLoggedIn(AgentID(i)), at: 0) }
        var counts = [0, 0, 0]
        let n = 3000
        for k in 1...n {
            let t = Double(k)
            for case .connect(_, let agent) in s.send(.callArrived(CallID(UInt64(k))), at: t) {
                counts[agent.index] += 1
                _ = s.send(.agentAvailable(agent), at: t)
            }
        }
        #expect(counts.reduce(0, +) == n)
        // Binomial(3000, 1/3): mean 1000, sd = sqrt(3000 * 1/3 * 2/3) = 25.8; 99.9% two-sided
        // is 3.29 sd = 85.
        for (i, count) in counts.enumerated() {
            #expect(abs(count - 1000) <= 85, "agent \(i) got \(count) of \(n)")
        }
    }

    @Test("round-robin: a full queue rejects, a caller who hangs up leaves, waiting is FIFO")
    func capacityAndAbandonment() {
        var s = QueueScript(queueRouter(.roundRobin, capacity: 2))
        _ = s.send(.agentLoggedIn(queueA0), at: 0)
        #expect(s.send(.callArrived(queueCall(1)), at: 1) == [.connect(queueCall(1), to: queueA0)])
        #expect(s.send(.callArrived(queueCall(2)), at: 2) == [])
        #expect(s.send(.callerArrived(queueCall(3), caller: "5550001"), at: 3) == [])
        #expect(s.send(.callArrived(queueCall(4)), at: 4) == [.reject(queueCall(4))])
        #expect(s.router.waitingCount == 2)
        #expect(s.send(.callAbandoned(queueCall(2)), at: 5) == [])
        #expect(s.router.waitingCount == 1)
        #expect(s.send(.callArrived(queueCall(5)), at: 6) == [])
        #expect(s.send(.agentAvailable(queueA0), at: 7) == [.connect(queueCall(3), to: queueA0)])
        #expect(s.send(.agentLoggedIn(queueA1), at: 8) == [.connect(queueCall(5), to: queueA1)])
        #expect(s.send(.agentAvailable(queueA0), at: 9) == [])
        #expect(s.router.idleCount == 1)
        var loss = QueueScript(queueRouter(.roundRobin, capacity: 0))
        _ = loss.send(.agentLoggedIn(queueA0), at: 0)
        #expect(loss.send(.callArrived(queueCall(1)), at: 1) == [.connect(queueCall(1), to: queueA0)])
        #expect(loss.send(.callArrived(queueCall(2)), at: 2) == [.reject(queueCall(2))])
    }

    @Test("a logged-out agent gets no calls; ignored events do nothing")
    func logoutAndIgnored() {
        var s = QueueScript(queueRouter(.topDown))
        _ = s.send(.agentLoggedIn(queueA0), at: 0)
        _ = s.send(.agentLoggedIn(queueA1), at: 0)
        _ = s.send(.agentLoggedOut(queueA0), at: 1)
        #expect(s.send(.wakeUp, at: 2) == [])
        #expect(s.send(.digitsCollected(queueCall(9), nil), at: 2) == [])
        #expect(s.send(.callArrived(queueCall(1)), at: 3) == [.connect(queueCall(1), to: queueA1)])
        #expect(s.send(.callArrived(queueCall(2)), at: 4) == [])
    }

    @Test(
        "same events, same commands, for every strategy",
        arguments: QueueRouter.Strategy.allCases)
    func deterministic(_ strategy: QueueRouter.Strategy) {
        let first = queueRandomReplay(queueRouter(strategy, capacity: 4, seed: 3))
        #expect(first.count > 1000)
        #expect(first == queueRandomReplay(queueRouter(strategy, capacity: 4, seed: 3)))
    }
}

// MARK: - StickyRouter

@Suite("StickyRouter (wait for the bound agent, then overflow)")
struct StickyRouterTests {
    static let known: PhoneNumber = "13800000001"
    static let unknown: PhoneNumber = "13900000009"
    static let bindings: [PhoneNumber: AgentID] = [known: queueA1]

    /// A sticky router over `bindings`.
    static func router(wait: Seconds = 30, capacity: Int? = nil) -> StickyRouter {
        StickyRouter(.init(stickyWait: wait, queueCapacity: capacity), bindings: bindings)
    }

    @Test("the bound agent is idle: connected at once, even if another was idle longer")
    func boundIdle() {
        var s = QueueScript(Self.router())
        _ = s.send(.agentLoggedIn(queueA0), at: 0)
        _ = s.send(.agentLoggedIn(queueA1), at: 1)
        #expect(
            s.send(.callerArrived(queueCall(1), caller: Self.known), at: 5) == [
                .connect(queueCall(1), to: queueA1)
            ])
    }

    @Test("the bound agent is busy: the caller waits for them and gets them within the wait")
    func boundBusyThenFree() {
        var s = QueueScript(Self.router())
        _ = s.send(.agentLoggedIn(queueA1), at: 0)
        _ = s.send(.agentLoggedIn(queueA0), at: 1)
        #expect(s.send(.callArrived(queueCall(9)), at: 2) == [.connect(queueCall(9), to: queueA1)])
        // a0 is idle, but c1 waits for a1.
        #expect(s.send(.callerArrived(queueCall(1), caller: Self.known), at: 5) == [.wakeUp(at: 35)])
        #expect(s.router.waitingCount == 1)
        // Another caller takes the idle a0 meanwhile.
        #expect(s.send(.callArrived(queueCall(2)), at: 10) == [.connect(queueCall(2), to: queueA0)])
        #expect(s.send(.agentAvailable(queueA1), at: 20) == [.connect(queueCall(1), to: queueA1)])
        #expect(s.send(.wakeUp, at: 35) == [])
        #expect(s.router.waitingCount == 0)
    }

    @Test("the bound agent takes their waiting caller before callers who came earlier")
    func boundBeforeFIFO() {
        var s = QueueScript(Self.router())
        _ = s.send(.agentLoggedIn(queueA0), at: 0)
        _ = s.send(.agentLoggedIn(queueA1), at: 0)
        _ = s.send(.callArrived(queueCall(8)), at: 1)
        _ = s.send(.callArrived(queueCall(9)), at: 1)
        #expect(s.send(.callArrived(queueCall(2)), at: 3) == [])  // unknown: waits, overflowed
        #expect(s.send(.callerArrived(queueCall(1), caller: Self.known), at: 5) == [.wakeUp(at: 35)])
        #expect(s.send(.agentAvailable(queueA1), at: 10) == [.connect(queueCall(1), to: queueA1)])
        #expect(s.send(.agentAvailable(queueA0), at: 11) == [.connect(queueCall(2), to: queueA0)])
    }

    @Test("the wait expires: the wake-up overflows the caller to the agent idle the longest")
    func overflowAtWakeUp() {
        var s = QueueScript(Self.router())
        _ = s.send(.agentLoggedIn(queueA1), at: 0)
        _ = s.send(.agentLoggedIn(queueA0), at: 1)
        _ = s.send(.agentLoggedIn(queueA2), at: 2)
        #expect(s.send(.callArrived(queueCall(9)), at: 3) == [.connect(queueCall(9), to: queueA1)])
        #expect(s.send(.callerArrived(queueCall(1), caller: Self.known), at: 5) == [.wakeUp(at: 35)])
        // a0 works a call and comes back: a2 is now the agent idle the longest.
        #expect(s.send(.callArrived(queueCall(2)), at: 10) == [.connect(queueCall(2), to: queueA0)])
        #expect(s.send(.agentAvailable(queueA0), at: 12) == [])
        #expect(s.send(.wakeUp, at: 34.5) == [])
        #expect(s.send(.wakeUp, at: 35) == [.connect(queueCall(1), to: queueA2)])
        #expect(s.router.waitingCount == 0)
    }

    @Test("the wait expires with nobody idle: the caller joins the FIFO queue for any agent")
    func overflowIntoQueue() {
        var s = QueueScript(Self.router())
        _ = s.send(.agentLoggedIn(queueA0), at: 0)
        _ = s.send(.agentLoggedIn(queueA1), at: 0)
        _ = s.send(.callArrived(queueCall(8)), at: 1)
        _ = s.send(.callArrived(queueCall(9)), at: 1)
        #expect(s.send(.callerArrived(queueCall(1), caller: Self.known), at: 5) == [.wakeUp(at: 35)])
        #expect(s.send(.callArrived(queueCall(2)), at: 6) == [])
        // Before the wake-up, a0 (not the bound agent) takes the unknown caller only.
        #expect(s.send(.agentAvailable(queueA0), at: 20) == [.connect(queueCall(2), to: queueA0)])
        #expect(s.send(.wakeUp, at: 35) == [])
        #expect(s.send(.agentAvailable(queueA0), at: 40) == [.connect(queueCall(1), to: queueA0)])
    }

    @Test("an unknown caller, or a caller without a number, goes to the agent idle the longest")
    func unknownCaller() {
        var s = QueueScript(Self.router())
        _ = s.send(.agentLoggedIn(queueA2), at: 0)
        _ = s.send(.agentLoggedIn(queueA1), at: 1)
        _ = s.send(.agentLoggedIn(queueA0), at: 2)
        #expect(
            s.send(.callerArrived(queueCall(1), caller: Self.unknown), at: 5) == [
                .connect(queueCall(1), to: queueA2)
            ])
        #expect(s.send(.callArrived(queueCall(2)), at: 6) == [.connect(queueCall(2), to: queueA1)])
    }

    @Test("stickyWait 0 overflows at once; capacity rejects; a waiting caller can hang up")
    func knobs() {
        var s = QueueScript(Self.router(wait: 0))
        _ = s.send(.agentLoggedIn(queueA1), at: 0)
        _ = s.send(.agentLoggedIn(queueA0), at: 1)
        _ = s.send(.callArrived(queueCall(9)), at: 2)  // to a1
        #expect(
            s.send(.callerArrived(queueCall(1), caller: Self.known), at: 5) == [
                .connect(queueCall(1), to: queueA0)
            ])

        var c = QueueScript(Self.router(capacity: 1))
        _ = c.send(.agentLoggedIn(queueA1), at: 0)
        _ = c.send(.callArrived(queueCall(9)), at: 1)
        #expect(c.send(.callerArrived(queueCall(1), caller: Self.known), at: 2) == [.wakeUp(at: 32)])
        #expect(c.send(.callerArrived(queueCall(2), caller: Self.known), at: 3) == [.reject(queueCall(2))])
        #expect(c.send(.callAbandoned(queueCall(1)), at: 4) == [])
        #expect(c.send(.wakeUp, at: 32) == [])
        #expect(c.send(.agentAvailable(queueA1), at: 40) == [])
        #expect(c.router.idleCount == 1)
    }

    @Test("same events, same commands: a long random script replayed gives identical output")
    func deterministic() {
        let numbers: [PhoneNumber] = [Self.known, Self.unknown, "13800000002"]
        let bindings: [PhoneNumber: AgentID] = [Self.known: queueA1, "13800000002": AgentID(3)]
        func replay() -> [InboundCommand] {
            queueRandomReplay(
                StickyRouter(.init(stickyWait: 7, queueCapacity: 6), bindings: bindings), numbers: numbers)
        }
        let first = replay()
        #expect(first.count > 1000)
        #expect(first.contains { if case .wakeUp = $0 { true } else { false } })
        #expect(first == replay())
    }
}
