import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore
import MinshengText

/// The admin pages (issue 5 item 4), admins only, each within the admin's scope: users and roles, the unit tree,
/// the category → department table, the work calendar, the deadline policies in force. Every change is a form post
/// (CSRF-checked for cookie sessions) answered by a redirect with a flash, or by the form again with the refusal.
struct AdminController {
    let platform: Platform
    let pages: Pages
    let units: UnitSearch
    var console: ConsoleController { ConsoleController(platform: platform, pages: pages) }
    var users: UserAdmin { UserAdmin(platform: platform) }

    init(platform: Platform, pages: Pages) {
        self.platform = platform
        self.pages = pages
        units = UnitSearch(platform: platform)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("console/admin") { _, context in
            _ = try admin(context)
            return Web.redirect("/console/admin/users")
        }
        group.get("console/admin/users", use: userList)
        group.post("console/admin/users", use: createUser)
        group.get("console/admin/users/:uid", use: userPage)
        group.post("console/admin/users/:uid/:op", use: changeUser)
        group.get("console/admin/units", use: unitList)
        group.get("console/admin/units/:id", use: unitPage)
        group.post("console/admin/units/:id/:op", use: changeUnit)
        group.get("console/admin/categories", use: categoriesPage)
        group.post("console/admin/categories", use: saveCategories)
        group.get("console/admin/calendar", use: calendarPage)
        group.post("console/admin/calendar", use: changeCalendar)
        group.get("console/admin/policies", use: policiesPage)
        group.get("console/admin/risk", use: riskPage)
        group.post("console/admin/risk", use: saveRisk)
    }

    // MARK: Common

    func admin(_ context: AppRequestContext) throws -> Principal {
        let p = try console.user(context)
        guard p.user.roles.contains(.admin) else { throw APIError(.forbidden, "role_not_allowed", "系统管理需要管理员角色") }
        return p
    }

    static let tabs: [(String, String, String)] = [
        ("users", "用户与角色", "/console/admin/users"), ("units", "单位", "/console/admin/units"),
        ("categories", "分类与承办部门", "/console/admin/categories"), ("calendar", "工作日历", "/console/admin/calendar"),
        ("policies", "办理时限标准", "/console/admin/policies"), ("risk", "风险词", "/console/admin/risk"),
        ("reception", "领导接访日", "/console/admin/reception"),
    ]

    func base(_ p: Principal, tab: String, title: String, flash: [String: String]? = nil) -> [String: Any] {
        var c = console.base(p, nav: "admin", title: title)
        c["tabs"] = Self.tabs.map { ["key": $0.0, "label": $0.1, "href": $0.2, "on": $0.0 == tab] as [String: Any] }
        c["scopeName"] = platform.unit(platform.scopeRoot(of: p.user))?.name ?? ""
        if let flash { c["flash"] = flash }
        if let w = platform.calendarWarning() {
            c["calendarWarning"] = ["text": w.text, "year": w.years[0].year] as [String: Any]
        }
        return c
    }

    /// Global settings (categories, calendar) belong to admins of the whole tree; others read them.
    func isTopAdmin(_ u: User) -> Bool { platform.unit(platform.scopeRoot(of: u))?.parentID == nil }

    static let done: [String: String] = [
        "created": "已创建用户，首次登录时须修改密码", "updated": "已保存", "disabled": "账号已停用，所有会话已结束", "enabled": "账号已启用",
        "unlocked": "已解除锁定", "password": "已重置密码，用户下次登录须修改密码；原有会话已结束",
        "added": "已添加下级单位", "renamed": "已保存单位信息", "moved": "已移动单位（含全部下级）", "saved": "已保存，新登记的诉求按新设置建议承办部门",
        "day": "已更新日历，之后的办理时限按新日历计算",
    ]

    func flash(_ request: Request) -> [String: String]? {
        request.uri.queryParameters.get("done").flatMap { Self.done[String($0)] }.map { ["kind": "ok", "text": $0] }
    }

    func param(_ request: Request, _ k: String) -> String? {
        request.uri.queryParameters.get(k).flatMap { $0.isEmpty ? nil : String($0) }
    }

    static let roles: [Role] = [.registrar, .dispatcher, .handler, .supervisor, .leader, .admin]

