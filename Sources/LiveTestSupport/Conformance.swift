import Foundation
import FreeSWITCHFake
import CallCenter
import EventSocket
import Live

// MARK: - Scripts

/// A value at a time on the driver's clock.
public struct Timed<Value: Hashable & Sendable>: Hashable, Sendable, CustomStringConvertible {
    /// When.
    public var time: Seconds
    /// What.
    public var value: Value
    /// `value` at `time`.
    public init(_ time: Seconds, _ value: Value) {
        self.time = time
        self.value = value
    }
    public var description: String { "@\(time) \(value)" }
}

/// The states a script can put an agent in: those mod_callcenter can express (it has no
/// wrap-up status).
public enum ScriptAgentState: Hashable, Sendable {
    /// Available and Waiting.
    case idle
    /// Available and In a queue call.
    case talking
    /// On Break.
    case paused
    /// Logged Out.
    case loggedOut

    /// The dialer's state for it, entered at `time`.
    public func dialerState(at time: Seconds) -> AgentState {
        switch self {
        case .idle: return .idle
        case .talking: return .talking
        case .paused: return .paused(since: time)
        case .loggedOut: return .loggedOut
        }
    }

    /// The inbound router's view of it.
    public var routerState: RouterAgentState {
        switch self {
        case .idle: return .ready
        case .talking: return .busy
        case .paused, .loggedOut: return .offline
        }
    }
}

/// A scripted outbound scenario in policy terms: what the agents and the called parties do,
/// and when. Calls are named by the ids the dialer gives them (1, 2, 3, ... in dial order).
public struct DialerScript: Sendable {
    /// One thing that happens.
    public enum Step: Hashable, Sendable {
        /// The agent's state changes (mod_callcenter agent-status/state-change).
        case agent(AgentID, ScriptAgentState)
        /// The call rings (CHANNEL_PROGRESS; no policy event).
        case ringing(CallID)
        /// The call is answered by a person, or (`live == false`) a machine, which needs
        /// `LiveConfiguration.machineDetection`.
        case answered(CallID, live: Bool)
        /// The answered call is bridged to the agent.
        case connected(CallID, AgentID)
        /// The call ends with `cause` (customer or agent hangs up; while ringing, a cancel).
        case hungUp(CallID, cause: HangupCause)
        /// The originate fails with `cause` (busy, no answer, ...): the channel's hang-up and
        /// the BACKGROUND_JOB `-ERR <cause>` when `channel`, the job alone otherwise (no channel
        /// was ever created, e.g. a gateway down).
        case failed(CallID, cause: HangupCause, channel: Bool)
        /// The event stream had a gap (a reconnect) during which these calls ended unseen, and
        /// what FreeSWITCH's record (CDR) says of some of them (`records`; the others have none):
        /// the live side reconciles against `show channels as json` listing the other calls, then
        /// reports each vanished call with its record as `mod_json_cdr` writes it; the direct side
        /// hears `callReported(call, records[call])`.
        case gap(ended: [CallID], records: [CallID: CallReport] = [:])
    }

    /// The script's name, in reports.
    public var name: String
    /// The task started at time 0.
    public var task: OutboundTask
    /// The agents at time 0, by index (no `wrapUp`).
    public var agents: [AgentState]
    /// The steps, in time order (equal times keep their order).
    public var steps: [Timed<Step>]
    /// Timers keep firing until this time.
    public var end: Seconds

    /// A script.
    public init(name: String, task: OutboundTask, agents: [AgentState], steps: [Timed<Step>], end: Seconds) {
        self.name = name
        self.task = task
        self.agents = agents
        self.steps = steps
        self.end = end
    }
}

