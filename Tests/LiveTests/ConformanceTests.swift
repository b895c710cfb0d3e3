import CallCenter
import DialingPolicies
import EventSocket
import Live
import LiveTestSupport
import RoutingPolicies
import Testing

// MARK: - Dialer scripts

private func c(_ n: UInt64) -> CallID { CallID(n) }

private func at(_ t: Seconds, _ step: DialerScript.Step) -> Timed<DialerScript.Step> { Timed(t, step) }

private var quickRetries: ContractRules {
    ContractRules(
        maxAttempts: 3,
        retryDelay: [.busy: 5, .noAnswer: 5, .machine: 10, .abandoned: 5, .failed: 5, .cancelled: 0])
}

private func task(_ n: Int) -> OutboundTask {
    OutboundTask(batchID: "spring", numbers: (0..<n).map { (number: "55510\($0)0", customer: "cust-\($0)") })
}

private var progressive: ProgressiveDialer {
    var configuration = ProgressiveDialer.Configuration()
    configuration.rules = quickRetries
    return ProgressiveDialer(configuration)
}

/// Busy (channel and job), no answer (job only), retries, live answers connected, talk, wrap-up
/// back to idle, an abandon, and the S34 snapshot at the end.
private let outcomesAndRetries = DialerScript(
    name: "progressive: busy, no answer, retries, connected, abandoned, completed",
    task: task(3), agents: [.idle, .idle],
    steps: [
        at(0.5, .ringing(c(1))),
        at(1.5, .failed(c(2), cause: .userBusy, channel: true)),
        at(2.5, .answered(c(1), live: true)),
        at(2.6, .agent(W.a0, .talking)),
        at(2.7, .connected(c(1), W.a0)),
        at(4.5, .failed(c(3), cause: .noAnswer, channel: false)),
        at(8, .answered(c(4), live: true)),
        at(8.5, .agent(W.a1, .talking)),
        at(8.6, .connected(c(4), W.a1)),
        at(20, .hungUp(c(1), cause: .normalClearing)),
        at(20.1, .agent(W.a0, .idle)),
        at(25, .answered(c(5), live: true)),
        at(27, .hungUp(c(5), cause: .normalClearing)),
        at(33, .answered(c(6), live: true)),
        at(33.1, .agent(W.a0, .talking)),
        at(33.2, .connected(c(6), W.a0)),
        at(40, .hungUp(c(4), cause: .normalClearing)),
        at(41, .hungUp(c(6), cause: .normalClearing)),
    ], end: 60)

/// A machine answer (AMD verdict after CHANNEL_ANSWER), retried later and then reached.
private let machine = DialerScript(
    name: "progressive + AMD: a machine, retried, then a person",
    task: task(2), agents: [.idle],
    steps: [
        at(1, .answered(c(1), live: false)),
        at(2, .hungUp(c(1), cause: .normalClearing)),
        at(4, .answered(c(2), live: true)),
        at(4.1, .agent(W.a0, .talking)),
        at(4.2, .connected(c(2), W.a0)),
        at(30, .hungUp(c(2), cause: .normalClearing)),
        at(30.5, .agent(W.a0, .idle)),
        at(33, .answered(c(3), live: true)),
        at(33.1, .agent(W.a0, .talking)),
        at(33.2, .connected(c(3), W.a0)),
        at(50, .hungUp(c(3), cause: .normalClearing)),
    ], end: 70)

/// The patent's dispatcher: S1' over-dials for idle agents, S3' dials for an agent paused past
/// the pause timeout; ringing calls cancelled, a rejected one, a logout.
private let patentSteps = DialerScript(
    name: "patent dispatcher: S1', S3' after a long pause, failures",
    task: task(5), agents: [.idle, .idle],
    steps: [
        at(1, .failed(c(1), cause: .noAnswer, channel: true)),
        at(1, .failed(c(2), cause: .userBusy, channel: false)),
        at(1.5, .answered(c(3), live: true)),
        at(1.6, .agent(W.a0, .talking)),
        at(1.7, .connected(c(3), W.a0)),
        at(2, .agent(W.a1, .paused)),
        at(3, .hungUp(c(4), cause: .callRejected)),
        at(40, .hungUp(c(3), cause: .normalClearing)),
        at(40, .agent(W.a0, .loggedOut)),
    ], end: 80)

private var patent: PatentDispatcher {
    var configuration = PatentDispatcher.Configuration()
    configuration.pauseTimeout = 30
    configuration.rules = quickRetries
    return PatentDispatcher(configuration)
}

