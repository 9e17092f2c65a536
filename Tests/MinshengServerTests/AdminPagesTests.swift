import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Admin pages")
struct AdminPagesTests {
    static func admin(_ h: Harness, unit: Int64 = 1, login: String = "root.admin") async throws -> String {
        try await h.accounts.user(login, unit: unit, roles: [.admin]).token
    }

    func post(_ h: Harness, _ uri: String, _ fields: [(String, String)], token: String) async throws -> APIResponse {
        try await h.send(.post, uri, body: formBody(fields), token: token, headers: formHeaders)
    }

    @Test func onlyAdminsOpenTheAdminPages() async throws {
        try await withAPI(units: dashUnits) { h in
            let leader = try await h.accounts.user("city.leader", unit: 1, roles: [.leader, .dispatcher]).token
            for uri in ["/console/admin/users", "/console/admin/units/1", "/console/admin/categories", "/console/admin/calendar",
                        "/console/admin/policies", "/console/admin/users/1"] {
                let r = try await h.get(uri, token: leader)
                #expect(r.status == .forbidden, "\(uri): \(r.status)")
            }
            #expect(try await post(h, "/console/admin/categories", [("category_0", "城乡建设"), ("word_0", "人力社保")], token: leader).status == .forbidden)
            #expect(try await post(h, "/console/admin/units/6/update", [("name", "改名")], token: leader).status == .forbidden)
            #expect(h.platform.unit(6)?.name == "解放碑街道")
            let admin = try await Self.admin(h)
            for uri in ["/console/admin/users", "/console/admin/units/1", "/console/admin/categories", "/console/admin/calendar?year=2026",
                        "/console/admin/policies"] {
                let r = try await h.get(uri, token: admin)
                #expect(r.status == .ok, "\(uri): \(r.status) \(r.text.prefix(300))")
            }
            // A district admin does not see units or users outside the district.
            let yzAdmin = try await Self.admin(h, unit: 3, login: "yz.admin")
            #expect(try await h.get("/console/admin/units/7", token: yzAdmin).status == .notFound)
            #expect(try await h.get("/console/admin/units/6", token: yzAdmin).status == .ok)
            let jbUser = try await h.accounts.user("jb.handler", unit: 8, roles: [.handler]).id
            #expect(try await h.get("/console/admin/users/\(jbUser)", token: yzAdmin).status == .notFound)
            let list = try await h.get("/console/admin/users", token: yzAdmin)
            #expect(!list.text.contains("jb.handler") && list.text.contains("yz.admin"))
        }
    }

