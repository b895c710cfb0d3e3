import CallCenter
import Foundation
import Store
import Testing

@Suite("Customer-table import (CN107682576B steps 01 and 02)")
struct CustomerImportTests {
    @Test("bank-customers.csv: every row imported, numbers normalised, ids dense in file order")
    func sampleTable() throws {
        let store = try RoutingStore.inMemory()
        let path = sampleContacts("bank-customers.csv")
        let report = try store.importCustomers(fromFile: path)
        #expect(report.file == path)
        #expect(report.imported == 20 && report.numbers == 25 && report.rejected.isEmpty)
        #expect(report.firstCustomer == CustomerID(0))
        #expect(report.ignoredColumns == ["name"])
        #expect(
            report.description
                == "Imported 20 customers (25 numbers) from \(path) (customer#0 to customer#19); no row rejected.\n"
                + "Ignored column: name.")

        let customers = try store.customers()
        #expect(customers.map(\.id) == (0..<20).map { CustomerID($0) })
        #expect(
            customers[1]
                == Customer(
                    id: CustomerID(1), numbers: ["+8613917620452", "+862164321187"],
                    idNumber: "310104197511023321",
                    firstAgent: AgentID(0)))
        #expect(
            customers[3] == Customer(id: CustomerID(3), numbers: ["+8618601127740"], firstAgent: AgentID(2)))
        #expect(customers[9].firstAgent == nil && customers[9].idNumber == "370102197712183354")
        #expect(customers[13].numbers == ["+8615959226180", "+865922061144"])  // `|` separates too
        let stored = try store.storedCustomers()
        #expect(stored[0].label == "C0001" && stored[0].source == .imported && stored[0].createdAt == nil)
        #expect(try store.runBindings().isEmpty)
    }

    /// A table with one row of each kind of mistake, and the good rows between them.
    static let badTable = """
        customer,numbers,id_number,first_agent,note
        A,1001,,,ok
        ,1002,,,no key
        A,1003,,,key twice
        B,,,,no number
        C,12ab,,,not a number
        D,1004;1004,,,a number twice in the row
        E,2001;10-01,,,another row's number
        F,1005,12X4,,not an ID number
        G,1006,555,3,ok
        H,1007,555,,an ID number twice
        I,1008,,-1,negative agent
        J,1009,,x,not an agent
        K,1010
        L,"10"11,,,text after a quote
        M, ; | ,,,only separators
        N,1011; 1012 |+86 (10) 1013;,,7,ok: three numbers
        O,12345678901234567890,,,20 digits
        P,1014,,99999999999,too large an agent
        """

    @Test("every kind of bad row: refused alone, with file, line, field and what to fix")
    func rejections() throws {
        let store = try RoutingStore.inMemory()
        let report = try store.importCustomers(csv: Self.badTable, file: "customers.csv")
        #expect(report.imported == 3 && report.numbers == 5)
        #expect(report.ignoredColumns == ["note"])
        let messages = report.rejected.map(\.description)
        let phone = "is not a phone number: expected 3 to 19 digits with an optional leading +"
        let agent =
            "is not an agent: expected the agent's index, a whole number from 0 to 2147483647, or an empty field"
        #expect(
            messages == [
                "customers.csv:3: customer: empty; give each customer a key, unique in the table",
                "customers.csv:4: customer: \"A\" is a duplicate of line 2",
                "customers.csv:5: numbers: empty; give one or more phone numbers separated by ';' or '|'",
                "customers.csv:6: numbers: \"12ab\" \(phone)",
                "customers.csv:7: numbers: \"1004\" is listed twice in the row",
                "customers.csv:8: numbers: \"10-01\" is already a number of the customer of line 2",
                "customers.csv:9: id_number: \"12X4\" is not an ID number: expected 1 to 32 digits (what a caller "
                    + "keys), 17 digits and the check character X (a PRC resident ID number), or an empty field",
                "customers.csv:11: id_number: \"555\" is a duplicate of line 10",
                "customers.csv:12: first_agent: \"-1\" \(agent)",
                "customers.csv:13: first_agent: \"x\" \(agent)",
                "customers.csv:14: has 2 fields, the header has 5; quote a field that contains a comma",
                "customers.csv:15: field 2 has text after its closing quote; enclose the whole field in quotes "
                    + "and double any quote inside it",
                "customers.csv:16: numbers: empty; give one or more phone numbers separated by ';' or '|'",
                "customers.csv:18: numbers: \"12345678901234567890\" \(phone)",
                "customers.csv:19: first_agent: \"99999999999\" \(agent)",
            ])
        #expect(report.rejected[0].file == "customers.csv" && report.rejected[0].line == 3)
        #expect(report.rejected[0].field == "customer" && report.rejected[10].field == nil)
        #expect(
            try store.customers() == [
                Customer(id: CustomerID(0), numbers: ["1001"]),
                Customer(id: CustomerID(1), numbers: ["1006"], idNumber: "555", firstAgent: AgentID(3)),
                Customer(id: CustomerID(2), numbers: ["1011", "1012", "+86101013"], firstAgent: AgentID(7)),
            ])
        #expect(
            report.description.hasPrefix(
                "Imported 3 customers (5 numbers) from customers.csv (customer#0 to customer#2); rejected 15 rows:\n  customers.csv:3: customer: empty"
            ))
        #expect(report.description.contains("\n  customers.csv:6: numbers: \"12ab\" is not a phone number"))
    }

    @Test("a second import: keys, ID numbers and numbers the store has are refused; ids go on")
    func duplicatesAgainstTheStore() throws {
        let store = try RoutingStore.inMemory()
        try store.importCustomers(
            csv: "customer,numbers,id_number\na,1001,11\nb,1002;1003,22\n", file: "first.csv")
        let second = try store.importCustomers(
            csv: """
                Customer , NUMBERS,ID_Number
                a,2001,
                c,2002,22
                d,2003;(100) 3,
                e,2004,33
                b2,2005,
                """,
            file: "second.csv")
        #expect(second.imported == 2 && second.firstCustomer == CustomerID(2))
        #expect(
            second.rejected.map(\.description) == [
                "second.csv:2: customer: \"a\" is already in the store (customer#0)",
                "second.csv:3: id_number: \"22\" is already the ID number of customer#1 in the store",
                "second.csv:4: numbers: \"1003\" is already a number of customer#1 in the store",
            ])
        let stored = try store.storedCustomers()
        #expect(stored.map(\.label) == ["a", "b", "e", "b2"])
        #expect(stored.map(\.customer.numbers) == [["1001"], ["1002", "1003"], ["2004"], ["2005"]])

        // A table made in code is checked against itself too.
        let table = CustomerTable(
            file: "code",
            entries: [.init(label: "x", numbers: ["3001"]), .init(label: "y", numbers: ["3001"])])
        let report = try store.importCustomers(table)
        #expect(report.imported == 1)
        #expect(
            report.rejected.map(\.description) == [
                "code:0: numbers: \"3001\" is already a number of customer#4 in the store"
            ])
    }

    @Test("an import is one transaction: cancelled midway, the store is as it was")
    func atomicity() throws {
        let store = try RoutingStore.inMemory()
        try store.importCustomers(csv: "customer,numbers\nkeep,1001\n", file: "a.csv")
        let before = try store.storedCustomers()
        let rows = (0..<100).map { "c\($0),\(5_550_000 + $0);\(6_660_000 + $0)" }.joined(separator: "\n")
        var seen = 0
        #expect(throws: Cancelled.self) {
            try store.importCustomers(csv: "customer,numbers\n" + rows, file: "n.csv") { imported in
                seen = imported
                if imported == 60 { throw Cancelled() }
            }
        }
        #expect(seen == 60)
        #expect(try store.storedCustomers() == before)
        var directory = Directory()
        try store.fill(&directory)
        #expect(directory.customer(number: "5550000") == nil)
        // The same import, not cancelled, goes through after the kept customer.
        let report = try store.importCustomers(csv: "customer,numbers\n" + rows, file: "n.csv")
        #expect(report.imported == 100 && report.numbers == 200 && report.firstCustomer == CustomerID(1))
    }

    @Test("a table refused as a whole: an ImportError naming the file and line; nothing written")
    func refusedTables() throws {
        let store = try RoutingStore.inMemory()
        func importError(_ csv: String) -> ImportError? {
            #expect(throws: ImportError.self) { try store.importCustomers(csv: csv, file: "t.csv") }
        }
        #expect(importError("\n")?.description.hasPrefix("t.csv: the file is empty") == true)
        #expect(
            importError("customer,number\na,123\n")?.description
                == "t.csv:1: the header row names no 'numbers' column (it has 'customer', 'number'); a customer "
                + "table needs the columns 'customer' and 'numbers' ('id_number' and 'first_agent' optional)")
        #expect(importError("\nnumbers\n123\n")?.line == 2)
        #expect(importError("customer,numbers,Numbers\na,1,2\n")?.message.contains("columns 2 and 3") == true)
        #expect(importError("customer,\"numbers\na,1\n")?.message.contains("unterminated quote") == true)
        try withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("none.csv").path
            let error = #expect(throws: ImportError.self) { try store.importCustomers(fromFile: missing) }
            #expect(error?.file == missing && error?.message.contains("no such file") == true)
        }
        #expect(try store.customers().isEmpty)
    }

    @Test("into a Directory: the router recognises numbers and ID numbers, and ids are the store's")
    func directoryRoundTrip() throws {
        let store = try RoutingStore.inMemory()
        try store.importCustomers(fromFile: sampleContacts("bank-customers.csv"))
        var directory = Directory()
        directory.addAgent(AgentProfile(id: AgentID(0), team: TeamID(0)))  // agents do not matter
        try store.fill(&directory)
        #expect(directory.customers == (try store.customers()))
        #expect(directory.customer(number: "+862164321187")?.id == CustomerID(1))
        #expect(directory.customer(number: "+8613917620452")?.firstAgent == AgentID(0))
        #expect(directory.customer(idNumber: "530102197908301936")?.id == CustomerID(19))
        #expect(directory.customer(number: "+8613800000000") == nil)

        let again = #expect(throws: StoreError.self) { try store.fill(&directory) }
        #expect(again?.message.hasPrefix("the directory already has 20 customers") == true)
    }

    @Test("the outbound and the routing store share one file; an outbound store gains the v2 tables")
    func sharedFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("both.sqlite").path
            let outbound = try OutboundStore(path: path)
            try outbound.importContacts(csv: "number\n1001\n", file: "c.csv", batchID: "b")
            let routing = try RoutingStore(path: path)
            #expect(
                try routing.importCustomers(csv: "customer,numbers\na,1001\n", file: "k.csv").imported == 1)
            #expect(try OutboundStore(path: path).loadTask(batchID: "b").contracts.map(\.number) == ["1001"])
            #expect(try RoutingStore(path: path).customers().map(\.numbers) == [["1001"]])
        }
    }
}
