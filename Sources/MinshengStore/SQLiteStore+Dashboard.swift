import Foundation
import MinshengDomain
import SQLKit
import SQLiteNIO

extension SQLiteStore {
    /// The scope filter of the dashboard's counts: the case's holder, center or location is one of the units. Unit
    /// ids are integers, so the list is inlined (a bound list of thousands would exceed SQLite's limit).
    static func scopeCondition(_ scope: Set<UnitID>?) -> String {
        guard let scope else { return "" }
        let list = scope.isEmpty ? "NULL" : scope.sorted().map(String.init).joined(separator: ",")
        return " AND (holder_unit IN (\(list)) OR center_unit IN (\(list)) OR location_unit IN (\(list)))"
    }

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

    /// Open cases by their level now (the same expression as the case list), through the partial inbox index.
    public func openCasesByAlert(scope: Set<UnitID>?, now: Instant) async throws -> [AlertLevel: Int] {
        let t = SQLiteData.integer(Int(now.seconds))
        let rows = try await readerConnection.query("""
            SELECT CASE WHEN alarm_at <= ? THEN 'alarm' WHEN urgent_at <= ? THEN 'urgent' WHEN warn_at <= ? THEN 'warning' \
            ELSE alert_base END AS level, COUNT(*) AS n FROM cases WHERE is_open = 1\(Self.scopeCondition(scope)) GROUP BY level
            """, [t, t, t])
        var out: [AlertLevel: Int] = [:]
        for row in rows {
            guard let l = row.column("level")?.string.flatMap(AlertLevel.init(rawValue:)), let n = row.column("n")?.integer else { continue }
            out[l, default: 0] += n
        }
        return out
    }

    public func openRiskCases(scope: Set<UnitID>?) async throws -> Int {
        try await readerConnection.query("SELECT COUNT(*) AS n FROM cases WHERE is_open = 1 AND risk = 1\(Self.scopeCondition(scope))")
            .first?.column("n")?.integer ?? 0
    }

    public func caseCountsByState() async throws -> [CaseState: Int] {
        let rows = try await readerConnection.query("SELECT state, COUNT(*) AS n FROM cases GROUP BY state")
        var out: [CaseState: Int] = [:]
        for row in rows {
            guard let s = row.column("state")?.string.flatMap(CaseState.init(rawValue:)), let n = row.column("n")?.integer else { continue }
            out[s] = n
        }
        return out
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
