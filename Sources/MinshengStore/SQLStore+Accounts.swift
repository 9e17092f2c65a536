import MinshengDomain
import SQLKit

/// Staff accounts, credentials and the two logs, on both engines.
extension SQLStore {
    static var userColumns: String { "id, login, name, unit_id, roles, password_hash, disabled, failed_logins, locked_until, created_at, password_changed_at, must_change_password" }
    static var tokenColumns: String { "id, hash, user_id, kind, label, created_at, last_used_at, expires_at, idle_seconds, revoked_at, csrf" }

    public func createUser(_ user: User) async throws -> User {
        try await writing { db in
            if try await db.raw("SELECT id FROM users WHERE login = \(bind: user.login)").first() != nil {
                throw StoreError.conflict("登录名 \(user.login) 已被使用")
            }
            let row = try await db.raw("""
                INSERT INTO users (login, name, unit_id, roles, password_hash, disabled, failed_logins, locked_until,
                                   created_at, password_changed_at, must_change_password)
                VALUES (\(bind: user.login), \(bind: user.name), \(bind: user.unit), \(bind: Self.rolesText(user.roles)),
                        \(bind: user.passwordHash), \(bind: user.disabled ? 1 : 0), \(bind: user.failedLogins),
                        \(bind: user.lockedUntil?.seconds), \(bind: user.createdAt.seconds), \(bind: user.passwordChangedAt.seconds),
                        \(bind: user.mustChangePassword ? 1 : 0))
                ON CONFLICT (login) DO NOTHING
                RETURNING id
                """).first()
            // ON CONFLICT: another node creating the same login at this moment is refused the same way.
            guard let row else { throw StoreError.conflict("登录名 \(user.login) 已被使用") }
            var u = user
            u.id = try row.decode(column: "id", as: Int64.self)
            return u
        }
    }

    public func user(id: Int64) async throws -> User? {
        try await reading { db in try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id)").first().map(Self.userRow) }
    }

    public func user(login: String) async throws -> User? {
        try await reading { db in try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE login = \(bind: login)").first().map(Self.userRow) }
    }

    public func users(units: Set<UnitID>?, limit: Int) async throws -> [User] {
        let lim = max(1, min(limit, 5000))
        if let units {
            guard !units.isEmpty else { return [] }
            // Unit ids are integers, so the list is inlined: a bound list of thousands would exceed SQLite's limit.
            let list = units.sorted().map(String.init).joined(separator: ",")
            return try await reading { db in
                try await db.raw("""
                    SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE unit_id IN (\(unsafeRaw: list)) \
                    ORDER BY login\(unsafeRaw: Self.byteOrder) LIMIT \(literal: lim)
                    """).all().map(Self.userRow)
            }
        }
        return try await reading { db in
            try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users ORDER BY login\(unsafeRaw: Self.byteOrder) LIMIT \(literal: lim)")
                .all().map(Self.userRow)
        }
    }

    public func userCount() async throws -> Int {
        try await reading { db in try await db.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func updateUser(id: Int64, _ change: @escaping @Sendable (inout User) throws -> Void) async throws -> User {
        try await writing { db in
            guard var u = try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id) \(SQLLockingClause.update)").first().map(Self.userRow) else {
                throw StoreError.conflict("用户 \(id) 不存在")
            }
            try change(&u)
            if try await db.raw("SELECT id FROM users WHERE login = \(bind: u.login) AND id != \(bind: id)").first() != nil {
                throw StoreError.conflict("登录名 \(u.login) 已被使用")
            }
            try await db.raw("""
                UPDATE users SET login = \(bind: u.login), name = \(bind: u.name), unit_id = \(bind: u.unit),
                    roles = \(bind: Self.rolesText(u.roles)), password_hash = \(bind: u.passwordHash), disabled = \(bind: u.disabled ? 1 : 0),
                    failed_logins = \(bind: u.failedLogins), locked_until = \(bind: u.lockedUntil?.seconds),
                    password_changed_at = \(bind: u.passwordChangedAt.seconds), must_change_password = \(bind: u.mustChangePassword ? 1 : 0)
                WHERE id = \(bind: id)
                """).run()
            return u
        }
    }

    public func insertToken(_ token: TokenRecord) async throws -> TokenRecord {
        try await writing { db in
            let row = try await db.raw("""
                INSERT INTO tokens (hash, user_id, kind, label, created_at, last_used_at, expires_at, idle_seconds, revoked_at, csrf)
                VALUES (\(bind: token.hash), \(bind: token.userID), \(bind: token.kind.rawValue), \(bind: token.label),
                        \(bind: token.createdAt.seconds), \(bind: token.lastUsedAt.seconds), \(bind: token.expiresAt.seconds),
                        \(bind: token.idleSeconds), \(bind: token.revokedAt?.seconds), \(bind: token.csrf))
                RETURNING id
                """).first()
            var t = token
            t.id = try row!.decode(column: "id", as: Int64.self)
            return t
        }
    }

    public func token(hash: String) async throws -> (TokenRecord, User)? {
        // A token just issued or revoked must be seen at once.
        try await readingLatest { db in
            guard let t = try await db.raw("SELECT \(unsafeRaw: Self.tokenColumns) FROM tokens WHERE hash = \(bind: hash)").first().map(Self.tokenRow),
                  let u = try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: t.userID)").first().map(Self.userRow)
            else { return nil }
            return (t, u)
        }
    }

