import EventSocket
import NIOCore
import NIOPosix

/// What one connection's pipeline reports to the client, in order.
enum ConnectionSignal: Sendable {
    /// The frames decoded from one read of the socket, in order.
    case frames([ESLFrame])
    /// The stream was not ESL; the channel is being closed.
    case decodingFailed(ESLDecodingError)
    /// A socket error; the channel is being closed.
    case ioError(String)
}

/// The last handler of a client connection's pipeline: passes frames and errors to the client
/// through an `AsyncStream` and ends the stream when the channel goes inactive. It never blocks
/// the event loop on the client's work (the stream buffers), as mes.c requires of a reader.
/// The frames of one socket read go as one batch (at `channelReadComplete`): one hand-over to
/// the client per read rather than per event, which under load is most of the cost of the path.
final class ESLConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ESLFrame

    private let continuation: AsyncStream<ConnectionSignal>.Continuation
    private var pending: [ESLFrame] = []

    init(_ continuation: AsyncStream<ConnectionSignal>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending.append(Self.unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        continuation.yield(.frames(pending))
        pending.removeAll(keepingCapacity: true)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        flush()
        if let error = error as? ESLDecodingError {
            continuation.yield(.decodingFailed(error))
        } else {
            continuation.yield(.ioError(String(describing: error)))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush()
        continuation.finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        flush()
        continuation.finish()
    }
}

/// One TCP connection: its channel and the stream of what it reads.
struct ESLConnection: Sendable {
    let channel: any Channel
    let signals: AsyncStream<ConnectionSignal>

    /// Connects to `host:port` with the ESL pipeline (frame decoder with `limits`, handler).
    static func open(
        host: String, port: Int, limits: ESLDecoder.Limits, connectTimeout: Duration,
        group: any EventLoopGroup
    ) async throws(EventSocketError) -> ESLConnection {
        let (signals, continuation) = AsyncStream<ConnectionSignal>.makeStream()
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(ESLFrameDecoder(limits: limits)))
                        try channel.pipeline.syncOperations.addHandler(ESLConnectionHandler(continuation))
                    }
                }
                .connect(host: host, port: port)
                .get()
            return ESLConnection(channel: channel, signals: signals)
        } catch {
            continuation.finish()
            throw .connectFailed(host: host, port: port, reason: String(describing: error))
        }
    }

    /// Writes `bytes` and flushes; the order of calls is the order on the wire.
    func write(_ bytes: [UInt8]) {
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
    }

    /// Closes the socket (idempotent).
    func close() {
        channel.close(promise: nil)
    }
}