/// One agent; the customer hangs up before anyone takes the call (an abandon), then again on
/// the retry, which uses up the attempts.
private let abandons = DialerScript(
    name: "progressive: abandons until the attempts are used up",
    task: task(1), agents: [.idle],
    steps: [
        at(1, .answered(c(1), live: true)),
        at(3, .hungUp(c(1), cause: .normalClearing)),
        at(9, .answered(c(2), live: true)),
        at(10, .hungUp(c(2), cause: .normalClearing)),
        at(16, .failed(c(3), cause: .recoveryOnTimerExpire, channel: false)),
    ], end: 30)

/// Two reconnect gaps. In the first, a call connected before it ended unseen with no record
/// (served: the end's time unknown), and a ringing one was answered, bridged to a1 and ended,
/// as FreeSWITCH's record says (served, at the record's times: never dialled again). In the
/// second, a ringing call ended with no record: its fate is unknown and its contract held for
/// review, not dialled again.
private let gap = DialerScript(
    name: "progressive: two gaps, settled from show channels and FreeSWITCH's records",
    task: task(3), agents: [.idle, .idle],
    steps: [
        at(1, .answered(c(1), live: true)),
        at(1.1, .agent(W.a0, .talking)),
        at(1.2, .connected(c(1), W.a0)),
        at(10, .gap(ended: [c(1), c(2)], records: [
            c(2): CallReport(answeredAt: 4, connectedAt: 5, agent: W.a1, endedAt: 8, cause: .normalClearing)
        ])),
        at(12, .agent(W.a0, .idle)),
        at(20, .gap(ended: [c(3)])),
    ], end: 40)

@Suite("Conformance: the same scripts directly and through FreeSWITCH's bytes")
struct DialerConformanceTests {
    static let chunkSizes = [0, 1, 7, 1500]

    func expectConforms<D: Dialer>(
        _ script: DialerScript, _ dialer: D, configuration: LiveConfiguration = W.configuration,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConformanceReport<DialerEvent, DialerCommand> {
        var last: ConformanceReport<DialerEvent, DialerCommand>?
        for chunk in Self.chunkSizes {
            let report = ConformanceChecker(configuration: configuration, chunkSize: chunk).check(script, dialer: dialer)
            #expect(report.failures == [], "\(script.name), chunks of \(chunk)", sourceLocation: sourceLocation)
            last = report
        }
        guard let last else { preconditionFailure("no chunk sizes") }
        // Every originate went out as one bgapi originate.
        let originates = last.direct.commands.filter { if case .originate = $0.value { true } else { false } }
        #expect(
            last.live.eslCommands.filter { $0.hasPrefix("bgapi originate ") }.count == originates.count,
            sourceLocation: sourceLocation)
        return last
    }

    func outcomes(_ trace: DialerTrace) -> [CallOutcome] {
        trace.commands.compactMap { if case .record(let r) = $0.value { r.outcome } else { nil } }
    }

    @Test("progressive: busy, no answer, retries, connected, abandoned, S34")
    func progressiveOutcomes() {
        let report = expectConforms(outcomesAndRetries, progressive)
        #expect(outcomes(report.direct) == [.busy, .noAnswer, .connected, .abandoned, .connected, .connected])
        #expect(report.direct.commands.contains { if case .taskCompleted = $0.value { true } else { false } })
        #expect(report.direct.events.count > 40, "the ticks are in the trace")
    }

    @Test("AMD: a machine verdict after the answer, the retry reaches a person")
    func amd() {
        let report = expectConforms(machine, progressive, configuration: W.amdConfiguration)
        #expect(outcomes(report.direct) == [.machine, .connected, .connected])
    }

    @Test("patent dispatcher: S1' pacing, S3' for the long pause, rejections and a logout")
    func patentDispatcher() {
        let report = expectConforms(patentSteps, patent)
        #expect(outcomes(report.direct).prefix(3) == [.noAnswer, .busy, .busy])
        #expect(outcomes(report.direct).contains(.connected))
        // S3': with a0 talking and a1 paused since 2, dialing resumes once the pause exceeds 30 s.
        let dialTimes = report.direct.commands.compactMap { if case .originate = $0.value { $0.time } else { nil } }
        #expect(dialTimes.contains { $0 > 32 && $0 < 40 })
    }

