import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// /api/v1/reception: leaders' reception days (领导接访日). The schedule is public; admins publish it; citizens (or
/// hotline staff for a caller) book a slot, which registers a visit case owned by the leader; the citizen cancels with
/// the tracking code and phone tail.
struct ReceptionController {
    let platform: Platform
    let desk: CitizenDesk

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("reception/schedules", use: list)
        group.post("reception/schedules", use: create)
        group.get("reception/schedules/:sid", use: show)
        group.put("reception/schedules/:sid", use: replace)
        group.post("reception/bookings", use: book)
        group.post("reception/bookings/cancel", use: cancel)
    }

    static let scheduleFields = ["leader", "weekdays", "start", "end", "slots", "place", "topics", "exceptions", "validFrom", "validUntil", "active"]

    // MARK: Schedules

    func render(_ s: ReceptionSchedule, days: [Platform.ReceptionDayView]?) -> JSON {
        var pairs: [(String, JSON)] = [
            ("id", .string(s.id)), ("leader", .object([("id", .int(s.leaderID)), ("name", .string(s.leaderName))])),
            ("center", platform.unitRef(s.center)),
            ("weekdays", .array(s.weekdays.map { .int($0) })),
            ("weekdayNames", .array(s.weekdays.map { .string(ReceptionSchedule.weekdayNames[$0]) })),
            ("start", .string(ReceptionSchedule.clock(s.startMinute))), ("end", .string(ReceptionSchedule.clock(s.endMinute))),
            ("slots", .int(s.slots)), ("place", .string(s.place)), ("topics", .string(s.topics)),
            ("exceptions", .array(s.exceptions.map { .object([("date", .string($0.day.description)), ("reason", .string($0.reason))]) })),
            ("validFrom", .opt(s.validFrom?.description)), ("validUntil", .opt(s.validUntil?.description)), ("active", .bool(s.active)),
        ]
        if let days {
            pairs.append(("days", .array(days.map { d in
                .object([("date", .string(d.day.description)), ("weekday", .string(ReceptionSchedule.weekdayNames[d.day.weekday])),
                         ("free", .int(d.freeCount)),
                         ("slots", .array(d.slots.map { sl in
                             .object([("slot", .int(sl.index)), ("start", .time(sl.start)), ("end", .time(sl.end)), ("free", .bool(sl.free))])
                         }))])
            })))
        }
        return .object(pairs)
    }

    /// Public: the active schedules with their upcoming days and free slots (`days` ahead, default 28, at most 60).
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let days = try daysParam(request)
        var out: [JSON] = []
        for s in try await platform.receptionSchedules() where s.active {
            out.append(render(s, days: try await platform.upcomingReception(s, days: days)))
        }
        return .object([("items", .array(out))])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let days = try daysParam(request)
        guard let id = context.parameters.get("sid"), let s = try await platform.receptionSchedule(id), s.active || context.principal?.user.roles.contains(.admin) == true else {
            throw APIError(.notFound, "unknown_schedule", "接访安排不存在")
        }
        return render(s, days: try await platform.upcomingReception(s, days: days))
    }

    func daysParam(_ request: Request) throws -> Int {
        // One value or none: `days=` or `days` twice is a mistake, not the default.
        let given = request.uri.queryParameters.getAll("days")
        guard !given.isEmpty else { return 28 }
        guard given.count == 1, let n = Int(given[0]), (1...Platform.receptionHorizonDays).contains(n) else {
            throw APIError.invalid("days", "应为 1 到 \(Platform.receptionHorizonDays) 的整数")
        }
        return n
    }

    static func draft(_ json: JSON) throws -> Platform.ScheduleDraft {
        let f = try Fields(json, allowed: scheduleFields)
        guard let leader = try f.int("leader", required: true) else { throw APIError.missing("leader") }
        var d = Platform.ScheduleDraft(leaderID: leader, weekdays: try f.intArray("weekdays").map(Int.init),
                                       start: try f.requiredString("start", max: 5), end: try f.requiredString("end", max: 5),
                                       slots: Int(try f.int("slots", required: true) ?? 0), place: try f.requiredString("place", max: 100),
                                       topics: try f.string("topics", max: 200) ?? "")
        if let e = try f.raw("exceptions") {
            guard case let .array(items) = e else { throw APIError.invalid("exceptions", "应为 [{\"date\", \"reason\"}] 数组") }
            for item in items {
                let x = try Fields(item, allowed: ["date", "reason"])
                d.exceptions.append((try x.requiredString("date", max: 10), try x.string("reason", max: 100) ?? ""))
            }
        }
        d.validFrom = try f.string("validFrom", max: 10)
        d.validUntil = try f.string("validUntil", max: 10)
        d.active = try f.bool("active") ?? true
        return d
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let admin = try context.requireRole([.admin]).user
        let s = try await platform.saveReceptionSchedule(try Self.draft(try await request.jsonBody(context: context)), id: nil, by: admin)
        return JSONResponse(status: .created, json: render(s, days: nil), headers: [.location: "/api/v1/reception/schedules/\(s.id)"])
    }

    @Sendable func replace(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let admin = try context.requireRole([.admin]).user
        let id = context.parameters.get("sid") ?? ""
        let s = try await platform.saveReceptionSchedule(try Self.draft(try await request.jsonBody(context: context)), id: id, by: admin)
        return render(s, days: nil)
    }

    // MARK: Bookings

    /// A citizen books (no account, limited per address like submissions), or a registrar/dispatcher books for a
    /// caller (with their credential).
    @Sendable func book(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let json = try await request.jsonBody(context: context)
        let (booking, c) = try await book(json: json, staff: context.principal?.user, address: context.clientAddress)
        return JSONResponse(status: .created, json: renderBooking(booking, c), headers: [.location: "/api/v1/track/\(c.trackingCode)"])
    }

    func renderBooking(_ b: ReceptionBooking, _ c: Case) -> JSON {
        .object([
            ("trackingCode", .string(c.trackingCode)), ("caseId", .int(c.id)), ("schedule", .string(b.scheduleID)),
            ("date", .string(b.day.description)), ("slot", .int(b.slot)), ("appointment", .time(b.startsAt)),
            ("leader", .string(c.owner?.name ?? "")), ("track", .string("/api/v1/track/\(c.trackingCode)")),
            ("message", .string("已预约 \(Web.time(b.startsAt)) 的领导接访。请记住查询码 \(c.trackingCode)，凭查询码和手机号后四位查询或取消预约。")),
        ])
    }

    func book(json: JSON, staff: User?, address: String) async throws -> (ReceptionBooking, Case) {
        let f = try Fields(json, allowed: CitizenDesk.bookingFields)
        guard let citizen = try f.object("citizen", allowed: ["name", "phone"]) else { throw APIError.missing("citizen") }
        let draft = try CitizenDesk.bookingDraft(f, name: try citizen.string("name", max: 50), phone: try citizen.string("phone", max: 20))
        return try await desk.book(draft, staff: staff, address: address)
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let f = try Fields(try await request.jsonBody(context: context), allowed: ["trackingCode", "phone4"])
        let c = try await desk.lookUp(code: try f.requiredString("trackingCode", max: 20), phone4: try f.string("phone4", max: 4),
                                          address: context.clientAddress)
        let updated = try await platform.cancelBooking(c)
        return .object([("trackingCode", .string(updated.trackingCode)), ("cancelled", .bool(true)),
                        ("message", .string("已取消接访预约，名额已释放。"))])
    }
}
