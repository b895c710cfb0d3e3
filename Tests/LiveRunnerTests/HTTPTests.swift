import FreeSWITCHFake
import CallCenter
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import Store
import LiveTestSupport
import Testing

@Suite("HTTP interface", .serialized)
struct HTTPTests {
    /// A runner whose agents are on break (so it dials nothing and stays up), with its HTTP
    /// interface on a free loopback port.
    static func idleRunner(_ name: String, limits: LiveHTTPServer.Limits = LiveHTTPServer.Limits())
        async throws -> (FakeFreeSWITCH, LiveCenter, LiveHTTPServer, LogLines)
    {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        let path = try makeStore(name, contracts: 10)
        var options = LiveRunnerOptions(
            storePath: path, batchID: "b1", live: liveConfiguration(agents: agents), eventSocket: fake.configuration())
        options.agentsAtStart = .assume(.paused(since: 0))
        let log = LogLines()
        let runner = try LiveCenter(
            dialer: ProgressiveDialer(), options: options, clock: testClock(), log: log.sink)
        var http = LiveHTTPOptions(port: 0, token: LiveSecret(httpToken))
        http.limits = limits
        let server = try await LiveHTTPServer.start(http, serving: [runner])
        pump(runner, fake)
        try await runner.start()
        return (fake, runner, server, log)
    }

    @Test("every request needs the bearer token; the routes answer JSON; pause and resume work")
    func authAndRoutes() async throws {
        let (fake, runner, server, log) = try await Self.idleRunner("http")
        let port = server.port
        var outputs: [String] = []
        func call(_ method: String, _ path: String, token: String?, body: String = "") async throws -> (Int, String) {
            let raw = try await rawHTTP(port: port, httpRequest(method, path, token: token, body: body))
            outputs.append(raw)
            return parseResponse(raw)
        }

        let (noToken, noTokenBody) = try await call("GET", "/status", token: nil)
        #expect(noToken == 401)
        #expect(noTokenBody.contains("\"error\""))
        #expect(try await call("GET", "/status", token: "wrong").0 == 401)
        #expect(try await call("GET", "/status", token: httpToken + "x").0 == 401)
        #expect(try await call("GET", "/status", token: String(httpToken.dropLast())).0 == 401)
        let lowercase = try await rawHTTP(
            port: port, httpRequest("GET", "/status", token: nil, extraHeaders: "authorization: bearer \(httpToken)\r\n"))
        #expect(parseResponse(lowercase).status == 200)

        let (ok, statusBody) = try await call("GET", "/status", token: httpToken)
        #expect(ok == 200)
        let status = try JSONDecoder().decode(LiveStatus.self, from: Data(statusBody.utf8))
        #expect(status.state == "running")
        #expect(status.softswitchConnected)
        #expect(status.batch == "b1")
        #expect(status.callsInFlight == 0)

        let (taskCode, taskBody) = try await call("GET", "/task?verbose=1", token: httpToken)
        #expect(taskCode == 200)
        let task = try JSONDecoder().decode(LiveTaskProgress.self, from: Data(taskBody.utf8))
        #expect(task.contractsTotal == 10)
        #expect(task.contractsClosed == 0)
        #expect(!task.complete)

        let (agentsCode, agentsBody) = try await call("GET", "/agents", token: httpToken)
        #expect(agentsCode == 200)
        let agents = try JSONDecoder().decode([LiveAgentStatus].self, from: Data(agentsBody.utf8))
        #expect(agents.map(\.name) == ["1000", "1001"])
        #expect(agents.allSatisfy { $0.state == "paused" })

        let (notFound, notFoundBody) = try await call("GET", "/nope", token: httpToken)
        #expect(notFound == 404)
        #expect(notFoundBody.contains("\"error\""))
        let (wrongMethod, wrongMethodBody) = try await call("POST", "/status", token: httpToken)
        #expect(wrongMethod == 405)
        #expect(wrongMethodBody.contains("\"error\""))
        #expect(try await call("GET", "/pause", token: httpToken).0 == 405)
        // Unauthorised requests learn nothing, not even which routes exist.
        #expect(try await call("GET", "/nope", token: nil).0 == 401)

        let (paused, pausedBody) = try await call("POST", "/pause", token: httpToken)
        #expect(paused == 200)
        #expect(try JSONDecoder().decode(LiveStatus.self, from: Data(pausedBody.utf8)).state == "paused")
        #expect(await runner.status().state == "paused")
        let (resumed, resumedBody) = try await call("POST", "/resume", token: httpToken, body: "{}")
        #expect(resumed == 200)
        #expect(try JSONDecoder().decode(LiveStatus.self, from: Data(resumedBody.utf8)).state == "running")

        // Agent events flow in: the dialer's view changes.
        await runner.stop()
        await server.stop()
        await fake.stop()
        for output in outputs + log.all {
            #expect(!output.contains(httpToken))
            #expect(!output.contains(eslPassword))
        }
    }

