import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// A tiny JPEG header and a one-page PDF: what the type check reads are the first bytes.
let jpegPage: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF scanned letter page".utf8)
let pdfPage: [UInt8] = Array("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8)

func tempFilesDirectory() -> String {
    NSTemporaryDirectory() + "minsheng-files-" + UUID().uuidString
}

extension Harness {
    /// Sends raw bytes (a file upload).
    func sendBytes(_ method: HTTPRequest.Method, _ uri: String, bytes: [UInt8], token: String?, contentType: String = "application/octet-stream") async throws -> (HTTPResponse.Status, [UInt8], HTTPFields) {
        var headers: HTTPFields = [.contentType: contentType]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: bytes))
        return (r.status, Array(r.body.readableBytesView), r.headers)
    }
}

@Suite("Letters and visits (来信/来访)")
struct LettersVisitsTests {
    @Test("a letter's scanned page is stored content-addressed and served only to users who may see the case")
    func letterPages() async throws {
        let dir = tempFilesDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await withAPI(filesDirectory: dir) { h in
            let registrar = try await h.accounts.user("letters.registrar", unit: 2, roles: [.registrar])
            let r = try await h.post("/api/v1/cases", ["channel": "letter", "kind": "complaint", "title": "来信反映小区违建",
                                                       "content": "来信称小区顶楼加盖违章建筑。", "citizen": ["name": "李女士", "phone": "13900001111"]],
                                     token: registrar.token)
            #expect(r.status == .created, "\(r.text)")
            let id = try #require(r["id"].int)
            let up = try await h.sendBytes(.post, "/api/v1/cases/\(id)/attachments?name=%E7%AC%AC1%E9%A1%B5.jpg", bytes: jpegPage, token: registrar.token)
            #expect(up.0 == .created, "\(String(decoding: up.1, as: UTF8.self))")
            let page2 = try await h.sendBytes(.post, "/api/v1/cases/\(id)/attachments?name=p2.pdf", bytes: pdfPage, token: registrar.token)
            #expect(page2.0 == .created)
            // The same bytes again: the file already there, not a second one.
            let again = try await h.sendBytes(.post, "/api/v1/cases/\(id)/attachments?name=again.jpg", bytes: jpegPage, token: registrar.token)
            #expect(again.0 == .ok)
            let list = try await h.get("/api/v1/cases/\(id)/attachments", token: registrar.token)
            #expect(list["items"].count == 2)
            #expect(list["items"][0]["name"].string == "第1页.jpg")
            #expect(list["items"][0]["type"].string == "image/jpeg")
            #expect(list["items"][1]["type"].string == "application/pdf")
            let aid = try #require(list["items"][0]["id"].int)
            // Stored under its SHA-256 below the data folder.
            let sha = try #require(list["items"][0]["sha256"].string)
            #expect(FileManager.default.fileExists(atPath: dir + "/" + sha.prefix(2) + "/" + sha))
            // The registrar reads it; a handler of an unrelated department gets 404 like a missing file; no credential 401.
            let mine = try await h.sendBytes(.get, "/api/v1/cases/\(id)/attachments/\(aid)", bytes: [], token: registrar.token)
            #expect(mine.0 == .ok && mine.1 == jpegPage)
            #expect(mine.2[.contentType] == "image/jpeg")
            let other = try await h.accounts.user("letters.other", unit: 5, roles: [.handler])
            let theirs = try await h.sendBytes(.get, "/api/v1/cases/\(id)/attachments/\(aid)", bytes: [], token: other.token)
            #expect(theirs.0 == .notFound)
            #expect(try await h.get("/api/v1/cases/\(id)/attachments", token: other.token).status == .notFound)
            #expect(try await h.sendBytes(.get, "/api/v1/cases/\(id)/attachments/\(aid)", bytes: [], token: nil).0 == .unauthorized)
            // The console serves it to the registrar, and the case page names it a scanned letter.
            let page = try await h.get("/console/cases/\(id)", token: registrar.token)
            #expect(page.text.contains("来信扫描件（2 页）"))
            let inbox = try await h.get("/console?tab=all", token: registrar.token)
            #expect(inbox.text.contains("扫描件 2页"))
            // Refused: not an image or PDF (an executable), an empty body; nothing more is stored.
            let exe = try await h.sendBytes(.post, "/api/v1/cases/\(id)/attachments?name=x.jpg", bytes: [0x4D, 0x5A, 0x90, 0x00], token: registrar.token)
            #expect(exe.0 == .unsupportedMediaType)
            #expect(try await h.sendBytes(.post, "/api/v1/cases/\(id)/attachments", bytes: [], token: registrar.token).0 == .badRequest)
            // A handler may read but not upload.
            #expect(try await h.sendBytes(.post, "/api/v1/cases/\(id)/attachments", bytes: jpegPage, token: other.token).0 == .forbidden)
            #expect(try await h.get("/api/v1/cases/\(id)/attachments", token: registrar.token)["items"].count == 2)
            // The summary in lists counts the files.
            let rows = try await h.get("/api/v1/cases?channel=letter", token: registrar.token)
            #expect(rows["items"][0]["attachments"].int == 2)
        }
    }

