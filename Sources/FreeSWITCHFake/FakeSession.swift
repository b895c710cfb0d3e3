import EventSocket
import EventSocketClient
import NIOCore
import NIOPosix
import Synchronization
import Testing

// MARK: - A queue to wait on, with a deadline

/// Thrown when a test waited too long: the test fails instead of hanging.
struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A FIFO filled by one side (the fake server, the client's notifications) and awaited by
/// the test, each wait bounded by a deadline. No fixed sleeps: a wait ends as soon as the
/// element is there.
final class TestQueue<Element: Sendable>: Sendable {
    private enum Outcome { case element(Element), finished, timedOut }
    private struct State {
        var buffer: [Element] = []
        var finished = false
        var waiter: (id: Int, continuation: CheckedContinuation<Outcome, Never>)?
        var nextID = 0
    }
    private let state = Mutex(State())
    let name: String

    init(_ name: String) {
        self.name = name
    }

    /// Adds `element`, waking the waiter if there is one.
    func push(_ element: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: .element(element))
    }

    /// No more elements will come.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: .finished)
    }

    /// Elements buffered and not yet taken.
    var pending: [Element] { state.withLock { $0.buffer } }

    /// True once `finish()` was called and every element taken.
    var isFinishedAndEmpty: Bool { state.withLock { $0.finished && $0.buffer.isEmpty } }

    /// The next element; nil when the queue is finished. Throws `TestTimeout` after `limit`.
    func next(within limit: Duration = .seconds(10)) async throws -> Element? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task {
            try await Task.sleep(for: limit)
            let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: .timedOut)
        }
        defer { timer.cancel() }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let now = state.withLock { state -> Outcome? in
                if !state.buffer.isEmpty { return .element(state.buffer.removeFirst()) }
                if state.finished { return .finished }
                state.waiter = (id, continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
        switch outcome {
        case .element(let element): return element
        case .finished: return nil
        case .timedOut: throw TestTimeout(what: name)
        }
    }

    /// The next element, which must come (a finished queue is a test failure).
    func require(within limit: Duration = .seconds(10)) async throws -> Element {
        guard let element = try await next(within: limit) else {
            throw TestTimeout(what: "\(name) (ended)")
        }
        return element
    }
}

// MARK: - The fake FreeSWITCH

/// A loopback stand-in for FreeSWITCH's event socket (127.0.0.1, a free port). Each accepted
/// connection becomes a `FakeSession` the test scripts: it sends frames and reads commands.
final class FakeFreeSWITCH: Sendable {
    let port: Int
    let sessions: TestQueue<FakeSession>
    private let channel: any Channel

    private init(channel: any Channel, port: Int, sessions: TestQueue<FakeSession>) {
        self.channel = channel
        self.port = port
        self.sessions = sessions
    }

    /// Starts listening.
    static func start() async throws -> FakeFreeSWITCH {
        let sessions = TestQueue<FakeSession>("fake FreeSWITCH connection")
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let session = FakeSession(channel: channel)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CommandDecoder()))
                    try channel.pipeline.syncOperations.addHandler(CommandCollector(session.commands))
                    sessions.push(session)
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(channel.localAddress?.port)
        return FakeFreeSWITCH(channel: channel, port: port, sessions: sessions)
    }

    /// The next connection the client makes.
    func nextSession() async throws -> FakeSession {
        try await sessions.require()
    }

    /// Stops listening.
    func stop() async throws {
        try await channel.close()
    }

    /// A client configuration for this server: password `ClueCon`, fast timeouts and backoff,
    /// the default liveness timeout (60 s: no test waits that long) unless one is given.
    func configuration(
        subscriptions: [ESLSubscription] = [.all()], commandTimeout: Duration = .seconds(5),
        reconnect: EventSocketReconnectPolicy = EventSocketReconnectPolicy(
            initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40), multiplier: 2),
        livenessTimeout: Duration? = .seconds(60)
    ) -> EventSocketConfiguration {
        EventSocketConfiguration(
            host: "127.0.0.1", port: port, password: ESLPassword("ClueCon"), subscriptions: subscriptions,
            connectTimeout: .seconds(2), commandTimeout: commandTimeout, jobTimeout: .seconds(5),
            reconnect: reconnect, livenessTimeout: livenessTimeout)
    }
}

