import Foundation

/// Header values as mail clients write them: RFC 2047 encoded words, parameters (RFC 2045 and RFC 2231),
/// addresses; and the text of a part, HTML reduced to text.
public enum MailText {
    // MARK: Encoded words (RFC 2047)

    /// Decodes `=?charset?B|Q?text?=` words anywhere in `s` (also inside quotes and next to other text, as
    /// Outlook and Foxmail write them). Whitespace between adjacent encoded words is dropped, and adjacent words of
    /// one charset are joined as bytes before decoding (a character split across two words survives). A word in
    /// an unknown charset stays as it is.
    public static func decodeEncodedWords(_ s: String) -> String {
        let b = Array(s.utf8)
        guard b.count >= 8, s.contains("=?") else { return s }
        var out = ""
        var literal: [UInt8] = []
        var pending: (charset: String, bytes: [UInt8])?
        var gap: [UInt8] = [] // whitespace after an encoded word, dropped if another word follows
        func flushPending() {
            if let p = pending { out += Charsets.decode(p.bytes, charset: p.charset) ?? String(decoding: p.bytes, as: UTF8.self) }
            pending = nil
        }
        func flushLiteral() {
            if !literal.isEmpty { out += Charsets.decodeGuessing(literal); literal = [] }
        }
        var i = 0
        while i < b.count {
            if b[i] == 61, i + 1 < b.count, b[i + 1] == 63, let (charset, bytes, end) = encodedWord(b, at: i),
               Charsets.iconvName(charset) != nil {
                if pending != nil && literal.isEmpty {
                    gap = [] // only whitespace since the last word
                } else {
                    flushPending(); literal += gap; gap = []; flushLiteral()
                }
                if let p = pending, Charsets.iconvName(p.charset) == Charsets.iconvName(charset) {
                    pending!.bytes += bytes
                } else {
                    flushPending()
                    pending = (charset, bytes)
                }
                i = end
                continue
            }
            if pending != nil, literal.isEmpty, b[i] == 32 || b[i] == 9 || b[i] == 13 || b[i] == 10 {
                gap.append(b[i]); i += 1; continue
            }
            if pending != nil { flushPending(); literal += gap; gap = [] }
            literal.append(b[i]); i += 1
        }
        flushPending(); literal += gap; flushLiteral()
        return out
    }

    /// The encoded word starting at `i`: its charset, its bytes and the index after it.
    static func encodedWord(_ b: [UInt8], at i: Int) -> (String, [UInt8], Int)? {
        var j = i + 2
        let csStart = j
        while j < b.count, b[j] != 63, b[j] > 32, j - csStart < 60 { j += 1 }
        guard j < b.count, b[j] == 63, j > csStart, j + 2 < b.count, b[j + 2] == 63 else { return nil }
        let charset = String(decoding: b[csStart..<j], as: UTF8.self)
        let enc = b[j + 1] | 0x20
        guard enc == 98 || enc == 113 else { return nil } // b, q
        let textStart = j + 3
        var k = textStart
        while k + 1 < b.count, !(b[k] == 63 && b[k + 1] == 61) {
            if b[k] <= 32 || b[k] >= 127 { return nil }
            k += 1
        }
        guard k + 1 < b.count else { return nil }
        let text = b[textStart..<k]
        let bytes = enc == 98 ? (Base64Mail.decode(text, strict: false) ?? []) : QuotedPrintable.decode(text, underscoreIsSpace: true)
        return (charset, bytes, k + 2)
    }

    // MARK: Parameters (RFC 2045, RFC 2231)

