import CallCenter
import CenterPolicies
import EventSocket
import EventSocketClient
import Foundation
import Live
import NIOCore
import NIOPosix
import RoutingPolicies
import Store

// MARK: - The one live driver

/// `simcc live`: one `CenterPolicy` (the campaign's dialer, the CN107682576B cascade, or both
/// with the blending rule between them) run against FreeSWITCH through one `CenterBridge`.
///
/// One actor does it all, in the order FreeSWITCH sent it: it reads the ESL client's
/// notifications, turns each event into center events (the bridge), hands them to the center,
/// turns the center's commands into ESL commands (the bridge again) and queues them for one
/// sender task, which writes them in order. The center's, the router's and the dialer's timers,
/// and the ends of wrap-ups, sleep on the run's clock (`LiveClock`, injectable) and come back
/// into the same actor. There is no second agent book and no side channel: who is on which call,
/// who is in the dialer's pool and who may take a caller is the center's.
///
/// Persistence is decoration: the campaign's dialer runs inside a `PersistentDialer` (calls
/// written down before their originates, records handed to the writer, resumed after a crash),
/// and the router's decisions go to the routing store through a `RoutingLedger` that watches the
/// center's commands go by.
///
/// At start: the agents as mod_callcenter lists them (or as assumed), the calls a previous run
/// left in flight reconciled with FreeSWITCH's channels (gone: settled from FreeSWITCH's call
/// records, `settleVanished`; still up: followed from the state the lists give), the callback tasks of earlier runs taken back, and
/// the inbound calls parked before the start routed, oldest first. The campaign starts at
/// `dial_from` (after `LiveRunnerOptions.dayStart`) and the pool closes at `dial_until`. After a
/// reconnect the same reading of FreeSWITCH's state brings the calls and the agents up to date.
///
/// The campaign ends on S34 (`taskCompleted`: records flushed, snapshot saved); the run ends
/// then unless it also routes inbound calls, which it does until `stop()`.
public actor LiveCenter: LiveHTTPRoutes {
    private enum Phase: Equatable { case idle, starting, running, completed, stopped, failed }

    private enum Timer: Hashable, Sendable {
        case center, router, dialer, wrapUps, campaignStart
        /// Look again for the records of the calls that vanished (`settleVanished`).
        case records
        /// List FreeSWITCH's channels again after a failed reconcile.
        case reconcile
        /// Look for calls in flight FreeSWITCH has shown no sign of.
        case audit
        /// The run has been unhealthy (disconnected, or unable to reconcile) too long.
        case watchdog
    }



    /// The campaign's options, when the center dials.
    public nonisolated let campaign: LiveRunnerOptions?
    /// The router's options, when the center routes inbound calls.
    public nonisolated let routing: LiveRouterOptions?
    /// The run's clock.
    public nonisolated let clock: any LiveClock
    /// The live configuration the bridge runs on (the roster's agents when the center routes).
    public nonisolated let live: LiveConfiguration
    /// What the run takes the agents to be at start.
    public nonisolated let agentsAtStart: LiveAgentsAtStart

    private let client: EventSocketClient
    private let log: @Sendable (String) -> Void
    private var routed: CenterPolicy<CascadeRouter, PersistentDialer<AnyDialer>>?
    private var alone: CenterPolicy<NoRouter, PersistentDialer<AnyDialer>>?
    private var bridge: CenterBridge
    private var ledger: RoutingLedger?
    private var restoredWakeUps: [InboundCommand] = []
    private let store: OutboundStore?
    /// This run's id in the batch's lease, and the task renewing it.
    private nonisolated let leaseOwner = UUID().uuidString.lowercased()
    private var heartbeat: Task<Void, Never>?
    private var task: OutboundTask?
    private let rule: CenterRule
    private let agentNames: [AgentID: String]
    private let agentIDs: [String: AgentID]

    private var phase = Phase.idle
    private var campaignPhase = Phase.idle
    private var connected = false
    /// The armed timers, by (deadline, arming order): one alarm sleeps until the first.
    private var alarms = TimedQueue<Timer>()
    private var alarm: Task<Void, Never>?
    private var alarmAt = Seconds.infinity
    /// The wrap-up ends a timer is armed for (once each).
    private var wrapUpsArmed = Set<Seconds>()
    private var recordsArmed = false
    private var auditArmed = false
    /// A reconcile is owed (after a gap, or for silent calls) and the last attempt failed.
    private var reconcileOwed = false
    private var reconcileFailures = 0
    private var reconcileArmed = false
    private var reconciling = false
    /// Whether the run is reading FreeSWITCH's channels now (a reconcile): a test's clock waits.
    public var isReadingFreeSWITCH: Bool { reconciling }
    /// Whether the event socket is logged in now.
    public var isConnectedToFreeSWITCH: Bool { connected }
    private var reconcileRequests = 0
    private var reconcilesDone = 0
    /// Campaign calls whose transfer to their agent got no reply (lost with the connection, or
    /// late): the next channel list says whether FreeSWITCH placed them.
    private var placementsInDoubt = Set<CallID>()
    /// Hang-ups of calls that may not have reached FreeSWITCH: sent again after the reconcile.
    private var resendOnReconnect: [(call: CallID, command: ESLCommand)] = []
    /// What is wrong now, and since when the run has been unhealthy (nil: healthy).
    private var problem: String?
    private var unhealthySince: Seconds?
    private var early: [EventSocketNotification] = []
    /// Notifications wait in `early` (the calls of a previous run are being taken over).
    private var buffering = false
    private var finalSnapshot: TaskSnapshot?
    private var ending = LiveRunEnding<LiveCenterSummary>()
    private var shuttingDown = false
    private var listener: Task<Void, Never>?
    private var sender: Task<Void, Never>?
    private var replyReader: Task<Void, Never>?
    private nonisolated let outbox: AsyncStream<ESLCommand>.Continuation
    private let outgoing: AsyncStream<ESLCommand>
    private var pending: [CenterEvent] = []
    /// The center's steps, when kept (`keepTrace`): what it was told and answered, in order.
    public private(set) var trace: CenterTrace?

    /// The kept steps from index `first` on (none when no trace is kept).
    public func traceSteps(from first: Int) -> [CenterTrace.Step] {
        guard let trace, first < trace.steps.count else { return [] }
        return Array(trace.steps[first...])
    }

    /// Keeps the center's steps from now on (a test's diagnosis).
    func keepTrace() { if trace == nil { trace = CenterTrace() } }
    private var commands: [CenterCommand] = []
    private var actions: [CenterBridge.Action] = []
    /// When the run began (the run's clock).
    private let startedAt: Seconds

    /// Originates sent (handed to the sender) since the run began.
    public private(set) var originates = 0
    /// Events received from FreeSWITCH since the start.
    public private(set) var eventsReceived = 0
    /// Connections to FreeSWITCH lost since the start.
    public private(set) var disconnections = 0
    /// Callback tasks the center asked an agent to dial (`startCallback`), for the agent desk.
    public private(set) var callbacksToDial: [(task: CallbackTaskID, agent: AgentID)] = []

    /// The events the center reads: channel events, BACKGROUND_JOB and mod_callcenter's
    /// `callcenter::info`; and HEARTBEAT, which feeds the client's liveness watchdog
    /// (`EventSocketConfiguration.livenessTimeout`).
    public static var subscription: ESLSubscription {
        ESLSubscription(
            eventNames: [
                "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE",
                "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_PARK", "BACKGROUND_JOB", "HEARTBEAT",
            ], customSubclasses: ["callcenter::info"])
    }

    /// A center that dials the task of `options` with `dialer`, and routes inbound calls too
    /// when `routing` is given (then the agents are the roster's, and `options.blend` shares
    /// them). Opens the stores; nothing is sent until `start()`.
    /// - Parameters:
    ///   - clock: the run's clock (tests pass a fast one).
    ///   - log: where operational messages go (never secrets).
    /// - Throws: `LiveRunnerError` naming what is wrong: the live configuration, a store.
    public init(
        dialer: some Dialer, options: LiveRunnerOptions, routing: LiveRouterOptions? = nil,
        clock: any LiveClock = SystemLiveClock(), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        try self.init(
            dialer: AnyDialer(dialer), campaign: options, routing: routing, given: nil, clock: clock,
            eventLoopGroup: eventLoopGroup, log: log)
    }

    /// A center that runs `center` as it is given (fresh: its router with its directory and
    /// random stream, its dialer, its rule), writing the campaign's calls to the store of
    /// `options` and the router's records to the routing store of `routing` (whose roster names
    /// the agents). The twin check runs the simulator's own center this way; `freeAtHangup`
    /// false: an agent wraps up after each call until the agent desk says ready (`agentReady`).
    /// `keepTrace`: the center's steps are kept (`trace`).
    public init(
        center: CenterPolicy<CascadeRouter, AnyDialer>, options: LiveRunnerOptions, routing: LiveRouterOptions,
        freeAtHangup: Bool = true, keepTrace: Bool = false, clock: any LiveClock = SystemLiveClock(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        try self.init(
            dialer: center.dialer, campaign: options, routing: routing,
            given: (center.router, center.rule, freeAtHangup, keepTrace), clock: clock, eventLoopGroup: eventLoopGroup,
            log: log)
    }

    /// A center that routes the inbound calls of `routing` with the cascade, and dials nothing.
    public init(
        routing: LiveRouterOptions, clock: any LiveClock = SystemLiveClock(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        try self.init(
            dialer: nil, campaign: nil, routing: routing, given: nil, clock: clock, eventLoopGroup: eventLoopGroup, log: log)
    }

    private init(
        dialer: AnyDialer?, campaign: LiveRunnerOptions?, routing: LiveRouterOptions?,
        given: (router: CascadeRouter, rule: CenterRule, freeAtHangup: Bool, keepTrace: Bool)?, clock: any LiveClock,
        eventLoopGroup: any EventLoopGroup, log: @escaping @Sendable (String) -> Void
    ) throws {
        self.campaign = campaign
        self.routing = routing
        self.clock = clock
        self.log = log
        let started = clock.now()
        startedAt = started
        var live = campaign?.live ?? routing!.live
        if let routing { live.agents = routing.roster.liveAgents }
        agentsAtStart = campaign?.agentsAtStart ?? routing!.agentsAtStart
        agentNames = Dictionary(live.agents.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        agentIDs = Dictionary(live.agents.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
        let count = (live.agents.map(\.id.index).max() ?? -1) + 1

        // The campaign's store and its persistent dialer.
        var persistent: PersistentDialer<AnyDialer>?
        if let campaign, let dialer {
            guard FileManager.default.fileExists(atPath: campaign.storePath) else {
                throw LiveRunnerError("there is no store at \(campaign.storePath); import the task's contact list first (simcc import --db \(campaign.storePath))", configuration: true)
            }
            do {
                let store = try OutboundStore(path: campaign.storePath)
                guard try store.batchIDs().contains(campaign.batchID) else {
                    throw LiveRunnerError("the store \(campaign.storePath) has no batch \(campaign.batchID); import its contact list first (simcc import)", configuration: true)
                }
                let writer = try store.recordWriter(batchID: campaign.batchID)
                persistent = PersistentDialer(dialer: dialer, store: store, batchID: campaign.batchID, writer: writer)
                self.store = store
            } catch let error as LiveRunnerError {
                throw error
            } catch {
                throw LiveRunnerError("cannot open the store \(campaign.storePath): \(error)")
            }
        } else {
            store = nil
        }

        // The rule: the blend (its window moved to the run's day), what happens to answered
        // customers.
        // Without a rule the campaign takes every idle agent and the router may still have them
        // (no agent is withdrawn from inbound callers).
        var blend = campaign?.blend ?? BlendRule(poolTakesInbound: true)
        let day = campaign?.dayStart ?? started
        blend.dialFrom = day + blend.dialFrom
        if blend.dialUntil.isFinite { blend.dialUntil = day + blend.dialUntil }
        let rule =
            given?.rule
            ?? CenterRule(
                blend: blend, agentsDialCallbacks: routing?.agentsDialCallbacks ?? false,
                callbackRetry: routing?.callbackRetry ?? 600,
                maxHold: live.answeredCallDestination.isPark ? campaign?.maxHold : nil,
                placesCustomers: live.answeredCallDestination.isPark)
        self.rule = rule
        trace = given?.keepTrace == true ? CenterTrace() : nil

        // The router, its store and its ledger.
        var routedCenter: CenterPolicy<CascadeRouter, PersistentDialer<AnyDialer>>?
        var aloneCenter: CenterPolicy<NoRouter, PersistentDialer<AnyDialer>>?
        var ledger: RoutingLedger?
        var restored: [InboundCommand] = []
        if let routing {
            var directory = routing.roster.directory()
            do {
                let routingStore = try RoutingStore(path: routing.storePath)
                try routingStore.fill(&directory)
                // Inbound call ids go on from the last run's, so that records never share an id.
                let last = try routingStore.inboundCalls().map(\.call.rawValue).filter { $0 >= live.firstInboundCall }.max()
                if let last, last < UInt64.max { live.firstInboundCall = last + 1 }
                var router =
                    given?.router
                    ?? CascadeRouter(directory: directory, configuration: routing.router, random: SplitMix64(seed: routing.seed))
                let tasks = try routingStore.callbackTasks().map(\.task)
                var wakeUps: [InboundCommand] = []
                guard router.restore(tasks: tasks, into: &wakeUps) else {
                    throw LiveRunnerError("the callback tasks of \(routing.storePath) are damaged: their ids are not 0, 1, 2, ...", configuration: true)
                }
                restored = wakeUps
                ledger = RoutingLedger(writer: try routingStore.recordWriter(batchSize: 64))
                routedCenter = CenterPolicy(router: router, dialer: persistent, agents: count, rule: rule)
            } catch let error as LiveRunnerError {
                throw error
            } catch {
                throw LiveRunnerError("cannot open the routing store \(routing.storePath): \(error)")
            }
        } else {
            aloneCenter = CenterPolicy(router: NoRouter(), dialer: persistent, agents: count, rule: rule)
        }
        let bridge: CenterBridge
        do {
            bridge = try CenterBridge(
                configuration: live, freeAtHangup: given?.freeAtHangup ?? true, campaignWrapUp: campaign?.wrapUp ?? 0)
        } catch {
            throw LiveRunnerError("\(error)", configuration: true)
        }
        self.routed = routedCenter
        self.alone = aloneCenter
        self.ledger = ledger
        self.restoredWakeUps = restored
        self.bridge = bridge
        self.live = live
        var socket = campaign?.eventSocket ?? routing!.eventSocket
        if socket.subscriptions.isEmpty { socket.subscriptions = [Self.subscription] }
        client = EventSocketClient(configuration: socket, eventLoopGroup: eventLoopGroup)
        (outgoing, outbox) = AsyncStream<ESLCommand>.makeStream()
    }

    // MARK: - The center, whichever router it has

    private var dialer: PersistentDialer<AnyDialer>? { routed?.dialer ?? alone?.dialer }
    private var router: CascadeRouter? { routed?.router }

    private func handle(_ event: CenterEvent, at time: Seconds) {
        if routed != nil { routed!.handle(event, at: time, into: &commands) } else { alone!.handle(event, at: time, into: &commands) }
        trace?.steps.append(.init(time: time, event: event, commands: commands))
    }

    private func shown(_ agent: AgentID) -> AgentState {
        routed?.shown(agent) ?? alone!.shown(agent)
    }

    /// What the center's agent book says `agent` does (its `Activity`'s name).
    private func activity(_ agent: AgentID) -> String {
        if let routed { return "\(routed.activity(agent))" }
        return "\(alone!.activity(agent))"
    }

    // MARK: - Life cycle

    /// Starts the run: connects to FreeSWITCH, reads the agents, starts the campaign (taking
    /// over the calls a previous run left in flight) at `dial_from`, routes the calls parked
    /// before the start. Returns once running.
    /// - Throws: `LiveRunnerError` naming what failed (the connection, the task, mod_callcenter);
    ///   nothing was dialled then.
    public func start() async throws {
        guard phase == .idle else { throw LiveRunnerError("the run was already started") }
        phase = .starting
        do {
            try takeLease()
            try await begin()
        } catch {
            let failure = error as? LiveRunnerError ?? LiveRunnerError("\(error)")
            await shutdown(.failure(failure))
            throw failure
        }
    }

    /// Takes the batch's lease (one live dialer per batch) and starts renewing it.
    /// - Throws: `LiveRunnerError` naming the run that holds it.
    private func takeLease() throws {
        guard let campaign, let store else { return }
        let outcome: LeaseOutcome
        do {
            outcome = try store.acquireLease(
                batchID: campaign.batchID, owner: leaseOwner, pid: getpid(), host: Self.hostName,
                at: Date().timeIntervalSince1970, staleAfter: campaign.leaseStaleAfter, isAlive: Self.isAlive)
        } catch {
            throw LiveRunnerError("\(error)")
        }
        switch outcome {
        case .acquired:
            break
        case .tookOver(let previous):
            log("took over batch \(campaign.batchID) from the run of pid \(previous.pid) on \(previous.host) (gone, or silent for \(Int(Date().timeIntervalSince1970 - previous.heartbeatAt)) s)")
        case .held(let holder):
            let silent = max(0, Int(Date().timeIntervalSince1970 - holder.heartbeatAt))
            throw LiveRunnerError(
                "batch \(campaign.batchID) of \(campaign.storePath) is being dialled by another simcc live (pid \(holder.pid) on \(holder.host), last heard from \(silent) s ago); stop that one first, or wait until its lease goes stale (\(Int(campaign.leaseStaleAfter)) s after its last renewal)")
        }
        let (batch, owner, every) = (campaign.batchID, leaseOwner, campaign.leaseHeartbeat)
        heartbeat = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                guard !Task.isCancelled else { return }
                let held = (try? store.renewLease(batchID: batch, owner: owner, at: Date().timeIntervalSince1970)) ?? true
                if !held { await self?.leaseLost() }
            }
        }
    }

    /// Another run took the batch over: this one stops dialling.
    private func leaseLost() {
        fail(LiveRunnerError("another simcc live took batch \(campaign?.batchID ?? "") over (its lease went stale here); stopping"))
    }

    /// This machine's name (`gethostname`: no name lookup that could wait on DNS).
    private static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether process `pid` of this host is there.
    private static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno != ESRCH }

    private func begin() async throws {
        let stream = client.notifications
        listener = Task { for await notification in stream { await self.receive(notification) } }
        let outgoing = self.outgoing
        // Commands go out in order, each without waiting for the reply of the one before (a
        // late or lost reply holds back no other command); the replies are read in the same
        // order by a second task.
        let (submitted, submittedIn) = AsyncStream<(ESLCommand, SubmittedCommand)>.makeStream()
        sender = Task { [client] in
            for await command in outgoing {
                do {
                    submittedIn.yield((command, try await client.submit(command)))
                } catch {
                    self.notSent(command, error)
                }
            }
            submittedIn.finish()
        }
        replyReader = Task {
            for await (command, pending) in submitted {
                do {
                    let reply = try await pending.reply()
                    if !reply.isOK { self.refused(command, reply.text) }
                } catch {
                    self.notSent(command, error)
                }
            }
        }
        do {
            try await client.connect()
        } catch {
            let socket = client.configuration
            throw LiveRunnerError(
                "cannot connect to FreeSWITCH at \(socket.host):\(socket.port): \(error)", configuration: error.isPermanent)
        }
        connected = true
        let known = try await client.agents(atStart: agentsAtStart)
        if let campaign, dialer != nil {
            do {
                task = try store!.loadTask(batchID: campaign.batchID)
            } catch {
                throw LiveRunnerError("cannot start batch \(campaign.batchID): \(error)")
            }
        }
        // The calls parked before the start (while no router ran) are routed too, oldest first.
        var waiting: [LiveChannel] = []
        if routing != nil {
            do {
                waiting = try await client.snapshot().channels.parkedInboundCalls
            } catch {
                log("router: \(error); calls parked before the start are left to their hang-up")
            }
        }
        phase = .running
        let time = clock.now()
        var events: [CenterEvent] = []
        bridge.start(agents: initialAgents(known), into: &events)
        dispatch(events, at: time)
        if !restoredWakeUps.isEmpty {
            commands = restoredWakeUps.map { .inbound($0) }
            restoredWakeUps = []
            carryOut(at: time)
            drain(at: time)
        }
        if !waiting.isEmpty {
            var arrivals: [CenterEvent] = []
            bridge.parked(waiting, into: &arrivals)
            if !arrivals.isEmpty {
                log("router: routing \(arrivals.count) inbound call(s) parked while it was not listening")
                dispatch(arrivals, at: time)
            }
        }
        if task != nil {
            if rule.blend.dialFrom > time {
                campaignPhase = .idle
                log("the campaign starts at dial_from, in \(Int(rule.blend.dialFrom - time)) s")
                arm(.campaignStart, rule.blend.dialFrom)
            } else {
                try await startCampaign(at: time)
            }
        }
        armWrapUpEnd()
        let buffered = early
        early = []
        for notification in buffered { await receive(notification) }
    }

    /// The agents at start: as mod_callcenter says (`known`; an agent it does not know is logged
    /// out), else as the options assume.
    private func initialAgents(_ known: CallCenterAgents?) -> [AgentID: CallCenterAgent] {
        var agents: [AgentID: CallCenterAgent] = [:]
        for agent in live.agents where agent.id.index >= 0 {
            if let known {
                agents[agent.id] = known.byName[agent.name]
            } else if case .assume(let state) = agentsAtStart {
                agents[agent.id] = CallCenterAgent(state) ?? CallCenterAgent(status: "Logged Out")
            }
        }
        return agents
    }

    /// Steps S31-S33 on the stored task, then the calls a previous run left in flight.
    private func startCampaign(at time: Seconds) async throws {
        guard let task, campaignPhase == .idle else { return }
        campaignPhase = .running
        do {
            if routed != nil {
                try routed!.startCampaign(task: task, at: time, into: &commands)
            } else {
                try alone!.startCampaign(task: task, at: time, into: &commands)
            }
        } catch {
            throw LiveRunnerError("cannot start batch \(campaign!.batchID): \(error)")
        }
        if trace != nil {
            trace!.task = task
            trace!.steps.append(.init(time: time, event: nil, commands: commands))
        }
        if let failure = dialer?.failure { throw LiveRunnerError("cannot start batch \(campaign!.batchID): \(failure)") }
        let adopted = dialer?.adopted ?? []
        // The first originates go out only once the calls taken over are known, so that a
        // customer already with an agent is not placed again.
        let first = commands
        commands = []
        if !adopted.isEmpty {
            // FreeSWITCH's events wait while its channels are read: a call that ends meanwhile
            // must end after it is taken over, not be ignored before.
            buffering = true
            defer { buffering = false }
            try await takeOver(adopted, at: clock.now())
        }
        commands = first + commands
        carryOut(at: time)
        drain(at: time)
        if phase == .running, !early.isEmpty {
            let buffered = early
            early = []
            for notification in buffered { await receive(notification) }
        }
        log("dialing batch \(campaign!.batchID) with \(dialer?.name ?? "?")")
    }

    /// The calls a previous run left in flight, brought up to date with FreeSWITCH's channels:
    /// gone meanwhile, settled from FreeSWITCH's records (`settleVanished`); answered, the
    /// customer waits for an agent; with an agent, the center books them.
    private func takeOver(_ adopted: [CallInFlight], at time: Seconds) async throws {
        let snapshot: LiveSnapshot
        do {
            snapshot = try await client.snapshot()
        } catch {
            throw LiveRunnerError("\(error)")
        }
        var events: [CenterEvent] = []
        var answered = 0, connected = 0, gone = 0
        for call in adopted {
            let status = snapshot.channels.status(
                ofCall: call.call.uuidString, roster: live.agents, agentChannels: snapshot.agents?.channels ?? [:])
            switch status {
            case nil:
                // Ended while no run was there to see it: FreeSWITCH's record of it says how
                // (`settleVanished`), never a guess.
                gone += 1
                bridge.adopt(call.call, contract: call.contract)
                bridge.vanish(call.call, at: time)
            case .ringing?:
                bridge.adopt(call.call, contract: call.contract)
            case .answered?:
                answered += 1
                bridge.adopt(call.call, contract: call.contract, answered: true)
                events.append(.outbound(.callAnswered(call.call, live: true)))
            case .bridged(let agent)?:
                connected += 1
                bridge.adopt(call.call, contract: call.contract, agent: agent)
                // Connected, so answered: the center tells the dialer both, and the customer never
                // waits in line meanwhile.
                events.append(.outbound(.callConnected(call.call, agent)))
            }
        }
        dispatch(events, at: time)
        log("took over \(adopted.count - gone) of \(adopted.count) call(s) a previous run left in flight (\(adopted.count - gone - answered - connected) ringing, \(answered) answered, \(connected) with an agent); \(gone) ended meanwhile: reading FreeSWITCH's records of them")
        settleVanished(at: time)
    }

    /// The campaign's calls that vanished while nobody saw their end (a gap, a restart), each
    /// settled from FreeSWITCH's record of it (`LiveRunnerOptions.cdrDirectory`): found, the
    /// dialer hears what it says (`callReported`, the real times and cause); not there yet, it is
    /// looked for again every `cdrRecheck` seconds; none after `cdrWait` (or no folder to read),
    /// its fate is unknown and the dialer holds its contract for review. Never guessed.
    private func settleVanished(at time: Seconds) {
        let vanished = bridge.vanished
        guard phase == .running, !vanished.isEmpty, let options = campaign else { return }
        var events: [CenterEvent] = []
        var waiting = 0, found = 0, unknown = 0
        let folders = options.cdrDirectory?.folders() ?? []
        for (call, since) in vanished.sorted(by: { $0.key < $1.key }) {
            let lookup = options.cdrDirectory?.record(uuid: call.uuidString, in: folders) ?? .absent
            switch lookup {
            case .found(let record):
                found += 1
                bridge.report(call, record, at: time, into: &events)
            case .absent, .unreadable:
                if case .unreadable(let why) = lookup { log("the record of \(call.uuidString) cannot be read yet: \(why)") }
                if options.cdrDirectory != nil && time - since < options.cdrWait {
                    waiting += 1
                } else {
                    unknown += 1
                    bridge.report(call, nil, at: time, into: &events)
                }
            }
        }
        dispatch(events, at: time)
        if found + unknown > 0 {
            log("settled \(found + unknown) call(s) that ended out of sight: \(found) from FreeSWITCH's records, \(unknown) with no record (their contracts held for review unless already served)")
        }
        if waiting > 0 && !recordsArmed {
            recordsArmed = true
            arm(.records, time + options.cdrRecheck)
        }
    }

    /// Waits for the end of the run and returns how it ended.
    /// - Throws: `LiveRunnerError` when the run failed (a store, the connection lost for good).
    public func waitUntilFinished() async throws -> LiveCenterSummary {
        try await withCheckedThrowingContinuation { ending.wait($0) }
    }

    /// `start()`, then `waitUntilFinished()`.
    public func run() async throws -> LiveCenterSummary {
        try await start()
        return try await waitUntilFinished()
    }

    /// Stops the run on request: no more originates; records flushed; the connection closed.
    /// Calls in flight stay written down (the next run takes them over); calls parked stay parked.
    public func stop() async {
        guard phase == .running || phase == .starting else { return }
        phase = .stopped
        if campaignPhase == .running || campaignPhase == .idle { campaignPhase = .stopped }
        await shutdown(.success(summary("stopped")))
    }

    /// Pauses the campaign's task: the dialer launches no new call until `resume()`.
    /// - Returns: false when the campaign is not running.
    @discardableResult
    public func pause() -> Bool {
        guard phase == .running, campaignPhase == .running || campaignPhase == .idle else { return false }
        pausedByOperator = true
        holdDialer()
        return true
    }

    /// The task was paused by `pause()` (`POST /pause`).
    private var pausedByOperator = false

    /// Holds back the dialer's wake-ups (a pause, or the connection lost).
    private func holdDialer() {
        if routed != nil { routed!.pauseCampaign() } else { alone?.pauseCampaign() }
    }

    /// Hands the dialer its held-back wake-up, unless the operator paused the task or there is
    /// no connection to carry its calls.
    private func releaseDialer() {
        guard phase == .running, !pausedByOperator, connected, campaignPhase == .running || campaignPhase == .idle
        else { return }
        let time = clock.now()
        if routed != nil {
            routed!.resumeCampaign(at: time, into: &commands)
        } else {
            alone?.resumeCampaign(at: time, into: &commands)
        }
        carryOut(at: time)
        drain(at: time)
    }

    /// Resumes a paused task (the wake-up it missed is handed to the dialer at once).
    /// - Returns: false when the campaign is not running.
    @discardableResult
    public func resume() -> Bool {
        guard phase == .running, campaignPhase == .running || campaignPhase == .idle else { return false }
        pausedByOperator = false
        releaseDialer()
        return true
    }

    /// The agent desk: `agent` is ready for the next call (their wrap-up is over).
    /// - Returns: false when the run is not running or the agent is not on the roster.
    @discardableResult
    public func agentReady(_ agent: AgentID) -> Bool {
        guard phase == .running || phase == .completed, agentNames[agent] != nil else { return false }
        dispatch([.agentFree(agent)], at: clock.now())
        return true
    }

    /// The agent desk: `agent`'s attempt at callback task `task` (which the center asked them to
    /// dial) ended; `reached`: they talked with the customer.
    /// - Returns: false when the run is not running or the agent is not on the roster.
    @discardableResult
    public func callbackEnded(_ task: CallbackTaskID, agent: AgentID, reached: Bool) -> Bool {
        guard phase == .running || phase == .completed, agentNames[agent] != nil else { return false }
        callbacksToDial.removeAll { $0.task == task && $0.agent == agent }
        dispatch([.callbackEnded(task, agent: agent, reached: reached)], at: clock.now())
        return true
    }

    /// Writes every routing record handed over so far to the store and waits until it is there.
    /// - Throws: `LiveRunnerError` when some record was not written.
    public func flush() throws {
        do { try ledger?.writer.flush() } catch { throw LiveRunnerError("routing records were not all written: \(error)") }
    }

    // MARK: - The center's loop

    /// Hands `events` to the center in order, with the events its commands feed back, and
    /// carries out its commands.
    private func dispatch(_ events: [CenterEvent], at time: Seconds) {
        guard !events.isEmpty else { return }
        pending.append(contentsOf: events)
        drain(at: time)
    }

    /// Handles the pending events, first in first out.
    private func drain(at time: Seconds) {
        var index = 0
        while index < pending.count, phase == .running {
            let event = pending[index]
            index += 1
            let current = arrive(event, at: time)
            handle(event, at: time)
            carryOut(at: time, current: current)
            if let failure = dialer?.failure {
                fail(LiveRunnerError("the store failed, so the task stops (a restart resumes it): \(failure)"))
            }
        }
        pending.removeAll(keepingCapacity: true)
        dialer?.writer.handOver()
        ledger?.writer.handOver()
    }

    /// The ledger's side of a caller's event before the center hears it; returns the call.
    private func arrive(_ event: CenterEvent, at time: Seconds) -> CallID? {
        guard case .inbound(let inbound) = event, ledger != nil else { return nil }
        switch inbound {
        case .callerArrived(let call, let caller):
            arrived(call, caller: caller.text, at: time)
            return call
        case .callArrived(let call):
            arrived(call, caller: nil, at: time)
            return call
        case .digitsCollected(let call, _):
            ledger!.digitsCollected(call)
            return call
        case .callAbandoned(let call):
            return call
        default:
            return nil
        }
    }

    private func arrived(_ call: CallID, caller: String?, at time: Seconds) {
        guard let uuid = bridge.router.channelUUID(of: call) else { return }
        ledger!.arrived(
            call, uuid: uuid, caller: caller, customer: caller.flatMap { router?.directory.customer(number: $0)?.id },
            at: time)
    }

    /// Carries out the center's `commands` (then empties them); events to hand back go to
    /// `pending`.
    private func carryOut(at time: Seconds, current: CallID? = nil) {
        guard !commands.isEmpty else { return }
        let batch = commands
        commands.removeAll(keepingCapacity: true)
        for command in batch {
            if case .inbound(let inbound) = command, ledger != nil, let router {
                ledger!.note(inbound, at: time, current: current, router: router)
            }
            actions.removeAll(keepingCapacity: true)
            bridge.actions(for: command, at: time, into: &actions)
            let routing: Bool
            if case .inbound = command { routing = true } else { routing = false }
            for action in actions { perform(action, at: time, routing: routing) }
        }
    }

    /// Carries out `action` (`routing`: of a router's command).
    private func perform(_ action: CenterBridge.Action, at time: Seconds, routing: Bool) {
        switch action {
        case .live(.esl(let command)):
            if case .bgapi(command: "originate", _, _) = command {
                originates += 1
                armAudit(at: time)
            }
            // The router's transfers only (the campaign's placements are uuid_transfers too).
            if routing, case .bgapi(command: "uuid_transfer", _, _) = command, ledger != nil { ledger!.transfers += 1 }
            commandsQueued += 1
            outbox.yield(command)
        case .live(.taskCompleted(let snapshot)):
            campaignCompleted(snapshot)
        case .live(.refused(let reason)):
            log("not sent: \(reason)")
        case .live(.timer), .live(.record), .live(.routing), .live(.dialerFeedback), .live(.routerFeedback):
            // Timers and feedback come as the bridge's own actions; records and the routing
            // bookkeeping are written by the decorators.
            break
        case .timer(let timer, let at):
            switch timer {
            case .center: arm(.center, at)
            case .router: arm(.router, at)
            case .dialer: arm(.dialer, at)
            }
        case .feedback(let event):
            pending.append(event)
        case .startCallback(let task, let agent):
            callbacksToDial.append((task, agent))
            log("agent \(agentNames[agent] ?? "\(agent)") is to call back \(task)")
        case .callbackDone(let task, let agent):
            ledger?.callbackDone(task, by: agent, at: time)
        }
    }

    /// Arms `timer` for `deadline` (each time it is asked for, as the simulator schedules each
    /// wake-up asked for: the policies drop those they no longer wait for). One alarm task sleeps on the
    /// run's clock until the first deadline; timers go off one at a time in the order of their
    /// deadlines, then of their arming, whatever the scheduler does.
    private func arm(_ timer: Timer, _ deadline: Seconds) {
        alarms.insert(timer, at: deadline)
        setAlarm()
    }

    private func setAlarm() {
        guard phase == .running || phase == .starting, let first = alarms.nextTime, first < alarmAt else { return }
        alarm?.cancel()
        alarmAt = first
        alarm = Task { [clock] in
            do { try await clock.sleep(until: first) } catch { return }
            await self.ring(first)
        }
    }

    /// The alarm set for `deadline` went off: the first timer goes off, then the alarm is set
    /// for the next (at once when it is due too, after whatever reached the actor meanwhile).
    private func ring(_ deadline: Seconds) async {
        guard deadline == alarmAt else { return }
        alarmAt = .infinity
        if phase == .running, let next = alarms.nextTime, next <= max(deadline, clock.now()),
            let timer = alarms.popDue(at: next)
        {
            timersFired += 1
            await fire(timer, next)
        }
        setAlarm()
    }

    /// Timers gone off since the start.
    public private(set) var timersFired = 0

    /// Whether the run is over (completed, stopped or failed).
    public var isOver: Bool { phase == .completed || phase == .stopped || phase == .failed }

    /// ESL commands handed to the sender since the start (`bgapi`, `sendmsg`; not the client's
    /// own `api` reads).
    public private(set) var commandsQueued = 0

    /// The first armed timer's deadline, if any.
    public var nextTimer: Seconds? { alarms.nextTime }

    private func fire(_ timer: Timer, _ deadline: Seconds) async {
        guard phase == .running else { return }
        let time = max(deadline, clock.now())
        switch timer {
        case .center: dispatch([.wakeUp], at: time)
        case .router: dispatch([.inbound(.wakeUp)], at: time)
        case .dialer: dispatch([.outbound(.wakeUp)], at: time)
        case .wrapUps:
            wrapUpsArmed.remove(deadline)
            var events: [CenterEvent] = []
            bridge.endWrapUps(at: time, into: &events)
            dispatch(events, at: time)
        case .campaignStart:
            do {
                try await startCampaign(at: time)
            } catch {
                fail(error as? LiveRunnerError ?? LiveRunnerError("\(error)"))
            }
        case .records:
            recordsArmed = false
            settleVanished(at: time)
        case .reconcile:
            reconcileArmed = false
            if reconcileOwed && connected { await reconcileNow() }
        case .audit:
            auditArmed = false
            audit(at: time)
            if reconcileOwed && connected { await reconcileNow() }
            armAudit(at: time)
        case .watchdog:
            if let since = unhealthySince, time - since >= watchdogAfter {
                fail(LiveRunnerError(
                    "unhealthy for \(Int(time - since)) s (\(problem ?? "?")); exiting so that the service manager starts simcc again",
                    exitStatus: 69))
            }
        }
        armWrapUpEnd()
    }

    /// Arms a timer for the first wrap-up's end, if an agent wraps up.
    private func armWrapUpEnd() {
        if let end = bridge.nextWrapUpEnd, wrapUpsArmed.insert(end).inserted { arm(.wrapUps, end) }
    }

    // MARK: - FreeSWITCH

    private func receive(_ notification: EventSocketNotification) async {
        if phase == .starting || buffering {
            early.append(notification)
            return
        }
        guard phase == .running else { return }
        switch notification {
        case .event(let event):
            eventsReceived += 1
            let time = clock.now()
            var events: [CenterEvent] = []
            bridge.events(for: event, at: time, into: &events)
            dispatch(events, at: time)
            if ledger != nil, let name = event.eventName, name == "CHANNEL_HANGUP" || name == "CHANNEL_HANGUP_COMPLETE",
                let uuid = event.uniqueID, ledger!.ended(uuid: uuid, at: time)
            {
                ledger!.writer.handOver()
            }
            armWrapUpEnd()
        case .connected:
            connected = true
        case .disconnected(let reason):
            connected = false
            disconnections += 1
            log("lost the connection to FreeSWITCH (\(reason)); reconnecting, the dialer held back")
            unhealthy("the connection to FreeSWITCH was lost (\(reason)); reconnecting")
            // No originate could go out: the dialer waits for the connection (and the reconcile).
            holdDialer()
            // Transfers that placed customers and were not seen bridged may be lost with it.
            placementsInDoubt.formUnion(bridge.unconfirmedPlacements)
        case .reconnecting:
            connected = false
        case .reconnected(let gap):
            connected = true
            log("reconnected to FreeSWITCH after \(gap); reconciling calls")
            reconcileOwed = true
            await reconcileNow()
        case .stopped(let error):
            connected = false
            fail(LiveRunnerError(
                "the connection to FreeSWITCH stopped for good: \(error.map { "\($0)" } ?? "closed")",
                configuration: error?.isPermanent ?? false))
        case .lingerNotice, .undecodableFrame:
            break
        }
    }

    /// Seconds the run may stay unhealthy (disconnected, or unable to read FreeSWITCH's
    /// channels) before the watchdog ends it with status 69.
    private nonisolated var watchdogAfter: Seconds { campaign?.watchdog ?? routing?.watchdog ?? 600 }

    /// The run is unhealthy from now (if it was not already): `problem` says why, and the
    /// watchdog is armed.
    private func unhealthy(_ why: String) {
        problem = why
        guard unhealthySince == nil else { return }
        let now = clock.now()
        unhealthySince = now
        arm(.watchdog, now + watchdogAfter)
    }

    /// The run is healthy again.
    private func healthy() {
        problem = nil
        unhealthySince = nil
    }

    /// Lists FreeSWITCH's channels and reconciles the calls with them (after a gap, or for
    /// calls FreeSWITCH showed no sign of). A failure is not the end of it: the reconcile is
    /// tried again, 5 s later, then 10, 20, up to 60 s apart, while `/status` says `degraded`.
    private func reconcileNow() async {
        // One at a time (the actor is re-entered while the list is read): a request made
        // meanwhile is carried out by the one running, once it is done.
        reconcileRequests += 1
        guard !reconciling else { return }
        reconciling = true
        defer { reconciling = false }
        while phase == .running, connected, reconcilesDone < reconcileRequests {
            let request = reconcileRequests
            let asked = bridge.originatesSoFar
            do {
                let snapshot = try await client.snapshot()
                reconcilesDone = request
                reconcileOwed = false
                reconcileFailures = 0
                reconcile(with: snapshot, listedAfter: asked)
                if connected && reconcilesDone == reconcileRequests {
                    healthy()
                    releaseDialer()
                }
            } catch {
                // Asked again meanwhile (a new connection): at once; else later.
                if reconcileRequests > request && connected { continue }
                reconcileOwed = true
                reconcileFailures += 1
                let delay = min(60, 5 * Double(1 << min(reconcileFailures - 1, 4)))
                log("\(error); trying again in \(Int(delay)) s")
                unhealthy("\(error)")
                if !reconcileArmed {
                    reconcileArmed = true
                    arm(.reconcile, clock.now() + delay)
                }
                return
            }
        }
    }

    /// Calls FreeSWITCH has shown no sign of well past their originate's timeout (a reply or
    /// events that never came) make a reconcile owed: their channels are listed, and a call
    /// without one is settled from FreeSWITCH's records like one a gap hid.
    private func audit(at time: Seconds) {
        guard let options = campaign else { return }
        let silent = bridge.overdue(at: time, grace: options.silentGrace)
        guard !silent.isEmpty, !reconcileOwed else { return }
        log("no sign from FreeSWITCH of \(silent.count) call(s) \(Int(options.silentGrace)) s past their originate's timeout (\(silent.first!.uuidString)...); listing its channels")
        reconcileOwed = true
    }

    /// Arms the audit while campaign calls are in flight.
    private func armAudit(at time: Seconds) {
        guard let period = campaign?.auditPeriod, !auditArmed, bridge.callsInFlight.campaign > 0 else { return }
        auditArmed = true
        arm(.audit, time + period)
    }

    /// After a gap: the calls brought up to date with `snapshot` (ended, answered or connected
    /// meanwhile), the callers whose channel vanished recorded, the agents whose mod_callcenter
    /// state changed reported, and the calls parked meanwhile routed.
    private func reconcile(with snapshot: LiveSnapshot, listedAfter: Int) {
        guard phase == .running else { return }
        let time = clock.now()
        var events: [CenterEvent] = []
        bridge.reconcile(
            channels: snapshot.channels, agentChannels: snapshot.agents?.channels ?? [:], at: time,
            listedAfter: listedAfter, into: &events)
        dispatch(events, at: time)
        // Hang-ups that may have been lost: again, for the calls FreeSWITCH still has.
        let resend = resendOnReconnect
        resendOnReconnect = []
        for (call, command) in resend where snapshot.channels[call.uuidString] != nil {
            log("sending again a hang-up of \(call.uuidString) that may not have reached FreeSWITCH")
            commandsQueued += 1
            outbox.yield(command)
        }
        // Placements whose transfer got no reply: still parked and not bridged, it never ran.
        for call in placementsInDoubt.sorted() {
            placementsInDoubt.remove(call)
            guard let channel = snapshot.channels[call.uuidString] else { continue }
            if case .answered? = snapshot.channels.status(
                ofCall: call.uuidString, roster: live.agents, agentChannels: snapshot.agents?.channels ?? [:]),
                channel.application == "park" || channel.state == "CS_PARK"
            {
                placementFailed(call, "FreeSWITCH still has them parked")
            }
        }
        if ledger != nil {
            for uuid in ledger!.channels where snapshot.channels[uuid] == nil { ledger!.ended(uuid: uuid, at: time) }
        }
        if let agents = snapshot.agents {
            events.removeAll()
            bridge.resync(agents: agents.byName, into: &events)
            dispatch(events, at: time)
        }
        if routing != nil {
            events.removeAll()
            bridge.parked(snapshot.channels.parkedInboundCalls, into: &events)
            if !events.isEmpty {
                log("router: routing \(events.count) inbound call(s) parked while it was not listening")
                dispatch(events, at: time)
            }
        }
        armWrapUpEnd()
        ledger?.writer.handOver()
        settleVanished(at: time)
    }

    /// A command whose reply never came: `error` says whether it went out. An originate that
    /// certainly did not (no connection) ends its call, dialled by nobody (a failed attempt,
    /// retried); one that may have gone out (no reply in time, the connection lost meanwhile)
    /// stays in flight until FreeSWITCH shows it (its events, or its channel in the list the
    /// audit or the reconnect reads) or its record settles it.
    private func notSent(_ command: ESLCommand, _ error: any Error) {
        guard phase == .running || phase == .starting else { return }
        let sent = (error as? EventSocketError) != .notConnected
        log(sent ? "no reply to a command (it may have reached FreeSWITCH): \(error)" : "a command was not sent (no connection): \(error)")
        guard case .bgapi(let verb, let arguments, let job) = command else { return }
        switch verb {
        case "originate":
            if !sent { originateEnded(command) }
        case "uuid_transfer" where bridge.placement(ofJob: job) != nil:
            // Did it place the customer? The channel list after the reconnect (or the audit's)
            // will say: still parked, they are placed again.
            placementsInDoubt.insert(bridge.placement(ofJob: job)!)
            reconcileOwed = true
        case "uuid_kill", "uuid_transfer":
            // A hang-up, or the message and hang-up of a customer held too long: sent again
            // once FreeSWITCH is back, if the call is still up then (both are harmless twice).
            if let uuid = arguments.split(separator: " ").first, let call = CallID(uuidString: String(uuid)) {
                resendOnReconnect.append((call, command))
            }
        default:
            break
        }
    }

    /// The placement of campaign call `call` with its agent failed: the agent is free again and
    /// the customer waits to be placed anew.
    private func placementFailed(_ call: CallID, _ why: String) {
        guard phase == .running else { return }
        placementsInDoubt.remove(call)
        var events: [CenterEvent] = []
        bridge.placementFailed(call, into: &events)
        guard !events.isEmpty else { return }
        log("the customer of \(call.uuidString) was not placed (\(why)); placing them again")
        dispatch(events, at: clock.now())
    }

    /// FreeSWITCH answered a command with `-ERR`: an originate refused ends its call; a transfer
    /// or a prompt refused leaves the call parked (its hang-up ends it).
    private func refused(_ command: ESLCommand, _ text: String) {
        if case .bgapi(command: "uuid_transfer", _, let job) = command, let call = bridge.placement(ofJob: job) {
            placementFailed(call, "FreeSWITCH refused its transfer: \(text.prefix(200))")
            return
        }
        guard case .bgapi(command: "originate", _, _) = command else {
            log("FreeSWITCH refused a command: \(text.prefix(200))")
            return
        }
        log("FreeSWITCH refused an originate: \(text.prefix(200))")
        originateEnded(command)
    }

    /// The call of originate `command`, which FreeSWITCH never ran, ends (a failed attempt).
    private func originateEnded(_ command: ESLCommand) {
        guard case .bgapi(command: "originate", _, let job) = command, phase == .running,
            let call = SimccUUID.call(of: job, .originateJob)
        else { return }
        var events: [CenterEvent] = []
        let time = clock.now()
        bridge.originateFailed(call, at: time, into: &events)
        dispatch(events, at: time)
    }

    // MARK: - The end

    private func campaignCompleted(_ snapshot: TaskSnapshot) {
        guard campaignPhase == .running else { return }
        campaignPhase = .completed
        finalSnapshot = snapshot
        log("batch \(campaign?.batchID ?? "") completed: \(snapshot.contracts.count) contracts; snapshot saved")
        guard routing == nil, phase == .running else {
            if routing != nil { log("the campaign is done; the inbound router goes on until a signal stops it") }
            return
        }
        phase = .completed
        let summary = summary("completed")
        Task { await self.shutdown(.success(summary)) }
    }

    private func fail(_ error: LiveRunnerError) {
        guard phase == .running || phase == .starting else { return }
        phase = .failed
        if campaignPhase == .running || campaignPhase == .idle { campaignPhase = .failed }
        log(error.description)
        Task { await self.shutdown(.failure(error)) }
    }

    private func summary(_ state: String) -> LiveCenterSummary {
        let snapshot = finalSnapshot ?? dialer?.snapshot(at: clock.now())
        return LiveCenterSummary(
            state: state, snapshot: snapshot, originates: originates, callsRecorded: ledger?.callsRecorded ?? 0)
    }

    private func shutdown(_ result: Result<LiveCenterSummary, LiveRunnerError>) async {
        guard !shuttingDown else { return }
        shuttingDown = true
        if phase == .starting || phase == .idle { phase = .failed }
        heartbeat?.cancel()
        if let campaign, let store { try? store.releaseLease(batchID: campaign.batchID, owner: leaseOwner) }
        alarm?.cancel()
        alarmAt = -.infinity
        alarms = TimedQueue()
        var result = result
        do {
            try dialer?.writer.close()
        } catch {
            result = .failure(LiveRunnerError("call records could not all be written: \(error)"))
        }
        do {
            try ledger?.writer.close()
        } catch {
            result = .failure(LiveRunnerError("routing records could not all be written: \(error)"))
        }
        // The commands queued so far are written, then the connection closes.
        outbox.finish()
        await sender?.value
        await client.close()
        await replyReader?.value
        await listener?.value
        ending.finish(result)
    }

    // MARK: - What the interface shows

    /// The run's status (`GET /status`).
    public func status() -> LiveStatus {
        let state: String
        switch phase {
        case .idle, .starting: state = "starting"
        case .completed: state = "completed"
        case .stopped: state = "stopped"
        case .failed: state = "failed"
        case .running:
            state = !connected ? "reconnecting"
                : reconcileFailures > 0 ? "degraded"
                : campaignPhase == .completed ? "completed"
                : pausedByOperator ? "paused" : "running"
        }
        return LiveStatus(
            state: state, problem: state == "reconnecting" || state == "degraded" ? problem : nil,
            callsAwaitingRecords: bridge.vanished.count, uptime: clock.now() - startedAt,
            callsInFlight: bridge.callsInFlight.campaign, softswitchConnected: connected, batch: campaign?.batchID ?? "",
            dialer: dialer?.name ?? "", originates: originates)
    }

    /// Dialer wake-ups held back while the task was paused.
    public var heldWakeUps: Int { routed?.heldWakeUps ?? alone?.heldWakeUps ?? 0 }

    /// The task's progress (`GET /task`), from its snapshot now (or the final one).
    public func taskProgress() -> LiveTaskProgress {
        let snapshot = finalSnapshot ?? dialer?.snapshot(at: clock.now()) ?? TaskSnapshot(batchID: "", takenAt: clock.now(), contracts: [], outcomes: [:])
        var completed = 0, failed = 0, dialing = 0, review = 0
        for contract in snapshot.contracts {
            switch contract.state {
            case .completed: completed += 1
            case .failed: failed += 1
            case .dialing: dialing += 1
            case .review: review += 1
            case .uncompleted: break
            }
        }
        return LiveTaskProgress(
            batch: campaign?.batchID ?? "", takenAt: snapshot.takenAt, contractsTotal: snapshot.contracts.count,
            contractsClosed: completed + failed + review, contractsCompleted: completed, contractsFailed: failed,
            contractsHeldForReview: review, contractsDialing: dialing, outcomes: snapshot.outcomes,
            complete: snapshot.isComplete)
    }

    /// Every roster agent: as the dialer is shown it, as the center's book has it, and the
    /// callback task they are asked to dial (`GET /agents`).
    public func agents() -> [LiveAgentStatus] {
        live.agents.map { agent in
            let name: String
            switch shown(agent.id) {
            case .loggedOut: name = "loggedOut"
            case .idle: name = "idle"
            case .talking: name = "talking"
            case .wrapUp: name = "wrapUp"
            case .paused: name = "paused"
            }
            return LiveAgentStatus(
                id: agent.id.index, name: agent.name, exten: agent.exten, state: name, activity: activity(agent.id),
                callback: callbacksToDial.first(where: { $0.agent == agent.id })?.task.index)
        }
    }

    /// The router's status (`GET /router/status`).
    public struct RouterStatus: Codable, Sendable, Equatable {
        /// `starting`, `running`, `reconnecting`, `degraded` (connected, but FreeSWITCH's
        /// channels cannot be read), `stopped` or `failed`.
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
    public func routerStatus() -> RouterStatus {
        let state: String
        switch phase {
        case .idle, .starting: state = "starting"
        case .running, .completed:
            state = !connected ? "reconnecting" : reconcileFailures > 0 ? "degraded" : "running"
        case .stopped: state = "stopped"
        case .failed: state = "failed"
        }
        let withdrawn = rule.blend.poolTakesInbound ? 0 : live.agents.filter { routed?.inPool($0.id) ?? false }.count
        return RouterStatus(
            state: state, softswitchConnected: connected, callsInFlight: ledger?.callsInFlight ?? 0,
            callsRecorded: ledger?.callsRecorded ?? 0, transfers: ledger?.transfers ?? 0,
            callbacksActive: router?.tasks.filter(\.state.isActive).count ?? 0, agentsWithdrawn: withdrawn)
    }

    /// Inbound calls followed now.
    public var callsInFlight: Int { ledger?.callsInFlight ?? 0 }

    /// Inbound calls whose records were handed to the writer.
    public var callsRecorded: Int { ledger?.callsRecorded ?? 0 }

    /// The router's directory now (customers, bindings made so far, agents, teams).
    public var directory: Directory { router?.directory ?? Directory() }

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
        let directory = self.directory
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
        (router?.tasks ?? []).filter(\.state.isActive)
            .sorted { ($1.priority, $0.deadline, $0.id.index) < ($0.priority, $1.deadline, $1.id.index) }
            .map(view)
    }

    /// An agent called the customer of task `id` back (the agent desk's "done"): the router
    /// stops monitoring it and its history records it (by `agent`, when given).
    /// - Returns: the task, or why it cannot be done (no such task, already done, not running).
    public func callbackDone(_ id: CallbackTaskID, by agent: AgentID? = nil) -> Result<CallbackTask, LiveRunnerError> {
        guard phase == .running || phase == .completed, let router else {
            return .failure(LiveRunnerError("the router is not running"))
        }
        guard id.index < router.tasks.count else { return .failure(LiveRunnerError("there is no \(id)")) }
        guard router.tasks[id.index].state != .done else {
            return .failure(LiveRunnerError("\(id) is already done"))
        }
        let time = clock.now()
        dispatch([.inbound(.callbackDone(id))], at: time)
        ledger?.callbackDone(id, by: agent, at: time)
        ledger?.writer.handOver()
        return .success(self.router!.tasks[id.index])
    }

    /// The routes the run serves: the campaign's `GET /status`, `GET /task`, `POST /pause`,
    /// `POST /resume`; the router's `GET /router/status`, `GET /callbacks` (the
    /// tasks the monitor still watches, most urgent first), `GET /callbacks/{id}`,
    /// `POST /callbacks/{id}/done` (an agent called the customer back; the body may name the
    /// agent: `{"agent":"1001"}`), `POST /callbacks/{id}/attempt` (the agent desk: an attempt the
    /// center asked for ended, `{"agent":"1001","reached":true}`); and the agent desk's
    /// `GET /agents` (every agent, and the callback task each is asked to dial) and
    /// `POST /agents/{name}/ready` (the agent's wrap-up is over).
    public nonisolated var routes: [LiveHTTPRoute] {
        var routes: [LiveHTTPRoute] = [.init("GET", "/agents"), .init("POST", "/agents/{id}/ready")]
        if campaign != nil {
            routes += [
                .init("GET", "/status"), .init("GET", "/task"), .init("GET", "/review"), .init("POST", "/pause"),
                .init("POST", "/resume"),
            ]
        }
        if routing != nil {
            routes += [
                .init("GET", "/router/status"), .init("GET", "/callbacks"), .init("GET", "/callbacks/{id}"),
                .init("POST", "/callbacks/{id}/done"), .init("POST", "/callbacks/{id}/attempt"),
            ]
        }
        return routes
    }

    /// The response to an authorised request on one of `routes`.
    public func respond(to request: LiveHTTPRequest) -> LiveHTTPResponse {
        switch (request.method, request.path) {
        case ("GET", "/status"): return .encoding(status())
        case ("GET", "/task"): return .encoding(taskProgress())
        case ("GET", "/review"):
            guard let campaign else { break }
            do {
                return .encoding(try OutboundStore(path: campaign.storePath).contractsHeldForReview(batchID: campaign.batchID))
            } catch {
                return .error(503, "cannot read the store: \(error)")
            }
        case ("GET", "/agents"): return .encoding(agents())
        case ("POST", "/pause"): return pause() ? .encoding(status()) : .error(409, "the run is not running")
        case ("POST", "/resume"): return resume() ? .encoding(status()) : .error(409, "the run is not running")
        case ("GET", "/router/status"): return .encoding(routerStatus())
        default: break
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if request.method == "POST", parts.count == 3, parts[0] == "agents", parts[2] == "ready" {
            let name = parts[1].removingPercentEncoding ?? parts[1]
            guard let agent = agentIDs[name] else { return .error(404, "agent \(name.prefix(40)) is not in the roster") }
            return agentReady(agent) ? .encoding(agents()) : .error(409, "the run is not running")
        }
        if request.method == "POST", parts.count == 3, parts[0] == "callbacks", parts[2] == "attempt", routing != nil {
            struct Attempt: Decodable {
                var agent: String
                var reached: Bool
            }
            guard let index = Int(parts[1]), index >= 0, index < (router?.tasks.count ?? 0) else {
                return .error(404, "no such callback task: \(parts[1].prefix(40))")
            }
            guard let body = try? JSONDecoder().decode(Attempt.self, from: Data(request.body)) else {
                return .error(400, #"the body must be {"agent": "<roster name>", "reached": true or false}"#)
            }
            guard let agent = agentIDs[body.agent] else { return .error(400, "agent \(body.agent.prefix(40)) is not in the roster") }
            guard callbacksToDial.contains(where: { $0.task.index == index && $0.agent == agent }) else {
                return .error(409, "\(body.agent.prefix(40)) was not asked to call back task \(index)")
            }
            _ = callbackEnded(CallbackTaskID(index), agent: agent, reached: body.reached)
            return .encoding(view(router!.tasks[index]))
        }
        guard routing != nil, parts.first == "callbacks" else {
            return .error(404, "no such resource: \(request.path.prefix(100))")
        }
        switch (request.method, parts.count) {
        case ("GET", 1): return .encoding(callbackTasks())
        case ("GET", 2),
            ("POST", 3) where parts[2] == "done":
            let tasks = router?.tasks ?? []
            guard let index = Int(parts[1]), index >= 0, index < tasks.count else {
                return .error(404, "no such callback task: \(parts[1].prefix(40))")
            }
            let id = CallbackTaskID(index)
            if request.method == "GET" { return .encoding(view(tasks[index])) }
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

    /// The run's share of `GET /metrics`: the connection; the campaign's originates, calls in
    /// flight, contracts by state, attempts by outcome, agents by state as the dialer sees them,
    /// paused (labelled with the batch); the router's calls, transfers and callback tasks.
    public func metrics() -> LiveMetrics {
        var metrics = LiveMetrics()
        metrics.add("simcc_esl_connected", "gauge", "1 while logged in to FreeSWITCH's event socket.", connected ? 1 : 0)
        metrics.add("simcc_esl_events_total", "counter", "Events received from FreeSWITCH.", Double(eventsReceived))
        metrics.add("simcc_esl_disconnections_total", "counter", "Connections to FreeSWITCH lost.", Double(disconnections))
        metrics.add(
            "simcc_unhealthy", "gauge",
            "1 while the run is reconnecting or degraded (FreeSWITCH's channels cannot be read); the watchdog ends it after its limit.",
            unhealthySince == nil ? 0 : 1)
        if let campaign {
            let progress = taskProgress()
            let batch = [("batch", campaign.batchID)]
            let paused = pausedByOperator
            metrics.add("simcc_dialer_originates_total", "counter", "Originates sent since the run began.", labels: batch, Double(originates))
            metrics.add("simcc_dialer_calls_in_flight", "gauge", "Calls originated and not yet ended.", labels: batch, Double(bridge.callsInFlight.campaign))
            metrics.add("simcc_dialer_paused", "gauge", "1 while the task is paused.", labels: batch, paused ? 1 : 0)
            metrics.add(
                "simcc_dialer_calls_awaiting_records", "gauge",
                "Calls that ended out of sight, waiting for FreeSWITCH's record of them.", labels: batch,
                Double(bridge.vanished.count))
            let open = progress.contractsTotal - progress.contractsClosed - progress.contractsDialing
            metrics.add("simcc_dialer_contracts", "gauge", "Contracts of the task by state.", [
                (batch + [("state", "open")], Double(open)), (batch + [("state", "dialing")], Double(progress.contractsDialing)),
                (batch + [("state", "completed")], Double(progress.contractsCompleted)),
                (batch + [("state", "failed")], Double(progress.contractsFailed)),
                (batch + [("state", "review")], Double(progress.contractsHeldForReview)),
            ])
            metrics.add("simcc_dialer_attempts_total", "counter", "Attempts of the task by outcome (all runs).",
                        progress.outcomes.sorted { $0.key < $1.key }.map { (batch + [("outcome", $0.key)], Double($0.value)) })
            var byState: [String: Int] = ["loggedOut": 0, "idle": 0, "talking": 0, "wrapUp": 0, "paused": 0]
            for agent in agents() { byState[agent.state, default: 0] += 1 }
            metrics.add("simcc_dialer_agents", "gauge", "Roster agents by state, as the dialer sees them.",
                        byState.sorted { $0.key < $1.key }.map { (batch + [("state", $0.key)], Double($0.value)) })
        }
        if routing != nil {
            let status = routerStatus()
            metrics.add("simcc_router_calls_in_flight", "gauge", "Inbound calls followed now.", Double(status.callsInFlight))
            metrics.add("simcc_router_calls_recorded_total", "counter", "Inbound calls recorded since the start.", Double(status.callsRecorded))
            metrics.add("simcc_router_transfers_total", "counter", "Transfers to agents sent since the start.", Double(status.transfers))
            metrics.add("simcc_router_callbacks_active", "gauge", "Callback tasks step 06 still watches.", Double(status.callbacksActive))
            metrics.add("simcc_router_agents_withdrawn", "gauge", "Agents in the dialer's pool, withdrawn from inbound.", Double(status.agentsWithdrawn))
        }
        return metrics
    }
}

/// How a live run ended.
public struct LiveCenterSummary: Sendable {
    /// `completed` (the task is done, its snapshot saved) or `stopped` (on request).
    public var state: String
    /// The task's snapshot at the end (the saved S34 snapshot when completed); nil when the run
    /// dialled nothing.
    public var snapshot: TaskSnapshot?
    /// Originates sent during the run.
    public var originates: Int
    /// Inbound calls whose records were written during the run.
    public var callsRecorded: Int
}