    @Test func usersAreCreatedEditedDisabledAndReset() async throws {
        try await withAPI(units: dashUnits) { h in
            let admin = try await Self.admin(h)
            // The password rule: 10 characters with letters and digits.
            let weak = try await post(h, "/console/admin/users", [("login", "zhang.san"), ("name", "张三"), ("unit", "4"), ("role_handler", "1"),
                                                                  ("password", "short1"), ("confirm", "short1")], token: admin)
            #expect(weak.status == .badRequest && weak.text.contains("密码至少 10 位"))
            #expect(try await h.platform.store.user(login: "zhang.san") == nil)
            let r = try await post(h, "/console/admin/users", [("login", "zhang.san"), ("name", "张三"), ("unit", "4"), ("role_handler", "1"),
                                                               ("password", "Handler2026x"), ("confirm", "Handler2026x")], token: admin)
            #expect(r.status == .seeOther, "\(r.text.prefix(400))")
            let u = try #require(try await h.platform.store.user(login: "zhang.san"))
            #expect(u.roles == [.handler] && u.unit == 4 && u.mustChangePassword && u.name == "张三")
            #expect(r.headers[.location] == "/console/admin/users/\(u.id)?done=created")
            // The list finds them by name.
            let list = try await h.get("/console/admin/users?q=\(enc("张三"))", token: admin)
            #expect(list.text.contains(">zhang.san</a>") && !list.text.contains(">root.admin</a>"))
            // Edit roles, unit and name.
            let e = try await post(h, "/console/admin/users/\(u.id)/update", [("name", "张三丰"), ("unit", "5"), ("role_handler", "1"), ("role_registrar", "1")], token: admin)
            #expect(e.status == .seeOther)
            var now = try #require(try await h.platform.store.user(id: u.id))
            #expect(now.roles == [.handler, .registrar] && now.unit == 5 && now.name == "张三丰")
            // No role at all is refused and changes nothing.
            #expect(try await post(h, "/console/admin/users/\(u.id)/update", [("name", "x")], token: admin).status == .badRequest)
            // Disable ends the sessions; enable; reset the password (must change again); an admin cannot disable themself.
            let session = try await h.platform.accounts.issue(for: now, kind: .session, label: "t").1
            #expect(try await post(h, "/console/admin/users/\(u.id)/disable", [], token: admin).status == .seeOther)
            now = try #require(try await h.platform.store.user(id: u.id))
            #expect(now.disabled)
            #expect(try await h.platform.accounts.authenticate(session) == nil)
            #expect(try await post(h, "/console/admin/users/\(u.id)/enable", [], token: admin).status == .seeOther)
            #expect(try await h.platform.store.user(id: u.id)?.disabled == false)
            #expect(try await post(h, "/console/admin/users/\(u.id)/password", [("password", "Another2026y"), ("confirm", "Another2026y")], token: admin).status == .seeOther)
            let reset = try #require(try await h.platform.store.user(id: u.id))
            #expect(reset.mustChangePassword && reset.passwordHash != now.passwordHash)
            let me = try #require(try await h.platform.store.user(login: "root.admin"))
            let selfOff = try await post(h, "/console/admin/users/\(me.id)/disable", [], token: admin)
            #expect(selfOff.status == .unprocessableContent)
            #expect(try await h.platform.store.user(id: me.id)?.disabled == false)
            // Unlock clears a lockout.
            _ = try await h.platform.store.updateUser(id: u.id) { $0.lockedUntil = h.clock.now().adding(seconds: 900); $0.failedLogins = 5 }
            #expect(try await post(h, "/console/admin/users/\(u.id)/unlock", [], token: admin).status == .seeOther)
            #expect(try await h.platform.store.user(id: u.id)?.lockedUntil == nil)
            // The API shares the same rules (UsersController uses UserAdmin).
            let api = try await h.post("/api/v1/users", ["login": "li.si", "name": "李四", "unit": 4, "roles": ["handler"], "password": "abc"], token: admin)
            expectError(api, .badRequest, "invalid_field")
        }
    }

