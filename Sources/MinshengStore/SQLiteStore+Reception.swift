import MinshengDomain
import SQLiteNIO

/// Leader reception days (领导接访日) and acknowledgement times (GB/T 33358).
extension SQLiteStore {
    static let bookingColumns = "id, schedule_id, day, slot, starts_at, case_id, created_at, cancelled_at"

    static func bookingRow(_ row: SQLiteRow) -> ReceptionBooking {
        ReceptionBooking(id: Int64(row.column("id")?.integer ?? 0), scheduleID: row.column("schedule_id")?.string ?? "",
                         day: row.column("day")?.string.flatMap(Day.init) ?? Day(daysSinceEpoch: 0), slot: row.column("slot")?.integer ?? 0,
                         startsAt: Instant(seconds: Int64(row.column("starts_at")?.integer ?? 0)),
                         caseID: Int64(row.column("case_id")?.integer ?? 0),
                         createdAt: Instant(seconds: Int64(row.column("created_at")?.integer ?? 0)),
                         cancelledAt: row.column("cancelled_at")?.integer.map { Instant(seconds: Int64($0)) })
    }

    public func bookReception(_ booking: ReceptionBooking, registration: Registration) async throws -> (ReceptionBooking, Case) {
        let prepared = try PreparedRegistration(registration)
        let conn = writerConnection
        return try await write { _ in
            // The single writer serialises bookings; the unique index would refuse a second one anyway.
            let taken = try await conn.query("""
                SELECT 1 FROM reception_bookings WHERE schedule_id = ? AND day = ? AND slot = ? AND cancelled_at IS NULL
                """, [.text(booking.scheduleID), .text(booking.day.description), .integer(booking.slot)])
            guard taken.isEmpty else { throw StoreError.conflict("slot_taken") }
            let outcome = try await self.insertRegistrations([prepared])[0]
            let c = outcome.case
            if let owner = c.owner {
                _ = try await conn.query("UPDATE cases SET owner_id = ? WHERE id = ?", [.text(owner.id), .integer(Int(c.id))])
            }
            let row = try await conn.query("""
                INSERT INTO reception_bookings (schedule_id, day, slot, starts_at, case_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
                RETURNING \(Self.bookingColumns)
                """, [.text(booking.scheduleID), .text(booking.day.description), .integer(booking.slot),
                      .integer(Int(booking.startsAt.seconds)), .integer(Int(c.id)), .integer(Int(booking.createdAt.seconds))])
            return (Self.bookingRow(row[0]), c)
        }
    }

    public func receptionBookings(scheduleID: String?, from: Day, through: Day) async throws -> [ReceptionBooking] {
        var sql = "SELECT \(Self.bookingColumns) FROM reception_bookings WHERE cancelled_at IS NULL AND day >= ? AND day <= ?"
        var binds: [SQLiteData] = [.text(from.description), .text(through.description)]
        if let scheduleID { sql += " AND schedule_id = ?"; binds.append(.text(scheduleID)) }
        let query = sql + " ORDER BY day, slot", values = binds
        // On the writer: a booking just made must show as taken at once.
        return try await write { _ in try await self.writerConnection.query(query, values).map(Self.bookingRow) }
    }

    public func receptionBooking(caseID: CaseID) async throws -> ReceptionBooking? {
        try await readerConnection.query("SELECT \(Self.bookingColumns) FROM reception_bookings WHERE case_id = ? ORDER BY id DESC LIMIT 1",
                                         [.integer(Int(caseID))]).first.map(Self.bookingRow)
    }

    public func cancelReception(caseID: CaseID, at: Instant, _ step: @escaping @Sendable (Case) throws -> CaseChange) async throws -> Case {
        let conn = writerConnection
        return try await write { _ in
            let live = try await conn.query("SELECT id FROM reception_bookings WHERE case_id = ? AND cancelled_at IS NULL", [.integer(Int(caseID))])
            guard let bid = live.first?.column("id")?.integer else { throw StoreError.conflict("no_booking") }
            _ = try await conn.query("UPDATE reception_bookings SET cancelled_at = ? WHERE id = ?", [.integer(Int(at.seconds)), .integer(bid)])
            return try await self.applyUpdate(self.writer, caseID, step)
        }
    }

    public func acknowledgements(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> [AcknowledgementRow] {
        guard from < to else { return [] }
        return try await readerConnection.query("""
            SELECT channel, registered_at, acknowledged_at FROM cases WHERE registered_at >= ? AND registered_at < ?\(Self.scopeCondition(scope))
            """, [.integer(Int(from.seconds)), .integer(Int(to.seconds))]).map { row in
            AcknowledgementRow(channel: row.column("channel")?.string ?? "",
                               registeredAt: Instant(seconds: Int64(row.column("registered_at")?.integer ?? 0)),
                               acknowledgedAt: row.column("acknowledged_at")?.integer.map { Instant(seconds: Int64($0)) })
        }
    }
}
