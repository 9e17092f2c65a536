import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// The HTTP API driven through the router, with an in-memory store and a hand-set clock
/// (Monday 2026-11-02 09:00 +08:00, no holidays in November–December 2026).
@Suite("HTTP API")
struct APITests {

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
            expectError(nullTitle, .badRequest, "missing_field")
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

    // MARK: 4. The whole lifecycle

    @Test func wholeLifecycleThroughTheAPI() async throws {
        try await withAPI { h in
            let id = try await h.create()

            h.clock.set(at("2026-11-02T10:00:00+08:00"))
            var c = try await h.step(id, "dispatch", ["unit": 4, "mode": "assign", "coHandlers": [5], "note": "请尽快办理"])
            #expect(c["state"].string == "dispatched")
            #expect(c["holder"]["id"].int == 4)
            #expect(c["holder"]["name"].string == "渝中区城市管理局")
            #expect(c["dispatchMode"].string == "assign")
            #expect(c["coHandlers"].array.compactMap { $0["id"].int } == [5])
            #expect(c["deliveredAt"].string == "2026-11-02T10:00:00+08:00")
            #expect(c["deadlines"]["sign"].string == "2026-11-05T00:00:00+08:00")
            #expect(c["deadlines"]["object"].string == "2026-11-05T00:00:00+08:00")
            #expect(c["deadlines"]["accept"].string == "2026-11-06T00:00:00+08:00")

            // A co-handler is not the holder: it may not sign.
            h.clock.set(at("2026-11-02T11:00:00+08:00"))
            let bySeven = try await h.act(id, "sign", ["actingUnit": 5])
            expectError(bySeven, .forbidden, "not_holding_unit")
            try #expect(await h.version(id) == 2)
            try #expect(await h.show(id)["state"].string == "dispatched")

            c = try await h.step(id, "sign", ["actingUnit": 4])
            #expect(c["state"].string == "signed")
            #expect(c["leadUnit"]["id"].int == 4)

            h.clock.set(at("2026-11-03T09:00:00+08:00"))
            c = try await h.step(id, "accept", ["actingUnit": 4, "caseClass": "claim"])
            #expect(c["state"].string == "accepted")
            #expect(c["caseClass"].string == "claim")
            // 20 working days after Tuesday 11-03 → end of Tuesday 12-01.
            #expect(c["deadlines"]["reply"].string == "2026-12-02T00:00:00+08:00")
            #expect(c["due"].string == "2026-12-02T00:00:00+08:00")

            expectError(try await h.act(id, "requestExtension", ["amount": 0, "reason": "x", "actingUnit": 4]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "requestExtension", ["amount": 5, "actingUnit": 4]), .badRequest, "missing_field")
            c = try await h.step(id, "requestExtension", ["amount": 5, "reason": "需要现场勘查", "actingUnit": 4])
            #expect(c["pendingExtension"]["amount"].int == 5)
            #expect(c["pendingExtension"]["reason"].string == "需要现场勘查")
            #expect(c["deadlines"]["reply"].string == "2026-12-02T00:00:00+08:00")

            c = try await h.step(id, "approveExtension")
            #expect(c["pendingExtension"].isNull)
            #expect(c["extended"].int == 5)
            // 5 more working days after Tuesday 12-01: 12-02, 03, 04, 07, 08.
            #expect(c["deadlines"]["reply"].string == "2026-12-09T00:00:00+08:00")
            expectError(try await h.act(id, "approveExtension"), .conflict, "no_pending_request")

            h.clock.set(at("2026-11-04T09:00:00+08:00"))
            c = try await h.step(id, "pause", ["reason": "hearing", "actingUnit": 4])
            #expect(c["paused"]["reason"].string == "hearing")
            #expect(c["paused"]["since"].string == "2026-11-04T09:00:00+08:00")
            let pausedVersion = try await h.version(id)

            h.clock.set(at("2026-11-04T10:00:00+08:00"))
            let replyWhilePaused = try await h.act(id, "reply", ["result": "support", "text": "已修复", "actingUnit": 4])
            expectError(replyWhilePaused, .conflict, "case_paused")
            expectError(try await h.act(id, "transfer", ["unit": 5, "reason": "不属本单位", "actingUnit": 4]), .conflict, "case_paused")
            expectError(try await h.act(id, "requestExtension", ["amount": 2, "reason": "再延", "actingUnit": 4]), .conflict, "case_paused")
            expectError(try await h.act(id, "pause", ["reason": "appraisal", "actingUnit": 4]), .conflict, "case_paused")
            try #expect(await h.version(id) == pausedVersion)

            h.clock.set(at("2026-11-06T09:00:00+08:00"))
            c = try await h.step(id, "resume", ["actingUnit": 4])
            #expect(c["paused"].isNull)
            // Paused Wednesday → Friday: 2 working days (Thu, Fri) added from 12-08 → 12-10.
            #expect(c["deadlines"]["reply"].string == "2026-12-11T00:00:00+08:00")
            expectError(try await h.act(id, "resume", ["actingUnit": 4]), .conflict, "case_not_paused")

            h.clock.set(at("2026-11-09T09:00:00+08:00"))
            c = try await h.step(id, "reply", ["result": "support", "text": "路灯已修复。", "actingUnit": 4])
            #expect(c["state"].string == "replied")
            #expect(c["holder"]["id"].int == 2)
            #expect(c["reply"]["result"].string == "support")
            #expect(c["reply"]["text"].string == "路灯已修复。")
            #expect(c["reply"]["unit"]["id"].int == 4)
            #expect(c["reply"]["at"].string == "2026-11-09T09:00:00+08:00")
            // 30 calendar days after Monday 11-09 → Wednesday 12-09.
            #expect(c["deadlines"]["reviewRequest"].string == "2026-12-10T00:00:00+08:00")

            c = try await h.step(id, "evaluate", ["evaluation": "dissatisfied"])
            #expect(c["state"].string == "replied")
            #expect(c["evaluation"].string == "dissatisfied")
            expectError(try await h.act(id, "evaluate", ["evaluation": "meh"]), .badRequest, "invalid_value")

            expectError(try await h.act(id, "reopen", [:]), .badRequest, "missing_field")
            c = try await h.step(id, "reopen", ["reason": "群众不满意，路灯仍不亮"])
            #expect(c["state"].string == "reopened")
            #expect(c["holder"]["id"].int == 4)
            #expect(c["reopenCount"].int == 1)

            h.clock.set(at("2026-11-10T09:00:00+08:00"))
            c = try await h.step(id, "accept", ["actingUnit": 4])
            #expect(c["state"].string == "accepted")
            c = try await h.step(id, "reply", ["result": "support", "text": "已更换灯具。", "actingUnit": 4])
            #expect(c["state"].string == "replied")
            #expect(c["evaluation"].isNull)
            c = try await h.step(id, "evaluate", ["evaluation": "satisfied"])
            #expect(c["state"].string == "closed")
            #expect(c["evaluation"].string == "satisfied")
            #expect(c["allowedActions"].strings == ["review", "note"])
            #expect(c["alert"]["level"].string == "normal")
            #expect(c["alert"]["nextChange"].isNull)

            let history = c["history"].array
            #expect(history.compactMap { $0["action"].string } == [
                "register", "dispatch", "sign", "accept", "requestExtension", "approveExtension", "pause", "resume",
                "reply", "evaluate", "reopen", "accept", "reply", "evaluate",
            ])
            #expect(history.compactMap { $0["seq"].int } == Array(1...14))
            #expect(history[1]["note"].string == "请尽快办理")
            #expect(history[1]["data"]["toUnit"].string == "4")
            #expect(history[2]["unit"]["id"].int == 4)
            #expect(history[7]["data"]["pausedSeconds"].string == "172800")
            #expect(history.last?["toState"].string == "closed")
            // Every event's fromState is the previous event's toState.
            for i in 1..<history.count {
                #expect(history[i]["fromState"].string == history[i - 1]["toState"].string, "event \(i + 1)")
            }
            try #expect(await h.version(id) == 14)