    /// "text/plain; charset=\"gbk\"; name*=utf-8''%E4%B8%AD" → ("text/plain", ["charset": "gbk", "name": "中"]).
    /// RFC 2231 continuations (name*0*, name*1) and charsets are joined and decoded; a plain value that holds
    /// RFC 2047 words (as Outlook and Foxmail send file names) is decoded too.
    public static func parseValueAndParameters(_ s: String) -> (String, [String: String]) {
        let chars = Array(s)
        var i = 0
        while i < chars.count, chars[i] != ";" { i += 1 }
        let value = String(chars[0..<i]).trimmingASCIIWhitespace()
        var raw: [(name: String, value: String)] = []
        while i < chars.count {
            while i < chars.count, chars[i] == ";" || chars[i].isWhitespace { i += 1 }
            let nameStart = i
            while i < chars.count, chars[i] != "=", chars[i] != ";" { i += 1 }
            let name = String(chars[nameStart..<i]).trimmingASCIIWhitespace().lowercased()
            guard i < chars.count, chars[i] == "=" else { continue }
            i += 1
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            var v = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    v.append(chars[i]); i += 1
                }
                i += 1
                while i < chars.count, chars[i] != ";" { i += 1 }
            } else {
                let start = i
                while i < chars.count, chars[i] != ";" { i += 1 }
                v = String(chars[start..<i]).trimmingASCIIWhitespace()
            }
            if !name.isEmpty { raw.append((name, v)) }
        }
        var plain: [String: String] = [:]
        var extended: [String: [(index: Int, encoded: Bool, value: String)]] = [:]
        for (name, v) in raw {
            if let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                let rest = name[name.index(after: star)...]
                if rest.isEmpty {
                    extended[base, default: []].append((0, true, v))
                } else {
                    let encoded = rest.hasSuffix("*")
                    guard let n = Int(encoded ? rest.dropLast() : rest), n >= 0, n < 1000 else { continue }
                    extended[base, default: []].append((n, encoded, v))
                }
            } else if plain[name] == nil {
                plain[name] = v
            }
        }
        var out: [String: String] = [:]
        for (k, v) in plain { out[k] = v.contains("=?") ? decodeEncodedWords(v) : v }
        for (base, segments) in extended {
            let sorted = segments.sorted { $0.index < $1.index }
            var charset: String?
            var bytes: [UInt8] = []
            for (n, seg) in sorted.enumerated() {
                var text = Substring(seg.value)
                if seg.encoded && n == 0 {
                    // charset'language'value
                    let parts = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if parts.count == 3 { charset = String(parts[0]); text = parts[2] }
                }
                bytes += seg.encoded ? percentDecode(text) : Array(text.utf8)
            }
            let decoded = charset.flatMap { $0.isEmpty ? nil : Charsets.decode(bytes, charset: $0) } ?? Charsets.decodeGuessing(bytes)
            out[base] = decoded
        }
        return (value, out)
    }

    static func percentDecode(_ s: Substring) -> [UInt8] {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == 37, i + 2 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v); i += 3
            } else {
                out.append(b[i]); i += 1
            }
        }
        return out
    }

    // MARK: Addresses (RFC 5322)

    /// The first mailbox of an address header: `"=?gbk?B?…?=" <a@b.cn>`, `张三 <a@b.cn>`, `a@b.cn (张三)`, `a@b.cn`.
    public static func firstAddress(_ header: String) -> MailAddress? {
        // The first address of a list: up to a comma outside quotes and angle brackets.
        var inQuote = false, inAngle = false, escaped = false
        var first = ""
        for ch in header {
            if escaped { first.append(ch); escaped = false; continue }
            if ch == "\\" && inQuote { escaped = true; first.append(ch); continue }
            if ch == "\"" { inQuote.toggle() } else if ch == "<" && !inQuote { inAngle = true } else if ch == ">" && !inQuote { inAngle = false }
            if ch == "," && !inQuote && !inAngle { break }
            first.append(ch)
        }
        var name: String?
        var address: String
        if let lt = first.lastIndex(of: "<"), let gt = first[lt...].firstIndex(of: ">") {
            address = String(first[first.index(after: lt)..<gt])
            name = String(first[..<lt])
        } else {
            var text = first
            if let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") {
                name = String(text[text.index(after: open)..<close])
                text.removeSubrange(open...close)
            }
            address = text
        }
        address = address.trimmingASCIIWhitespace()
        if address.lowercased().hasPrefix("mailto:") { address = String(address.dropFirst(7)) }
        guard address.contains("@"), address.utf8.count <= 254, !address.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) else {
            return nil
        }
        if var n = name?.trimmingASCIIWhitespace() {
            if n.hasPrefix("\""), n.hasSuffix("\""), n.count >= 2 {
                n = String(n.dropFirst().dropLast())
                var unescaped = "", esc = false
                for ch in n { if esc { unescaped.append(ch); esc = false } else if ch == "\\" { esc = true } else { unescaped.append(ch) } }
                n = unescaped
            }
            n = decodeEncodedWords(n).trimmingASCIIWhitespace()
            if n.hasPrefix("'"), n.hasSuffix("'"), n.count >= 2 { n = String(n.dropFirst().dropLast()) } // Outlook: 'Name'
            name = n.isEmpty || n.contains("@") ? nil : n
        }
        let at = address.lastIndex(of: "@")!
        let local = address[..<at], domain = address[address.index(after: at)...].lowercased()
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        return MailAddress(name: name, address: String(local) + "@" + domain)
    }

    // MARK: Text of a part

    /// The part's text in its charset (a missing charset: UTF-8 if valid, else GB18030; HTML also looks at its
    /// <meta charset>); line ends made "\n".
    public static func text(of part: MIMEPart) throws(MailError) -> String {
        var charset = part.parameters["charset"]
        if charset == nil, part.contentType == "text/html" { charset = htmlMetaCharset(part.body) }
        var s: String
        if let cs = charset, !cs.trimmingASCIIWhitespace().isEmpty {
            guard let t = Charsets.decode(part.body, charset: cs) else { throw .unknownCharset(cs) }
            s = t
        } else {
            s = Charsets.decodeGuessing(part.body)
        }
        if s.hasPrefix("\u{FEFF}") { s.removeFirst() }
        s = s.replacingAll("\r\n", with: "\n").replacingAll("\r", with: "\n").replacingAll("\0", with: "")
        return part.contentType == "text/html" ? htmlToText(s) : s
    }

    static func htmlMetaCharset(_ body: [UInt8]) -> String? {
        let head = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        guard let r = head.range(of: "charset=") else { return nil }
        var cs = ""
        for ch in head[r.upperBound...].drop(while: { $0 == "\"" || $0 == "'" }) {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "_" { cs.append(ch) } else { break }
        }
        return cs.isEmpty ? nil : cs
    }

    /// HTML reduced to its text: scripts, styles and comments dropped, block ends as line breaks, entities decoded,
    /// runs of blank lines collapsed.
    public static func htmlToText(_ html: String) -> String {
        var out = ""
        var i = html.startIndex
        let blockTags: Set<String> = ["p", "/p", "div", "/div", "tr", "/tr", "li", "/li", "h1", "h2", "h3", "h4", "/h1", "/h2",
                                      "/h3", "/h4", "blockquote", "/blockquote", "/table", "hr", "/ul", "/ol", "pre", "/pre"]
        while i < html.endIndex {
            let ch = html[i]
            if ch == "<" {
                let rest = html[i...]
                if rest.hasPrefix("<!--") {
                    i = rest.range(of: "-->").map(\.upperBound) ?? html.endIndex
                    continue
                }
                guard let close = rest.firstIndex(of: ">") else { break }
                let inner = html[html.index(after: i)..<close]
                let name = inner.prefix { !$0.isWhitespace && $0 != ">" && !($0 == "/" && inner.first != "/") }.lowercased()
                i = html.index(after: close)
                if ["script", "style", "head", "title"].contains(name) {
                    if let end = html[i...].range(of: "</\(name)", options: .caseInsensitive) {
                        i = html[end.upperBound...].firstIndex(of: ">").map { html.index(after: $0) } ?? html.endIndex
                    } else { i = html.endIndex }
                    continue
                }
                if name == "td" || name == "th" { out.append(" ") }
                if name == "br" { out.append("\n") } else if blockTags.contains(name), let last = out.last, last != "\n" { out.append("\n") }
                continue
            }
            if ch == "&", let semi = html[i...].prefix(12).firstIndex(of: ";") {
                let entity = html[html.index(after: i)..<semi]
                if let decoded = decodeEntity(entity) {
                    out.append(decoded)
                    i = html.index(after: semi)
                    continue
                }
            }
            out.append(ch == "\n" || ch == "\t" ? " " : ch)
            i = html.index(after: i)
        }
        // Spaces collapsed within lines, blank lines collapsed.
        var lines: [String] = []
        for line in out.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = ""
            var lastSpace = false
            for c in line {
                let space = c == " " || c == "\u{00A0}"
                if space { if !lastSpace { l.append(" ") }; lastSpace = true } else { l.append(c); lastSpace = false }
            }
            lines.append(l.trimmingASCIIWhitespace())
        }
        return collapseBlankLines(lines)
    }

    static func collapseBlankLines(_ lines: [String]) -> String {
        var out: [String] = []
        for l in lines {
            if l.isEmpty && (out.last?.isEmpty ?? true) { continue }
            out.append(l)
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out.joined(separator: "\n")
    }

    static func decodeEntity(_ e: Substring) -> String? {
        switch e.lowercased() {
        case "nbsp": return " "
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        case "ldquo": return "\u{201C}"
        case "rdquo": return "\u{201D}"
        case "hellip": return "\u{2026}"
        case "mdash": return "\u{2014}"
        default: break
        }
        if e.hasPrefix("#x") || e.hasPrefix("#X"), let v = UInt32(e.dropFirst(2), radix: 16), let u = Unicode.Scalar(v), v != 0 {
            return String(Character(u))
        }
        if e.hasPrefix("#"), let v = UInt32(e.dropFirst()), let u = Unicode.Scalar(v), v != 0 { return String(Character(u)) }
        return nil
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
