import Foundation
import MinshengDomain
import SQLKit

/// A case's reads, its steps and its notices, on both engines. Registration, the case list and search stay with each
/// engine (its hot path and its own index).
extension SQLStore {
    // MARK: Steps

    public func update(_ id: CaseID, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        try await writing { db in try await self.applyUpdate(db, id, step) }
    }

    /// The body of `update`, for callers already inside a write transaction (cancelling a reception booking).
    func applyUpdate(_ db: any SQLDatabase, _ id: CaseID, _ step: @Sendable (Case) throws -> CaseChange) async throws -> Case {
        // FOR UPDATE (PostgreSQL): a second step on the same case, from this node or another, waits here for this one to
        // commit. SQLite's single writer serialises steps already.
        guard let row = try await db.raw("SELECT doc FROM cases WHERE id = \(bind: id) \(SQLLockingClause.update)").first() else {
            throw StoreError.caseNotFound(id)
        }
        let old = try Self.decodeCase(row.decode(column: "doc", as: String.self), id: id)
        let change = try step(old)
        let c = change.case
        try await db.raw("""
            UPDATE cases SET \(CaseRow.assignments(change, doc: CaseDocument.encode(c))) \
            WHERE id = \(bind: id) AND version = \(bind: Int64(old.version))
            """).run()
        if old.coHandlers != c.coHandlers {
            try await Self.setCoHandlers(db, caseID: id, old: old.coHandlers, new: c.coHandlers)
        }
        if let event = change.event {
            try await db.raw("""
                \(unsafeRaw: EventRow.insertHead) \(EventRow.values(event, caseID: id, data: CaseDocument.encodeData(event.data)))
                """).run()
            if event.action.isSupervision,
               let target = event.data["targetUnit"].flatMap(Int64.init) {
                try await db.raw("""
                    INSERT INTO supervision_record (unit_id, case_id, seq) VALUES (\(bind: target), \(bind: id), \(bind: Int64(event.seq))) \
                    ON CONFLICT DO NOTHING
                    """).run()
            }
        }
        for n in change.notices { try await Self.queueNotice(db, n, caseID: id) }
        return c
    }

    // MARK: Reads

    public func `case`(_ id: CaseID) async throws -> Case? {
        try await reading { db in
            guard let row = try await db.raw("SELECT doc FROM cases WHERE id = \(bind: id)").first() else { return nil }
            return try Self.decodeCase(row.decode(column: "doc", as: String.self), id: id)
        }
    }

    public func `case`(trackingCode: String) async throws -> Case? {
        try await reading { db in
            try await db.raw("SELECT id, doc FROM cases WHERE tracking_code = \(bind: trackingCode)").first().map(Self.caseRow)
        }
    }

    public func events(of id: CaseID) async throws -> [CaseEvent] {
        try await reading { db in
            try await db.raw("SELECT \(unsafeRaw: Self.eventColumns) FROM case_events WHERE case_id = \(bind: id) ORDER BY seq")
                .all().map(Self.eventRow)
        }
    }

    public func cases(citizenKey: String, since: Instant, limit: Int) async throws -> [Case] {
        try await reading { db in
            try await db.raw("""
                SELECT id, doc FROM cases WHERE citizen_key = \(bind: citizenKey) AND registered_at >= \(bind: since.seconds) \
                ORDER BY registered_at DESC, id DESC LIMIT \(literal: max(1, min(limit, 100)))
                """).all().map(Self.caseRow)
        }
    }

    public func supervisionRecord(unit: UnitID, limit: Int) async throws -> [CaseEvent] {
        try await reading { db in
            try await db.raw("""
                SELECT e.case_id, e.seq, e.action, e.at, e.actor_id, e.actor_name, e.role, e.unit_id, e.from_state, e.to_state, e.note, e.data
                FROM supervision_record r JOIN case_events e ON e.case_id = r.case_id AND e.seq = r.seq
                WHERE r.unit_id = \(bind: unit) ORDER BY e.at DESC, e.case_id DESC, e.seq DESC LIMIT \(literal: max(1, min(limit, 1000)))
                """).all().map(Self.eventRow)
        }
    }

    public func caseCount() async throws -> Int {
        try await reading { db in try await db.raw("SELECT COUNT(*) AS n FROM cases").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func caseTexts(after id: CaseID, limit: Int) async throws -> [(id: CaseID, title: String, content: String)] {
        let rows = try await reading { db in
            try await db.raw("""
                SELECT id, title, \(unsafeRaw: Self.jsonText("doc", "content")) AS content FROM cases WHERE id > \(bind: id) ORDER BY id LIMIT \(literal: max(1, min(limit, 10_000)))
                """).all()
        }
        return try rows.map { r in
            (try r.decode(column: "id", as: Int64.self), try r.decode(column: "title", as: String.self),
             try r.decode(column: "content", as: String?.self) ?? "")
        }
    }

    // MARK: Notices (the claims are each engine's own)

    public func markNoticeSent(_ id: Int64, at: Instant) async throws {
        try await writing { db in
            try await db.raw("UPDATE outbox SET sent_at = \(bind: at.seconds), attempts = attempts + 1, last_error = NULL WHERE id = \(bind: id)").run()
            // The acknowledgement with the tracking code reached the citizen: that is when the case was acknowledged.
            try await db.raw("""
                UPDATE cases SET acknowledged_at = \(bind: at.seconds) WHERE acknowledged_at IS NULL \
                AND id = (SELECT case_id FROM outbox WHERE id = \(bind: id) AND kind = 'ack')
                """).run()
        }
    }

    public func markNoticeFailed(_ id: Int64, error: String, retryAt: Instant) async throws {
        try await writing { db in
            try await db.raw("""
                UPDATE outbox SET attempts = attempts + 1, last_error = \(bind: String(error.prefix(500))), next_attempt_at = \(bind: retryAt.seconds) \
                WHERE id = \(bind: id) AND sent_at IS NULL
                """).run()
        }
    }

    public func notices(of caseID: CaseID) async throws -> [Notice] {
        try await reading { db in
            try await db.raw("SELECT \(unsafeRaw: Self.noticeColumns) FROM outbox WHERE case_id = \(bind: caseID) ORDER BY id").all().map(Self.noticeRow)
        }
    }

    public func noticeBacklog() async throws -> Int {
        try await reading { db in try await db.raw("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

}
