import CallCenter
import EventSocket
import EventSocketClient
import Foundation
import Live
import NIOCore
import NIOPosix
import RoutingPolicies
import Store

// MARK: - Options

/// What a live inbound router needs: the routing store, the roster, the softswitch.
public struct LiveRouterOptions: Sendable {
    /// The routing store (SQLite file): customers, bindings, callback tasks, inbound calls.
    /// Created when missing (a router may start with no customer at all).
    public var storePath: String
    /// The roster: mod_callcenter names, extensions, teams, backups, leaders, business types.
    public var roster: LiveRoster
    /// The live softswitch's configuration (sounds, digits variable, transfer context, ...);
    /// its `agents` are replaced by the roster's.
    public var live: LiveConfiguration
    /// The cascade's knobs.
    public var router: CascadeRouter.Configuration
    /// The seed of step 021's random choice.
    public var seed: UInt64 = 1
    /// Where and how to reach FreeSWITCH's event socket when the runner has a session of its own
    /// (see `LiveSession`; with no subscriptions, it subscribes to `LiveSession.subscription`).
    public var eventSocket: EventSocketConfiguration
    /// What the router takes the roster agents to be at start, until mod_callcenter's events
    /// say otherwise: all logged in and free by default (any state but `idle` is offline).
    public var agentsAtStart = LiveAgentsAtStart.assume(.idle)

    /// Options for a router over the store at `storePath` with `roster`.
    public init(
        storePath: String, roster: LiveRoster, live: LiveConfiguration = LiveConfiguration(),
        router: CascadeRouter.Configuration = CascadeRouter.Configuration(), eventSocket: EventSocketConfiguration
    ) {
        self.storePath = storePath
        self.roster = roster
        self.live = live
        self.router = router
        self.eventSocket = eventSocket
    }
}

/// How a router run ended.
public struct LiveRouterSummary: Sendable {
    /// `stopped` (on request).
    public var state: String
    /// Inbound calls whose records were written during the run.
    public var callsRecorded: Int
}

// MARK: - The runner