    @Test("abandons and a timer expiry use up the attempts; the contract fails")
    func abandonsUseUpAttempts() {
        let report = expectConforms(abandons, progressive)
        #expect(outcomes(report.direct) == [.abandoned, .abandoned, .noAnswer])
        #expect(report.direct.commands.contains {
            if case .taskCompleted(let snapshot) = $0.value { snapshot.contracts.first?.state == .failed } else { false }
        })
    }

    @Test("reconnect gaps: a call that ended out of sight is settled by FreeSWITCH's record, or held for review without one; none is dialled again")
    func reconnectGap() {
        let report = expectConforms(gap, progressive)
        #expect(outcomes(report.direct) == [.connected, .connected, .unknown])
        let records = report.direct.commands.compactMap { if case .record(let r) = $0.value { r } else { nil } }
        // c2 at the record's times; c1 served, its end's time unknown (the gap's).
        #expect(records.first { $0.call == c(2) }.map { ($0.answeredAt, $0.connectedAt, $0.endedAt, $0.agent) } ?? (nil, nil, 0, nil)
            == (4, 5, 8, W.a1))
        #expect(records.first { $0.call == c(1) }.map { ($0.endedAt, $0.cause) } ?? (0, .normalClearing) == (10, .crash))
        #expect(report.live.eslCommands.filter { $0.hasPrefix("bgapi originate ") }.count == 3, "nobody dialled twice")
        #expect(report.direct.commands.contains {
            if case .taskCompleted(let snapshot) = $0.value {
                snapshot.contracts.map(\.state) == [.completed, .completed, .review]
            } else { false }
        })
    }

    @Test("a script naming a call never dialled is reported, not silently passed")
    func badScript() {
        let script = DialerScript(
            name: "bad", task: task(1), agents: [.idle], steps: [at(1, .answered(c(99), live: true))], end: 3)
        let report = ConformanceChecker(configuration: W.configuration).check(script, dialer: progressive)
        #expect(report.failures.contains { $0.contains("call#99") })
    }

    @Test("a bridge that translated wrongly is caught: events that differ are named")
    func catchesDifferences() {
        // A configuration without the roster cannot resolve agents: the connection is lost live.
        var configuration = W.configuration
        configuration.agents = [.init(id: W.a0, name: "1000@default", exten: "1000")]
        let report = ConformanceChecker(configuration: configuration).check(outcomesAndRetries, dialer: progressive)
        #expect(!report.passed)
    }
}

// MARK: - Router scripts

private let known = "13800000001", idNumber = "110101199001011234"

private var directory: Directory {
    var d = Directory()
    let loans = BusinessTypeID(1), cards = BusinessTypeID(2)
    d.businessTypes = [BusinessType(id: loans, name: "loans"), BusinessType(id: cards, name: "cards")]
    d.addAgent(AgentProfile(id: W.a0, team: TeamID(1), backup: W.a1, businessTypes: [loans]))
    d.addAgent(AgentProfile(id: W.a1, team: TeamID(1), backup: W.a0, businessTypes: [loans]))
    d.addAgent(AgentProfile(id: W.a2, team: TeamID(2), isLeader: true, businessTypes: [loans, cards]))
    d.addCustomer(numbers: [known], idNumber: idNumber, firstAgent: W.a0)
    return d
}

private func cascade(_ configuration: CascadeRouter.Configuration = .init(callbackDeadline: 100, followUpPeriod: 50))
    -> CascadeRouter
{
    CascadeRouter(directory: directory, configuration: configuration, random: SplitMix64(seed: 7))
}

private func at(_ t: Seconds, _ step: RouterScript.Step) -> Timed<RouterScript.Step> { Timed(t, step) }

@Suite("Conformance: the inbound router directly and through FreeSWITCH's bytes")
struct RouterConformanceTests {
    func expectConforms(
        _ script: RouterScript, _ router: CascadeRouter, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConformanceReport<InboundEvent, InboundCommand> {
        var last: ConformanceReport<InboundEvent, InboundCommand>?
        for chunk in [0, 1, 13] {
            let report = ConformanceChecker(configuration: W.configuration, chunkSize: chunk).check(script, router: router)
            #expect(report.failures == [], "\(script.name), chunks of \(chunk)", sourceLocation: sourceLocation)
            last = report
        }
        guard let last else { preconditionFailure("no chunk sizes") }
        return last
    }

    func caller(_ n: UInt64) -> CallID { CallID(W.configuration.firstInboundCall + n) }

    @Test("011: a known caller goes to the first agent, who is free again after the call")
    func knownCaller() {
        let report = expectConforms(
            RouterScript(
                name: "known caller",
                steps: [
                    at(0, .agent(W.a0, .idle)), at(0, .agent(W.a1, .idle)), at(1, .caller(number: known)),
                    at(60, .hangsUp(caller: 0)), at(61, .caller(number: known)),
                ], end: 100), cascade())
        #expect(
            report.direct.commands.map(\.value) == [
                .connect(caller(0), to: W.a0), .routed(caller(0), .firstAgent),
                .connect(caller(1), to: W.a0), .routed(caller(1), .firstAgent),
            ])
        #expect(report.live.eslCommands.filter { $0.hasPrefix("bgapi uuid_transfer ") && $0.contains(" 1000 XML default\n") }.count == 2)
    }

