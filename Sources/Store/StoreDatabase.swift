import GRDB

// MARK: - Opening a store's database (shared by the outbound and the routing store)

/// Opening, migrating and using the SQLite database of a store; `OutboundStore` and
/// `RoutingStore` open the same file the same way, so one simcc store holds both.
enum StoreDatabase {
    /// The connection's configuration: foreign keys on.
    static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "simcc.store"
        configuration.foreignKeysEnabled = true
        return configuration
    }

    /// The file store at `path` (created if needed) in WAL mode, its schema up to date.
    ///
    /// - Throws: `StoreError` naming the path when it cannot be opened or migrated.
    static func open(path: String) throws -> DatabasePool {
        var configuration = configuration
        configuration.busyMode = .timeout(10)  // another process writing the same file
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(
                "cannot open the store '\(path)': \(reason(error)); check that its folder exists and is "
                    + "writable and that the file is a simcc store (an SQLite database)")
        }
        try migrate(pool, naming: "'\(path)'")
        return pool
    }

    /// A new empty store in memory, its schema up to date.
    static func openInMemory() throws -> DatabaseQueue {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration)
        } catch {
            throw StoreError("cannot create an in-memory store: \(reason(error))")
        }
        try migrate(queue, naming: "in memory")
        return queue
    }

    /// Applies the migrations `database` lacks; refuses a store written by a newer simcc.
    static func migrate(_ database: any DatabaseWriter, naming name: String) throws {
        let migrator = Schema.migrator
        do {
            if try database.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError(
                    "the store \(name) was written by a newer simcc (its schema has migrations this one does "
                        + "not know); use that simcc, or a copy of the store made for this one")
            }
            try migrator.migrate(database)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                "cannot open the store \(name): \(reason(error)); check that the file is a simcc store "
                    + "(an SQLite database) and that its folder is writable")
        }
    }
}
