import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Leader reception days (领导接访日)")
struct ReceptionTests {
    /// Every Tuesday and Thursday 9:00–11:30, six slots of 25 minutes, published by an admin of the city for the city's leader.
    static func publish(_ h: Harness, weekdays: [Int] = [2, 4], exceptions: [[String: Any]] = []) async throws -> (schedule: String, leader: Int64) {
        let admin = try await h.accounts.user("rec.admin", unit: 1, roles: [.admin])
        let leader = try await h.accounts.user("rec.leader", unit: 1, roles: [.leader], name: "王市长")
        let r = try await h.post("/api/v1/reception/schedules", ["leader": leader.id, "weekdays": weekdays, "start": "09:00", "end": "11:30",
                                                                 "slots": 6, "place": "市信访办接待大厅", "topics": "征地拆迁、劳动保障",
                                                                 "exceptions": exceptions], token: admin.token)
        #expect(r.status == .created, "\(r.text)")
        return (try #require(r["id"].string), leader.id)
    }

    static func booking(_ schedule: String, date: String, slot: Int, phone: String = "13800001234", subject: String = "反映小区物业问题") -> [String: Any] {
        ["schedule": schedule, "date": date, "slot": slot, "citizen": ["name": "刘先生", "phone": phone], "subject": subject]
    }

    @Test("an admin publishes a schedule; the public listing shows the coming reception days with free slots")
    func publishAndList() async throws {
        try await withAPI { h in
            let (sid, leader) = try await Self.publish(h, exceptions: [["date": "2026-11-05", "reason": "外出开会"]])
            #expect(sid == "r1")
            let list = try await h.get("/api/v1/reception/schedules?days=14", token: nil)
            #expect(list.status == .ok)
            let s = list["items"][0]
            #expect(s["leader"]["id"].int == Int(leader))
            #expect(s["center"]["id"].int == 2) // the city center registers the bookings
            #expect(s["weekdayNames"].strings == ["周二", "周四"])
            // Monday 2 November: Tue 3, (Thu 5 cancelled), Tue 10, Thu 12.
            #expect(s["days"].array.map { $0["date"].string ?? "" } == ["2026-11-03", "2026-11-10", "2026-11-12"])
            #expect(s["days"][0]["free"].int == 6)
            #expect(s["days"][0]["slots"][0]["start"].string == "2026-11-03T09:00:00+08:00")
            #expect(s["days"][0]["slots"][1]["start"].string == "2026-11-03T09:25:00+08:00")
            #expect(s["days"][0]["slots"][5]["end"].string == "2026-11-03T11:30:00+08:00")
            // Only admins publish.
            let other = try await h.accounts.user("rec.registrar", unit: 2, roles: [.registrar])
            #expect(try await h.post("/api/v1/reception/schedules", ["leader": leader, "weekdays": [2], "start": "09:00", "end": "10:00",
                                                                     "slots": 2, "place": "x"], token: other.token).status == .forbidden)
            // A user who is not a leader cannot receive.
            let admin = try await h.accounts.user("rec.admin", unit: 1, roles: [.admin])
            expectError(try await h.post("/api/v1/reception/schedules", ["leader": other.id, "weekdays": [2], "start": "09:00", "end": "10:00",
                                                                         "slots": 2, "place": "x"], token: admin.token), .badRequest, "invalid_field")
            // Editing: Thursday only; the portal page lists it, phone-sized and without JavaScript.
            let put = try await h.send(.put, "/api/v1/reception/schedules/\(sid)", body: jsonText(["leader": leader, "weekdays": [4], "start": "14:00",
                                                                                                  "end": "16:00", "slots": 4, "place": "市信访办二楼"]), token: admin.token)
            #expect(put.status == .ok, "\(put.text)")
            let page = try await h.get("/reception", token: nil)
            #expect(page.status == .ok)
            #expect(page.text.contains("王市长 接访") && page.text.contains("2026-11-05") && page.text.contains("14:00–14:30"))
            #expect(!page.text.contains("<script"))
        }
    }

    @Test("admins publishing at the same time: every schedule is kept, each with its own id")
    func concurrentPublishing() async throws {
        try await withAPI { h in
            let admin = try await h.accounts.user("rec.admin", unit: 1, roles: [.admin])
            let leader = try await h.accounts.user("rec.leader", unit: 1, roles: [.leader])
            let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        try await h.post("/api/v1/reception/schedules", ["leader": leader.id, "weekdays": [1 + i % 5], "start": "09:00", "end": "11:00",
                                                                         "slots": 4, "place": "接待室\(i)"], token: admin.token)["id"].string
                    }
                }
                var out: [String] = []
                for try await id in group { if let id { out.append(id) } }
                return out
            }
            #expect(Set(ids) == Set((1...6).map { "r\($0)" }))
            #expect(try await h.platform.receptionSchedules().count == 6)
            expectError(try await h.send(.put, "/api/v1/reception/schedules/r42", body: jsonText(["leader": leader.id, "weekdays": [2], "start": "09:00",
                                                                                               "end": "10:00", "slots": 2, "place": "x"]), token: admin.token),
                        .notFound, "unknown_schedule")
        }
    }

    @Test("a citizen books a slot: a visit case owned by the leader with the slot time, tracked by its code; the slot is taken")
    func book() async throws {
        try await withAPI { h in
            let (sid, leader) = try await Self.publish(h)
            let r = try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-03", slot: 2), token: nil)
            #expect(r.status == .created, "\(r.text)")
            #expect(r["appointment"].string == "2026-11-03T09:50:00+08:00")
            let code = try #require(r["trackingCode"].string)
            let id = try #require(r["caseId"].int)
            let c = try await h.show(id)
            #expect(c["channel"].string == "visit")
            #expect(c["owner"]["id"].string == "user:\(leader)")
            #expect(c["owner"]["name"].string == "王市长")
            #expect(c["appointment"].string == "2026-11-03T09:50:00+08:00")
            #expect(c["center"]["id"].int == 2)
            // The leader finds it among the cases they own.
            let leaderToken = try await h.accounts.user("rec.leader", unit: 1, roles: [.leader]).token
            let owned = try await h.get("/api/v1/cases?owner=me", token: leaderToken)
            #expect(owned["items"].array.compactMap { $0["id"].int } == [id])
            // The citizen sees the time on the tracking page (API and portal).
            let t = try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)
            #expect(t["appointment"].string == "2026-11-03T09:50:00+08:00")
            #expect(t["receptionLeader"].string == "王市长")
            let tp = try await h.get("/track?code=\(code)&phone4=1234", token: nil)
            #expect(tp.text.contains("2026-11-03 09:50") && tp.text.contains("取消接访预约"))
            // The slot shows as taken.
            let list = try await h.get("/api/v1/reception/schedules/\(sid)", token: nil)
            #expect(list["days"][0]["slots"][2]["free"].bool == false)
            #expect(list["days"][0]["free"].int == 5)
            // Taking it again: 409, nothing created.
            let before = try await h.caseCount()
            expectError(try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-03", slot: 2, phone: "13900009999"), token: nil),
                        .conflict, "slot_taken")
            #expect(try await h.caseCount() == before)
        }
    }

    @Test("concurrent bookings of the last free slot: exactly one wins, the others are refused and create nothing")
    func noOverbooking() async throws {
        try await withAPI { h in
            let (sid, _) = try await Self.publish(h)
            let staff = try await h.accounts.user("rec.hotline", unit: 2, roles: [.registrar])
            for slot in 0..<5 {
                let r = try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-03", slot: slot), token: staff.token)
                #expect(r.status == .created, "\(r.text)")
            }
            let before = try await h.caseCount()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-03", slot: 5, phone: "1380000\(1000 + i)"),
                                         token: staff.token).status
                    }
                }
                var out: [HTTPResponse.Status] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 7)
            #expect(try await h.caseCount() == before + 1)
            let live = try await h.platform.store.receptionBookings(scheduleID: sid, from: Day("2026-11-03")!, through: Day("2026-11-03")!)
            #expect(live.map(\.slot) == [0, 1, 2, 3, 4, 5])
            let day = try await h.get("/api/v1/reception/schedules/\(sid)", token: nil)["days"][0]
            #expect(day["date"].string == "2026-11-03" && day["free"].int == 0)
        }
    }

    @Test("the citizen cancels with the tracking code and phone tail: the slot is free again and can be booked")
    func cancel() async throws {
        try await withAPI { h in
            let (sid, _) = try await Self.publish(h)
            let r = try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-05", slot: 0), token: nil)
            let code = try #require(r["trackingCode"].string)
            let id = try #require(r["caseId"].int)
            // A wrong phone tail answers like an unknown code.
            expectError(try await h.post("/api/v1/reception/bookings/cancel", ["trackingCode": code, "phone4": "0000"], token: nil), .notFound, "not_found")
            let ok = try await h.post("/api/v1/reception/bookings/cancel", ["trackingCode": code, "phone4": "1234"], token: nil)
            #expect(ok.status == .ok, "\(ok.text)")
            #expect(ok["cancelled"].bool == true)
            let c = try await h.show(id)
            #expect(c["appointment"].isNull)
            #expect(c["history"].array.last?["note"].string?.contains("取消") == true)
            expectError(try await h.post("/api/v1/reception/bookings/cancel", ["trackingCode": code, "phone4": "1234"], token: nil), .conflict, "no_booking")
            // Free again: another citizen books it.
            let list = try await h.get("/api/v1/reception/schedules/\(sid)", token: nil)
            let thu = list["days"].array.first { $0["date"].string == "2026-11-05" }
            #expect(thu?["slots"][0]["free"].bool == true)
            let again = try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-05", slot: 0, phone: "13900005678"), token: nil)
            #expect(again.status == .created, "\(again.text)")
            // The portal's cancel form does the same.
            let code2 = try #require(again["trackingCode"].string)
            let form = try await h.send(.post, "/reception/cancel", body: "code=\(code2)&phone4=5678", token: nil,
                                        headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .seeOther)
            #expect(try await h.platform.store.receptionBookings(scheduleID: sid, from: Day("2026-11-05")!, through: Day("2026-11-05")!).isEmpty)
        }
    }

    @Test("bad bookings get a clear 4xx and create nothing: past slot, non-working day, day off the schedule, bad phone, unknown schedule")
    func refusals() async throws {
        try await withAPI(start: at("2026-11-03T10:00:00+08:00")) { h in
            let (sid, _) = try await Self.publish(h, exceptions: [["date": "2026-11-05", "reason": "外出开会"]])
            let weekend = try await h.post("/api/v1/reception/schedules", ["leader": try await h.accounts.user("rec.leader", unit: 1, roles: [.leader]).id,
                                                                           "weekdays": [6, 7], "start": "09:00", "end": "10:00", "slots": 2,
                                                                           "place": "周末接待室"], token: try await h.accounts.user("rec.admin", unit: 1, roles: [.admin]).token)
            let wid = try #require(weekend["id"].string)
            let before = try await h.caseCount()
            func post(_ b: [String: Any]) async throws -> APIResponse { try await h.post("/api/v1/reception/bookings", b, token: nil) }
            expectError(try await post(Self.booking(sid, date: "2026-11-03", slot: 0)), .unprocessableContent, "slot_past")     // 09:00 today, now 10:00
            expectError(try await post(Self.booking(wid, date: "2026-11-07", slot: 0)), .unprocessableContent, "not_reception_day") // Saturday
            expectError(try await post(Self.booking(sid, date: "2026-11-04", slot: 0)), .unprocessableContent, "not_reception_day") // Wednesday
            expectError(try await post(Self.booking(sid, date: "2026-11-05", slot: 0)), .unprocessableContent, "not_reception_day") // exception
            expectError(try await post(Self.booking(sid, date: "2026-11-10", slot: 6)), .badRequest, "invalid_field")            // no such slot
            expectError(try await post(Self.booking(sid, date: "2026-11-10", slot: 0, phone: "12345")), .badRequest, "invalid_field")
            expectError(try await post(Self.booking("r99", date: "2026-11-10", slot: 0)), .notFound, "unknown_schedule")
            expectError(try await post(Self.booking(sid, date: "2027-03-02", slot: 0)), .unprocessableContent, "too_far_ahead")
            expectError(try await post(["schedule": sid, "date": "2026-11-10", "slot": 0, "subject": "x"]), .badRequest, "missing_field")
            #expect(try await h.caseCount() == before)
            #expect(try await h.platform.store.receptionBookings(scheduleID: nil, from: Day("2026-11-01")!, through: Day("2026-12-31")!).isEmpty)
            // The portal form says what is wrong next to the field.
            let page = try await h.send(.post, "/reception/book", body: "schedule=\(sid)&pick=2026-11-10%7C0&name=%E5%88%98&phone=12345&subject=x",
                                        token: nil, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(page.status == .badRequest)
            #expect(page.text.contains("has-error"))
            #expect(try await h.caseCount() == before)
        }
    }

    @Test("bookings are rate-limited per address like portal submissions; hotline staff book for callers without that limit")
    func rateLimit() async throws {
        try await withAPI { h in
            let (sid, _) = try await Self.publish(h, weekdays: [1, 2, 3, 4, 5])
            let days = ["2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]
            var created = 0
            for d in days { for s in 0..<6 where created < 20 {
                let r = try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: d, slot: s, phone: "1380000\(2000 + created)"), token: nil)
                #expect(r.status == .created, "\(r.text)")
                created += 1
            } }
            let refused = try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-06", slot: 5), token: nil)
            #expect(refused.status == .tooManyRequests)
            let staff = try await h.accounts.user("rec.hotline2", unit: 2, roles: [.registrar])
            #expect(try await h.post("/api/v1/reception/bookings", Self.booking(sid, date: "2026-11-06", slot: 5), token: staff.token).status == .created)
        }
    }

    @Test("the admin page publishes a schedule from a plain form; the hotline console books for a caller")
    func pages() async throws {
        try await withAPI { h in
            let admin = try await h.accounts.user("rec.admin", unit: 1, roles: [.admin])
            let leader = try await h.accounts.user("rec.leader", unit: 1, roles: [.leader], name: "王市长")
            let page = try await h.get("/console/admin/reception", token: admin.token)
            #expect(page.status == .ok && page.text.contains("王市长"))
            let form = "leader=\(leader.id)&wd2=1&wd4=1&start=09%3A00&end=11%3A30&slots=6&place=%E6%8E%A5%E5%BE%85%E5%A4%A7%E5%8E%85&topics=&exceptions=2026-11-05+%E5%A4%96%E5%87%BA&active=1"
            let saved = try await h.send(.post, "/console/admin/reception", body: form, token: admin.token, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(saved.status == .seeOther, "\(saved.text)")
            let s = try #require(try await h.platform.receptionSchedule("r1"))
            #expect(s.weekdays == [2, 4] && s.slots == 6 && s.exceptions.map(\.day.description) == ["2026-11-05"])
            let bad = try await h.send(.post, "/console/admin/reception", body: "leader=\(leader.id)&start=09%3A00&end=08%3A00&slots=6&place=x",
                                       token: admin.token, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(bad.status == .badRequest)

            let agent = try await h.accounts.user("rec.agent", unit: 2, roles: [.registrar])
            let cp = try await h.get("/console/reception", token: agent.token)
            #expect(cp.status == .ok && cp.text.contains("2026-11-03"))
            let booked = try await h.send(.post, "/console/reception/book", body: "schedule=r1&pick=2026-11-03%7C1&name=%E5%88%98&phone=13800001234&subject=%E7%89%A9%E4%B8%9A",
                                          token: agent.token, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(booked.status == .seeOther, "\(booked.text)")
            let loc = try #require(booked.headers[.location])
            let id = try #require(Int64(loc.split(separator: "/").last!.split(separator: "?").first!))
            let c = try #require(try await h.platform.store.case(id))
            #expect(c.owner?.id == "user:\(leader.id)" && c.appointment == at("2026-11-03T09:25:00+08:00"))
        }
    }
}
