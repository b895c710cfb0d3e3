import Foundation
import Scenarios
import SimKernel

// MARK: - What a campaign run writes

/// The files of an outbound run: `summary.json`, `curves.csv`, `replications.csv`,
/// `report.html`, and the table `simcc run` prints. A function of the result only.
public enum OutboundReports {
    /// The metric named `name`.
    public static func metric(_ name: String) -> OutboundMetric {
        OutboundMetric.all.first { $0.name == name }!
    }

    /// `summary.json`: per variant, every metric's mean and 95% half-width; list exhaustion; and
    /// each variant's paired difference from the first.
    public static func summaryJSON(_ result: OutboundResult) -> String {
        let s = result.scenario
        let json = JSONWriter()
        json.object {
            json.field("scenario", s.name)
            json.field("kind", "outbound")
            json.field("seed", integer: s.seed)
            json.field("replications", integer: UInt64(s.replications))
            json.field("confidence_level", Reports.confidenceLevel)
            json.field("horizon_seconds", s.horizon)
            json.field("interval_seconds", s.interval)
            json.field("agents", integer: UInt64(s.agents))
            json.field("contacts", integer: UInt64(s.contacts.count))
            json.key("variants")
            json.object {
                for (v, variant) in s.variants.enumerated() {
                    json.key(variant.name)
                    json.object {
                        json.field("dialer", variant.policy.kind)
                        json.key("metrics")
                        json.object {
                            for metric in OutboundMetric.all {
                                estimate(json, metric.name, result.estimate(metric, variant: v))
                            }
                            estimate(json, "list_exhaustion", result.exhaustion(variant: v))
                        }
                        if v > 0 {
                            json.key("difference_from_\(s.variants[0].name)")
                            json.object {
                                for metric in OutboundMetric.all {
                                    estimate(json, metric.name, result.difference(metric, variant: v, baseline: 0))
                                }
                            }
                        }
                    }
                }
            }
        }
        return json.text + "\n"
    }

    static func estimate(_ json: JSONWriter, _ name: String, _ e: Estimate) {
        json.key(name)
        json.object {
            json.field("mean", e.mean)
            json.field("half_width", e.halfWidth ?? .nan)
        }
    }

    /// The metrics of the curves, per interval.
    static let curveMetrics = ["abandon_rate", "utilization", "talk_minutes_per_agent_hour", "attempts",
                               "live_answers", "connected", "abandoned", "contracts_closed"]

    /// `curves.csv`: per variant and interval, each curve metric in the interval and cumulated
    /// from the start (the abandonment curve), with 95% half-widths.
    public static func curvesCSV(_ result: OutboundResult) -> String {
        var header = ["variant", "interval", "start_seconds", "start"]
        for name in curveMetrics {
            header += [name, name + "_hw", "cumulative_" + name, "cumulative_" + name + "_hw"]
        }
        var lines = [header.joined(separator: ",")]
        for (v, variant) in result.scenario.variants.enumerated() {
            guard let first = result.runs[v].first else { continue }
            for i in 0..<first.series.intervals {
                let start = Double(i) * first.series.width
                var row = [csv(variant.name), String(i), Reports.number(start), Reports.clock(start)]
                for name in curveMetrics {
                    let here = result.estimate(metric(name), variant: v, interval: i, cumulative: false)
                    let sofar = result.estimate(metric(name), variant: v, interval: i, cumulative: true)
                    row += [here.mean, here.halfWidth ?? .nan, sofar.mean, sofar.halfWidth ?? .nan].map(Reports.significant)
                }
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `replications.csv`: every metric of every (variant, replication), for `simcc compare`
    /// and one's own analysis.
    public static func replicationsCSV(_ result: OutboundResult) -> String {
        var lines = [(["variant", "replication"] + OutboundMetric.all.map(\.name) + ["list_exhaustion"]).joined(separator: ",")]
        for (v, variant) in result.scenario.variants.enumerated() {
            for rep in result.runs[v] {
                var row = [csv(variant.name), String(rep.replication)]
                row += OutboundMetric.all.map { Reports.number($0.value(rep.totals)) }
                row.append(Reports.number(rep.total(.closedContracts) / Double(max(1, rep.contracts))))
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table `simcc run` prints: the headline metrics per variant.
    public static func table(_ result: OutboundResult) -> String {
        let s = result.scenario
        var out = "\(s.name): \(s.agents) agents, \(s.contacts.count) contacts, \(s.replications) replication(s), seed \(s.seed)\n"
        let headline = ["abandon_rate", "utilization", "talk_minutes_per_agent_hour", "connected", "attempts"]
        let width = max(8, s.variants.map(\.name.count).max() ?? 8)
        out += "variant".padding(toLength: width, withPad: " ", startingAt: 0)
        for name in headline + ["list_exhaustion"] { out += Reports.pad(short(name), 22) }
        out += "\n"
        for (v, variant) in s.variants.enumerated() {
            out += variant.name.padding(toLength: width, withPad: " ", startingAt: 0)
            for name in headline {
                out += Reports.pad(plusMinus(result.estimate(metric(name), variant: v)), 22)
            }
            out += Reports.pad(plusMinus(result.exhaustion(variant: v)), 22) + "\n"
        }
        return out
    }

    static func short(_ name: String) -> String {
        name == "talk_minutes_per_agent_hour" ? "talk_min/agent_h" : name
    }

    static func plusMinus(_ e: Estimate) -> String {
        Reports.format(e.mean) + " ± " + (e.halfWidth.map(Reports.format) ?? "-")
    }

    static func csv(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Writes the files into `directory` (each under a temporary name, then renamed).
    public static func write(_ result: OutboundResult, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Reports.writeAtomically(summaryJSON(result), to: directory + "/summary.json")
        try Reports.writeAtomically(curvesCSV(result), to: directory + "/curves.csv")
        try Reports.writeAtomically(replicationsCSV(result), to: directory + "/replications.csv")
        try Reports.writeAtomically(HTMLReport.outbound(result), to: directory + "/report.html")
    }
}
