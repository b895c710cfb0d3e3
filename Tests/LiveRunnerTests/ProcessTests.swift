import FreeSWITCHFake
import Foundation
import CallCenter
import Store
import Testing

/// The package's root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// The built `simcc`, next to the test bundle.
let simccBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("simcc").path

/// The suites that start `simcc live` as a process: one at a time (each starts processes of
/// its own; together on a loaded machine they starve one another).
@Suite("simcc live as a process", .serialized)
enum LiveProcesses {}

/// A running `simcc live`, its output going to files.
struct LiveProcess {
    let process: Process
    let out: String
    let err: String

    static func spawn(_ arguments: [String], environment: [String: String], in folder: String, tag: String) throws
        -> LiveProcess
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: simccBinary)
        process.arguments = arguments
        process.environment = environment
        let out = folder + "/\(tag).out", err = folder + "/\(tag).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        return LiveProcess(process: process, out: out, err: err)
    }

    var output: String {
        ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// The arguments of `simcc live` dialing batch b1 of `db` with the fast campaign policy
    /// (`ProcessTests.campaign`) through `fake`, for `agents`, its HTTP interface on a free port
    /// (the token in `folder`), plus `extra`; and its environment (the ESL password).
    static func campaignArguments(
        db: String, fake: FakeFreeSWITCH, agents: [String], in folder: String, extra: [String] = []
    ) throws -> (arguments: [String], environment: [String: String]) {
        let policy = try LiveProcesses.ProcessTests.campaign(in: folder)
        let tokenFile = folder + "/token"
        try "\(httpToken)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var arguments = [
            "live", "--db", db, "--batch", "b1", "--policy", policy, "--esl-port", String(fake.port),
            "--http-port", "0", "--http-token-file", tokenFile,
        ]
        for agent in agents { arguments += ["--agent", agent] }
        return (arguments + extra, ["SIMCC_ESL_PASSWORD": eslPassword, "PATH": "/usr/bin:/bin"])
    }

    /// Waits for the process to exit; returns its status.
    func exit(within limit: Duration = .seconds(30)) async throws -> Int32 {
        let process = self.process
        try await eventually("simcc live to exit", within: limit) { !process.isRunning }
        return process.terminationStatus
    }
}

