import Foundation
import MinshengDomain
import MinshengText
import SQLKit
import SQLiteNIO
import Synchronization

/// Far-future stand-in for "no deadline", so inbox ordering and cursors compare plain integers.
let noDue: Int64 = 4_102_444_800 // 2100-01-01

extension SQLiteStore {
    // MARK: Registration

    public func register(_ registrations: [Registration]) async throws -> [RegisterOutcome] {
        if registrations.count == 1 { return [try await registerOne(registrations[0])] }
        // Submitted in order, so ids follow the order of the array.
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

    private func registerOne(_ r: Registration) async throws -> RegisterOutcome {
        // Encode on the caller's task, in parallel with other callers: the single writer only binds and inserts.
        let prepared = try PreparedRegistration(r)
        return try await withCheckedThrowingContinuation { cont in
            submitRegistration(prepared) { result in cont.resume(with: result) }
        }
    }

    static let caseColumns = 27
    static let caseInsertHead = """
        INSERT INTO cases (id, tracking_code, client_key, state, channel, kind, category, center_unit, holder_unit, \
        location_unit, registered_at, updated_at, due_at, alert_base, warn_at, urgent_at, alarm_at, is_open, version, title, doc, \
        next_notice_at, citizen_key, leader_proposed, acknowledged_at, visitors, risk) VALUES
        """

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
        var outcomes: [RegisterOutcome] = []
        var fresh: [(PreparedRegistration, Int64)] = []
        var id = Int64(try await conn.query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM cases").first?.column("n")?.integer ?? 1)
        for p in regs {
            if let key = p.registration.clientKey, let c = existing[key] {
                outcomes.append(RegisterOutcome(case: c, created: false))
                continue
            }
            var c = p.registration.case
            c.id = id
            if let key = p.registration.clientKey { existing[key] = c }
            fresh.append((p, id))
            outcomes.append(RegisterOutcome(case: c, created: true))
            id += 1
        }
        var i = 0
        while i < fresh.count {
            let chunk = fresh[i..<min(i + 200, fresh.count)]
            i += 200
            var caseBinds: [SQLiteData] = []
            var eventBinds: [SQLiteData] = []
            var ftsBinds: [SQLiteData] = []
            caseBinds.reserveCapacity(chunk.count * Self.caseColumns)
            var eventCount = 0
            for (p, id) in chunk {
                let r = p.registration
                let c = r.case
                caseBinds += [
                    .integer(Int(id)), .text(c.trackingCode), r.clientKey.map { .text($0) } ?? .null, .text(c.state.rawValue),
                    .text(c.channel.rawValue), .text(c.kind.rawValue), c.category.map { .text($0) } ?? .null,
                    .integer(Int(c.center)), .integer(Int(c.holder)), c.locationUnit.map { .integer(Int($0)) } ?? .null,
                    .integer(Int(c.registeredAt.seconds)), .integer(Int(c.updatedAt.seconds)), .integer(Int(c.currentDue?.seconds ?? noDue)),
                    .text(r.alert.base.rawValue), Self.opt(r.alert.warning), Self.opt(r.alert.urgent), Self.opt(r.alert.alarm),
                    .integer(c.state.isOpen ? 1 : 0), .integer(c.version), .text(c.title), .text(p.doc),
                    Self.opt(r.nextNotice), r.citizenKey.map { .text($0) } ?? .null, .integer(c.leaderProposed ? 1 : 0),
                    Self.opt(r.acknowledgedAt), c.storedVisitors.map { .integer($0) } ?? .null, .integer(c.isRisk ? 1 : 0),
                ]
                for (e, data) in zip(r.events, p.eventData) {
                    eventBinds += Self.eventBinds(e, caseID: id, data: data)
                    eventCount += 1
                }
                ftsBinds += [.integer(Int(id)), .text(p.titleTokens), .text(p.bodyTokens)]
            }
            _ = try await conn.query(Self.caseInsertHead + Self.placeholders(rows: chunk.count, columns: Self.caseColumns), caseBinds)
            _ = try await conn.query(Self.eventInsert + Self.placeholders(rows: eventCount, columns: 12), eventBinds)
            _ = try await conn.query("INSERT INTO case_fts (rowid, title, body) VALUES" + Self.placeholders(rows: chunk.count, columns: 3), ftsBinds)
            for (p, id) in chunk where !p.registration.case.coHandlers.isEmpty {
                try await Self.setCoHandlers(conn, caseID: id, old: [], new: p.registration.case.coHandlers)
            }
            // Notices raised by the registration itself (a risk word): "{id}" in the key becomes the new case's id.
            for (p, id) in chunk {
                for n in p.registration.notices {
                    _ = try await conn.query("""
                        INSERT OR IGNORE INTO outbox (dedupe_key, case_id, kind, recipient_unit, phone, message, created_at, next_attempt_at) \
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.text(n.dedupeKey.replacingOccurrences(of: "{id}", with: String(id))), .integer(Int(id)), .text(n.kind),
                              n.recipientUnit.map { .integer(Int($0)) } ?? .null, n.phone.map { .text($0) } ?? .null,
                              .text(n.message.replacingOccurrences(of: "{id}", with: String(id))), .integer(Int(n.createdAt.seconds)),
                              .integer(Int(n.createdAt.seconds))])
                }
            }
        }
        return outcomes
    }

    static func setCoHandlers(_ conn: SQLiteConnection, caseID: CaseID, old: [UnitID], new: [UnitID]) async throws {
        for u in Set(old).subtracting(new) {
            _ = try await conn.query("DELETE FROM case_co_handlers WHERE unit_id = ? AND case_id = ?", [.integer(Int(u)), .integer(Int(caseID))])
        }
        for u in Set(new).subtracting(old) {
            _ = try await conn.query("INSERT OR IGNORE INTO case_co_handlers (unit_id, case_id) VALUES (?, ?)", [.integer(Int(u)), .integer(Int(caseID))])
        }
    }

    static func opt(_ i: Instant?) -> SQLiteData { i.map { .integer(Int($0.seconds)) } ?? .null }

    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return " " + Array(repeating: row, count: rows).joined(separator: ",")
    }

    static func eventBinds(_ e: CaseEvent, caseID: Int64, data: String) -> [SQLiteData] {
        [.integer(Int(caseID)), .integer(e.seq), .text(e.action.rawValue), .integer(Int(e.at.seconds)), .text(e.actorID),
         .text(e.actorName), .text(e.role.rawValue), e.unit.map { .integer(Int($0)) } ?? .null,
         e.fromState.map { .text($0.rawValue) } ?? .null, .text(e.toState.rawValue), .text(e.note), .text(data)]
    }

    static let eventInsert = "INSERT INTO case_events (case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data) VALUES"

    // MARK: Steps

    public func update(_ id: CaseID, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        try await write { _ in try await self.applyUpdate(id, step) }
    }

    /// The body of `update`, for callers already inside the writer's transaction.
    func applyUpdate(_ id: CaseID, _ step: @Sendable (Case) throws -> CaseChange) async throws -> Case {
        let conn = writerConnection
        do {
            guard let row = try await conn.query("SELECT doc FROM cases WHERE id = ?", [.integer(Int(id))]).first,
                  let oldDoc = row.column("doc")?.string else {
                throw StoreError.caseNotFound(id)
            }
            let old = try Self.decodeCase(oldDoc, id: id)
            let change = try step(old)
            let c = change.case
            let doc = try Self.encodeCase(c)
            let a = change.alert
            _ = try await conn.query("""
                UPDATE cases SET state = ?, category = ?, holder_unit = ?, updated_at = ?, due_at = ?, alert_base = ?, \
                warn_at = ?, urgent_at = ?, alarm_at = ?, is_open = ?, version = ?, title = ?, doc = ?, next_notice_at = ?, \
                owner_id = ?, leader_proposed = ?, visitors = ? WHERE id = ? AND version = ?
                """, [.text(c.state.rawValue), c.category.map { .text($0) } ?? .null, .integer(Int(c.holder)),
                      .integer(Int(c.updatedAt.seconds)), .integer(Int(c.currentDue?.seconds ?? noDue)), .text(a.base.rawValue),
                      Self.opt(a.warning), Self.opt(a.urgent), Self.opt(a.alarm), .integer(c.state.isOpen ? 1 : 0),
                      .integer(c.version), .text(c.title), .text(doc), Self.opt(change.nextNotice),
                      c.owner.map { .text($0.id) } ?? .null, .integer(c.leaderProposed ? 1 : 0),
                      c.storedVisitors.map { .integer($0) } ?? .null, .integer(Int(id)),
                      .integer(old.version)])
            if old.coHandlers != c.coHandlers {
                try await Self.setCoHandlers(conn, caseID: id, old: old.coHandlers, new: c.coHandlers)
            }
            if let event = change.event {
                _ = try await conn.query(Self.eventInsert + Self.placeholders(rows: 1, columns: 12),
                                         Self.eventBinds(event, caseID: id, data: try Self.encodeData(event.data)))
                if Lifecycle.supervision.contains(event.action), event.action != .takeOwnership,
                   let target = event.data["targetUnit"].flatMap(Int.init) {
                    _ = try await conn.query("INSERT OR IGNORE INTO supervision_record (unit_id, case_id, seq) VALUES (?, ?, ?)",
                                             [.integer(target), .integer(Int(id)), .integer(event.seq)])
                }
            }
            for n in change.notices {
                // OR IGNORE: a notice already queued for the same key is not queued again.
                _ = try await conn.query("""
                    INSERT OR IGNORE INTO outbox (dedupe_key, case_id, kind, recipient_unit, phone, message, created_at, next_attempt_at) \
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(n.dedupeKey), .integer(Int(id)), .text(n.kind), n.recipientUnit.map { .integer(Int($0)) } ?? .null,
                          n.phone.map { .text($0) } ?? .null, .text(n.message), .integer(Int(n.createdAt.seconds)),
                          .integer(Int(n.createdAt.seconds))])
            }
            return c
        }
    }

    // MARK: Reads

    public func `case`(_ id: CaseID) async throws -> Case? {
        guard let row = try await reader.raw("SELECT doc FROM cases WHERE id = \(bind: id)").first() else { return nil }
        return try Self.decodeCase(row.decode(column: "doc", as: String.self), id: id)
    }

    public func `case`(trackingCode: String) async throws -> Case? {
        guard let row = try await reader.raw("SELECT id, doc FROM cases WHERE tracking_code = \(bind: trackingCode)").first() else { return nil }
        return try Self.decodeCase(row.decode(column: "doc", as: String.self), id: row.decode(column: "id", as: Int64.self))
    }

    public func events(of id: CaseID) async throws -> [CaseEvent] {
        let rows = try await reader.raw("""
            SELECT case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data
            FROM case_events WHERE case_id = \(bind: id) ORDER BY seq
            """).all()
        return try rows.map(Self.eventRow)
    }

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

    public func cases(citizenKey: String, since: Instant, limit: Int) async throws -> [Case] {
        let rows = try await readerConnection.query(
            "SELECT id, doc FROM cases WHERE citizen_key = ? AND registered_at >= ? ORDER BY registered_at DESC, id DESC LIMIT ?",
            [.text(citizenKey), .integer(Int(since.seconds)), .integer(max(1, min(limit, 100)))])
        return try rows.compactMap { row in
            guard let id = row.column("id")?.integer, let doc = row.column("doc")?.string else { return nil }
            return try Self.decodeCase(doc, id: Int64(id))
        }
    }

    public func matters(citizenKey: String, since: Instant, limit: Int) async throws -> [CitizenMatter] {
        // Two reads in index order, each stopping at `limit`: the final cases (their partial index), then the window.
        let columns = """
            SELECT id, category, json_extract(doc, '$.suggestion.category') AS suggested, json_extract(doc, '$.repeatOf') AS repeat_of, \
            title, substr(json_extract(doc, '$.content'), 1, \(CitizenMatter.contentPrefix)) AS content, json_extract(doc, '$.address') AS address, \
            location_unit, state FROM cases
            """
        let n = max(1, min(limit, 100))
        let finals = try await readerConnection.query(
            "\(columns) INDEXED BY cases_citizen_final WHERE citizen_key = ? AND state = 'final' ORDER BY registered_at DESC, id DESC LIMIT ?",
            [.text(citizenKey), .integer(n)])
        let recent = try await readerConnection.query(
            "\(columns) WHERE citizen_key = ? AND registered_at >= ? ORDER BY registered_at DESC, id DESC LIMIT ?",
            [.text(citizenKey), .integer(Int(since.seconds)), .integer(n)])
        var seen = Set<Int64>()
        return (finals + recent).compactMap { row in
            guard let id = row.column("id")?.integer.map(Int64.init), seen.insert(id).inserted else { return nil }
            return CitizenMatter(id: id, category: row.column("category")?.string, suggestedCategory: row.column("suggested")?.string,
                                 repeatOf: row.column("repeat_of")?.integer.map(Int64.init), title: row.column("title")?.string ?? "",
                                 content: row.column("content")?.string ?? "", address: row.column("address")?.string,
                                 locationUnit: row.column("location_unit")?.integer.map(Int64.init),
                                 state: row.column("state")?.string.flatMap(CaseState.init(rawValue:)))
        }.prefix(n).map { $0 }
    }

    public func supervisionRecord(unit: UnitID, limit: Int) async throws -> [CaseEvent] {
        let rows = try await reader.raw("""
            SELECT e.case_id, e.seq, e.action, e.at, e.actor_id, e.actor_name, e.role, e.unit_id, e.from_state, e.to_state, e.note, e.data
            FROM supervision_record r JOIN case_events e ON e.case_id = r.case_id AND e.seq = r.seq
            WHERE r.unit_id = \(bind: unit) ORDER BY e.at DESC, e.case_id DESC, e.seq DESC LIMIT \(literal: max(1, min(limit, 1000)))
            """).all()
        return try rows.map(Self.eventRow)
    }

    public func caseCount() async throws -> Int {
        try await reader.raw("SELECT COUNT(*) AS n FROM cases").first()?.decode(column: "n", as: Int.self) ?? 0
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
            // Unit ids are integers, so the list is inlined: a bound list of thousands would exceed SQLite's limit.
            let list = scope.isEmpty ? "NULL" : scope.sorted().map(String.init).joined(separator: ",")
            conds.append("(c.holder_unit IN (\(unsafeRaw: list)) OR c.center_unit IN (\(unsafeRaw: list)))")
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

        var match: String?
        var order = q.order
        if let text = q.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            match = SearchTokens.fts5Match(text)
            // Lone characters are not in the bigram index: look for them in titles.
            for term in SearchTokens.queryTerms(text) {
                if case let .single(ch) = term { conds.append("c.title LIKE \(bind: "%" + ch + "%")") }
            }
        }
        if order == .relevance && match == nil { order = .newest }

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
        case .relevance: orderClause = "ORDER BY f.rank, c.id DESC"
        }
        // One statement per try: the page, and how many matches the id window holds (see RelevanceWindow).
        func page(above bound: Int64?) async throws -> (rows: [any SQLRow], inWindow: Int) {
            var join: SQLQueryString = ""
            var windowCount: SQLQueryString = ""
            if let match {
                let rank: SQLQueryString = order == .relevance ? ", bm25(case_fts, 4.0, 1.0) AS rank" : ""
                join = """
                    JOIN (SELECT rowid AS fid\(rank) FROM case_fts WHERE case_fts MATCH \(bind: match) AND rowid > \(bind: bound ?? 0)) f \
                    ON f.fid = c.id
                    """
                windowCount = ", COUNT(*) OVER () AS window_matches"
            }
            let rows = try await reader.raw("""
                SELECT c.id, c.tracking_code, c.title, c.state, c.kind, c.channel, c.category, c.holder_unit, c.registered_at, c.due_at, \
                \(alertExpr) AS alert, c.visitors, c.risk, \
                (SELECT COUNT(*) FROM attachments a WHERE a.case_id = c.id) AS files\(windowCount) FROM cases c \(join) \(whereClause) \
                \(orderClause) LIMIT \(literal: limit + 1) OFFSET \(literal: offset)
                """).all()
            guard match != nil, let first = rows.first else { return (rows, 0) }
            return (rows, try first.decode(column: "window_matches", as: Int.self))
        }
        let (rows, bound) = try await q.window.page(text: match != nil, order: order, cursorBound: lo, below: below, limit: limit, maxID: {
            try await reader.raw("SELECT COALESCE(MAX(id), 0) AS m FROM cases").first()?.decode(column: "m", as: Int64.self) ?? 0
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

    /// The case document; its id lives in the row (the document is encoded before the id is assigned).
    static func decodeCase(_ doc: String, id: CaseID) throws -> Case {
        var c = try JSONDecoder().decode(Case.self, from: Data(doc.utf8))
        c.id = id
        return c
    }

    static func encodeCase(_ c: Case) throws -> String {
        CaseDocument.encode(c)
    }

    static func encodeData(_ d: [String: String]) throws -> String {
        var w = CaseDocument.Writer()
        w.open()
        for (k, v) in d.sorted(by: { $0.key < $1.key }) { w.str(k, v) }
        w.close()
        return w.out
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
        doc = try SQLiteStore.encodeCase(r.case)
        eventData = try r.events.map { try SQLiteStore.encodeData($0.data) }
        titleTokens = SearchTokens.indexText(r.case.title)
        bodyTokens = SearchTokens.indexText(r.case.content)
    }
}