/// A scripted inbound scenario in policy terms. Callers are named by their order of arrival
/// (0, 1, 2, ...); the n-th is `CallID(configuration.firstInboundCall + n)` on both sides.
public struct RouterScript: Sendable {
    /// One thing that happens.
    public enum Step: Hashable, Sendable {
        /// The agent's state changes (mod_callcenter agent-status/state-change).
        case agent(AgentID, ScriptAgentState)
        /// A caller arrives from `number` (nil: anonymous) and is parked.
        case caller(number: String?)
        /// Caller `caller` answers the prompt playing to them with `digits` (nil: nothing keyed).
        case keys(caller: Int, String?)
        /// Caller `caller` hangs up.
        case hangsUp(caller: Int)
        /// An agent finished this callback task (from the agent desktop, not FreeSWITCH).
        case callbackDone(CallbackTaskID)
    }

    /// The script's name, in reports.
    public var name: String
    /// The steps, in time order.
    public var steps: [Timed<Step>]
    /// Timers keep firing until this time.
    public var end: Seconds
    /// The number callers dial.
    public var serviceNumber: String

    /// A script.
    public init(name: String, steps: [Timed<Step>], end: Seconds, serviceNumber: String = "4000") {
        self.name = name
        self.steps = steps
        self.end = end
        self.serviceNumber = serviceNumber
    }
}

// MARK: - Traces and reports

/// What a policy saw and said in one run.
public struct PolicyTrace<Event: Hashable & Sendable, Command: Hashable & Sendable>: Equatable, Sendable {
    /// The events handed to the policy, with their times.
    public var events: [Timed<Event>] = []
    /// The commands it returned, with their times.
    public var commands: [Timed<Command>] = []
    /// The ESL commands written (live runs only), as text.
    public var eslCommands: [String] = []

    /// An empty trace.
    public init() {}

    /// Equal policy-level behaviour: the same events and commands (ESL text aside).
    public func samePolicyBehaviour(as other: PolicyTrace) -> Bool {
        events == other.events && commands == other.commands
    }
}

/// The trace of a dialer.
public typealias DialerTrace = PolicyTrace<DialerEvent, DialerCommand>
/// The trace of an inbound router.
public typealias RouterTrace = PolicyTrace<InboundEvent, InboundCommand>

/// The outcome of running one script both ways.
public struct ConformanceReport<Event: Hashable & Sendable, Command: Hashable & Sendable>: Sendable {
    /// The script's name.
    public var script: String
    /// The run driven directly with policy events (the simulated softswitch's side).
    public var direct: PolicyTrace<Event, Command>
    /// The run driven by ESL frames through the bridge (the live softswitch's side).
    public var live: PolicyTrace<Event, Command>
    /// What did not conform, in sentences; empty when the script passed.
    public var failures: [String]
    /// True when nothing failed.
    public var passed: Bool { failures.isEmpty }
}

// MARK: - The checker

/// Runs scripted scenarios two ways and expects the same policy-level behaviour, like
/// SwiftNIO's `ByteToMessageDecoderVerifier`:
///
/// - **direct**: each step becomes the `DialerEvent`s / `InboundEvent`s the simulated
///   softswitch would deliver, handed straight to the policy;
/// - **live**: each step becomes the ESL frames FreeSWITCH would send
///   (`FreeSWITCHEventFactory`), encoded to bytes, fed to an `ESLDecoder` in `chunkSize`-byte
///   pieces, parsed to `ESLEvent`s and translated by the bridge; the policy's commands go
///   through the bridge to `LiveAction`s, whose timers drive the policy's wake-ups.
///
/// The events the policy saw and the commands it returned must be equal, and each ESL command
/// must be what the configuration says (every originate carries the call's `origination_uuid`,
/// dial string, destination and its own Job-UUID).
public struct ConformanceChecker: Sendable {
    /// The live side's configuration (its roster must hold the scripts' agents).
    public var configuration: LiveConfiguration
    /// Bytes handed to the decoder at a time (1 exercises every split; 0: a step's frames at once).
    public var chunkSize: Int

    /// A checker for `configuration`, feeding the decoder `chunkSize` bytes at a time.
    public init(configuration: LiveConfiguration, chunkSize: Int = 0) {
        self.configuration = configuration
        self.chunkSize = chunkSize
    }