    @Test func unitsAreAddedRenamedAndMovedWithTheirSubtree() async throws {
        try await withAPI(units: dashUnits) { h in
            let admin = try await Self.admin(h)
            // A village below 解放碑街道 (6), then a group below it.
            let add = try await post(h, "/console/admin/units/6/add", [("name", "较场口社区"), ("level", "village"), ("kind", "government"), ("phone", "023-63001234")], token: admin)
            #expect(add.status == .seeOther, "\(add.text.prefix(300))")
            let village = try #require(h.platform.allUnits().first { $0.name == "较场口社区" })
            #expect(village.parentID == 6 && village.level == .village && village.phone == "023-63001234")
            _ = try await post(h, "/console/admin/units/\(village.id)/add", [("name", "较场口一组"), ("kind", "government")], token: admin)
            let group = try #require(h.platform.allUnits().first { $0.name == "较场口一组" })
            // Rename and phone.
            #expect(try await post(h, "/console/admin/units/6/update", [("name", "解放碑街道办事处"), ("phone", "023-63009999")], token: admin).status == .seeOther)
            #expect(h.platform.unit(6)?.name == "解放碑街道办事处" && h.platform.unit(6)?.phone == "023-63009999")
            #expect(try await h.platform.store.unit(6)?.name == "解放碑街道办事处")
            // Search sees the new name at once.
            let found = try await h.get("/console/admin/units?q=\(enc("办事处"))", token: admin)
            #expect(found.text.contains("解放碑街道办事处"))
            // Move 6 from 渝中区 (3) to 江北区 (7): its village and group follow, in memory and in the stored paths.
            let move = try await post(h, "/console/admin/units/6/move", [("parent", "7")], token: admin)
            #expect(move.status == .seeOther, "\(move.text.prefix(300))")
            #expect(h.platform.unit(6)?.parentID == 7)
            #expect(h.platform.isWithin(group.id, root: 7) && !h.platform.isWithin(group.id, root: 3))
            #expect(h.platform.subtree(of: 7).isSuperset(of: [6, village.id, group.id]))
            #expect(try await h.platform.store.units(parent: 7, query: "一组", limit: 10).map(\.id) == [group.id])
            #expect(try await h.platform.store.units(parent: 3, query: "一组", limit: 10).isEmpty)
            // The district leaders' scopes follow the tree.
            let jb = try #require(try await h.platform.store.user(id: try await h.accounts.user("jb.leader", unit: 7, roles: [.leader]).id))
            #expect(h.platform.scopeUnits(of: jb)?.contains(group.id) == true)
            // A unit cannot move below itself; the top of the scope does not move.
            let loop = try await post(h, "/console/admin/units/6/move", [("parent", "\(group.id)")], token: admin)
            #expect(loop.status == .badRequest && h.platform.unit(6)?.parentID == 7)
            #expect(try await post(h, "/console/admin/units/1/move", [("parent", "3")], token: admin).status == .badRequest)
            // A district admin cannot move a unit out of the district.
            let jbAdmin = try await Self.admin(h, unit: 7, login: "jb.admin")
            #expect(try await post(h, "/console/admin/units/6/move", [("parent", "3")], token: jbAdmin).status == .forbidden)
            // The page shows the tree.
            let page = try await h.get("/console/admin/units/7", token: admin)
            #expect(page.text.contains("解放碑街道办事处") && page.text.contains("江北区人力社保局"))
        }
    }

    @Test func anEditedCategoryMappingChangesTheNextSuggestionAndPersists() async throws {
        let classifier = try #require(try shippedClassifier())
        let store = try await SQLiteStore.open(.memory)
        let clock = ManualClock(monday9)
        var auth = AuthSettings()
        auth.bcryptCost = 4
        let platform = Platform(store: store, clock: clock, calendar: try shippedCalendar(), classifier: classifier, auth: auth)
        try await platform.addUnits(dashUnits)
        let app = buildApplication(config: AppConfig(calendar: platform.calendar), platform: platform)
        try await app.test(.router) { client in
            let h = Harness(platform: platform, clock: clock, client: client, accounts: TestAccounts(platform: platform))
            var draft = CaseDraft(channel: .web, kind: .help, title: "工地拖欠农民工工资",
                                  content: "我在工地务工半年，包工头拖欠工资三万多元，劳动合同也没有签，多次讨薪无果，请求劳动监察部门帮助。")
            draft.locationUnit = 6
            let before = try await platform.register(draft, by: watchAdmin).case.suggestion
            #expect(before?.category == "劳动和社会保障" && before?.unit == 5)
            // The admin points 劳动和社会保障 at the city housing commission's word instead (rows are sorted by name).
            let admin = try await Self.admin(h)
            let page = try await h.get("/console/admin/categories", token: admin)
            #expect(page.text.contains("人力社保"))
            var fields: [(String, String)] = []
            for (i, (k, v)) in platform.categoryDepartments.sorted(by: { $0.key < $1.key }).enumerated() {
                fields += [("category_\(i)", k), ("word_\(i)", k == "劳动和社会保障" ? "住房城乡建" : v)]
            }
            fields += [("category_7", "信访维稳"), ("word_7", "信访")]
            let r = try await post(h, "/console/admin/categories", fields, token: admin)
            #expect(r.status == .seeOther, "\(r.text.prefix(300))")
            #expect(platform.categoryDepartments["劳动和社会保障"] == "住房城乡建" && platform.categoryDepartments["信访维稳"] == "信访")
            draft.title = "工地拖欠工资"
            let after = try await platform.register(draft, by: watchAdmin).case.suggestion
            #expect(after?.category == "劳动和社会保障" && after?.unit == 10) // 渝中区 has no such department: the city's
            // A keyword is required.
            let bad = try await post(h, "/console/admin/categories", [("category_0", "城乡建设"), ("word_0", "")], token: admin)
            #expect(bad.status == .badRequest && platform.categoryDepartments.count == 8)
            // A district admin reads but does not edit.
            let yzAdmin = try await Self.admin(h, unit: 3, login: "yz.admin")
            #expect(try await post(h, "/console/admin/categories", fields, token: yzAdmin).status == .forbidden)
            // Persisted: a platform started on the same database reads it back.
            let again = Platform(store: store, clock: clock, calendar: try shippedCalendar(), classifier: classifier)
            try await again.loadUnits()
            try await again.loadSettings()
            #expect(again.categoryDepartments == platform.categoryDepartments)
            #expect(again.suggestedUnit(for: "劳动和社会保障", near: 6) == 10)
        }
        try await store.close()
    }

