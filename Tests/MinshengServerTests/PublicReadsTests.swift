import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Issue 16 item 2: every public read — Open311 (JSON and XML), 留言选登, the tracking page and API, a WeChat 查询
/// — goes through one redaction (PublicText). One text carries everything that must not come out: the citizen's
/// name, phone, ID number and e-mail, a house-level address, and two third persons' names.
@Suite("Public reads hide personal data")
struct PublicReadsTests {
    static let content = "我叫王小明，电话13800001234，身份证号500103199001011232，邮箱wxm2026@example.com。"
        + "我家住大坪正街18号3单元502，楼上住户李建国每天深夜装修，物业经理陈志强不管。"
    /// What must not be readable, and what must stay (the street, the matter).
    static let secrets = ["王小明", "小明", "13800001234", "500103199001011232", "wxm2026@example.com", "18号", "3单元", "502",
                          "李建国", "陈志强"]
    static let kept = ["大坪正街", "深夜装修", "李某某", "陈某某"]

    func expectRedacted(_ text: String, _ read: String, kept: [String] = Self.kept, sourceLocation: SourceLocation = #_sourceLocation) {
        for s in Self.secrets {
            #expect(!text.contains(s), "\(read) shows «\(s)»: \(text)", sourceLocation: sourceLocation)
        }
        for k in kept {
            #expect(text.contains(k), "\(read) lost «\(k)»: \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func theRedactionItself() {
        let out = PublicText.redact(Self.content, names: ["王小明"])
        #expect(out == "我叫王某某，电话**，身份证号**，邮箱**。我家住大坪正街**，楼上住户李某某每天深夜装修，物业经理陈某某不管。", "\(out)")
        #expect(PublicText.redact(out, names: ["王小明"]) == out, "redacting twice changes nothing more")
    }

    @Test func open311ReadsAreRedacted() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let id = try await h.open311Create(key: key, description: Self.content, extra: [
                ("first_name", "小明"), ("last_name", "王"), ("phone", "13800001234"), ("address_string", "大坪正街18号3单元502"),
            ])
            for path in ["requests/\(id).json", "requests/\(id).xml", "requests.json", "requests.xml"] {
                let r = try await h.open311Get(path)
                #expect(r.status == .ok, "\(path): \(r.text)")
                for s in Self.secrets { #expect(!r.text.contains(s), "Open311 \(path) shows «\(s)»: \(r.text)") }
                #expect(r.text.contains("大坪正街") && r.text.contains("李某某"), "\(path): \(r.text)")
            }
        }
    }

    @Test func trackingWeChatAndDisclosureAreRedacted() async throws {
        try await withAPI(wechat: wxPlain) { h in
            // Registered by a registrar (a call), closed, then published by the center.
            let r = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "complaint", "title": "楼上住户李建国深夜装修",
                                                       "content": Self.content, "address": "大坪正街18号3单元502",
                                                       "citizen": ["name": "王小明", "phone": "13800001234"]])
            #expect(r.status == .created, "\(r.text)")
            let id = try #require(r["id"].int), code = try #require(r["trackingCode"].string)
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            try await h.step(id, "reply", ["actingUnit": 4, "result": "support",
                                           "text": "王小明您好：已约谈住户李建国，请其在大坪正街18号3单元502夜间停止施工，如再发生请拨13800001234回访。深夜装修已制止。"])

            let api = try await h.get("/api/v1/track/\(code)?phone4=1234", token: nil)
            #expect(api.status == .ok)
            // The tracking view shows the title and the reply (not the message itself).
            let tracked = ["大坪正街", "深夜装修", "李某某", "王某某您好"]
            expectRedacted(api.text, "the tracking API", kept: tracked)
            let page = try await h.get("/track?code=\(code)&phone4=1234", token: nil)
            expectRedacted(page.text, "the tracking page", kept: tracked)

            try await h.step(id, "close", ["note": "已回访"])
            let center = try await h.accounts.user("center.dispatcher", unit: 2, roles: [.dispatcher])
            let published = try await h.send(.post, "/console/cases/\(id)/disclose", body: "", token: center.token, headers: formHeaders)
            #expect(published.status == .seeOther, "\(published.text)")
            let confirmation = try await h.get(try #require(published.headers[.location]), token: center.token)
            #expect(confirmation.text.contains("已完成：选登公开（已隐去个人信息）"), "the confirmation names the step taken")
            let disclosure = try await h.get("/disclosure", token: nil)
            #expect(disclosure.text.contains("深夜装修已制止"), "\(disclosure.text)")
            expectRedacted(disclosure.text, "留言选登")
        }
    }

    @Test func aWeChatQueryIsRedacted() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let reply = try await h.wxReply(wxText(Self.content))
            let code = try #require(trackingCode(in: reply.first("Content")))
            let q = try await h.wxReply(wxText("查询 \(code)", msgId: "7000000000000000019"))
            let content = try #require(q.first("Content"))
            for s in ["13800001234", "500103199001011232", "李建国", "陈志强", "18号3单元502"] {
                #expect(!content.contains(s), "the WeChat answer shows «\(s)»: \(content)")
            }
        }
    }
}
