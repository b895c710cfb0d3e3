import FreeSWITCHFake
import CallCenter
import CenterPolicies
import EventSocket
import Live

// MARK: - The twin check

/// The twin check: a simulated blended day, replayed through the live side as
/// FreeSWITCH would tell it (ESL frames, decoded in chunks, through `CenterBridge`) into a fresh
/// `CenterPolicy`, gets the same commands in the same order at the same times as in the
/// simulator.
///
/// What reaches the live side, for each step the simulator's center was told:
///
/// | simulator | live |
/// | --- | --- |
/// | `agentLoggedIn` | mod_callcenter: state `Waiting`, status `Available` |
/// | `inbound(callerArrived)` | CHANNEL_PARK of a new inbound leg (a FreeSWITCH UUID) from the caller's number |
/// | `inbound(digitsCollected)` | CHANNEL_EXECUTE_COMPLETE of the prompt the bridge last sent on that leg, the digits in `variable_simcc_digits` |
/// | `inbound(callAbandoned)` | the caller's CHANNEL_HANGUP and CHANNEL_HANGUP_COMPLETE |
/// | `agentWrappingUp`, or `agentFree` of an agent still with a caller | the caller's hang-up (then, for `agentFree`, the agent desk's "ready") |
/// | `agentPaused`; `agentFree` of a paused agent | mod_callcenter: status `On Break`; `Available` again |
/// | `agentFree` otherwise | the agent desk's "ready" |
/// | `outbound(callAnswered)` | CHANNEL_ANSWER, the originate's BACKGROUND_JOB `+OK`, the AMD verdict, CHANNEL_PARK |
/// | `outbound(callEnded)` | the leg's hang-up (with the BACKGROUND_JOB `-ERR <cause>` when it never answered) |
/// | `callbackEnded` | the agent desk's report of the attempt |
/// | the three timers | the timer the live side armed, fired at the same time (checked armed) |
public struct CenterTwin: Sendable {
    /// The live configuration the bridge runs with.
    public let configuration: LiveConfiguration
    /// Bytes per read of the decoder; 0: each step's frames whole.
    public var chunkSize = 0

    /// A twin run with `configuration`.
    public init(configuration: LiveConfiguration, chunkSize: Int = 0) {
        self.configuration = configuration
        self.chunkSize = chunkSize
    }

    /// The live configuration of a center of `agents` agents (`agent-<i>@default`, extension
    /// `2000 + i`): callers numbered from 0 as in the simulator, answered customers parked, AMD.
    public static func configuration(agents: Int) -> LiveConfiguration {
        var c = LiveConfiguration()
        c.agents = (0..<agents).map { LiveConfiguration.Agent(id: AgentID($0), name: "agent-\($0)@default", exten: String(2000 + $0)) }
        c.firstInboundCall = 0
        c.machineDetection = .init()
        c.maxHoldMessage = "ivr/max-hold.wav"
        return c
    }

    /// What the live side did.
    public struct Result: Sendable {
        /// The center's commands, with their times.
        public var live: [Timed<CenterCommand>] = []
        /// ESL commands the bridge wrote.
        public var eslCommands = 0
        /// Frames delivered.
        public var frames = 0
        /// What went wrong on the way (a step with no live form, a timer not armed, ...).
        public var failures: [String] = []
    }

