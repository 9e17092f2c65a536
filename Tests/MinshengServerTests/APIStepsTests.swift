import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing


/// The lifecycle through the API: every step, refusals with the allowed list, transfers, review, objections, emergencies, alerts.
/// Driven through the router, with an in-memory store and a hand-set clock (Monday 2026-11-02 09:00 +08:00, no
/// holidays in November–December 2026).
@Suite("HTTP API: steps")
struct APIStepsTests {

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
}
