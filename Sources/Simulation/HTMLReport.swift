import Foundation
import Scenarios
import SimKernel

// MARK: - A self-contained HTML report with SVG charts

/// `report.html`: one file, no scripts, no external resources; charts are inline SVG.
public enum HTMLReport {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// The report of an outbound campaign: the cumulative abandonment curves of every variant on
    /// one chart, the per-interval utilisation, the utilisation-vs-abandonment trade-off, and a table.
    public static func outbound(_ result: OutboundResult) -> String {
        let s = result.scenario
        let abandon = OutboundReports.metric("abandon_rate")
        let utilization = OutboundReports.metric("utilization")
        var curves: [Chart.Series] = []
        var utilizationCurves: [Chart.Series] = []
        for (v, variant) in s.variants.enumerated() {
            guard let first = result.runs[v].first else { continue }
            var points: [Chart.Point] = []
            var upoints: [Chart.Point] = []
            for i in 0..<first.series.intervals {
                let hours = Double(i + 1) * first.series.width / 3600
                let e = result.estimate(abandon, variant: v, interval: i, cumulative: true)
                if e.mean.isFinite { points.append(.init(x: hours, y: 100 * e.mean, halfWidth: e.halfWidth.map { 100 * $0 })) }
                let u = result.estimate(utilization, variant: v, interval: i, cumulative: false)
                if u.mean.isFinite {
                    upoints.append(.init(x: Double(i) * first.series.width / 3600 + first.series.width / 7200,
                                         y: 100 * u.mean, halfWidth: u.halfWidth.map { 100 * $0 }))
                }
            }
            curves.append(.init(name: variant.name, color: palette[v % palette.count], points: points))
            utilizationCurves.append(.init(name: variant.name, color: palette[v % palette.count], points: upoints))
        }
        var tradeoff: [Chart.Series] = []
        for (v, variant) in s.variants.enumerated() {
            let a = result.estimate(abandon, variant: v), u = result.estimate(utilization, variant: v)
            tradeoff.append(.init(name: variant.name, color: palette[v % palette.count],
                                  points: [.init(x: 100 * a.mean, y: 100 * u.mean, halfWidth: u.halfWidth.map { 100 * $0 },
                                                 xHalfWidth: a.halfWidth.map { 100 * $0 })]))
        }
        var body = "<h1>\(escape(s.name))</h1>\n"
        if !s.description.isEmpty { body += "<p>\(escape(s.description))</p>\n" }
        body += "<p>\(s.agents) agents, \(s.contacts.count) contacts, \(Units.format(seconds: s.horizon)) of dialing, "
        body += "\(s.replications) replications (seed \(s.seed)); bands and bars are 95% confidence intervals over replications. "
        body += "Abandoned: a live answer not connected to an agent within \(Units.format(seconds: s.world.abandonGrace)) "
        body += "(the regulators' definition), over live answers.</p>\n"
        body += "<h2>Cumulative abandonment</h2>\n"
        body += Chart(title: "abandoned / live answers since the start", xLabel: "hours", yLabel: "%",
                      series: curves, lines: true, reference: (3, "3% limit"), bounds: 0...100).svg()
        body += "<h2>Agent utilisation per interval</h2>\n"
        body += Chart(title: "talk time / logged-in time", xLabel: "hours", yLabel: "%",
                      series: utilizationCurves, lines: true, reference: nil, bounds: 0...100).svg()
        body += "<h2>Utilisation against abandonment</h2>\n"
        body += Chart(title: "each variant over the whole campaign", xLabel: "abandon rate %", yLabel: "utilisation %",
                      series: tradeoff, lines: false, reference: nil).svg()
        body += "<h2>Figures</h2>\n<table>\n<tr><th>variant</th>"
        let names = ["abandon_rate", "utilization", "talk_minutes_per_agent_hour", "attempts", "live_answers",
                     "connected", "mean_wait_seconds"]
        for name in names + ["list_exhaustion"] { body += "<th>\(name)</th>" }
        body += "</tr>\n"
        for (v, variant) in s.variants.enumerated() {
            body += "<tr><td>\(escape(variant.name))</td>"
            for name in names {
                body += "<td>\(OutboundReports.plusMinus(result.estimate(OutboundReports.metric(name), variant: v)))</td>"
            }
            body += "<td>\(OutboundReports.plusMinus(result.exhaustion(variant: v)))</td></tr>\n"
        }
        body += "</table>\n"
        return page(title: s.name, body: body)
    }

