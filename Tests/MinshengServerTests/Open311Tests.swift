import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// An XML document read back with a real parser: whether it is well-formed, and each element's text by name.
final class XMLTexts: NSObject, XMLParserDelegate {
    private(set) var texts: [String: [String]] = [:]
    private(set) var elements: [String] = []
    private var stack: [(String, String)] = []

    static func parse(_ text: String) -> XMLTexts? {
        let p = XMLParser(data: Data(text.utf8))
        let reader = XMLTexts()
        p.delegate = reader
        return p.parse() ? reader : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(name)
        stack.append((name, ""))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].1 += string }
    }

    /// CDATA sections (WeChat's replies) come separately from plain characters.
    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if !stack.isEmpty { stack[stack.count - 1].1 += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let (n, t) = stack.removeLast()
        texts[n, default: []].append(t)
    }

    func first(_ name: String) -> String? { texts[name]?.first }
    func count(_ name: String) -> Int { elements.filter { $0 == name }.count }
}

// formBody (application/x-www-form-urlencoded, as an Open311 client sends it) is in DashboardTests.swift.

extension Harness {
    /// An Open311 channel account: a registrar of the city center (2) with an API token.
    func gatewayKey(_ login: String = "gateway", unit: Int64 = 2, roles: Set<Role> = [.registrar]) async throws -> String {
        try await accounts.user(login, unit: unit, roles: roles).token
    }

    func open311Post(_ pairs: [(String, String)], format: String = "json", headers extra: HTTPFields = [:]) async throws -> APIResponse {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, "/open311/v2/requests.\(format)", body: formBody(pairs), token: nil, headers: headers)
    }

    /// Posts a request that must be created; returns its id.
    func open311Create(key: String, service: String = "urban-construction", description: String = "小区门口路灯不亮，已经两周了，晚上很黑。",
                       extra: [(String, String)] = [("lat", "29.5628"), ("long", "106.5528")],
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let r = try await open311Post([("api_key", key), ("service_code", service), ("description", description)] + extra)
        #expect(r.status == .ok, "POST requests.json: \(r.text)", sourceLocation: sourceLocation)
        let id = try #require(r.json[0]["service_request_id"].string, sourceLocation: sourceLocation)
        return try #require(Int(id), sourceLocation: sourceLocation)
    }

    func open311Get(_ path: String) async throws -> APIResponse {
        try await send(.get, "/open311/v2/\(path)", token: nil)
    }
}

/// An Open311 error answer: the status, and `[{code, description}]` with that code.
func expectOpen311Error(_ r: APIResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == status, "expected \(status.code), got \(r.status.code): \(r.text)", sourceLocation: sourceLocation)
    #expect(r.json.count == 1, "body: \(r.text)", sourceLocation: sourceLocation)
    #expect(r.json[0]["code"].int == Int(status.code), "body: \(r.text)", sourceLocation: sourceLocation)
    #expect((r.json[0]["description"].string ?? "").isEmpty == false, "body: \(r.text)", sourceLocation: sourceLocation)
    #expect(r.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
}

