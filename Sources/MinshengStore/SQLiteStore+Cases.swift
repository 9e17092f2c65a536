import Foundation
import MinshengDomain
import MinshengText
import SQLKit

/// Far-future stand-in for "no deadline", so inbox ordering and cursors compare plain integers.
let noDue: Int64 = 4_102_444_800 // 2100-01-01

extension SQLiteStore {
    // MARK: Registration

    public func register(_ registrations: [Registration]) async throws -> [RegisterOutcome] {
        try await withThrowingTaskGroup(of: (Int, RegisterOutcome).self) { group in
            for (i, r) in registrations.enumerated() {
                group.addTask { (i, try await self.registerOne(r)) }
            }
            var out = [RegisterOutcome?](repeating: nil, count: registrations.count)
            for try await (i, o) in group { out[i] = o }
            return out.map { $0! }
        }
    }

    private func registerOne(_ r: Registration) async throws -> RegisterOutcome {
        try await withCheckedThrowingContinuation { cont in
            submitRegistration(r) { result in cont.resume(with: result) }
        }
    }

    /// Inserts the cases, their first events and their search tokens, several rows per statement.
    func insertRegistrations(_ regs: [Registration], firstID: Int64, db: any SQLDatabase) async throws -> [RegisterOutcome] {
        // Idempotent retries: a key seen before (earlier, or earlier in this batch) returns that case.
        let keys = regs.compactMap(\.clientKey)
        var existing: [String: Case] = [:]
        if !keys.isEmpty {
            let rows = try await db.raw("SELECT client_key, doc FROM cases WHERE client_key IN (\(binds: keys))").all()
            for row in rows {
                existing[try row.decode(column: "client_key", as: String.self)] = try Self.decodeCase(row.decode(column: "doc", as: String.self))
            }
        }
        var outcomes: [RegisterOutcome] = []
        var fresh: [Registration] = []
        var id = firstID
        for var r in regs {
            if let key = r.clientKey, let c = existing[key] {
                outcomes.append(RegisterOutcome(case: c, created: false))
                continue
            }
            r.case.id = id
            for k in r.events.indices { r.events[k].caseID = id }
            id += 1
            if let key = r.clientKey { existing[key] = r.case }
            fresh.append(r)
            outcomes.append(RegisterOutcome(case: r.case, created: true))
        }
        let encoder = JSONEncoder()
        for chunk in stride(from: 0, to: fresh.count, by: 200).map({ fresh[$0..<min($0 + 200, fresh.count)] }) {
            var caseRows: [SQLQueryString] = []
            var eventRows: [SQLQueryString] = []
            var ftsRows: [SQLQueryString] = []
            for r in chunk {
                let c = r.case
                let doc = String(decoding: try encoder.encode(c), as: UTF8.self)
                caseRows.append("""
                    (\(bind: c.id), \(bind: c.trackingCode), \(bind: r.clientKey), \(bind: c.state.rawValue), \(bind: c.channel.rawValue), \
                    \(bind: c.kind.rawValue), \(bind: c.category), \(bind: c.center), \(bind: c.holder), \(bind: c.locationUnit), \
                    \(bind: c.registeredAt.seconds), \(bind: c.updatedAt.seconds), \(bind: c.currentDue?.seconds ?? noDue), \
                    \(bind: r.alert.base.rawValue), \(bind: r.alert.warning?.seconds), \(bind: r.alert.urgent?.seconds), \
                    \(bind: r.alert.alarm?.seconds), \(bind: c.state.isOpen ? 1 : 0), \(bind: c.version), \(bind: c.title), \(bind: doc))
                    """)
                for e in r.events { eventRows.append(try Self.eventValues(e, encoder)) }
                ftsRows.append("(\(bind: c.id), \(bind: SearchTokens.indexText(c.title)), \(bind: SearchTokens.indexText(c.content)))")
            }
            try await db.raw("""
                INSERT INTO cases (id, tracking_code, client_key, state, channel, kind, category, center_unit, holder_unit, \
                location_unit, registered_at, updated_at, due_at, alert_base, warn_at, urgent_at, alarm_at, is_open, version, title, doc) \
                VALUES \(caseRows.joined(separator: ", "))
                """).run()
            try await db.raw("\(unsafeRaw: Self.eventInsert) \(eventRows.joined(separator: ", "))").run()
            try await db.raw("INSERT INTO case_fts (rowid, title, body) VALUES \(ftsRows.joined(separator: ", "))").run()
        }
        return outcomes
    }

    static let eventInsert = "INSERT INTO case_events (case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data) VALUES"

    static func eventValues(_ e: CaseEvent, _ encoder: JSONEncoder) throws -> SQLQueryString {
        let data = String(decoding: try encoder.encode(e.data), as: UTF8.self)
        return """
            (\(bind: e.caseID), \(bind: e.seq), \(bind: e.action.rawValue), \(bind: e.at.seconds), \(bind: e.actorID), \
            \(bind: e.actorName), \(bind: e.role.rawValue), \(bind: e.unit), \(bind: e.fromState?.rawValue), \
            \(bind: e.toState.rawValue), \(bind: e.note), \(bind: data))
            """
    }

    // MARK: Steps