extension LiveProcesses {
@Suite("simcc live as a process", .serialized)
struct ProcessTests {
    /// A campaign file with one fast progressive variant (a 50 ms tick, quick retries).
    static func campaign(in folder: String) throws -> String {
        let text = try String(contentsOfFile: packageRoot + "/scenarios/survey-campaign.yaml", encoding: .utf8)
        let head = try #require(text.components(separatedBy: "variants:").first)
            .replacingOccurrences(of: "contacts: contacts/", with: "contacts: \(packageRoot)/scenarios/contacts/")
        let path = folder + "/campaign.yaml"
        try (head + """
            variants:
              - {name: fast, dialer: progressive, tick: 50ms, max_attempts: 4, retry_delay: {busy: 100ms, no_answer: 100ms, machine: 100ms, abandoned: 100ms, failed: 100ms}}

            """).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("kill -9 with calls in flight, restart, finish: no contract dialled twice at once, a record per originate")
    func killAndRestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-live-kill-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let db = try makeStore("kill", contracts: 20)
        let (arguments, environment) = try LiveProcess.campaignArguments(db: db, fake: fake, agents: agents, in: folder)

        // Six calls go through, then the calls are held: the dialer has two in flight (one per agent).
        fake.state.withLock { $0.holdFrom = 6 }
        let first = try LiveProcess.spawn(arguments, environment: environment, in: folder, tag: "first")
        // (The first six are answered, parked and placed by the dialer's campaign policy: they may
        // be up a moment, so the held ones are told by their rank.)
        try await eventually("two calls held in flight", within: .seconds(60)) {
            fake.state.withLock { $0.originates.count >= 8 && $0.live.isSuperset(of: $0.originates[6..<8]) }
        }
        kill(first.process.processIdentifier, SIGKILL)
        #expect(try await first.exit() == SIGKILL || !first.process.isRunning)

        // While it was down, one held call ended; the other is still up at the restart.
        let held = fake.state.withLock { state in Array(state.originates[6...]).filter { state.live.contains($0) }.sorted() }
        #expect(held.count >= 2)
        let survivor = held[0]
        fake.state.withLock { $0.live = [survivor] }
        fake.hold(false)
        let listings = fake.commands.filter { $0 == "api show channels as json" }.count

        let second = try LiveProcess.spawn(arguments, environment: environment, in: folder, tag: "second")
        try await eventually("the restart's channel listing") {
            fake.commands.filter { $0 == "api show channels as json" }.count > listings
        }
        fake.hangUp(survivor)
        let status: Int32
        do {
            status = try await second.exit()
        } catch {
            Issue.record("the restarted run did not end: \(second.output.suffix(3000))")
            throw error
        }
        #expect(status == 0, "\(second.output)")
        #expect(second.output.contains("b1 completed"))

        let store = try OutboundStore(path: db)
        let snapshot = try #require(try store.latestSnapshot(batchID: "b1"))
        #expect(snapshot.isComplete)
        #expect(try store.loadTask(batchID: "b1").callsInFlight.isEmpty)
        let records = try store.callRecords(batchID: "b1")
        let originated = fake.originates
        #expect(Set(originated).count == originated.count, "a call id was originated twice")
        #expect(Set(records.map(\.call.uuidString)) == Set(originated), "a record per originate")
        #expect(records.count == originated.count)
        #expect(fake.state.withLock { $0.overlaps }.isEmpty, "\(fake.state.withLock { $0.overlaps })")
        #expect(records.contains { $0.cause == .crash }, "the held call that vanished ends as CRASH")
        for output in [first.output, second.output] {
            #expect(!output.contains(eslPassword))
            #expect(!output.contains(httpToken))
        }
        if ProcessInfo.processInfo.environment["SIMCC_KEEP_TEST_OUTPUT"] == nil {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
}

extension LiveProcesses {
@Suite("simcc live routing inbound calls as a process", .serialized)
struct RouterProcessTests {
    @Test("simcc live --inbound-db --roster alone: a known caller is transferred; SIGTERM stops it with the record written")
    func routerAlone() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-live-router-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // mod_callcenter lists the roster's agents, available.
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: ["1000", "1001", "2000", "2001"])
        defer { Task { await fake.stop() } }
        let store = folder + "/routing.sqlite"
        try RoutingStore(path: store).importCustomers(csv: testCustomers, file: "customers.csv")
        let roster = folder + "/roster.csv"
        try testRoster.write(toFile: roster, atomically: true, encoding: .utf8)
        let process = try LiveProcess.spawn(
            ["live", "--inbound-db", store, "--roster", roster, "--no-http", "--esl-port", String(fake.port)],
            environment: ["SIMCC_ESL_PASSWORD": eslPassword], in: folder, tag: "router")
        try await eventually("the subscription") { fake.commands.contains { $0.hasPrefix("event plain") } }
        fake.parkInbound(uuid: "c0ffee00-0000-4000-8000-0000000000aa", caller: "+8613800000001")
        try await eventually("the transfer") { fake.transfers.count == 1 }
        #expect(fake.transfers == ["c0ffee00-0000-4000-8000-0000000000aa 1001"])
        // The record is written once the caller's hang-up is read: wait for it on disk, then stop.
        try await eventually("the call's record on disk") { ((try? RoutingStore(path: store).inboundCalls().count) ?? 0) == 1 }
        process.process.terminate()
        let status = try await process.exit()
        #expect(status == 0, "\(process.output)")
        #expect(process.output.contains("1 inbound calls recorded"), "\(process.output)")
        let calls = try RoutingStore(path: store).inboundCalls()
        #expect(calls.map(\.agent) == [AgentID(1)])
    }
}
}

extension LiveProcesses {
@Suite("simcc live dialing and routing in one process", .serialized)
struct BlendedProcessTests {
    @Test("the dialer and the router together: one login, one HTTP interface with both sets of routes; the task completes, the router goes on until SIGTERM")
    func dialerAndRouter() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-live-both-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: ["1000", "1001", "2000", "2001"])
        defer { Task { await fake.stop() } }
        let routing = folder + "/routing.sqlite"
        try RoutingStore(path: routing).importCustomers(csv: testCustomers, file: "customers.csv")
        let roster = folder + "/roster.csv"
        try testRoster.write(toFile: roster, atomically: true, encoding: .utf8)
        let tokenFile = folder + "/token"
        try "\(httpToken)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let db = try makeStore("both", contracts: 4)
        let process = try LiveProcess.spawn(
            [
                "live", "--db", db, "--batch", "b1", "--policy", try LiveProcesses.ProcessTests.campaign(in: folder),
                "--inbound-db", routing, "--roster", roster, "--esl-port", String(fake.port),
                "--http-port", "0", "--http-token-file", tokenFile,
            ],
            environment: ["SIMCC_ESL_PASSWORD": eslPassword], in: folder, tag: "both")
        try await eventually("the HTTP interface") { process.output.contains("HTTP interface on 127.0.0.1:") }
        let line = try #require(process.output.split(separator: "\n").first { $0.contains("HTTP interface on 127.0.0.1:") })
        let port = try #require(Int(line.split(separator: ":").last ?? ""))
        let (status, index) = parseResponse(try await rawHTTP(port: port, httpRequest("GET", "/", token: httpToken)))
        #expect(status == 200)
        for route in ["GET /task", "POST /pause", "GET /callbacks", "POST /callbacks/{id}/done", "GET /router/status"] {
            #expect(index.contains(route), "\(index)")
        }
        fake.parkInbound(uuid: "b1e4d000-0000-4000-8000-000000000001", caller: "+8613800000001")
        try await eventually("the transfer", within: .seconds(60)) { fake.transfers.count == 1 }
        do {
            try await eventually("the task's end", within: .seconds(60)) { process.output.contains("b1 completed") }
        } catch {
            Issue.record("\(error); the process said: \(process.output); commands: \(fake.commands.suffix(40))")
            process.process.terminate()
            return
        }
        #expect(parseResponse(try await rawHTTP(port: port, httpRequest("GET", "/router/status", token: httpToken))).status == 200)
        // One connection for both runners: one login, and one more per reconnect only (the
        // liveness watchdog may take a quiet connection under load; both runners then share the
        // new one).
        let reconnects = process.output.components(separatedBy: "reconnected to FreeSWITCH").count - 1
        #expect(fake.commands.filter { $0.hasPrefix("auth ") }.count == 1 + reconnects, "one connection for both: \(process.output)")
        try await eventually("the call's record on disk") { ((try? RoutingStore(path: routing).inboundCalls().count) ?? 0) == 1 }
        process.process.terminate()
        #expect(try await process.exit() == 0, "\(process.output)")
        #expect(process.output.contains("1 inbound calls recorded"), "\(process.output)")
        #expect(!process.output.contains(eslPassword) && !process.output.contains(httpToken))
        #expect(try OutboundStore(path: db).latestSnapshot(batchID: "b1")?.isComplete == true)
        try? FileManager.default.removeItem(atPath: folder)
    }
}
}

