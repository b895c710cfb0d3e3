import CallCenter
import Foundation
import Scenarios
import SimKernel

// MARK: - The metrics of a routing study

/// A figure of a routing run, computed from a row of `RoutingColumn` sums (a replication's
/// totals, or one interval of its series), or, for the callback delay distribution, from the
/// replication's list of delays (overall only).
public struct RoutingMetric: Sendable {
    /// The name in the outputs.
    public let name: String
    /// What it means.
    public let meaning: String
    /// Its value from a row of sums indexed by `RoutingColumn.rawValue`; NaN when undefined
    /// (and for the metrics of the whole replication, in an interval).
    public let value: @Sendable ([Double]) -> Double
    /// Its overall value from a whole replication, when it is not a function of the totals.
    let whole: (@Sendable (RoutingReplication) -> Double)?

    init(name: String, meaning: String, value: @escaping @Sendable ([Double]) -> Double) {
        self.name = name
        self.meaning = meaning
        self.value = value
        self.whole = nil
    }

    init(name: String, meaning: String, whole: @escaping @Sendable (RoutingReplication) -> Double) {
        self.name = name
        self.meaning = meaning
        self.value = { _ in .nan }
        self.whole = whole
    }

    /// Its overall value in replication `rep`.
    public func value(of rep: RoutingReplication) -> Double { whole?(rep) ?? value(rep.totals) }

    static func delayQuantile(_ p: Double) -> RoutingMetric {
        let percent = Int((p * 100).rounded())
        return RoutingMetric(
            name: "callback_delay_p\(percent)_seconds",
            meaning: "the \(percent)th percentile of creation-to-done times of done callback tasks, seconds"
        ) { $0.callbackDelayQuantile(p) }
    }

    static func delayWithin(_ minutes: Int) -> RoutingMetric {
        let label = minutes % 60 == 0 ? "\(minutes / 60)h" : "\(minutes)min"
        return RoutingMetric(
            name: "callbacks_done_within_\(label)",
            meaning: "done callback tasks done within \(label) of their creation / done"
        ) { $0.callbackDelayShare(within: Double(minutes) * 60) }
    }

    static func ratio(
        _ name: String, _ meaning: String, _ numerator: [RoutingColumn], _ denominator: RoutingColumn
    ) -> RoutingMetric {
        RoutingMetric(name: name, meaning: meaning) { row in
            let d = row[denominator.rawValue]
            return d > 0 ? numerator.reduce(0) { $0 + row[$1.rawValue] } / d : .nan
        }
    }

    static func share(_ name: String, _ meaning: String, _ columns: RoutingColumn...) -> RoutingMetric {
        ratio(name, meaning, columns, .offered)
    }

    static func count(_ name: String, _ meaning: String, _ column: RoutingColumn) -> RoutingMetric {
        RoutingMetric(name: name, meaning: meaning) { $0[column.rawValue] }
    }

