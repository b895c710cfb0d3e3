import Foundation
import Store
import Testing

/// Runs the built `simcc` with `arguments`; returns its exit status, standard output and error.
func simcc(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, out: String, err: String) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("simcc")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The package's root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

func temporaryFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("simcc-cli-\(name)-\(getpid())").path
    try? FileManager.default.removeItem(atPath: path)
    return path
}

@Suite("simcc, end to end")
struct CLITests {
    @Test("run writes summary.json and intervals.csv; the same seed gives the same bytes")
    func runIsDeterministic() throws {
        let a = temporaryFolder("a"), b = temporaryFolder("b")
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        let scenario = packageRoot + "/scenarios/erlang-c-small.yaml"
        let first = try simcc(["run", scenario, "--replications", "3", "--out", a])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("p_wait"))
        #expect(first.out.contains("service_level"))
        let second = try simcc(["run", scenario, "--replications", "3", "--out", b, "--threads", "1"])
        #expect(second.status == 0)
        for file in ["summary.json", "intervals.csv"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + file))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + file))
            #expect(x == y, "\(file) differs between two runs with the same seed")
            #expect(!x.isEmpty)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: a).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        let c = temporaryFolder("c")
        defer { try? FileManager.default.removeItem(atPath: c) }
        _ = try simcc(["run", scenario, "--replications", "3", "--out", c, "--seed", "99"])
        let x = try Data(contentsOf: URL(fileURLWithPath: a + "/summary.json"))
        let z = try Data(contentsOf: URL(fileURLWithPath: c + "/summary.json"))
        #expect(x != z, "--seed did not change the results")
    }

    @Test("validate accepts every shipped scenario")
    func validateShipped() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: packageRoot + "/scenarios")
            .filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 4)
        for file in files {
            let r = try simcc(["validate", packageRoot + "/scenarios/" + file])
            #expect(r.status == 0, "\(file): \(r.err)")
            #expect(r.out.contains("ok"))
        }
    }

    @Test("a mistake in a scenario: exit status 1, the file, line and field on standard error, nothing written")
    func badScenario() throws {
        let dir = temporaryFolder("bad")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/bad.yaml"
        try """
            name: bad
            horizon: 8h
            agents: 10
            traffic:
              arrival_rate: 3/min
              talk_time: {exponential: 3 minutes and a bit}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let v = try simcc(["validate", file])
        #expect(v.status == 1)
        #expect(v.err.contains("bad.yaml:6"), "\(v.err)")
        #expect(v.err.contains("traffic.talk_time"), "\(v.err)")
        let out = dir + "/out"
        let r = try simcc(["run", file, "--out", out])
        #expect(r.status == 1)
        #expect(!FileManager.default.fileExists(atPath: out), "a failed run wrote its folder")
    }

    @Test("bad flags are refused with a sentence")
    func badFlags() throws {
        let scenario = packageRoot + "/scenarios/erlang-c-small.yaml"
        let r = try simcc(["run", scenario, "--replications", "0"])
        #expect(r.status != 0)
        #expect(r.err.contains("--replications"))
        let missing = try simcc(["run", "/nonexistent/x.yaml"])
        #expect(missing.status == 1)
        #expect(missing.err.contains("/nonexistent/x.yaml"))
    }
}

@Suite("simcc campaigns, end to end")
struct CampaignCLITests {
    @Test("run a campaign: the files, the table; compare; the same bytes twice")
    func campaign() throws {
        let a = temporaryFolder("camp-a"), b = temporaryFolder("camp-b")
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        let scenario = packageRoot + "/scenarios/sales-small-team.yaml"
        let r = try simcc(["run", scenario, "--replications", "3", "--out", a])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("abandon_rate") && r.out.contains("progressive"))
        let files = try FileManager.default.contentsOfDirectory(atPath: a).sorted()
        #expect(files == ["calls.sqlite", "curves.csv", "replications.csv", "report.html", "summary.json"])
        let html = try String(contentsOfFile: a + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Cumulative abandonment") && html.contains("patent-3%-slow"))
        _ = try simcc(["run", scenario, "--replications", "3", "--out", b, "--threads", "1"])
        for file in ["summary.json", "curves.csv", "replications.csv", "report.html", "calls.sqlite"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/" + file))
                    == Data(contentsOf: URL(fileURLWithPath: b + "/" + file)), "\(file) differs")
        }
        // calls.sqlite holds every attempt of replication 0, variant by variant.
        let store = try OutboundStore(path: a + "/calls.sqlite")
        let rows = try String(contentsOfFile: a + "/replications.csv", encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let attempts = try #require(rows.first?.firstIndex(of: "attempts"))
        for row in rows.dropFirst() where row[1] == "0" {
            #expect(try store.callRecords(batchID: row[0]).count == Int(Double(row[attempts])!), "\(row[0])")
        }
        let c = try simcc(["compare", a, "--baseline", "progressive"])
        #expect(c.status == 0, "\(c.err)")
        #expect(c.out.contains("patent-3% − progressive"))
        let bad = try simcc(["compare", a, "--baseline", "nobody"])
        #expect(bad.status == 1 && bad.err.contains("no variant 'nobody'"))
    }

    @Test("import a contact list: the report names refused rows by line")
    func importList() throws {
        let dir = temporaryFolder("import")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try simcc(["import", packageRoot + "/scenarios/contacts/bad-rows.csv", "--batch", "b1", "--db", dir + "/s.sqlite"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("line 3: empty number"))
        let again = try simcc(["import", packageRoot + "/scenarios/contacts/bad-rows.csv", "--batch", "b1", "--db", dir + "/s.sqlite"])
        #expect(again.out.contains("already in batch b1"))
        let missing = try simcc(["import", dir + "/none.csv", "--batch", "b1", "--db", dir + "/s.sqlite"])
        #expect(missing.status == 1 && missing.err.contains("none.csv"))
    }
}

@Suite("simcc import --customers, end to end")
struct CustomerImportCLITests {
    @Test("a customer table: the report; a bad row named by file, line and field; flags checked")
    func importCustomers() throws {
        let dir = temporaryFolder("import-customers")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/routing.sqlite"
        let sample = packageRoot + "/scenarios/contacts/bank-customers.csv"
        let r = try simcc(["import", "--customers", sample, "--db", db])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("Imported 20 customers (25 numbers) from \(sample) (customer#0 to customer#19)"))

        let bad = dir + "/more.csv"
        try "customer,numbers\nC0100,+86 138 0000 0100\nC0101,12ab\nC0001,+86 138 0000 0102\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let more = try simcc(["import", "--customers", bad, "--db", db])
        #expect(more.status == 0, "\(more.err)")
        #expect(more.out.contains("Imported 1 customer (1 number)"))
        #expect(more.out.contains("\(bad):3: numbers: \"12ab\" is not a phone number"))
        #expect(more.out.contains("\(bad):4: customer: \"C0001\" is already in the store (customer#0)"))

        let both = try simcc(["import", sample, "--customers", sample, "--db", db])
        #expect(both.status != 0 && both.err.contains("not both"))
        let none = try simcc(["import", "--db", db])
        #expect(none.status != 0 && none.err.contains("--customers"))
        let missing = try simcc(["import", "--customers", dir + "/none.csv", "--db", db])
        #expect(missing.status == 1 && missing.err.contains("none.csv") && missing.err.contains("no such file"))
    }
}

@Suite("simcc, routing studies end to end")
struct RoutingCLITests {
    static func study(customers: String) -> String {
        """
        name: branch
        seed: 3
        replications: 2
        horizon: 2h
        routing:
          teams: 6
          team_size: 5
          customers: \(customers)
          arrival_rate: 30/h
          callers: {known_number: 0.6, known_customer_other_number: 0.2, valid_id: 0.9}
        variants:
          - {name: cascade, router: cascade}
          - {name: queue, router: queue}
        """
    }

    @Test("a study on a customer table: its customers, keys and first agents reach the records")
    func customerTable() throws {
        let dir = temporaryFolder("routing-table")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let csv = packageRoot + "/scenarios/contacts/bank-customers.csv"
        try Self.study(customers: csv).write(toFile: dir + "/branch.yaml", atomically: true, encoding: .utf8)
        let validate = try simcc(["validate", dir + "/branch.yaml"])
        #expect(validate.status == 0, "\(validate.err)")
        #expect(validate.out.contains("20 customers"))
        let run = try simcc(["run", dir + "/branch.yaml", "--out", dir + "/out"])
        #expect(run.status == 0, "\(run.err)")
        let records = dir + "/out/records/cascade.sqlite"
        #expect(FileManager.default.fileExists(atPath: records))
        #expect(FileManager.default.fileExists(atPath: dir + "/out/records/queue.sqlite"))
        // The store's customers are the table's, by their keys, with their first agents.
        let query = Process()
        query.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        query.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("select label, first_agent from customers where id = 1").fetchone())
            print(db.execute("select count(*) from inbound_calls").fetchone()[0] > 0)
            """, records]
        let pipe = Pipe()
        query.standardOutput = pipe
        try query.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        #expect(text == "('C0002', 0)\nTrue\n")
    }

    @Test("a customer table naming an agent the study lacks is refused with file, line and field")
    func tableWithUnknownAgent() throws {
        let dir = temporaryFolder("routing-bad-table")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "customer,numbers,first_agent\nA,13800138001,1\nB,13800138002,99\n".write(
            toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        try Self.study(customers: "customers.csv").write(toFile: dir + "/branch.yaml", atomically: true, encoding: .utf8)
        let run = try simcc(["run", dir + "/branch.yaml", "--out", dir + "/out"])
        #expect(run.status != 0)
        #expect(run.err.contains("customers.csv:3: first_agent: agent 99 does not exist"), "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/summary.json"))
        let missing = try simcc(["validate", dir + "/nothing.yaml"])
        #expect(missing.status != 0)
        try Self.study(customers: "nowhere.csv").write(toFile: dir + "/branch.yaml", atomically: true, encoding: .utf8)
        let noFile = try simcc(["validate", dir + "/branch.yaml"])
        #expect(noFile.status != 0)
        #expect(noFile.err.contains("routing.customers"), "\(noFile.err)")
    }
}

