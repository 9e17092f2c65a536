import Foundation
import MinshengDomain
import SQLKit

// Row decoders (`SQLiteStore.unitRow`, `eventRow`, `userRow`, `tokenRow`) read `any SQLRow` and are shared: both
// schemas have the same columns with compatible types.
extension PostgresStore {
    // MARK: Units

    public func insertUnits(_ units: [MinshengDomain.Unit]) async throws {
        guard !units.isEmpty else { return }
        try await transaction { _, db in
            // Materialised path ("/1/5/90/") so a subtree is one indexed prefix scan.
            var paths: [UnitID: String] = [:]
            for chunk in stride(from: 0, to: units.count, by: 500).map({ units[$0..<min($0 + 500, units.count)] }) {
                var rows: [SQLQueryString] = []
                for u in chunk {
                    var path = "/\(u.id)/"
                    if let p = u.parentID {
                        if paths[p] == nil {
                            guard let row = try await db.raw("SELECT path FROM units WHERE id = \(bind: p)").first() else {
                                throw StoreError.conflict("unit \(u.id): parent \(p) does not exist")
                            }
                            paths[p] = try row.decode(column: "path", as: String.self)
                        }
                        path = paths[p]! + "\(u.id)/"
                    }
                    paths[u.id] = path
                    rows.append("(\(bind: u.id), \(bind: u.parentID), \(bind: u.name), \(bind: u.level.rawValue), \(bind: u.kind.rawValue), \(bind: u.phone), \(bind: path))")
                }
                try await db.raw("INSERT INTO units (id, parent_id, name, level, kind, phone, path) VALUES \(rows.joined(separator: ", "))").run()
            }
        }
    }

    public func unit(_ id: UnitID) async throws -> MinshengDomain.Unit? {
        try await read { db in
            try await db.raw("SELECT id, parent_id, name, level, kind, phone FROM units WHERE id = \(bind: id)").first().map(SQLiteStore.unitRow)
        }
    }

