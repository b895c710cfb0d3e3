import FreeSWITCHFake
import CallCenter
import EventSocketClient
import Foundation
import Live
import LiveRunner
import RoutingPolicies
import Store
import LiveTestSupport
import Testing

/// A routing store at a fresh path holding `customers` (a customer-table CSV), or none.
func makeRoutingStore(_ name: String, customers: String?) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("simcc-router-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).sqlite").path
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try RoutingStore(path: path)
    if let customers { try store.importCustomers(csv: customers, file: "\(name).csv") }
    return path
}

/// Two teams of two: 1000 leads sales (backup 1001), 2000 leads care (backup 2001).
let testRoster = """
    name,exten,team,backup,leader,business_types
    1000,1000,sales,1001,yes,loans
    1001,1001,sales,1000,no,loans
    2000,2000,care,2001,yes,cards
    2001,2001,care,2000,no,cards
    """

/// Customer 0 (first agent 1001) calls from +8613800000001; customer 1 (first agent 2001) has
/// ID number 110101199001011234 and a number nobody calls from.
let testCustomers = """
    customer,numbers,id_number,first_agent
    alice,+8613800000001,,1
    bob,+8613800000099,110101199001011234,3
    """

let bobID = "110101199001011234"

/// The router's options for the routing store at `path` with the test roster: the agents free at
/// start (`idle`), else logged out.
func routerOptions(_ path: String, _ fake: FakeFreeSWITCH, idle: Bool = true) throws -> LiveRouterOptions {
    var options = LiveRouterOptions(
        storePath: path, roster: try LiveRoster.parse(csv: testRoster), eventSocket: fake.configuration())
    options.agentsAtStart = idle ? .assume(.idle) : .assume(.loggedOut)
    return options
}

@Suite("Live router", .serialized)
struct LiveRouterTests {
    func options(_ path: String, _ fake: FakeFreeSWITCH, idle: Bool = true) throws -> LiveRouterOptions {
        try routerOptions(path, fake, idle: idle)
    }

