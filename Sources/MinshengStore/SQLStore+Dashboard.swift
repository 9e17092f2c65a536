import MinshengDomain
import SQLKit

/// The dashboard's simple counts, on both engines (the grouped volumes and the statistics are each engine's own).
extension SQLStore {
    /// The scope filter of the dashboard's counts: the case's holder, center or location is one of the units (ids
    /// inlined, see `inlineList`).
    static func scopeCondition(_ scope: Set<UnitID>?) -> String {
        guard let scope else { return "" }
        let list = inlineList(scope)
        return " AND (holder_unit IN (\(list)) OR center_unit IN (\(list)) OR location_unit IN (\(list)))"
    }

    public func caseCountsByState() async throws -> [CaseState: Int] {
        let rows = try await reading { db in try await db.raw("SELECT state, COUNT(*) AS n FROM cases GROUP BY state").all() }
        var out: [CaseState: Int] = [:]
        for row in rows {
            guard let s = CaseState(rawValue: try row.decode(column: "state", as: String.self)) else { continue }
            out[s] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    public func openCasesByAlert(scope: Set<UnitID>?, now: Instant) async throws -> [AlertLevel: Int] {
        let t = now.seconds
        let rows = try await reading { db in
            try await db.raw("""
                SELECT CASE WHEN alarm_at <= \(bind: t) THEN 'alarm' WHEN urgent_at <= \(bind: t) THEN 'urgent' WHEN warn_at <= \(bind: t) THEN 'warning' \
                ELSE alert_base END AS level, COUNT(*) AS n FROM cases WHERE is_open = 1\(unsafeRaw: Self.scopeCondition(scope)) GROUP BY 1
                """).all()
        }
        var out: [AlertLevel: Int] = [:]
        for row in rows {
            guard let l = AlertLevel(rawValue: try row.decode(column: "level", as: String.self)) else { continue }
            out[l, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    public func openRiskCases(scope: Set<UnitID>?) async throws -> Int {
        try await reading { db in
            try await db.raw("SELECT COUNT(*) AS n FROM cases WHERE is_open = 1 AND risk = 1\(unsafeRaw: Self.scopeCondition(scope))").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }
}
