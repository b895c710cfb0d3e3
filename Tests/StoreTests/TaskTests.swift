import CallCenter
import Foundation
import Store
import Testing

@Suite("Tasks, snapshots and the store file")
struct TaskTests {
    /// A store with batch "t" of five contracts.
    func storeWithTask() throws -> OutboundStore {
        let store = try OutboundStore.inMemory()
        try store.importContacts(
            csv: "number,customer\n1001,a\n1002,b\n1003,c\n1004,d\n1005,e\n", file: "t.csv", batchID: "t")
        return store
    }

    @Test("saveContracts then loadTask gives back every field")
    func taskRoundTrip() throws {
        let store = try storeWithTask()
        var task = try store.loadTask(batchID: "t")
        #expect(task.contracts.count == 5)
        task.contracts[0].state = .completed
        task.contracts[0].attempts = 1
        task.contracts[0].lastOutcome = .connected
        task.contracts[2].state = .failed
        task.contracts[2].attempts = 3
        task.contracts[2].lastOutcome = .invalidNumber
        task.contracts[4].state = .uncompleted
        task.contracts[4].attempts = 2
        task.contracts[4].lastOutcome = .noAnswer
        task.contracts[4].notBefore = 1234.5
        try store.saveContracts([task.contracts[0], task.contracts[2], task.contracts[4]], batchID: "t")
        #expect(try store.loadTask(batchID: "t") == task)
    }

    @Test("saveContracts is all or nothing, and names what does not belong to the batch")
    func saveContractsChecks() throws {
        let store = try storeWithTask()
        let before = try store.loadTask(batchID: "t")
        var good = before.contracts[0]
        good.state = .completed
        var wrongNumber = before.contracts[1]
        wrongNumber.number = "999"
        let e1 = #expect(throws: StoreError.self) {
            try store.saveContracts([good, wrongNumber], batchID: "t")
        }
        #expect(e1?.message.contains("contract#1 of batch t has number 1002, not 999") == true)
        let e2 = #expect(throws: StoreError.self) {
            try store.saveContracts(
                [good, Contract(id: ContractID(7), number: "1", customer: "z")], batchID: "t")
        }
        #expect(e2?.message.contains("batch t has no contract#7 (it has 5 contracts)") == true)
        #expect(try store.loadTask(batchID: "t") == before)
    }

    @Test("an unknown batch is named in the error")
    func unknownBatch() throws {
        let store = try storeWithTask()
        let error = #expect(throws: StoreError.self) { try store.loadTask(batchID: "nope") }
        #expect(
            error?.message
                == "the store has no batch 'nope' (it has t); import its contact list under that batch id first"
        )
        #expect(throws: StoreError.self) { try store.saveContracts([], batchID: "nope") }
        #expect(throws: StoreError.self) { try store.latestSnapshot(batchID: "nope") }
        #expect(throws: StoreError.self) { try store.callRecords(batchID: "nope") }
        #expect(throws: StoreError.self) { try store.recordWriter(batchID: "nope") }
    }

    @Test("snapshots round-trip; the latest wins; the contracts' rows follow in the same transaction")
    func snapshots() throws {
        let store = try storeWithTask()
        #expect(try store.latestSnapshot(batchID: "t") == nil)
        var contracts = try store.loadTask(batchID: "t").contracts
        contracts[1].state = .dialing
        contracts[1].attempts = 1
        let early = TaskSnapshot(batchID: "t", takenAt: 10, contracts: contracts, outcomes: [:])
        contracts[1].state = .completed
        contracts[1].lastOutcome = .connected
        contracts[3].state = .failed
        contracts[3].attempts = 4
        contracts[3].lastOutcome = .busy
        contracts[3].notBefore = 99.25
        let late = TaskSnapshot(
            batchID: "t", takenAt: 20, contracts: contracts, outcomes: ["connected": 1, "busy": 4])
        try store.saveSnapshot(late)
        try store.saveSnapshot(early)  // saved after, taken before: not the latest
        #expect(try store.latestSnapshot(batchID: "t") == late)
        // The contracts' rows hold what the last saved snapshot said.
        #expect(try store.loadTask(batchID: "t").contracts == early.contracts)

        // A snapshot with a contract not of the batch is refused whole.
        var bad = late
        bad.takenAt = 30
        bad.contracts.append(Contract(id: ContractID(5), number: "1006", customer: "f"))
        #expect(throws: StoreError.self) { try store.saveSnapshot(bad) }
        #expect(try store.latestSnapshot(batchID: "t") == late)
        #expect(try store.loadTask(batchID: "t").contracts == early.contracts)
    }

    @Test("a file store reopens with its data; migrations run once")
    func fileStoreReopens() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("outbound.sqlite").path
            do {
                let store = try OutboundStore(path: path)
                #expect(store.path == path)
                try store.importContacts(csv: "number\n1001\n1002\n", file: "a.csv", batchID: "a")
                let writer = try store.recordWriter(batchID: "a")
                writer.append(
                    CallRecord(
                        call: CallID(1), contract: ContractID(1), attempt: 1, dialedAt: 0, answeredAt: nil,
                        connectedAt: nil,
                        endedAt: 30, outcome: .noAnswer, cause: .noAnswer, agent: nil))
                try writer.close()
                // The write-ahead log is in use.
                #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            }
            for _ in 0..<2 {
                let store = try OutboundStore(path: path)
                #expect(try store.batchIDs() == ["a"])
                #expect(try store.loadTask(batchID: "a").contracts.map(\.number) == ["1001", "1002"])
                #expect(try store.callRecords(batchID: "a").map(\.call) == [CallID(1)])
            }
        }
    }

    @Test("a store that cannot be opened: the error names the path")
    func unopenable() throws {
        try withTemporaryDirectory { dir in
            let noFolder = dir.appendingPathComponent("no/such/folder/s.sqlite").path
            let e1 = #expect(throws: StoreError.self) { try OutboundStore(path: noFolder) }
            #expect(e1?.message.contains("'\(noFolder)'") == true)

            let notADatabase = dir.appendingPathComponent("contacts.csv")
            try Data(String(repeating: "number,customer\n1001,a\n", count: 100).utf8).write(to: notADatabase)
            let e2 = #expect(throws: StoreError.self) { try OutboundStore(path: notADatabase.path) }
            #expect(e2?.message.contains("'\(notADatabase.path)'") == true)
        }
    }
}
