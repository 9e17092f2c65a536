import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// The node as `minsheng serve` starts it (`Node.prepare` over an opened store), tried as its operator and its
/// first visitor would: what the banner says, which files appear beside the database, what the site answers.
@Suite struct NodeTests {
    private func withDatabase(_ body: (String, any CaseStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minsheng-node-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("minsheng.sqlite").path
        let store = try await SQLiteStore.open(.file(path))
        do { try await body(path, store) } catch { try? await store.close(); throw error }
        try await store.close()
    }

    private func settings() throws -> ServeSettings {
        var s = ServeSettings(calendar: try shippedCalendar())
        s.port = 18_080
        s.watchInterval = 0
        return s
    }

    @Test func aNewInstallationSaysHowToBeginAndServes() async throws {
        try await withDatabase { path, store in
            let node = try await Node.prepare(try settings(), store: store, filesAnchor: path, label: path, engine: "SQLite, WAL",
                                              commandLine: "--db \(path)", logger: Logger(label: "test"))
            #expect(node.banner.contains("(SQLite, WAL; 0 units, 0 cases, 0 accounts)"), Comment(rawValue: node.banner))
            #expect(node.banner.contains("none yet — create the first admin: minsheng user add --db \(path)"))
            #expect(node.banner.contains("API:         http://127.0.0.1:18080/api/v1"))
            let dir = (path as NSString).deletingLastPathComponent
            #expect(node.banner.contains("notices:     \(dir)/notices.log  (no SMS gateway configured)"))
            #expect(node.banner.contains("WeChat off, SMS off"))
            // The data key is made beside the database on first start, and the banner names it.
            #expect(FileManager.default.fileExists(atPath: dir + "/minsheng.key"))
            #expect(node.banner.contains("data key:    \(dir)/minsheng.key"))
            #expect(node.config.filesDirectory == dir + "/files")
            // Without a watch interval there is no watcher; the outbox and the index saver always run.
            #expect(node.services.count == 2)
            try await node.application().test(.router) { client in
                try await client.execute(uri: "/readyz", method: .get) { r in
                    #expect(r.status == .ok)
                    let json = J(try JSONSerialization.jsonObject(with: Data(buffer: r.body)))
                    #expect(json["status"].string == "ready")
                }
                try await client.execute(uri: "/openapi.yaml", method: .get) { r in
                    #expect(r.status == .ok)
                    #expect(String(buffer: r.body).contains("/api/v1/cases"))
                }
            }
        }
    }

    @Test func theDemoWorldComesWithItsLoginsInTheBanner() async throws {
        try await withDatabase { path, store in
            var s = try settings()
            s.demo = true
            s.demoPassword = "node-Test-2026"
            s.watchInterval = 30
            let node = try await Node.prepare(s, store: store, filesAnchor: path, label: path, engine: "SQLite, WAL",
                                              commandLine: "--db \(path)", logger: Logger(label: "test"))
            #expect(node.banner.contains("demo logins: admin, city.registrar"))
            #expect(node.banner.contains("password: node-Test-2026"))
            #expect(!node.banner.contains("none yet"))
            #expect(node.services.count == 3)
            try await node.application().test(.router) { client in
                let body = #"{"login":"city.dispatcher","password":"node-Test-2026"}"#
                try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: body)) { r in
                    #expect(r.status == .ok, Comment(rawValue: String(buffer: r.body)))
                    let json = J(try JSONSerialization.jsonObject(with: Data(buffer: r.body)))
                    #expect(json["token"].string?.isEmpty == false)
                }
            }
        }
    }

    /// Settings `serve` cannot start with are refused with the sentence the operator reads, before anything is written.
    @Test(arguments: [
        ("policy", "unknown policy 12345; use 12320 or statute"),
        ("wechat", "--wechat-token needs --wechat-appid"),
        ("sms", "--sms-gateway must be an http(s) URL"),
        ("model", "cannot read model file /nonexistent/category.model"),
    ])
    func badSettingsAreRefusedWithTheirReason(setting: String, message: String) async throws {
        try await withDatabase { path, store in
            var s = try settings()
            switch setting {
            case "policy": s.policy = "12345"
            case "wechat": s.wechatToken = "token"
            case "sms": s.smsGateway = "ftp://gateway"
            default: s.model = .file("/nonexistent/category.model")
            }
            await #expect(throws: ServeSettingsError(message)) {
                _ = try await Node.prepare(s, store: store, filesAnchor: path, label: path, engine: "SQLite, WAL",
                                           commandLine: "--db \(path)", logger: Logger(label: "test"))
            }
            let dir = (path as NSString).deletingLastPathComponent
            #expect(!FileManager.default.fileExists(atPath: dir + "/minsheng.key"), "nothing written for refused settings")
        }
    }
}
