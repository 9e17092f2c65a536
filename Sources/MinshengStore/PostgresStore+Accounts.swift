import Foundation
import MinshengDomain
import SQLKit

extension PostgresStore {
    static var userColumns: String { SQLiteStore.userColumns }
    static var tokenColumns: String { SQLiteStore.tokenColumns }

    public func createUser(_ user: User) async throws -> User {
        try await transaction { _, db in
            if try await db.raw("SELECT id FROM users WHERE login = \(bind: user.login)").first() != nil {
                throw StoreError.conflict("登录名 \(user.login) 已被使用")
            }
            // ON CONFLICT: another node creating the same login at this moment is refused the same way.
            let row = try await db.raw("""
                INSERT INTO users (login, name, unit_id, roles, password_hash, disabled, failed_logins, locked_until,
                                   created_at, password_changed_at, must_change_password)
                VALUES (\(bind: user.login), \(bind: user.name), \(bind: user.unit), \(bind: SQLiteStore.rolesText(user.roles)),
                        \(bind: user.passwordHash), \(bind: user.disabled ? 1 : 0), \(bind: user.failedLogins),
                        \(bind: user.lockedUntil?.seconds), \(bind: user.createdAt.seconds), \(bind: user.passwordChangedAt.seconds),
                        \(bind: user.mustChangePassword ? 1 : 0))
                ON CONFLICT (login) DO NOTHING
                RETURNING id
                """).first()
            guard let row else { throw StoreError.conflict("登录名 \(user.login) 已被使用") }
            var u = user
            u.id = try row.decode(column: "id", as: Int64.self)
            return u
        }
    }

    public func user(id: Int64) async throws -> User? {
        try await read { db in try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id)").first().map(SQLiteStore.userRow) }
    }