    /// The metrics of a routing run, in output order. Shares are over offered calls; call
    /// figures count in the interval the call arrived, callback figures in the interval the task
    /// was created.
    public static let all: [RoutingMetric] = [
        .count("offered", "calls that arrived", .offered),
        .share(
            "share_known_agent",
            "routed by the cascade to an agent who knows the caller (011-014: first agent, backup, team or leader) / offered",
            .routedFirstAgent, .routedBackup, .routedTeam, .routedLeader),
        .share(
            "share_connected_known_agent",
            "connected to an agent of the customer's first agent's team (first agent, backup, team or leader), whatever the router / offered",
            .connectedFirstAgent, .connectedBackup, .connectedTeam, .connectedLeader),
        RoutingMetric(
            name: "known_callers_connected_known_agent",
            meaning:
                "known customers (from either number) connected to an agent of their first agent's team / known customers who called"
        ) { row in
            let known =
                row[RoutingColumn.callersKnownNumber.rawValue]
                + row[RoutingColumn.callersKnownOtherNumber.rawValue]
            let connected = [
                RoutingColumn.connectedFirstAgent, .connectedBackup, .connectedTeam, .connectedLeader,
            ]
            .reduce(0) { $0 + row[$1.rawValue] }
            return known > 0 ? connected / known : .nan
        },
        .share(
            "share_connected_first_agent", "connected to the customer's first agent / offered",
            .connectedFirstAgent),
        .share("share_connected_backup", "connected to the first agent's backup / offered", .connectedBackup),
        .share(
            "share_connected_team", "connected to another agent of the first agent's team / offered",
            .connectedTeam),
        .share(
            "share_connected_leader", "connected to the first agent's team leader / offered", .connectedLeader
        ),
        .share("share_first_agent", "routed to the first agent (011) / offered", .routedFirstAgent),
        .share("share_backup", "routed to the backup agent (012) / offered", .routedBackup),
        .share("share_team", "routed to an agent of the team (013) / offered", .routedTeam),
        .share("share_leader", "routed to the team leader (014) / offered", .routedLeader),
        .share("share_random", "routed to a random idle agent (021) / offered", .routedRandom),
        .share("share_callback", "sent to a callback (03) / offered", .routedCallback),
        .share(
            "share_queue", "connected by a queue that gives no reason (baselines) / offered", .routedQueue),
        .share(
            "share_not_routed", "never routed (refused, or abandoned before routing) / offered", .notRouted),
        .share(
            "share_stranger",
            "recognised known customers connected outside their first agent's team / offered",
            .strangerConnects),
        .share(
            "service_level", "answered within the service target of arrival / offered", .answeredWithinTarget),
        .ratio(
            "asa_seconds", "mean arrival-to-connect time of answered calls (IVR included), seconds",
            [.answeredWaitSum], .answered),
        .share("answered_rate", "connected to an agent / offered", .answered),
        .share("abandon_rate_queue", "hung up while waiting in a queue / offered", .abandonedInQueue),
        .share("abandon_rate_ivr", "hung up in the ID prompt / offered", .abandonedInIVR),
        .share("blocked_rate", "refused by the router (queue full) / offered", .blocked),
        .share("waited_rate", "waited in a queue / offered", .waited),
        .count("callbacks_created", "callback tasks created", .callbacksCreated),
        .count("callbacks_done", "callback tasks done (the customer reached)", .callbacksDone),
        .count("callbacks_done_in_time", "callback tasks done by their deadline", .callbacksDoneInTime),
        .ratio(
            "callbacks_done_in_time_rate", "callback tasks done by their deadline / created",
            [.callbacksDoneInTime], .callbacksCreated),
        .count("callbacks_reminded", "callback tasks reminded at least once (06)", .callbacksReminded),
        .count("callbacks_reassigned", "callback tasks reassigned at least once (06)", .callbacksReassigned),
        .count("callbacks_expired", "callback tasks that expired undone", .callbacksExpired),
        .count("reminders", "reminders sent", .reminders),
        .count("reassignments", "reassignments made", .reassignments),
        .count("callback_attempts", "callback attempts agents started", .callbackAttempts),
        .ratio(
            "mean_callback_delay_seconds", "mean creation-to-done time of done callback tasks, seconds",
            [.callbackDelaySum], .callbacksDone),
        .delayQuantile(0.5), .delayQuantile(0.9), .delayQuantile(0.95),
        .delayWithin(15), .delayWithin(30), .delayWithin(60), .delayWithin(120),
        .count("bindings", "caller numbers bound to a customer", .bindings),
        .count("customers_created", "new customers created", .customersCreated),
        .ratio(
            "utilisation_inbound", "agent time on inbound calls (talk and wrap-up) / staffed time",
            [.inboundAgentSeconds], .staffedAgentSeconds),
        .ratio(
            "utilisation_callbacks", "agent time on callbacks / staffed time",
            [.callbackAgentSeconds], .staffedAgentSeconds),
        .ratio(
            "utilisation_idle", "agent time idle (neither inbound, callbacks nor a campaign) / staffed time",
            [.idleAgentSeconds], .staffedAgentSeconds),
    ]

