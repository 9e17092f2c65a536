/// Turns Chinese and mixed text into search tokens without a dictionary.
///
/// CJK runs become overlapping character bigrams (路灯不亮 → 路灯 灯不 不亮), so any word of two characters or more
/// is found as a phrase of consecutive bigrams; Latin words and numbers stay whole, lowercased. Full-width ASCII
/// is folded to half width first, so ＡＢＣ１２３ and abc123 match.
public enum SearchTokens {
    /// Space-separated tokens for the full-text index. Works on Unicode scalars (CJK ideographs are single
    /// scalars) and writes straight into one string: registration runs this on every case.
    public static func indexText(_ parts: String...) -> String {
        var out = String.UnicodeScalarView()
        var prev: Unicode.Scalar?  // previous CJK scalar in the current run
        var runLength = 0
        var inWord = false
        func sep() { if !out.isEmpty { out.append(" ") } }
        for part in parts {
            for raw in part.unicodeScalars {
                let s = foldScalar(raw)
                if isCJKScalar(s) {
                    inWord = false
                    if let p = prev {
                        sep(); out.append(p); out.append(s)
                    }
                    prev = s
                    runLength += 1
                } else {
                    if runLength == 1, let p = prev { sep(); out.append(p) }
                    prev = nil
                    runLength = 0
                    if s.properties.isAlphabetic || s.properties.numericType != nil {
                        if !inWord { sep(); inWord = true }
                        for l in s.properties.lowercaseMapping.unicodeScalars { out.append(l) }
                    } else {
                        inWord = false
                    }
                }
            }
            if runLength == 1, let p = prev { sep(); out.append(p) }
            prev = nil
            runLength = 0
            inWord = false
        }
        return String(out)
    }

    static func foldScalar(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if s.value >= 0xFF01 && s.value <= 0xFF5E, let h = Unicode.Scalar(s.value - 0xFEE0) { return h }
        if s.value == 0x3000 { return " " }
        return s
    }

    static func isCJKScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return true
        default: return false
        }
    }

    /// A query term: a phrase of bigrams (or one word); `single` is a lone CJK character the bigram index cannot find.
    public enum Term: Equatable, Sendable {
        case phrase([String])
        case single(String)
    }

    public static func queryTerms(_ query: String) -> [Term] {
        var terms: [Term] = []
        for run in runs(of: query) {
            switch run {
            case let .cjk(chars):
                if chars.count == 1 {
                    terms.append(.single(String(chars[0])))
                } else {
                    terms.append(.phrase((0..<(chars.count - 1)).map { String([chars[$0], chars[$0 + 1]]) }))
                }
            case let .word(w):
                terms.append(.phrase([w]))
            }
        }
        return terms
    }

    /// An FTS5 MATCH expression requiring every term (phrases quoted, so no user text is read as syntax);
    /// nil when the query has no indexable term.
    public static func fts5Match(_ query: String) -> String? {
        let phrases = queryTerms(query).compactMap { term -> String? in
            guard case let .phrase(tokens) = term else { return nil }
            return "\"" + tokens.joined(separator: " ").replacingQuotes() + "\""
        }
        return phrases.isEmpty ? nil : phrases.joined(separator: " AND ")
    }

    enum Run { case cjk([Character]), word(String) }

    static func runs(of text: String) -> [Run] {
        var result: [Run] = []
        var cjk: [Character] = []
        var word = ""
        func flush() {
            if !cjk.isEmpty { result.append(.cjk(cjk)); cjk = [] }
            if !word.isEmpty { result.append(.word(word)); word = "" }
        }
        for ch in text {
            let c = fold(ch)
            if isCJK(c) {
                if !word.isEmpty { result.append(.word(word)); word = "" }
                cjk.append(c)
            } else if c.isLetter || c.isNumber {
                if !cjk.isEmpty { result.append(.cjk(cjk)); cjk = [] }
                word.append(contentsOf: c.lowercased())
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// Full-width ASCII (U+FF01–FF5E) to half width; ideographic space to space.
    static func fold(_ ch: Character) -> Character {
        guard let s = ch.unicodeScalars.first, ch.unicodeScalars.count == 1 else { return ch }
        if s.value >= 0xFF01 && s.value <= 0xFF5E, let h = Unicode.Scalar(s.value - 0xFEE0) { return Character(h) }
        if s.value == 0x3000 { return " " }
        return ch
    }

    static func isCJK(_ ch: Character) -> Bool {
        guard let s = ch.unicodeScalars.first else { return false }
        switch s.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return true
        default: return false
        }
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var s = ""
        for c in self { if c == "\"" { s += "\"\"" } else { s.append(c) } }
        return s
    }
}
