import MinshengDomain
import SQLiteNIO

extension SQLiteStore {
    /// Two reads on one reader connection: the cases touched in the period with their counted steps (found through
    /// the index on `case_events(at, action)`, migration 5), and which cases registered in the period repeat the
    /// citizen of an earlier one (a window over the period's registrations).
    public func statsCases(from: Instant, to: Instant) async throws -> [StatsCase] {
        guard from < to else { return [] }
        let conn = readerConnection
        let actions = StatsCase.countedActions.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let f = SQLiteData.integer(Int(from.seconds)), t = SQLiteData.integer(Int(to.seconds))
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
                SELECT DISTINCT case_id FROM case_events WHERE at >= ? AND at < ? AND action IN (\(actions))
            )
            SELECT e.case_id, e.seq, e.action, e.at, e.unit_id, c.registered_at,
                   json_extract(e.data, '$.toUnit') AS to_unit, json_extract(e.data, '$.onTime') AS on_time,
                   json_extract(e.data, '$.evaluation') AS evaluation
            FROM touched t JOIN case_events e ON e.case_id = t.case_id JOIN cases c ON c.id = t.case_id
            WHERE e.at < ? AND e.action IN (\(actions))
            ORDER BY e.case_id, e.seq
            """, [f, t, t])
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
                evaluation: row.column("evaluation")?.string.flatMap(Evaluation.init(rawValue:))))
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
