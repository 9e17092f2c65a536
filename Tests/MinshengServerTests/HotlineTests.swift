import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// The hotline (issue 8 item 1): the call screen, registration linked to the call, callbacks.
@Suite("Hotline calls and callbacks")
struct HotlineTests {
    @Test func aCallShowsTheCallersEarlierCasesAndLinksTheNewOne() async throws {
        try await withAPI { h in
            let agent = try await h.accounts.user("agent", unit: 2, roles: [.registrar]).token
            let earlier = try await h.create(title: "路灯不亮", phone: "13512345678")
            try await h.step(earlier, "dispatch", ["unit": 4])
            _ = try await h.create(title: "别人的事", phone: "13900000000")
            let r = try await h.post("/api/v1/calls", ["callId": "CALL-20261102-0001", "caller": "135-1234-5678", "recording": "rec/2026/11/02/0001.wav"], token: agent)
            #expect(r.status == .created, "\(r.text)")
            #expect(r["caller"].string == "135****5678")
            #expect(r["openCount"].int == 1)
            #expect(r["earlier"].array.compactMap { $0["id"].int } == [earlier])
            #expect(r["earlier"][0]["stateLabel"].string == "待签收")
            // The same call reported twice is one record.
            let again = try await h.post("/api/v1/calls", ["callId": "CALL-20261102-0001", "caller": "13512345678"], token: agent)
            #expect(again["recording"].string == "rec/2026/11/02/0001.wav")
            // The agent registers the request from the call: the caller's number fills in, the call is linked.
            let created = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "complaint", "title": "路灯还是不亮",
                                                             "content": "上次反映的路灯还没修。", "callId": "CALL-20261102-0001"], token: agent)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created["id"].int)
            #expect(created["citizen"]["phone"].string == "135****5678")
            let first = try await h.platform.store.events(of: Int64(id))[0]
            #expect(first.data["callId"] == "CALL-20261102-0001" && first.data["recording"] == "rec/2026/11/02/0001.wav")
            #expect(try await h.get("/api/v1/calls/CALL-20261102-0001", token: agent)["caseId"].int == id)
            // The call screen in the console.
            let page = try await h.get("/console/calls/CALL-20261102-0001", token: agent)
            #expect(page.status == .ok && page.text.contains("135****5678") && page.text.contains("路灯不亮"))
            expectError(try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "t", "content": "c", "callId": "NOPE"], token: agent),
                        .badRequest, "invalid_field")
            expectError(try await h.post("/api/v1/calls", ["callId": "X", "caller": "12345"], token: agent), .badRequest, "invalid_field")
            let handler = try await h.accounts.user("handler", unit: 4, roles: [.handler]).token
            expectError(try await h.post("/api/v1/calls", ["callId": "Y"], token: handler), .forbidden, "role_not_allowed")
        }
    }

    @Test func callbacksRecordTheOutcomeAndTheRating() async throws {
        try await withAPI { h in
            let agent = try await h.accounts.user("agent", unit: 2, roles: [.registrar]).token
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            try await h.step(id, "reply", ["actingUnit": 4, "result": "support", "text": "已修复。"])
            let missed = try await h.post("/api/v1/cases/\(id)/callback", ["reached": false, "note": "无人接听"], token: agent)
            #expect(missed["state"].string == "replied", "\(missed.text)")
            expectError(try await h.post("/api/v1/cases/\(id)/callback", ["reached": false, "evaluation": "satisfied"], token: agent), .badRequest, "invalid_field")
            let rated = try await h.post("/api/v1/cases/\(id)/callback", ["reached": true, "evaluation": "satisfied"], token: agent)
            #expect(rated["state"].string == "closed" && rated["evaluation"].string == "satisfied", "\(rated.text)")
            let notes = try await h.platform.store.events(of: Int64(id)).suffix(2).map(\.note)
            #expect(notes == ["回访未接通：无人接听", "回访已接通"])
        }
    }
}
