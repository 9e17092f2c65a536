import Foundation
import Logging
import MinshengDomain
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// The engine for a city or a province: one PostgreSQL database shared by many stateless app nodes.
///
/// Every action is one transaction on one pooled connection (postgres-nio's `PostgresClient`). Registrations are
/// grouped: one drainer per node takes everything queued so far and commits it in one transaction, so a burst costs
/// one WAL flush per batch instead of one per case. Steps lock their case row (`SELECT … FOR UPDATE`), so two nodes
/// stepping the same case serialise in the database. Values are always bound parameters.
public final class PostgresStore: CaseStore, AccountStore, SQLStore {
    /// Where the database is, parsed from `postgres://user:password@host:port/database?sslmode=…`.
    public struct Configuration: Sendable, Equatable {
        public enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var tls: TLSMode
        /// The schema the tables live in (search_path); nil: the server's default ("public").
        public var schema: String?
        /// The most connections this node opens.
        public var maxConnections: Int

        public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil, database: String,
                    tls: TLSMode = .disable, schema: String? = nil, maxConnections: Int = 20) {
            self.host = host; self.port = port; self.username = username; self.password = password; self.database = database
            self.tls = tls; self.schema = schema; self.maxConnections = maxConnections
        }

        /// Parses a `postgres://` (or `postgresql://`) URL. Query options: `sslmode=disable|prefer|require|verify-full`
        /// (default disable), `schema=` and `pool=` (max connections).
        public init(url string: String) throws {
            guard let u = URLComponents(string: string), let scheme = u.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()) else {
                throw ConfigurationError("not a postgres:// URL: \(Self.redacted(string))")
            }
            guard let user = u.user, !user.isEmpty else { throw ConfigurationError("the URL names no user: \(Self.redacted(string))") }
            let db = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
            guard !db.isEmpty, !db.contains("/") else { throw ConfigurationError("the URL names no database: \(Self.redacted(string))") }
            self.init(host: u.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1", port: u.port ?? 5432, username: user,
                      password: u.password, database: db)
            for item in u.queryItems ?? [] {
                switch item.name {
                case "sslmode":
                    guard let m = TLSMode(rawValue: item.value ?? "") else {
                        throw ConfigurationError("sslmode must be disable, prefer, require or verify-full, not \(item.value ?? "")")
                    }
                    tls = m
                case "schema":
                    guard let s = item.value, !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                        throw ConfigurationError("schema must be a plain name")
                    }
                    schema = s
                case "pool":
                    guard let n = item.value.flatMap(Int.init), n >= 1 else { throw ConfigurationError("pool must be a positive number") }
                    maxConnections = n
                default:
                    throw ConfigurationError("unknown option \(item.name) in the database URL")
                }
            }
        }

        /// The URL with its password hidden, for logs and error messages.
        public static func redacted(_ url: String) -> String {
            guard var u = URLComponents(string: url), u.password != nil else { return url }
            u.password = "***"
            return u.string ?? url
        }

        /// As libpq's sslmode: prefer and require encrypt without checking the certificate; verify-full checks it.
        var tlsConfiguration: TLSConfiguration? {
            switch tls {
            case .disable: return nil
            case .prefer, .require:
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = .none
                return t
            case .verifyFull: return TLSConfiguration.makeClientConfiguration()
            }
        }

        var clientConfiguration: PostgresClient.Configuration {
            let tlsConfig: PostgresClient.Configuration.TLS
            switch (tls, tlsConfiguration) {
            case (.prefer, let t?): tlsConfig = .prefer(t)
            case (_, let t?): tlsConfig = .require(t)
            default: tlsConfig = .disable
            }
            var c = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tlsConfig)
            c.options.maximumConnections = maxConnections
            c.options.additionalStartupParameters = startupParameters
            return c
        }

        /// The schema, and a name pg_stat_activity shows for this node's connections.
        var startupParameters: [(String, String)] {
            [("application_name", "minsheng" + (schema.map { "/" + $0 } ?? ""))] + (schema.map { [("search_path", $0)] } ?? [])
        }
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    struct RegistrationJob: Sendable {
        var registration: PreparedRegistration
        var done: @Sendable (Result<RegisterOutcome, any Error>) -> Void
    }

    struct Pool {
        var client: PostgresClient
        var task: Task<Void, Never>
        /// Pools replaced after an outage, ended a little later (or at close).
        var retired: [Task<Void, Never>] = []
    }
    let pool: Mutex<Pool>
    /// The pool in use now (a new one after an outage).
    var client: PostgresClient { pool.withLock { $0.client } }
    let health: DatabaseHealth
    let logger: Logger
    /// For probes and one-off connections: their failures are reported by the caller.
    var quietLogger: Logger {
        var l = logger
        l.logLevel = .critical
        return l
    }
    public let configuration: Configuration
    let queue = WriteQueue<RegistrationJob>(maxBatch: 512)

    /// Opens nothing yet: `open` checks the server and migrates first (tests build a store on an unreachable server).
    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.health = DatabaseHealth(logger: logger)
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        // The pool works only while `run()` runs; cancelling it closes every connection.
        self.pool = Mutex(Pool(client: client, task: Task { await client.run() }))
        queue.setRunner { [weak self] jobs in
            guard let self else { return }
            await self.runRegistrations(jobs)
        }
    }

    /// Connects and runs migrations (under an advisory lock, so nodes starting together migrate once).
    public static func open(_ configuration: Configuration, logger: Logger = Logger(label: "minsheng.store")) async throws -> PostgresStore {
        try await checkConnection(configuration, logger: logger)
        let store = PostgresStore(configuration: configuration, logger: logger)
        // Give the pool's run() task a moment to start: a lease before it runs waits anyway, but logs a warning.
        try? await Task.sleep(for: .milliseconds(10))
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    public static func open(url: String, logger: Logger = Logger(label: "minsheng.store")) async throws -> PostgresStore {
        try await open(Configuration(url: url), logger: logger)
    }

    /// One plain connection first, so a wrong host, password or database name is reported as such at start (the pool
    /// would retry with back-off and end in an opaque "circuit breaker tripped").
    static func checkConnection(_ c: Configuration, logger: Logger) async throws {
        var config = try connectionConfiguration(c)
        config.options.connectTimeout = .seconds(10)
        do {
            let conn = try await PostgresConnection.connect(configuration: config, id: 0, logger: logger)
            try await conn.close()
        } catch {
            var detail = String(reflecting: error)
            if let e = error as? PSQLError {
                detail = e.serverInfo?[.message] ?? e.underlying.map { String(describing: $0) } ?? "\(e.code)"
            }
            throw ConfigurationError("cannot connect to PostgreSQL \(c.username)@\(c.host):\(c.port)/\(c.database): \(detail)")
        }
    }

    /// One plain connection's settings (not the pool's), with the schema as the pool sets it.
    static func connectionConfiguration(_ c: Configuration) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch (c.tls, c.tlsConfiguration) {
        case (.prefer, let t?): tls = .prefer(try NIOSSLContext(configuration: t))
        case (_, let t?): tls = .require(try NIOSSLContext(configuration: t))
        default: tls = .disable
        }
        var config = PostgresConnection.Configuration(host: c.host, port: c.port, username: c.username, password: c.password,
                                                      database: c.database, tls: tls)
        config.options.additionalStartupParameters = c.startupParameters
        return config
    }

    /// Runs one statement on a short-lived connection (administration: creating a schema or a database before a store
    /// opens it). The statement is the caller's text: never pass user input here.
    public static func execute(_ sql: String, on configuration: Configuration, logger: Logger = Logger(label: "minsheng.store")) async throws {
        // A one-statement client leases before its run() task has started: keep its background chatter out of the log
        // (errors still reach the caller).
        var quiet = logger
        quiet.logLevel = .error
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        }
    }

    /// Ends the pool (and any retired one) without waiting for the server: bounded even while it is down.
    public func close() async throws {
        health.close()
        let (task, retired) = pool.withLock { ($0.task, $0.retired) }
        for t in retired { t.cancel() }
        task.cancel()
        _ = try? await withDeadline(3, "closing the pool") { await task.value }
    }

    // MARK: - Connections and transactions

    /// A read on any pooled connection (autocommit: sees everything committed before it started).
    func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withPooledConnection { conn in try await body(GuardedSQLDatabase(conn)) }
    }

    /// Several reads that must agree (the dashboard's three counts, the statistics' two reads): one read-only
    /// snapshot, so a registration committed between them is in all of them or in none.
    func snapshot<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withPooledConnection { conn in
            try await self.guarded(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let value = try await body(GuardedSQLDatabase(conn))
                try await self.guarded(conn, "COMMIT")
                return value
            } catch {
                _ = try? await self.guarded(conn, "ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` in one transaction on one connection; an error rolls it back and is rethrown as it was (callers
    /// match on `StoreError` and `LifecycleError`, not on a wrapper).
    func transaction<T: Sendable>(_ body: (PostgresConnection, any SQLDatabase) async throws -> T) async throws -> T {
        try await withPooledConnection { conn in
            try await self.guarded(conn, "BEGIN")
            do {
                let value = try await body(conn, GuardedSQLDatabase(conn))
                try await self.guarded(conn, "COMMIT")
                return value
            } catch {
                _ = try? await self.guarded(conn, "ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - SQLStore

    func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(body)
    }

    /// Every pooled connection reads the primary: what any node committed is seen at once.
    func readingLatest<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(body)
    }

    func writing<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction { _, db in try await body(db) }
    }

    func serialize(_ db: any SQLDatabase, _ key: SerialKey) async throws {
        switch key {
        case .unitIDs:
            // Per schema, so installations in different schemas of one database do not wait for each other.
            try await db.raw("SELECT pg_advisory_xact_lock(7000002, hashtext(current_schema()))").run()
        case .setting(let key):
            try await db.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "setting:" + key)))").run()
        }
    }

    static func jsonText(_ column: String, _ key: String) -> String { "\(column)::json->>'\(key)'" }

    static func nameContains(_ column: String, _ text: String) -> SQLQueryString {
        // ILIKE: case-insensitive for Latin letters, as SQLite's LIKE; the text's own wildcards and escapes are dropped.
        let like = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
            .replacingOccurrences(of: "\\", with: "") + "%"
        return "\(unsafeRaw: column) ILIKE \(bind: like)"
    }

    static var byteOrder: String { " COLLATE \"C\"" }
    static var greatest: String { "GREATEST" }

    // MARK: - Migrations

    public func migrate() async throws {
        try await transaction { conn, db in
            // One node migrates, the others wait here and then find nothing left to do. The key is per schema so
            // installations in different schemas of one database do not wait for each other.
            try await db.raw("SELECT pg_advisory_xact_lock(7000001, hashtext(current_schema()))").run()
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
            let applied = Set(try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
            for (version, statements) in PostgresSchema.migrations where !applied.contains(version) {
                for s in statements { try await db.raw(SQLQueryString(stringLiteral: s)).run() }
                try await db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: version), \(bind: Int64(Date().timeIntervalSince1970)))").run()
                logger.info("applied migration \(version)")
            }
        }
    }

    public var expectedSchemaVersion: Int { PostgresSchema.migrations.last?.0 ?? 0 }

    public func schemaVersion() async throws -> Int {
        try await read { db in
            // Before the first migration there is no table: version 0, as on SQLite.
            guard try await db.raw("SELECT to_regclass('schema_migrations') IS NOT NULL AS t").first()?.decode(column: "t", as: Bool.self) == true else { return 0 }
            return try await db.raw("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").first()?.decode(column: "v", as: Int.self) ?? 0
        }
    }
}