    /// The metrics of a blended campaign (outbound calls count in the interval they were dialled,
    /// answered customers in the interval they answered), after `all` in a blended study.
    public static let outbound: [RoutingMetric] = [
        .count("outbound_attempts", "campaign calls dialled", .outboundAttempts),
        .count("outbound_live_answers", "campaign calls a live person answered", .outboundLiveAnswers),
        .count("outbound_connected", "answered campaign customers connected to an agent", .outboundConnected),
        .ratio(
            "outbound_abandon_rate",
            "answered campaign customers who hung up waiting or were connected after the abandon grace / live answers",
            [.outboundAbandoned], .outboundLiveAnswers),
        .ratio(
            "outbound_hung_up_waiting_rate",
            "answered campaign customers who hung up before an agent took them / live answers",
            [.outboundHungUpWaiting], .outboundLiveAnswers),
        .ratio(
            "outbound_mean_wait_seconds",
            "mean answer-to-connect (or answer-to-hang-up) time of answered campaign customers, seconds",
            [.outboundWaitSum], .outboundLiveAnswers),
        .count("outbound_contracts_closed", "contracts the dialer completed or gave up", .outboundClosedContracts),
        .ratio(
            "utilisation_outbound", "agent time on campaign calls (talk and wrap-up) / staffed time",
            [.outboundAgentSeconds], .staffedAgentSeconds),
    ]

    /// The metrics of `study`, in output order: `all`, then `outbound` when it blends a campaign.
    public static func metrics(for study: RoutingStudy) -> [RoutingMetric] {
        study.world.outbound == nil ? all : all + outbound
    }

    /// The metric named `name`.
    public static func named(_ name: String) -> RoutingMetric {
        guard let metric = (all + outbound).first(where: { $0.name == name }) else {
            preconditionFailure("no routing metric named \(name)")
        }
        return metric
    }
}

// MARK: - Running a study

/// The replications of every variant of a routing study, in variant then replication order.
public struct RoutingResult: Sendable {
    /// The study that was run.
    public var study: RoutingStudy
    /// `runs[v][r]`: replication r of variant v.
    public var runs: [[RoutingReplication]]

    /// The estimate of `metric` for `variant` over the whole run.
    public func estimate(_ metric: RoutingMetric, variant: Int) -> Estimate {
        Estimate(runs[variant].map { metric.value(of: $0) })
    }

    /// The estimate of `metric` for `variant` in interval `index`.
    public func estimate(_ metric: RoutingMetric, variant: Int, interval index: Int) -> Estimate {
        Estimate(
            runs[variant].map { rep in
                metric.value((0..<rep.series.columns).map { rep.series.value(interval: index, column: $0) })
            })
    }

    /// The paired difference `variant − baseline` of `metric` (the same callers in each pair).
    public func difference(_ metric: RoutingMetric, variant: Int, baseline: Int) -> Estimate {
        Estimate(zip(runs[variant], runs[baseline]).map { metric.value(of: $0) - metric.value(of: $1) })
    }
}

/// Runs a routing study's variants, each over all replications on the same callers.
public enum RoutingStudyRunner {
    /// Runs every variant of `study` on up to `threads` threads per variant.
    /// Throws when a blended campaign's task cannot start (step S33). Replication 0's records of
    /// every variant go to `sink`, if given.
    /// `progress` is called (from any thread) with the number of runs (variant, replication)
    /// done so far, of variants x replications.
    public static func run(
        _ study: RoutingStudy, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        sink: (any RoutingSink)? = nil, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(TaskValidationError) -> RoutingResult {
        var runs: [[RoutingReplication]] = []
        for v in study.variants.indices {
            let before = v * study.world.replications
            runs.append(
                try RoutingRunner.run(
                    study.scenario(variant: v), threads: threads, sink: sink.map { (v, $0) },
                    progress: progress.map { report in { @Sendable done in report(before + done) } }))
        }
        return RoutingResult(study: study, runs: runs)
    }
}

// MARK: - What a routing run writes

/// The files of a routing run: `summary.json`, `intervals.csv`, `replications.csv`,
/// `report.html`, and the table `simcc run` prints. A function of the result only.
public enum RoutingReports {
    /// The metrics of `intervals.csv`.
    static let intervalMetrics = [
        "offered", "share_connected_known_agent", "known_callers_connected_known_agent", "share_known_agent",
        "share_first_agent", "share_random", "share_callback", "share_queue",
        "service_level", "asa_seconds", "abandon_rate_queue", "abandon_rate_ivr", "callbacks_created",
        "callbacks_done_in_time", "utilisation_inbound", "utilisation_callbacks",
    ]
    /// Added to the interval metrics and the headline of a blended study.
    static let outboundIntervalMetrics = [
        "outbound_attempts", "outbound_connected", "outbound_abandon_rate", "utilisation_outbound",
    ]
    static let outboundHeadline = ["outbound_abandon_rate", "utilisation_outbound"]

