import CallCenter
import EventSocket
import EventSocketClient
import Foundation
import Live
import LiveTestSupport
import NIOCore
import NIOPosix
import Synchronization
import Testing

// Adapted from Tests/EventSocketTests/FakeFreeSWITCH.swift: instead of a session the test
// scripts line by line, a fake that plays FreeSWITCH on its own (login, subscriptions, `show
// channels`, `bgapi originate` answered by a whole call and mod_callcenter's agent events).

/// A loopback FreeSWITCH that answers the live runner like the real one would: `auth`,
/// `event plain ...`, `api show channels as json`, `bgapi originate` and `bgapi uuid_kill`.
///
/// An originate's destination decides what happens once the customer answers, as in
/// FreeSWITCH: with `&park()` (the default) the customer is answered and parked (BACKGROUND_JOB,
/// CHANNEL_ANSWER, CHANNEL_PARK) and waits for a `uuid_transfer`: to an agent's extension (the
/// agent's phone is bridged: CHANNEL_BRIDGE, then the hang-up, unless `holdPlaced`; an agent
/// already on a call is busy: USER_BUSY), or to an inline `playback,hangup` (the hang-up); this
/// fake never bridges a parked customer by itself. With any other destination (a mod_callcenter
/// queue) the fake plays mod_callcenter: the agent's `callcenter::info` state, CHANNEL_BRIDGE,
/// CHANNEL_HANGUP_COMPLETE, the agent Waiting again.
final class FakeSwitch: Sendable {
    struct State {
        /// Call uuids originated, in order.
        var originates: [String] = []
        /// Contracts of the originates, in order.
        var contracts: [Int] = []
        /// Channels up now.
        var live: Set<String> = []
        /// Agents busy now.
        var busy: Set<String> = []
        /// Every command received (first line only).
        var commands: [String] = []
        /// The contract of each held channel.
        var contractOf: [String: Int] = [:]
        /// Originates of a contract whose previous call was still up (dialled twice at once).
        var overlaps: [String] = []
        /// When set, calls are held from this many originates on (the test need not race the client).
        var holdFrom: Int?
        /// Held: originated calls stay up (ringing) and get no events.
        var hold = false
        var connections: [any Channel] = []
        var sequence: UInt64 = 0
        /// Inbound legs parked and not yet hung up, by uuid.
        var inbound: [String: FreeSWITCHEventFactory.Leg] = [:]
        /// What each inbound caller keys at the prompts, in order (none left: nothing keyed).
        var keys: [String: [String]] = [:]
        /// Prompts executed (`play_and_get_digits` or `playback`), as `uuid application`.
        var prompts: [String] = []
        /// Transfers received, as `uuid exten`.
        var transfers: [String] = []
        /// Inbound legs killed (`uuid_kill`).
        var killed: [String] = []
        /// Transfers keep the caller on the line until `hangUpInbound` (else they hang up at once).
        var holdTransfers = false
        /// Inbound legs transferred and still up (with `holdTransfers`).
        var bridged: [String: FreeSWITCHEventFactory.Leg] = [:]
        /// Held outbound calls FreeSWITCH answered meanwhile, with the extension of the agent they
        /// are bridged to ("" when not bridged): what `show channels` / `show calls` say of them.
        var answered: [String: String] = [:]
        /// What `callcenter_config agent list` says: name, status, state (nil: every agent of the
        /// fake, Available and Waiting); `-ERR` when `callCenterDown`.
        var callCenterAgents: [(name: String, status: String, state: String)]?
        var callCenterDown = false
        /// Outbound customers answered and parked (`&park()`), waiting for a transfer.
        var parked: [String: FreeSWITCHEventFactory.Leg] = [:]
        /// Parked customers transferred to an agent's extension, as `uuid exten`, in order.
        var placed: [String] = []
        /// Placed customers still talking (with `holdPlaced`), by uuid, with the agent.
        var talking: [String: (leg: FreeSWITCHEventFactory.Leg, agent: String)] = [:]
        /// Placed customers keep talking until `hangUpPlaced` (else they hang up at once).
        var holdPlaced = false
        /// Parked customers played a message and hung up (inline `playback,hangup`), in order.
        var expired: [String] = []
        /// Transfers to an agent already on a call (refused busy), as `uuid exten`.
        var doubleBooked: [String] = []
        /// Scripted: every command is answered `+OK` and nothing happens by itself; the test tells
        /// what FreeSWITCH says (`push`).
        var scripted = false
        /// With `scripted`: the last prompt sent on each leg, as its application and `Event-UUID`.
        var lastPrompt: [String: (application: String, eventUUID: String)] = [:]
        /// With `scripted`: prompts sent on each leg.
        var promptCount: [String: Int] = [:]
        /// With `scripted`: each originate's argument, by Job-UUID.
        var originateArgument: [String: String] = [:]
        /// When each outbound customer was parked (wall clock), and how long each expired one waited.
        var parkedAt: [String: ContinuousClock.Instant] = [:]
        var waited: [String: Duration] = [:]
    }

