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

    /// A request, by name.
    public init(method: String, path: String, body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.body = body
    }
}

/// A response: a status code and a body (JSON, or Prometheus' text format for `/metrics`).
public struct LiveHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The body.
    public var body: [UInt8]
    /// The body's media type.
    public var contentType: String

    /// A response with `status` and the JSON `json`.
    public init(status: Int, json: [UInt8]) {
        self.status = status
        body = json
        contentType = "application/json"
    }

    /// A 200 response in Prometheus' text exposition format (version 0.0.4).
    public static func prometheus(_ text: String) -> LiveHTTPResponse {
        var response = LiveHTTPResponse(status: 200, json: Array(text.utf8))
        response.contentType = "text/plain; version=0.0.4; charset=utf-8"
        return response
    }

    /// A response whose body is `value` encoded as JSON (keys sorted).
    public static func encoding(_ value: some Encodable, status: Int = 200) -> LiveHTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
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
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        let head = HTTPResponseHead(
            version: keepVersion ?? .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        try await outbound.write(.head(head))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        try await outbound.write(.end(nil))
    }
}

// MARK: - Routes

/// One route of the HTTP interface: a method and a path whose segments are literal or `{id}`
/// (any one segment).
public struct LiveHTTPRoute: Hashable, Sendable, Codable {
    /// `GET` or `POST`.
    public var method: String
    /// `/status`, `/callbacks/{id}/done`, ...
    public var path: String

    /// The route `method` `path`.
    public init(_ method: String, _ path: String) {
        self.method = method
        self.path = path
    }

    /// Whether `path` (a request's) fits this route's pattern.
    public func matches(_ path: String) -> Bool {
        let pattern = self.path.split(separator: "/", omittingEmptySubsequences: false)
        let given = path.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == given.count else { return false }
        return zip(pattern, given).allSatisfy { expected, actual in
            expected == "{id}" ? !actual.isEmpty : expected == actual
        }
    }
}

/// A live runner's part of the HTTP interface: its routes and its answers, and its share of
/// `GET /metrics`.
public protocol LiveHTTPRoutes: Sendable {
    /// The routes it answers.
    var routes: [LiveHTTPRoute] { get }
    /// The response to an authorised request whose method and path match one of `routes`.
    func respond(to request: LiveHTTPRequest) async -> LiveHTTPResponse
    /// Its metrics now, in Prometheus' text format (`LiveMetrics`); none by default.
    func metrics() async -> LiveMetrics
}

extension LiveHTTPRoutes {
    public func metrics() async -> LiveMetrics { LiveMetrics() }
}

/// Metrics in Prometheus' text exposition format: each family's `# HELP` and `# TYPE` lines,
/// then its samples.
public struct LiveMetrics: Sendable {
    /// The text so far.
    public private(set) var text = ""

    /// No metrics yet.
    public init() {}

    /// Adds the family `name` (`counter` or `gauge`) with `samples`: label pairs and a value.
    public mutating func add(
        _ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]
    ) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for sample in samples {
            let labels = sample.labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
            text += name + (labels.isEmpty ? "" : "{\(labels)}") + " " + Self.format(sample.value) + "\n"
        }
    }

    /// Adds the family `name` with one sample.
    public mutating func add(_ name: String, _ type: String, _ help: String, labels: [(String, String)] = [], _ value: Double) {
        add(name, type, help, [(labels, value)])
    }

    /// These metrics followed by `other`'s.
    public mutating func append(_ other: LiveMetrics) { text += other.text }

    /// A label value with `\`, `"` and line feeds escaped.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Where the HTTP interface listens, and its token.
public struct LiveHTTPOptions: Sendable {
    /// The address to listen on: loopback by default.
    public var host: String = "127.0.0.1"
    /// The port (0: any free port, see `LiveHTTPServer.port`).
    public var port: Int
    /// The bearer token every request must carry.
    public var token: LiveSecret
    /// Size caps on requests.
    public var limits = LiveHTTPServer.Limits()

    /// An interface on `host`:`port` requiring `token`.
    public init(host: String = "127.0.0.1", port: Int, token: LiveSecret) {
        self.host = host
        self.port = port
        self.token = token
    }
}

extension LiveHTTPServer {
    /// Starts the interface of `options` serving the routes of `parts`, in order (the first part
    /// whose route matches answers): `GET /` lists every route; a path no part has gets 404, a
    /// known path with another method 405.
    /// - Throws: `LiveRunnerError` when the address cannot be bound.
    public static func start(
        _ options: LiveHTTPOptions, serving parts: [any LiveHTTPRoutes],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(LiveRunnerError) -> LiveHTTPServer {
        do {
            return try await start(host: options.host, port: options.port, token: options.token, limits: options.limits, group: group) {
                request in await route(request, to: parts)
            }
        } catch {
            throw LiveRunnerError("cannot listen for HTTP on \(options.host):\(options.port): \(error)")
        }
    }

    /// The answer of `parts` to `request`.
    static func route(_ request: LiveHTTPRequest, to parts: [any LiveHTTPRoutes]) async -> LiveHTTPResponse {
        if request.path == "/" {
            guard request.method == "GET" else { return .error(405, "/ accepts GET only") }
            return .encoding(["routes": ["GET /metrics"] + parts.flatMap(\.routes).map { "\($0.method) \($0.path)" }])
        }
        if request.path == "/metrics" {
            guard request.method == "GET" else { return .error(405, "/metrics accepts GET only") }
            var metrics = LiveMetrics()
            for part in parts { metrics.append(await part.metrics()) }
            return .prometheus(metrics.text)
        }
        var methods: [String] = []
        for part in parts {
            for route in part.routes where route.matches(request.path) {
                if route.method == request.method { return await part.respond(to: request) }
                methods.append(route.method)
            }
        }
        guard methods.isEmpty else {
            return .error(405, "\(request.path.prefix(100)) accepts \(methods.joined(separator: ", ")) only")
        }
        return .error(404, "no such resource: \(request.path.prefix(100))")
    }
}