    public func touchToken(id: Int64, at: Instant) async throws {
        try await writing { db in
            try await db.raw("UPDATE tokens SET last_used_at = \(unsafeRaw: Self.greatest)(last_used_at, \(bind: at.seconds)) WHERE id = \(bind: id)").run()
        }
    }

    public func revokeToken(id: Int64, at: Instant) async throws {
        try await writing { db in
            try await db.raw("UPDATE tokens SET revoked_at = \(bind: at.seconds) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
        }
    }

    @discardableResult
    public func revokeTokens(userID: Int64, at: Instant) async throws -> Int {
        try await writing { db in
            let n = try await db.raw("SELECT COUNT(*) AS n FROM tokens WHERE user_id = \(bind: userID) AND revoked_at IS NULL AND expires_at > \(bind: at.seconds)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.raw("UPDATE tokens SET revoked_at = \(bind: at.seconds) WHERE user_id = \(bind: userID) AND revoked_at IS NULL").run()
            return n
        }
    }

    public func tokens(userID: Int64) async throws -> [TokenRecord] {
        try await readingLatest { db in
            try await db.raw("SELECT \(unsafeRaw: Self.tokenColumns) FROM tokens WHERE user_id = \(bind: userID) ORDER BY id DESC LIMIT 200").all().map(Self.tokenRow)
        }
    }

    public func logAuth(_ event: AuthEvent) async throws {
        try await writing { db in
            try await db.raw("""
                INSERT INTO auth_log (at, login, user_id, outcome, address)
                VALUES (\(bind: event.at.seconds), \(bind: String(event.login.prefix(100))), \(bind: event.userID), \(bind: event.outcome), \(bind: event.address))
                """).run()
        }
    }

    public func authLog(_ query: LogQuery) async throws -> [AuthEvent] {
        let rows = try await reading { db in
            try await db.raw("""
                SELECT id, at, login, user_id, outcome, address FROM auth_log WHERE \(Self.logFilter(query, caseColumn: nil)) \
                ORDER BY id DESC LIMIT \(literal: max(1, min(query.limit, 1000)))
                """).all()
        }
        return try rows.map { r in
            AuthEvent(id: try r.decode(column: "id", as: Int64.self), at: Instant(seconds: try r.decode(column: "at", as: Int64.self)),
                      login: try r.decode(column: "login", as: String.self), userID: try r.decode(column: "user_id", as: Int64?.self),
                      outcome: try r.decode(column: "outcome", as: String.self), address: try r.decode(column: "address", as: String.self))
        }
    }

    public func logAccess(_ record: AccessRecord) async throws {
        try await writing { db in
            try await db.raw("""
                INSERT INTO access_log (at, user_id, login, unit_id, case_id, fields, address)
                VALUES (\(bind: record.at.seconds), \(bind: record.userID), \(bind: record.login), \(bind: record.unit),
                        \(bind: record.caseID), \(bind: record.fields.joined(separator: ",")), \(bind: record.address))
                """).run()
        }
    }

    public func accessLog(_ query: LogQuery) async throws -> [AccessRecord] {
        let rows = try await reading { db in
            try await db.raw("""
                SELECT id, at, user_id, login, unit_id, case_id, fields, address FROM access_log \
                WHERE \(Self.logFilter(query, caseColumn: "case_id")) ORDER BY id DESC LIMIT \(literal: max(1, min(query.limit, 1000)))
                """).all()
        }
        return try rows.map { r in
            AccessRecord(id: try r.decode(column: "id", as: Int64.self), at: Instant(seconds: try r.decode(column: "at", as: Int64.self)),
                         userID: try r.decode(column: "user_id", as: Int64.self), login: try r.decode(column: "login", as: String.self),
                         unit: try r.decode(column: "unit_id", as: Int64.self), caseID: try r.decode(column: "case_id", as: Int64.self),
                         fields: try r.decode(column: "fields", as: String.self).split(separator: ",").map(String.init),
                         address: try r.decode(column: "address", as: String.self))
        }
    }

    static func logFilter(_ q: LogQuery, caseColumn: String?) -> SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        if let u = q.userID { parts.append("user_id = \(bind: u)") }
        if let l = q.login { parts.append("login = \(bind: l)") }
        if let c = q.caseID, let col = caseColumn { parts.append("\(unsafeRaw: col) = \(bind: c)") }
        if let f = q.from { parts.append("at >= \(bind: f.seconds)") }
        if let t = q.to { parts.append("at < \(bind: t.seconds)") }
        if let b = q.before { parts.append("id < \(bind: b)") }
        return parts.joined(separator: " AND ")
    }

    static func rolesText(_ roles: Set<Role>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }

    static func userRow(_ r: any SQLRow) throws -> User {
        User(id: try r.decode(column: "id", as: Int64.self),
             login: try r.decode(column: "login", as: String.self),
             name: try r.decode(column: "name", as: String.self),
             unit: try r.decode(column: "unit_id", as: Int64.self),
             roles: Set(try r.decode(column: "roles", as: String.self).split(separator: ",").compactMap { Role(rawValue: String($0)) }),
             passwordHash: try r.decode(column: "password_hash", as: String.self),
             disabled: try r.decode(column: "disabled", as: Int.self) != 0,
             failedLogins: try r.decode(column: "failed_logins", as: Int.self),
             lockedUntil: try r.decode(column: "locked_until", as: Int64?.self).map { Instant(seconds: $0) },
             createdAt: Instant(seconds: try r.decode(column: "created_at", as: Int64.self)),
             passwordChangedAt: Instant(seconds: try r.decode(column: "password_changed_at", as: Int64.self)),
             mustChangePassword: try r.decode(column: "must_change_password", as: Int.self) != 0)
    }

    static func tokenRow(_ r: any SQLRow) throws -> TokenRecord {
        var t = TokenRecord(id: try r.decode(column: "id", as: Int64.self),
                            hash: try r.decode(column: "hash", as: String.self),
                            userID: try r.decode(column: "user_id", as: Int64.self),
                            kind: TokenKind(rawValue: try r.decode(column: "kind", as: String.self)) ?? .session,
                            label: try r.decode(column: "label", as: String.self),
                            createdAt: Instant(seconds: try r.decode(column: "created_at", as: Int64.self)),
                            expiresAt: Instant(seconds: try r.decode(column: "expires_at", as: Int64.self)),
                            idleSeconds: try r.decode(column: "idle_seconds", as: Int64?.self),
                            csrf: try r.decode(column: "csrf", as: String.self))
        t.lastUsedAt = Instant(seconds: try r.decode(column: "last_used_at", as: Int64.self))
        t.revokedAt = try r.decode(column: "revoked_at", as: Int64?.self).map { Instant(seconds: $0) }
        return t
    }
}
