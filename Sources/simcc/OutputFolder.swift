import Foundation

/// Where `simcc run` writes: a staging folder next to the output folder (`.NAME.simcc-PID`),
/// which replaces the output folder as a whole once every file is in it.
///
/// - No output folder mixes two runs: a previous run's folder is moved aside, the new one moved
///   in, and the old one removed (at every moment one complete output is under one of the two
///   names), so a file the new run does not write (a `calls.sqlite` after a campaign, when the
///   new run is an inbound scenario) does not survive it.
/// - A folder that holds anything but simcc's outputs is refused before the run starts, naming
///   what is in it; so is a path that is a file.
/// - Ctrl-C and SIGTERM remove the staging folder (temporary stores included) and exit with
///   130 or 143: nothing is left behind, and the output folder is untouched.
struct OutputFolder {
    /// The output folder, as given.
    let path: String
    /// Where the run writes meanwhile.
    let staging: String

    /// The names a simcc output folder holds (and leftovers of runs older than this rule).
    static let outputNames: Set<String> = [
        "summary.json", "intervals.csv", "curves.csv", "replications.csv", "report.html", "calls.sqlite",
        "calls.sqlite-wal", "calls.sqlite-shm", "records",
    ]

    /// Checks `path` and creates the staging folder beside it.
    init(_ path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard url.path != "/", !url.lastPathComponent.isEmpty else {
            throw CLIError("--out \(path): give a folder of its own, not the file system's root")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw CLIError("--out \(path) is a file, not a folder; give a folder for the results")
            }
            let foreign = try Self.foreign(in: url.path)
            guard foreign.isEmpty else {
                let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", ..." : "")
                throw CLIError(
                    "--out \(path) holds files that are not simcc's outputs (\(shown)); give an empty or new folder, "
                        + "or a previous simcc output folder (it is replaced as a whole)")
            }
        }
        let parent = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create the folder \(parent) for --out \(path): \(Self.reason(error))")
        }
        staging = parent + "/." + url.lastPathComponent + ".simcc-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw CLIError("cannot write into \(parent) for --out \(path): \(Self.reason(error))")
        }
        Interrupts.shared.removeOnInterrupt(staging)
    }

    /// The entries of `folder` that a simcc run does not write.
    static func foreign(in folder: String) throws -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw CLIError("cannot read the folder \(folder): \(reason(error))")
        }
        return entries.filter { !outputNames.contains($0) && !$0.hasPrefix(".calls.sqlite.tmp-") }.sorted()
    }

    /// Puts the staging folder in place of the output folder.
    func commit() throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let aside = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".simcc-old-\(getpid())"
        var hadOld = false
        if FileManager.default.fileExists(atPath: url.path) {
            try? FileManager.default.removeItem(atPath: aside)
            guard rename(url.path, aside) == 0 else {
                throw CLIError("cannot replace \(path): \(String(cString: strerror(errno))); the results are in \(staging)")
            }
            hadOld = true
        }
        guard rename(staging, url.path) == 0 else {
            let why = String(cString: strerror(errno))
            if hadOld { _ = rename(aside, url.path) }
            throw CLIError("cannot move the results into \(path): \(why); they are in \(staging)")
        }
        Interrupts.shared.forget(staging)
        if hadOld { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// Removes the staging folder (a failed run).
    func discard() {
        try? FileManager.default.removeItem(atPath: staging)
        Interrupts.shared.forget(staging)
    }

    /// Runs `body` with the staging folder, then commits it; on an error the staging folder is
    /// removed and the output folder left as it was.
    static func writing<T>(to path: String, _ body: (String) throws -> T) throws -> T {
        let folder = try OutputFolder(path)
        do {
            let value = try body(folder.staging)
            try folder.commit()
            return value
        } catch {
            folder.discard()
            throw error
        }
    }

    static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix = underlying, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return (error as NSError).localizedFailureReason ?? error.localizedDescription
    }
}

/// The write end of the pipe the signal handler writes the signal's number into (set once,
/// before the handler is installed; a signal handler may only do async-signal-safe things).
nonisolated(unsafe) private var interruptPipe: Int32 = -1

/// Ctrl-C and SIGTERM: the folders registered are removed, then the process exits with 128 plus
/// the signal's number (130, 143).
///
/// The handler only writes the signal's number into a pipe; a thread of its own (not one of
/// Dispatch's, which the replications keep busy: a handler queued there ran only once the run
/// was over) reads it, removes the folders and exits.
final class Interrupts: @unchecked Sendable {
    // @unchecked: `paths` is guarded by `lock`.
    static let shared = Interrupts()
    private let lock = NSLock()
    private var paths: [String] = []

    private init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }  // no pipe: the default action (exit) remains
        interruptPipe = fds[1]
        let readEnd = fds[0]
        let thread = Thread { [unowned self] in
            var signalNumber: Int32 = 0
            while read(readEnd, &signalNumber, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {}
            // Worker threads may still write while the folder goes: try again if it was refilled.
            for path in lock.withLock({ paths }) {
                for _ in 0..<3 where FileManager.default.fileExists(atPath: path) {
                    try? FileManager.default.removeItem(atPath: path)
                }
            }
            _exit(128 + signalNumber)
        }
        thread.name = "simcc.interrupts"
        thread.start()
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { received in
                var value = received
                _ = write(interruptPipe, &value, MemoryLayout<Int32>.size)
            }
        }
    }

    func removeOnInterrupt(_ path: String) { lock.withLock { paths.append(path) } }

    func forget(_ path: String) { lock.withLock { paths.removeAll { $0 == path } } }
}