    /// Tells `trace`'s steps to `center` (fresh, as the traced one was at the start) through a
    /// `CenterBridge`, as FreeSWITCH and the agent desk would.
    public func run<R, D>(_ trace: CenterTrace, center: CenterPolicy<R, D>) -> Result {
        var center = center
        var result = Result()
        var decoder = ESLDecoder()
        var bridge: CenterBridge
        do { bridge = try CenterBridge(configuration: configuration, freeAtHangup: false) } catch {
            result.failures.append("configuration: \(error)")
            return result
        }
        var script = TwinScript(configuration: configuration)
        var timers: [CenterBridge.Timer: [Seconds]] = [:]
        var failures: [String] = []
        var actions: [CenterBridge.Action] = []
        var out: [CenterCommand] = []

        func perform(_ commands: [CenterCommand], at time: Seconds) {
            for command in commands {
                result.live.append(Timed(time, command))
                script.learn(command)
                actions.removeAll(keepingCapacity: true)
                bridge.actions(for: command, at: time, into: &actions)
                for action in actions {
                    switch action {
                    case .timer(let which, let at): timers[which, default: []].append(at)
                    case .feedback(let event): handle(event, at: time)
                    case .live(.esl(let esl)):
                        result.eslCommands += 1
                        if (try? esl.text()) == nil { failures.append("\(command): an ESL command that cannot be written") }
                        script.learn(esl)
                    case .live(.refused(let why)): failures.append("\(command) refused: \(why)")
                    case .live, .startCallback, .callbackDone: break
                    }
                }
            }
        }
        func handle(_ event: CenterEvent, at time: Seconds) {
            var commands: [CenterCommand] = []
            center.handle(event, at: time, into: &commands)
            perform(commands, at: time)
        }
        func deliver(_ frames: [[UInt8]], at time: Seconds) {
            result.frames += frames.count
            let bytes = frames.flatMap { $0 }
            let step = chunkSize > 0 ? chunkSize : max(1, bytes.count)
            var offset = 0
            var events: [CenterEvent] = []
            while offset < bytes.count {
                decoder.append(bytes[offset..<min(bytes.count, offset + step)])
                offset += step
                do {
                    while let frame = try decoder.next() {
                        events.removeAll(keepingCapacity: true)
                        bridge.events(for: try ESLEvent(frame), at: time, into: &events)
                        for event in events { handle(event, at: time) }
                    }
                } catch {
                    failures.append("at \(time): the decoder refused a frame: \(error)")
                    return
                }
            }
        }
        func fire(_ which: CenterBridge.Timer, _ event: CenterEvent, at time: Seconds) {
            // Each firing uses up one timer armed for then (or earlier): the simulator fires every
            // wake-up it was asked for, the live side arms every one.
            var armed = timers[which, default: []]
            if let i = armed.firstIndex(of: time) ?? armed.firstIndex(where: { $0 <= time }) {
                armed.remove(at: i)
            } else {
                failures.append("at \(time): the simulator's \(which) timer fired, but the live side armed none due")
            }
            timers[which] = armed
            handle(event, at: time)
        }

        for step in trace.steps {
            let t = step.time
            for move in script.moves(for: step, task: trace.task) {
                switch move {
                case .startCampaign(let task):
                    out.removeAll()
                    do { try center.startCampaign(task: task, at: t, into: &out) } catch {
                        failures.append("the campaign did not start: \(error)")
                    }
                    perform(out, at: t)
                case .frames(let frames): deliver(frames, at: t)
                case .timer(let which): fire(which, step.event ?? .wakeUp, at: t)
                case .desk(let event): handle(event, at: t)
                case .failure(let why): failures.append(why)
                }
            }
        }
        result.failures = failures
        return result
    }
}

// MARK: - What FreeSWITCH and the agent desk say, step by step

/// The live form of a center's trace: for each step the simulator's center was told, what
/// FreeSWITCH sends (ESL frames), which timer goes off, or what the agent desk reports (see
/// `CenterTwin`'s table). It learns what it needs from what the live side asked for: the
/// originates (their legs and jobs), the prompts (their `Event-UUID`s), the callers connected.
/// Used by the in-process twin (`CenterTwin`) and by the twin through `LiveCenter` and a fake
/// FreeSWITCH over TCP.
public struct TwinScript: Sendable {
    /// One thing to do for a step.
    public enum Move: Sendable {
        /// FreeSWITCH sends these frames.
        case frames([[UInt8]])
        /// This timer of the live side goes off.
        case timer(CenterBridge.Timer)
        /// The agent desk reports this (an agent ready, a callback attempt's end).
        case desk(CenterEvent)
        /// The campaign starts (`dial_from`) on this task.
        case startCampaign(OutboundTask)
        /// The step has no live form.
        case failure(String)
    }

    /// The live configuration of the side told.
    public let configuration: LiveConfiguration
    private var factory = FreeSWITCHEventFactory()
    private var outbound: [CallID: (leg: FreeSWITCHEventFactory.Leg, job: String, argument: String)] = [:]
    private var originated: [CallID: (contract: ContractID, number: String)] = [:]
    private var answered = Set<CallID>()
    private var callers: [CallID: FreeSWITCHEventFactory.Leg] = [:]
    private var prompts: [String: (application: String, eventUUID: String)] = [:]
    private var callerOf: [AgentID: CallID] = [:]
    private var paused = Set<AgentID>()

    /// A script for a live side running `configuration`.
    public init(configuration: LiveConfiguration) { self.configuration = configuration }

    /// Learns from a command of the live center: the callers connected, the calls originated.
    public mutating func learn(_ command: CenterCommand) {
        switch command {
        case .inbound(.connect(let call, let agent)): callerOf[agent] = call
        case .dialer(.originate(let call, let contract, let number)): originated[call] = (contract, number)
        default: break
        }
    }

    /// Learns from an ESL command the live side wrote: an originate's job and argument, a prompt.
    public mutating func learn(_ esl: ESLCommand) {
        switch esl {
        case .bgapi("originate", let argument, let job):
            learnOriginate(job: job, argument: argument)
        case .sendmsg(let uuid?, .execute(let application, _, _, let eventUUID?)):
            learnPrompt(uuid: uuid, application: application, eventUUID: eventUUID)
        default: break
        }
    }

