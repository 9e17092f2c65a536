import Foundation
import MinshengDomain
import SQLKit

/// The case list (inbox, search, the leader's and supervisor's lists), on both engines; only the full-text part is
/// each engine's own (`textQuery`, `textJoin`, `relevanceOrder`, `titleContains`: FTS5 on SQLite, a tsvector on
/// PostgreSQL).
extension SQLStore {
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
            let list = Self.inlineList(scope)
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
            match = Self.textQuery(text)
            // Lone characters are not in the bigram index: look for them in titles.
            for term in SearchTokens.queryTerms(text) {
                if case let .single(ch) = term { conds.append(Self.titleContains(ch)) }
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
        case .relevance: orderClause = Self.relevanceOrder
        }
        // One statement per try: the page, and how many matches the id window holds (see RelevanceWindow). Within a
        // window of a common word PostgreSQL's planner walks the primary key over the id range and tests each row's
        // vector, which costs the window's size whatever the table's: cheaper than building the GIN bitmap of every match.
        func page(above bound: Int64?) async throws -> (rows: [any SQLRow], inWindow: Int) {
            var join: SQLQueryString = ""
            var windowCount: SQLQueryString = ""
            if let match {
                join = Self.textJoin(match, above: bound ?? 0, ranked: order == .relevance)
                windowCount = ", COUNT(*) OVER () AS window_matches"
            }
            let sql: SQLQueryString = """
                SELECT c.id, c.tracking_code, c.title, c.state, c.kind, c.channel, c.category, c.holder_unit, c.registered_at, c.due_at, \
                \(alertExpr) AS alert, c.visitors, c.risk, \
                (SELECT COUNT(*) FROM attachments a WHERE a.case_id = c.id) AS files\(windowCount) FROM cases c \(join) \(whereClause) \
                \(orderClause) LIMIT \(literal: limit + 1) OFFSET \(literal: offset)
                """
            let rows = try await reading { db in try await db.raw(sql).all() }
            guard match != nil, let first = rows.first else { return (rows, 0) }
            return (rows, try first.decode(column: "window_matches", as: Int.self))
        }
        let (rows, bound) = try await q.window.page(text: match != nil, order: order, cursorBound: lo, below: below, limit: limit, maxID: {
            try await reading { db in
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

    /// Integer ids inlined as `1,2,3` (`NULL` for none): a bound list of thousands would exceed SQLite's limit, and
    /// PostgreSQL plans `IN (…)` as `= ANY(…)`.
    static func inlineList(_ ids: Set<Int64>) -> String {
        ids.isEmpty ? "NULL" : ids.sorted().map(String.init).joined(separator: ",")
    }
}
