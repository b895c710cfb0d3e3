import FreeSWITCHFake
import CallCenter
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import LiveTestSupport
import Store
import Testing

/// A store with a task of `contracts` numbers under batch `b1`.
func makeStore(_ name: String, contracts: Int) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("simcc-live-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).sqlite").path
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try OutboundStore(path: path)
    let csv = "number,customer\n" + (0..<contracts).map { "+86138000\(String(10000 + $0)),c\($0)" }.joined(separator: "\n") + "\n"
    try store.importContacts(csv: csv, file: "\(name).csv", batchID: "b1")
    return path
}

/// The live configuration with the fake's agents on the roster.
func liveConfiguration(agents: [String]) -> LiveConfiguration {
    var live = LiveConfiguration()
    live.gateway = "carrier"
    live.agents = agents.enumerated().map { LiveConfiguration.Agent(id: AgentID($0.offset), name: $0.element, exten: $0.element) }
    return live
}

/// Every outcome retried one second later, up to 3 attempts.
let quickRetries = ContractRules(
    maxAttempts: 3, retryDelay: [.failed: 1, .busy: 1, .noAnswer: 1, .machine: 1, .abandoned: 1])

let eslPassword = "Cl3wC0n-secret-esl"
let httpToken = "t0ken-very-secret-http"

@Suite("Live runner", .serialized)
struct LiveRunnerTests {
    /// A progressive dialer with `quickRetries` for `agents` over the task b1 of the store at
    /// `path`, on the fake, its timers pumped on `clock` (a new test clock by default).
    static func quickDialer(
        _ fake: FakeFreeSWITCH, path: String, agents: [String], clock: ManualLiveClock = testClock(),
        records: String? = nil, log: (@Sendable (String) -> Void)? = nil,
        configure: (inout LiveRunnerOptions) -> Void = { _ in }
    ) throws -> (LiveCenter, ManualLiveClock, LivePump) {
        var options = LiveRunnerOptions(
            storePath: path, batchID: "b1", live: liveConfiguration(agents: agents), eventSocket: fake.configuration())
        options.cdrDirectory = records.map(CDRDirectory.init(path:))
        configure(&options)
        var progressive = ProgressiveDialer.Configuration()
        progressive.rules = quickRetries
        let center = try LiveCenter(dialer: ProgressiveDialer(progressive), options: options, clock: clock, log: log ?? { _ in })
        return (center, clock, pump(center, fake, clock))
    }

    @Test("a 10-contract task runs to completion through the client, the bridge and the store")
    func completesTask() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("complete", contracts: 10)
        let log = LogLines()
        let options = LiveRunnerOptions(
            storePath: path, batchID: "b1", live: liveConfiguration(agents: agents), eventSocket: fake.configuration())
        let clock = testClock()
        let runner = try LiveCenter(dialer: ProgressiveDialer(), options: options, clock: clock, log: log.sink)
        let timers = pump(runner, fake, clock)
        try await runner.start()
        try await timers.run(until: { await runner.isOver }, "the task complete")
        let summary = try await runner.waitUntilFinished()
        #expect(summary.state == "completed")
        #expect(summary.snapshot?.isComplete == true)

        let store = try OutboundStore(path: path)
        let task = try store.loadTask(batchID: "b1")
        #expect(task.contracts.count == 10)
        #expect(task.contracts.allSatisfy { $0.state == .completed || $0.state == .failed })
        #expect(task.callsInFlight.isEmpty)
        let snapshot = try #require(try store.latestSnapshot(batchID: "b1"))
        #expect(snapshot.isComplete)
        #expect(snapshot.batchID == "b1")
        let records = try store.callRecords(batchID: "b1")
        let originated = fake.originates
        #expect(originated.count == summary.originates)
        #expect(Set(originated).count == originated.count, "a call id was originated twice")
        #expect(Set(records.map(\.call.uuidString)) == Set(originated), "a record per originate")
        #expect(records.count == originated.count)
        #expect(records.allSatisfy { $0.outcome == .connected })
        #expect(!fake.commands.contains { $0.hasPrefix("-") })
        // The subscription the bridge needs, then the originates.
        #expect(fake.commands.contains { $0.hasPrefix("event plain CHANNEL_ANSWER") && $0.hasSuffix("CUSTOM callcenter::info") })
        for line in log.all { #expect(!line.contains(eslPassword)) }
        let status = await runner.status()
        #expect(status.state == "completed")
    }

