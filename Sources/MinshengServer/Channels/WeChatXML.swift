import Foundation

/// WeChat's message XML, read and written by hand (README "WeChat"). WeChat pushes flat documents —
/// `<xml><ToUserName><![CDATA[gh_…]]></ToUserName><CreateTime>1700000000</CreateTime>…</xml>` — so a small strict
/// reader is enough and safer than a general XML library: it knows no DTD and no entity but the five predefined
/// ones and character references, so nothing can make it fetch, expand or recurse. Anything else is refused.
enum WeChatXML {
    /// Largest document accepted (WeChat's messages are a few hundred bytes; an encrypted one about 4/3 of that).
    static let maxBytes = 64 * 1024
    /// Elements nest at most this deep below `<xml>` (a few events carry one level of structure).
    static let maxDepth = 4

    struct Malformed: Error, Equatable, CustomStringConvertible {
        var reason: String
        var description: String { reason }
        init(_ reason: String) { self.reason = reason }
    }

    /// The text fields of a document, by element name (the first occurrence wins; elements with children are
    /// containers and have no value of their own).
    static func parse(_ bytes: [UInt8]) throws(Malformed) -> [String: String] {
        guard bytes.count <= maxBytes else { throw Malformed("文档超过 \(maxBytes / 1024) KB") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed("不是 UTF-8 文本") }
        var r = Reader(Array(text.unicodeScalars))
        return try r.document()
    }

    static func parse(_ text: String) throws(Malformed) -> [String: String] { try parse(Array(text.utf8)) }

    private struct Reader {
        let s: [Unicode.Scalar]
        var i = 0
        var fields: [String: String] = [:]
        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { i >= s.count }

        func peek(_ literal: String) -> Bool {
            var j = i
            for c in literal.unicodeScalars {
                guard j < s.count, s[j] == c else { return false }
                j += 1
            }
            return true
        }

        mutating func expect(_ literal: String) throws(Malformed) {
            guard peek(literal) else { throw Malformed("此处应为 \(literal)（第 \(i) 个字符）") }
            i += literal.unicodeScalars.count
        }

        mutating func skipSpace() {
            while i < s.count, [0x20, 0x09, 0x0D, 0x0A].contains(s[i].value) { i += 1 }
        }

        mutating func document() throws(Malformed) -> [String: String] {
            if i < s.count, s[i] == "\u{FEFF}" { i += 1 } // a byte-order mark
            skipSpace()
            // The declaration is "<?xml" and a space (<?xml-stylesheet …?> is a processing instruction, refused below).
            if peek("<?xml ") || peek("<?xml\t") || peek("<?xml\r") || peek("<?xml\n") {
                // Read up to "?>", nothing in it matters.
                while !atEnd, !peek("?>") { i += 1 }
                try expect("?>")
                skipSpace()
            }
            // No DTD, no processing instruction, no comment before the root: WeChat never sends them.
            guard peek("<xml>") else {
                if peek("<?") { throw Malformed("不接受处理指令") }
                if peek("<!") { throw Malformed("不接受 DOCTYPE、ENTITY 或注释") }
                throw Malformed("根元素应为 <xml>")
            }
            try element(depth: 0)
            skipSpace()
            guard atEnd else { throw Malformed("根元素之后还有内容") }
            return fields
        }

        mutating func name() throws(Malformed) -> String {
            let start = i
            loop: while i < s.count {
                switch s[i].value {
                case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x5F, 0x2D, 0x2E: break // a-z A-Z 0-9 _ - .
                default: break loop
                }
                i += 1
            }
            guard i > start, i - start <= 64, !(0x30...0x39).contains(s[start].value) else { throw Malformed("元素名无效") }
            return String(String.UnicodeScalarView(s[start..<i]))
        }

        /// `<Name>` content `</Name>`; records the text of leaf elements.
        mutating func element(depth: Int) throws(Malformed) {
            guard depth <= WeChatXML.maxDepth else { throw Malformed("嵌套过深") }
            try expect("<")
            let tag = try name()
            skipSpace()
            guard peek(">") else { throw Malformed("元素 \(tag) 不应有属性") }
            i += 1
            var text = String.UnicodeScalarView()
            var hasChildren = false
            while true {
                guard !atEnd else { throw Malformed("元素 \(tag) 未闭合") }
                if peek("<![CDATA[") {
                    i += 9
                    while !peek("]]>") {
                        guard !atEnd else { throw Malformed("CDATA 未闭合") }
                        text.append(s[i]); i += 1
                    }
                    i += 3
                } else if peek("</") {
                    i += 2
                    let end = try name()
                    skipSpace()
                    try expect(">")
                    guard end == tag else { throw Malformed("</\(end)> 与 <\(tag)> 不匹配") }
                    break
                } else if peek("<!") || peek("<?") {
                    throw Malformed("不接受 DOCTYPE、ENTITY、注释或处理指令")
                } else if peek("<") {
                    hasChildren = true
                    try element(depth: depth + 1)
                } else if s[i] == "&" {
                    text.append(try reference())
                } else if s[i] == ">" && i >= 2 && s[i - 1] == "]" && s[i - 2] == "]" {
                    throw Malformed("文本中不能出现 ]]>")
                } else {
                    text.append(s[i]); i += 1
                }
            }
            if depth > 0, !hasChildren, fields[tag] == nil { fields[tag] = String(text) }
        }

        /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#…;` `&#x…;`; any other entity is refused (none is declared).
        mutating func reference() throws(Malformed) -> Unicode.Scalar {
            i += 1
            let start = i
            while i < s.count, s[i] != ";", i - start < 12 { i += 1 }
            guard i < s.count, s[i] == ";" else { throw Malformed("实体引用未结束") }
            let body = String(String.UnicodeScalarView(s[start..<i]))
            i += 1
            switch body {
            case "lt": return "<"
            case "gt": return ">"
            case "amp": return "&"
            case "quot": return "\""
            case "apos": return "'"
            default:
                var v: UInt32?
                if body.hasPrefix("#x") || body.hasPrefix("#X") { v = UInt32(body.dropFirst(2), radix: 16) }
                else if body.hasPrefix("#") { v = UInt32(body.dropFirst(), radix: 10) }
                guard let v, v != 0, let scalar = Unicode.Scalar(v) else { throw Malformed("不接受实体 &\(body);") }
                return scalar
            }
        }
    }

    // MARK: Writing

    /// A flat `<xml>` document; each value in CDATA (a "]]>" inside is split across two sections), or as a plain
    /// number when `number` says so (CreateTime, TimeStamp).
    static func document(_ fields: [(name: String, value: String, number: Bool)]) -> String {
        var out = "<xml>"
        for f in fields {
            out += "<\(f.name)>"
            if f.number, !f.value.isEmpty, f.value.allSatisfy(\.isASCII), f.value.allSatisfy(\.isNumber) {
                out += f.value
            } else {
                out += "<![CDATA[" + f.value.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") + "]]>"
            }
            out += "</\(f.name)>"
        }
        return out + "</xml>"
    }
}
