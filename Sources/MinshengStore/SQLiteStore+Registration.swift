import Foundation
import MinshengDomain
import SQLKit
import SQLiteNIO

/// Registration, the hot path: many rows per statement with plain sqlite-nio binds on the single writer.
extension SQLiteStore {
    /// Inserts the cases, their first events and their search tokens, many rows per statement, with plain
    /// SQLite binds (the hot path: measured 2× the throughput of building the same statements through SQLKit).
    /// Runs inside the writer's transaction (BEGIN IMMEDIATE), so the ids read here are this database's next ones
    /// whatever other process wrote before (`ingest-mail`, `migrate`, a second server): no id is kept in memory.
    func insertRegistrations(_ regs: [PreparedRegistration]) async throws -> [RegisterOutcome] {
        let conn = writerConnection
        // Idempotent retries: a key seen before (earlier, or earlier in this batch) returns that case.
        let keys = regs.compactMap(\.registration.clientKey)
        var existing: [String: Case] = [:]
        if !keys.isEmpty {
            let marks = Array(repeating: "?", count: keys.count).joined(separator: ",")
            let rows = try await conn.query("SELECT id, client_key, doc FROM cases WHERE client_key IN (\(marks))", keys.map { .text($0) })
            for row in rows {
                guard let key = row.column("client_key")?.string, let doc = row.column("doc")?.string,
                      let id = row.column("id")?.integer else { continue }
                existing[key] = try Self.decodeCase(doc, id: Int64(id))
            }
        }
        let (outcomes, fresh) = try await RegistrationPlan.make(regs, existing: existing) { n in
            let first = Int64(try await conn.query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM cases").first?.column("n")?.integer ?? 1)
            return (0..<Int64(n)).map { first + $0 }
        }
        var i = 0
        while i < fresh.count {
            let chunk = fresh[i..<min(i + 200, fresh.count)]
            i += 200
            var caseBinds = SQLiteBinds()
            var eventBinds = SQLiteBinds()
            var ftsBinds: [SQLiteData] = []
            caseBinds.values.reserveCapacity(chunk.count * CaseRow.insertColumns.count)
            let eventCount = CaseRow.bind(chunk, cases: &caseBinds, events: &eventBinds)
            for (p, id) in chunk { ftsBinds += [.integer(Int(id)), .text(p.titleTokens), .text(p.bodyTokens)] }
            _ = try await conn.query(CaseRow.insertHead + Self.placeholders(rows: chunk.count, columns: CaseRow.insertColumns.count), caseBinds.values)
            _ = try await conn.query(EventRow.insertHead + Self.placeholders(rows: eventCount, columns: EventRow.names.count), eventBinds.values)
            _ = try await conn.query("INSERT INTO case_fts (rowid, title, body) VALUES" + Self.placeholders(rows: chunk.count, columns: 3), ftsBinds)
            // Rare (co-handlers, notices, a hotline call): the shared statements, on the writer's connection.
            try await Self.writeRegistrationExtras(writer, chunk)
        }
        return outcomes
    }

    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return " " + Array(repeating: row, count: rows).joined(separator: ",")
    }
}

/// Plain SQLite binds for the hot insert.
struct SQLiteBinds: ColumnSink {
    var values: [SQLiteData] = []
    @inline(__always) mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse) {
        if use != .update { values.append(value.map { .integer(Int($0)) } ?? .null) }
    }
    @inline(__always) mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse) {
        if use != .update { values.append(value.map { .text($0) } ?? .null) }
    }
    @inline(__always) mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse) {
        if use != .update { values.append(.integer(value ? 1 : 0)) }
    }
}
