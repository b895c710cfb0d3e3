import EventSocket
import EventSocketClient
import NIOCore
import Synchronization

/// One accepted connection of a `FakeFreeSWITCH` started `.manual`: the test plays FreeSWITCH's
/// side line by line (it sends frames and reads commands).
public final class FakeSession: Sendable {
    public let channel: any Channel
    /// Commands received, without their final blank line (`auth ClueCon`, `api status`, ...).
    public let commands = TestQueue<String>("command from the client")

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Sends `text` as is.
    public func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    /// Sends `bytes` as is.
    public func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// The next command the client sent.
    public func nextCommand() async throws -> String {
        try await commands.require()
    }

    /// Closes the socket.
    public func close() async throws {
        try? await channel.close()
    }

    /// Plays FreeSWITCH's side of a login: auth/request, expects `auth <password>`, accepts.
    public func login(password: String = "ClueCon") async throws {
        try await send("Content-Type: auth/request\n\n")
        let command = try await nextCommand()
        guard command == "auth \(password)" else { throw UnexpectedCommand(expected: "auth \(password)", received: command) }
        try await send("Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
    }

    /// Expects `command` and replies with a command/reply of `replyText`.
    public func expect(_ command: String, reply replyText: String) async throws {
        let received = try await nextCommand()
        guard received == command else { throw UnexpectedCommand(expected: command, received: received) }
        try await send("Content-Type: command/reply\nReply-Text: \(replyText)\n\n")
    }

    /// Expects the subscription `event plain ALL` and accepts it.
    public func acceptSubscription(_ command: String = "event plain ALL") async throws {
        try await expect(command, reply: "+OK event listener enabled plain")
    }

    /// Sends a HEARTBEAT event (event-plain, as FreeSWITCH sends it every 20 s by default).
    public func heartbeat(sequence: Int = 1) async throws {
        let body = "Event-Name: HEARTBEAT\nCore-UUID: fake-core\nEvent-Sequence: \(sequence)\nUp-Time: 0%20years\n\n"
        try await send("Content-Length: \(body.utf8.count)\nContent-Type: text/event-plain\n\n\(body)")
    }

    /// Sends an api/response with `body`.
    public func apiResponse(_ body: String) async throws {
        try await send("Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)")
    }
}

/// Pushes each command into the session's queue; finishes it when the client goes away.
final class CommandCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = String
    let commands: TestQueue<String>

    init(_ commands: TestQueue<String>) {
        self.commands = commands
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        commands.push(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        commands.finish()
        context.fireChannelInactive()
    }
}

// MARK: - Client helpers

/// The client's notifications, collected into a queue the test awaits.
public func collect(_ client: EventSocketClient) -> TestQueue<EventSocketNotification> {
    let queue = TestQueue<EventSocketNotification>("client notification")
    let stream = client.notifications
    Task {
        for await notification in stream { queue.push(notification) }
        queue.finish()
    }
    return queue
}

extension TestQueue where Element == EventSocketNotification {
    /// The next notification that is not an event.
    public func nextNonEvent() async throws -> EventSocketNotification {
        while true {
            let notification = try await require()
            if case .event = notification { continue }
            return notification
        }
    }

    /// The next event notification, other notifications skipped.
    public func nextEvent() async throws -> ESLEvent {
        while true {
            if case .event(let event) = try await require() { return event }
        }
    }
}

/// Connects `client` to `server`, playing the login and the `event plain ALL` subscription.
/// Returns the server's session.
public func connect(_ client: EventSocketClient, to server: FakeFreeSWITCH) async throws -> FakeSession {
    async let connected: Void = client.connect()
    let session = try await server.nextSession()
    try await session.login()
    try await session.acceptSubscription()
    try await connected
    return session
}


/// Thrown when the client sent another command than the one the test expected.
public struct UnexpectedCommand: Error, CustomStringConvertible {
    public var expected: String
    public var received: String
    public var description: String { "expected the command \"\(expected)\", received \"\(received)\"" }
}
