import Foundation
import SQLKit

/// Admin-editable settings (JSON values by key), on both engines.
extension SQLStore {
    public func setting(_ key: String) async throws -> String? {
        try await reading { db in try await db.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.decode(column: "value", as: String.self) }
    }

    public func setSetting(_ key: String, _ value: String?) async throws {
        // One way to write a setting: the read–change–write of `updateSetting`, ignoring what was there.
        _ = try await updateSetting(key) { _ in value }
    }

    public func updateSetting(_ key: String, _ change: @escaping @Sendable (String?) throws -> String?) async throws -> String? {
        let now = Int64(Date().timeIntervalSince1970)
        return try await writing { db in
            // Two admins changing one setting at once take turns, even while the key has no row yet.
            try await self.serialize(db, .setting(key))
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
}