    /// The report of an inbound run: per-interval service level, abandonment, waiting and
    /// occupancy with their 95% bands, and the overall figures beside the exact Erlang ones when
    /// queueing theory solves the scenario.
    public static func inbound(_ result: RunResult) -> String {
        let s = result.scenario
        guard let first = result.replications.first else { return page(title: s.name, body: "<p>(no replication)</p>") }
        func series(_ name: String, scale: Double, color: String, label: String) -> Chart.Series {
            let metric = Metric.inbound.first { $0.name == name }!
            var points: [Chart.Point] = []
            for i in 0..<first.series.intervals {
                let e = result.estimate(metric, interval: i)
                guard e.mean.isFinite else { continue }
                points.append(.init(x: (Double(i) + 0.5) * first.series.width / 3600, y: scale * e.mean,
                                    halfWidth: e.halfWidth.map { scale * $0 }))
            }
            return .init(name: label, color: color, points: points)
        }
        var body = "<h1>\(escape(s.name))</h1>\n"
        if !s.description.isEmpty { body += "<p>\(escape(s.description))</p>\n" }
        body += "<p>\(s.agents) agents, policy \(escape(s.policy.name)), \(Units.format(seconds: s.horizon)) of arrivals, "
        body += "\(s.replications) replications (seed \(s.seed)); bands are 95% confidence intervals over replications; "
        body += "calls count in the interval they arrived.</p>\n"
        body += "<h2>Service and abandonment per interval</h2>\n"
        body += Chart(title: "service level (answered within \(Units.format(seconds: s.serviceTarget)) / offered) and abandonment",
                      xLabel: "hours", yLabel: "%",
                      series: [series("service_level", scale: 100, color: palette[0], label: "service level"),
                               series("abandon_rate", scale: 100, color: palette[1], label: "abandoned"),
                               series("p_wait", scale: 100, color: palette[2], label: "P(wait)")],
                      lines: true, reference: nil, bounds: 0...100).svg()
        body += "<h2>Occupancy per interval</h2>\n"
        body += Chart(title: "agent time talking or in wrap-up / logged in", xLabel: "hours", yLabel: "%",
                      series: [series("occupancy", scale: 100, color: palette[3], label: "occupancy")],
                      lines: true, reference: nil, bounds: 0...100).svg()
        body += "<h2>Average speed of answer per interval</h2>\n"
        body += Chart(title: "mean wait of answered calls", xLabel: "hours", yLabel: "seconds",
                      series: [series("asa_seconds", scale: 1, color: palette[4], label: "ASA")],
                      lines: true, reference: nil, bounds: 0...Double.infinity).svg()
        let theory = Theory(s)
        body += "<h2>Figures</h2>\n<table>\n<tr><th>metric</th><th>mean</th><th>± 95%</th>"
        if let theory { body += "<th>\(theory.model)</th>" }
        body += "</tr>\n"
        for metric in Metric.inbound {
            let e = result.estimate(metric)
            body += "<tr><td>\(metric.name)</td><td>\(Reports.format(e.mean))</td><td>\(e.halfWidth.map(Reports.format) ?? "-")</td>"
            if let theory { body += "<td>\(theory.figures[metric.name].map(Reports.format) ?? "")</td>" }
            body += "</tr>\n"
        }
        body += "</table>\n"
        return page(title: s.name, body: body)
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
        table { border-collapse: collapse; font-size: 0.85em; } td, th { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: right; }
        td:first-child, th:first-child { text-align: left; } svg { display: block; margin: 1em 0; }
        </style></head><body>
        \(body)</body></html>

        """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A chart drawn as SVG: lines with confidence bands, or points with error bars.
struct Chart {
    struct Point {
        var x: Double
        var y: Double
        var halfWidth: Double?
        var xHalfWidth: Double? = nil
    }

    struct Series {
        var name: String
        var color: String
        var points: [Point]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var lines: Bool
    var reference: (Double, String)?
    /// Where values can lie (a share in % lies in 0...100): bands and the axis stay inside.
    var bounds: ClosedRange<Double>? = nil

    static let width = 720.0, height = 360.0
    static let left = 60.0, right = 160.0, top = 30.0, bottom = 45.0

    func svg() -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return "<p>(no data)</p>\n" }
        var xMin = all.map { $0.x - ($0.xHalfWidth ?? 0) }.min()!, xMax = all.map { $0.x + ($0.xHalfWidth ?? 0) }.max()!
        func lo(_ p: Point) -> Double { max(p.y - (p.halfWidth ?? 0), bounds?.lowerBound ?? -.infinity) }
        func hi(_ p: Point) -> Double { min(p.y + (p.halfWidth ?? 0), bounds?.upperBound ?? .infinity) }
        var yMin = all.map(lo).min()!, yMax = all.map(hi).max()!
        if let (r, _) = reference { yMin = min(yMin, r); yMax = max(yMax, r) }
        if lines { xMin = min(0, xMin) }
        yMin = min(0, yMin)
        if xMax <= xMin { xMax = xMin + 1 }
        if yMax <= yMin { yMax = yMin + 1 }
        let yTop = bounds.map { min(yMax * 1.05, $0.upperBound) } ?? yMax * 1.05
        let (xTicks, xStep) = Self.ticks(xMin, xMax), (yTicks, yStep) = Self.ticks(yMin, yTop)
        xMin = min(xMin, xTicks.first!); xMax = max(xMax, xTicks.last!)
        yMin = min(yMin, yTicks.first!); yMax = max(yTop, yTicks.last!)
        let pw = Self.width - Self.left - Self.right, ph = Self.height - Self.top - Self.bottom
        func X(_ x: Double) -> Double { Self.left + (x - xMin) / (xMax - xMin) * pw }
        func Y(_ y: Double) -> Double { Self.top + ph - (y - yMin) / (yMax - yMin) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" "
        out += "viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" font-size=\"11\">\n"
        out += "<text x=\"\(f(Self.left))\" y=\"16\" font-weight=\"bold\">\(HTMLReport.escape(title))</text>\n"
        for t in xTicks {
            out += "<line x1=\"\(f(X(t)))\" y1=\"\(f(Self.top))\" x2=\"\(f(X(t)))\" y2=\"\(f(Self.top + ph))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(X(t)))\" y=\"\(f(Self.top + ph + 14))\" text-anchor=\"middle\">\(Self.label(t, xStep))</text>\n"
        }
        for t in yTicks {
            out += "<line x1=\"\(f(Self.left))\" y1=\"\(f(Y(t)))\" x2=\"\(f(Self.left + pw))\" y2=\"\(f(Y(t)))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(Self.left - 6))\" y=\"\(f(Y(t) + 4))\" text-anchor=\"end\">\(Self.label(t, yStep))</text>\n"
        }
        out += "<rect x=\"\(f(Self.left))\" y=\"\(f(Self.top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#999\"/>\n"
        out += "<text x=\"\(f(Self.left + pw / 2))\" y=\"\(f(Self.height - 8))\" text-anchor=\"middle\">\(HTMLReport.escape(xLabel))</text>\n"
        out += "<text x=\"14\" y=\"\(f(Self.top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(Self.top + ph / 2)))\">\(HTMLReport.escape(yLabel))</text>\n"
        if let (r, label) = reference {
            out += "<line x1=\"\(f(Self.left))\" y1=\"\(f(Y(r)))\" x2=\"\(f(Self.left + pw))\" y2=\"\(f(Y(r)))\" stroke=\"#000\" stroke-dasharray=\"5,4\"/>"
            out += "<text x=\"\(f(Self.left + pw - 4))\" y=\"\(f(Y(r) - 4))\" text-anchor=\"end\">\(HTMLReport.escape(label))</text>\n"
        }
        for (k, s) in series.enumerated() {
            if lines {
                let band = s.points.filter { $0.halfWidth != nil }
                if band.count > 1 {
                    let upper = band.map { "\(f(X($0.x))),\(f(Y(hi($0))))" }
                    let lower = band.reversed().map { "\(f(X($0.x))),\(f(Y(lo($0))))" }
                    out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.15\" stroke=\"none\"/>\n"
                }
                let path = s.points.map { "\(f(X($0.x))),\(f(Y($0.y)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"/>\n"
            } else {
                for p in s.points {
                    if let h = p.halfWidth {
                        out += "<line x1=\"\(f(X(p.x)))\" y1=\"\(f(Y(p.y - h)))\" x2=\"\(f(X(p.x)))\" y2=\"\(f(Y(p.y + h)))\" stroke=\"\(s.color)\"/>"
                    }
                    if let h = p.xHalfWidth {
                        out += "<line x1=\"\(f(X(p.x - h)))\" y1=\"\(f(Y(p.y)))\" x2=\"\(f(X(p.x + h)))\" y2=\"\(f(Y(p.y)))\" stroke=\"\(s.color)\"/>"
                    }
                    out += "<circle cx=\"\(f(X(p.x)))\" cy=\"\(f(Y(p.y)))\" r=\"4\" fill=\"\(s.color)\"/>\n"
                }
            }
            let ly = Self.top + 14 + Double(k) * 16
            out += "<rect x=\"\(f(Self.left + pw + 12))\" y=\"\(f(ly - 9))\" width=\"12\" height=\"10\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(f(Self.left + pw + 30))\" y=\"\(f(ly))\">\(HTMLReport.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// About five round ticks covering [lo, hi], and their step.
    static func ticks(_ lo: Double, _ hi: Double) -> ([Double], Double) {
        let span = hi - lo
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let start = floor(lo / step) * step
        var ticks: [Double] = []
        var t = start
        while t <= hi + step * 0.999 {
            ticks.append(t)
            t += step
        }
        return (ticks, step)
    }

    static func label(_ v: Double, _ step: Double) -> String {
        let decimals = max(0, Int(-floor(log10(step)) + (step.truncatingRemainder(dividingBy: pow(10, floor(log10(step)))) == 0 ? 0 : 1)))
        return String(format: "%.\(decimals)f", abs(v) < step / 1e6 ? 0 : v)
    }
}
