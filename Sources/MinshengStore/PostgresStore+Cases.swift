import Foundation
import Logging
import MinshengDomain
import MinshengText
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

extension PostgresStore {
    // MARK: Registration

    public func register(_ registrations: [Registration]) async throws -> [RegisterOutcome] {
        // Encoded on the caller's task; queued in order, so ids follow the order of the array.
        let prepared = try registrations.map(PreparedRegistration.init)
        if prepared.count == 1 {
            return [try await withCheckedThrowingContinuation { cont in
                queue.submit(RegistrationJob(registration: prepared[0]) { cont.resume(with: $0) })
            }]
        }
        let results = Mutex([Result<RegisterOutcome, any Error>?](repeating: nil, count: prepared.count))
        let remaining = Atomic<Int>(prepared.count)
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            for (i, p) in prepared.enumerated() {
                queue.submit(RegistrationJob(registration: p) { result in
                    results.withLock { $0[i] = result }
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { cont.resume() }
                })
            }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
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
        try await client.withConnection { conn in
            try await conn.query("BEGIN", logger: self.logger)
            do {
                var results: [Result<RegisterOutcome, any Error>] = []
                if regs.count == 1 {
                    // Alone in its batch: no savepoint needed, a failure fails the transaction and this one job.
                    results = [.success(try await self.insertRegistrations(conn, regs)[0])]
                } else {
                    try await conn.query("SAVEPOINT regs", logger: self.logger)
                    do {
                        results = try await self.insertRegistrations(conn, regs).map { .success($0) }
                        try await conn.query("RELEASE regs", logger: self.logger)
                    } catch {
                        try await conn.query("ROLLBACK TO regs", logger: self.logger)
                        results = []
                        for r in regs {
                            var outcome: Result<RegisterOutcome, any Error> = .failure(error)
                            for attempt in 1...2 {
                                try await conn.query("SAVEPOINT one", logger: self.logger)
                                do {
                                    outcome = .success(try await self.insertRegistrations(conn, [r])[0])
                                    try await conn.query("RELEASE one", logger: self.logger)
                                    break
                                } catch {
                                    try await conn.query("ROLLBACK TO one", logger: self.logger)
                                    outcome = .failure(error)
                                    if attempt == 2 || !Self.isUniqueViolation(error) { break }
                                }
                            }
                            results.append(outcome)
                        }
                    }
                }
                try await conn.query("COMMIT", logger: self.logger)
                return results
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// SQLSTATE 23505: a unique index refused the row (here: a client key or tracking code another transaction took).
    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    static let caseColumns = 27
    static let caseInsertHead = """
        INSERT INTO cases (id, tracking_code, client_key, state, channel, kind, category, center_unit, holder_unit, \
        location_unit, registered_at, updated_at, due_at, alert_base, warn_at, urgent_at, alarm_at, is_open, version, title, doc, \
        next_notice_at, citizen_key, leader_proposed, acknowledged_at, visitors, risk) VALUES
        """
    static let eventInsert = "INSERT INTO case_events (case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data) VALUES"

    /// Inserts cases, first events and search vectors, up to 200 rows per statement with postgres-nio's own bindings
    /// (the hot path). Ids come from the identity sequence, taken in one round trip for the batch.
    func insertRegistrations(_ conn: PostgresConnection, _ regs: [PreparedRegistration]) async throws -> [RegisterOutcome] {
        let db = conn.sql(queryLogLevel: nil)
        // Idempotent retries: a key seen before (earlier, or earlier in this batch) returns that case.
        let keys = regs.compactMap(\.registration.clientKey)
        var existing: [String: Case] = [:]
        if !keys.isEmpty {
            for row in try await db.raw("SELECT id, client_key, doc FROM cases WHERE client_key = ANY(\(bind: keys))").all() {
                existing[try row.decode(column: "client_key", as: String.self)] =
                    try SQLiteStore.decodeCase(row.decode(column: "doc", as: String.self), id: row.decode(column: "id", as: Int64.self))
            }
        }
        var freshCount = 0
        var seen = Set(existing.keys)
        for p in regs {
            if let key = p.registration.clientKey {
                if seen.contains(key) { continue }
                seen.insert(key)
            }
            freshCount += 1
        }
        var ids: [Int64] = []
        if freshCount > 0 {
            ids = try await db.raw("""
                SELECT nextval(pg_get_serial_sequence('cases', 'id')) AS id FROM generate_series(1, \(bind: freshCount)) ORDER BY 1
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        var outcomes: [RegisterOutcome] = []
        var fresh: [(PreparedRegistration, Int64)] = []
        var next = 0
        for p in regs {
            if let key = p.registration.clientKey, let c = existing[key] {
                outcomes.append(RegisterOutcome(case: c, created: false))
                continue
            }
            var c = p.registration.case
            c.id = ids[next]
            next += 1
            if let key = p.registration.clientKey { existing[key] = c }
            fresh.append((p, c.id))
            outcomes.append(RegisterOutcome(case: c, created: true))
        }
        var i = 0
        while i < fresh.count {
            let chunk = fresh[i..<min(i + 200, fresh.count)]
            i += 200
            var caseBinds = PostgresBindings(capacity: chunk.count * Self.caseColumns)
            var eventBinds = PostgresBindings()
            var searchBinds = PostgresBindings(capacity: chunk.count * 2)
            var eventCount = 0
            for (p, id) in chunk {
                let r = p.registration
                let c = r.case
                caseBinds.append(id); caseBinds.append(c.trackingCode); caseBinds.append(r.clientKey); caseBinds.append(c.state.rawValue)
                caseBinds.append(c.channel.rawValue); caseBinds.append(c.kind.rawValue); caseBinds.append(c.category)
                caseBinds.append(c.center); caseBinds.append(c.holder); caseBinds.append(c.locationUnit)
                caseBinds.append(c.registeredAt.seconds); caseBinds.append(c.updatedAt.seconds); caseBinds.append(c.currentDue?.seconds ?? noDue)
                caseBinds.append(r.alert.base.rawValue); caseBinds.append(r.alert.warning?.seconds); caseBinds.append(r.alert.urgent?.seconds)
                caseBinds.append(r.alert.alarm?.seconds); caseBinds.append(Int16(c.state.isOpen ? 1 : 0)); caseBinds.append(Int64(c.version))
                caseBinds.append(c.title); caseBinds.append(p.doc); caseBinds.append(r.nextNotice?.seconds); caseBinds.append(r.citizenKey)
                caseBinds.append(Int16(c.leaderProposed ? 1 : 0)); caseBinds.append(r.acknowledgedAt?.seconds)
                caseBinds.append(c.storedVisitors.map(Int64.init)); caseBinds.append(Int16(c.isRisk ? 1 : 0))
                for (e, data) in zip(r.events, p.eventData) {
                    Self.appendEvent(&eventBinds, e, caseID: id, data: data)
                    eventCount += 1
                }
                searchBinds.append(id); searchBinds.append(Self.searchVector(title: p.titleTokens, body: p.bodyTokens))
            }
            try await run(conn, Self.caseInsertHead + Self.placeholders(rows: chunk.count, columns: Self.caseColumns), caseBinds)
            if eventCount > 0 {
                try await run(conn, Self.eventInsert + Self.placeholders(rows: eventCount, columns: 12), eventBinds)
            }
            try await run(conn, "INSERT INTO case_search (case_id, tsv) VALUES" + Self.placeholders(rows: chunk.count, columns: 2, casts: [1: "tsvector"]), searchBinds)
            for (p, id) in chunk where !p.registration.case.coHandlers.isEmpty {
                try await Self.setCoHandlers(db, caseID: id, old: [], new: p.registration.case.coHandlers)
            }
            // Notices raised by the registration itself (a risk word): "{id}" in the key becomes the new case's id.
            for (p, id) in chunk {
                for n in p.registration.notices {
                    var copy = n
                    copy.dedupeKey = n.dedupeKey.replacingOccurrences(of: "{id}", with: String(id))
                    copy.message = n.message.replacingOccurrences(of: "{id}", with: String(id))
                    try await Self.queueNotice(db, copy, caseID: id)
                }
            }
        }
        return outcomes
    }

    func run(_ conn: PostgresConnection, _ sql: String, _ binds: PostgresBindings) async throws {
        _ = try await conn.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
    }

    static func appendEvent(_ b: inout PostgresBindings, _ e: CaseEvent, caseID: Int64, data: String) {
        b.append(caseID); b.append(Int64(e.seq)); b.append(e.action.rawValue); b.append(e.at.seconds); b.append(e.actorID)
        b.append(e.actorName); b.append(e.role.rawValue); b.append(e.unit); b.append(e.fromState?.rawValue); b.append(e.toState.rawValue)
        b.append(e.note); b.append(data)
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

    /// A `tsvector` literal of the index tokens with their positions: the title's with weight A, then, after a gap
    /// (so no phrase spans title and body), the body's with weight B. Built here, not by `to_tsvector`, so the text
    /// search parser and the database's locale cannot split the tokens differently from `SearchTokens`. PostgreSQL
    /// keeps positions up to 16,383: a phrase further into a very long text (over ~16,000 characters) is not found.
    static func searchVector(title: String, body: String) -> String {
        var out = ""
        var pos = 1
        for (text, weight) in [(title, "A"), (body, "B")] {
            for token in text.split(separator: " ") {
                if !out.isEmpty { out += " " }
                out += lexeme(token) + ":\(min(pos, 16383))" + weight
                pos += 1
            }
            pos += 1
        }
        return out
    }

    static func lexeme(_ token: some StringProtocol) -> String {
        var s = "'"
        for ch in token {
            if ch == "'" { s += "''" } else if ch == "\\" { s += "\\\\" } else { s.append(ch) }
        }
        return s + "'"
    }

    /// A `tsquery` requiring every term, each a phrase of consecutive tokens (`<->`); nil when the query has no
    /// indexable term. Every token is a quoted lexeme, so no user text is read as query syntax.
    static func searchQuery(_ text: String) -> String? {
        let phrases = SearchTokens.queryTerms(text).compactMap { term -> String? in
            guard case let .phrase(tokens) = term, !tokens.isEmpty else { return nil }
            return "(" + tokens.map { lexeme($0) }.joined(separator: " <-> ") + ")"
        }
        return phrases.isEmpty ? nil : phrases.joined(separator: " & ")
    }

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

    // MARK: Steps

    public func update(_ id: CaseID, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        try await transaction { _, db in try await self.applyUpdate(db, id, step) }
    }

    /// The body of `update`, for callers already inside a transaction (cancelling a reception booking).
    func applyUpdate(_ db: any SQLDatabase, _ id: CaseID, _ step: @Sendable (Case) throws -> CaseChange) async throws -> Case {
        do {
            // FOR UPDATE: a second step on the same case, from this node or another, waits here for this one to commit.
            guard let row = try await db.raw("SELECT doc FROM cases WHERE id = \(bind: id) FOR UPDATE").first() else {
                throw StoreError.caseNotFound(id)
            }
            let old = try SQLiteStore.decodeCase(row.decode(column: "doc", as: String.self), id: id)
            let change = try step(old)
            let c = change.case
            let doc = try SQLiteStore.encodeCase(c)
            let a = change.alert
            try await db.raw("""
                UPDATE cases SET state = \(bind: c.state.rawValue), category = \(bind: c.category), holder_unit = \(bind: c.holder), \
                updated_at = \(bind: c.updatedAt.seconds), due_at = \(bind: c.currentDue?.seconds ?? noDue), alert_base = \(bind: a.base.rawValue), \
                warn_at = \(bind: a.warning?.seconds), urgent_at = \(bind: a.urgent?.seconds), alarm_at = \(bind: a.alarm?.seconds), \
                is_open = \(bind: c.state.isOpen ? 1 : 0), version = \(bind: Int64(c.version)), title = \(bind: c.title), doc = \(bind: doc), \
                visitors = \(bind: c.storedVisitors.map(Int64.init)), \
                next_notice_at = \(bind: change.nextNotice?.seconds), owner_id = \(bind: c.owner?.id), \
                leader_proposed = \(bind: c.leaderProposed ? 1 : 0) WHERE id = \(bind: id) AND version = \(bind: Int64(old.version))
                """).run()
            if old.coHandlers != c.coHandlers {
                try await Self.setCoHandlers(db, caseID: id, old: old.coHandlers, new: c.coHandlers)
            }
            if let event = change.event {
                try await db.raw("""
                    INSERT INTO case_events (case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data) \
                    VALUES (\(bind: id), \(bind: Int64(event.seq)), \(bind: event.action.rawValue), \(bind: event.at.seconds), \(bind: event.actorID), \
                    \(bind: event.actorName), \(bind: event.role.rawValue), \(bind: event.unit), \(bind: event.fromState?.rawValue), \
                    \(bind: event.toState.rawValue), \(bind: event.note), \(bind: try SQLiteStore.encodeData(event.data)))
                    """).run()
                if Lifecycle.supervision.contains(event.action), event.action != .takeOwnership,
                   let target = event.data["targetUnit"].flatMap(Int64.init) {
                    try await db.raw("""
                        INSERT INTO supervision_record (unit_id, case_id, seq) VALUES (\(bind: target), \(bind: id), \(bind: Int64(event.seq))) \
                        ON CONFLICT DO NOTHING
                        """).run()
                }
            }
            for n in change.notices { try await Self.queueNotice(db, n, caseID: id) }
            return c
        }
    }

    // MARK: Reads

    public func `case`(_ id: CaseID) async throws -> Case? {
        try await read { db in
            guard let row = try await db.raw("SELECT doc FROM cases WHERE id = \(bind: id)").first() else { return nil }
            return try SQLiteStore.decodeCase(row.decode(column: "doc", as: String.self), id: id)
        }
    }

    public func `case`(trackingCode: String) async throws -> Case? {
        try await read { db in
            guard let row = try await db.raw("SELECT id, doc FROM cases WHERE tracking_code = \(bind: trackingCode)").first() else { return nil }
            return try SQLiteStore.decodeCase(row.decode(column: "doc", as: String.self), id: row.decode(column: "id", as: Int64.self))
        }
    }

    static let eventColumns = "case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data"

    public func events(of id: CaseID) async throws -> [CaseEvent] {
        try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.eventColumns) FROM case_events WHERE case_id = \(bind: id) ORDER BY seq")
                .all().map(SQLiteStore.eventRow)
        }
    }

    public func cases(citizenKey: String, since: Instant, limit: Int) async throws -> [Case] {
        try await read { db in
            try await db.raw("""
                SELECT id, doc FROM cases WHERE citizen_key = \(bind: citizenKey) AND registered_at >= \(bind: since.seconds) \
                ORDER BY registered_at DESC, id DESC LIMIT \(literal: max(1, min(limit, 100)))
                """).all().map { try SQLiteStore.decodeCase($0.decode(column: "doc", as: String.self), id: $0.decode(column: "id", as: Int64.self)) }
        }
    }

    public func matters(citizenKey: String, since: Instant, limit: Int) async throws -> [CitizenMatter] {
        // Two reads in index order, each stopping at `limit`: the final cases (their partial index), then the window.
        let n = max(1, min(limit, 100))
        func rows(_ condition: SQLQueryString) async throws -> [CitizenMatter] {
            try await self.read { db in
                try await db.raw("""
                    SELECT id, category, d #>> '{suggestion,category}' AS suggested, (d ->> 'repeatOf')::bigint AS repeat_of, title, \
                    left(d ->> 'content', \(literal: CitizenMatter.contentPrefix)) AS content, d ->> 'address' AS address, location_unit, state \
                    FROM (SELECT id, category, title, location_unit, state, registered_at, doc::jsonb AS d FROM cases \
                          WHERE citizen_key = \(bind: citizenKey) AND \(condition) \
                          ORDER BY registered_at DESC, id DESC LIMIT \(literal: n)) c \
                    ORDER BY registered_at DESC, id DESC
                    """).all().map {
                    CitizenMatter(id: try $0.decode(column: "id", as: Int64.self), category: try $0.decode(column: "category", as: String?.self),
                                  suggestedCategory: try $0.decode(column: "suggested", as: String?.self),
                                  repeatOf: try $0.decode(column: "repeat_of", as: Int64?.self),
                                  title: try $0.decode(column: "title", as: String.self),
                                  content: try $0.decode(column: "content", as: String?.self) ?? "",
                                  address: try $0.decode(column: "address", as: String?.self),
                                  locationUnit: try $0.decode(column: "location_unit", as: Int64?.self),
                                  state: CaseState(rawValue: try $0.decode(column: "state", as: String.self)))
                }
            }
        }
        let finals = try await rows("state = 'final'")
        let recent = try await rows("registered_at >= \(bind: since.seconds)")
        var seen = Set<CaseID>()
        return Array((finals + recent).filter { seen.insert($0.id).inserted }.prefix(n))
    }

    public func supervisionRecord(unit: UnitID, limit: Int) async throws -> [CaseEvent] {
        try await read { db in
            try await db.raw("""
                SELECT e.case_id, e.seq, e.action, e.at, e.actor_id, e.actor_name, e.role, e.unit_id, e.from_state, e.to_state, e.note, e.data
                FROM supervision_record r JOIN case_events e ON e.case_id = r.case_id AND e.seq = r.seq
                WHERE r.unit_id = \(bind: unit) ORDER BY e.at DESC, e.case_id DESC, e.seq DESC LIMIT \(literal: max(1, min(limit, 1000)))
                """).all().map(SQLiteStore.eventRow)
        }
    }

    public func caseCount() async throws -> Int {
        try await read { db in try await db.raw("SELECT COUNT(*) AS n FROM cases").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func cases(_ q: CaseQuery) async throws -> CasePage {
        let now = q.now.seconds
        let alertExpr: SQLQueryString = """
            CASE WHEN c.alarm_at <= \(bind: now) THEN 'alarm' WHEN c.urgent_at <= \(bind: now) THEN 'urgent' \
            WHEN c.warn_at <= \(bind: now) THEN 'warning' ELSE c.alert_base END
            """
        var conds: [SQLQueryString] = []
        if let u = q.unit { conds.append("c.holder_unit = \(bind: u)") }
        if let scope = q.scope {
            let list = scope.sorted()
            conds.append("(c.holder_unit = ANY(\(bind: list)) OR c.center_unit = ANY(\(bind: list)))")
        }
        if let o = q.owner { conds.append("c.owner_id = \(bind: o)") }
        if q.leaderProposed { conds.append("c.leader_proposed = 1 AND c.owner_id IS NULL") }
        if let u = q.coHandler { conds.append("c.id IN (SELECT case_id FROM case_co_handlers WHERE unit_id = \(bind: u))") }
        if q.openOnly { conds.append("c.is_open = 1") }
        if let s = q.state { conds.append("c.state = \(bind: s.rawValue)") }
        if let k = q.kind { conds.append("c.kind = \(bind: k.rawValue)") }
        if let ch = q.channel { conds.append("c.channel = \(bind: ch.rawValue)") }
        if let cat = q.category { conds.append("c.category = \(bind: cat)") }
        if let f = q.from { conds.append("c.registered_at >= \(bind: f.seconds)") }
        if let t = q.to { conds.append("c.registered_at < \(bind: t.seconds)") }
        if let a = q.alert { conds.append("(\(alertExpr)) = \(bind: a.rawValue)") }
        if let r = q.risk { conds.append(DueOrder.filter(r)) }

        var query: String?
        var order = q.order
        if let text = q.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            query = Self.searchQuery(text)
            // Lone characters are not in the bigram index: look for them in titles.
            for term in SearchTokens.queryTerms(text) {
                if case let .single(ch) = term { conds.append("strpos(c.title, \(bind: ch)) > 0") }
            }
        }
        if order == .relevance && query == nil { order = .newest }

        var offset = 0
        var lo: Int64?
        var below: Int64?
        if let cursor = q.cursor, !cursor.isEmpty {
            let body = cursor.dropFirst()
            switch (cursor.first, order) {
            case ("n", .newest):
                guard let last = Int64(body) else { throw StoreError.badCursor(cursor) }
                conds.append("c.id < \(bind: last)")
                below = last
            case ("d", .due):
                guard let after = DueOrder.after(body) else { throw StoreError.badCursor(cursor) }
                conds.append(after)
            case ("o", .relevance):
                guard let (o, bound) = RelevanceWindow.parseCursor(body) else { throw StoreError.badCursor(cursor) }
                offset = o
                lo = bound
            default:
                throw StoreError.badCursor(cursor)
            }
        }
        let limit = max(1, min(q.limit, 500))
        let whereClause: SQLQueryString = conds.isEmpty ? "" : "WHERE \(conds.joined(separator: " AND "))"
        let orderClause: SQLQueryString
        switch order {
        case .newest: orderClause = "ORDER BY c.id DESC"
        case .due: orderClause = DueOrder.orderBy
        case .relevance: orderClause = "ORDER BY f.rank DESC, c.id DESC"
        }
        // One statement per try: the page, and how many matches the id window holds (see RelevanceWindow). Within a
        // window of a common word the planner walks the primary key over the id range and tests each row's vector,
        // which costs the window's size whatever the table's: cheaper than building the GIN bitmap of every match.
        func page(above bound: Int64?) async throws -> (rows: [any SQLRow], inWindow: Int) {
            var join: SQLQueryString = ""
            var windowCount: SQLQueryString = ""
            if let query {
                // ts_rank with title (A) worth four times the body (B), as bm25's column weights on SQLite; normalisation 1
                // divides by the log of the document length, so a hit in a short text ranks above one deep in a long text.
                let rank: SQLQueryString = order == .relevance
                    ? ", ts_rank('{0.1, 0.1, 0.25, 1.0}', s.tsv, CAST(\(bind: query) AS tsquery), 1) AS rank" : ""
                join = """
                    JOIN (SELECT s.case_id AS fid\(rank) FROM case_search s WHERE s.case_id > \(bind: bound ?? 0) \
                    AND s.tsv @@ CAST(\(bind: query) AS tsquery)) f ON f.fid = c.id
                    """
                windowCount = ", COUNT(*) OVER () AS window_matches"
            }
            let sql: SQLQueryString = """
                SELECT c.id, c.tracking_code, c.title, c.state, c.kind, c.channel, c.category, c.holder_unit, c.registered_at, c.due_at, \
                \(alertExpr) AS alert, c.visitors, c.risk, \
                (SELECT COUNT(*) FROM attachments a WHERE a.case_id = c.id) AS files\(windowCount) \
                FROM cases c \(join) \(whereClause) \(orderClause) LIMIT \(literal: limit + 1) OFFSET \(literal: offset)
                """
            let rows = try await read { db in try await db.raw(sql).all() }
            guard query != nil, let first = rows.first else { return (rows, 0) }
            return (rows, try first.decode(column: "window_matches", as: Int.self))
        }
        let (rows, bound) = try await q.window.page(text: query != nil, order: order, cursorBound: lo, below: below, limit: limit, maxID: {
            try await read { db in
                try await db.raw("SELECT COALESCE(MAX(id), 0) AS m FROM cases").first()?.decode(column: "m", as: Int64.self) ?? 0
            }
        }, page(above:))
        lo = bound
        var items: [CaseSummary] = []
        items.reserveCapacity(min(rows.count, limit))
        for row in rows.prefix(limit) {
            let due = try row.decode(column: "due_at", as: Int64.self)
            items.append(CaseSummary(
                id: try row.decode(column: "id", as: Int64.self),
                trackingCode: try row.decode(column: "tracking_code", as: String.self),
                title: try row.decode(column: "title", as: String.self),
                state: CaseState(rawValue: try row.decode(column: "state", as: String.self)) ?? .registered,
                kind: CaseKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .complaint,
                channel: Channel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .web,
                category: try row.decode(column: "category", as: String?.self),
                holder: try row.decode(column: "holder_unit", as: Int64.self),
                registeredAt: Instant(seconds: try row.decode(column: "registered_at", as: Int64.self)),
                due: due == noDue ? nil : Instant(seconds: due),
                alert: AlertLevel(rawValue: try row.decode(column: "alert", as: String.self)) ?? .normal,
                visitors: try row.decode(column: "visitors", as: Int?.self),
                attachments: try row.decode(column: "files", as: Int.self),
                risk: try row.decode(column: "risk", as: Int.self) != 0))
        }
        var next: String?
        if rows.count > limit, let last = items.last {
            switch order {
            case .newest: next = "n\(last.id)"
            case .due: next = DueOrder.cursor(risk: last.risk, due: last.due?.seconds ?? noDue, id: last.id)
            case .relevance: next = "o\(offset + limit)_\(lo ?? 0)"
            }
        }
        return CasePage(items: items, nextCursor: next)
    }
}