@Suite("simcc review, end to end")
struct ReviewCLITests {
    /// Runs `python3 -c script db` and returns its output.
    static func python(_ script: String, _ db: String) throws -> String {
        let query = Process()
        query.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        query.arguments = ["python3", "-c", script, db]
        let pipe = Pipe()
        query.standardOutput = pipe
        try query.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        return text
    }

    @Test("lists the contracts held for review and records a decision; a contract not held is refused with the reason")
    func review() throws {
        let dir = temporaryFolder("review")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/s.sqlite"
        try "number,customer\n13800000001,a\n13800000002,b\n".write(toFile: dir + "/list.csv", atomically: true, encoding: .utf8)
        #expect(try simcc(["import", dir + "/list.csv", "--batch", "b1", "--db", db]).status == 0)
        #expect(try simcc(["review", "--batch", "b1", "--db", db]).out.contains("no contract held for review"))
        // As a live dialer leaves a contract whose call nobody saw end.
        _ = try Self.python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("update contracts set state = 'review', attempts = 1, last_outcome = 'unknown' where idx = 1")
            db.commit()
            """, db)
        let listed = try simcc(["review", "--batch", "b1", "--db", db])
        #expect(listed.status == 0 && listed.out.contains("1 contract(s) held for review") && listed.out.contains("13800000002"), "\(listed.out)")
        let json = try simcc(["review", "--batch", "b1", "--db", db, "--json"])
        #expect(json.out.contains("\"contract\" : 1"), "\(json.out)")
        let decided = try simcc(["review", "--batch", "b1", "--db", db, "--redial", "1"])
        #expect(decided.status == 0 && decided.out.contains("contract 1 of batch b1: redial"), "\(decided.err)")
        #expect(try Self.python("""
            import sqlite3, sys
            print(sqlite3.connect(sys.argv[1]).execute("select state, attempts from contracts where idx = 1").fetchone())
            """, db) == "('uncompleted', 1)\n")
        let refused = try simcc(["review", "--batch", "b1", "--db", db, "--served", "0"])
        #expect(refused.status != 0 && refused.err.contains("contract 0 of batch b1 is not held for review"), "\(refused.err)")
        let both = try simcc(["review", "--batch", "b1", "--db", db, "--served", "0", "--redial", "1"])
        #expect(both.status != 0 && both.err.contains("decide one contract at a time"))
    }
}
