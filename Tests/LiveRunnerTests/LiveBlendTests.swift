import FreeSWITCHFake
import CallCenter
import CenterPolicies
import DialingPolicies
import Foundation
import Live
@testable import LiveRunner
import LiveTestSupport
import Testing

@Suite("The blending rule, live: the dialer is shown its pool only", .serialized)
struct LiveBlendTests {
    static let agents = ["1000", "1001", "1002", "1003"]

    static func runner(_ fake: FakeFreeSWITCH, _ rule: BlendRule, contracts: Int = 8) throws -> LiveCenter {
        var options = LiveRunnerOptions(
            storePath: try makeStore("blend", contracts: contracts), batchID: "b1", live: liveConfiguration(agents: agents),
            eventSocket: fake.configuration())
        options.agentsAtStart = .assume(.idle)
        options.blend = rule
        return try LiveCenter(dialer: ProgressiveDialer(), options: options, clock: testClock())
    }

    @Test("a reserve of 2 out of 4 idle agents: the dialer paces for 2; an agent going on break shrinks the pool, not the reserve")
    func reserve() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.hold(true)
        let runner = try Self.runner(fake, BlendRule(inboundReserve: 2))
        pump(runner, fake)
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
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.hold(true)
        let runner = try Self.runner(fake, BlendRule(inboundReserve: 0, maxOutboundAgents: 1))
        pump(runner, fake)
        try await runner.start()
        #expect(await runner.agents().map(\.state) == ["idle", "loggedOut", "loggedOut", "loggedOut"])
        #expect(await runner.originates == 1)
        await runner.stop()
    }

    @Test("a pool that takes no inbound callers is withdrawn from the router, and given back when the task completes")
    func poolWithdrawnFromRouter() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        fake.hold(true)
        let roster = try LiveRoster.parse(csv: testRoster)
        var live = liveConfiguration(agents: [])
        live.agents = roster.liveAgents
        var options = LiveRunnerOptions(
            storePath: try makeStore("pool", contracts: 8), batchID: "b1", live: live, eventSocket: fake.configuration())
        options.blend = BlendRule(inboundReserve: 2, poolTakesInbound: false)
        let clock = testClock()
        var progressive = ProgressiveDialer.Configuration()
        progressive.rules = quickRetries
        let center = try LiveCenter(
            dialer: ProgressiveDialer(progressive), options: options,
            routing: LiveRouterOptions(
                storePath: try makeRoutingStore("pool", customers: testCustomers), roster: roster, eventSocket: fake.configuration()),
            clock: clock)
        let dialer = center, router = center
        await center.keepTrace()
        let timers = pump(center, fake)
        try await center.start()
        // The pool is 1000 and 1001 (the sales team): Alice (first agent 1001) cannot reach it.
        #expect(await dialer.agents().map(\.state) == ["idle", "idle", "loggedOut", "loggedOut"])
        try await eventually("the pool withdrawn from the router") { await router.routerStatus().agentsWithdrawn == 2 }
        let first = "b0010000-0000-4000-8000-000000000001"
        fake.parkInbound(uuid: first, caller: "+8613800000001", keys: ["1"])
        try await eventually("Alice's call ended by the router") { fake.killed.contains(first) }
        #expect(fake.transfers.isEmpty, "no transfer to an agent of the dialer's pool: \(fake.transfers)")
        // Bob's first agent (2001) is outside the pool.
        let second = "b0010000-0000-4000-8000-000000000002"
        fake.parkInbound(uuid: second, caller: "+8613800000099")
        try await eventually("Bob's transfer") { fake.transfers == ["\(second) 2001"] }
        // The campaign's task completes (the held calls end): the router has 1000 and 1001 back.
        fake.hold(false)
        for call in fake.originates { fake.hangUp(call) }
        do {
            try await timers.run(until: { await center.taskProgress().complete }, "the task complete")
        } catch {
            Issue.record("\(await center.taskProgress()) \(await center.status()) \(await center.agents().map(\.state)) originates \(fake.originateCount)")
            let steps = await center.traceSteps(from: 0).suffix(12).map { "\($0.time) \($0.event.map { "\($0)" } ?? "start") -> \($0.commands)" }
            Issue.record("the center's last steps:\n\(steps.joined(separator: "\n"))")
            throw error
        }
        let third = "b0010000-0000-4000-8000-000000000003"
        try await eventually("the pool given back") { await router.routerStatus().agentsWithdrawn == 0 }
        fake.parkInbound(uuid: third, caller: "+8613800000001")
        try await eventually("Alice's next call reaches 1001") { fake.transfers.last == "\(third) 1001" }
        await center.stop()
    }
}
