import CallCenter
import Foundation
import Store
import Testing

/// One live dialer per batch: the lease in the store.
@Suite("Dialer leases")
struct LeaseTests {
    static func store() throws -> OutboundStore {
        let store = try OutboundStore.inMemory()
        try store.importContacts(csv: "number\n+8613800010000\n", file: "c.csv", batchID: "b1")
        return store
    }

    @Test("the first run takes the lease; a live second is refused; a renewal keeps it; given back, it is free")
    func takeAndRefuse() throws {
        let store = try Self.store()
        let alive: (Int32) -> Bool = { _ in true }
        #expect(try store.acquireLease(batchID: "b1", owner: "a", pid: 10, host: "h1", at: 1000, staleAfter: 60, isAlive: alive) == .acquired)
        let second = try store.acquireLease(batchID: "b1", owner: "b", pid: 11, host: "h1", at: 1030, staleAfter: 60, isAlive: alive)
        guard case .held(let holder) = second else { Issue.record("\(second)"); return }
        #expect(holder.owner == "a" && holder.pid == 10 && holder.heartbeatAt == 1000)
        #expect(try store.renewLease(batchID: "b1", owner: "a", at: 1050))
        #expect(try store.renewLease(batchID: "b1", owner: "b", at: 1050) == false, "b holds nothing")
        // 70 s after a's start but 40 s after its renewal: still a's.
        guard case .held = try store.acquireLease(batchID: "b1", owner: "b", pid: 11, host: "h1", at: 1090, staleAfter: 60, isAlive: alive)
        else { Issue.record("taken while renewed"); return }
        try store.releaseLease(batchID: "b1", owner: "a")
        #expect(try store.lease(batchID: "b1") == nil)
        #expect(try store.acquireLease(batchID: "b1", owner: "b", pid: 11, host: "h1", at: 1100, staleAfter: 60, isAlive: alive) == .acquired)
        #expect(try store.lease(batchID: "b1")?.owner == "b")
    }

    @Test("a stale lease (no renewal for staleAfter), or one whose process is gone from this host, is taken over; the loser learns it at its next renewal")
    func takeOver() throws {
        let store = try Self.store()
        _ = try store.acquireLease(batchID: "b1", owner: "a", pid: 10, host: "h1", at: 1000, staleAfter: 60, isAlive: { _ in true })
        // Another host cannot tell whether pid 10 lives: it waits for the lease to go stale.
        guard case .held = try store.acquireLease(batchID: "b1", owner: "b", pid: 10, host: "h2", at: 1059, staleAfter: 60, isAlive: { _ in false })
        else { Issue.record("taken from another host before it went stale"); return }
        let stale = try store.acquireLease(batchID: "b1", owner: "b", pid: 10, host: "h2", at: 1061, staleAfter: 60, isAlive: { _ in true })
        #expect(stale == .tookOver(DialerLease(owner: "a", pid: 10, host: "h1", acquiredAt: 1000, heartbeatAt: 1000)))
        #expect(try store.renewLease(batchID: "b1", owner: "a", at: 1062) == false, "a lost it")
        // On the same host, a dead process's lease is taken at once.
        let gone = try store.acquireLease(batchID: "b1", owner: "c", pid: 12, host: "h2", at: 1062, staleAfter: 60, isAlive: { $0 != 10 })
        guard case .tookOver(let previous) = gone else { Issue.record("\(gone)"); return }
        #expect(previous.owner == "b")
    }

    @Test("an unknown batch has no lease to take")
    func unknownBatch() throws {
        let store = try Self.store()
        #expect(throws: StoreError.self) {
            try store.acquireLease(batchID: "b9", owner: "a", pid: 1, host: "h", at: 0, staleAfter: 60, isAlive: { _ in true })
        }
    }
}