    // MARK: Dialer

    /// Runs `script` both ways on copies of `dialer` and compares them.
    public func check<D: Dialer>(_ script: DialerScript, dialer: D) -> ConformanceReport<DialerEvent, DialerCommand> {
        var failures: [String] = []
        let direct = runDirect(script, dialer: dialer, failures: &failures)
        let live = runLive(script, dialer: dialer, failures: &failures)
        compare(direct, live, into: &failures)
        return ConformanceReport(script: script.name, direct: direct, live: live, failures: failures)
    }

    /// The direct run: policy events straight into the dialer.
    public func runDirect<D: Dialer>(_ script: DialerScript, dialer: D, failures: inout [String]) -> DialerTrace {
        var dialer = dialer
        var trace = DialerTrace()
        var timers = Set<Seconds>()
        var inFlight = Set<CallID>()
        var answeredCalls = Set<CallID>()
        func handle(_ event: DialerEvent, at time: Seconds) {
            trace.events.append(Timed(time, event))
            var commands: [DialerCommand] = []
            dialer.handle(event, at: time, into: &commands)
            absorb(commands, at: time)
        }
        func absorb(_ commands: [DialerCommand], at time: Seconds) {
            for command in commands {
                trace.commands.append(Timed(time, command))
                switch command {
                case .wakeUp(let at): timers.insert(at)
                case .originate(let call, _, _): inFlight.insert(call)
                default: break
                }
            }
        }
        var commands: [DialerCommand] = []
        do {
            try dialer.start(task: script.task, agents: script.agents, at: 0, into: &commands)
        } catch {
            failures.append("direct: the task did not start: \(error)")
            return trace
        }
        absorb(commands, at: 0)
        func fire(upTo time: Seconds) {
            while let next = timers.min(), next <= time {
                timers.remove(next)
                handle(.wakeUp, at: next)
            }
        }
        for (index, timed) in script.steps.enumerated() {
            fire(upTo: timed.time)
            let t = timed.time
            var events: [DialerEvent] = []
            switch timed.value {
            case .agent(let agent, let state): events = [.agent(agent, state.dialerState(at: t))]
            case .ringing: events = []
            case .answered(let call, let live):
                if inFlight.contains(call) {
                    events = [.callAnswered(call, live: live)]
                    answeredCalls.insert(call)
                }
            case .connected(let call, let agent): events = inFlight.contains(call) ? [.callConnected(call, agent)] : []
            case .hungUp(let call, let cause), .failed(let call, let cause, _):
                events = inFlight.remove(call) != nil ? [.callEnded(call, cause: cause)] : []
            case .gap(let ended, let records):
                for call in ended.sorted() where inFlight.remove(call) != nil {
                    events.append(.callReported(call, records[call]))
                }
            }
            if events.isEmpty, let call = timed.value.call, !trace.commands.contains(where: { $0.value.originates(call) }) {
                failures.append("step \(index) (\(timed.value)) names \(call), which was not originated")
            }
            for event in events { handle(event, at: t) }
        }
        fire(upTo: script.end)
        return trace
    }

