import MinshengDomain
import SQLKit

/// Booking a leader's reception slot (领导接访日) with its case, on the single writer.
extension SQLiteStore {
    public func bookReception(_ booking: ReceptionBooking, registration: Registration) async throws -> (ReceptionBooking, Case) {
        let prepared = try PreparedRegistration(registration)
        return try await write { db in
            // The single writer serialises bookings; the unique index would refuse a second one anyway.
            let taken = try await db.raw("""
                SELECT 1 FROM reception_bookings WHERE schedule_id = \(bind: booking.scheduleID) AND day = \(bind: booking.day.description) \
                AND slot = \(bind: booking.slot) AND cancelled_at IS NULL
                """).first()
            guard taken == nil else { throw StoreError.conflict("slot_taken") }
            let c = try await self.insertRegistrations([prepared])[0].case
            if let owner = c.owner {
                try await db.raw("UPDATE cases SET owner_id = \(bind: owner.id) WHERE id = \(bind: c.id)").run()
            }
            let row = try await db.raw("""
                INSERT INTO reception_bookings (schedule_id, day, slot, starts_at, case_id, created_at) VALUES \
                (\(bind: booking.scheduleID), \(bind: booking.day.description), \(bind: booking.slot), \(bind: booking.startsAt.seconds), \
                \(bind: c.id), \(bind: booking.createdAt.seconds)) RETURNING \(unsafeRaw: Self.bookingColumns)
                """).first()!
            return (try Self.bookingRow(row), c)
        }
    }
}
