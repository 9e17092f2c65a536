import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// Open311 GeoReport v2 under /open311/v2 (README "Open311"), so that an existing 311 client can submit and read
/// requests unmodified. Every resource comes as `.json` or `.xml` (chosen by the path's suffix); errors are the
/// spec's array of `{code, description}` in the same format.
///
/// - services map to the first-level categories; a request becomes a case of that category, channel `open311`;
/// - `api_key` is an API token of a registrar (a channel account); the case is registered at the account's center;
/// - reads show only cases that came in through Open311, and never the citizen's name, phone or tracking code.
struct Open311Controller {
    let platform: Platform
    /// Failed token look-ups per address: 10 per 15 minutes (tokens are tracking codes; they must not be guessed).
    let tokenFailures: RateLimiter

    init(platform: Platform) {
        self.platform = platform
        tokenFailures = RateLimiter(limit: 10, window: 15 * 60, clock: platform.clock)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("services.{format}", use: services)
        group.get("services/{file}", use: serviceDefinition)
        group.post("requests.{format}", use: create)
        group.get("requests.{format}", use: list)
        group.get("requests/{file}", use: show)
        group.get("tokens/{file}", use: token)
    }

    // MARK: Services

    struct ServiceType: Sendable {
        let code: String
        let category: String
        let description: String
        let group: String
        let keywords: [String]
    }

    /// One service per first-level category; the codes are part of the interface and never change.
    static let catalogue: [ServiceType] = [
        ServiceType(code: "urban-construction", category: "城乡建设", description: "住房、物业、拆迁、违章建筑、市政设施、路灯、供水供气等城乡建设问题",
                group: "城市与环境", keywords: ["住房", "物业", "拆迁", "违建", "市政", "路灯", "供水"]),
        ServiceType(code: "environment", category: "环境保护", description: "噪音、油烟、废气、污水、垃圾、扬尘等环境污染问题",
                group: "城市与环境", keywords: ["噪音", "油烟", "污染", "污水", "垃圾", "扬尘"]),
        ServiceType(code: "transport", category: "交通运输", description: "公交、出租车、道路、停车、客运等交通运输问题",
                group: "城市与环境", keywords: ["公交", "出租车", "道路", "停车", "客运", "轨道交通"]),
        ServiceType(code: "education-culture-sports", category: "教育文体", description: "入学、学校管理、校外培训、文化和体育设施等问题",
                group: "民生保障", keywords: ["入学", "学校", "培训", "文化", "体育"]),
        ServiceType(code: "labor-social-security", category: "劳动和社会保障", description: "拖欠工资、社会保险、养老、就业、劳动合同等问题",
                group: "民生保障", keywords: ["工资", "欠薪", "社保", "养老", "就业", "劳动合同"]),
        ServiceType(code: "commerce-tourism", category: "商贸旅游", description: "消费纠纷、价格、市场秩序、旅游服务、快递等问题",
                group: "市场与消费", keywords: ["消费", "价格", "商场", "旅游", "快递"]),
        ServiceType(code: "health", category: "卫生计生", description: "医疗服务、医院管理、药品、疫苗、生育服务等问题",
                group: "民生保障", keywords: ["医院", "医疗", "药品", "疫苗", "生育"]),
    ]

    /// The services of the categories this platform knows (Platform.defaultCategoryDepartments or its replacement).
    var offered: [ServiceType] { Self.catalogue.filter { platform.categoryDepartments[$0.category] != nil } }
    func service(code: String) -> ServiceType? { offered.first { $0.code == code } }
    func service(category: String?) -> ServiceType? { category.flatMap { c in Self.catalogue.first { $0.category == c } } }

    @Sendable func services(_ request: Request, context: AppRequestContext) async -> Response {
        await answer(context.parameters.get("format")) { _ in
            .array(offered.map { s in
                .object([("service_code", .string(s.code)), ("service_name", .string(s.category)), ("description", .string(s.description)),
                         ("metadata", .bool(false)), ("type", .string("realtime")), ("keywords", .string(s.keywords.joined(separator: ","))),
                         ("group", .string(s.group))])
            })
        }
    }

    @Sendable func serviceDefinition(_ request: Request, context: AppRequestContext) async -> Response {
        let (code, format) = Self.split(context.parameters.get("file"))
        return await answer(format, root: "service_definition") { _ in
            guard let s = service(code: code) else { throw Open311Error(.notFound, "未知的 service_code：\(code)") }
            // No service has metadata: there are no extra attributes to ask for.
            return .object([("service_code", .string(s.code)), ("attributes", .array([]))])
        }
    }

