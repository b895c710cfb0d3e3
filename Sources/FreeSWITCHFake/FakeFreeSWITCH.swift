import CallCenter
import EventSocket
import EventSocketClient
import Foundation
import Live
import NIOCore
import NIOPosix
import Synchronization

// MARK: - The fake FreeSWITCH

/// A loopback FreeSWITCH (127.0.0.1, a free port) for the tests of every suite: the ESL client's,
/// the live driver's and the `simcc live` process's. It is started in one of two modes:
///
/// - `.manual`: each accepted connection becomes a `FakeSession` the test scripts line by line
///   (`nextSession()`): it sends frames and reads commands. For the client's protocol tests.
/// - `.playing`: the fake answers like FreeSWITCH on its own: `auth`, `event plain ...`,
///   `api show channels|calls as json`, `api callcenter_config agent list`, `bgapi originate`,
///   `bgapi uuid_transfer`, `bgapi uuid_kill` and `sendmsg` prompts. An originate's destination
///   decides what happens once the customer answers, as in FreeSWITCH: with `&park()` (the
///   default) the customer is answered and parked (BACKGROUND_JOB, CHANNEL_ANSWER, CHANNEL_PARK)
///   and waits for a `uuid_transfer`: to an agent's extension (the agent's phone is bridged:
///   CHANNEL_BRIDGE, then the hang-up, unless `holdPlaced`; an agent already on a call is busy:
///   USER_BUSY), or to an inline `playback,hangup` (the hang-up). **It never bridges a parked
///   customer by itself**: connecting them is the policy's job. With any other destination (a
///   mod_callcenter queue) the fake plays mod_callcenter: the agent's `callcenter::info` state,
///   CHANNEL_BRIDGE, CHANNEL_HANGUP_COMPLETE, the agent Waiting again. `script(true)` turns it
///   into a puppet: every command is answered `+OK` and the test says what FreeSWITCH says (`push`).
///
/// In both modes it misbehaves as FreeSWITCH does when told to (`State`'s misbehaviour fields):
/// it refuses commands, never answers some, answers late, sends an originate's job after the
/// call's events, goes down, restarts (every connection and channel gone), drops connections.
public final class FakeFreeSWITCH: Sendable {
    /// How the fake answers (see the type).
    public enum Mode: Sendable { case manual, playing }

    public struct State: Sendable {
        /// Call uuids originated, in order.
        public var originates: [String] = []
        /// Contracts of the originates, in order.
        public var contracts: [Int] = []
        /// Channels up now.
        public var live: Set<String> = []
        /// Agents busy now.
        public var busy: Set<String> = []
        /// Every command received (first line only).
        public var commands: [String] = []
        /// The contract of each held channel.
        public var contractOf: [String: Int] = [:]
        /// Originates of a contract whose previous call was still up (dialled twice at once).
        public var overlaps: [String] = []
        /// When set, calls are held from this many originates on (the test need not race the client).
        public var holdFrom: Int?
        /// Held: originated calls stay up (ringing) and get no events.
        public var hold = false
        var connections: [any Channel] = []
        public var sequence: UInt64 = 0
        /// Inbound legs parked and not yet hung up, by uuid.
        public var inbound: [String: FreeSWITCHEventFactory.Leg] = [:]
        /// What each inbound caller keys at the prompts, in order (none left: nothing keyed).
        public var keys: [String: [String]] = [:]
        /// Prompts executed (`play_and_get_digits` or `playback`), as `uuid application`.
        public var prompts: [String] = []
        /// Transfers received, as `uuid exten`.
        public var transfers: [String] = []
        /// Inbound legs killed (`uuid_kill`).
        public var killed: [String] = []
        /// Transfers keep the caller on the line until `hangUpInbound` (else they hang up at once).
        public var holdTransfers = false
        /// Inbound legs transferred and still up (with `holdTransfers`).
        public var bridged: [String: FreeSWITCHEventFactory.Leg] = [:]
        /// Held outbound calls FreeSWITCH answered meanwhile, with the extension of the agent they
        /// are bridged to ("" when not bridged): what `show channels` / `show calls` say of them.
        public var answered: [String: String] = [:]
        /// What `callcenter_config agent list` says: name, status, state (nil: every agent of the
        /// fake, Available and Waiting); `-ERR` when `callCenterDown`.
        public var callCenterAgents: [(name: String, status: String, state: String)]?
        public var callCenterDown = false
        /// Outbound customers answered and parked (`&park()`), waiting for a transfer.
        public var parked: [String: FreeSWITCHEventFactory.Leg] = [:]
        /// Parked customers transferred to an agent's extension, as `uuid exten`, in order.
        public var placed: [String] = []
        /// Placed customers still talking (with `holdPlaced`), by uuid, with the agent.
        public var talking: [String: (leg: FreeSWITCHEventFactory.Leg, agent: String)] = [:]
        /// Placed customers keep talking until `hangUpPlaced` (else they hang up at once).
        public var holdPlaced = false
        /// Parked customers played a message and hung up (inline `playback,hangup`), in order.
        public var expired: [String] = []
        /// Transfers to an agent already on a call (refused busy), as `uuid exten`.
        public var doubleBooked: [String] = []
        /// Scripted: every command is answered `+OK` and nothing happens by itself; the test tells
        /// what FreeSWITCH says (`push`).
        public var scripted = false
        /// With `scripted`: the last prompt sent on each leg, as its application and `Event-UUID`.
        public var lastPrompt: [String: (application: String, eventUUID: String)] = [:]
        /// With `scripted`: prompts sent on each leg.
        public var promptCount: [String: Int] = [:]
        /// With `scripted`: each originate's argument, by Job-UUID.
        public var originateArgument: [String: String] = [:]

