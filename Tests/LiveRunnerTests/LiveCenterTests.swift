import FreeSWITCHFake
import Benchmarks
import CallCenter
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import RoutingPolicies
import Store
import LiveTestSupport
import Testing

@Suite("One live center: the dialer and the router together; the router's HTTP routes", .serialized)
struct LiveCenterTests {
    @Test("one login for both; an agent the router put on an inbound call is away for the dialer until it ends")
    func sharedConnectionAndAgentBook() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        fake.holdTransfers(true)
        let roster = try LiveRoster.parse(csv: testRoster)
        var live = LiveConfiguration()
        live.agents = roster.liveAgents
        var dialerOptions = LiveRunnerOptions(
            storePath: try makeStore("shared", contracts: 5), batchID: "b1", live: live, eventSocket: fake.configuration())
        dialerOptions.agentsAtStart = .assume(.paused(since: 0))
        let clock = testClock()
        let center = try LiveCenter(
            dialer: ProgressiveDialer(), options: dialerOptions,
            routing: try routerOptions(try makeRoutingStore("shared", customers: testCustomers), fake), clock: clock)
        let timers = pump(center, fake)
        try await center.start()
        #expect(fake.commands.filter { $0.hasPrefix("auth ") }.count == 1)
        #expect(fake.commands.filter { $0.hasPrefix("event plain") }.count == 1)
        // On break at the start: the dialer sees them paused, the router has nobody.
        #expect(await center.agents().map(\.state) == ["paused", "paused", "paused", "paused"])

