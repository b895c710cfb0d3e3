import FreeSWITCHFake
import EventSocket
import EventSocketClient
import Foundation
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Helpers

/// The frames of fixture `path`, each as its wire bytes.
private func fixtureFrames(_ path: String) throws -> [[UInt8]] {
    var decoder = ESLDecoder()
    decoder.append(try fixture(path))
    var frames = [[UInt8]]()
    while let frame = try decoder.next() { frames.append(frame.wireBytes) }
    try decoder.finish()
    return frames
}

/// `bytes` with every occurrence of `old` replaced by `new`, which must be as long (so every
/// Content-Length stays right).
private func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
    precondition(old.utf8.count == new.utf8.count, "replacement must keep Content-Length")
    let text = String(decoding: bytes, as: UTF8.self)
    return Array(text.replacingOccurrences(of: old, with: new).utf8)
}

/// A Job-UUID generator that hands out `ids` in order.
private func jobUUIDs(_ ids: [String]) -> @Sendable () -> String {
    let counter = Counter()
    return { ids[counter.next() % ids.count] }
}

private final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// An adapter that lets `ByteToMessageDecoderVerifier` compare frames by their bytes (an
/// `ESLFrame` also records its stream offset, which differs between feeding orders).
private struct WireBytesDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]
    var inner = ESLFrameDecoder()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        for frame in try inner.frames(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame.wireBytes))
        }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        _ = try decode(context: context, buffer: &buffer)
        try inner.finish()
        return .needMoreData
    }
}

/// A TCP socket bound to a free loopback port without listening: connecting to it is refused.
private struct BoundSocket {
    let fd: Int32
    let port: Int

    struct Failure: Error {}

    init() throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure() }
        let fd = self.fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else { throw Failure() }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        #if canImport(Glibc)
            _ = Glibc.close(fd)
        #else
            _ = Darwin.close(fd)
        #endif
    }
}

// MARK: - ESLFrameDecoder

@Suite("ESLFrameDecoder")
struct FrameDecoderTests {
    @Test("passes NIO's ByteToMessageDecoderVerifier on captured frames")
    func verifier() throws {
        var pairs = [(ByteBuffer, [[UInt8]])]()
        for path in [
            "neventsocket/inbound-auth-bgapi-originate-fail.txt", "switchio/bgapi-originate-unsplit.txt",
            "corpus/callcenter-info.txt", "corpus/json-background-job.txt",
        ] {
            for frame in try fixtureFrames(path) {
                pairs.append((ByteBuffer(bytes: frame), [frame]))
            }
        }
        #expect(pairs.count > 8)
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { WireBytesDecoder() }
    }

    @Test("in a pipeline: frames out of arbitrary chunks, with their stream offsets")
    func embedded() throws {
        let bytes = try fixture("switchio/bgapi-originate-unsplit.txt")
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ESLFrameDecoder()))
        var index = 0
        var size = 1
        while index < bytes.count {
            let end = min(bytes.count, index + size)
            try channel.writeInbound(ByteBuffer(bytes: bytes[index..<end]))
            index = end
            size = size * 3 % 1031 + 1
        }
        var frames = [ESLFrame]()
        while let frame = try channel.readInbound(as: ESLFrame.self) { frames.append(frame) }
        #expect(frames.map(\.streamOffset) == [0, 139, 1240])
        #expect(frames.map(\.contentType) == ["command/reply", "text/event-plain", "text/event-plain"])
        #expect(try channel.finish().isClean)
    }

    @Test("a stream that ends inside a frame is a truncatedFrame error")
    func truncated() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ESLFrameDecoder()))
        try channel.writeInbound(ByteBuffer(string: "Content-Type: api/response\nContent-Length: 10\n\n+OK"))
        #expect(try channel.readInbound(as: ESLFrame.self) == nil)
        #expect(throws: ESLDecodingError(.truncatedFrame(bytesMissing: 7), offset: 0)) {
            _ = try channel.finish()
        }
    }

    @Test("a Content-Length over the cap is refused before the body is buffered")
    func cap() throws {
        let decoder = ESLFrameDecoder(limits: ESLDecoder.Limits(maxHeaderBlockBytes: 1024, maxBodyBytes: 100))
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        #expect(throws: ESLDecodingError(.bodyTooLarge(contentLength: 101, limit: 100), offset: 0)) {
            try channel.writeInbound(
                ByteBuffer(string: "Content-Type: api/response\nContent-Length: 101\n\n"))
        }
        _ = try? channel.finish()
    }
}

