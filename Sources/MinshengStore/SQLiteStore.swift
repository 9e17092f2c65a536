import Foundation
import Logging
import MinshengDomain
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The embedded engine: one SQLite file in WAL mode, one writer connection fed by a group-commit queue,
/// a few reader connections that never block it.
public final class SQLiteStore: CaseStore, AccountStore, SQLStore {
    public enum Location: Sendable {
        case memory
        case file(String)
    }

    public enum Durability: String, Sendable {
        /// fsync the WAL on every commit: nothing acknowledged is lost even on power failure.
        case full
        /// fsync at checkpoints only: survives a crash of the process, not of the machine.
        case normal
    }

    enum WriteJob: Sendable {
        case register(PreparedRegistration, @Sendable (Result<RegisterOutcome, any Error>) -> Void)
        case work(@Sendable (any SQLDatabase) async throws -> Void, @Sendable ((any Error)?) -> Void)
    }

    let writerConnection: SQLiteConnection
    let writer: any SQLDatabase
    private let readerConnections: [SQLiteConnection]
    private let readers: [any SQLDatabase]
    private let nextReader = Atomic<Int>(0)
    private let queue = WriteQueue<WriteJob>(maxBatch: 512)
    let logger: Logger
    public let location: Location

    private init(location: Location, writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.location = location
        let wdb = writer.sql(queryLogLevel: nil)
        self.writerConnection = writer
        self.writer = wdb
        self.readerConnections = readers
        self.readers = readers.isEmpty ? [wdb] : readers.map { $0.sql(queryLogLevel: nil) }
        self.logger = logger
        queue.setRunner { [weak self] jobs in
            guard let self else { return }
            await self.runBatch(jobs)
        }
    }

    func submitRegistration(_ r: PreparedRegistration, _ done: @escaping @Sendable (Result<RegisterOutcome, any Error>) -> Void) {
        queue.submit(.register(r, done))
    }

    /// Opens (and creates) the database and runs migrations.
    public static func open(_ location: Location, readers readerCount: Int = 3, durability: Durability = .full,
                            logger: Logger = Logger(label: "minsheng.store")) async throws -> SQLiteStore {
        let storage: SQLiteConnection.Storage
        switch location {
        case .memory: storage = .memory
        case .file(let path): storage = .file(path: path)
        }
        let w = try await SQLiteConnection.open(storage: storage, logger: logger)
        do {
            let wdb = w.sql(queryLogLevel: nil)
            if case .file = location {
                try await wdb.raw("PRAGMA journal_mode = WAL").run()
            }
            try await wdb.raw("PRAGMA synchronous = \(unsafeRaw: durability == .full ? "FULL" : "NORMAL")").run()
            try await wdb.raw("PRAGMA busy_timeout = 5000").run()
            try await wdb.raw("PRAGMA foreign_keys = ON").run()
            try await wdb.raw("PRAGMA temp_store = MEMORY").run()
            try await wdb.raw("PRAGMA cache_size = -65536").run() // 64 MiB
        } catch {
            try? await w.close()
            throw error
        }
        // An in-memory database exists only on its one connection: it reads where it writes.
        var rs: [SQLiteConnection] = []
        let store: SQLiteStore
        do {
            let tmp = SQLiteStore(location: location, writer: w, readers: [], logger: logger)
            try await tmp.migrate()
            if case .file = location {
                for _ in 0..<max(1, readerCount) {
                    let r = try await SQLiteConnection.open(storage: storage, logger: logger)
                    rs.append(r)
                    let rdb = r.sql(queryLogLevel: nil)
                    try await rdb.raw("PRAGMA busy_timeout = 5000").run()
                    try await rdb.raw("PRAGMA query_only = ON").run()
                    try await rdb.raw("PRAGMA cache_size = -32768").run()
                }
            }
            store = SQLiteStore(location: location, writer: w, readers: rs, logger: logger)
        } catch {
            for r in rs { try? await r.close() }
            try? await w.close()
            throw error
        }
        return store
    }

    public func close() async throws {
        for r in readerConnections { try await r.close() }
        try await writerConnection.close()
    }

