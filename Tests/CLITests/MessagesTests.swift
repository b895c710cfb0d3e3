import Foundation
import Testing

/// Small things a new user meets: a negative number for an option, a failed import, a huge field.
@Suite("simcc's messages for small mistakes")
struct MessagesTests {
    @Test("--replications -1 and --threads -3 are refused with their bound, not as a missing value")
    func negativeNumbers() throws {
        let scenario = packageRoot + "/scenarios/erlang-c-small.yaml"
        let out = temporaryFolder("negative")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try simcc(["run", scenario, "--replications", "-1", "--out", out])
        #expect(r.status != 0 && r.err.contains("--replications must be between 1 and 10000, got -1"), "\(r.err)")
        #expect(!r.err.contains("Missing value"))
        let t = try simcc(["run", scenario, "--threads", "-3", "--out", out])
        #expect(t.status != 0 && t.err.contains("--threads must be at least 1, got -3"), "\(t.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("a failed import leaves no new store behind; an existing store stays")
    func failedImport() throws {
        let folder = temporaryFolder("import")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/new.sqlite"
        let r = try simcc(["import", folder + "/missing.csv", "--batch", "b1", "--db", db])
        #expect(r.status == 1 && r.err.contains("missing.csv"), "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        let ok = try simcc(["import", packageRoot + "/scenarios/contacts/bad-rows.csv", "--batch", "b1", "--db", db])
        #expect(ok.status == 0, "\(ok.err)")
        let again = try simcc(["import", folder + "/missing.csv", "--batch", "b2", "--db", db])
        #expect(again.status == 1)
        #expect(FileManager.default.fileExists(atPath: db))
    }

    @Test("a 1 MB number is quoted by its first 40 characters and its length, not echoed whole")
    func hugeField() throws {
        let folder = temporaryFolder("huge")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ("number\n" + String(repeating: "1", count: 1_000_000) + "\n+8613800000001\n")
            .write(toFile: folder + "/big.csv", atomically: true, encoding: .utf8)
        let r = try simcc(["import", folder + "/big.csv", "--batch", "b", "--db", folder + "/s.sqlite"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("'" + String(repeating: "1", count: 40) + "...' (1000000 characters) is not a phone number"))
        #expect(r.out.utf8.count + r.err.utf8.count < 2_000)
    }
}
