import Foundation
import GRDB

// MARK: - One live dialer per batch

/// Who holds a batch's lease: one `simcc live` process dials a batch at a time.
public struct DialerLease: Sendable, Equatable {
    /// The run's random id.
    public var owner: String
    /// Its process id and host.
    public var pid: Int32
    public var host: String
    /// When it took the lease and when it last renewed it, seconds since 1970 (wall clock).
    public var acquiredAt: Double
    public var heartbeatAt: Double

    public init(owner: String, pid: Int32, host: String, acquiredAt: Double, heartbeatAt: Double) {
        self.owner = owner
        self.pid = pid
        self.host = host
        self.acquiredAt = acquiredAt
        self.heartbeatAt = heartbeatAt
    }
}

/// What `acquireLease` found.
public enum LeaseOutcome: Sendable, Equatable {
    /// Nobody held the batch (or this owner already did): the lease is this owner's.
    case acquired
    /// Another run held it, but its process is gone from this host or its heartbeat is stale:
    /// taken over.
    case tookOver(DialerLease)
    /// Another run holds it and is alive: nothing changed.
    case held(DialerLease)
}

extension OutboundStore {
    /// Takes the lease of `batchID` for `owner` (process `pid` on `host`) at `now`, unless
    /// another live run holds it: one whose process is still there (`isAlive`, asked only for a
    /// process on this host) and whose heartbeat is at most `staleAfter` seconds old. One
    /// transaction: two processes asking at once get one lease between them.
    /// - Throws: `StoreError` when the batch is unknown or the database fails.
    public func acquireLease(
        batchID: String, owner: String, pid: Int32, host: String, at now: Double, staleAfter: Double,
        isAlive: (Int32) -> Bool
    ) throws -> LeaseOutcome {
        do {
            return try database.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tasks WHERE batch_id = ?", arguments: [batchID]) == true
                else { throw StoreError("the store has no batch '\(batchID)'; import its contact list first") }
                let held = try Self.lease(batchID, db)
                var outcome = LeaseOutcome.acquired
                if let held, held.owner != owner {
                    let gone = held.host == host && !isAlive(held.pid)
                    guard gone || now - held.heartbeatAt > staleAfter else { return .held(held) }
                    outcome = .tookOver(held)
                }
                try db.execute(
                    sql: """
                        INSERT INTO dialer_leases (batch_id, owner, pid, host, acquired_at, heartbeat_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(batch_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
                            host = excluded.host, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at
                        """, arguments: [batchID, owner, pid, host, now, now])
                return outcome
            }
        } catch let error as DatabaseError {
            throw StoreError("taking the lease of batch \(batchID) failed: \(reason(error)); nothing was written")
        }
    }

    /// Renews `owner`'s lease of `batchID` at `now`; false when `owner` no longer holds it
    /// (another run took it over).
    public func renewLease(batchID: String, owner: String, at now: Double) throws -> Bool {
        do {
            return try database.write { db in
                try db.execute(
                    sql: "UPDATE dialer_leases SET heartbeat_at = ? WHERE batch_id = ? AND owner = ?",
                    arguments: [now, batchID, owner])
                return db.changesCount > 0
            }
        } catch let error as DatabaseError {
            throw StoreError("renewing the lease of batch \(batchID) failed: \(reason(error))")
        }
    }

    /// Gives `owner`'s lease of `batchID` back (nothing when another run holds it).
    public func releaseLease(batchID: String, owner: String) throws {
        do {
            try database.write { db in
                try db.execute(
                    sql: "DELETE FROM dialer_leases WHERE batch_id = ? AND owner = ?", arguments: [batchID, owner])
            }
        } catch let error as DatabaseError {
            throw StoreError("giving back the lease of batch \(batchID) failed: \(reason(error))")
        }
    }

    /// Who holds the lease of `batchID`, if anybody.
    public func lease(batchID: String) throws -> DialerLease? {
        do {
            return try database.read { db in try Self.lease(batchID, db) }
        } catch let error as DatabaseError {
            throw StoreError("reading the lease of batch \(batchID) failed: \(reason(error))")
        }
    }

    static func lease(_ batchID: String, _ db: Database) throws -> DialerLease? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT owner, pid, host, acquired_at, heartbeat_at FROM dialer_leases WHERE batch_id = ?",
                arguments: [batchID])
        else { return nil }
        return DialerLease(
            owner: row["owner"], pid: Int32(row["pid"] as Int64), host: row["host"], acquiredAt: row["acquired_at"],
            heartbeatAt: row["heartbeat_at"])
    }
}
