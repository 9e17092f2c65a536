import MinshengDomain
import SQLKit

/// Booking a leader's reception slot (领导接访日) with its case, on the single writer.
extension SQLiteStore {
    public func bookReception(_ booking: ReceptionBooking, registration: Registration) async throws -> (ReceptionBooking, Case) {
        let prepared = try PreparedRegistration(registration)
        // The single writer serialises bookings; the unique index would refuse a second one anyway.
        return try await write { db in
            try await Self.book(db, booking) { try await self.insertRegistrations([prepared])[0].case }
        }
    }
}
