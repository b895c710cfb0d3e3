import CallCenter
import Foundation
import FreeSWITCHFake
import Live
import Store
import Testing

/// kill -9 of the `simcc live` process at every step of an attempt's life, seeded: the call's
/// life goes on at the fake FreeSWITCH while simcc is down (answered, bridged to an agent, hung
/// up, its record written by `mod_json_cdr`), and a restart settles it. For each: no served
/// customer dialled again, no contract lost, one `call_records` row per attempt with the true
/// cause and times, and the counts equal to the records.
extension LiveProcesses {
@Suite("kill -9 at every step of an attempt's life", .serialized)
struct KillSweepTests {
    enum Step: String, CaseIterable {
        /// The originate went out; the call rings.
        case originateSent
        /// simcc heard the answer (the customer waits parked, or is being placed).
        case answered
        /// simcc heard the customer bridged to an agent.
        case bridged
        /// simcc heard the hang-up (its record may still be in memory).
        case hungUp
        /// The record is on disk.
        case recordWritten
    }

    @Test("kill -9 at each step (two seeds each), restart: the attempt is settled with its true end, nobody served is dialled again", arguments: Step.allCases)
    func sweep(_ step: Step) async throws {
        for seed in 0..<2 { try await Self.run(step, seed: seed) }
    }

    static func run(_ step: Step, seed: Int) async throws {
        let tag = "\(step.rawValue)-\(seed)"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-sweep-\(tag)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        let records = folder + "/cdr"
        try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: true)
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        fake.keepRecords(in: records, clock: { Date().timeIntervalSince1970 })
        let db = try makeStore("sweep-\(tag)", contracts: 6)
        let (arguments, environment) = try LiveProcess.campaignArguments(
            db: db, fake: fake, agents: agents, in: folder, extra: ["--cdr-dir", records, "--cdr-wait", "5"])

        fake.hold(true)
        fake.holdPlaced(true)
        let first = try LiveProcess.spawn(arguments, environment: environment, in: folder, tag: "first")
        try await eventually("two calls held", within: .seconds(30)) { fake.originateCount >= 2 }
        let held = Array(fake.originates.prefix(2))
        let (target, other) = (held[seed % 2], held[1 - seed % 2])
        func heard(_ what: String, _ condition: @escaping @Sendable () -> Bool) async throws {
            try await eventually(what, within: .seconds(20), condition)
        }
        let sent: @Sendable () -> Int = { fake.state.withLock { $0.eventsSent } }
        switch step {
        case .originateSent:
            break
        case .answered:
            let before = sent()
            fake.answerHeld(target)
            try await heard("the answer sent") { sent() > before }
            try await Task.sleep(for: .milliseconds(20 * (seed + 1)))
        case .bridged:
            fake.answerHeld(target, bridgeTo: "1000")
            try await Task.sleep(for: .milliseconds(100 * (seed + 1)))
        case .hungUp, .recordWritten:
            fake.answerHeld(target, bridgeTo: "1000")
            try await Task.sleep(for: .milliseconds(100))
            fake.endHeld(target)
            if step == .recordWritten {
                try await heard("the record on disk") {
                    ((try? OutboundStore(path: db).callRecords(batchID: "b1")) ?? []).contains { $0.call.uuidString == target }
                }
            } else {
                try await Task.sleep(for: .milliseconds(10 * seed))
            }
        }
        kill(first.process.processIdentifier, SIGKILL)
        _ = try await first.exit()

        // While simcc is down, the target's customer talks to an agent and hangs up (unless that
        // happened already); the other call goes unanswered (seed 0) or rings on (seed 1).
        try await Task.sleep(for: .milliseconds(50))
        let (talking, answered) = fake.state.withLock { ($0.talking[target] != nil, $0.answered[target] != nil) }
        if talking {
            fake.hangUpPlaced()
        } else if fake.state.withLock({ $0.live.contains(target) }) {
            if !answered || fake.state.withLock({ $0.parked[target] != nil }) {
                fake.state.withLock { _ = $0.parked.removeValue(forKey: target) }
                fake.answerHeld(target, bridgeTo: "1001")
            }
            try await Task.sleep(for: .milliseconds(30))
            fake.endHeld(target)
        }
        if seed == 0 { fake.endHeld(other, cause: "NO_ANSWER") }
        fake.hold(false)
        fake.holdPlaced(false)
        let listings = fake.commands.filter { $0 == "api show channels as json" }.count
        let second = try LiveProcess.spawn(arguments, environment: environment, in: folder, tag: "second")
        if seed == 1 {
            try await heard("the restart's channel list") {
                fake.commands.filter { $0 == "api show channels as json" }.count > listings
            }
            fake.endHeld(other, cause: "NO_ANSWER")
        }
        let status: Int32
        do {
            status = try await second.exit(within: .seconds(60))
        } catch {
            Issue.record("\(tag): the restarted run did not end: \(second.output.suffix(3000))")
            throw error
        }
        #expect(status == 0, "\(tag): \(second.output.suffix(2000))")

        let store = try OutboundStore(path: db)
        let task = try store.loadTask(batchID: "b1")
        let rows = try store.callRecords(batchID: "b1")
        let originated = fake.originates
        // No contract lost: every contract closed, nothing in flight, none held (records exist).
        #expect(task.contracts.allSatisfy { $0.state == .completed || $0.state == .failed }, "\(tag): \(task.contracts.map(\.state))")
        #expect(task.callsInFlight.isEmpty)
        // One row per attempt.
        #expect(Set(originated).count == originated.count, "\(tag): a call id originated twice")
        #expect(rows.count == originated.count && Set(rows.map(\.call.uuidString)) == Set(originated), "\(tag)")
        for contract in task.contracts {
            #expect(contract.attempts == rows.filter { $0.contract == contract.id }.count, "\(tag): \(contract.id)")
        }
        // The target: served, with its true end (FreeSWITCH's record), never dialled again.
        let cdr = try CallDetailRecord.parse(Data(contentsOf: URL(fileURLWithPath: records + "/\(target).cdr.json")))
        let row = try #require(rows.first { $0.call.uuidString == target })
        #expect(row.outcome == .connected && row.cause == .normalClearing && row.agent != nil, "\(tag): \(row)")
        #expect(abs(row.endedAt - cdr.endedAt) < 0.5, "\(tag): ended \(row.endedAt), FreeSWITCH says \(cdr.endedAt)")
        if let answeredAt = cdr.answeredAt { #expect(abs((row.answeredAt ?? 0) - answeredAt) < 0.5, "\(tag)") }
        #expect(rows.filter { $0.contract == row.contract }.count == 1, "\(tag): the served customer was dialled again")
        // The other: unanswered, its true cause.
        let otherRow = try #require(rows.first { $0.call.uuidString == other })
        #expect(otherRow.outcome == .noAnswer, "\(tag): \(otherRow)")
        FaultTests.expectNoServedCustomerDialledAgain(rows, tag)
        // Counts equal the records.
        var byOutcome: [String: Int] = [:]
        for r in rows { byOutcome[r.outcome.rawValue, default: 0] += 1 }
        #expect(try store.latestSnapshot(batchID: "b1")?.outcomes == byOutcome, "\(tag)")
        if ProcessInfo.processInfo.environment["SIMCC_KEEP_TEST_OUTPUT"] == nil {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
}
