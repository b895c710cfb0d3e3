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
        var factory = FreeSWITCHEventFactory()
        var decoder = ESLDecoder()
        var bridge: CenterBridge
        do { bridge = try CenterBridge(configuration: configuration, freeAtHangup: false) } catch {
            result.failures.append("configuration: \(error)")
            return result
        }
        var timers: [CenterBridge.Timer: [Seconds]] = [:]
        var outbound: [CallID: (leg: FreeSWITCHEventFactory.Leg, job: String, argument: String)] = [:]
        var answered = Set<CallID>()
        var callers: [CallID: FreeSWITCHEventFactory.Leg] = [:]
        var prompts: [String: (application: String, eventUUID: String)] = [:]
        var callerOf: [AgentID: CallID] = [:]
        var paused = Set<AgentID>()
        var failures: [String] = []
        var actions: [CenterBridge.Action] = []
        var out: [CenterCommand] = []

        func perform(_ commands: [CenterCommand], at time: Seconds) {
            for command in commands {
                result.live.append(Timed(time, command))
                if case .inbound(.connect(let call, let agent)) = command { callerOf[agent] = call }
                actions.removeAll(keepingCapacity: true)
                bridge.actions(for: command, at: time, into: &actions)
                for action in actions {
                    switch action {
                    case .timer(let which, let at): timers[which, default: []].append(at)
                    case .feedback(let event): handle(event, at: time)
                    case .live(.esl(let esl)):
                        result.eslCommands += 1
                        if (try? esl.text()) == nil { failures.append("\(command): an ESL command that cannot be written") }
                        switch esl {
                        case .bgapi("originate", let argument, let job):
                            if case .dialer(.originate(let call, let contract, let number)) = command {
                                outbound[call] = (
                                    FreeSWITCHEventFactory.outboundLeg(
                                        call: call, contract: contract, number: number, configuration: configuration),
                                    job, argument)
                            }
                        case .sendmsg(let uuid?, .execute(let application, _, _, let eventUUID?)):
                            prompts[uuid] = (application, eventUUID)
                        default: break
                        }
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
        func hangUpCaller(_ call: CallID, at t: Seconds) {
            guard let leg = callers.removeValue(forKey: call) else {
                failures.append("at \(t): \(call) hangs up but never arrived")
                return
            }
            deliver([
                factory.hangup(leg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: t),
                factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: t),
            ], at: t)
        }
        func name(_ agent: AgentID) -> String { "agent-\(agent.rawValue)@default" }

        for step in trace.steps {
            let t = step.time
            guard let event = step.event else {
                guard let task = trace.task else {
                    failures.append("the trace starts a campaign without a task")
                    continue
                }
                out.removeAll()
                do { try center.startCampaign(task: task, at: t, into: &out) } catch {
                    failures.append("the campaign did not start: \(error)")
                }
                perform(out, at: t)
                continue
            }
            switch event {
            case .agentLoggedIn(let agent):
                deliver([factory.agentState(name(agent), "Waiting", at: t), factory.agentStatus(name(agent), "Available", at: t)], at: t)
            case .agentLoggedOut(let agent):
                deliver([factory.agentStatus(name(agent), "Logged Out", at: t)], at: t)
            case .agentPaused(let agent):
                paused.insert(agent)
                deliver([factory.agentStatus(name(agent), "On Break", at: t)], at: t)
            case .agentFree(let agent) where paused.contains(agent):
                paused.remove(agent)
                deliver([factory.agentStatus(name(agent), "Available", at: t)], at: t)
            case .agentWrappingUp(let agent):
                guard let call = callerOf.removeValue(forKey: agent) else {
                    failures.append("at \(t): \(agent) wraps up with no caller")
                    continue
                }
                hangUpCaller(call, at: t)
            case .agentFree(let agent):
                if let call = callerOf.removeValue(forKey: agent) { hangUpCaller(call, at: t) }
                handle(.agentFree(agent), at: t)  // the agent desk: ready
            case .inbound(.callerArrived(let call, let number)):
                let leg = FreeSWITCHEventFactory.inboundLeg(
                    uuid: FreeSWITCHEventFactory.foreignUUID(call.rawValue), caller: number.description, service: "95555")
                callers[call] = leg
                deliver([factory.park(leg, at: t)], at: t)
            case .inbound(.digitsCollected(let call, let digits)):
                guard let leg = callers[call], let prompt = prompts[leg.uuid] else {
                    failures.append("at \(t): digits for \(call), which has no prompt playing")
                    continue
                }
                deliver([
                    factory.executeComplete(
                        leg, application: prompt.application, applicationUUID: prompt.eventUUID, at: t,
                        variables: digits.map { [(configuration.digitsVariable, $0.description)] } ?? [])
                ], at: t)
            case .inbound(.callAbandoned(let call)):
                hangUpCaller(call, at: t)
            case .inbound(.wakeUp):
                fire(.router, event, at: t)
            case .outbound(.wakeUp):
                fire(.dialer, event, at: t)
            case .wakeUp:
                fire(.center, event, at: t)
            case .outbound(.callAnswered(let call, let live)):
                guard let o = outbound[call] else {
                    failures.append("at \(t): \(call) answers but was never originated live")
                    continue
                }
                answered.insert(call)
                deliver([
                    factory.answer(o.leg, at: t),
                    factory.backgroundJob(jobUUID: o.job, command: "originate", argument: o.argument, result: "+OK \(o.leg.uuid)", at: t),
                    factory.executeComplete(o.leg, application: "amd", at: t, variables: [("amd_result", live ? "HUMAN" : "MACHINE")]),
                    factory.park(o.leg, at: t),
                ], at: t)
            case .outbound(.callEnded(let call, let cause)):
                guard let o = outbound.removeValue(forKey: call) else {
                    failures.append("at \(t): \(call) ends but was never originated live")
                    continue
                }
                let wasAnswered = answered.remove(call) != nil
                var frames = [factory.hangup(o.leg, cause: cause.rawValue, complete: false, answered: wasAnswered, at: t)]
                if !wasAnswered {
                    frames.append(factory.backgroundJob(
                        jobUUID: o.job, command: "originate", argument: o.argument, result: "-ERR \(cause.rawValue)", at: t))
                }
                frames.append(factory.hangup(o.leg, cause: cause.rawValue, complete: true, answered: wasAnswered, at: t))
                deliver(frames, at: t)
            case .callbackEnded:
                handle(event, at: t)  // the agent desk reports the attempt
            default:
                failures.append("at \(t): no live form for \(event)")
            }
        }
        result.failures = failures
        return result
    }
}
