import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// What citizens do without an account (issue 3 items 4 and 5).
@Suite("Citizens: submit, track, rate, review")
struct CitizenTests {
    nonisolated(unsafe) static let submission: [String: Any] = ["kind": "help", "title": "小区路灯不亮", "content": "解放碑街道某小区路灯坏了两周。",
                                            "citizen": ["name": "何先生", "phone": "13700005678"], "locationUnit": 6]

    @Test func submitTrackRateAndReview() async throws {
        try await withAPI { h in
            let r = try await h.post("/api/v1/public/cases", Self.submission, token: nil)
            #expect(r.status == .created, "\(r.text)")
            let code = try #require(r["trackingCode"].string)
            #expect(r.headers[.location] == "/api/v1/track/\(code)")
            #expect(r["message"].string?.contains(code) == true)
            let c = try #require(try await h.platform.store.case(trackingCode: code))
            #expect(c.channel == .web)
            #expect(c.center == 2, "no district center in the small tree: the city's")

            let track = "/api/v1/track/\(code)?phone4=5678"
            var t = try await h.get(track, token: nil)
            #expect(t["state"].string == "registered")
            #expect(t["canEvaluate"].bool == false)
            // Staff handle it.
            try await h.step(Int(c.id), "dispatch", ["unit": 4])
            try await h.step(Int(c.id), "sign", ["actingUnit": 4, "note": "内部：交给维修班老李"])
            try await h.step(Int(c.id), "accept", ["actingUnit": 4])
            try await h.step(Int(c.id), "reply", ["actingUnit": 4, "result": "support", "text": "路灯已于今日修复。"])
            t = try await h.get(track, token: nil)
            #expect(t["state"].string == "replied")
            #expect(t["reply"]["text"].string == "路灯已于今日修复。")
            #expect(t["canEvaluate"].bool == true)
            #expect(!t.text.contains("老李") && !t.text.contains("unit4"), "no staff notes or names")
            // Rating needs the phone tail too.
            expectError(try await h.post("/api/v1/track/\(code)/evaluate", ["phone4": "0000", "evaluation": "satisfied"], token: nil), .notFound, "not_found")
            expectError(try await h.post("/api/v1/track/\(code)/evaluate", ["phone4": "5678", "evaluation": "great"], token: nil), .badRequest, "invalid_value")
            let rated = try await h.post("/api/v1/track/\(code)/evaluate", ["phone4": "5678", "evaluation": "basicallySatisfied", "comment": "修得挺快"], token: nil)
            #expect(rated.status == .ok, "\(rated.text)")
            #expect(rated["evaluation"].string == "basicallySatisfied")
            #expect(rated["state"].string == "closed")
            #expect(rated["canReview"].bool == true)
            // Asking for a review sends it to the government above the answering unit.
            let reviewed = try await h.post("/api/v1/track/\(code)/review", ["phone4": "5678", "reason": "灯又坏了，要求复查"], token: nil)
            #expect(reviewed.status == .ok, "\(reviewed.text)")
            #expect(reviewed["state"].string == "reviewing")
            #expect(reviewed["unit"]["id"].int == 3)
            let events = try await h.platform.store.events(of: c.id)
            #expect(events.suffix(2).map(\.role) == [.citizen, .citizen])
        }
    }

    @Test func wrongCodesAndPhonesLookTheSameAndAreSlowedDown() async throws {
        try await withAPI { h in
            let code = try #require(try await h.post("/api/v1/public/cases", Self.submission, token: nil)["trackingCode"].string)
            let unknown = try await h.get("/api/v1/track/ZZZZZZZZZZ?phone4=5678", token: nil)
            let wrongPhone = try await h.get("/api/v1/track/\(code)?phone4=5679", token: nil)
            let noPhone = try await h.get("/api/v1/track/\(code)", token: nil)
            expectError(unknown, .notFound, "not_found")
            #expect(wrongPhone.status == unknown.status && wrongPhone.text == unknown.text)
            #expect(noPhone.text == unknown.text)
            // Ten failures in a quarter of an hour, then even a right answer must wait.
            for i in 0..<7 { _ = try await h.get("/api/v1/track/AAAAAAAA\(i)?phone4=5678", token: nil) }
            let limited = try await h.get("/api/v1/track/\(code)?phone4=5678", token: nil)
            expectError(limited, .tooManyRequests, "rate_limited")
            let wait = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect(wait > 0 && wait <= 900)
            h.clock.advance(seconds: Int64(wait))
            #expect(try await h.get("/api/v1/track/\(code)?phone4=5678", token: nil).status == .ok)
        }
    }

    @Test func publicSubmissionsAreCheckedAndLimited() async throws {
        try await withAPI { h in
            func submit(_ change: (inout [String: Any]) -> Void) async throws -> APIResponse {
                var b = Self.submission
                change(&b)
                return try await h.post("/api/v1/public/cases", b, token: nil)
            }
            expectError(try await submit { $0["citizen"] = ["name": "何先生"] }, .badRequest, "missing_field")
            expectError(try await submit { $0["citizen"] = ["phone": "12345"] }, .badRequest, "invalid_field")
            expectError(try await submit { $0["channel"] = "phone" }, .badRequest, "invalid_field")
            expectError(try await submit { $0["center"] = 2 }, .badRequest, "unknown_field")
            expectError(try await submit { $0["locationUnit"] = 999 }, .badRequest, "invalid_field")
            try #expect(await h.caseCount() == 0)
            // Anonymous without a phone: the code alone tracks it.
            let anon = try await submit { $0["citizen"] = ["anonymous": true] }
            #expect(anon.status == .created, "\(anon.text)")
            #expect(try await h.get("/api/v1/track/\(anon["trackingCode"].string!)", token: nil).status == .ok)
            // Twenty an hour from one address.
            for _ in 0..<19 { _ = try await submit { _ in } }
            expectError(try await submit { _ in }, .tooManyRequests, "rate_limited")
            try #expect(await h.caseCount() == 20)
        }
    }

    @Test func retriesWithAnIdempotencyKeyMakeOneCase() async throws {
        try await withAPI { h in
            let key = idempotencyKey("call-20261102-0001")
            let first = try await h.post("/api/v1/public/cases", Self.submission, headers: key, token: nil)
            let retry = try await h.post("/api/v1/public/cases", Self.submission, headers: key, token: nil)
            #expect(first.status == .created && retry.status == .ok)
            #expect(first["trackingCode"].string == retry["trackingCode"].string)
            // The same key for another request is an error, not somebody else's case.
            var other = Self.submission
            other["title"] = "噪音扰民"
            expectError(try await h.post("/api/v1/public/cases", other, headers: key, token: nil), .unprocessableContent, "idempotency_key_reused")
            // Two staff clients may happen to use the same key: each gets its own case.
            let a = try await h.accounts.user("gw.a", unit: 2, roles: [.registrar]).token
            let b = try await h.accounts.user("gw.b", unit: 2, roles: [.registrar]).token
            let body: [String: Any] = ["channel": "sms", "kind": "help", "title": "路灯", "content": "路灯不亮"]
            let ra = try await h.post("/api/v1/cases", body, headers: key, token: a)
            let rb = try await h.post("/api/v1/cases", body, headers: key, token: b)
            let ra2 = try await h.post("/api/v1/cases", body, headers: key, token: a)
            #expect(ra.status == .created && rb.status == .created && ra2.status == .ok)
            #expect(ra["id"].int != rb["id"].int && ra["id"].int == ra2["id"].int)
            try #expect(await h.caseCount() == 3)
        }
    }
}
