import FreeSWITCHFake
import CallCenter
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import Store
import LiveTestSupport
import Testing

/// What FreeSWITCH and mod_callcenter say after a crash or a gap, read back by the runners.
@Suite("Live runners reading FreeSWITCH's state: calls taken over, agents at start, gaps, parked calls", .serialized)
struct LiveReconcileTests {
    static let agents = ["1000", "1001"]

    static func dialer(_ path: String, _ fake: FakeFreeSWITCH, log: LogLines = LogLines()) throws
        -> LiveCenter
    {
        var options = LiveRunnerOptions(
            storePath: path, batchID: "b1", live: liveConfiguration(agents: agents), eventSocket: fake.configuration())
        options.agentsAtStart = .askCallCenter
        var progressive = ProgressiveDialer.Configuration()
        progressive.rules = quickRetries
        return try LiveCenter(
            dialer: ProgressiveDialer(progressive), options: options, clock: testClock(), log: log.sink)
    }

    @Test("a restart takes over calls by their callstate: one bridged to an agent ends connected, one answered and parked meets the free agent")
    func restartReadsCallState() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("callstate", contracts: 2)
        fake.hold(true)
        let first = try Self.dialer(path, fake)
        pump(first, fake)
        try await first.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        await first.stop()
        let held = fake.originates
        // While the dialer was down, FreeSWITCH answered both; one was bridged to 1000, the
        // other waits parked (`&park()`).
        fake.state.withLock { state in
            state.answered = [held[0]: "1000", held[1]: ""]
            state.callCenterAgents = [("1000", "Available", "In a queue call"), ("1001", "Available", "Waiting")]
        }
        fake.parkHeld(held[1])
        fake.holdPlaced(true)
        fake.hold(false)
        let log = LogLines()
        let second = try Self.dialer(path, fake, log: log)
        pump(second, fake)
        try await second.start()
        #expect(log.all.contains { $0.contains("took over 2 of 2") && $0.contains("1 answered, 1 with an agent") }, "\(log.all)")
        // The parked customer meets the free agent at once.
        let states = await second.agents().map(\.state)
        #expect(states == ["talking", "talking"], "\(log.all) \(fake.commands.suffix(6))")
        try await eventually("the parked customer placed") { fake.placed == ["\(held[1]) 1001"] }
        fake.hangUp(held[0])
        fake.hangUpPlaced()
        try await eventually("both calls ended") { await second.status().callsInFlight == 0 }
        await second.stop()
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let bridged = try #require(records.first { $0.call.uuidString == held[0] })
        #expect(bridged.outcome == .connected)
        #expect(bridged.agent == AgentID(0))
        let answered = try #require(records.first { $0.call.uuidString == held[1] })
        #expect(answered.outcome == .connected, "the customer parked during the gap reached an agent")
        #expect(answered.agent == AgentID(1))
    }

    @Test("agents at start as mod_callcenter lists them: one on break, one free, one it does not know; without it, a clear refusal")
    func agentsAtStart() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.hold(true)
        fake.state.withLock { $0.callCenterAgents = [("1001", "On Break", "Waiting")] }
        let path = try makeStore("agents", contracts: 4)
        let runner = try Self.dialer(path, fake)
        pump(runner, fake)
        try await runner.start()
        #expect(await runner.agents().map(\.state) == ["loggedOut", "paused"])
        #expect(await runner.originates == 0)
        await runner.stop()

        fake.state.withLock { $0.callCenterAgents = [("1000", "Available", "Waiting"), ("1001", "On Break", "Waiting")] }
        let again = try Self.dialer(path, fake)
        pump(again, fake)
        try await again.start()
        #expect(await again.agents().map(\.state) == ["idle", "paused"])
        #expect(await again.originates == 1, "one line for the one free agent")
        await again.stop()

        fake.state.withLock { $0.callCenterDown = true }
        let refused = try Self.dialer(path, fake)
        do {
            pump(refused, fake)
            try await refused.start()
            Issue.record("the run started without knowing its agents")
        } catch {
            #expect("\(error)".contains("callcenter_config agent list"))
            #expect("\(error)".contains("--agents-start-as"))
        }
    }

    @Test("mod_callcenter too slow to list its agents at start: a failure a retry can fix (not a configuration mistake), nothing dialled")
    func slowCallCenter() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.ignore("api callcenter_config")
        var options = LiveRunnerOptions(
            storePath: try makeStore("slow-cc", contracts: 2), batchID: "b1", live: liveConfiguration(agents: Self.agents),
            eventSocket: fake.configuration(commandTimeout: .milliseconds(200)))
        options.agentsAtStart = .askCallCenter
        let runner = try LiveCenter(dialer: ProgressiveDialer(), options: options, clock: testClock())
        do {
            try await runner.start()
            Issue.record("started without mod_callcenter's answer")
        } catch let error as LiveRunnerError {
            #expect(!error.isConfiguration, "\(error)")
            #expect(error.description.contains("mod_callcenter did not answer callcenter_config agent list"), "\(error)")
        }
        #expect(fake.originateCount == 0)
    }

    @Test("after a gap: a call bridged meanwhile is connected, agents changed meanwhile are read again")
    func dialerGap() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: Self.agents)
        defer { Task { await fake.stop() } }
        fake.hold(true)
        let path = try makeStore("gap", contracts: 2)
        let runner = try Self.dialer(path, fake)
        pump(runner, fake)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        let held = fake.originates
        fake.state.withLock { state in
            state.answered = [held[0]: "1000"]
            state.callCenterAgents = [("1000", "Available", "In a queue call"), ("1001", "On Break", "Waiting")]
        }
        fake.dropConnections()
        try await eventually("the agents read again") { await runner.agents().map(\.state) == ["talking", "paused"] }
        #expect(await runner.status().callsInFlight == 2)
        fake.hangUp(held[0])
        fake.hangUp(held[1])
        try await eventually("both calls ended") { await runner.status().callsInFlight == 0 }
        await runner.stop()
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        #expect(records.first { $0.call.uuidString == held[0] }?.outcome == .connected)
        #expect(records.first { $0.call.uuidString == held[0] }?.agent == AgentID(0))
        #expect(records.first { $0.call.uuidString == held[1] }?.answeredAt == nil)
    }

    @Test("the router routes the calls parked before its start and those parked while it was cut off")
    func routerPicksUpParkedCalls() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: ["1000", "1001", "2000", "2001"])
        defer { Task { await fake.stop() } }
        let before = "9a4ed000-0000-4000-8000-000000000001"
        fake.parkSilently(uuid: before, caller: "+8613800000001")
        var options = LiveRouterOptions(
            storePath: try makeRoutingStore("parked", customers: testCustomers), roster: try LiveRoster.parse(csv: testRoster),
            eventSocket: fake.configuration())
        options.agentsAtStart = .askCallCenter
        let log = LogLines()
        let router = try LiveCenter(routing: options, clock: testClock(), log: log.sink)
        pump(router, fake)
        try await router.start()
        try await eventually("the early call's transfer") { fake.transfers == ["\(before) 1001"] }
        #expect(log.all.contains { $0.contains("routing 1 inbound call(s) parked while it was not listening") })

        let during = "9a4ed000-0000-4000-8000-000000000002"
        fake.dropConnections()
        fake.parkSilently(uuid: during, caller: "+8613800000001")
        try await eventually("the gap's call transferred") { fake.transfers.count == 2 }
        #expect(fake.transfers.last == "\(during) 1001")
        try await eventually("both records") { await router.callsRecorded == 2 }
        await router.stop()
    }
}
