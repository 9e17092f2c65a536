import MinshengDomain
import PostgresNIO
import SQLKit

/// Booking a leader's reception slot (领导接访日) with its case: several nodes book at once, the unique index decides.
extension PostgresStore {
    public func bookReception(_ booking: ReceptionBooking, registration: Registration) async throws -> (ReceptionBooking, Case) {
        let prepared = try PreparedRegistration(registration)
        do {
            // Nodes book concurrently: the partial unique index decides; the check in `book` only gives the common case
            // a clear answer before any insert.
            return try await transaction { conn, db in
                try await Self.book(db, booking) { try await self.insertRegistrations(conn, [prepared])[0].case }
            }
        } catch where Self.isUniqueViolation(error) {
            // Another node's booking of the same slot committed first: this transaction (and its case) rolled back.
            throw StoreError.conflict("slot_taken")
        }
    }
}
