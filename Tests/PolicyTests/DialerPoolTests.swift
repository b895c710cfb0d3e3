import CallCenter
import CenterPolicies
import Testing

/// The blending rule (`DialerPool`) and answered campaign customers (`AnsweredCustomers`): the
/// decisions the routing world and `simcc live` both drive.
@Suite struct DialerPoolTests {
    /// Sets every agent of `states` at `time`.
    static func set(_ pool: inout DialerPool, _ states: [AgentState], at time: Seconds) {
        for (a, state) in states.enumerated() { pool.set(a, state, at: time) }
    }

    static func update(_ pool: inout DialerPool, open: Bool = true) -> (joined: [Int], left: [Int]) {
        var joined: [Int] = []
        var left: [Int] = []
        pool.update(open: open, joined: &joined, left: &left)
        return (joined, left)
    }

    @Test("longest idle first, kept while idle, left when busy; the campaign's calls count against the cap")
    func pool() {
        var pool = DialerPool(rule: BlendRule(inboundReserve: 1, maxOutboundAgents: 2), agents: 4)
        // c (2) idle since 0, then a (0) and b (1) since 10: c is the longest idle.
        Self.set(&pool, [.loggedOut, .loggedOut, .idle, .loggedOut], at: 0)
        #expect(Self.update(&pool).joined.isEmpty, "one idle agent, kept for inbound callers")
        Self.set(&pool, [.idle, .idle, .idle, .loggedOut], at: 10)
        let first = Self.update(&pool)
        #expect(first.joined == [2, 0], "the two longest idle (c, then a before b by index) join; b stays outside")
        #expect(pool.shown(1) == .loggedOut && pool.shown(2) == .idle && pool.shown(0) == .idle)
        // a takes a campaign call: it leaves the pool; the cap (2) counts it.
        pool.set(0, .talking, at: 20)
        pool.set(3, .idle, at: 20)
        let second = Self.update(&pool)
        #expect(second.left == [0] && second.joined.isEmpty,
                "b and d idle outside: one may join but the cap is full (a talking, c in the pool)")
        #expect(pool.shown(0) == .talking && pool.shown(1) == .loggedOut && pool.shown(3) == .loggedOut)
        // a wraps up (still the campaign's), c goes on a break: room for one, b (idle since 10) before d.
        pool.set(0, .wrapUp, at: 30)
        pool.set(2, .paused(since: 30), at: 30)
        let third = Self.update(&pool)
        #expect(third.left == [2] && third.joined == [1])
        #expect(pool.shown(2) == .paused(since: 30), "a break is shown as it is: S3' counts it")
    }

    @Test("an agent idle already keeps its place in the line; a closed pool empties, in index order")
    func closing() {
        var pool = DialerPool(rule: BlendRule(), agents: 3)
        pool.set(1, .idle, at: 5)
        pool.set(0, .idle, at: 7)
        pool.set(1, .idle, at: 9)  // still idle: idle since 5
        #expect(pool.idleSince[1] == 5)
        #expect(Self.update(&pool).joined == [1, 0])
        #expect(pool.longestIdleMember() == 1)
        let closed = Self.update(&pool, open: false)
        #expect(closed.left == [0, 1] && closed.joined.isEmpty)
        #expect(pool.shown(0) == .loggedOut && pool.shown(1) == .loggedOut, "idle outside the pool: not the dialer's")
    }

    @Test("a reserve larger than the idle agents keeps everyone outside")
    func reserve() {
        var pool = DialerPool(rule: BlendRule(inboundReserve: 3), agents: 3)
        Self.set(&pool, [.idle, .idle, .idle], at: 0)
        #expect(Self.update(&pool).joined.isEmpty)
        #expect(pool.longestIdleMember() == nil)
    }

    @Test("answered customers meet the pool's longest-idle agent, first come first served")
    func match() {
        var pool = DialerPool(rule: BlendRule(), agents: 2)
        pool.set(0, .idle, at: 3)
        pool.set(1, .idle, at: 1)
        _ = Self.update(&pool)
        var customers = AnsweredCustomers()
        customers.answered(CallID(7), at: 10)
        customers.answered(CallID(8), at: 11)
        customers.answered(CallID(9), at: 12)
        customers.left(CallID(7))  // hung up first
        let first = pool.match(&customers)
        #expect(first?.call == CallID(8) && first?.agent == 1, "the first still waiting meets agent 1, idle since 1")
        pool.set(1, .talking, at: 12)
        _ = Self.update(&pool)
        let second = pool.match(&customers)
        #expect(second?.call == CallID(9) && second?.agent == 0)
        pool.set(0, .talking, at: 12)
        _ = Self.update(&pool)
        #expect(pool.match(&customers) == nil)
        #expect(customers.count == 0 && !customers.hasEntries)
    }

    @Test("the maximum hold: customers held past it expire, longest waiting first; the next deadline follows the line")
    func maxHold() {
        var customers = AnsweredCustomers(maxHold: 15)
        customers.answered(CallID(1), at: 0)
        customers.answered(CallID(2), at: 4)
        customers.answered(CallID(3), at: 9)
        #expect(customers.nextDeadline == 15)
        customers.left(CallID(1))
        #expect(customers.nextDeadline == 19, "the first one left: the next deadline is the second's")
        var expired: [CallID] = []
        customers.expired(at: 18.9, into: &expired)
        #expect(expired.isEmpty)
        customers.expired(at: 24, into: &expired)
        #expect(expired == [CallID(2), CallID(3)])
        #expect(customers.nextDeadline == nil && customers.count == 0)
        var unlimited = AnsweredCustomers()
        unlimited.answered(CallID(4), at: 0)
        unlimited.expired(at: 1e9, into: &expired)
        #expect(expired.count == 2 && unlimited.nextDeadline == nil, "no limit: nobody expires")
    }
}
