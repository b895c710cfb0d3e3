import FreeSWITCHFake
import EventSocket
import EventSocketClient
import Testing

// MARK: - The liveness watchdog against the loopback fake FreeSWITCH

/// The watchdog is driven by real time here (the fake's traffic arrives on its own schedule),
/// so every assertion is on notifications and commands, awaited with generous deadlines;
/// durations are only a lower bound (traffic paced by sleeps), never asserted as small.
@Suite("EventSocketClient liveness watchdog")
struct LivenessTests {
    /// A subscription that does not cover HEARTBEAT.
    static let channelEvents = ESLSubscription(eventNames: ["CHANNEL_ANSWER"], customSubclasses: ["callcenter::info"])

    @Test("the reason reads as a sentence with the timeout")
    func reasonText() {
        #expect(
            EventSocketDisconnectReason.livenessTimeout(after: .seconds(60)).description
                == "no traffic from FreeSWITCH for 60 s")
        #expect(
            EventSocketDisconnectReason.livenessTimeout(after: .milliseconds(300)).description
                == "no traffic from FreeSWITCH for 300 ms")
        #expect(EventSocketConfiguration(host: "fs", password: ESLPassword("x")).livenessTimeout == .seconds(60))
    }

    @Test("a connection silent after login is dropped as lost, then re-established and re-subscribed")
    func silentConnection() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let timeout = Duration.milliseconds(300)
        let client = EventSocketClient(
            configuration: server.configuration(subscriptions: [Self.channelEvents], livenessTimeout: timeout))
        let notes = collect(client)
        async let connected: Void = client.connect()
        let first = try await server.nextSession()
        try await first.login()
        try await first.acceptSubscription("event plain CHANNEL_ANSWER CUSTOM callcenter::info")
        try await first.acceptSubscription("event plain HEARTBEAT")
        try await connected
        #expect(try await notes.require() == .connected)
        #expect(await client.heartbeatRefusal == nil)

        // A command in flight when FreeSWITCH goes silent fails as lost (its own timeout is 5 s).
        let status = Task { try await client.api("status") }
        #expect(try await first.nextCommand() == "api status")
        // From here the fake sends nothing at all.
        let reason = EventSocketDisconnectReason.livenessTimeout(after: timeout)
        #expect(try await notes.require() == .disconnected(reason))
        await #expect(throws: EventSocketError.connectionLost(reason)) { try await status.value }
        #expect(try await first.commands.next() == nil)  // the client closed that socket
        guard case .reconnecting(attempt: 1, _) = try await notes.require() else {
            Issue.record("expected reconnecting(attempt: 1)")
            return
        }

        // The new connection logs in and gets every subscription again, HEARTBEAT included.
        let second = try await server.nextSession()
        try await second.login()
        try await second.acceptSubscription("event plain CHANNEL_ANSWER CUSTOM callcenter::info")
        try await second.acceptSubscription("event plain HEARTBEAT")
        guard case .reconnected = try await notes.require() else {
            Issue.record("expected reconnected(gap:)")
            return
        }
        await client.close()
        #expect(try await notes.nextNonEvent() == .stopped(nil))
        await server.stop()
    }

    @Test("HEARTBEAT events more often than the timeout keep the connection over several periods")
    func heartbeatsKeepAlive() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        // 1 s, heartbeats every 100 ms for at least 4 s: four timeout periods, 900 ms of slack.
        let client = EventSocketClient(configuration: server.configuration(livenessTimeout: .seconds(1)))
        let notes = collect(client)
        let session = try await connect(client, to: server)  // `event plain ALL`: no extra HEARTBEAT
        #expect(try await notes.require() == .connected)
        let count = 40
        for sequence in 1...count {
            try await session.heartbeat(sequence: sequence)
            try await Task.sleep(for: .milliseconds(100))
        }
        // Every heartbeat arrived as an event, with no disconnect among them.
        for sequence in 1...count {
            let note = try await notes.require()
            guard case .event(let event) = note, event.eventName == "HEARTBEAT",
                event.value("Event-Sequence") == "\(sequence)"
            else {
                Issue.record("expected HEARTBEAT \(sequence), got \(note)")
                break
            }
        }
        #expect(notes.pending.isEmpty)
        #expect(server.sessions.pending.isEmpty)  // no reconnection
        #expect(await client.isConnected)
        // And the connection still works.
        async let status = client.api("status")
        #expect(try await session.nextCommand() == "api status")
        try await session.apiResponse("UP\n")
        #expect(try await status.text == "UP")
        await client.close()
        #expect(try await notes.nextNonEvent() == .stopped(nil))
        await server.stop()
    }

    @Test("HEARTBEAT is subscribed in the connection's format unless ALL covers it or the watchdog is off")
    func heartbeatSubscription() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)

        // JSON subscriptions: HEARTBEAT is asked in JSON too (the format is sticky).
        let json = ESLSubscription(format: .json, eventNames: ["CHANNEL_ANSWER"])
        let jsonClient = EventSocketClient(configuration: server.configuration(subscriptions: [json]))
        async let jsonConnected: Void = jsonClient.connect()
        let jsonSession = try await server.nextSession()
        try await jsonSession.login()
        try await jsonSession.expect("event json CHANNEL_ANSWER", reply: "+OK event listener enabled json")
        try await jsonSession.expect("event json HEARTBEAT", reply: "+OK event listener enabled json")
        try await jsonConnected
        await jsonClient.close()

        // ALL covers HEARTBEAT, and so does an explicit HEARTBEAT: nothing more is sent.
        for subscriptions in [
            [ESLSubscription.all()], [ESLSubscription(eventNames: ["CHANNEL_ANSWER", "HEARTBEAT"])],
        ] {
            let client = EventSocketClient(configuration: server.configuration(subscriptions: subscriptions))
            async let connected: Void = client.connect()
            let session = try await server.nextSession()
            try await session.login()
            for subscription in subscriptions {
                try await session.acceptSubscription(
                    "event plain \(subscription.eventNames.joined(separator: " "))")
            }
            try await connected
            async let status = client.api("status")
            #expect(try await session.nextCommand() == "api status")  // not `event plain HEARTBEAT`
            try await session.apiResponse("UP\n")
            _ = try await status
            await client.close()
        }

        // Watchdog off: no HEARTBEAT subscription.
        let offClient = EventSocketClient(
            configuration: server.configuration(subscriptions: [Self.channelEvents], livenessTimeout: nil))
        async let offConnected: Void = offClient.connect()
        let offSession = try await server.nextSession()
        try await offSession.login()
        try await offSession.acceptSubscription("event plain CHANNEL_ANSWER CUSTOM callcenter::info")
        try await offConnected
        async let status = offClient.api("status")
        #expect(try await offSession.nextCommand() == "api status")
        try await offSession.apiResponse("UP\n")
        _ = try await status
        #expect(await offClient.heartbeatRefusal == nil)
        await offClient.close()
        await server.stop()
    }

    @Test("a refused HEARTBEAT does not fail the login; probes keep a quiet connection, a dead one is dropped")
    func heartbeatRefused() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let timeout = Duration.seconds(1)
        let client = EventSocketClient(
            configuration: server.configuration(subscriptions: [Self.channelEvents], livenessTimeout: timeout))
        let notes = collect(client)
        async let connected: Void = client.connect()
        let first = try await server.nextSession()
        try await first.login()
        try await first.acceptSubscription("event plain CHANNEL_ANSWER CUSTOM callcenter::info")
        try await first.expect("event plain HEARTBEAT", reply: "-ERR permission denied")
        try await connected
        #expect(try await notes.require() == .connected)
        #expect(await client.heartbeatRefusal?.text == "-ERR permission denied")

        // Quiet otherwise, the fake answers the probes (after half the timeout each): that
        // traffic keeps the connection over several periods.
        for _ in 1...5 {
            try await first.expect("event plain HEARTBEAT", reply: "-ERR permission denied")
        }
        #expect(notes.pending.isEmpty)
        #expect(server.sessions.pending.isEmpty)
        #expect(await client.isConnected)

        // A probe left unanswered: the connection is taken for dead.
        #expect(try await first.nextCommand() == "event plain HEARTBEAT")
        #expect(try await notes.require() == .disconnected(.livenessTimeout(after: timeout)))
        guard case .reconnecting(attempt: 1, _) = try await notes.require() else {
            Issue.record("expected reconnecting(attempt: 1)")
            return
        }
        // This time FreeSWITCH accepts HEARTBEAT: the refusal is forgotten.
        let second = try await server.nextSession()
        try await second.login()
        try await second.acceptSubscription("event plain CHANNEL_ANSWER CUSTOM callcenter::info")
        try await second.acceptSubscription("event plain HEARTBEAT")
        guard case .reconnected = try await notes.require() else {
            Issue.record("expected reconnected(gap:)")
            return
        }
        #expect(await client.heartbeatRefusal == nil)
        await client.close()
        await server.stop()
    }
}
