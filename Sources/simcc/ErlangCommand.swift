import ArgumentParser
import Foundation
import Scenarios
import SimKernel

/// `simcc erlang`: exact Erlang B, C and A figures for one staffing level or a range of them.
struct ErlangCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erlang",
        abstract: "Exact Erlang B, C and A figures for a staffing level or a range of them.",
        discussion: """
            Poisson arrivals, exponential handle times, first-come-first-served. Erlang B: no \
            queue, calls finding every agent busy are lost. Erlang C: callers wait as long as it \
            takes (unstable when the offered load reaches the number of agents). Erlang A \
            (with --patience): callers hang up after an exponential patience with that mean; \
            computed exactly from the birth-death chain, stable at every load.

            Definitions, over offered calls (answered + abandoned), as the simulator measures \
            them: P(wait) = share of offered calls finding no idle agent; P(abandon) = share \
            hanging up before an answer; ASA = mean wait of answered calls (answered at once \
            counts as 0); mean wait (all) = mean wait of every offered call until answer or \
            hang-up; service level = calls answered within the target / offered calls; \
            occupancy = mean busy agents / agents.
            """
    )

    @Option(help: "Agents, or a range such as 90...110 or 90-110 for one line per staffing level.")
    var agents: String

    @Option(help: "Arrival rate, such as 0.5278/s, 1900/h or 31.7/min.")
    var rate: String

    @Option(help: "Mean handle time (talk and wrap-up), such as 3min or 180s.")
    var aht: String

    @Option(help: "Mean patience before callers hang up, such as 60s; adds Erlang A.")
    var patience: String?

    @Option(help: "Service-level target: the wait within which an answer counts, such as 20s.")
    var target: String = "20s"

    @Flag(help: "Print the figures as JSON (sorted keys) for scripts.")
    var json = false

    // MARK: - Reading the options

    /// The options, read and checked.
    struct Inputs {
        var agents: ClosedRange<Int>
        var rate: Double
        var aht: Double
        var patience: Double?
        var target: Double
        var offeredLoad: Double { rate * aht }
    }

    /// Most staffing levels one call will print.
    static let maxLines = 10_000

    /// Reads and checks the options; every message names its flag.
    func inputs() throws(ValidationError) -> Inputs {
        func duration(_ flag: String, _ text: String) throws(ValidationError) -> Double {
            do { return try Units.duration(text) } catch {
                throw ValidationError("\(flag): \(error)")
            }
        }
        let rate: Double
        do { rate = try Units.rate(self.rate) } catch { throw ValidationError("--rate: \(error)") }
        guard rate > 0, rate.isFinite else {
            throw ValidationError("--rate: the arrival rate must be positive, got '\(self.rate)'")
        }
        let aht = try duration("--aht", self.aht)
        guard aht > 0, aht.isFinite else {
            throw ValidationError("--aht: the mean handle time must be positive, got '\(self.aht)'")
        }
        let target = try duration("--target", self.target)
        guard target.isFinite else {
            throw ValidationError(
                "--target: the service-level target must be finite, got '\(self.target)'")
        }
        var patience: Double?
        if let text = self.patience {
            let value = try duration("--patience", text)
            guard value > 0, value.isFinite else {
                throw ValidationError(
                    "--patience: the mean patience must be positive, got '\(text)'")
            }
            patience = value
        }
        let agents = try Self.staffing(self.agents)
        return Inputs(agents: agents, rate: rate, aht: aht, patience: patience, target: target)
    }

    /// Reads `100`, `90...110` or `90-110`.
    static func staffing(_ text: String) throws(ValidationError) -> ClosedRange<Int> {
        let expected =
            "--agents: expected a number of agents such as 100 or a range such as 90...110"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let bounds: [Substring]
        if trimmed.contains("...") {
            bounds = trimmed.split(separator: "...", omittingEmptySubsequences: false)
        } else {
            bounds = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        }
        let numbers = bounds.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(numbers.count), let low = numbers.first!, let high = numbers.last!
        else {
            throw ValidationError("\(expected), got '\(text)'")
        }
        guard low >= 1 else {
            throw ValidationError("--agents: need at least 1 agent, got '\(text)'")
        }
        guard low <= high else {
            throw ValidationError("--agents: the range must run from low to high, got '\(text)'")
        }
        guard high - low < maxLines else {
            throw ValidationError(
                "--agents: at most \(maxLines) staffing levels at once, got '\(text)'")
        }
        return low...high
    }

    func validate() throws {
        _ = try inputs()
    }

    // MARK: - Figures

    /// Erlang B, C and A at one staffing level.
    struct Line: Encodable {
        var agents: Int
        var blocking: Double
        var erlangC: ErlangC?
        var erlangCProblem: String?
        var erlangA: ErlangA?
        var withPatience: Bool

        enum CodingKeys: String, CodingKey {
            case agents, erlangB, erlangC, erlangCProblem, erlangA
        }
        enum BKeys: String, CodingKey { case blocking }
        enum CKeys: String, CodingKey { case pWait, asa, serviceLevel, occupancy, meanQueueLength }
        enum AKeys: String, CodingKey {
            case pWait, pAbandon, asa, meanWaitAll, serviceLevel, occupancy, meanQueueLength
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(agents, forKey: .agents)
            var b = container.nestedContainer(keyedBy: BKeys.self, forKey: .erlangB)
            try b.encode(blocking, forKey: .blocking)
            if let c = erlangC {
                var nested = container.nestedContainer(keyedBy: CKeys.self, forKey: .erlangC)
                try nested.encode(c.pWait, forKey: .pWait)
                try nested.encode(c.asa, forKey: .asa)
                try nested.encode(c.serviceLevel, forKey: .serviceLevel)
                try nested.encode(c.occupancy, forKey: .occupancy)
                try nested.encode(c.meanQueueLength, forKey: .meanQueueLength)
            } else {
                try container.encodeNil(forKey: .erlangC)
                try container.encodeIfPresent(erlangCProblem, forKey: .erlangCProblem)
            }
            if let a = erlangA {
                var nested = container.nestedContainer(keyedBy: AKeys.self, forKey: .erlangA)
                try nested.encode(a.pWait, forKey: .pWait)
                try nested.encode(a.pAbandon, forKey: .pAbandon)
                try nested.encode(a.asa, forKey: .asa)
                try nested.encode(a.meanWaitAll, forKey: .meanWaitAll)
                try nested.encode(a.serviceLevel, forKey: .serviceLevel)
                try nested.encode(a.occupancy, forKey: .occupancy)
                try nested.encode(a.meanQueueLength, forKey: .meanQueueLength)
            }
        }
    }

    /// The whole answer, as `--json` prints it.
    struct Report: Encodable {
        var arrivalRate: Double
        var handleTime: Double
        var offeredLoad: Double
        var target: Double
        var patience: Double?
        var staffing: [Line]
    }

    /// Computes every staffing level's figures.
    /// - Complexity: O(Σ (n + K·M)) over the staffing levels; see `Erlang.abandonment`.
    static func lines(_ inputs: Inputs) throws(ErlangError) -> [Line] {
        var lines: [Line] = []
        for n in inputs.agents {
            let blocking = try Erlang.blocking(agents: n, offeredLoad: inputs.offeredLoad)
            var c: ErlangC?
            var problem: String?
            do {
                c = try Erlang.delay(
                    agents: n, arrivalRate: inputs.rate, handleTime: inputs.aht,
                    target: inputs.target)
            } catch {
                guard case .unstable = error else { throw error }
                problem = error.description
            }
            var a: ErlangA?
            if let patience = inputs.patience {
                a = try Erlang.abandonment(
                    agents: n, arrivalRate: inputs.rate, handleTime: inputs.aht, patience: patience,
                    target: inputs.target)
            }
            lines.append(
                Line(
                    agents: n, blocking: blocking, erlangC: c, erlangCProblem: problem, erlangA: a,
                    withPatience: inputs.patience != nil))
        }
        return lines
    }

    func run() throws {
        let inputs = try inputs()
        let lines = try Self.lines(inputs)
        if json {
            let report = Report(
                arrivalRate: inputs.rate, handleTime: inputs.aht, offeredLoad: inputs.offeredLoad,
                target: inputs.target, patience: inputs.patience, staffing: lines)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(Self.heading(inputs))
        print()
        if lines.count == 1 {
            print(Self.card(lines[0]))
        } else {
            print(Self.table(lines))
        }
    }

    // MARK: - Tables

    static func percent(_ p: Double) -> String { String(format: "%.2f%%", p * 100) }
    static func seconds(_ s: Double) -> String { String(format: "%.1fs", s) }
    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
    static func padRight(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    /// What was asked, in planner terms.
    static func heading(_ inputs: Inputs) -> String {
        let load = String(format: "%.3f", inputs.offeredLoad)
        var text =
            "offered load \(load) erlangs: \(String(format: "%.6g", inputs.rate)) calls/s "
            + "(\(String(format: "%.1f", inputs.rate * 3600))/h) × handle time "
            + "\(Units.format(seconds: inputs.aht))\nservice-level target "
            + Units.format(seconds: inputs.target)
        if let patience = inputs.patience {
            text += ", mean patience \(Units.format(seconds: patience)) (Erlang A)"
        }
        return text
    }

    /// One staffing level: the figures down, the models across.
    static func card(_ line: Line) -> String {
        let dash = "-"
        let c = line.erlangC
        let a = line.erlangA
        // One row: its name, then Erlang B's, C's and (with --patience) A's figure.
        var rows: [(String, String, String, String?)] = []
        func row(
            _ name: String, _ ofC: (ErlangC) -> String, _ ofA: (ErlangA) -> String,
            unstable: String = "-"
        ) {
            rows.append((name, dash, c.map(ofC) ?? unstable, a.map(ofA)))
        }
        let queue = { (q: Double) in String(format: "%.3f", q) }
        rows.append(("blocked", percent(line.blocking), dash, line.withPatience ? dash : nil))
        row("P(wait)", { percent($0.pWait) }, { percent($0.pWait) }, unstable: "unstable")
        row("P(abandon)", { _ in percent(0) }, { percent($0.pAbandon) })
        row("ASA (answered)", { seconds($0.asa) }, { seconds($0.asa) })
        row("mean wait (all)", { seconds($0.meanWaitAll) }, { seconds($0.meanWaitAll) })
        row("service level", { percent($0.serviceLevel) }, { percent($0.serviceLevel) })
        row("occupancy", { percent($0.occupancy) }, { percent($0.occupancy) })
        row("mean queue", { queue($0.meanQueueLength) }, { queue($0.meanQueueLength) })
        let label = 17
        let column = 11
        var out =
            padRight("\(line.agents) agents", label) + pad("Erlang B", column)
            + pad("Erlang C", column)
        if line.withPatience { out += pad("Erlang A", column) }
        for (name, b, cValue, aValue) in rows {
            out += "\n" + padRight(name, label) + pad(b, column) + pad(cValue, column)
            if let aValue { out += pad(aValue, column) }
        }
        if let problem = line.erlangCProblem { out += "\n\nErlang C: \(problem)" }
        return out
    }

    /// Several staffing levels: one line each.
    static func table(_ lines: [Line]) -> String {
        let withPatience = lines.first?.withPatience ?? false
        var header1 = pad("", 6) + "  " + pad("Erlang B", 9) + "  " + padRight(" Erlang C", 35)
        var header2 =
            pad("agents", 6) + "  " + pad("blocked", 9) + "  "
            + [pad("P(wait)", 8), pad("ASA", 8), pad("SL", 8), pad("occup.", 8)].joined(
                separator: " ")
        if withPatience {
            header1 += "    Erlang A"
            header2 +=
                "   "
                + [
                    pad("P(wait)", 8), pad("P(aband)", 8), pad("ASA", 8), pad("wait all", 8),
                    pad("SL", 8), pad("occup.", 8),
                ].joined(separator: " ")
        }
        var out = [header1.trimmingTrailingSpaces(), header2]
        for line in lines {
            var text = pad(String(line.agents), 6) + "  " + pad(percent(line.blocking), 9) + "  "
            if let c = line.erlangC {
                text += [
                    percent(c.pWait), seconds(c.asa), percent(c.serviceLevel), percent(c.occupancy),
                ]
                .map { pad($0, 8) }.joined(separator: " ")
            } else {
                text += padRight("unstable", 35)
            }
            if let a = line.erlangA {
                text +=
                    "   "
                    + [
                        percent(a.pWait), percent(a.pAbandon), seconds(a.asa),
                        seconds(a.meanWaitAll),
                        percent(a.serviceLevel), percent(a.occupancy),
                    ].map { pad($0, 8) }
                    .joined(separator: " ")
            }
            out.append(text.trimmingTrailingSpaces())
        }
        return out.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
