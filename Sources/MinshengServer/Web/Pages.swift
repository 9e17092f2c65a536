import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore
import Mustache

/// The page templates (Resources/web/templates, swift-mustache: `{{x}}` escapes, so citizen text is safe) and
/// the static files, loaded once at start.
public struct Pages: Sendable {
    let library: MustacheLibrary
    let statics: [String: (body: [UInt8], type: String)]

    static let webDir = Bundle.module.bundleURL.appendingPathComponent("Resources/web")
    /// The bundled templates are part of the build: failing to load them is a packaging error, found at start.
    static let shared: Pages = {
        do { return try load() } catch { fatalError("web templates: \(error)") }
    }()

    public static func load() throws -> Pages {
        var library = MustacheLibrary()
        let fm = FileManager.default
        let tdir = webDir.appendingPathComponent("templates")
        for name in try fm.contentsOfDirectory(atPath: tdir.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: tdir.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        var statics: [String: ([UInt8], String)] = [:]
        let sdir = webDir.appendingPathComponent("static")
        for name in (try? fm.contentsOfDirectory(atPath: sdir.path)) ?? [] {
            guard let data = fm.contents(atPath: sdir.appendingPathComponent(name).path) else { continue }
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8"
                : name.hasSuffix(".svg") ? "image/svg+xml" : "application/octet-stream"
            statics[name] = ([UInt8](data), type)
        }
        return Pages(library: library, statics: statics)
    }

    /// One template named "t", for tests of the rendering rules.
    static func testing(template: String) throws -> Pages {
        var library = MustacheLibrary()
        try library.register(template, named: "t")
        return Pages(library: library, statics: [:])
    }

    func render(_ template: String, _ context: [String: Any]) -> String {
        library.render(Blank.normalise(context), withTemplate: template) ?? "<!doctype html><p>页面模板 \(template) 缺失</p>"
    }

    func html(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        // Pages need nothing from elsewhere: a strict policy makes injected markup inert.
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: render(template, context))))
    }
}

/// A value that is not there. Mustache renders a section for any string, the empty one included, and for a nil
/// boxed in `Any`: every page context goes through `normalise`, which turns both into `Blank`, a value that renders
/// nothing, hides its sections and opens its inverted ones. Unlike a dropped key it does not fall through to a
/// value of the same name further out.
struct Blank: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }

    static func normalise(_ value: Any) -> Any {
        if let s = value as? String { return s.isEmpty ? Blank() : s }
        if let d = value as? [String: Any] { return d.mapValues(normalise) }
        if let a = value as? [[String: Any]] { return a.map { $0.mapValues(normalise) } }
        if let a = value as? [Any] { return a.map(normalise) }
        let m = Mirror(reflecting: value)
        if m.displayStyle == .optional {
            guard let wrapped = m.children.first?.value else { return Blank() }
            return normalise(wrapped)
        }
        return value
    }

    static func normalise(_ d: [String: Any]) -> [String: Any] { d.mapValues(normalise) }
}

enum Web {
    static func redirect(_ to: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: to]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// Only local paths: a `next` parameter must not send the user to another site.
    static func safeNext(_ next: String?) -> String {
        guard let n = next, n.hasPrefix("/"), !n.hasPrefix("//"), !n.contains("\\") else { return "/console" }
        return n
    }

    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: APILimits.maxBodyBytes)
        return FormData.parse(String(buffer: body))
    }

    /// Mustache treats an empty string as true: drop empty strings, zero ids and absent values so that
    /// `{{#x}}…{{/x}}` sections disappear.
    static func compact(_ d: [String: Any?]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in d {
            guard let v else { continue }
            if let s = v as? String, s.isEmpty { continue }
            if let i = v as? Int64, i == 0, k != "id" { continue }
            let m = Mirror(reflecting: v)
            if m.displayStyle == .optional && m.children.isEmpty { continue } // a nil boxed in Any
            out[k] = v
        }
        return out
    }

    /// A deadline in the words of every notice ("2026年2月25日24时" for the instant 2026-02-26 00:00): `Instant.deadlineText`.
    static func deadline(_ i: Instant?) -> String { i?.deadlineText ?? "" }

    static func time(_ i: Instant?) -> String {
        guard let i else { return "" }
        let d = i.description // 2026-11-02T09:00:00+08:00
        return String(d.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}

/// Renders refusals on web pages as a page, not JSON; an expired session goes back to the login form.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let e = APIError.from(error)
            if e.status == .unauthorized {
                let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return Web.redirect("/login?next=" + (here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/console"),
                                    cookie: AuthController.clearedCookie(secure: false))
            }
            if e.status == .internalServerError {
                context.logger.error("unhandled error on \(request.method) \(request.uri.path): \(String(reflecting: error))")
            }
            let heading = e.status == .notFound ? "页面不存在" : e.status == .forbidden ? "无权进行此操作" : "请求未能完成"
            return pages.html("error", ["heading": heading, "message": e.message, "back": "/console"], status: e.status)
        }
    }
}
