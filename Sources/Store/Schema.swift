import GRDB

// MARK: - Schema

/// The store's migrations, applied in order; each runs once per database.
///
/// Times on the driver's clock (`Seconds`) are REAL seconds, NULL where absent. A call id is
/// kept both as INTEGER (`CallID.rawValue` as a signed 64-bit bit pattern) and as the UUID text
/// production sends to FreeSWITCH (`CallID.uuidString`).
///
/// v2 adds inbound routing (CN107682576B): customers and the numbers bound to them, callback
/// tasks and their history, inbound call records. Agents are ids (`AgentID.rawValue`), not rows.
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
        migrator.registerMigration("v2: customers, number bindings, callback tasks, inbound calls") { db in
            try db.execute(
                sql: """
                    -- The customers of inbound routing (CN107682576B), by CustomerID: dense (0, 1, 2, ...)
                    -- so that a Directory filled in id order gives each the same id.
                    CREATE TABLE customers (
                        id          INTEGER PRIMARY KEY CHECK (id >= 0),  -- CustomerID.rawValue
                        label       TEXT UNIQUE,     -- the customer table's `customer` key; NULL if made in a run
                        id_number   TEXT UNIQUE,     -- the ID-card number step 02 matches; NULL when unknown
                        first_agent INTEGER CHECK (first_agent >= 0),  -- AgentID.rawValue of the bound
                                                                       -- first agent; NULL when none
                        created_at  REAL,            -- driver clock (Seconds) of a run's step 021; NULL if imported
                        source      TEXT NOT NULL CHECK (source IN ('import', 'run'))
                    );

                    -- The phone numbers step 01 recognises, each of one customer only.
                    CREATE TABLE customer_numbers (
                        number   TEXT PRIMARY KEY NOT NULL CHECK (number <> ''),  -- `+` and digits
                        customer INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL CHECK (position >= 0),  -- its place in Customer.numbers
                        bound_at REAL,               -- driver clock of a run's binding (step 02); NULL if imported
                        source   TEXT NOT NULL CHECK (source IN ('import', 'run')),
                        UNIQUE (customer, position)
                    );

                    -- Callback tasks (steps 04-06) by CallbackTaskID, as they stand now.
                    CREATE TABLE callback_tasks (
                        id            INTEGER PRIMARY KEY CHECK (id >= 0),  -- CallbackTaskID.rawValue
                        customer      INTEGER REFERENCES customers(id),   -- NULL: the caller was not recognised
                        caller_number TEXT,          -- the number called from; NULL if the softswitch did not say
                        business_type INTEGER,       -- BusinessTypeID.rawValue chosen at 03; NULL if none
                        owner         INTEGER,       -- AgentID.rawValue (05, 06); NULL while no agent is online
                        created_at    REAL NOT NULL, -- driver clock, step 04
                        deadline      REAL NOT NULL, -- when the monitor (06) next checks it
                        priority      INTEGER NOT NULL,  -- higher is more urgent
                        state         TEXT NOT NULL  -- CallbackState.rawValue
                                      CHECK (state IN ('open', 'reminded', 'reassigned', 'done', 'expired')),
                        reminders     INTEGER NOT NULL DEFAULT 0 CHECK (reminders >= 0),
                        reassignments INTEGER NOT NULL DEFAULT 0 CHECK (reassignments >= 0),
                        done_at       REAL           -- driver clock of "done"; NULL until then
                    );

                    -- What happened to each callback task, in append (= event) order.
                    CREATE TABLE callback_history (
                        id       INTEGER PRIMARY KEY,  -- append order
                        task     INTEGER NOT NULL REFERENCES callback_tasks(id) ON DELETE CASCADE,
                        at       REAL NOT NULL,        -- driver clock
                        event    TEXT NOT NULL         -- 04 created, 05 assigned, 06 reminded / reassigned / expired
                                 CHECK (event IN ('created', 'assigned', 'reminded', 'reassigned', 'done', 'expired')),
                        agent    INTEGER,              -- the owner after the event (created: none yet; done: who)
                        priority INTEGER NOT NULL      -- the task's priority after the event
                    );
                    CREATE INDEX callback_history_by_task ON callback_history(task, id);

                    -- One row per inbound call: who called, how the cascade routed it, how it ended.
                    CREATE TABLE inbound_calls (
                        id             INTEGER PRIMARY KEY,  -- append order
                        call_id        INTEGER NOT NULL,     -- CallID.rawValue, bit pattern as signed
                        call_uuid      TEXT NOT NULL,        -- CallID.uuidString
                        caller         TEXT,                 -- the calling number; NULL if the softswitch did not say
                        customer       INTEGER REFERENCES customers(id),  -- recognised at 01 or 02; NULL if not
                        arrived_at     REAL NOT NULL,
                        step           TEXT                  -- RoutingStep's name; NULL if never routed
                                       CHECK (step IN ('first-agent', 'backup', 'team', 'leader', 'random', 'callback')),
                        after_id_match INTEGER NOT NULL DEFAULT 0 CHECK (after_id_match IN (0, 1)),
                                                             -- 1: step 02 matched the ID number first
                        agent          INTEGER,              -- AgentID.rawValue connected to; NULL if none
                        connected_at   REAL,
                        ended_at       REAL NOT NULL,
                        ending         TEXT NOT NULL         -- InboundCallEnding.rawValue
                                       CHECK (ending IN ('served', 'blocked', 'abandoned-in-queue',
                                                         'abandoned-in-ivr', 'callback', 'hung-up')),
                        callback       INTEGER               -- CallbackTaskID.rawValue created for it at 04; NULL if none
                    );
                    CREATE INDEX inbound_calls_by_call ON inbound_calls(call_id);
                    CREATE INDEX inbound_calls_by_customer ON inbound_calls(customer);
                    """)
        }
        migrator.registerMigration("v3: calls in flight (crash safety)") { db in
            try db.execute(
                sql: """
                    -- Calls a live dialer launched whose end is not yet written: a row goes in, with
                    -- the contract marked dialing, before the originate is sent; it goes out in the
                    -- transaction that writes the call's record and the contract's new state. After a
                    -- crash these are the calls to reconcile with the softswitch.
                    CREATE TABLE calls_in_flight (
                        batch_id     TEXT NOT NULL,
                        call_id      INTEGER NOT NULL,  -- CallID.rawValue, bit pattern as signed
                        call_uuid    TEXT NOT NULL,     -- CallID.uuidString (the originate's origination_uuid)
                        contract_idx INTEGER NOT NULL,
                        attempt      INTEGER NOT NULL CHECK (attempt >= 1),
                        dialed_at    REAL NOT NULL,
                        PRIMARY KEY (batch_id, call_id),
                        UNIQUE (batch_id, contract_idx),  -- a contract is dialled once at a time
                        FOREIGN KEY (batch_id, contract_idx) REFERENCES contracts(batch_id, idx)
                            ON DELETE CASCADE
                    );
                    """)
        }
        migrator.registerMigration("v4: one live dialer per batch (its lease)") { db in
            try db.execute(
                sql: """
                    -- The live dialer that owns a batch: one process at a time dials it. simcc live
                    -- takes the lease at its start, renews it while it runs and gives it back at its
                    -- end; a lease whose heartbeat is older than its stale time, or whose process is
                    -- gone from this host, may be taken over. Times are the wall clock's.
                    CREATE TABLE dialer_leases (
                        batch_id     TEXT PRIMARY KEY REFERENCES tasks(batch_id) ON DELETE CASCADE,
                        owner        TEXT NOT NULL,     -- the run's random id
                        pid          INTEGER NOT NULL,
                        host         TEXT NOT NULL,
                        acquired_at  REAL NOT NULL,     -- seconds since 1970
                        heartbeat_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5: contracts held for review") { db in
            // SQLite cannot change a CHECK: the table is rebuilt (foreign keys are off during a
            // migration, and checked before it commits), keeping every row and the references
            // of call_records and calls_in_flight.
            try db.execute(
                sql: """
                    CREATE TABLE contracts_v5 (
                        batch_id     TEXT NOT NULL REFERENCES tasks(batch_id) ON DELETE CASCADE,
                        idx          INTEGER NOT NULL CHECK (idx >= 0),
                        number       TEXT NOT NULL,
                        customer     TEXT NOT NULL,
                        attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        -- review: an attempt's fate is unknown (the customer may have been served);
                        -- never dialled again automatically
                        state        TEXT NOT NULL DEFAULT 'uncompleted'
                                     CHECK (state IN ('uncompleted', 'dialing', 'completed', 'failed', 'review')),
                        last_outcome TEXT,          -- CallOutcome.rawValue
                        not_before   REAL NOT NULL DEFAULT 0,
                        PRIMARY KEY (batch_id, idx),
                        UNIQUE (batch_id, number)
                    );
                    INSERT INTO contracts_v5 (batch_id, idx, number, customer, attempts, state, last_outcome, not_before)
                        SELECT batch_id, idx, number, customer, attempts, state, last_outcome, not_before FROM contracts;
                    DROP TABLE contracts;
                    ALTER TABLE contracts_v5 RENAME TO contracts;
                    """)
        }
        return migrator
    }
}
