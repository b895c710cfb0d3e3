import FreeSWITCHFake
import CallCenter
import CenterPolicies
import Foundation
import Live
import LiveRunner
import LiveTestSupport
import RoutingPolicies
import Simulation
import Store
import Testing

/// Waits for `condition`, yielding first and then sleeping briefly: a step of the twin waits for
/// the live center's actor, not for wall-clock time.
func settle(_ what: String, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    var tries = 0
    while !(await condition()) {
        tries += 1
        if tries < 200 {
            await Task.yield()
        } else {
            if ContinuousClock.now > deadline { throw TestTimeout(what: what) }
            try await Task.sleep(for: .microseconds(100))
        }
    }
}

/// The twin check through the one live driver (issue 10): the simulator's blended day, told by
/// a fake FreeSWITCH over TCP as ESL frames (and by the agent desk), to a `LiveCenter` running
/// the simulator's own fresh center on a manual clock; the live center answers every step with
/// the same commands at the same times, and the campaign's store holds the simulator's records.
@Suite("Twin check through LiveCenter and a fake FreeSWITCH over TCP", .serialized)
struct LiveTwinTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func temporary(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("simcc-twin-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return path
    }

    @Test("bank-blended, reserve 4, three hours: the same commands in the same order at the same times, and the same call records")
    func blendedDay() async throws {
        let file = try ScenarioFile.load(contentsOf: Self.root.appendingPathComponent("scenarios/bank-blended.yaml").path)
        guard case .routing(let study) = file else { throw CocoaError(.fileReadCorruptFile) }
        // The first three hours of the day (the in-process twin takes the whole day): over 1,000
        // calls, callers and campaign calls together, at a fraction of the wall time.
        var scenario = study.scenario(variant: 0)
        scenario.horizon = 3 * 3600
        let replay = try RoutingRunner.replay(scenario)
        let task = try #require(replay.trace.task)
        let originated = replay.trace.steps.reduce(0) { n, step in
            n + step.commands.filter { if case .dialer(.originate) = $0 { true } else { false } }.count
        }
        #expect(Int(replay.replication.total(.offered)) + originated >= 1000, "callers and campaign calls")
        let sim = try #require(RoutingRunner.cascadeCenter(scenario))

        // The campaign's store holds the simulator's task; the routing store starts empty.
        let path = Self.temporary("calls")
        let store = try OutboundStore(path: path)
        _ = try store.importContacts(
            ContactList(
                file: "(twin)",
                entries: task.contracts.enumerated().map { .init(line: $0.offset + 2, number: $0.element.number, customer: $0.element.customer) }),
            batchID: task.batchID)
        let configuration = CenterTwin.configuration(agents: scenario.agents)
        let roster = try LiveRoster(
            agents: configuration.agents.map { LiveRoster.Agent(name: $0.name, exten: $0.exten, team: "all", backup: nil, isLeader: false, businessTypes: []) })

        let fake = try await FakeFreeSWITCH.start(password: eslPassword, agents: [])
        defer { Task { await fake.stop() } }
        fake.script(true)
        var options = LiveRunnerOptions(storePath: path, batchID: task.batchID, live: configuration, eventSocket: fake.configuration())
        options.agentsAtStart = .assume(.loggedOut)
        // The twin releases the simulator's timers one by one; the run's own check for silent
        // calls would take a release meant for one of them (and the scripted FreeSWITCH rings
        // as long as the simulated world says, past any originate timeout).
        options.auditPeriod = nil
        var routing = LiveRouterOptions(
            storePath: Self.temporary("routing"), roster: roster, live: configuration, eventSocket: fake.configuration())
        routing.agentsAtStart = .assume(.loggedOut)
        // A second before the day: the campaign starts at dial_from (0) by its own timer, after the
        // agents logged in at 0, as in the simulator.
        let clock = ManualLiveClock(start: -1)
        let center = try LiveCenter(center: sim, options: options, routing: routing, freeAtHangup: false, keepTrace: true, clock: clock)
        try await center.start()

        var script = TwinScript(configuration: configuration)
        var failures: [String] = []
        var frames = 0
        var learned = 0
        var prompts: [String: Int] = [:]
        steps: for step in replay.trace.steps {
            let t = step.time
            clock.set(to: t)
            // What the script needs of the commands already written: originates' arguments, prompts.
            switch step.event {
            case .outbound(.callAnswered(let call, _))?, .outbound(.callEnded(let call, _))?:
                let job = SimccUUID.make(.originateJob, call.rawValue)
                do {
                    try await settle("the originate of \(call)") { fake.state.withLock { $0.originateArgument[job] } != nil }
                } catch {
                    failures.append("at \(t): \(error)")
                    break steps
                }
                if let argument = fake.state.withLock({ $0.originateArgument[job] }) {
                    script.learnOriginate(job: job, argument: argument)
                }
            case .inbound(.digitsCollected(let call, _))?:
                let uuid = FreeSWITCHEventFactory.foreignUUID(call.rawValue)
                let expected = prompts[uuid, default: 0]
                try await settle("the prompt on \(uuid)") { fake.state.withLock { $0.promptCount[uuid, default: 0] } >= expected }
                if let prompt = fake.state.withLock({ $0.lastPrompt[uuid] }) {
                    script.learnPrompt(uuid: uuid, application: prompt.application, eventUUID: prompt.eventUUID)
                }
            default:
                break
            }
            for move in script.moves(for: step, task: task) {
                switch move {
                case .frames(let batch):
                    fake.push(batch)
                    frames += batch.count
                    let expected = frames
                    do {
                        try await settle("frames at \(t)") { await center.eventsReceived == expected }
                    } catch {
                        Issue.record("frames at \(t): \(await center.eventsReceived) of \(expected) received; step \(step)")
                        throw error
                    }
                case .timer, .startCampaign:
                    guard let next = await center.nextTimer, next <= t else {
                        failures.append("at \(t): the simulator's timer went off, but the live center armed none due")
                        continue
                    }
                    // One timer goes off: the first armed of those due (the simulator's calendar
                    // order); the next step may be an event at the same instant.
                    try await settle("the alarm for \(t)") { (clock.nextDeadline ?? .infinity) <= t }
                    let fired = await center.timersFired
                    clock.releaseFirst()
                    try await settle("the timer at \(t)") { await center.timersFired > fired }
                case .desk(.agentFree(let agent)):
                    await center.agentReady(agent)
                case .desk(.callbackEnded(let task, let agent, let reached)):
                    await center.callbackEnded(task, agent: agent, reached: reached)
                case .desk(let other):
                    failures.append("at \(t): no desk report for \(other)")
                case .failure(let why):
                    failures.append(why)
                }
            }
            for live in await center.traceSteps(from: learned) {
                for command in live.commands {
                    script.learn(command)
                    if case .inbound(.collectDigits(let call, _, _, _)) = command {
                        prompts[FreeSWITCHEventFactory.foreignUUID(call.rawValue), default: 0] += 1
                    }
                }
                learned += 1
            }
            if failures.count > 5 { break }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")

        let expected = replay.trace.steps.flatMap { step in step.commands.map { Timed(step.time, $0) } }
        let live = await center.traceSteps(from: 0).flatMap { step in step.commands.map { Timed(step.time, $0) } }
        let common = min(expected.count, live.count)
        if let i = (0..<common).first(where: { expected[$0] != live[$0] }) ?? (expected.count == live.count ? nil : common) {
            Issue.record("""
                command \(i) of \(expected.count) differs (live has \(live.count))
                  simulator: \(expected[max(0, i - 2)..<min(expected.count, i + 3)].map(\.description))
                  live:      \(live[max(0, i - 2)..<min(live.count, i + 3)].map(\.description))
                """)
        }
        if let i = (0..<common).first(where: { expected[$0] != live[$0] }) {
            let at = expected[i].time
            let near = { (steps: [CenterTrace.Step]) in
                steps.filter { abs($0.time - at) < 1.2 }.map { "@\($0.time) \($0.event.map { "\($0)" } ?? "start") -> \($0.commands.count)" }
            }
            Issue.record("simulator steps: \(near(replay.trace.steps))\n live steps: \(near(await center.traceSteps(from: 0)))")
        }
        #expect(live.count > 10_000)
        #expect(frames > 5_000)
        #expect(await center.originates == originated)
        await center.stop()

        // The campaign's store holds the simulator's call records, field for field.
        let simulated = expected.compactMap { timed -> CallRecord? in
            if case .dialer(.record(let record)) = timed.value { record } else { nil }
        }
        let stored = try OutboundStore(path: path).callRecords(batchID: task.batchID)
        #expect(stored.count == simulated.count)
        let a = stored.sorted { $0.call < $1.call }, b = simulated.sorted { $0.call < $1.call }
        if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("record \(i) differs: stored \(a[i]), simulated \(b[i])")
        }
    }
}
