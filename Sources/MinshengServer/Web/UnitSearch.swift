import Foundation
import MinshengDomain
import Synchronization

/// Finds units by name or by the initials of their pinyin (渝中区生态环境局 ← "yzsthj"), for the dispatcher's picker.
/// 22,000 names scan in about a millisecond; the index is built on first use and whenever the tree grew.
final class UnitSearch: Sendable {
    struct Hit { var id: UnitID; var name: String; var path: String }
    struct Entry { var id: UnitID; var name: String; var initials: String; var depth: Int }

    let platform: Platform
    private let index = Mutex<(count: Int, entries: [Entry])>((0, []))

    init(platform: Platform) { self.platform = platform }

    static let initials: [Character: Character] = {
        let url = Bundle.module.bundleURL.appendingPathComponent("Resources/pinyin-initials.txt")
        var table: [Character: Character] = [:]
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return table }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let letter = line.first, line.count > 2 else { continue }
            for ch in line.dropFirst(2) { table[ch] = letter }
        }
        return table
    }()

    static func initials(of name: String) -> String {
        String(name.compactMap { ch -> Character? in
            if let l = initials[ch] { return l }
            return ch.isASCII && (ch.isLetter || ch.isNumber) ? Character(ch.lowercased()) : nil
        })
    }

    private func entries() -> [Entry] {
        // Rebuilt when the tree changes (a unit added, renamed or moved: `Platform.unitsVersion`).
        let version = platform.unitsVersion
        if let cached = index.withLock({ $0.count == version ? $0.entries : nil }) { return cached }
        let all = platform.allUnits()
        let built = all.map { u in Entry(id: u.id, name: u.name, initials: Self.initials(of: u.name), depth: u.level.depth) }
        index.withLock { $0 = (version, built) }
        return built
    }

    /// Units whose name contains `query` (or whose initials start with or contain it, for Latin letters),
    /// within `root`'s subtree when given; shortest and highest first.
    func search(_ query: String, within root: UnitID?, limit: Int) -> [Hit] {
        let q = query.trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty else { return [] }
        let latin = q.allSatisfy { $0.isASCII }
        let lq = q.lowercased()
        var hits: [(Entry, Int)] = []
        for e in entries() {
            var score: Int?
            if e.name.contains(q) { score = e.name.hasPrefix(q) ? 0 : 1 }
            else if latin && e.initials.hasPrefix(lq) { score = 2 }
            else if latin && lq.count >= 2 && e.initials.contains(lq) { score = 3 }
            else if latin && lq.count >= 3 && Self.isSubsequence(lq, of: e.initials) { score = 4 } // yzsthj → yzqsthjj
            guard let s = score else { continue }
            if let root, !platform.isWithin(e.id, root: root) { continue }
            hits.append((e, s))
        }
        hits.sort { ($0.1, $0.0.depth, $0.0.name.count, $0.0.id) < ($1.1, $1.0.depth, $1.0.name.count, $1.0.id) }
        return hits.prefix(limit).map { e, _ in Hit(id: e.id, name: e.name, path: path(of: e.id)) }
    }

    static func isSubsequence(_ q: String, of s: String) -> Bool {
        var it = q.makeIterator()
        var want = it.next()
        for ch in s where ch == want { want = it.next(); if want == nil { return true } }
        return want == nil
    }

    /// 重庆市 › 渝中区 › 渝中区生态环境局
    func path(of id: UnitID) -> String {
        var names: [String] = []
        var cur: UnitID? = id
        while let c = cur, let u = platform.unit(c), names.count < 8 { names.insert(u.name, at: 0); cur = u.parentID }
        return names.joined(separator: " › ")
    }
}
