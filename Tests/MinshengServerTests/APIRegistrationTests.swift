import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing


/// Registration through the API: what a 201 carries, authentication, refused input that writes nothing, idempotency.
/// Driven through the router, with an in-memory store and a hand-set clock (Monday 2026-11-02 09:00 +08:00, no
/// holidays in November–December 2026).
@Suite("HTTP API: registration")
struct APIRegistrationTests {

    // MARK: 1. Registration

    @Test func registerReturns201WithDeadlinesAndLocation() async throws {
        try await withAPI { h in
            let r = try await h.post("/api/v1/cases", [
                "channel": "phone", "kind": "help", "title": "小区门口路灯不亮", "content": "路灯坏了两周，晚上很黑。",
                "citizen": ["name": "王先生", "phone": "13800001234"], "category": "城乡建设", "address": "解放碑步行街 1 号",
            ])
            #expect(r.status == .created, "\(r.text)")
            let id = try #require(r["id"].int)
            #expect(r.headers[.location] == "/api/v1/cases/\(id)")
            let code = try #require(r["trackingCode"].string)
            #expect(code.count == 10)
            let alphabetOK = code.allSatisfy { "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains($0) }
            #expect(alphabetOK, "\(code)")
            #expect(r["state"].string == "registered")
            #expect(r["registeredAt"].string == "2026-11-02T09:00:00+08:00")
            // 12320: forward within 1 working day, counted from the next day → end of Tuesday.
            #expect(r["deadlines"]["dispatch"].string == "2026-11-04T00:00:00+08:00")
            #expect(r["due"].string == "2026-11-04T00:00:00+08:00")
            #expect(r["center"]["id"].int == 2)
            #expect(r["holder"]["id"].int == 2)
            #expect(r["policy"].string == "12320")
            #expect(r["alert"]["level"].string == "normal")
            #expect(r["alert"]["nextChange"].string == "2026-11-04T00:00:00+08:00")
            #expect(r["allowedActions"].strings == ["dispatch", "handOff", "reply", "note", "remind", "superviseOrder",
                                                    "respondSupervision", "fieldCheck", "holdAccountable", "takeOwnership"])
            // Personal data is masked in every case view (the clear contact is a logged read of its own).
            #expect(r["citizen"]["phone"].string == "138****1234")
            #expect(r["citizen"]["name"].string == "王**")
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)

