import Foundation
import Hummingbird
import Logging
import MinshengDomain
import MinshengStore
import MinshengText
import ServiceLifecycle

/// Everything `serve` needs, read from the command line or the environment.
public struct AppConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var defaultPolicyID = DeadlinePolicy.local12320.id
    public var calendar: WorkCalendar
    /// Behind a reverse proxy (nginx): take the client address from X-Forwarded-For and TLS from X-Forwarded-Proto.
    public var trustProxy = false
    /// Where attachments are kept (content-addressed); nil turns uploads off.
    public var filesDirectory: String?
    /// The WeChat official account's server settings; nil: /channels/wechat answers 404.
    public var wechat: WeChatConfig?
    /// The SMS gateway's shared secret (X-Minsheng-Signature); nil: /channels/sms answers 404.
    public var smsSecret: String?
    /// A bearer token `/metrics` requires; nil: `/metrics` is open (bind to an internal address, or set it).
    public var metricsToken: String?
    public init(calendar: WorkCalendar) {
        self.calendar = calendar
    }
}

/// Composes the application: tests call this with their own store and clock and drive it through the router.
public func buildApplication(config: AppConfig, platform: Platform, services: [any Service] = [],
                             logger: Logger = Logger(label: "minsheng")) -> some ApplicationProtocol {
    let router = buildRouter(config: config, platform: platform)
    return Application(router: router, configuration: .init(address: .hostname(config.host, port: config.port), serverName: "minsheng"),
                       services: services, logger: logger)
}

public func buildRouter(config: AppConfig, platform: Platform) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Outermost first: the request id and access log see the final status, then timing, then errors become JSON.
    router.add(middleware: RequestLogMiddleware(trustProxy: config.trustProxy))
    router.add(middleware: MetricsRecordingMiddleware(metrics: platform.metrics))
    router.add(middleware: APIErrorMiddleware())
    router.get("/healthz") { _, _ in JSON.object([("status", .string("ok"))]) }
    // For the load balancer: the database answers and its schema is the one this build expects.
    // The write path counts: while the store's database is down (a registration or a probe found it unreachable),
    // the node is not ready, at once, without waiting for a connection.
    router.get("/readyz") { _, _ -> Response in
        if let why = platform.store.unavailability {
            return JSON.response(.object([("status", .string("database_unreachable")), ("detail", .string(why))]), status: .serviceUnavailable)
        }
        do {
            let v = try await platform.store.schemaVersion()
            let ready = v == platform.store.expectedSchemaVersion
            return JSON.response(.object([("status", .string(ready ? "ready" : "migrating")), ("schema", .int(Int64(v))),
                                          ("expected", .int(Int64(platform.store.expectedSchemaVersion)))]),
                                 status: ready ? .ok : .serviceUnavailable)
        } catch {
            return JSON.response(.object([("status", .string("database_unreachable"))]), status: .serviceUnavailable)
        }
    }
    // Prometheus scrapes this: counts only, no citizen data; still, a token keeps it to the monitoring system.
    router.get("/metrics") { request, _ -> Response in
        if let token = config.metricsToken {
            guard let auth = request.headers[.authorization], Secrets.constantTimeEqual(auth, "Bearer " + token) else {
                throw APIError(.unauthorized, "unauthorized", "/metrics 需要监控令牌")
            }
        }
        try await platform.metrics.refreshStoreGauges(platform.store, now: platform.clock.now())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: platform.metrics.render())))
    }
    router.get("/openapi.yaml") { _, _ in try openAPIResponse() }
    // Every /api/v1 route passes the auth middleware: it attaches the signed-in user when a credential comes
    // along; each handler says whether it needs one (citizens' endpoints do not).
    let api = router.group("api/v1").add(middleware: AuthMiddleware(accounts: platform.accounts, trustProxy: config.trustProxy))
    // One instance for the API and the portal: the per-address limits are shared.
    let files = config.filesDirectory.flatMap { try? FileVault(directory: $0) }
    let desk = CitizenDesk(platform: platform) // one set of citizens' limits behind every door
    PublicController(platform: platform, desk: desk).addRoutes(to: api)
    AuthController(platform: platform).addRoutes(to: api)
    UsersController(platform: platform).addRoutes(to: api)
    CasesController(platform: platform).addRoutes(to: api)
    UnitsController(platform: platform).addRoutes(to: api)
    MetaController(platform: platform).addRoutes(to: api)
    StatsController(platform: platform).addRoutes(to: api)
    HotlineController(platform: platform).addRoutes(to: api)
    HotspotsController(platform: platform).addRoutes(to: api)
    AttachmentsController(platform: platform, files: files).addRoutes(to: api)
    let reception = ReceptionController(platform: platform, desk: desk)
    reception.addRoutes(to: api)
    // The web console: pages render refusals as pages, and a stale cookie leads to the login form.
    let pages = Pages.shared
    var webAuth = AuthMiddleware(accounts: platform.accounts, trustProxy: config.trustProxy)
    webAuth.lenient = true
    let web = router.group("").add(middleware: WebErrorMiddleware(pages: pages)).add(middleware: webAuth)
    let console = ConsoleController(platform: platform, pages: pages, files: files)
    console.addRoutes(to: web)
    ReceptionPages(platform: platform, pages: pages, console: console, api: reception).addRoutes(to: web)
    PortalController(platform: platform, pages: pages, desk: desk, files: files).addRoutes(to: web)
    Open311Controller(platform: platform).addRoutes(to: router.group("open311/v2"))
    ChannelRoutes(platform: platform, config: config).add(to: router.group("channels"))
    DashboardController(platform: platform, pages: pages).addRoutes(to: web)
    AdminController(platform: platform, pages: pages).addRoutes(to: web)
    return router
}