    var reader: any SQLDatabase {
        let i = nextReader.add(1, ordering: .relaxed).oldValue
        return readers[i % readers.count]
    }

    /// A reader connection for plain sqlite-nio queries (the writer's own when the database is in memory).
    var readerConnection: SQLiteConnection {
        guard !readerConnections.isEmpty else { return writerConnection }
        let i = nextReader.add(1, ordering: .relaxed).oldValue
        return readerConnections[i % readerConnections.count]
    }

    // MARK: - Writing

    /// Runs `body` inside the writer's transaction (shared with other queued work, isolated by a savepoint).
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let box = ResultBox<T>()
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            queue.submit(.work({ db in box.set(try await body(db)) }, { error in
                if let error { cont.resume(throwing: error) } else { cont.resume() }
            }))
        }
        return box.get()!
    }

    private func runBatch(_ jobs: [WriteJob]) async {
        var finish: [@Sendable () -> Void] = []
        let db = writer
        do {
            try await db.raw("BEGIN IMMEDIATE").run()
        } catch {
            for job in jobs { Self.fail(job, error) }
            return
        }
        var registrations: [(PreparedRegistration, @Sendable (Result<RegisterOutcome, any Error>) -> Void)] = []
        for job in jobs {
            switch job {
            case let .register(r, done):
                registrations.append((r, done))
            case let .work(body, done):
                do {
                    try await db.raw("SAVEPOINT job").run()
                    do {
                        try await body(db)
                        try await db.raw("RELEASE job").run()
                        finish.append { done(nil) }
                    } catch {
                        try await db.raw("ROLLBACK TO job").run()
                        try await db.raw("RELEASE job").run()
                        finish.append { done(error) }
                    }
                } catch {
                    finish.append { done(error) }
                }
            }
        }
        if !registrations.isEmpty {
            do {
                // Always under a savepoint: other queued work shares the transaction.
                let results = try await GroupCommit.insert(registrations.map(\.0), savepointAlone: true,
                                                           execute: { try await db.raw(SQLQueryString(stringLiteral: $0)).run() },
                                                           insert: { try await self.insertRegistrations($0) })
                for (i, r) in results.enumerated() { let done = registrations[i].1; finish.append { done(r) } }
            } catch {
                // A savepoint statement itself failed: the transaction is in an unknown state, so nothing of it is
                // committed and every job of the batch fails.
                logger.error("registration batch failed: \(error)")
                _ = try? await db.raw("ROLLBACK").run()
                for job in jobs { Self.fail(job, error) }
                return
            }
        }
        do {
            try await db.raw("COMMIT").run()
        } catch {
            logger.error("commit failed: \(error)")
            _ = try? await db.raw("ROLLBACK").run()
            for job in jobs { Self.fail(job, error) }
            return
        }
        for f in finish { f() }
    }

    // MARK: - SQLStore

    func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await body(reader)
    }

    /// On the writer, behind what is queued before: a token just issued or revoked, a call just recorded is seen at once.
    func readingLatest<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write(body)
    }

    func writing<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write(body)
    }

    /// The single writer runs one write at a time: nothing more to serialise.
    func serialize(_ db: any SQLDatabase, _ key: SerialKey) async throws {}

    static func jsonText(_ column: String, _ key: String) -> String { "json_extract(\(column), '$.\(key)')" }

    static func nameContains(_ column: String, _ text: String) -> SQLQueryString {
        // SQLite's LIKE is case-insensitive for Latin letters; the text's own wildcards are dropped.
        let like = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
        return "\(unsafeRaw: column) LIKE \(bind: like)"
    }

    /// BINARY, SQLite's default collation, is byte order.
    static var byteOrder: String { "" }
    static var greatest: String { "MAX" }

    private static func fail(_ job: WriteJob, _ error: any Error) {
        switch job {
        case let .register(_, done): done(.failure(error))
        case let .work(_, done): done(error)
        }
    }

    // MARK: - Migrations

    public func migrate() async throws {
        let db = writer
        try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)").run()
        let applied = Set(try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
        for (version, statements) in SQLiteSchema.migrations where !applied.contains(version) {
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                for s in statements { try await db.raw(SQLQueryString(stringLiteral: s)).run() }
                try await db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: version), \(bind: Int64(Date().timeIntervalSince1970)))").run()
                try await db.raw("COMMIT").run()
                logger.info("applied migration \(version)")
            } catch {
                _ = try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public var expectedSchemaVersion: Int { SQLiteSchema.migrations.last?.0 ?? 0 }

    public func schemaVersion() async throws -> Int {
        try await reader.raw("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").first()?.decode(column: "v", as: Int.self) ?? 0
    }
}