    let state = Mutex(State())
    let port: Int
    let password: String
    let agents: [String]
    private let listener: any Channel

    private init(listener: any Channel, port: Int, password: String, agents: [String]) {
        self.listener = listener
        self.port = port
        self.password = password
        self.agents = agents
    }

    /// Listens on 127.0.0.1, a free port; `agents` are mod_callcenter's agent names.
    static func start(password: String, agents: [String]) async throws -> FakeSwitch {
        let box = Mutex<FakeSwitch?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let fake = box.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    fake.state.withLock { $0.connections.append(channel) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CommandDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FakeSwitchHandler(fake))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(channel.localAddress?.port)
        let fake = FakeSwitch(listener: channel, port: port, password: password, agents: agents)
        box.withLock { $0 = fake }
        return fake
    }

    var originates: [String] { state.withLock { $0.originates } }
    var originateCount: Int { state.withLock { $0.originates.count } }
    var commands: [String] { state.withLock { $0.commands } }

    /// Holds the calls originated from now on (they stay up, with no events) or not.
    func hold(_ on: Bool) { state.withLock { $0.hold = on } }

    var prompts: [String] { state.withLock { $0.prompts } }

    /// Plays FreeSWITCH from a script (see `State.scripted`).
    func script(_ on: Bool) { state.withLock { $0.scripted = on } }

    /// Writes `frames` to every connection, in order, flushed at once.
    func push(_ frames: [[UInt8]]) {
        let connections = state.withLock { $0.connections }
        let bytes = frames.flatMap { $0 }
        for connection in connections where connection.isActive {
            connection.writeAndFlush(connection.allocator.buffer(bytes: bytes), promise: nil)
        }
    }
    var transfers: [String] { state.withLock { $0.transfers } }
    var killed: [String] { state.withLock { $0.killed } }

    /// An inbound call from `caller` to `service` arrives and the dialplan parks it: CHANNEL_PARK
    /// to every connection. `keys` are what the caller keys at each prompt, in order.
    func parkInbound(uuid: String, caller: String, service: String = "4008001234", keys: [String] = []) {
        let leg = FreeSWITCHEventFactory.inboundLeg(uuid: uuid, caller: caller, service: service)
        let connections = state.withLock { state -> [any Channel] in
            state.live.insert(uuid)
            state.inbound[uuid] = leg
            state.keys[uuid] = keys
            return state.connections
        }
        var factory = FreeSWITCHEventFactory()
        let frame = factory.park(leg, at: 0)
        for connection in connections where connection.isActive {
            connection.writeAndFlush(connection.allocator.buffer(bytes: frame), promise: nil)
        }
    }

    /// The reply to `show channels as json` (`calls`: `show calls as json`, with the agent's leg
    /// in `b_` columns): held outbound calls (ringing, or answered and maybe bridged), inbound
    /// calls parked (`park`) or transferred and held (bridged to the extension).
    func channelRows(calls: Bool) -> String {
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
    func agentList() -> String {
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

    var placed: [String] { state.withLock { $0.placed } }
    var expired: [String] { state.withLock { $0.expired } }
    var doubleBooked: [String] { state.withLock { $0.doubleBooked } }
    var parkedCount: Int { state.withLock { $0.parked.count } }
    var talkingCount: Int { state.withLock { $0.talking.count } }

    /// Placed outbound customers keep talking until `hangUpPlaced` (`on`), or hang up at once.
    func holdPlaced(_ on: Bool) { state.withLock { $0.holdPlaced = on } }

    /// Every placed outbound customer still talking hangs up (in uuid order): their agents are free.
    func hangUpPlaced() {
        let (ended, connections) = state.withLock { state -> ([FreeSWITCHEventFactory.Leg], [any Channel]) in
            let ended = state.talking.keys.sorted().compactMap { uuid -> FreeSWITCHEventFactory.Leg? in
                guard let entry = state.talking.removeValue(forKey: uuid) else { return nil }
                state.live.remove(uuid)
                state.answered[uuid] = nil
                state.busy.remove(entry.agent)
                return entry.leg
            }
            return (ended, state.connections)
        }
        var factory = FreeSWITCHEventFactory()
        for leg in ended {
            let frame = factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0)
            for connection in connections where connection.isActive {
                connection.writeAndFlush(connection.allocator.buffer(bytes: frame), promise: nil)
            }
        }
    }

    /// Transfers keep the caller on the line until `hangUpInbound` (`on`), or hang up at once.
    func holdTransfers(_ on: Bool) { state.withLock { $0.holdTransfers = on } }

    /// The caller of a transferred inbound leg hangs up: every connection is told.
    func hangUpInbound(_ uuid: String) {
        let (leg, connections) = state.withLock { state -> (FreeSWITCHEventFactory.Leg?, [any Channel]) in
            state.live.remove(uuid)
            return (state.bridged.removeValue(forKey: uuid), state.connections)
        }
        guard let leg else { return }
        var factory = FreeSWITCHEventFactory()
        let frame = factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0)
        for connection in connections where connection.isActive {
            connection.writeAndFlush(connection.allocator.buffer(bytes: frame), promise: nil)
        }
    }

