import Foundation
import Scenarios
import SimKernel

// MARK: - What a run writes

/// The files an inbound run writes (`summary.json`, `intervals.csv`, `report.html`) and the
/// table it prints.
///
/// Output is a function of the result only (no wall time, no host name), so the same scenario,
/// seed and build give the same bytes.
public enum Reports {
    /// The confidence level of every interval in the outputs.
    public static let confidenceLevel = 0.95

    /// `summary.json`: the run's settings and every metric's mean and 95% half-width over
    /// replications.
    public static func summaryJSON(_ result: RunResult) -> String {
        let s = result.scenario
        let json = JSONWriter()
        json.object {
            json.field("scenario", s.name)
            json.field("policy", s.policy.name)
            json.field("seed", integer: s.seed)
            json.field("replications", integer: UInt64(s.replications))
            json.field("confidence_level", confidenceLevel)
            json.field("horizon_seconds", s.horizon)
            json.field("warmup_seconds", s.warmup)
            json.field("interval_seconds", s.interval)
            json.field("service_target_seconds", s.serviceTarget)
            json.field("agents", integer: UInt64(s.agents))
            json.key("metrics")
            json.object {
                for metric in Metric.inbound {
                    let e = result.estimate(metric)
                    json.key(metric.name)
                    json.object {
                        json.field("mean", e.mean)
                        json.field("half_width", e.halfWidth ?? .nan)
                        json.field("n", integer: UInt64(e.n))
                    }
                }
            }
            if let theory = Theory(s) {
                json.key("theory")
                json.object {
                    json.field("model", theory.model)
                    for metric in Metric.inbound {
                        if let value = theory.figures[metric.name] { json.field(metric.name, value) }
                    }
                }
            }
        }
        return json.text + "\n"
    }

    /// `intervals.csv`: one row per interval, each metric's mean and half-width over replications.
    public static func intervalsCSV(_ result: RunResult) -> String {
        var header = ["interval", "start_seconds", "start"]
        for metric in Metric.inbound { header += [metric.name, metric.name + "_hw"] }
        var lines = [header.joined(separator: ",")]
        guard let first = result.replications.first else { return lines.joined(separator: "\n") + "\n" }
        let width = first.series.width
        for i in 0..<first.series.intervals {
            let start = Double(i) * width
            var row = [String(i), number(start), clock(start)]
            for metric in Metric.inbound {
                let e = result.estimate(metric, interval: i)
                row += [significant(e.mean), significant(e.halfWidth ?? .nan)]
            }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The short table `simcc run` prints.
    public static func table(_ result: RunResult) -> String {
        let s = result.scenario
        var out = "\(s.name): \(s.replications) replication(s), seed \(s.seed), policy \(s.policy.name)\n"
        let nameWidth = Metric.inbound.map(\.name.count).max() ?? 10
        let theory = Theory(s)
        out += "metric".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "        mean   ± 95% hw"
        out += theory.map { pad($0.model, 12) } ?? ""
        out += "\n"
        for metric in Metric.inbound {
            let e = result.estimate(metric)
            out += metric.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            out += pad(format(e.mean), 12) + pad(e.halfWidth.map(format) ?? "-", 11)
            if let theory { out += pad(theory.figures[metric.name].map(format) ?? "", 12) }
            out += "\n"
        }
        return out
    }

    /// Writes `summary.json`, `intervals.csv` and `report.html` into `directory`, creating it if needed; each
    /// file is written under a temporary name and renamed, so none is ever half-written.
    public static func write(_ result: RunResult, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try writeAtomically(summaryJSON(result), to: directory + "/summary.json")
        try writeAtomically(intervalsCSV(result), to: directory + "/intervals.csv")
        try writeAtomically(HTMLReport.inbound(result), to: directory + "/report.html")
    }

    /// Writes `text` to a temporary file beside `path`, then renames it to `path`.
    public static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot rename into \(path): \(reason)"])
        }
    }

    // MARK: Formatting

    /// A number for CSV: shortest round-trip form, empty when undefined.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }

    /// A number for CSV: 6 significant digits (more than any interval estimate carries), empty
    /// when undefined.
    static func significant(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", x)
    }

    /// A number for the table: 4 significant digits.
    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "-" }
        if x == x.rounded() && abs(x) < 1e9 { return String(Int64(x)) }
        return String(format: "%.4g", x)
    }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    /// `HH:MM` (or `HH:MM:SS` when seconds matter) from the start of the run.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let h = total / 3600, m = (total % 3600) / 60, sec = total % 60
        let two = { (x: Int) in x < 10 ? "0\(x)" : String(x) }
        return sec == 0 ? "\(two(h)):\(two(m))" : "\(two(h)):\(two(m)):\(two(sec))"
    }
}

/// A small JSON writer with fields in the order written and numbers in their shortest form.
final class JSONWriter {
    var text = ""
    var indent = 0
    var needsComma = false

    func object(_ body: () -> Void) {
        text += "{"
        indent += 1
        needsComma = false
        body()
        indent -= 1
        text += "\n" + String(repeating: "  ", count: indent) + "}"
        needsComma = true
    }

    func key(_ name: String) {
        if needsComma { text += "," }
        text += "\n" + String(repeating: "  ", count: indent) + "\(JSONWriter.quote(name)): "
        needsComma = false
    }

    func field(_ name: String, _ value: String) {
        key(name)
        text += JSONWriter.quote(value)
        needsComma = true
    }

    func field(_ name: String, _ value: Double) {
        key(name)
        text += Reports.number(value).isEmpty ? "null" : Reports.number(value)
        needsComma = true
    }

    func field(_ name: String, integer value: UInt64) {
        key(name)
        text += String(value)
        needsComma = true
    }

    static func quote(_ s: String) -> String { JSONValue.quoted(s) }
}
