import Foundation
import MinshengDomain
import SQLKit
import Synchronization

/// Far-future stand-in for "no deadline", so inbox ordering and cursors compare plain integers.
let noDue: Int64 = 4_102_444_800 // 2100-01-01

/// What both SQL engines share: the queries written once against `any SQLDatabase` (the `SQLStore+…` files) over two
/// engine primitives, a read and a write transaction, and a few tiny hooks where the dialects differ. `SQLiteStore` and
/// `PostgresStore` keep only what is truly their own: connections and transactions, the registration hot path,
/// search, claims, statistics and the schema.
protocol SQLStore: CaseStore, AccountStore {
    /// A read that sees everything committed before it started (SQLite: a reader connection; PostgreSQL: the pool).
    func reading<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// A read that must see what was just written through this store (a token just revoked, a call just recorded):
    /// SQLite's writer, PostgreSQL's pool (every connection reads the primary).
    func readingLatest<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// One write transaction: on SQLite the single writer's queue (a savepoint of its group commit), on PostgreSQL a
    /// transaction on one pooled connection. An error rolls it back and is rethrown as it was.
    func writing<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Queues one prepared registration for the engine's group commit; `done` is called once it is committed (or failed).
    func submitRegistration(_ r: PreparedRegistration, _ done: @escaping @Sendable (Result<RegisterOutcome, any Error>) -> Void)
    /// Inside `writing`: makes concurrent writers of `key` take turns. SQLite's single writer already does (nothing to
    /// do); PostgreSQL takes a transaction-scoped advisory lock, which also covers rows that do not exist yet.
    func serialize(_ db: any SQLDatabase, _ key: SerialKey) async throws

    /// The case list's full-text query in the engine's syntax; nil when the text has no indexable term.
    static func textQuery(_ text: String) -> String?
    /// A lone character (not in the bigram index), looked for in the title.
    static func titleContains(_ ch: String) -> SQLQueryString
    /// The matches of `query` with ids above `bound`, joined as `f(fid[, rank])`.
    static func textJoin(_ query: String, above bound: Int64, ranked: Bool) -> SQLQueryString
    /// ORDER BY for relevance: best first, then newest.
    static var relevanceOrder: SQLQueryString { get }

    /// The text at `key` of the JSON document in `column` (SQLite `json_extract`, PostgreSQL `->>`).
    static func jsonText(_ column: String, _ key: String) -> String
    /// `column` contains `text`, case-insensitive for Latin letters (SQLite `LIKE`, PostgreSQL `ILIKE`).
    static func nameContains(_ column: String, _ text: String) -> SQLQueryString
    /// What follows a text column in ORDER BY for byte order (SQLite's BINARY is its default; PostgreSQL `COLLATE "C"`).
    static var byteOrder: String { get }
    /// The larger of two values (SQLite `MAX`, PostgreSQL `GREATEST`).
    static var greatest: String { get }
}

/// What `SQLStore.serialize` serialises.
enum SerialKey {
    /// New unit ids (MAX + 1, as admins see them).
    case unitIDs
    /// One setting, whether its row exists or not.
    case setting(String)
}

// MARK: - Rows shared by both schemas (same columns, compatible types: SMALLINT and BIGINT decode as Int)

extension SQLStore {
    /// The case document; its id lives in the row (the document is encoded before the id is assigned).
    static func decodeCase(_ doc: String, id: CaseID) throws -> Case {
        var c = try JSONDecoder().decode(Case.self, from: Data(doc.utf8))
        c.id = id
        return c
    }

    static func caseRow(_ row: any SQLRow) throws -> Case {
        try decodeCase(row.decode(column: "doc", as: String.self), id: row.decode(column: "id", as: Int64.self))
    }

    static var eventColumns: String { EventRow.list }

    static func eventRow(_ row: any SQLRow) throws -> CaseEvent {
        CaseEvent(
                caseID: try row.decode(column: "case_id", as: Int64.self),
                seq: try row.decode(column: "seq", as: Int.self),
                action: Action(rawValue: try row.decode(column: "action", as: String.self)) ?? .note,
                at: Instant(seconds: try row.decode(column: "at", as: Int64.self)),
                actorID: try row.decode(column: "actor_id", as: String.self),
                actorName: try row.decode(column: "actor_name", as: String.self),
                role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .admin,
                unit: try row.decode(column: "unit_id", as: Int64?.self),
                fromState: try row.decode(column: "from_state", as: String?.self).flatMap(CaseState.init(rawValue:)),
                toState: CaseState(rawValue: try row.decode(column: "to_state", as: String.self)) ?? .registered,
                note: try row.decode(column: "note", as: String.self),
                data: try JSONDecoder().decode([String: String].self, from: Data(try row.decode(column: "data", as: String.self).utf8)))
    }

