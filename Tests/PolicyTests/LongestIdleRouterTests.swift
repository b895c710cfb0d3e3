import CallCenter
import RoutingPolicies
import Testing

/// Drives a router with a script of events and collects its commands.
struct RouterScript<Router: InboundRouter> {
    var router: Router
    var time: Seconds = 0

    init(_ router: Router) { self.router = router }

    /// Hands `event` to the router at `time` and returns the commands.
    mutating func send(_ event: InboundEvent, at time: Seconds? = nil) -> [InboundCommand] {
        if let time { self.time = time }
        var commands: [InboundCommand] = []
        router.handle(event, at: self.time, into: &commands)
        return commands
    }
}

let a0 = AgentID(0), a1 = AgentID(1), a2 = AgentID(2)
let c1 = CallID(1), c2 = CallID(2), c3 = CallID(3), c4 = CallID(4)

@Suite("LongestIdleRouter (mod_callcenter longest-idle-agent, FIFO)")
struct LongestIdleRouterTests {
    @Test("a caller goes to the agent idle the longest")
    func longestIdleFirst() {
        var s = RouterScript(LongestIdleRouter())
        #expect(s.send(.agentLoggedIn(a2), at: 0) == [])
        #expect(s.send(.agentLoggedIn(a0), at: 1) == [])
        #expect(s.send(.agentLoggedIn(a1), at: 2) == [])
        #expect(s.send(.callArrived(c1), at: 3) == [.connect(c1, to: a2)])
        #expect(s.send(.callArrived(c2), at: 4) == [.connect(c2, to: a0)])
        // a2 comes back: now a1 has been idle longest, then a2.
        #expect(s.send(.agentAvailable(a2), at: 5) == [])
        #expect(s.send(.callArrived(c3), at: 6) == [.connect(c3, to: a1)])
        #expect(s.send(.callArrived(c4), at: 7) == [.connect(c4, to: a2)])
    }

    @Test("callers wait first-come first-served and go to the next free agent")
    func fifoQueue() {
        var s = RouterScript(LongestIdleRouter())
        _ = s.send(.agentLoggedIn(a0), at: 0)
        #expect(s.send(.callArrived(c1), at: 1) == [.connect(c1, to: a0)])
        #expect(s.send(.callArrived(c2), at: 2) == [])
        #expect(s.send(.callArrived(c3), at: 3) == [])
        #expect(s.router.waitingCount == 2)
        #expect(s.send(.agentAvailable(a0), at: 4) == [.connect(c2, to: a0)])
        #expect(s.send(.agentAvailable(a0), at: 5) == [.connect(c3, to: a0)])
        #expect(s.send(.agentAvailable(a0), at: 6) == [])
        #expect(s.router.idleCount == 1)
    }

    @Test("a caller who hangs up leaves the queue and is never connected")
    func abandonment() {
        var s = RouterScript(LongestIdleRouter())
        _ = s.send(.agentLoggedIn(a0), at: 0)
        _ = s.send(.callArrived(c1), at: 1)
        _ = s.send(.callArrived(c2), at: 2)
        _ = s.send(.callArrived(c3), at: 3)
        #expect(s.send(.callAbandoned(c2), at: 4) == [])
        #expect(s.router.waitingCount == 1)
        #expect(s.send(.agentAvailable(a0), at: 5) == [.connect(c3, to: a0)])
        #expect(s.send(.agentAvailable(a0), at: 6) == [])
    }

    @Test("a logged-out agent gets no calls; logging in again puts it at the back")
    func logout() {
        var s = RouterScript(LongestIdleRouter())
        _ = s.send(.agentLoggedIn(a0), at: 0)
        _ = s.send(.agentLoggedIn(a1), at: 1)
        _ = s.send(.agentLoggedOut(a0), at: 2)
        #expect(s.send(.callArrived(c1), at: 3) == [.connect(c1, to: a1)])
        #expect(s.send(.callArrived(c2), at: 4) == [])
        #expect(s.send(.agentLoggedIn(a0), at: 5) == [.connect(c2, to: a0)])
        _ = s.send(.agentAvailable(a1), at: 6)
        _ = s.send(.agentLoggedOut(a1), at: 7)
        _ = s.send(.agentLoggedIn(a1), at: 8)
        _ = s.send(.agentAvailable(a0), at: 9)
        // a1's earlier idle spell ended with its logout: it is idle since 8, a0 since 9.
        #expect(s.send(.callArrived(c3), at: 10) == [.connect(c3, to: a1)])
    }

