import EventSocket
import EventSocketClient
import FreeSWITCHFake
import Foundation
import Testing

/// The fake FreeSWITCH misbehaves as FreeSWITCH does, when told to, and the client meets each
/// misbehaviour as it would meet the real one: these are what the fault tests of the live driver
/// stand on.
@Suite("The fake FreeSWITCH misbehaves when told to")
struct FakeMisbehaviourTests {
    static func connected(_ fake: FakeFreeSWITCH, commandTimeout: Duration = .seconds(5)) async throws
        -> (EventSocketClient, TestQueue<EventSocketNotification>)
    {
        let client = EventSocketClient(
            configuration: fake.configuration(subscriptions: [.all()], commandTimeout: commandTimeout))
        let notifications = collect(client)
        try await client.connect()
        return (client, notifications)
    }

    @Test("a refused command: api answers -ERR, bgapi's job says -ERR, nothing happens")
    func refused() async throws {
        let fake = try await FakeFreeSWITCH.start(agents: ["1000"])
        defer { Task { await fake.stop() } }
        let (client, _) = try await Self.connected(fake)
        defer { Task { await client.close() } }
        fake.refuse("api show channels")
        fake.refuse("bgapi originate")
        let reply = try await client.api("show", "channels as json")
        #expect(reply.status == .error && reply.text == "-ERR refused")
        let job = try await client.bgapi(
            "originate",
            "{origination_uuid=51cc0000-0000-4000-8000-000000000001,simcc_call=1,simcc_contract=0}sofia/gateway/carrier/100 &park()")
        #expect(job.backgroundJobResult?.text == "-ERR refused")
        #expect(fake.originateCount == 0, "a refused originate dials nobody")
        // Other commands are answered as usual.
        #expect(try await client.api("callcenter_config", "agent list").text.contains("1000|single_box"))
    }

    @Test("an ignored command never gets its reply: the client's command times out, the connection stays")
    func ignored() async throws {
        let fake = try await FakeFreeSWITCH.start()
        defer { Task { await fake.stop() } }
        let (client, _) = try await Self.connected(fake)
        defer { Task { await client.close() } }
        fake.ignore("api status")
        await #expect(throws: EventSocketError.timedOut(what: "api status", after: .milliseconds(200))) {
            _ = try await client.api("status", timeout: .milliseconds(200))
        }
        #expect(fake.commands.contains("api status"), "the command reached FreeSWITCH")
        #expect(await client.isConnected)
    }

    @Test("late replies come late, in order")
    func late() async throws {
        let fake = try await FakeFreeSWITCH.start(agents: ["1000"])
        defer { Task { await fake.stop() } }
        let (client, _) = try await Self.connected(fake)
        defer { Task { await client.close() } }
        fake.delayReplies(by: .milliseconds(300))
        let started = ContinuousClock.now
        async let first = client.api("show", "channels as json")
        async let second = client.api("callcenter_config", "agent list")
        let (a, b) = try await (first, second)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(a.text.contains("row_count") && b.text.contains("1000|single_box"))
    }

    @Test("a restart drops the connection and every channel; the client comes back to a new Core-UUID")
    func restart() async throws {
        let fake = try await FakeFreeSWITCH.start()
        defer { Task { await fake.stop() } }
        let (client, notifications) = try await Self.connected(fake)
        defer { Task { await client.close() } }
        fake.parkInbound(uuid: "b0010000-0000-4000-8000-000000000001", caller: "+8613800000001")
        let before = try await notifications.nextEvent()
        #expect(before.value("Core-UUID") == "8694f653-a9cd-4e6c-9fb8-4c7cd4d3ae3c")
        fake.restart()
        while true {
            if case .reconnected = try await notifications.nextNonEvent() { break }
        }
        #expect(try await client.api("show", "channels as json").text == #"{"row_count":0}"#, "no channel survives")
        fake.parkInbound(uuid: "b0010000-0000-4000-8000-000000000002", caller: "+8613800000002")
        let after = try await notifications.nextEvent()
        #expect(after.value("Core-UUID") == fake.coreUUID && fake.coreUUID != before.value("Core-UUID"))
        #expect(fake.state.withLock { $0.restarts == 1 && $0.accepted == 2 })
    }

    @Test("down: connections are closed as soon as accepted, until it comes back up")
    func down() async throws {
        let fake = try await FakeFreeSWITCH.start()
        defer { Task { await fake.stop() } }
        let (client, notifications) = try await Self.connected(fake)
        defer { Task { await client.close() } }
        fake.setDown(true)
        fake.dropConnections()
        try await eventually("the client's retries refused") { fake.state.withLock { $0.accepted } >= 3 }
        #expect(await !client.isConnected)
        fake.setDown(false)
        while true {
            if case .reconnected = try await notifications.nextNonEvent() { break }
        }
        #expect(await client.isConnected)
    }
}
