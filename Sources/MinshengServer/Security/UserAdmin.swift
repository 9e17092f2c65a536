import MinshengDomain
import MinshengStore

/// What an admin does to the accounts of their scope, shared by the API (`UsersController`) and the console's admin
/// pages (`AdminController`): each change is checked against the scope and written to the auth log.
struct UserAdmin {
    let platform: Platform
    var accounts: Accounts { platform.accounts }

    /// What an edit may change; nil leaves a field as it is.
    struct Change {
        var name: String?
        var unit: UnitID?
        var roles: Set<Role>?
        var disabled: Bool?
        var unlock = false
    }

    /// The user `id`, if inside the admin's scope; 404 otherwise (existence is not revealed).
    func target(_ id: Int64?, admin: User) async throws -> User {
        guard let id, let u = try await platform.store.user(id: id), platform.isWithin(u.unit, root: platform.scopeRoot(of: admin)) else {
            throw PlatformError.notFound("用户不存在")
        }
        return u
    }

    func unitInScope(_ id: UnitID, admin: User) throws {
        guard platform.unit(id) != nil else { throw PlatformError.invalid("unit", "单位 \(id) 不存在") }
        guard platform.isWithin(id, root: platform.scopeRoot(of: admin)) else {
            throw PlatformError(.forbidden, "out_of_scope", "单位 \(id) 不在您的管辖范围内")
        }
    }

    /// The users of the admin's scope (or of one unit in it), optionally those whose login or name contains `q`.
    func list(by admin: User, unit: UnitID? = nil, q: String? = nil, limit: Int = 1000) async throws -> [User] {
        var units = platform.scopeUnits(of: admin)
        if let unit {
            try unitInScope(unit, admin: admin)
            units = [unit]
        }
        var users = try await platform.store.users(units: units, limit: 5000)
        if let q, !q.isEmpty {
            users = users.filter { $0.login.localizedCaseInsensitiveContains(q) || $0.name.contains(q) }
        }
        return Array(users.prefix(limit))
    }

    /// A new account. The first password comes from the admin (the password rule applies) and the user must
    /// replace it at first login.
    func create(by admin: User, login: String, name: String, unit: UnitID, roles: Set<Role>, password: String, address: String) async throws -> User {
        try unitInScope(unit, admin: admin)
        let u = try await accounts.createUser(login: login, name: name, unit: unit, roles: roles, password: password, mustChangePassword: true)
        try await platform.store.logAuth(AuthEvent(at: platform.clock.now(), login: u.login, userID: u.id, outcome: "created_by:\(admin.login)", address: address))
        return u
    }

    /// Name, unit, roles, disabled, unlock. Disabling ends every session of the user at once; an admin cannot disable
    /// or demote themself (an installation must keep an admin).
    func update(_ u: User, by admin: User, _ change: Change, address: String) async throws -> User {
        if let unit = change.unit { try unitInScope(unit, admin: admin) }
        if let roles = change.roles {
            guard !roles.isEmpty else { throw PlatformError.invalid("roles", "至少一个角色") }
            guard !roles.contains(.citizen) else { throw PlatformError.invalid("roles", "群众不需要账号") }
        }
        if let name = change.name {
            let n = name.trimmingCharacters(in: .whitespaces)
            guard !n.isEmpty, n.count <= 50 else { throw PlatformError.invalid("name", "姓名为 1–50 个字符") }
        }
        if u.id == admin.id && (change.disabled == true || (change.roles.map { !$0.contains(.admin) } ?? false)) {
            throw PlatformError(.unprocessable, "self_lockout", "不能停用自己或取消自己的管理员角色")
        }
        let updated = try await platform.store.updateUser(id: u.id) { x in
            if let name = change.name { x.name = name.trimmingCharacters(in: .whitespaces) }
            if let unit = change.unit { x.unit = unit }
            if let roles = change.roles { x.roles = roles }
            if let disabled = change.disabled { x.disabled = disabled }
            if change.unlock { x.lockedUntil = nil; x.failedLogins = 0 }
        }
        if change.disabled == true { try await accounts.revokeAll(userID: u.id) } else { accounts.forget(userID: u.id) }
        let what = [change.name.map { _ in "name" }, change.unit.map { _ in "unit" }, change.roles.map { _ in "roles" },
                    change.disabled.map { $0 ? "disabled" : "enabled" }, change.unlock ? "unlocked" : nil].compactMap { $0 }.joined(separator: ",")
        try await platform.store.logAuth(AuthEvent(at: platform.clock.now(), login: u.login, userID: u.id, outcome: "changed_by:\(admin.login):\(what)", address: address))
        return updated
    }

    /// An admin's reset: a new password the user must change at next login; every session ends; the lock lifts.
    func resetPassword(_ u: User, by admin: User, password: String, address: String) async throws -> User {
        try Accounts.checkPolicy(password)
        let hash = try await accounts.hashPassword(password)
        let now = platform.clock.now()
        let updated = try await platform.store.updateUser(id: u.id) { x in
            x.passwordHash = hash; x.passwordChangedAt = now; x.mustChangePassword = x.id != admin.id
            x.lockedUntil = nil; x.failedLogins = 0
        }
        try await accounts.revokeAll(userID: u.id)
        try await platform.store.logAuth(AuthEvent(at: now, login: u.login, userID: u.id, outcome: "password_reset_by:\(admin.login)", address: address))
        return updated
    }
}