// MARK: - Client values

@Suite("EventSocketClient values")
struct ClientValueTests {
    @Test("the password never shows in descriptions, dumps or errors")
    func passwordRedacted() {
        let password = ESLPassword("s3cret-ClueCon")
        #expect("\(password)" == "<redacted>")
        #expect(String(reflecting: password) == "ESLPassword(<redacted>)")
        var dumped = ""
        dump(password, to: &dumped)
        #expect(!dumped.contains("s3cret"))
        let configuration = EventSocketConfiguration(host: "fs", password: password)
        var dumpedConfiguration = ""
        dump(configuration, to: &dumpedConfiguration)
        #expect(!dumpedConfiguration.contains("s3cret"))
        #expect(!"\(configuration)".contains("s3cret"))
    }

    @Test("backoff doubles from the initial delay up to the maximum")
    func backoff() {
        let policy = EventSocketReconnectPolicy(
            initialDelay: .milliseconds(100), maximumDelay: .seconds(1), multiplier: 2)
        #expect(
            (1...6).map(policy.delay(beforeAttempt:)) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
                .seconds(1),
            ])
        #expect(EventSocketReconnectPolicy.never.maximumAttempts == 0)
    }

    @Test("permanent errors are the auth and ACL refusals")
    func permanence() {
        #expect(EventSocketError.authenticationRejected(replyText: "-ERR invalid").isPermanent)
        #expect(EventSocketError.refusedByACL(text: "Access Denied, go away.\n").isPermanent)
        #expect(!EventSocketError.connectionLost(.closedByPeer(notice: nil)).isPermanent)
        #expect(!EventSocketError.timedOut(what: "api status", after: .seconds(1)).isPermanent)
    }
}

// MARK: - Client against the fake FreeSWITCH

@Suite("EventSocketClient against a loopback fake FreeSWITCH")
struct ClientTests {
    @Test("login, subscription, api round trip, events, close")
    func loginAndApi() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        #expect(await client.isConnected)

        async let status = client.api("status")
        #expect(try await session.nextCommand() == "api status")
        try await session.apiResponse("UP 0 years, 0 days\nFreeSWITCH is ready\n")
        let reply = try await status
        #expect(reply.text == "UP 0 years, 0 days\nFreeSWITCH is ready")

        // An event goes to the notifications.
        let frames = try fixtureFrames("corpus/callcenter-info.txt")
        try await session.send(bytes: frames[0])
        let event = try await notes.nextEvent()
        #expect(event.eventSubclass == "callcenter::info")

        // A filter through send(), and api output that is a failure is a value, not an error.
        async let filtered = client.send(.filter(header: "Event-Name", value: "BACKGROUND_JOB"))
        try await session.expect(
            "filter Event-Name BACKGROUND_JOB", reply: "+OK filter added. [Event-Name]=[BACKGROUND_JOB]")
        #expect(try await filtered.isOK)
        async let missing = client.api("nosuch")
        #expect(try await session.nextCommand() == "api nosuch")
        try await session.apiResponse("-ERR nosuch Command not found!\n")
        #expect(try await missing.isFailure)

