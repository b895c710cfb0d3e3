import CallCenter
import CenterPolicies
import EventSocket
import EventSocketClient
import Foundation
import Live
import NIOCore
import NIOPosix
import Store

// MARK: - Options

/// What a live run needs besides its dialer: the task, the softswitch, the HTTP interface.
public struct LiveRunnerOptions: Sendable {
    /// The store (SQLite file) holding the task.
    public var storePath: String
    /// The task's batch id in the store.
    public var batchID: String
    /// The live softswitch's configuration (dial string, gateway, agent roster, ...).
    public var live: LiveConfiguration
    /// Where and how to reach FreeSWITCH's event socket when the runner has a session of its own
    /// (see `LiveSession`; with no subscriptions, it subscribes to `LiveSession.subscription`).
    public var eventSocket: EventSocketConfiguration
    /// What the dialer takes the roster agents to be at start, until mod_callcenter's events
    /// (`callcenter::info`) say otherwise: all idle (logged in and free) by default.
    public var agentsAtStart = LiveAgentsAtStart.assume(.idle)
    /// The blending rule of a routing study, when the agents also take inbound calls: the
    /// dialer is shown only its pool (`DialerPool`, the same as in the study); nil: every agent
    /// as it is.
    public var blend: BlendRule?
    /// Seconds an answered customer waits for an agent before the system's message
    /// (`LiveConfiguration.maxHoldMessage`) and the hang-up, when simcc places the answered
    /// customers (the destination `&park()`); nil: no limit. A campaign file's `max_hold`.
    public var maxHold: Seconds? = 15
    /// Seconds an agent wraps up after a customer simcc connected them to (`AnswerRule.wrapUp`).
    public var wrapUp: Seconds = 0

    /// What happens to answered customers: `CampaignPolicy`'s rule for these options.
    public var answerRule: AnswerRule {
        live.answeredCallDestination.isPark
            ? AnswerRule(placesCustomers: true, maxHold: maxHold, wrapUp: wrapUp) : .softswitchPlaces
    }

    /// Options for batch `batchID` of the store at `storePath`.
    public init(storePath: String, batchID: String, live: LiveConfiguration, eventSocket: EventSocketConfiguration) {
        self.storePath = storePath
        self.batchID = batchID
        self.live = live
        self.eventSocket = eventSocket
    }
}

/// What the live runners take the roster agents to be at start.
public enum LiveAgentsAtStart: Sendable, Equatable {
    /// What mod_callcenter says (`callcenter_config agent list`): each agent as listed, an agent
    /// it does not list logged out. The run does not start when mod_callcenter cannot be asked.
    case askCallCenter
    /// Every agent in this state (a break beginning at the start).
    case assume(AgentState)
}

/// Why a live run could not start or had to stop; the description is a sentence for the operator.
public struct LiveRunnerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// Whether only the operator can fix it (a wrong password, an ACL refusal, a missing store
    /// or batch, a bad configuration, no mod_callcenter to ask): starting again as is would
    /// fail again. `simcc live` exits with status 78 (EX_CONFIG) then, 1 otherwise, so that a
    /// service manager restarts it only when that may help.
    public var isConfiguration: Bool

    /// An error saying `description`.
    public init(_ description: String, configuration: Bool = false) {
        self.description = description
        isConfiguration = configuration
    }
}

// MARK: - What the HTTP interface shows

/// `GET /status`.
public struct LiveStatus: Codable, Sendable, Equatable {
    /// `starting`, `running`, `paused`, `reconnecting`, `completed`, `stopped` or `failed`.
    public var state: String
    /// Seconds since the run began.
    public var uptime: Double
    /// Calls originated and not yet ended.
    public var callsInFlight: Int
    /// Whether the event socket is logged in now.
    public var softswitchConnected: Bool
    /// The task's batch id.
    public var batch: String
    /// The dialer's name.
    public var dialer: String
    /// Originates sent since the run began.
    public var originates: Int
}