/// The schema, versioned in code: a migration is never edited once shipped; changes come as new versions.
enum SQLiteSchema {
    static let migrations: [(Int, [String])] = [
        (1, [
            """
            CREATE TABLE units (
                id INTEGER PRIMARY KEY,
                parent_id INTEGER REFERENCES units(id),
                name TEXT NOT NULL,
                level TEXT NOT NULL,
                kind TEXT NOT NULL,
                phone TEXT,
                path TEXT NOT NULL
            )
            """,
            "CREATE INDEX units_parent ON units(parent_id, id)",
            "CREATE INDEX units_path ON units(path)",
            """
            CREATE TABLE cases (
                id INTEGER PRIMARY KEY,
                tracking_code TEXT NOT NULL UNIQUE,
                client_key TEXT UNIQUE,
                state TEXT NOT NULL,
                channel TEXT NOT NULL,
                kind TEXT NOT NULL,
                category TEXT,
                center_unit INTEGER NOT NULL REFERENCES units(id),
                holder_unit INTEGER NOT NULL REFERENCES units(id),
                location_unit INTEGER REFERENCES units(id),
                registered_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                due_at INTEGER NOT NULL,
                alert_base TEXT NOT NULL,
                warn_at INTEGER,
                urgent_at INTEGER,
                alarm_at INTEGER,
                is_open INTEGER NOT NULL,
                version INTEGER NOT NULL,
                title TEXT NOT NULL,
                doc TEXT NOT NULL
            )
            """,
            // The inbox: a unit's open cases by next deadline.
            "CREATE INDEX cases_inbox ON cases(holder_unit, due_at, id) WHERE is_open = 1",
            "CREATE INDEX cases_holder_new ON cases(holder_unit, id)",
            "CREATE INDEX cases_registered ON cases(registered_at)",
            "CREATE INDEX cases_state ON cases(state, id)",
            "CREATE INDEX cases_alarm ON cases(alarm_at) WHERE is_open = 1",
            """
            CREATE TABLE case_events (
                case_id INTEGER NOT NULL REFERENCES cases(id),
                seq INTEGER NOT NULL,
                action TEXT NOT NULL,
                at INTEGER NOT NULL,
                actor_id TEXT NOT NULL,
                actor_name TEXT NOT NULL,
                role TEXT NOT NULL,
                unit_id INTEGER,
                from_state TEXT,
                to_state TEXT NOT NULL,
                note TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (case_id, seq)
            ) WITHOUT ROWID
            """,
            // History is evidence (痕迹管理): the database itself refuses to change it.
            "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END",
            "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END",
            // Bigram tokens computed in Swift (SearchTokens): unicode61 splits them on spaces.
            "CREATE VIRTUAL TABLE case_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')",
        ]),
        (2, [
            // Co-handling units (协办) see the cases they help with.
            """
            CREATE TABLE case_co_handlers (
                unit_id INTEGER NOT NULL REFERENCES units(id),
                case_id INTEGER NOT NULL REFERENCES cases(id),
                PRIMARY KEY (unit_id, case_id)
            ) WITHOUT ROWID
            """,
        ]),
        (3, [
            // The deadline watcher reads only this index: cases whose next alert instant has come.
            "ALTER TABLE cases ADD COLUMN next_notice_at INTEGER",
            "CREATE INDEX cases_next_notice ON cases(next_notice_at) WHERE next_notice_at IS NOT NULL",
            // Notices are written with their event and delivered later; dedupe_key makes each one exactly-once.
            """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                dedupe_key TEXT NOT NULL UNIQUE,
                case_id INTEGER NOT NULL REFERENCES cases(id),
                kind TEXT NOT NULL,
                recipient_unit INTEGER REFERENCES units(id),
                phone TEXT,
                message TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                sent_at INTEGER,
                last_error TEXT
            )
            """,
            "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL",
            "CREATE INDEX outbox_case ON outbox(case_id)",
        ]),
        (4, [
            // Leader ownership (领导领办) and supervision, for the leader's page and a unit's record.
            "ALTER TABLE cases ADD COLUMN owner_id TEXT",
            "ALTER TABLE cases ADD COLUMN leader_proposed INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX cases_owner ON cases(owner_id, id) WHERE owner_id IS NOT NULL",
            "CREATE INDEX cases_leader_proposed ON cases(id) WHERE leader_proposed = 1 AND owner_id IS NULL",
            """
            CREATE TABLE supervision_record (
                unit_id INTEGER NOT NULL REFERENCES units(id),
                case_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (unit_id, case_id, seq),
                FOREIGN KEY (case_id, seq) REFERENCES case_events(case_id, seq)
            ) WITHOUT ROWID
            """,
        ]),
        (5, [
            // Statistics find the cases touched in a period by the time of their steps (case_id rides along in the index).
            "CREATE INDEX case_events_at ON case_events(at, action)",
        ]),
        (6, [
            // Repeat detection: a citizen's earlier cases.
            "ALTER TABLE cases ADD COLUMN citizen_key TEXT",
            "CREATE INDEX cases_citizen ON cases(citizen_key, registered_at) WHERE citizen_key IS NOT NULL",
        ]),
        (7, [
            // Staff accounts (issue 3): roles as a comma list, bcrypt hash only.
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                login TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                unit_id INTEGER NOT NULL REFERENCES units(id),
                roles TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER,
                created_at INTEGER NOT NULL,
                password_changed_at INTEGER NOT NULL,
                must_change_password INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX users_unit ON users(unit_id, login)",
            // Credentials by the SHA-256 of their secret.
            """
            CREATE TABLE tokens (
                id INTEGER PRIMARY KEY,
                hash TEXT NOT NULL UNIQUE,
                user_id INTEGER NOT NULL REFERENCES users(id),
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                idle_seconds INTEGER,
                revoked_at INTEGER,
                csrf TEXT NOT NULL
            )
            """,
            "CREATE INDEX tokens_user ON tokens(user_id, id)",
            """
            CREATE TABLE auth_log (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                login TEXT NOT NULL,
                user_id INTEGER,
                outcome TEXT NOT NULL,
                address TEXT NOT NULL
            )
            """,
            "CREATE INDEX auth_log_user ON auth_log(user_id, id)",
            """
            CREATE TABLE access_log (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                user_id INTEGER NOT NULL,
                login TEXT NOT NULL,
                unit_id INTEGER NOT NULL,
                case_id INTEGER NOT NULL,
                fields TEXT NOT NULL,
                address TEXT NOT NULL
            )
            """,
            "CREATE INDEX access_log_case ON access_log(case_id, id)",
            "CREATE INDEX access_log_user ON access_log(user_id, id)",
            // The logs are evidence too: append-only.
            "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END",
            "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END",
            "CREATE TRIGGER auth_log_no_update BEFORE UPDATE ON auth_log BEGIN SELECT RAISE(ABORT, 'auth log is append-only'); END",
            "CREATE TRIGGER auth_log_no_delete BEFORE DELETE ON auth_log BEGIN SELECT RAISE(ABORT, 'auth log is append-only'); END",
        ]),
        (8, [
            // Files that came with a case (citizens' photos, scanned letters), stored by content hash on disk.
            """
            CREATE TABLE attachments (
                id INTEGER PRIMARY KEY,
                case_id INTEGER NOT NULL REFERENCES cases(id),
                sha256 TEXT NOT NULL,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                size INTEGER NOT NULL,
                at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX attachments_case ON attachments(case_id, id)",
            // Public disclosure (留言选登): closed cases chosen by staff, stored already redacted.
            """
            CREATE TABLE disclosures (
                case_id INTEGER PRIMARY KEY REFERENCES cases(id),
                at INTEGER NOT NULL,
                user_id INTEGER NOT NULL,
                title TEXT NOT NULL,
                content TEXT NOT NULL,
                reply TEXT NOT NULL,
                unit_name TEXT NOT NULL,
                category TEXT,
                registered_at INTEGER NOT NULL,
                replied_at INTEGER,
                evaluation TEXT
            )
            """,
            "CREATE INDEX disclosures_at ON disclosures(at)",
        ]),
        (9, [
            // Admin-editable settings (category → department table, calendar changes), JSON values loaded at start.
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID",
        ]),
        (10, [
            // Hotline calls (来电): the telephony system reports each call; the agent's registration links it to its case.
            """
            CREATE TABLE calls (
                call_id TEXT PRIMARY KEY,
                caller_key TEXT,
                caller_sealed TEXT,
                recording TEXT,
                started_at INTEGER NOT NULL,
                user_id INTEGER,
                case_id INTEGER REFERENCES cases(id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX calls_caller ON calls(caller_key, started_at)",
        ]),
        (11, [
            // When the citizen got the tracking code (GB/T 33358 time to acknowledgement): set at registration when the
            // answer carries it (portal, WeChat reply, in person), or when the outbox delivers the "ack" notice (SMS, e-mail).
            "ALTER TABLE cases ADD COLUMN acknowledged_at INTEGER",
            // Leader reception days (领导接访日): one row per booked slot; the partial unique index is what makes a slot
            // impossible to book twice, whatever the concurrency. A cancelled booking keeps its row and frees the slot.
            """
            CREATE TABLE reception_bookings (
                id INTEGER PRIMARY KEY,
                schedule_id TEXT NOT NULL,
                day TEXT NOT NULL,
                slot INTEGER NOT NULL,
                starts_at INTEGER NOT NULL,
                case_id INTEGER NOT NULL REFERENCES cases(id),
                created_at INTEGER NOT NULL,
                cancelled_at INTEGER
            )
            """,
            "CREATE UNIQUE INDEX reception_bookings_slot ON reception_bookings(schedule_id, day, slot) WHERE cancelled_at IS NULL",
            "CREATE INDEX reception_bookings_case ON reception_bookings(case_id)",
        ]),
        (12, [
            // The inbox page from the index alone (a covering index: SQLite reads no table row for it), so that its
            // cost does not grow with the table once the table outgrows memory. Every column the inbox row shows is in
            // the index, is_open too (SQLite counts a partial index's own WHERE column as needed); `visitors` leaves
            // the JSON document for a column so that nothing the list needs is inside `doc`.
            "ALTER TABLE cases ADD COLUMN visitors INTEGER",
            "UPDATE cases SET visitors = json_extract(doc, '$.visitors') WHERE channel = 'visit'",
            "DROP INDEX cases_inbox",
            """
            CREATE INDEX cases_inbox ON cases(holder_unit, due_at, id, tracking_code, title, state, kind, channel, category, \
            registered_at, alert_base, warn_at, urgent_at, alarm_at, visitors, is_open) WHERE is_open = 1
            """,
        ]),
        (13, [
            // Risk cases (跳楼, 不想活了, 集体上访 …) head every inbox: the flag is a column and leads the inbox index
            // after the holder, so the page is still read from the index in order, risk first, then by deadline.
            "ALTER TABLE cases ADD COLUMN risk INTEGER NOT NULL DEFAULT 0",
            "UPDATE cases SET risk = 1 WHERE json_array_length(doc, '$.risks') > 0",
            "DROP INDEX cases_inbox",
            """
            CREATE INDEX cases_inbox ON cases(holder_unit, risk DESC, due_at, id, tracking_code, title, state, kind, channel, \
            category, registered_at, alert_base, warn_at, urgent_at, alarm_at, visitors, is_open) WHERE is_open = 1
            """,
            "CREATE INDEX cases_risk_open ON cases(due_at, id) WHERE is_open = 1 AND risk = 1",
        ]),
        (14, [
            // A citizen's final cases (终结: the matter is not accepted again), read at every registration of theirs
            // however old: a small partial index, so the read never walks all of a busy citizen's cases.
            "CREATE INDEX cases_citizen_final ON cases(citizen_key, registered_at) WHERE state = 'final' AND citizen_key IS NOT NULL",
        ]),
    ]
}
