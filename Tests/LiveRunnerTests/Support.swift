import CallCenter
import FreeSWITCHFake
import LiveRunner
import LiveTestSupport
import NIOCore
import NIOPosix
import Synchronization

// Helpers of the live tests (the fake FreeSWITCH, `TestQueue` and `eventually` are in the
// test-support module FreeSWITCHFake).

/// A log that keeps every line.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
}

// MARK: - A raw HTTP client

/// Sends `request` as is to 127.0.0.1:`port` and returns everything the server sent until it
/// closed the connection.
func rawHTTP(port: Int, _ request: [UInt8]) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await withThrowingTaskGroup(of: String.self) { group in
        group.addTask {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: request))
                var received: [UInt8] = []
                do {
                    for try await buffer in inbound { received += buffer.readableBytesView }
                } catch {
                    // A reset after the response: keep what came.
                }
                return String(decoding: received, as: UTF8.self)
            }
        }
        group.addTask {
            try await Task.sleep(for: .seconds(10))
            throw TestTimeout(what: "an HTTP response")
        }
        let first = try await group.next() ?? ""
        group.cancelAll()
        return first
    }
}

/// A request with `method`, `path`, optional bearer `token` and `body`.
func httpRequest(_ method: String, _ path: String, token: String?, body: String = "", extraHeaders: String = "") -> [UInt8] {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
    if let token { text += "Authorization: Bearer \(token)\r\n" }
    text += extraHeaders
    text += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    return Array(text.utf8)
}

/// The status code and body of a raw response.
func parseResponse(_ text: String) -> (status: Int, body: String) {
    let parts = text.components(separatedBy: "\r\n\r\n")
    let statusLine = parts.first?.split(separator: "\r\n").first ?? ""
    let words = statusLine.split(separator: " ")
    let status = words.count > 1 ? Int(words[1]) ?? 0 : 0
    return (status, parts.dropFirst().joined(separator: "\r\n\r\n"))
}

// MARK: - Time

/// The start of every live test's clock: 2026-01-01 00:00 UTC.
let testEpoch: Seconds = 1_767_225_600

/// A manual clock for a live test, at `testEpoch`; a `LivePump` moves it.
func testClock() -> ManualLiveClock { ManualLiveClock(start: testEpoch) }

/// Pumps `center`'s timers on `clock` (its own by default, a manual one: see `LivePump`) up to
/// the time `limit` (by default the clock's time now: the test lets time go on with the pump's
/// `run(until:)`, `advance(by:)` or `allow(until:)`). Start it before `center.start()`; it stops
/// when the run is over.
@discardableResult
func pump(
    _ center: LiveCenter, _ fake: FakeFreeSWITCH, _ clock: ManualLiveClock? = nil, until limit: Seconds? = nil
) -> LivePump {
    LivePump(center: center, fake: fake, clock: clock ?? center.clock as! ManualLiveClock, until: limit)
}