    public func update(_ id: CaseID, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        try await write { db in
            guard let row = try await db.raw("SELECT doc FROM cases WHERE id = \(bind: id)").first() else {
                throw StoreError.caseNotFound(id)
            }
            let old = try Self.decodeCase(row.decode(column: "doc", as: String.self))
            let change = try step(old)
            let c = change.case
            let encoder = JSONEncoder()
            let doc = String(decoding: try encoder.encode(c), as: UTF8.self)
            try await db.raw("""
                UPDATE cases SET state = \(bind: c.state.rawValue), category = \(bind: c.category), holder_unit = \(bind: c.holder), \
                updated_at = \(bind: c.updatedAt.seconds), due_at = \(bind: c.currentDue?.seconds ?? noDue), \
                alert_base = \(bind: change.alert.base.rawValue), warn_at = \(bind: change.alert.warning?.seconds), \
                urgent_at = \(bind: change.alert.urgent?.seconds), alarm_at = \(bind: change.alert.alarm?.seconds), \
                is_open = \(bind: c.state.isOpen ? 1 : 0), version = \(bind: c.version), title = \(bind: c.title), doc = \(bind: doc) \
                WHERE id = \(bind: id) AND version = \(bind: old.version)
                """).run()
            try await db.raw("\(unsafeRaw: Self.eventInsert) \(try Self.eventValues(change.event, encoder))").run()
            return c
        }
    }

    // MARK: Reads

    public func `case`(_ id: CaseID) async throws -> Case? {
        guard let row = try await reader.raw("SELECT doc FROM cases WHERE id = \(bind: id)").first() else { return nil }
        return try Self.decodeCase(row.decode(column: "doc", as: String.self))
    }

    public func `case`(trackingCode: String) async throws -> Case? {
        guard let row = try await reader.raw("SELECT doc FROM cases WHERE tracking_code = \(bind: trackingCode)").first() else { return nil }
        return try Self.decodeCase(row.decode(column: "doc", as: String.self))
    }

    public func events(of id: CaseID) async throws -> [CaseEvent] {
        let rows = try await reader.raw("""
            SELECT case_id, seq, action, at, actor_id, actor_name, role, unit_id, from_state, to_state, note, data
            FROM case_events WHERE case_id = \(bind: id) ORDER BY seq
            """).all()
        let decoder = JSONDecoder()
        return try rows.map { row in
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
                data: try decoder.decode([String: String].self, from: Data(try row.decode(column: "data", as: String.self).utf8)))
        }
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
        if q.openOnly { conds.append("c.is_open = 1") }
        if let s = q.state { conds.append("c.state = \(bind: s.rawValue)") }
        if let k = q.kind { conds.append("c.kind = \(bind: k.rawValue)") }
        if let ch = q.channel { conds.append("c.channel = \(bind: ch.rawValue)") }
        if let cat = q.category { conds.append("c.category = \(bind: cat)") }
        if let f = q.from { conds.append("c.registered_at >= \(bind: f.seconds)") }
        if let t = q.to { conds.append("c.registered_at < \(bind: t.seconds)") }
        if let a = q.alert { conds.append("(\(alertExpr)) = \(bind: a.rawValue)") }

        var join: SQLQueryString = ""
        var joined = false
        var order = q.order
        if let text = q.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            if let match = SearchTokens.fts5Match(text) {
                joined = true
                join = "JOIN (SELECT rowid AS fid, bm25(case_fts, 4.0, 1.0) AS rank FROM case_fts WHERE case_fts MATCH \(bind: match)) f ON f.fid = c.id"
            } else if order == .relevance {
                order = .newest
            }
            // Lone characters are not in the bigram index: look for them in titles.
            for term in SearchTokens.queryTerms(text) {
                if case let .single(ch) = term { conds.append("c.title LIKE \(bind: "%" + ch + "%")") }
            }
        } else if order == .relevance {
            order = .newest
        }
        if order == .relevance && !joined { order = .newest }

        var offset = 0
        if let cursor = q.cursor, !cursor.isEmpty {
            let body = cursor.dropFirst()
            switch (cursor.first, order) {
            case ("n", .newest):
                guard let last = Int64(body) else { throw StoreError.badCursor(cursor) }
                conds.append("c.id < \(bind: last)")
            case ("d", .due):
                let parts = body.split(separator: "_")
                guard parts.count == 2, let due = Int64(parts[0]), let last = Int64(parts[1]) else { throw StoreError.badCursor(cursor) }
                conds.append("(c.due_at > \(bind: due) OR (c.due_at = \(bind: due) AND c.id > \(bind: last)))")
            case ("o", .relevance):
                guard let o = Int(body), o >= 0 else { throw StoreError.badCursor(cursor) }
                offset = o
            default:
                throw StoreError.badCursor(cursor)
            }
        }
        let whereClause: SQLQueryString = conds.isEmpty ? "" : "WHERE \(conds.joined(separator: " AND "))"
        let orderClause: SQLQueryString
        switch order {
        case .newest: orderClause = "ORDER BY c.id DESC"
        case .due: orderClause = "ORDER BY c.due_at, c.id"
        case .relevance: orderClause = "ORDER BY f.rank, c.id DESC"
        }
        let limit = max(1, min(q.limit, 500))
        let rows = try await reader.raw("""
            SELECT c.id, c.tracking_code, c.title, c.state, c.kind, c.channel, c.category, c.holder_unit, c.registered_at, c.due_at, \
            \(alertExpr) AS alert FROM cases c \(join) \(whereClause) \(orderClause) LIMIT \(literal: limit + 1) OFFSET \(literal: offset)
            """).all()
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
                alert: AlertLevel(rawValue: try row.decode(column: "alert", as: String.self)) ?? .normal))
        }
        var next: String?
        if rows.count > limit, let last = items.last {
            switch order {
            case .newest: next = "n\(last.id)"
            case .due: next = "d\(last.due?.seconds ?? noDue)_\(last.id)"
            case .relevance: next = "o\(offset + limit)"
            }
        }
        return CasePage(items: items, nextCursor: next)
    }

    static func decodeCase(_ doc: String) throws -> Case {
        try JSONDecoder().decode(Case.self, from: Data(doc.utf8))
    }
}
