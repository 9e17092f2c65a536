/// Internet mail as it really arrives (RFC 5322 and MIME: RFC 2045–2047, 2231): header unfolding, encoded words,
/// parameters, multipart bodies, base64 and quoted-printable, Chinese charsets. Pure functions over bytes; every
/// malformation either has a lenient reading that mail clients agree on or is a `MailError`, never a crash.
public enum MailError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case noHeaders
    case brokenBase64(part: String)
    case unknownCharset(String)
    case missingBoundary(part: String)
    case tooDeep
    case tooManyParts
    case empty

    public var description: String {
        switch self {
        case let .tooLarge(b, l): "邮件过大（\(b) 字节，上限 \(l) 字节） message too large (\(b) bytes, limit \(l))"
        case .noHeaders: "不是邮件：开头没有邮件头 not an RFC 5322 message: no header fields at the start"
        case let .brokenBase64(p): "base64 编码损坏（\(p)） broken base64 in \(p)"
        case let .unknownCharset(c): "未知字符集 \(c) unknown charset \(c)"
        case let .missingBoundary(p): "multipart 缺少边界（\(p)） multipart without its boundary (\(p))"
        case .tooDeep: "MIME 嵌套过深 MIME parts nested too deep"
        case .tooManyParts: "MIME 部分过多 too many MIME parts"
        case .empty: "邮件既无主题也无正文和附件 the message has no subject, no text and no attachment"
        }
    }
}

/// One header field: its name and its value, unfolded, still as the bytes that came.
public struct MailHeaderField: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]
}

public struct MailHeaders: Sendable, Equatable {
    public var fields: [MailHeaderField] = []

    /// The first field of that name (case-insensitive), as text (8-bit bytes read as UTF-8, else GB18030),
    /// encoded words not decoded, trimmed.
    public func raw(_ name: String) -> String? {
        let n = name.lowercased()
        guard let f = fields.first(where: { $0.name.lowercased() == n }) else { return nil }
        return Charsets.decodeGuessing(f.value).trimmingASCIIWhitespace()
    }

    /// An unstructured field (Subject) with its encoded words decoded.
    public func text(_ name: String) -> String? {
        raw(name).map(MailText.decodeEncodedWords)
    }
}

/// A MIME entity: the message itself or one of its parts.
public struct MIMEPart: Sendable {
    public var headers: MailHeaders
    /// "type/subtype", lower case; text/plain when absent or unreadable.
    public var contentType: String
    /// Content-Type parameters, names in lower case, RFC 2231 and RFC 2047 already decoded.
    public var parameters: [String: String]
    /// "attachment", "inline" or nil.
    public var disposition: String?
    public var dispositionParameters: [String: String]
    /// The content with its transfer encoding removed (leaves only).
    public var body: [UInt8]
    public var children: [MIMEPart]

    public var isMultipart: Bool { contentType.hasPrefix("multipart/") }
    /// The file name the sender gave: Content-Disposition's filename, else Content-Type's name.
    public var filename: String? {
        let n = dispositionParameters["filename"] ?? parameters["name"]
        guard let n, !n.trimmingASCIIWhitespace().isEmpty else { return nil }
        return n
    }
}

public struct MailAddress: Sendable, Equatable {
    public var name: String?
    public var address: String
}

public enum MIMEParser {
    public static let maxDepth = 12
    public static let maxParts = 200

    /// Parses a whole message. `label` names parts in errors ("1.2").
    public static func parse(_ bytes: [UInt8]) throws(MailError) -> MIMEPart {
        var start = 0
        // An mbox envelope line ("From sender date"), as some MTAs and procmail prepend it.
        if bytes.starts(with: Array("From ".utf8)) {
            start = (bytes.firstIndex(of: 10) ?? bytes.count - 1) + 1
        }
        let (headers, bodyStart, sawHeader) = splitHeaders(bytes[start...])
        guard sawHeader else { throw .noHeaders }
        var count = 0
        return try entity(headers: headers, body: bytes[bodyStart...], label: "message", depth: 0, count: &count)
    }

