import ArgumentParser
import Foundation
import Logging
import MinshengStore

/// Which database a command works on: a SQLite file (the default, `--db`), or PostgreSQL when `--database` or
/// `MINSHENG_DATABASE_URL` names one. Shared by `serve`, `user` and `ingest-mail`. An option given on the command
/// line wins over the environment: `--database` over `--db` over `MINSHENG_DATABASE_URL` over `MINSHENG_DB`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite database file (env MINSHENG_DB; default data/minsheng.sqlite).")
    var dbOption: String?

    @Option(name: .customLong("database"),
            help: "PostgreSQL instead of SQLite: postgres://user:password@host:port/db?sslmode=disable|require (env MINSHENG_DATABASE_URL).")
    var databaseOption: String?

    private static var env: [String: String] { ProcessInfo.processInfo.environment }

    /// The PostgreSQL URL in force, if any.
    var databaseURL: String? {
        if let u = databaseOption { return u }
        if dbOption != nil { return nil }
        return Self.env["MINSHENG_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The SQLite file (when no PostgreSQL URL is in force).
    var db: String { dbOption ?? Self.env["MINSHENG_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/minsheng.sqlite" }

    @Option(help: "With PostgreSQL: folder for the node's files that SQLite keeps next to its database — data key, near-duplicate index, attachments, notice log (env MINSHENG_DATA_DIR). Share it between nodes (or set MINSHENG_DATA_KEY).")
    var dataDir: String = ProcessInfo.processInfo.environment["MINSHENG_DATA_DIR"] ?? "minsheng-data"

    /// The opened store, and the path the server's own files are named after: the SQLite file itself
    /// (data/minsheng.sqlite → data/minsheng.key, data/minsheng.neardup, data/files), or, on PostgreSQL,
    /// `<data-dir>/minsheng.postgres` (→ <data-dir>/minsheng.key, …), so every command derives them the same way.
    struct Opened {
        var store: any CaseStore
        var filesAnchor: String
        /// For the start-up banner and logs: the file, or the URL without its password.
        var label: String
        var engine: String
    }

    func open(durability: SQLiteStore.Durability = .full, logger: Logger = Logger(label: "minsheng.store")) async throws -> Opened {
        if let url = databaseURL {
            let config: PostgresStore.Configuration
            do { config = try PostgresStore.Configuration(url: url) } catch { throw ValidationError("--database: \(error)") }
            let dir = URL(fileURLWithPath: dataDir).standardizedFileURL.path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = try await PostgresStore.open(config, logger: logger)
            return Opened(store: store, filesAnchor: dir + "/minsheng.postgres", label: PostgresStore.Configuration.redacted(url), engine: "PostgreSQL")
        }
        let path = URL(fileURLWithPath: db).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let store = try await SQLiteStore.open(.file(path), durability: durability, logger: logger)
        return Opened(store: store, filesAnchor: path, label: path, engine: "SQLite, WAL")
    }

    /// How to name this database again on another command line (`minsheng user add …`).
    var commandLine: String {
        databaseURL.map { "--database '\(PostgresStore.Configuration.redacted($0))' --data-dir \(dataDir)" } ?? "--db \(db)"
    }
}