        // Misbehaviour, as FreeSWITCH misbehaves.
        /// Commands whose first line starts with one of these are refused: `api` answers
        /// `-ERR refused`, `bgapi` accepts the job and its BACKGROUND_JOB says `-ERR refused`,
        /// anything else gets a `-ERR refused` reply. Nothing else happens.
        public var refusing: [String] = []
        /// Commands whose first line starts with one of these get no reply and do nothing (a
        /// reply lost, a FreeSWITCH stuck on it).
        public var ignoring: [String] = []
        /// Every command is read this late: its reply and what it makes happen come after it.
        public var replyDelay: Duration = .zero
        /// An originate's BACKGROUND_JOB comes after the call's answer (and park), as a real
        /// `originate` returns only once the call is answered; by default it comes first.
        public var jobAfterAnswer = false
        /// FreeSWITCH is down: connections are accepted and closed at once.
        public var down = false
        /// Restarts so far: each one drops every connection and every channel and changes the
        /// `Core-UUID`.
        public var restarts = 0
        /// Connections accepted so far (the client's reconnections show here).
        public var accepted = 0
        /// Event frames written so far (to the connections up; a frame to several counts once).
        public var eventsSent = 0
        /// Commands the client's user sent (`bgapi`, `sendmsg`), read so far; not the client's
        /// own (`auth`, `event`, `api`).
        public var userCommands = 0
        /// The folder the fake writes its call records into, as `mod_json_cdr` does (nil: none),
        /// and the clock it reads their times from.
        public var recordsFolder: String?
        var recordClock: (@Sendable () -> Double)?
        /// Each outbound call's moments so far (for its record): answered, bridged and to whom.
        var moments: [String: (answered: Double?, bridged: Double?, agent: String?)] = [:]
        /// Records written, by channel UUID.
        public var recordsWritten: [String] = []
        /// Commands carried out whose reply is lost (never sent), by prefix, with how many more
        /// to lose.
        public var losingReplies: [(prefix: String, count: Int)] = []
        /// Replies lost so far.
        public var repliesLost = 0
        /// Every `n`th originate (counting from 1) is not answered: `-ERR NO_ANSWER`.
        public var unansweredEvery: Int?
        public init() {}
    }

    /// Everything the fake did and will do; tests read it and set its misbehaviour.
    public let state = Mutex(State())
    /// The port it listens on.
    public let port: Int
    /// The ESL password it accepts (`.playing`; a `.manual` test checks the login itself).
    public let password: String
    /// mod_callcenter's agent names (`.playing`).
    public let agents: [String]
    /// How it answers.
    public let mode: Mode
    /// The connections of a `.manual` fake, for the test to script.
    public let sessions: TestQueue<FakeSession>
    private let listener: any Channel

    private init(listener: any Channel, port: Int, password: String, agents: [String], mode: Mode,
                 sessions: TestQueue<FakeSession>) {
        self.listener = listener
        self.port = port
        self.password = password
        self.agents = agents
        self.mode = mode
        self.sessions = sessions
    }

    /// Listens on 127.0.0.1, a free port. `agents` are mod_callcenter's agent names.
    public static func start(
        password: String = "ClueCon", agents: [String] = [], mode: Mode = .playing
    ) async throws -> FakeFreeSWITCH {
        let box = Mutex<FakeFreeSWITCH?>(nil)
        let sessions = TestQueue<FakeSession>("fake FreeSWITCH connection")
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let fake = box.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    let down = fake.state.withLock { state -> Bool in
                        state.accepted += 1
                        if !state.down { state.connections.append(channel) }
                        return state.down
                    }
                    if down {
                        channel.close(promise: nil)
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CommandDecoder()))
                    switch mode {
                    case .manual:
                        let session = FakeSession(channel: channel)
                        try channel.pipeline.syncOperations.addHandler(CommandCollector(session.commands))
                        sessions.push(session)
                    case .playing:
                        try channel.pipeline.syncOperations.addHandler(FakeFreeSWITCHHandler(fake))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        let fake = FakeFreeSWITCH(
            listener: channel, port: port, password: password, agents: agents, mode: mode, sessions: sessions)
        box.withLock { $0 = fake }
        return fake
    }

    /// The next connection the client makes (`.manual`).
    public func nextSession() async throws -> FakeSession {
        try await sessions.require()
    }

    /// Stops listening, and drops every connection.
    public func stop() async {
        dropConnections()
        try? await listener.close()
    }

    // MARK: Misbehaviour

    /// Refuses the commands that start with `prefix` from now on (see `State.refusing`).
    public func refuse(_ prefix: String) { state.withLock { $0.refusing.append(prefix) } }

    /// Never answers the commands that start with `prefix` from now on (see `State.ignoring`).
    public func ignore(_ prefix: String) { state.withLock { $0.ignoring.append(prefix) } }

    /// Carries out the next `count` commands that start with `prefix` but loses their replies
    /// (the command ran; its reply never comes).
    public func loseReplies(_ prefix: String, count: Int) {
        state.withLock { $0.losingReplies.append((prefix, count)) }
    }

