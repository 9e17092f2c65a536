import Foundation

/// Turns a group of messages into a `HotspotCluster`: counts, districts, units, categories, readable terms, the
/// medoid, first/last seen, growth against the previous window.
struct Describer {
    let messages: [HotspotMessage]
    let isCurrent: [Bool]
    let districts: [String?]
    let places: [PlaceExtractor.Place?]
    let vectors: BigramVectors
    let options: HotspotOptions

    /// Distinct authors (an unknown author counts as one person per message).
    func people(_ members: [Int]) -> Int {
        var named = Set<String>(), anonymous = 0
        for i in members { if let a = messages[i].author { named.insert(a) } else { anonymous += 1 } }
        return named.count + anonymous
    }

    static func counts(_ names: [String]) -> [HotspotCount] {
        var c: [String: Int] = [:]
        for s in names { c[s, default: 0] += 1 }
        return c.map { HotspotCount($0.key, $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
    }

    func describe(_ axis: HotspotAxis, members all: [Int], centroid: Centroid) -> HotspotCluster {
        let cur = all.filter { isCurrent[$0] }
        let prev = all.count - cur.count
        let size = cur.count
        let growth: Double? = prev == 0 ? nil : Double(size - prev) / Double(prev)
        let trend: HotspotTrend
        if prev == 0 { trend = .new } else if Double(size) >= 1.25 * Double(prev) { trend = .up } else if Double(size) <= 0.8 * Double(prev) { trend = .down } else { trend = .flat }
        let ds = Self.counts(cur.compactMap { districts[$0] })
        let cats = Self.counts(cur.compactMap { messages[$0].category })
        let placeCounts = Self.counts(cur.compactMap { places[$0]?.key })
        var place: String?
        if let top = placeCounts.first, axis == .place || top.count * 2 >= max(size, 1) {
            // The most frequent spelling of that place.
            place = Self.counts(cur.compactMap { i in places[i].flatMap { $0.key == top.name ? $0.name : nil } }).first?.name ?? top.name
        }
        // The medoid: the current member closest to the centroid.
        var best = cur.first ?? all[0], bestScore: Float = -1
        for i in cur {
            let s = centroid.dot(vectors.vectors[i])
            if s > bestScore { bestScore = s; best = i }
        }
        let times = cur.map { messages[$0].time }
        return HotspotCluster(
            axis: axis, size: size, people: people(cur), members: cur.map { messages[$0].id }, previousSize: prev,
            growth: growth, trend: trend, districts: ds, units: Self.counts(cur.compactMap { messages[$0].unit }),
            categories: cats, category: cats.first?.name, terms: terms(centroid, members: cur, exclude: place),
            place: place, firstSeen: times.min() ?? 0, lastSeen: times.max() ?? 0,
            representative: messages[best].id, representativeTitle: messages[best].title,
            systemic: axis == .topic && ds.count >= options.systemicDistricts,
            weight: cur.reduce(0) { $0 + messages[$1].weight })
    }

    /// Distinctive, readable terms: the centroid's heaviest bigrams, each grown a character at a time while most
    /// of the sampled messages that hold it continue it the same way (搅拌 → 搅拌站, 丽发 → 丽发新城), then trimmed of
    /// function characters at the ends; terms inside a longer one are left out.
    func terms(_ centroid: Centroid, members: [Int], exclude: String?) -> [String] {
        let top = centroid.weights.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(24)
            .map { key -> [UInt32] in let k = vectors.table.byID[Int(key.key)]; return [UInt32(k >> 21), UInt32(k & 0x1F_FFFF)] }
        guard !top.isEmpty else { return [] }
        // A sample of the members' normalised texts.
        let step = max(1, members.count / 24)
        let texts: [[UInt32]] = stride(from: 0, to: members.count, by: step).prefix(24).map { i in
            let m = messages[members[i]]
            var codes: [UInt32] = []
            TextNormalizer.append(m.title, to: &codes)
            codes.append(TextNormalizer.sep)
            TextNormalizer.append(String(m.text.prefix(400)), to: &codes)
            return codes
        }
        /// Where `t` first occurs in `s`, or nil.
        func find(_ t: [UInt32], in s: [UInt32]) -> Int? {
            guard t.count <= s.count, let f = t.first else { return nil }
            var i = 0
            while i + t.count <= s.count {
                if s[i] == f {
                    var k = 1
                    while k < t.count && s[i + k] == t[k] { k += 1 }
                    if k == t.count { return i }
                }
                i += 1
            }
            return nil
        }
        func grow(_ start: [UInt32]) -> [UInt32] {
            var term = start
            var short: [UInt32]? // the term at four characters, used when it would grow past the cap
            while true {
                if term.count == 4 { short = term }
                if term.count >= 10 { term = short ?? term; break }
                var next: [UInt32: Int] = [:], prev: [UInt32: Int] = [:]
                var support = 0
                for s in texts {
                    guard let at = find(term, in: s) else { continue }
                    support += 1
                    if at + term.count < s.count { next[s[at + term.count], default: 0] += 1 }
                    if at > 0 { prev[s[at - 1], default: 0] += 1 }
                }
                guard support > 0 else { break }
                let bestNext = next.max { ($0.value, $1.key) < ($1.value, $0.key) }
                let bestPrev = prev.max { ($0.value, $1.key) < ($1.value, $0.key) }
                let need = max(2, (support * 7 + 9) / 10)
                let okNext = bestNext.map { TextNormalizer.isCJK($0.key) && $0.value >= need } ?? false
                let okPrev = bestPrev.map { TextNormalizer.isCJK($0.key) && $0.value >= need && !Self.startStop.contains($0.key) } ?? false
                if okNext && (!okPrev || bestNext!.value >= bestPrev!.value) { term.append(bestNext!.key) }
                else if okPrev { term.insert(bestPrev!.key, at: 0) }
                else { break }
            }
            while term.count > 2, let f = term.first, Self.startStop.contains(f) { term.removeFirst() }
            while term.count > 2, let l = term.last, Self.endStop.contains(l) { term.removeLast() }
            return term
        }
        func text(_ codes: [UInt32]) -> String {
            var s = String.UnicodeScalarView()
            for c in codes { if let u = Unicode.Scalar(c) { s.append(u) } }
            return String(s)
        }
        var out: [[UInt32]] = []
        for b in top where out.count < options.termsPerCluster {
            guard !out.contains(where: { find(b, in: $0) != nil }) else { continue }
            let term = grow(b)
            // A term sharing a bigram with a chosen one repeats it (伊景园滨河苑, 景园滨河苑捆绑).
            let overlaps = out.contains { o in (0..<(term.count - 1)).contains { k in find([term[k], term[k + 1]], in: o) != nil } }
            guard term.count >= 2, !overlaps else { continue }
            out.append(term)
        }
        return out.map(text)
    }

    /// Characters a term does not start or end with (particles; 市/区/县 left over from "A市A3区…").
    static let startStop: Set<UInt32> = Set("的了在是和与及对把被将给向从为请于区市县省关".unicodeScalars.map(\.value))
    static let endStop: Set<UInt32> = Set("的了在是和与及对把被将给向从为请于".unicodeScalars.map(\.value))
}
