import EventSocket
import EventSocketClient
import Foundation
import LiveRunner
import NIOCore
import NIOPosix
import Synchronization

/// The whole live input path over a real socket, for `simcc bench --esl`: a loopback server
/// plays FreeSWITCH (login, subscription) and then writes typical channel events as fast as the
/// socket takes them; they go through SwiftNIO, the `EventSocketClient` (framing, decoding,
/// notifications) and the hop into one actor, as `LiveCenter` reads them. The stage benchmarks
/// measure decoding, translation and the dispatcher on one core without I/O; this one measures
/// what they leave out (the socket, the event loop, the actor hop), with both of the machine's
/// cores free to run the event loop and the actor.
public enum LiveLoopBenchmark {
    /// What a run measured.
    public struct Result: Sendable {
        /// Events the member received.
        public var events: Int
        /// Seconds from the first event written to the last one received.
        public var seconds: Double
        /// Events per second.
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// Sends about `count` channel events through the path and times them.
    /// - Throws: when the loopback server or the session cannot start.
    public static func run(count: Int) async throws -> Result {
        let (chunk, perChunk) = ESLBenchmark.channelEventStream(eventsPerChunk: 1000)
        let chunks = max(1, count / perChunk)
        let total = chunks * perChunk
        let endBody = "Event-Name: CUSTOM\nEvent-Subclass: simcc%3A%3Abench-end\n\n"
        let end = Array("Content-Length: \(endBody.utf8.count)\nContent-Type: text/event-plain\n\n\(endBody)".utf8)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(BenchCommandDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        BenchServerHandler(payload: chunk, repeats: chunks, end: end))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = server.localAddress?.port ?? 0
        let configuration = EventSocketConfiguration(
            host: "127.0.0.1", port: port, password: ESLPassword("bench"), livenessTimeout: nil)
        var socket = configuration
        socket.subscriptions = [LiveCenter.subscription]
        let client = EventSocketClient(configuration: socket)
        let counter = BenchCounter()
        let notifications = client.notifications
        let listener = Task { for await notification in notifications { await counter.hear(notification) } }
        let start = ContinuousClock.now
        try await client.connect()
        await counter.waitForEnd()
        let elapsed = start.duration(to: .now)
        await client.close()
        await listener.value
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(events: min(total, await counter.events), seconds: seconds)
    }
}

/// Counts the events it hears until the end marker.
private actor BenchCounter {
    private(set) var events = 0
    private var ended = false
    private var waiter: CheckedContinuation<Void, Never>?

    func hear(_ notification: EventSocketNotification) {
        guard case .event(let event) = notification else { return }
        if event.eventName == "CUSTOM" {
            ended = true
            waiter?.resume()
            waiter = nil
        } else {
            events += 1
        }
    }

    func waitForEnd() async {
        if ended { return }
        await withCheckedContinuation { waiter = $0 }
    }
}

/// Splits what the client writes into commands at the blank line that ends each.
private struct BenchCommandDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let end = view.indices.first(where: { $0 + 1 < view.endIndex && view[$0] == 0x0A && view[$0 + 1] == 0x0A })
        else { return .needMoreData }
        let text = buffer.readString(length: end - view.startIndex) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(Self.wrapInboundOut(text))
        return .continue
    }
}

/// FreeSWITCH for the benchmark: accepts any password and subscription, answers `api` with an
/// error, and after the first subscription writes the payload `repeats` times, then `end`.
private final class BenchServerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    let payload: [UInt8]
    let repeats: Int
    let end: [UInt8]
    private let sent = Mutex(false)

    init(payload: [UInt8], repeats: Int, end: [UInt8]) {
        self.payload = payload
        self.repeats = repeats
        self.end = end
    }

    func channelActive(context: ChannelHandlerContext) {
        write("Content-Type: auth/request\n\n", context)
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let command = Self.unwrapInboundIn(data)
        if command.hasPrefix("auth ") {
            write("Content-Type: command/reply\nReply-Text: +OK accepted\n\n", context)
        } else if command.hasPrefix("event ") {
            write("Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n", context)
            let first = sent.withLock { done in
                defer { done = true }
                return !done
            }
            if first { stream(context) }
        } else {
            write("Content-Type: api/response\nContent-Length: 4\n\n-ERR", context)
        }
        context.flush()
    }

    /// Writes the payload, waiting for each write before the next so that memory stays flat.
    private func stream(_ context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(bytes: payload)
        let end = context.channel.allocator.buffer(bytes: self.end)
        let channel = context.channel
        @Sendable func send(_ left: Int) {
            guard left > 0 else {
                channel.writeAndFlush(end, promise: nil)
                return
            }
            channel.writeAndFlush(buffer).whenSuccess { send(left - 1) }
        }
        send(repeats)
    }

    private func write(_ text: String, _ context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }
}
