import EventSocket
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// An inbound-mode FreeSWITCH event-socket client: it connects to FreeSWITCH, logs in, applies
/// the subscriptions, runs `api`/`bgapi` commands, streams events, and reconnects with backoff.
///
/// - Commands are written in call order and their replies matched first-in first-out (ESL has
///   no request ids); each waits at most its timeout. A reply that comes after its command
///   timed out is read and dropped, so later replies stay matched.
/// - `bgapi` sends its own `Job-UUID` and returns the BACKGROUND_JOB with that id.
/// - When an established connection is lost, pending commands fail with `connectionLost`, the
///   layer above is told (`disconnected`), and the client reconnects with exponential backoff,
///   logs in and re-applies every subscription, then reports `reconnected(gap:)`. A wrong
///   password or an ACL refusal is final: no retry.
/// - A liveness watchdog (`configuration.livenessTimeout`) takes a connection that has sent
///   nothing for that long for dead (half-open TCP) and handles it as lost, as above. The client
///   subscribes to HEARTBEAT for it after each login.
/// - Events go to `notifications`, an unbounded stream: read it continuously (FreeSWITCH
///   drops events, then the connection, when a client falls behind).
public actor EventSocketClient {
    /// Everything the layer above needs to know, in order: events, gaps, the end.
    public nonisolated let notifications: AsyncStream<EventSocketNotification>
    private let notify: AsyncStream<EventSocketNotification>.Continuation

    /// The configuration in force.
    public nonisolated let configuration: EventSocketConfiguration
    private let clock: any Clock<Duration>
    private let makeJobUUID: @Sendable () -> String
    private let group: any EventLoopGroup

    private enum Phase: Equatable {
        case idle, connecting, connected, reconnecting, stopped
    }

    private struct PendingReply {
        let id: UInt64
        /// nil once the caller has given up (timeout): the reply is then read and dropped.
        var waiter: ReplyWaiter?
        /// What its reply looks like, as far as it can be told apart from another's.
        var expects = ReplyKind.commandReply(jobUUID: nil)
        /// Its caller gave up waiting (a timeout); its reply may still come, or never.
        var givenUp = false
        /// The command, for messages (`api show`, `bgapi originate`).
        var what = ""
    }

    /// The reply a command gets: `api/response` for `api`, `command/reply` for every other
    /// (a `bgapi`'s names its Job-UUID).
    enum ReplyKind: Equatable {
        case apiResponse
        case commandReply(jobUUID: String?)

        init(_ command: ESLCommand) {
            switch command {
            case .api: self = .apiResponse
            case .bgapi(_, _, let job): self = .commandReply(jobUUID: job)
            default: self = .commandReply(jobUUID: nil)
            }
        }

        /// Whether `message` is certainly not this reply (`false`: it may be). An `api` may be
        /// refused with a `command/reply` (`-ERR`), so only one naming a Job-UUID (a bgapi's)
        /// is certainly not an api's.
        func excludes(_ message: ESLMessage) -> Bool {
            switch (self, message) {
            case (.apiResponse, .apiResponse): return false
            case (.apiResponse, .commandReply(let reply)): return reply.jobUUID != nil
            case (.commandReply(let job), .commandReply(let reply)):
                guard let job, let other = reply.jobUUID else { return false }
                return job != other
            case (.commandReply, _): return true
            default: return false
            }
        }

        /// Whether `message` is certainly this reply (a bgapi's, by its Job-UUID).
        func identifies(_ message: ESLMessage) -> Bool {
            if case .commandReply(let job?) = self, case .commandReply(let reply) = message { return reply.jobUUID == job }
            return false
        }
    }

    private enum Job {
        /// Registered before the command is written; no one waits yet.
        case registered
        /// The BACKGROUND_JOB came before anyone waited.
        case finished(ESLEvent)
        /// `bgapi` waits for it.
        case waiting(id: UInt64, CheckedContinuation<ESLEvent, any Error>)
        /// The connection was lost before anyone waited.
        case failed(EventSocketError)
    }

    private var phase = Phase.idle
    private var subscriptionList: [ESLSubscription]
    private var link: (generation: UInt64, connection: ESLConnection)?
    private var generation: UInt64 = 0
    private var nextID: UInt64 = 0
    private var replies: [PendingReply] = []
    /// Set when a reply was taken for the late one of a command given up on: the id of the
    /// command after it, whose own timeout then proves the replies out of step.
    private var suspectFrom: UInt64?
    private var jobs: [String: Job] = [:]
    private var authRequested = false
    private var authWaiter: CheckedContinuation<Void, any Error>?
    /// A non-linger disconnect notice of the current connection: the socket is about to close.
    private var closingNotice: ESLDisconnectNotice?
    /// Set by a rude rejection: every wait of this connection fails with it.
    private var rejection: EventSocketError?
    private var reconnectTask: Task<Void, Never>?
    /// The time on `clock` since the client was made: the watchdog's time line.
    private let uptime: @Sendable () -> Duration
    /// When the current connection last received a frame, on `uptime`.
    private var lastTraffic = Duration.zero
    /// True while a liveness probe of the current connection waits for its reply.
    private var probing = false
    /// The liveness watchdog of the current connection.
    private var watchdog: Task<Void, Never>?
    private var refusedHeartbeat: ESLReply?

    /// A client for `configuration`; nothing happens until `connect()`.
    /// - Parameters:
    ///   - clock: the clock timeouts and backoff delays sleep on (tests pass a fast one).
    ///   - jobUUID: makes the `Job-UUID` of each `bgapi` (random lower-case UUIDs by default).
    ///   - eventLoopGroup: where the socket runs (NIO's shared singleton group by default).
    public init(
        configuration: EventSocketConfiguration,
        clock: any Clock<Duration> = ContinuousClock(),
        jobUUID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() },
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.clock = clock
        self.makeJobUUID = jobUUID
        self.group = eventLoopGroup
        self.subscriptionList = configuration.subscriptions
        self.uptime = Self.stopwatch(clock)
        (notifications, notify) = AsyncStream<EventSocketNotification>.makeStream()
    }

    // MARK: - Public API

    /// Connects, waits for `auth/request`, logs in and applies the subscriptions. After it
    /// succeeds, lost connections are re-established on their own; after a failure that is
    /// not permanent it may be called again (it makes one attempt: retrying is the caller's).
    /// Returns at once when already connected or reconnecting.
    /// - Throws: `EventSocketError`: `connectFailed`, `timedOut`, `authenticationRejected`
    ///   or `refusedByACL` (both permanent: the client is then stopped), `commandRejected` for
    ///   a refused subscription, `connectionLost`, `notConnected` while another `connect()` is
    ///   under way, or `closed`.
    public func connect() async throws(EventSocketError) {
        switch phase {
        case .idle: break
        case .connected, .reconnecting: return
        case .connecting: throw .notConnected
        case .stopped: throw .closed
        }
        phase = .connecting
        do {
            try await establish()
        } catch {
            if error.isPermanent {
                stop(error)
            } else if phase == .connecting {
                phase = .idle
            }
            throw error
        }
        guard phase == .connecting else { throw .closed }
        phase = .connected
        notify.yield(.connected)
    }

    /// Runs `api <command> <arguments>` and returns its output (the api/response body; check
    /// `isOK`). `api` blocks the connection's events in FreeSWITCH while it runs: use `bgapi`
    /// for anything slow (originate).
    /// - Throws: `EventSocketError` (`timedOut`, `connectionLost`, `invalidCommand`, ...).
    public func api(_ command: String, _ arguments: String = "", timeout: Duration? = nil)
        async throws(EventSocketError) -> ESLReply
    {
        let what = "api \(command)"
        let message = try await exchange(
            .api(command: command, arguments: arguments), what: what,
            timeout: timeout ?? configuration.commandTimeout)
        switch message {
        case .apiResponse(let reply): return reply
        case .commandReply(let reply): throw .commandRejected(what: what, reply: reply)
        default: throw .unexpectedReply(what: what, contentType: "message")
        }
    }

    /// Runs `bgapi <command> <arguments>` with a `Job-UUID` of our own and returns the
    /// BACKGROUND_JOB event that carries it (its `backgroundJobResult` is the output).
    /// - Parameter timeout: the wait for the BACKGROUND_JOB (`configuration.jobTimeout` if nil);
    ///   the command's own reply waits `configuration.commandTimeout`.
    /// - Throws: `EventSocketError`; `commandRejected` when FreeSWITCH refuses the bgapi itself.
    public func bgapi(_ command: String, _ arguments: String = "", timeout: Duration? = nil)
        async throws(EventSocketError) -> ESLEvent
    {
        let jobUUID = makeJobUUID()
        let what = "bgapi \(command)"
        let encoded: [UInt8]
        do {
            encoded = try ESLCommand.bgapi(command: command, arguments: arguments, jobUUID: jobUUID).encoded()
        } catch {
            throw .invalidCommand(error)
        }
        guard jobs[jobUUID] == nil else {
            throw .invalidCommand(.invalidArgument(field: "Job-UUID (already pending)"))
        }
        // Registered before the write, so no BACKGROUND_JOB can arrive unclaimed.
        jobs[jobUUID] = .registered
        let message: ESLMessage
        do {
            message = try await exchange(
                encoded: encoded, expects: .commandReply(jobUUID: jobUUID), what: what, timeout: configuration.commandTimeout)
        } catch {
            jobs[jobUUID] = nil
            throw error
        }
        guard case .commandReply(let reply) = message, reply.isOK else {
            jobs[jobUUID] = nil
            if case .commandReply(let reply) = message { throw .commandRejected(what: what, reply: reply) }
            throw .unexpectedReply(what: what, contentType: "api/response")
        }
        return try await awaitJob(jobUUID, what: what, timeout: timeout ?? configuration.jobTimeout)
    }

    /// Sends any other command (`filter`, `nixevent`, `linger`, ...) and returns its reply text
    /// (check `isOK`). Use `subscribe` for `event` so the subscription survives reconnects.
    /// - Throws: `EventSocketError`.
    public func send(_ command: ESLCommand, timeout: Duration? = nil) async throws(EventSocketError)
        -> ESLReply
    {
        let what = Self.verb(of: command)
        let message = try await exchange(
            command, what: what, timeout: timeout ?? configuration.commandTimeout)
        switch message {
        case .commandReply(let reply), .apiResponse(let reply): return reply
        default: throw .unexpectedReply(what: what, contentType: "message")
        }
    }

    /// Adds `subscription` to those kept and re-applied after every login. When connected, it
    /// is sent now; otherwise it is applied at the next login (or reconnect).
    /// - Throws: `commandRejected` when FreeSWITCH refuses it (it is then dropped), `closed`,
    ///   or the errors of `send`; after `connectionLost` or `timedOut` it stays kept, so the
    ///   next login applies it.
    public func subscribe(_ subscription: ESLSubscription) async throws(EventSocketError) {
        do {
            _ = try ESLCommand.event(subscription).encoded()
        } catch {
            throw .invalidCommand(error)
        }
        guard phase != .stopped else { throw .closed }
        let isNew = !subscriptionList.contains(subscription)
        if isNew { subscriptionList.append(subscription) }
        guard phase == .connected else { return }
        do {
            try await apply(subscription)
        } catch {
            if isNew, case .commandRejected = error { subscriptionList.removeAll { $0 == subscription } }
            throw error
        }
    }

    /// The subscriptions kept, in the order they are applied after a login.
    public var subscriptions: [ESLSubscription] { subscriptionList }

    /// True while logged in on a live connection.
    public var isConnected: Bool { phase == .connected }

    /// The reply with which FreeSWITCH refused the client's HEARTBEAT subscription at the latest
    /// login (`-ERR permission denied` for a user restricted by `esl-allowed-events`), or nil.
    /// The login goes on without it and the watchdog stays on: it counts every other frame,
    /// and when the connection has been quiet for half of `livenessTimeout` it sends a probe
    /// (the same `event … HEARTBEAT` command, whose reply, `-ERR` or not, is traffic), so a quiet
    /// but live connection is kept and a dead one is still noticed.
    public var heartbeatRefusal: ESLReply? { refusedHeartbeat }

    /// Closes the connection for good: pending commands fail with `closed`, reconnecting stops,
    /// and `notifications` ends with `stopped(nil)`.
    public func close() {
        stop(nil)
    }

    // MARK: - Connection lifecycle

    /// Opens a connection, logs in and applies the subscriptions; on failure the connection is
    /// closed and its waits failed.
    private func establish() async throws(EventSocketError) {
        let connection = try await ESLConnection.open(
            host: configuration.host, port: configuration.port, limits: configuration.limits,
            connectTimeout: configuration.connectTimeout, group: group)
        guard phase == .connecting || phase == .reconnecting else {
            // close() was called while the TCP connection was being made.
            connection.close()
            throw .closed
        }
        generation += 1
        let current = generation
        link = (current, connection)
        authRequested = false
        closingNotice = nil
        rejection = nil
        Task { await self.read(connection.signals, generation: current) }
        do {
            try await awaitAuthRequest()
            let message = try await exchange(
                .auth(password: configuration.password.secret), what: "auth",
                timeout: configuration.commandTimeout,
                login: true)
            switch ESLAuthOutcome(replyTo: message) {
            case .accepted: break
            case .rejected(let text): throw EventSocketError.authenticationRejected(replyText: text)
            case .refusedByACL(let text): throw EventSocketError.refusedByACL(text: text)
            case .disconnected, .pending:
                throw EventSocketError.unexpectedReply(what: "auth", contentType: "message")
            }
            // By index: a subscribe() during the login appends to the list and is applied too.
            var index = 0
            while index < subscriptionList.count {
                try await apply(subscriptionList[index], login: true)
                index += 1
            }
            try await subscribeHeartbeat()
            startWatchdog(generation: current)
        } catch {
            let error = Self.typed(error)
            drop(generation: current, failing: error)
            throw error
        }
    }

    /// Sends `event …` for `subscription` and requires `+OK`.
    private func apply(_ subscription: ESLSubscription, login: Bool = false) async throws(EventSocketError) {
        let message = try await exchange(
            .event(subscription), what: "event", timeout: configuration.commandTimeout, login: login)
        guard case .commandReply(let reply) = message else {
            throw .unexpectedReply(what: "event", contentType: "api/response")
        }
        guard reply.isOK else { throw .commandRejected(what: "event", reply: reply) }
    }

    // MARK: - Liveness

    /// The HEARTBEAT subscription, in the format of the last subscription (the format is sticky
    /// in FreeSWITCH: the last one sent applies to the whole connection).
    private var heartbeatSubscription: ESLSubscription {
        ESLSubscription(format: subscriptionList.last?.format ?? .plain, eventNames: ["HEARTBEAT"])
    }

    /// With the watchdog on, subscribes to HEARTBEAT unless the subscriptions cover it (`ALL`,
    /// `HEARTBEAT`). A refusal is kept in `heartbeatRefusal` and does not fail the login; other
    /// failures (timeout, lost connection) do, as for any subscription.
    private func subscribeHeartbeat() async throws(EventSocketError) {
        refusedHeartbeat = nil
        let covered = subscriptionList.contains { subscription in
            subscription.eventNames.contains { ["ALL", "HEARTBEAT"].contains($0.uppercased()) }
        }
        guard configuration.livenessTimeout != nil, !covered else { return }
        do {
            try await apply(heartbeatSubscription, login: true)
        } catch {
            guard case .commandRejected(_, let reply) = error else { throw error }
            refusedHeartbeat = reply
        }
    }

    /// Starts the watchdog of the connection of `generation`, just logged in.
    private func startWatchdog(generation: UInt64) {
        watchdog?.cancel()
        watchdog = nil
        guard let timeout = configuration.livenessTimeout else { return }
        lastTraffic = uptime()
        probing = false
        watchdog = Task { await self.watch(generation: generation, timeout: timeout) }
    }

    /// Stops the current connection's watchdog.
    private func stopWatchdog() {
        watchdog?.cancel()
        watchdog = nil
    }

    /// Handles the connection of `generation` as lost once no frame has come for `timeout`;
    /// while HEARTBEAT is refused, probes it after half of that.
    private func watch(generation: UInt64, timeout: Duration) async {
        while link?.generation == generation {
            let quiet = uptime() - lastTraffic
            if quiet >= timeout {
                connectionEnded(generation: generation, reason: .livenessTimeout(after: timeout))
                return
            }
            var wake = timeout
            if refusedHeartbeat != nil, !probing {
                if quiet >= timeout / 2 { probe() } else { wake = timeout / 2 }
            }
            do {
                try await clock.sleep(for: wake - quiet)
            } catch {
                return
            }
        }
    }

    /// Sends the HEARTBEAT subscription again as a probe. Nobody waits for its reply: it only
    /// counts as traffic, and its place in the FIFO keeps later replies matched.
    private func probe() {
        guard let connection = link?.connection,
            let encoded = try? ESLCommand.event(heartbeatSubscription).encoded()
        else { return }
        nextID += 1
        replies.append(PendingReply(id: nextID, waiter: nil))
        connection.write(encoded)
        probing = true
    }

    /// Closes the connection of `generation` if it is still the current one, failing its waits.
    private func drop(generation: UInt64, failing error: EventSocketError) {
        guard let link, link.generation == generation else { return }
        self.link = nil
        stopWatchdog()
        link.connection.close()
        failWaits(with: error)
    }

    /// Fails every pending reply, the auth/request wait and every pending job.
    private func failWaits(with error: EventSocketError) {
        let pending = replies
        replies.removeAll()
        suspectFrom = nil
        for entry in pending { entry.waiter?.fail(error) }
        if let authWaiter {
            self.authWaiter = nil
            authWaiter.resume(throwing: error)
        }
        // A BACKGROUND_JOB already received stays valid; every other job is lost with the
        // connection (FreeSWITCH sends it on the connection that ran the bgapi, or not at all).
        for (jobUUID, job) in jobs {
            switch job {
            case .waiting(_, let waiter):
                jobs[jobUUID] = nil
                waiter.resume(throwing: error)
            case .registered:
                jobs[jobUUID] = .failed(error)
            case .finished, .failed:
                break
            }
        }
    }

    /// Reads one connection's signals until it closes, then reports the loss.
    private func read(_ signals: AsyncStream<ConnectionSignal>, generation: UInt64) async {
        var failure: EventSocketDisconnectReason?
        for await signal in signals {
            guard link?.generation == generation else { continue }
            switch signal {
            case .frames(let frames):
                // Any frame proves the connection alive.
                lastTraffic = uptime()
                probing = false
                for frame in frames where link?.generation == generation { handle(frame) }
            case .decodingFailed(let error): failure = failure ?? .decodingFailed(error)
            case .ioError(let text): failure = failure ?? .ioError(text)
            }
        }
        connectionEnded(generation: generation, reason: failure ?? .closedByPeer(notice: closingNotice))
    }

    /// The connection of `generation` is gone (closed, failed, or silent past the liveness
    /// timeout): fail its waits and, if it was established, start reconnecting.
    private func connectionEnded(generation: UInt64, reason: EventSocketDisconnectReason) {
        guard let link, link.generation == generation else { return }
        self.link = nil
        stopWatchdog()
        link.connection.close()
        failWaits(with: rejection ?? .connectionLost(reason))
        guard phase == .connected else { return }
        notify.yield(.disconnected(reason))
        let policy = configuration.reconnect
        if policy.maximumAttempts == 0 {
            stop(.connectionLost(reason))
            return
        }
        phase = .reconnecting
        let clock = self.clock
        let elapsed = Self.stopwatch(clock)
        reconnectTask = Task { await self.reconnect(policy: policy, elapsed: elapsed) }
    }

    /// Attempts to reconnect with exponential backoff until it succeeds, fails for good, runs
    /// out of attempts, or the client is closed.
    private func reconnect(policy: EventSocketReconnectPolicy, elapsed: @escaping @Sendable () -> Duration)
        async
    {
        var attempt = 0
        while phase == .reconnecting {
            attempt += 1
            let delay = policy.delay(beforeAttempt: attempt)
            notify.yield(.reconnecting(attempt: attempt, delay: delay))
            do {
                try await clock.sleep(for: delay)
            } catch {
                return
            }
            guard phase == .reconnecting else { return }
            do {
                try await establish()
                guard phase == .reconnecting else {
                    if let link { drop(generation: link.generation, failing: .closed) }
                    return
                }
                phase = .connected
                notify.yield(.reconnected(gap: elapsed()))
                return
            } catch {
                if error.isPermanent {
                    stop(error)
                    return
                }
                if let maximum = policy.maximumAttempts, attempt >= maximum {
                    stop(error)
                    return
                }
            }
        }
    }

    /// Stops for good: closes the connection, fails every wait, ends `notifications`.
    private func stop(_ error: EventSocketError?) {
        guard phase != .stopped else { return }
        phase = .stopped
        reconnectTask?.cancel()
        reconnectTask = nil
        stopWatchdog()
        if let link {
            self.link = nil
            link.connection.close()
        }
        failWaits(with: .closed)
        notify.yield(.stopped(error))
        notify.finish()
    }

    // MARK: - Frames

    /// Routes one frame: replies to the oldest pending command, BACKGROUND_JOBs to their bgapi,
    /// events to `notifications`.
    private func handle(_ frame: ESLFrame) {
        let message: ESLMessage
        do {
            message = try ESLMessage(frame)
        } catch {
            notify.yield(.undecodableFrame(error))
            return
        }
        switch message {
        case .authRequest:
            if let authWaiter {
                self.authWaiter = nil
                authWaiter.resume()
            } else {
                authRequested = true
            }
        case .commandReply, .apiResponse:
            // A reply nobody waits for (none pending) is dropped: FreeSWITCH never sends one.
            guard !replies.isEmpty else { return }
            // Commands whose reply this certainly is not lost theirs (FreeSWITCH replies in
            // order): their places go, so that this reply reaches its own command.
            while replies.count > 1, replies[0].expects.excludes(message) {
                let lost = replies.removeFirst()
                lost.waiter?.fail(.replyLost(what: lost.what))
            }
            let head = replies.removeFirst()
            if head.givenUp, let next = replies.first, !head.expects.identifies(message) {
                // Taken as the late reply of a command given up on (FreeSWITCH replies in
                // order), though it may be the next one's, that command's own lost: if the next
                // then times out too, the replies are out of step (`expireReply`).
                suspectFrom = next.id
            } else if let suspect = suspectFrom, head.id >= suspect, head.waiter != nil {
                suspectFrom = nil
            }
            head.waiter?.deliver(message)
        case .event(let event):
            if event.eventName == "BACKGROUND_JOB", let jobUUID = event.jobUUID, let job = jobs[jobUUID] {
                switch job {
                case .registered:
                    jobs[jobUUID] = .finished(event)
                case .waiting(_, let waiter):
                    jobs[jobUUID] = nil
                    waiter.resume(returning: event)
                case .finished, .failed:
                    break
                }
            }
            notify.yield(.event(event))
        case .disconnectNotice(let notice):
            if notice.isLinger {
                notify.yield(.lingerNotice(notice))
            } else {
                // FreeSWITCH is letting this connection go: close it now rather than wait for the
                // socket to close (or, if it never does, for the liveness timeout).
                closingNotice = notice
                link?.connection.close()
            }
        case .rudeRejection(let text):
            let error = EventSocketError.refusedByACL(text: text)
            rejection = error
            failWaits(with: error)
        case .other:
            break
        }
    }

    // MARK: - Waiting

    /// Waits for `auth/request` (or returns at once if it already came).
    private func awaitAuthRequest() async throws(EventSocketError) {
        if let rejection { throw rejection }
        if authRequested { return }
        let timeout = configuration.commandTimeout
        let timer = Task { [clock] in
            do { try await clock.sleep(for: timeout) } catch { return }
            self.expireAuthRequest(after: timeout)
        }
        defer { timer.cancel() }
        do {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
                authWaiter = waiter
            }
        } catch {
            throw Self.typed(error)
        }
    }

    private func expireAuthRequest(after timeout: Duration) {
        guard let authWaiter else { return }
        self.authWaiter = nil
        authWaiter.resume(throwing: EventSocketError.timedOut(what: "auth/request", after: timeout))
    }

    /// Encodes and sends `command`, then waits for its reply.
    private func exchange(_ command: ESLCommand, what: String, timeout: Duration, login: Bool = false)
        async throws(EventSocketError) -> ESLMessage
    {
        let expects = ReplyKind(command)
        let encoded: [UInt8]
        do {
            encoded = try command.encoded()
        } catch {
            throw .invalidCommand(error)
        }
        return try await exchange(encoded: encoded, expects: expects, what: what, timeout: timeout, login: login)
    }

    /// Writes `command` now and returns at once, its reply to be awaited apart
    /// (`SubmittedCommand.reply()`, at most `timeout`, by default `configuration.commandTimeout`):
    /// commands submitted one after another go out in that order, each before `submit` returns,
    /// so a command whose reply is late or lost does not hold back the next ones.
    /// - Throws: `EventSocketError` when it cannot be written (`notConnected`, `closed`,
    ///   `invalidCommand`): then it certainly did not go out.
    public func submit(_ command: ESLCommand, timeout: Duration? = nil) throws(EventSocketError) -> SubmittedCommand {
        let encoded: [UInt8]
        do {
            encoded = try command.encoded()
        } catch {
            throw .invalidCommand(error)
        }
        if let rejection { throw rejection }
        guard phase == .connected, let connection = link?.connection else {
            throw phase == .stopped ? .closed : .notConnected
        }
        let what = Self.verb(of: command)
        let box = SubmittedCommand.Box()
        nextID += 1
        let id = nextID
        let timeout = timeout ?? configuration.commandTimeout
        replies.append(PendingReply(id: id, waiter: .box(box), expects: ReplyKind(command), what: what))
        connection.write(encoded)
        let timer = Task { [clock] in
            do { try await clock.sleep(for: timeout) } catch { return }
            self.expireReply(id: id, what: what, after: timeout)
        }
        box.onSettled { timer.cancel() }
        return SubmittedCommand(box: box, what: what)
    }

    /// Writes `encoded` and waits at most `timeout` for the next reply in line. Only the login
    /// (`login` true) may use a connection that is not logged in yet.
    private func exchange(
        encoded: [UInt8], expects: ReplyKind, what: String, timeout: Duration, login: Bool = false
    ) async throws(EventSocketError) -> ESLMessage {
        if let rejection { throw rejection }
        guard login || phase == .connected, let connection = link?.connection else {
            throw phase == .stopped ? .closed : .notConnected
        }
        nextID += 1
        let id = nextID
        let timer = Task { [clock] in
            do { try await clock.sleep(for: timeout) } catch { return }
            self.expireReply(id: id, what: what, after: timeout)
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation {
                    (waiter: CheckedContinuation<ESLMessage, any Error>) in
                    // Registered and written with no suspension between: the FIFO order is
                    // the order on the wire.
                    replies.append(PendingReply(id: id, waiter: .continuation(waiter), expects: expects, what: what))
                    connection.write(encoded)
                }
            } onCancel: {
                // Runs on the actor after the registration above (the actor is busy until then).
                Task { await self.giveUpReply(id: id, with: .cancelled) }
            }
        } catch {
            throw Self.typed(error)
        }
    }

    /// The reply to command `id` did not come in time: its waiter gives up, and its place in the
    /// FIFO stays for a reply that comes late (FreeSWITCH replies in order). When the reply of
    /// the command before was in doubt (`suspectFrom`), this timeout shows the replies out of
    /// step: the connection is closed and made afresh.
    private func expireReply(id: UInt64, what: String, after timeout: Duration) {
        guard replies.contains(where: { $0.id == id && $0.waiter != nil }) else { return }
        giveUpReply(id: id, with: .timedOut(what: what, after: timeout))
        guard let generation = link?.generation else { return }
        if let suspect = suspectFrom, id >= suspect {
            // Its reply was likely taken for the late one of the command before: out of step.
            suspectFrom = nil
            connectionEnded(generation: generation, reason: .noReply(what: what, after: timeout))
        }
    }

    /// Gives up waiting for reply `id`, leaving its place in the FIFO so its reply, if it comes,
    /// is dropped instead of being taken for the next command's.
    private func giveUpReply(id: UInt64, with error: EventSocketError) {
        guard let index = replies.firstIndex(where: { $0.id == id }), let waiter = replies[index].waiter
        else {
            return
        }
        replies[index].waiter = nil
        replies[index].givenUp = true
        waiter.fail(error)
    }

    /// Waits at most `timeout` for the BACKGROUND_JOB of `jobUUID`.
    private func awaitJob(_ jobUUID: String, what: String, timeout: Duration) async throws(EventSocketError)
        -> ESLEvent
    {
        switch jobs[jobUUID] {
        case .finished(let event):
            jobs[jobUUID] = nil
            return event
        case .failed(let error):
            jobs[jobUUID] = nil
            throw error
        case .registered:
            break
        case .waiting, nil:
            // Not reachable: bgapi registers the job and is its only waiter.
            throw .notConnected
        }
        nextID += 1
        let id = nextID
        let timer = Task { [clock] in
            do { try await clock.sleep(for: timeout) } catch { return }
            self.expireJob(jobUUID, id: id, what: what, after: timeout)
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation {
                    (waiter: CheckedContinuation<ESLEvent, any Error>) in
                    jobs[jobUUID] = .waiting(id: id, waiter)
                }
            } onCancel: {
                Task { await self.giveUpJob(jobUUID, id: id, with: .cancelled) }
            }
        } catch {
            throw Self.typed(error)
        }
    }

    private func expireJob(_ jobUUID: String, id: UInt64, what: String, after timeout: Duration) {
        giveUpJob(jobUUID, id: id, with: .timedOut(what: "BACKGROUND_JOB of \(what)", after: timeout))
    }

    /// Stops waiting for the BACKGROUND_JOB of `jobUUID` (if it comes later it is only passed up).
    private func giveUpJob(_ jobUUID: String, id: UInt64, with error: EventSocketError) {
        guard case .waiting(let waitingID, let waiter) = jobs[jobUUID], waitingID == id else { return }
        jobs[jobUUID] = nil
        waiter.resume(throwing: error)
    }

    // MARK: - Helpers

    private static func typed(_ error: any Error) -> EventSocketError {
        (error as? EventSocketError) ?? .connectionLost(.ioError(String(describing: error)))
    }

    /// The command's verb, for errors and logs (never its arguments: `auth` carries the password).
    private static func verb(of command: ESLCommand) -> String {
        switch command {
        case .auth: return "auth"
        case .event: return "event"
        case .nixevent: return "nixevent"
        case .noevents: return "noevents"
        case .api(let command, _): return "api \(command)"
        case .bgapi(let command, _, _): return "bgapi \(command)"
        case .sendmsg: return "sendmsg"
        case .filter, .filterDelete: return "filter"
        case .linger: return "linger"
        case .nolinger: return "nolinger"
        case .exit: return "exit"
        }
    }

    /// A function returning the time elapsed on `clock` since now.
    private static func stopwatch<C: Clock>(_ clock: C) -> @Sendable () -> Duration
    where C.Duration == Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}

