import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

// MARK: - The HTTP interface (the patent's fourth activity)

/// A request the HTTP interface passes on once it is authorised: method, path (query removed)
/// and body.
public struct LiveHTTPRequest: Sendable {
    /// `GET`, `POST`, ...
    public var method: String
    /// The path, without the query string (`/status`).
    public var path: String
    /// The body (at most `LiveHTTPServer.Limits.body` bytes).
    public var body: [UInt8]
}

/// A response: a status code and a JSON body.
public struct LiveHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The body, JSON.
    public var json: [UInt8]

    /// A response with `status` and the JSON `json`.
    public init(status: Int, json: [UInt8]) {
        self.status = status
        self.json = json
    }

    /// A response whose body is `value` encoded as JSON (keys sorted).
    public static func encoding(_ value: some Encodable, status: Int = 200) -> LiveHTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return LiveHTTPResponse(status: status, json: Array(try encoder.encode(value)))
        } catch {
            return LiveHTTPResponse(status: 500, json: Array(#"{"error":"the response could not be encoded"}"#.utf8))
        }
    }

    /// `{"error": message}` with `status`.
    public static func error(_ status: Int, _ message: String) -> LiveHTTPResponse {
        encoding(["error": message], status: status)
    }
}

/// A small HTTP/1.1 server on SwiftNIO for the live runner's control interface: it listens on
/// loopback by default, requires `Authorization: Bearer <token>` on every request (compared in
/// constant time; 401 with a JSON error otherwise), caps the header block and the body and the
/// time a connection may take, answers malformed requests with 400 and closes every connection
/// after one response.
public final class LiveHTTPServer: Sendable {
    /// Size caps on what a client may send.
    public struct Limits: Sendable {
        /// The request line and headers together, in bytes (431 beyond).
        public var header: Int = 8 * 1024
        /// The body, in bytes (413 beyond).
        public var body: Int = 64 * 1024
        /// How long one connection may take, from accept to response (a client that sends
        /// nothing, or too slowly, is cut off).
        public var connectionTimeout: Duration = .seconds(10)
        /// Default caps: 8 KiB of headers, 64 KiB of body, 10 s per connection.
        public init() {}
    }

    /// The port it listens on (the one chosen by the system when 0 was asked for).
    public let port: Int
    /// The address it listens on.
    public let host: String
    private let channel: any Channel
    private let serving: Task<Void, Never>

    private init(host: String, port: Int, channel: any Channel, serving: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.channel = channel
        self.serving = serving
    }

    /// Starts listening on `host`:`port` (0: any free port). Requests that carry `token` go to
    /// `handler`; the others get 401.
    /// - Throws: a NIO error when the address cannot be bound.
    public static func start(
        host: String = "127.0.0.1", port: Int, token: LiveSecret, limits: Limits = Limits(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping @Sendable (LiveHTTPRequest) async -> LiveHTTPResponse
    ) async throws -> LiveHTTPServer {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let channel = server.channel
        let bound = channel.localAddress?.port ?? port
        let serving = Task<Void, Never> {
            _ = try? await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in inbound {
                            group.addTask {
                                await serve(connection, token: token, limits: limits, handler: handler)
                            }
                        }
                    } catch {
                        // The listening socket closed: stop accepting.
                    }
                }
            }
        }
        return LiveHTTPServer(host: host, port: bound, channel: channel, serving: serving)
    }

    /// Stops listening and waits for the connections being served to finish.
    public func stop() async {
        try? await channel.close()
        await serving.value
    }

    /// One connection: one request, one response, then close.
    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, token: LiveSecret,
        limits: Limits, handler: @Sendable (LiveHTTPRequest) async -> LiveHTTPResponse
    ) async {
        let channel = connection.channel
        let watchdog = Task {
            try? await Task.sleep(for: limits.connectionTimeout)
            if !Task.isCancelled { try? await channel.close() }
        }
        defer { watchdog.cancel() }
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var response: LiveHTTPResponse?
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    if headerSize(h) > limits.header {
                        response = .error(431, "the request's headers are larger than \(limits.header) bytes")
                    }
                case .body(let buffer):
                    guard response == nil else { break }
                    if body.count + buffer.readableBytes > limits.body {
                        response = .error(413, "the request's body is larger than \(limits.body) bytes")
                    } else {
                        body += buffer.readableBytesView
                    }
                case .end:
                    if response == nil, let head {
                        response = await answer(head, body: body, token: token, handler: handler)
                    }
                }
                if let response {
                    try await write(response, to: outbound, keepVersion: head?.version)
                    return
                }
            }
        }
    }

    /// Authorisation first, then the handler.
    private static func answer(
        _ head: HTTPRequestHead, body: [UInt8], token: LiveSecret,
        handler: @Sendable (LiveHTTPRequest) async -> LiveHTTPResponse
    ) async -> LiveHTTPResponse {
        let authorizations = head.headers[canonicalForm: "authorization"]
        guard authorizations.count == 1, let value = authorizations.first, value.count > 7,
            value.prefix(7).lowercased() == "bearer ", token.matches(value.dropFirst(7))
        else {
            return .error(401, "missing or wrong bearer token (Authorization: Bearer <token>)")
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return await handler(LiveHTTPRequest(method: head.method.rawValue, path: path, body: body))
    }

    private static func headerSize(_ head: HTTPRequestHead) -> Int {
        head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }

    private static func write(
        _ response: LiveHTTPResponse, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        keepVersion: HTTPVersion?
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(response.json.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        let head = HTTPResponseHead(
            version: keepVersion ?? .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        try await outbound.write(.head(head))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.json))))
        try await outbound.write(.end(nil))
    }
}