    @Test("a visit of five people is a group visit: flagged and announced to the center's leaders in the same transaction; four is not")
    func groupVisit() async throws {
        try await withAPI { h in
            let registrar = try await h.accounts.user("visits.registrar", unit: 2, roles: [.registrar])
            // The city government (1) is the center's parent: its leader hears of group visits at the city center.
            let leader = try await h.accounts.user("visits.leader", unit: 1, roles: [.leader], name: "张市长")
            func visit(_ n: Int) async throws -> APIResponse {
                try await h.post("/api/v1/cases", ["channel": "visit", "kind": "help", "title": "村民反映征地补偿未到位",
                                                   "content": "多名村民到信访办反映征地补偿款未发放。", "visitors": n,
                                                   "citizen": ["name": "赵先生", "phone": "13700002222"]], token: registrar.token)
            }
            let five = try await visit(5)
            #expect(five.status == .created, "\(five.text)")
            let id5 = try #require(five["id"].int)
            let c5 = try await h.get("/api/v1/cases/\(id5)", token: registrar.token)
            #expect(c5["visitors"].int == 5)
            #expect(c5["groupVisit"].bool == true)
            #expect(c5["risks"].array.map { $0["id"].string } == ["groupVisit"])
            #expect(c5["risks"][0]["name"].string == "集体访")
            let notices = try await h.platform.store.notices(of: Int64(id5))
            let group = notices.filter { $0.kind == "groupVisit" }
            #expect(group.count == 1)
            #expect(group.first?.dedupeKey == "\(id5):groupVisit:user:\(leader.id)")
            #expect(group.first?.recipientUnit == 1)
            #expect(group.first?.message.contains("5人") == true)
            #expect(group.first?.createdAt == monday9)

            let four = try await visit(4)
            let id4 = try #require(four["id"].int)
            let c4 = try await h.get("/api/v1/cases/\(id4)", token: registrar.token)
            #expect(c4["visitors"].int == 4)
            #expect(c4["groupVisit"].bool == false)
            #expect(c4["risks"].count == 0)
            #expect(try await h.platform.store.notices(of: Int64(id4)).filter { $0.kind == "groupVisit" }.isEmpty)

            // The inbox marks the group visit.
            let inbox = try await h.get("/console?tab=all", token: registrar.token)
            #expect(inbox.text.contains("集体访 5人"))
            #expect(inbox.text.contains("4人"))
            let page = try await h.get("/console/cases/\(id5)", token: registrar.token)
            #expect(page.text.contains("集体访 5人"))

            // The number of visitors belongs to visits only, and must be sensible; nothing is created on a refusal.
            let before = try await h.caseCount()
            expectError(try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "t", "content": "c", "visitors": 3],
                                         token: registrar.token), .badRequest, "invalid_field")
            expectError(try await visit(0), .badRequest, "invalid_field")
            #expect(try await h.caseCount() == before)
        }
    }

    @Test("the console's quick entry registers a visit and a letter with its scanned pages, without JavaScript (multipart form)")
    func consoleEntry() async throws {
        let dir = tempFilesDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await withAPI(filesDirectory: dir) { h in
            let registrar = try await h.accounts.user("entry.registrar", unit: 2, roles: [.registrar])
            _ = try await h.accounts.user("entry.leader", unit: 2, roles: [.leader])
            let boundary = "----minsheng-test-boundary"
            func form(_ fields: [(String, String)], files: [(String, [UInt8])]) -> [UInt8] {
                var out: [UInt8] = []
                for (k, v) in fields {
                    out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
                }
                for (name, bytes) in files {
                    out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"pages\"; filename=\"\(name)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
                    out += bytes + Array("\r\n".utf8)
                }
                return out + Array("--\(boundary)--\r\n".utf8)
            }
            let ct = "multipart/form-data; boundary=\(boundary)"
            let letter = try await h.sendBytes(.post, "/console/new", bytes: form(
                [("channel", "letter"), ("kind", "complaint"), ("title", "来信反映路面塌陷"), ("content", "来信称某路段路面塌陷。"),
                 ("name", "周先生"), ("phone", "13600003333"), ("_key", "k1")],
                files: [("scan-1.jpg", jpegPage), ("scan-2.pdf", pdfPage)]), token: registrar.token, contentType: ct)
            #expect(letter.0 == .seeOther, "\(String(decoding: letter.1, as: UTF8.self))")
            let location = try #require(letter.2[.location])
            let id = try #require(Int64(location.split(separator: "/").last!.split(separator: "?").first!))
            let files = try await h.platform.store.attachments(of: id)
            #expect(files.map(\.type) == ["image/jpeg", "application/pdf"])
            #expect(try await h.platform.store.case(id)?.channel == .letter)

            let visit = try await h.sendBytes(.post, "/console/new", bytes: form(
                [("channel", "visit"), ("kind", "help"), ("title", "集体来访反映拖欠工资"), ("content", "六名工人反映工地拖欠工资。"),
                 ("visitors", "6"), ("phone", "13600004444"), ("_key", "k2")], files: []), token: registrar.token, contentType: ct)
            #expect(visit.0 == .seeOther)
            let vloc = try #require(visit.2[.location])
            let vid = try #require(Int64(vloc.split(separator: "/").last!.split(separator: "?").first!))
            let v = try #require(try await h.platform.store.case(vid))
            #expect(v.visitors == 6 && v.isGroupVisit && v.risks.contains(Platform.groupVisitFlag))
            #expect(try await h.platform.store.notices(of: vid).contains { $0.kind == "groupVisit" })

            // From a browser: the session cookie, and the CSRF token as a field of the multipart form.
            let login = try await h.post("/api/v1/auth/login", ["login": "entry.registrar", "password": "secret-pass-1"], token: nil)
            let session = try #require(login["token"].string), csrf = try #require(login["csrfToken"].string)
            func browser(_ fields: [(String, String)]) async throws -> HTTPResponse.Status {
                let r = try await h.client.execute(uri: "/console/new", method: .post,
                                                   headers: [.contentType: ct, .cookie: "ms_session=\(session)"],
                                                   body: ByteBuffer(bytes: form(fields + [("channel", "letter"), ("kind", "complaint"), ("title", "网页来信"),
                                                                                          ("content", "浏览器登记的来信")], files: [("p.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2])])))
                return r.status
            }
            #expect(try await browser([("_key", "k4")]) == .forbidden)
            #expect(try await browser([("_csrf", "forged"), ("_key", "k5")]) == .forbidden)
            #expect(try await browser([("_csrf", csrf), ("_key", "k6")]) == .seeOther)

            // A refused page (not an image or PDF) is said on the form, and nothing is registered.
            let before = try await h.caseCount()
            let bad = try await h.sendBytes(.post, "/console/new", bytes: form(
                [("channel", "letter"), ("kind", "complaint"), ("title", "来信"), ("content", "内容"), ("_key", "k3")],
                files: [("evil.jpg", [0x4D, 0x5A, 0x00, 0x01])]), token: registrar.token, contentType: ct)
            #expect(bad.0 == .unsupportedMediaType)
            #expect(String(decoding: bad.1, as: UTF8.self).contains("扫描件只接受"))
            #expect(try await h.caseCount() == before)
        }
    }
}