    static func intervalMetrics(for study: RoutingStudy) -> [String] {
        study.world.outbound == nil ? intervalMetrics : intervalMetrics + outboundIntervalMetrics
    }

    static func headline(for study: RoutingStudy) -> [String] {
        study.world.outbound == nil ? headline : headline + outboundHeadline
    }
    /// The metrics of the printed table and the report's table head.
    static let headline = [
        "known_callers_connected_known_agent", "share_callback", "service_level", "asa_seconds",
        "abandon_rate_queue",
        "callbacks_done_in_time_rate", "utilisation_inbound",
    ]

    /// `summary.json`: per variant, every metric's mean and 95% half-width, and each variant's
    /// paired difference from the first.
    public static func summaryJSON(_ result: RoutingResult) -> String {
        let study = result.study, w = study.world
        let json = JSONWriter()
        json.object {
            json.field("scenario", study.name)
            json.field("kind", "routing")
            json.field("seed", integer: w.seed)
            json.field("replications", integer: UInt64(w.replications))
            json.field("confidence_level", Reports.confidenceLevel)
            json.field("horizon_seconds", w.horizon)
            json.field("interval_seconds", w.interval)
            json.field("agents", integer: UInt64(w.agents))
            json.field("teams", integer: UInt64(w.teams))
            json.field("customers", integer: UInt64(w.customers))
            json.field("warmup_seconds", w.warmup)
            json.field("arrival_rate_per_hour", w.meanArrivalRate * 3600)
            json.field("service_target_seconds", w.serviceTarget)
            json.key("variants")
            json.object {
                for (v, variant) in study.variants.enumerated() {
                    json.key(variant.name)
                    json.object {
                        json.field("router", variant.kind)
                        if let rule = study.scenario(variant: v).outbound?.rule {
                            json.field("inbound_reserve", integer: UInt64(rule.inboundReserve))
                            if let cap = rule.maxOutboundAgents {
                                json.field("max_outbound_agents", integer: UInt64(cap))
                            }
                        }
                        json.key("metrics")
                        json.object {
                            for metric in RoutingMetric.metrics(for: study) {
                                OutboundReports.estimate(
                                    json, metric.name, result.estimate(metric, variant: v))
                            }
                        }
                        if v > 0 {
                            json.key("difference_from_\(study.variants[0].name)")
                            json.object {
                                for metric in RoutingMetric.metrics(for: study) {
                                    OutboundReports.estimate(
                                        json, metric.name, result.difference(metric, variant: v, baseline: 0))
                                }
                            }
                        }
                    }
                }
            }
        }
        return json.text + "\n"
    }