    static var noticeColumns: String { "id, dedupe_key, case_id, kind, recipient_unit, phone, message, created_at, attempts, sent_at, last_error" }

    static func noticeRow(_ r: any SQLRow) throws -> Notice {
        Notice(id: try r.decode(column: "id", as: Int64.self),
               dedupeKey: try r.decode(column: "dedupe_key", as: String.self),
               caseID: try r.decode(column: "case_id", as: Int64.self),
               kind: try r.decode(column: "kind", as: String.self),
               recipientUnit: try r.decode(column: "recipient_unit", as: Int64?.self),
               phone: try r.decode(column: "phone", as: String?.self),
               message: try r.decode(column: "message", as: String.self),
               createdAt: Instant(seconds: try r.decode(column: "created_at", as: Int64.self)),
               attempts: try r.decode(column: "attempts", as: Int.self),
               sentAt: try r.decode(column: "sent_at", as: Int64?.self).map { Instant(seconds: $0) },
               lastError: try r.decode(column: "last_error", as: String?.self))
    }

    // MARK: Writes shared by a step and a registration

    static func setCoHandlers(_ db: any SQLDatabase, caseID: CaseID, old: [UnitID], new: [UnitID]) async throws {
        for u in Set(old).subtracting(new) {
            try await db.raw("DELETE FROM case_co_handlers WHERE unit_id = \(bind: u) AND case_id = \(bind: caseID)").run()
        }
        for u in Set(new).subtracting(old) {
            try await db.raw("INSERT INTO case_co_handlers (unit_id, case_id) VALUES (\(bind: u), \(bind: caseID)) ON CONFLICT DO NOTHING").run()
        }
    }

    /// Queues a notice in the outbox; a notice already queued under the same dedupe key is not queued again.
    static func queueNotice(_ db: any SQLDatabase, _ n: Notice, caseID: CaseID) async throws {
        try await db.raw("""
            INSERT INTO outbox (dedupe_key, case_id, kind, recipient_unit, phone, message, created_at, next_attempt_at) \
            VALUES (\(bind: n.dedupeKey), \(bind: caseID), \(bind: n.kind), \(bind: n.recipientUnit), \(bind: n.phone), \(bind: n.message), \
            \(bind: n.createdAt.seconds), \(bind: n.createdAt.seconds)) ON CONFLICT (dedupe_key) DO NOTHING
            """).run()
    }

    /// Notices raised by a registration itself (a risk word): "{id}" in the key and the message becomes the new case's id.
    /// What a few registrations carry besides the case and its events, written in the registration's transaction:
    /// co-handlers named at registration, notices to queue (a risk word's alert, an acknowledgement), the hotline call.
    static func writeRegistrationExtras(_ db: any SQLDatabase, _ rows: some Sequence<(PreparedRegistration, Int64)>) async throws {
        for (p, id) in rows {
            let r = p.registration
            if !r.case.coHandlers.isEmpty { try await setCoHandlers(db, caseID: id, old: [], new: r.case.coHandlers) }
            if !r.notices.isEmpty { try await queueRegistrationNotices(db, r.notices, caseID: id) }
            if let call = r.callID {
                try await db.raw("UPDATE calls SET case_id = \(bind: id) WHERE call_id = \(bind: call) AND case_id IS NULL").run()
            }
        }
    }

    static func queueRegistrationNotices(_ db: any SQLDatabase, _ notices: [Notice], caseID: CaseID) async throws {
        for n in notices {
            var copy = n
            copy.dedupeKey = n.dedupeKey.replacingOccurrences(of: "{id}", with: String(caseID))
            copy.message = n.message.replacingOccurrences(of: "{id}", with: String(caseID))
            try await queueNotice(db, copy, caseID: caseID)
        }
    }
}

// MARK: - Registration

extension SQLStore {
    public func register(_ registrations: [Registration]) async throws -> [RegisterOutcome] {
        // Encoded on the caller's task, in parallel with other callers: the writer only binds and inserts. Queued in
        // order, so ids follow the order of the array.
        if registrations.count == 1 {
            let prepared = try PreparedRegistration(registrations[0])
            return [try await withCheckedThrowingContinuation { cont in
                submitRegistration(prepared) { result in cont.resume(with: result) }
            }]
        }
        let prepared = try registrations.map(PreparedRegistration.init)
        let results = Mutex([Result<RegisterOutcome, any Error>?](repeating: nil, count: prepared.count))
        let remaining = Atomic<Int>(prepared.count)
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            for (i, p) in prepared.enumerated() {
                submitRegistration(p) { result in
                    results.withLock { $0[i] = result }
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { cont.resume() }
                }
            }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }
}