    // MARK: POST requests

    @Sendable func create(_ request: Request, context: AppRequestContext) async -> Response {
        await answer(context.parameters.get("format")) { _ in
            let form = try await formFields(request)
            func field(_ k: String, max: Int) throws(Open311Error) -> String? {
                guard let v = form[k]?.trimmed, !v.isEmpty else { return nil }
                guard v.count <= max else { throw Open311Error(.badRequest, "\(k) 不能超过 \(max) 个字符（当前 \(v.count)）") }
                return v
            }
            // 1. Who is sending: an API token of a registrar (403 otherwise, as the spec says for a bad key).
            guard let key = form["api_key"]?.trimmed, !key.isEmpty else {
                throw Open311Error(.forbidden, "缺少 api_key：请向管理员申请 Open311 渠道账号的 API 令牌")
            }
            guard let principal = try await platform.accounts.authenticate(key), principal.token.kind == .api else {
                throw Open311Error(.forbidden, "api_key 无效或已过期")
            }
            let user = principal.user
            guard user.roles.contains(.registrar), !user.mustChangePassword else {
                throw Open311Error(.forbidden, "该 api_key 的账号没有登记员角色，不能提交诉求")
            }
            // 2. What: the service, the text, where.
            guard let code = try field("service_code", max: 100) else { throw Open311Error(.badRequest, "缺少必填参数 service_code") }
            guard let service = service(code: code) else {
                throw Open311Error(.badRequest, "未知的 service_code：\(code)；可用：\(offered.map(\.code).joined(separator: ", "))")
            }
            guard let description = try field("description", max: APILimits.maxContent) else {
                throw Open311Error(.badRequest, "缺少必填参数 description（诉求内容）")
            }
            let lat = try field("lat", max: 40), long = try field("long", max: 40)
            var coordinates: (lat: String, long: String)?
            switch (lat, long) {
            case let (la?, lo?):
                guard let y = Double(la), (-90...90).contains(y), let x = Double(lo), (-180...180).contains(x) else {
                    throw Open311Error(.badRequest, "lat/long 应为 WGS84 经纬度（lat −90…90，long −180…180）")
                }
                coordinates = (la, lo)
            case (nil, nil): break
            default: throw Open311Error(.badRequest, "lat 与 long 须同时提供")
            }
            let addressString = try field("address_string", max: Self.maxAddress)
            let addressID = try field("address_id", max: 100)
            guard coordinates != nil || addressString != nil || addressID != nil else {
                throw Open311Error(.badRequest, "须提供位置：lat 和 long，或 address_string，或 address_id")
            }
            var address = addressString
            if let c = coordinates { address = (address.map { $0 + " " } ?? "") + Self.coordinateSuffix(c.lat, c.long) }
            if let a = address, a.count > Self.maxAddress {
                throw Open311Error(.badRequest, "address_string 过长：连同坐标不能超过 \(Self.maxAddress) 个字符")
            }
            let mediaURL = try field("media_url", max: 1000)
            if let m = mediaURL, !(m.lowercased().hasPrefix("http://") || m.lowercased().hasPrefix("https://")) {
                throw Open311Error(.badRequest, "media_url 应为 http(s) 地址")
            }
            // 3. Who the citizen is: name and phone only (sealed by the platform); the e-mail is not kept (no field
            // for it yet, and a note would show it to every unit unmasked).
            let first = try field("first_name", max: 25), last = try field("last_name", max: 25)
            var phone = try field("phone", max: 30)
            if let p = phone {
                do throws(Contact.Problem) { phone = try Contact.normalizedPhone(p) } catch {
                    throw Open311Error(.badRequest, "phone 无效：\(error.message)")
                }
            }
            var draft = CaseDraft(channel: .open311, kind: .help, title: Self.title(of: description), content: description,
                                  citizen: Citizen(name: Self.fullName(first: first, last: last), phone: phone))
            draft.category = service.category
            draft.address = address
            draft.center = platform.unit(user.unit).flatMap { $0.kind == .center ? $0.id : nil }
            var data = ["open311.serviceCode": service.code]
            if let c = coordinates { data["open311.lat"] = c.lat; data["open311.long"] = c.long }
            if let a = addressID { data["open311.addressId"] = a }
            if let m = mediaURL { data["open311.mediaUrl"] = m }
            draft.eventData = data
            let actor = try platform.actor(user, for: .register, on: nil)
            let outcome = try await platform.register(draft, by: actor,
                                                      clientKey: CasesController.clientKey(request, scope: "open311:u\(user.id)"))
            try Platform.checkReplay(outcome, draft)
            let c = outcome.case
            var pairs: [(String, JSON)] = [
                ("service_request_id", .string(String(c.id))),
                ("token", .string(c.trackingCode)),
                ("service_notice", .string(Self.receivedNotice(c, platform: platform))),
            ]
            pairs.append(("account_id", .opt(try field("account_id", max: 100))))
            return .array([.object(pairs)])
        }
    }