/// `GET /task`: the task's progress, from its S34-format snapshot.
public struct LiveTaskProgress: Codable, Sendable, Equatable {
    /// The batch id.
    public var batch: String
    /// When the snapshot was taken (the run's clock: seconds since 1970 by default).
    public var takenAt: Double
    /// Contracts in the task.
    public var contractsTotal: Int
    /// Contracts completed or failed.
    public var contractsClosed: Int
    /// Contracts completed.
    public var contractsCompleted: Int
    /// Contracts failed (attempts exhausted).
    public var contractsFailed: Int
    /// Contracts being dialled now.
    public var contractsDialing: Int
    /// Attempts made so far, by outcome.
    public var outcomes: [String: Int]
    /// Whether every contract is closed.
    public var complete: Bool
}

/// `GET /agents`: one agent as the dialer sees it.
public struct LiveAgentStatus: Codable, Sendable, Equatable {
    /// The agent's index.
    public var id: Int
    /// Its mod_callcenter name.
    public var name: String
    /// Its extension.
    public var exten: String
    /// `loggedOut`, `idle`, `talking`, `wrapUp` or `paused`.
    public var state: String
}

/// How a run ended.
public struct LiveRunSummary: Sendable {
    /// `completed` (the task is done, its snapshot saved) or `stopped` (on request).
    public var state: String
    /// The task's snapshot at the end (the saved S34 snapshot when completed).
    public var snapshot: TaskSnapshot
    /// Originates sent during the run.
    public var originates: Int
}

// MARK: - The runner

