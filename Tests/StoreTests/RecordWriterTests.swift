import CallCenter
import Foundation
import Store
import Testing

@Suite("Call records off the hot path (S3)")
struct RecordWriterTests {
    /// A store with batch "r" of `contracts` contracts.
    func store(path: String? = nil, contracts: Int = 10) throws -> OutboundStore {
        let store = try path.map { try OutboundStore(path: $0) } ?? OutboundStore.inMemory()
        let csv = "number\n" + (0..<contracts).map { "\(100_000 + $0)" }.joined(separator: "\n")
        try store.importContacts(csv: csv, file: "r.csv", batchID: "r")
        return store
    }

    /// The causes records cycle through: simcc's own, and two it has no name for in Swift.
    static let causes = HangupCause.known + ["MEDIA_TIMEOUT", "SOME_CAUSE_2030"].map { HangupCause(rawValue: $0)! }

    /// A record whose every field, the optional ones included, depends on `i`.
    func record(_ i: Int, contracts: Int = 10) -> CallRecord {
        let outcome = CallOutcome.allCases[i % CallOutcome.allCases.count]
        let cause = Self.causes[i % Self.causes.count]
        let answered = i % 3 != 0
        let connected = answered && i % 2 == 0
        let dialed = Double(i) * 1.25 + 0.1
        return CallRecord(
            call: CallID(UInt64(i) * 3 + 1), contract: ContractID(i % contracts), attempt: 1 + i % 5,
            dialedAt: dialed,
            answeredAt: answered ? dialed + 12.5 : nil, connectedAt: connected ? dialed + 14.75 : nil,
            endedAt: dialed + 200.0 / 3.0, outcome: outcome, cause: cause,
            agent: connected ? AgentID(i % 700) : nil)
    }

    @Test("10,000 records appended from one thread: none lost, every field round-trips")
    func noLoss() throws {
        try withTemporaryDirectory { dir in
            let store = try store(path: dir.appendingPathComponent("calls.sqlite").path)
            let records = (0..<10_000).map { record($0) }
            let writer = try store.recordWriter(batchID: "r")
            #expect(writer.batchSize == 1000)
            // Appended out of call-id order; read back in call-id order.
            for r in records.reversed() { writer.append(r) }
            try writer.close()
            let back = try store.callRecords(batchID: "r")
            #expect(back.count == 10_000)
            #expect(back == records)
            #expect(back.contains { $0.answeredAt == nil } && back.contains { $0.agent == nil })
            #expect(back.contains { $0.connectedAt != nil && $0.agent != nil })
            try writer.close()  // closing again does nothing
        }
    }

    @Test("a cause outside the known ones is written by its name and read back, after a reopen too")
    func unknownCause() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("calls.sqlite").path
            let cause = try #require(HangupCause(rawValue: "INCOMPATIBLE_DESTINATION"))
            var r = record(1)
            r.cause = cause
            do {
                let writer = try store(path: path).recordWriter(batchID: "r")
                writer.append(r)
                try writer.close()
            }
            let back = try OutboundStore(path: path).callRecords(batchID: "r")
            #expect(back == [r])
            #expect(back.first?.cause.rawValue == "INCOMPATIBLE_DESTINATION")
            #expect(back.first?.outcome == r.outcome)
        }
    }

    @Test("call ids round-trip across the whole 64-bit range")
    func largeCallIDs() throws {
        let store = try store()
        let writer = try store.recordWriter(batchID: "r")
        let ids: [UInt64] = [0, 1 << 60, UInt64(Int64.max), UInt64(Int64.max) + 1, .max]
        for id in ids {
            var r = record(Int(id % 7))
            r.call = CallID(id)
            writer.append(r)
        }
        try writer.close()
        #expect(Set(try store.callRecords(batchID: "r").map(\.call.rawValue)) == Set(ids))
    }

    @Test("records stay in the buffer until a batch fills or flush() is called")
    func flushSemantics() throws {
        let store = try store()
        let writer = try store.recordWriter(batchID: "r", batchSize: 4)
        for i in 0..<3 { writer.append(record(i)) }
        #expect(try store.callRecords(batchID: "r").isEmpty)  // less than a batch: not yet written
        try writer.flush()
        #expect(try store.callRecords(batchID: "r").count == 3)
        for i in 3..<11 { writer.append(record(i)) }  // two full batches go to the background
        try writer.flush()
        #expect(try store.callRecords(batchID: "r") == (0..<11).map { record($0) })
        try writer.flush()  // nothing new: nothing to do
        try writer.close()
    }

    @Test("a slow background makes append wait, not grow: batch size 1 with many records")
    func backpressure() throws {
        let store = try store()
        let writer = try store.recordWriter(batchID: "r", batchSize: 1)
        #expect(writer.maxBacklog == 64)
        for i in 0..<1000 { writer.append(record(i)) }
        try writer.close()
        #expect(try store.callRecords(batchID: "r").count == 1000)
    }

    @Test("several threads append at once")
    func concurrentAppends() async throws {
        let store = try store()
        let writer = try store.recordWriter(batchID: "r", batchSize: 100)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for i in stride(from: t, to: 2000, by: 4) { writer.append(record(i)) } }
            }
        }
        try writer.close()
        #expect(try store.callRecords(batchID: "r") == (0..<2000).map { record($0) })
    }

    @Test("a refused record is not swallowed: flush() throws it once, the others are written")
    func errorsSurface() throws {
        let store = try store(contracts: 3)
        let writer = try store.recordWriter(batchID: "r", batchSize: 5)
        var stray = record(1, contracts: 3)
        stray.contract = ContractID(99)
        writer.append(record(0, contracts: 3))
        writer.append(stray)
        writer.append(record(2, contracts: 3))
        let error = #expect(throws: StoreError.self) { try writer.flush() }
        #expect(
            error?.message
                == "1 call record was not written to batch r; the first: call#4 (contract#99, attempt 2): batch r has no contract#99"
        )
        #expect(try store.callRecords(batchID: "r") == [record(0, contracts: 3), record(2, contracts: 3)])
        try writer.flush()  // reported once

        // A NaN time is refused by the schema, and reported by close().
        var nan = record(3, contracts: 3)
        nan.dialedAt = .nan
        writer.append(nan)
        #expect(throws: StoreError.self) { try writer.close() }

        // Appending after close writes nothing, and says so.
        writer.append(record(4, contracts: 3))
        let late = #expect(throws: StoreError.self) { try writer.close() }
        #expect(late?.message.contains("appended after close()") == true)
        #expect(try store.callRecords(batchID: "r").count == 2)
    }

    @Test("bad writer arguments are refused")
    func badArguments() throws {
        let store = try store()
        let error = #expect(throws: StoreError.self) { try store.recordWriter(batchID: "r", batchSize: 0) }
        #expect(error?.message.contains("batch size of 0") == true)
    }

    @Test("a writer dropped without close() still writes what it holds")
    func dropWithoutClose() throws {
        let store = try store()
        do {
            let writer = try store.recordWriter(batchID: "r")
            for i in 0..<10 { writer.append(record(i)) }
        }
        // The background thread drains on its own; wait for it a little.
        let deadline = Date().addingTimeInterval(5)
        while try store.callRecords(batchID: "r").count < 10, Date() < deadline { usleep(1000) }
        #expect(try store.callRecords(batchID: "r").count == 10)
    }
}
