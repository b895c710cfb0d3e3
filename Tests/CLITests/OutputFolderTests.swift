import Foundation
import Testing

/// `simcc run`'s output folder is replaced as a whole, refused when it holds other files, and
/// left untouched (with no staging folder beside it) when a run is interrupted.
@Suite("simcc run: the output folder")
struct OutputFolderTests {
    /// Everything in `folder`'s parent whose name starts with `.NAME.simcc`: staging leftovers.
    static func leftovers(beside folder: String) throws -> [String] {
        let url = URL(fileURLWithPath: folder)
        let prefix = "." + url.lastPathComponent + ".simcc"
        return try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
            .filter { $0.hasPrefix(prefix) }
    }

    @Test("a run into a previous run's folder replaces it whole: a campaign's calls.sqlite does not survive an inbound run")
    func replacedWhole() throws {
        let out = temporaryFolder("whole")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let campaign = try simcc(["run", packageRoot + "/scenarios/sales-small-team.yaml", "--replications", "2", "--out", out])
        #expect(campaign.status == 0, "\(campaign.err)")
        #expect(FileManager.default.fileExists(atPath: out + "/calls.sqlite"))
        let inbound = try simcc(["run", packageRoot + "/scenarios/erlang-c-small.yaml", "--replications", "2", "--out", out])
        #expect(inbound.status == 0, "\(inbound.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["intervals.csv", "report.html", "summary.json"])
        #expect(try Self.leftovers(beside: out).isEmpty)
    }

    @Test("a folder holding other files, or a file, is refused before the run, and left as it was")
    func refused() throws {
        let out = temporaryFolder("foreign")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let r = try simcc(["run", packageRoot + "/scenarios/erlang-c-small.yaml", "--replications", "2", "--out", out])
        #expect(r.status == 1)
        #expect(r.err.contains("not simcc's outputs (notes.txt)"), "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["notes.txt"])
        let file = out + "/notes.txt"
        let onFile = try simcc(["run", packageRoot + "/scenarios/erlang-c-small.yaml", "--out", file])
        #expect(onFile.status == 1 && onFile.err.contains("is a file, not a folder"), "\(onFile.err)")
        #expect(!onFile.err.contains("NSCocoaErrorDomain"))
        #expect(try Self.leftovers(beside: out).isEmpty && Self.leftovers(beside: file).isEmpty)
    }

    @Test("Ctrl-C or SIGTERM during a run: status 130 or 143, the previous output untouched, nothing left beside it",
          arguments: [SIGINT, SIGTERM])
    func interrupted(_ signalNumber: Int32) throws {
        let out = temporaryFolder("interrupted-\(signalNumber)")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let first = try simcc(["run", packageRoot + "/scenarios/erlang-c-small.yaml", "--replications", "2", "--out", out])
        #expect(first.status == 0, "\(first.err)")
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        // A campaign long enough to be stopped while its records are being written.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("simcc")
        process.arguments = ["run", packageRoot + "/scenarios/survey-campaign.yaml", "--replications", "400", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the run is writing (its staging folder is there), then interrupt it.
        let deadline = Date().addingTimeInterval(30)
        while try Self.leftovers(beside: out).isEmpty && process.isRunning && Date() < deadline { usleep(20_000) }
        usleep(200_000)
        #expect(process.isRunning, "the run ended before it could be interrupted")
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signalNumber)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["intervals.csv", "report.html", "summary.json"])
        #expect(try Self.leftovers(beside: out).isEmpty)
    }
}

/// `simcc validate` makes every check `simcc run` makes before it starts, and both refuse work
/// that would take hours or gigabytes, before anything is written.
@Suite("simcc validate and run: absurd work refused before it starts")
struct AbsurdWorkTests {
    /// `scenarios/NAME.yaml` with each of `replacements` (a line's key, its new value) applied,
    /// written into `folder`.
    static func variant(
        of name: String, _ replacements: [String: String], in folder: String, as newName: String? = nil
    ) throws -> String {
        let text = try String(contentsOfFile: packageRoot + "/scenarios/\(name).yaml", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            for (key, value) in replacements where line.hasPrefix(key + ":") { return "\(key): \(value)" }
            return String(line)
        }
        let path = folder + "/\(newName ?? name + "-changed").yaml"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an interval of 1 ms, or a horizon of a thousand years: refused by validate and by run, naming what to change; no output written")
    func refused() throws {
        let folder = temporaryFolder("absurd")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tiny = try Self.variant(of: "mmn-standard", ["interval": "0.001s"], in: folder, as: "tiny")
        let long = try Self.variant(
            of: "mmn-standard", ["horizon": "8760000h", "interval": "10000h"], in: folder, as: "long")
        for (file, words) in [(tiny, "give a wider interval"), (long, "give a shorter horizon")] {
            let v = try simcc(["validate", file])
            #expect(v.status == 1 && v.err.contains(file) && v.err.contains(words), "\(v.err)")
            let out = folder + "/out"
            let r = try simcc(["run", file, "--out", out])
            #expect(r.status == 1 && r.err.contains("refused before running") && r.err.contains(words), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        // The shipped scenarios pass.
        let ok = try simcc(["validate", packageRoot + "/scenarios/survey-campaign.yaml"])
        #expect(ok.status == 0, "\(ok.err)")
    }

    @Test("validate reads the contact list a campaign names, as run does")
    func readsTheContactList() throws {
        let folder = temporaryFolder("contacts")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try Self.variant(of: "sales-small-team", [:], in: folder)
        // The list is named relative to the file: copied beside it, then emptied of usable rows.
        try FileManager.default.createDirectory(atPath: folder + "/contacts", withIntermediateDirectories: true)
        try "number\nnot-a-number\n".write(toFile: folder + "/contacts/sales-300.csv", atomically: true, encoding: .utf8)
        let v = try simcc(["validate", file])
        #expect(v.status == 1 && v.err.contains("no usable contact"), "\(v.err)")
    }
}