// MARK: - Commands whose replies are awaited apart

/// Who waits for a reply: a caller suspended in `exchange`, or a `SubmittedCommand`.
enum ReplyWaiter {
    case continuation(CheckedContinuation<ESLMessage, any Error>)
    case box(SubmittedCommand.Box)

    func deliver(_ message: ESLMessage) {
        switch self {
        case .continuation(let waiter): waiter.resume(returning: message)
        case .box(let box): box.settle(.success(message))
        }
    }

    func fail(_ error: EventSocketError) {
        switch self {
        case .continuation(let waiter): waiter.resume(throwing: error)
        case .box(let box): box.settle(.failure(error))
        }
    }
}

/// A command `EventSocketClient.submit` wrote; its reply comes later.
public struct SubmittedCommand: Sendable {
    /// Where the reply lands: settled once, by the reply, a timeout or the connection's end.
    final class Box: Sendable {
        private enum State {
            case pending(waiters: [CheckedContinuation<ESLMessage, any Error>], onSettled: [@Sendable () -> Void])
            case settled(Result<ESLMessage, EventSocketError>)
        }
        private let state = Mutex(State.pending(waiters: [], onSettled: []))

        func settle(_ result: Result<ESLMessage, EventSocketError>) {
            let (waiters, actions) = state.withLock { state -> ([CheckedContinuation<ESLMessage, any Error>], [@Sendable () -> Void]) in
                guard case .pending(let waiters, let actions) = state else { return ([], []) }
                state = .settled(result)
                return (waiters, actions)
            }
            for action in actions { action() }
            for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
        }

