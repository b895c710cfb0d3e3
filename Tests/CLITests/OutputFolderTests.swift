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