@Suite("Open311 GeoReport v2")
struct Open311Tests {
    @Test func servicesAreTheFirstLevelCategoriesInJSONAndXML() async throws {
        try await withAPI { h in
            let r = try await h.open311Get("services.json")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(r.json.count == Platform.defaultCategoryDepartments.count)
            #expect(Set(r.json.array.compactMap { $0["service_name"].string }) == Set(Platform.defaultCategoryDepartments.keys))
            let first = r.json[0]
            #expect(first["service_code"].string == "urban-construction")
            #expect(first["service_name"].string == "城乡建设")
            #expect(first["metadata"].bool == false)
            #expect(first["type"].string == "realtime")
            #expect(first["group"].string == "城市与环境")
            #expect(first["keywords"].string?.contains("路灯") == true)
            #expect(first["description"].string?.isEmpty == false)
            #expect(r.json.array.compactMap { $0["service_code"].string } ==
                    ["urban-construction", "environment", "transport", "education-culture-sports", "labor-social-security",
                     "commerce-tourism", "health"])

            let x = try await h.open311Get("services.xml")
            #expect(x.status == .ok)
            #expect(x.headers[.contentType] == "text/xml; charset=utf-8")
            #expect(x.text.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>"))
            let doc = try #require(XMLTexts.parse(x.text), "not well-formed: \(x.text)")
            #expect(doc.elements.first == "services")
            #expect(doc.count("service") == 7)
            #expect(doc.texts["service_code"] == r.json.array.compactMap { $0["service_code"].string })
            #expect(doc.first("service_name") == "城乡建设")
            #expect(doc.first("metadata") == "false")
            #expect(doc.first("type") == "realtime")

            let def = try await h.open311Get("services/environment.json")
            #expect(def.status == .ok)
            #expect(def["service_code"].string == "environment")
            #expect(def["attributes"].count == 0)
            let defx = try await h.open311Get("services/environment.xml")
            let d = try #require(XMLTexts.parse(defx.text), "\(defx.text)")
            #expect(d.elements.first == "service_definition")
            #expect(d.first("service_code") == "environment")
            expectOpen311Error(try await h.open311Get("services/nonesuch.json"), .notFound)
            // An unknown format is not found, and says so in JSON.
            expectOpen311Error(try await h.open311Get("services.csv"), .notFound)
        }
    }

    @Test func aPostedRequestIsAnOpen311CaseOfTheServicesCategory() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let description = "解放碑步行街东侧的路灯连续两周不亮，晚上行人很多，存在安全隐患，请尽快修复。"
            let r = try await h.open311Post([
                ("api_key", key), ("jurisdiction_id", "cq"), ("service_code", "urban-construction"), ("description", description),
                ("lat", "29.5628"), ("long", "106.5528"), ("address_string", "渝中区解放碑步行街"),
                ("first_name", "小明"), ("last_name", "王"), ("phone", "138-0000-1234"), ("email", "xm@example.com"),
                ("device_id", "dev-1"), ("account_id", "acct-7"), ("media_url", "https://img.example.com/a.jpg"),
                ("attribute[WHISPER]", "x"),
            ])
            #expect(r.status == .ok, "\(r.text)")
            let answer = r.json[0]
            let id = try #require(answer["service_request_id"].string.flatMap(Int.init))
            #expect(answer["account_id"].string == "acct-7")
            #expect(answer["service_notice"].string?.contains("重庆市信访办公室") == true)
            let c = try #require(try await h.platform.store.case(Int64(id)))
            #expect(answer["token"].string == c.trackingCode)
            #expect(c.channel == .open311)
            #expect(c.category == "城乡建设")
            #expect(c.kind == .help)
            #expect(c.center == 2)
            #expect(c.state == .registered)
            #expect(c.content == description)
            #expect(c.title == String(description.prefix(30)) + "…")
            #expect(c.address == "渝中区解放碑步行街 (29.5628,106.5528)")
            // The citizen's contact is sealed like any other case's: the clear values only through the platform.
            let open = h.platform.sealer.openCitizen(c.citizen)
            #expect(open.name == "王小明")
            #expect(open.phone == "13800001234")
            #expect(c.citizen.phone != "13800001234")
            // The registration is the gateway's, with the Open311 fields the case has no column for.
            let events = try await h.platform.store.events(of: Int64(id))
            #expect(events.count == 1)
            #expect(events[0].actorID.hasPrefix("user:"))
            #expect(events[0].role == .registrar)
            #expect(events[0].data["channel"] == "open311")
            #expect(events[0].data["open311.serviceCode"] == "urban-construction")
            #expect(events[0].data["open311.mediaUrl"] == "https://img.example.com/a.jpg")
            #expect(events[0].data["open311.lat"] == "29.5628")
            #expect(!events.map(\.note).joined().contains("xm@example.com"))
            // Staff see it in the normal API, in the channel listing.
            let shown = try await h.show(id)
            #expect(shown["channel"].string == "open311")
            #expect(try await h.listIDs("channel=open311") == [id])

            // Read back through Open311, in both formats.
            let g = try await h.open311Get("requests/\(id).json")
            #expect(g.status == .ok, "\(g.text)")
            #expect(g.json.count == 1)
            let item = g.json[0]
            #expect(item["service_request_id"].string == String(id))
            #expect(item["status"].string == "open")
            #expect(item["service_code"].string == "urban-construction")
            #expect(item["service_name"].string == "城乡建设")
            #expect(item["description"].string == description)
            #expect(item["agency_responsible"].string == "重庆市信访办公室")
            #expect(item["address"].string == "渝中区解放碑步行街")
            #expect((item["lat"].raw as? NSNumber)?.doubleValue == 29.5628)
            #expect((item["long"].raw as? NSNumber)?.doubleValue == 106.5528)
            #expect(item["media_url"].string == "https://img.example.com/a.jpg")
            #expect(item["requested_datetime"].string == "2026-11-02T09:00:00+08:00")
            #expect(item["updated_datetime"].string == "2026-11-02T09:00:00+08:00")
            #expect(item["expected_datetime"].string == c.currentDue?.description)
            #expect(item["expected_datetime"].string?.hasSuffix("+08:00") == true)
            #expect(item["status_notes"].string == "已登记")
            let gx = try await h.open311Get("requests/\(id).xml")
            let doc = try #require(XMLTexts.parse(gx.text), "\(gx.text)")
            #expect(Array(doc.elements.prefix(2)) == ["service_requests", "request"])
            #expect(doc.first("service_request_id") == String(id))
            #expect(doc.first("status") == "open")
            #expect(doc.first("lat") == "29.5628")
            #expect(doc.first("description") == description)

            // The token is the tracking code; it answers the id.
            let t = try await h.open311Get("tokens/\(c.trackingCode).json")
            #expect(t.status == .ok)
            #expect(t.json[0]["service_request_id"].string == String(id))
            #expect(t.json[0]["token"].string == c.trackingCode)
            let tx = try await h.open311Get("tokens/\(c.trackingCode).xml")
            #expect(XMLTexts.parse(tx.text)?.first("service_request_id") == String(id))
            expectOpen311Error(try await h.open311Get("tokens/ZZZZZZZZZZ.json"), .notFound)

            // XML POST answers the same shape.
            let px = try await h.open311Post([("api_key", key), ("service_code", "health"), ("description", "社区医院周末不开门"),
                                              ("address_string", "渝中区七星岗")], format: "xml")
            #expect(px.status == .ok)
            #expect(px.headers[.contentType] == "text/xml; charset=utf-8")
            let pdoc = try #require(XMLTexts.parse(px.text), "\(px.text)")
            #expect(Array(pdoc.elements.prefix(2)) == ["service_requests", "request"])
            let xid = try #require(pdoc.first("service_request_id").flatMap(Int64.init))
            #expect(try await h.platform.store.case(xid)?.category == "卫生计生")
            #expect(try await h.platform.store.case(xid)?.address == "渝中区七星岗")
        }
    }

    @Test func theCaseIsRegisteredAtTheAccountsCenterAndTheKeyIsIdempotent() async throws {
        let units = apiUnits + [MinshengDomain.Unit(id: 7, parentID: 3, name: "渝中区民生服务中心", level: .district, kind: .center)]
        try await withAPI(units: units) { h in
            let district = try await h.gatewayKey("gw-district", unit: 7)
            let id = try await h.open311Create(key: district)
            #expect(try await h.platform.store.case(Int64(id))?.center == 7)
            // A registrar of a unit that is not a center registers at the default (city) center.
            let town = try await h.gatewayKey("gw-town", unit: 6)
            let id2 = try await h.open311Create(key: town)
            #expect(try await h.platform.store.case(Int64(id2))?.center == 2)

            let form: [(String, String)] = [("api_key", district), ("service_code", "environment"), ("description", "工地夜间施工噪音"),
                                            ("address_string", "渝中区大坪")]
            let before = try await h.caseCount()
            let a = try await h.open311Post(form, headers: idempotencyKey("k-1"))
            let b = try await h.open311Post(form, headers: idempotencyKey("k-1"))
            #expect(a.status == .ok && b.status == .ok)
            #expect(a.json[0]["service_request_id"].string == b.json[0]["service_request_id"].string)
            #expect(try await h.caseCount() == before + 1)
            // The key is the account's: another account's same key is another request.
            let other = try await h.open311Post([("api_key", town)] + form.dropFirst(), headers: idempotencyKey("k-1"))
            #expect(other.status == .ok)
            #expect(other.json[0]["service_request_id"].string != a.json[0]["service_request_id"].string)
            // The same key for different content is refused.
            let reused = try await h.open311Post([("api_key", district), ("service_code", "environment"), ("description", "别的事"),
                                                  ("address_string", "渝中区大坪")], headers: idempotencyKey("k-1"))
            expectOpen311Error(reused, .unprocessableContent)
        }
    }

    @Test func badKeysAndBadRequestsAreRefusedInTheSpecsErrorFormat() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let ok: [(String, String)] = [("service_code", "environment"), ("description", "河里有油污"), ("address_string", "长江滨江路")]
            let before = try await h.caseCount()
            expectOpen311Error(try await h.open311Post([("api_key", "not-a-key")] + ok), .forbidden)
            expectOpen311Error(try await h.open311Post(ok), .forbidden)
            let x = try await h.open311Post([("api_key", "not-a-key")] + ok, format: "xml")
            #expect(x.status == .forbidden)
            let doc = try #require(XMLTexts.parse(x.text), "\(x.text)")
            #expect(doc.elements.prefix(2) == ["errors", "error"])
            #expect(doc.first("code") == "403")
            #expect(doc.first("description")?.isEmpty == false)
            // A staff token without the registrar role is no channel account; neither is a login session.
            let handler = try await h.gatewayKey("gw-handler", unit: 4, roles: [.handler])
            expectOpen311Error(try await h.open311Post([("api_key", handler)] + ok), .forbidden)
            let user = try #require(try await h.platform.store.user(login: "gateway"))
            let (_, session) = try await h.platform.accounts.issue(for: user, kind: .session, label: "web")
            expectOpen311Error(try await h.open311Post([("api_key", session)] + ok), .forbidden)

            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "nonesuch"), ("description", "x"),
                                                        ("address_string", "y")]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("description", "x"), ("address_string", "y")]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("address_string", "y")]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("description", "   ")]
                                                       + [("address_string", "y")]), .badRequest)
            // A location is required: lat and long together, or an address.
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("description", "x")]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("description", "x"),
                                                        ("lat", "29.5")]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("description", "x"),
                                                        ("lat", "north"), ("long", "106.5")]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("description", "x"),
                                                        ("lat", "129.5"), ("long", "106.5")]), .badRequest)
            // The platform's checks and limits hold here too.
            expectOpen311Error(try await h.open311Post([("api_key", key), ("phone", "12ab")] + ok), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("phone", "123")] + ok), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"),
                                                        ("description", String(repeating: "长", count: 10_001)), ("address_string", "y")]),
                               .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("service_code", "environment"), ("description", "x"),
                                                        ("address_string", String(repeating: "址", count: 201))]), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("media_url", "javascript:alert(1)")] + ok), .badRequest)
            expectOpen311Error(try await h.open311Post([("api_key", key), ("description", String(repeating: "长", count: 20_000))] + ok),
                               .contentTooLarge)
            #expect(try await h.caseCount() == before)
            // The longest description allowed is taken.
            _ = try await h.open311Create(key: key, description: String(repeating: "长", count: 10_000))
            #expect(try await h.caseCount() == before + 1)

            expectOpen311Error(try await h.open311Get("requests/999.json"), .notFound)
            expectOpen311Error(try await h.open311Get("requests/abc.json"), .notFound)
            expectOpen311Error(try await h.open311Get("requests.json?status=pending"), .badRequest)
            expectOpen311Error(try await h.open311Get("requests.json?service_code=nonesuch"), .badRequest)
            expectOpen311Error(try await h.open311Get("requests.json?start_date=yesterday"), .badRequest)
            expectOpen311Error(try await h.open311Get("requests.json?start_date=2026-01-01&end_date=2026-11-01"), .badRequest)
        }
    }

    @Test func searchesFilterByIdServiceDateAndStatusAndShowOnlyOpen311Cases() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let a = try await h.open311Create(key: key, service: "urban-construction", description: "路灯不亮")
            h.clock.advance(seconds: 3600)
            let b = try await h.open311Create(key: key, service: "environment", description: "工地夜间施工噪音")
            h.clock.advance(seconds: 3600)
            let c = try await h.open311Create(key: key, service: "transport", description: "公交站台破损")
            let phoneCase = try await h.create(title: "电话登记的诉求")

            func ids(_ query: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Int] {
                let r = try await h.open311Get("requests.json" + (query.isEmpty ? "" : "?" + query))
                #expect(r.status == .ok, "\(query): \(r.text)", sourceLocation: sourceLocation)
                return r.json.array.compactMap { $0["service_request_id"].string.flatMap(Int.init) }
            }
            #expect(try await ids("") == [c, b, a])
            #expect(try await ids("service_code=environment") == [b])
            #expect(try await ids("service_code=environment,transport") == [c, b])
            #expect(try await ids("service_request_id=\(a),\(c)") == [a, c])
            // service_request_id overrides the other parameters; an id that is no Open311 request is left out.
            #expect(try await ids("service_request_id=\(a),\(phoneCase),x,99999&service_code=transport&status=closed") == [a])
            expectOpen311Error(try await h.open311Get("requests/\(phoneCase).json"), .notFound)
            #expect(try await ids("status=open") == [c, b, a])
            #expect(try await ids("status=closed") == [])
            #expect(try await ids("status=open,closed") == [c, b, a])
            #expect(try await ids("start_date=\(enc("2026-11-02T09:30:00+08:00"))") == [c, b])
            #expect(try await ids("start_date=\(enc("2026-11-02T01:30:00Z"))&end_date=\(enc("2026-11-02T02:30:00Z"))") == [b])
            #expect(try await ids("end_date=2026-11-01") == [])
            #expect(try await ids("end_date=2026-11-02") == [c, b, a])
            let x = try await h.open311Get("requests.xml?service_code=environment,transport")
            let doc = try #require(XMLTexts.parse(x.text), "\(x.text)")
            #expect(doc.count("request") == 2)
            #expect(doc.texts["service_request_id"] == [String(c), String(b)])

            // Without dates, the most recent 90 days.
            h.clock.advance(seconds: 91 * 86_400)
            let d = try await h.open311Create(key: key, service: "health", description: "医院排队太久")
            #expect(try await ids("") == [d])
            #expect(try await ids("start_date=2026-11-01") == [c, b, a])
            #expect(try await ids("service_request_id=\(a)") == [a])
            let empty = try await h.open311Get("requests.xml?status=closed")
            #expect(XMLTexts.parse(empty.text)?.elements == ["service_requests"])
        }
    }

    @Test func statusFollowsTheCaseThroughTheNormalAPI() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let id = try await h.open311Create(key: key)
            let other = try await h.open311Create(key: key, description: "另一条诉求")
            func item(_ sourceLocation: SourceLocation = #_sourceLocation) async throws -> J {
                let r = try await h.open311Get("requests/\(id).json")
                #expect(r.status == .ok, "\(r.text)", sourceLocation: sourceLocation)
                return r.json[0]
            }
            try await h.step(id, "dispatch", ["unit": 4, "mode": "assign"])
            var i = try await item()
            #expect(i["status"].string == "open")
            #expect(i["agency_responsible"].string == "渝中区城市管理局")
            #expect(i["status_notes"].string == "已转交承办单位")
            let c1 = try #require(try await h.platform.store.case(Int64(id)))
            #expect(i["expected_datetime"].string == c1.currentDue?.description)
            h.clock.advance(seconds: 3600)
            try await h.step(id, "sign", ["actingUnit": 4])
            try await h.step(id, "accept", ["actingUnit": 4])
            i = try await item()
            #expect(i["updated_datetime"].string == "2026-11-02T10:00:00+08:00")
            #expect(i["expected_datetime"].string == (try await h.platform.store.case(Int64(id)))?.deadlines.reply?.description)
            try await h.step(id, "reply", ["result": "support", "text": "王小明您好，路灯已修复。", "actingUnit": 4])
            #expect(try await item()["status"].string == "open")
            try await h.step(id, "evaluate", ["evaluation": "satisfied"])
            i = try await item()
            #expect(i["status"].string == "closed")
            #expect(i["status_notes"].string?.hasPrefix("已办结") == true)
            #expect(i["status_notes"].string?.contains("支持") == true)
            // The reply's text may name the citizen: it is not shown.
            #expect(i["status_notes"].string?.contains("王小明") == false)
            #expect(i["expected_datetime"].exists && i["expected_datetime"].isNull)

            func ids(_ q: String) async throws -> [Int] {
                try await h.open311Get("requests.json?\(q)").json.array.compactMap { $0["service_request_id"].string.flatMap(Int.init) }
            }
            #expect(try await ids("status=closed") == [id])
            #expect(try await ids("status=open") == [other])

            // Not accepted is closed too, with the route the citizen should take.
            try await h.step(other, "dispatch", ["unit": 5])
            try await h.step(other, "sign", ["actingUnit": 5])
            try await h.step(other, "reject", ["route": "laborArbitration", "reason": "属劳动争议", "actingUnit": 5])
            let r = try await h.open311Get("requests/\(other).json").json[0]
            #expect(r["status"].string == "closed")
            #expect(r["status_notes"].string?.contains("劳动人事争议仲裁") == true)
            #expect(try await ids("status=closed") == [other, id])

            // Handed to an emergency service: nothing more happens here, so closed.
            let urgent = try await h.open311Create(key: key, description: "路边燃气管道泄漏")
            try await h.step(urgent, "handOff", ["service": "119"])
            let u = try await h.open311Get("requests/\(urgent).json").json[0]
            #expect(u["status"].string == "closed")
            #expect(u["status_notes"].string == "已转应急部门处理（119 火警）")
        }
    }

    @Test func xmlEscapesMarkupAndDropsWhatXMLCannotCarry() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let description = "门口<路灯>坏了 & \"很危险\" '快修' </description><status>closed</status>\u{01}完"
            let id = try await h.open311Create(key: key, description: description,
                                               extra: [("address_string", "A&B <大厦>")])
            let x = try await h.open311Get("requests/\(id).xml")
            #expect(x.status == .ok)
            #expect(x.text.contains("门口&lt;路灯&gt;坏了 &amp; &quot;很危险&quot; &apos;快修&apos; &lt;/description&gt;&lt;status&gt;closed"))
            #expect(!x.text.contains("<路灯>"))
            #expect(!x.text.contains("\u{01}"))
            let doc = try #require(XMLTexts.parse(x.text), "not well-formed: \(x.text)")
            #expect(doc.first("description") == description.replacingOccurrences(of: "\u{01}", with: ""))
            #expect(doc.first("status") == "open")
            #expect(doc.count("status") == 1)
            #expect(doc.first("address") == "A&B <大厦>")
            let list = try await h.open311Get("requests.xml")
            #expect(XMLTexts.parse(list.text) != nil, "\(list.text)")
            // JSON keeps the text as it was.
            #expect(try await h.open311Get("requests/\(id).json").json[0]["description"].string == description)
        }
    }

    @Test func noResponseCarriesPersonalData() async throws {
        try await withAPI { h in
            let key = try await h.gatewayKey()
            let r = try await h.open311Post([
                ("api_key", key), ("service_code", "labor-social-security"), ("description", "公司拖欠三个月工资"),
                ("address_string", "渝中区某工地"), ("first_name", "建国"), ("last_name", "李"), ("phone", "13912345678"),
                ("email", "lijianguo@example.com"), ("account_id", "acct-9"),
            ])
            #expect(r.status == .ok)
            let id = try #require(r.json[0]["service_request_id"].string)
            let rx = try await h.open311Post([
                ("api_key", key), ("service_code", "labor-social-security"), ("description", "公司拖欠两个月工资"),
                ("address_string", "渝中区某工地"), ("first_name", "John"), ("last_name", "Smith"), ("phone", "+86 139 1234 5679"),
                ("email", "john@example.com"),
            ], format: "xml")
            #expect(rx.status == .ok)
            let c = try #require(try await h.platform.store.case(Int64(id)!))
            #expect(h.platform.sealer.openCitizen(c.citizen).name == "李建国")
            let answers = [r, rx] + [
                try await h.open311Get("requests.json"), try await h.open311Get("requests.xml"),
                try await h.open311Get("requests/\(id).json"), try await h.open311Get("requests/\(id).xml"),
                try await h.open311Get("requests.json?service_request_id=\(id)"),
                try await h.open311Get("tokens/\(c.trackingCode).json"),
            ]
            for a in answers {
                for secret in ["李建国", "建国", "John", "Smith", "13912345678", "1391234", "5678", "5679", "lijianguo", "john@", "example.com"] {
                    #expect(!a.text.contains(secret), "\(secret) in \(a.text)")
                }
            }
            // Reads do not carry the tracking code either: only the client that posted gets it.
            for a in answers[2..<7] { #expect(!a.text.contains(c.trackingCode), "\(a.text)") }
            #expect(try await h.open311Get("requests.json").json.count == 2)
        }
    }
}