    @Test("02: an unknown caller keys a wrong ID, then the right one: bound, then 011")
    func unknownCallerKeysID() {
        let report = expectConforms(
            RouterScript(
                name: "unknown caller keys an ID",
                steps: [
                    at(0, .agent(W.a0, .idle)), at(1, .caller(number: "13900000009")),
                    at(5, .keys(caller: 0, "123")), at(9, .keys(caller: 0, idNumber)), at(70, .hangsUp(caller: 0)),
                ], end: 100), cascade())
        #expect(
            report.direct.commands.map(\.value) == [
                .collectDigits(caller(0), prompt: .idNumber(attempt: 1), maxDigits: 18, timeout: 15),
                .collectDigits(caller(0), prompt: .idNumber(attempt: 2), maxDigits: 18, timeout: 15),
                .bindNumber("13900000009", to: CustomerID(0)),
                .connect(caller(0), to: W.a0), .routed(caller(0), .idMatched(then: .firstAgent)),
            ])
        #expect(report.live.eslCommands.filter { $0.contains("execute-app-name: play_and_get_digits\n") }.count == 2)
    }

    @Test("03-06: the first agent is busy, the caller takes the callback menu; the monitor reminds")
    func callback() {
        let report = expectConforms(
            RouterScript(
                name: "callback",
                steps: [
                    at(0, .agent(W.a0, .idle)), at(1, .caller(number: known)), at(2, .caller(number: known)),
                    at(6, .keys(caller: 1, "2")), at(90, .hangsUp(caller: 0)),
                    at(400, .callbackDone(CallbackTaskID(0))),
                ], end: 500), cascade())
        let values = report.direct.commands.map(\.value)
        #expect(values.contains(.collectDigits(caller(1), prompt: .callbackMenu, maxDigits: 1, timeout: 10)))
        #expect(values.contains(.hangUp(caller(1))))
        #expect(values.contains(.createCallback(CallbackTaskID(0))))
        #expect(values.contains { if case .remindAgent(W.a0, about: CallbackTaskID(0), _) = $0 { true } else { false } })
        #expect(report.live.eslCommands.contains { $0.hasPrefix("bgapi uuid_kill ") })
    }

    @Test("abandons: in the ID prompt, and during the callback announcement (a task all the same)")
    func abandons() {
        let report = expectConforms(
            RouterScript(
                name: "abandons",
                steps: [
                    at(0, .agent(W.a2, .idle)), at(0.5, .agent(W.a2, .paused)), at(1, .caller(number: nil)),
                    at(3, .hangsUp(caller: 0)), at(4, .caller(number: "13700000003")),
                    at(8, .keys(caller: 1, nil)), at(12, .keys(caller: 1, nil)),
                    at(13, .agent(W.a2, .idle)), at(15, .hangsUp(caller: 1)),
                ], end: 300), cascade())
        #expect(report.direct.events.map(\.value).contains(.callAbandoned(caller(0))))
        #expect(report.direct.events.map(\.value).contains(.agentLoggedOut(W.a2)))
        #expect(report.direct.commands.map(\.value).contains(.createCallback(CallbackTaskID(0))))
    }

    @Test("021 and agents busy with queue calls: a new caller at random, bound to the agent")
    func randomAgent() {
        let report = expectConforms(
            RouterScript(
                name: "random",
                steps: [
                    at(0, .agent(W.a1, .idle)), at(0, .agent(W.a2, .idle)), at(0.2, .agent(W.a2, .talking)),
                    at(1, .caller(number: "13700000004")), at(3, .keys(caller: 0, nil)), at(6, .keys(caller: 0, nil)),
                    at(50, .hangsUp(caller: 0)), at(51, .agent(W.a2, .idle)),
                ], end: 100), cascade())
        #expect(report.direct.commands.map(\.value).contains(.createCustomer(CustomerID(1))))
    }
}
