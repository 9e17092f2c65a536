import Foundation
import Logging
import MinshengDomain
import PostgresNIO
import SQLiteNIO

/// Moves a whole SQLite installation into an empty PostgreSQL database (`minsheng migrate`): every table row for
/// row, in rowid order, in batches of one transaction each; then the search index is rebuilt from the copied
/// cases, the id sequences are set past the copied ids, and every table is counted on both sides.
///
/// Generic over the schema on purpose: the columns come from each engine's catalogue (`PRAGMA table_info`,
/// `information_schema.columns`), each value is cast to the target column's type, so a migration added to both
/// engines needs no change here — and a column one engine lacks stops the copy before it starts.
public enum Transfer {
    public struct Progress: Sendable {
        public var table: String
        public var tableDone: Int
        public var tableTotal: Int
        public var done: Int
        public var total: Int
    }

    public struct Count: Sendable {
        public var table: String
        public var source: Int
        public var target: Int
        public var matches: Bool { source == target }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// Tables in foreign-key order; tables not named here are copied after them, alphabetically.
    static let order = ["units", "users", "cases", "case_events", "case_co_handlers", "outbox", "supervision_record",
                        "tokens", "auth_log", "access_log", "attachments", "disclosures", "settings", "calls"]
    /// Derived data each engine builds its own way (SQLite FTS5, PostgreSQL tsvector) and the migration ledger.
    static func isDerived(_ t: String) -> Bool {
        t.hasPrefix("sqlite_") || t.hasPrefix("case_fts") || t == "case_search" || t == "schema_migrations"
    }

