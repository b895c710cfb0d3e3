import CallCenter
import DialingPolicies
import Foundation
import FreeSWITCHFake
import Live
import LiveRunner
import LiveTestSupport
import Store
import Testing

/// The production fault suite (issue 11): `simcc live` against the fake FreeSWITCH misbehaving
/// as FreeSWITCH and networks do. Each case is a fault an operator met; each checks what harms
/// customers: no served customer dialled again, no contract lost, one record per attempt with
/// its true cause and times, counts equal to the records.
@Suite("Faults: served customers, lost sight of calls, FreeSWITCH down")
struct FaultTests {
    /// A fresh folder for the fake's call records (mod_json_cdr's `log-dir`).
    static func recordsFolder(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("simcc-cdr-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A run (agents 1000 and 1001, the fake keeping call records) that dialled two calls the
    /// fake holds, then stopped: what a restart takes over.
    static func stoppedWithTwoCallsHeld(_ name: String, contracts: Int) async throws
        -> (fake: FakeFreeSWITCH, path: String, folder: String, clock: ManualLiveClock)
    {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        let path = try makeStore(name, contracts: contracts)
        let folder = try recordsFolder(name)
        fake.hold(true)
        let (first, clock, _) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, records: folder)
        fake.keepRecords(in: folder, clock: { clock.now() })
        try await first.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        await first.stop()
        return (fake, path, folder, clock)
    }

    /// Every record's contract: not dialled after one of its calls reached an agent.
    static func expectNoServedCustomerDialledAgain(_ records: [CallRecord], _ context: String = "") {
        for contract in Set(records.map(\.contract)) {
            let calls = records.filter { $0.contract == contract }.sorted { $0.dialedAt < $1.dialedAt }
            if let served = calls.firstIndex(where: { $0.outcome == .connected }) {
                #expect(served == calls.count - 1, "\(contract) was served and dialled again \(context)")
            }
        }
    }

    /// What `GET /metrics` serves of `routes` (through the protocol, as the HTTP server asks).
    static func metrics(of routes: some LiveHTTPRoutes) async -> LiveMetrics { await routes.metrics() }

    /// The task's counts (`/task`) equal its records: each contract's attempts, the outcomes.
    static func expectCountsMatchRecords(_ runner: LiveCenter, path: String) async throws {
        let store = try OutboundStore(path: path)
        let records = try store.callRecords(batchID: "b1")
        let task = try store.loadTask(batchID: "b1")
        for contract in task.contracts {
            #expect(contract.attempts == records.filter { $0.contract == contract.id }.count, "\(contract.id)")
        }
        let progress = await runner.taskProgress()
        var byOutcome: [String: Int] = [:]
        for record in records { byOutcome[record.outcome.rawValue, default: 0] += 1 }
        #expect(progress.outcomes == byOutcome, "/task outcomes against the records")
    }

    @Test("FreeSWITCH down for 3 s while a customer talks to an agent and hangs up: recorded from its CDR (connected, the real times), never dialled again")
    func servedWhileFreeSWITCHWasDown() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("outage", contracts: 4)
        let folder = try Self.recordsFolder("outage")
        let log = LogLines()
        let (runner, clock, timers) = try LiveRunnerTests.quickDialer(
            fake, path: path, agents: agents, records: folder, log: log.sink)
        fake.keepRecords(in: folder, clock: { clock.now() })
        fake.hold(true)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        try await eventually("both in flight") { await runner.status().callsInFlight == 2 }
        let (served, unanswered) = (fake.originates[0], fake.originates[1])
        // FreeSWITCH goes away; meanwhile the first customer answers, talks to agent 1000 for 2 s
        // and hangs up, and the second call goes unanswered.
        fake.setDown(true)
        fake.dropConnections()
        let answeredAt = clock.now() + 0.5
        clock.set(to: answeredAt)
        fake.answerHeld(served, bridgeTo: "1000")
        clock.set(to: answeredAt + 2)
        fake.endHeld(served)
        fake.endHeld(unanswered, cause: "NO_ANSWER")
        clock.set(to: answeredAt + 3)
        fake.hold(false)
        fake.setDown(false)
        try await timers.run(until: { await runner.isOver }, "the task complete")
        #expect(try await runner.waitUntilFinished().state == "completed")

        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let first = try #require(records.first { $0.call.uuidString == served })
        #expect(first.outcome == .connected && first.cause == .normalClearing)
        #expect(first.answeredAt == answeredAt && first.connectedAt == answeredAt && first.endedAt == answeredAt + 2)
        #expect(first.agent == AgentID(0))
        let second = try #require(records.first { $0.call.uuidString == unanswered })
        #expect(second.outcome == .noAnswer && second.endedAt == answeredAt + 2)
        #expect(records.filter { $0.contract == first.contract }.count == 1, "the served customer was dialled again")
        Self.expectNoServedCustomerDialledAgain(records)
        #expect(Set(records.map(\.call.uuidString)) == Set(fake.originates) && records.count == fake.originateCount)
        try await Self.expectCountsMatchRecords(runner, path: path)
        #expect(log.all.contains { $0.contains("2 from FreeSWITCH's records") }, "\(log.all)")
    }