    @Test func theCalendarIsEditedAndPersisted() async throws {
        try await withAPI(units: dashUnits) { h in
            let admin = try await Self.admin(h)
            let page = try await h.get("/console/admin/calendar?year=2026", token: admin)
            #expect(page.text.contains("2026-10-01") && page.text.contains("国庆"))
            let monday = Day("2026-11-09")!, saturday = Day("2026-11-14")!, national = Day("2026-10-01")!
            #expect(h.platform.calendar.isWorkingDay(monday))
            // A holiday on a Monday, a make-up working Saturday, and 10-01 back to an ordinary Thursday.
            #expect(try await post(h, "/console/admin/calendar", [("day", "2026-11-09"), ("rule", "off"), ("name", "临时放假")], token: admin).status == .seeOther)
            #expect(try await post(h, "/console/admin/calendar", [("day", "2026-11-14"), ("rule", "work"), ("name", "调休上班")], token: admin).status == .seeOther)
            #expect(try await post(h, "/console/admin/calendar", [("day", "2026-10-01"), ("rule", "normal")], token: admin).status == .seeOther)
            #expect(!h.platform.calendar.isWorkingDay(monday) && h.platform.calendar.isWorkingDay(saturday) && h.platform.calendar.isWorkingDay(national))
            // A make-up working day must be a weekend day.
            #expect(try await post(h, "/console/admin/calendar", [("day", "2026-11-10"), ("rule", "work")], token: admin).status == .badRequest)
            let shown = try await h.get("/console/admin/calendar?year=2026", token: admin)
            #expect(shown.text.contains("临时放假") && shown.text.contains("管理员调整"))
            // Deadlines counted from now on use it: a case registered Friday 11-06 must be dispatched by Tuesday 11-10.
            h.clock.set(at("2026-11-06T09:00:00+08:00"))
            let id = try await h.register(channel: "phone", category: "城乡建设", location: 6)
            let c = try #require(try await h.platform.store.case(Int64(id)))
            #expect(c.deadlines.dispatch == ChinaTime.endOf(Day("2026-11-10")!), "\(String(describing: c.deadlines.dispatch))")
            // Persisted and applied on start.
            let again = Platform(store: h.platform.store, clock: h.clock, calendar: try shippedCalendar())
            try await again.loadSettings()
            #expect(!again.calendar.isWorkingDay(monday) && again.calendar.isWorkingDay(saturday) && again.calendar.isWorkingDay(national))
            // Undo restores the file's rule.
            #expect(try await post(h, "/console/admin/calendar", [("day", "2026-10-01"), ("undo", "1")], token: admin).status == .seeOther)
            #expect(!h.platform.calendar.isWorkingDay(national))
        }
    }
}
