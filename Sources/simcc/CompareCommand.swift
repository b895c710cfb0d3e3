import ArgumentParser
import Foundation
import SimKernel
import Simulation

/// `simcc compare`: paired differences between a campaign's variants.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print the paired differences between the variants of a campaign or routing study run.",
        discussion: """
            Reads DIR/replications.csv written by `simcc run` for a campaign or a routing study. \
            Replication r of \
            every variant met the same customers (common random numbers), so each variant is \
            compared with the baseline replication by replication: the table gives the mean \
            difference and its 95% confidence half-width; '*' marks a difference whose interval \
            excludes 0.
            """
    )

    @Argument(help: "The output folder of a campaign or routing study run.")
    var folder: String

    @Option(help: "The variant the others are compared with (default: the first).")
    var baseline: String?

    @Option(help: "Comma-separated metrics to compare (default: a campaign's abandon_rate, utilization, talk_minutes_per_agent_hour, connected, list_exhaustion; a routing study's known_callers_connected_known_agent, share_callback, service_level, asa_seconds, callbacks_done_in_time_rate).")
    var metrics: String?

    static let campaignDefaults = ["abandon_rate", "utilization", "talk_minutes_per_agent_hour", "connected", "list_exhaustion"]
    static let routingDefaults = ["known_callers_connected_known_agent", "share_callback", "service_level", "asa_seconds",
                                  "callbacks_done_in_time_rate"]

    func run() throws {
        let path = folder + "/replications.csv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("\(path): cannot read it; expected the output folder of `simcc run` on a campaign")
        }
        let table = try ReplicationsTable(csv: text, file: path)
        let base = baseline ?? table.variants.first!
        guard table.variants.contains(base) else {
            throw CLIError("--baseline: no variant '\(base)' in \(path); variants: \(table.variants.joined(separator: ", "))")
        }
        let wanted = metrics.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? (table.columns.contains("abandon_rate") ? Self.campaignDefaults : Self.routingDefaults)
        for name in wanted where !table.columns.contains(name) {
            throw CLIError("--metrics: no metric '\(name)' in \(path); metrics: \(table.columns.joined(separator: ", "))")
        }
        let nameWidth = max(30, (wanted.map(\.count).max() ?? 0) + 2)
        print("paired differences from \(base) (95% intervals over \(table.replications(of: base).count) replications)")
        for variant in table.variants where variant != base {
            print("\n\(variant) − \(base)")
            print("metric".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + pad(base.count > 11 ? "baseline" : base, 12)
                  + pad(variant.count > 11 ? "variant" : variant, 12) + pad("difference ± 95%", 24))
            for name in wanted {
                let a = table.values(variant, name), b = table.values(base, name)
                guard a.count == b.count else {
                    throw CLIError("\(path): \(variant) has \(a.count) replications, \(base) \(b.count); they cannot be paired")
                }
                let d = Estimate(zip(a, b).map { $0 - $1 })
                let mark = d.halfWidth.map { abs(d.mean) > $0 } ?? false ? " *" : ""
                let line = name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                    + pad(format(Estimate(b).mean), 12) + pad(format(Estimate(a).mean), 12)
                    + pad(sign(d.mean) + " ± " + (d.halfWidth.map(format) ?? "-"), 24) + mark
                print(line)
            }
        }
    }

    func format(_ x: Double) -> String { x.isFinite ? String(format: "%.4g", x) : "-" }
    func sign(_ x: Double) -> String { x >= 0 ? "+" + format(x) : format(x) }
    func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
}

/// `replications.csv` read back: one row per (variant, replication).
struct ReplicationsTable {
    var columns: [String] = []
    var variants: [String] = []
    var rows: [(variant: String, replication: Int, values: [String: Double])] = []

    init(csv: String, file: String) throws {
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first.map(Self.fields), header.count > 2, header[0] == "variant", header[1] == "replication" else {
            throw CLIError("\(file):1: expected a header starting 'variant,replication'")
        }
        columns = Array(header.dropFirst(2))
        for (i, line) in lines.enumerated().dropFirst() {
            let f = Self.fields(line)
            guard f.count == header.count, let r = Int(f[1]) else {
                throw CLIError("\(file):\(i + 1): expected \(header.count) fields with a replication number")
            }
            var values: [String: Double] = [:]
            for (name, text) in zip(columns, f.dropFirst(2)) { values[name] = Double(text) ?? .nan }
            if !variants.contains(f[0]) { variants.append(f[0]) }
            rows.append((f[0], r, values))
        }
        guard !variants.isEmpty else { throw CLIError("\(file): no replication in the file") }
    }

    func replications(of variant: String) -> [Int] { rows.filter { $0.variant == variant }.map(\.replication) }

    func values(_ variant: String, _ metric: String) -> [Double] {
        rows.filter { $0.variant == variant }.sorted { $0.replication < $1.replication }.map { $0.values[metric] ?? .nan }
    }

    /// Splits a line of our own CSV: fields quoted when they hold a comma or a quote.
    static func fields(_ line: String) -> [String] {
        var result: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { result.append(field); field = "" }
            else { field.append(c) }
        }
        result.append(field)
        return result
    }
}
