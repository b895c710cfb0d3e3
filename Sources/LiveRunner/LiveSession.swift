import CallCenter
import EventSocket
import EventSocketClient
import Foundation
import Live
import NIOCore
import NIOPosix

// MARK: - What a member of a session hears

/// What a live session tells its members, in the order it happened.
public enum LiveSessionNotice: Sendable {
    /// An event from FreeSWITCH.
    case event(ESLEvent)
    /// The connection was lost (events are missed until `reconnected`), or is up again.
    case connection(up: Bool)
    /// Connected again after a gap: FreeSWITCH's state read once for every member (`failure`
    /// when it could not be read; the member then cannot reconcile this time).
    case reconnected(Result<LiveSnapshot, LiveRunnerError>)
    /// The connection stopped for good (why, for the operator).
    case lost(LiveRunnerError)
    /// Another member of the session put a roster agent (by mod_callcenter name) on a call of
    /// its own (`busy`), or the agent's call ended: the session's one agent book.
    case agentOccupied(name: String, busy: Bool)
}

/// FreeSWITCH's state at one moment: what a member reconciles its calls with at start and after
/// a gap.
public struct LiveSnapshot: Sendable {
    /// The channels FreeSWITCH has up: `show channels as json` (applications, for parked
    /// calls), completed by `show calls as json` (who is bridged to whom).
    public var channels: LiveChannelList
    /// mod_callcenter's agents by name, when it could be asked (`callcenter_config agent list`).
    public var agents: CallCenterAgents?

    /// A snapshot of `channels` and `agents`.
    public init(channels: LiveChannelList, agents: CallCenterAgents? = nil) {
        self.channels = channels
        self.agents = agents
    }
}

/// mod_callcenter's agents at one moment (`callcenter_config agent list`).
public struct CallCenterAgents: Sendable {
    /// Each agent's status and state, by name.
    public var byName: [String: CallCenterAgent]
    /// The channel each agent on a mod_callcenter call talks on: channel uuid → agent name.
    public var channels: [String: String]

    /// The agents `byName`, on `channels`.
    public init(byName: [String: CallCenterAgent], channels: [String: String] = [:]) {
        self.byName = byName
        self.channels = channels
    }
}

/// A live runner that reads and writes FreeSWITCH through a `LiveSession`.
public protocol LiveSessionMember: AnyObject, Sendable {
    /// Handles what the session says, in order.
    func session(_ notice: LiveSessionNotice) async
    /// FreeSWITCH refused `command`, sent for this member, with `text` (`-ERR …`), or the command
    /// could not be sent at all (`sent` false: the connection was lost; a reconcile follows).
    func refused(_ command: ESLCommand, _ text: String, sent: Bool) async
}

// MARK: - The session