    /// Header fields up to the first empty line; the index where the body starts; whether any field was read.
    static func splitHeaders(_ data: ArraySlice<UInt8>) -> (MailHeaders, Int, Bool) {
        var headers = MailHeaders()
        var i = data.startIndex
        var sawHeader = false
        while i < data.endIndex {
            let nl = data[i...].firstIndex(of: 10) ?? data.endIndex
            var lineEnd = nl
            if lineEnd > i, data[lineEnd - 1] == 13 { lineEnd -= 1 }
            let next = nl < data.endIndex ? nl + 1 : data.endIndex
            if lineEnd == i { return (headers, next, sawHeader) } // the empty line
            let first = data[i]
            if first == 32 || first == 9 {
                // A continuation: unfolding removes the line break and keeps the whitespace.
                if !headers.fields.isEmpty { headers.fields[headers.fields.count - 1].value += data[i..<lineEnd] }
                else { return (headers, i, false) }
            } else if let colon = data[i..<lineEnd].firstIndex(of: 58), colon > i,
                      data[i..<colon].allSatisfy({ $0 > 32 && $0 < 127 }) {
                var v = colon + 1
                while v < lineEnd, data[v] == 32 || data[v] == 9 { v += 1 }
                headers.fields.append(MailHeaderField(name: String(decoding: data[i..<colon], as: UTF8.self), value: Array(data[v..<lineEnd])))
                sawHeader = true
            } else {
                // Not a header line and no empty line before it: the body starts here (a sloppy sender).
                return (headers, i, sawHeader)
            }
            i = next
        }
        return (headers, data.endIndex, sawHeader)
    }

    static func entity(headers: MailHeaders, body: ArraySlice<UInt8>, label: String, depth: Int, count: inout Int) throws(MailError) -> MIMEPart {
        count += 1
        guard count <= maxParts else { throw .tooManyParts }
        guard depth <= maxDepth else { throw .tooDeep }
        var type = "text/plain"
        var params: [String: String] = [:]
        if let ct = headers.raw("Content-Type") {
            let (value, p) = MailText.parseValueAndParameters(ct)
            let v = value.lowercased()
            if v.contains("/"), !v.contains(" ") { type = v }
            params = p
        }
        var disposition: String?
        var dparams: [String: String] = [:]
        if let cd = headers.raw("Content-Disposition") {
            let (value, p) = MailText.parseValueAndParameters(cd)
            disposition = value.lowercased().isEmpty ? nil : value.lowercased()
            dparams = p
        }
        var part = MIMEPart(headers: headers, contentType: type, parameters: params, disposition: disposition,
                            dispositionParameters: dparams, body: [], children: [])
        if type.hasPrefix("multipart/") {
            guard let boundary = params["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else { throw .missingBoundary(part: label) }
            guard let pieces = splitMultipart(body, boundary: Array(boundary.utf8)) else { throw .missingBoundary(part: label) }
            for (n, piece) in pieces.enumerated() {
                let (h, start, _) = splitHeaders(piece)
                let sub = label == "message" ? "part \(n + 1)" : "\(label).\(n + 1)"
                part.children.append(try entity(headers: h, body: piece[start...], label: sub, depth: depth + 1, count: &count))
            }
            return part
        }
        let cte = headers.raw("Content-Transfer-Encoding")?.lowercased() ?? "7bit"
        switch cte {
        case "base64":
            guard let b = Base64Mail.decode(body, strict: true) else { throw .brokenBase64(part: label) }
            part.body = b
        case "quoted-printable":
            part.body = QuotedPrintable.decode(body)
        default:
            part.body = Array(body) // 7bit, 8bit, binary (and unknown encodings, left as they are)
        }
        return part
    }

    /// The parts between the delimiter lines `--boundary`, up to `--boundary--` (or the end, when a sender forgot
    /// it); nil when no delimiter line is there at all.
    static func splitMultipart(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>]? {
        let delimiter: [UInt8] = [45, 45] + boundary
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var found = false
        var i = body.startIndex
        while i < body.endIndex {
            let nl = body[i...].firstIndex(of: 10) ?? body.endIndex
            if body[i] == 45, nl - i >= delimiter.count, body[i..<(i + delimiter.count)].elementsEqual(delimiter) {
                var after = i + delimiter.count
                let closing = after + 1 < nl && body[after] == 45 && body[after + 1] == 45
                if closing { after += 2 }
                if body[after..<nl].allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) {
                    if let s = partStart {
                        var end = i
                        if end > s, body[end - 1] == 10 { end -= 1; if end > s, body[end - 1] == 13 { end -= 1 } }
                        parts.append(body[s..<max(s, end)])
                    }
                    found = true
                    if closing { return parts }
                    partStart = nl < body.endIndex ? nl + 1 : body.endIndex
                }
            }
            i = nl < body.endIndex ? nl + 1 : body.endIndex
        }
        guard found else { return nil }
        if let s = partStart, s < body.endIndex { parts.append(body[s...]) }
        return parts
    }
}

