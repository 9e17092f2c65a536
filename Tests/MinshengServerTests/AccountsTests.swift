import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Accounts and sessions (issue 3 item 1), through the router.
@Suite("Accounts and sessions")
struct AccountsTests {
    static let password = "Tiaojie2026go"

    /// A user made directly (as `minsheng user add` does).
    static func makeUser(_ h: Harness, _ login: String, unit: Int64 = 2, roles: Set<Role> = [.dispatcher, .registrar]) async throws -> User {
        try await h.platform.accounts.createUser(login: login, name: "测试\(login)", unit: unit, roles: roles, password: password)
    }

    static func login(_ h: Harness, _ login: String, _ pw: String = password) async throws -> APIResponse {
        try await h.post("/api/v1/auth/login", ["login": login, "password": pw], token: nil)
    }

    static func cookie(_ r: APIResponse) -> String? {
        r.headers[.setCookie]?.split(separator: ";").first.map(String.init)
    }

    @Test func loginGivesACookieAndABearerToken() async throws {
        try await withAPI { h in
            _ = try await Self.makeUser(h, "li.fenbo")
            let r = try await Self.login(h, "li.fenbo")
            #expect(r.status == .ok, "\(r.text)")
            let token = try #require(r["token"].string)
            let csrf = try #require(r["csrfToken"].string)
            #expect(r["user"]["login"].string == "li.fenbo")
            #expect(r["user"]["roles"].strings == ["dispatcher", "registrar"])
            #expect(r["user"]["unit"]["id"].int == 2)
            #expect(!r.text.contains("passwordHash") && !r.text.contains("$2b$"), "no password hash leaves the server")
            let setCookie = try #require(r.headers[.setCookie])
            for attribute in ["ms_session=\(token)", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
                #expect(setCookie.contains(attribute), "\(setCookie)")
            }
            #expect(!setCookie.contains("Secure"), "plain HTTP in tests: no Secure attribute")
            #expect(r.headers[.cacheControl] == "no-store")

            // The bearer form.
            let me = try await h.get("/api/v1/auth/me", token: token)
            #expect(me["login"].string == "li.fenbo")
            #expect(me["scope"]["id"].int == 1, "a city center's staff serve the whole city")
            #expect(me["session"]["viaCookie"].bool == false)

            // The cookie form: reads need nothing more; changes need the CSRF token.
            let cookieHeader: HTTPFields = [.cookie: Self.cookie(r)!]
            let viaCookie = try await h.send(.get, "/api/v1/auth/me", token: nil, headers: cookieHeader)
            #expect(viaCookie["session"]["viaCookie"].bool == true)
            let body = jsonText(["channel": "phone", "kind": "help", "title": "路灯不亮", "content": "小区路灯坏了"])
            expectError(try await h.send(.post, "/api/v1/cases", body: body, token: nil, headers: cookieHeader), .forbidden, "csrf_failed")
            var wrong = cookieHeader
            wrong[.init("X-CSRF-Token")!] = "forged"
            expectError(try await h.send(.post, "/api/v1/cases", body: body, token: nil, headers: wrong), .forbidden, "csrf_failed")
            try #expect(await h.caseCount() == 0)
            var good = cookieHeader
            good[.init("X-CSRF-Token")!] = csrf
            let created = try await h.send(.post, "/api/v1/cases", body: body, token: nil, headers: good)
            #expect(created.status == .created, "\(created.text)")
            // A form post carries the token as a field.
            var form = cookieHeader
            form[.contentType] = "application/x-www-form-urlencoded"
            expectError(try await h.send(.post, "/api/v1/auth/logout", body: "_csrf=nope", token: nil, headers: form), .forbidden, "csrf_failed")
            let out = try await h.send(.post, "/api/v1/auth/logout", body: "_csrf=\(csrf)", token: nil, headers: form)
            #expect(out.status == .ok, "\(out.text)")
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            // Logging out ended the session for both forms.
            expectError(try await h.get("/api/v1/auth/me", token: token), .unauthorized, "unauthorized")
            expectError(try await h.send(.get, "/api/v1/auth/me", token: nil, headers: cookieHeader), .unauthorized, "unauthorized")
        }
    }