        await client.close()
        #expect(try await notes.nextNonEvent() == .stopped(nil))
        #expect(try await notes.next() == nil)
        #expect(try await session.commands.next() == nil)  // the socket was closed
        await #expect(throws: EventSocketError.closed) { try await client.api("status") }
        await server.stop()
    }

    @Test("a line break in an argument is refused before anything is written")
    func injection() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let session = try await connect(client, to: server)
        await #expect(throws: EventSocketError.invalidCommand(.lineBreak(field: "api arguments"))) {
            try await client.api("status", "x\n\nevent plain ALL")
        }
        async let ok = client.api("version")
        #expect(try await session.nextCommand() == "api version")  // nothing was sent before it
        try await session.apiResponse("FreeSWITCH Version 1.10\n")
        _ = try await ok
        await client.close()
        await server.stop()
    }

    @Test("-ERR invalid is a final error: no retry, the client stops")
    func authRejected() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let connected = Task { try await client.connect() }
        let session = try await server.nextSession()
        try await session.send("Content-Type: auth/request\n\n")
        #expect(try await session.nextCommand() == "auth ClueCon")
        // One write: the client may close as soon as it reads the reply.
        try await session.send(
            "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"
                + "Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
        )
        try await session.close()
        let error = await #expect(throws: EventSocketError.authenticationRejected(replyText: "-ERR invalid"))
        {
            try await connected.value
        }
        #expect(error?.description.contains("ClueCon") == false)
        #expect(try await notes.require() == .stopped(.authenticationRejected(replyText: "-ERR invalid")))
        #expect(try await notes.next() == nil)
        await #expect(throws: EventSocketError.closed) { try await client.connect() }
        #expect(server.sessions.pending.isEmpty)
        await server.stop()
    }

    @Test("-ERR invalid on a reconnect stops reconnecting for good")
    func authRejectedOnReconnect() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let first = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        try await first.close()
        #expect(try await notes.require() == .disconnected(.closedByPeer(notice: nil)))
        #expect(try await notes.require() == .reconnecting(attempt: 1, delay: .milliseconds(10)))
        let second = try await server.nextSession()
        try await second.send("Content-Type: auth/request\n\n")
        #expect(try await second.nextCommand() == "auth ClueCon")
        try await second.send("Content-Type: command/reply\nReply-Text: -ERR invalid\n\n")
        #expect(try await notes.require() == .stopped(.authenticationRejected(replyText: "-ERR invalid")))
        #expect(try await notes.next() == nil)  // the stream ended: no more attempts
        #expect(server.sessions.pending.isEmpty)
        await server.stop()
    }

    @Test("text/rude-rejection is a final ACL error")
    func rudeRejection() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let connected = Task { try await client.connect() }
        let session = try await server.nextSession()
        let rejection = try fixture("corpus/rude-rejection.txt")
        try await session.send(bytes: rejection)
        try await session.close()
        await #expect(throws: EventSocketError.refusedByACL(text: "Access Denied, go away.\n")) {
            try await connected.value
        }
        #expect(try await notes.require() == .stopped(.refusedByACL(text: "Access Denied, go away.\n")))
        #expect(try await notes.next() == nil)
        await server.stop()
    }

    @Test("connection refused is connectFailed, and the client can try again")
    func refused() async throws {
        // A port bound but not listening refuses connections, and no other test can take it.
        let socket = try BoundSocket()
        defer { socket.close() }
        let configuration = EventSocketConfiguration(
            host: "127.0.0.1", port: socket.port, password: ESLPassword("ClueCon"),
            connectTimeout: .seconds(1))
        let client = EventSocketClient(configuration: configuration)
        let error = await #expect(throws: EventSocketError.self) { try await client.connect() }
        guard case .connectFailed(let host, let port, _) = error else {
            Issue.record("expected connectFailed, got \(String(describing: error))")
            return
        }
        #expect(host == "127.0.0.1" && port == configuration.port)
        #expect(!(await client.isConnected))
        #expect(!"\(String(describing: error))".contains("ClueCon"))
    }

    @Test("bgapi: our Job-UUID, the reply, then the BACKGROUND_JOB with it (another job's first)")
    func bgapiCorrelation() async throws {
        let ours = "0b6f1c2d-0000-4000-8000-00000000abcd"
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration(), jobUUID: jobUUIDs([ours]))
        let notes = collect(client)
        let session = try await connect(client, to: server)

        async let job = client.bgapi("originate", "sofia/external/1000@10.10.10.108:5070 &park()")
        let command = try await session.nextCommand()
        #expect(command == "bgapi originate sofia/external/1000@10.10.10.108:5070 &park()\nJob-UUID: \(ours)")

        // switchio's capture: the reply to a bgapi, then a BACKGROUND_JOB for another job and a
        // channel event; the reply is rewritten to our Job-UUID.
        let switchio = try fixtureFrames("switchio/bgapi-originate-unsplit.txt")
        try await session.send(
            bytes: replacing("1246016f-ea2f-4cba-a018-16443bcadc6f", with: ours, in: switchio[0]))
        try await session.send(bytes: switchio[1] + switchio[2])
        let other = try await notes.nextEvent()
        #expect(other.jobUUID == "86b51ad6-ebb9-4bca-8a41-f28986dde3e4")
        #expect(try await notes.nextEvent().eventName == "CHANNEL_PARK")

        // neventsocket's capture: the BACKGROUND_JOB of a failed originate, rewritten to ours.
        let nevent = try fixtureFrames("neventsocket/inbound-auth-bgapi-originate-fail.txt")
        try await session.send(
            bytes: replacing("43e14ab9-38b1-4187-9f08-e13f35136bb2", with: ours, in: nevent[4]))
        let result = try await job
        #expect(result.jobUUID == ours)
        #expect(result.backgroundJobResult?.text == "-ERR RECOVERY_ON_TIMER_EXPIRE")
        #expect(try await notes.nextEvent().jobUUID == ours)  // the layer above sees it too
        await client.close()
        await server.stop()
    }

    @Test("bgapi refused by FreeSWITCH, and a BACKGROUND_JOB that never comes, are typed errors")
    func bgapiFailures() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        var configuration = server.configuration()
        configuration.jobTimeout = .milliseconds(50)
        let client = EventSocketClient(configuration: configuration, jobUUID: jobUUIDs(["job-1", "job-2"]))
        let session = try await connect(client, to: server)

        let refused = Task { try await client.bgapi("originate", "x") }
        try await session.expect("bgapi originate x\nJob-UUID: job-1", reply: "-ERR permission denied")
        await #expect(
            throws: EventSocketError.commandRejected(
                what: "bgapi originate", reply: ESLReply(text: "-ERR permission denied", jobUUID: nil))
        ) { try await refused.value }

        let silent = Task { try await client.bgapi("uuid_kill", "abc") }
        try await session.expect("bgapi uuid_kill abc\nJob-UUID: job-2", reply: "+OK Job-UUID: job-2")
        await #expect(
            throws: EventSocketError.timedOut(
                what: "BACKGROUND_JOB of bgapi uuid_kill", after: .milliseconds(50))
        ) {
            try await silent.value
        }
        await client.close()
        await server.stop()
    }

    @Test("a command that times out keeps its place: its late reply is dropped, the next matched")
    func commandTimeout() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let session = try await connect(client, to: server)
        let slow = Task { try await client.api("show", "channels", timeout: .milliseconds(50)) }
        #expect(try await session.nextCommand() == "api show channels")
        await #expect(throws: EventSocketError.timedOut(what: "api show", after: .milliseconds(50))) {
            try await slow.value
        }
        async let next = client.api("version", timeout: .seconds(5))
        #expect(try await session.nextCommand() == "api version")
        try await session.apiResponse("0 total.\n")  // the late reply to `show channels`
        try await session.apiResponse("FreeSWITCH Version 1.10.12\n")
        #expect(try await next.text == "FreeSWITCH Version 1.10.12")
        await client.close()
        await server.stop()
    }

    @Test("a bgapi FreeSWITCH never answers: the next api's reply, which cannot be the bgapi's, still reaches the api")
    func lostBgapiReply() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let session = try await connect(client, to: server)
        let lost = try await client.submit(.bgapi(command: "originate", arguments: "user/1000 &park()", jobUUID: "job-l"), timeout: .milliseconds(100))
        #expect(try await session.nextCommand() == "bgapi originate user/1000 &park()\nJob-UUID: job-l")
        await #expect(throws: EventSocketError.timedOut(what: "bgapi originate", after: .milliseconds(100))) { try await lost.reply() }
        async let status = client.api("status", timeout: .seconds(5))
        #expect(try await session.nextCommand() == "api status")
        try await session.apiResponse("UP 0 years\n")
        #expect(try await status.text == "UP 0 years")
        await client.close()
        await server.stop()
    }

    @Test("an api FreeSWITCH never answers, then another: the second's reply is taken for the first's late one, so the second times out and the connection is made afresh")
    func lostApiReply() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        let lost = Task { try await client.api("show", "channels", timeout: .milliseconds(50)) }
        #expect(try await session.nextCommand() == "api show channels")
        await #expect(throws: EventSocketError.timedOut(what: "api show", after: .milliseconds(50))) { try await lost.value }
        let next = Task { try await client.api("status", timeout: .milliseconds(300)) }
        #expect(try await session.nextCommand() == "api status")
        try await session.apiResponse("UP 0 years\n")
        await #expect(throws: EventSocketError.timedOut(what: "api status", after: .milliseconds(300))) { try await next.value }
        #expect(try await notes.require() == .disconnected(.noReply(what: "api status", after: .milliseconds(300))))
        _ = try await server.nextSession()
        await client.close()
        await server.stop()
    }

    @Test("closed mid-frame: pending commands fail, backoff, re-login, same subscriptions, a gap")
    func reconnect() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let first = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)

        // A second subscription, kept with the first.
        async let subscribed: Void = client.subscribe(
            ESLSubscription(eventNames: ["BACKGROUND_JOB"], customSubclasses: ["callcenter::info"]))
        try await first.acceptSubscription("event plain BACKGROUND_JOB CUSTOM callcenter::info")
        try await subscribed

        let pending = Task { try await client.api("status") }
        #expect(try await first.nextCommand() == "api status")
        let event = try fixtureFrames("switchio/bgapi-originate-unsplit.txt")[2]
        try await first.send(bytes: Array(event[0..<700]))
        try await first.close()

        let lost = ESLDecodingError(.truncatedFrame(bytesMissing: event.count - 700), offset: 0)
        let pendingError = await #expect(throws: EventSocketError.self) { try await pending.value }
        guard case .connectionLost(.decodingFailed(let decoding)) = pendingError else {
            Issue.record("expected connectionLost(decodingFailed), got \(String(describing: pendingError))")
            return
        }
        #expect(decoding.kind == lost.kind)
        #expect(try await notes.require() == .disconnected(.decodingFailed(decoding)))

        // Attempt 1 is accepted and dropped at once; attempt 2 after twice the delay succeeds.
        #expect(try await notes.require() == .reconnecting(attempt: 1, delay: .milliseconds(10)))
        try await server.nextSession().close()
        #expect(try await notes.require() == .reconnecting(attempt: 2, delay: .milliseconds(20)))
        let third = try await server.nextSession()
        try await third.login()
        try await third.acceptSubscription()
        try await third.acceptSubscription("event plain BACKGROUND_JOB CUSTOM callcenter::info")
        guard case .reconnected(let gap) = try await notes.require() else {
            Issue.record("expected reconnected")
            return
        }
        #expect(gap >= .milliseconds(30))
        #expect(await client.subscriptions.count == 2)

        // The new connection works.
        async let status = client.api("status")
        #expect(try await third.nextCommand() == "api status")
        try await third.apiResponse("+OK\n")
        #expect(try await status.isOK)
        await client.close()
        await server.stop()
    }

    @Test("a disconnect notice then close: the reason carries the notice; linger notices pass up")
    func disconnectNotice() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(
            configuration: server.configuration(reconnect: .never))
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        try await session.send(
            "Content-Type: text/disconnect-notice\nControlled-Session-UUID: abc\nContent-Disposition: linger\nChannel-Name: sofia/x\nLinger-Time: -1\nContent-Length: 0\n\n"
        )
        guard case .lingerNotice(let linger) = try await notes.require() else {
            Issue.record("expected a linger notice")
            return
        }
        #expect(linger.isLinger && linger.controlledSessionUUID == "abc")
        let goodbye = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
        try await session.send("Content-Type: text/disconnect-notice\nContent-Length: 67\n\n\(goodbye)")
        try await session.close()
        let notice = ESLDisconnectNotice(disposition: nil, controlledSessionUUID: nil, text: goodbye)
        #expect(try await notes.require() == .disconnected(.closedByPeer(notice: notice)))
        #expect(try await notes.require() == .stopped(.connectionLost(.closedByPeer(notice: notice))))
        #expect(try await notes.next() == nil)
        await server.stop()
    }

    @Test("a disconnect notice FreeSWITCH does not follow with a close: the client closes at once and reconnects (no wait for the liveness timeout)")
    func disconnectNoticeWithoutClose() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration(livenessTimeout: .seconds(60)))
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        let goodbye = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
        try await session.send("Content-Type: text/disconnect-notice\nContent-Length: 67\n\n\(goodbye)")
        // The socket stays open on the fake's side; the client lets it go within a second.
        let notice = ESLDisconnectNotice(disposition: nil, controlledSessionUUID: nil, text: goodbye)
        #expect(try await notes.require(within: .seconds(2)) == .disconnected(.closedByPeer(notice: notice)))
        let again = try await server.nextSession()
        try await again.login()
        try await again.acceptSubscription()
        while true {
            if case .reconnected = try await notes.nextNonEvent() { break }
        }
        await client.close()
        await server.stop()
    }

    @Test("a peer sending garbage: a typed decoding error, no crash, the connection dropped")
    func garbage() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration(reconnect: .never))
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        let pending = Task { try await client.api("status") }
        #expect(try await session.nextCommand() == "api status")
        try await session.send("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html>")
        let expected = EventSocketError.connectionLost(
            .decodingFailed(ESLDecodingError(.malformedHeaderLine, offset: 0)))
        let error = await #expect(throws: EventSocketError.self) { try await pending.value }
        guard case .connectionLost(.decodingFailed(let decoding)) = error else {
            Issue.record("expected \(expected), got \(String(describing: error))")
            return
        }
        #expect(decoding.kind == .malformedHeaderLine)
        #expect(try await notes.require() == .disconnected(.decodingFailed(decoding)))
        #expect(try await notes.require() == .stopped(.connectionLost(.decodingFailed(decoding))))
        #expect(try await session.commands.next() == nil)  // the client closed the socket
        await server.stop()
    }

    @Test("an event frame whose body is not an event is skipped and reported, the stream goes on")
    func undecodableEvent() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        try await session.send("Content-Type: text/event-json\nContent-Length: 5\n\n[1,2]")
        guard case .undecodableFrame(let error) = try await notes.require() else {
            Issue.record("expected undecodableFrame")
            return
        }
        guard case .invalidJSON = error.kind else {
            Issue.record("expected invalidJSON, got \(error)")
            return
        }
        async let status = client.api("status")
        #expect(try await session.nextCommand() == "api status")
        try await session.apiResponse("+OK\n")
        #expect(try await status.isOK)
        await client.close()
        await server.stop()
    }

    @Test("a refused subscription is a typed error and is not kept")
    func subscriptionRejected() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration())
        let session = try await connect(client, to: server)
        let denied = Task { try await client.subscribe(ESLSubscription(eventNames: ["HEARTBEAT"])) }
        try await session.expect("event plain HEARTBEAT", reply: "-ERR permission denied")
        await #expect(
            throws: EventSocketError.commandRejected(
                what: "event", reply: ESLReply(text: "-ERR permission denied", jobUUID: nil))
        ) { try await denied.value }
        #expect(await client.subscriptions == [.all()])
        await client.close()
        await server.stop()
    }

    @Test("a bgapi waiting for its BACKGROUND_JOB fails with connectionLost; close() fails the rest")
    func pendingWorkOnLossAndClose() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration(), jobUUID: jobUUIDs(["job-9"]))
        let notes = collect(client)
        let first = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        let job = Task { try await client.bgapi("originate", "sofia/gateway/gw1/5551234 &park()") }
        try await first.expect(
            "bgapi originate sofia/gateway/gw1/5551234 &park()\nJob-UUID: job-9", reply: "+OK Job-UUID: job-9"
        )
        try await first.close()
        await #expect(throws: EventSocketError.connectionLost(.closedByPeer(notice: nil))) {
            try await job.value
        }
        #expect(try await notes.require() == .disconnected(.closedByPeer(notice: nil)))
        #expect(try await notes.require() == .reconnecting(attempt: 1, delay: .milliseconds(10)))

        // While reconnecting: commands fail at once, close() ends everything.
        await #expect(throws: EventSocketError.notConnected) { try await client.api("status") }
        let second = try await server.nextSession()
        try await second.send("Content-Type: auth/request\n\n")
        #expect(try await second.nextCommand() == "auth ClueCon")
        await client.close()
        #expect(try await notes.require() == .stopped(nil))
        #expect(try await notes.next() == nil)
        #expect(try await second.commands.next() == nil)
        await server.stop()
    }

    @Test("reconnecting gives up after maximumAttempts failures in a row, with growing delays")
    func reconnectGivesUp() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let policy = EventSocketReconnectPolicy(
            initialDelay: .milliseconds(5), maximumDelay: .milliseconds(15), multiplier: 2, maximumAttempts: 3
        )
        let client = EventSocketClient(configuration: server.configuration(reconnect: policy))
        let notes = collect(client)
        let first = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        try await first.close()
        #expect(try await notes.require() == .disconnected(.closedByPeer(notice: nil)))
        for (attempt, delay) in [(1, 5), (2, 10), (3, 15)] {
            #expect(try await notes.require() == .reconnecting(attempt: attempt, delay: .milliseconds(delay)))
            try await server.nextSession().close()
        }
        #expect(try await notes.require() == .stopped(.connectionLost(.closedByPeer(notice: nil))))
        #expect(try await notes.next() == nil)
        #expect(server.sessions.pending.isEmpty)
        await server.stop()
    }

    @Test("backoff on an injected clock: real delays, no waiting, the exact gap reported")
    func backoffOnManualClock() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let clock = ManualClock()
        let policy = EventSocketReconnectPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(30))
        let client = EventSocketClient(configuration: server.configuration(reconnect: policy), clock: clock)
        let notes = collect(client)
        let first = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        try await first.close()
        #expect(try await notes.require() == .disconnected(.closedByPeer(notice: nil)))
        #expect(try await notes.require() == .reconnecting(attempt: 1, delay: .milliseconds(500)))
        try await clock.waitForSleep(of: .milliseconds(500))
        #expect(server.sessions.pending.isEmpty)  // nothing before the delay has passed
        clock.advance(by: .milliseconds(500))
        try await server.nextSession().close()
        #expect(try await notes.require() == .reconnecting(attempt: 2, delay: .seconds(1)))
        try await clock.waitForSleep(of: .seconds(1))
        clock.advance(by: .seconds(1))
        let third = try await server.nextSession()
        try await third.login()
        try await third.acceptSubscription()
        #expect(try await notes.require() == .reconnected(gap: .milliseconds(1500)))
        await client.close()
        await server.stop()
    }

    @Test("a frame over the configured size cap drops the connection with bodyTooLarge")
    func sizeCap() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        var configuration = server.configuration(reconnect: .never)
        configuration.limits = ESLDecoder.Limits(maxHeaderBlockBytes: 4096, maxBodyBytes: 1000)
        let client = EventSocketClient(configuration: configuration)
        let notes = collect(client)
        let session = try await connect(client, to: server)
        #expect(try await notes.require() == .connected)
        let pending = Task { try await client.api("show", "channels") }
        #expect(try await session.nextCommand() == "api show channels")
        try await session.send("Content-Type: api/response\nContent-Length: 1001\n\n")
        let error = await #expect(throws: EventSocketError.self) { try await pending.value }
        guard case .connectionLost(.decodingFailed(let decoding)) = error else {
            Issue.record("expected connectionLost(decodingFailed), got \(String(describing: error))")
            return
        }
        #expect(decoding.kind == .bodyTooLarge(contentLength: 1001, limit: 1000))
        #expect(try await notes.require() == .disconnected(.decodingFailed(decoding)))
        #expect(try await notes.require() == .stopped(.connectionLost(.decodingFailed(decoding))))
        await server.stop()
    }

    @Test("the neventsocket capture replayed as the server's side: login, subscribe, failed originate")
    func replayCapture() async throws {
        let ours = "11111111-2222-4333-8444-555555555555"
        let captured = "43e14ab9-38b1-4187-9f08-e13f35136bb2"
        let frames = try fixtureFrames("neventsocket/inbound-auth-bgapi-originate-fail.txt")
        #expect(frames.count == 5)
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration(), jobUUID: jobUUIDs([ours]))
        let connected = Task { try await client.connect() }
        let session = try await server.nextSession()
        try await session.send(bytes: frames[0])  // auth/request
        #expect(try await session.nextCommand() == "auth ClueCon")
        try await session.send(bytes: frames[1])  // +OK accepted
        #expect(try await session.nextCommand() == "event plain ALL")
        try await session.send(bytes: frames[2])  // +OK event listener enabled plain
        try await connected.value
        let job = Task {
            try await client.bgapi("originate", "sofia/external/1000@10.10.10.108:5070 &park()")
        }
        #expect(try await session.nextCommand().hasSuffix("\nJob-UUID: \(ours)"))
        try await session.send(bytes: replacing(captured, with: ours, in: frames[3] + frames[4]))
        let result = try await job.value
        #expect(result.jobCommand == "originate")
        #expect(
            result.backgroundJobResult == ESLReply(text: "-ERR RECOVERY_ON_TIMER_EXPIRE\n", jobUUID: ours))
        await client.close()
        await server.stop()
    }

    @Test("cancelling a caller ends its wait; the command keeps its place in the FIFO")
    func cancellation() async throws {
        let server = try await FakeFreeSWITCH.start(mode: .manual)
        let client = EventSocketClient(configuration: server.configuration(), jobUUID: jobUUIDs(["job-c"]))
        let notes = collect(client)
        let session = try await connect(client, to: server)
        let slow = Task { try await client.api("show", "calls") }
        #expect(try await session.nextCommand() == "api show calls")
        slow.cancel()
        await #expect(throws: EventSocketError.cancelled) { try await slow.value }

        let job = Task { try await client.bgapi("status") }
        #expect(try await session.nextCommand() == "bgapi status\nJob-UUID: job-c")
        try await session.apiResponse("0 total.\n")  // owed to the cancelled `show calls`
        try await session.send(
            "Content-Type: command/reply\nReply-Text: +OK Job-UUID: job-c\nJob-UUID: job-c\n\n")
        job.cancel()
        await #expect(throws: EventSocketError.cancelled) { try await job.value }
        // A BACKGROUND_JOB nobody waits for still goes up as an event.
        let background = try fixtureFrames("neventsocket/inbound-auth-bgapi-originate-fail.txt")[4]
        try await session.send(bytes: background)
        #expect(try await notes.nextEvent().eventName == "BACKGROUND_JOB")

        async let version = client.api("version")
        #expect(try await session.nextCommand() == "api version")
        try await session.apiResponse("FreeSWITCH Version 1.10.12\n")
        #expect(try await version.text == "FreeSWITCH Version 1.10.12")
        await client.close()
        await server.stop()
    }
}
