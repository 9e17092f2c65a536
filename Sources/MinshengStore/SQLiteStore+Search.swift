import Foundation
import MinshengDomain
import MinshengText
import SQLKit
import SQLiteNIO

/// The case list and full-text search (FTS5 over bigram tokens), and a citizen's earlier cases.
extension SQLiteStore {
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
        let rows = try await readerConnection.query("""
            SELECT id, category, json_extract(doc, '$.suggestion.category') AS suggested, json_extract(doc, '$.repeatOf') AS repeat_of \
            FROM cases WHERE citizen_key = ? AND registered_at >= ? ORDER BY registered_at DESC, id DESC LIMIT ?
            """, [.text(citizenKey), .integer(Int(since.seconds)), .integer(max(1, min(limit, 100)))])
        return rows.compactMap { row in
            guard let id = row.column("id")?.integer else { return nil }
            return CitizenMatter(id: Int64(id), category: row.column("category")?.string, suggestedCategory: row.column("suggested")?.string,
                                 repeatOf: row.column("repeat_of")?.integer.map(Int64.init))
        }
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
}