    @Test func failedLoginsLockTheAccountAndAreLogged() async throws {
        try await withAPI { h in
            let u = try await Self.makeUser(h, "wang.jiexian")
            let unknown = try await Self.login(h, "nobody")
            expectError(unknown, .unauthorized, "invalid_credentials")
            let bad = try await Self.login(h, "wang.jiexian", "wrong-password-1")
            expectError(bad, .unauthorized, "invalid_credentials")
            #expect(unknown["message"].string == bad["message"].string, "an unknown login reads like a wrong password")
            for _ in 0..<3 { _ = try await Self.login(h, "wang.jiexian", "wrong-password-1") }
            let fifth = try await Self.login(h, "wang.jiexian", "wrong-password-1")
            expectError(fifth, .init(code: 423, reasonPhrase: "Locked"), "account_locked")
            #expect(fifth["lockedUntil"].string == "2026-11-02T09:15:00+08:00")
            // Locked: even the right password is refused, until the lock ends.
            expectError(try await Self.login(h, "wang.jiexian"), .init(code: 423, reasonPhrase: "Locked"), "account_locked")
            h.clock.advance(seconds: 15 * 60)
            let ok = try await Self.login(h, "wang.jiexian")
            #expect(ok.status == .ok)
            let log = try await h.platform.store.authLog({ var q = LogQuery(); q.userID = u.id; return q }())
            #expect(log.map(\.outcome) == ["success", "locked", "bad_password_locked", "bad_password", "bad_password", "bad_password", "bad_password"])
            let unknownLogged = try await h.platform.store.authLog({ var q = LogQuery(); q.login = "nobody"; return q }())
            #expect(unknownLogged.map(\.outcome) == ["unknown_user"])
            // A success resets the count: four more failures do not lock.
            for _ in 0..<4 { expectError(try await Self.login(h, "wang.jiexian", "x-wrong-1234"), .unauthorized, "invalid_credentials") }
        }
    }

