import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing


/// Reference data through the API: the unit tree, citizen tracking, policies and the calendar.
/// Driven through the router, with an in-memory store and a hand-set clock (Monday 2026-11-02 09:00 +08:00, no
/// holidays in November–December 2026).
@Suite("HTTP API: reference data")
struct APIReferenceTests {

    // MARK: 13. Units

    @Test func unitTree() async throws {
        try await withAPI { h in
            let roots = try await h.get("/api/v1/units")
            #expect(roots.status == .ok)
            #expect(roots["items"].array.compactMap { $0["id"].int } == [1])
            #expect(roots["items"][0]["name"].string == "重庆市")
            #expect(roots["items"][0]["parentId"].isNull)
            #expect(roots["items"][0]["level"].string == "city")
            #expect(roots["items"][0]["kind"].string == "government")

            let children = try await h.get("/api/v1/units?parent=3")
            #expect(children["items"].array.compactMap { $0["id"].int } == [4, 5, 6])
            #expect(children["items"][0]["parentId"].int == 3)
            #expect(children["items"][1]["kind"].string == "department")

            let search = try await h.get("/api/v1/units?q=%E4%BA%BA%E5%8A%9B")
            #expect(search.status == .ok)
            #expect(search["items"].array.compactMap { $0["id"].int } == [5])
            #expect(search["items"][0]["name"].string == "渝中区人力社保局")
            let none = try await h.get("/api/v1/units?q=\(enc("火星"))")
            #expect(none["items"].count == 0)
            let withinDistrict = try await h.get("/api/v1/units?parent=3&q=\(enc("局"))")
            #expect(withinDistrict["items"].array.compactMap { $0["id"].int } == [4, 5])

            let four = try await h.get("/api/v1/units/4")
            #expect(four.status == .ok)
            #expect(four["name"].string == "渝中区城市管理局")
            #expect(four["path"].array.compactMap { $0["id"].int } == [1, 3])
            #expect(four["path"].array.compactMap { $0["name"].string } == ["重庆市", "渝中区"])
            #expect(four["children"].count == 0)
            let three = try await h.get("/api/v1/units/3")
            #expect(three["children"].array.compactMap { $0["id"].int } == [4, 5, 6])
            #expect(three["path"].array.compactMap { $0["id"].int } == [1])
            let one = try await h.get("/api/v1/units/1")
            #expect(one["path"].count == 0)

            expectError(try await h.get("/api/v1/units?parent=999"), .notFound, "not_found")
            expectError(try await h.get("/api/v1/units?parent=abc"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/units?limit=0"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/units/999"), .notFound, "not_found")
            expectError(try await h.get("/api/v1/units/abc"), .notFound, "not_found")
        }
    }

    // MARK: 14. Tracking

