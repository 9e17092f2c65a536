import MinshengDomain
import SQLiteNIO

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

    static let noticeColumns = "id, dedupe_key, case_id, kind, recipient_unit, phone, message, created_at, attempts, sent_at, last_error"

    public func claimNotices(at now: Instant, limit: Int, lease: Int64) async throws -> [Notice] {
        // On the writer's connection, in its transaction: the claim and the read are one statement.
        let rows = try await write { _ in
            try await self.writerConnection.query("""
                UPDATE outbox SET next_attempt_at = ? WHERE id IN \
                (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?) \
                RETURNING \(Self.noticeColumns)
                """, [.integer(Int(now.seconds + lease)), .integer(Int(now.seconds)), .integer(max(1, limit))]).map(Self.noticeRow)
        }
        // RETURNING gives no order: oldest first, as they were selected.
        return rows.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func markNoticeSent(_ id: Int64, at: Instant) async throws {
        try await write { _ in
            _ = try await self.writerConnection.query("UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                                                      [.integer(Int(at.seconds)), .integer(Int(id))])
            // The acknowledgement with the tracking code reached the citizen: that is when the case was acknowledged.
            _ = try await self.writerConnection.query(
                "UPDATE cases SET acknowledged_at = ? WHERE acknowledged_at IS NULL AND id = (SELECT case_id FROM outbox WHERE id = ? AND kind = 'ack')",
                [.integer(Int(at.seconds)), .integer(Int(id))])
        }
    }

    public func markNoticeFailed(_ id: Int64, error: String, retryAt: Instant) async throws {
        try await write { _ in
            _ = try await self.writerConnection.query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND sent_at IS NULL",
                [.text(String(error.prefix(500))), .integer(Int(retryAt.seconds)), .integer(Int(id))])
        }
    }

    public func notices(of caseID: CaseID) async throws -> [Notice] {
        try await readerConnection.query("SELECT \(Self.noticeColumns) FROM outbox WHERE case_id = ? ORDER BY id",
                                         [.integer(Int(caseID))]).map(Self.noticeRow)
    }

    public func noticeBacklog() async throws -> Int {
        try await readerConnection.query("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL", []).first?.column("n")?.integer ?? 0
    }

    static func noticeRow(_ row: SQLiteRow) -> Notice {
        Notice(id: Int64(row.column("id")?.integer ?? 0),
               dedupeKey: row.column("dedupe_key")?.string ?? "",
               caseID: Int64(row.column("case_id")?.integer ?? 0),
               kind: row.column("kind")?.string ?? "",
               recipientUnit: row.column("recipient_unit")?.integer.map(Int64.init),
               phone: row.column("phone")?.string,
               message: row.column("message")?.string ?? "",
               createdAt: Instant(seconds: Int64(row.column("created_at")?.integer ?? 0)),
               attempts: row.column("attempts")?.integer ?? 0,
               sentAt: row.column("sent_at")?.integer.map { Instant(seconds: Int64($0)) },
               lastError: row.column("last_error")?.string)
    }
}
