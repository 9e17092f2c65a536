import MinshengDomain
import SQLKit

/// Leader reception days (领导接访日) and acknowledgement times (GB/T 33358), on both engines; booking a slot (its
/// registration) is each engine's own.
extension SQLStore {
    static var bookingColumns: String { "id, schedule_id, day, slot, starts_at, case_id, created_at, cancelled_at" }

    static func bookingRow(_ row: any SQLRow) throws -> ReceptionBooking {
        ReceptionBooking(id: try row.decode(column: "id", as: Int64.self), scheduleID: try row.decode(column: "schedule_id", as: String.self),
                         day: Day(try row.decode(column: "day", as: String.self)) ?? Day(daysSinceEpoch: 0),
                         slot: try row.decode(column: "slot", as: Int.self),
                         startsAt: Instant(seconds: try row.decode(column: "starts_at", as: Int64.self)),
                         caseID: try row.decode(column: "case_id", as: Int64.self),
                         createdAt: Instant(seconds: try row.decode(column: "created_at", as: Int64.self)),
                         cancelledAt: try row.decode(column: "cancelled_at", as: Int64?.self).map { Instant(seconds: $0) })
    }

    /// The body of `bookReception`, inside the engine's write transaction: the slot must be free, `register` inserts
    /// the booking's case (the engine's registration path), a leader named as owner takes it, the booking row follows.
    static func book(_ db: any SQLDatabase, _ booking: ReceptionBooking, register: () async throws -> Case) async throws -> (ReceptionBooking, Case) {
        let taken = try await db.raw("""
            SELECT 1 FROM reception_bookings WHERE schedule_id = \(bind: booking.scheduleID) AND day = \(bind: booking.day.description) \
            AND slot = \(bind: booking.slot) AND cancelled_at IS NULL
            """).first()
        guard taken == nil else { throw StoreError.conflict("slot_taken") }
        let c = try await register()
        if let owner = c.owner {
            try await db.raw("UPDATE cases SET owner_id = \(bind: owner.id) WHERE id = \(bind: c.id)").run()
        }
        let row = try await db.raw("""
            INSERT INTO reception_bookings (schedule_id, day, slot, starts_at, case_id, created_at) VALUES \
            (\(bind: booking.scheduleID), \(bind: booking.day.description), \(bind: booking.slot), \(bind: booking.startsAt.seconds), \
            \(bind: c.id), \(bind: booking.createdAt.seconds)) RETURNING \(unsafeRaw: Self.bookingColumns)
            """).first()!
        return (try bookingRow(row), c)
    }

    public func receptionBookings(scheduleID: String?, from: Day, through: Day) async throws -> [ReceptionBooking] {
        // A booking just made must show as taken at once.
        try await readingLatest { db in
            var sql: SQLQueryString = """
                SELECT \(unsafeRaw: Self.bookingColumns) FROM reception_bookings WHERE cancelled_at IS NULL \
                AND day >= \(bind: from.description) AND day <= \(bind: through.description)
                """
            if let scheduleID { sql = sql + " AND schedule_id = \(bind: scheduleID)" }
            return try await db.raw(sql + " ORDER BY day, slot").all().map(Self.bookingRow)
        }
    }

    public func receptionBooking(caseID: CaseID) async throws -> ReceptionBooking? {
        try await reading { db in
            try await db.raw("SELECT \(unsafeRaw: Self.bookingColumns) FROM reception_bookings WHERE case_id = \(bind: caseID) ORDER BY id DESC LIMIT 1")
                .first().map(Self.bookingRow)
        }
    }

    public func cancelReception(caseID: CaseID, at: Instant, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        try await writing { db in
            guard let live = try await db.raw("""
                SELECT id FROM reception_bookings WHERE case_id = \(bind: caseID) AND cancelled_at IS NULL \(SQLLockingClause.update)
                """).first() else { throw StoreError.conflict("no_booking") }
            let bid = try live.decode(column: "id", as: Int64.self)
            try await db.raw("UPDATE reception_bookings SET cancelled_at = \(bind: at.seconds) WHERE id = \(bind: bid)").run()
            return try await self.applyUpdate(db, caseID, step)
        }
    }

    public func acknowledgements(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> [AcknowledgementRow] {
        guard from < to else { return [] }
        return try await reading { db in
            try await db.raw("""
                SELECT channel, registered_at, acknowledged_at FROM cases \
                WHERE registered_at >= \(bind: from.seconds) AND registered_at < \(bind: to.seconds)\(unsafeRaw: Self.scopeCondition(scope))
                """).all().map { row in
                AcknowledgementRow(channel: try row.decode(column: "channel", as: String.self),
                                   registeredAt: Instant(seconds: try row.decode(column: "registered_at", as: Int64.self)),
                                   acknowledgedAt: try row.decode(column: "acknowledged_at", as: Int64?.self).map { Instant(seconds: $0) })
            }
        }
    }
}
