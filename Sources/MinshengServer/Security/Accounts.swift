import Foundation
import HummingbirdBcrypt
import Logging
import MinshengDomain
import MinshengStore
import NIOPosix
import Synchronization

/// Settings for logins and sessions (README "Accounts").
public struct AuthSettings: Sendable {
    /// bcrypt cost: 2^cost rounds. 12 takes about a quarter of a second here; tests use 4.
    public var bcryptCost: UInt8 = 12
    /// Failed logins in a row that lock the account, and for how long.
    public var lockAfter = 5
    public var lockSeconds: Int64 = 15 * 60
    /// A web session ends after this much inactivity, and in any case after `sessionMaxSeconds`.
    public var sessionIdleSeconds: Int64 = 30 * 60
    public var sessionMaxSeconds: Int64 = 12 * 3600
    /// API tokens an admin issues for machines live this long unless revoked.
    public var apiTokenDays = 365
    /// Mark the session cookie Secure (behind TLS; also set when a proxy says X-Forwarded-Proto: https).
    public var secureCookies = false
    public init() {}
}

/// What a request is authenticated as.
public struct Principal: Sendable {
    public var user: User
    public var token: TokenRecord
    /// Authenticated by the session cookie (a browser): state-changing requests must carry the CSRF token.
    public var viaCookie: Bool
}

/// Users, passwords and credentials over the account store. Credentials are cached for a few seconds so that a
/// request costs no database read; a revocation evicts at once on this node and within `cacheSeconds` on others.
public final class Accounts: Sendable {
    let store: any AccountStore
    let clock: any TimeSource
    public let settings: AuthSettings
    let logger: Logger
    static let cacheSeconds: Int64 = 10
    /// Touch `last_used_at` in the database at most once a minute per credential.
    static let touchEvery: Int64 = 60
    private let cache = Mutex<[String: (principal: Principal, fetchedAt: Instant)]>([:])
    /// A hash to check unknown logins against, so they take as long as wrong passwords.
    private let dummyHash: String

    public init(store: any AccountStore, clock: any TimeSource, settings: AuthSettings = AuthSettings(), logger: Logger = Logger(label: "minsheng.auth")) {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.dummyHash = Bcrypt.hash("minsheng-dummy-password", cost: settings.bcryptCost)
    }

    // MARK: Passwords