/// Runs a task from the store against FreeSWITCH with the patent's four activities:
///
/// 1. **The real-time dispatcher**: a `PersistentDialer` (calls written down before their
///    originates, resumed after a crash) driven through a `DialerBridge`; its commands become ESL
///    commands sent in order by one sender task (`bgapi originate`, `uuid_kill`) and its timers
///    sleep on the run's clock and come back as `wakeUp`.
/// 2. **Agent-state updates**: `callcenter::info` and channel events read from the client's
///    notifications go through the bridge to the dialer.
/// 3. **Asynchronous call-record writing**: the persistent dialer's `CallRecordWriter`, handed
///    the records after each batch of events (`handOver`, never waiting for the disk).
/// 4. **The HTTP interface**: the runner's routes (`LiveHTTPRoutes`: status, task progress,
///    agents, pause and resume), served by a `LiveHTTPServer` the process starts.
///
/// FreeSWITCH is reached through a `LiveSession`, shared with the inbound router when both run
/// (one connection, one agent book: an agent the router put on an inbound call is `loggedOut` to
/// the dialer until that call ends, whatever mod_callcenter says of them meanwhile).
///
/// At start (when a previous run left calls in flight) and after every reconnect the runner reads
/// FreeSWITCH's state (`LiveSession.snapshot`: `show channels as json`, `show calls as json`,
/// `callcenter_config agent list`) and reconciles: calls taken over from a previous run that are
/// gone end as `CRASH`, those still up are followed from the state the lists give them (ringing,
/// answered, or bridged to a roster agent); calls of this run whose channel vanished during the
/// gap end, those answered or bridged during it are reported so; agents whose mod_callcenter
/// state changed during the gap are reported.
///
/// The dialer runs inside a `CampaignPolicy`: with the destination `&park()` (the default) it
/// connects each answered customer to an agent (`uuid_transfer` to the agent's extension) or plays
/// the message and hangs up at `LiveRunnerOptions.maxHold`; with a mod_callcenter queue or a
/// dialplan extension FreeSWITCH places them and the policy passes everything on.
///
/// Paused, the dispatcher launches nothing: the campaign policy holds the dialer's timer back
/// (call and agent events are still handled, answered customers still placed or released at
/// `max_hold`), and gives it at once on resume. A dialer that launches on other events than its
/// timer (none of the four here do) could still dial while paused.
///
/// The run ends on `taskCompleted` (S34: records flushed, snapshot saved) or `stop()`: the
/// writer is closed (flushed) and the runner leaves the session (the last member to leave closes
/// the connection). The HTTP interface is the process's to stop.
///
/// The dispatcher is not held back while the connection is down: originates it launches in a gap
/// cannot be sent (`refused(_:_:sent:)` with `sent` false), stay in flight, and end at the
/// reconcile after the reconnect as unanswered (`NORMAL_TEMPORARY_FAILURE`, a failed attempt).
public actor LiveDialerRunner<D: Dialer & Sendable>: LiveSessionMember, LiveHTTPRoutes {
    private enum Phase: Equatable {
        case idle, starting, running, completed, stopped, failed
    }

    /// The options of the run.
    public nonisolated let options: LiveRunnerOptions
    /// The run's clock.
    public nonisolated let clock: any LiveClock
    /// The connection to FreeSWITCH (shared with the router when both run).
    public nonisolated let session: LiveSession
    private let log: @Sendable (String) -> Void
    private var persistent: PersistentDialer<CampaignPolicy<D>>
    private var bridge: DialerBridge
    private var phase = Phase.idle
    private var connected = false
    private var timers = LiveTimers()
    private var early: [LiveSessionNotice] = []
    /// Each agent as mod_callcenter says, logged out while on another member's call.
    private var truth: [AgentID: AgentState] = [:]
    /// Each agent as the dialer was last told (`truth` through the blending rule, if any).
    private var shown: [AgentID: AgentState] = [:]
    /// The blending rule at work (the same `DialerPool` as the routing world's), if any.
    private var pool: DialerPool?
    /// Agents another member of the session put on a call, with what mod_callcenter said of
    /// them meanwhile (reported once the call ends).
    private var occupied: [AgentID: AgentState?] = [:]
    private var finalSnapshot: TaskSnapshot?
    private var ending = LiveRunEnding<LiveRunSummary>()
    private var shuttingDown = false
    private var joined = false
    /// When the runner was made (the run's clock).
    private let startedAt: Seconds

    /// Originates sent (handed to the sender) since the run began.
    public private(set) var originates = 0
    /// Whether the task is paused (the campaign policy holds the dialer's timer back).
    private var paused: Bool { persistent.dialer.isPaused }
    /// Dialer wake-ups held back while paused.
    public var heldWakeUps: Int { persistent.dialer.heldWakeUps }

    /// A runner of `dialer` with `options`. Opens the store and its record writer; nothing is
    /// dialled until `start()`.
    /// - Parameters:
    ///   - clock: the run's clock (tests pass a fast one).
    ///   - session: the connection to share (nil: one of its own on `options.eventSocket`).
    ///   - log: where operational messages go (never secrets).
    /// - Throws: `LiveRunnerError` naming what is wrong: the live configuration, the store.
    public init(
        dialer: D, options: LiveRunnerOptions, clock: any LiveClock = SystemLiveClock(), session: LiveSession? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.options = options
        self.clock = clock
        self.log = log
        startedAt = clock.now()
        do {
            bridge = try DialerBridge(configuration: options.live)
        } catch {
            throw LiveRunnerError("\(error)", configuration: true)
        }
        let store: OutboundStore
        let writer: CallRecordWriter
        guard FileManager.default.fileExists(atPath: options.storePath) else {
            throw LiveRunnerError("there is no store at \(options.storePath); import the task's contact list first (simcc import --db \(options.storePath))", configuration: true)
        }
        do {
            store = try OutboundStore(path: options.storePath)
            guard try store.batchIDs().contains(options.batchID) else {
                throw LiveRunnerError("the store \(options.storePath) has no batch \(options.batchID); import its contact list first (simcc import)", configuration: true)
            }
            writer = try store.recordWriter(batchID: options.batchID)
        } catch let error as LiveRunnerError {
            throw error
        } catch {
            throw LiveRunnerError("cannot open the store \(options.storePath): \(error)")
        }
        persistent = PersistentDialer(
            dialer: CampaignPolicy(dialer, rule: options.answerRule), store: store, batchID: options.batchID, writer: writer)
        pool = options.blend.map { DialerPool(rule: $0) }
        self.session = session ?? LiveSession(configuration: options.eventSocket, eventLoopGroup: eventLoopGroup, log: log)
    }

    // MARK: - Life cycle

    /// Starts the run: joins the session (connecting to FreeSWITCH if nobody has yet), starts the
    /// dialer on the stored task (taking over the calls a previous run left in flight and
    /// reconciling them with FreeSWITCH's channels) and sends its first originates. Returns once
    /// running.
    /// - Throws: `LiveRunnerError` naming what failed (the connection, the task); nothing was
    ///   dialled then.
    public func start() async throws {
        guard phase == .idle else { throw LiveRunnerError("the run was already started") }
        phase = .starting
        do {
            try await begin()
        } catch {
            let failure = error as? LiveRunnerError ?? LiveRunnerError("\(error)")
            await shutdown(.failure(failure))
            throw failure
        }
    }

    private func begin() async throws {
        try await session.join(self)
        joined = true
        connected = await session.isConnected
        let known = try await session.agents(atStart: options.agentsAtStart)
        let time = clock.now()
        var commands: [DialerCommand] = []
        do {
            try persistent.start(agents: initialAgents(known), at: time, into: &commands)
        } catch {
            throw LiveRunnerError("cannot start batch \(options.batchID): \(error)")
        }
        var events: [DialerEvent] = []
        if !persistent.adopted.isEmpty {
            let snapshot = try await session.snapshot()
            let taken = persistent.adopted.count
            // A customer already with an agent is not placed again (the campaign policy books the agent).
            for call in persistent.adopted {
                guard case .connected(let agent)? = status(of: call.call, in: snapshot) else { continue }
                try persistent.act(at: time, into: &commands) { dialer, commands in
                    dialer.takeOver(call.call, connectedTo: agent, at: time, into: &commands)
                }
            }
            let alive = try persistent.reconcile(at: clock.now(), status: { status(of: $0, in: snapshot) }, into: &commands)
            var answered = 0, connected = 0
            for call in alive {
                switch status(of: call.call, in: snapshot) {
                case .connected?:
                    connected += 1
                    bridge.adopt(call.call, contract: call.contract, connected: true)
                case .answered?:
                    answered += 1
                    bridge.adopt(call.call, contract: call.contract, answered: true)
                case .ringing?, nil:
                    bridge.adopt(call.call, contract: call.contract)
                }
            }
            log("took over \(alive.count) of \(taken) call(s) a previous run left in flight (\(alive.count - answered - connected) ringing, \(answered) answered, \(connected) with an agent); ended the \(taken - alive.count) gone as CRASH")
        }
        phase = .running
        carryOut(commands, at: time, feedback: &events)
        dispatch(events, at: clock.now())
        armWrapUpEnd()
        persistent.writer.handOver()
        let buffered = early
        early = []
        for notice in buffered { await session(notice) }
    }

    /// Waits for the end of the run and returns how it ended.
    /// - Throws: `LiveRunnerError` when the run failed (the store, the connection lost for good).
    public func waitUntilFinished() async throws -> LiveRunSummary {
        try await withCheckedThrowingContinuation { ending.wait($0) }
    }

    /// `start()`, then `waitUntilFinished()`.
    public func run() async throws -> LiveRunSummary {
        try await start()
        return try await waitUntilFinished()
    }

    /// Stops the run on request: no more originates; records flushed; the client closed. Calls in
    /// flight stay written down, so the next run takes them over.
    public func stop() async {
        guard phase == .running || phase == .starting else { return }
        phase = .stopped
        await shutdown(.success(summary("stopped")))
    }

    /// Pauses the task: the dispatcher launches no new call until `resume()`.
    /// - Returns: false when the run is not running.
    @discardableResult
    public func pause() -> Bool {
        guard phase == .running else { return false }
        var none: [DialerCommand] = []
        try? persistent.act(at: clock.now(), into: &none) { dialer, _ in dialer.pause() }
        return true
    }

    /// Resumes a paused task (its held-back timer fires at once).
    /// - Returns: false when the run is not running.
    @discardableResult
    public func resume() -> Bool {
        guard phase == .running else { return false }
        let time = clock.now()
        var commands: [DialerCommand] = []
        do {
            try persistent.act(at: time, into: &commands) { dialer, commands in dialer.resume(at: time, into: &commands) }
        } catch {
            fail("the store failed, so the task stops (a restart resumes it): \(error)")
            return true
        }
        var events: [DialerEvent] = []
        carryOut(commands, at: time, feedback: &events)
        dispatch(events, at: time)
        persistent.writer.handOver()
        return true
    }

    // MARK: - What the interface shows

    /// The run's status.
    public func status() -> LiveStatus {
        let state: String
        switch phase {
        case .idle, .starting: state = "starting"
        case .completed: state = "completed"
        case .stopped: state = "stopped"
        case .failed: state = "failed"
        case .running: state = !connected ? "reconnecting" : paused ? "paused" : "running"
        }
        return LiveStatus(
            state: state, uptime: clock.now() - startedAt, callsInFlight: bridge.callsInFlight, softswitchConnected: connected,
            batch: options.batchID, dialer: persistent.dialer.name, originates: originates)
    }

    /// The task's progress, from its snapshot now (or the final one).
    public func taskProgress() -> LiveTaskProgress {
        let snapshot = finalSnapshot ?? persistent.snapshot(at: clock.now())
        var completed = 0, failed = 0, dialing = 0
        for contract in snapshot.contracts {
            switch contract.state {
            case .completed: completed += 1
            case .failed: failed += 1
            case .dialing: dialing += 1
            case .uncompleted: break
            }
        }
        return LiveTaskProgress(
            batch: options.batchID, takenAt: snapshot.takenAt, contractsTotal: snapshot.contracts.count,
            contractsClosed: completed + failed, contractsCompleted: completed, contractsFailed: failed,
            contractsDialing: dialing, outcomes: snapshot.outcomes, complete: snapshot.isComplete)
    }

    /// Every roster agent's state as the dialer sees it.
    public func agents() -> [LiveAgentStatus] {
        options.live.agents.map { agent in
            let state = phase == .idle || phase == .starting ? shown[agent.id] ?? startingState : persistent.dialer.shown(agent.id)
            let name: String
            switch state {
            case .loggedOut: name = "loggedOut"
            case .idle: name = "idle"
            case .talking: name = "talking"
            case .wrapUp: name = "wrapUp"
            case .paused: name = "paused"
            }
            return LiveAgentStatus(id: agent.id.index, name: agent.name, exten: agent.exten, state: name)
        }
    }

    /// The dialer's share of `GET /metrics`: originates, calls in flight, contracts by state,
    /// attempts by outcome, agents by state as the dialer sees them, paused; labelled with the batch.
    public func metrics() -> LiveMetrics {
        let progress = taskProgress()
        let batch = [("batch", options.batchID)]
        var metrics = LiveMetrics()
        metrics.add("simcc_dialer_originates_total", "counter", "Originates sent since the run began.", labels: batch, Double(originates))
        metrics.add("simcc_dialer_calls_in_flight", "gauge", "Calls originated and not yet ended.", labels: batch, Double(bridge.callsInFlight))
        metrics.add("simcc_dialer_paused", "gauge", "1 while the task is paused.", labels: batch, paused ? 1 : 0)
        let open = progress.contractsTotal - progress.contractsClosed - progress.contractsDialing
        metrics.add("simcc_dialer_contracts", "gauge", "Contracts of the task by state.", [
            (batch + [("state", "open")], Double(open)), (batch + [("state", "dialing")], Double(progress.contractsDialing)),
            (batch + [("state", "completed")], Double(progress.contractsCompleted)),
            (batch + [("state", "failed")], Double(progress.contractsFailed)),
        ])
        metrics.add("simcc_dialer_attempts_total", "counter", "Attempts of the task by outcome (all runs).",
                    progress.outcomes.sorted { $0.key < $1.key }.map { (batch + [("outcome", $0.key)], Double($0.value)) })
        var byState: [String: Int] = ["loggedOut": 0, "idle": 0, "talking": 0, "wrapUp": 0, "paused": 0]
        for agent in agents() { byState[agent.state, default: 0] += 1 }
        metrics.add("simcc_dialer_agents", "gauge", "Roster agents by state, as the dialer sees them.",
                    byState.sorted { $0.key < $1.key }.map { (batch + [("state", $0.key)], Double($0.value)) })
        return metrics
    }

    /// The dialer's HTTP routes: `GET /status`, `GET /task`, `GET /agents`, `POST /pause`,
    /// `POST /resume`.
    public nonisolated var routes: [LiveHTTPRoute] {
        [.init("GET", "/status"), .init("GET", "/task"), .init("GET", "/agents"), .init("POST", "/pause"), .init("POST", "/resume")]
    }

    /// The response to an authorised request on one of `routes`.
    public func respond(to request: LiveHTTPRequest) -> LiveHTTPResponse {
        switch request.path {
        case "/status": return .encoding(status())
        case "/task": return .encoding(taskProgress())
        case "/agents": return .encoding(agents())
        case "/pause":
            return pause() ? .encoding(status()) : .error(409, "the run is not running")
        case "/resume":
            return resume() ? .encoding(status()) : .error(409, "the run is not running")
        default:
            return .error(404, "no such resource: \(request.path.prefix(100))")
        }
    }

    // MARK: - The dispatcher

    /// What the dialer assumes of every agent at start (a break begins now).
    private var startingState: AgentState {
        switch options.agentsAtStart {
        case .assume(.paused): return .paused(since: startedAt)
        case .assume(let state): return state
        case .askCallCenter: return .loggedOut
        }
    }

    /// The agents' states at start: as mod_callcenter says (`known`; an agent it does not
    /// know is logged out), else as the options assume.
    private func initialAgents(_ known: CallCenterAgents?) -> [AgentState] {
        let count = (options.live.agents.map(\.id.index).max() ?? -1) + 1
        var agents = Array(repeating: AgentState.loggedOut, count: count)
        for agent in options.live.agents where agent.id.index >= 0 {
            if let known {
                let tracked = known.byName[agent.name] ?? CallCenterAgent(status: "Logged Out")
                bridge.seed(agent.id, tracked)
                truth[agent.id] = tracked.dialerState
            } else {
                truth[agent.id] = startingState
                if let seeded = CallCenterAgent(startingState) { bridge.seed(agent.id, seeded) }
            }
        }
        for (agent, state) in truth { pool?.set(agent.index, state, at: startedAt) }
        shown = truth
        _ = viewChanges(at: startedAt)
        for agent in options.live.agents where agent.id.index >= 0 {
            agents[agent.id.index] = shown[agent.id] ?? .loggedOut
        }
        return agents
    }

    /// What `snapshot` says of `call`, for the persistent dialer's reconcile.
    private func status(of call: CallID, in snapshot: LiveSnapshot) -> PersistentDialer<CampaignPolicy<D>>.ChannelStatus? {
        let status = snapshot.channels.status(
            ofCall: call.uuidString, roster: options.live.agents, agentChannels: snapshot.agents?.channels ?? [:])
        switch status {
        case nil: return nil
        case .ringing?: return .ringing
        case .answered?: return .answered(live: true)
        case .bridged(let agent)?: return .connected(agent)
        }
    }

    /// Hands `events` to the dialer in order (and the events its commands feed back), performs
    /// the commands, then hands the records over to the writer's thread.
    private func dispatch(_ events: [DialerEvent], at time: Seconds) {
        guard phase == .running, !events.isEmpty else { return }
        var pending = events
        var index = 0
        while index < pending.count, phase == .running {
            let event = pending[index]
            index += 1
            var commands: [DialerCommand] = []
            do {
                try persistent.handle(event, at: time, into: &commands)
            } catch {
                fail("the store failed, so the task stops (a restart resumes it): \(error)")
                return
            }
            carryOut(commands, at: time, feedback: &pending)
        }
        persistent.writer.handOver()
    }

    /// Performs the actions of `commands`; events to give back to the dialer go to `feedback`.
    private func carryOut(_ commands: [DialerCommand], at time: Seconds, feedback: inout [DialerEvent]) {
        for action in bridge.commands(for: commands, at: time) {
            switch action {
            case .esl(let command):
                if case .bgapi(command: "originate", _, _) = command { originates += 1 }
                session.send(command, for: self)
            case .timer(let at):
                arm(at)
            case .dialerFeedback(let event):
                feedback.append(event)
            case .taskCompleted(let snapshot):
                complete(snapshot)
            case .refused(let reason):
                log("not sent: \(reason)")
            case .record, .routing, .routerFeedback:
                // Records were handed to the writer by the persistent dialer.
                break
            }
        }
    }

    private func arm(_ deadline: Seconds) {
        timers.arm(deadline, on: clock) { deadline in await self.fire(deadline) }
    }

    private func fire(_ deadline: Seconds) {
        timers.fired(deadline)
        guard phase == .running else { return }
        // Wrap-ups over by now end first (mod_callcenter says nothing when they do). Paused, the
        // campaign policy holds the dialer's wake-up back (and still places and releases
        // answered customers).
        let time = max(deadline, clock.now())
        dispatch(heard(bridge.endWrapUps(at: time), at: time) + [.wakeUp], at: time)
        armWrapUpEnd()
    }

    /// Arms a timer for the first agent's wrap-up end, if an agent wraps up.
    private func armWrapUpEnd() {
        if let end = bridge.nextWrapUpEnd { arm(end) }
    }

    // MARK: - Events from FreeSWITCH

    /// Handles what the session says (the session's notices, in order).
    public func session(_ notice: LiveSessionNotice) async {
        if phase == .starting {
            early.append(notice)
            return
        }
        guard phase == .running else { return }
        switch notice {
        case .event(let event):
            let time = clock.now()
            let events = heard(bridge.events(for: event, at: time), at: time)
            if !events.isEmpty { dispatch(events, at: time) }
            armWrapUpEnd()
        case .connection(let up):
            connected = up
        case .reconnected(let state):
            connected = true
            guard case .success(let snapshot) = state else { return }
            reconcile(with: snapshot)
        case .lost(let error):
            connected = false
            fail(error)
        case .agentOccupied(let name, let busy):
            occupy(name, busy: busy)
        }
    }

    /// What the dialer hears of `events`, in order: an agent's state becomes its `truth` (kept
    /// aside while the agent is on another member's call: the dialer hears of it when that call
    /// ends) and goes to the dialer as the blending rule shows it, with any other agent the rule
    /// now shows differently.
    private func heard(_ events: [DialerEvent], at time: Seconds) -> [DialerEvent] {
        guard events.contains(where: { if case .agent = $0 { return true } else { return false } }) else { return events }
        var out: [DialerEvent] = []
        for event in events {
            guard case .agent(let agent, let state) = event else {
                out.append(event)
                continue
            }
            if occupied[agent] != nil {
                occupied[agent] = state
            } else if pool == nil {
                // Without a rule the dialer sees each agent as it is: only this one changed.
                truth[agent] = state
                if shown[agent] != state {
                    shown[agent] = state
                    out.append(event)
                }
            } else {
                setTruth(agent, state, at: time)
                out += viewChanges(at: time)
            }
        }
        return out
    }

    /// Agent `agent` is now in `state` as the campaign sees it (mod_callcenter's state, logged
    /// out while on another member's call).
    private func setTruth(_ agent: AgentID, _ state: AgentState, at time: Seconds) {
        truth[agent] = state
        pool?.set(agent.index, state, at: time)
    }

    /// The agents the dialer is to be shown differently now, in roster order (and `shown`
    /// brought up to date): the pool updated under the blending rule, if any, joiners and
    /// leavers announced to the router unless the pool takes inbound callers.
    private func viewChanges(at time: Seconds) -> [DialerEvent] {
        if pool != nil {
            var joined: [Int] = []
            var left: [Int] = []
            pool!.update(open: true, joined: &joined, left: &left)
            if !pool!.rule.poolTakesInbound, !(joined.isEmpty && left.isEmpty) {
                announcePool(joining: Set(joined.map(AgentID.init)), leaving: Set(left.map(AgentID.init)))
            }
        }
        var out: [DialerEvent] = []
        for agent in options.live.agents {
            guard let state = pool?.shown(agent.id.index) ?? truth[agent.id], shown[agent.id] != state else { continue }
            shown[agent.id] = state
            out.append(.agent(agent.id, state))
        }
        return out
    }

    /// Tells the router which agents joined the dialer's pool (withdrawn from inbound) and which
    /// left it, in roster order.
    private func announcePool(joining: Set<AgentID>, leaving: Set<AgentID>) {
        for agent in options.live.agents where leaving.contains(agent.id) {
            session.agentOccupied(agent.name, busy: false, by: self)
        }
        for agent in options.live.agents where joining.contains(agent.id) {
            session.agentOccupied(agent.name, busy: true, by: self)
        }
    }

    /// Another member put agent `name` on a call (`busy`) or the call ended: the dialer sees the
    /// agent logged out meanwhile (not talking: inbound callers come first, so the agent is not
    /// one the campaign can count on when that call ends; the routing world's blend measured the
    /// difference), then what mod_callcenter last said of them.
    private func occupy(_ name: String, busy: Bool) {
        guard let agent = options.live.agents.first(where: { $0.name == name })?.id else { return }
        let time = clock.now()
        if busy {
            guard occupied[agent] == nil else { return }
            occupied[agent] = .some(nil)
            setTruth(agent, .loggedOut, at: time)
        } else {
            guard let held = occupied.removeValue(forKey: agent) else { return }
            setTruth(agent, held ?? bridge.reportedState(of: agent) ?? startingState, at: time)
        }
        dispatch(viewChanges(at: time), at: time)
    }

    /// After a gap: the calls in flight brought up to date with `snapshot` (ended, answered or
    /// connected meanwhile), then the agents whose mod_callcenter state changed meanwhile.
    private func reconcile(with snapshot: LiveSnapshot) {
        let time = clock.now()
        var events = bridge.reconcile(
            channels: snapshot.channels, agentChannels: snapshot.agents?.channels ?? [:], at: time)
        if let agents = snapshot.agents { events += heard(bridge.resync(agents: agents.byName), at: time) }
        dispatch(events, at: time)
        armWrapUpEnd()
    }

    /// FreeSWITCH answered a command with `-ERR`: an originate refused ends its call. A command
    /// that could not be sent (the connection was lost) is left to the reconcile that follows
    /// the reconnect.
    public func refused(_ command: ESLCommand, _ text: String, sent: Bool) {
        guard sent else {
            log("a command could not be sent: \(text)")
            return
        }
        guard case .bgapi(command: "originate", _, let job) = command else {
            log("FreeSWITCH refused a command: \(text.prefix(200))")
            return
        }
        log("FreeSWITCH refused an originate: \(text.prefix(200))")
        guard let call = CallID(uuidString: "51cc0000" + job.dropFirst(8)) else { return }
        dispatch(bridge.originateFailed(call), at: clock.now())
    }

    // MARK: - The end

    private func complete(_ snapshot: TaskSnapshot) {
        guard phase == .running else { return }
        phase = .completed
        finalSnapshot = snapshot
        log("batch \(options.batchID) completed: \(snapshot.contracts.count) contracts; snapshot saved")
        let summary = summary("completed")
        Task { await self.shutdown(.success(summary)) }
    }

    private func fail(_ message: String) { fail(LiveRunnerError(message)) }

    private func fail(_ error: LiveRunnerError) {
        guard phase == .running || phase == .starting else { return }
        phase = .failed
        log(error.description)
        Task { await self.shutdown(.failure(error)) }
    }

    private func summary(_ state: String) -> LiveRunSummary {
        LiveRunSummary(
            state: state, snapshot: finalSnapshot ?? persistent.snapshot(at: clock.now()), originates: originates)
    }

    private func shutdown(_ result: Result<LiveRunSummary, LiveRunnerError>) async {
        guard !shuttingDown else { return }
        shuttingDown = true
        if phase == .starting || phase == .idle { phase = .failed }
        timers.cancelAll()
        // The router has the pool's agents back.
        if let pool, !pool.rule.poolTakesInbound {
            let members = pool.isMember.indices.filter { pool.isMember[$0] }.map(AgentID.init)
            announcePool(joining: [], leaving: Set(members))
        }
        var result = result
        do {
            try persistent.writer.close()
        } catch {
            result = .failure(LiveRunnerError("call records could not all be written: \(error)"))
        }
        if joined { await session.leave(self) }
        ending.finish(result)
    }
}