/// One accepted connection of the fake FreeSWITCH.
final class FakeSession: Sendable {
    let channel: any Channel
    /// Commands received, without their final blank line (`auth ClueCon`, `api status`, ...).
    let commands = TestQueue<String>("command from the client")

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Sends `text` as is.
    func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    /// Sends `bytes` as is.
    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// The next command the client sent.
    func nextCommand() async throws -> String {
        try await commands.require()
    }

    /// Closes the socket.
    func close() async throws {
        try? await channel.close()
    }

    /// Plays FreeSWITCH's side of a login: auth/request, expects `auth <password>`, accepts.
    func login(password: String = "ClueCon") async throws {
        try await send("Content-Type: auth/request\n\n")
        let command = try await nextCommand()
        #expect(command == "auth \(password)")
        try await send("Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
    }

    /// Expects `command` and replies with a command/reply of `replyText`.
    func expect(_ command: String, reply replyText: String) async throws {
        let received = try await nextCommand()
        #expect(received == command)
        try await send("Content-Type: command/reply\nReply-Text: \(replyText)\n\n")
    }

    /// Expects the subscription `event plain ALL` and accepts it.
    func acceptSubscription(_ command: String = "event plain ALL") async throws {
        try await expect(command, reply: "+OK event listener enabled plain")
    }

    /// Sends a HEARTBEAT event (event-plain, as FreeSWITCH sends it every 20 s by default).
    func heartbeat(sequence: Int = 1) async throws {
        let body = "Event-Name: HEARTBEAT\nCore-UUID: fake-core\nEvent-Sequence: \(sequence)\nUp-Time: 0%20years\n\n"
        try await send("Content-Length: \(body.utf8.count)\nContent-Type: text/event-plain\n\n\(body)")
    }

    /// Sends an api/response with `body`.
    func apiResponse(_ body: String) async throws {
        try await send("Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)")
    }
}

/// Splits what the client writes into commands at the blank line that ends each.
struct CommandDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard
            let end = view.indices.first(where: {
                $0 + 1 < view.endIndex && view[$0] == 0x0A && view[$0 + 1] == 0x0A
            })
        else { return .needMoreData }
        let length = end - view.startIndex
        let text = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(Self.wrapInboundOut(text))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
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
func collect(_ client: EventSocketClient) -> TestQueue<EventSocketNotification> {
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
    func nextNonEvent() async throws -> EventSocketNotification {
        while true {
            let notification = try await require()
            if case .event = notification { continue }
            return notification
        }
    }

    /// The next event notification, other notifications skipped.
    func nextEvent() async throws -> ESLEvent {
        while true {
            if case .event(let event) = try await require() { return event }
        }
    }
}

/// Connects `client` to `server`, playing the login and the `event plain ALL` subscription.
/// Returns the server's session.
func connect(_ client: EventSocketClient, to server: FakeFreeSWITCH) async throws -> FakeSession {
    async let connected: Void = client.connect()
    let session = try await server.nextSession()
    try await session.login()
    try await session.acceptSubscription()
    try await connected
    return session
}

// MARK: - A clock the test moves

/// A clock whose time moves only when the test calls `advance(by:)`: backoff delays of
/// seconds run instantly and the gap the client reports is exact. Each sleep's length is
/// pushed to `sleeps` when it starts, so the test knows when the client is waiting.
final class ManualClock: Clock, Sendable {
    /// A point in the clock's time: the duration since its start.
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        var nextID = 0
    }
    private let state = Mutex(State())
    /// The length of each sleep, pushed when it starts.
    let sleeps = TestQueue<Duration>("a sleep on the manual clock")

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<Void, any Error>) in
                enum Start { case now, cancelled, later(Duration) }
                let start = state.withLock { state -> Start in
                    if state.cancelled.remove(id) != nil { return .cancelled }
                    if deadline <= state.now { return .now }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return .later(state.now.duration(to: deadline))
                }
                switch start {
                case .now: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .later(let length): sleeps.push(length)
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration`, waking every sleep that is due.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits until a sleep of exactly `length` starts (other sleeps, such as command timers,
    /// are skipped).
    func waitForSleep(of length: Duration) async throws {
        while try await sleeps.require() != length {}
    }
}