    /// The form body (application/x-www-form-urlencoded), with query parameters as a fallback.
    private func formFields(_ request: Request) async throws -> [String: String] {
        if let type = request.headers[.contentType]?.lowercased(), type.hasPrefix("multipart/") {
            throw Open311Error(.badRequest, "请以 application/x-www-form-urlencoded 提交；图片请以 media_url 给出地址")
        }
        let body = try await request.body.collect(upTo: Self.maxFormBytes)
        var form = FormData.parse(String(buffer: body))
        for (k, v) in request.uri.queryParameters where form[String(k)] == nil { form[String(k)] = String(v) }
        return form
    }

    /// Percent-encoded, a Chinese character takes 9 bytes: 10,000 of them (the content limit) need about 90 KB.
    static let maxFormBytes = 160 * 1024

    static func coordinateSuffix(_ lat: String, _ long: String) -> String { "(\(lat),\(long))" }

    /// About the first 30 characters of the description, on one line.
    static func title(of description: String) -> String {
        let line = description.split(whereSeparator: \.isNewline).map { String($0).trimmed }.joined(separator: " ")
        return line.count <= 30 ? line : String(line.prefix(30)) + "…"
    }

    /// A Chinese name is family name first without a space (王 + 小明); a Latin one is "first last".
    static func fullName(first: String?, last: String?) -> String? {
        switch (first, last) {
        case (nil, nil): return nil
        case let (f?, nil): return f
        case let (nil, l?): return l
        case let (f?, l?):
            let cjk = (f + l).unicodeScalars.contains { (0x3400...0x9FFF).contains($0.value) || (0x20000...0x2FFFF).contains($0.value) }
            return cjk ? l + f : f + " " + l
        }
    }

    static func receivedNotice(_ c: Case, platform: Platform) -> String {
        let center = platform.unit(c.center)?.name ?? "信访/民生办"
        let due = c.deadlines.dispatch.map { "，\(Self.day($0)) 前转交承办单位" } ?? ""
        return "已由\(center)受理登记\(due)。可凭 service_request_id 查询办理进度。"
    }

    static func day(_ i: Instant) -> String { String(i.description.prefix(16)).replacingOccurrences(of: "T", with: " ") }

    // MARK: GET requests

    /// What the spec gives a search without dates (the most recent 90 days) and at most (1000 requests).
    static let window: Int64 = 90 * 86_400
    /// A case's address holds at most this many characters (as in POST /api/v1/cases).
    static let maxAddress = 200
    static let maxResults = 1000