    static func roleOptions(_ selected: Set<Role>) -> [[String: Any]] {
        roles.map { ["value": $0.rawValue, "label": $0.label, "checked": selected.contains($0)] as [String: Any] }
    }

    static func roles(from f: [String: String]) -> Set<Role> {
        Set(roles.filter { f["role_\($0.rawValue)"] != nil })
    }

    func unitHits(_ q: String?, root: UnitID) -> [[String: Any]] {
        guard let q, !q.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        return units.search(q, within: root, limit: 20).map { ["id": $0.id, "name": $0.path] as [String: Any] }
    }

    func userRow(_ u: User) -> [String: Any] {
        let locked = u.lockedUntil.map { $0 > platform.clock.now() } ?? false
        return Web.compact([
            "id": u.id, "login": u.login, "name": u.name, "unitName": platform.unit(u.unit)?.name ?? "单位 \(u.unit)", "unit": u.unit,
            "roles": u.roles.sorted { $0.rawValue < $1.rawValue }.map(\.label).joined(separator: "、"),
            "disabled": u.disabled ? true : nil, "locked": locked ? true : nil, "lockedUntil": Web.time(u.lockedUntil),
            "mustChange": u.mustChangePassword ? true : nil, "created": Web.time(u.createdAt),
            "passwordChanged": Web.time(u.passwordChangedAt),
        ])
    }

    // MARK: Users

    @Sendable func userList(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        return try await renderUsers(p, request: request, form: [:], error: nil, status: .ok)
    }

