import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// /api/v1/auth: login (a session cookie for browsers and the same secret as a bearer token), logout, who am I,
/// changing one's password, one's own credentials.
struct AuthController {
    let platform: Platform
    var accounts: Accounts { platform.accounts }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("auth/login", use: login)
        group.post("auth/logout", use: logout)
        group.get("auth/me", use: me)
        group.post("auth/password", use: changePassword)
        group.get("auth/tokens", use: ownTokens)
        group.delete("auth/tokens/:tid", use: revokeOwn)
    }

    static func sessionCookie(_ secret: String, maxAge: Int64, secure: Bool) -> String {
        "\(AuthMiddleware.cookieName)=\(secret); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    static func clearedCookie(secure: Bool) -> String {
        "\(AuthMiddleware.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    func sessionResponse(_ p: Principal, secret: String, context: AppRequestContext, status: HTTPResponse.Status = .ok) -> JSONResponse {
        let secure = accounts.settings.secureCookies || context.secure
        return JSONResponse(status: status, json: .object([
            ("token", .string(secret)),
            ("tokenType", .string("Bearer")),
            ("expiresAt", .time(p.token.expiresAt)),
            ("idleTimeoutSeconds", .opt(p.token.idleSeconds)),
            ("csrfToken", .string(p.token.csrf)),
            ("user", platform.renderUser(p.user)),
        ]), headers: [.setCookie: Self.sessionCookie(secret, maxAge: accounts.settings.sessionMaxSeconds, secure: secure),
                      .cacheControl: "no-store"])
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["login", "password"])
        let login = try f.requiredString("login", max: 100)
        guard let raw = try f.raw("password") else { throw APIError.missing("password") }
        guard case let .string(password) = raw, !password.isEmpty, password.utf8.count <= 200 else {
            throw APIError.invalid("password", "应为 1–200 字节的字符串")
        }
        do {
            let (p, secret) = try await accounts.login(login, password: password, address: context.clientAddress)
            return sessionResponse(p, secret: secret, context: context)
        } catch let e as Accounts.LoginFailure {
            switch e {
            case .invalid: throw APIError(.unauthorized, "invalid_credentials", "登录名或密码错误")
            case .disabled: throw APIError(.forbidden, "account_disabled", "账号已停用，请联系管理员")
            case let .locked(until):
                throw APIError(.init(code: 423, reasonPhrase: "Locked"), "account_locked", "连续登录失败次数过多，账号已锁定至 \(until)，请稍后再试或联系管理员",
                               details: [("lockedUntil", .time(until))])
            }
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try context.requireUser()
        try await accounts.revoke(tokenID: p.token.id)
        try await platform.logAuth(AuthEvent(at: platform.clock.now(), login: p.user.login, userID: p.user.id, outcome: "logout", address: context.clientAddress))
        var r = JSON.response(.object([("status", .string("signed_out"))]), status: .ok)
        r.headers[.setCookie] = Self.clearedCookie(secure: accounts.settings.secureCookies || context.secure)
        return r
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let p = try context.requireUser()
        guard case let .object(pairs) = platform.renderUser(p.user) else { return .null }
        return .object(pairs + [
            ("scope", platform.unitRef(platform.scopeRoot(of: p.user))),
            ("session", .object([("kind", .string(p.token.kind.rawValue)), ("expiresAt", .time(p.token.expiresAt)),
                                 ("viaCookie", .bool(p.viaCookie))])),
            ("csrfToken", .string(p.token.csrf)),
        ])
    }

    /// Changing one's password ends every other credential and returns a fresh session.
    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let p = try context.requireUser()
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["current", "new"])
        guard case let .string(current)? = try f.raw("current") else { throw APIError.missing("current") }
        guard case let .string(new)? = try f.raw("new") else { throw APIError.missing("new") }
        let (fresh, secret) = try await accounts.changePassword(of: p.user, current: current, new: new, address: context.clientAddress)
        return sessionResponse(fresh, secret: secret, context: context)
    }

    @Sendable func ownTokens(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let p = try context.requireUser()
        let now = platform.clock.now()
        return .object([("items", .array(try await platform.tokens(userID: p.user.id).map { platform.renderToken($0, now: now, current: p.token.id) }))])
    }

    @Sendable func revokeOwn(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let p = try context.requireUser()
        guard let tid = context.parameters.get("tid").flatMap(Int64.init),
              try await platform.tokens(userID: p.user.id).contains(where: { $0.id == tid }) else {
            throw APIError.notFound("令牌不存在")
        }
        try await accounts.revoke(tokenID: tid)
        return .object([("id", .int(tid)), ("revoked", .bool(true))])
    }
}