    /// The live run: ESL bytes, decoder, bridge, dialer, bridge, actions.
    public func runLive<D: Dialer>(_ script: DialerScript, dialer: D, failures: inout [String]) -> DialerTrace {
        var dialer = dialer
        var trace = DialerTrace()
        var timers = Set<Seconds>()
        var factory = FreeSWITCHEventFactory()
        var decoder = ESLDecoder()
        var legs: [CallID: FreeSWITCHEventFactory.Leg] = [:]
        var jobs: [CallID: (uuid: String, argument: String)] = [:]
        var answered = Set<CallID>()
        var endedLive = Set<CallID>()
        var bridge: DialerBridge
        do {
            bridge = try DialerBridge(configuration: configuration)
        } catch {
            failures.append("live: \(error)")
            return trace
        }
        for (i, state) in script.agents.enumerated() {
            guard let seeded = CallCenterAgent(state) else {
                failures.append("agent \(i) starts in \(state), which mod_callcenter cannot express")
                continue
            }
            bridge.seed(AgentID(i), seeded)
        }
        var failuresHere: [String] = []

        func perform(_ commands: [DialerCommand], at time: Seconds) {
            for command in commands {
                trace.commands.append(Timed(time, command))
                for action in bridge.commands(for: command, at: time) {
                    switch action {
                    case .timer(let at): timers.insert(at)
                    case .dialerFeedback(let event): handle(event, at: time)
                    case .esl(let esl):
                        let text: String
                        do { text = try esl.text() } catch {
                            failuresHere.append("\(command) gave an ESL command that cannot be written: \(error)")
                            continue
                        }
                        trace.eslCommands.append(text)
                        if case .originate(let call, let contract, let number) = command,
                            case .bgapi(_, let argument, let job) = esl
                        {
                            checkOriginate(text, call: call, number: number, job: job, into: &failuresHere)
                            jobs[call] = (job, argument)
                            legs[call] = FreeSWITCHEventFactory.outboundLeg(
                                call: call, contract: contract, number: number, configuration: configuration)
                        }
                    case .record, .taskCompleted, .routing, .routerFeedback, .refused: break
                    }
                }
            }
        }
        func handle(_ event: DialerEvent, at time: Seconds) {
            trace.events.append(Timed(time, event))
            var commands: [DialerCommand] = []
            dialer.handle(event, at: time, into: &commands)
            perform(commands, at: time)
        }
        func deliver(_ frames: [[UInt8]], at time: Seconds) {
            let bytes = frames.flatMap { $0 }
            let step = chunkSize > 0 ? chunkSize : max(1, bytes.count)
            var offset = 0
            while offset < bytes.count {
                decoder.append(bytes[offset..<min(bytes.count, offset + step)])
                offset += step
                do {
                    while let frame = try decoder.next() {
                        let event = try ESLEvent(frame)
                        for translated in bridge.events(for: event, at: time) { handle(translated, at: time) }
                    }
                } catch {
                    failuresHere.append("live: the decoder refused a frame at \(time): \(error)")
                    return
                }
            }
        }
        func fire(upTo time: Seconds) {
            while let next = timers.min(), next <= time {
                timers.remove(next)
                handle(.wakeUp, at: next)
            }
        }

        var commands: [DialerCommand] = []
        do {
            try dialer.start(task: script.task, agents: script.agents, at: 0, into: &commands)
        } catch {
            failures.append("live: the task did not start: \(error)")
            return trace
        }
        perform(commands, at: 0)
        for (index, timed) in script.steps.enumerated() {
            fire(upTo: timed.time)
            let t = timed.time
            var frames: [[UInt8]] = []
            if let call = timed.value.call, legs[call] == nil {
                // Not originated (the direct run reports it): nothing of it reaches the bridge.
                continue
            }
            switch timed.value {
            case .agent(let agent, let state):
                guard let name = configuration.agent(agent)?.name else {
                    failuresHere.append("step \(index): \(agent) is not in the live roster")
                    continue
                }
                switch state {
                case .idle:
                    frames = [factory.agentState(name, "Waiting", at: t), factory.agentStatus(name, "Available", at: t)]
                case .talking: frames = [factory.agentState(name, "In a queue call", at: t)]
                case .paused: frames = [factory.agentStatus(name, "On Break", at: t)]
                case .loggedOut: frames = [factory.agentStatus(name, "Logged Out", at: t)]
                }
            case .ringing(let call):
                guard let leg = legs[call] else { continue }
                frames = [factory.progress(leg, at: t)]
            case .answered(let call, let live):
                guard let leg = legs[call], let job = jobs[call] else { continue }
                answered.insert(call)
                frames = [factory.answer(leg, at: t)]
                frames.append(factory.backgroundJob(
                    jobUUID: job.uuid, command: "originate", argument: job.argument, result: "+OK \(leg.uuid)", at: t))
                if let detection = configuration.machineDetection {
                    let verdict = live ? "HUMAN" : (detection.machineValues.sorted().first ?? "MACHINE")
                    frames.append(factory.executeComplete(
                        leg, application: "amd", at: t, variables: [(detection.variable, verdict)]))
                } else if !live {
                    failuresHere.append("step \(index): a machine answer needs machineDetection in the configuration")
                }
                frames.append(factory.park(leg, at: t))
            case .connected(let call, let agent):
                guard let leg = legs[call], let entry = configuration.agent(agent) else {
                    failuresHere.append("step \(index): \(agent) is not in the live roster")
                    continue
                }
                let agentLeg = FreeSWITCHEventFactory.Leg(
                    uuid: FreeSWITCHEventFactory.foreignUUID(call.rawValue << 8 | UInt64(agent.rawValue & 0xFF)),
                    direction: "outbound", channelName: "sofia/internal/\(entry.exten)@192.0.2.20",
                    callerNumber: leg.destinationNumber, destinationNumber: entry.exten)
                frames = [
                    factory.bridge(leg, to: agentLeg, ccAgent: entry.name, at: t),
                    factory.bridgeAgentStart(
                        queue: "outbound", agent: entry.name, agentUUID: agentLeg.uuid, memberSessionUUID: leg.uuid, at: t),
                ]
            case .gap(let ended, let records):
                endedLive.formUnion(ended)
                let rows = legs.keys.sorted().filter { !endedLive.contains($0) }.map {
                    "{\"uuid\":\"\($0.uuidString)\",\"direction\":\"outbound\",\"state\":\"CS_EXECUTE\"}"
                }
                let listing = "{\"row_count\":\(rows.count),\"rows\":[\(rows.joined(separator: ","))]}\n"
                do {
                    let live = try LiveChannels.parse(showChannelsJSON: rows.isEmpty ? "{\"row_count\":0}\n" : listing)
                    for event in bridge.reconcile(liveChannels: live, at: t) { handle(event, at: t) }
                    for call in bridge.vanished.keys.sorted() {
                        // FreeSWITCH's record, as mod_json_cdr writes it, read back.
                        let record = try records[call].map { report in
                            try CallDetailRecord.parse(Data(CallDetailRecord(
                                uuid: call.uuidString, answeredAt: report.answeredAt, bridgedAt: report.connectedAt,
                                endedAt: report.endedAt, cause: report.cause,
                                callCenterAgent: report.agent.flatMap { configuration.agent($0)?.name }
                            ).json().utf8))
                        }
                        for event in bridge.report(call, record) { handle(event, at: t) }
                    }
                } catch {
                    failuresHere.append("step \(index): the channel list did not parse: \(error)")
                }
                continue
            case .hungUp(let call, let cause):
                endedLive.insert(call)
                guard let leg = legs[call], let job = jobs[call] else { continue }
                let wasAnswered = answered.contains(call)
                frames = [factory.hangup(leg, cause: cause.rawValue, complete: false, answered: wasAnswered, at: t)]
                if !wasAnswered {
                    frames.append(factory.backgroundJob(
                        jobUUID: job.uuid, command: "originate", argument: job.argument, result: "-ERR \(cause.rawValue)",
                        at: t))
                }
                frames.append(factory.hangup(leg, cause: cause.rawValue, complete: true, answered: wasAnswered, at: t))
            case .failed(let call, let cause, let channel):
                endedLive.insert(call)
                guard let leg = legs[call], let job = jobs[call] else { continue }
                let jobFrame = factory.backgroundJob(
                    jobUUID: job.uuid, command: "originate", argument: job.argument, result: "-ERR \(cause.rawValue)", at: t)
                if channel {
                    frames = [
                        factory.hangup(leg, cause: cause.rawValue, complete: false, answered: false, at: t), jobFrame,
                        factory.hangup(leg, cause: cause.rawValue, complete: true, answered: false, at: t),
                    ]
                } else {
                    frames = [jobFrame]
                }
            }
            deliver(frames, at: t)
        }
        fire(upTo: script.end)
        failures += failuresHere
        return trace
    }

