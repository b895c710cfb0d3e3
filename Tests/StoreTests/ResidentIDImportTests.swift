import CallCenter
import Store
import Testing

/// PRC resident ID numbers whose check character is X (CN107682576B step 02): imported, stored
/// as `X`, and found by what the caller keys (`*` for the X).
@Suite("Customer-table import: resident ID numbers ending in X")
struct ResidentIDImportTests {
    static let table = """
        customer,numbers,id_number
        A,1001,11010519491231002X
        B,1002,22010519800101007x
        C,1003,11010519491231002x
        D,1004,1101051949123100X
        E,1005,X10105194912310021
        F,1006,11010519491231002Y
        G,1007,110105194912310021
        """

    @Test("X or x as the 18th character is accepted and stored as X; elsewhere, or another letter, refused")
    func importsX() throws {
        let store = try RoutingStore.inMemory()
        let report = try store.importCustomers(csv: Self.table, file: "ids.csv")
        #expect(report.imported == 3)
        let expected =
            "is not an ID number: expected 1 to 32 digits (what a caller keys), 17 digits and the "
            + "check character X (a PRC resident ID number), or an empty field"
        #expect(
            report.rejected.map(\.description) == [
                "ids.csv:4: id_number: \"11010519491231002x\" is a duplicate of line 2",
                "ids.csv:5: id_number: \"1101051949123100X\" \(expected)",
                "ids.csv:6: id_number: \"X10105194912310021\" \(expected)",
                "ids.csv:7: id_number: \"11010519491231002Y\" \(expected)",
            ])
        #expect(
            try store.customers().map(\.idNumber) == [
                "11010519491231002X", "22010519800101007X", "110105194912310021",
            ])
    }

    @Test("a later import's x is the stored X: refused as already in the store")
    func duplicateAcrossImports() throws {
        let store = try RoutingStore.inMemory()
        try store.importCustomers(
            csv: "customer,numbers,id_number\nA,1001,11010519491231002X\n", file: "a.csv")
        let second = try store.importCustomers(
            csv: "customer,numbers,id_number\nB,1002,11010519491231002x\n", file: "b.csv")
        #expect(
            second.rejected.map(\.description) == [
                "b.csv:2: id_number: \"11010519491231002X\" is already the ID number of customer#0 in the store"
            ])
    }

    @Test("the directory filled from the store finds the customer by the keys 17 digits and *")
    func recognisedByKeys() throws {
        let store = try RoutingStore.inMemory()
        try store.importCustomers(csv: Self.table, file: "ids.csv")
        var directory = Directory()
        try store.fill(&directory)
        let keyed = try #require(KeyedDigits("22010519800101007*").idNumber)
        #expect(directory.customer(idNumber: keyed)?.numbers == ["1002"])
        let digits = try #require(KeyedDigits("110105194912310021").idNumber)
        #expect(directory.customer(idNumber: digits)?.numbers == ["1007"])
        #expect(
            KeyedDigits("110105194912310020").idNumber.flatMap { directory.customer(idNumber: $0) } == nil)
    }
}
