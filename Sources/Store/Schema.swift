import GRDB

// MARK: - Schema

/// The store's migrations, applied in order; each runs once per database.
///
/// Times on the driver's clock (`Seconds`) are REAL seconds, NULL where absent. A call id is
/// kept both as INTEGER (`CallID.rawValue` as a signed 64-bit bit pattern) and as the UUID text
/// production sends to FreeSWITCH (`CallID.uuidString`).
enum Schema {
    /// The migrator of the store's schema.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tasks, contracts, call records, snapshots") { db in
            try db.execute(
                sql: """
                    -- An outbound task: one batch of contracts, by the batch id it was imported under.
                    CREATE TABLE tasks (
                        batch_id    TEXT PRIMARY KEY NOT NULL CHECK (batch_id <> ''),
                        created_at  TEXT NOT NULL,  -- ISO 8601, UTC, wall clock of the first import
                        source_file TEXT NOT NULL   -- the contact list of the first import
                    );

                    -- The contracts of a task, dense by idx (0, 1, 2, ...) in import order.
                    CREATE TABLE contracts (
                        batch_id     TEXT NOT NULL REFERENCES tasks(batch_id) ON DELETE CASCADE,
                        idx          INTEGER NOT NULL CHECK (idx >= 0),
                        number       TEXT NOT NULL,
                        customer     TEXT NOT NULL,
                        attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        state        TEXT NOT NULL DEFAULT 'uncompleted'
                                     CHECK (state IN ('uncompleted', 'dialing', 'completed', 'failed')),
                        last_outcome TEXT,          -- CallOutcome.rawValue
                        not_before   REAL NOT NULL DEFAULT 0,
                        PRIMARY KEY (batch_id, idx),
                        UNIQUE (batch_id, number)
                    );

                    -- One row per call attempt (step S3's call records).
                    CREATE TABLE call_records (
                        id           INTEGER PRIMARY KEY,  -- append order
                        call_id      INTEGER NOT NULL,     -- CallID.rawValue, bit pattern as signed
                        call_uuid    TEXT NOT NULL,        -- CallID.uuidString
                        batch_id     TEXT NOT NULL,
                        contract_idx INTEGER NOT NULL,
                        attempt      INTEGER NOT NULL,
                        dialed_at    REAL NOT NULL,
                        answered_at  REAL,
                        connected_at REAL,
                        ended_at     REAL NOT NULL,
                        outcome      TEXT NOT NULL,        -- CallOutcome.rawValue
                        cause        TEXT NOT NULL,        -- HangupCause.rawValue
                        agent        INTEGER,              -- AgentID.rawValue
                        wait         REAL,                 -- CallRecord.wait
                        FOREIGN KEY (batch_id, contract_idx) REFERENCES contracts(batch_id, idx)
                            ON DELETE CASCADE
                    );
                    CREATE INDEX call_records_by_batch ON call_records(batch_id, call_id);

                    -- Task snapshots (step S34): the TaskSnapshot as JSON with sorted keys.
                    CREATE TABLE snapshots (
                        id       INTEGER PRIMARY KEY,
                        batch_id TEXT NOT NULL REFERENCES tasks(batch_id) ON DELETE CASCADE,
                        taken_at REAL NOT NULL,
                        json     TEXT NOT NULL
                    );
                    CREATE INDEX snapshots_by_batch ON snapshots(batch_id, taken_at);
                    """)
        }
        return migrator
    }
}
