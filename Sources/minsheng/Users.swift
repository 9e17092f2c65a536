import ArgumentParser
import Foundation
import MinshengDomain
import MinshengServer
import MinshengStore

/// `minsheng user …`: accounts from the command line, above all the first admin of a new installation.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Create and manage staff accounts (the first admin comes from here).",
        subcommands: [Add.self, List.self, Passwd.self, Unlock.self])

    struct Target: ParsableArguments {
        @OptionGroup var database: DatabaseOptions

        func withPlatform<T: Sendable>(_ body: @Sendable (Platform) async throws -> T) async throws -> T {
            let opened = try await database.open()
            let store = opened.store
            let path = opened.filesAnchor
            do {
                let platform = Platform(store: store, clock: SystemClock(), calendar: WorkCalendar(), sealer: try loadSealer(dbPath: path))
                try await platform.loadUnits()
                let r = try await body(platform)
                try await store.close()
                return r
            } catch {
                try? await store.close()
                throw error
            }
        }
    }

    /// The password from standard input (one line) with --password-stdin, else asked for twice without echo.
    static func readPassword(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
            return line
        }
        guard let a = getpass("密码 Password: ").map({ String(cString: $0) }), !a.isEmpty else { throw ValidationError("no password given") }
        guard let b = getpass("再次输入 Again: ").map({ String(cString: $0) }), a == b else { throw ValidationError("the two passwords differ") }
        return a
    }

    static func explain(_ error: any Error) -> any Error {
        if let e = error as? APIError { return ValidationError(e.message) }
        if let e = error as? PlatformError { return ValidationError(e.message) }
        if case let StoreError.conflict(m) = error { return ValidationError(m) }
        return error
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user (e.g. the first admin).")
        @OptionGroup var target: Target
        @Option(help: "Login name (letters, digits, . _ - @).") var login: String
        @Option(help: "Full name as shown in case histories.") var name: String
        @Option(help: "Unit id the user belongs to (see GET /api/v1/units).") var unit: Int64
        @Option(name: .customLong("role"), help: "Role: registrar, dispatcher, handler, supervisor, leader, admin (repeat for several).")
        var roles: [String]
        @Flag(help: "Read the password from standard input instead of asking.") var passwordStdin = false

        func run() async throws {
            var set: Set<Role> = []
            for r in roles {
                guard let role = Role(rawValue: r), role != .citizen else { throw ValidationError("unknown role \(r)") }
                set.insert(role)
            }
            let password = try UserCommand.readPassword(fromStdin: passwordStdin)
            let (login, name, unit, roleSet) = (self.login, self.name, self.unit, set)
            do {
                let u = try await target.withPlatform { platform in
                    guard platform.unit(unit) != nil else { throw ValidationError("unit \(unit) does not exist") }
                    return try await platform.accounts.createUser(login: login, name: name, unit: unit, roles: roleSet, password: password)
                }
                print("created user \(u.id) \(u.login) (\(u.roles.map(\.rawValue).sorted().joined(separator: ","))) in unit \(u.unit)")
            } catch { throw UserCommand.explain(error) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var target: Target
        func run() async throws {
            let users = try await target.withPlatform { try await $0.store.users(units: nil, limit: 5000) }
            for u in users {
                let state = u.disabled ? "disabled" : (u.lockedUntil.map { $0 > SystemClock().now() } ?? false) ? "locked" : "active"
                print("\(u.id)\t\(u.login)\t\(u.name)\tunit \(u.unit)\t\(u.roles.map(\.rawValue).sorted().joined(separator: ","))\t\(state)")
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (ends their sessions, lifts a lock).")
        @OptionGroup var target: Target
        @Option(help: "Login name.") var login: String
        @Flag(help: "Read the password from standard input instead of asking.") var passwordStdin = false
        func run() async throws {
            let password = try UserCommand.readPassword(fromStdin: passwordStdin)
            let login = self.login
            do {
                try await target.withPlatform { platform in
                    guard let u = try await platform.store.user(login: login) else { throw ValidationError("no user \(login)") }
                    try Accounts.checkPolicy(password)
                    let hash = try await platform.accounts.hashPassword(password)
                    let now = platform.clock.now()
                    _ = try await platform.store.updateUser(id: u.id) { x in
                        x.passwordHash = hash; x.passwordChangedAt = now; x.lockedUntil = nil; x.failedLogins = 0; x.mustChangePassword = false
                    }
                    try await platform.accounts.revokeAll(userID: u.id)
                    try await platform.store.logAuth(AuthEvent(at: now, login: login, userID: u.id, outcome: "password_set_cli", address: "cli"))
                }
                print("password set for \(login)")
            } catch { throw UserCommand.explain(error) }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a login lock and re-enable a disabled account.")
        @OptionGroup var target: Target
        @Option(help: "Login name.") var login: String
        func run() async throws {
            let login = self.login
            try await target.withPlatform { platform in
                guard let u = try await platform.store.user(login: login) else { throw ValidationError("no user \(login)") }
                _ = try await platform.store.updateUser(id: u.id) { x in x.lockedUntil = nil; x.failedLogins = 0; x.disabled = false }
                try await platform.store.logAuth(AuthEvent(at: platform.clock.now(), login: login, userID: u.id, outcome: "unlocked_cli", address: "cli"))
            }
            print("\(login) unlocked")
        }
    }
}
