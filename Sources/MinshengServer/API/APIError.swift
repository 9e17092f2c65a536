import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// Everything the API refuses, mapped to HTTP once, here at the edge.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [(String, JSON)] = []

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [(String, JSON)] = []) {
        self.status = status; self.code = code; self.message = message; self.details = details
    }

    public static func badJSON(_ m: String) -> APIError { APIError(.badRequest, "malformed_json", m) }
    public static func invalid(_ field: String, _ m: String) -> APIError {
        APIError(.badRequest, "invalid_field", "\(field)：\(m)", details: [("field", .string(field))])
    }
    public static func missing(_ field: String) -> APIError {
        APIError(.badRequest, "missing_field", "缺少必填字段 \(field)", details: [("field", .string(field))])
    }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }

    /// Seconds a rate-limited client must wait (429 answers carry them in Retry-After).
    var retryAfter: Int64? {
        guard let v = details.first(where: { $0.0 == "retryAfter" })?.1, case let .number(n) = v else { return nil }
        return Int64(n)
    }

    var json: JSON {
        .object([("error", .string(code)), ("message", .string(message))] + details)
    }

    /// A refusal of the input or of the state, as the API would answer it; nil for anything else (an internal failure
    /// is thrown on, not shown beside a form).
    static func refusal(_ error: any Error) -> APIError? {
        switch error {
        case is APIError, is PlatformError, is LifecycleError, is StoreError:
            let e = from(error)
            return e.status == .internalServerError ? nil : e
        default:
            return nil
        }
    }

    /// The API's answer to any error: domain and store errors keep their meaning, anything unexpected is a 500
    /// that says nothing of internals.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as PlatformError:
            return APIError(e.kind.status, e.code, e.message, details: e.details)
        case let e as LifecycleError:
            var details: [(String, JSON)] = []
            let status: HTTPResponse.Status
            switch e {
            case let .illegalStep(action, state, allowed):
                status = .conflict
                details = [("action", .string(action.rawValue)), ("state", .string(state.rawValue)),
                           ("allowed", .array(allowed.map { .string($0.rawValue) }))]
            case .roleNotAllowed, .notHoldingUnit:
                status = .forbidden
            case let .invalidField(field, _):
                status = .unprocessableContent
                details = [("field", .string(field))]
            case .paused, .notPaused, .noPendingRequest:
                status = .conflict
            case let .windowClosed(_, deadline):
                status = .conflict
                details = [("deadline", .string(deadline.description))]
            case let .objectionDenied(action, denied):
                status = .conflict
                details = [("action", .string(action.rawValue)), ("reason", .string(denied.reason))]
            case let .ownedByOther(_, owner):
                status = .conflict
                details = [("owner", .object([("id", .string(owner.id)), ("name", .string(owner.name)), ("unit", owner.unit.map { .int($0) } ?? .null),
                                              ("since", .string(owner.since.description))]))]
            }
            return APIError(status, e.code, e.message, details: details)
        case let e as StoreError:
            switch e {
            case let .caseNotFound(id): return APIError(.notFound, "not_found", "诉求件 \(id) 不存在")
            case let .badCursor(c): return APIError.invalid("cursor", "无效的分页游标 \(c)")
            case let .conflict(m): return APIError(.conflict, "conflict", m)
            }
        case is DatabaseUnavailable:
            // Not carried out (or, if the connection broke during its commit, not known): retrying with the same
            // Idempotency-Key is safe.
            return APIError(.serviceUnavailable, "database_unavailable", "数据库暂时不可用，请稍后重试",
                            details: [("retryAfter", .number(1))])
        case let e as any HTTPResponseError where e.status == .contentTooLarge:
            return APIError(.contentTooLarge, "body_too_large", "请求体超过 \(APILimits.maxBodyBytes / 1024) KB 上限")
        case let e as HTTPError:
            return APIError(e.status, "http_error", e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError:
            return APIError(e.status, "http_error", e.status.reasonPhrase)
        default:
            return APIError(.internalServerError, "internal_error", "服务器内部错误，请稍后重试")
        }
    }
}

extension PlatformError.Kind {
    /// The one place a platform refusal becomes an HTTP status.
    var status: HTTPResponse.Status {
        switch self {
        case .invalid, .badRequest: .badRequest
        case .unprocessable: .unprocessableContent
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .conflict: .conflict
        case .rateLimited: .tooManyRequests
        case .internalFailure: .internalServerError
        }
    }
}

public enum APILimits {
    /// Largest request body accepted (a case's content is at most 10,000 characters).
    public static let maxBodyBytes = 64 * 1024
    public static let maxTitle = 200
    public static let maxContent = 10_000
    public static let maxNote = 2_000
    /// A staff form with files (a letter's scanned pages), read whole into memory.
    public static let maxUploadBytes = 64 * 1024 * 1024
}