/// Runs the CN107682576B cascade (`CascadeRouter`) live on FreeSWITCH's parked inbound calls:
///
/// - the router's directory is filled from the routing store at start (customers, and the
///   bindings of earlier runs: a number bound live is recognised after a restart), agents, teams
///   and business types from the roster; callback tasks of earlier runs are taken back;
/// - a `RouterBridge` turns channel events (CHANNEL_PARK of an inbound leg, the
///   CHANNEL_EXECUTE_COMPLETE of `play_and_get_digits`, hang-ups) and `callcenter::info` into
///   router events, and its commands into ESL commands (`uuid_transfer`, `sendmsg` execute,
///   `uuid_kill`) sent in order by one sender task;
/// - the router's timers (step 06) sleep on the run's clock and come back as `wakeUp`;
/// - the bookkeeping commands (bindings, customers created, callback task events) and one
///   record per inbound call, once it ended, go to the store's `RoutingRecordWriter` (never
///   waiting for the disk);
/// - its HTTP routes (`LiveHTTPRoutes`) show the router and its callback tasks, and take an
///   agent's "done" on a callback task (`callbackDone`, written to the task's history).
///
/// FreeSWITCH is reached through a `LiveSession`, shared with the dialer when both run: the
/// router tells the session when it puts an agent on an inbound call and when that call ends,
/// so the dialer does not count the agent free meanwhile; and the dialer tells it which agents
/// its pool holds, which the router has withdrawn meanwhile (a blending rule whose pool takes no
/// inbound callers).
///
/// At start the calls already parked are routed, oldest first. After a reconnect the runner reads
/// FreeSWITCH's state (`LiveSession.snapshot`) and reconciles: calls whose channel vanished during
/// the gap end as their hang-up would have, agents whose mod_callcenter state changed are
/// reported, and the calls parked during the gap are routed.
public actor LiveRouterRunner: LiveSessionMember, LiveHTTPRoutes {
    private enum Phase: Equatable { case idle, starting, running, stopped, failed }

    /// Where an inbound call stands, for its record.
    private struct Call {
        var uuid: String
        var caller: String?
        var customer: CustomerID?
        var arrivedAt: Seconds
        var reason: RoutingReason?
        var agent: AgentID?
        var connectedAt: Seconds?
        var inIVR = false
        var rejected = false
        var hungUp = false
        var callback: CallbackTaskID?
    }

    /// The options of the run.
    public nonisolated let options: LiveRouterOptions
    /// The run's clock.
    public nonisolated let clock: any LiveClock
    /// The connection to FreeSWITCH (shared with the dialer when both run).
    public nonisolated let session: LiveSession
    private let log: @Sendable (String) -> Void
    private let store: RoutingStore
    private let writer: RoutingRecordWriter
    private var router: CascadeRouter
    private var bridge: RouterBridge
    private var phase = Phase.idle
    private var connected = false
    private var calls: [CallID: Call] = [:]
    private var byUUID: [String: CallID] = [:]
    private var timers = LiveTimers()
    private var early: [LiveSessionNotice] = []
    private var joined = false
    private var ending = LiveRunEnding<LiveRouterSummary>()
    private var shuttingDown = false
    private var restoredWakeUps: [InboundCommand] = []
    private let agentNames: [AgentID: String]
    private let agentIDs: [String: AgentID]
    /// Agents the dialer's pool holds (a blending rule whose pool takes no inbound callers).
    private var withdrawn: Set<AgentID> = []

    /// Inbound calls whose records were handed to the writer.
    public private(set) var callsRecorded = 0
    /// Transfers (`uuid_transfer`) sent.
    public private(set) var transfers = 0

    /// A router over the store and roster of `options`. Opens the store (creating it when
    /// missing), fills the directory from it and takes back its callback tasks; nothing is sent
    /// until `start()`.
    /// - Parameters:
    ///   - clock: the run's clock (tests pass a fast one).
    ///   - session: the connection to share (nil: one of its own on `options.eventSocket`).
    ///   - log: where operational messages go (never secrets).
    /// - Throws: `LiveRunnerError` naming what is wrong: the live configuration, the store.
    public init(
        options: LiveRouterOptions, clock: any LiveClock = SystemLiveClock(), session: LiveSession? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.options = options
        self.clock = clock
        self.log = log
        agentNames = Dictionary(options.roster.liveAgents.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        agentIDs = Dictionary(options.roster.liveAgents.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
        var directory = options.roster.directory()
        var live = options.live
        live.agents = options.roster.liveAgents
        do {
            store = try RoutingStore(path: options.storePath)
            try store.fill(&directory)
            // Inbound call ids go on from the last run's, so that records never share an id.
            let last = try store.inboundCalls().map(\.call.rawValue).filter { $0 >= live.firstInboundCall }.max()
            if let last, last < UInt64.max { live.firstInboundCall = last + 1 }
            router = CascadeRouter(directory: directory, configuration: options.router, random: SplitMix64(seed: options.seed))
            let tasks = try store.callbackTasks().map(\.task)
            var wakeUps: [InboundCommand] = []
            guard router.restore(tasks: tasks, into: &wakeUps) else {
                throw LiveRunnerError("the callback tasks of \(options.storePath) are damaged: their ids are not 0, 1, 2, ...", configuration: true)
            }
            restoredWakeUps = wakeUps
            writer = try store.recordWriter(batchSize: 64)
        } catch let error as LiveRunnerError {
            throw error
        } catch {
            throw LiveRunnerError("cannot open the routing store \(options.storePath): \(error)")
        }
        do {
            bridge = try RouterBridge(configuration: live)
        } catch {
            throw LiveRunnerError("\(error)", configuration: true)
        }
        self.session = session ?? LiveSession(configuration: options.eventSocket, eventLoopGroup: eventLoopGroup, log: log)
    }

    // MARK: - Life cycle

    /// Connects to FreeSWITCH and starts routing the inbound calls parked from now on. Returns
    /// once running.
    /// - Throws: `LiveRunnerError` naming what failed (the connection).
    public func start() async throws {
        guard phase == .idle else { throw LiveRunnerError("the router was already started") }
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
        // The calls parked before the start (while no router ran) are routed too, oldest first.
        let waiting: [LiveChannel]
        do {
            waiting = try await session.snapshot().channels.parkedInboundCalls
        } catch {
            log("router: \(error); calls parked before the start are left to their hang-up")
            waiting = []
        }
        phase = .running
        let time = clock.now()
        var events: [InboundEvent] = []
        if let known {
            events = bridge.resync(agents: known.byName)
        } else if case .assume(.idle) = options.agentsAtStart {
            for agent in options.roster.liveAgents {
                if let seeded = CallCenterAgent(AgentState.idle) { bridge.seed(agent.id, seeded) }
                events.append(.agentLoggedIn(agent.id))
            }
        }
        carryOut(restoredWakeUps, at: time)
        restoredWakeUps = []
        dispatch(events, at: time)
        armWrapUpEnd()
        pickUp(waiting, at: time)
        let buffered = early
        early = []
        for notice in buffered { await session(notice) }
    }

    /// Waits for the end of the run and returns how it ended.
    /// - Throws: `LiveRunnerError` when the run failed (the connection lost for good, the store).
    public func waitUntilFinished() async throws -> LiveRouterSummary {
        try await withCheckedThrowingContinuation { ending.wait($0) }
    }

    /// Stops routing: the records are flushed, the client closed. Calls still parked stay parked.
    public func stop() async {
        guard phase == .running || phase == .starting else { return }
        phase = .stopped
        await shutdown(.success(LiveRouterSummary(state: "stopped", callsRecorded: callsRecorded)))
    }

    /// Writes every record handed over so far to the store and waits until it is there.
    /// - Throws: `LiveRunnerError` when some record was not written.
    public func flush() throws {
        do { try writer.flush() } catch { throw LiveRunnerError("routing records were not all written: \(error)") }
    }

    /// Inbound calls followed now (parked, in the IVR, or transferred and not yet hung up).
    public var callsInFlight: Int { calls.count }

    /// The router's directory now (customers, bindings made so far, agents, teams).
    public var directory: Directory { router.directory }

    // MARK: - What the interface shows

    /// The router's HTTP routes: `GET /router/status`, `GET /callbacks` (the tasks the monitor
    /// still watches, most urgent first), `GET /callbacks/{id}`, `POST /callbacks/{id}/done`
    /// (an agent called the customer back; the body may name the agent: `{"agent":"1001"}`).
    public nonisolated var routes: [LiveHTTPRoute] {
        [
            .init("GET", "/router/status"), .init("GET", "/callbacks"), .init("GET", "/callbacks/{id}"),
            .init("POST", "/callbacks/{id}/done"),
        ]
    }

    /// The response to an authorised request on one of `routes`.
    public func respond(to request: LiveHTTPRequest) -> LiveHTTPResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, parts.count) {
        case ("GET", 2) where parts[0] == "router": return .encoding(status())
        case ("GET", 1): return .encoding(callbackTasks())
        case (_, 2), (_, 3):
            guard let index = Int(parts[1]), index >= 0, index < router.tasks.count else {
                return .error(404, "no such callback task: \(parts[1].prefix(40))")
            }
            let id = CallbackTaskID(index)
            if request.method == "GET" { return .encoding(view(router.tasks[index])) }
            var agent: AgentID?
            if !request.body.isEmpty {
                guard let body = try? JSONDecoder().decode([String: String].self, from: Data(request.body)),
                    Set(body.keys).isSubset(of: ["agent"])
                else { return .error(400, #"the body must be empty or {"agent": "<roster name>"}"#) }
                if let name = body["agent"] {
                    guard let known = agentIDs[name] else {
                        return .error(400, "agent \(name.prefix(40)) is not in the roster")
                    }
                    agent = known
                }
            }
            switch callbackDone(id, by: agent) {
            case .success(let task): return .encoding(view(task))
            case .failure(let error): return .error(409, error.description)
            }
        default:
            return .error(404, "no such resource: \(request.path.prefix(100))")
        }
    }

    /// The router's share of `GET /metrics`.
    public func metrics() -> LiveMetrics {
        let status = status()
        var metrics = LiveMetrics()
        metrics.add("simcc_router_calls_in_flight", "gauge", "Inbound calls followed now.", Double(status.callsInFlight))
        metrics.add("simcc_router_calls_recorded_total", "counter", "Inbound calls recorded since the start.", Double(status.callsRecorded))
        metrics.add("simcc_router_transfers_total", "counter", "Transfers to agents sent since the start.", Double(status.transfers))
        metrics.add("simcc_router_callbacks_active", "gauge", "Callback tasks step 06 still watches.", Double(status.callbacksActive))
        metrics.add("simcc_router_agents_withdrawn", "gauge", "Agents in the dialer's pool, withdrawn from inbound.", Double(status.agentsWithdrawn))
        return metrics
    }

    /// `GET /router/status`.
    public struct Status: Codable, Sendable, Equatable {
        /// `starting`, `running`, `reconnecting`, `stopped` or `failed`.
        public var state: String
        /// Whether the event socket is logged in now.
        public var softswitchConnected: Bool
        /// Inbound calls followed now.
        public var callsInFlight: Int
        /// Inbound calls recorded since the start.
        public var callsRecorded: Int
        /// Transfers sent since the start.
        public var transfers: Int
        /// Callback tasks the monitor still watches.
        public var callbacksActive: Int
        /// Agents withdrawn while in the dialer's pool (a blending rule).
        public var agentsWithdrawn: Int
    }

    /// The router's status.
    public func status() -> Status {
        let state: String
        switch phase {
        case .idle, .starting: state = "starting"
        case .running: state = connected ? "running" : "reconnecting"
        case .stopped: state = "stopped"
        case .failed: state = "failed"
        }
        return Status(
            state: state, softswitchConnected: connected, callsInFlight: calls.count, callsRecorded: callsRecorded,
            transfers: transfers, callbacksActive: router.tasks.filter(\.state.isActive).count,
            agentsWithdrawn: withdrawn.count)
    }

    /// A callback task as the interface shows it.
    public struct CallbackView: Codable, Sendable, Equatable {
        /// The task's id.
        public var id: Int
        /// `open`, `reminded`, `reassigned`, `done` or `expired`.
        public var state: String
        /// The customer's index in the routing store, when known.
        public var customer: Int?
        /// The number to call back.
        public var callerNumber: String?
        /// The business type chosen in the menu.
        public var businessType: String?
        /// The owner's roster name (nil while no agent is online to take it).
        public var owner: String?
        /// When it was created and when the monitor next checks it (the run's clock).
        public var created: Double
        /// The monitor's next check.
        public var deadline: Double
        /// The priority (higher is more urgent).
        public var priority: Int
        /// Reminders and reassignments so far.
        public var reminders: Int
        /// Reassignments so far.
        public var reassignments: Int
    }

    private func view(_ task: CallbackTask) -> CallbackView {
        let directory = router.directory
        return CallbackView(
            id: task.id.index, state: task.state.rawValue,
            customer: task.customer.map { Int($0.rawValue) },
            callerNumber: task.callerNumber,
            businessType: task.businessType.flatMap { type in directory.businessTypes.first { $0.id == type }?.name },
            owner: task.owner.flatMap { agentNames[$0] }, created: task.created, deadline: task.deadline,
            priority: task.priority, reminders: task.reminders, reassignments: task.reassignments)
    }

    /// The callback tasks the monitor still watches, highest priority first, then earliest deadline.
    public func callbackTasks() -> [CallbackView] {
        router.tasks.filter(\.state.isActive)
            .sorted { ($1.priority, $0.deadline, $0.id.index) < ($0.priority, $1.deadline, $1.id.index) }
            .map(view)
    }

    /// An agent called the customer of task `id` back (the agent desktop's "done"): the router
    /// stops monitoring it and its history records it (by `agent`, when given).
    /// - Returns: the task, or why it cannot be done (no such task, already done, the router not
    ///   running).
    public func callbackDone(_ id: CallbackTaskID, by agent: AgentID? = nil) -> Result<CallbackTask, LiveRunnerError> {
        guard phase == .running else { return .failure(LiveRunnerError("the router is not running")) }
        guard id.index < router.tasks.count else { return .failure(LiveRunnerError("there is no \(id)")) }
        guard router.tasks[id.index].state != .done else {
            return .failure(LiveRunnerError("\(id) is already done"))
        }
        let time = clock.now()
        dispatch([.callbackDone(id)], at: time)
        writer.append(.callback(.done(id, by: agent, at: time)))
        writer.handOver()
        return .success(router.tasks[id.index])
    }

    // MARK: - The router

    /// Hands `events` to the router in order (and the events the bridge feeds back) and performs
    /// its commands.
    private func dispatch(_ events: [InboundEvent], at time: Seconds) {
        guard phase == .running, !events.isEmpty else { return }
        var pending = events
        var index = 0
        while index < pending.count, phase == .running {
            let event = pending[index]
            index += 1
            var current: CallID?
            switch event {
            case .callerArrived(let call, let caller):
                current = call
                arrived(call, caller: caller.text, at: time)
            case .callArrived(let call):
                current = call
                arrived(call, caller: nil, at: time)
            case .digitsCollected(let call, _):
                current = call
                calls[call]?.inIVR = false
            case .callAbandoned(let call):
                current = call
            default:
                break
            }
            var commands: [InboundCommand] = []
            router.handle(event, at: time, into: &commands)
            pending += carryOut(commands, at: time, current: current)
        }
        writer.handOver()
    }

    private func arrived(_ call: CallID, caller: String?, at time: Seconds) {
        guard let uuid = bridge.channelUUID(of: call) else { return }
        byUUID[uuid] = call
        calls[call] = Call(
            uuid: uuid, caller: caller, customer: caller.flatMap { router.directory.customer(number: $0)?.id },
            arrivedAt: time)
    }

    /// Performs `commands`; returns the events to give back to the router.
    @discardableResult
    private func carryOut(_ commands: [InboundCommand], at time: Seconds, current: CallID? = nil) -> [InboundEvent] {
        var feedback: [InboundEvent] = []
        for command in commands {
            note(command, at: time, current: current)
            for action in bridge.commands(for: command, at: time) {
                switch action {
                case .esl(let command):
                    if case .bgapi(command: "uuid_transfer", _, _) = command { transfers += 1 }
                    session.send(command, for: self)
                case .timer(let at):
                    arm(at)
                case .routerFeedback(let event):
                    feedback.append(event)
                case .refused(let reason):
                    log("not sent: \(reason)")
                case .routing, .record, .dialerFeedback, .taskCompleted:
                    break  // the bookkeeping was noted above
                }
            }
        }
        return feedback
    }

    /// Keeps what the record of the call needs and writes the bookkeeping commands down.
    private func note(_ command: InboundCommand, at time: Seconds, current: CallID?) {
        switch command {
        case .connect(let call, let agent):
            guard calls[call] != nil else { break }
            calls[call]?.agent = agent
            calls[call]?.connectedAt = time
            if let name = agentNames[agent] { session.agentOccupied(name, busy: true, by: self) }
        case .reject(let call):
            calls[call]?.rejected = true
        case .collectDigits(let call, _, _, _):
            calls[call]?.inIVR = true
        case .hangUp(let call):
            calls[call]?.hungUp = true
        case .routed(let call, let reason):
            calls[call]?.reason = reason
        case .bindNumber(let number, let customer):
            writer.append(.numberBound(NumberBinding(number, customer: customer, at: time)))
            if let call = current { calls[call]?.customer = customer }
        case .createCustomer(let id):
            if let customer = router.directory.customer(id) {
                writer.append(.customerCreated(CreatedCustomer(customer, at: time)))
            }
        case .createCallback(let id):
            if id.index < router.tasks.count { writer.append(.callback(.created(router.tasks[id.index]))) }
            if let call = current { calls[call]?.callback = id }
        case .remindAgent(let agent, let id, let priority):
            writer.append(.callback(.reminded(id, agent: agent, priority: priority, deadline: deadline(of: id), at: time)))
        case .reassignCallback(let id, let to, let priority):
            writer.append(.callback(.reassigned(id, to: to, priority: priority, deadline: deadline(of: id), at: time)))
        case .expireCallback(let id):
            writer.append(.callback(.expired(id, at: time)))
        case .wakeUp:
            break
        }
    }

    private func deadline(of id: CallbackTaskID) -> Seconds? {
        id.index < router.tasks.count ? router.tasks[id.index].deadline : nil
    }

    /// The call on channel `uuid` ended at `time`: its record goes to the writer.
    private func ended(uuid: String, at time: Seconds) {
        guard let id = byUUID.removeValue(forKey: uuid), let call = calls.removeValue(forKey: id) else { return }
        if let agent = call.agent, let name = agentNames[agent] { session.agentOccupied(name, busy: false, by: self) }
        let ending: InboundCallEnding
        if call.agent != nil {
            ending = .served
        } else if call.callback != nil {
            ending = .callback
        } else if call.rejected {
            ending = .blocked
        } else if call.hungUp {
            ending = .hungUp
        } else if call.inIVR {
            ending = .abandonedInIVR
        } else {
            ending = .abandonedInQueue
        }
        writer.append(
            .inboundCall(
                InboundCallRecord(
                    call: id, caller: call.caller, customer: call.customer, arrivedAt: call.arrivedAt,
                    reason: call.reason, agent: call.agent, connectedAt: call.connectedAt, endedAt: time,
                    ending: ending, callback: call.callback)))
        callsRecorded += 1
    }

    private func arm(_ deadline: Seconds) {
        timers.arm(deadline, on: clock) { deadline in await self.fire(deadline) }
    }

    private func fire(_ deadline: Seconds) {
        timers.fired(deadline)
        // Wrap-ups over by now end first (mod_callcenter says nothing when they do).
        let time = max(deadline, clock.now())
        dispatch(heard(bridge.endWrapUps(at: time)) + [.wakeUp], at: time)
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
            let events = heard(bridge.events(for: event, at: time))
            if !events.isEmpty { dispatch(events, at: time) }
            armWrapUpEnd()
            if let name = event.eventName, name == "CHANNEL_HANGUP" || name == "CHANNEL_HANGUP_COMPLETE",
                let uuid = event.uniqueID
            {
                ended(uuid: uuid, at: time)
                writer.handOver()
            }
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
            withdraw(name, busy)
        }
    }

    /// The dialer took agent `name` into its pool (`busy`: under a blending rule whose pool takes
    /// no inbound callers) or let them go: the router has them withdrawn meanwhile
    /// (`agentLoggedOut`), then back as mod_callcenter says (`agentAvailable` when free). The
    /// dialer's calls themselves the router learns of from mod_callcenter.
    private func withdraw(_ name: String, _ busy: Bool) {
        guard let agent = agentIDs[name] else { return }
        let time = clock.now()
        if busy {
            guard withdrawn.insert(agent).inserted else { return }
            dispatch([.agentLoggedOut(agent)], at: time)
        } else {
            guard withdrawn.remove(agent) != nil else { return }
            let onCall = calls.values.contains { $0.agent == agent }
            if bridge.routerState(of: agent) == .ready && !onCall { dispatch([.agentAvailable(agent)], at: time) }
        }
    }

    /// `events` less the returns of withdrawn agents (they come back when the dialer lets them go).
    private func heard(_ events: [InboundEvent]) -> [InboundEvent] {
        guard !withdrawn.isEmpty else { return events }
        return events.filter { event in
            switch event {
            case .agentLoggedIn(let agent), .agentAvailable(let agent): return !withdrawn.contains(agent)
            default: return true
            }
        }
    }

    /// After a gap: the calls whose channel vanished end as their hang-up would have; then the
    /// agents whose mod_callcenter state changed meanwhile; then the calls parked meanwhile.
    private func reconcile(with snapshot: LiveSnapshot) {
        let time = clock.now()
        dispatch(bridge.reconcile(liveChannels: snapshot.channels.uuids, at: time), at: time)
        for uuid in byUUID.keys.sorted() where snapshot.channels[uuid] == nil { ended(uuid: uuid, at: time) }
        if let agents = snapshot.agents { dispatch(heard(bridge.resync(agents: agents.byName)), at: time) }
        armWrapUpEnd()
        pickUp(snapshot.channels.parkedInboundCalls, at: time)
        writer.handOver()
    }

    /// Routes the parked inbound calls of `channels` the router does not follow yet.
    private func pickUp(_ channels: [LiveChannel], at time: Seconds) {
        let arrivals = bridge.parked(channels)
        guard !arrivals.isEmpty else { return }
        log("router: routing \(arrivals.count) inbound call(s) parked while it was not listening")
        dispatch(arrivals, at: time)
    }

    /// FreeSWITCH refused a command, or it could not be sent: a transfer or a prompt refused
    /// leaves the call parked; its hang-up ends it.
    public func refused(_ command: ESLCommand, _ text: String, sent: Bool) {
        log("router: \(sent ? "FreeSWITCH refused a command" : "a command could not be sent"): \(text.prefix(200))")
    }

    // MARK: - The end

    private func fail(_ error: LiveRunnerError) {
        guard phase == .running || phase == .starting else { return }
        phase = .failed
        log(error.description)
        Task { await self.shutdown(.failure(error)) }
    }

    private func shutdown(_ result: Result<LiveRouterSummary, LiveRunnerError>) async {
        guard !shuttingDown else { return }
        shuttingDown = true
        if phase == .starting || phase == .idle { phase = .failed }
        timers.cancelAll()
        var result = result
        do {
            try writer.close()
        } catch {
            result = .failure(LiveRunnerError("routing records could not all be written: \(error)"))
        }
        if joined { await session.leave(self) }
        ending.finish(result)
    }
}
