import Foundation
import Logging
import MinshengDomain
import PostgresKit
import PostgresNIO
import SQLKit

/// Registration, the hot path: grouped per node, many rows per statement with postgres-nio's own bindings.
extension PostgresStore {
    /// Queued for this node's drainer, which commits everything queued so far in one transaction.
    func submitRegistration(_ r: PreparedRegistration, _ done: @escaping @Sendable (Result<RegisterOutcome, any Error>) -> Void) {
        queue.submit(RegistrationJob(registration: r, done: done))
    }

    /// One batch of queued registrations in one transaction. If the batch fails (a bad row, or another node
    /// inserting the same client key at the same moment), it is retried one by one under savepoints so only the bad
    /// registration fails. A client key that another node inserted concurrently surfaces as a unique violation only
    /// once that node has committed, so trying that registration again finds the other node's case.
    func runRegistrations(_ jobs: [RegistrationJob]) async {
        var results: [Result<RegisterOutcome, any Error>] = []
        for attempt in 1...3 {
            do {
                results = try await registrationTransaction(jobs.map(\.registration))
                break
            } catch where attempt < 3 && jobs.count == 1 && Self.isUniqueViolation(error) {
                continue
            } catch let e as DatabaseUnavailable {
                // Said once when the database went away (DatabaseHealth); each request answers 503.
                results = jobs.map { _ in .failure(e) }
                break
            } catch {
                logger.error("registration batch failed: \(String(reflecting: error))")
                results = jobs.map { _ in .failure(error) }
                break
            }
        }
        // Acknowledged only after COMMIT returned.
        for (job, r) in zip(jobs, results) { job.done(r) }
    }

    private func registrationTransaction(_ regs: [PreparedRegistration]) async throws -> [Result<RegisterOutcome, any Error>] {
        try await withPooledConnection { conn in
            try await self.guarded(conn, "BEGIN")
            do {
                let results = try await GroupCommit.insert(regs, savepointAlone: false,
                                                           execute: { try await self.guarded(conn, $0) },
                                                           insert: { try await self.insertRegistrations(conn, $0) },
                                                           again: Self.isUniqueViolation)
                try await self.guarded(conn, "COMMIT")
                return results
            } catch {
                _ = try? await self.guarded(conn, "ROLLBACK")
                throw error
            }
        }
    }

    /// SQLSTATE 23505: a unique index refused the row (here: a client key or tracking code another transaction took).
    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }


    /// Inserts cases, first events and search vectors, up to 200 rows per statement with postgres-nio's own bindings
    /// (the hot path). Ids come from the identity sequence, taken in one round trip for the batch.
    func insertRegistrations(_ conn: PostgresConnection, _ regs: [PreparedRegistration]) async throws -> [RegisterOutcome] {
        let db = GuardedSQLDatabase(conn)
        // Idempotent retries: a key seen before (earlier, or earlier in this batch) returns that case.
        let keys = regs.compactMap(\.registration.clientKey)
        var existing: [String: Case] = [:]
        if !keys.isEmpty {
            for row in try await db.raw("SELECT id, client_key, doc FROM cases WHERE client_key = ANY(\(bind: keys))").all() {
                existing[try row.decode(column: "client_key", as: String.self)] =
                    try Self.decodeCase(row.decode(column: "doc", as: String.self), id: row.decode(column: "id", as: Int64.self))
            }
        }
        let (outcomes, fresh) = try await RegistrationPlan.make(regs, existing: existing) { n in
            try await db.raw("""
                SELECT nextval(pg_get_serial_sequence('cases', 'id')) AS id FROM generate_series(1, \(bind: n)) ORDER BY 1
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        var i = 0
        while i < fresh.count {
            let chunk = fresh[i..<min(i + 200, fresh.count)]
            i += 200
            var caseBinds = PostgresBindings(capacity: chunk.count * CaseRow.insertColumns.count)
            var eventBinds = PostgresBindings()
            var searchBinds = PostgresBindings(capacity: chunk.count * 2)
            let eventCount = CaseRow.bind(chunk, cases: &caseBinds, events: &eventBinds)
            for (p, id) in chunk { searchBinds.append(id); searchBinds.append(Self.searchVector(title: p.titleTokens, body: p.bodyTokens)) }
            try await run(conn, CaseRow.insertHead + Self.placeholders(rows: chunk.count, columns: CaseRow.insertColumns.count), caseBinds)
            if eventCount > 0 {
                try await run(conn, EventRow.insertHead + Self.placeholders(rows: eventCount, columns: EventRow.names.count), eventBinds)
            }
            try await run(conn, "INSERT INTO case_search (case_id, tsv) VALUES" + Self.placeholders(rows: chunk.count, columns: 2, casts: [1: "tsvector"]), searchBinds)
            try await Self.writeRegistrationExtras(db, chunk)
        }
        return outcomes
    }

    func run(_ conn: PostgresConnection, _ sql: String, _ binds: PostgresBindings) async throws {
        _ = try await Self.guarded(conn, PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    /// `($1,$2,…),(…)` for `rows` rows; `casts` maps a column index to a type the value is cast to.
    static func placeholders(rows: Int, columns: Int, casts: [Int: String] = [:]) -> String {
        var out = " "
        var n = 1
        for r in 0..<rows {
            if r > 0 { out += "," }
            out += "("
            for c in 0..<columns {
                if c > 0 { out += "," }
                out += "$\(n)"
                if let t = casts[c] { out += "::" + t }
                n += 1
            }
            out += ")"
        }
        return out
    }
}

/// postgres-nio's own bindings for the hot insert: flags as SMALLINT, as the schema has them.
extension PostgresBindings: ColumnSink {
    @inline(__always) mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse) {
        if use != .update { append(value) }
    }
    @inline(__always) mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse) {
        if use != .update { append(value) }
    }
    @inline(__always) mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse) {
        if use != .update { append(Int16(value ? 1 : 0)) }
    }
}
