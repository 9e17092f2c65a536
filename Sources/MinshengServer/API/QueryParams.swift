import Hummingbird
import MinshengDomain

/// A request's query parameters, read once for every list and statistics endpoint: an unknown name is refused with
/// the known ones, and so is a value that is empty (`?order=`) or given twice — a mistake, never "all" or "the
/// first".
struct QueryParams {
    let values: [String: String]

    init(_ request: Request, known: [String]) throws {
        var v: [String: String] = [:]
        for (k, value) in request.uri.queryParameters {
            let key = String(k)
            guard known.contains(key) else {
                throw APIError(.badRequest, "unknown_parameter", "未知查询参数 \(key)；可用：\(known.sorted().joined(separator: ", "))",
                               details: [("field", .string(key)), ("allowed", .array(known.map(JSON.string)))])
            }
            // Whitespace only (`?owner=%0C`) is as empty as nothing: the schema's `\S` pattern says so.
            guard value.contains(where: { !$0.isWhitespace && $0 != "\u{FEFF}" }) else { throw APIError.invalid(key, "不能为空；不限时请省略此参数") }
            guard v[key] == nil else { throw APIError.invalid(key, "只能给一次") }
            v[key] = String(value)
        }
        values = v
    }

    func get(_ k: String) -> String? { values[k] }

    func int(_ k: String) throws -> Int64? {
        guard let v = values[k] else { return nil }
        guard let i = Int64(v) else { throw APIError.invalid(k, "应为整数") }
        return i
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = values[k] else { return nil }
        guard v == "true" || v == "false" else { throw APIError.invalid(k, "应为 true 或 false") }
        return v == "true"
    }

    func time(_ k: String) throws -> Instant? {
        guard let v = values[k] else { return nil }
        guard let i = Instant.parse(v) else { throw APIError.invalid(k, "应为日期 YYYY-MM-DD 或 ISO 8601 时间") }
        return i
    }

    func value<E: DomainEnum>(_ k: String, _ type: E.Type) throws -> E? {
        try values[k].map { try parseEnum(k, $0, type) }
    }
}