    @Sendable func list(_ request: Request, context: AppRequestContext) async -> Response {
        await answer(context.parameters.get("format")) { _ in
            let p = request.uri.queryParameters
            func param(_ k: String) -> String? {
                guard let v = p.get(k)?.trimmed, !v.isEmpty else { return nil }
                return v
            }
            // service_request_id overrides every other parameter.
            if let ids = param("service_request_id") {
                let parts = ids.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
                guard parts.count <= Self.maxResults else { throw Open311Error(.badRequest, "service_request_id 最多 \(Self.maxResults) 个") }
                var out: [JSON] = []
                var seen = Set<CaseID>()
                for s in parts {
                    guard let id = Int64(s), id > 0, seen.insert(id).inserted,
                          let c = try await platform.case(id), c.channel == .open311 else { continue }
                    out.append(try await render(c))
                }
                return .array(out)
            }
            var codes: [ServiceType?] = [nil]
            if let list = param("service_code") {
                codes = []
                for code in Set(list.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }).sorted() {
                    guard let s = service(code: code) else { throw Open311Error(.badRequest, "未知的 service_code：\(code)") }
                    codes.append(s)
                }
                if codes.isEmpty { codes = [nil] }
            }
            var wantOpen = true, wantClosed = true
            if let s = param("status") {
                let words = Set(s.lowercased().split(separator: ",").map { String($0).trimmed })
                guard !words.isEmpty, words.isSubset(of: ["open", "closed"]) else {
                    throw Open311Error(.badRequest, "status 应为 open 或 closed（可用逗号并列）")
                }
                wantOpen = words.contains("open"); wantClosed = words.contains("closed")
            }
            func date(_ k: String) throws(Open311Error) -> Instant? {
                guard let v = param(k) else { return nil }
                guard let i = Instant.parse(v) else { throw Open311Error(.badRequest, "\(k) 应为 W3C 时间，如 2026-11-02T09:00:00+08:00") }
                return v.count == 10 && k == "end_date" ? i.adding(seconds: 86_400) : i
            }
            let start = try date("start_date"), end = try date("end_date")
            let to = end ?? (start.map { $0.adding(seconds: Self.window) } ?? platform.clock.now().adding(seconds: 1))
            let from = start ?? to.adding(seconds: -Self.window)
            guard from < to else { throw Open311Error(.badRequest, "start_date 须早于 end_date") }
            guard to.seconds - from.seconds <= Self.window else { throw Open311Error(.badRequest, "start_date 到 end_date 不能超过 90 天") }

            var found: [Case] = []
            for s in codes {
                var q = CaseQuery(now: platform.clock.now())
                q.channel = .open311
                q.category = s?.category
                q.from = from
                q.to = to
                q.openOnly = wantOpen && !wantClosed
                q.limit = 500
                var taken = 0
                pages: while true {
                    let page = try await platform.cases(q)
                    for summary in page.items {
                        guard let c = try await platform.case(summary.id) else { continue }
                        let closed = Self.isClosed(c.state)
                        guard closed ? wantClosed : wantOpen else { continue }
                        found.append(c)
                        taken += 1
                        if taken >= Self.maxResults { break pages }
                    }
                    guard let next = page.nextCursor else { break }
                    q.cursor = next
                }
            }
            found.sort { ($0.registeredAt, $0.id) > ($1.registeredAt, $1.id) }
            var out: [JSON] = []
            for c in found.prefix(Self.maxResults) { out.append(try await render(c)) }
            return .array(out)
        }
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async -> Response {
        let (idText, format) = Self.split(context.parameters.get("file"))
        return await answer(format) { _ in
            guard let id = Int64(idText), id > 0, let c = try await platform.case(id), c.channel == .open311 else {
                throw Open311Error(.notFound, "没有编号为 \(idText) 的 Open311 诉求")
            }
            return .array([try await render(c)])
        }
    }

    /// Tokens are the tracking codes handed out with each new request: a known one answers its id.
    @Sendable func token(_ request: Request, context: AppRequestContext) async -> Response {
        let (code, format) = Self.split(context.parameters.get("file"))
        return await answer(format) { _ in
            try tokenFailures.check(context.clientAddress)
            let token = code.uppercased()
            guard (4...20).contains(token.count), let c = try await platform.case(trackingCode: token), c.channel == .open311 else {
                tokenFailures.record(context.clientAddress)
                throw Open311Error(.notFound, "未知的 token")
            }
            return .array([.object([("service_request_id", .string(String(c.id))), ("token", .string(c.trackingCode))])])
        }
    }

    /// Closed for Open311: nothing more will be done (answered and closed, not accepted, final, or handed to an
    /// emergency service). Everything else is open.
    static func isClosed(_ s: CaseState) -> Bool { !s.isOpen }