    public func units(parent: UnitID?, query: String?, limit: Int) async throws -> [MinshengDomain.Unit] {
        let lim = max(1, min(limit, 1000))
        let sql: SQLQueryString
        if let q = query?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            // ILIKE: case-insensitive for Latin letters, as SQLite's LIKE.
            let like = "%" + q.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "\\", with: "") + "%"
            if let parent {
                sql = """
                    SELECT u.id, u.parent_id, u.name, u.level, u.kind, u.phone FROM units u, units p \
                    WHERE p.id = \(bind: parent) AND u.path > p.path AND u.path < p.path || '\u{7F}' AND u.name ILIKE \(bind: like) \
                    ORDER BY length(u.name), u.id LIMIT \(literal: lim)
                    """
            } else {
                sql = "SELECT id, parent_id, name, level, kind, phone FROM units WHERE name ILIKE \(bind: like) ORDER BY length(name), id LIMIT \(literal: lim)"
            }
        } else if let parent {
            sql = "SELECT id, parent_id, name, level, kind, phone FROM units WHERE parent_id = \(bind: parent) ORDER BY id LIMIT \(literal: lim)"
        } else {
            sql = "SELECT id, parent_id, name, level, kind, phone FROM units WHERE parent_id IS NULL ORDER BY id LIMIT \(literal: lim)"
        }
        return try await read { db in try await db.raw(sql).all().map(SQLiteStore.unitRow) }
    }

    public func unitCount() async throws -> Int {
        try await read { db in try await db.raw("SELECT COUNT(*) AS n FROM units").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func allUnits() async throws -> [MinshengDomain.Unit] {
        try await read { db in try await db.raw("SELECT id, parent_id, name, level, kind, phone FROM units ORDER BY id").all().map(SQLiteStore.unitRow) }
    }

    public func createUnit(parentID: UnitID?, name: String, level: UnitLevel, kind: UnitKind, phone: String?) async throws -> MinshengDomain.Unit {
        try await transaction { _, db in
            // Ids are MAX + 1 as on SQLite (admins see them); the lock keeps two nodes from taking the same one.
            try await db.raw("SELECT pg_advisory_xact_lock(7000002, hashtext(current_schema()))").run()
            var path = ""
            if let p = parentID {
                guard let row = try await db.raw("SELECT path FROM units WHERE id = \(bind: p)").first() else {
                    throw StoreError.conflict("parent unit \(p) does not exist")
                }
                path = try row.decode(column: "path", as: String.self)
            }
            let id = (try await db.raw("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM units").first()?.decode(column: "n", as: Int64.self)) ?? 1
            path += parentID == nil ? "/\(id)/" : "\(id)/"
            try await db.raw("""
                INSERT INTO units (id, parent_id, name, level, kind, phone, path) \
                VALUES (\(bind: id), \(bind: parentID), \(bind: name), \(bind: level.rawValue), \(bind: kind.rawValue), \(bind: phone), \(bind: path))
                """).run()
            return MinshengDomain.Unit(id: id, parentID: parentID, name: name, level: level, kind: kind, phone: phone)
        }
    }

    public func updateUnit(_ u: MinshengDomain.Unit) async throws {
        try await transaction { _, db in
            guard let row = try await db.raw("SELECT path FROM units WHERE id = \(bind: u.id) FOR UPDATE").first() else {
                throw StoreError.conflict("unit \(u.id) does not exist")
            }
            let oldPath = try row.decode(column: "path", as: String.self)
            var newPath = "/\(u.id)/"
            if let p = u.parentID {
                guard let prow = try await db.raw("SELECT path FROM units WHERE id = \(bind: p)").first() else {
                    throw StoreError.conflict("parent unit \(p) does not exist")
                }
                let parentPath = try prow.decode(column: "path", as: String.self)
                guard !parentPath.hasPrefix(oldPath) else { throw StoreError.conflict("unit \(u.id) cannot move below itself") }
                newPath = parentPath + "\(u.id)/"
            }
            try await db.raw("""
                UPDATE units SET parent_id = \(bind: u.parentID), name = \(bind: u.name), level = \(bind: u.level.rawValue), \
                kind = \(bind: u.kind.rawValue), phone = \(bind: u.phone), path = \(bind: newPath) WHERE id = \(bind: u.id)
                """).run()
            if newPath != oldPath {
                // The subtree: every path under the old one, an index range on units_path (byte order, COLLATE "C").
                try await db.raw("""
                    UPDATE units SET path = CAST(\(bind: newPath) AS text) || substr(path, CAST(\(bind: oldPath.count + 1) AS integer)) \
                    WHERE path >= \(bind: oldPath) AND path < \(bind: oldPath + "\u{7F}") AND id != \(bind: u.id)
                    """).run()
            }
        }
    }

    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await read { db in try await db.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.decode(column: "value", as: String.self) }
    }

    public func setSetting(_ key: String, _ value: String?) async throws {
        // One way to write a setting: the read–change–write of `updateSetting`, ignoring what was there.
        _ = try await updateSetting(key) { _ in value }
    }

    public func updateSetting(_ key: String, _ change: @escaping @Sendable (String?) throws -> String?) async throws -> String? {
        let now = Int64(Date().timeIntervalSince1970)
        return try await transaction { _, db in
            // Two admins changing one setting at once take turns: the advisory lock covers a key that has no row yet,
            // which FOR UPDATE cannot.
            try await db.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "setting:" + key)))").run()
            let old = try await db.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.decode(column: "value", as: String.self)
            let new = try change(old)
            if let new {
                try await db.raw("""
                    INSERT INTO settings (key, value, updated_at) VALUES (\(bind: key), \(bind: new), \(bind: now)) \
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """).run()
            } else {
                try await db.raw("DELETE FROM settings WHERE key = \(bind: key)").run()
            }
            return new
        }
    }

    // MARK: Deadline watch and notices

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

    static let noticeColumns = "id, dedupe_key, case_id, kind, recipient_unit, phone, message, created_at, attempts, sent_at, last_error"

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

    public func markNoticeSent(_ id: Int64, at: Instant) async throws {
        try await transaction { _, db in
            try await db.raw("UPDATE outbox SET sent_at = \(bind: at.seconds), attempts = attempts + 1, last_error = NULL WHERE id = \(bind: id)").run()
            // The acknowledgement with the tracking code reached the citizen: that is when the case was acknowledged.
            try await db.raw("""
                UPDATE cases SET acknowledged_at = \(bind: at.seconds) WHERE acknowledged_at IS NULL \
                AND id = (SELECT case_id FROM outbox WHERE id = \(bind: id) AND kind = 'ack')
                """).run()
        }
    }

    public func markNoticeFailed(_ id: Int64, error: String, retryAt: Instant) async throws {
        try await transaction { _, db in
            try await db.raw("""
                UPDATE outbox SET attempts = attempts + 1, last_error = \(bind: String(error.prefix(500))), next_attempt_at = \(bind: retryAt.seconds) \
                WHERE id = \(bind: id) AND sent_at IS NULL
                """).run()
        }
    }

    public func notices(of caseID: CaseID) async throws -> [Notice] {
        try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.noticeColumns) FROM outbox WHERE case_id = \(bind: caseID) ORDER BY id").all().map(Self.noticeRow)
        }
    }

    public func noticeBacklog() async throws -> Int {
        try await read { db in try await db.raw("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    static func noticeRow(_ r: any SQLRow) throws -> Notice {
        Notice(id: try r.decode(column: "id", as: Int64.self),
               dedupeKey: try r.decode(column: "dedupe_key", as: String.self),
               caseID: try r.decode(column: "case_id", as: Int64.self),
               kind: try r.decode(column: "kind", as: String.self),
               recipientUnit: try r.decode(column: "recipient_unit", as: Int64?.self),
               phone: try r.decode(column: "phone", as: String?.self),
               message: try r.decode(column: "message", as: String.self),
               createdAt: Instant(seconds: try r.decode(column: "created_at", as: Int64.self)),
               attempts: try r.decode(column: "attempts", as: Int.self),
               sentAt: try r.decode(column: "sent_at", as: Int64?.self).map { Instant(seconds: $0) },
               lastError: try r.decode(column: "last_error", as: String?.self))
    }

    // MARK: Texts, calls, attachments, disclosures

    public func caseTexts(after id: CaseID, limit: Int) async throws -> [(id: CaseID, title: String, content: String)] {
        let rows = try await read { db in
            try await db.raw("""
                SELECT id, title, doc::json->>'content' AS content FROM cases WHERE id > \(bind: id) ORDER BY id LIMIT \(literal: max(1, min(limit, 10_000)))
                """).all()
        }
        return try rows.map { r in
            (try r.decode(column: "id", as: Int64.self), try r.decode(column: "title", as: String.self),
             try r.decode(column: "content", as: String?.self) ?? "")
        }
    }

    public func recordCall(_ call: Call) async throws -> Call {
        try await transaction { _, db in
            try await db.raw("""
                INSERT INTO calls (call_id, caller_key, caller_sealed, recording, started_at, user_id, case_id)
                VALUES (\(bind: call.id), \(bind: call.callerKey), \(bind: call.callerSealed), \(bind: call.recording),
                        \(bind: call.startedAt.seconds), \(bind: call.userID), \(bind: call.caseID))
                ON CONFLICT (call_id) DO NOTHING
                """).run()
            return try await Self.callRow(db, call.id)!
        }
    }

    public func call(_ id: String) async throws -> Call? {
        try await read { db in try await Self.callRow(db, id) }
    }

    public func linkCall(_ id: String, to caseID: CaseID) async throws {
        try await transaction { _, db in
            try await db.raw("UPDATE calls SET case_id = \(bind: caseID) WHERE call_id = \(bind: id) AND case_id IS NULL").run()
        }
    }

    static func callRow(_ db: any SQLDatabase, _ id: String) async throws -> Call? {
        guard let r = try await db.raw("SELECT call_id, caller_key, caller_sealed, recording, started_at, user_id, case_id FROM calls WHERE call_id = \(bind: id)").first() else { return nil }
        return Call(id: try r.decode(column: "call_id", as: String.self), callerKey: try r.decode(column: "caller_key", as: String?.self),
                    callerSealed: try r.decode(column: "caller_sealed", as: String?.self), recording: try r.decode(column: "recording", as: String?.self),
                    startedAt: Instant(seconds: try r.decode(column: "started_at", as: Int64.self)), userID: try r.decode(column: "user_id", as: Int64?.self),
                    caseID: try r.decode(column: "case_id", as: Int64?.self))
    }

    public func addAttachment(_ a: Attachment) async throws -> Attachment {
        try await transaction { _, db in
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
        try await read { db in
            try await db.raw("SELECT id, case_id, sha256, name, type, size, at FROM attachments WHERE case_id = \(bind: caseID) ORDER BY id").all().map { r in
                Attachment(id: try r.decode(column: "id", as: Int64.self), caseID: try r.decode(column: "case_id", as: Int64.self),
                           sha256: try r.decode(column: "sha256", as: String.self), name: try r.decode(column: "name", as: String.self),
                           type: try r.decode(column: "type", as: String.self), size: try r.decode(column: "size", as: Int.self),
                           at: Instant(seconds: try r.decode(column: "at", as: Int64.self)))
            }
        }
    }

    public func disclose(_ d: Disclosure) async throws {
        try await transaction { _, db in
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
        return try await read { db in
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
