import MinshengDomain
import MinshengText
import PostgresNIO
import SQLKit

/// Leader reception days (领导接访日) and acknowledgement times (GB/T 33358) on PostgreSQL.
extension PostgresStore {
    public func bookReception(_ booking: ReceptionBooking, registration: Registration) async throws -> (ReceptionBooking, Case) {
        let prepared = try PreparedRegistration(registration)
        do {
            return try await transaction { conn, db in
                // Nodes book concurrently: the partial unique index decides; this check only gives the common case a
                // clear answer before any insert.
                let taken = try await db.raw("""
                    SELECT 1 FROM reception_bookings WHERE schedule_id = \(bind: booking.scheduleID) AND day = \(bind: booking.day.description) \
                    AND slot = \(bind: booking.slot) AND cancelled_at IS NULL
                    """).first()
                guard taken == nil else { throw StoreError.conflict("slot_taken") }
                let c = try await self.insertRegistrations(conn, [prepared])[0].case
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
        } catch where Self.isUniqueViolation(error) {
            // Another node's booking of the same slot committed first: this transaction (and its case) rolled back.
            throw StoreError.conflict("slot_taken")
        }
    }
}

extension PostgresStore {
    /// Writes the search rows of cases copied in by `Transfer` (registration writes its own).
    func indexSearch(_ texts: [(CaseID, String, String)]) async throws {
        guard !texts.isEmpty else { return }
        var binds = PostgresBindings(capacity: texts.count * 2)
        for (id, title, content) in texts {
            binds.append(id)
            binds.append(Self.searchVector(title: SearchTokens.indexText(title), body: SearchTokens.indexText(content)))
        }
        try await transaction { conn, _ in
            try await self.run(conn, "INSERT INTO case_search (case_id, tsv) VALUES" + Self.placeholders(rows: texts.count, columns: 2, casts: [1: "tsvector"]) +
                               " ON CONFLICT DO NOTHING", binds)
        }
    }
}
