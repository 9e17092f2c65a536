import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// city 1, its center 2, district 3 with departments 4 and 5 and a town 6.
let apiUnits: [MinshengDomain.Unit] = [
    MinshengDomain.Unit(id: 1, parentID: nil, name: "重庆市", level: .city, kind: .government),
    MinshengDomain.Unit(id: 2, parentID: 1, name: "重庆市信访办公室", level: .city, kind: .center),
    MinshengDomain.Unit(id: 3, parentID: 1, name: "渝中区", level: .district, kind: .government),
    MinshengDomain.Unit(id: 4, parentID: 3, name: "渝中区城市管理局", level: .district, kind: .department),
    MinshengDomain.Unit(id: 5, parentID: 3, name: "渝中区人力社保局", level: .district, kind: .department),
    MinshengDomain.Unit(id: 6, parentID: 3, name: "解放碑街道", level: .town, kind: .government),
]

/// Monday 2026-11-02 09:00 China time.
let monday9 = Instant.parse("2026-11-02T09:00:00+08:00")!

func at(_ s: String) -> Instant { Instant.parse(s)! }

/// A parsed JSON value from a response body, read by key and index; missing keys read as nil.
struct J: @unchecked Sendable, CustomStringConvertible {
    let raw: Any?
    init(_ raw: Any?) { self.raw = raw }
    subscript(_ key: String) -> J { J((raw as? [String: Any])?[key]) }
    subscript(_ i: Int) -> J {
        guard let a = raw as? [Any], i >= 0, i < a.count else { return J(nil) }
        return J(a[i])
    }
    var string: String? { raw as? String }
    /// JSONSerialization gives NSNumber for numbers and booleans alike; the type code tells them apart.
    private var number: NSNumber? { raw as? NSNumber }
    private var isBoolean: Bool { number.map { String(cString: $0.objCType) == "c" } ?? false }
    var int: Int? {
        guard let n = number, !isBoolean, n.doubleValue.rounded() == n.doubleValue else { return nil }
        return n.intValue
    }
    var bool: Bool? {
        guard let n = number, isBoolean else { return nil }
        return n.boolValue
    }
    var array: [J] { (raw as? [Any] ?? []).map { J($0) } }
    var count: Int { (raw as? [Any])?.count ?? -1 }
    var isNull: Bool { raw is NSNull }
    var exists: Bool { raw != nil }
    var strings: [String] { array.compactMap { $0.string } }
    var ints: [Int] { array.compactMap { $0.int } }
    var keys: Set<String> { Set((raw as? [String: Any])?.keys.map { $0 } ?? []) }
    var description: String {
        guard let raw else { return "nil" }
        if let d = try? JSONSerialization.data(withJSONObject: raw, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: d, as: UTF8.self)
        }
        return "\(raw)"
    }
}

struct APIResponse: @unchecked Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    let json: J
    subscript(_ key: String) -> J { json[key] }
}

/// Body text for a JSON object.
func jsonText(_ object: [String: Any]) -> String {
    let d = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: d, as: UTF8.self)
}

/// Percent-encodes a query value (everything outside the unreserved ASCII set).
func enc(_ s: String) -> String {
    var allowed = CharacterSet()
    allowed.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed)!
}

/// Test accounts made on demand: `tokenFor(unit:)` is a user of that unit with every case role, so the lifecycle
/// tests act "as the unit" the way a real office would; role and scope tests make narrower users.
final class TestAccounts: @unchecked Sendable {
    private let lock = NSLock()
    private var byKey: [String: (id: Int64, token: String)] = [:]
    let platform: Platform
    init(platform: Platform) { self.platform = platform }

    static let allCaseRoles: Set<Role> = [.registrar, .dispatcher, .handler, .supervisor, .leader]

    /// A user (created the first time) and a live bearer token for it.
    func user(_ login: String, unit: Int64, roles: Set<Role>, name: String? = nil) async throws -> (id: Int64, token: String) {
        if let hit = lock.withLock({ byKey[login] }) { return hit }
        let u: User
        if let existing = try await platform.store.user(login: login) {
            u = existing
        } else {
            u = try await platform.store.createUser(User(login: login, name: name ?? login, unit: unit, roles: roles,
                                                         passwordHash: try await platform.accounts.hashPassword("secret-pass-1"),
                                                         createdAt: platform.clock.now()))
        }
        let (_, secret) = try await platform.accounts.issue(for: u, kind: .api, label: "test")
        lock.withLock { byKey[login] = (u.id, secret) }
        return (u.id, secret)
    }

    func tokenFor(unit: Int64) async throws -> String {
        try await user("unit\(unit)", unit: unit, roles: Self.allCaseRoles, name: "单位\(unit)经办人").token
    }
}

/// The application under test, with an in-memory store and a hand-set clock.
struct Harness: Sendable {
    let platform: Platform
    let clock: ManualClock
    let client: any TestClientProtocol
    let accounts: TestAccounts
    /// The unit "test-token" stands for: the city center (2) in the small test tree.
    var defaultUnit: Int64 = 2

