import MinshengDomain
import SQLKit

/// Hotline calls (来电) and their link to a case, on both engines.
extension SQLStore {
    public func recordCall(_ call: Call) async throws -> Call {
        try await writing { db in
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
        // A call just reported must be found at once.
        try await readingLatest { db in try await Self.callRow(db, id) }
    }

    public func linkCall(_ id: String, to caseID: CaseID) async throws {
        try await writing { db in
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
}