    /// mod_callcenter says agent `name`'s status is now `status` (`agent-status-change`).
    func tellAgentStatus(_ name: String, _ status: String) {
        let connections = state.withLock { $0.connections }
        var factory = FreeSWITCHEventFactory()
        let frame = factory.agentStatus(name, status, at: 0)
        for connection in connections where connection.isActive {
            connection.writeAndFlush(connection.allocator.buffer(bytes: frame), promise: nil)
        }
    }

    /// An inbound call parked while no client listened: FreeSWITCH has it, nobody was told.
    func parkSilently(uuid: String, caller: String, service: String = "4008001234", keys: [String] = []) {
        let leg = FreeSWITCHEventFactory.inboundLeg(uuid: uuid, caller: caller, service: service)
        state.withLock { state in
            state.live.insert(uuid)
            state.inbound[uuid] = leg
            state.keys[uuid] = keys
        }
    }

    /// FreeSWITCH answered the held call `uuid` and parked it (`&park()`) while nobody listened:
    /// no events; a `uuid_transfer` then places it.
    func parkHeld(_ uuid: String) {
        guard let call = CallID(uuidString: uuid) else { return }
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(0), number: "100", configuration: LiveConfiguration())
        state.withLock { state in
            state.parked[uuid] = leg
            state.answered[uuid] = ""
        }
    }

    /// Forgets every held channel (as if they had ended while the client was away).
    func dropHeldChannels() { state.withLock { $0.live.removeAll() } }

    /// Closes every client connection (the client reconnects).
    func dropConnections() {
        let connections = state.withLock { state -> [any Channel] in
            defer { state.connections.removeAll() }
            return state.connections
        }
        for connection in connections { connection.close(promise: nil) }
    }

    /// FreeSWITCH hangs up the channel `uuid` (unanswered, NORMAL_CLEARING): every connection
    /// is told.
    func hangUp(_ uuid: String) {
        let connections = state.withLock { state -> [any Channel] in
            state.live.remove(uuid)
            return state.connections
        }
        guard let call = CallID(uuidString: uuid) else { return }
        var factory = FreeSWITCHEventFactory()
        let leg = FreeSWITCHEventFactory.outboundLeg(
            call: call, contract: ContractID(0), number: "100", configuration: LiveConfiguration())
        let frame = factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: false, at: 0)
        for connection in connections where connection.isActive {
            connection.writeAndFlush(connection.allocator.buffer(bytes: frame), promise: nil)
        }
    }

    func stop() async {
        dropConnections()
        try? await listener.close()
    }

    /// An ESL configuration for this fake.
    func eventSocket(password: String? = nil) -> EventSocketConfiguration {
        EventSocketConfiguration(
            host: "127.0.0.1", port: port, password: ESLPassword(password ?? self.password),
            connectTimeout: .seconds(2), commandTimeout: .seconds(5), jobTimeout: .seconds(5),
            reconnect: EventSocketReconnectPolicy(
                initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40), multiplier: 2))
    }
}

