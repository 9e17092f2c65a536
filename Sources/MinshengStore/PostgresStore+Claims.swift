import MinshengDomain
import SQLKit

/// The deadline watch's and the outbox's claims: `FOR UPDATE SKIP LOCKED`, so several nodes share the work.
extension PostgresStore {
    public func claimDueCases(at now: Instant, limit: Int, lease: Int64) async throws -> [CaseID] {
        // SKIP LOCKED: rows another node's claim holds are passed over, not waited for; the lease keeps them away
        // from later claims once that transaction has committed.
        try await transaction { _, db in
            try await db.raw("""
                UPDATE cases SET next_notice_at = \(bind: now.seconds + lease) WHERE id IN \
                (SELECT id FROM cases WHERE next_notice_at <= \(bind: now.seconds) ORDER BY next_notice_at \
                LIMIT \(literal: max(1, limit)) FOR UPDATE SKIP LOCKED) RETURNING id
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
    }

    public func claimNotices(at now: Instant, limit: Int, lease: Int64) async throws -> [Notice] {
        let rows = try await transaction { _, db in
            try await db.raw("""
                UPDATE outbox SET next_attempt_at = \(bind: now.seconds + lease) WHERE id IN \
                (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= \(bind: now.seconds) \
                ORDER BY next_attempt_at, id LIMIT \(literal: max(1, limit)) FOR UPDATE SKIP LOCKED) \
                RETURNING \(unsafeRaw: Self.noticeColumns)
                """).all().map(Self.noticeRow)
        }
        return rows.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}
