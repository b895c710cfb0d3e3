import CallCenter
import Foundation
import GRDB
import Testing

@testable import Store

@Suite("Store: migrations keep what older stores hold")
struct MigrationTests {
    @Test("v5 (contracts held for review): a v4 store's contracts, records and calls in flight survive the rebuild; review can be written")
    func reviewMigration() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-v4-\(getpid()).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        // A store as simcc wrote it before v5: a task, a record, a call in flight.
        do {
            var configuration = StoreDatabase.configuration
            configuration.busyMode = .timeout(10)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(pool, upTo: "v4: one live dialer per batch (its lease)")
            try pool.write { db in
                try db.execute(sql: "INSERT INTO tasks VALUES ('b', '2026-01-01T00:00:00Z', 'list.csv')")
                try db.execute(sql: """
                    INSERT INTO contracts (batch_id, idx, number, customer, attempts, state, last_outcome)
                    VALUES ('b', 0, '13800000000', 'c0', 1, 'completed', 'connected'),
                           ('b', 1, '13800000001', 'c1', 1, 'dialing', NULL)
                    """)
                try db.execute(sql: """
                    INSERT INTO call_records (call_id, call_uuid, batch_id, contract_idx, attempt, dialed_at, ended_at, outcome, cause)
                    VALUES (1, 'u1', 'b', 0, 1, 10, 70, 'connected', 'NORMAL_CLEARING')
                    """)
                try db.execute(sql: """
                    INSERT INTO calls_in_flight (batch_id, call_id, call_uuid, contract_idx, attempt, dialed_at)
                    VALUES ('b', 2, 'u2', 1, 1, 20)
                    """)
            }
        }
        let store = try OutboundStore(path: path)
        let task = try store.loadTask(batchID: "b")
        #expect(task.contracts.map(\.state) == [.completed, .dialing])
        #expect(task.callsInFlight.map(\.call) == [CallID(2)])
        #expect(try store.callRecords(batchID: "b").map(\.call) == [CallID(1)])
        // The record of call 2, of unknown fate, holds its contract for review.
        var held = task.contracts[1]
        held.state = .review
        held.lastOutcome = .unknown
        let writer = try store.recordWriter(batchID: "b")
        writer.append(
            CallRecord(call: CallID(2), contract: held.id, attempt: 1, dialedAt: 20, answeredAt: nil, connectedAt: nil,
                       endedAt: 90, outcome: .unknown, cause: .crash, agent: nil),
            contract: held)
        try writer.close()
        let after = try store.loadTask(batchID: "b")
        #expect(after.contracts[1].state == .review && after.contracts[1].lastOutcome == .unknown)
        #expect(after.callsInFlight.isEmpty)
        #expect(try store.callRecords(batchID: "b").count == 2)
    }
}

@Suite("Store: contracts held for review")
struct ReviewTests {
    @Test("held contracts are listed with their call of unknown fate; an operator's decision applies once, never while a live dialer holds the batch")
    func heldAndDecided() throws {
        let store = try OutboundStore.inMemory()
        try store.importContacts(csv: "number,customer\n1001,a\n1002,b\n1003,c\n", file: "t.csv", batchID: "t")
        var task = try store.loadTask(batchID: "t")
        var held = task.contracts[1]
        held.state = .dialing
        held.attempts = 1
        try store.beginCalls([CallInFlight(call: CallID(7), contract: held.id, attempt: 1, dialedAt: 10)], contracts: [held], batchID: "t")
        held.state = .review
        held.lastOutcome = .unknown
        let writer = try store.recordWriter(batchID: "t")
        writer.append(
            CallRecord(call: CallID(7), contract: held.id, attempt: 1, dialedAt: 10, answeredAt: nil, connectedAt: nil,
                       endedAt: 75, outcome: .unknown, cause: .crash, agent: nil),
            contract: held)
        try writer.close()
        let list = try store.contractsHeldForReview(batchID: "t")
        #expect(list == [OutboundStore.HeldContract(
            contract: 1, number: "1002", customer: "b", attempts: 1, callUUID: CallID(7).uuidString, dialedAt: 10, heldAt: 75)])
        // A live dialer holds the batch: refused.
        _ = try store.acquireLease(batchID: "t", owner: "run-1", pid: 4242, host: "h", at: 100, staleAfter: 60, isAlive: { _ in true })
        #expect(throws: StoreError.self) { try store.decide(.redial, contract: 1, batchID: "t", now: 110) }
        try store.releaseLease(batchID: "t", owner: "run-1")
        try store.decide(.redial, contract: 1, batchID: "t", now: 110)
        task = try store.loadTask(batchID: "t")
        #expect(task.contracts[1].state == .uncompleted && task.contracts[1].attempts == 1)
        #expect(try store.contractsHeldForReview(batchID: "t").isEmpty)
        // Only a contract held for review can be decided.
        #expect(throws: StoreError("contract 0 of batch t is not held for review")) {
            try store.decide(.served, contract: 0, batchID: "t", now: 120)
        }
    }
}