            let g = try await h.get("/api/v1/cases/\(id)")
            #expect(g.status == .ok)
            #expect(g["id"].int == id)
            #expect(g["trackingCode"].string == code)
            #expect(g["title"].string == "小区门口路灯不亮")
            #expect(g["category"].string == "城乡建设")
            #expect(g["address"].string == "解放碑步行街 1 号")
            #expect(g["history"].count == 1)
            #expect(g["history"][0]["seq"].int == 1)
            #expect(g["history"][0]["action"].string == "register")
            #expect(g["history"][0]["toState"].string == "registered")
            #expect(g["history"][0]["fromState"].isNull)
            #expect(g["history"][0]["at"].string == "2026-11-02T09:00:00+08:00")
            try #expect(await h.caseCount() == 1)
        }
    }

    @Test func registerHonoursReceivedAtAndPolicy() async throws {
        try await withAPI { h in
            // A letter that arrived on Friday afternoon: its 1 working day ran out at the end of Monday.
            let letter = try await h.post("/api/v1/cases", [
                "channel": "letter", "kind": "complaint", "title": "来信反映噪音", "content": "夜间施工噪音扰民",
                "receivedAt": "2026-10-30T16:00:00+08:00",
            ])
            #expect(letter.status == .created, "\(letter.text)")
            #expect(letter["registeredAt"].string == "2026-10-30T16:00:00+08:00")
            #expect(letter["deadlines"]["dispatch"].string == "2026-11-03T00:00:00+08:00")
            // A receivedAt in the future is clamped to now.
            let future = try await h.post("/api/v1/cases", [
                "channel": "web", "kind": "help", "title": "求助", "content": "内容", "receivedAt": "2026-12-01T00:00:00+08:00",
            ])
            #expect(future.status == .created)
            #expect(future["registeredAt"].string == "2026-11-02T09:00:00+08:00")
            // Statute: 15 calendar days → Tuesday 2026-11-17, a working day.
            let statute = try await h.post("/api/v1/cases", [
                "channel": "visit", "kind": "help", "title": "来访", "content": "内容", "policy": "statute",
            ])
            #expect(statute.status == .created, "\(statute.text)")
            #expect(statute["policy"].string == "statute")
            #expect(statute["deadlines"]["dispatch"].string == "2026-11-18T00:00:00+08:00")
            let unknownPolicy = try await h.post("/api/v1/cases", [
                "channel": "visit", "kind": "help", "title": "来访", "content": "内容", "policy": "fast",
            ])
            expectError(unknownPolicy, .badRequest, "invalid_field")
            try #expect(await h.caseCount() == 3)
        }
    }

    // MARK: 2. Authentication

    @Test func tokenIsRequiredExceptForHealthAndTracking() async throws {
        try await withAPI { h in
            let none = try await h.get("/api/v1/cases", token: nil)
            expectError(none, .unauthorized, "unauthorized")
            let wrong = try await h.get("/api/v1/cases", token: "nope")
            expectError(wrong, .unauthorized, "unauthorized")
            let longer = try await h.get("/api/v1/cases", token: "test-token2")
            expectError(longer, .unauthorized, "unauthorized")
            let shorter = try await h.get("/api/v1/cases", token: "test-toke")
            expectError(shorter, .unauthorized, "unauthorized")
            let basic = try await h.send(.get, "/api/v1/cases", token: nil, headers: [.authorization: "Basic dGVzdC10b2tlbg=="])
            expectError(basic, .unauthorized, "unauthorized")

            let post = try await h.send(.post, "/api/v1/cases", body: jsonText(["channel": "web", "kind": "help", "title": "t", "content": "c"]),
                                        token: nil)
            expectError(post, .unauthorized, "unauthorized")
            let postWrong = try await h.send(.post, "/api/v1/cases", body: jsonText(["channel": "web", "kind": "help", "title": "t", "content": "c"]),
                                             token: "wrong")
            expectError(postWrong, .unauthorized, "unauthorized")
            try #expect(await h.caseCount() == 0)

            for uri in ["/api/v1/units", "/api/v1/units/1", "/api/v1/policies", "/api/v1/calendar/2026", "/api/v1/cases/1"] {
                let r = try await h.get(uri, token: nil)
                #expect(r.status == .unauthorized, "\(uri)")
            }
            let act = try await h.send(.post, "/api/v1/cases/1/sign", body: "{}", token: nil)
            expectError(act, .unauthorized, "unauthorized")

            let health = try await h.get("/healthz", token: nil)
            #expect(health.status == .ok)
            #expect(health["status"].string == "ok")
            let ready = try await h.get("/readyz", token: nil)
            #expect(ready.status == .ok && ready["status"].string == "ready")
            #expect(ready["schema"].int == ready["expected"].int && (ready["schema"].int ?? 0) >= 9)
            let ok = try await h.get("/api/v1/cases")
            #expect(ok.status == .ok)
        }
    }

    // MARK: 3. Bad input

    @Test func badRegistrationsAreRefusedAndWriteNothing() async throws {
        try await withAPI { h in
            let valid: [String: Any] = ["channel": "phone", "kind": "help", "title": "路灯不亮", "content": "路灯坏了"]
            func with(_ changes: [String: Any], removing: [String] = []) -> String {
                var b = valid
                for (k, v) in changes { b[k] = v }
                for k in removing { b[k] = nil }
                return jsonText(b)
            }
            func create(_ body: String?) async throws -> APIResponse { try await h.send(.post, "/api/v1/cases", body: body) }

            expectError(try await create("{\"title\": "), .badRequest, "malformed_json")
            expectError(try await create("{\"title\": \"a\",}"), .badRequest, "malformed_json")
            expectError(try await create("{'title': 'a'}"), .badRequest, "malformed_json")
            expectError(try await create(nil), .badRequest, "malformed_json")
            expectError(try await create(""), .badRequest, "malformed_json")
            expectError(try await create("[]"), .badRequest, "malformed_json")
            expectError(try await create("[\(with([:]))]"), .badRequest, "malformed_json")
            expectError(try await create("\"just a string\""), .badRequest, "malformed_json")
            // Duplicate keys are ambiguous.
            expectError(try await create("{\"channel\":\"phone\",\"channel\":\"web\",\"kind\":\"help\",\"title\":\"t\",\"content\":\"c\"}"),
                        .badRequest, "malformed_json")

            let unknown = try await create(with(["colour": "red"]))
            expectError(unknown, .badRequest, "unknown_field")
            #expect(unknown["field"].string == "colour")
            #expect(unknown["message"].string?.contains("colour") == true)
            #expect(unknown["allowed"].strings.contains("title"))

            let unknownNested = try await create(with(["citizen": ["name": "王", "age": 40]]))
            expectError(unknownNested, .badRequest, "unknown_field")
            #expect(unknownNested["field"].string == "age")

            let fax = try await create(with(["channel": "fax"]))
            expectError(fax, .badRequest, "invalid_value")
            #expect(fax["field"].string == "channel")
            #expect(fax["allowed"].strings == ["phone", "web", "app", "wechat", "sms", "email", "letter", "visit", "video", "open311"])

            let badKind = try await create(with(["kind": "rant"]))
            expectError(badKind, .badRequest, "invalid_value")
            #expect(badKind["field"].string == "kind")

            let noTitle = try await create(with([:], removing: ["title"]))
            expectError(noTitle, .badRequest, "missing_field")
            #expect(noTitle["field"].string == "title")
            let noChannel = try await create(with([:], removing: ["channel"]))
            expectError(noChannel, .badRequest, "missing_field")
            #expect(noChannel["field"].string == "channel")
            let noContent = try await create(with([:], removing: ["content"]))
            expectError(noContent, .badRequest, "missing_field")
            #expect(noContent["field"].string == "content")
            let nullTitle = try await create("{\"channel\":\"phone\",\"kind\":\"help\",\"title\":null,\"content\":\"c\"}")
            expectError(nullTitle, .badRequest, "invalid_field")
            #expect(nullTitle["field"].string == "title")
            #expect(nullTitle["message"].string?.contains("null") == true)
            let blankTitle = try await create(with(["title": "   "]))
            expectError(blankTitle, .badRequest, "invalid_field")
            #expect(blankTitle["field"].string == "title")

            let longTitle = try await create(with(["title": String(repeating: "路", count: 201)]))
            expectError(longTitle, .badRequest, "invalid_field")
            #expect(longTitle["field"].string == "title")
            let maxTitle = try await create(with(["title": String(repeating: "路", count: 200)]))
            #expect(maxTitle.status == .created, "a 200-character title is allowed: \(maxTitle.text)")

            let longContent = try await create(with(["content": String(repeating: "a", count: 10_001)]))
            expectError(longContent, .badRequest, "invalid_field")
            #expect(longContent["field"].string == "content")

            let huge = try await create(with(["content": String(repeating: "a", count: 70_000)]))
            expectError(huge, .contentTooLarge, "body_too_large")

            let numberTitle = try await create(with(["title": 5]))
            expectError(numberTitle, .badRequest, "invalid_field")
            #expect(numberTitle["field"].string == "title")
            let stringCenter = try await create(with(["center": "2"]))
            expectError(stringCenter, .badRequest, "invalid_field")
            let fractionCenter = try await create(with(["center": 2.5]))
            expectError(fractionCenter, .badRequest, "invalid_field")
            let citizenString = try await create(with(["citizen": "王先生"]))
            #expect(citizenString.status == .badRequest, "\(citizenString.text)")
            #expect(citizenString["error"].exists)

            let noCenter = try await create(with(["center": 999]))
            expectError(noCenter, .badRequest, "invalid_field")
            #expect(noCenter["field"].string == "center")
            let notACenter = try await create(with(["center": 3]))
            expectError(notACenter, .badRequest, "invalid_field")
            #expect(notACenter["field"].string == "center")
            let noLocation = try await create(with(["locationUnit": 999]))
            expectError(noLocation, .badRequest, "invalid_field")
            #expect(noLocation["field"].string == "locationUnit")

            let garbageTime = try await create(with(["receivedAt": "yesterday"]))
            expectError(garbageTime, .badRequest, "invalid_field")
            #expect(garbageTime["field"].string == "receivedAt")
            let badDate = try await create(with(["receivedAt": "2026-02-30T08:00:00+08:00"]))
            expectError(badDate, .badRequest, "invalid_field")

            // Only the one valid 200-character title got through.
            try #expect(await h.caseCount() == 1)
        }
    }

    @Test func unknownCasesActionsAndIds() async throws {
        try await withAPI { h in
            let id = try await h.create()
            expectError(try await h.get("/api/v1/cases/999"), .notFound, "not_found")
            expectError(try await h.get("/api/v1/cases/abc"), .notFound, "not_found")
            expectError(try await h.get("/api/v1/cases/0"), .notFound, "not_found")
            expectError(try await h.get("/api/v1/cases/-1"), .notFound, "not_found")
            expectError(try await h.act(999, "dispatch", ["unit": 4]), .notFound, "not_found")
            expectError(try await h.post("/api/v1/cases/abc/dispatch", ["unit": 4]), .notFound, "not_found")

            let fly = try await h.act(id, "fly")
            expectError(fly, .notFound, "unknown_action")
            #expect(fly["message"].string?.contains("dispatch") == true)
            expectError(try await h.act(id, "register"), .notFound, "unknown_action")

            // Bad step bodies: nothing written.
            expectError(try await h.send(.post, "/api/v1/cases/\(id)/dispatch", body: "{\"unit\": "), .badRequest, "malformed_json")
            expectError(try await h.send(.post, "/api/v1/cases/\(id)/dispatch", body: "[4]"), .badRequest, "malformed_json")
            let extra = try await h.act(id, "dispatch", ["unit": 4, "priority": "high"])
            expectError(extra, .badRequest, "unknown_field")
            #expect(extra["field"].string == "priority")
            expectError(try await h.act(id, "dispatch", [:]), .badRequest, "missing_field")
            expectError(try await h.act(id, "dispatch", ["unit": "4"]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "dispatch", ["unit": 999]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "dispatch", ["unit": 4, "coHandlers": [999]]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "dispatch", ["unit": 4, "coHandlers": 5]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "dispatch", ["unit": 2]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "dispatch", ["unit": 4, "mode": "urgent"]), .badRequest, "invalid_value")
            // The acting unit is the signed-in user's own: a body cannot choose it.
            expectError(try await h.post("/api/v1/cases/\(id)/dispatch", ["unit": 4, "actingUnit": 4]), .badRequest, "unknown_field")
            expectError(try await h.act(id, "dispatch", ["unit": 4, "note": String(repeating: "注", count: 2_001)]), .badRequest, "invalid_field")
            expectError(try await h.send(.post, "/api/v1/cases/\(id)/note",
                                         body: jsonText(["note": String(repeating: "a", count: 70_000)])),
                        .contentTooLarge, "body_too_large")
            // A note needs its text (the lifecycle refuses an empty one).
            let emptyNote = try await h.act(id, "note")
            #expect(emptyNote.status.code >= 400 && emptyNote.status.code < 500, "\(emptyNote.text)")
            #expect(emptyNote["error"].exists)

            try #expect(await h.version(id) == 1)
            let g = try await h.show(id)
            #expect(g["state"].string == "registered")
            #expect(g["history"].count == 1)
            try #expect(await h.caseCount() == 1)
        }
    }

    // MARK: 12. Idempotency

    @Test func idempotencyKeyReturnsTheFirstCase() async throws {
        try await withAPI { h in
            let body: [String: Any] = ["channel": "app", "kind": "help", "title": "路灯不亮", "content": "路灯坏了"]
            let first = try await h.post("/api/v1/cases", body, headers: idempotencyKey("req-42"))
            #expect(first.status == .created)
            let id = try #require(first["id"].int)
            h.clock.advance(seconds: 60)
            let again = try await h.post("/api/v1/cases", body, headers: idempotencyKey("req-42"))
            #expect(again.status == .ok, "\(again.text)")
            #expect(again["id"].int == id)
            #expect(again["trackingCode"].string == first["trackingCode"].string)
            #expect(again["registeredAt"].string == "2026-11-02T09:00:00+08:00")
            #expect(again.headers[.location] == "/api/v1/cases/\(id)")
            try #expect(await h.caseCount() == 1)

            let other = try await h.post("/api/v1/cases", body, headers: idempotencyKey("req-43"))
            #expect(other.status == .created)
            #expect(other["id"].int != id)
            let noKey = try await h.post("/api/v1/cases", body)
            #expect(noKey.status == .created)
            try #expect(await h.caseCount() == 3)
        }
    }

    /// `null` is not "absent": no request schema allows it, and a client sending `"channel": null` to mean "default"
    /// or `"evaluation": null` to mean "none" must hear which field was wrong, with nothing stored.
    @Test func nullFieldsAreRefusedByNameAndChangeNothing() async throws {
        try await withAPI { h in
            let id = try await h.create()
            let before = try await h.caseCount()
            let staff = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "路灯不亮",
                                                           "content": "路灯坏了", "category": NSNull()])
            expectError(staff, .badRequest, "invalid_field")
            #expect(staff["field"].string == "category")
            let citizen = try await h.post("/api/v1/public/cases", ["channel": NSNull(), "kind": "help", "title": "路灯不亮",
                                                                   "content": "路灯坏了", "citizen": ["anonymous": true]],
                                           headers: idempotencyKey("null-channel"), token: nil)
            expectError(citizen, .badRequest, "invalid_field")
            #expect(citizen["field"].string == "channel")
            #expect(citizen["message"].string?.contains("null") == true)
            let nested = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "路灯不亮",
                                                            "content": "路灯坏了", "citizen": ["name": NSNull()]])
            expectError(nested, .badRequest, "invalid_field")
            #expect(try await h.caseCount() == before)
            let v = try await h.version(id)
            let callback = try await h.post("/api/v1/cases/\(id)/callback", ["reached": false, "evaluation": NSNull()])
            expectError(callback, .badRequest, "invalid_field")
            #expect(callback["field"].string == "evaluation")
            #expect(try await h.version(id) == v)
        }
    }
}