/// The schema in PostgreSQL's dialect, with the same version numbers as `SQLiteSchema` (so `/readyz` compares the
/// same figure on both engines). Instants are Unix seconds (BIGINT), as on SQLite; flags SMALLINT 0/1 so the row
/// decoders are shared. A migration is never edited once shipped.
enum PostgresSchema {
    static let migrations: [(Int, [String])] = [
        (1, [
            """
            CREATE TABLE units (
                id BIGINT PRIMARY KEY,
                parent_id BIGINT REFERENCES units(id),
                name TEXT NOT NULL,
                level TEXT NOT NULL,
                kind TEXT NOT NULL,
                phone TEXT,
                path TEXT COLLATE "C" NOT NULL
            )
            """,
            "CREATE INDEX units_parent ON units(parent_id, id)",
            // Byte order (COLLATE "C"): a subtree is one range scan of the materialised path whatever the database's locale.
            "CREATE INDEX units_path ON units(path)",
            """
            CREATE TABLE cases (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                tracking_code TEXT NOT NULL UNIQUE,
                client_key TEXT UNIQUE,
                state TEXT NOT NULL,
                channel TEXT NOT NULL,
                kind TEXT NOT NULL,
                category TEXT,
                center_unit BIGINT NOT NULL REFERENCES units(id),
                holder_unit BIGINT NOT NULL REFERENCES units(id),
                location_unit BIGINT REFERENCES units(id),
                registered_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                due_at BIGINT NOT NULL,
                alert_base TEXT NOT NULL,
                warn_at BIGINT,
                urgent_at BIGINT,
                alarm_at BIGINT,
                is_open SMALLINT NOT NULL,
                version BIGINT NOT NULL,
                title TEXT NOT NULL,
                doc TEXT NOT NULL
            )
            """,
            "CREATE INDEX cases_inbox ON cases(holder_unit, due_at, id) WHERE is_open = 1",
            "CREATE INDEX cases_holder_new ON cases(holder_unit, id)",
            "CREATE INDEX cases_registered ON cases(registered_at)",
            "CREATE INDEX cases_state ON cases(state, id)",
            "CREATE INDEX cases_alarm ON cases(alarm_at) WHERE is_open = 1",
            """
            CREATE TABLE case_events (
                case_id BIGINT NOT NULL REFERENCES cases(id),
                seq BIGINT NOT NULL,
                action TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor_id TEXT NOT NULL,
                actor_name TEXT NOT NULL,
                role TEXT NOT NULL,
                unit_id BIGINT,
                from_state TEXT,
                to_state TEXT NOT NULL,
                note TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (case_id, seq)
            )
            """,
            // History is evidence (痕迹管理): the database itself refuses to change it.
            """
            CREATE FUNCTION minsheng_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
            """,
            "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events FOR EACH ROW EXECUTE FUNCTION minsheng_append_only()",
            // Full-text search. The same dictionary-free tokens as SQLite's FTS5 table (SearchTokens:
            // CJK character bigrams, whole Latin words) stored as a tsvector with positions, title weighted A and
            // body B, in a GIN index. A word of n ≥ 2 characters is a phrase of n−1 consecutive bigrams (`<->`), so
            // 路灯 and 噪音 are found through the index. pg_trgm was the alternative: its GIN index cannot serve a
            // pattern under three characters (most Chinese words are two), it depends on the database's locale
            // (no trigrams from Chinese under C) and gives no relevance rank; the tsvector needs no extension.
            // Kept apart from `cases` so the frequent updates of a case do not rewrite GIN entries.
            """
            CREATE TABLE case_search (
                case_id BIGINT PRIMARY KEY REFERENCES cases(id),
                tsv TSVECTOR NOT NULL
            )
            """,
            "CREATE INDEX case_search_tsv ON case_search USING GIN (tsv)",
        ]),
        (2, [
            """
            CREATE TABLE case_co_handlers (
                unit_id BIGINT NOT NULL REFERENCES units(id),
                case_id BIGINT NOT NULL REFERENCES cases(id),
                PRIMARY KEY (unit_id, case_id)
            )
            """,
        ]),
        (3, [
            "ALTER TABLE cases ADD COLUMN next_notice_at BIGINT",
            "CREATE INDEX cases_next_notice ON cases(next_notice_at) WHERE next_notice_at IS NOT NULL",
            """
            CREATE TABLE outbox (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                dedupe_key TEXT NOT NULL UNIQUE,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                kind TEXT NOT NULL,
                recipient_unit BIGINT REFERENCES units(id),
                phone TEXT,
                message TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                sent_at BIGINT,
                last_error TEXT
            )
            """,
            "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL",
            "CREATE INDEX outbox_case ON outbox(case_id)",
        ]),
        (4, [
            "ALTER TABLE cases ADD COLUMN owner_id TEXT",
            "ALTER TABLE cases ADD COLUMN leader_proposed SMALLINT NOT NULL DEFAULT 0",
            "CREATE INDEX cases_owner ON cases(owner_id, id) WHERE owner_id IS NOT NULL",
            "CREATE INDEX cases_leader_proposed ON cases(id) WHERE leader_proposed = 1 AND owner_id IS NULL",
            """
            CREATE TABLE supervision_record (
                unit_id BIGINT NOT NULL REFERENCES units(id),
                case_id BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                PRIMARY KEY (unit_id, case_id, seq),
                FOREIGN KEY (case_id, seq) REFERENCES case_events(case_id, seq)
            )
            """,
        ]),
        (5, [
            "CREATE INDEX case_events_at ON case_events(at, action)",
        ]),
        (6, [
            "ALTER TABLE cases ADD COLUMN citizen_key TEXT",
            "CREATE INDEX cases_citizen ON cases(citizen_key, registered_at) WHERE citizen_key IS NOT NULL",
        ]),
        (7, [
            """
            CREATE TABLE users (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                login TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                unit_id BIGINT NOT NULL REFERENCES units(id),
                roles TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                disabled SMALLINT NOT NULL DEFAULT 0,
                failed_logins BIGINT NOT NULL DEFAULT 0,
                locked_until BIGINT,
                created_at BIGINT NOT NULL,
                password_changed_at BIGINT NOT NULL,
                must_change_password SMALLINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX users_unit ON users(unit_id, login)",
            """
            CREATE TABLE tokens (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                hash TEXT NOT NULL UNIQUE,
                user_id BIGINT NOT NULL REFERENCES users(id),
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                idle_seconds BIGINT,
                revoked_at BIGINT,
                csrf TEXT NOT NULL
            )
            """,
            "CREATE INDEX tokens_user ON tokens(user_id, id)",
            """
            CREATE TABLE auth_log (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                at BIGINT NOT NULL,
                login TEXT NOT NULL,
                user_id BIGINT,
                outcome TEXT NOT NULL,
                address TEXT NOT NULL
            )
            """,
            "CREATE INDEX auth_log_user ON auth_log(user_id, id)",
            """
            CREATE TABLE access_log (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                at BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                login TEXT NOT NULL,
                unit_id BIGINT NOT NULL,
                case_id BIGINT NOT NULL,
                fields TEXT NOT NULL,
                address TEXT NOT NULL
            )
            """,
            "CREATE INDEX access_log_case ON access_log(case_id, id)",
            "CREATE INDEX access_log_user ON access_log(user_id, id)",
            "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log FOR EACH ROW EXECUTE FUNCTION minsheng_append_only()",
            "CREATE TRIGGER auth_log_append_only BEFORE UPDATE OR DELETE ON auth_log FOR EACH ROW EXECUTE FUNCTION minsheng_append_only()",
        ]),
        (8, [
            """
            CREATE TABLE attachments (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                sha256 TEXT NOT NULL,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                size BIGINT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX attachments_case ON attachments(case_id, id)",
            """
            CREATE TABLE disclosures (
                case_id BIGINT PRIMARY KEY REFERENCES cases(id),
                at BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                title TEXT NOT NULL,
                content TEXT NOT NULL,
                reply TEXT NOT NULL,
                unit_name TEXT NOT NULL,
                category TEXT,
                registered_at BIGINT NOT NULL,
                replied_at BIGINT,
                evaluation TEXT
            )
            """,
            "CREATE INDEX disclosures_at ON disclosures(at)",
        ]),
        (9, [
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        ]),
        (10, [
            """
            CREATE TABLE calls (
                call_id TEXT PRIMARY KEY,
                caller_key TEXT,
                caller_sealed TEXT,
                recording TEXT,
                started_at BIGINT NOT NULL,
                user_id BIGINT,
                case_id BIGINT REFERENCES cases(id)
            )
            """,
            "CREATE INDEX calls_caller ON calls(caller_key, started_at)",
        ]),
        (11, [
            // When the citizen got the tracking code (GB/T 33358 time to acknowledgement).
            "ALTER TABLE cases ADD COLUMN acknowledged_at BIGINT",
            // Leader reception days: the partial unique index makes a slot impossible to book twice on any node.
            """
            CREATE TABLE reception_bookings (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                schedule_id TEXT NOT NULL,
                day TEXT NOT NULL,
                slot BIGINT NOT NULL,
                starts_at BIGINT NOT NULL,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                created_at BIGINT NOT NULL,
                cancelled_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX reception_bookings_slot ON reception_bookings(schedule_id, day, slot) WHERE cancelled_at IS NULL",
            "CREATE INDEX reception_bookings_case ON reception_bookings(case_id)",
        ]),
        (12, [
            // The inbox page from the index alone: at ten million cases the table is larger than memory and a page of
            // 50 open cases was 50 random heap reads (p99 17.5 ms). Every column the inbox row shows rides in the
            // index (INCLUDE), so an index-only scan serves it where the visibility map allows; `visitors` leaves the
            // JSON document for a column so that nothing the list needs is inside `doc`.
            "ALTER TABLE cases ADD COLUMN visitors BIGINT",
            "UPDATE cases SET visitors = (doc::jsonb ->> 'visitors')::bigint WHERE channel = 'visit' AND doc::jsonb ? 'visitors'",
            "DROP INDEX cases_inbox",
            """
            CREATE INDEX cases_inbox ON cases(holder_unit, due_at, id) INCLUDE (tracking_code, title, state, kind, channel, \
            category, registered_at, alert_base, warn_at, urgent_at, alarm_at, visitors) WHERE is_open = 1
            """,
        ]),
        (13, [
            // Risk cases head every inbox: the flag is a column and leads the inbox index after the holder (see SQLite).
            "ALTER TABLE cases ADD COLUMN risk SMALLINT NOT NULL DEFAULT 0",
            "UPDATE cases SET risk = 1 WHERE jsonb_array_length(COALESCE(doc::jsonb -> 'risks', '[]'::jsonb)) > 0",
            "DROP INDEX cases_inbox",
            """
            CREATE INDEX cases_inbox ON cases(holder_unit, risk DESC, due_at, id) INCLUDE (tracking_code, title, state, kind, channel, \
            category, registered_at, alert_base, warn_at, urgent_at, alarm_at, visitors) WHERE is_open = 1
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