/// Reference data an integrator needs: the policies in force, the calendar, the enumerations.
struct MetaController {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("policies") { _, context in
            _ = try context.requireUser()
            return JSON.object([
                ("default", .string(platform.defaultPolicyID)),
                ("items", .array(platform.policies.values.sorted { $0.id < $1.id }.map { p in
                    .object([
                        ("id", .string(p.id)), ("name", .string(p.name)),
                        ("steps", .object(DeadlineStep.allCases.compactMap { s in
                            p.period(s).map { (s.rawValue, JSON.object([("amount", .int($0.amount)), ("unit", .string($0.unit.rawValue)),
                                                                         ("label", .string($0.description))])) }
                        })),
                        ("warnAfterDelivery", .string(p.warnAfterDelivery.description)),
                        ("urgentLead", .string(p.urgentLead.description)),
                    ])
                })),
            ])
        }
        group.get("calendar/:year") { _, context in
            _ = try context.requireUser()
            guard let y = context.parameters.get("year").flatMap(Int.init), (1900...2200).contains(y) else {
                throw APIError.invalid("year", "应为四位年份")
            }
            let cal = platform.calendar
            return JSON.object([
                ("year", .int(y)),
                ("covered", .bool(cal.isCovered(y))),
                ("missingHolidays", .array(cal.missingHolidays(in: y).map(JSON.string))),
                ("days", .array(cal.entries.filter { $0.day.year == y }.map { e in
                    .object([("date", .string(e.day.description)), ("rule", .string(e.rule.rawValue)), ("name", .string(e.name))])
                })),
            ])
        }
    }
}

/// The OpenAPI document of this API (Resources/openapi.yaml, hand-maintained; OpenAPITests keeps it true to the routes).
let openAPIDocument: Data? = FileManager.default.contents(atPath: Bundle.module.bundleURL.appendingPathComponent("Resources/openapi.yaml").path)

func openAPIResponse() throws -> Response {
    guard let data = openAPIDocument else { throw APIError(.internalServerError, "no_openapi", "bundled openapi.yaml is missing") }
    return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The shipped work calendars (official State Council schedules), from the bundled data files.
public func shippedCalendar() throws -> WorkCalendar {
    var cal = WorkCalendar()
    let dir = Bundle.module.bundleURL.appendingPathComponent("Resources/calendars")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    guard !names.isEmpty else {
        throw APIError(.internalServerError, "no_calendar", "bundled calendar files are missing at \(dir.path)")
    }
    for name in names {
        let url = dir.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        cal = cal.replacingYears(with: try WorkCalendar.parse(text))
    }
    return cal
}

/// The shipped category model (trained on the government-labelled messages; see BENCHMARKS.md), or nil if absent.
public func shippedClassifier() throws -> TextClassifier? {
    let url = Bundle.module.bundleURL.appendingPathComponent("Resources/models/category.model")
    guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
    return try TextClassifier(loading: [UInt8](data))
}