    @Test("pause stops new originates; resume restarts them")
    func pauseAndResume() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("pause", contracts: 10)
        let (runner, _, timers) = try Self.quickDialer(fake, path: path, agents: agents)
        // The first two calls ring until the test ends them: the dialer has no line to spare.
        fake.hold(true)
        try await runner.start()
        try await eventually("the first two originates") { fake.originateCount == 2 }
        #expect(await runner.pause())
        #expect(await runner.status().state == "paused")
        #expect(await runner.originates == 2)
        // Both calls end: unpaused, the next tick would dial two more.
        fake.hold(false)
        for call in fake.originates { fake.hangUp(call) }
        try await eventually("both calls ended") { await runner.status().callsInFlight == 0 }
        // The dialer's tick comes while paused: it is held back, and no originate goes out.
        try await timers.run(until: { await runner.heldWakeUps >= 1 }, "a timer held back")
        try await timers.advance(by: 5)
        #expect(timers.released >= 1)
        #expect(fake.originateCount == 2, "an originate went out while paused")
        #expect(await runner.originates == 2)

        #expect(await runner.resume())
        #expect(await runner.status().state == "running")
        try await timers.run(until: { fake.originateCount > 2 }, "originates after resume")
        try await timers.run(until: { await runner.isOver }, "the task complete")
        let summary = try await runner.waitUntilFinished()
        #expect(summary.state == "completed")
        #expect(try OutboundStore(path: path).latestSnapshot(batchID: "b1")?.isComplete == true)
    }

    @Test("a dialer timer that goes off late (a loaded machine) does not stall the campaign")
    func lateTimer() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let (runner, clock, timers) = try Self.quickDialer(fake, path: try makeStore("late", contracts: 6), agents: agents)
        fake.hold(true)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        let tick = try #require(await runner.nextTimer)
        // Five seconds pass before the dialer's timer (due in one) goes off: the calls end first.
        clock.set(to: clock.now() + 5)
        fake.hold(false)
        for call in fake.originates { fake.hangUp(call) }
        try await eventually("both calls ended") { await runner.status().callsInFlight == 0 }
        #expect(clock.now() > tick)
        try await timers.run(until: { await runner.isOver }, "the task complete (no dialer timer left: stalled)")
        let summary = try await runner.waitUntilFinished()
        #expect(summary.state == "completed")
    }

    @Test("a lost connection with no call records: the calls whose channels vanished during the gap are held for review, never dialled again; the task completes")
    func reconnectReconciles() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("reconnect", contracts: 6)
        let log = LogLines()
        let (runner, _, timers) = try Self.quickDialer(fake, path: path, agents: agents, log: log.sink)
        defer { if ProcessInfo.processInfo.environment["SIMCC_DEBUG"] != nil { print(log.all.joined(separator: "\n")) } }
        fake.hold(true)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        try await eventually("the runner counts them in flight") { await runner.status().callsInFlight == 2 }
        // The held calls end while the connection is down; the rest of the task runs normally.
        fake.hold(false)
        fake.dropHeldChannels()
        fake.dropConnections()
        try await timers.run(until: { await runner.isOver }, "the task complete")
        let summary = try await runner.waitUntilFinished()
        #expect(summary.state == "completed")
        #expect(fake.commands.filter { $0 == "api show channels as json" }.count >= 1)
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        #expect(Set(records.map(\.call.uuidString)) == Set(fake.originates))
        let vanished = records.filter { $0.outcome == .unknown }
        #expect(vanished.count == 2 && vanished.allSatisfy { $0.cause == .crash })
        let task = try OutboundStore(path: path).loadTask(batchID: "b1")
        for record in vanished {
            #expect(task.contracts[record.contract.index].state == .review)
            #expect(records.filter { $0.contract == record.contract }.count == 1, "\(record.contract) dialled again")
        }
        #expect(task.contracts.filter { $0.state == .review }.count == 2)
    }

    @Test("a restart takes over the calls a killed run left in flight: a gone one with no record is held for review")
    func restartAdoptsCalls() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("restart", contracts: 6)
        fake.hold(true)
        let (first, clock, _) = try Self.quickDialer(fake, path: path, agents: agents)
        try await first.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        await first.stop()
        #expect(try OutboundStore(path: path).loadTask(batchID: "b1").callsInFlight.count == 2)
        // One of the two channels is still up at the restart, the other is gone.
        let held = fake.originates
        fake.state.withLock { $0.live = [held[0]] }
        fake.hold(false)
        let (second, _, timers) = try Self.quickDialer(fake, path: path, agents: agents, clock: clock)
        try await second.start()
        #expect(await second.status().callsInFlight >= 1)
        // The call still up ends now, as FreeSWITCH would tell.
        fake.hangUp(held[0])
        try await timers.run(until: { await second.isOver }, "the task complete")
        let summary = try await second.waitUntilFinished()
        #expect(summary.state == "completed")
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        #expect(records.contains { $0.call.uuidString == held[1] && $0.cause == .crash && $0.outcome == .unknown })
        #expect(records.contains { $0.call.uuidString == held[0] && $0.cause != .crash })
        #expect(Set(records.map(\.call.uuidString)) == Set(fake.originates))
        #expect(Set(fake.originates).count == fake.originates.count)
    }

    @Test("one live dialer per batch: a second run on the same store and batch is refused, naming the first; once it stops, the batch is free")
    func oneDialerPerBatch() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("lease", contracts: 4)
        fake.hold(true)
        let (first, _, _) = try Self.quickDialer(fake, path: path, agents: agents)
        try await first.start()
        try await eventually("the first run's two originates") { fake.originateCount == 2 }
        let (second, _, _) = try Self.quickDialer(fake, path: path, agents: agents)
        do {
            try await second.start()
            Issue.record("a second dialer started on batch b1")
        } catch {
            #expect("\(error)".contains("batch b1 of \(path) is being dialled by another simcc live (pid \(getpid())"), "\(error)")
        }
        #expect(fake.originateCount == 2, "the second run dialled nobody")
        #expect(try OutboundStore(path: path).lease(batchID: "b1")?.pid == getpid())
        await first.stop()
        #expect(try OutboundStore(path: path).lease(batchID: "b1") == nil, "given back at the stop")
        let (third, _, _) = try Self.quickDialer(fake, path: path, agents: agents)
        try await third.start()
        await third.stop()
    }

    @Test("a wrong ESL password is a clear error that does not show the password")
    func wrongPassword() async throws {
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: ["1000"])
        defer { Task { await fake.stop() } }
        let path = try makeStore("auth", contracts: 2)
        let wrong = "not-the-password-42"
        let options = LiveRunnerOptions(
            storePath: path, batchID: "b1", live: liveConfiguration(agents: ["1000"]),
            eventSocket: fake.configuration(password: wrong))
        let runner = try LiveCenter(dialer: ProgressiveDialer(), options: options)
        do {
            try await runner.start()
            Issue.record("the run started with a wrong password")
        } catch {
            let message = "\(error)"
            #expect(message.contains("cannot connect to FreeSWITCH"))
            #expect(!message.contains(wrong))
            #expect(!message.contains(eslPassword))
        }
        #expect(fake.originateCount == 0)
    }

    @Test("an unknown batch is refused with a sentence naming it")
    func unknownBatch() throws {
        let path = try makeStore("nobatch", contracts: 1)
        let options = LiveRunnerOptions(
            storePath: path, batchID: "nope", live: liveConfiguration(agents: ["1000"]),
            eventSocket: EventSocketConfiguration(host: "127.0.0.1", password: ESLPassword("x")))
        #expect {
            _ = try LiveCenter(dialer: ProgressiveDialer(), options: options)
        } throws: { "\($0)".contains("no batch nope") }
        let missing = LiveRunnerOptions(
            storePath: path + "-missing", batchID: "b1", live: liveConfiguration(agents: ["1000"]),
            eventSocket: EventSocketConfiguration(host: "127.0.0.1", password: ESLPassword("x")))
        #expect {
            _ = try LiveCenter(dialer: ProgressiveDialer(), options: missing)
        } throws: { "\($0)".contains("no store at \(path)-missing") }
        #expect(!FileManager.default.fileExists(atPath: path + "-missing"), "a missing store is not created")
    }
}