/// One connection's side of the fake: everything runs on the channel's event loop.
final class FakeSwitchHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    let fake: FakeSwitch
    var factory = FreeSWITCHEventFactory()

    init(_ fake: FakeSwitch) { self.fake = fake }

    func channelActive(context: ChannelHandlerContext) {
        send("Content-Type: auth/request\n\n", context)
        context.flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = Self.unwrapInboundIn(data)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = lines.first ?? ""
        let scripted = fake.state.withLock { state -> Bool in
            state.commands.append(first)
            return state.scripted
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
        enum Plan { case hold, park, agent(String), abandon }
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
            if state.hold {
                state.live.insert(uuid)
                return .hold
            }
            if parks {
                state.live.insert(uuid)
                state.parked[uuid] = leg
                state.answered[uuid] = ""
                state.parkedAt[uuid] = .now
                return .park
            }
            if let agent = fake.agents.first(where: { !state.busy.contains($0) }) {
                state.busy.insert(agent)
                return .agent(agent)
            }
            return .abandon
        }
        send(bytes: factory.backgroundJob(jobUUID: job, command: "originate", argument: arguments,
                                          result: "+OK \(uuid)", at: 0), context)
        switch plan {
        case .hold:
            return
        case .park:
            send(bytes: factory.answer(leg, at: 0), context)
            send(bytes: factory.park(leg, at: 0), context)
        case .abandon:
            send(bytes: factory.answer(leg, at: 0), context)
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
        case .agent(let agent):
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(call.rawValue), direction: "outbound",
                channelName: "user/\(agent)", callerNumber: "0000000000", destinationNumber: agent)
            send(bytes: factory.answer(leg, at: 0), context)
            send(bytes: factory.agentState(agent, "In a queue call", at: 0), context)
            send(bytes: factory.bridge(leg, to: agentLeg, ccAgent: agent, at: 0), context)
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
                if let at = state.parkedAt[uuid] { state.waited[uuid] = .now - at }
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
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(UInt64(fake.state.withLock { $0.placed.count }) + 1 << 20),
                direction: "outbound", channelName: "user/\(exten)", callerNumber: leg.callerNumber,
                destinationNumber: exten)
            send(bytes: factory.bridge(leg, to: agentLeg, ccAgent: nil, at: 0), context)
            if hold { return }
            send(bytes: factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 0), context)
        case .busy:
            send(bytes: factory.hangup(leg, cause: "USER_BUSY", complete: true, answered: true, at: 0), context)
        case .hungUp(let cause):
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
        send("Content-Type: command/reply\nReply-Text: \(text)\n\n", context)
    }

    private func send(_ text: String, _ context: ChannelHandlerContext) {
        send(bytes: Array(text.utf8), context)
    }

    private func send(bytes: [UInt8], _ context: ChannelHandlerContext) {
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

// MARK: - Waiting without fixed sleeps

struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Waits until `condition` holds, checking it every few milliseconds; fails after `limit`.
func eventually(
    _ what: String, within limit: Duration = .seconds(20), _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while !(await condition()) {
        if ContinuousClock.now > deadline { throw TestTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A log that keeps every line.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
}

// MARK: - A raw HTTP client

/// Sends `request` as is to 127.0.0.1:`port` and returns everything the server sent until it
/// closed the connection.
func rawHTTP(port: Int, _ request: [UInt8]) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await withThrowingTaskGroup(of: String.self) { group in
        group.addTask {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: request))
                var received: [UInt8] = []
                do {
                    for try await buffer in inbound { received += buffer.readableBytesView }
                } catch {
                    // A reset after the response: keep what came.
                }
                return String(decoding: received, as: UTF8.self)
            }
        }
        group.addTask {
            try await Task.sleep(for: .seconds(10))
            throw TestTimeout(what: "an HTTP response")
        }
        let first = try await group.next() ?? ""
        group.cancelAll()
        return first
    }
}

/// A request with `method`, `path`, optional bearer `token` and `body`.
func httpRequest(_ method: String, _ path: String, token: String?, body: String = "", extraHeaders: String = "") -> [UInt8] {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
    if let token { text += "Authorization: Bearer \(token)\r\n" }
    text += extraHeaders
    text += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    return Array(text.utf8)
}

/// The status code and body of a raw response.
func parseResponse(_ text: String) -> (status: Int, body: String) {
    let parts = text.components(separatedBy: "\r\n\r\n")
    let statusLine = parts.first?.split(separator: "\r\n").first ?? ""
    let words = statusLine.split(separator: " ")
    let status = words.count > 1 ? Int(words[1]) ?? 0 : 0
    return (status, parts.dropFirst().joined(separator: "\r\n\r\n"))
}
