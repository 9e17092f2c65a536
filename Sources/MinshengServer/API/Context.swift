import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// Per-request context: the client's address and, once the auth middleware has said so, who is asking.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The peer's IP address (or the client's, from X-Forwarded-For, when the server trusts its proxy).
    public var clientAddress: String
    /// The request came over TLS (directly or, per X-Forwarded-Proto, through a trusted proxy).
    public var secure = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var maxUploadSize: Int { APILimits.maxBodyBytes }

    /// The signed-in user, or 401.
    func requireUser() throws -> Principal {
        guard let principal else { throw APIError(.unauthorized, "unauthorized", "需要登录（会话 Cookie 或 Authorization: Bearer …）") }
        return principal
    }

    /// The signed-in user holding one of `roles`, or 403.
    func requireRole(_ roles: Set<Role>) throws -> Principal {
        let p = try requireUser()
        guard !p.user.roles.isDisjoint(with: roles) else {
            throw APIError(.forbidden, "role_not_allowed", "需要角色：\(roles.map(\.label).sorted().joined(separator: "、"))")
        }
        return p
    }
}

/// Resolves the credential of a request: `Authorization: Bearer <secret>` for scripts and gateways, the session
/// cookie for browsers. A cookie-borne request that changes state must echo the session's CSRF token in the
/// `X-CSRF-Token` header or a `_csrf` form field. A user whose password was reset may only change it.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let accounts: Accounts
    let trustProxy: Bool
    /// Web pages: a stale cookie counts as no credential (the page offers the login form) instead of a 401.
    var lenient = false
    static let cookieName = "ms_session"
    static let passwordChangePaths: Set<String> = ["/api/v1/auth/password", "/api/v1/auth/logout", "/api/v1/auth/me",
                                                   "/console/password", "/logout", "/login"]

    /// Citizens' endpoints take no credential: a stale staff cookie or token in the same browser must not get in
    /// the way (and such requests need no CSRF token, since no session acts).
    static func isPublic(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/public/") || path.hasPrefix("/api/v1/track/") || path == "/api/v1/auth/login"
            || path == "/" || path == "/submit" || path == "/track" || path.hasPrefix("/track/") || path == "/disclosure"
            || path.hasPrefix("/portal/") || path.hasPrefix("/static/") || path == "/login"
            || path == "/reception" || path.hasPrefix("/reception/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        if trustProxy {
            if let xff = request.headers[.init("X-Forwarded-For")!]?.split(separator: ",").last {
                context.clientAddress = xff.trimmingCharacters(in: .whitespaces)
            }
            context.secure = request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
        }
        var secret: String?
        var viaCookie = false
        if Self.isPublic(request.uri.path) && !(lenient && request.uri.path == "/login") {
            return try await next(request, context)
        }
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw APIError(.unauthorized, "unauthorized", "仅支持 Authorization: Bearer 令牌")
            }
            secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let cookie = request.cookies[Self.cookieName]?.value, !cookie.isEmpty {
            secret = cookie
            viaCookie = true
        }
        if let secret {
            guard var principal = try await accounts.authenticate(secret) else {
                if lenient && viaCookie { return try await next(request, context) }
                throw APIError(.unauthorized, "unauthorized", "登录已失效或令牌无效，请重新登录")
            }
            principal.viaCookie = viaCookie
            if viaCookie && ![.get, .head, .options].contains(request.method) {
                try await checkCSRF(&request, principal: principal)
            }
            if principal.user.mustChangePassword && !Self.passwordChangePaths.contains(request.uri.path) && !request.uri.path.hasPrefix("/static/") {
                if lenient { return Response(status: .seeOther, headers: [.location: "/console/password"]) }
                throw APIError(.forbidden, "password_change_required", "管理员已重置您的密码，请先修改密码（POST /api/v1/auth/password）")
            }
            context.principal = principal
        }
        return try await next(request, context)
    }

    private func checkCSRF(_ request: inout Request, principal: Principal) async throws {
        var sent = request.headers[.init("X-CSRF-Token")!]
        if sent == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: APILimits.maxBodyBytes)
            sent = FormData.parse(String(buffer: body))["_csrf"]
        } else if sent == nil, let boundary = Multipart.boundary(request.headers[.contentType]) {
            // A form with files (scanned pages of a letter): the token is a part of it.
            let body = try await request.collectBody(upTo: APILimits.maxUploadBytes)
            sent = try Multipart.parse(Array(body.readableBytesView), boundary: boundary)
                .first { $0.name == "_csrf" && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
        }
        guard let sent, Secrets.constantTimeEqual(sent, principal.token.csrf) else {
            throw APIError(.forbidden, "csrf_failed", "请求缺少或带有错误的 CSRF 令牌，请刷新页面后重试")
        }
    }
}

/// application/x-www-form-urlencoded bodies (web forms, Open311 clients).
enum FormData {
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = decode(kv[0]), v = kv.count > 1 ? decode(kv[1]) : ""
            if out[k] == nil { out[k] = v }
        }
        return out
    }

    static func decode<S: StringProtocol>(_ s: S) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
    }
}

extension Request {
    /// The body as a JSON value, within the size limit.
    func jsonBody(context: AppRequestContext) async throws -> JSON {
        let buffer = try await body.collect(upTo: APILimits.maxBodyBytes)
        if buffer.readableBytes == 0 { throw APIError.badJSON("请求体为空，需要 JSON 对象") }
        return try JSON.parse(Array(buffer.readableBytesView))
    }
}
