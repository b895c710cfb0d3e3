import CallCenter
import Foundation
import Store
import Testing

@Suite("Contact-list import (S1)")
struct ImportTests {
    @Test("bad-rows.csv: the good rows are imported, each bad row is reported with its line and reason")
    func badRows() throws {
        let store = try OutboundStore.inMemory()
        try store.importContacts(csv: "number\n+86 138 0000 0009\n", file: "first.csv", batchID: "b")
        let path = sampleContacts("bad-rows.csv")
        let report = try store.importContacts(fromFile: path, batchID: "b")

        #expect(report.batchID == "b")
        #expect(report.file == path)
        #expect(report.imported == 3)
        #expect(report.firstContract == ContractID(1))
        #expect(report.ignoredColumns == ["note"])
        let reasons = Dictionary(uniqueKeysWithValues: report.rejected.map { ($0.line, $0.reason) })
        #expect(report.rejected.map(\.line) == [3, 4, 7, 8, 9, 10, 11, 13, 14])
        #expect(reasons[3] == "empty number")
        #expect(
            reasons[4] == "'12ab' is not a phone number: expected 3 to 20 digits with an optional leading +")
        #expect(reasons[7] == "duplicate of line 2")
        #expect(reasons[8]?.hasPrefix("has 2 fields, the header has 3") == true)
        #expect(
            reasons[9] == "'12' is not a phone number: expected 3 to 20 digits with an optional leading +")
        #expect(reasons[10]?.contains("has a quote but does not start with one") == true)
        #expect(reasons[11]?.contains("text after its closing quote") == true)
        #expect(reasons[13] == "already in batch b")
        #expect(reasons[14]?.hasPrefix("unterminated quote: field 2, opened on line 14") == true)

        let task = try store.loadTask(batchID: "b")
        #expect(
            task.contracts.map(\.number) == [
                "+8613800000009", "+8613800000001", "+8613800000002", "01065529988",
            ])
        #expect(task.contracts.map(\.id) == (0..<4).map { ContractID($0) })
        #expect(task.contracts[1].customer == "Alice")
        #expect(task.contracts[2].customer == "Dan, \"the boss\"\nSmith")
        #expect(task.contracts[3].customer == "Ivan")
        #expect(
            task.contracts.allSatisfy {
                $0.state == .uncompleted && $0.attempts == 0 && $0.lastOutcome == nil
            })

        let text = report.description
        #expect(
            text.hasPrefix(
                "Imported 3 contracts from \(path) into batch b (contract#1 to contract#3); rejected 9 rows:")
        )
        #expect(
            text.contains(
                "\n  line 4: '12ab' is not a phone number: expected 3 to 20 digits with an optional leading +\n"
            ))
        #expect(text.hasSuffix("\nIgnored column: note."))
    }

    @Test("quoted fields with commas, doubled quotes and newlines; a UTF-8 BOM and CRLF")
    func quotingBOMAndCRLF() throws {
        let store = try OutboundStore.inMemory()
        let csv =
            "\u{FEFF} Number ,CUSTOMER,extra\r\n"  // line 1
            + "138 0013 8000,\"Lee, \"\"Ann\"\"\r\nand Bo\",x\r\n"  // lines 2-3
            + "+1 (555) 010-9999,,\"a,b\"\r\n"  // line 4: no customer: the number
            + "\r\n"  // line 5: empty, skipped
            + "555.0100,bad,\"ok\"tail\r\n"  // line 6: text after a closing quote
            + "99x,c,d"  // line 7: no final line break
        let report = try store.importContacts(csv: csv, file: "crlf.csv", batchID: "q")
        #expect(report.imported == 2)
        #expect(report.ignoredColumns == ["extra"])
        #expect(report.rejected.map(\.line) == [6, 7])
        let task = try store.loadTask(batchID: "q")
        #expect(task.contracts.map(\.number) == ["13800138000", "+15550109999"])
        #expect(task.contracts[0].customer == "Lee, \"Ann\"\r\nand Bo")
        #expect(task.contracts[1].customer == "+15550109999")
    }

    @Test("number normalisation: spaces, dashes, dots and parentheses go; then + and 3 to 20 digits")
    func normalisation() {
        #expect(ContactList.normalizedNumber("+86 (138) 0013-8000") == "+8613800138000")
        #expect(ContactList.normalizedNumber("555.010.9999") == "5550109999")
        #expect(ContactList.normalizedNumber("123") == "123")
        #expect(ContactList.normalizedNumber(String(repeating: "9", count: 20)) != nil)
        #expect(ContactList.normalizedNumber(String(repeating: "9", count: 21)) == nil)
        #expect(ContactList.normalizedNumber("12") == nil)
        #expect(ContactList.normalizedNumber("1+23") == nil)
        #expect(ContactList.normalizedNumber("++123") == nil)
        #expect(ContactList.normalizedNumber("123#4") == nil)
        #expect(ContactList.normalizedNumber("１２３") == nil)  // full-width digits
    }

    @Test("duplicates in the file and in the batch are refused; a second import appends")
    func duplicatesAndAppend() throws {
        let store = try OutboundStore.inMemory()
        let first = try store.importContacts(
            csv: "number,customer\n1001,a\n1002,b\n1003,c\n", file: "a.csv", batchID: "x")
        #expect(first.imported == 3 && first.firstContract == ContractID(0) && first.rejected.isEmpty)
        #expect(
            first.description
                == "Imported 3 contracts from a.csv into batch x (contract#0 to contract#2); no row rejected."
        )

        let second = try store.importContacts(
            csv: "customer,number\nd,1004\nb2,10-02\ne,1005\nd2,1004\n", file: "b.csv", batchID: "x")
        #expect(second.imported == 2)
        #expect(second.firstContract == ContractID(3))
        #expect(
            second.rejected == [
                RejectedRow(line: 3, reason: "already in batch x"),
                RejectedRow(line: 5, reason: "duplicate of line 2"),
            ])
        let task = try store.loadTask(batchID: "x")
        #expect(task.contracts.map(\.number) == ["1001", "1002", "1003", "1004", "1005"])
        #expect(task.contracts.map(\.customer) == ["a", "b", "c", "d", "e"])
        #expect(task.contracts.enumerated().allSatisfy { $0.element.id.index == $0.offset })

        // Another batch may hold the same numbers.
        let other = try store.importContacts(csv: "number\n1001\n", file: "c.csv", batchID: "y")
        #expect(other.imported == 1 && other.firstContract == ContractID(0))
        #expect(try store.batchIDs() == ["x", "y"])
    }

    @Test("an import is one transaction: cancelled midway, it leaves nothing")
    func oneTransaction() throws {
        let store = try OutboundStore.inMemory()
        let rows = (0..<100).map { "\(5_550_000 + $0)" }.joined(separator: "\n")
        // A new batch: neither the task nor any contract is written.
        #expect(throws: Cancelled.self) {
            try store.importContacts(csv: "number\n" + rows, file: "n.csv", batchID: "new") { imported in
                if imported == 50 { throw Cancelled() }
            }
        }
        #expect(try store.batchIDs().isEmpty)

        // An existing batch keeps exactly what it had.
        try store.importContacts(csv: "number\n1001\n1002\n", file: "a.csv", batchID: "old")
        var seen = 0
        #expect(throws: Cancelled.self) {
            try store.importContacts(csv: "number\n" + rows, file: "n.csv", batchID: "old") { imported in
                seen = imported
                if imported == 99 { throw Cancelled() }
            }
        }
        #expect(seen == 99)
        #expect(try store.loadTask(batchID: "old").contracts.map(\.number) == ["1001", "1002"])
        // And the same import, not cancelled, goes through.
        #expect(
            try store.importContacts(csv: "number\n" + rows, file: "n.csv", batchID: "old").imported == 100)
    }

    @Test("a file refused as a whole: a thrown ImportError naming the file and line")
    func refusedFiles() throws {
        let store = try OutboundStore.inMemory()
        func importError(_ csv: String, batchID: String = "b") -> ImportError? {
            #expect(throws: ImportError.self) {
                try store.importContacts(csv: csv, file: "f.csv", batchID: batchID)
            }
        }
        let emptyBatch = importError("number\n123\n", batchID: "")
        #expect(emptyBatch?.file == "f.csv")
        #expect(emptyBatch?.message.contains("batch id is empty") == true)
        #expect(importError("number\n123\n", batchID: " b")?.message.contains("spaces") == true)

        let empty = importError("\n\n")
        #expect(empty?.line == nil)
        #expect(empty?.description.hasPrefix("f.csv: the file is empty") == true)

        let noNumber = importError("\n\nphone,customer\n123,a\n")
        #expect(noNumber?.line == 3)
        #expect(
            noNumber?.description.hasPrefix(
                "f.csv:3: the header row names no 'number' column (it has 'phone', 'customer')") == true)

        let twice = importError("number,Number\n1,2\n")
        #expect(twice?.line == 1 && twice?.message.contains("columns 1 and 2") == true)

        let badHeader = importError("number,\"customer\n123,a\n")
        #expect(badHeader?.line == 1 && badHeader?.message.contains("unterminated quote") == true)
        #expect(try store.batchIDs().isEmpty)
    }

    @Test("unreadable files: missing, a folder, not UTF-8")
    func unreadableFiles() throws {
        let store = try OutboundStore.inMemory()
        try withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("missing.csv").path
            let error = #expect(throws: ImportError.self) {
                try store.importContacts(fromFile: missing, batchID: "b")
            }
            #expect(error?.file == missing)
            #expect(error?.message.contains("no such file") == true)

            let folder = #expect(throws: ImportError.self) {
                try store.importContacts(fromFile: dir.path, batchID: "b")
            }
            #expect(folder?.message.contains("folder") == true)

            let latin1 = dir.appendingPathComponent("latin1.csv")
            try Data("number,customer\n123,Ann\n456,Jos".utf8 + [0xE9] + Data("\n".utf8)).write(to: latin1)
            let notUTF8 = #expect(throws: ImportError.self) {
                try store.importContacts(fromFile: latin1.path, batchID: "b")
            }
            #expect(notUTF8?.line == 3)
            #expect(notUTF8?.message.contains("not UTF-8") == true)
        }
        #expect(try store.batchIDs().isEmpty)
    }

    @Test("the shipped sample lists import cleanly")
    func sampleLists() throws {
        let store = try OutboundStore.inMemory()
        let survey = try store.importContacts(fromFile: sampleContacts("survey-2000.csv"), batchID: "survey")
        #expect(survey.imported == 2000 && survey.rejected.isEmpty && survey.ignoredColumns == ["region"])
        let sales = try store.importContacts(fromFile: sampleContacts("sales-300.csv"), batchID: "sales")
        #expect(
            sales.imported == 300 && sales.rejected.isEmpty && sales.ignoredColumns == ["product", "note"])
        let task = try store.loadTask(batchID: "sales")
        #expect(task.contracts[0].number == "+8615003141592")
        #expect(task.contracts[0].customer == "Wang, Wei")
    }
}
