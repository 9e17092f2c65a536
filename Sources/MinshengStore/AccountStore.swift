import MinshengDomain

/// A staff account: one unit, one or more roles. The password is kept only as a slow salted hash (bcrypt),
/// computed by the server; the store never sees a password.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var login: String
    public var name: String
    public var unit: UnitID
    public var roles: Set<Role>
    public var passwordHash: String
    public var disabled: Bool
    /// Failed logins since the last success; reaching the limit locks the account until `lockedUntil`.
    public var failedLogins: Int
    public var lockedUntil: Instant?
    public var createdAt: Instant
    public var passwordChangedAt: Instant
    /// Set by an admin's reset: the user must choose a new password at the next login.
    public var mustChangePassword: Bool

    public init(id: Int64 = 0, login: String, name: String, unit: UnitID, roles: Set<Role>, passwordHash: String,
                disabled: Bool = false, failedLogins: Int = 0, lockedUntil: Instant? = nil, createdAt: Instant,
                passwordChangedAt: Instant? = nil, mustChangePassword: Bool = false) {
        self.id = id; self.login = login; self.name = name; self.unit = unit; self.roles = roles
        self.passwordHash = passwordHash; self.disabled = disabled; self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil; self.createdAt = createdAt; self.passwordChangedAt = passwordChangedAt ?? createdAt
        self.mustChangePassword = mustChangePassword
    }
}

public enum TokenKind: String, Sendable, CaseIterable {
    /// Issued at login (cookie for the web, bearer for scripts); ends after inactivity or at its hard expiry.
    case session
    /// A long-lived credential an admin issues for a machine (a channel gateway, an Open311 client).
    case api
}

/// A credential as stored: only the SHA-256 of the secret is kept, so a copy of the database opens no session.
public struct TokenRecord: Sendable, Equatable {
    public var id: Int64
    public var hash: String
    public var userID: Int64
    public var kind: TokenKind
    public var label: String
    public var createdAt: Instant
    public var lastUsedAt: Instant
    public var expiresAt: Instant
    /// Seconds of inactivity after which a session ends (nil: no idle limit).
    public var idleSeconds: Int64?
    public var revokedAt: Instant?
    /// The session's anti-forgery token, echoed by every state-changing form.
    public var csrf: String

    public init(id: Int64 = 0, hash: String, userID: Int64, kind: TokenKind, label: String, createdAt: Instant,
                expiresAt: Instant, idleSeconds: Int64?, csrf: String) {
        self.id = id; self.hash = hash; self.userID = userID; self.kind = kind; self.label = label
        self.createdAt = createdAt; self.lastUsedAt = createdAt; self.expiresAt = expiresAt
        self.idleSeconds = idleSeconds; self.revokedAt = nil; self.csrf = csrf
    }

    /// Whether the credential still opens a session at `now`.
    public func isLive(at now: Instant) -> Bool {
        guard revokedAt == nil, now < expiresAt else { return false }
        if let idle = idleSeconds, now.seconds - lastUsedAt.seconds >= idle { return false }
        return true
    }
}

/// One login attempt or account change, kept for the security officer.
public struct AuthEvent: Sendable, Equatable {
    public var id: Int64
    public var at: Instant
    public var login: String
    public var userID: Int64?
    /// success, bad_password, unknown_user, locked, disabled, logout, password_changed, password_reset, …
    public var outcome: String
    public var address: String
    public init(id: Int64 = 0, at: Instant, login: String, userID: Int64?, outcome: String, address: String) {
        self.id = id; self.at = at; self.login = login; self.userID = userID; self.outcome = outcome; self.address = address
    }
}

/// One read of unmasked personal data (DESIGN.md "Privacy": every such read is logged).
public struct AccessRecord: Sendable, Equatable {
    public var id: Int64
    public var at: Instant
    public var userID: Int64
    public var login: String
    public var unit: UnitID
    public var caseID: CaseID
    /// Which fields were shown: name, phone, idNumber.
    public var fields: [String]
    public var address: String
    public init(id: Int64 = 0, at: Instant, userID: Int64, login: String, unit: UnitID, caseID: CaseID, fields: [String], address: String) {
        self.id = id; self.at = at; self.userID = userID; self.login = login; self.unit = unit; self.caseID = caseID
        self.fields = fields; self.address = address
    }
}

public struct LogQuery: Sendable {
    public var userID: Int64?
    public var caseID: CaseID?
    public var login: String?
    public var from: Instant?
    public var to: Instant?
    /// Entries with an id below this (newest first, page by page).
    public var before: Int64?
    public var limit: Int = 100
    public init() {}
}

/// Accounts, credentials and the security logs.
public protocol AccountStore: Sendable {
    /// Adds a user; a login already taken throws `StoreError.conflict`.
    func createUser(_ user: User) async throws -> User
    func user(id: Int64) async throws -> User?
    func user(login: String) async throws -> User?
    /// Users of the given units (all when nil), by login.
    func users(units: Set<UnitID>?, limit: Int) async throws -> [User]
    func userCount() async throws -> Int
    /// Reads, changes and writes one user in a transaction; `change` may throw to write nothing.
    func updateUser(id: Int64, _ change: @escaping @Sendable (inout User) throws -> Void) async throws -> User

    func insertToken(_ token: TokenRecord) async throws -> TokenRecord
    /// The credential with this hash and its user, live or not (the caller judges).
    func token(hash: String) async throws -> (TokenRecord, User)?
    func touchToken(id: Int64, at: Instant) async throws
    func revokeToken(id: Int64, at: Instant) async throws
    /// Ends every credential of a user (disable, password reset); returns how many were live.
    @discardableResult func revokeTokens(userID: Int64, at: Instant) async throws -> Int
    func tokens(userID: Int64) async throws -> [TokenRecord]

    func logAuth(_ event: AuthEvent) async throws
    func authLog(_ query: LogQuery) async throws -> [AuthEvent]
    func logAccess(_ record: AccessRecord) async throws
    func accessLog(_ query: LogQuery) async throws -> [AccessRecord]
}