    func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, token: String? = "test-token",
              headers extra: HTTPFields = [:]) async throws -> APIResponse {
        var headers = extra
        if let token {
            let real = token == "test-token" ? try await accounts.tokenFor(unit: defaultUnit) : token
            headers[.authorization] = "Bearer \(real)"
        }
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: r.body)
        let parsed = text.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return APIResponse(status: r.status, headers: r.headers, text: text, json: J(parsed))
    }

    func get(_ uri: String, token: String? = "test-token") async throws -> APIResponse {
        try await send(.get, uri, token: token)
    }

    func post(_ uri: String, _ object: [String: Any] = [:], headers: HTTPFields = [:], token: String? = "test-token") async throws -> APIResponse {
        try await send(.post, uri, body: jsonText(object), token: token, headers: headers)
    }

    /// Takes a lifecycle step and returns the response (any status). `actingUnit` (test only) acts as a user of
    /// that unit; `actingAs` as a leader of that name in 渝中区 (3); otherwise as the city center.
    func act(_ id: Int, _ action: String, _ fields: [String: Any] = [:], token: String? = nil) async throws -> APIResponse {
        var fields = fields
        var tok = token ?? "test-token"
        if let u = fields.removeValue(forKey: "actingUnit") as? Int {
            tok = try await accounts.tokenFor(unit: Int64(u))
        }
        if let name = fields.removeValue(forKey: "actingAs") as? String {
            tok = try await leader(name).token
        }
        return try await post("/api/v1/cases/\(id)/\(action)", fields, token: tok)
    }

    /// A leader of 渝中区 (unit 3).
    func leader(_ name: String) async throws -> (id: Int64, token: String) {
        try await accounts.user("leader-\(name.unicodeScalars.map { String($0.value) }.joined())", unit: 3, roles: [.leader], name: name)
    }

    /// Takes a step that must succeed; records a test failure with the body otherwise.
    @discardableResult
    func step(_ id: Int, _ action: String, _ fields: [String: Any] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> J {
        let r = try await act(id, action, fields)
        #expect(r.status == .ok, "\(action) on case \(id): \(r.text)", sourceLocation: sourceLocation)
        return r.json
    }

    /// Registers a case that must be created; returns its id.
    @discardableResult
    func create(title: String = "小区门口路灯不亮", content: String = "路灯坏了两周，晚上很黑。", kind: String = "help",
                channel: String = "phone", category: String? = "城乡建设", phone: String? = "13800001234",
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        var body: [String: Any] = ["channel": channel, "kind": kind, "title": title, "content": content]
        if let category { body["category"] = category }
        if let phone { body["citizen"] = ["name": "王先生", "phone": phone] }
        let r = try await post("/api/v1/cases", body)
        #expect(r.status == .created, "create \(title): \(r.text)", sourceLocation: sourceLocation)
        return try #require(r["id"].int, sourceLocation: sourceLocation)
    }

    func show(_ id: Int) async throws -> J {
        let r = try await get("/api/v1/cases/\(id)")
        #expect(r.status == .ok, "GET case \(id): \(r.text)")
        return r.json
    }

    func version(_ id: Int) async throws -> Int? {
        try await platform.store.case(Int64(id))?.version
    }

    func caseCount() async throws -> Int { try await platform.store.caseCount() }

    /// Ids of a listing, in order.
    func listIDs(_ query: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Int] {
        let r = try await get("/api/v1/cases?\(query)")
        #expect(r.status == .ok, "list ?\(query): \(r.text)", sourceLocation: sourceLocation)
        return r["items"].array.compactMap { $0["id"].int }
    }
}

/// Builds the app the way production does, with test doubles, runs `body` against its router, closes the store.
func withAPI(start: Instant = monday9, units: [MinshengDomain.Unit] = apiUnits, wechat: WeChatConfig? = nil, smsSecret: String? = nil, metricsToken: String? = nil,
             filesDirectory: String? = nil, _ body: @Sendable (Harness) async throws -> Void) async throws {
    let store = try await SQLiteStore.open(.memory)
    do {
        let clock = ManualClock(start)
        var auth = AuthSettings()
        auth.bcryptCost = 4 // the slowness of production's cost 12 is its point; tests need the logic only
        let platform = Platform(store: store, clock: clock, calendar: try shippedCalendar(), auth: auth)
        try await platform.addUnits(units)
        var config = AppConfig(calendar: platform.calendar)
        config.wechat = wechat
        config.smsSecret = smsSecret
        config.filesDirectory = filesDirectory
        config.metricsToken = metricsToken
        let app = buildApplication(config: config, platform: platform)
        try await app.test(.router) { client in
            try await body(Harness(platform: platform, clock: clock, client: client, accounts: TestAccounts(platform: platform)))
        }
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

/// Checks an error body: status, `error` code, a non-empty `message`.
func expectError(_ r: APIResponse, _ status: HTTPResponse.Status, _ code: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == status, "expected \(status.code) \(code), got \(r.status.code): \(r.text)", sourceLocation: sourceLocation)
    #expect(r["error"].string == code, "body: \(r.text)", sourceLocation: sourceLocation)
    #expect((r["message"].string ?? "").isEmpty == false, "no message: \(r.text)", sourceLocation: sourceLocation)
    #expect(r.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
}

func idempotencyKey(_ key: String) -> HTTPFields { [.init("Idempotency-Key")!: key] }