/// One connection to FreeSWITCH's event socket shared by the live runners of a process (the
/// outbound dialer and the inbound router): one login, one subscription, one sender that writes
/// the members' commands in order, one reading of FreeSWITCH's state after a reconnect, and the
/// session's agent book (a member that puts an agent on a call tells the others).
///
/// Members `join` (the first join connects) and `leave` (the last leave closes the connection).
/// Every notification of the client goes to every member; connection changes are logged once,
/// here.
public actor LiveSession: LiveHTTPRoutes {
    /// The events the dialer and the router read: channel events, BACKGROUND_JOB and
    /// mod_callcenter's `callcenter::info`; and HEARTBEAT, which feeds the client's liveness
    /// watchdog (`EventSocketConfiguration.livenessTimeout`).
    public static var subscription: ESLSubscription {
        ESLSubscription(
            eventNames: [
                "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE",
                "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_PARK", "BACKGROUND_JOB", "HEARTBEAT",
            ], customSubclasses: ["callcenter::info"])
    }

    private enum Outgoing {
        case command(ESLCommand, any LiveSessionMember)
        case barrier(CheckedContinuation<Void, Never>)
    }

    private enum Phase { case idle, connecting, connected, closed }

    private let client: EventSocketClient
    private let log: @Sendable (String) -> Void
    private var members: [any LiveSessionMember] = []
    private var phase = Phase.idle
    private var connecting: Task<Result<Void, LiveRunnerError>, Never>?
    private nonisolated let outbox: AsyncStream<Outgoing>.Continuation
    private let outgoing: AsyncStream<Outgoing>
    private typealias Occupation = (name: String, busy: Bool, member: any LiveSessionMember)
    private nonisolated let neighbourhood: AsyncStream<Occupation>.Continuation
    private let occupations: AsyncStream<Occupation>
    private var teller: Task<Void, Never>?
    private var sender: Task<Void, Never>?
    private var listener: Task<Void, Never>?

    /// Whether the event socket is logged in now.
    public private(set) var isConnected = false
    /// Events received since the start.
    public private(set) var eventsReceived = 0
    /// Connections lost since the start.
    public private(set) var disconnections = 0

    /// No routes of its own; it serves its share of `GET /metrics`.
    public nonisolated var routes: [LiveHTTPRoute] { [] }

    /// Never called (no routes).
    public func respond(to request: LiveHTTPRequest) -> LiveHTTPResponse { .error(404, "no such resource") }

    /// The connection's share of `GET /metrics`.
    public func metrics() -> LiveMetrics {
        var metrics = LiveMetrics()
        metrics.add("simcc_esl_connected", "gauge", "1 while logged in to FreeSWITCH's event socket.", isConnected ? 1 : 0)
        metrics.add("simcc_esl_events_total", "counter", "Events received from FreeSWITCH.", Double(eventsReceived))
        metrics.add("simcc_esl_disconnections_total", "counter", "Connections to FreeSWITCH lost.", Double(disconnections))
        return metrics
    }

    /// A session on `configuration`; with no subscriptions there, it subscribes to
    /// `LiveSession.subscription`. Nothing connects until the first `join`.
    /// - Parameter log: where connection changes are reported (never secrets).
    public init(
        configuration: EventSocketConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        var socket = configuration
        if socket.subscriptions.isEmpty { socket.subscriptions = [Self.subscription] }
        client = EventSocketClient(configuration: socket, eventLoopGroup: eventLoopGroup)
        self.log = log
        (outgoing, outbox) = AsyncStream<Outgoing>.makeStream()
        (occupations, neighbourhood) = AsyncStream<Occupation>.makeStream()
    }

    /// Where the session connects.
    public nonisolated var configuration: EventSocketConfiguration { client.configuration }

    /// Adds `member` (it hears every notification from now on) and connects if this is the
    /// first member.
    /// - Throws: `LiveRunnerError` when FreeSWITCH cannot be reached or refuses the login; the
    ///   member is then not a member.
    public func join(_ member: any LiveSessionMember) async throws(LiveRunnerError) {
        guard phase != .closed else { throw LiveRunnerError("the connection to FreeSWITCH is closed") }
        members.append(member)
        if phase == .idle { begin() }
        guard let connecting else { return }
        if case .failure(let error) = await connecting.value {
            members.removeAll { $0 === member }
            if members.isEmpty { await close() }
            throw error
        }
    }

    /// Removes `member`, after the commands it queued were written; the last member to leave
    /// closes the connection.
    public func leave(_ member: any LiveSessionMember) async {
        await drain()
        members.removeAll { $0 === member }
        if members.isEmpty { await close() }
    }

    /// Closes the connection once the queued commands are written (for good: a later `join`
    /// fails).
    private func close() async {
        guard phase != .closed else { return }
        phase = .closed
        outbox.finish()
        neighbourhood.finish()
        await sender?.value
        await teller?.value
        await client.close()
        await listener?.value
    }

    /// Queues `command` for FreeSWITCH on behalf of `member` (written in order by one sender;
    /// a refusal goes back to `member`).
    public nonisolated func send(_ command: ESLCommand, for member: any LiveSessionMember) {
        enqueue(.command(command, member))
    }

    private nonisolated func enqueue(_ item: Outgoing) {
        if case .terminated = outbox.yield(item), case .barrier(let waiter) = item { waiter.resume() }
    }

    /// Waits until every command queued so far has been written (or failed).
    public func drain() async {
        guard sender != nil else { return }
        await withCheckedContinuation { waiter in enqueue(.barrier(waiter)) }
    }

    /// An `api` command now (outside the members' queue), its reply's text.
    public func api(_ command: String, _ arguments: String) async throws(EventSocketError) -> String {
        try await client.api(command, arguments).text
    }

    /// FreeSWITCH's state now: its channels (`show channels as json`, completed by `show calls
    /// as json` when FreeSWITCH answers it) and, when mod_callcenter answers, its agents.
    /// - Throws: `LiveRunnerError` when the channels cannot be listed.
    public func snapshot() async throws(LiveRunnerError) -> LiveSnapshot {
        var channels: [LiveChannel]
        do {
            let reply = try await client.api("show", "channels as json")
            channels = try LiveChannelList.parse(reply.text).channels
        } catch {
            throw LiveRunnerError("cannot list FreeSWITCH's channels to reconcile calls: \(error)")
        }
        if let reply = try? await client.api("show", "calls as json"),
            let calls = try? LiveChannelList.parse(reply.text)
        {
            channels += calls.channels
        }
        return LiveSnapshot(channels: LiveChannelList(channels), agents: try? await agents())
    }

    /// What a runner starting with `choice` reads of mod_callcenter's agents: nil when it is to
    /// assume their state.
    /// - Throws: `LiveRunnerError` (a configuration error) when mod_callcenter is to be asked
    ///   and does not answer.
    public func agents(atStart choice: LiveAgentsAtStart) async throws(LiveRunnerError) -> CallCenterAgents? {
        guard case .askCallCenter = choice else { return nil }
        do {
            return try await agents()
        } catch {
            throw LiveRunnerError(
                "\(error); without mod_callcenter, say what the agents are at start (--agents-start-as idle, paused or logged-out)",
                configuration: true)
        }
    }

    /// mod_callcenter's agents now (`callcenter_config agent list`). Times (`awaySince`) are
    /// read as seconds since 1970, the default live clock's.
    /// - Throws: `LiveRunnerError` when mod_callcenter does not answer (not loaded, no
    ///   permission) or its answer cannot be read.
    public func agents() async throws(LiveRunnerError) -> CallCenterAgents {
        do {
            let reply = try await client.api("callcenter_config", "agent list")
            let rows = try CallCenterAgentList.rows(agentList: reply.text)
            let byName = try CallCenterAgentList.parse(agentList: reply.text, timeOfEpoch: { Seconds($0) })
            return CallCenterAgents(byName: byName, channels: CallCenterAgentList.agentsByChannel(rows))
        } catch {
            throw LiveRunnerError("cannot ask mod_callcenter for its agents (callcenter_config agent list): \(error)")
        }
    }

    /// Tells the other members, in the order of the calls, that `member` put agent `name` on a
    /// call (`busy`) or that the call ended.
    public nonisolated func agentOccupied(_ name: String, busy: Bool, by member: any LiveSessionMember) {
        neighbourhood.yield((name, busy, member))
    }

    private func tellOthers(_ name: String, busy: Bool, by member: any LiveSessionMember) async {
        for other in members where other !== member { await other.session(.agentOccupied(name: name, busy: busy)) }
    }

    // MARK: - Internals

    private func begin() {
        phase = .connecting
        let stream = outgoing
        sender = Task { [client] in
            for await item in stream {
                switch item {
                case .barrier(let waiter):
                    waiter.resume()
                case .command(let command, let member):
                    do {
                        let reply = try await client.send(command)
                        if !reply.isOK { await member.refused(command, reply.text, sent: true) }
                    } catch {
                        await member.refused(command, "\(error)", sent: false)
                    }
                }
            }
        }
        let occupations = self.occupations
        teller = Task {
            for await occupation in occupations {
                await self.tellOthers(occupation.name, busy: occupation.busy, by: occupation.member)
            }
        }
        let notifications = client.notifications
        listener = Task {
            for await notification in notifications { await self.receive(notification) }
        }
        connecting = Task { [client] in
            do {
                try await client.connect()
                self.connected()
                return .success(())
            } catch {
                let socket = client.configuration
                return .failure(LiveRunnerError(
                    "cannot connect to FreeSWITCH at \(socket.host):\(socket.port): \(error)", configuration: (error as? EventSocketError)?.isPermanent ?? false))
            }
        }
    }

    private func connected() {
        if phase == .connecting { phase = .connected }
        isConnected = true
    }

    private func broadcast(_ notice: LiveSessionNotice) async {
        for member in members { await member.session(notice) }
    }

    private func receive(_ notification: EventSocketNotification) async {
        switch notification {
        case .event(let event):
            eventsReceived += 1
            await broadcast(.event(event))
        case .connected:
            isConnected = true
        case .disconnected(let reason):
            isConnected = false
            disconnections += 1
            log("lost the connection to FreeSWITCH (\(reason)); reconnecting")
            await broadcast(.connection(up: false))
        case .reconnecting:
            isConnected = false
        case .reconnected(let gap):
            isConnected = true
            log("reconnected to FreeSWITCH after \(gap); reconciling calls")
            await broadcast(.connection(up: true))
            let state: Result<LiveSnapshot, LiveRunnerError>
            do {
                state = .success(try await snapshot())
            } catch {
                log("\(error)")
                state = .failure(error)
            }
            await broadcast(.reconnected(state))
        case .stopped(let error):
            isConnected = false
            guard phase != .closed else { return }
            await broadcast(.lost(LiveRunnerError(
                "the connection to FreeSWITCH stopped for good: \(error.map { "\($0)" } ?? "closed")",
                configuration: error?.isPermanent ?? false)))
        case .lingerNotice, .undecodableFrame:
            break
        }
    }
}