    @Test("queue capacity: a full queue refuses callers; capacity 0 is a loss system")
    func capacity() {
        var s = RouterScript(LongestIdleRouter(.init(queueCapacity: 1)))
        _ = s.send(.agentLoggedIn(a0), at: 0)
        #expect(s.send(.callArrived(c1), at: 1) == [.connect(c1, to: a0)])
        #expect(s.send(.callArrived(c2), at: 2) == [])
        #expect(s.send(.callArrived(c3), at: 3) == [.reject(c3)])
        var loss = RouterScript(LongestIdleRouter(.init(queueCapacity: 0)))
        _ = loss.send(.agentLoggedIn(a0), at: 0)
        #expect(loss.send(.callArrived(c1), at: 1) == [.connect(c1, to: a0)])
        #expect(loss.send(.callArrived(c2), at: 2) == [.reject(c2)])
        #expect(loss.send(.agentAvailable(a0), at: 3) == [])
    }

    @Test("same events, same commands: a long random script replayed gives identical output")
    func deterministic() {
        func replay() -> [InboundCommand] {
            var s = RouterScript(LongestIdleRouter(.init(queueCapacity: 5)))
            var out: [InboundCommand] = []
            var x: UInt64 = 12345
            var busy: Set<AgentID> = []
            for i in 0..<5 { out += s.send(.agentLoggedIn(AgentID(i)), at: 0) }
            for step in 1...5000 {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                let t = Double(step)
                let r = Int(x >> 33) % 3
                var commands: [InboundCommand]
                if r == 0 {
                    commands = s.send(.callArrived(CallID(UInt64(step))), at: t)
                } else if r == 1, let agent = busy.sorted().first {
                    busy.remove(agent)
                    commands = s.send(.agentAvailable(agent), at: t)
                } else {
                    commands = s.send(.callAbandoned(CallID(UInt64(max(0, step - Int(x >> 60))))), at: t)
                }
                for case .connect(_, let agent) in commands {
                    #expect(!busy.contains(agent), "agent connected twice at step \(step)")
                    busy.insert(agent)
                }
                out += commands
            }
            return out
        }
        let first = replay()
        #expect(first.count > 1000)
        #expect(first == replay())
    }
}

@Suite("CallSet")
struct CallSetTests {
    @Test("agrees with Set<CallID> over random inserts and removals, seed by seed")
    func matchesSet() {
        for seed in 1...300 as ClosedRange<UInt64> {
            var x = seed
            var mine = CallSet()
            var reference = Set<CallID>()
            var failure: String? = nil
            for step in 0..<2000 where failure == nil {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                // Ids from a small range, so that collisions, re-inserts and removals of absent ids happen.
                let call = CallID((x >> 33) % 300)
                if (x >> 20) % 3 == 0 {
                    if mine.remove(call) != (reference.remove(call) != nil) { failure = "remove" }
                } else {
                    if mine.insert(call) != reference.insert(call).inserted { failure = "insert" }
                }
                if mine.count != reference.count { failure = "count" }
                if failure != nil { failure = "seed \(seed), step \(step): \(failure!) of \(call)" }
            }
            for id in 0..<300 as Range<UInt64> where failure == nil {
                if mine.contains(CallID(id)) != reference.contains(CallID(id)) {
                    failure = "seed \(seed): contains(\(id)) disagrees"
                }
            }
            #expect(failure == nil, "\(failure ?? "")")
            if failure != nil { return }
        }
    }
}