    /// `intervals.csv`: per variant and interval, the main metrics with 95% half-widths.
    public static func intervalsCSV(_ result: RoutingResult) -> String {
        let names = intervalMetrics(for: result.study)
        var header = ["variant", "interval", "start_seconds", "start"]
        for name in names { header += [name, name + "_hw"] }
        var lines = [header.joined(separator: ",")]
        for (v, variant) in result.study.variants.enumerated() {
            guard let first = result.runs[v].first else { continue }
            for i in 0..<first.series.intervals {
                let start = Double(i) * first.series.width
                var row = [
                    OutboundReports.csv(variant.name), String(i), Reports.number(start), Reports.clock(start),
                ]
                for name in names {
                    let e = result.estimate(RoutingMetric.named(name), variant: v, interval: i)
                    row += [e.mean, e.halfWidth ?? .nan].map(Reports.significant)
                }
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `replications.csv`: every metric of every (variant, replication), for `simcc compare`.
    public static func replicationsCSV(_ result: RoutingResult) -> String {
        let metrics = RoutingMetric.metrics(for: result.study)
        var lines = [(["variant", "replication"] + metrics.map(\.name)).joined(separator: ",")]
        for (v, variant) in result.study.variants.enumerated() {
            for rep in result.runs[v] {
                let row =
                    [OutboundReports.csv(variant.name), String(rep.replication)]
                    + metrics.map { Reports.number($0.value(of: rep)) }
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table `simcc run` prints: the headline metrics per variant.
    public static func table(_ result: RoutingResult) -> String {
        let study = result.study, w = study.world
        var out = "\(study.name): \(w.teams) teams of \(w.teamSize), \(w.customers) customers, "
        out += "\(w.replications) replication(s), seed \(w.seed)\n"
        let width = max(8, study.variants.map(\.name.count).max() ?? 8)
        let headline = headline(for: study)
        out += "variant".padding(toLength: width, withPad: " ", startingAt: 0)
        for name in headline { out += " " + Reports.pad(short(name), 21) }
        out += "\n"
        for (v, variant) in study.variants.enumerated() {
            out += variant.name.padding(toLength: width, withPad: " ", startingAt: 0)
            for name in headline {
                out +=
                    " "
                    + Reports.pad(
                        OutboundReports.plusMinus(result.estimate(RoutingMetric.named(name), variant: v)), 21)
            }
            out += "\n"
        }
        return out
    }

    static func short(_ name: String) -> String {
        switch name {
        case "callbacks_done_in_time_rate": "cb_in_time_rate"
        case "known_callers_connected_known_agent": "known_to_team"
        case "abandon_rate_queue": "abandon_queue"
        case "utilisation_inbound": "util_inbound"
        case "outbound_abandon_rate": "out_abandon"
        case "utilisation_outbound": "util_outbound"
        default: name
        }
    }

    /// Writes the files into `directory` (each under a temporary name, then renamed).
    public static func write(_ result: RoutingResult, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Reports.writeAtomically(summaryJSON(result), to: directory + "/summary.json")
        try Reports.writeAtomically(intervalsCSV(result), to: directory + "/intervals.csv")
        try Reports.writeAtomically(replicationsCSV(result), to: directory + "/replications.csv")
        try Reports.writeAtomically(HTMLReport.routing(result), to: directory + "/report.html")
    }
}

// MARK: - The routing report

extension HTMLReport {
    /// The report of a routing study: per interval and variant, the share routed to an agent who
    /// knows the caller, the callback share and the service level, with 95% bands; and a table.
    public static func routing(_ result: RoutingResult) -> String {
        let study = result.study, w = study.world
        func curves(_ name: String) -> [Chart.Series] {
            let metric = RoutingMetric.named(name)
            var all: [Chart.Series] = []
            for (v, variant) in study.variants.enumerated() {
                guard let first = result.runs[v].first else { continue }
                var points: [Chart.Point] = []
                for i in 0..<first.series.intervals {
                    let e = result.estimate(metric, variant: v, interval: i)
                    guard e.mean.isFinite else { continue }
                    points.append(
                        .init(
                            x: (Double(i) + 0.5) * first.series.width / 3600, y: 100 * e.mean,
                            halfWidth: e.halfWidth.map { 100 * $0 }))
                }
                all.append(.init(name: variant.name, color: palette[v % palette.count], points: points))
            }
            return all
        }
        var body = "<h1>\(escape(study.name))</h1>\n"
        if !study.description.isEmpty { body += "<p>\(escape(study.description))</p>\n" }
        body += "<p>\(w.teams) teams of \(w.teamSize) agents, \(w.customers) customers, "
        body += "\(w.arrivals.isConstant ? "" : "on average ")"
        body += "\(Reports.format(w.meanArrivalRate * 3600)) calls/h for \(Units.format(seconds: w.horizon)), "
        body += "\(w.replications) replications (seed \(w.seed)); every variant meets the same callers; "
        body +=
            "bands are 95% confidence intervals over replications; calls count in the interval they arrived.</p>\n"
        body += "<h2>Put through to an agent who knows the caller</h2>\n"
        body +=
            "<p>Calls connected to the customer's first agent, its backup, another agent of its team or the "
        body +=
            "team leader, over offered calls; measured on the connect, so the queues are measured as the cascade is "
        body +=
            "(for the cascade it equals the share its steps 011-014 routed, <code>share_known_agent</code>).</p>\n"
        body += Chart(
            title: "first agent + backup + team + leader / offered", xLabel: "hours", yLabel: "%",
            series: curves("share_connected_known_agent"), lines: true, reference: nil, bounds: 0...100
        ).svg()
        body += "<h2>Sent to a callback</h2>\n"
        body += Chart(
            title: "callbacks created by 03 / offered", xLabel: "hours", yLabel: "%",
            series: curves("share_callback"), lines: true, reference: nil, bounds: 0...100
        ).svg()
        body += "<h2>Service level</h2>\n"
        body += Chart(
            title: "answered within \(Units.format(seconds: w.serviceTarget)) of arrival / offered",
            xLabel: "hours", yLabel: "%", series: curves("service_level"), lines: true, reference: nil,
            bounds: 0...100
        ).svg()
        body += "<h2>Agent time by activity</h2>\n"
        body += Chart(
            title: "on inbound calls (talk and wrap-up) / staffed time", xLabel: "hours", yLabel: "%",
            series: curves("utilisation_inbound"), lines: true, reference: nil, bounds: 0...100
        ).svg()
        body += Chart(
            title: "on callbacks / staffed time", xLabel: "hours", yLabel: "%",
            series: curves("utilisation_callbacks"), lines: true, reference: nil, bounds: 0...100
        ).svg()
        if let outbound = w.outbound {
            body += "<h2>The blended campaign</h2>\n"
            body += "<p>The same agents dial \(outbound.contacts.count) contacts with the \(outbound.dialer.kind) dialer, "
            body += "\(outbound.rule.inboundReserve) idle agent(s) kept for inbound callers"
            if let cap = outbound.rule.maxOutboundAgents { body += ", at most \(cap) on the campaign" }
            body += "; inbound first, then callbacks, then the campaign (variants may change the reserve and cap). "
            body += "Answered customers count in the interval they answered.</p>\n"
            body += Chart(
                title: "campaign: abandoned / live answers", xLabel: "hours", yLabel: "%",
                series: curves("outbound_abandon_rate"), lines: true, reference: nil, bounds: 0...100
            ).svg()
            body += Chart(
                title: "on the campaign (talk and wrap-up) / staffed time", xLabel: "hours", yLabel: "%",
                series: curves("utilisation_outbound"), lines: true, reference: nil, bounds: 0...100
            ).svg()
        }
        body += "<h2>Callback delay</h2>\n"
        body +=
            "<p>The share of done callback tasks done within a given time of their creation (the delay "
        body += "distribution, one curve per variant with a callback step).</p>\n"
        body += Chart(
            title: "done within x minutes of creation / done", xLabel: "minutes", yLabel: "%",
            series: delayCurves(result), lines: true, reference: nil, bounds: 0...100
        ).svg()
        body += "<h2>Figures</h2>\n<table>\n<tr><th>metric</th>"
        for variant in study.variants { body += "<th>\(escape(variant.name)) (\(variant.kind))</th>" }
        body += "</tr>\n"
        for metric in RoutingMetric.metrics(for: study) {
            body += "<tr><td title=\"\(escape(metric.meaning))\">\(metric.name)</td>"
            for v in study.variants.indices {
                body += "<td>\(OutboundReports.plusMinus(result.estimate(metric, variant: v)))</td>"
            }
            body += "</tr>\n"
        }
        body += "</table>\n"
        return page(title: study.name, body: body)
    }

    /// The callback delay distribution of each variant that created callbacks: at every 5
    /// minutes up to the longest delay seen (at most 8 hours), the share of done tasks done
    /// within it, with its 95% band over replications.
    static func delayCurves(_ result: RoutingResult) -> [Chart.Series] {
        let longest = result.runs.joined().compactMap(\.callbackDelays.last).max() ?? 0
        let end = min(8 * 60.0, max(30, (longest / 60 / 5).rounded(.up) * 5))
        var all: [Chart.Series] = []
        for (v, variant) in result.study.variants.enumerated() {
            guard result.runs[v].contains(where: { !$0.callbackDelays.isEmpty }) else { continue }
            var points: [Chart.Point] = []
            for minutes in stride(from: 0.0, through: end, by: 5) {
                let e = Estimate(result.runs[v].map { $0.callbackDelayShare(within: minutes * 60) })
                guard e.mean.isFinite else { continue }
                points.append(.init(x: minutes, y: 100 * e.mean, halfWidth: e.halfWidth.map { 100 * $0 }))
            }
            all.append(.init(name: variant.name, color: palette[v % palette.count], points: points))
        }
        return all
    }
}
