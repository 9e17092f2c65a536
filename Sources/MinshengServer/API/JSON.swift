import Hummingbird
import MinshengDomain
import MinshengStore

/// A JSON value: requests are parsed into it (so fields can be checked one by one with clear errors)
/// and responses are built from it.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSON? {
        if case let .object(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? { if case let .string(s) = self { return s }; return nil }
    public var int: Int64? {
        if case let .number(d) = self, d.rounded() == d, abs(d) < 9.0e15 { return Int64(d) }
        return nil
    }

    // MARK: Building

    public static func int<I: BinaryInteger>(_ v: I) -> JSON { .number(Double(v)) }
    public static func opt(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
    public static func opt<I: BinaryInteger>(_ v: I?) -> JSON { v.map { .number(Double($0)) } ?? .null }
    public static func time(_ i: Instant?) -> JSON { i.map { .string($0.description) } ?? .null }
    public static func value<E: DomainEnum>(_ e: E?) -> JSON { e.map { .string($0.rawValue) } ?? .null }

    // MARK: Serialising

    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(2048)
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(d):
            if d.rounded() == d && abs(d) < 9.0e15 { out += String(Int64(d)) } else { out += String(d) }
        case let .string(s): JSON.escape(s, into: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out += "," }
                JSON.escape(k, into: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        JSONText.escape(s, into: &out, html: true)
    }

    // MARK: Parsing

    /// Parses a request body; a malformed document is an `APIError.badJSON` naming the byte offset.
    public static func parse(_ bytes: [UInt8]) throws(APIError) -> JSON {
        var p = JSONParser(bytes: bytes)
        do {
            p.skipSpace()
            let v = try p.value(depth: 0)
            p.skipSpace()
            guard p.i == bytes.count else { throw JSONParser.Failure(offset: p.i) }
            return v
        } catch let f as JSONParser.Failure {
            throw APIError.badJSON("请求体不是合法的 JSON（第 \(f.offset) 字节附近）")
        } catch {
            throw APIError.badJSON("请求体不是合法的 JSON")
        }
    }
}

/// A strict RFC 8259 parser (no comments, no trailing commas), depth-limited.
struct JSONParser {
    struct Failure: Error { var offset: Int }
    let bytes: [UInt8]
    var i = 0

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws -> JSON {
        guard depth < 64, i < bytes.count else { throw Failure(offset: i) }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(String, JSON)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw Failure(offset: i) }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw Failure(offset: i) }
                i += 1
                skipSpace()
                let v = try value(depth: depth + 1)
                if pairs.contains(where: { $0.0 == key }) { throw Failure(offset: i) } // duplicate keys are ambiguous
                pairs.append((key, v))
                skipSpace()
                guard i < bytes.count else { throw Failure(offset: i) }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                throw Failure(offset: i)
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSON] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw Failure(offset: i) }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw Failure(offset: i)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return .number(try number())
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw Failure(offset: i) }
        i += w.count
    }

    mutating func number() throws -> Double {
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1; digits += 1 }
        guard digits > 0 else { throw Failure(offset: start) }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var frac = 0
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1; frac += 1 }
            guard frac > 0 else { throw Failure(offset: i) }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            var exp = 0
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1; exp += 1 }
            guard exp > 0 else { throw Failure(offset: i) }
        }
        guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw Failure(offset: start) }
        return d
    }

    mutating func string() throws -> String {
        i += 1 // opening quote
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw Failure(offset: i) }
                return s
            }
            if b < 0x20 { throw Failure(offset: i) }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { throw Failure(offset: i) }
                switch bytes[i] {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\"), bytes[i + 2] == UInt8(ascii: "u") else { throw Failure(offset: i) }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Failure(offset: i) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Failure(offset: i) }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw Failure(offset: i)
                }
                i += 1
                continue
            }
            out.append(b)
            i += 1
        }
        throw Failure(offset: i)
    }

    /// Reads the 4 hex digits after `\u`; leaves `i` on the last one.
    mutating func hex4() throws -> UInt32 {
        guard i + 4 < bytes.count else { throw Failure(offset: i) }
        var v: UInt32 = 0
        for k in 1...4 {
            let c = bytes[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw Failure(offset: i + k)
            }
            v = v * 16 + d
        }
        i += 4
        return v
    }
}

extension JSON: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSON.response(self, status: .ok)
    }

    static func response(_ json: JSON, status: HTTPResponse.Status) -> Response {
        Response(status: status,
                 headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: json.serialized())))
    }
}

/// A response with a status other than 200.
public struct JSONResponse: ResponseGenerator {
    public var status: HTTPResponse.Status
    public var json: JSON
    public var headers: HTTPFields = [:]
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var r = JSON.response(json, status: status)
        for h in headers { r.headers.append(h) }
        return r
    }
}