    public func user(login: String) async throws -> User? {
        try await read { db in try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE login = \(bind: login)").first().map(SQLiteStore.userRow) }
    }

    public func users(units: Set<UnitID>?, limit: Int) async throws -> [User] {
        let lim = max(1, min(limit, 5000))
        if let units {
            guard !units.isEmpty else { return [] }
            let list = units.sorted()
            return try await read { db in
                try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE unit_id = ANY(\(bind: list)) ORDER BY login COLLATE \"C\" LIMIT \(literal: lim)")
                    .all().map(SQLiteStore.userRow)
            }
        }
        return try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users ORDER BY login COLLATE \"C\" LIMIT \(literal: lim)").all().map(SQLiteStore.userRow)
        }
    }

    public func userCount() async throws -> Int {
        try await read { db in try await db.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func updateUser(id: Int64, _ change: @escaping @Sendable (inout User) throws -> Void) async throws -> User {
        try await transaction { _, db in
            guard var u = try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id) FOR UPDATE").first().map(SQLiteStore.userRow) else {
                throw StoreError.conflict("用户 \(id) 不存在")
            }
            try change(&u)
            if try await db.raw("SELECT id FROM users WHERE login = \(bind: u.login) AND id != \(bind: id)").first() != nil {
                throw StoreError.conflict("登录名 \(u.login) 已被使用")
            }
            try await db.raw("""
                UPDATE users SET login = \(bind: u.login), name = \(bind: u.name), unit_id = \(bind: u.unit),
                    roles = \(bind: SQLiteStore.rolesText(u.roles)), password_hash = \(bind: u.passwordHash), disabled = \(bind: u.disabled ? 1 : 0),
                    failed_logins = \(bind: u.failedLogins), locked_until = \(bind: u.lockedUntil?.seconds),
                    password_changed_at = \(bind: u.passwordChangedAt.seconds), must_change_password = \(bind: u.mustChangePassword ? 1 : 0)
                WHERE id = \(bind: id)
                """).run()
            return u
        }
    }

    public func insertToken(_ token: TokenRecord) async throws -> TokenRecord {
        try await transaction { _, db in
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
        // On the primary, like every read here: a token just issued or revoked on another node is seen at once.
        try await read { db in
            guard let t = try await db.raw("SELECT \(unsafeRaw: Self.tokenColumns) FROM tokens WHERE hash = \(bind: hash)").first().map(SQLiteStore.tokenRow),
                  let u = try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: t.userID)").first().map(SQLiteStore.userRow)
            else { return nil }
            return (t, u)
        }
    }

    public func touchToken(id: Int64, at: Instant) async throws {
        try await transaction { _, db in
            try await db.raw("UPDATE tokens SET last_used_at = GREATEST(last_used_at, \(bind: at.seconds)) WHERE id = \(bind: id)").run()
        }
    }

    public func revokeToken(id: Int64, at: Instant) async throws {
        try await transaction { _, db in
            try await db.raw("UPDATE tokens SET revoked_at = \(bind: at.seconds) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
        }
    }

    @discardableResult
    public func revokeTokens(userID: Int64, at: Instant) async throws -> Int {
        try await transaction { _, db in
            let n = try await db.raw("SELECT COUNT(*) AS n FROM tokens WHERE user_id = \(bind: userID) AND revoked_at IS NULL AND expires_at > \(bind: at.seconds)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.raw("UPDATE tokens SET revoked_at = \(bind: at.seconds) WHERE user_id = \(bind: userID) AND revoked_at IS NULL").run()
            return n
        }
    }

    public func tokens(userID: Int64) async throws -> [TokenRecord] {
        try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.tokenColumns) FROM tokens WHERE user_id = \(bind: userID) ORDER BY id DESC LIMIT 200").all().map(SQLiteStore.tokenRow)
        }
    }

    public func logAuth(_ event: AuthEvent) async throws {
        try await transaction { _, db in
            try await db.raw("""
                INSERT INTO auth_log (at, login, user_id, outcome, address)
                VALUES (\(bind: event.at.seconds), \(bind: String(event.login.prefix(100))), \(bind: event.userID), \(bind: event.outcome), \(bind: event.address))
                """).run()
        }
    }

    public func authLog(_ query: LogQuery) async throws -> [AuthEvent] {
        let rows = try await read { db in
            try await db.raw("SELECT id, at, login, user_id, outcome, address FROM auth_log WHERE \(SQLiteStore.logFilter(query, caseColumn: nil)) ORDER BY id DESC LIMIT \(literal: max(1, min(query.limit, 1000)))").all()
        }
        return try rows.map { r in
            AuthEvent(id: try r.decode(column: "id", as: Int64.self), at: Instant(seconds: try r.decode(column: "at", as: Int64.self)),
                      login: try r.decode(column: "login", as: String.self), userID: try r.decode(column: "user_id", as: Int64?.self),
                      outcome: try r.decode(column: "outcome", as: String.self), address: try r.decode(column: "address", as: String.self))
        }
    }

    public func logAccess(_ record: AccessRecord) async throws {
        try await transaction { _, db in
            try await db.raw("""
                INSERT INTO access_log (at, user_id, login, unit_id, case_id, fields, address)
                VALUES (\(bind: record.at.seconds), \(bind: record.userID), \(bind: record.login), \(bind: record.unit),
                        \(bind: record.caseID), \(bind: record.fields.joined(separator: ",")), \(bind: record.address))
                """).run()
        }
    }

    public func accessLog(_ query: LogQuery) async throws -> [AccessRecord] {
        let rows = try await read { db in
            try await db.raw("SELECT id, at, user_id, login, unit_id, case_id, fields, address FROM access_log WHERE \(SQLiteStore.logFilter(query, caseColumn: "case_id")) ORDER BY id DESC LIMIT \(literal: max(1, min(query.limit, 1000)))").all()
        }
        return try rows.map { r in
            AccessRecord(id: try r.decode(column: "id", as: Int64.self), at: Instant(seconds: try r.decode(column: "at", as: Int64.self)),
                         userID: try r.decode(column: "user_id", as: Int64.self), login: try r.decode(column: "login", as: String.self),
                         unit: try r.decode(column: "unit_id", as: Int64.self), caseID: try r.decode(column: "case_id", as: Int64.self),
                         fields: try r.decode(column: "fields", as: String.self).split(separator: ",").map(String.init),
                         address: try r.decode(column: "address", as: String.self))
        }
    }
}

