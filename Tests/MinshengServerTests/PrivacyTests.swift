import Foundation
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Personal data (issue 3 item 3): masked by default, clear only to those entitled, every clear read logged,
/// nothing readable in the database file.
@Suite("Privacy of citizens' data")
struct PrivacyTests {
    nonisolated(unsafe) static let reporter: [String: Any] = ["name": "张三", "phone": "138-0000-1234", "idNumber": "11010519491231002x"]

    @Test func reportersAreKnownOnlyToTheRegisteringCenter() async throws {
        try await withAPI { h in
            let registrar = try await h.accounts.user("reg", unit: 2, roles: [.registrar, .dispatcher]).token
            let handler = try await h.accounts.user("handler", unit: 4, roles: [.handler]).token
            let leader = try await h.accounts.user("leader", unit: 3, roles: [.leader]).token
            let admin = try await h.accounts.user("admin", unit: 1, roles: [.admin]).token
            let r = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "report", "title": "举报违建", "content": "某小区顶楼违章搭建。",
                                                        "citizen": Self.reporter], token: registrar)
            #expect(r.status == .created, "\(r.text)")
            let id = try #require(r["id"].int)
            #expect(r["citizen"]["name"].string == "张*")
            #expect(r["citizen"]["phone"].string == "138****1234")
            #expect(r["citizen"]["idNumber"].string == "110105********002X")
            #expect(!r.text.contains("13800001234") && !r.text.contains("张三")) // the 201 masks the clear copy it was given
            try await h.act(id, "dispatch", ["unit": 4], token: registrar).expectOK()

            // The handler and the leader see the case, masked, and may not unmask it.
            for token in [handler, leader] {
                let c = try await h.get("/api/v1/cases/\(id)", token: token)
                #expect(c["citizen"]["phone"].string == "138****1234")
                #expect(c["contactRevealable"].bool == false)
                #expect(!c.text.contains("13800001234") && !c.text.contains("张三"))
                expectError(try await h.get("/api/v1/cases/\(id)/contact", token: token), .forbidden, "contact_restricted")
            }
            // The registering center may, and the read is logged.
            #expect(try await h.get("/api/v1/cases/\(id)", token: registrar)["contactRevealable"].bool == true)
            let clear = try await h.get("/api/v1/cases/\(id)/contact", token: registrar)
            #expect(clear["citizen"]["name"].string == "张三")
            #expect(clear["citizen"]["phone"].string == "13800001234")
            #expect(clear["citizen"]["idNumber"].string == "11010519491231002X")
            let log = try await h.get("/api/v1/audit/access?case=\(id)", token: admin)
            #expect(log["items"].count == 1)
            #expect(log["items"][0]["user"]["login"].string == "reg")
            #expect(log["items"][0]["fields"].strings == ["name", "phone", "idNumber"])
            #expect(log["items"][0]["at"].string == "2026-11-02T09:00:00+08:00")
            // The log is for admins only.
            expectError(try await h.get("/api/v1/audit/access", token: registrar), .forbidden, "role_not_allowed")
            // The citizen's tracking view has no personal data either.
            let track = try await h.get("/api/v1/track/\(r["trackingCode"].string!)?phone4=1234", token: nil)
            #expect(!track.text.contains("张") && !track.text.contains("13800001234"))
        }
    }

    @Test func otherKindsAreUnmaskedForTheUnitHandlingThem() async throws {
        try await withAPI { h in
            let registrar = try await h.accounts.user("reg", unit: 2, roles: [.registrar, .dispatcher]).token
            let handler = try await h.accounts.user("handler", unit: 4, roles: [.handler]).token
            let id = try await h.create(phone: "13911112222")
            try await h.act(id, "dispatch", ["unit": 4], token: registrar).expectOK()
            let clear = try await h.get("/api/v1/cases/\(id)/contact", token: handler)
            #expect(clear["citizen"]["phone"].string == "13911112222")
            let entries = try await h.platform.store.accessLog(LogQuery())
            #expect(entries.map(\.login) == ["handler"])
            #expect(entries[0].caseID == Int64(id) && entries[0].unit == 4)
            // An anonymous citizen's identity stays with the center, whatever the kind.
            let anon = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "求助", "content": "家门口下水道堵塞。",
                                                          "citizen": ["name": "刘某", "phone": "13500001111", "anonymous": true]], token: registrar)
            #expect(anon["citizen"]["name"].string == "匿名")
            let aid = anon["id"].int!
            try await h.act(aid, "dispatch", ["unit": 4], token: registrar).expectOK()
            expectError(try await h.get("/api/v1/cases/\(aid)/contact", token: handler), .forbidden, "contact_restricted")
        }
    }

    @Test func phonesAndIDNumbersAreValidated() async throws {
        try await withAPI { h in
            func create(_ citizen: [String: Any]) async throws -> APIResponse {
                try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "t", "content": "c", "citizen": citizen])
            }
            let badPhone = try await create(["phone": "12345"])
            expectError(badPhone, .badRequest, "invalid_field")
            #expect(badPhone["field"].string == "citizen.phone")
            expectError(try await create(["phone": "2380000123x"]), .badRequest, "invalid_field")
            let badID = try await create(["phone": "13800001234", "idNumber": "110105194912310021"])
            expectError(badID, .badRequest, "invalid_field")
            #expect(badID["field"].string == "citizen.idNumber")
            try #expect(await h.caseCount() == 0)
            // Landlines with an area code are phones too.
            let landline = try await create(["phone": "023-6388 1234"])
            #expect(landline.status == .created)
            #expect(landline["citizen"]["phone"].string == "023****1234")
        }
    }

    @Test func theDatabaseFileHoldsNoClearContact() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minsheng-privacy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.sqlite").path
        let store = try await SQLiteStore.open(.file(path))
        let sealer = try Sealer.load(environment: nil, keyFile: dir.appendingPathComponent("m.key").path)
        do {
            let platform = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar(), sealer: sealer)
            try await platform.addUnits(apiUnits)
            let actor = Actor(id: "t", name: "t", role: .registrar, unit: 2)
            var draft = CaseDraft(channel: .phone, kind: .report, title: "举报", content: "违建")
            draft.citizen = Citizen(name: "欧阳娜娜", phone: "13800001234", idNumber: "11010519491231002X")
            let first = try await platform.register(draft, by: actor).case
            // The same citizen again: found by the keyed hash, not by the number.
            let second = try await platform.register(draft, by: actor).case
            #expect(second.repeatOf == first.id) // the same words from the same citizen: a repeat, found by the key
            let stored = try #require(try await store.case(first.id))
            #expect(stored.citizen.phone?.hasPrefix("enc1:") == true)
            #expect(sealer.openCitizen(stored.citizen).phone == "13800001234")
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        var bytes = Data()
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasPrefix("m.sqlite") {
            bytes.append(try Data(contentsOf: dir.appendingPathComponent(f)))
        }
        #expect(bytes.count > 10_000)
        for secret in ["13800001234", "11010519491231002X", "欧阳娜娜"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in the database file")
        }
        // The key file is private to its owner.
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("m.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The same key opens the same data; another key opens nothing.
        let again = try Sealer.load(environment: nil, keyFile: dir.appendingPathComponent("m.key").path)
        let sealed = sealer.seal("13800001234")
        #expect(again.open(sealed) == "13800001234")
        #expect(Sealer.ephemeral().open(sealed) == nil)
        #expect(again.citizenKey("13800001234") == sealer.citizenKey("13800001234"))
    }
}