    /// Answers every command `delay` late from now on.
    public func delayReplies(by delay: Duration) { state.withLock { $0.replyDelay = delay } }

    /// Goes down (`true`: connections are closed as soon as accepted) or comes back up.
    public func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    /// FreeSWITCH restarts: every connection is dropped, every channel is gone without an event,
    /// and the next connections see a new `Core-UUID`. It comes back up at once.
    public func restart() {
        // Its calls end with it (each with its record, when records are kept).
        let outbound = state.withLock { state in
            state.live.sorted().filter { state.inbound[$0] == nil && state.bridged[$0] == nil }
        }
        for uuid in outbound { writeRecord(uuid, cause: "SYSTEM_SHUTDOWN") }
        state.withLock { state in
            state.restarts += 1
            state.live.removeAll()
            state.busy.removeAll()
            state.inbound.removeAll()
            state.bridged.removeAll()
            state.answered.removeAll()
            state.parked.removeAll()
            state.talking.removeAll()
        }
        dropConnections()
    }

    // MARK: Call records (mod_json_cdr)

    /// From now on, writes a record of each outbound call that ends (`<uuid>.cdr.json`, as
    /// `mod_json_cdr` with `log-dir` = `folder`), its times read from `clock`: the calls it ends
    /// by itself, and those that end while nobody listens (`endHeld`, `dropHeldChannels`).
    public func keepRecords(in folder: String, clock: @escaping @Sendable () -> Double) {
        state.withLock {
            $0.recordsFolder = folder
            $0.recordClock = clock
        }
    }

    /// The time on the records' clock now (0 without one).
    func recordTime() -> Double { state.withLock { $0.recordClock?() ?? 0 } }

    /// Notes a moment of outbound call `uuid` (for its record).
    func note(_ uuid: String, answered: Bool = false, bridgedTo agent: String? = nil) {
        let now = recordTime()
        state.withLock { state in
            var m = state.moments[uuid] ?? (nil, nil, nil)
            if answered && m.answered == nil { m.answered = now }
            if let agent, m.bridged == nil {
                if m.answered == nil { m.answered = now }
                m.bridged = now
                m.agent = agent
            }
            state.moments[uuid] = m
        }
    }

    /// The times a CHANNEL_HANGUP_COMPLETE of outbound call `uuid` ending now carries, as
    /// FreeSWITCH's (`answer_uepoch`, `bridge_uepoch`, `end_uepoch`), when records are kept.
    func hangupTimes(_ uuid: String) -> [(String, String)] {
        let (clock, moments) = state.withLock { ($0.recordClock, $0.moments[uuid]) }
        guard let clock else { return [] }
        func micros(_ t: Double?) -> String { String(Int64(((t ?? 0) * 1_000_000).rounded())) }
        return [
            ("answer_uepoch", micros(moments?.answered)), ("bridge_uepoch", micros(moments?.bridged)),
            ("end_uepoch", micros(clock())),
        ]
    }

    /// Writes the record of outbound call `uuid`, which ended now with `cause` (when records are
    /// kept).
    func writeRecord(_ uuid: String, cause: String) {
        let (folder, clock, moments) = state.withLock { ($0.recordsFolder, $0.recordClock, $0.moments.removeValue(forKey: uuid)) }
        guard let folder, let clock, let hangup = HangupCause(rawValue: cause) else { return }
        let record = CallDetailRecord(
            uuid: uuid, answeredAt: moments?.answered, bridgedAt: moments?.bridged, endedAt: clock(), cause: hangup,
            callCenterAgent: nil, destinations: moments?.agent.map { [$0] } ?? [])
        let path = (folder as NSString).appendingPathComponent("\(uuid).cdr.json")
        _ = FileManager.default.createFile(atPath: path, contents: Data((record.json() + "\n").utf8))
        state.withLock { $0.recordsWritten.append(uuid) }
    }

