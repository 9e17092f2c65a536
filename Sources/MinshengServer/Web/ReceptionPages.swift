import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// Reception days on the web: the public page where citizens see the leaders' reception days and book a slot (phone
/// sized, no JavaScript), the hotline console's page to book for a caller, and the admin's page to publish schedules.
struct ReceptionPages {
    let platform: Platform
    let pages: Pages
    let console: ConsoleController
    let api: ReceptionController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("reception", use: portalPage)
        group.post("reception/book", use: portalBook)
        group.post("reception/cancel", use: portalCancel)
        group.get("console/reception", use: consolePage)
        group.post("console/reception/book", use: consoleBook)
        group.get("console/admin/reception", use: adminPage)
        group.post("console/admin/reception", use: adminSave)
    }

    // MARK: The schedule as the pages show it

    func schedules(values: [String: String] = [:], errors: [String: String] = [:], failedSchedule: String? = nil) async throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        for s in try await platform.receptionSchedules() where s.active {
            let days = try await platform.upcomingReception(s)
            let mine = failedSchedule == s.id
            out.append(Web.compact([
                "id": s.id, "leader": s.leaderName, "place": s.place, "topics": s.topics,
                "when": s.weekdays.map { ReceptionSchedule.weekdayNames[$0] }.joined(separator: "、") + " "
                    + ReceptionSchedule.clock(s.startMinute) + "–" + ReceptionSchedule.clock(s.endMinute) + "，每天 \(s.slots) 个名额",
                "hasExceptions": s.exceptions.contains { $0.day >= ChinaTime.day(of: platform.clock.now()) },
                "exceptions": s.exceptions.filter { $0.day >= ChinaTime.day(of: platform.clock.now()) }.map { ["date": $0.day.description, "reason": $0.reason] },
                "none": days.allSatisfy { $0.freeCount == 0 },
                "days": days.map { d -> [String: Any] in
                    ["date": d.day.description, "weekday": ReceptionSchedule.weekdayNames[d.day.weekday], "free": d.freeCount,
                     "slots": d.slots.map { sl -> [String: Any] in
                         let value = "\(d.day)|\(sl.index)"
                         return ["value": value, "time": String(Web.time(sl.start).suffix(5)) + "–" + String(Web.time(sl.end).suffix(5)),
                                 "free": sl.free, "checked": mine && values["pick"] == value]
                     }]
                },
                "v": mine ? values : [:], "e": mine ? errors : [:],
                "message": mine ? errors["_"] : nil,
            ]))
        }
        return out
    }

    /// A booking from the form: the chosen slot comes as "date|slot".
    func booking(_ f: [String: String], staff: User?, address: String) async throws -> (ReceptionBooking, Case) {
        var values = f
        let pick = (f["pick"] ?? "").split(separator: "|")
        values["date"] = pick.first.map(String.init)
        values["slot"] = pick.count == 2 ? String(pick[1]) : "-1"
        let form = FormFields(values, allowed: CitizenDesk.bookingFields + ["name", "phone"])
        let draft = try CitizenDesk.bookingDraft(form, name: try form.text("name", max: 50), phone: try form.text("phone", max: 20))
        return try await api.desk.book(draft, staff: staff, address: address)
    }

    /// A refusal shown next to the field it is about.
    static func errorField(_ e: APIError) -> String {
        switch e.field ?? "" {
        case "citizen.name": "name"
        case "citizen.phone": "phone"
        case "subject": "subject"
        case "date", "slot": "pick"
        default: "_"
        }
    }

    // MARK: Portal

    @Sendable func portalPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        pages.html("reception", ["portal": true, "nav": ["reception": true], "action": "/reception/book", "public": true,
                                 "schedules": try await schedules()])
    }

    @Sendable func portalBook(_ request: Request, context: AppRequestContext) async throws -> Response {
        let f = try await Web.form(request)
        do {
            if (f["pick"] ?? "").isEmpty { throw APIError.invalid("slot", "请选择接访时段") }
            let (b, c) = try await booking(f, staff: nil, address: context.clientAddress)
            let s = try await platform.receptionSchedule(b.scheduleID)
            return pages.html("reception-done", ["portal": true, "code": c.trackingCode, "time": Web.time(b.startsAt),
                                                 "leader": s?.leaderName ?? "", "place": s?.place ?? "",
                                                 "phone4": String((f["phone"] ?? "").filter(\.isNumber).suffix(4))])
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            return pages.html("reception", ["portal": true, "nav": ["reception": true], "action": "/reception/book", "public": true,
                                            "schedules": try await schedules(values: f, errors: [Self.errorField(e): e.message], failedSchedule: f["schedule"])],
                              status: e.status)
        }
    }

    @Sendable func portalCancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let f = try await Web.form(request)
        let code = f["code"] ?? "", phone4 = f["phone4"] ?? ""
        do {
            let c = try await api.desk.lookUp(code: code, phone4: phone4, address: context.clientAddress)
            _ = try await platform.cancelBooking(c)
            return Web.redirect("/track?code=\(c.trackingCode)&phone4=\(phone4.filter(\.isNumber))&cancelled=1")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            return pages.html("reception", ["portal": true, "nav": ["reception": true], "action": "/reception/book", "public": true,
                                            "cancelError": e.message, "schedules": try await schedules()], status: e.status)
        }
    }

    // MARK: Hotline console

    func staff(_ context: AppRequestContext) throws -> Principal {
        let p = try console.user(context)
        guard !p.user.roles.isDisjoint(with: [.registrar, .dispatcher]) else { throw APIError(.forbidden, "role_not_allowed", "需要登记员或分拨员角色") }
        return p
    }

    @Sendable func consolePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try staff(context)
        var c = console.base(p, nav: "reception", title: "领导接访日预约")
        c["action"] = "/console/reception/book"
        c["schedules"] = try await schedules()
        return pages.html("reception", c)
    }

    @Sendable func consoleBook(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try staff(context)
        let f = try await Web.form(request)
        do {
            if (f["pick"] ?? "").isEmpty { throw APIError.invalid("slot", "请选择接访时段") }
            let (_, c) = try await booking(f, staff: p.user, address: context.clientAddress)
            return Web.redirect("/console/cases/\(c.id)?done=register")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError || e.status == .forbidden { throw error }
            var c = console.base(p, nav: "reception", title: "领导接访日预约")
            c["action"] = "/console/reception/book"
            c["schedules"] = try await schedules(values: f, errors: [Self.errorField(e): e.message], failedSchedule: f["schedule"])
            return pages.html("reception", c, status: e.status)
        }
    }

    // MARK: Admin

    func admin(_ context: AppRequestContext) throws -> Principal {
        let p = try console.user(context)
        guard p.user.roles.contains(.admin) else { throw APIError(.forbidden, "role_not_allowed", "系统管理需要管理员角色") }
        return p
    }

    func adminContext(_ p: Principal, values: [String: String] = [:], error: (field: String, message: String)? = nil,
                      flash: [String: String]? = nil) async throws -> [String: Any] {
        var c = AdminController(platform: platform, pages: pages).base(p, tab: "reception", title: "领导接访日", flash: flash)
        let leaders = try await platform.users(units: platform.scopeUnits(of: p.user), limit: 5000).filter { $0.roles.contains(.leader) && !$0.disabled }
        func form(_ s: ReceptionSchedule?, _ v: [String: String]) -> [String: Any] {
            let wds = s?.weekdays ?? (1...7).filter { v["wd\($0)"] != nil }
            let leaderID = s.map { String($0.leaderID) } ?? v["leader"]
            return Web.compact([
                "id": s?.id ?? v["id"] ?? "",
                "leaders": leaders.map { l -> [String: Any] in
                    ["id": l.id, "name": l.name + "（" + (platform.unit(l.unit)?.name ?? "") + "）", "selected": String(l.id) == leaderID]
                },
                "weekdays": (1...7).map { n -> [String: Any] in ["n": n, "name": ReceptionSchedule.weekdayNames[n], "on": wds.contains(n)] },
                "start": s.map { ReceptionSchedule.clock($0.startMinute) } ?? v["start"] ?? "09:00",
                "end": s.map { ReceptionSchedule.clock($0.endMinute) } ?? v["end"] ?? "11:30",
                "slots": s.map { String($0.slots) } ?? v["slots"] ?? "6",
                "place": s?.place ?? v["place"] ?? "", "topics": s?.topics ?? v["topics"] ?? "",
                "exceptions": s.map { $0.exceptions.map { "\($0.day) \($0.reason)" }.joined(separator: "\n") } ?? v["exceptions"] ?? "",
                "validFrom": s?.validFrom?.description ?? v["validFrom"] ?? "", "validUntil": s?.validUntil?.description ?? v["validUntil"] ?? "",
                "active": s?.active ?? (v.isEmpty || v["active"] != nil),
            ])
        }
        let all = try await platform.receptionSchedules()
        c["schedules"] = all.map { s -> [String: Any] in
            var f = form(s, [:])
            if let error, values["id"] == s.id { f = form(nil, values); f["error"] = error.message }
            f["leaderName"] = s.leaderName
            f["center"] = platform.unit(s.center)?.name ?? ""
            return f
        }
        var fresh = form(nil, (values["id"] ?? "").isEmpty ? values : [:])
        if let error, (values["id"] ?? "").isEmpty { fresh["error"] = error.message }
        c["fresh"] = fresh
        c["noLeaders"] = leaders.isEmpty
        c["empty"] = all.isEmpty
        return c
    }

    @Sendable func adminPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let flash = request.uri.queryParameters.get("saved").map { ["kind": "ok", "text": "接访安排 \($0) 已发布"] }
        return pages.html("admin-reception", try await adminContext(p, flash: flash))
    }

    @Sendable func adminSave(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try admin(context)
        let f = try await Web.form(request)
        do {
            guard let leader = f["leader"].flatMap(Int64.init) else { throw APIError.invalid("leader", "请选择接访领导") }
            var d = Platform.ScheduleDraft(leaderID: leader, weekdays: (1...7).filter { f["wd\($0)"] != nil }, start: f["start"] ?? "",
                                           end: f["end"] ?? "", slots: Int(f["slots"] ?? "") ?? 0, place: f["place"] ?? "",
                                           topics: f["topics"] ?? "")
            // One exception a line: "2026-11-10 外出开会".
            for line in (f["exceptions"] ?? "").split(whereSeparator: \.isNewline) {
                let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
                guard let first = parts.first else { continue }
                d.exceptions.append((String(first), parts.count > 1 ? String(parts[1]) : ""))
            }
            d.validFrom = f["validFrom"]
            d.validUntil = f["validUntil"]
            d.active = f["active"] != nil
            let id = (f["id"] ?? "").isEmpty ? nil : f["id"]
            let s = try await platform.saveReceptionSchedule(d, id: id, by: p.user)
            return Web.redirect("/console/admin/reception?saved=\(s.id)")
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            return pages.html("admin-reception", try await adminContext(p, values: f, error: (e.field ?? "", e.message)), status: e.status)
        }
    }
}
