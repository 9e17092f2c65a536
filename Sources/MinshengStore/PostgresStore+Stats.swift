import Foundation
import MinshengDomain
import SQLKit

extension PostgresStore {
    // MARK: Dashboard and statistics

    public func caseVolume(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> CaseVolume {
        guard from < to else { return CaseVolume() }
        let base: SQLQueryString = "FROM cases WHERE registered_at >= \(bind: from.seconds) AND registered_at < \(bind: to.seconds)\(unsafeRaw: Self.scopeCondition(scope))"
        let offset = Int64(ChinaTime.offsetSeconds)
        return try await snapshot { db in
            var v = CaseVolume()
            for row in try await db.raw("SELECT (registered_at + \(literal: offset)) / 86400 AS d, channel, COUNT(*) AS n \(base) GROUP BY 1, 2").all() {
                let n = try row.decode(column: "n", as: Int.self)
                v.byDayChannel[.init(day: Day(daysSinceEpoch: try row.decode(column: "d", as: Int.self)), channel: try row.decode(column: "channel", as: String.self)), default: 0] += n
                v.total += n
            }
            for row in try await db.raw("""
                SELECT COALESCE(category, doc::json->'suggestion'->>'category', '') AS cat, COUNT(*) AS n \(base) GROUP BY 1
                """).all() {
                v.byCategory[try row.decode(column: "cat", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            for row in try await db.raw("SELECT COALESCE(location_unit, holder_unit) AS u, COUNT(*) AS n \(base) GROUP BY 1").all() {
                v.byPlace[try row.decode(column: "u", as: Int64.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            return v
        }
    }

    public func hotspotCases(from: Instant, to: Instant, scope: Set<UnitID>?, limit: Int) async throws -> [HotspotCaseRow] {
        guard from < to, limit > 0 else { return [] }
        let rows = try await read { db in
            try await db.raw("""
                SELECT id, title, doc::json->>'content' AS content,
                       COALESCE(category, doc::json->'suggestion'->>'category') AS cat,
                       holder_unit, location_unit, registered_at, citizen_key
                FROM cases WHERE registered_at >= \(bind: from.seconds) AND registered_at < \(bind: to.seconds)\(unsafeRaw: Self.scopeCondition(scope))
                ORDER BY registered_at, id LIMIT \(literal: limit)
                """).all()
        }
        return try rows.map { r in
            HotspotCaseRow(id: try r.decode(column: "id", as: Int64.self), title: try r.decode(column: "title", as: String.self),
                           content: try r.decode(column: "content", as: String?.self) ?? "",
                           category: try r.decode(column: "cat", as: String?.self), holder: try r.decode(column: "holder_unit", as: Int64.self),
                           location: try r.decode(column: "location_unit", as: Int64?.self),
                           registeredAt: Instant(seconds: try r.decode(column: "registered_at", as: Int64.self)),
                           citizenKey: try r.decode(column: "citizen_key", as: String?.self))
        }
    }

    /// As on SQLite: the cases statistics read (`CaseStore.statsCases`: a counted step since `from`, through
    /// `case_events(at, action)`, or open with its running limit passed by `asOf`) with their counted steps, and which
    /// registrations of the period repeat the citizen of an earlier one (a window over the period).
    public func statsCases(from: Instant, to: Instant, asOf: Instant) async throws -> [StatsCase] {
        guard from < to else { return [] }
        let actions = StatsCase.countedActions.map(\.rawValue)
        let f = from.seconds, t = to.seconds, a = min(asOf, to).seconds
        let (repeatRows, rows) = try await snapshot { db in
            let repeats = try await db.raw("""
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY citizen_key ORDER BY registered_at, id) AS rn
                    FROM cases WHERE registered_at >= \(bind: f) AND registered_at < \(bind: t) AND citizen_key IS NOT NULL
                ) r WHERE rn > 1
                """).all()
            let rows = try await db.raw("""
                WITH touched AS (
                    SELECT case_id FROM case_events WHERE at >= \(bind: f) AND action = ANY(\(bind: actions))
                    UNION
                    SELECT id FROM cases WHERE is_open = 1 AND due_at <= \(bind: a)
                )
                SELECT e.case_id, e.seq, e.action, e.at, e.unit_id, c.registered_at,
                       e.data::json->>'toUnit' AS to_unit, e.data::json->>'onTime' AS on_time, e.data::json->>'evaluation' AS evaluation,
                       e.data::json->>'signDue' AS sign_due, e.data::json->>'acceptDue' AS accept_due, e.data::json->>'replyDue' AS reply_due
                FROM touched t JOIN case_events e ON e.case_id = t.case_id JOIN cases c ON c.id = t.case_id
                WHERE e.at < \(bind: t) AND e.action = ANY(\(bind: actions))
                ORDER BY e.case_id, e.seq
                """).all()
            return (repeats, rows)
        }
        let repeatIDs = Set(try repeatRows.map { try $0.decode(column: "id", as: Int64.self) })
        func instant(_ row: SQLRow, _ column: String) throws -> Instant? {
            try row.decode(column: column, as: String?.self).flatMap { Int64($0) }.map(Instant.init(seconds:))
        }
        var out: [StatsCase] = []
        for row in rows {
            let id = try row.decode(column: "case_id", as: Int64.self)
            guard let action = Action(rawValue: try row.decode(column: "action", as: String.self)) else { continue }
            if out.last?.id != id {
                out.append(StatsCase(id: id, registeredAt: Instant(seconds: try row.decode(column: "registered_at", as: Int64.self)),
                                     isRepeat: repeatIDs.contains(id), events: []))
            }
            out[out.count - 1].events.append(StatsEvent(
                seq: try row.decode(column: "seq", as: Int.self),
                action: action,
                at: Instant(seconds: try row.decode(column: "at", as: Int64.self)),
                unit: try row.decode(column: "unit_id", as: Int64?.self),
                toUnit: try row.decode(column: "to_unit", as: String?.self).flatMap { Int64($0) },
                onTime: try row.decode(column: "on_time", as: String?.self).flatMap { Int64($0) }.map { $0 == 1 },
                evaluation: try row.decode(column: "evaluation", as: String?.self).flatMap(Evaluation.init(rawValue:)),
                signDue: try instant(row, "sign_due"), acceptDue: try instant(row, "accept_due"), replyDue: try instant(row, "reply_due")))
        }
        return out
    }
}
