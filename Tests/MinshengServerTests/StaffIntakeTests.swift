import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Staff intake and steps go one way: the API's JSON and the console's form each read their input, and the platform
/// decides (issue 17 item 3). Tried as the registrar and the handler use them: what the console page says back.
@Suite("One way through staff intake and steps")
struct StaffIntakeTests {
    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { k, v in k + "=" + (v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v) }.joined(separator: "&")
    }

    @Test func aCallRegisteredFromTheConsoleIsLinkedWithTheCase() async throws {
        try await withAPI { h in
            let phone = "13512345678"
            let agent = try await h.accounts.user("agent", unit: 2, roles: [.registrar])
            #expect(try await h.post("/api/v1/calls", ["callId": "C-7", "caller": phone, "agent": "agent"], token: agent.token).status == .created)
            let r = try await h.send(.post, "/console/new", body: Self.form([("callId", "C-7"), ("kind", "help"), ("title", "路灯不亮"),
                                                                             ("content", "小区门口路灯坏了两周。"), ("channel", "phone")]),
                                     token: agent.token, headers: formHeaders)
            #expect(r.status == .seeOther || r.status == .found, "\(r.status) \(r.text)")
            let id = try #require(try await h.platform.store.cases(CaseQuery(now: h.clock.now())).items.first?.id)
            // The call knows its case (written in the registration's transaction), and the case has the caller's number.
            #expect(try await h.platform.store.call("C-7")?.caseID == id)
            let contact = try await h.get("/api/v1/cases/\(id)/contact", token: agent.token)
            #expect(contact["citizen"]["phone"].string == phone, "\(contact.text)")
            let events = try await h.platform.store.events(of: id)
            #expect(events.first?.data["callId"] == "C-7")
        }
    }

    /// The console's refusals are the API's, word for word, on the field they concern; nothing is registered.
    @Test(arguments: [
        ([("title", String(repeating: "长", count: 201))], "title", "title：不能超过 200 个字符（当前 201）"),
        ([("channel", "visit"), ("visitors", "很多")], "visitors", "visitors：应为整数"),
        ([("channel", "phone"), ("visitors", "3")], nil, nil), // a visit's count on another channel is dropped, not refused
        ([("kind", "")], "kind", "缺少必填字段 kind"),
        ([("locationUnit", "解放碑")], "locationUnit", "locationUnit：应为整数"),
    ] as [([(String, String)], String?, String?)])
    func consoleIntakeRefusals(changes: [(String, String)], field: String?, message: String?) async throws {
        try await withAPI { h in
            var fields: [String: String] = ["kind": "help", "title": "路灯不亮", "content": "小区门口路灯坏了两周。", "channel": "phone"]
            for (k, v) in changes { fields[k] = v }
            let r = try await h.send(.post, "/console/new", body: Self.form(fields.sorted { $0.key < $1.key }), headers: formHeaders)
            guard let message else {
                #expect(try await h.caseCount() == 1, "\(r.status) \(r.text.prefix(300))")
                return
            }
            #expect(r.status == .badRequest, "\(r.status)")
            #expect(r.text.contains(message), Comment(rawValue: "page should read \(message)"))
            #expect(try await h.caseCount() == 0)
            // The API says the same about the same field.
            var json: [String: Any] = fields
            if let n = fields["locationUnit"] { json["locationUnit"] = Int(n) ?? n }
            if let n = fields["visitors"] { json["visitors"] = Int(n) ?? n }
            if field == "title" || field == "kind" {
                let api = try await h.post("/api/v1/cases", json)
                #expect(api.status == .badRequest && api["field"].string == field, "\(api.text)")
            }
        }
    }

    @Test func aConsoleStepIsRefusedInTheAPIsWordsAndChangesNothing() async throws {
        try await withAPI { h in
            let id = try await h.create()
            try await h.step(id, "dispatch", ["unit": 4])
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            let handler = try await h.accounts.tokenFor(unit: 4)
            let before = try await h.version(id)
            let r = try await h.send(.post, "/console/cases/\(id)/act/requestExtension",
                                     body: Self.form([("amount", "400"), ("reason", "需要协调多个部门")]), token: handler, headers: formHeaders)
            #expect(r.status == .badRequest)
            #expect(r.text.contains("amount：应为 1–365 的整数"))
            #expect(try await h.version(id) == before)
            // The same form with a good amount is the API's step.
            let ok = try await h.send(.post, "/console/cases/\(id)/act/requestExtension",
                                      body: Self.form([("amount", "5"), ("reason", "需要协调多个部门")]), token: handler, headers: formHeaders)
            #expect(ok.status == .seeOther || ok.status == .found, "\(ok.status)")
            #expect(try await h.platform.store.case(Int64(id))?.pendingExtension?.amount == 5)
        }
    }
}

/// The citizen's portal goes through the same desk as the public API: its refusals are the API's words, on the page.
@Suite("The portal's refusals read as the API's")
struct PortalRefusalTests {
    @Test(arguments: [
        ([("kind", "")], "缺少必填字段 kind"),
        ([("phone", "")], "请填写手机号码（用于查询和回访），或选择匿名提交"),
        ([("address", String(repeating: "路", count: 201))], "address：不能超过 200 个字符（当前 201）"),
        ([("title", String(repeating: "灯", count: 201))], "title：不能超过 200 个字符（当前 201）"),
    ] as [([(String, String)], String)])
    func refusals(changes: [(String, String)], message: String) async throws {
        try await withAPI { h in
            var fields: [String: String] = ["kind": "help", "title": "路灯不亮", "content": "小区门口路灯坏了两周。", "phone": "13800001234", "name": "王先生"]
            for (k, v) in changes { fields[k] = v }
            let r = try await h.send(.post, "/submit", body: StaffIntakeTests.form(fields.sorted { $0.key < $1.key }), token: nil, headers: formHeaders)
            #expect(r.status == .badRequest, "\(r.status)")
            #expect(r.text.contains(message), Comment(rawValue: "the citizen should read \(message)"))
            #expect(try await h.caseCount() == 0)
        }
    }

    @Test func aGoodSubmissionGivesTheCodeOnThePage() async throws {
        try await withAPI { h in
            let fields = [("content", "小区门口路灯坏了两周。"), ("kind", "help"), ("name", "王先生"), ("phone", "13800001234"), ("title", "路灯不亮")]
            let r = try await h.send(.post, "/submit", body: StaffIntakeTests.form(fields), token: nil, headers: formHeaders)
            let c = try #require(try await h.platform.store.cases(CaseQuery(now: h.clock.now())).items.first)
            #expect(c.channel == .web && c.title == "路灯不亮")
            #expect(r.text.contains(c.trackingCode) || r.headers[.location]?.contains(c.trackingCode) == true, "\(r.status)")
        }
    }
}
