import MinshengDomain
import SQLKit
import SQLiteNIO

/// The deadline watch's and the outbox's claims: the single writer hands each due row to one claimer.
extension SQLiteStore {
    public func claimDueCases(at now: Instant, limit: Int, lease: Int64) async throws -> [CaseID] {
        try await write { _ in
            try await self.writerConnection.query("""
                UPDATE cases SET next_notice_at = ? WHERE id IN \
                (SELECT id FROM cases WHERE next_notice_at <= ? ORDER BY next_notice_at LIMIT ?) RETURNING id
                """, [.integer(Int(now.seconds + lease)), .integer(Int(now.seconds)), .integer(max(1, limit))])
                .compactMap { $0.column("id")?.integer.map(Int64.init) }
        }
    }

    public func claimNotices(at now: Instant, limit: Int, lease: Int64) async throws -> [Notice] {
        // On the writer's connection, in its transaction: the claim and the read are one statement.
        let rows = try await write { db in
            try await db.raw("""
                UPDATE outbox SET next_attempt_at = \(bind: now.seconds + lease) WHERE id IN \
                (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= \(bind: now.seconds) ORDER BY next_attempt_at, id \
                LIMIT \(literal: max(1, limit))) RETURNING \(unsafeRaw: Self.noticeColumns)
                """).all().map(Self.noticeRow)
        }
        // RETURNING gives no order: oldest first, as they were selected.
        return rows.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}
