import ArgumentParser
import Foundation
import Logging
import MinshengStore

/// `minsheng migrate`: a whole SQLite installation into an empty PostgreSQL database, with its files.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a SQLite installation to PostgreSQL (every table, the search index, the data key and files).",
        discussion: """
            Stop the server first (the SQLite file must not change during the copy). The PostgreSQL database must be
            empty; its schema is created at the same version. Afterwards every table is counted on both sides and the
            command fails if any count differs. With --data-dir, the data key (needed to read the sealed contacts),
            the attachments and the near-duplicate index are copied there for `serve --database … --data-dir …`.
            """)

    @Option(help: "The SQLite database file to read.")
    var from: String

    @Option(help: "The PostgreSQL database to fill: postgres://user:password@host:port/db (env MINSHENG_DATABASE_URL).")
    var to: String? = ProcessInfo.processInfo.environment["MINSHENG_DATABASE_URL"]

    @Option(help: "The PostgreSQL nodes' data folder: receives the data key, files/ and the near-duplicate index.")
    var dataDir: String?

    @Option(help: "Rows per transaction.")
    var batch: Int = 1000

    func run() async throws {
        guard let to, !to.isEmpty else { throw ValidationError("--to postgres://… (or MINSHENG_DATABASE_URL) is required") }
        let path = URL(fileURLWithPath: from).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no SQLite database at \(path)") }
        guard (1...5000).contains(batch) else { throw ValidationError("--batch must be 1…5000") }
        var logger = Logger(label: "minsheng.migrate")
        logger.logLevel = .warning
        let source = try await SQLiteStore.open(.file(path), logger: logger)
        let target: PostgresStore
        do {
            target = try await PostgresStore.open(PostgresStore.Configuration(url: to), logger: logger)
        } catch {
            try? await source.close()
            throw error
        }
        let started = Date()
        let bar = ProgressBar()
        let counts: [Transfer.Count]
        do {
            counts = try await Transfer.copy(from: source, to: target, batch: batch) { p in bar.show(p) }
            bar.finish()
        } catch {
            bar.finish()
            try? await source.close()
            try? await target.close()
            // PSQLError's description hides the server's message on purpose; here the operator needs it.
            throw ValidationError("migrate failed: \(String(reflecting: error))")
        }
        try? await source.close()
        try? await target.close()
        print(String(format: "copied in %.1f s to %@", Date().timeIntervalSince(started), PostgresStore.Configuration.redacted(to)))
        print("table                      SQLite   PostgreSQL")
        for c in counts {
            print(c.table.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%9d  %11d  %@", c.source, c.target, c.matches ? "ok" : "DIFFERENT"))
        }
        if let dataDir { try copyFiles(dbPath: path, dataDir: dataDir) }
        guard counts.allSatisfy(\.matches) else { throw ExitCode(1) }
        print("verified: every table has the same number of rows on both sides")
    }

    /// The files SQLite keeps next to its database, to where `serve --database … --data-dir DIR` looks for them.
    func copyFiles(dbPath: String, dataDir: String) throws {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = (dbPath as NSString).deletingPathExtension
        let key = base + ".key", targetKey = dir + "/minsheng.key"
        if fm.fileExists(atPath: key) {
            if let existing = fm.contents(atPath: targetKey) {
                guard existing == fm.contents(atPath: key) else {
                    throw ValidationError("\(targetKey) exists with another key: the copied contacts could not be opened with it")
                }
            } else {
                try fm.copyItem(atPath: key, toPath: targetKey)
                chmod(targetKey, 0o600)
            }
            print("data key:  \(key) → \(targetKey)")
        } else {
            print("data key:  none next to the database — the nodes need the same MINSHENG_DATA_KEY the SQLite server used")
        }
        let files = (dbPath as NSString).deletingLastPathComponent + "/files"
        var copied = 0
        if let walker = fm.enumerator(atPath: files) {
            for case let rel as String in walker {
                let src = files + "/" + rel, dst = dir + "/files/" + rel
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: src, isDirectory: &isDir), !isDir.boolValue, !fm.fileExists(atPath: dst) else { continue }
                try fm.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try fm.copyItem(atPath: src, toPath: dst)
                copied += 1
            }
        }
        print("files:     \(copied) attachments → \(dir)/files")
        let index = base + ".neardup", targetIndex = dir + "/minsheng.neardup"
        if fm.fileExists(atPath: index), !fm.fileExists(atPath: targetIndex) {
            try fm.copyItem(atPath: index, toPath: targetIndex)
            print("index:     near-duplicate index → \(targetIndex) (case ids are kept, so it stays valid)")
        }
    }
}

/// One line on stderr, redrawn: `[#######.............]  35%  cases 35,000/100,000`.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    private let tty = isatty(2) != 0

    func show(_ p: Transfer.Progress) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        // A terminal gets a redrawn bar 10 times a second; a log file a line every 5 seconds.
        guard now.timeIntervalSince(last) >= (tty ? 0.1 : 5) || p.done == p.total else { return }
        last = now
        let frac = p.total == 0 ? 1 : Double(p.done) / Double(p.total)
        let width = 30, filled = Int(frac * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "[%@] %3d%%  %@ %d/%d", bar, Int(frac * 100), p.table, p.tableDone, p.tableTotal)
        FileHandle.standardError.write(Data(((tty ? "\r" : "") + line + (tty ? "\u{1B}[K" : "\n")).utf8))
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
