/// Validation and masking of citizens' personal data (DESIGN.md "Privacy"): plain functions, no I/O.
public enum Contact {
    public enum Problem: Error, Equatable, Sendable {
        case badPhone, badIDNumber

        public var message: String {
            switch self {
            case .badPhone: "应为11位手机号（如 13800001234）或带区号的固定电话（如 023-63881234）"
            case .badIDNumber: "应为18位居民身份证号码，校验位不符或出生日期无效"
            }
        }
    }

    /// A phone number in canonical digits: a mainland mobile (1[3-9] + 9 digits, an optional +86/0086/86 prefix
    /// dropped) or a landline with its area code (0 + 2–3 digits, then 7–8 digits; an extension is dropped).
    /// Spaces, dashes and brackets are allowed; anything else is refused.
    public static func normalizedPhone(_ raw: String) throws(Problem) -> String {
        var digits: [UInt8] = []
        var sawPlus = false
        for b in raw.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(b)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            case UInt8(ascii: "+") where digits.isEmpty && !sawPlus: sawPlus = true
            default: throw .badPhone
            }
        }
        var s = String(decoding: digits, as: UTF8.self)
        if s.hasPrefix("0086") { s.removeFirst(4) } else if s.hasPrefix("86") && s.count == 13 { s.removeFirst(2) }
        else if sawPlus { throw .badPhone }
        let d = Array(s.utf8)
        if d.count == 11, d[0] == UInt8(ascii: "1"), (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(d[1]) { return s }
        // Landline: 0 + area code (2 or 3 digits) + 7–8 digits: 10 to 12 digits in all.
        if d.first == UInt8(ascii: "0"), (10...12).contains(d.count), d[1] != UInt8(ascii: "0") { return s }
        throw .badPhone
    }

    public static func isMobile(_ canonical: String) -> Bool { canonical.utf8.count == 11 && canonical.hasPrefix("1") }

    /// An 18-digit resident ID number (GB 11643): region, a real birth date, sequence, and the ISO 7064 MOD 11-2
    /// check character (0–9 or X). Returns it with an upper-case X.
    public static func normalizedIDNumber(_ raw: String) throws(Problem) -> String {
        let s = raw.filter { $0 != " " }.uppercased()
        let c = Array(s.utf8)
        guard c.count == 18 else { throw .badIDNumber }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for i in 0..<17 {
            guard (48...57).contains(c[i]) else { throw .badIDNumber }
            sum += Int(c[i] - 48) * weights[i]
        }
        let check = Array("10X98765432".utf8)[sum % 11]
        guard c[17] == check else { throw .badIDNumber }
        func num(_ r: Range<Int>) -> Int { c[r].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let (y, m, d) = (num(6..<10), num(10..<12), num(12..<14))
        guard (1900...2100).contains(y), (1...12).contains(m), d >= 1, d <= Day.daysIn(month: m, year: y) else { throw .badIDNumber }
        return s
    }

    /// 张三 → 张*, 欧阳娜娜 → 欧***; an empty name stays empty.
    public static func maskName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    /// 13800001234 → 138****1234; a landline keeps its area code and last four digits.
    public static func maskPhone(_ phone: String) -> String {
        let c = Array(phone)
        guard c.count > 7 else { return String(repeating: "*", count: c.count) }
        let head = isMobile(phone) ? 3 : (phone.hasPrefix("01") || phone.hasPrefix("02") ? 3 : 4)
        return String(c[0..<head]) + String(repeating: "*", count: c.count - head - 4) + String(c[(c.count - 4)...])
    }

    /// 500103199001011234 → 500103********1234 (region kept, birth date hidden).
    public static func maskIDNumber(_ id: String) -> String {
        let c = Array(id)
        guard c.count == 18 else { return String(repeating: "*", count: c.count) }
        return String(c[0..<6]) + String(repeating: "*", count: 8) + String(c[14...])
    }
}

extension String {
    /// Plain substring replacement, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        let t = Array(target)
        var i = startIndex
        while i < endIndex {
            var j = i, k = 0
            while k < t.count, j < endIndex, self[j] == t[k] { j = index(after: j); k += 1 }
            if k == t.count { return i..<j }
            i = index(after: i)
        }
        return nil
    }
}
