import CallCenter
import DialingPolicies
import Foundation
import Live
@testable import LiveRunner
import Testing

@Suite("The blending rule, live: the dialer is shown its pool only", .serialized)
struct LiveBlendTests {
    static let agents = ["1000", "1001", "1002", "1003"]

    static func runner(_ fake: FakeSwitch, _ rule: LiveBlendRule, contracts: Int = 8) throws -> LiveDialerRunner<ProgressiveDialer> {
        var options = LiveRunnerOptions(
            storePath: try makeStore("blend", contracts: contracts), batchID: "b1", live: liveConfiguration(agents: agents),
            eventSocket: fake.eventSocket())
        options.agentsAtStart = .assume(.idle)
        options.blend = rule
        return try LiveDialerRunner(dialer: ProgressiveDialer(), options: options, clock: SystemLiveClock(speed: 50))
    }

    @Test("a reserve of 2 out of 4 idle agents: the dialer paces for 2; an agent going on break shrinks the pool, not the reserve")
    func reserve() async throws {
        let fake = try await FakeSwitch.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.hold(true)
        let runner = try Self.runner(fake, LiveBlendRule(inboundReserve: 2))
        try await runner.start()
        #expect(await runner.agents().map(\.state) == ["idle", "idle", "loggedOut", "loggedOut"])
        #expect(await runner.originates == 2, "one line per agent of the pool")
        fake.tellAgentStatus("1000", "On Break")
        try await eventually("1000 on break") { await runner.agents()[0].state == "paused" }
        #expect(await runner.agents().map(\.state) == ["paused", "idle", "loggedOut", "loggedOut"])
        await runner.stop()
    }

    @Test("at most 1 agent on the campaign: one shown idle, the others away")
    func cap() async throws {
        let fake = try await FakeSwitch.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.hold(true)
        let runner = try Self.runner(fake, LiveBlendRule(inboundReserve: 0, maxOutboundAgents: 1))
        try await runner.start()
        #expect(await runner.agents().map(\.state) == ["idle", "loggedOut", "loggedOut", "loggedOut"])
        #expect(await runner.originates == 1)
        await runner.stop()
    }

    @Test("the pool: longest idle first, kept while idle, left when busy; the campaign's calls count against the cap")
    func view() {
        let (a, b, c, d) = (AgentID(0), AgentID(1), AgentID(2), AgentID(3))
        var view = LiveBlendView(rule: LiveBlendRule(inboundReserve: 1, maxOutboundAgents: 2))
        // c idle since 0, then a and b since 10: c is the longest idle.
        _ = view.shown([a: .loggedOut, b: .loggedOut, c: .idle, d: .loggedOut], at: 0)
        #expect(view.pool.isEmpty, "one idle agent, kept for inbound callers")
        let shown = view.shown([a: .idle, b: .idle, c: .idle, d: .loggedOut], at: 10)
        #expect(view.pool == [c, a], "the two longest idle (c, then a before b by id) join; b stays outside")
        #expect(shown[b] == .loggedOut && shown[c] == .idle && shown[a] == .idle)
        // a takes a campaign call (talking): it leaves the pool; the cap (2) counts it.
        let busy = view.shown([a: .talking, b: .idle, c: .idle, d: .idle], at: 20)
        #expect(view.pool == [c], "b and d idle outside: one may join but the cap is full (a talking, c in the pool)")
        #expect(busy[a] == .talking && busy[b] == .loggedOut && busy[d] == .loggedOut)
    }
}