    @Test func citizenTrackingShowsNoStaffNotes() async throws {
        try await withAPI { h in
            let id = try await h.create(title: "小区门口路灯不亮", phone: "13800001234")
            let code = try #require(await h.show(id)["trackingCode"].string)
            try await h.step(id, "dispatch", ["unit": 4, "note": "内部分拨意见：此人多次来电"])
            try await h.step(id, "note", ["note": "机密备注：举报人身份保密"])
            h.clock.set(at("2026-11-02T11:00:00+08:00"))
            try await h.step(id, "sign", ["actingUnit": 4, "note": "签收人张三内部说明"])

            let r = try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["trackingCode"].string == code)
            #expect(r["title"].string == "小区门口路灯不亮")
            #expect(r["state"].string == "signed")
            #expect(r["stateLabel"].string == "承办单位已接收")
            #expect(r["unit"]["id"].int == 4)
            #expect(r["registeredAt"].string == "2026-11-02T09:00:00+08:00")
            #expect(r["due"].string == "2026-11-06T00:00:00+08:00")
            #expect(r["timeline"].array.compactMap { $0["step"].string } == ["register", "dispatch", "sign"])
            #expect(r["timeline"][2]["at"].string == "2026-11-02T11:00:00+08:00")
            for secret in ["内部分拨意见", "机密备注", "签收人张三", "13800001234", "王先生"] {
                #expect(!r.text.contains(secret), "track view leaks \(secret)")
            }
            for entry in r["timeline"].array {
                #expect(!entry["note"].exists)
            }
            let lower = try await h.get("/api/v1/track/\(code.lowercased())?phone4=1234", token: nil)
            #expect(lower.status == .ok)

            let unknown = try await h.get("/api/v1/track/ZZZZZZZZZZ?phone4=1234", token: nil)
            expectError(unknown, .notFound, "not_found")
            let wrongPhone = try await h.get("/api/v1/track/\(code)?phone4=9999", token: nil)
            #expect(wrongPhone.status == .notFound)
            #expect(wrongPhone.text == unknown.text)
            let noPhone = try await h.get("/api/v1/track/\(code)", token: nil)
            #expect(noPhone.status == .notFound)
            #expect(noPhone.text == unknown.text)
            let tooLong = try await h.get("/api/v1/track/\(String(repeating: "A", count: 30))?phone4=1234", token: nil)
            #expect(tooLong.text == unknown.text)

            // A reply is shown to the citizen.
            try await h.step(id, "accept", ["actingUnit": 4])
            try await h.step(id, "reply", ["result": "support", "text": "路灯已修复。", "actingUnit": 4])
            let replied = try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)
            #expect(replied["state"].string == "replied")
            #expect(replied["reply"]["text"].string == "路灯已修复。")
            #expect(replied["reply"]["result"].string == "support")
        }
    }

    // MARK: 15. Reference data

    @Test func policiesAndCalendar() async throws {
        try await withAPI { h in
            let p = try await h.get("/api/v1/policies")
            #expect(p.status == .ok)
            #expect(p["default"].string == "12320")
            let items = p["items"].array
            #expect(items.compactMap { $0["id"].string } == ["12320", "statute"])
            let localItem = items.first { $0["id"].string == "12320" }
            let statuteItem = items.first { $0["id"].string == "statute" }
            let local = try #require(localItem)
            let statute = try #require(statuteItem)
            #expect(local["steps"]["reply"]["amount"].int == 20)
            #expect(local["steps"]["reply"]["unit"].string == "workingDays")
            #expect(local["steps"]["dispatch"]["amount"].int == 1)
            #expect(local["steps"]["sign"]["amount"].int == 2)
            #expect(statute["steps"]["reply"]["amount"].int == 60)
            #expect(statute["steps"]["reply"]["unit"].string == "calendarDays")
            #expect(statute["steps"]["extensionCap"]["amount"].int == 30)
            #expect(!statute["steps"]["sign"].exists)

            let cal = try await h.get("/api/v1/calendar/2026")
            #expect(cal.status == .ok)
            #expect(cal["year"].int == 2026)
            #expect(cal["covered"].bool == true)
            #expect(cal["missingHolidays"].count == 0)
            let days = cal["days"].array
            let oct10Item = days.first { $0["date"].string == "2026-10-10" }
            let oct10 = try #require(oct10Item)
            #expect(oct10["rule"].string == "work")
            let oct1Item = days.first { $0["date"].string == "2026-10-01" }
            let oct1 = try #require(oct1Item)
            #expect(oct1["rule"].string == "off")
            let allIn2026 = days.allSatisfy { $0["date"].string?.hasPrefix("2026-") == true }
            #expect(allIn2026)

            let far = try await h.get("/api/v1/calendar/2031")
            #expect(far.status == .ok)
            #expect(far["covered"].bool == false)
            #expect(far["missingHolidays"].strings == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"])
            #expect(far["days"].count == 0)
            expectError(try await h.get("/api/v1/calendar/abc"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/calendar/1800"), .badRequest, "invalid_field")
        }
    }
}