    /// Held outbound call `uuid` is answered and, given `agent`, bridged to that agent's phone
    /// (by a queue or the dialplan), whether or not anybody listens: CHANNEL_ANSWER and
    /// CHANNEL_BRIDGE to every connection up. With no agent the customer waits parked
    /// (`&park()`): a `uuid_transfer` places them.
    public func answerHeld(_ uuid: String, bridgeTo agent: String? = nil) {
        guard let call = CallID(uuidString: uuid) else { return }
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(0), number: "100", configuration: LiveConfiguration())
        state.withLock { state in
            state.answered[uuid] = agent ?? ""
            if agent == nil { state.parked[uuid] = leg }
        }
        note(uuid, answered: true, bridgedTo: agent)
        var factory = makeFactory()
        var frames = [factory.answer(leg, at: 0)]
        if let agent {
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(call.rawValue | 1 << 30), direction: "outbound",
                channelName: "user/\(agent)", callerNumber: "0000000000", destinationNumber: agent)
            frames.append(factory.bridge(leg, to: agentLeg, ccAgent: nil, at: 0))
        }
        broadcast(frames)
    }

    /// Held outbound call `uuid` ends with `cause` (the customer hangs up), whether or not anybody
    /// listens: CHANNEL_HANGUP_COMPLETE to every connection up, and its record.
    public func endHeld(_ uuid: String, cause: String = "NORMAL_CLEARING") {
        guard let call = CallID(uuidString: uuid) else { return }
        let answered = state.withLock { state -> Bool in
            state.live.remove(uuid)
            state.parked[uuid] = nil
            if let talking = state.talking.removeValue(forKey: uuid) { state.busy.remove(talking.agent) }
            return state.answered.removeValue(forKey: uuid) != nil
        }
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(0), number: "100", configuration: LiveConfiguration())
        var factory = makeFactory()
        let frame = factory.hangup(
            leg, cause: cause, complete: true, answered: answered, at: 0, variables: hangupTimes(uuid))
        writeRecord(uuid, cause: cause)
        broadcast([frame])
    }

    /// The `Core-UUID` FreeSWITCH has now (it changes at each restart).
    public var coreUUID: String {
        let restarts = state.withLock { $0.restarts }
        return restarts == 0
            ? "8694f653-a9cd-4e6c-9fb8-4c7cd4d3ae3c" : FreeSWITCHEventFactory.foreignUUID(UInt64(restarts) &* 7919)
    }

    /// An event factory for FreeSWITCH as it is now.
    func makeFactory() -> FreeSWITCHEventFactory { FreeSWITCHEventFactory(coreUUID: coreUUID) }

    // MARK: Playing FreeSWITCH

    public var originates: [String] { state.withLock { $0.originates } }
    public var originateCount: Int { state.withLock { $0.originates.count } }
    public var commands: [String] { state.withLock { $0.commands } }

    /// Holds the calls originated from now on (they stay up, with no events) or not.
    public func hold(_ on: Bool) { state.withLock { $0.hold = on } }

    public var prompts: [String] { state.withLock { $0.prompts } }

    /// Plays FreeSWITCH from a script (see `State.scripted`).
    public func script(_ on: Bool) { state.withLock { $0.scripted = on } }

    /// Writes `frames` to every connection, in order, flushed at once.
    public func push(_ frames: [[UInt8]]) {
        broadcast(frames)
    }
    public var transfers: [String] { state.withLock { $0.transfers } }
    public var killed: [String] { state.withLock { $0.killed } }

    /// An inbound call from `caller` to `service` arrives and the dialplan parks it: CHANNEL_PARK
    /// to every connection. `keys` are what the caller keys at each prompt, in order.
    public func parkInbound(uuid: String, caller: String, service: String = "4008001234", keys: [String] = []) {
        parkSilently(uuid: uuid, caller: caller, service: service, keys: keys)
        let leg = FreeSWITCHEventFactory.inboundLeg(uuid: uuid, caller: caller, service: service)
        var factory = makeFactory()
        let frame = factory.park(leg, at: 0)
        broadcast([frame])
    }

    /// The reply to `show channels as json` (`calls`: `show calls as json`, with the agent's leg
    /// in `b_` columns): held outbound calls (ringing, or answered and maybe bridged), inbound
    /// calls parked (`park`) or transferred and held (bridged to the extension).
    public func channelRows(calls: Bool) -> String {
        let rows = state.withLock { state -> [String] in
            state.live.sorted().map { uuid in
                if let leg = state.inbound[uuid] {
                    return #"{"uuid":"\#(uuid)","direction":"inbound","created_epoch":"1700000000","callstate":"ACTIVE","cid_num":"\#(leg.callerNumber)","dest":"\#(leg.destinationNumber)","application":"park","state":"CS_EXECUTE"}"#
                }
                if let leg = state.bridged[uuid] {
                    return #"{"uuid":"\#(uuid)","direction":"inbound","callstate":"ACTIVE","cid_num":"\#(leg.callerNumber)","dest":"\#(leg.destinationNumber)","application":"bridge"}"#
                }
                guard let agent = state.answered[uuid] else {
                    return #"{"uuid":"\#(uuid)","direction":"outbound","callstate":"RINGING"}"#
                }
                if agent.isEmpty || !calls {
                    return #"{"uuid":"\#(uuid)","direction":"outbound","callstate":"ACTIVE","application":"park"}"#
                }
                return #"{"uuid":"\#(uuid)","direction":"outbound","callstate":"ACTIVE","b_uuid":"a9e00000-0000-4000-8000-\#(uuid.suffix(12))","b_direction":"outbound","b_dest":"\#(agent)","b_name":"user/\#(agent)","b_callstate":"ACTIVE"}"#
            }
        }
        return rows.isEmpty ? #"{"row_count":0}"# : #"{"row_count":\#(rows.count),"rows":["# + rows.joined(separator: ",") + "]}"
    }

    /// The reply to `callcenter_config agent list`.
    public func agentList() -> String {
        let (listed, down) = state.withLock { ($0.callCenterAgents, $0.callCenterDown) }
        if down { return "-ERR no such command\n" }
        let agents = listed ?? self.agents.map { ($0, "Available", "Waiting") }
        guard !agents.isEmpty else { return "+OK\n" }
        var text = "name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|last_status_change\n"
        for agent in agents {
            text += "\(agent.0)|single_box||callback|user/\(agent.0)|\(agent.1)|\(agent.2)|3|10|1700000000\n"
        }
        return text + "+OK\n"
    }

    public var placed: [String] { state.withLock { $0.placed } }
    public var expired: [String] { state.withLock { $0.expired } }
    public var doubleBooked: [String] { state.withLock { $0.doubleBooked } }
    public var parkedCount: Int { state.withLock { $0.parked.count } }
    public var talkingCount: Int { state.withLock { $0.talking.count } }

    /// Placed outbound customers keep talking until `hangUpPlaced` (`on`), or hang up at once.
    public func holdPlaced(_ on: Bool) { state.withLock { $0.holdPlaced = on } }

    /// Every placed outbound customer still talking hangs up (in uuid order): their agents are free.
    public func hangUpPlaced() {
        let ended = state.withLock { state -> [FreeSWITCHEventFactory.Leg] in
            state.talking.keys.sorted().compactMap { uuid -> FreeSWITCHEventFactory.Leg? in
                guard let entry = state.talking.removeValue(forKey: uuid) else { return nil }
                state.live.remove(uuid)
                state.answered[uuid] = nil
                state.busy.remove(entry.agent)
                return entry.leg
            }
        }
        var factory = makeFactory()
        for leg in ended {
            let frame = factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0)
            writeRecord(leg.uuid, cause: "NORMAL_CLEARING")
            broadcast([frame])
        }
    }

    /// Transfers keep the caller on the line until `hangUpInbound` (`on`), or hang up at once.
    public func holdTransfers(_ on: Bool) { state.withLock { $0.holdTransfers = on } }

    /// The caller of a transferred inbound leg hangs up: every connection is told.
    public func hangUpInbound(_ uuid: String) {
        let leg = state.withLock { state -> FreeSWITCHEventFactory.Leg? in
            state.live.remove(uuid)
            return state.bridged.removeValue(forKey: uuid)
        }
        guard let leg else { return }
        var factory = makeFactory()
        let frame = factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0)
        broadcast([frame])
    }

    /// mod_callcenter says agent `name`'s status is now `status` (`agent-status-change`).
    public func tellAgentStatus(_ name: String, _ status: String) {
        var factory = makeFactory()
        let frame = factory.agentStatus(name, status, at: 0)
        broadcast([frame])
    }

    /// An inbound call parked while no client listened: FreeSWITCH has it, nobody was told.
    public func parkSilently(uuid: String, caller: String, service: String = "4008001234", keys: [String] = []) {
        let leg = FreeSWITCHEventFactory.inboundLeg(uuid: uuid, caller: caller, service: service)
        state.withLock { state in
            state.live.insert(uuid)
            state.inbound[uuid] = leg
            state.keys[uuid] = keys
        }
    }

    /// FreeSWITCH answered the held call `uuid` and parked it (`&park()`) while nobody listened:
    /// no events; a `uuid_transfer` then places it.
    public func parkHeld(_ uuid: String) {
        guard let call = CallID(uuidString: uuid) else { return }
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(0), number: "100", configuration: LiveConfiguration())
        state.withLock { state in
            state.parked[uuid] = leg
            state.answered[uuid] = ""
        }
        note(uuid, answered: true)
    }

    /// Every held outbound channel ends while the client is away (no event; unanswered ones
    /// `NO_ANSWER`, answered ones `NORMAL_CLEARING`), each with its record when records are kept.
    public func dropHeldChannels() {
        let ended = state.withLock { state -> [(String, Bool)] in
            defer { state.live.removeAll() }
            return state.live.sorted().filter { state.inbound[$0] == nil && state.bridged[$0] == nil }.map {
                ($0, state.answered.removeValue(forKey: $0) != nil)
            }
        }
        for (uuid, answered) in ended { writeRecord(uuid, cause: answered ? "NORMAL_CLEARING" : "NO_ANSWER") }
    }

    /// Closes every client connection (the client reconnects).
    public func dropConnections() {
        let connections = state.withLock { state -> [any Channel] in
            defer { state.connections.removeAll() }
            return state.connections
        }
        for connection in connections { connection.close(promise: nil) }
    }

    /// FreeSWITCH hangs up the channel `uuid` (unanswered, NORMAL_CLEARING): every connection
    /// is told.
    public func hangUp(_ uuid: String) {
        state.withLock { _ = $0.live.remove(uuid) }
        guard let call = CallID(uuidString: uuid) else { return }
        writeRecord(uuid, cause: "NORMAL_CLEARING")
        var factory = makeFactory()
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(0), number: "100", configuration: LiveConfiguration())
        let frame = factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: false, at: 0)
        broadcast([frame])
    }

    /// Writes event `frames` to every connection, in order, flushed at once (counted once in
    /// `State.eventsSent` when a connection is up to read them).
    func broadcast(_ frames: [[UInt8]]) {
        let connections = state.withLock { state -> [any Channel] in
            let up = state.connections.filter(\.isActive)
            if !up.isEmpty { state.eventsSent += frames.count }
            return up
        }
        let bytes = frames.flatMap { $0 }
        for connection in connections {
            connection.writeAndFlush(connection.allocator.buffer(bytes: bytes), promise: nil)
        }
    }

    /// A client configuration for this fake: its password (or `password`), fast timeouts and
    /// backoff, the default liveness timeout (60 s: no test waits that long) unless one is given.
    /// With no `subscriptions`: `event plain ALL` when `.manual` (what `acceptSubscription()`
    /// expects), none when `.playing` (the client subscribes as it does in production).
    public func configuration(
        password: String? = nil, subscriptions: [ESLSubscription]? = nil, commandTimeout: Duration = .seconds(5),
        reconnect: EventSocketReconnectPolicy = EventSocketReconnectPolicy(
            initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40), multiplier: 2),
        livenessTimeout: Duration? = .seconds(60)
    ) -> EventSocketConfiguration {
        EventSocketConfiguration(
            host: "127.0.0.1", port: port, password: ESLPassword(password ?? self.password),
            subscriptions: subscriptions ?? (mode == .manual ? [.all()] : []),
            connectTimeout: .seconds(2), commandTimeout: commandTimeout, jobTimeout: .seconds(5),
            reconnect: reconnect, livenessTimeout: livenessTimeout)
    }
}