    /// Every originate must read `bgapi originate {origination_uuid=<uuid>,…}<dial string> <destination>`
    /// with its own Job-UUID.
    func checkOriginate(_ text: String, call: CallID, number: String, job: String, into failures: inout [String]) {
        let head = "bgapi originate {origination_uuid=\(call.uuidString),"
        let tail =
            "}\(configuration.dialString(for: number)) \(configuration.answeredCallDestination.rendered)\nJob-UUID: \(job)\n\n"
        if !text.hasPrefix(head) || !text.hasSuffix(tail) || job == call.uuidString {
            failures.append("the originate of \(call) reads \(text.debugDescription), expected \(head)…\(tail.debugDescription)")
        }
    }

    // MARK: Router

    /// Runs `script` both ways on copies of `router` and compares them.
    public func check<R: InboundRouter>(_ script: RouterScript, router: R) -> ConformanceReport<InboundEvent, InboundCommand> {
        var failures: [String] = []
        let direct = runDirect(script, router: router, failures: &failures)
        let live = runLive(script, router: router, failures: &failures)
        compare(direct, live, into: &failures)
        return ConformanceReport(script: script.name, direct: direct, live: live, failures: failures)
    }

    /// The direct run: router events straight into the router, as the simulated softswitch sends them.
    public func runDirect<R: InboundRouter>(_ script: RouterScript, router: R, failures: inout [String]) -> RouterTrace {
        var router = router
        var trace = RouterTrace()
        var timers = Set<Seconds>()
        var agentViews: [AgentID: RouterAgentState] = [:]
        var arrived = 0
        var connectedTo: [CallID: AgentID] = [:]
        var closed = Set<CallID>()
        var ended = Set<CallID>()
        var prompting: [CallID: Int] = [:]  // maxDigits of the prompt playing

        func handle(_ event: InboundEvent, at time: Seconds) {
            trace.events.append(Timed(time, event))
            var commands: [InboundCommand] = []
            router.handle(event, at: time, into: &commands)
            for command in commands {
                trace.commands.append(Timed(time, command))
                switch command {
                case .wakeUp(let at): timers.insert(at)
                case .connect(let call, let agent):
                    if ended.contains(call) { handle(.agentAvailable(agent), at: time) } else { connectedTo[call] = agent }
                    prompting[call] = nil
                case .hangUp(let call), .reject(let call):
                    closed.insert(call)
                    prompting[call] = nil
                case .collectDigits(let call, _, let maxDigits, _): prompting[call] = maxDigits
                default: break
                }
            }
        }
        func fire(upTo time: Seconds) {
            while let next = timers.min(), next <= time {
                timers.remove(next)
                handle(.wakeUp, at: next)
            }
        }
        for (index, timed) in script.steps.enumerated() {
            fire(upTo: timed.time)
            let t = timed.time
            switch timed.value {
            case .agent(let agent, let state):
                let before = agentViews[agent] ?? .offline
                agentViews[agent] = state.routerState
                if let event = before.event(to: state.routerState, agent: agent) { handle(event, at: t) }
            case .caller(let number):
                let call = CallID(configuration.firstInboundCall + UInt64(arrived))
                arrived += 1
                if let number, let phone = PhoneNumber(number) { handle(.callerArrived(call, caller: phone), at: t) }
                else { handle(.callArrived(call), at: t) }
            case .keys(let caller, let digits):
                let call = CallID(configuration.firstInboundCall + UInt64(caller))
                guard let maxDigits = prompting.removeValue(forKey: call), !ended.contains(call) else {
                    failures.append("step \(index): caller \(caller) keys \(digits ?? "nothing") but no prompt plays")
                    continue
                }
                handle(.digitsCollected(call, maxDigits == 0 ? nil : digits.flatMap { KeyedDigits($0) }), at: t)
            case .hangsUp(let caller):
                let call = CallID(configuration.firstInboundCall + UInt64(caller))
                guard caller < arrived, ended.insert(call).inserted else { continue }
                prompting[call] = nil
                if let agent = connectedTo[call] {
                    if configuration.agentAvailableOnHangup { handle(.agentAvailable(agent), at: t) }
                } else if !closed.contains(call) {
                    handle(.callAbandoned(call), at: t)
                }
            case .callbackDone(let id):
                handle(.callbackDone(id), at: t)
            }
        }
        fire(upTo: script.end)
        return trace
    }

