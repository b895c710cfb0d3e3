import ArgumentParser
import CallCenter
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import RoutingPolicies
import Simulation

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

            HTTP interface (loopback by default; every request needs `Authorization: Bearer <token>`): \
            GET /status, GET /task, GET /agents, POST /pause, POST /resume. --http-port 0 picks a \
            free port (printed on standard error); --no-http runs without it.

            Agents: --agent NAME[:EXTEN] once per agent, in the order of the policy's agent indexes \
            (NAME is the mod_callcenter agent, EXTEN the extension CHANNEL_BRIDGE shows; EXTEN \
            defaults to NAME). They are taken to be idle until mod_callcenter says otherwise \
            (--agents-start-as).

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
            the run ends on a signal. The HTTP interface serves the dialer only.

            Ctrl-C (SIGINT) or SIGTERM stops cleanly: records flushed, calls in flight left for the \
            next run to take over.
            """
    )

    @Option(help: "The SQLite store holding the task.")
    var db: String = "simcc.sqlite"

    @Option(help: "The task's batch id (as imported with `simcc import`); with --policy, runs the dialer.")
    var batch: String?

    @Option(help: ArgumentHelp("The campaign scenario file whose variant gives the dialer.", valueName: "scenario.yaml"))
    var policy: String?

    @Option(help: ArgumentHelp("The routing store (customers, bindings, callback tasks, inbound calls); runs the inbound router.", valueName: "ROUTING.sqlite"))
    var inboundDb: String?

    @Option(help: ArgumentHelp("The router's roster CSV: name,exten,team,backup,leader,business_types.", valueName: "ROSTER.csv"))
    var roster: String?

    @Option(help: "The dialplan context inbound calls are transferred to (with the XML dialplan).")
    var transferContext: String = "default"

    @Option(help: "The seed of the router's random choice of an agent for unknown callers.")
    var routerSeed: UInt64 = 1

    @Option(help: "The variant of --policy to run (needed when the file has several).")
    var variant: String?

    @Option(help: "FreeSWITCH's event-socket host.")
    var eslHost: String = "127.0.0.1"

    @Option(help: "FreeSWITCH's event-socket port.")
    var eslPort: Int = 8021

    @Option(help: ArgumentHelp("A file whose first line is the ESL password (else $SIMCC_ESL_PASSWORD).", valueName: "file"))
    var eslPasswordFile: String?

    @Option(help: "The HTTP interface's port (0: any free port).")
    var httpPort: Int = 8089

    @Option(help: "The HTTP interface's address (loopback by default).")
    var httpHost: String = "127.0.0.1"

    @Option(help: ArgumentHelp("A file whose first line is the HTTP bearer token (else $SIMCC_HTTP_TOKEN).", valueName: "file"))
    var httpTokenFile: String?

    @Flag(help: "Run without the HTTP interface.")
    var noHttp = false

    @Option(help: "The SIP gateway the dial string names.")
    var gateway: String = "carrier"

    @Option(help: ArgumentHelp("The dial string, with {number} and optionally {gateway}.", valueName: "template"))
    var dialString: String = "sofia/gateway/{gateway}/{number}"

    @Option(help: "The caller id number shown to the called party.")
    var callerIdNumber: String?

    @Option(help: "Seconds an originate may ring.")
    var originateTimeout: Int = 30

    @Option(
        help: ArgumentHelp(
            "Where an answered call goes: an application `&name(argument)` or `EXTEN DIALPLAN CONTEXT`.",
            valueName: "destination"))
    var answeredDestination: String = "&park()"

    @Option(help: ArgumentHelp("An agent of the roster, in index order (repeat).", valueName: "name[:exten]"))
    var agent: [String] = []

    @Option(help: ArgumentHelp("What agents are taken to be at start: idle, paused or logged-out.", valueName: "state"))
    var agentsStartAs: String = "idle"

    func validate() throws {
        if (batch == nil) != (policy == nil) { throw ValidationError("the dialer needs both --batch and --policy") }
        if (inboundDb == nil) != (roster == nil) { throw ValidationError("the inbound router needs both --inbound-db and --roster") }
        if batch == nil && inboundDb == nil {
            throw ValidationError("give a task to dial (--batch ID --policy FILE), an inbound router (--inbound-db FILE --roster FILE), or both")
        }
        if batch != nil && agent.isEmpty && roster == nil {
            throw ValidationError("give the agent roster: --agent NAME[:EXTEN], once per agent (or --roster FILE)")
        }
        if roster != nil && !agent.isEmpty {
            throw ValidationError("give the agents either with --agent or with --roster, not both")
        }
        if !["idle", "paused", "logged-out"].contains(agentsStartAs) {
            throw ValidationError("--agents-start-as must be idle, paused or logged-out, not \(agentsStartAs)")
        }
        if !(1...65535).contains(eslPort) { throw ValidationError("--esl-port must be between 1 and 65535") }
        if !(0...65535).contains(httpPort) { throw ValidationError("--http-port must be between 0 and 65535") }
    }

    func run() async throws {
        let dialerPolicy = try batch == nil ? nil : loadPolicy()
        let rosterValue = try loadRoster()
        let live = try liveConfiguration(roster: rosterValue)
        let password: LiveSecret
        do {
            password = try LiveSecret.read(
                file: eslPasswordFile, variable: "SIMCC_ESL_PASSWORD", what: "the ESL password (--esl-password-file)")
        } catch {
            throw CLIError("\(error)")
        }
        let socket = EventSocketConfiguration(host: eslHost, port: eslPort, password: ESLPassword(password.value))
        // One connection for the dialer and the router: one agent book, one login.
        let session = LiveSession(configuration: socket, log: Self.log)
        var http: LiveHTTPOptions?
        if !noHttp {
            let token: LiveSecret
            do {
                token = try LiveSecret.read(
                    file: httpTokenFile, variable: "SIMCC_HTTP_TOKEN", what: "the HTTP token (--http-token-file)")
            } catch {
                throw CLIError("\(error) (or run with --no-http)")
            }
            http = LiveHTTPOptions(host: httpHost, port: httpPort, token: token)
        }
        var router: LiveRouterRunner?
        if let inboundDb, let rosterValue {
            var routerOptions = LiveRouterOptions(storePath: inboundDb, roster: rosterValue, live: live, eventSocket: socket)
            routerOptions.seed = routerSeed
            routerOptions.agentsStartIdle = agentsStartAs == "idle"
            do {
                router = try LiveRouterRunner(options: routerOptions, session: session, log: Self.log)
            } catch {
                throw CLIError("\(error)")
            }
        }
        guard let dialerPolicy, let batch else {
            guard let router else { return }
            try await Self.routeOnly(router, http: http)
            return
        }
        var options = LiveRunnerOptions(storePath: db, batchID: batch, live: live, eventSocket: socket)
        switch agentsStartAs {
        case "paused": options.initialAgentState = .paused(since: 0)
        case "logged-out": options.initialAgentState = .loggedOut
        default: options.initialAgentState = .idle
        }
        switch dialerPolicy {
        case .patent(let c): try await Self.run(PatentDispatcher(c), options, session: session, router: router, http: http)
        case .progressive(let c): try await Self.run(ProgressiveDialer(c), options, session: session, router: router, http: http)
        case .power(let c): try await Self.run(PowerDialer(c), options, session: session, router: router, http: http)
        case .adaptive(let c): try await Self.run(AdaptiveDialer(c), options, session: session, router: router, http: http)
        }
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

    /// Starts the HTTP interface serving `parts` (nil options: none).
    static func startHTTP(_ options: LiveHTTPOptions?, serving parts: [any LiveHTTPRoutes]) async throws -> LiveHTTPServer? {
        guard let options else { return nil }
        do {
            let server = try await LiveHTTPServer.start(options, serving: parts)
            log("HTTP interface on \(options.host):\(server.port)")
            return server
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Runs the inbound router alone until a signal stops it.
    static func routeOnly(_ router: LiveRouterRunner, http: LiveHTTPOptions?) async throws {
        let server = try await startHTTP(http, serving: [router])
        let sources = onSignals { await router.stop() }
        defer { for source in sources { source.cancel() } }
        do {
            try await router.start()
            log("routing inbound calls parked by the dialplan (\(router.options.roster.agents.count) agents)")
            let summary = try await router.waitUntilFinished()
            await server?.stop()
            print("inbound router \(summary.state): \(summary.callsRecorded) inbound calls recorded")
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Runs `dialer` until the task completes or a signal stops it, and `router` (if any) beside
    /// it until a signal; prints the summaries.
    static func run<D: Dialer & Sendable>(
        _ dialer: D, _ options: LiveRunnerOptions, session: LiveSession, router: LiveRouterRunner?, http: LiveHTTPOptions?
    ) async throws {
        let runner: LiveDialerRunner<D>
        do {
            runner = try LiveDialerRunner(dialer: dialer, options: options, session: session, log: log)
        } catch {
            throw CLIError("\(error)")
        }
        let server = try await startHTTP(http, serving: [runner] + (router.map { [$0] } ?? []))
        let sources = onSignals {
            await runner.stop()
            await router?.stop()
        }
        defer { for source in sources { source.cancel() } }
        do {
            try await router?.start()
            try await runner.start()
        } catch {
            await router?.stop()
            throw CLIError("\(error)")
        }
        log("dialing batch \(options.batchID) with \(dialer.name)")
        let summary: LiveRunSummary
        do {
            summary = try await runner.waitUntilFinished()
        } catch {
            throw CLIError("\(error)")
        }
        let closed = summary.snapshot.contracts.filter { $0.state == .completed || $0.state == .failed }.count
        let outcomes = summary.snapshot.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if router == nil { await server?.stop() }
        print("batch \(options.batchID) \(summary.state): \(closed)/\(summary.snapshot.contracts.count) contracts closed, \(summary.originates) originates; outcomes: \(outcomes.isEmpty ? "none" : outcomes.joined(separator: " "))")
        if let router {
            log("the dialer is done; the inbound router goes on until a signal stops it")
            do {
                let routed = try await router.waitUntilFinished()
                await server?.stop()
                print("inbound router \(routed.state): \(routed.callsRecorded) inbound calls recorded")
            } catch {
                throw CLIError("\(error)")
            }
        }
    }

    /// The router's roster from --roster, if given.
    func loadRoster() throws -> LiveRoster? {
        guard let roster else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: roster, encoding: .utf8)
        } catch {
            throw CLIError("--roster \(roster): cannot read the file")
        }
        do {
            return try LiveRoster.parse(csv: text, file: roster)
        } catch {
            throw CLIError("--roster \(error)")
        }
    }

    /// The dialer of the chosen variant of the campaign file.
    func loadPolicy() throws -> DialerPolicy {
        guard let policy else { throw CLIError("--policy is missing") }
        let file: ScenarioFile
        do {
            file = try ScenarioFile.load(contentsOf: policy)
        } catch {
            throw CLIError("--policy \(policy): \(error)")
        }
        guard case .outbound(let scenario) = file else {
            throw CLIError("--policy \(policy) is not an outbound campaign file (it has no dialer variants)")
        }
        let names = scenario.variants.map(\.name)
        if let variant {
            guard let chosen = scenario.variants.first(where: { $0.name == variant }) else {
                throw CLIError("--variant: \(policy) has no variant '\(variant)'; its variants: \(names.joined(separator: ", "))")
            }
            return chosen.policy
        }
        guard scenario.variants.count == 1, let only = scenario.variants.first else {
            throw CLIError("\(policy) has \(names.count) variants; choose one with --variant (\(names.joined(separator: ", ")))")
        }
        return only.policy
    }

    /// The live configuration from the flags.
    func liveConfiguration(roster: LiveRoster? = nil) throws -> LiveConfiguration {
        var live = LiveConfiguration()
        live.transferContext = transferContext
        if let roster { live.agents = roster.liveAgents }
        live.gateway = gateway
        live.dialStringTemplate = dialString
        live.callerIDNumber = callerIdNumber
        live.originateTimeout = originateTimeout
        let destination = answeredDestination.trimmingCharacters(in: .whitespaces)
        if destination.hasPrefix("&") {
            guard destination.hasSuffix(")"), let open = destination.firstIndex(of: "(") else {
                throw CLIError("--answered-destination \(answeredDestination): an application is written &name(argument)")
            }
            let name = String(destination[destination.index(after: destination.startIndex)..<open])
            let argument = String(destination[destination.index(after: open)..<destination.index(before: destination.endIndex)])
            live.answeredCallDestination = .application(name, argument: argument)
        } else {
            let words = destination.split(separator: " ").map(String.init)
            guard words.count == 3 else {
                throw CLIError("--answered-destination \(answeredDestination): give &name(argument) or EXTEN DIALPLAN CONTEXT")
            }
            live.answeredCallDestination = .dialplan(extension: words[0], dialplan: words[1], context: words[2])
        }
        var names = Set<String>()
        for (index, entry) in agent.enumerated() {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            let name = parts.first ?? ""
            let exten = parts.count > 1 ? parts[1] : name
            guard !name.isEmpty, !exten.isEmpty else {
                throw CLIError("--agent '\(entry)': write NAME or NAME:EXTEN")
            }
            guard names.insert(name).inserted else { throw CLIError("--agent \(name) is given twice") }
            live.agents.append(LiveConfiguration.Agent(id: AgentID(index), name: name, exten: exten))
        }
        do {
            try live.validate()
        } catch {
            throw CLIError("\(Self.flag(for: error.field)): \(error.problem)")
        }
        return live
    }

    /// The flag that sets a live configuration field.
    static func flag(for field: String) -> String {
        switch field {
        case "gateway": return "--gateway"
        case "dial_string_template": return "--dial-string"
        case "caller_id_number": return "--caller-id-number"
        case "originate_timeout": return "--originate-timeout"
        case let f where f.hasPrefix("answered_call_destination"): return "--answered-destination"
        case let f where f.hasPrefix("agents"): return "--agent"
        default: return field
        }
    }
}
