import Foundation

/// Finds the risk phrases of a `RiskLexicon` in a text: one Aho–Corasick pass over the folded Unicode scalars
/// finds every phrase and exclusion at once; matches covered by an exclusion of their category (or of `[*]`) are
/// dropped. Immutable after init, so one matcher is shared by all threads.
public struct RiskMatcher: Sendable {
    public struct Match: Sendable, Equatable {
        public var category: String
        public var categoryName: String
        /// The phrase as written in the lexicon.
        public var phrase: String
        /// Where it was found in the text given to `matches(in:)`.
        public var range: Range<String.Index>
        /// Offset of the first character of the match, in Unicode scalars (stable across languages, for clients).
        public var scalarOffset: Int
    }

    struct Pattern: Sendable {
        var category: Int   // index into categories; −1 for [*]
        var exclusion: Bool
        var text: String
        var length: Int     // folded scalars
    }

    public let lexicon: RiskLexicon
    let patterns: [Pattern]
    /// Trie edges keyed by state << 21 | scalar.
    let goto: [UInt64: Int32]
    let fail: [Int32]
    /// Patterns ending at each state (its own), and the next state on the fail chain that has outputs (−1: none).
    let outputs: [[Int32]]
    let outputLink: [Int32]

    public init(_ lexicon: RiskLexicon = .shipped) {
        self.lexicon = lexicon
        var pats: [Pattern] = []
        for (ci, c) in lexicon.categories.enumerated() {
            for p in c.phrases { pats.append(Pattern(category: ci, exclusion: false, text: p, length: 0)) }
            for p in c.exclusions { pats.append(Pattern(category: ci, exclusion: true, text: p, length: 0)) }
        }
        for p in lexicon.globalExclusions { pats.append(Pattern(category: -1, exclusion: true, text: p, length: 0)) }
        var goto: [UInt64: Int32] = [:]
        var outputs: [[Int32]] = [[]]
        var children: [[(UInt32, Int32)]] = [[]]
        for (pi, p) in pats.enumerated() {
            let scalars = Self.fold(p.text)
            pats[pi].length = scalars.count
            var s: Int32 = 0
            for v in scalars {
                let key = UInt64(s) << 21 | UInt64(v)
                if let t = goto[key] { s = t; continue }
                let t = Int32(outputs.count)
                outputs.append([]); children.append([])
                goto[key] = t
                children[Int(s)].append((v, t))
                s = t
            }
            outputs[Int(s)].append(Int32(pi))
        }
        // Breadth-first fail links.
        var fail = [Int32](repeating: 0, count: outputs.count)
        var outputLink = [Int32](repeating: -1, count: outputs.count)
        var queue: [Int32] = children[0].map(\.1)
        var head = 0
        while head < queue.count {
            let s = queue[head]; head += 1
            for (v, t) in children[Int(s)] {
                queue.append(t)
                var f = fail[Int(s)]
                var target: Int32 = 0
                while true {
                    if let n = goto[UInt64(f) << 21 | UInt64(v)], n != t { target = n; break }
                    if f == 0 { break }
                    f = fail[Int(f)]
                }
                fail[Int(t)] = target
                outputLink[Int(t)] = outputs[Int(target)].isEmpty ? outputLink[Int(target)] : target
            }
        }
        self.patterns = pats
        self.goto = goto
        self.fail = fail
        self.outputs = outputs
        self.outputLink = outputLink
    }

    /// Every risk phrase in `text` not covered by an exclusion, in text order (overlapping phrases of one category
    /// are all reported; the longest first at equal start).
    public func matches(in text: String) -> [Match] {
        // Folded scalars with the index of the original scalar each came from.
        var starts: [String.Index] = []
        var hits: [(pattern: Int, end: Int)] = [] // end: folded position (exclusive)
        var state: Int32 = 0
        var pos = 0
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let v = Self.foldScalar(scalars[i])
            if v == 0 { i = scalars.index(after: i); continue } // whitespace: skipped
            starts.append(i)
            pos += 1
            while true {
                if let t = goto[UInt64(state) << 21 | UInt64(v)] { state = t; break }
                if state == 0 { break }
                state = fail[Int(state)]
            }
            var o = outputs[Int(state)].isEmpty ? outputLink[Int(state)] : state
            while o >= 0 {
                for p in outputs[Int(o)] { hits.append((Int(p), pos)) }
                o = outputLink[Int(o)]
            }
            i = scalars.index(after: i)
        }
        guard !hits.isEmpty else { return [] }
        var exclusions: [(category: Int, from: Int, to: Int)] = []
        for h in hits where patterns[h.pattern].exclusion {
            exclusions.append((patterns[h.pattern].category, h.end - patterns[h.pattern].length, h.end))
        }
        var out: [(from: Int, len: Int, m: Match)] = []
        for h in hits where !patterns[h.pattern].exclusion {
            let p = patterns[h.pattern]
            let from = h.end - p.length
            if exclusions.contains(where: { ($0.category == p.category || $0.category == -1) && $0.from <= from && $0.to >= h.end }) { continue }
            let lo = starts[from]
            let hi = h.end < starts.count ? starts[h.end] : text.unicodeScalars.endIndex
            let c = lexicon.categories[p.category]
            out.append((from, p.length, Match(category: c.id, categoryName: c.name, phrase: p.text, range: lo..<hi,
                                              scalarOffset: text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: lo))))
        }
        out.sort { $0.from < $1.from || ($0.from == $1.from && $0.len > $1.len) }
        return out.map(\.m)
    }

    /// The categories present, in lexicon order (what the server needs to raise a case).
    public func categories(in text: String) -> [String] {
        let found = Set(matches(in: text).map(\.category))
        return lexicon.categories.map(\.id).filter(found.contains)
    }

    // MARK: - Folding

    /// Full width → half width, traditional → simplified (frequent characters), Latin lowercase; whitespace → 0.
    @inline(__always)
    static func foldScalar(_ s: Unicode.Scalar) -> UInt32 {
        var v = s.value
        if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }
        if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D || v == 0x3000 || v == 0xA0 { return 0 }
        if v >= 0x41 && v <= 0x5A { return v + 0x20 }
        if v >= 0x4E00 && v <= 0x9FFF { return TextNormalizer.t2sTable[Int(v - 0x4E00)] }
        return v
    }

    static func fold(_ text: String) -> [UInt32] {
        text.unicodeScalars.map(foldScalar).filter { $0 != 0 }
    }
}