    /// The live run: parked channels, IVR completions, hang-ups and agent events as ESL bytes.
    public func runLive<R: InboundRouter>(_ script: RouterScript, router: R, failures: inout [String]) -> RouterTrace {
        var router = router
        var trace = RouterTrace()
        var timers = Set<Seconds>()
        var factory = FreeSWITCHEventFactory()
        var decoder = ESLDecoder()
        var legs: [FreeSWITCHEventFactory.Leg] = []
        var executes: [String: (application: String, eventUUID: String?)] = [:]
        var killed: [String] = []
        var failuresHere: [String] = []
        var bridge: RouterBridge
        do {
            bridge = try RouterBridge(configuration: configuration)
        } catch {
            failures.append("live: \(error)")
            return trace
        }

        func handle(_ event: InboundEvent, at time: Seconds) {
            trace.events.append(Timed(time, event))
            var commands: [InboundCommand] = []
            router.handle(event, at: time, into: &commands)
            for command in commands {
                trace.commands.append(Timed(time, command))
                for action in bridge.commands(for: command, at: time) {
                    switch action {
                    case .timer(let at): timers.insert(at)
                    case .routerFeedback(let event): handle(event, at: time)
                    case .refused(let reason): failuresHere.append("live: \(command) refused: \(reason)")
                    case .esl(let esl):
                        do { trace.eslCommands.append(try esl.text()) } catch {
                            failuresHere.append("\(command) gave an ESL command that cannot be written: \(error)")
                        }
                        switch esl {
                        case .sendmsg(let uuid?, .execute(let application, _, _, let eventUUID)):
                            executes[uuid] = (application, eventUUID)
                        case .bgapi("uuid_kill", let arguments, _):
                            killed.append(String(arguments.prefix { $0 != " " }))
                        default: break
                        }
                    case .record, .taskCompleted, .routing, .dialerFeedback: break
                    }
                }
            }
        }
        func deliver(_ frames: [[UInt8]], at time: Seconds) {
            let bytes = frames.flatMap { $0 }
            let step = chunkSize > 0 ? chunkSize : max(1, bytes.count)
            var offset = 0
            while offset < bytes.count {
                decoder.append(bytes[offset..<min(bytes.count, offset + step)])
                offset += step
                do {
                    while let frame = try decoder.next() {
                        let event = try ESLEvent(frame)
                        for translated in bridge.events(for: event, at: time) { handle(translated, at: time) }
                    }
                } catch {
                    failuresHere.append("live: the decoder refused a frame at \(time): \(error)")
                    return
                }
            }
        }
        /// FreeSWITCH's answer to `uuid_kill`: the leg hangs up.
        func hangUpKilled(at time: Seconds) {
            while !killed.isEmpty {
                let uuid = killed.removeFirst()
                guard let leg = legs.first(where: { $0.uuid == uuid }) else { continue }
                deliver(
                    [
                        factory.hangup(leg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: time),
                        factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: time),
                    ], at: time)
            }
        }
        func fire(upTo time: Seconds) {
            while let next = timers.min(), next <= time {
                timers.remove(next)
                handle(.wakeUp, at: next)
                hangUpKilled(at: next)
            }
        }
        for (index, timed) in script.steps.enumerated() {
            fire(upTo: timed.time)
            let t = timed.time
            switch timed.value {
            case .agent(let agent, let state):
                guard let name = configuration.agent(agent)?.name else {
                    failuresHere.append("step \(index): \(agent) is not in the live roster")
                    continue
                }
                switch state {
                case .idle:
                    deliver([factory.agentState(name, "Waiting", at: t), factory.agentStatus(name, "Available", at: t)], at: t)
                case .talking: deliver([factory.agentState(name, "In a queue call", at: t)], at: t)
                case .paused: deliver([factory.agentStatus(name, "On Break", at: t)], at: t)
                case .loggedOut: deliver([factory.agentStatus(name, "Logged Out", at: t)], at: t)
                }
            case .caller(let number):
                let leg = FreeSWITCHEventFactory.inboundLeg(
                    uuid: FreeSWITCHEventFactory.foreignUUID(UInt64(legs.count) + 7000), caller: number ?? "anonymous",
                    service: script.serviceNumber)
                legs.append(leg)
                deliver(
                    [
                        factory.channelEvent("CHANNEL_CREATE", leg, at: t, channelState: "CS_INIT", callState: "DOWN",
                                             answerState: "ringing"),
                        factory.answer(leg, at: t), factory.park(leg, at: t),
                    ], at: t)
            case .keys(let caller, let digits):
                guard caller < legs.count, let execute = executes.removeValue(forKey: legs[caller].uuid) else {
                    failuresHere.append("step \(index): caller \(caller) keys but no prompt plays (live)")
                    continue
                }
                let variables = digits.map { [(configuration.digitsVariable, $0)] } ?? []
                deliver(
                    [
                        factory.executeComplete(
                            legs[caller], application: execute.application,
                            response: digits == nil ? "FILE%20PLAYED" : "_none_", applicationUUID: execute.eventUUID,
                            at: t, variables: variables)
                    ], at: t)
            case .hangsUp(let caller):
                guard caller < legs.count else { continue }
                executes[legs[caller].uuid] = nil
                deliver(
                    [
                        factory.hangup(legs[caller], cause: "NORMAL_CLEARING", complete: false, answered: true, at: t),
                        factory.hangup(legs[caller], cause: "NORMAL_CLEARING", complete: true, answered: true, at: t),
                    ], at: t)
            case .callbackDone(let id):
                handle(.callbackDone(id), at: t)
            }
            hangUpKilled(at: t)
        }
        fire(upTo: script.end)
        failures += failuresHere
        return trace
    }

    // MARK: Comparing

    func compare<E, C>(_ direct: PolicyTrace<E, C>, _ live: PolicyTrace<E, C>, into failures: inout [String]) {
        if let i = firstDifference(direct.events, live.events) {
            failures.append(
                "the policy saw different events from #\(i): direct \(describe(direct.events, i)), live \(describe(live.events, i))")
        }
        if let i = firstDifference(direct.commands, live.commands) {
            failures.append(
                "the policy gave different commands from #\(i): direct \(describe(direct.commands, i)), live \(describe(live.commands, i))")
        }
    }

    private func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> Int? {
        for i in 0..<max(a.count, b.count) where i >= a.count || i >= b.count || a[i] != b[i] { return i }
        return nil
    }

    private func describe<T>(_ list: [T], _ i: Int) -> String { i < list.count ? "\(list[i])" : "(nothing)" }
}

extension DialerScript.Step {
    /// The call the step is about, if any.
    var call: CallID? {
        switch self {
        case .agent, .gap: return nil
        case .ringing(let c), .answered(let c, _), .connected(let c, _), .hungUp(let c, _), .failed(let c, _, _): return c
        }
    }
}

extension DialerCommand {
    func originates(_ call: CallID) -> Bool {
        if case .originate(let c, _, _) = self { return c == call }
        return false
    }
}
