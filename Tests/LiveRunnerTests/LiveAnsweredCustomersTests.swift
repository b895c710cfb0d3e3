import FreeSWITCHFake
import CallCenter
import DialingPolicies
import Foundation
import Live
import LiveRunner
import Store
import Synchronization
import LiveTestSupport
import Testing

/// The default destination `&park()`: simcc itself places each answered customer (the campaign
/// policy), against a fake FreeSWITCH that parks answered calls and never bridges by itself.
@Suite("Live answered customers with &park()", .serialized)
struct LiveAnsweredCustomersTests {
    @Test("a power campaign: answered customers are transferred to free agents, one call per agent; those held past max_hold hear the message and are hung up (an originate's job before the call's events, or after them as a real originate returns)", arguments: [false, true])
    func placesAndReleases(jobAfterAnswer: Bool) async throws {
        let agents = ["1000", "1001"]
        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: agents)
        defer { Task { await fake.stop() } }
        fake.state.withLock { $0.jobAfterAnswer = jobAfterAnswer }
        // Agents stay on their calls until the test lets them go: customers answered meanwhile wait.
        fake.holdPlaced(true)
        let path = try makeStore("park", contracts: 8)
        var live = liveConfiguration(agents: agents)
        live.maxHoldMessage = "ivr/ivr-all_agents_busy.wav"
        #expect(live.answeredCallDestination == .park, "the default destination")
        var options = LiveRunnerOptions(storePath: path, batchID: "b1", live: live, eventSocket: fake.configuration())
        options.maxHold = 2
        var power = PowerDialer.Configuration()
        power.linesPerAgent = 2
        power.rules = quickRetries
        let runner = try LiveCenter(dialer: PowerDialer(power), options: options, clock: testClock())
        let timers = pump(runner, fake)
        try await runner.start()

        // Two lines per agent: four customers answer; two meet the agents, two wait and are let go.
        try await timers.run(until: {
            fake.placed.count >= 2 && fake.expired.count >= 2
        }, "two customers placed and two released at max_hold")
        #expect(fake.doubleBooked.isEmpty, "\(fake.doubleBooked)")
        #expect(Set(fake.placed.prefix(2).map { $0.split(separator: " ")[1] }) == ["1000", "1001"])
        #expect(await runner.agents().map(\.state) == ["talking", "talking"])
        #expect(fake.commands.contains { $0.hasPrefix("bgapi uuid_transfer ") && $0.hasSuffix(" playback:ivr/ivr-all_agents_busy.wav,hangup:NORMAL_CLEARING inline") })

        // The agents finish their calls from now on; the campaign runs to its end.
        let done = Atomic<Bool>(false)
        let releaser = Task {
            while !done.load(ordering: .relaxed) {
                fake.hangUpPlaced()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        try await timers.run(until: { await runner.isOver }, "the task complete")
        let summary = try await runner.waitUntilFinished()
        done.store(true, ordering: .relaxed)
        await releaser.value
        #expect(summary.state == "completed")
        #expect(fake.doubleBooked.isEmpty, "an agent was sent a second customer while on a call: \(fake.doubleBooked)")

        let records = try OutboundStore(path: path).callRecords(batchID: "b1")
        let placed = Dictionary(fake.placed.map { line -> (String, String) in
            let words = line.split(separator: " ")
            return (String(words[0]), String(words[1]))
        }, uniquingKeysWith: { a, _ in a })
        let expired = Set(fake.expired)
        #expect(expired.isDisjoint(with: placed.keys), "a customer both placed and let go")
        for record in records {
            let uuid = record.call.uuidString
            if let exten = placed[uuid] {
                #expect(record.outcome == .connected, "\(uuid) placed with \(exten): \(record.outcome)")
                #expect(record.agent.map { agents[$0.index] } == exten)
            } else if expired.contains(uuid) {
                #expect(record.outcome == .abandoned, "\(uuid) let go at max_hold: \(record.outcome)")
                let held = record.endedAt - (record.answeredAt ?? .infinity)
                #expect(held >= 2, "\(uuid) let go after \(held) s, before max_hold (2 s)")
            }
        }
        #expect(records.filter { $0.outcome == .connected }.count == 8, "every contract reached an agent in the end")
        #expect(records.count == fake.originateCount)
    }
}
