import Hummingbird
import MinshengDomain

/// Per-request context: who is acting, once the auth middleware has said so.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var actor: Actor?

    public init(source: Source) {
        coreContext = .init(source: source)
        actor = nil
    }

    public var maxUploadSize: Int { APILimits.maxBodyBytes }

    func requireActor() throws -> Actor {
        guard let actor else { throw APIError(.unauthorized, "unauthorized", "需要登录凭证（Authorization: Bearer …）") }
        return actor
    }
}

/// The foundation's single admin token (accounts and roles replace it in the accounts issue).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              constantTimeEqual(String(header.dropFirst(7)), token) else {
            throw APIError(.unauthorized, "unauthorized", "缺少或错误的访问令牌（Authorization: Bearer …）")
        }
        var context = context
        context.actor = Actor(id: "admin", name: "管理员", role: .admin, unit: nil)
        return try await next(request, context)
    }

    /// Compares without an early exit, so response time tells nothing about the token.
    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
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