    /// Learns that the originate of job `job` was written with `argument`.
    public mutating func learnOriginate(job: String, argument: String) {
        guard let call = SimccUUID.call(of: job, .originateJob), let o = originated[call] else { return }
        outbound[call] = (
            FreeSWITCHEventFactory.outboundLeg(call: call, contract: o.contract, number: o.number, configuration: configuration),
            job, argument)
    }

    /// Learns the prompt last sent on leg `uuid`.
    public mutating func learnPrompt(uuid: String, application: String, eventUUID: String) {
        prompts[uuid] = (application, eventUUID)
    }

    private func name(_ agent: AgentID) -> String { "agent-\(agent.rawValue)@default" }

    private mutating func hangUpCaller(_ call: CallID, at t: Seconds) -> Move {
        guard let leg = callers.removeValue(forKey: call) else { return .failure("at \(t): \(call) hangs up but never arrived") }
        return .frames([
            factory.hangup(leg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: t),
            factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: t),
        ])
    }

    /// What the live side is to be told for `step` (of a trace whose campaign runs `task`).
    public mutating func moves(for step: CenterTrace.Step, task: OutboundTask?) -> [Move] {
        let t = step.time
        guard let event = step.event else {
            guard let task else { return [.failure("the trace starts a campaign without a task")] }
            return [.startCampaign(task)]
        }
        switch event {
        case .agentLoggedIn(let agent):
            return [.frames([factory.agentState(name(agent), "Waiting", at: t), factory.agentStatus(name(agent), "Available", at: t)])]
        case .agentLoggedOut(let agent):
            return [.frames([factory.agentStatus(name(agent), "Logged Out", at: t)])]
        case .agentPaused(let agent):
            paused.insert(agent)
            return [.frames([factory.agentStatus(name(agent), "On Break", at: t)])]
        case .agentFree(let agent) where paused.contains(agent):
            paused.remove(agent)
            return [.frames([factory.agentStatus(name(agent), "Available", at: t)])]
        case .agentWrappingUp(let agent):
            guard let call = callerOf.removeValue(forKey: agent) else { return [.failure("at \(t): \(agent) wraps up with no caller")] }
            return [hangUpCaller(call, at: t)]
        case .agentFree(let agent):
            var moves: [Move] = []
            if let call = callerOf.removeValue(forKey: agent) { moves.append(hangUpCaller(call, at: t)) }
            moves.append(.desk(.agentFree(agent)))  // the agent desk: ready
            return moves
        case .inbound(.callerArrived(let call, let number)):
            let leg = FreeSWITCHEventFactory.inboundLeg(
                uuid: FreeSWITCHEventFactory.foreignUUID(call.rawValue), caller: number.description, service: "95555")
            callers[call] = leg
            return [.frames([factory.park(leg, at: t)])]
        case .inbound(.digitsCollected(let call, let digits)):
            guard let leg = callers[call], let prompt = prompts[leg.uuid] else {
                return [.failure("at \(t): digits for \(call), which has no prompt playing")]
            }
            return [.frames([
                factory.executeComplete(
                    leg, application: prompt.application, applicationUUID: prompt.eventUUID, at: t,
                    variables: digits.map { [(configuration.digitsVariable, $0.description)] } ?? [])
            ])]
        case .inbound(.callAbandoned(let call)):
            return [hangUpCaller(call, at: t)]
        case .inbound(.wakeUp):
            return [.timer(.router)]
        case .outbound(.wakeUp):
            return [.timer(.dialer)]
        case .wakeUp:
            return [.timer(.center)]
        case .outbound(.callAnswered(let call, let live)):
            guard let o = outbound[call] else { return [.failure("at \(t): \(call) answers but was never originated live")] }
            answered.insert(call)
            return [.frames([
                factory.answer(o.leg, at: t),
                factory.backgroundJob(jobUUID: o.job, command: "originate", argument: o.argument, result: "+OK \(o.leg.uuid)", at: t),
                factory.executeComplete(o.leg, application: "amd", at: t, variables: [("amd_result", live ? "HUMAN" : "MACHINE")]),
                factory.park(o.leg, at: t),
            ])]
        case .outbound(.callEnded(let call, let cause)):
            guard let o = outbound.removeValue(forKey: call) else { return [.failure("at \(t): \(call) ends but was never originated live")] }
            let wasAnswered = answered.remove(call) != nil
            var frames = [factory.hangup(o.leg, cause: cause.rawValue, complete: false, answered: wasAnswered, at: t)]
            if !wasAnswered {
                frames.append(factory.backgroundJob(
                    jobUUID: o.job, command: "originate", argument: o.argument, result: "-ERR \(cause.rawValue)", at: t))
            }
            frames.append(factory.hangup(o.leg, cause: cause.rawValue, complete: true, answered: wasAnswered, at: t))
            return [.frames(frames)]
        case .callbackEnded:
            return [.desk(event)]  // the agent desk reports the attempt
        default:
            return [.failure("at \(t): no live form for \(event)")]
        }
    }
}