extension LiveProcesses {
@Suite("simcc live exit statuses", .serialized)
struct ExitStatusTests {
    @Test("78 (EX_CONFIG) for what only the operator can fix: a wrong password, a missing batch, a missing password, a mistake in the settings; 75 (EX_TEMPFAIL) when FreeSWITCH is not there")
    func exitStatuses() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-live-exit-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: ["1000"])
        let db = try makeStore("exit", contracts: 2)
        let policy = try LiveProcesses.ProcessTests.campaign(in: folder)
        func run(_ batch: String, port: Int, password: String, tag: String) async throws -> (Int32, String) {
            let process = try LiveProcess.spawn(
                ["live", "--db", db, "--batch", batch, "--policy", policy, "--agent", "1000", "--no-http",
                 "--esl-port", String(port)],
                environment: ["SIMCC_ESL_PASSWORD": password], in: folder, tag: tag)
            return (try await process.exit(), process.output)
        }
        let (wrong, wrongOutput) = try await run("b1", port: fake.port, password: "not-it", tag: "password")
        #expect(wrong == 78, "\(wrongOutput)")
        #expect(wrongOutput.contains("refused the event-socket password"), "\(wrongOutput)")
        #expect(!wrongOutput.contains("not-it"))
        let (missing, missingOutput) = try await run("nope", port: fake.port, password: eslPassword, tag: "batch")
        #expect(missing == 78, "\(missingOutput)")
        #expect(missingOutput.contains("has no batch nope"), "\(missingOutput)")
        let (noPassword, noPasswordOutput) = try await run("b1", port: fake.port, password: "", tag: "no-password")
        #expect(noPassword == 78, "\(noPasswordOutput)")
        let (badPort, badPortOutput) = try await run("b1", port: 70000, password: eslPassword, tag: "bad-port")
        #expect(badPort == 78, "\(badPortOutput)")
        #expect(badPortOutput.contains("--esl-port must be between 1 and 65535"), "\(badPortOutput)")
        let port = fake.port
        await fake.stop()
        let (absent, absentOutput) = try await run("b1", port: port, password: eslPassword, tag: "absent")
        #expect(absent == 75, "\(absentOutput)")
        #expect(absentOutput.contains("cannot connect to FreeSWITCH"), "\(absentOutput)")
    }
}
}