    /// A request as Open311 shows it: never the citizen's name, phone or the tracking code.
    func render(_ c: Case) async throws -> JSON {
        let redact = platform.publicRedaction(of: c)
        let data = try await platform.events(of: c.id).first { $0.action == .register }?.data ?? [:]
        let service = service(category: c.category)
        var address = c.address
        let lat = data["open311.lat"], long = data["open311.long"]
        if let la = lat, let lo = long, let a = address, a.hasSuffix(Self.coordinateSuffix(la, lo)) {
            let rest = String(a.dropLast(Self.coordinateSuffix(la, lo).count)).trimmed
            address = rest.isEmpty ? nil : rest
        }
        var pairs: [(String, JSON)] = [
            ("service_request_id", .string(String(c.id))),
            ("status", .string(Self.isClosed(c.state) ? "closed" : "open")),
            ("status_notes", .string(statusNotes(c))),
            ("service_name", .opt(service?.category ?? c.category)),
            ("service_code", .opt(service?.code ?? data["open311.serviceCode"])),
            ("description", .string(redact(c.content))),
            ("agency_responsible", .opt(platform.unit(c.holder)?.name)),
            ("service_notice", .opt(serviceNotice(c))),
            ("requested_datetime", .time(c.registeredAt)),
            ("updated_datetime", .time(c.updatedAt)),
            ("expected_datetime", .time(c.currentDue)),
            ("address", .opt(address.map(redact))),
            ("address_id", .opt(data["open311.addressId"])),
            ("zipcode", .null),
        ]
        if let la = lat.flatMap(Double.init), let lo = long.flatMap(Double.init) {
            pairs += [("lat", .number(la)), ("long", .number(lo))]
        }
        pairs.append(("media_url", .opt(data["open311.mediaUrl"])))
        return .object(pairs)
    }

    /// The state in words, with the outcome once there is one (not the reply's text: it may name the citizen).
    /// In the citizen's words (CitizenView), as every public read: no staff state such as 待签收.
    func statusNotes(_ c: Case) -> String {
        var notes = CitizenView.stateText(c.state)
        if let r = c.rejection, c.state == .rejected { notes += "：" + CitizenView.rejectionText(r) }
        if let r = c.reply, [.replied, .closed, .reviewing, .reviewed, .rereviewing, .final].contains(c.state) {
            notes += "（答复意见：\(r.result.label)）"
        }
        if let e = c.evaluation { notes += "；群众评价：\(e.label)" }
        if let h = c.handedOffTo { notes += "（\(h.label)）" }
        return notes
    }

    func serviceNotice(_ c: Case) -> String? {
        guard !Self.isClosed(c.state), let due = c.currentDue else { return nil }
        return "办理时限按工作日计算，当前环节应于 \(Self.day(due)) 前完成"
    }

    // MARK: Formats and errors

    enum Format: String { case json, xml }

    /// "12.json" → ("12", "json"); without a suffix the format is empty (answered 404).
    static func split(_ file: String?) -> (String, String?) {
        guard let file, let dot = file.lastIndex(of: ".") else { return (file ?? "", nil) }
        return (String(file[..<dot]), String(file[file.index(after: dot)...]))
    }

    /// Runs `body` and renders its value, or the error, in the format asked for. The root of an XML array is
    /// named after its items (services/service, service_requests/request); `root` names a single object.
    private func answer(_ format: String?, root: String? = nil, _ body: (Format) async throws -> JSON) async -> Response {
        let fmt = format.flatMap { Format(rawValue: $0.lowercased()) }
        do {
            guard let fmt else { throw Open311Error(.notFound, "未知的格式：请使用 .json 或 .xml") }
            let value = try await body(fmt)
            return Self.response(value, format: fmt, root: root, status: .ok)
        } catch {
            let e: Open311Error
            if let o = error as? Open311Error {
                e = o
            } else {
                let api = APIError.from(error)
                if api.status == .internalServerError {
                    platform.logger.error("Open311: unhandled error: \(String(reflecting: error))")
                }
                e = Open311Error(api.status, api.message)
            }
            let json: JSON = .array([.object([("code", .int(Int(e.status.code))), ("description", .string(e.description))])])
            var r = Self.response(json, format: fmt ?? .json, root: nil, status: e.status)
            if e.status == .tooManyRequests, let wait = APIError.from(error).retryAfter { r.headers[.retryAfter] = String(wait) }
            return r
        }
    }

    static func response(_ value: JSON, format: Format, root: String?, status: HTTPResponse.Status) -> Response {
        switch format {
        case .json:
            return JSON.response(value, status: status)
        case .xml:
            return Response(status: status, headers: [.contentType: "text/xml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: Open311XML.document(value, root: root))))
        }
    }
}

/// An Open311 error: an HTTP status and a description, rendered as `[{"code", "description"}]`.
struct Open311Error: Error {
    var status: HTTPResponse.Status
    var description: String
    init(_ status: HTTPResponse.Status, _ description: String) { self.status = status; self.description = description }
}
