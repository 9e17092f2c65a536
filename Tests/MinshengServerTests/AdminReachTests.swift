import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Issue 22 item 3: an admin's reach is their subtree everywhere. Every admin endpoint, tried by the admin of a
/// sibling district on the other district's accounts, units, logs and schedules, is refused (404 like a missing
/// thing, or 403 out_of_scope) and changes nothing; the district's own admin is not refused the same requests.
@Suite("An admin's reach is their subtree")
struct AdminReachTests {
    /// The small tree plus a sibling district (9, 江北区) with a department (10).
    static let units = apiUnits + [
        MinshengDomain.Unit(id: 9, parentID: 1, name: "江北区", level: .district, kind: .government),
        MinshengDomain.Unit(id: 10, parentID: 9, name: "江北区城市管理局", level: .district, kind: .department),
    ]

    @Test func aSiblingAdminReachesNothingOfTheOtherDistrict() async throws {
        try await withAPI(units: Self.units) { h in
            let cityAdmin = try await h.accounts.user("city.admin", unit: 1, roles: [.admin])
            let yzAdmin = try await h.accounts.user("yz.admin", unit: 3, roles: [.admin])
            let jbAdmin = try await h.accounts.user("jb.admin", unit: 9, roles: [.admin])
            let handler = try await h.accounts.user("yz.h4", unit: 4, roles: [.handler])
            let leader = try await h.accounts.user("yz.leader", unit: 3, roles: [.leader], name: "渝中区领导")
            // Something in every log: logins of the city admin and the handler, a contact read by the handler's unit.
            for login in ["city.admin", "yz.h4"] {
                _ = try await h.post("/api/v1/auth/login", ["login": login, "password": "secret-pass-1"], token: nil)
            }
            _ = try await h.post("/api/v1/auth/login", ["login": "yz.h4", "password": "wrong-password-1"], token: nil)
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            #expect(try await h.get("/api/v1/cases/\(id)/contact", token: handler.token).status == .ok)
            let tokenID = try #require(try await h.post("/api/v1/users/\(handler.id)/tokens", ["label": "网关"], token: yzAdmin.token)["id"].int)
            let schedule = try await h.post("/api/v1/reception/schedules", ["leader": leader.id, "weekdays": [3], "start": "09:00", "end": "11:00",
                                                                           "slots": 4, "place": "渝中区信访接待大厅"], token: yzAdmin.token)
            let sid = schedule["id"].string ?? "r1"
            #expect(schedule.status == .created, "\(schedule.text)")

            let u = handler.id
            let rename: [String: Any] = ["name": "改名"]
            let reset: [String: Any] = ["password": "NewPassword2026"]
            let steal: [String: Any] = ["label": "偷用"]
            let plant: [String: Any] = ["login": "planted", "name": "x", "unit": 4, "roles": ["handler"], "password": "Planted-2026x"]
            let jbLeader = try await h.accounts.user("jb.leader", unit: 9, roles: [.leader], name: "江北区领导")
            // Their own leader, on the other district's schedule: it would have replaced it.
            let takeOver: [String: Any] = ["leader": jbLeader.id, "weekdays": [1], "start": "09:00", "end": "10:00", "slots": 2, "place": "江北区大厅"]
            let move: [String: Any] = ["leader": leader.id, "weekdays": [1], "start": "09:00", "end": "10:00", "slots": 2, "place": "别处"]
            let table: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.get, "/api/v1/users/\(u)", nil),
                (.patch, "/api/v1/users/\(u)", rename),
                (.post, "/api/v1/users/\(u)/password", reset),
                (.get, "/api/v1/users/\(u)/tokens", nil),
                (.post, "/api/v1/users/\(u)/tokens", steal),
                (.delete, "/api/v1/users/\(u)/tokens/\(tokenID)", nil),
                (.post, "/api/v1/users", plant),
                (.get, "/api/v1/users?unit=4", nil),
                (.put, "/api/v1/reception/schedules/\(sid)", move),
                (.put, "/api/v1/reception/schedules/\(sid)", takeOver),
            ]
            for (method, path, body) in table {
                let r = try await h.send(method, path, body: body.map(jsonText), token: jbAdmin.token)
                #expect([.notFound, .forbidden].contains(r.status), "\(method) \(path) by a sibling admin: \(r.status.code) \(r.text)")
            }
            // Nothing changed.
            let after = try #require(try await h.platform.store.user(id: handler.id))
            #expect(after.name == "yz.h4" && !after.mustChangePassword)
            #expect(try await h.platform.store.user(login: "planted") == nil)
            #expect(try await h.platform.store.tokens(userID: handler.id).filter { $0.revokedAt == nil && $0.label == "网关" }.count == 1)
            #expect(try await h.get("/api/v1/reception/schedules", token: nil).text.contains("渝中区信访接待大厅"))
            // The district's own admin still replaces its own schedule (its center is the city's in this tree).
            let ownMove: [String: Any] = ["leader": leader.id, "weekdays": [2], "start": "09:00", "end": "11:00", "slots": 4, "place": "渝中区信访接待大厅"]
            #expect(try await h.send(.put, "/api/v1/reception/schedules/\(sid)", body: jsonText(ownMove), token: yzAdmin.token).status == .ok)

            // Lists and logs hold nothing of the other district (the login log named the city admin's addresses).
            let users = try await h.get("/api/v1/users", token: jbAdmin.token)
            #expect(!users.text.contains("yz.h4") && !users.text.contains("city.admin"), "\(users.text)")
            for path in ["/api/v1/audit/logins", "/api/v1/audit/logins?user=\(cityAdmin.id)", "/api/v1/audit/logins?user=\(u)",
                         "/api/v1/audit/logins?login=yz.h4", "/api/v1/audit/access", "/api/v1/audit/access?user=\(u)"] {
                let r = try await h.get(path, token: jbAdmin.token)
                #expect(r.status == .ok && r["items"].count == 0, "\(path) by a sibling admin: \(r.text)")
            }
            // The console's admin pages too.
            for path in ["/console/admin/users/\(u)", "/console/admin/units/4"] {
                let r = try await h.get(path, token: jbAdmin.token)
                #expect([.notFound, .forbidden].contains(r.status), "\(path): \(r.status.code)")
            }
            for (path, form) in [("/console/admin/users/\(u)/disable", ""), ("/console/admin/units/4/update", "name=改名"),
                                 ("/console/admin/units/4/add", "name=新单位&level=district&kind=department")] {
                let r = try await h.send(.post, path, body: form, token: jbAdmin.token, headers: formHeaders)
                #expect([.notFound, .forbidden].contains(r.status), "POST \(path): \(r.status.code)")
            }
            #expect(try await h.platform.store.user(id: handler.id)?.disabled == false)
            #expect(h.platform.unit(4)?.name == "渝中区城市管理局")

            // The district's own admin reads its own logs; the city admin reads everything.
            let own = try await h.get("/api/v1/audit/logins?user=\(u)", token: yzAdmin.token)
            #expect(own["items"].count >= 2, "\(own.text)")
            #expect(try await h.get("/api/v1/audit/access?user=\(u)", token: yzAdmin.token)["items"].count == 1)
            #expect(try await h.get("/api/v1/audit/logins?user=\(cityAdmin.id)", token: yzAdmin.token)["items"].count == 0)
            #expect(try await h.get("/api/v1/audit/logins?user=\(cityAdmin.id)", token: cityAdmin.token)["items"].count >= 1)
        }
    }
}
