import MinshengDomain
import SQLKit

/// Attachments and public disclosures (留言选登), on both engines.
extension SQLStore {
    public func addAttachment(_ a: Attachment) async throws -> Attachment {
        try await writing { db in
            let row = try await db.raw("""
                INSERT INTO attachments (case_id, sha256, name, type, size, at)
                VALUES (\(bind: a.caseID), \(bind: a.sha256), \(bind: a.name), \(bind: a.type), \(bind: Int64(a.size)), \(bind: a.at.seconds))
                RETURNING id
                """).first()
            var out = a
            out.id = try row!.decode(column: "id", as: Int64.self)
            return out
        }
    }

    public func attachments(of caseID: CaseID) async throws -> [Attachment] {
        try await reading { db in
            try await db.raw("SELECT id, case_id, sha256, name, type, size, at FROM attachments WHERE case_id = \(bind: caseID) ORDER BY id").all().map { r in
                Attachment(id: try r.decode(column: "id", as: Int64.self), caseID: try r.decode(column: "case_id", as: Int64.self),
                           sha256: try r.decode(column: "sha256", as: String.self), name: try r.decode(column: "name", as: String.self),
                           type: try r.decode(column: "type", as: String.self), size: try r.decode(column: "size", as: Int.self),
                           at: Instant(seconds: try r.decode(column: "at", as: Int64.self)))
            }
        }
    }

    public func disclose(_ d: Disclosure) async throws {
        try await writing { db in
            try await db.raw("""
                INSERT INTO disclosures (case_id, at, user_id, title, content, reply, unit_name, category, registered_at, replied_at, evaluation)
                VALUES (\(bind: d.caseID), \(bind: d.at.seconds), \(bind: d.userID), \(bind: d.title), \(bind: d.content), \(bind: d.reply),
                        \(bind: d.unitName), \(bind: d.category), \(bind: d.registeredAt.seconds), \(bind: d.repliedAt?.seconds), \(bind: d.evaluation))
                ON CONFLICT (case_id) DO UPDATE SET at = excluded.at, user_id = excluded.user_id, title = excluded.title,
                    content = excluded.content, reply = excluded.reply, unit_name = excluded.unit_name, category = excluded.category,
                    replied_at = excluded.replied_at, evaluation = excluded.evaluation
                """).run()
        }
    }

    public func disclosures(limit: Int, before: Instant?) async throws -> [Disclosure] {
        let lim = max(1, min(limit, 200))
        let cond: SQLQueryString = before.map { "WHERE at < \(bind: $0.seconds)" } ?? ""
        return try await reading { db in
            try await db.raw("""
                SELECT case_id, at, user_id, title, content, reply, unit_name, category, registered_at, replied_at, evaluation
                FROM disclosures \(cond) ORDER BY at DESC, case_id DESC LIMIT \(literal: lim)
                """).all().map { r in
                Disclosure(caseID: try r.decode(column: "case_id", as: Int64.self), at: Instant(seconds: try r.decode(column: "at", as: Int64.self)),
                           userID: try r.decode(column: "user_id", as: Int64.self), title: try r.decode(column: "title", as: String.self),
                           content: try r.decode(column: "content", as: String.self), reply: try r.decode(column: "reply", as: String.self),
                           unitName: try r.decode(column: "unit_name", as: String.self), category: try r.decode(column: "category", as: String?.self),
                           registeredAt: Instant(seconds: try r.decode(column: "registered_at", as: Int64.self)),
                           repliedAt: try r.decode(column: "replied_at", as: Int64?.self).map { Instant(seconds: $0) },
                           evaluation: try r.decode(column: "evaluation", as: String?.self))
            }
        }
    }
}