        func onSettled(_ action: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                guard case .pending(let waiters, var actions) = state else { return true }
                actions.append(action)
                state = .pending(waiters: waiters, onSettled: actions)
                return false
            }
            if now { action() }
        }

        func value() async throws(EventSocketError) -> ESLMessage {
            do {
                return try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<ESLMessage, any Error>) in
                    let result = state.withLock { state -> Result<ESLMessage, EventSocketError>? in
                        switch state {
                        case .settled(let result): return result
                        case .pending(var waiters, let actions):
                            waiters.append(waiter)
                            state = .pending(waiters: waiters, onSettled: actions)
                            return nil
                        }
                    }
                    if let result { waiter.resume(with: result.mapError { $0 as any Error }) }
                }
            } catch let error as EventSocketError {
                throw error
            } catch {
                throw .cancelled
            }
        }
    }

    let box: Box
    let what: String

    /// The command's reply (`command/reply` text, or an `api` command's output).
    /// - Throws: `EventSocketError`: `timedOut` (it may have reached FreeSWITCH),
    ///   `connectionLost`.
    public func reply() async throws(EventSocketError) -> ESLReply {
        switch try await box.value() {
        case .commandReply(let reply), .apiResponse(let reply): return reply
        default: throw .unexpectedReply(what: what, contentType: "message")
        }
    }
}

