import ArgumentParser
import Foundation
import Simulation

/// `simcc run`: runs a scenario and writes its results.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario, a campaign or a routing study and write its results.",
        discussion: """
            Runs every replication (spread over the cores), prints a short table and writes \
            into the output folder:
              summary.json      each metric's mean and 95% half-width over replications
              intervals.csv     the same per interval (inbound scenarios, routing studies)
              curves.csv        abandonment curves by dialer knob (campaigns)
              replications.csv  each replication's figures (read by `simcc compare`)
              report.html       the report, for a browser
              calls.sqlite      replication 0's call records (campaigns)
              records/          replication 0's records per variant (routing studies)
            Same file, same seed, same build: the same bytes.
            """
    )

    @Argument(help: "The scenario file (YAML).")
    var file: String

    // Unconditional: a negative number is read as the value (and refused by `validate`), not as
    // an unknown option that leaves the value missing.
    @Option(parsing: .unconditional, help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Override the scenario's number of replications.")
    var replications: Int?

    @Option(help: "The folder to write results into (default: out/<scenario file name>).")
    var out: String?

    @Option(parsing: .unconditional, help: "How many threads run replications (default: the number of cores).")
    var threads: Int?

    func validate() throws {
        if let replications, !(1...10_000).contains(replications) {
            throw ValidationError("--replications must be between 1 and 10000, got \(replications)")
        }
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, got \(threads)")
        }
    }

    func run() throws {
        let folder = out ?? "out/" + URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        var scenario: Scenario
        switch try loadAnyScenario(file) {
        case .inbound(let s):
            scenario = s
        case .outbound(var campaign):
            if let seed { campaign.seed = seed }
            if let replications { campaign.replications = replications }
            campaign.contacts = try CampaignRun.loaded(campaign.contacts)
            try refuseAbsurd(campaign.workload, file: file, running: true)
            let text = try OutputFolder.writing(to: folder) { staging in
                try CampaignRun.run(campaign, folder: staging, shownAs: folder, threads: threads, showProgress: true)
            }
            print(text, terminator: "")
            return
        case .routing(var study):
            if let seed { study.world.seed = seed }  // routers' draws mix in the study's seed too
            if let replications { study.world.replications = replications }
            study = try RoutingRun.prepared(study)
            try refuseAbsurd(study.workload, file: file, running: true)
            let text = try OutputFolder.writing(to: folder) { staging in
                try RoutingRun.run(study, folder: staging, shownAs: folder, threads: threads)
            }
            print(text, terminator: "")
            return
        }
        if let seed { scenario.seed = seed }
        if let replications { scenario.replications = replications }
        try refuseAbsurd(scenario.workload, file: file, running: true)
        let table = try OutputFolder.writing(to: folder) { staging in
            let progress = Progress(total: scenario.replications, label: scenario.name)
            var report: (@Sendable (Int) -> Void)? = nil
            if progress.isShown { report = { @Sendable done in progress.show(done) } }
            let result = Runner.run(scenario, threads: threads, progress: report)
            progress.finish()
            do {
                try Reports.write(result, to: staging)
            } catch {
                throw CLIError("cannot write results into \(folder): \(error.localizedDescription)")
            }
            return Reports.table(result)
        }
        print(table, terminator: "")
        print("results in \(folder)/ (summary.json, intervals.csv, report.html)")
    }
}

/// Refuses a scenario file whose runs would take hours or gigabytes (`Workload.problem`), before
/// anything is written; `simcc run` says it refused to run, `simcc validate` only what is wrong.
func refuseAbsurd(_ workload: Workload, file: String, running: Bool) throws {
    if let problem = workload.problem {
        throw CLIError("\(file): " + (running ? "refused before running: " : "") + problem)
    }
}

/// `simcc validate`: checks a scenario without running it.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a scenario file without running it."
    )

    @Argument(help: "The scenario file (YAML).")
    var file: String

    /// "variants a, b, c": the first ten names, then how many in all.
    static func variantList(_ names: [String]) -> String {
        names.count <= 10
            ? "variants " + names.joined(separator: ", ")
            : "\(names.count) variants: " + names.prefix(10).joined(separator: ", ") + ", ..."
    }

    func run() throws {
        switch try loadAnyScenario(file) {
        case .inbound(let s):
            try refuseAbsurd(s.workload, file: file, running: false)
            print("\(file): ok: \(s.name): \(s.agents) agents, horizon \(s.horizon)s, \(s.replications) replication(s), policy \(s.policy.name)")
        case .outbound(var s):
            s.contacts = try CampaignRun.loaded(s.contacts)
            try refuseAbsurd(s.workload, file: file, running: false)
            print("\(file): ok: campaign \(s.name): \(s.agents) agents, horizon \(s.horizon)s, \(s.replications) replication(s), \(Self.variantList(s.variants.map(\.name)))")
        case .routing(let study):
            let s = try RoutingRun.prepared(study)
            try refuseAbsurd(s.workload, file: file, running: false)
            print("\(file): ok: routing \(s.name): \(s.world.teams) teams of \(s.world.teamSize), \(s.world.customers) customers, horizon \(s.world.horizon)s, \(s.world.replications) replication(s), \(Self.variantList(s.variants.map(\.name)))")
        }
    }
}

/// Reads a scenario of either kind, turning a mistake into a message that names the file, line and field.
func loadAnyScenario(_ path: String) throws -> ScenarioFile {
    do {
        return try ScenarioFile.load(contentsOf: path)
    } catch {
        throw CLIError(String(describing: error))
    }
}

/// Reads a scenario, turning a mistake into a message that names the file, line and field.
func loadScenario(_ path: String) throws -> Scenario {
    do {
        return try Scenario.load(contentsOf: path)
    } catch {
        throw CLIError(String(describing: error))
    }
}

/// An error whose message is all the user needs; printed as is, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Replications done so far, on standard error, only when it is a terminal.
final class Progress: @unchecked Sendable {
    // @unchecked: `show` may be called from several threads; it holds `lock`.
    let total: Int
    let label: String
    let isShown: Bool
    private let lock = NSLock()
    private var shown = false

    let variants: Int

    /// Progress of `total` runs of `label`: replications, or with several `variants`, runs
    /// (variants x replications) and said so.
    init(total: Int, label: String, variants: Int = 1) {
        self.total = total
        self.label = label
        self.variants = variants
        self.isShown = isatty(STDERR_FILENO) == 1
    }

    func show(_ done: Int) {
        lock.withLock {
            shown = true
            let text =
                variants > 1
                ? "\r\(label): run \(done)/\(total) (\(variants) variants x \(total / variants) replications)"
                : "\r\(label): replication \(done)/\(total)"
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func finish() {
        lock.withLock {
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}