        // 1001 comes back from the break: the campaign dials for them (the call rings on).
        fake.hold(true)
        fake.tellAgentStatus("1001", "Available")
        try await eventually("1001 idle") { await center.agents()[1].state == "idle" }
        try await timers.run(until: { await center.originates == 1 }, "one originate for 1001 (at the dialer's tick)")
        // A caller comes first: Alice's first agent is 1001.
        let uuid = "5a4ed000-0000-4000-8000-000000000001"
        fake.parkInbound(uuid: uuid, caller: "+8613800000001")
        try await eventually("the transfer") { fake.transfers == ["\(uuid) 1001"] }
        try await eventually("1001 away for the dialer") { await center.agents()[1].state == "loggedOut" }
        #expect(await center.agents().map(\.state) == ["paused", "loggedOut", "paused", "paused"])
        fake.hangUpInbound(uuid)
        try await eventually("the record") { await center.callsRecorded == 1 }
        // Free at the hang-up: back in the campaign's pool.
        try await eventually("1001 idle again") { await center.agents()[1].state == "idle" }
        #expect(await center.originates == 1, "the call for 1001 still rings: no second line")
        await center.stop()
        #expect(await center.status().state == "stopped")
    }

    @Test("after a reconnect the router ends the calls that vanished (the agent is freed) and routes new ones")
    func routerReconnect() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: ["1000", "1001", "2000", "2001"])
        defer { Task { await fake.stop() } }
        fake.holdTransfers(true)
        let path = try makeRoutingStore("reconnect", customers: testCustomers)
        let log = LogLines()
        let router = try LiveCenter(
            routing: try routerOptions(path, fake), clock: testClock(), log: log.sink)
        pump(router, fake)
        try await router.start()
        let first = "4ec0e000-0000-4000-8000-000000000001"
        fake.parkInbound(uuid: first, caller: "+8613800000001")
        try await eventually("the transfer") { fake.transfers == ["\(first) 1001"] }
        #expect(await router.callsInFlight == 1)

        // The call ends while the router is cut off: it learns of it from the channel list.
        fake.dropHeldChannels()
        fake.dropConnections()
        try await eventually("the reconcile") { await router.callsRecorded == 1 }
        #expect(await router.callsInFlight == 0)
        #expect(await router.routerStatus().state == "running")
        #expect(fake.commands.filter { $0 == "api show channels as json" }.count == 2, "at the start and after the gap")

        // 1001 was freed by the reconcile: Alice's next call goes to 1001 again, not the backup.
        let second = "4ec0e000-0000-4000-8000-000000000002"
        fake.parkInbound(uuid: second, caller: "+8613800000001")
        try await eventually("the second transfer") { fake.transfers.count == 2 }
        #expect(fake.transfers.last == "\(second) 1001")
        fake.hangUpInbound(second)
        try await eventually("the second record") { await router.callsRecorded == 2 }
        await router.stop()
        let calls = try RoutingStore(path: path).inboundCalls()
        #expect(calls.map(\.ending) == [.served, .served])
        #expect(calls.map(\.agent) == [AgentID(1), AgentID(1)])
    }

    @Test("agents dial their callbacks: the owner left idle is asked to dial the task (GET /agents), a failed attempt is retried after callbacks.retry, a reached one is done")
    func agentsDialCallbacks() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        let path = try makeRoutingStore("dial-callbacks", customers: testCustomers)
        var options = try routerOptions(path, fake, idle: false)
        options.agentsDialCallbacks = true
        options.callbackRetry = 60
        let router = try LiveCenter(routing: options, clock: testClock())
        let timers = pump(router, fake)
        let server = try await LiveHTTPServer.start(LiveHTTPOptions(port: 0, token: LiveSecret(httpToken)), serving: [router])
        try await router.start()
        func call(_ method: String, _ path: String, body: String = "") async throws -> (Int, String) {
            parseResponse(try await rawHTTP(port: server.port, httpRequest(method, path, token: httpToken, body: body)))
        }
        // Nobody is logged in: Alice leaves a callback task for her first agent, 1001.
        fake.parkInbound(uuid: "ca11bac0-0000-4000-8000-0000000000d1", caller: "+8613800000001", keys: ["2"])
        try await eventually("the callback task") { await router.callbackTasks().count == 1 }
        #expect(await router.callbacksToDial.isEmpty)
        // 1001 logs in: idle, with a task due, the center asks them to dial it.
        fake.tellAgentStatus("1001", "Available")
        try await eventually("1001 asked to call back") { await router.callbacksToDial.map(\.task) == [CallbackTaskID(0)] }
        let agents = try JSONDecoder().decode([LiveAgentStatus].self, from: Data(try await call("GET", "/agents").1.utf8))
        let asked = try #require(agents.first { $0.name == "1001" })
        #expect(asked.activity == "callback" && asked.callback == 0)
        // The customer did not answer: the task waits callbacks.retry, then 1001 is asked again.
        #expect(try await call("POST", "/callbacks/0/attempt", body: #"{"agent":"1001","reached":false}"#).0 == 200)
        #expect(await router.callbacksToDial.isEmpty)
        let failedAt = router.clock.now()
        try await timers.run(until: { await !router.callbacksToDial.isEmpty }, "the retry")
        #expect(router.clock.now() == failedAt + 60)
        #expect(try await call("POST", "/callbacks/0/attempt", body: #"{"agent":"1001","reached":true}"#).0 == 200)
        try await eventually("the task done") { await router.callbackTasks().isEmpty }
        #expect(await router.agents().first { $0.name == "1001" }?.activity == "idle")
        await router.stop()
        await server.stop()
        #expect(try RoutingStore(path: path).callbackHistory().map(\.event).last == .done)
    }

    @Test("the router's routes: status, callback tasks, done once (409 after), 404, 400, 405; done is in the history")
    func callbackRoutes() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        let path = try makeRoutingStore("routes", customers: testCustomers)
        let router = try LiveCenter(
            routing: try routerOptions(path, fake, idle: false), clock: testClock())
        let server = try await LiveHTTPServer.start(LiveHTTPOptions(port: 0, token: LiveSecret(httpToken)), serving: [router])
        pump(router, fake)
        try await router.start()
        let uuid = "ca11bac0-0000-4000-8000-0000000000aa"
        fake.parkInbound(uuid: uuid, caller: "+8613800000001", keys: ["2"])
        try await eventually("the callback task") { await router.callbackTasks().count == 1 }

        func call(_ method: String, _ path: String, body: String = "", token: String? = httpToken) async throws -> (Int, String) {
            parseResponse(try await rawHTTP(port: server.port, httpRequest(method, path, token: token, body: body)))
        }
        func decode<T: Decodable>(_ type: T.Type, _ body: String) throws -> T {
            try JSONDecoder().decode(type, from: Data(body.utf8))
        }

        let (listed, listBody) = try await call("GET", "/callbacks")
        #expect(listed == 200)
        let tasks = try decode([LiveCenter.CallbackView].self, listBody)
        #expect(tasks.count == 1)
        #expect(tasks.first?.id == 0)
        #expect(tasks.first?.owner == "1001")
        #expect(tasks.first?.businessType == "cards")
        #expect(tasks.first?.state == "open")
        #expect(tasks.first?.callerNumber == "+8613800000001")
        let (statusCode, statusBody) = try await call("GET", "/router/status")
        #expect(statusCode == 200)
        #expect(try decode(LiveCenter.RouterStatus.self, statusBody).callbacksActive == 1)
        #expect(try await call("GET", "/callbacks/0").0 == 200)

        // The agent desk: an attempt the center did not ask for is refused; a ready agent is known.
        #expect(try await call("POST", "/callbacks/0/attempt", body: #"{"agent":"1001","reached":true}"#).0 == 409)
        #expect(try await call("POST", "/callbacks/0/attempt", body: #"{"agent":"1001"}"#).0 == 400)
        #expect(try await call("POST", "/callbacks/9/attempt", body: #"{"agent":"1001","reached":true}"#).0 == 404)
        #expect(try await call("POST", "/agents/9999/ready").0 == 404)
        #expect(try await call("POST", "/agents/1001/ready").0 == 200)
        #expect(try await call("POST", "/callbacks/0/done", token: nil).0 == 401)
        #expect(try await call("POST", "/callbacks/0/done", body: #"{"agent":"9999"}"#).0 == 400)
        #expect(try await call("POST", "/callbacks/0/done", body: #"{"who":"1001"}"#).0 == 400)
        #expect(try await call("POST", "/callbacks/0/done", body: "not json").0 == 400)
        #expect(try await call("POST", "/callbacks/7/done").0 == 404)
        #expect(try await call("POST", "/callbacks/x/done").0 == 404)
        #expect(try await call("GET", "/callbacks/0/done").0 == 405)
        #expect(try await call("GET", "/nothing").0 == 404)
        let (done, doneBody) = try await call("POST", "/callbacks/0/done", body: #"{"agent":"1001"}"#)
        #expect(done == 200)
        #expect(try decode(LiveCenter.CallbackView.self, doneBody).state == "done")
        #expect(try await call("POST", "/callbacks/0/done").0 == 409)
        #expect(try decode([LiveCenter.CallbackView].self, try await call("GET", "/callbacks").1).isEmpty)
        let (index, indexBody) = try await call("GET", "/")
        #expect(index == 200)
        #expect(indexBody.contains("POST /callbacks/{id}/done"))

        await router.stop()
        await server.stop()
        let store = try RoutingStore(path: path)
        #expect(try store.callbackHistory().map(\.event) == [.created, .assigned, .done])
        #expect(try store.callbackTasks().first?.task.state == .done)

        // A restarted router takes the task back as done: nothing to monitor, nothing listed.
        let again = try LiveCenter(routing: try routerOptions(path, fake, idle: false), clock: testClock())
        pump(again, fake)
        try await again.start()
        #expect(await again.callbackTasks().isEmpty)
        #expect(await again.callbackDone(CallbackTaskID(0)).isFailure)
        await again.stop()
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}

@Suite("The live loop benchmark's harness")
struct LiveLoopBenchmarkTests {
    @Test("every event written by the loopback server reaches the actor (no timing asserted)")
    func everyEventArrives() async throws {
        let result = try await LiveLoopBenchmark.run(count: 5_000)
        #expect(result.events == 5_000)
        #expect(result.seconds > 0)
    }
}
