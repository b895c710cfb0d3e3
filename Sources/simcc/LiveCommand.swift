import ArgumentParser
import CallCenter
import CenterPolicies
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import LiveSetup
import RoutingPolicies
import Scenarios

/// `simcc live`: runs a task of the store against FreeSWITCH with the dialer a planner tuned.
struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract:
            "Dial a task of the store through FreeSWITCH with a campaign file's tuned dialer, and/or route parked inbound calls with the CN107682576B cascade.",
        discussion: """
            Runs batch --batch of the store --db against FreeSWITCH's event socket, with the dialer of \
            one variant of a campaign scenario file (--policy, --variant: the same file and knobs a \
            planner tuned with `simcc run`). It dials with `bgapi originate` through --gateway, follows \
            channel events and mod_callcenter's agent events (callcenter::info), writes every call \
            down before dialling it and its record when it ends, and stops when every contract is \
            closed (the snapshot is then saved in the store). Killed and restarted, it resumes the \
            task: calls still in flight are taken over, those FreeSWITCH no longer has end as CRASH.

            Secrets never go on the command line: the ESL password is read from --esl-password-file \
            or the environment variable SIMCC_ESL_PASSWORD; the HTTP token from --http-token-file or \
            SIMCC_HTTP_TOKEN. Neither is ever printed.

            HTTP interface, for the dialer, the router or both (loopback by default; every request \
            needs `Authorization: Bearer <token>`): GET /agents, POST /agents/NAME/ready, GET /metrics \
            (Prometheus); with the dialer GET /status, GET /task, POST /pause, POST /resume; with the \
            router GET /router/status, GET /callbacks, GET /callbacks/ID, POST /callbacks/ID/done, \
            POST /callbacks/ID/attempt. --http-port 0 picks a free port (printed on standard error); \
            --no-http runs without it.

            Agents: --agent NAME[:EXTEN] once per agent, in the order of the policy's agent indexes \
            (NAME is the mod_callcenter agent, EXTEN the extension CHANNEL_BRIDGE shows; EXTEN \
            defaults to NAME). At start they are as mod_callcenter lists them (callcenter_config \
            agent list); without mod_callcenter, --agents-start-as idle, paused or logged-out says \
            what to take them to be until its events say otherwise.

            Inbound router: --inbound-db ROUTING.sqlite --roster ROSTER.csv routes the inbound calls \
            the dialplan parks (CHANNEL_PARK of an inbound leg) with the CN107682576B cascade: a \
            known number goes to its customer's first agent, backup, team or leader (uuid_transfer \
            to the agent's extension, --transfer-context); an unknown one is asked for an ID number \
            (play_and_get_digits), bound to the customer it names, or served by a random idle \
            agent; with nobody idle the caller hears the callback menu and a callback task is \
            created. Customers come from the store (`simcc import --customers FILE --db \
            ROUTING.sqlite`; created when missing); bindings, new customers, callback tasks and a \
            record per inbound call are written back, so a number bound live is recognised after \
            a restart. The roster CSV has the header `name,exten,team,backup,leader,business_types` \
            (one agent a line, agent index = row order; backup names another agent; leader yes/no; \
            business types separated by `;`, key 1 of the callback menu is the first to appear).

            Either or both: --batch with --policy runs the dialer, --inbound-db with --roster the \
            router; both together share the agents (the roster's, when no --agent is given) and \
            the run ends on a signal. The HTTP interface serves the routes of whichever runs.

            Configuration file: --config live.yaml gives any of these settings in one YAML file \
            (sections event_socket, http, dialer, router and the key agents_start_as; see \
            scenarios/live/live.example.yaml). Precedence: a flag given on the command line \
            overrides the file, the file overrides the defaults (--agent replaces the file's \
            dialer.agents). Relative paths in the file are relative to the file's folder. Secrets \
            never go in the file: it names password_file and token_file, and a key such as password \
            or token is refused. A mistake in the file is reported with its file, line and field \
            before anything connects. --check loads and checks everything (the file, the policy and \
            its variant, the roster, the agents), prints the effective configuration with each \
            value's source and no secrets, warns about unreadable secret files, and exits without \
            connecting.

            Ctrl-C (SIGINT) or SIGTERM stops cleanly: records flushed, calls in flight left for the \
            next run to take over.
            """
    )

    @Option(
        help: ArgumentHelp(
            "A live configuration file (YAML) with any of the settings below; flags given override it.",
            valueName: "live.yaml"))
    var config: String?

    @Flag(help: "Load and check everything (file, policy, roster, agents), print the effective configuration without secrets, and exit without connecting.")
    var check = false

    @Option(help: "The SQLite store holding the task (default: simcc.sqlite).")
    var db: String?

    @Option(help: "The task's batch id (as imported with `simcc import`); with --policy, runs the dialer.")
    var batch: String?

    @Option(help: ArgumentHelp("The campaign scenario file whose variant gives the dialer.", valueName: "scenario.yaml"))
    var policy: String?

    @Option(help: ArgumentHelp("The routing store (customers, bindings, callback tasks, inbound calls); runs the inbound router.", valueName: "ROUTING.sqlite"))
    var inboundDb: String?

    @Option(help: ArgumentHelp("The router's roster CSV: name,exten,team,backup,leader,business_types.", valueName: "ROSTER.csv"))
    var roster: String?

    @Option(help: "The dialplan context inbound calls are transferred to (with the XML dialplan; default: default).")
    var transferContext: String?

    @Option(help: "The seed of the router's random choice of an agent for unknown callers (default: 1, or the --router-policy variant's).")
    var routerSeed: UInt64?

    @Option(
        help: ArgumentHelp(
            "Send step 06's reminders to the agent's phone as a SIP MESSAGE from this address (FreeSWITCH's chat; with --reminder-chat-domain).",
            valueName: "user@host"))
    var reminderChatFrom: String?

    @Option(help: ArgumentHelp("The agents' SIP domain for the reminders (to <exten>@<domain>).", valueName: "domain"))
    var reminderChatDomain: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Agents work their callback tasks between inbound calls: an owner left idle is asked to dial a due task (GET /agents shows it) and the agent desk reports the attempt (POST /callbacks/{id}/attempt); the retry delay is --router-policy's callbacks.retry (default: off).")
    var agentsDialCallbacks: Bool?

    @Option(help: ArgumentHelp("The routing study whose cascade variant gives the router's knobs (default: the cascade's defaults).", valueName: "study.yaml"))
    var routerPolicy: String?

    @Option(help: "The variant of --router-policy to run (needed when the file has several cascade variants).")
    var routerVariant: String?

    @Option(help: "The variant of --policy to run (needed when the file has several).")
    var variant: String?

    @Option(help: "FreeSWITCH's event-socket host (default: 127.0.0.1).")
    var eslHost: String?

    @Option(help: "FreeSWITCH's event-socket port (default: 8021).")
    var eslPort: Int?

    @Option(help: "The longest wait, in seconds, between two attempts to reconnect to the event socket (1...3600; default: 30).")
    var eslReconnectMax: Int?

    @Option(help: "Seconds the run may stay unhealthy (FreeSWITCH unreachable, or its channels unreadable) before it exits with status 69 so that the service manager starts it again (30...86400; default: 600).")
    var watchdog: Int?

    @Option(help: ArgumentHelp("A file whose first line is the ESL password (else $SIMCC_ESL_PASSWORD).", valueName: "file"))
    var eslPasswordFile: String?

    @Option(help: "The HTTP interface's port (0: any free port; default: 8089).")
    var httpPort: Int?

    @Option(help: "The HTTP interface's address (default: 127.0.0.1, loopback).")
    var httpHost: String?

    @Option(help: ArgumentHelp("A file whose first line is the HTTP bearer token (else $SIMCC_HTTP_TOKEN).", valueName: "file"))
    var httpTokenFile: String?

    @Flag(inversion: .prefixedNo, help: "Run with or without the HTTP interface (default: with).")
    var http: Bool?

    @Option(help: "The SIP gateway the dial string names (default: carrier).")
    var gateway: String?

    @Option(help: ArgumentHelp("The dial string, with {number} and optionally {gateway} (default: sofia/gateway/{gateway}/{number}).", valueName: "template"))
    var dialString: String?

    @Option(help: "The caller id number shown to the called party.")
    var callerIdNumber: String?

    @Option(help: "Seconds an originate may ring (default: 30).")
    var originateTimeout: Int?

    @Option(help: "Seconds an agent wraps up after a customer simcc placed with them (&park()), before the next (0...3600; default: 0; after a mod_callcenter queue call it is the queue's wrap_up_time).")
    var wrapUp: Int?

    @Option(help: "The folder FreeSWITCH's mod_json_cdr writes its call records into (its log-dir): where simcc reads what became of a call it lost sight of (a reconnect, a restart). Without it such a call's contract is held for review.")
    var cdrDir: String?

    @Option(help: "Seconds to wait for the record of a call that ended out of sight before its fate is taken as unknown (0...3600; default: 60).")
    var cdrWait: Int?

    @Option(
        help: ArgumentHelp(
            "Where an answered call goes: an application `&name(argument)` or `EXTEN DIALPLAN CONTEXT` (default: &park()).",
            valueName: "destination"))
    var answeredDestination: String?

    @Option(
        help: ArgumentHelp(
            "What an answered customer held past the campaign's max_hold hears before the hang-up, with &park() (a sound file; default: the hang-up alone).",
            valueName: "file"))
    var maxHoldMessage: String?

    @Option(
        help: ArgumentHelp(
            "The local time of day (today) the campaign file's time 0 stands for: dial_from and dial_until count from it (default: the start of the run).",
            valueName: "HH:MM"))
    var dayStart: String?

    @Option(help: ArgumentHelp("An agent of the roster, in index order (repeat; replaces the file's dialer.agents).", valueName: "name[:exten]"))
    var agent: [String] = []

    @Option(help: ArgumentHelp("What agents are at start: callcenter (as mod_callcenter lists them), idle, paused or logged-out (default: callcenter).", valueName: "state"))
    var agentsStartAs: String?

    func validate() throws {
        let settings: LiveSettings
        do {
            settings = try self.settings()
        } catch {
            throw Self.operatorMistake(error)
        }
        if let problem = settings.problem() {
            throw Self.operatorMistake(CLIError(settings.file.map { "\($0): \(problem)" } ?? problem))
        }
    }

    /// The settings: the defaults, overridden by the configuration file (if any), overridden by
    /// the flags given.
    /// - Throws: `CLIError` naming the file, line and field of a mistake in the file, or the
    ///   flag of a malformed `--agent`.
    func settings() throws -> LiveSettings {
        var s = LiveSettings()
        if let config {
            do {
                try LiveConfigReader.load(config, into: &s)
            } catch {
                throw CLIError(error.description)
            }
        }
        s.eslHost.override(eslHost)
        s.eslPort.override(eslPort)
        s.eslReconnectMax.override(eslReconnectMax)
        s.watchdog.override(watchdog)
        s.eslPasswordFile.override(eslPasswordFile.map(Optional.some))
        s.http.override(http)
        s.httpHost.override(httpHost)
        s.httpPort.override(httpPort)
        s.httpTokenFile.override(httpTokenFile.map(Optional.some))
        s.agentsStartAs.override(agentsStartAs)
        s.db.override(db)
        s.batch.override(batch.map(Optional.some))
        s.policy.override(policy.map(Optional.some))
        s.variant.override(variant.map(Optional.some))
        s.gateway.override(gateway)
        s.dialString.override(dialString)
        s.callerIdNumber.override(callerIdNumber.map(Optional.some))
        s.originateTimeout.override(originateTimeout)
        s.wrapUp.override(wrapUp)
        s.cdrDir.override(cdrDir)
        s.cdrWait.override(cdrWait)
        s.answeredDestination.override(answeredDestination)
        s.maxHoldMessage.override(maxHoldMessage.map(Optional.some))
        s.dayStart.override(dayStart.map(Optional.some))
        if !agent.isEmpty {
            var agents: [LiveAgentEntry] = []
            for entry in agent {
                guard let parsed = LiveAgentEntry(entry) else { throw CLIError("--agent '\(entry)': write NAME or NAME:EXTEN") }
                agents.append(parsed)
            }
            s.agents.override(agents)
        }
        s.inboundDb.override(inboundDb.map(Optional.some))
        s.roster.override(roster.map(Optional.some))
        s.transferContext.override(transferContext)
        s.routerSeed.override(routerSeed)
        s.reminderChatFrom.override(reminderChatFrom.map(Optional.some))
        s.reminderChatDomain.override(reminderChatDomain.map(Optional.some))
        s.agentsDialCallbacks.override(agentsDialCallbacks)
        s.routerPolicy.override(routerPolicy.map(Optional.some))
        s.routerVariant.override(routerVariant.map(Optional.some))
        return s
    }

    func run() async throws {
        // What the settings name, read and checked: a mistake is the operator's to fix (78).
        let s: LiveSettings
        let campaign: (policy: DialerPolicy, maxHold: Double)?
        let rosterValue: LiveRoster?
        let live: LiveConfiguration
        let routerPolicy: LiveSetup.RouterPolicy?
        do {
            s = try settings()
            campaign = try s.batch.value == nil ? nil : LiveSetup.loadPolicy(s)
            rosterValue = try LiveSetup.loadRoster(s)
            live = try LiveSetup.liveConfiguration(s, roster: rosterValue)
            routerPolicy = try LiveSetup.loadRouterPolicy(s)
        } catch {
            throw Self.operatorMistake(error)
        }
        let dialerPolicy = campaign?.policy
        if check {
            Self.printCheck(s, policy: dialerPolicy, roster: rosterValue, live: live, routerPolicy: routerPolicy)
            return
        }
        let password: LiveSecret
        do {
            password = try LiveSecret.read(
                file: s.eslPasswordFile.value, variable: "SIMCC_ESL_PASSWORD",
                what: "the ESL password (\(s.name(s.eslPasswordFile)))")
        } catch {
            throw Self.operatorMistake(error)
        }
        var socket = EventSocketConfiguration(host: s.eslHost.value, port: s.eslPort.value, password: ESLPassword(password.value))
        socket.reconnect.maximumDelay = .seconds(s.eslReconnectMax.value)
        var http: LiveHTTPOptions?
        if s.http.value {
            let token: LiveSecret
            do {
                token = try LiveSecret.read(
                    file: s.httpTokenFile.value, variable: "SIMCC_HTTP_TOKEN",
                    what: "the HTTP token (\(s.name(s.httpTokenFile)))")
            } catch {
                throw Self.operatorMistake(CLIError("\(error) (or run with --no-http)"))
            }
            http = LiveHTTPOptions(host: s.httpHost.value, port: s.httpPort.value, token: token)
        }
        var routing: LiveRouterOptions?
        if let inboundDb = s.inboundDb.value, let rosterValue {
            var routerOptions = LiveRouterOptions(storePath: inboundDb, roster: rosterValue, live: live, eventSocket: socket)
            routerOptions.watchdog = Double(s.watchdog.value)
            routerOptions.seed = s.routerSeed.value
            routerOptions.agentsDialCallbacks = s.agentsDialCallbacks.value
            if let retry = routerPolicy?.callbackRetry { routerOptions.callbackRetry = retry }
            if let routerPolicy {
                routerOptions.router = routerPolicy.configuration
                // The variant's seed, unless a seed is given.
                if case .byDefault = s.routerSeed.origin { routerOptions.seed = routerPolicy.seed }
            }
            routerOptions.agentsAtStart = LiveSetup.agentsAtStart(s)
            routing = routerOptions
        }
        // One center: the dialer, the router, or both sharing the agents.
        let center: LiveCenter
        do {
            if let dialerPolicy, let batch = s.batch.value {
                var options = LiveRunnerOptions(storePath: s.db.value, batchID: batch, live: live, eventSocket: socket)
                options.agentsAtStart = LiveSetup.agentsAtStart(s)
                // The campaign's max_hold: with &park(), simcc lets an answered customer go after it.
                options.maxHold = campaign?.maxHold ?? options.maxHold
                options.wrapUp = Double(s.wrapUp.value)
                options.cdrDirectory = s.cdrDir.value.map(CDRDirectory.init(path:))
                options.cdrWait = Double(s.cdrWait.value)
                options.watchdog = Double(s.watchdog.value)
                // Checked by `validate()` (`LiveSettings.problem()`).
                if let minutes = s.dayStart.value.flatMap(LiveDayStart.minutes) {
                    options.dayStart = LiveDayStart.today(at: minutes)
                }
                if routing != nil, let rule = routerPolicy?.blend {
                    options.blend = rule
                    Self.log("blending as the routing study says: \(rule.inboundReserve) idle agent(s) kept for inbound callers\(rule.maxOutboundAgents.map { ", at most \($0) on the campaign" } ?? "")")
                }
                switch dialerPolicy {
                case .patent(let c): center = try LiveCenter(dialer: PatentDispatcher(c), options: options, routing: routing, log: Self.log)
                case .progressive(let c): center = try LiveCenter(dialer: ProgressiveDialer(c), options: options, routing: routing, log: Self.log)
                case .power(let c): center = try LiveCenter(dialer: PowerDialer(c), options: options, routing: routing, log: Self.log)
                case .adaptive(let c): center = try LiveCenter(dialer: AdaptiveDialer(c), options: options, routing: routing, log: Self.log)
                }
            } else if let routing {
                center = try LiveCenter(routing: routing, log: Self.log)
            } else {
                return
            }
        } catch {
            throw Self.failure(error)
        }
        try await Self.run(center, http: http)
    }

    /// Where the run's messages go: standard error.
    static let log: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data("simcc live: \(line)\n".utf8))
    }

    /// Stops `stop` on SIGINT and SIGTERM; cancel the sources returned to stop listening.
    static func onSignals(_ stop: @escaping @Sendable () async -> Void) -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler {
                log("stopping on signal \(signalNumber)")
                Task { await stop() }
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }

    /// The error to end with: exit status 78 (EX_CONFIG) for what only the operator can fix (a
    /// wrong password, an ACL refusal, a missing store or batch, no mod_callcenter to ask; a
    /// service manager should not restart then: `RestartPreventExitStatus=78`), 75
    /// (EX_TEMPFAIL) for what a retry can fix (FreeSWITCH not there, slow, the batch dialled by
    /// another run).
    static func failure(_ error: any Error) -> any Error {
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        guard let live = error as? LiveRunnerError else { return ExitCode(75) }
        if let status = live.exitStatus { return ExitCode(status) }
        return ExitCode(live.isConfiguration ? 78 : 75)
    }

    /// A mistake in the settings, the files they name or the secrets: 78 (`EX_CONFIG`), which
    /// the service manager does not restart on.
    static func operatorMistake(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        return ExitCode(78)
    }

    /// Starts the HTTP interface serving `parts` (nil options: none).
    static func startHTTP(_ options: LiveHTTPOptions?, serving parts: [any LiveHTTPRoutes]) async throws -> LiveHTTPServer? {
        guard let options else { return nil }
        do {
            let server = try await LiveHTTPServer.start(options, serving: parts)
            log("HTTP interface on \(options.host):\(server.port)")
            return server
        } catch {
            throw Self.failure(error)
        }
    }

    /// Runs `center` until its campaign completes (when it routes no inbound calls) or a signal
    /// stops it; prints the summary.
    static func run(_ center: LiveCenter, http: LiveHTTPOptions?) async throws {
        let server = try await startHTTP(http, serving: [center])
        let sources = onSignals { await center.stop() }
        defer { for source in sources { source.cancel() } }
        let summary: LiveCenterSummary
        do {
            try await center.start()
            if let routing = center.routing {
                log("routing inbound calls parked by the dialplan (\(routing.roster.agents.count) agents)")
            }
            summary = try await center.waitUntilFinished()
        } catch {
            await server?.stop()
            throw Self.failure(error)
        }
        await server?.stop()
        if let snapshot = summary.snapshot, let campaign = center.campaign {
            let closed = snapshot.contracts.filter(\.state.isClosed).count
            let outcomes = snapshot.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            print("batch \(campaign.batchID) \(summary.state): \(closed)/\(snapshot.contracts.count) contracts closed, \(summary.originates) originates; outcomes: \(outcomes.isEmpty ? "none" : outcomes.joined(separator: " "))")
        }
        if center.routing != nil {
            print("inbound router \(summary.state): \(summary.callsRecorded) inbound calls recorded")
        }
    }
}