/// /api/v1/users and /api/v1/audit: admins manage the accounts of their scope and read the security logs.
struct UsersController {
    let platform: Platform
    var accounts: Accounts { platform.accounts }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("users", use: list)
        group.post("users", use: create)
        group.get("users/:uid", use: show)
        group.patch("users/:uid", use: update)
        group.post("users/:uid/password", use: resetPassword)
        group.get("users/:uid/tokens", use: tokens)
        group.post("users/:uid/tokens", use: issueToken)
        group.delete("users/:uid/tokens/:tid", use: revokeToken)
        group.get("audit/access", use: accessLog)
        group.get("audit/logins", use: authLog)
    }

    private var users: UserAdmin { UserAdmin(platform: platform) }

    private func admin(_ context: AppRequestContext) throws -> User {
        try context.requireRole([.admin]).user
    }

    /// The user, if inside the admin's scope; 404 otherwise.
    private func target(_ context: AppRequestContext, admin: User) async throws -> User {
        try await users.target(context.parameters.get("uid").flatMap(Int64.init), admin: admin)
    }

    private func roles(_ f: Fields) throws -> Set<Role>? {
        guard let raw = try f.raw("roles") else { return nil }
        guard case let .array(items) = raw else { throw APIError.invalid("roles", "应为角色数组") }
        var out: Set<Role> = []
        for item in items {
            guard case let .string(s) = item, let r = Role(rawValue: s), r != .citizen else {
                throw APIError.invalid("roles", "可选：registrar, dispatcher, handler, supervisor, leader, admin")
            }
            out.insert(r)
        }
        guard !out.isEmpty else { throw APIError.invalid("roles", "至少一个角色") }
        return out
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        var unit: UnitID?
        if let s = request.uri.queryParameters.get("unit"), !s.isEmpty {
            guard let id = Int64(s) else { throw APIError.invalid("unit", "应为整数") }
            unit = id
        }
        let q = request.uri.queryParameters.get("q").map { String($0) }
        return .object([("items", .array(try await users.list(by: a, unit: unit, q: q).map(platform.renderUser)))])
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let a = try admin(context)
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["login", "name", "unit", "roles", "password"])
        let login = try f.requiredString("login", max: 40)
        let name = try f.requiredString("name", max: 50)
        let unit = try f.int("unit", required: true)!
        guard let roles = try roles(f) else { throw APIError.missing("roles") }
        guard case let .string(password)? = try f.raw("password") else { throw APIError.missing("password") }
        let u = try await users.create(by: a, login: login, name: name, unit: unit, roles: roles, password: password, address: context.clientAddress)
        return JSONResponse(status: .created, json: platform.renderUser(u), headers: [.location: "/api/v1/users/\(u.id)"])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        return platform.renderUser(try await target(context, admin: a))
    }

    /// Name, unit, roles, disabled, unlock (`UserAdmin.update`).
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        let u = try await target(context, admin: a)
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["name", "unit", "roles", "disabled", "unlock"])
        let change = UserAdmin.Change(name: try f.string("name", max: 50), unit: try f.int("unit"), roles: try roles(f),
                                      disabled: try f.bool("disabled"), unlock: try f.bool("unlock") ?? false)
        return platform.renderUser(try await users.update(u, by: a, change, address: context.clientAddress))
    }

    /// An admin's reset (`UserAdmin.resetPassword`).
    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        let u = try await target(context, admin: a)
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["password"])
        guard case let .string(password)? = try f.raw("password") else { throw APIError.missing("password") }
        return platform.renderUser(try await users.resetPassword(u, by: a, password: password, address: context.clientAddress))
    }

    @Sendable func tokens(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        let u = try await target(context, admin: a)
        let now = platform.clock.now()
        return .object([("items", .array(try await platform.tokens(userID: u.id).map { platform.renderToken($0, now: now, current: nil) }))])
    }

    /// A long-lived API token for a machine account (a channel gateway, an Open311 client): shown once.
    @Sendable func issueToken(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let a = try admin(context)
        let u = try await target(context, admin: a)
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["label", "days"])
        let label = try f.requiredString("label", max: 100)
        let days = try f.int("days") ?? Int64(accounts.settings.apiTokenDays)
        guard (1...3650).contains(days) else { throw APIError.invalid("days", "应为 1–3650 天") }
        guard !u.disabled else { throw APIError(.conflict, "account_disabled", "账号已停用") }
        let (p, secret) = try await accounts.issue(for: u, kind: .api, label: label, days: Int(days))
        try await platform.logAuth(AuthEvent(at: platform.clock.now(), login: u.login, userID: u.id, outcome: "api_token_issued_by:\(a.login)", address: context.clientAddress))
        guard case let .object(pairs) = platform.renderToken(p.token, now: platform.clock.now(), current: nil) else { throw APIError.notFound("") }
        return JSONResponse(status: .created, json: .object(pairs + [("token", .string(secret))]))
    }

    @Sendable func revokeToken(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        let u = try await target(context, admin: a)
        guard let tid = context.parameters.get("tid").flatMap(Int64.init),
              try await platform.tokens(userID: u.id).contains(where: { $0.id == tid }) else {
            throw APIError.notFound("令牌不存在")
        }
        try await accounts.revoke(tokenID: tid)
        try await platform.logAuth(AuthEvent(at: platform.clock.now(), login: u.login, userID: u.id, outcome: "token_revoked_by:\(a.login)", address: context.clientAddress))
        return .object([("id", .int(tid)), ("revoked", .bool(true))])
    }

    private func logQuery(_ request: Request) throws -> LogQuery {
        let p = request.uri.queryParameters
        var q = LogQuery()
        func int(_ k: String) throws -> Int64? {
            guard let v = p.get(k), !v.isEmpty else { return nil }
            guard let i = Int64(v) else { throw APIError.invalid(k, "应为整数") }
            return i
        }
        q.userID = try int("user")
        q.caseID = try int("case")
        q.before = try int("before")
        if let l = p.get("login"), !l.isEmpty { q.login = l }
        if let f = p.get("from"), !f.isEmpty {
            guard let i = Instant.parse(f) else { throw APIError.invalid("from", "应为日期或 ISO 8601 时间") }
            q.from = i
        }
        if let t = p.get("to"), !t.isEmpty {
            guard let i = Instant.parse(t) else { throw APIError.invalid("to", "应为日期或 ISO 8601 时间") }
            q.to = t.count == 10 ? i.adding(seconds: 86_400) : i
        }
        if let l = try int("limit") {
            guard (1...1000).contains(l) else { throw APIError.invalid("limit", "应在 1 到 1000 之间") }
            q.limit = Int(l)
        }
        return q
    }

    /// Who read which citizen's unmasked contact, newest first (page with `before`): the reads by users of the
    /// admin's subtree. `nextBefore` continues after the last entry read, so a page thinned by the scope still pages on.
    @Sendable func accessLog(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        let root = platform.scopeRoot(of: a)
        let q = try logQuery(request)
        let all = try await platform.accessLog(q)
        let rows = all.filter { platform.isWithin($0.unit, root: root) }
        return .object([("items", .array(rows.map { r in
            .object([("id", .int(r.id)), ("at", .time(r.at)), ("user", .object([("id", .int(r.userID)), ("login", .string(r.login))])),
                     ("unit", platform.unitRef(r.unit)), ("caseId", .int(r.caseID)), ("fields", .array(r.fields.map(JSON.string))),
                     ("address", .string(r.address))])
        })), ("nextBefore", .opt(all.count >= q.limit ? all.last?.id : nil))])
    }

    /// Logins, failures, lockouts and account changes, newest first: those of the accounts in the admin's subtree.
    /// Attempts on logins that belong to no account are the whole tree's admins' to read (they name no unit).
    @Sendable func authLog(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let a = try admin(context)
        let root = platform.scopeRoot(of: a)
        let top = platform.unit(root)?.parentID == nil
        let q = try logQuery(request)
        let all = try await platform.authLog(q)
        var unitOf: [Int64: UnitID?] = [:]
        var rows: [AuthEvent] = []
        for r in all {
            var account = r.userID
            if account == nil, let u = try await platform.user(login: r.login) { account = u.id }
            guard let id = account else { if top { rows.append(r) }; continue }
            if unitOf[id] == nil { unitOf[id] = .some(try await platform.user(id: id)?.unit) }
            if let unit = unitOf[id] ?? nil, platform.isWithin(unit, root: root) { rows.append(r) }
            else if (unitOf[id] ?? nil) == nil, top { rows.append(r) } // an account since removed
        }
        return .object([("items", .array(rows.map { r in
            .object([("id", .int(r.id)), ("at", .time(r.at)), ("login", .string(r.login)), ("userId", .opt(r.userID)),
                     ("outcome", .string(r.outcome)), ("address", .string(r.address))])
        })), ("nextBefore", .opt(all.count >= q.limit ? all.last?.id : nil))])
    }
}

extension Platform {
    func renderUser(_ u: User) -> JSON {
        .object([("id", .int(u.id)), ("login", .string(u.login)), ("name", .string(u.name)), ("unit", unitRef(u.unit)),
                 ("roles", .array(u.roles.map(\.rawValue).sorted().map(JSON.string))), ("disabled", .bool(u.disabled)),
                 ("locked", .bool(u.lockedUntil.map { $0 > clock.now() } ?? false)), ("lockedUntil", .time(u.lockedUntil)),
                 ("mustChangePassword", .bool(u.mustChangePassword)), ("createdAt", .time(u.createdAt)),
                 ("passwordChangedAt", .time(u.passwordChangedAt))])
    }

    func renderToken(_ t: TokenRecord, now: Instant, current: Int64?) -> JSON {
        .object([("id", .int(t.id)), ("kind", .string(t.kind.rawValue)), ("label", .string(t.label)), ("createdAt", .time(t.createdAt)),
                 ("lastUsedAt", .time(t.lastUsedAt)), ("expiresAt", .time(t.expiresAt)), ("revokedAt", .time(t.revokedAt)),
                 ("live", .bool(t.isLive(at: now))), ("current", .bool(t.id == current))])
    }
}
