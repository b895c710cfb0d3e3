import ArgumentParser
import CallCenter
import DialingPolicies
import EventSocketClient
import Foundation
import Live
import LiveRunner
import Simulation

/// `simcc live`: runs a task of the store against FreeSWITCH with the dialer a planner tuned.
struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Dial a task of the store through FreeSWITCH with a campaign file's tuned dialer.",
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

            Ctrl-C (SIGINT) or SIGTERM stops cleanly: records flushed, calls in flight left for the \
            next run to take over.
            """
    )

    @Option(help: "The SQLite store holding the task.")
    var db: String = "simcc.sqlite"

    @Option(help: "The task's batch id (as imported with `simcc import`).")
    var batch: String

    @Option(help: ArgumentHelp("The campaign scenario file whose variant gives the dialer.", valueName: "scenario.yaml"))
    var policy: String

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
        if agent.isEmpty { throw ValidationError("give the agent roster: --agent NAME[:EXTEN], once per agent") }
        if !["idle", "paused", "logged-out"].contains(agentsStartAs) {
            throw ValidationError("--agents-start-as must be idle, paused or logged-out, not \(agentsStartAs)")
        }
        if !(1...65535).contains(eslPort) { throw ValidationError("--esl-port must be between 1 and 65535") }
        if !(0...65535).contains(httpPort) { throw ValidationError("--http-port must be between 0 and 65535") }
    }

    func run() async throws {
        let dialerPolicy = try loadPolicy()
        let live = try liveConfiguration()
        let password: LiveSecret
        do {
            password = try LiveSecret.read(
                file: eslPasswordFile, variable: "SIMCC_ESL_PASSWORD", what: "the ESL password (--esl-password-file)")
        } catch {
            throw CLIError("\(error)")
        }
        var options = LiveRunnerOptions(
            storePath: db, batchID: batch, live: live,
            eventSocket: EventSocketConfiguration(host: eslHost, port: eslPort, password: ESLPassword(password.value)))
        if !noHttp {
            let token: LiveSecret
            do {
                token = try LiveSecret.read(
                    file: httpTokenFile, variable: "SIMCC_HTTP_TOKEN", what: "the HTTP token (--http-token-file)")
            } catch {
                throw CLIError("\(error) (or run with --no-http)")
            }
            options.http = LiveRunnerOptions.HTTP(host: httpHost, port: httpPort, token: token)
        }
        switch agentsStartAs {
        case "paused": options.initialAgentState = .paused(since: 0)
        case "logged-out": options.initialAgentState = .loggedOut
        default: options.initialAgentState = .idle
        }
        switch dialerPolicy {
        case .patent(let c): try await Self.run(PatentDispatcher(c), options)
        case .progressive(let c): try await Self.run(ProgressiveDialer(c), options)
        case .power(let c): try await Self.run(PowerDialer(c), options)
        case .adaptive(let c): try await Self.run(AdaptiveDialer(c), options)
        }
    }

    /// Runs `dialer` until the task completes or a signal stops it; prints the summary.
    static func run<D: Dialer & Sendable>(_ dialer: D, _ options: LiveRunnerOptions) async throws {
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data("simcc live: \(line)\n".utf8))
        }
        let runner: LiveDialerRunner<D>
        do {
            runner = try LiveDialerRunner(dialer: dialer, options: options, log: log)
        } catch {
            throw CLIError("\(error)")
        }
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler {
                log("stopping on signal \(signalNumber)")
                Task { await runner.stop() }
            }
            source.resume()
            sources.append(source)
        }
        defer { for source in sources { source.cancel() } }
        do {
            try await runner.start()
        } catch {
            throw CLIError("\(error)")
        }
        if let port = await runner.httpPort {
            log("HTTP interface on \(options.http?.host ?? "127.0.0.1"):\(port)")
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
        print("batch \(options.batchID) \(summary.state): \(closed)/\(summary.snapshot.contracts.count) contracts closed, \(summary.originates) originates; outcomes: \(outcomes.isEmpty ? "none" : outcomes.joined(separator: " "))")
    }

    /// The dialer of the chosen variant of the campaign file.
    func loadPolicy() throws -> DialerPolicy {
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
    func liveConfiguration() throws -> LiveConfiguration {
        var live = LiveConfiguration()
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