    @Test("malformed and oversized requests get 400, 431, 413, never a crash")
    func malformed() async throws {
        var limits = LiveHTTPServer.Limits()
        limits.body = 32
        limits.connectionTimeout = .seconds(2)
        let (fake, runner, server, _) = try await Self.idleRunner("malformed", limits: limits)
        let port = server.port
        let garbage: [[UInt8]] = [
            Array("THIS IS NOT HTTP\r\n\r\n".utf8),
            Array("GET /status HTTP/1.1\r\nHost localhost\r\n\r\n".utf8),
            Array("GET /status HTTP/1.1\r\nContent-Length: abc\r\n\r\n".utf8),
            [0x00, 0xFF, 0xFE, 0x0D, 0x0A, 0x0D, 0x0A],
        ]
        for request in garbage {
            let response = try await rawHTTP(port: port, request)
            #expect(parseResponse(response).status == 400, "\(response)")
        }
        let big = try await rawHTTP(
            port: port,
            httpRequest("GET", "/status", token: httpToken, extraHeaders: "X-Filler: \(String(repeating: "a", count: 9000))\r\n"))
        #expect(parseResponse(big).status == 431)
        let body = try await rawHTTP(
            port: port, httpRequest("POST", "/pause", token: httpToken, body: String(repeating: "b", count: 100)))
        #expect(parseResponse(body).status == 413)
        // A client that never finishes its request is cut off.
        let stalled = try await rawHTTP(port: port, Array("GET /status HTTP/1.1\r\nAuthoriz".utf8))
        #expect(parseResponse(stalled).status == 0 || parseResponse(stalled).status == 400)
        #expect(await runner.status().state == "running", "the oversized pause was not applied")
        // Still serving.
        let after = try await rawHTTP(port: port, httpRequest("GET", "/status", token: httpToken))
        #expect(parseResponse(after).status == 200)
        await runner.stop()
        await server.stop()
        await fake.stop()
    }

    @Test("GET /metrics: Prometheus' text format with the dialer's and the connection's families, behind the token")
    func metrics() async throws {
        let (fake, runner, server, _) = try await Self.idleRunner("metrics")
        let denied = parseResponse(try await rawHTTP(port: server.port, httpRequest("GET", "/metrics", token: nil)))
        #expect(denied.status == 401)
        #expect(parseResponse(try await rawHTTP(port: server.port, httpRequest("POST", "/metrics", token: httpToken))).status == 405)
        let raw = try await rawHTTP(port: server.port, httpRequest("GET", "/metrics", token: httpToken))
        let (status, body) = parseResponse(raw)
        #expect(status == 200)
        #expect(raw.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"), "\(raw.prefix(300))")
        for line in [
            "# TYPE simcc_dialer_originates_total counter", #"simcc_dialer_originates_total{batch="b1"} 0"#,
            #"simcc_dialer_contracts{batch="b1",state="open"} 10"#, #"simcc_dialer_agents{batch="b1",state="paused"} 2"#,
            #"simcc_dialer_paused{batch="b1"} 0"#, "simcc_esl_connected 1", "# TYPE simcc_esl_events_total counter",
        ] {
            #expect(body.split(separator: "\n").contains(Substring(line)), "\(line) missing from\n\(body)")
        }
        var metrics = LiveMetrics()
        metrics.add("x", "gauge", "help", labels: [("batch", "a\"b\\c\nd")], 1.5)
        #expect(metrics.text == "# HELP x help\n# TYPE x gauge\nx{batch=\"a\\\"b\\\\c\\nd\"} 1.5\n")
        await runner.stop()
        await server.stop()
        await fake.stop()
    }

    @Test("the HTTP interface listens on loopback by default")
    func loopback() async throws {
        let (fake, runner, server, _) = try await Self.idleRunner("loopback")
        #expect(LiveHTTPOptions(port: 0, token: LiveSecret("x")).host == "127.0.0.1")
        #expect(server.host == "127.0.0.1")
        await runner.stop()
        await server.stop()
        await fake.stop()
    }
}

@Suite("Secrets")
struct SecretTests {
    @Test("read from a file (first line, trimmed) or the environment; never shown")
    func reading() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-secret-\(getpid())").path
        try "  s3cr3t-value \nsecond line\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let secret = try LiveSecret.read(file: path, variable: "X", what: "the token (--http-token-file)")
        #expect(secret.value == "s3cr3t-value")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "LiveSecret(<redacted>)")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("s3cr3t"))

        let env = try LiveSecret.read(file: nil, variable: "SIMCC_T", what: "the token", environment: ["SIMCC_T": "e-value\n"])
        #expect(env.value == "e-value")
        #expect(throws: LiveSecretError.self) {
            try LiveSecret.read(file: nil, variable: "SIMCC_T", what: "the token", environment: [:])
        }
        do {
            _ = try LiveSecret.read(file: path + "-missing", variable: "X", what: "the token (--http-token-file)")
        } catch {
            #expect("\(error)".contains("--http-token-file"))
            #expect("\(error)".contains(path + "-missing"))
        }
    }

    @Test("the comparison is exact")
    func matching() {
        let secret = LiveSecret("abc123")
        #expect(secret.matches("abc123"))
        #expect(!secret.matches("abc124"))
        #expect(!secret.matches("abc12"))
        #expect(!secret.matches("abc1234"))
        #expect(!secret.matches(""))
    }
}