    func renderUsers(_ p: Principal, request: Request, form: [String: String], error: APIError?, status: HTTPResponse.Status) async throws -> Response {
        var c = base(p, tab: "users", title: "用户与角色", flash: error.map { ["kind": "bad", "text": $0.message] } ?? flash(request))
        let q = param(request, "q")
        let list = try await users.list(by: p.user, q: q, limit: 501)
        c["q"] = q ?? ""
        c["users"] = list.prefix(500).map(userRow)
        c["count"] = min(list.count, 500)
        c["more"] = list.count > 500
        c["v"] = form
        c["roleOptions"] = Self.roleOptions(Self.roles(from: form))
        let root = platform.scopeRoot(of: p.user)
        if let u = form["unit"].flatMap(Int64.init), let un = platform.unit(u) { c["unitChosen"] = ["id": un.id, "name": units.path(of: un.id)] }
        c["unitHits"] = unitHits(form["unitq"], root: root)
        c["openCreate"] = !form.isEmpty
        if let e = error, let f = e.field { c["e"] = [f: e.message] }
        return pages.html("admin-users", c, status: status)
    }

    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let f = try await Web.form(request)
        if f["searchUnits"] != nil { return try await renderUsers(p, request: request, form: f, error: nil, status: .ok) }
        do {
            guard let unit = f["unit"].flatMap(Int64.init) else { throw APIError.invalid("unit", "请搜索并选择所属单位") }
            let roles = Self.roles(from: f)
            guard !roles.isEmpty else { throw APIError.invalid("roles", "至少选择一个角色") }
            guard let pw = f["password"], pw == f["confirm"] else { throw APIError.invalid("confirm", "两次输入的初始密码不一致") }
            let u = try await users.create(by: p.user, login: (f["login"] ?? "").trimmed, name: f["name"] ?? "", unit: unit, roles: roles,
                                           password: pw, address: context.clientAddress)
            return Web.redirect("/console/admin/users/\(u.id)?done=created")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            var kept = f
            kept["password"] = nil; kept["confirm"] = nil
            return try await renderUsers(p, request: request, form: kept, error: e, status: e.status == .conflict ? .conflict : e.status)
        }
    }

    @Sendable func userPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let u = try await users.target(context.parameters.get("uid").flatMap(Int64.init), admin: p.user)
        return renderUser(p, u, request: request, flash: flash(request), form: nil, status: .ok)
    }

    func renderUser(_ p: Principal, _ u: User, request: Request, flash: [String: String]?, form: [String: String]?, status: HTTPResponse.Status,
                    unitQuery: String? = nil) -> Response {
        var c = base(p, tab: "users", title: "用户 \(u.login)", flash: flash)
        c["u"] = userRow(u)
        c["isSelf"] = u.id == p.user.id
        let values = form ?? ["name": u.name]
        c["v"] = values
        c["roleOptions"] = Self.roleOptions(form.map(Self.roles(from:)) ?? u.roles)
        let chosen = values["unit"].flatMap(Int64.init) ?? u.unit
        c["unitChosen"] = ["id": chosen, "name": units.path(of: chosen)]
        c["unitHits"] = unitHits(unitQuery, root: platform.scopeRoot(of: p.user))
        c["unitq"] = unitQuery ?? ""
        return pages.html("admin-user", c, status: status)
    }

    @Sendable func changeUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let u = try await users.target(context.parameters.get("uid").flatMap(Int64.init), admin: p.user)
        let op = context.parameters.get("op") ?? ""
        let f = try await Web.form(request)
        if f["searchUnits"] != nil {
            return renderUser(p, u, request: request, flash: nil, form: f, status: .ok, unitQuery: f["unitq"])
        }
        do {
            let done: String
            switch op {
            case "update":
                let roles = Self.roles(from: f)
                guard !roles.isEmpty else { throw APIError.invalid("roles", "至少选择一个角色") }
                _ = try await users.update(u, by: p.user, .init(name: f["name"], unit: f["unit"].flatMap(Int64.init), roles: roles),
                                           address: context.clientAddress)
                done = "updated"
            case "disable":
                _ = try await users.update(u, by: p.user, .init(disabled: true), address: context.clientAddress); done = "disabled"
            case "enable":
                _ = try await users.update(u, by: p.user, .init(disabled: false), address: context.clientAddress); done = "enabled"
            case "unlock":
                _ = try await users.update(u, by: p.user, .init(unlock: true), address: context.clientAddress); done = "unlocked"
            case "password":
                guard let pw = f["password"], pw == f["confirm"] else { throw APIError.invalid("confirm", "两次输入的新密码不一致") }
                _ = try await users.resetPassword(u, by: p.user, password: pw, address: context.clientAddress); done = "password"
            default:
                throw APIError.notFound("未知操作")
            }
            return Web.redirect("/console/admin/users/\(u.id)?done=\(done)")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError || e.status == .notFound { throw error }
            var kept = f
            kept["password"] = nil; kept["confirm"] = nil
            return renderUser(p, u, request: request, flash: ["kind": "bad", "text": e.message], form: op == "update" ? kept : nil, status: e.status)
        }
    }

    // MARK: Units

    func unitRow(_ u: Unit) -> [String: Any] {
        Web.compact(["id": u.id, "name": u.name, "level": u.level.label, "kind": u.kind.label, "phone": u.phone,
                     "children": platform.children(of: u.id).count])
    }

    /// The chain from the admin's scope root down to `id`.
    func breadcrumb(_ id: UnitID, root: UnitID) -> [[String: Any]] {
        var chain: [Unit] = []
        var cur = platform.unit(id)
        while let u = cur {
            chain.append(u)
            if u.id == root { break }
            cur = u.parentID.flatMap(platform.unit)
        }
        return chain.reversed().map { ["id": $0.id, "name": $0.name] as [String: Any] }
    }

    @Sendable func unitList(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let root = platform.scopeRoot(of: p.user)
        var c = base(p, tab: "units", title: "单位", flash: flash(request))
        if let q = param(request, "q") {
            c["q"] = q
            c["hits"] = units.search(q, within: root, limit: 50).compactMap { h in platform.unit(h.id).map { unitRow($0).merging(["path": h.path] as [String: Any]) { a, _ in a } } }
            c["searching"] = true
            return pages.html("admin-units", c)
        }
        return Web.redirect("/console/admin/units/\(root)")
    }

    @Sendable func unitPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let u = try scopedUnit(context, p)
        return renderUnit(p, u, flash: flash(request), form: [:], status: .ok, moveQuery: param(request, "moveq"))
    }

    func scopedUnit(_ context: AppRequestContext, _ p: Principal) throws -> Unit {
        guard let id = context.parameters.get("id").flatMap(Int64.init), let u = platform.unit(id),
              platform.isWithin(id, root: platform.scopeRoot(of: p.user)) else { throw APIError.notFound("单位不存在或不在您的管辖范围内") }
        return u
    }

    func renderUnit(_ p: Principal, _ u: Unit, flash: [String: String]?, form: [String: String], status: HTTPResponse.Status, moveQuery: String? = nil) -> Response {
        let root = platform.scopeRoot(of: p.user)
        var c = base(p, tab: "units", title: u.name, flash: flash)
        c["unit"] = unitRow(u)
        c["path"] = units.path(of: u.id)
        c["crumbs"] = breadcrumb(u.id, root: root)
        let kids = platform.children(of: u.id)
        c["childRows"] = kids.prefix(1000).map(unitRow)
        c["childCount"] = kids.count
        c["isRoot"] = u.id == root
        c["v"] = form
        c["levels"] = UnitLevel.allCases.filter { $0 >= u.level }.map { ["value": $0.rawValue, "label": $0.label, "selected": $0.rawValue == (form["level"] ?? u.level.rawValue)] as [String: Any] }
        c["kinds"] = ConsoleController.options(UnitKind.self, selected: form["kind"] ?? "department")
        if let q = moveQuery {
            c["moveq"] = q
            let hits = units.search(q, within: root, limit: 20).filter { !platform.isWithin($0.id, root: u.id) && $0.id != u.parentID }
                .map { ["id": $0.id, "name": $0.path] as [String: Any] }
            c["moveHits"] = hits
            c["hasMoveHits"] = !hits.isEmpty
            c["noMoveHits"] = hits.isEmpty
        }
        return pages.html("admin-unit", c, status: status)
    }

    @Sendable func changeUnit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let u = try scopedUnit(context, p)
        let op = context.parameters.get("op") ?? ""
        let f = try await Web.form(request)
        let root = platform.scopeRoot(of: p.user)
        do {
            switch op {
            case "add":
                let kind = try parseEnum("kind", f["kind"] ?? "", UnitKind.self)
                let level = try f["level"].map { try parseEnum("level", $0, UnitLevel.self) }
                let child = try await platform.createUnit(parent: u.id, name: f["name"] ?? "", level: level, kind: kind, phone: f["phone"])
                return Web.redirect("/console/admin/units/\(child.id)?done=added")
            case "update":
                try await platform.updateUnit(u.id, name: f["name"] ?? u.name, phone: .some(f["phone"]))
                return Web.redirect("/console/admin/units/\(u.id)?done=renamed")
            case "move":
                guard u.id != root else { throw APIError.invalid("parent", "不能移动您管辖范围的顶层单位") }
                guard let to = f["parent"].flatMap(Int64.init) else { throw APIError.invalid("parent", "请搜索并选择新的上级单位") }
                guard platform.isWithin(to, root: root) else { throw APIError(.forbidden, "out_of_scope", "新上级不在您的管辖范围内") }
                try await platform.updateUnit(u.id, parent: to)
                return Web.redirect("/console/admin/units/\(u.id)?done=moved")
            default:
                throw APIError.notFound("未知操作")
            }
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError || e.status == .notFound { throw error }
            return renderUnit(p, u, flash: ["kind": "bad", "text": e.message], form: op == "add" ? f : [:], status: e.status)
        }
    }

    // MARK: Categories

    // MARK: Risk words

    @Sendable func riskPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        return renderRisk(p, flash: flash(request), text: nil, error: nil, status: .ok)
    }

    func renderRisk(_ p: Principal, flash: [String: String]?, text: String?, error: String?, status: HTTPResponse.Status) -> Response {
        var c = base(p, tab: "risk", title: "风险词", flash: flash)
        let lexicon = platform.intelligence.riskMatcher.lexicon
        c["text"] = text ?? lexicon.text
        c["error"] = error
        c["categories"] = lexicon.categories.map { ["id": $0.id, "name": $0.name, "count": $0.phrases.count] as [String: Any] }
        c["editable"] = isTopAdmin(p.user)
        return pages.html("admin-risk", Web.compact(c), status: status)
    }

    /// The whole list as one text (the documented file format); a bad line is refused with its number and nothing
    /// changes; a saved list applies to the next registration and is kept across restarts.
    @Sendable func saveRisk(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        guard isTopAdmin(p.user) else { throw APIError(.forbidden, "out_of_scope", "风险词适用于全市，只能由市级管理员修改") }
        let f = try await Web.form(request)
        let text = f["text"] ?? ""
        do {
            try await platform.setRiskWords(text)
        } catch let e as RiskLexicon.ParseError {
            return renderRisk(p, flash: nil, text: text, error: e.description, status: .badRequest)
        } catch let error where APIError.refusal(error) != nil {
            let e = APIError.refusal(error)!
            return renderRisk(p, flash: nil, text: text, error: e.message, status: e.status)
        }
        try await platform.logAuth(AuthEvent(at: platform.clock.now(), login: p.user.login, userID: p.user.id, outcome: "risk_words_changed", address: context.clientAddress))
        return Web.redirect("/console/admin/risk?done=updated")
    }

    @Sendable func categoriesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        return renderCategories(p, flash: flash(request), rows: nil, status: .ok)
    }

    func renderCategories(_ p: Principal, flash: [String: String]?, rows: [(String, String)]?, status: HTTPResponse.Status) -> Response {
        var c = base(p, tab: "categories", title: "分类与承办部门", flash: flash)
        let table = rows ?? platform.categoryDepartments.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let cityRoot = platform.rootUnit
        c["rows"] = table.enumerated().map { i, kv -> [String: Any] in
            // Which department the word finds today under the city (an example; each district has its own).
            let found = cityRoot.flatMap { r in platform.children(of: r).first { $0.kind == .department && !kv.1.isEmpty && $0.name.contains(kv.1) } }
            let districts = platform.allUnits().filter { $0.level == .district && $0.kind == .government }
            let matched = districts.filter { d in platform.children(of: d.id).contains { $0.kind == .department && !kv.1.isEmpty && $0.name.contains(kv.1) } }.count
            return Web.compact(["i": i, "category": kv.0, "word": kv.1, "cityDept": found?.name, "districts": "\(matched) / \(districts.count)"])
        }
        c["next"] = table.count
        c["editable"] = isTopAdmin(p.user)
        return pages.html("admin-categories", c, status: status)
    }

    @Sendable func saveCategories(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        guard isTopAdmin(p.user) else { throw APIError(.forbidden, "out_of_scope", "分类设置适用于全市，只能由市级管理员修改") }
        let f = try await Web.form(request)
        var rows: [(String, String)] = []
        for i in 0..<100 {
            guard let cat = f["category_\(i)"] else { continue }
            if f["remove_\(i)"] != nil { continue }
            let word = f["word_\(i)"] ?? ""
            if cat.trimmed.isEmpty && word.trimmed.isEmpty { continue }
            rows.append((cat.trimmed, word.trimmed))
        }
        do {
            var table: [String: String] = [:]
            for (k, v) in rows {
                guard !k.isEmpty else { throw APIError.invalid("category", "关键词“\(v)”缺少分类名称") }
                guard table[k] == nil else { throw APIError.invalid("category", "分类“\(k)”重复") }
                table[k] = v
            }
            try await platform.setCategoryDepartments(table)
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            return renderCategories(p, flash: ["kind": "bad", "text": e.message], rows: rows, status: e.status)
        }
        return Web.redirect("/console/admin/categories?done=saved")
    }

    // MARK: Calendar

    @Sendable func calendarPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let year = param(request, "year").flatMap(Int.init) ?? ChinaTime.day(of: platform.clock.now()).year
        return renderCalendar(p, year: year, flash: flash(request), status: .ok)
    }

    func renderCalendar(_ p: Principal, year: Int, flash: [String: String]?, status: HTTPResponse.Status) -> Response {
        let year = min(max(year, 1990), 2200)
        var c = base(p, tab: "calendar", title: "工作日历 \(year)", flash: flash)
        let cal = platform.calendar
        let changes = Dictionary(platform.calendarChanges.map { ($0.day, $0) }, uniquingKeysWith: { a, _ in a })
        let base = platform.baseCalendar
        let weekdays = ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        var days = Set(cal.entries.filter { $0.day.year == year }.map(\.day))
        for d in changes.keys where d.year == year { days.insert(d) }
        c["days"] = days.sorted().map { d -> [String: Any] in
            let e = cal.entry(on: d)
            let o = changes[d]
            return Web.compact([
                "day": d.description, "weekday": weekdays[d.weekday],
                "rule": e.map { $0.rule == .off ? "放假" : "调休上班" } ?? (d.isWeekend ? "休息（周末）" : "上班"),
                "off": e?.rule == .off ? true : nil, "work": e?.rule == .work ? true : nil,
                "name": e?.name ?? o?.name, "source": o == nil ? "日历文件" : "管理员调整",
                "fromFile": base.entry(on: d).map { "文件：\($0.rule == .off ? "放假" : "调休上班") \($0.name)" },
                "changed": o != nil ? true : nil,
            ])
        }
        var working = 0
        if let first = Day(year: year, month: 1, day: 1) {
            var d = first
            while d.year == year { if cal.isWorkingDay(d) { working += 1 }; d = d.adding(days: 1) }
        }
        c["year"] = year
        c["prev"] = year - 1
        c["next"] = year + 1
        c["covered"] = cal.isCovered(year)
        let missing = cal.missingHolidays(in: year)
        if !missing.isEmpty && missing.count < WorkCalendar.statutoryHolidays.count {
            c["missingHolidays"] = missing.joined(separator: "、")
        }
        c["workingDays"] = working
        c["editable"] = isTopAdmin(p.user)
        c["rules"] = CalendarOverride.Rule.allCases.map { ["value": $0.rawValue, "label": $0.label] }
        return pages.html("admin-calendar", c, status: status)
    }

    @Sendable func changeCalendar(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        guard isTopAdmin(p.user) else { throw APIError(.forbidden, "out_of_scope", "工作日历适用于全市，只能由市级管理员修改") }
        let f = try await Web.form(request)
        let year = f["year"].flatMap(Int.init) ?? ChinaTime.day(of: platform.clock.now()).year
        do {
            guard let day = f["day"].flatMap({ Day($0) }) else { throw APIError.invalid("day", "请填写日期 YYYY-MM-DD") }
            if f["undo"] != nil {
                try await platform.setCalendarDay(day, rule: nil)
            } else {
                guard let rule = f["rule"].flatMap(CalendarOverride.Rule.init(rawValue:)) else { throw APIError.invalid("rule", "请选择放假、调休上班或按平常") }
                try await platform.setCalendarDay(day, rule: rule, name: f["name"] ?? "")
            }
            return Web.redirect("/console/admin/calendar?year=\(day.year)&done=day")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            return renderCalendar(p, year: year, flash: ["kind": "bad", "text": e.message], status: e.status)
        }
    }

    // MARK: Policies

    static let stepLabels: [DeadlineStep: String] = [
        .dispatch: "登记后转送/交办", .sign: "转交后签收", .object: "错转异议（退单）", .accept: "受理或不予受理（书面告知）",
        .reply: "受理后答复（办结）", .extensionCap: "延期合计上限", .reviewRequest: "申请复查（答复后）", .reviewDecision: "复查决定",
        .rereviewRequest: "申请复核（复查决定后）", .rereviewDecision: "复核决定",
    ]

    @Sendable func policiesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        var c = base(p, tab: "policies", title: "办理时限标准")
        let policies = platform.policies.values.sorted { ($0.id != platform.defaultPolicyID ? 1 : 0, $0.id) < ($1.id != platform.defaultPolicyID ? 1 : 0, $1.id) }
        c["headers"] = policies.map { ["name": $0.name, "id": $0.id, "isDefault": $0.id == platform.defaultPolicyID] as [String: Any] }
        c["steps"] = DeadlineStep.allCases.map { s -> [String: Any] in
            ["step": Self.stepLabels[s] ?? s.rawValue, "cells": policies.map { $0.period(s)?.description ?? "—" }] as [String: Any]
        } + [
            ["step": "预警（送达后未受理）", "cells": policies.map { $0.warnAfterDelivery.description }] as [String: Any],
            ["step": "紧急（距答复期限）", "cells": policies.map { $0.urgentLead.description }] as [String: Any],
        ]
        c["defaultName"] = platform.policies[platform.defaultPolicyID]?.name ?? platform.defaultPolicyID
        return pages.html("admin-policies", c)
    }
}