/// base64 as mail carries it: line breaks and spaces ignored, padding optional.
public enum Base64Mail {
    static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    /// nil (strict) when a character outside the alphabet appears or a lone 6-bit group is left over; lenient skips them.
    public static func decode(_ data: some Collection<UInt8>, strict: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(data.count * 3 / 4)
        var acc: UInt32 = 0, bits = 0, groups = 0
        var padding = false
        for c in data {
            if c == 32 || c == 9 || c == 13 || c == 10 { continue }
            if c == 61 { padding = true; continue } // '='
            let v = table[Int(c)]
            if v < 0 { if strict { return nil } else { continue } }
            if padding {
                // Data after padding: concatenated encodings (some gateways do this); start a new quantum.
                if strict && groups % 4 == 1 { return nil }
                acc = 0; bits = 0; groups = 0; padding = false
            }
            acc = (acc << 6) | UInt32(v)
            bits += 6
            groups += 1
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        if strict && groups % 4 == 1 { return nil }
        return out
    }
}

public enum QuotedPrintable {
    /// Soft line breaks ("=" at a line's end) removed, "=XX" decoded, whitespace the transport added at line ends
    /// dropped; a stray "=" is kept as it is.
    public static func decode(_ data: some Collection<UInt8>, underscoreIsSpace: Bool = false) -> [UInt8] {
        let d = Array(data)
        var out: [UInt8] = []
        out.reserveCapacity(d.count)
        var trailingWS = 0
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: nil
            }
        }
        while i < d.count {
            let c = d[i]
            if c == 61 { // '='
                trailingWS = 0
                if i + 2 < d.count, let h = hex(d[i + 1]), let l = hex(d[i + 2]) {
                    out.append(h << 4 | l); i += 3; continue
                }
                // "=" then optional whitespace then the line end: a soft line break.
                var j = i + 1
                while j < d.count, d[j] == 32 || d[j] == 9 { j += 1 }
                if j >= d.count { i = j; continue }
                if d[j] == 10 { i = j + 1; continue }
                if d[j] == 13, j + 1 < d.count, d[j + 1] == 10 { i = j + 2; continue }
                if d[j] == 13 { i = j + 1; continue }
                out.append(c); i += 1; continue
            }
            if c == 10 || c == 13 {
                if trailingWS > 0 { out.removeLast(trailingWS); trailingWS = 0 }
                out.append(c); i += 1; continue
            }
            if c == 95 && underscoreIsSpace { out.append(32); trailingWS = 0; i += 1; continue }
            if c == 32 || c == 9 { trailingWS += 1 } else { trailingWS = 0 }
            out.append(c); i += 1
        }
        return out
    }
}
