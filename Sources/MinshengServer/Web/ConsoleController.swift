import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The staff console (issue 5 item 2): login (+Login), the inbox (+Inbox), the case page with exactly the steps the
/// user may take (+Case), the registrar's quick entry and call screen (+Intake). Server-rendered; every page works
/// without JavaScript.
struct ConsoleController {
    let platform: Platform
    let pages: Pages
    let units: UnitSearch
    let files: FileVault?

    init(platform: Platform, pages: Pages, files: FileVault? = nil) {
        self.platform = platform
        self.pages = pages
        self.files = files
        units = UnitSearch(platform: platform)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("login", use: loginForm)
        group.post("login", use: login)
        group.post("logout", use: logout)
        group.get("console", use: inbox)
        group.get("console/cases/:id", use: casePage)
        group.post("console/cases/:id/contact", use: reveal)
        group.post("console/cases/:id/act/:action", use: act)
        group.get("console/cases/:id/files/:aid", use: file)
        group.post("console/cases/:id/disclose", use: disclose)
        group.get("console/new", use: newForm)
        group.post("console/new", use: register)
        group.get("console/units", use: unitSearch)
        group.get("console/calls/:callId", use: callScreen)
        group.post("console/calls/:callId/reveal", use: revealCaller)
        group.get("console/password", use: passwordForm)
        group.post("console/password", use: changePassword)
        group.get("static/:file") { _, context in
            guard let name = context.parameters.get("file"), let f = pages.statics[name] else { throw APIError.notFound("文件不存在") }
            return Response(status: .ok, headers: [.contentType: f.type, .cacheControl: "public, max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: f.body)))
        }
    }

    // MARK: Common page context

    func base(_ p: Principal, nav: String, title: String) -> [String: Any] {
        let u = p.user
        return [
            "me": [
                "name": u.name, "login": u.login, "unitName": platform.unit(u.unit)?.name ?? "",
                "roleLabels": u.roles.map(\.label).sorted().joined(separator: "、"),
                "canRegister": !u.roles.isDisjoint(with: [.registrar, .dispatcher]),
                "canDashboard": !u.roles.isDisjoint(with: [.leader, .supervisor, .dispatcher]),
                "isAdmin": u.roles.contains(.admin),
            ] as [String: Any],
            "csrf": p.token.csrf,
            "nav": [nav: true],
            "pageTitle": title,
        ]
    }

    /// The signed-in user, or a redirect to the login form.
    func user(_ context: AppRequestContext) throws -> Principal {
        guard let p = context.principal else { throw APIError(.unauthorized, "unauthorized", "请先登录") }
        return p
    }

    static func options<E: DomainEnum>(_ type: E.Type, selected: String? = nil, blank: String? = nil) -> [[String: Any]] {
        var out: [[String: Any]] = []
        if let blank { out.append(["value": "", "label": blank, "selected": selected == nil || selected == ""]) }
        for e in E.allCases { out.append(["value": e.rawValue, "label": e.label, "selected": e.rawValue == selected]) }
        return out
    }

    // MARK: Unit picker

    @Sendable func unitSearch(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let p = try user(context)
        let q = request.uri.queryParameters.get("q").map { String($0) } ?? ""
        let within = request.uri.queryParameters.get("scope") == "all" ? nil : platform.scopeRoot(of: p.user)
        return .object([("items", .array(units.search(q, within: within, limit: 30).map { h in
            .object([("id", .int(h.id)), ("name", .string(h.name)), ("path", .string(h.path))])
        }))])
    }

    func caseID(_ context: AppRequestContext) throws -> CaseID {
        guard let s = context.parameters.get("id"), let id = Int64(s), id > 0 else { throw APIError.notFound("诉求件不存在") }
        return id
    }
}

extension APIError {
    /// The field a refusal names, if any.
    var field: String? {
        guard let v = details.first(where: { $0.0 == "field" })?.1, case let .string(s) = v else { return nil }
        return s
    }
}
