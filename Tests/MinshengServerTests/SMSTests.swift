import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Synchronization
import Testing

let smsSecret = "sms-secret"

extension Harness {
    /// Posts to the SMS webhook as the gateway does: the body signed with the shared secret.
    func smsPost(_ body: String, json: Bool = true, secret: String = smsSecret, signature: String? = nil) async throws -> APIResponse {
        var headers: HTTPFields = [.contentType: json ? "application/json" : "application/x-www-form-urlencoded"]
        headers[.init(SMSController.signatureHeader)!] = signature ?? SMSController.signature(secret: Array(secret.utf8), body: Array(body.utf8))
        return try await send(.post, "/channels/sms", body: body, token: nil, headers: headers)
    }

    func sms(from: String = "13800001234", text: String, id: String, receivedAt: String? = nil) async throws -> APIResponse {
        var o: [String: Any] = ["from": from, "text": text, "id": id]
        if let receivedAt { o["received_at"] = receivedAt }
        return try await smsPost(jsonText(o))
    }
}

/// A sender that keeps what it is given.
final class CapturingSender: NoticeSender {
    let sent = Mutex<[Notice]>([])
    func send(_ notice: Notice) async throws { sent.withLock { $0.append(notice) } }
}

@Suite("SMS") struct SMSTests {
    @Test func signatureIsHMACSHA256OfTheBody() {
        // Computed with Python's hmac module.
        let body = #"{"from":"13800001234","id":"gw-1","text":"hello"}"#
        #expect(SMSController.signature(secret: Array("sms-secret".utf8), body: Array(body.utf8))
                == "a175c2248cb6b24fd419df1bf0c8023f7c42a8db2354d12e7eecf00800d1e83e")
    }

    @Test func badSignatureIsRefused() async throws {
        try await withAPI(smsSecret: smsSecret) { h in
            let body = jsonText(["from": "13800001234", "text": "路灯不亮", "id": "gw-1"])
            expectError(try await h.smsPost(body, secret: "guessed"), .unauthorized, "bad_signature")
            expectError(try await h.smsPost(body, signature: ""), .unauthorized, "bad_signature")
            // Signed, then changed.
            let sig = SMSController.signature(secret: Array(smsSecret.utf8), body: Array(body.utf8))
            expectError(try await h.smsPost(body.replacingOccurrences(of: "路灯", with: "水管"), signature: sig), .unauthorized, "bad_signature")
            #expect(try await h.caseCount() == 0)
            // Bad fields, well signed.
            expectError(try await h.sms(from: "12345", text: "路灯不亮", id: "gw-2"), .badRequest, "invalid_field")
            expectError(try await h.sms(text: "  ", id: "gw-3"), .badRequest, "missing_field")
            expectError(try await h.smsPost(jsonText(["from": "13800001234", "text": "路灯不亮"])), .badRequest, "missing_field")
            expectError(try await h.smsPost("{not json"), .badRequest, "malformed_json")
            #expect(try await h.caseCount() == 0)
        }
        try await withAPI { h in
            let r = try await h.sms(text: "路灯不亮", id: "gw-1")
            #expect(r.status == .notFound)
        }
    }

    @Test func aTextRegistersACaseAndQueuesTheAcknowledgement() async throws {
        try await withAPI(smsSecret: smsSecret) { h in
            let text = "投诉：我家楼下的餐馆每天凌晨还在营业，噪音很大，严重影响休息。"
            let r = try await h.sms(text: text, id: "gw-100", receivedAt: "2026-11-02T08:58:00+08:00")
            #expect(r.status == .created, "\(r.text)")
            #expect(r["result"].string == "registered" && r["created"].bool == true)
            let id = try #require(r["caseId"].int)
            let c = try #require(try await h.platform.store.case(Int64(id)))
            #expect(c.channel == .sms && c.kind == .complaint && c.content == text)
            #expect(c.trackingCode == r["trackingCode"].string)
            #expect(c.registeredAt == at("2026-11-02T08:58:00+08:00"))
            #expect(h.platform.sealer.openCitizen(c.citizen).phone == "13800001234")
            #expect(try await h.listIDs("channel=sms") == [id])
            // The acknowledgement is in the outbox with the registration, with the code; the phone is sealed there.
            let notices = try await h.platform.store.notices(of: Int64(id))
            let ack = try #require(notices.first { $0.kind == "ack" })
            #expect(notices.count == 1)
            #expect(ack.dedupeKey == "\(id):ack:citizen")
            #expect(ack.message.contains(c.trackingCode))
            #expect(ack.phone.map(h.platform.sealer.isSealed) == true)
            #expect(ack.phone?.contains("13800001234") == false)
            // The gateway retries: the same case, no second acknowledgement.
            let again = try await h.sms(text: text, id: "gw-100", receivedAt: "2026-11-02T08:58:00+08:00")
            #expect(again.status == .ok && again["created"].bool == false && again["caseId"].int == id)
            #expect(try await h.caseCount() == 1)
            #expect(try await h.platform.store.notices(of: Int64(id)).count == 1)
            // The dispatcher opens the phone only to send.
            let sender = CapturingSender()
            let (sent, failed) = try await NoticeDispatcher(platform: h.platform, sender: sender).deliver(at: h.clock.now())
            #expect(sent == 1 && failed == 0)
            #expect(sender.sent.withLock { $0.map(\.phone) } == ["13800001234"])
            #expect(sender.sent.withLock { $0.first?.message.contains(c.trackingCode) } == true)
            // A form body works alike.
            let body = formBody([("from", "023-63001234"), ("text", "建议在解放碑增设公共厕所"), ("id", "gw-101")])
            let f = try await h.smsPost(body, json: false)
            #expect(f.status == .created, "\(f.text)")
            let fid = try #require(f["caseId"].int)
            let fc = try #require(try await h.platform.store.case(Int64(fid)))
            #expect(fc.kind == .suggestion && fc.channel == .sms)
            #expect(try await h.platform.store.notices(of: fc.id).isEmpty, "a landline gets no SMS")
        }
    }

    @Test func aRatingAnswerEvaluatesTheLatestRepliedCase() async throws {
        try await withAPI(smsSecret: smsSecret) { h in
            // Nothing answered yet: a "1" rates nothing and registers nothing.
            let early = try await h.sms(text: "1", id: "gw-200")
            #expect(early.status == .ok && early["result"].string == "nothing_to_rate", "\(early.text)")
            #expect(try await h.caseCount() == 0)
            let r = try await h.sms(text: "小区门口的路灯坏了两周，晚上很黑。", id: "gw-201")
            let id = try #require(r["caseId"].int)
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            try await h.step(id, "reply", ["actingUnit": 4, "result": "support", "text": "路灯已于今日修复。"])
            // The answer asks the citizen to rate it by SMS (sealed phone, as every citizen notice).
            let rate = try #require(try await h.platform.store.notices(of: Int64(id)).first { $0.kind == "rate" })
            #expect(rate.message.contains("1 满意") && rate.phone.map(h.platform.sealer.isSealed) == true)
            // Another citizen's "1" does not touch it.
            #expect(try await h.sms(from: "13900009999", text: "1", id: "gw-202")["result"].string == "nothing_to_rate")
            let rated = try await h.sms(text: "１", id: "gw-203")
            #expect(rated["result"].string == "evaluated" && rated["caseId"].int == id && rated["evaluation"].string == "satisfied", "\(rated.text)")
            let c = try #require(try await h.platform.store.case(Int64(id)))
            #expect(c.evaluation == .satisfied && c.state == .closed)
            // The gateway retries the rating: recorded once.
            let retry = try await h.sms(text: "１", id: "gw-203")
            #expect(retry["result"].string == "evaluated" && retry["duplicate"].bool == true)
            let evaluations = try await h.platform.store.events(of: Int64(id)).filter { $0.action == .evaluate }
            #expect(evaluations.count == 1)
            #expect(evaluations.first?.role == .citizen)
            #expect(try await h.caseCount() == 1)
        }
    }

    @Test func dissatisfiedKeepsTheCaseOpen() async throws {
        try await withAPI(smsSecret: smsSecret) { h in
            let id = try #require(try await h.sms(text: "单位拖欠工资三个月", id: "gw-300")["caseId"].int)
            try await h.step(id, "dispatch", ["unit": 5])
            try await h.step(id, "sign", ["actingUnit": 5])
            try await h.step(id, "accept", ["actingUnit": 5])
            try await h.step(id, "reply", ["actingUnit": 5, "result": "explain", "text": "已约谈用人单位。"])
            let r = try await h.sms(text: "3", id: "gw-301")
            #expect(r["evaluation"].string == "dissatisfied")
            let c = try #require(try await h.platform.store.case(Int64(id)))
            #expect(c.evaluation == .dissatisfied && c.state == .replied)
        }
    }
}