    @Test("a known caller is transferred to their first agent's extension, and recorded")
    func knownCaller() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        let path = try makeRoutingStore("known", customers: testCustomers)
        let runner = try LiveCenter(routing: try options(path, fake), clock: testClock())
        pump(runner, fake)
        try await runner.start()
        fake.parkInbound(uuid: "c0ffee00-0000-4000-8000-000000000001", caller: "+8613800000001")
        try await eventually("the transfer") { fake.transfers.count == 1 }
        #expect(fake.transfers == ["c0ffee00-0000-4000-8000-000000000001 1001"])
        #expect(fake.prompts.isEmpty)
        try await eventually("the call's record") { await runner.callsRecorded == 1 }
        await runner.stop()
        let calls = try RoutingStore(path: path).inboundCalls()
        #expect(calls.count == 1)
        let call = try #require(calls.first)
        #expect(call.caller == "+8613800000001")
        #expect(call.customer == CustomerID(0))
        #expect(call.agent == AgentID(1))
        #expect(call.reason == .firstAgent)
        #expect(call.ending == .served)
    }

    @Test("an unknown caller keying a known ID number is bound; the number is recognised next time, also after a restart")
    func bindingSurvivesRestart() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        let path = try makeRoutingStore("bind", customers: testCustomers)
        let caller = "+8613900000007"
        let runner = try LiveCenter(routing: try options(path, fake), clock: testClock())
        pump(runner, fake)
        try await runner.start()
        fake.parkInbound(uuid: "b0b00000-0000-4000-8000-000000000001", caller: caller, keys: [bobID])
        try await eventually("the first transfer") { fake.transfers.count == 1 }
        #expect(fake.prompts == ["b0b00000-0000-4000-8000-000000000001 play_and_get_digits"])
        #expect(fake.transfers == ["b0b00000-0000-4000-8000-000000000001 2001"])
        try await eventually("the first record") { await runner.callsRecorded == 1 }
        try await runner.flush()
        let bindings = try RoutingStore(path: path).runBindings()
        #expect(bindings.map(\.number) == [caller])
        #expect(bindings.first?.customer == CustomerID(1))

        // The same number again: recognised at 01, no prompt.
        fake.parkInbound(uuid: "b0b00000-0000-4000-8000-000000000002", caller: caller)
        try await eventually("the second transfer") { fake.transfers.count == 2 }
        #expect(fake.prompts.count == 1)
        #expect(fake.transfers.last == "b0b00000-0000-4000-8000-000000000002 2001")
        try await eventually("the second record") { await runner.callsRecorded == 2 }
        await runner.stop()

        // A new runner on the same store recognises it too.
        let again = try LiveCenter(routing: try options(path, fake), clock: testClock())
        pump(again, fake)
        try await again.start()
        fake.parkInbound(uuid: "b0b00000-0000-4000-8000-000000000003", caller: caller)
        try await eventually("the third transfer") { fake.transfers.count == 3 }
        #expect(fake.prompts.count == 1)
        #expect(fake.transfers.last == "b0b00000-0000-4000-8000-000000000003 2001")
        try await eventually("the third record") { await again.callsRecorded == 1 }
        await again.stop()

        let calls = try RoutingStore(path: path).inboundCalls()
        #expect(calls.count == 3)
        #expect(Set(calls.map(\.call)).count == 3, "call ids are not reused across runs")
        #expect(calls.allSatisfy { $0.customer == CustomerID(1) && $0.agent == AgentID(3) && $0.ending == .served })
        #expect(calls.filter { $0.reason?.afterIDMatch == true }.count == 1)
        #expect(try RoutingStore(path: path).runBindings().count == 1)
    }

    @Test("nobody idle: the caller hears the callback menu, is hung up, and a callback task is written")
    func callbackWhenNobodyIdle() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        let path = try makeRoutingStore("callback", customers: testCustomers)
        let runner = try LiveCenter(
            routing: try options(path, fake, idle: false), clock: testClock())
        pump(runner, fake)
        try await runner.start()
        let uuid = "ca11bac0-0000-4000-8000-000000000001"
        fake.parkInbound(uuid: uuid, caller: "+8613800000001", keys: ["2"])
        try await eventually("the hang-up") { fake.killed == [uuid] }
        #expect(fake.transfers.isEmpty)
        #expect(fake.prompts == ["\(uuid) play_and_get_digits"])
        try await eventually("the call's record") { await runner.callsRecorded == 1 }
        await runner.stop()

        let store = try RoutingStore(path: path)
        let tasks = try store.callbackTasks()
        #expect(tasks.count == 1)
        let task = try #require(tasks.first).task
        #expect(task.customer == CustomerID(0))
        #expect(task.owner == AgentID(1))
        #expect(task.callerNumber == "+8613800000001")
        #expect(task.businessType == BusinessTypeID(Int32(1)))  // key 2: cards
        #expect(try store.callbackHistory().map(\.event) == [.created, .assigned])
        let calls = try store.inboundCalls()
        #expect(calls.count == 1)
        #expect(calls.first?.ending == .callback)
        #expect(calls.first?.callback == task.id)
        #expect(calls.first?.reason == .callback)

        // A restarted router takes the task back: the next one gets the next id.
        let again = try LiveCenter(
            routing: try options(path, fake, idle: false), clock: testClock())
        pump(again, fake)
        try await again.start()
        let second = "ca11bac0-0000-4000-8000-000000000002"
        fake.parkInbound(uuid: second, caller: "+8613800000001", keys: [""])
        try await eventually("the second hang-up") { fake.killed.count == 2 }
        try await eventually("the second record") { await again.callsRecorded == 1 }
        await again.stop()
        #expect(try store.callbackTasks().map(\.task.id) == [CallbackTaskID(0), CallbackTaskID(1)])
    }

    @Test("the roster CSV: agents in row order, teams, backups, leaders, business types")
    func roster() throws {
        let roster = try LiveRoster.parse(csv: testRoster)
        #expect(roster.liveAgents.map(\.exten) == ["1000", "1001", "2000", "2001"])
        let directory = roster.directory()
        #expect(directory.agents[AgentID(1)]?.backup == AgentID(0))
        #expect(directory.leader(of: AgentID(3)) == AgentID(2))
        #expect(directory.businessTypes.map(\.name) == ["loans", "cards"])
        #expect(throws: LiveRunnerError.self) { try LiveRoster.parse(csv: "name,team\n1000,a\n1000,b\n") }
        #expect(throws: LiveRunnerError.self) { try LiveRoster.parse(csv: "name,team,backup\n1000,a,9\n") }
    }
}