/// Turns thrown errors into `{"error", "message", …}` with the right status.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router found no route: a documented path with another method is 405 with the methods it answers.
            if let allowed = MethodTable.shared.methods(for: request.uri.path), !allowed.contains(request.method.rawValue) {
                let list = allowed.sorted().joined(separator: ", ")
                var response = JSON.response(APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) 不适用于此路径；可用：\(list)").json,
                                             status: .methodNotAllowed)
                response.headers[.allow] = list
                return response
            }
            return JSON.response(APIError.from(error).json, status: .notFound)
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError {
                context.logger.error("unhandled error on \(request.method) \(request.uri.path): \(String(reflecting: error))")
            }
            var response = JSON.response(e.json, status: e.status)
            if e.status == .tooManyRequests || e.status == .serviceUnavailable, let wait = e.retryAfter {
                response.headers[.retryAfter] = String(wait)
            }
            if e.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"minsheng\"" }
            return response
        }
    }
}

extension Fields: InputFields {}

/// The fields of a JSON object body, read with clear errors: unknown fields, wrong types and unknown enum values
/// are refused by name.
struct Fields {
    let pairs: [(String, JSON)]
    private var allowed: Set<String>

    init(_ json: JSON, allowed: [String]) throws(APIError) {
        guard case let .object(p) = json else { throw APIError(.badRequest, "malformed_json", "请求体必须是 JSON 对象") }
        pairs = p
        self.allowed = Set(allowed)
        if let unknown = p.first(where: { !self.allowed.contains($0.0) }) {
            throw APIError(.badRequest, "unknown_field", "未知字段 \(unknown.0)；可用字段：\(allowed.joined(separator: ", "))",
                           details: [("field", .string(unknown.0)), ("allowed", .array(allowed.map(JSON.string)))])
        }
    }

    /// The field's value, nil when it is absent. `null` is refused, not read as absent: no request schema allows it,
    /// and a client that sends `"unit": null` meaning "clear it" must hear that nothing was cleared.
    func raw(_ key: String) throws(APIError) -> JSON? {
        guard let v = pairs.first(where: { $0.0 == key })?.1 else { return nil }
        if v == .null { throw APIError.invalid(key, "不能为 null；不填请省略该字段") }
        return v
    }

    func string(_ key: String, max: Int = 200, required: Bool = false) throws(APIError) -> String? {
        guard let v = try raw(key) else {
            if required { throw APIError.missing(key) }
            return nil
        }
        guard case let .string(s) = v else { throw APIError.invalid(key, "应为字符串") }
        let trimmed = s.trimmed
        if trimmed.isEmpty {
            if required { throw APIError.invalid(key, "不能为空") }
            return nil
        }
        if trimmed.count > max { throw APIError.invalid(key, "不能超过 \(max) 个字符（当前 \(trimmed.count)）") }
        return trimmed
    }

    func requiredString(_ key: String, max: Int = 200) throws(APIError) -> String {
        try string(key, max: max, required: true)!
    }

    func int(_ key: String, required: Bool = false) throws(APIError) -> Int64? {
        guard let v = try raw(key) else {
            if required { throw APIError.missing(key) }
            return nil
        }
        guard let i = v.int else { throw APIError.invalid(key, "应为整数") }
        return i
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let v = try raw(key) else { return nil }
        guard case let .bool(b) = v else { throw APIError.invalid(key, "应为 true 或 false") }
        return b
    }

    func value<E: DomainEnum>(_ key: String, _ type: E.Type, required: Bool = false) throws(APIError) -> E? {
        guard let v = try raw(key) else {
            if required { throw APIError.missing(key) }
            return nil
        }
        guard case let .string(s) = v else { throw APIError.invalid(key, "应为字符串") }
        return try parseEnum(key, s, type)
    }

    func intArray(_ key: String) throws(APIError) -> [Int64] {
        guard let v = try raw(key) else { return [] }
        guard case let .array(items) = v else { throw APIError.invalid(key, "应为整数数组") }
        var out: [Int64] = []
        for item in items {
            guard let i = item.int else { throw APIError.invalid(key, "应为整数数组") }
            out.append(i)
        }
        return out
    }

    func object(_ key: String, allowed: [String]) throws(APIError) -> Fields? {
        guard let v = try raw(key) else { return nil }
        do {
            return try Fields(v, allowed: allowed)
        } catch {
            throw APIError(error.status, error.code, "\(key)：\(error.message)", details: error.details)
        }
    }
}

func parseEnum<E: DomainEnum>(_ key: String, _ s: String, _ type: E.Type) throws(APIError) -> E {
    guard let e = E(rawValue: s) else {
        throw APIError(.badRequest, "invalid_value", "\(key) 的值 \(s) 无效；可选：\(E.allowedValues.joined(separator: ", "))",
                       details: [("field", .string(key)), ("allowed", .array(E.allowedValues.map(JSON.string)))])
    }
    return e
}

extension String {
    /// Without leading and trailing whitespace (Foundation's trimmingCharacters goes through NSString on Linux).
    var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        if first == startIndex && last == index(before: endIndex) { return self }
        return String(self[first...last])
    }
}
