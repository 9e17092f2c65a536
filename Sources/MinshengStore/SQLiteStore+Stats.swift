import Foundation
import MinshengDomain
import SQLKit
import SQLiteNIO

extension SQLiteStore {
    /// Two reads on one reader connection: the cases statistics read (`CaseStore.statsCases`: those with a counted
    /// step since `from`, found through the index on `case_events(at, action)`, migration 5, and the open cases whose
    /// running limit passed by `asOf`, from the partial index of open cases) with their counted steps, and which
    /// cases registered in the period repeat the citizen of an earlier one (a window over the period's registrations).
    public func statsCases(from: Instant, to: Instant, asOf: Instant) async throws -> [StatsCase] {
        guard from < to else { return [] }
        let conn = readerConnection
        let actions = StatsCase.countedActions.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let f = SQLiteData.integer(Int(from.seconds)), t = SQLiteData.integer(Int(to.seconds))
        let asOfData = SQLiteData.integer(Int(min(asOf, to).seconds))
        // The citizen key (a keyed hash of the phone, migration 6) groups a citizen's cases.
        let repeats = try await conn.query("""
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (PARTITION BY citizen_key ORDER BY registered_at, id) AS rn
                FROM cases WHERE registered_at >= ? AND registered_at < ? AND citizen_key IS NOT NULL
            ) WHERE rn > 1
            """, [f, t])
        let repeatIDs = Set(repeats.compactMap { $0.column("id")?.integer.map(Int64.init) })
        let rows = try await conn.query("""
            WITH touched AS (
                SELECT case_id FROM case_events WHERE at >= ? AND action IN (\(actions))
                UNION
                SELECT id FROM cases WHERE is_open = 1 AND due_at <= ?
            )
            SELECT e.case_id, e.seq, e.action, e.at, e.unit_id, c.registered_at,
                   json_extract(e.data, '$.toUnit') AS to_unit, json_extract(e.data, '$.onTime') AS on_time,
                   json_extract(e.data, '$.evaluation') AS evaluation, json_extract(e.data, '$.signDue') AS sign_due,
                   json_extract(e.data, '$.acceptDue') AS accept_due, json_extract(e.data, '$.replyDue') AS reply_due
            FROM touched t JOIN case_events e ON e.case_id = t.case_id JOIN cases c ON c.id = t.case_id
            WHERE e.at < ? AND e.action IN (\(actions))
            ORDER BY e.case_id, e.seq
            """, [f, asOfData, t])
        var out: [StatsCase] = []
        for row in rows {
            guard let id = row.column("case_id")?.integer.map(Int64.init),
                  let action = row.column("action")?.string.flatMap(Action.init(rawValue:)) else { continue }
            if out.last?.id != id {
                out.append(StatsCase(id: id, registeredAt: Instant(seconds: Int64(row.column("registered_at")?.integer ?? 0)),
                                     isRepeat: repeatIDs.contains(id), events: []))
            }
            out[out.count - 1].events.append(StatsEvent(
                seq: row.column("seq")?.integer ?? 0,
                action: action,
                at: Instant(seconds: Int64(row.column("at")?.integer ?? 0)),
                unit: row.column("unit_id")?.integer.map(Int64.init),
                toUnit: Self.int64(row.column("to_unit")),
                onTime: Self.int64(row.column("on_time")).map { $0 == 1 },
                evaluation: row.column("evaluation")?.string.flatMap(Evaluation.init(rawValue:)),
                signDue: Self.int64(row.column("sign_due")).map(Instant.init(seconds:)),
                acceptDue: Self.int64(row.column("accept_due")).map(Instant.init(seconds:)),
                replyDue: Self.int64(row.column("reply_due")).map(Instant.init(seconds:))))
        }
        return out
    }

    /// Event data values are text ("4"); JSON functions may hand back text or an integer.
    private static func int64(_ d: SQLiteData?) -> Int64? {
        switch d {
        case let .integer(i)?: Int64(i)
        case let .text(s)?: Int64(s)
        default: nil
        }
    }
}

/// The dashboard's grouped volumes and the hotspots' cases: plain sqlite-nio on a reader connection.
extension SQLiteStore {
    /// Three grouped reads over the period's registrations on one reader connection, each a range scan of
    /// `cases_registered`. The suggested category is read from the document only when no category was set.
    public func caseVolume(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> CaseVolume {
        guard from < to else { return CaseVolume() }
        let conn = readerConnection
        let binds: [SQLiteData] = [.integer(Int(from.seconds)), .integer(Int(to.seconds))]
        let base = "FROM cases WHERE registered_at >= ? AND registered_at < ?" + Self.scopeCondition(scope)
        var v = CaseVolume()
        let offset = ChinaTime.offsetSeconds
        for row in try await conn.query("SELECT (registered_at + \(offset)) / 86400 AS d, channel, COUNT(*) AS n \(base) GROUP BY d, channel", binds) {
            guard let d = row.column("d")?.integer, let ch = row.column("channel")?.string, let n = row.column("n")?.integer else { continue }
            v.byDayChannel[.init(day: Day(daysSinceEpoch: d), channel: ch), default: 0] += n
            v.total += n
        }
        for row in try await conn.query("""
            SELECT COALESCE(category, json_extract(doc, '$.suggestion.category'), '') AS cat, COUNT(*) AS n \(base) GROUP BY cat
            """, binds) {
            guard let n = row.column("n")?.integer else { continue }
            v.byCategory[row.column("cat")?.string ?? "", default: 0] += n
        }
        for row in try await conn.query("SELECT COALESCE(location_unit, holder_unit) AS u, COUNT(*) AS n \(base) GROUP BY u", binds) {
            guard let u = row.column("u")?.integer, let n = row.column("n")?.integer else { continue }
            v.byPlace[Int64(u), default: 0] += n
        }
        return v
    }
}

extension SQLiteStore {
    public func hotspotCases(from: Instant, to: Instant, scope: Set<UnitID>?, limit: Int) async throws -> [HotspotCaseRow] {
        guard from < to, limit > 0 else { return [] }
        let rows = try await readerConnection.query("""
            SELECT id, title, json_extract(doc, '$.content') AS content,
                   COALESCE(category, json_extract(doc, '$.suggestion.category')) AS cat,
                   holder_unit, location_unit, registered_at, citizen_key
            FROM cases INDEXED BY cases_registered WHERE registered_at >= ? AND registered_at < ?\(Self.scopeCondition(scope))
            ORDER BY registered_at, id LIMIT ?
            """, [.integer(Int(from.seconds)), .integer(Int(to.seconds)), .integer(limit)])
        return rows.compactMap { r in
            guard let id = r.column("id")?.integer, let holder = r.column("holder_unit")?.integer,
                  let at = r.column("registered_at")?.integer else { return nil }
            return HotspotCaseRow(id: Int64(id), title: r.column("title")?.string ?? "", content: r.column("content")?.string ?? "",
                                  category: r.column("cat")?.string, holder: Int64(holder),
                                  location: r.column("location_unit")?.integer.map(Int64.init),
                                  registeredAt: Instant(seconds: Int64(at)), citizenKey: r.column("citizen_key")?.string)
        }
    }
}
