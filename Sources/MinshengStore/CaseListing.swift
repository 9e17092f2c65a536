import MinshengDomain
import SQLKit

/// What both engines' case lists share for the deadline order: risk cases first (跳楼, 集体上访 … head every inbox),
/// then by deadline and id, with a cursor that carries all three. Written once, used by both `cases(_:)`.
enum DueOrder {
    static let orderBy: SQLQueryString = "ORDER BY c.risk DESC, c.due_at, c.id"

    static func cursor(risk: Bool, due: Int64, id: CaseID) -> String { "d\(risk ? 1 : 0)_\(due)_\(id)" }

    /// The rows after a cursor: "1_due_id" (a risk case) or "0_due_id"; nil for a cursor this does not write.
    static func after(_ body: Substring) -> SQLQueryString? {
        let p = body.split(separator: "_")
        guard p.count == 3, let risk = Int(p[0]), risk == 0 || risk == 1, let due = Int64(p[1]), let id = Int64(p[2]) else { return nil }
        let later: SQLQueryString = "(c.due_at > \(bind: due) OR (c.due_at = \(bind: due) AND c.id > \(bind: id)))"
        // After the last risk case come the other risk cases due later, then every case without risk.
        return risk == 1 ? "(c.risk = 0 OR (c.risk = 1 AND \(later)))" : "(c.risk = 0 AND \(later))"
    }

    /// The filter for `CaseQuery.risk`.
    static func filter(_ risk: Bool) -> SQLQueryString { risk ? "c.risk = 1" : "c.risk = 0" }
}