    /// Issue 22 item 4: an unknown login locks exactly like a real one (same answers, same lock), so the lock does
    /// not tell which logins exist; and the lock ends the account's open sessions (not machines' API tokens).
    @Test func unknownLoginsLockAlikeAndALockEndsSessions() async throws {
        try await withAPI { h in
            let u = try await Self.makeUser(h, "li.jiexian")
            let session = try #require(try await Self.login(h, "li.jiexian")["token"].string)
            let machine = try await h.platform.accounts.issue(for: try #require(try await h.platform.store.user(id: u.id)), kind: .api, label: "网关").1
            var answers: [String: [String]] = [:]
            for login in ["li.jiexian", "no.such.user"] {
                for _ in 0..<6 {
                    let r = try await Self.login(h, login, "wrong-password-1")
                    answers[login, default: []].append("\(r.status.code) \(r["error"].string ?? "") \(r["lockedUntil"].string ?? "")")
                }
            }
            #expect(answers["li.jiexian"] == answers["no.such.user"], "\(answers)")
            #expect(answers["no.such.user"]?.suffix(2).allSatisfy { $0.hasPrefix("423 account_locked 2026-11-02T09:15:00") } == true, "\(answers)")
            // The open session ended with the lock; the machine's token did not.
            expectError(try await h.get("/api/v1/auth/me", token: session), .unauthorized, "unauthorized")
            #expect(try await h.get("/api/v1/auth/me", token: machine).status == .ok)
            // Both locks end alike.
            h.clock.advance(seconds: 15 * 60)
            expectError(try await Self.login(h, "no.such.user", "wrong-password-1"), .unauthorized, "invalid_credentials")
            #expect(try await Self.login(h, "li.jiexian").status == .ok)
        }
    }

    @Test func sessionsEndAfterInactivityAndAtTheirHardLimit() async throws {
        try await withAPI { h in
            _ = try await Self.makeUser(h, "zhou")
            let token = try #require(try await Self.login(h, "zhou")["token"].string)
            h.clock.advance(seconds: 20 * 60)
            #expect(try await h.get("/api/v1/auth/me", token: token).status == .ok)
            h.clock.advance(seconds: 20 * 60) // 40 minutes since login, 20 since the last use
            #expect(try await h.get("/api/v1/auth/me", token: token).status == .ok)
            h.clock.advance(seconds: 31 * 60)
            expectError(try await h.get("/api/v1/auth/me", token: token), .unauthorized, "unauthorized")

            // Busy all day: still ends 12 hours after login.
            let busy = try #require(try await Self.login(h, "zhou")["token"].string)
            for _ in 0..<(12 * 3 - 1) {
                h.clock.advance(seconds: 20 * 60)
                #expect(try await h.get("/api/v1/auth/me", token: busy).status == .ok)
            }
            h.clock.advance(seconds: 21 * 60)
            expectError(try await h.get("/api/v1/auth/me", token: busy), .unauthorized, "unauthorized")
        }
    }

    @Test func adminsManageAccountsOfTheirScope() async throws {
        try await withAPI { h in
            _ = try await Self.makeUser(h, "admin", unit: 1, roles: [.admin])
            let admin = try #require(try await Self.login(h, "admin")["token"].string)
            _ = try await Self.makeUser(h, "qu.admin", unit: 3, roles: [.admin])
            let districtAdmin = try #require(try await Self.login(h, "qu.admin")["token"].string)

            // Weak passwords, unknown roles and units outside the scope are refused.
            let base: [String: Any] = ["login": "zhao.chengban", "name": "赵承办", "unit": 4, "roles": ["handler"], "password": "Chengban2026a"]
            func with(_ k: String, _ v: Any) -> [String: Any] { var b = base; b[k] = v; return b }
            expectError(try await h.post("/api/v1/users", with("password", "short1"), token: admin), .badRequest, "invalid_field")
            expectError(try await h.post("/api/v1/users", with("password", "onlyletterslong"), token: admin), .badRequest, "invalid_field")
            expectError(try await h.post("/api/v1/users", with("roles", ["boss"]), token: admin), .badRequest, "invalid_field")
            expectError(try await h.post("/api/v1/users", with("login", "赵"), token: admin), .badRequest, "invalid_field")
            expectError(try await h.post("/api/v1/users", with("unit", 2), token: districtAdmin), .forbidden, "out_of_scope")
            // Only admins manage users.
            let dispatcher = try await h.accounts.tokenFor(unit: 2)
            expectError(try await h.post("/api/v1/users", base, token: dispatcher), .forbidden, "role_not_allowed")
            expectError(try await h.get("/api/v1/users", token: dispatcher), .forbidden, "role_not_allowed")

            let created = try await h.post("/api/v1/users", base, token: districtAdmin)
            #expect(created.status == .created, "\(created.text)")
            let uid = try #require(created["id"].int)
            #expect(created["mustChangePassword"].bool == true)
            expectError(try await h.post("/api/v1/users", base, token: admin), .conflict, "conflict")
            // The city admin sees both; the district admin only its own.
            #expect(try await h.get("/api/v1/users", token: admin)["items"].array.compactMap { $0["login"].string }.contains("zhao.chengban"))
            #expect(try await h.get("/api/v1/users", token: districtAdmin)["items"].array.compactMap { $0["login"].string } == ["qu.admin", "zhao.chengban"])
            expectError(try await h.get("/api/v1/users/1", token: districtAdmin), .notFound, "not_found")

            // First login: the admin's password must be replaced before anything else.
            let first = try #require(try await Self.login(h, "zhao.chengban", "Chengban2026a")["token"].string)
            expectError(try await h.get("/api/v1/cases", token: first), .forbidden, "password_change_required")
            expectError(try await h.post("/api/v1/auth/password", ["current": "wrong-1234567", "new": "Mima2026new!"], token: first), .forbidden, "invalid_credentials")
            let changed = try await h.post("/api/v1/auth/password", ["current": "Chengban2026a", "new": "Mima2026new!"], token: first)
            #expect(changed.status == .ok, "\(changed.text)")
            expectError(try await h.get("/api/v1/auth/me", token: first), .unauthorized, "unauthorized") // the old session ended
            let fresh = try #require(changed["token"].string)
            #expect(try await h.get("/api/v1/cases", token: fresh).status == .ok)

            // A reset ends the user's sessions; disabling ends them and refuses logins.
            let reset = try await h.post("/api/v1/users/\(uid)/password", ["password": "Reset2026abcd"], token: admin)
            #expect(reset["mustChangePassword"].bool == true)
            expectError(try await h.get("/api/v1/auth/me", token: fresh), .unauthorized, "unauthorized")
            let again = try #require(try await Self.login(h, "zhao.chengban", "Reset2026abcd")["token"].string)
            let disabled = try await h.send(.patch, "/api/v1/users/\(uid)", body: jsonText(["disabled": true]), token: admin)
            #expect(disabled["disabled"].bool == true, "\(disabled.text)")
            expectError(try await h.get("/api/v1/auth/me", token: again), .unauthorized, "unauthorized")
            expectError(try await Self.login(h, "zhao.chengban", "Reset2026abcd"), .forbidden, "account_disabled")
            // An admin cannot lock themself out.
            let me = try await h.get("/api/v1/auth/me", token: admin)
            let selfDisable = try await h.send(.patch, "/api/v1/users/\(me["id"].int!)", body: jsonText(["disabled": true]), token: admin)
            expectError(selfDisable, .unprocessableContent, "self_lockout")
            // Every change is in the log.
            let log = try await h.get("/api/v1/audit/logins?user=\(uid)", token: admin)
            let outcomes = log["items"].array.compactMap { $0["outcome"].string }
            #expect(outcomes.contains("created_by:qu.admin"))
            #expect(outcomes.contains("password_reset_by:admin"))
            #expect(outcomes.contains("changed_by:admin:disabled"))
            #expect(outcomes.contains("password_changed"))
        }
    }

    @Test func apiTokensForMachinesCanBeRevoked() async throws {
        try await withAPI { h in
            _ = try await Self.makeUser(h, "admin", unit: 1, roles: [.admin])
            let admin = try #require(try await Self.login(h, "admin")["token"].string)
            let gateway = try await Self.makeUser(h, "sms.gateway", unit: 2, roles: [.registrar])
            let issued = try await h.post("/api/v1/users/\(gateway.id)/tokens", ["label": "短信网关", "days": 90], token: admin)
            #expect(issued.status == .created, "\(issued.text)")
            let secret = try #require(issued["token"].string)
            #expect(issued["kind"].string == "api")
            #expect(issued["expiresAt"].string == "2027-01-31T09:00:00+08:00")
            let created = try await h.post("/api/v1/cases", ["channel": "sms", "kind": "help", "title": "路灯", "content": "路灯不亮"], token: secret)
            #expect(created.status == .created, "\(created.text)")
            // Machine tokens have no idle limit.
            h.clock.advance(seconds: 30 * 86_400)
            #expect(try await h.get("/api/v1/auth/me", token: secret).status == .ok)
            expectError(try await h.get("/api/v1/auth/me", token: admin), .unauthorized, "unauthorized") // a web session does idle out
            let admin2 = try #require(try await Self.login(h, "admin")["token"].string)
            // Only the hash is stored.
            let stored = try await h.platform.store.tokens(userID: gateway.id)
            #expect(stored.count == 1 && stored[0].hash != secret && !stored[0].hash.contains(secret))
            let listed = try await h.get("/api/v1/users/\(gateway.id)/tokens", token: admin2)
            #expect(listed.text.contains(secret) == false)
            let revoked = try await h.send(.delete, "/api/v1/users/\(gateway.id)/tokens/\(issued["id"].int!)", token: admin2)
            #expect(revoked["revoked"].bool == true, "\(revoked.status) \(revoked.text)")
            expectError(try await h.get("/api/v1/auth/me", token: secret), .unauthorized, "unauthorized")
        }
    }
}