extension LiveCommand {
    // MARK: --check

    /// Prints the effective configuration (a valid configuration file, each value's source in a
    /// comment; secret files named, never read out) and, on standard error, warnings about what
    /// only the run itself would refuse: a secret that cannot be read, a missing dialer store.
    static func printCheck(
        _ s: LiveSettings, policy: DialerPolicy?, roster: LiveRoster?, live: LiveConfiguration, routerPolicy: LiveSetup.RouterPolicy? = nil
    ) {
        var lines = ["# simcc live: the effective configuration (flags over \(s.file ?? "no file") over defaults; no secrets)"]
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func line<V>(_ indent: String, _ name: String, _ setting: LiveSetting<V>, _ value: String?) {
            guard let value else { return }
            lines.append("\(indent)\(name): \(value)  # \(setting.source)")
        }
        lines.append("event_socket:")
        line("  ", "host", s.eslHost, quoted(s.eslHost.value))
        line("  ", "port", s.eslPort, String(s.eslPort.value))
        line("  ", "reconnect_max", s.eslReconnectMax, String(s.eslReconnectMax.value))
        line("  ", "watchdog", s.watchdog, String(s.watchdog.value))
        line("  ", "password_file", s.eslPasswordFile, s.eslPasswordFile.value.map(quoted))
        lines.append("http:")
        line("  ", "enabled", s.http, String(s.http.value))
        line("  ", "host", s.httpHost, quoted(s.httpHost.value))
        line("  ", "port", s.httpPort, String(s.httpPort.value))
        line("  ", "token_file", s.httpTokenFile, s.httpTokenFile.value.map(quoted))
        line("", "agents_start_as", s.agentsStartAs, s.agentsStartAs.value)
        if s.batch.value != nil {
            lines.append("dialer:")
            line("  ", "db", s.db, quoted(s.db.value))
            line("  ", "batch", s.batch, s.batch.value.map(quoted))
            line("  ", "policy", s.policy, s.policy.value.map(quoted))
            line("  ", "variant", s.variant, s.variant.value.map(quoted))
            line("  ", "gateway", s.gateway, quoted(s.gateway.value))
            line("  ", "dial_string", s.dialString, quoted(s.dialString.value))
            line("  ", "caller_id_number", s.callerIdNumber, s.callerIdNumber.value.map(quoted))
            line("  ", "originate_timeout", s.originateTimeout, String(s.originateTimeout.value))
            line("  ", "wrap_up", s.wrapUp, String(s.wrapUp.value))
            line("  ", "cdr_dir", s.cdrDir, s.cdrDir.value.map(quoted))
            line("  ", "cdr_wait", s.cdrWait, String(s.cdrWait.value))
            line("  ", "answered_destination", s.answeredDestination, quoted(s.answeredDestination.value))
            line("  ", "max_hold_message", s.maxHoldMessage, s.maxHoldMessage.value.map(quoted))
            line("  ", "day_start", s.dayStart, s.dayStart.value.map(quoted))
            if !s.agents.value.isEmpty {
                lines.append("  agents:  # \(s.agents.source)")
                for agent in s.agents.value {
                    lines.append("    - {name: \(quoted(agent.name)), exten: \(quoted(agent.exten))}")
                }
            }
        }
        if s.inboundDb.value != nil {
            lines.append("router:")
            line("  ", "db", s.inboundDb, s.inboundDb.value.map(quoted))
            line("  ", "roster", s.roster, s.roster.value.map(quoted))
            line("  ", "transfer_context", s.transferContext, quoted(s.transferContext.value))
            line("  ", "policy", s.routerPolicy, s.routerPolicy.value.map(quoted))
            line("  ", "variant", s.routerVariant, s.routerVariant.value.map(quoted))
            line("  ", "seed", s.routerSeed, String(s.routerSeed.value))
            line("  ", "reminder_chat_from", s.reminderChatFrom, s.reminderChatFrom.value.map(quoted))
            line("  ", "reminder_chat_domain", s.reminderChatDomain, s.reminderChatDomain.value.map(quoted))
            line("  ", "agents_dial_callbacks", s.agentsDialCallbacks, String(s.agentsDialCallbacks.value))
        }
        var summary: [String] = []
        if let batch = s.batch.value, let policy {
            summary.append("dialer: batch \(batch), variant \(s.variant.value ?? "(the only one)") (\(policy.kind)), \(live.agents.count) agents")
        }
        if let roster { summary.append("router: \(roster.agents.count) agents") }
        if policy != nil, roster != nil, let rule = routerPolicy?.blend {
            summary.append("blend: \(rule.inboundReserve) idle agent(s) kept for inbound" + (rule.maxOutboundAgents.map { ", at most \($0) on the campaign" } ?? ""))
        }
        lines.append("# ok: \(summary.joined(separator: "; ")); nothing was connected")
        print(lines.joined(separator: "\n"))

        var warnings: [String] = []
        func secret(_ setting: LiveSetting<String?>, variable: String) {
            if let file = setting.value {
                if !FileManager.default.isReadableFile(atPath: file) {
                    warnings.append("\(s.name(setting)) \(file) cannot be read (here, by this user)")
                }
            } else if ProcessInfo.processInfo.environment[variable] == nil {
                warnings.append("no \(s.name(setting)) and $\(variable) is not set")
            }
        }
        secret(s.eslPasswordFile, variable: "SIMCC_ESL_PASSWORD")
        // The HTTP interface runs with the dialer, the router or both: it needs its token either way.
        if s.http.value { secret(s.httpTokenFile, variable: "SIMCC_HTTP_TOKEN") }
        if s.http.value && !["127.0.0.1", "::1", "localhost"].contains(s.httpHost.value) {
            warnings.append("\(s.name(s.httpHost)) \(s.httpHost.value) is not loopback: the control interface (pause, resume, the agent desk) is reachable from the network, guarded by its token only")
        }
        if s.batch.value != nil && !FileManager.default.fileExists(atPath: s.db.value) {
            warnings.append("\(s.name(s.db)) \(s.db.value) does not exist (import the task with `simcc import` first)")
        }
        if s.batch.value != nil {
            var isDirectory: ObjCBool = false
            if let folder = s.cdrDir.value {
                if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue
                    || !FileManager.default.isReadableFile(atPath: folder)
                {
                    warnings.append("\(s.name(s.cdrDir)) \(folder) is not a folder this user can read (mod_json_cdr's log-dir)")
                }
            } else {
                warnings.append("no \(s.name(s.cdrDir)): a call that ends while simcc cannot see FreeSWITCH's events (a reconnect, a restart) has no record to read, and its contract is held for review (docs/live.md)")
            }
        }
        for warning in warnings { log("warning: \(warning)") }
    }
}