/// A registration with everything the writer needs already encoded.
struct PreparedRegistration: Sendable {
    var registration: Registration
    var doc: String
    var eventData: [String]
    var titleTokens: String
    var bodyTokens: String

    init(_ r: Registration) throws {
        registration = r
        doc = CaseDocument.encode(r.case)
        eventData = r.events.map { CaseDocument.encodeData($0.data) }
        titleTokens = SearchTokens.indexText(r.case.title)
        bodyTokens = SearchTokens.indexText(r.case.content)
    }
}

/// A batch of registrations sorted out before the insert: one whose client key was seen before (in `existing`, read by
/// the engine, or earlier in this batch) returns that case (an idempotent retry); the fresh ones take the ids that
/// `ids(n)` hands out (SQLite: MAX + 1 onwards inside its write transaction; PostgreSQL: the identity sequence), in order.
enum RegistrationPlan {
    static func make(_ regs: [PreparedRegistration], existing: [String: Case],
                     ids: (Int) async throws -> [Int64]) async throws -> (outcomes: [RegisterOutcome], fresh: [(PreparedRegistration, Int64)]) {
        var freshCount = 0
        var seen = Set(existing.keys)
        for p in regs {
            if let key = p.registration.clientKey {
                if seen.contains(key) { continue }
                seen.insert(key)
            }
            freshCount += 1
        }
        let ids = freshCount > 0 ? try await ids(freshCount) : []
        var existing = existing
        var outcomes: [RegisterOutcome] = []
        outcomes.reserveCapacity(regs.count)
        var fresh: [(PreparedRegistration, Int64)] = []
        fresh.reserveCapacity(freshCount)
        for p in regs {
            if let key = p.registration.clientKey, let c = existing[key] {
                outcomes.append(RegisterOutcome(case: c, created: false))
                continue
            }
            var c = p.registration.case
            c.id = ids[fresh.count]
            if let key = p.registration.clientKey { existing[key] = c }
            fresh.append((p, c.id))
            outcomes.append(RegisterOutcome(case: c, created: true))
        }
        return (outcomes, fresh)
    }
}

// MARK: - Group commit

/// The part of both engines' group commit that is the same: a batch of registrations inserted under one savepoint;
/// if the batch fails, it is rolled back and retried one by one, each under its own savepoint, so only the bad
/// registration fails. `execute` runs a plain statement on the transaction's connection; `insert` is the engine's hot
/// path; `again` says whether a failed registration is worth one more try (PostgreSQL: a client key another node
/// inserted at the same moment, found once that node has committed). Errors of the savepoint statements themselves
/// are thrown: the transaction is broken, every registration in it fails.
enum GroupCommit {
    static func insert(_ regs: [PreparedRegistration], savepointAlone: Bool,
                       execute: (String) async throws -> Void,
                       insert: ([PreparedRegistration]) async throws -> [RegisterOutcome],
                       again: (any Error) -> Bool = { _ in false }) async throws -> [Result<RegisterOutcome, any Error>] {
        if regs.count == 1 && !savepointAlone {
            // Alone in its transaction: no savepoint needed, a failure fails the transaction and this one job.
            return [.success(try await insert(regs)[0])]
        }
        try await execute("SAVEPOINT regs")
        let batchError: any Error
        do {
            let outcomes = try await insert(regs)
            try await execute("RELEASE regs")
            return outcomes.map { .success($0) }
        } catch {
            batchError = error
        }
        try await execute("ROLLBACK TO regs")
        try await execute("RELEASE regs")
        var results: [Result<RegisterOutcome, any Error>] = []
        results.reserveCapacity(regs.count)
        for r in regs {
            var outcome: Result<RegisterOutcome, any Error> = .failure(batchError)
            for attempt in 1...2 {
                try await execute("SAVEPOINT one")
                do {
                    outcome = .success(try await insert([r])[0])
                    try await execute("RELEASE one")
                    break
                } catch {
                    try await execute("ROLLBACK TO one")
                    try await execute("RELEASE one")
                    outcome = .failure(error)
                    if attempt == 2 || !again(error) { break }
                }
            }
            results.append(outcome)
        }
        return results
    }
}