extension PostgresStore {
    // MARK: Dashboard and statistics

    /// The scope filter of the dashboard's counts: the case's holder, center or location is one of the units (an
    /// int8[] bound once).
    static func scopeCondition(_ scope: Set<UnitID>?) -> SQLQueryString {
        guard let scope else { return "" }
        let list = scope.sorted()
        return " AND (holder_unit = ANY(\(bind: list)) OR center_unit = ANY(\(bind: list)) OR location_unit = ANY(\(bind: list)))"
    }

    public func caseVolume(from: Instant, to: Instant, scope: Set<UnitID>?) async throws -> CaseVolume {
        guard from < to else { return CaseVolume() }
        let base: SQLQueryString = "FROM cases WHERE registered_at >= \(bind: from.seconds) AND registered_at < \(bind: to.seconds)\(Self.scopeCondition(scope))"
        let offset = Int64(ChinaTime.offsetSeconds)
        return try await snapshot { db in
            var v = CaseVolume()
            for row in try await db.raw("SELECT (registered_at + \(literal: offset)) / 86400 AS d, channel, COUNT(*) AS n \(base) GROUP BY 1, 2").all() {
                let n = try row.decode(column: "n", as: Int.self)
                v.byDayChannel[.init(day: Day(daysSinceEpoch: try row.decode(column: "d", as: Int.self)), channel: try row.decode(column: "channel", as: String.self)), default: 0] += n
                v.total += n
            }
            for row in try await db.raw("""
                SELECT COALESCE(category, doc::json->'suggestion'->>'category', '') AS cat, COUNT(*) AS n \(base) GROUP BY 1
                """).all() {
                v.byCategory[try row.decode(column: "cat", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            for row in try await db.raw("SELECT COALESCE(location_unit, holder_unit) AS u, COUNT(*) AS n \(base) GROUP BY 1").all() {
                v.byPlace[try row.decode(column: "u", as: Int64.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            return v
        }
    }

    public func caseCountsByState() async throws -> [CaseState: Int] {
        let rows = try await read { db in try await db.raw("SELECT state, COUNT(*) AS n FROM cases GROUP BY state").all() }
        var out: [CaseState: Int] = [:]
        for row in rows {
            guard let s = CaseState(rawValue: try row.decode(column: "state", as: String.self)) else { continue }
            out[s] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    public func openCasesByAlert(scope: Set<UnitID>?, now: Instant) async throws -> [AlertLevel: Int] {
        let t = now.seconds
        let rows = try await read { db in
            try await db.raw("""
                SELECT CASE WHEN alarm_at <= \(bind: t) THEN 'alarm' WHEN urgent_at <= \(bind: t) THEN 'urgent' WHEN warn_at <= \(bind: t) THEN 'warning' \
                ELSE alert_base END AS level, COUNT(*) AS n FROM cases WHERE is_open = 1\(Self.scopeCondition(scope)) GROUP BY 1
                """).all()
        }
        var out: [AlertLevel: Int] = [:]
        for row in rows {
            guard let l = AlertLevel(rawValue: try row.decode(column: "level", as: String.self)) else { continue }
            out[l, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    public func openRiskCases(scope: Set<UnitID>?) async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM cases WHERE is_open = 1 AND risk = 1\(Self.scopeCondition(scope))").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func hotspotCases(from: Instant, to: Instant, scope: Set<UnitID>?, limit: Int) async throws -> [HotspotCaseRow] {
        guard from < to, limit > 0 else { return [] }
        let rows = try await read { db in
            try await db.raw("""
                SELECT id, title, doc::json->>'content' AS content,
                       COALESCE(category, doc::json->'suggestion'->>'category') AS cat,
                       holder_unit, location_unit, registered_at, citizen_key
                FROM cases WHERE registered_at >= \(bind: from.seconds) AND registered_at < \(bind: to.seconds)\(Self.scopeCondition(scope))
                ORDER BY registered_at, id LIMIT \(literal: limit)
                """).all()
        }
        return try rows.map { r in
            HotspotCaseRow(id: try r.decode(column: "id", as: Int64.self), title: try r.decode(column: "title", as: String.self),
                           content: try r.decode(column: "content", as: String?.self) ?? "",
                           category: try r.decode(column: "cat", as: String?.self), holder: try r.decode(column: "holder_unit", as: Int64.self),
                           location: try r.decode(column: "location_unit", as: Int64?.self),
                           registeredAt: Instant(seconds: try r.decode(column: "registered_at", as: Int64.self)),
                           citizenKey: try r.decode(column: "citizen_key", as: String?.self))
        }
    }

    /// As on SQLite: the cases statistics read (`CaseStore.statsCases`: a counted step since `from`, through
    /// `case_events(at, action)`, or open with its running limit passed by `asOf`) with their counted steps, and which
    /// registrations of the period repeat the citizen of an earlier one (a window over the period).
    public func statsCases(from: Instant, to: Instant, asOf: Instant) async throws -> [StatsCase] {
        guard from < to else { return [] }
        let actions = StatsCase.countedActions.map(\.rawValue)
        let f = from.seconds, t = to.seconds, a = min(asOf, to).seconds
        let (repeatRows, rows) = try await snapshot { db in
            let repeats = try await db.raw("""
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY citizen_key ORDER BY registered_at, id) AS rn
                    FROM cases WHERE registered_at >= \(bind: f) AND registered_at < \(bind: t) AND citizen_key IS NOT NULL
                ) r WHERE rn > 1
                """).all()
            let rows = try await db.raw("""
                WITH touched AS (
                    SELECT case_id FROM case_events WHERE at >= \(bind: f) AND action = ANY(\(bind: actions))
                    UNION
                    SELECT id FROM cases WHERE is_open = 1 AND due_at <= \(bind: a)
                )
                SELECT e.case_id, e.seq, e.action, e.at, e.unit_id, c.registered_at,
                       e.data::json->>'toUnit' AS to_unit, e.data::json->>'onTime' AS on_time, e.data::json->>'evaluation' AS evaluation,
                       e.data::json->>'signDue' AS sign_due, e.data::json->>'acceptDue' AS accept_due, e.data::json->>'replyDue' AS reply_due
                FROM touched t JOIN case_events e ON e.case_id = t.case_id JOIN cases c ON c.id = t.case_id
                WHERE e.at < \(bind: t) AND e.action = ANY(\(bind: actions))
                ORDER BY e.case_id, e.seq
                """).all()
            return (repeats, rows)
        }
        let repeatIDs = Set(try repeatRows.map { try $0.decode(column: "id", as: Int64.self) })
        func instant(_ row: SQLRow, _ column: String) throws -> Instant? {
            try row.decode(column: column, as: String?.self).flatMap { Int64($0) }.map(Instant.init(seconds:))
        }
        var out: [StatsCase] = []
        for row in rows {
            let id = try row.decode(column: "case_id", as: Int64.self)
            guard let action = Action(rawValue: try row.decode(column: "action", as: String.self)) else { continue }
            if out.last?.id != id {
                out.append(StatsCase(id: id, registeredAt: Instant(seconds: try row.decode(column: "registered_at", as: Int64.self)),
                                     isRepeat: repeatIDs.contains(id), events: []))
            }
            out[out.count - 1].events.append(StatsEvent(
                seq: try row.decode(column: "seq", as: Int.self),
                action: action,
                at: Instant(seconds: try row.decode(column: "at", as: Int64.self)),
                unit: try row.decode(column: "unit_id", as: Int64?.self),
                toUnit: try row.decode(column: "to_unit", as: String?.self).flatMap { Int64($0) },
                onTime: try row.decode(column: "on_time", as: String?.self).flatMap { Int64($0) }.map { $0 == 1 },
                evaluation: try row.decode(column: "evaluation", as: String?.self).flatMap(Evaluation.init(rawValue:)),
                signDue: try instant(row, "sign_due"), acceptDue: try instant(row, "accept_due"), replyDue: try instant(row, "reply_due")))
        }
        return out
    }
}