    public static func copy(from source: SQLiteStore, to target: PostgresStore, batch: Int = 1000,
                            progress: @Sendable (Progress) -> Void = { _ in }) async throws -> [Count] {
        let src = source.readerConnection
        let sourceTables = try await src.query("SELECT name FROM sqlite_master WHERE type = 'table'")
            .compactMap { $0.column("name")?.string }.filter { !isDerived($0) }
        let targetTables = Set(try await target.read { db in
            try await db.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").all()
                .map { try $0.decode(column: "table_name", as: String.self) }
        }.filter { !isDerived($0) })
        let missing = sourceTables.filter { !targetTables.contains($0) }
        guard missing.isEmpty else { throw Failure("PostgreSQL has no table \(missing.joined(separator: ", ")): migrate both to the same version first") }
        let tables = order.filter { sourceTables.contains($0) } + sourceTables.filter { !order.contains($0) }.sorted()

        // The target must be empty: a copy over data would mix two installations.
        for t in ["units", "cases", "users"] where targetTables.contains(t) {
            let n = try await count(target, t)
            guard n == 0 else { throw Failure("the PostgreSQL database already has \(n) rows in \(t): migrate into an empty database") }
        }
        var totals: [String: Int] = [:]
        for t in tables { totals[t] = try await src.query("SELECT COUNT(*) AS n FROM \"\(t)\"").first?.column("n")?.integer ?? 0 }
        let total = totals.values.reduce(0, +) + (totals["cases"] ?? 0) // the search index is rebuilt from the cases
        var done = 0

        for t in tables {
            let sourceColumns = try await src.query("PRAGMA table_info(\"\(t)\")").compactMap { $0.column("name")?.string }
            let targetColumns = try await target.read { db in
                try await db.raw("""
                    SELECT column_name, data_type, is_identity FROM information_schema.columns \
                    WHERE table_schema = current_schema() AND table_name = \(bind: t)
                    """).all().map { (try $0.decode(column: "column_name", as: String.self),
                                      try $0.decode(column: "data_type", as: String.self),
                                      try $0.decode(column: "is_identity", as: String.self)) }
            }
            let types = Dictionary(targetColumns.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            let lacking = sourceColumns.filter { types[$0] == nil }
            guard lacking.isEmpty else { throw Failure("PostgreSQL's \(t) has no column \(lacking.joined(separator: ", "))") }
            let identity = targetColumns.contains { $0.2 == "YES" }
            let columnList = sourceColumns.map { "\"\($0)\"" }.joined(separator: ", ")
            // Rowid tables are paged by rowid; a WITHOUT ROWID table (no rowid to page by) by its primary key.
            let info = try await src.query("PRAGMA table_info(\"\(t)\")")
            let pk = info.filter { ($0.column("pk")?.integer ?? 0) > 0 }
                .sorted { ($0.column("pk")?.integer ?? 0) < ($1.column("pk")?.integer ?? 0) }
                .compactMap { $0.column("name")?.string }
            let withoutRowid = (try await src.query("SELECT sql FROM sqlite_master WHERE name = ?", [.text(t)]).first?.column("sql")?.string ?? "")
                .uppercased().contains("WITHOUT ROWID")
            var after = Int.min
            var offset = 0
            var tableDone = 0
            while true {
                let rows = withoutRowid
                    ? try await src.query("SELECT 0 AS \"__rowid\", \(columnList) FROM \"\(t)\" ORDER BY \(pk.map { "\"\($0)\"" }.joined(separator: ", ")) LIMIT ? OFFSET ?",
                                          [.integer(batch), .integer(offset)])
                    : try await src.query("SELECT rowid AS \"__rowid\", \(columnList) FROM \"\(t)\" WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                          [.integer(after), .integer(batch)])
                if rows.isEmpty { break }
                offset += rows.count
                var binds = PostgresBindings(capacity: rows.count * sourceColumns.count)
                var values: [String] = []
                var n = 1
                for row in rows {
                    var placeholders: [String] = []
                    for c in sourceColumns {
                        try append(row.column(c) ?? .null, as: types[c]!, to: &binds)
                        placeholders.append("$\(n)::\(types[c]!)")
                        n += 1
                    }
                    values.append("(" + placeholders.joined(separator: ", ") + ")")
                }
                let sql = "INSERT INTO \"\(t)\" (\(columnList))\(identity ? " OVERRIDING SYSTEM VALUE" : "") VALUES " + values.joined(separator: ", ")
                do {
                    try await target.transaction { conn, _ in
                        _ = try await PostgresStore.guarded(conn, PostgresQuery(unsafeSQL: sql, binds: binds), logger: target.logger)
                    }
                } catch let e as PSQLError {
                    throw Failure("copying \(t) after row \(after): \(e.serverInfo?[.message] ?? String(reflecting: e))")
                }
                after = rows.last!.column("__rowid")!.integer!
                tableDone += rows.count
                done += rows.count
                progress(Progress(table: t, tableDone: tableDone, tableTotal: totals[t] ?? 0, done: done, total: total))
            }
            // Ids copied as they were: the sequences must continue after them.
            for (column, _, isIdentity) in targetColumns where isIdentity == "YES" {
                try await target.transaction { conn, _ in
                    _ = try await PostgresStore.guarded(conn, PostgresQuery(unsafeSQL: """
                        SELECT setval(s, COALESCE((SELECT MAX("\(column)") FROM "\(t)"), 0) + 1, false) \
                        FROM pg_get_serial_sequence('"\(t)"', '\(column)') AS s WHERE s IS NOT NULL
                        """), logger: target.logger)
                }
            }
        }

        // The search index, from the copied cases' texts (the same tokens registration writes).
        var after: CaseID = 0
        var indexed = 0
        while true {
            let texts = try await source.caseTexts(after: after, limit: batch)
            if texts.isEmpty { break }
            try await target.indexSearch(texts.map { ($0.id, $0.title, $0.content) })
            after = texts.last!.id
            indexed += texts.count
            done += texts.count
            progress(Progress(table: "case_search", tableDone: indexed, tableTotal: totals["cases"] ?? 0, done: done, total: total))
        }

        var counts: [Count] = []
        for t in tables { counts.append(Count(table: t, source: totals[t] ?? 0, target: try await count(target, t))) }
        counts.append(Count(table: "case_search", source: totals["cases"] ?? 0, target: try await count(target, "case_search")))
        return counts
    }

    static func count(_ store: PostgresStore, _ table: String) async throws -> Int {
        try await store.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    static func append(_ v: SQLiteData, as type: String, to binds: inout PostgresBindings) throws {
        switch (v, type) {
        case (.null, _): binds.appendNull()
        case (.integer(let i), "boolean"): binds.append(i != 0)
        case (.integer(let i), "double precision"), (.integer(let i), "real"), (.integer(let i), "numeric"): binds.append(Double(i))
        case (.integer(let i), "text"): binds.append(String(i))
        case (.integer(let i), _): binds.append(Int64(i))
        case (.float(let d), "text"): binds.append(String(d))
        case (.float(let d), _): binds.append(d)
        case (.text(let s), _): binds.append(s)
        case (.blob(let b), _): binds.append(b)
        }
    }
}