    /// bcrypt is deliberately slow: run it off the event loops.
    public func hashPassword(_ password: String) async throws -> String {
        let cost = settings.bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// At least 10 characters with letters and digits; bcrypt reads only the first 72 bytes, so longer is refused.
    public static func checkPolicy(_ password: String, field: String = "password") throws {
        let n = password.utf8.count
        guard n >= 10 else { throw PlatformError.invalid(field, "密码至少 10 位") }
        guard n <= 72 else { throw PlatformError.invalid(field, "密码不超过 72 字节") }
        guard password.contains(where: { $0.isLetter }), password.contains(where: { $0.isNumber }) else {
            throw PlatformError.invalid(field, "密码须同时包含字母和数字")
        }
    }

    public static func checkLogin(_ login: String) throws {
        let ok = !login.isEmpty && login.count <= 40 && login.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)))
        }
        guard ok else { throw PlatformError.invalid("login", "登录名为 1–40 位字母、数字或 . _ - @") }
    }

    // MARK: Users

    public func createUser(login: String, name: String, unit: UnitID, roles: Set<Role>, password: String,
                           mustChangePassword: Bool = false) async throws -> User {
        try Self.checkLogin(login)
        try Self.checkPolicy(password)
        guard !roles.isEmpty else { throw PlatformError.invalid("roles", "至少一个角色") }
        guard !roles.contains(.citizen) else { throw PlatformError.invalid("roles", "群众不需要账号") }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 50 else { throw PlatformError.invalid("name", "姓名为 1–50 个字符") }
        let hash = try await hashPassword(password)
        let now = clock.now()
        return try await store.createUser(User(login: login, name: name, unit: unit, roles: roles, passwordHash: hash,
                                               createdAt: now, mustChangePassword: mustChangePassword))
    }

    // MARK: Login and sessions

    public enum LoginFailure: Error { case invalid, locked(until: Instant), disabled }

    /// Checks a password; on success issues a session credential. Failures are logged; `lockAfter` failures in a
    /// row lock the account for `lockSeconds` (a success resets the count).
    public func login(_ login: String, password: String, address: String) async throws -> (Principal, String) {
        let now = clock.now()
        guard let user = try await store.user(login: login) else {
            // An unknown login behaves like a real one: the same password check, and the same lock after the same
            // number of failures (kept in the login log, not in this process), so neither the answer nor its time
            // tells which logins exist.
            _ = try await verify(password, hash: dummyHash)
            let state = try await unknownLoginState(login, now: now)
            if let until = state.lockedUntil {
                try await store.logAuth(AuthEvent(at: now, login: login, userID: nil, outcome: "locked", address: address))
                throw LoginFailure.locked(until: until)
            }
            let locks = state.failures + 1 >= settings.lockAfter
            try await store.logAuth(AuthEvent(at: now, login: login, userID: nil, outcome: locks ? "unknown_user_locked" : "unknown_user", address: address))
            logger.warning("login failed: unknown user", metadata: ["login": "\(login.prefix(40))", "address": "\(address)"])
            if locks { throw LoginFailure.locked(until: now.adding(seconds: settings.lockSeconds)) }
            throw LoginFailure.invalid
        }
        if let until = user.lockedUntil, now < until {
            _ = try await verify(password, hash: user.passwordHash) // the same time as any other answer
            try await store.logAuth(AuthEvent(at: now, login: login, userID: user.id, outcome: "locked", address: address))
            throw LoginFailure.locked(until: until)
        }
        let good = try await verify(password, hash: user.passwordHash)
        if !good {
            let limit = settings.lockAfter, lockFor = settings.lockSeconds
            let updated = try await store.updateUser(id: user.id) { u in
                u.failedLogins += 1
                if u.failedLogins >= limit {
                    u.lockedUntil = now.adding(seconds: lockFor)
                    u.failedLogins = 0
                }
            }
            let locked = updated.lockedUntil.map { $0 > now } ?? false
            if locked {
                // Someone is guessing this account's password: its open sessions end too (API tokens of machines stay).
                for t in try await store.tokens(userID: user.id) where t.kind == .session && t.isLive(at: now) { try await revoke(tokenID: t.id) }
            }
            try await store.logAuth(AuthEvent(at: now, login: login, userID: user.id, outcome: locked ? "bad_password_locked" : "bad_password", address: address))
            logger.warning("login failed", metadata: ["login": "\(login)", "address": "\(address)", "locked": "\(locked)"])
            if locked { throw LoginFailure.locked(until: updated.lockedUntil!) }
            throw LoginFailure.invalid
        }
        if user.disabled {
            try await store.logAuth(AuthEvent(at: now, login: login, userID: user.id, outcome: "disabled", address: address))
            throw LoginFailure.disabled
        }
        let fresh = try await store.updateUser(id: user.id) { u in u.failedLogins = 0; u.lockedUntil = nil }
        try await store.logAuth(AuthEvent(at: now, login: login, userID: user.id, outcome: "success", address: address))
        return try await issue(for: fresh, kind: .session, label: "login \(address)")
    }

    /// Failures of an unknown login since its last lock, and the lock if one is running, read from the login log as
    /// a real account's counter would have counted them.
    func unknownLoginState(_ login: String, now: Instant) async throws -> (failures: Int, lockedUntil: Instant?) {
        var q = LogQuery()
        q.login = login
        q.limit = max(50, settings.lockAfter * 4)
        var failures = 0
        for e in try await store.authLog(q) where e.userID == nil { // newest first
            if e.outcome == "unknown_user_locked" {
                let until = e.at.adding(seconds: settings.lockSeconds)
                return (failures, now < until ? until : nil)
            }
            if e.outcome == "unknown_user" { failures += 1 }
        }
        return (failures, nil)
    }

    /// A new credential for `user`: returns the principal and the secret (shown once, never stored).
    public func issue(for user: User, kind: TokenKind, label: String, days: Int? = nil) async throws -> (Principal, String) {
        let now = clock.now()
        let secret = Secrets.random()
        let expires: Instant
        let idle: Int64?
        switch kind {
        case .session:
            expires = now.adding(seconds: settings.sessionMaxSeconds)
            idle = settings.sessionIdleSeconds
        case .api:
            expires = now.adding(seconds: Int64(days ?? settings.apiTokenDays) * 86_400)
            idle = nil
        }
        let record = try await store.insertToken(TokenRecord(hash: Secrets.hash(secret), userID: user.id, kind: kind,
                                                             label: String(label.prefix(100)), createdAt: now, expiresAt: expires,
                                                             idleSeconds: idle, csrf: Secrets.random(bytes: 24)))
        return (Principal(user: user, token: record, viaCookie: false), secret)
    }

    /// The principal a secret stands for, or nil if unknown, expired, idle too long, revoked or its user disabled.
    public func authenticate(_ secret: String) async throws -> Principal? {
        guard !secret.isEmpty, secret.utf8.count <= 100 else { return nil }
        let hash = Secrets.hash(secret)
        let now = clock.now()
        var principal: Principal
        if let hit = cache.withLock({ $0[hash] }), now.seconds - hit.fetchedAt.seconds < Self.cacheSeconds {
            principal = hit.principal
        } else {
            guard let (t, u) = try await store.token(hash: hash) else { return nil }
            principal = Principal(user: u, token: t, viaCookie: false)
        }
        guard principal.token.isLive(at: now), !principal.user.disabled else {
            cache.withLock { $0[hash] = nil }
            return nil
        }
        if now.seconds - principal.token.lastUsedAt.seconds >= Self.touchEvery {
            try await store.touchToken(id: principal.token.id, at: now)
            principal.token.lastUsedAt = now
        }
        let p = principal
        cache.withLock { c in
            if c.count > 50_000 { c.removeAll(keepingCapacity: true) }
            c[hash] = (p, c[hash].map { now.seconds - $0.fetchedAt.seconds < Self.cacheSeconds ? $0.fetchedAt : now } ?? now)
        }
        return principal
    }

    /// A user changes their own password: the current one must be right, the new one different and within the
    /// policy; every credential ends and a fresh session is issued. The API and the console both call this.
    public func changePassword(of user: User, current: String, new: String, address: String) async throws -> (Principal, String) {
        guard try await verify(current, hash: user.passwordHash) else {
            throw PlatformError(.forbidden, "invalid_credentials", "当前密码不正确", details: [("field", .string("current"))])
        }
        guard new != current else { throw PlatformError.invalid("new", "新密码不能与当前密码相同") }
        try Self.checkPolicy(new, field: "new")
        let hash = try await hashPassword(new)
        let now = clock.now()
        let updated = try await store.updateUser(id: user.id) { u in
            u.passwordHash = hash; u.passwordChangedAt = now; u.mustChangePassword = false
        }
        try await revokeAll(userID: updated.id)
        try await store.logAuth(AuthEvent(at: now, login: updated.login, userID: updated.id, outcome: "password_changed", address: address))
        return try await issue(for: updated, kind: .session, label: "password change \(address)")
    }

    public func revoke(tokenID: Int64) async throws {
        try await store.revokeToken(id: tokenID, at: clock.now())
        cache.withLock { c in c = c.filter { $0.value.principal.token.id != tokenID } }
    }

    public func revokeAll(userID: Int64) async throws {
        try await store.revokeTokens(userID: userID, at: clock.now())
        forget(userID: userID)
    }

    /// Drops cached credentials of a user whose account changed (roles, unit, disabled).
    public func forget(userID: Int64) {
        cache.withLock { c in c = c.filter { $0.value.principal.user.id != userID } }
    }
}