/// One connection's side of the fake: everything runs on the channel's event loop.
final class FakeFreeSWITCHHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    let fake: FakeFreeSWITCH
    var factory: FreeSWITCHEventFactory
    /// The reply of the command being handled is to be lost.
    var losing = false

    init(_ fake: FakeFreeSWITCH) {
        self.fake = fake
        factory = fake.makeFactory()
    }

    func channelActive(context: ChannelHandlerContext) {
        send("Content-Type: auth/request\n\n", context)
        context.flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = Self.unwrapInboundIn(data)
        let delay = fake.state.withLock { $0.replyDelay }
        guard delay > .zero else { return handle(text, context) }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) {
            let (handler, context) = loopBound.value
            guard context.channel.isActive else { return }
            handler.handle(text, context)
        }
    }

    /// Answers one command, as FreeSWITCH would (or misbehaving as told).
    private func handle(_ text: String, _ context: ChannelHandlerContext) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = lines.first ?? ""
        enum Fault { case none, refuse, ignore }
        losing = fake.state.withLock { state -> Bool in
            guard let i = state.losingReplies.firstIndex(where: { first.hasPrefix($0.prefix) && $0.count > 0 }) else {
                return false
            }
            state.losingReplies[i].count -= 1
            state.repliesLost += 1
            return true
        }
        let (scripted, fault) = fake.state.withLock { state -> (Bool, Fault) in
            state.commands.append(first)
            if first.hasPrefix("bgapi ") || first.hasPrefix("sendmsg") { state.userCommands += 1 }
            if state.ignoring.contains(where: { first.hasPrefix($0) }) { return (state.scripted, .ignore) }
            if state.refusing.contains(where: { first.hasPrefix($0) }) { return (state.scripted, .refuse) }
            return (state.scripted, .none)
        }
        switch fault {
        case .none: break
        case .ignore: return
        case .refuse:
            let job = lines.first { $0.hasPrefix("Job-UUID: ") }.map { String($0.dropFirst(10)) } ?? "none"
            if first.hasPrefix("api ") {
                let body = "-ERR refused\n"
                send("Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)", context)
            } else if first.hasPrefix("bgapi ") {
                reply("+OK Job-UUID: \(job)", context)
                let words = first.split(separator: " ", maxSplits: 2).map(String.init)
                send(bytes: factory.backgroundJob(
                    jobUUID: job, command: words.count > 1 ? words[1] : "", argument: words.count > 2 ? words[2] : "",
                    result: "-ERR refused", at: 0), context)
            } else {
                reply("-ERR refused", context)
            }
            context.flush()
            return
        }
        if scripted, !first.hasPrefix("auth "), !first.hasPrefix("event "), !first.hasPrefix("api ") {
            if first.hasPrefix("sendmsg "), let event = lines.first(where: { $0.hasPrefix("Event-UUID: ") }) {
                let application = lines.first { $0.hasPrefix("execute-app-name: ") }.map { String($0.dropFirst(18)) } ?? ""
                let uuid = String(first.dropFirst("sendmsg ".count))
                fake.state.withLock {
                    $0.lastPrompt[uuid] = (application, String(event.dropFirst(12)))
                    $0.promptCount[uuid, default: 0] += 1
                }
            }
            let job = lines.first { $0.hasPrefix("Job-UUID: ") }.map { String($0.dropFirst(10)) }
            if first.hasPrefix("bgapi originate "), let job {
                fake.state.withLock { $0.originateArgument[job] = String(first.dropFirst("bgapi originate ".count)) }
            }
            reply(job.map { "+OK Job-UUID: \($0)" } ?? "+OK", context)
            context.flush()
            return
        }
        if first.hasPrefix("auth ") {
            if first == "auth \(fake.password)" {
                reply("+OK accepted", context)
            } else {
                reply("-ERR invalid", context)
                context.flush()
                context.close(promise: nil)
                return
            }
        } else if first.hasPrefix("event ") {
            reply("+OK event listener enabled plain", context)
        } else if first == "api show channels as json" || first == "api show calls as json" {
            let body = fake.channelRows(calls: first.hasSuffix("calls as json"))
            send("Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)", context)
        } else if first == "api callcenter_config agent list" {
            let body = fake.agentList()
            send("Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)", context)
        } else if first.hasPrefix("bgapi originate ") {
            let job = lines.first { $0.hasPrefix("Job-UUID: ") }.map { String($0.dropFirst(10)) } ?? "none"
            reply("+OK Job-UUID: \(job)", context)
            originate(String(first.dropFirst("bgapi originate ".count)), job: job, context)
        } else if first.hasPrefix("sendmsg ") {
            reply("+OK", context)
            execute(String(first.dropFirst("sendmsg ".count)), lines, context)
        } else if first.hasPrefix("bgapi uuid_transfer ") || first.hasPrefix("bgapi uuid_kill ") {
            let job = lines.first { $0.hasPrefix("Job-UUID: ") }.map { String($0.dropFirst(10)) } ?? "none"
            reply("+OK Job-UUID: \(job)", context)
            let words = first.split(separator: " ").map(String.init)
            if words.count >= 3, fake.state.withLock({ $0.parked[words[2]] != nil }) {
                outboundCommand(words[1], uuid: words[2], Array(words.dropFirst(3)), context)
            } else if words.count >= 3 {
                inboundCommand(words[1], uuid: words[2], words.dropFirst(3).first, context)
            }
        } else if first.hasPrefix("bgapi ") {
            let job = lines.first { $0.hasPrefix("Job-UUID: ") }.map { String($0.dropFirst(10)) } ?? "none"
            reply("+OK Job-UUID: \(job)", context)
        } else {
            reply("-ERR command not found", context)
        }
        context.flush()
    }

    private func originate(_ arguments: String, job: String, _ context: ChannelHandlerContext) {
        guard let uuid = Self.variable("origination_uuid", in: arguments), let call = CallID(uuidString: uuid),
            let contractText = Self.variable("simcc_contract", in: arguments), let contract = Int32(contractText)
        else {
            send(bytes: factory.backgroundJob(jobUUID: job, command: "originate", argument: arguments,
                                              result: "-ERR INVALID_NUMBER_FORMAT", at: 0), context)
            return
        }
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(contract), number: "100", configuration: LiveConfiguration())
        let parks = arguments.split(separator: " ").last == "&park()"
        enum Plan { case hold, park, agent(String), abandon, unanswered }
        let plan = fake.state.withLock { state -> Plan in
            if let from = state.holdFrom, state.originates.count >= from {
                state.hold = true
                state.holdFrom = nil
            }
            state.originates.append(uuid)
            state.contracts.append(Int(contract))
            if state.live.contains(where: { state.contractOf[$0] == Int(contract) }) {
                state.overlaps.append("contract \(contract) dialled as \(uuid) while a call of it is up")
            }
            state.contractOf[uuid] = Int(contract)
            if let n = state.unansweredEvery, state.originates.count % n == 0 { return .unanswered }
            if state.hold {
                state.live.insert(uuid)
                return .hold
            }
            if parks {
                state.live.insert(uuid)
                state.parked[uuid] = leg
                state.answered[uuid] = ""
                return .park
            }
            if let agent = fake.agents.first(where: { !state.busy.contains($0) }) {
                state.busy.insert(agent)
                return .agent(agent)
            }
            return .abandon
        }
        let jobAfterAnswer = fake.state.withLock { $0.jobAfterAnswer }
        let jobFrame = factory.backgroundJob(jobUUID: job, command: "originate", argument: arguments,
                                             result: "+OK \(uuid)", at: 0)
        if !jobAfterAnswer { send(bytes: jobFrame, context) }
        switch plan {
        case .unanswered:
            fake.writeRecord(uuid, cause: "NO_ANSWER")
            send(bytes: factory.hangup(leg, cause: "NO_ANSWER", complete: true, answered: false, at: 0), context)
            return
        case .hold:
            if jobAfterAnswer { send(bytes: jobFrame, context) }
            return
        case .park:
            fake.note(uuid, answered: true)
            send(bytes: factory.answer(leg, at: 0), context)
            send(bytes: factory.park(leg, at: 0), context)
            if jobAfterAnswer { send(bytes: jobFrame, context) }
        case .abandon:
            fake.note(uuid, answered: true)
            send(bytes: factory.answer(leg, at: 0), context)
            if jobAfterAnswer { send(bytes: jobFrame, context) }
            fake.writeRecord(uuid, cause: "NORMAL_CLEARING")
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
        case .agent(let agent):
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(call.rawValue), direction: "outbound",
                channelName: "user/\(agent)", callerNumber: "0000000000", destinationNumber: agent)
            send(bytes: factory.answer(leg, at: 0), context)
            if jobAfterAnswer { send(bytes: jobFrame, context) }
            send(bytes: factory.agentState(agent, "In a queue call", at: 0), context)
            send(bytes: factory.bridge(leg, to: agentLeg, ccAgent: agent, at: 0), context)
            fake.note(uuid, bridgedTo: agent)
            fake.writeRecord(uuid, cause: "NORMAL_CLEARING")
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
            fake.state.withLock { _ = $0.busy.remove(agent) }
            send(bytes: factory.agentState(agent, "Waiting", at: 0), context)
        }
    }

    /// A prompt on an inbound leg: `+OK`, then its CHANNEL_EXECUTE_COMPLETE echoing the
    /// `Event-UUID`, with the digits the caller keys next in the digits variable.
    private func execute(_ uuid: String, _ lines: [String], _ context: ChannelHandlerContext) {
        func header(_ name: String) -> String? {
            lines.first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) }
        }
        let application = header("execute-app-name") ?? ""
        let (leg, keyed) = fake.state.withLock { state -> (FreeSWITCHEventFactory.Leg?, String) in
            state.prompts.append("\(uuid) \(application)")
            guard let leg = state.inbound[uuid] else { return (nil, "") }
            let keyed = state.keys[uuid]?.first ?? ""
            if state.keys[uuid]?.isEmpty == false { state.keys[uuid]?.removeFirst() }
            return (leg, keyed)
        }
        guard let leg else { return }
        let variables = application == "play_and_get_digits" ? [("simcc_digits", keyed)] : []
        send(bytes: factory.executeComplete(
            leg, application: application, data: header("execute-app-arg") ?? "", applicationUUID: header("Event-UUID"),
            at: 0, variables: variables), context)
    }

    /// A command on a parked outbound customer: `uuid_transfer <uuid> <exten> XML <context>` bridges
    /// the agent's phone (busy if the agent is on a call), `uuid_transfer <uuid> <apps> inline`
    /// plays and hangs up, `uuid_kill` hangs up.
    private func outboundCommand(_ command: String, uuid: String, _ rest: [String], _ context: ChannelHandlerContext) {
        enum Outcome { case bridged(String), busy, hungUp(String) }
        let (leg, outcome, hold) = fake.state.withLock { state -> (FreeSWITCHEventFactory.Leg?, Outcome, Bool) in
            guard let leg = state.parked.removeValue(forKey: uuid) else { return (nil, .hungUp(""), false) }
            if command == "uuid_transfer", rest.last == "inline" {
                state.expired.append(uuid)
            } else if command == "uuid_transfer", let exten = rest.first, fake.agents.contains(exten) {
                state.placed.append("\(uuid) \(exten)")
                if state.busy.contains(exten) {
                    state.doubleBooked.append("\(uuid) \(exten)")
                    state.live.remove(uuid)
                    state.answered[uuid] = nil
                    return (leg, .busy, false)
                }
                state.busy.insert(exten)
                state.answered[uuid] = exten
                if state.holdPlaced {
                    state.talking[uuid] = (leg, exten)
                    return (leg, .bridged(exten), true)
                }
                state.busy.remove(exten)
            }
            state.live.remove(uuid)
            state.answered[uuid] = nil
            let cause = command == "uuid_kill" ? (rest.first ?? "NORMAL_CLEARING") : "NORMAL_CLEARING"
            if command == "uuid_transfer", let exten = rest.first, fake.agents.contains(exten) { return (leg, .bridged(exten), false) }
            return (leg, .hungUp(cause), false)
        }
        guard let leg else { return }
        switch outcome {
        case .bridged(let exten):
            fake.note(uuid, bridgedTo: exten)
            if !hold { fake.writeRecord(uuid, cause: "NORMAL_CLEARING") }
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(UInt64(fake.state.withLock { $0.placed.count }) + 1 << 20),
                direction: "outbound", channelName: "user/\(exten)", callerNumber: leg.callerNumber,
                destinationNumber: exten)
            send(bytes: factory.bridge(leg, to: agentLeg, ccAgent: nil, at: 0), context)
            if hold { return }
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
        case .busy:
            fake.writeRecord(uuid, cause: "USER_BUSY")
            send(bytes: factory.hangup(leg, cause: "USER_BUSY", complete: true, answered: true, at: 0), context)
        case .hungUp(let cause):
            fake.writeRecord(uuid, cause: cause)
            send(bytes: factory.hangup(leg, cause: cause, complete: true, answered: true, at: 0), context)
        }
    }

    /// `uuid_transfer` of an inbound leg: bridged to the extension's phone, then the caller hangs
    /// up; `uuid_kill`: the leg hangs up.
    private func inboundCommand(_ command: String, uuid: String, _ exten: String?, _ context: ChannelHandlerContext) {
        let (leg, hold) = fake.state.withLock { state -> (FreeSWITCHEventFactory.Leg?, Bool) in
            guard let leg = state.inbound.removeValue(forKey: uuid) else { return (nil, false) }
            let hold = command == "uuid_transfer" && state.holdTransfers
            if hold { state.bridged[uuid] = leg } else { state.live.remove(uuid) }
            if command == "uuid_transfer" {
                state.transfers.append("\(uuid) \(exten ?? "")")
            } else {
                state.killed.append(uuid)
            }
            return (leg, hold)
        }
        guard let leg else { return }
        if command == "uuid_transfer", let exten {
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(UInt64(fake.state.withLock { $0.transfers.count })),
                direction: "outbound", channelName: "user/\(exten)", callerNumber: leg.callerNumber,
                destinationNumber: exten)
            send(bytes: factory.bridge(leg, to: agentLeg, ccAgent: nil, at: 0), context)
            if hold { return }
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
        } else {
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
        }
    }

    /// `name=value` inside the `{...}` of an originate.
    static func variable(_ name: String, in arguments: String) -> String? {
        guard let open = arguments.firstIndex(of: "{"), let close = arguments.firstIndex(of: "}") else { return nil }
        for pair in arguments[arguments.index(after: open)..<close].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]) }
        }
        return nil
    }

    private func reply(_ text: String, _ context: ChannelHandlerContext) {
        if losing {
            losing = false
            return
        }
        send("Content-Type: command/reply\nReply-Text: \(text)\n\n", context)
    }

    /// Writes a reply (not an event).
    private func send(_ text: String, _ context: ChannelHandlerContext) {
        context.write(Self.wrapOutboundOut(context.channel.allocator.buffer(bytes: Array(text.utf8))), promise: nil)
    }

    /// Writes an event frame (counted in `State.eventsSent`).
    private func send(bytes: [UInt8], _ context: ChannelHandlerContext) {
        fake.state.withLock { $0.eventsSent += 1 }
        context.write(Self.wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }
}

/// Splits what the client writes into commands at the blank line that ends each.
struct CommandDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard
            let end = view.indices.first(where: {
                $0 + 1 < view.endIndex && view[$0] == 0x0A && view[$0 + 1] == 0x0A
            })
        else { return .needMoreData }
        let length = end - view.startIndex
        let text = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(Self.wrapInboundOut(text))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