    @Test("a record FreeSWITCH writes a moment late is waited for; one that never comes leaves the contract held for review")
    func lateAndMissingRecords() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("late-cdr", contracts: 4)
        let folder = try Self.recordsFolder("late-cdr")
        let (runner, clock, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, records: folder)
        fake.hold(true)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        try await eventually("both in flight") { await runner.status().callsInFlight == 2 }
        let (late, missing) = (fake.originates[0], fake.originates[1])
        // Both end unseen, with no record yet.
        fake.setDown(true)
        fake.dropConnections()
        fake.answerHeld(late, bridgeTo: "1001")
        fake.endHeld(late)
        fake.endHeld(missing)
        fake.hold(false)
        fake.setDown(false)
        try await eventually("reconciled, waiting for the records") { fake.commands.filter { $0 == "api show channels as json" }.count >= 1 }
        try await timers.advance(by: 10)
        #expect(await runner.status().callsInFlight >= 2, "still waiting for their records")
        // The first record arrives 10 s late (a partial write first: read again later).
        let record = CallDetailRecord(
            uuid: late, answeredAt: clock.now() - 12, bridgedAt: clock.now() - 11, endedAt: clock.now() - 10,
            cause: .normalClearing, destinations: ["1001"])
        try String(record.json().prefix(30)).write(toFile: folder + "/\(late).cdr.json", atomically: true, encoding: .utf8)
        try await timers.advance(by: 5)
        try record.json().write(toFile: folder + "/\(late).cdr.json", atomically: true, encoding: .utf8)
        try await timers.run(until: { await runner.isOver }, "the task complete")
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let served = try #require(records.first { $0.call.uuidString == late })
        #expect(served.outcome == .connected && served.endedAt == record.endedAt && served.agent == AgentID(1))
        let unknown = try #require(records.first { $0.call.uuidString == missing })
        #expect(unknown.outcome == .unknown && unknown.cause == .crash)
        let task = try OutboundStore(path: path).loadTask(batchID: "b1")
        #expect(task.contracts[unknown.contract.index].state == .review)
        #expect(records.filter { $0.contract == unknown.contract }.count == 1, "a customer of unknown fate was dialled again")
        #expect(task.contracts.allSatisfy { $0.state.isClosed })
        // The operator sees it over HTTP, with the call to look up.
        let response = await runner.respond(to: LiveHTTPRequest(method: "GET", path: "/review"))
        let held = try JSONDecoder().decode([OutboundStore.HeldContract].self, from: Data(response.body))
        #expect(response.status == 200 && held.map(\.contract) == [unknown.contract.index])
        #expect(held.first?.callUUID == missing)
        #expect(await runner.taskProgress().contractsHeldForReview == 1)
        Self.expectNoServedCustomerDialledAgain(records)
        try await Self.expectCountsMatchRecords(runner, path: path)
    }

    @Test("simcc stopped while a customer talks, restarted after the hang-up: the call taken over is recorded from its CDR, not dialled again")
    func servedWhileSimccWasDown() async throws {
        let agents = ["1000", "1001"]
        let (fake, path, folder, clock) = try await Self.stoppedWithTwoCallsHeld("restart-cdr", contracts: 4)
        defer { Task { await fake.stop() } }
        let (served, ringing) = (fake.originates[0], fake.originates[1])
        let answeredAt = clock.now() + 1
        clock.set(to: answeredAt)
        fake.answerHeld(served, bridgeTo: "1001")
        clock.set(to: answeredAt + 30)
        fake.endHeld(served)
        clock.set(to: answeredAt + 40)
        fake.hold(false)
        let (second, _, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, clock: clock, records: folder)
        try await second.start()
        // The call still ringing at the restart ends now, as FreeSWITCH tells.
        fake.endHeld(ringing, cause: "NO_ANSWER")
        try await timers.run(until: { await second.isOver }, "the task complete")
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let record = try #require(records.first { $0.call.uuidString == served })
        #expect(record.outcome == .connected && record.answeredAt == answeredAt && record.endedAt == answeredAt + 30)
        #expect(record.agent == AgentID(1))
        #expect(records.filter { $0.contract == record.contract }.count == 1)
        Self.expectNoServedCustomerDialledAgain(records)
        #expect(Set(records.map(\.call.uuidString)) == Set(fake.originates) && records.count == fake.originateCount)
        try await Self.expectCountsMatchRecords(second, path: path)
    }

    @Test("counts across runs: a task stopped and resumed reports every run's attempts in /task, /metrics and the S34 snapshot, equal to its records")
    func countsAcrossRuns() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("counts", contracts: 6)
        // The first run's first three calls end at once; the next ones are held when it stops.
        fake.state.withLock { $0.holdFrom = 3 }
        let (first, clock, firstTimers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents)
        try await first.start()
        try await firstTimers.run(until: { fake.originateCount >= 4 }, "the first run's calls")
        try await eventually("three records written") {
            (try? OutboundStore(path: path).callRecords(batchID: "b1").count) ?? 0 >= 3
        }
        await first.stop()
        let before = try OutboundStore(path: path).callRecords(batchID: "b1").count
        #expect(before >= 3)
        fake.hold(false)
        for call in fake.originates.dropFirst(3) { fake.hangUp(call) }
        let (second, _, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, clock: clock)
        try await second.start()
        try await timers.run(until: { await second.isOver }, "the task complete")
        let store = try OutboundStore(path: path)
        let records = try store.callRecords(batchID: "b1")
        var byOutcome: [String: Int] = [:]
        for record in records { byOutcome[record.outcome.rawValue, default: 0] += 1 }
        #expect(try store.latestSnapshot(batchID: "b1")?.outcomes == byOutcome, "the S34 snapshot")
        try await Self.expectCountsMatchRecords(second, path: path)
        let text = await Self.metrics(of: second).text
        for (outcome, n) in byOutcome {
            #expect(text.contains("simcc_dialer_attempts_total{batch=\"b1\",outcome=\"\(outcome)\"} \(n)"), "\(outcome) \(n)")
        }
    }

    @Test("a dropped connection, then a refused show channels: /status says degraded and why, the reconcile is tried again, the calls are settled and the task completes")
    func refusedChannelList() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("refused-list", contracts: 4)
        let folder = try Self.recordsFolder("refused-list")
        let (runner, clock, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, records: folder)
        fake.keepRecords(in: folder, clock: { clock.now() })
        fake.hold(true)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        try await eventually("both in flight") { await runner.status().callsInFlight == 2 }
        fake.refuse("api show channels")
        fake.hold(false)
        fake.dropHeldChannels()
        fake.dropConnections()
        try await eventually("degraded after the reconnect") { await runner.status().state == "degraded" }
        let status = await runner.status()
        #expect(status.problem?.contains("cannot list FreeSWITCH's channels") == true, "\(status)")
        #expect(await Self.metrics(of: runner).text.contains("simcc_unhealthy 1"))
        // FreeSWITCH answers again: the next try settles the calls, and the run is healthy.
        fake.state.withLock { $0.refusing.removeAll() }
        try await timers.run(until: { await runner.isOver }, "the task complete")
        #expect(try await runner.waitUntilFinished().state == "completed")
        #expect(fake.commands.filter { $0 == "api show channels as json" }.count >= 2, "tried again")
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        #expect(Set(records.map(\.call.uuidString)) == Set(fake.originates) && records.count == fake.originateCount)
        #expect(records.allSatisfy { $0.outcome != .unknown }, "every record was read")
        try await Self.expectCountsMatchRecords(runner, path: path)
    }

    @Test("an originate FreeSWITCH never answers (no reply, no job, no channel): the audit lists the channels, the call is settled (held for review), the task completes")
    func originateNeverAnswered() async throws {
        let agents = ["1000"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("silent", contracts: 3)
        let log = LogLines()
        var options = LiveRunnerOptions(
            storePath: path, batchID: "b1", live: liveConfiguration(agents: agents),
            eventSocket: fake.configuration(commandTimeout: .seconds(1)))
        options.cdrWait = 30
        var progressive = ProgressiveDialer.Configuration()
        progressive.rules = quickRetries
        let clock = testClock()
        let runner = try LiveCenter(dialer: ProgressiveDialer(progressive), options: options, clock: clock, log: log.sink)
        let timers = pump(runner, fake, clock)
        fake.ignore("bgapi originate")
        try await runner.start()
        try await eventually("the first originate read") { fake.originateCount == 0 && fake.commands.contains { $0.hasPrefix("bgapi originate") } }
        // FreeSWITCH behaves again for the next calls.
        try await eventually("the reply timed out") { log.all.contains { $0.contains("no reply to a command") } }
        fake.state.withLock { $0.ignoring.removeAll() }
        try await timers.run(until: { await runner.isOver }, "the task complete")
        #expect(try await runner.waitUntilFinished().state == "completed")
        #expect(log.all.contains { $0.contains("no sign from FreeSWITCH of 1 call(s)") }, "\(log.all)")
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let silent = try #require(records.first)
        #expect(silent.call == CallID(1) && silent.outcome == .unknown)
        let task = try OutboundStore(path: path).loadTask(batchID: "b1")
        #expect(task.contracts[silent.contract.index].state == .review)
        #expect(task.contracts.allSatisfy { $0.state.isClosed } && task.callsInFlight.isEmpty)
    }

    @Test("FreeSWITCH unreachable past the watchdog's limit: the run ends with status 69 and says why")
    func watchdog() async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        let path = try makeStore("watchdog", contracts: 4)
        let (runner, _, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, configure: { $0.watchdog = 120 })
        fake.hold(true)
        try await runner.start()
        try await eventually("two held calls") { fake.originateCount == 2 }
        fake.setDown(true)
        fake.dropConnections()
        try await eventually("reconnecting") { await runner.status().state == "reconnecting" }
        #expect(await runner.status().problem?.contains("the connection to FreeSWITCH was lost") == true)
        try await timers.run(until: { await runner.isOver }, "the watchdog", within: 200)
        do {
            _ = try await runner.waitUntilFinished()
            Issue.record("the run went on unhealthy")
        } catch let error as LiveRunnerError {
            #expect(error.exitStatus == 69)
            #expect(error.description.contains("unhealthy for 120 s"), "\(error)")
        }
        #expect(try OutboundStore(path: path).loadTask(batchID: "b1").callsInFlight.count == 2, "left for the next run")
    }

    @Test("a transfer that would place an answered customer is refused, or lost with the connection: the agent is freed, the customer placed again, not left parked")
    func placementFails() async throws {
        let agents = ["1000", "1001"]
        for lost in [false, true] {
            let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
            let path = try makeStore("placement-\(lost)", contracts: 3)
            let log = LogLines()
            let (runner, _, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, log: log.sink)
            if lost {
                // The transfer runs at FreeSWITCH only after the connection is gone: it never
                // arrives; FreeSWITCH still has the customer parked.
                fake.ignore("bgapi uuid_transfer")
            } else {
                fake.refuse("bgapi uuid_transfer")
            }
            try await runner.start()
            try await eventually("a transfer tried") { fake.commands.contains { $0.hasPrefix("bgapi uuid_transfer") } }
            if lost {
                fake.state.withLock { $0.ignoring.removeAll() }
                fake.dropConnections()
            } else {
                try await eventually("the refusal heard") { await runner.status().callsInFlight > 0 && fake.commands.filter { $0.hasPrefix("bgapi uuid_transfer") }.count >= 2 }
                fake.state.withLock { $0.refusing.removeAll() }
            }
            do {
                try await timers.run(until: { await runner.isOver }, "the task complete (lost: \(lost))")
            } catch {
                Issue.record("\(log.all.joined(separator: "\n")) \(await runner.status()) parked: \(fake.parkedCount) settled: \(await timers.settled) next: \(String(describing: timers.clock.nextDeadline)) timer: \(String(describing: await runner.nextTimer)) limit: \(timers.limit) now: \(timers.clock.now()) queued: \(await runner.commandsQueued) read: \(fake.state.withLock { $0.userCommands }) sent: \(fake.state.withLock { $0.eventsSent }) received: \(await runner.eventsReceived)")
                throw error
            }
            let records = try OutboundStore(path: path).callRecords(batchID: "b1")
            #expect(records.count == fake.originateCount)
            #expect(records.filter { $0.outcome == .connected }.count == 3, "lost: \(lost): \(records.map(\.outcome))")
            #expect(fake.parkedCount == 0, "a customer left parked")
            if lost { #expect(log.all.contains { $0.contains("was not placed") }, "\(log.all)") }
            await fake.stop()
        }
    }

    @Test("a call answered and bridged while simcc was down, still up at the restart, ends after it: recorded with FreeSWITCH's own answer and bridge times")
    func takenOverWithTrueTimes() async throws {
        let agents = ["1000", "1001"]
        let (fake, path, folder, clock) = try await Self.stoppedWithTwoCallsHeld("late-times", contracts: 3)
        defer { Task { await fake.stop() } }
        let talking = fake.originates[0]
        let answeredAt = clock.now() + 2
        clock.set(to: answeredAt)
        fake.answerHeld(talking, bridgeTo: "1001")
        clock.set(to: answeredAt + 20)
        fake.hold(false)
        let (second, _, timers) = try LiveRunnerTests.quickDialer(fake, path: path, agents: agents, clock: clock, records: folder)
        try await second.start()
        #expect(await second.status().callsInFlight >= 1)
        clock.set(to: answeredAt + 50)
        fake.endHeld(talking)
        fake.endHeld(fake.originates[1], cause: "NO_ANSWER")
        try await timers.run(until: { await second.isOver }, "the task complete")
        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let record = try #require(records.first { $0.call.uuidString == talking })
        #expect(record.outcome == .connected && record.agent == AgentID(1))
        #expect(record.answeredAt == answeredAt && record.connectedAt == answeredAt, "\(record)")
        #expect(record.endedAt == answeredAt + 50)
        Self.expectNoServedCustomerDialledAgain(records)
    }
}