            let fresh = try await h.show(id)
            #expect(fresh["history"].count == 14)
            #expect(fresh["state"].string == "closed")
        }
    }

    // MARK: 5. Illegal steps

    @Test func illegalStepIsRefusedWithTheAllowedList() async throws {
        try await withAPI { h in
            let id = try await h.create()
            let sign = try await h.act(id, "sign")
            expectError(sign, .conflict, "illegal_step")
            #expect(sign["action"].string == "sign")
            #expect(sign["state"].string == "registered")
            #expect(sign["allowed"].strings == ["dispatch", "handOff", "reply", "note", "remind", "superviseOrder",
                                                "respondSupervision", "fieldCheck", "holdAccountable", "takeOwnership", "releaseOwnership"])
            expectError(try await h.act(id, "accept"), .conflict, "illegal_step")
            expectError(try await h.act(id, "evaluate", ["evaluation": "satisfied"]), .conflict, "illegal_step")
            expectError(try await h.act(id, "close"), .conflict, "illegal_step")
            try #expect(await h.version(id) == 1)
            try #expect(await h.show(id)["history"].count == 1)

            // The center may answer a registered case directly.
            let reply = try await h.step(id, "reply", ["result": "explain", "text": "已电话解释政策。"])
            #expect(reply["state"].string == "replied")
            #expect(reply["reply"]["unit"]["id"].int == 2)
            #expect(reply["reply"]["result"].string == "explain")
            // …and then there is no unit to reopen it with.
            let reopen = try await h.act(id, "reopen", ["reason": "不满意"])
            expectError(reopen, .unprocessableContent, "invalid_field")
            try #expect(await h.version(id) == 2)
        }
    }

    // MARK: 6. Transfers

    @Test func transferTwiceProposesALeader() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            var c = try await h.step(id, "transfer", ["unit": 5, "reason": "属于劳动保障事项", "actingUnit": 4])
            #expect(c["state"].string == "dispatched")
            #expect(c["holder"]["id"].int == 5)
            #expect(c["transferCount"].int == 1)
            #expect(c["leaderProposed"].bool == false)
            #expect(c["leadUnit"].isNull)
            #expect(c["history"].array.last?["data"]["reason"].string == "属于劳动保障事项")
            #expect(c["history"].array.last?["data"]["fromUnit"].string == "4")

            try await h.step(id, "sign", ["actingUnit": 5])
            let v = try await h.version(id)
            let noReason = try await h.act(id, "transfer", ["unit": 6, "actingUnit": 5])
            expectError(noReason, .badRequest, "missing_field")
            #expect(noReason["field"].string == "reason")
            expectError(try await h.act(id, "transfer", ["unit": 6, "reason": "  ", "actingUnit": 5]), .badRequest, "invalid_field")
            expectError(try await h.act(id, "transfer", ["reason": "x", "actingUnit": 5]), .badRequest, "missing_field")
            expectError(try await h.act(id, "transfer", ["unit": 5, "reason": "自己", "actingUnit": 5]), .unprocessableContent, "invalid_field")
            // Unit 4 transferred the case away: it keeps its own events, and may no longer act.
            expectError(try await h.act(id, "transfer", ["unit": 6, "reason": "x", "actingUnit": 4]), .notFound, "not_found")
            try #expect(await h.version(id) == v)

            c = try await h.step(id, "transfer", ["unit": 6, "reason": "属地管理", "actingUnit": 5])
            #expect(c["holder"]["id"].int == 6)
            #expect(c["transferCount"].int == 2)
            #expect(c["leaderProposed"].bool == true)
        }
    }

    // MARK: 7. Review and re-review

    @Test func reviewGoesUpTheTreeAndEndsFinal() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            h.clock.set(at("2026-11-05T09:00:00+08:00"))
            try await h.step(id, "reply", ["result": "notSupported", "text": "不符合条件。", "actingUnit": 4])

            expectError(try await h.act(id, "review", [:]), .badRequest, "missing_field")
            expectError(try await h.act(id, "review", ["reason": "x", "unit": 999]), .badRequest, "invalid_field")
            try #expect(await h.version(id) == 5)

            h.clock.set(at("2026-11-10T09:00:00+08:00"))
            var c = try await h.step(id, "review", ["reason": "对答复不服，申请复查"])
            #expect(c["state"].string == "reviewing")
            // The department 4's own government is the district 3.
            #expect(c["holder"]["id"].int == 3)
            // 30 calendar days after 11-10 → Thursday 12-10.
            #expect(c["deadlines"]["reviewDecision"].string == "2026-12-11T00:00:00+08:00")
            expectError(try await h.act(id, "decideReview", ["result": "support", "text": "x", "actingUnit": 4]), .forbidden, "not_holding_unit")

            c = try await h.step(id, "decideReview", ["result": "explain", "text": "维持原答复。", "actingUnit": 3])
            #expect(c["state"].string == "reviewed")
            #expect(c["reviewDecision"]["unit"]["id"].int == 3)
            #expect(c["reviewDecision"]["result"].string == "explain")

            c = try await h.step(id, "rereview", ["reason": "仍不服，申请复核"])
            #expect(c["state"].string == "rereviewing")
            #expect(c["holder"]["id"].int == 1)

            c = try await h.step(id, "decideRereview", ["result": "notSupported", "text": "复核维持。", "actingUnit": 1])
            #expect(c["state"].string == "final")
            #expect(c["rereviewDecision"]["unit"]["id"].int == 1)
            #expect(c["allowedActions"].strings == ["note"])
            let v = try await h.version(id)

            let again = try await h.act(id, "review", ["reason": "再次申请"])
            expectError(again, .conflict, "illegal_step")
            #expect(again["state"].string == "final")
            expectError(try await h.act(id, "rereview", ["reason": "再次申请"]), .conflict, "illegal_step")
            try #expect(await h.version(id) == v)
        }
    }

    @Test func reviewWindowCloses() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "reply", ["result": "explain", "text": "已解释。"])
            // Replied Monday 11-02 → window ends at the end of Wednesday 12-02.
            try #expect(await h.show(id)["deadlines"]["reviewRequest"].string == "2026-12-03T00:00:00+08:00")
            h.clock.set(at("2026-12-03T00:00:00+08:00"))
            let late = try await h.act(id, "review", ["reason": "申请复查"])
            expectError(late, .conflict, "window_closed")
            #expect(late["deadline"].string == "2026-12-03T00:00:00+08:00")
            try #expect(await h.version(id) == 2)
        }
    }

    // MARK: 8. Objection window and re-dispatch

    @Test func objectionWindowAndRedispatch() async throws {
        try await withAPI { h in
            let late = try await h.create(title: "占道经营")
            let early = try await h.create(title: "拖欠工资")
            try await h.step(late, "dispatch", ["unit": 4])
            try await h.step(early, "dispatch", ["unit": 4])

            h.clock.set(at("2026-11-03T10:00:00+08:00"))
            expectError(try await h.act(early, "object", ["actingUnit": 4]), .badRequest, "missing_field")
            // Unit 5 neither holds nor ever held the case: for it the case does not exist.
            expectError(try await h.act(early, "object", ["reason": "不属本单位", "actingUnit": 5]), .notFound, "not_found")
            var c = try await h.step(early, "object", ["reason": "属于人社部门职责", "actingUnit": 4])
            #expect(c["state"].string == "returnRequested")
            #expect(c["holder"]["id"].int == 2)
            #expect(c["returnRequest"]["objection"].bool == true)
            #expect(c["returnRequest"]["fromUnit"]["id"].int == 4)
            #expect(c["returnRequest"]["fromState"].string == "dispatched")
            #expect(c["deadlines"]["dispatch"].string == "2026-11-05T00:00:00+08:00")

            expectError(try await h.act(early, "redispatch", ["unit": 5]), .badRequest, "missing_field")
            expectError(try await h.act(early, "redispatch", ["unit": 4, "reason": "请办理"]), .unprocessableContent, "invalid_field")
            c = try await h.step(early, "redispatch", ["unit": 5, "reason": "改派人社局"])
            #expect(c["state"].string == "dispatched")
            #expect(c["holder"]["id"].int == 5)
            #expect(c["returnRequest"].isNull)
            #expect(c["deadlines"]["sign"].string == "2026-11-06T00:00:00+08:00")

            // Dispatched Monday: 2 working days ran out at the end of Wednesday.
            h.clock.set(at("2026-11-05T09:00:00+08:00"))
            let refused = try await h.act(late, "object", ["reason": "不属本单位", "actingUnit": 4])
            expectError(refused, .conflict, "window_closed")
            #expect(refused["deadline"].string == "2026-11-05T00:00:00+08:00")
            try #expect(await h.version(late) == 2)
            try #expect(await h.show(late)["state"].string == "dispatched")
        }
    }

    // MARK: 9. Emergencies

    @Test func emergencyHandOff() async throws {
        try await withAPI { h in
            let fire = try await h.create(title: "楼道起火", content: "三楼楼道冒烟起火")
            let c = try await h.step(fire, "handOff", ["service": "119"])
            #expect(c["state"].string == "handedOff")
            #expect(c["handedOffTo"].string == "119")
            #expect(c["allowedActions"].strings == ["note"])

            let police = try await h.create(title: "有人打架", content: "小区门口有人打架")
            let bad = try await h.act(police, "handOff", ["service": "999"])
            expectError(bad, .badRequest, "invalid_value")
            #expect(bad["allowed"].strings == ["110", "119", "120", "122"])
            expectError(try await h.act(police, "handOff", ["service": 110]), .badRequest, "invalid_field")
            expectError(try await h.act(police, "handOff"), .badRequest, "missing_field")
            try #expect(await h.version(police) == 1)
            let ok = try await h.step(police, "handOff", ["service": "110"])
            #expect(ok["state"].string == "handedOff")
            #expect(ok["handedOffTo"].string == "110")
            #expect(ok["alert"]["level"].string == "normal")

            // A handed-off case is no longer open.
            let open = try await h.listIDs("open=true")
            #expect(open.isEmpty)
            expectError(try await h.act(police, "dispatch", ["unit": 4]), .conflict, "illegal_step")
        }
    }

    // MARK: 10. Listing

    /// 12 cases: 1–4 on Friday 10-30, 5–8 on Saturday 10-31, 9–12 on Monday 11-02 08:00.
    /// Unit 4 holds 1 (dispatched Mon 09:00), 5 (signed), 7 (accepted), 9 (dispatched Tue 09:00) and 11 (rejected);
    /// unit 5 holds 3 and 6.
    static let listing: [(title: String, content: String, kind: String, channel: String, category: String)] = [
        ("小区门口路灯不亮", "路灯坏了两周，晚上很黑。", "help", "phone", "城乡建设"),
        ("噪音扰民", "夜间施工噪音很大", "complaint", "web", "环境保护"),
        ("工资拖欠", "公司拖欠三个月工资", "complaint", "phone", "劳动和社会保障"),
        ("公交线路建议", "建议增加公交班次", "suggestion", "app", "交通运输"),
        ("路灯闪烁", "街道照明夜间闪烁", "complaint", "wechat", "城乡建设"),
        ("社保咨询", "如何办理社保转移", "consultation", "phone", "劳动和社会保障"),
        ("垃圾清运不及时", "小区垃圾堆积发臭", "complaint", "web", "城乡建设"),
        ("表扬环卫工人", "环卫工人认真负责", "praise", "letter", "城乡建设"),
        ("占道经营", "夜市占道经营影响通行", "report", "phone", "城乡建设"),
        ("学校周边交通拥堵", "上下学时段拥堵严重", "suggestion", "web", "交通运输"),
        ("井盖缺失", "人行道井盖缺失很危险", "help", "phone", "城乡建设"),
        ("医院排队时间长", "挂号难排队久", "complaint", "app", "卫生计生"),
    ]

    func seedListing(_ h: Harness) async throws {
        for (i, row) in Self.listing.enumerated() {
            if i == 0 { h.clock.set(at("2026-10-30T10:00:00+08:00")) }
            if i == 4 { h.clock.set(at("2026-10-31T10:00:00+08:00")) }
            if i == 8 { h.clock.set(at("2026-11-02T08:00:00+08:00")) }
            let id = try await h.create(title: row.title, content: row.content, kind: row.kind, channel: row.channel, category: row.category)
            #expect(id == i + 1)
        }
        h.clock.set(monday9)
        for id in [1, 5, 7, 11] { try await h.step(id, "dispatch", ["unit": 4]) }
        for id in [3, 6] { try await h.step(id, "dispatch", ["unit": 5]) }
        h.clock.set(at("2026-11-02T10:00:00+08:00"))
        for id in [5, 7, 11] { try await h.step(id, "sign", ["actingUnit": 4]) }
        try await h.step(7, "accept", ["actingUnit": 4])
        try await h.step(11, "reject", ["route": "litigation", "reason": "属于民事纠纷，请向法院起诉", "actingUnit": 4])
        h.clock.set(at("2026-11-03T09:00:00+08:00"))
        try await h.step(9, "dispatch", ["unit": 4])
    }

    @Test func listingFiltersAndInboxOrder() async throws {
        try await withAPI { h in
            try await seedListing(h)

            // The inbox: open cases held by unit 4, soonest due first.
            let inbox = try await h.get("/api/v1/cases?unit=4&open=true")
            #expect(inbox.status == .ok)
            #expect(inbox["items"].array.compactMap { $0["id"].int } == [1, 5, 9, 7])
            #expect(inbox["items"].array.compactMap { $0["due"].string } == [
                "2026-11-05T00:00:00+08:00", "2026-11-06T00:00:00+08:00", "2026-11-06T00:00:00+08:00", "2026-12-01T00:00:00+08:00",
            ])
            #expect(inbox["items"][0]["holder"]["id"].int == 4)
            #expect(inbox["items"][0]["state"].string == "dispatched")
            #expect(inbox["items"][0]["title"].string == "小区门口路灯不亮")
            #expect(inbox["items"][0]["trackingCode"].string?.count == 10)
            #expect(inbox["nextCursor"].isNull)
            try #expect(await h.listIDs("unit=4&open=true&order=newest") == [9, 7, 5, 1])
            try #expect(await h.listIDs("unit=4") == [11, 9, 7, 5, 1])
            try #expect(await h.listIDs("unit=5") == [6, 3])
            try #expect(await h.listIDs("unit=2") == [12, 10, 8, 4, 2])
            try #expect(await h.listIDs("") == Array((1...12).reversed()))

            try #expect(await h.listIDs("kind=complaint") == [12, 7, 5, 3, 2])
            try #expect(await h.listIDs("channel=phone") == [11, 9, 6, 3, 1])
            try #expect(await h.listIDs("kind=complaint&channel=phone") == [3])
            try #expect(await h.listIDs("category=\(enc("城乡建设"))") == [11, 9, 8, 7, 5, 1])
            try #expect(await h.listIDs("category=\(enc("城乡"))") == [])
            try #expect(await h.listIDs("state=dispatched") == [9, 6, 3, 1])
            try #expect(await h.listIDs("state=registered") == [12, 10, 8, 4, 2])
            try #expect(await h.listIDs("state=rejected") == [11])
            try #expect(await h.listIDs("open=true") == [12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
            try #expect(await h.listIDs("open=false") == Array((1...12).reversed()))

            // Dates: a bare `to` means through that day.
            try #expect(await h.listIDs("from=2026-10-31&to=2026-10-31") == [8, 7, 6, 5])
            try #expect(await h.listIDs("to=2026-10-30") == [4, 3, 2, 1])
            try #expect(await h.listIDs("from=2026-11-02") == [12, 11, 10, 9])
            try #expect(await h.listIDs("from=2026-11-01&to=2026-11-01") == [])
            try #expect(await h.listIDs("from=\(enc("2026-10-31T12:00:00+08:00"))") == [12, 11, 10, 9])
            try #expect(await h.listIDs("to=\(enc("2026-10-31T09:00:00+08:00"))") == [4, 3, 2, 1])
            try #expect(await h.listIDs("from=2026-10-31&to=2026-10-31&kind=complaint") == [7, 5])

            // Full text.
            let search = try await h.listIDs("q=%E8%B7%AF%E7%81%AF")
            #expect(Set(search) == [1, 5])
            #expect(search.count == 2)
            try #expect(await h.listIDs("q=\(enc("工资"))") == [3])
            try #expect(await h.listIDs("q=\(enc("路灯"))&unit=4&open=true").count == 2)
            try #expect(await h.listIDs("q=\(enc("火星基地"))") == [])
        }
    }

    @Test func listingByAlertLevelFollowsTheClock() async throws {
        try await withAPI { h in
            try await seedListing(h)
            h.clock.set(at("2026-11-04T23:59:59+08:00"))
            try #expect(await h.listIDs("unit=4&alert=warning") == [])
            try #expect(await h.listIDs("unit=4&alert=normal") == [11, 9, 7, 5, 1])

            // Delivered Monday: warning from Thursday 00:00, alarm from Friday 00:00.
            h.clock.set(at("2026-11-05T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=warning") == [5, 1])
            try #expect(await h.listIDs("unit=4&alert=alarm") == [])
            try #expect(await h.listIDs("unit=4&alert=normal") == [11, 9, 7])
            let rows = try await h.get("/api/v1/cases?unit=4&open=true")
            #expect(rows["items"].array.compactMap { $0["alert"].string } == ["warning", "warning", "normal", "normal"])

            h.clock.set(at("2026-11-06T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=alarm") == [5, 1])
            try #expect(await h.listIDs("unit=4&alert=warning") == [9])
            // Registered cases past their dispatch limit and unit 5's unsigned cases are at alarm too.
            try #expect(await h.listIDs("alert=alarm") == [12, 10, 8, 6, 5, 4, 3, 2, 1])
            try #expect(await h.listIDs("alert=urgent") == [])

            // Accepted Monday 10:00: reply due end of 11-30, urgent from the end of 11-26.
            h.clock.set(at("2026-11-27T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=urgent") == [7])
            h.clock.set(at("2026-12-01T00:00:00+08:00"))
            try #expect(await h.listIDs("unit=4&alert=alarm") == [9, 7, 5, 1])
        }
    }

    @Test func listingPagesWithCursors() async throws {
        try await withAPI { h in
            try await seedListing(h)
            var seen: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/v1/cases?limit=5" + (cursor.map { "&cursor=\(enc($0))" } ?? "")
                let r = try await h.get(uri)
                #expect(r.status == .ok, "\(r.text)")
                let ids = r["items"].array.compactMap { $0["id"].int }
                #expect(!ids.isEmpty)
                #expect(ids.count <= 5)
                seen += ids
                cursor = r["nextCursor"].string
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Array((1...12).reversed()))
            #expect(Set(seen).count == seen.count)

            // The inbox pages in due order.
            let p1 = try await h.get("/api/v1/cases?unit=4&open=true&limit=2")
            #expect(p1["items"].array.compactMap { $0["id"].int } == [1, 5])
            let next = try #require(p1["nextCursor"].string)
            let p2 = try await h.get("/api/v1/cases?unit=4&open=true&limit=2&cursor=\(enc(next))")
            #expect(p2.status == .ok, "\(p2.text)")
            #expect(p2["items"].array.compactMap { $0["id"].int } == [9, 7])
            #expect(p2["nextCursor"].isNull)

            // Filters hold across pages.
            let c1 = try await h.get("/api/v1/cases?category=\(enc("城乡建设"))&limit=4")
            #expect(c1["items"].array.compactMap { $0["id"].int } == [11, 9, 8, 7])
            let cnext = try #require(c1["nextCursor"].string)
            let c2 = try await h.get("/api/v1/cases?category=\(enc("城乡建设"))&limit=4&cursor=\(enc(cnext))")
            #expect(c2["items"].array.compactMap { $0["id"].int } == [5, 1])
            #expect(c2["nextCursor"].isNull)

            // A cursor from one order is no good for another.
            let mixed = try await h.get("/api/v1/cases?unit=4&open=true&cursor=\(enc(cnext))")
            expectError(mixed, .badRequest, "invalid_field")
        }
    }

    @Test func searchByContentSingleCharactersAndRelevancePaging() async throws {
        try await withAPI { h in
            try await seedListing(h)
            // A term found only in the content.
            try #expect(await h.listIDs("q=\(enc("三个月"))") == [3])
            // A lone character.
            let one = try await h.listIDs("q=\(enc("灯"))")
            #expect(Set(one) == [1, 5])
            // Relevance order pages with its own cursor.
            let p1 = try await h.get("/api/v1/cases?q=\(enc("路灯"))&limit=1")
            #expect(p1["items"].count == 1)
            let next = try #require(p1["nextCursor"].string)
            let p2 = try await h.get("/api/v1/cases?q=\(enc("路灯"))&limit=1&cursor=\(enc(next))")
            #expect(p2.status == .ok, "\(p2.text)")
            #expect(p2["items"].count == 1)
            #expect(p2["nextCursor"].isNull)
            let ids = Set(p1["items"].array.compactMap { $0["id"].int } + p2["items"].array.compactMap { $0["id"].int })
            #expect(ids == [1, 5])
        }
    }

    @Test func returnsAndExtensionLimits() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            var c = try await h.step(id, "return", ["reason": "材料不全", "actingUnit": 4])
            #expect(c["state"].string == "returnRequested")
            #expect(c["returnRequest"]["objection"].bool == false)
            #expect(c["returnRequest"]["fromState"].string == "signed")
            c = try await h.step(id, "denyReturn", ["reason": "材料已齐全，请继续办理"])
            #expect(c["state"].string == "signed")
            #expect(c["holder"]["id"].int == 4)
            #expect(c["returnRequest"].isNull)
            expectError(try await h.act(id, "approveReturn"), .conflict, "illegal_step")

            try await h.step(id, "return", ["reason": "不属本单位", "actingUnit": 4])
            c = try await h.step(id, "approveReturn")
            #expect(c["state"].string == "registered")
            #expect(c["holder"]["id"].int == 2)
            #expect(c["leadUnit"].isNull)

            try await h.step(id, "dispatch", ["unit": 5])
            try await h.step(id, "sign", ["actingUnit": 5])
            try await h.step(id, "accept", ["actingUnit": 5])
            let v = try await h.version(id)
            // 12320 allows at most 10 working days of extension in total.
            expectError(try await h.act(id, "requestExtension", ["amount": 11, "reason": "复杂", "actingUnit": 5]),
                        .unprocessableContent, "invalid_field")
            expectError(try await h.act(id, "approveExtension"), .conflict, "no_pending_request")
            expectError(try await h.act(id, "denyExtension", ["reason": "x"]), .conflict, "no_pending_request")
            try #expect(await h.version(id) == v)
            try await h.step(id, "requestExtension", ["amount": 6, "reason": "需要鉴定", "actingUnit": 5])
            expectError(try await h.act(id, "requestExtension", ["amount": 1, "reason": "再延", "actingUnit": 5]),
                        .unprocessableContent, "invalid_field")
            c = try await h.step(id, "denyExtension", ["reason": "理由不充分"])
            #expect(c["pendingExtension"].isNull)
            #expect(c["extended"].int == 0)
            #expect(c["deadlines"]["reply"].string == "2026-12-01T00:00:00+08:00")
        }
    }

    @Test func listingRefusesBadParameters() async throws {
        try await withAPI { h in
            try await h.create()
            let unknown = try await h.get("/api/v1/cases?colour=red")
            expectError(unknown, .badRequest, "unknown_parameter")
            #expect(unknown["message"].string?.contains("colour") == true)
            let state = try await h.get("/api/v1/cases?state=bogus")
            expectError(state, .badRequest, "invalid_value")
            #expect(state["allowed"].strings.contains("registered"))
            expectError(try await h.get("/api/v1/cases?limit=0"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?limit=501"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?limit=ten"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?from=notadate"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?to=2026-13-01"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?cursor=garbage"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?cursor=nabc"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?unit=abc"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?open=yes"), .badRequest, "invalid_field")
            expectError(try await h.get("/api/v1/cases?alert=red"), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/cases?kind=rant"), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/cases?channel=fax"), .badRequest, "invalid_value")
            expectError(try await h.get("/api/v1/cases?order=random"), .badRequest, "invalid_field")
            let fine = try await h.get("/api/v1/cases?limit=500&order=due")
            #expect(fine.status == .ok)
            #expect(fine["items"].count == 1)
        }
    }

    // MARK: 11. Alert on a case

    @Test func caseAlertChangesWithTheClock() async throws {
        try await withAPI { h in
            let id = try await h.create()
            var c = try await h.show(id)
            #expect(c["alert"]["level"].string == "normal")
            #expect(c["alert"]["nextChange"].string == "2026-11-04T00:00:00+08:00")
            try await h.step(id, "dispatch", ["unit": 4])
            c = try await h.show(id)
            #expect(c["alert"]["level"].string == "normal")
            #expect(c["alert"]["nextChange"].string == "2026-11-05T00:00:00+08:00")

            h.clock.set(at("2026-11-04T23:59:59+08:00"))
            try #expect(await h.show(id)["alert"]["level"].string == "normal")
            h.clock.set(at("2026-11-05T00:00:00+08:00"))
            c = try await h.show(id)
            #expect(c["alert"]["level"].string == "warning")
            #expect(c["alert"]["label"].string == "预警")
            #expect(c["alert"]["nextChange"].string == "2026-11-06T00:00:00+08:00")
            h.clock.set(at("2026-11-06T00:00:00+08:00"))
            c = try await h.show(id)
            #expect(c["alert"]["level"].string == "alarm")
            #expect(c["alert"]["nextChange"].isNull)

            // Accepted Friday: reply due at the end of Friday 12-04, urgent from the end of 12-02.
            h.clock.set(at("2026-11-06T09:00:00+08:00"))
            try await h.step(id, "sign", ["actingUnit": 4])
            c = try await h.step(id, "accept", ["actingUnit": 4])
            #expect(c["deadlines"]["reply"].string == "2026-12-05T00:00:00+08:00")
            #expect(c["alert"]["level"].string == "normal")
            #expect(c["alert"]["nextChange"].string == "2026-12-03T00:00:00+08:00")
            h.clock.set(at("2026-12-03T00:00:00+08:00"))
            c = try await h.show(id)
            #expect(c["alert"]["level"].string == "urgent")
            #expect(c["alert"]["nextChange"].string == "2026-12-05T00:00:00+08:00")

            // A pause freezes the level.
            h.clock.set(at("2026-12-03T10:00:00+08:00"))
            c = try await h.step(id, "pause", ["reason": "appraisal", "actingUnit": 4])
            #expect(c["alert"]["level"].string == "urgent")
            #expect(c["alert"]["nextChange"].isNull)
            h.clock.set(at("2026-12-10T10:00:00+08:00"))
            try #expect(await h.show(id)["alert"]["level"].string == "urgent")
            try #expect(await h.listIDs("alert=urgent") == [id])
            // Resumed after 5 working days (12-04, 07, 08, 09, 10): due end of 12-11, urgent from end of 12-09.
            c = try await h.step(id, "resume", ["actingUnit": 4])
            #expect(c["deadlines"]["reply"].string == "2026-12-12T00:00:00+08:00")
            #expect(c["alert"]["level"].string == "urgent")
            #expect(c["alert"]["nextChange"].string == "2026-12-12T00:00:00+08:00")
            h.clock.set(at("2026-12-12T00:00:00+08:00"))
            try #expect(await h.show(id)["alert"]["level"].string == "alarm")
            try #expect(await h.listIDs("alert=alarm") == [id])
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
