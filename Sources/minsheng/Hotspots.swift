import ArgumentParser
import Foundation
import MinshengServer
import MinshengText

/// `minsheng hotspots`: clusters the messages of a Teddy-format hotspot file (留言编号, 留言用户, 留言主题, 留言时间,
/// 留言详情, 反对数, 点赞数) over the last `--window-days` days and prints topic and place hotspots; `--likes` adds the
/// comparison with the messages the public liked most; `--bench N` times N synthetic messages instead.
struct HotspotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotspots",
        abstract: "Hotspots (topics across places, places with many topics) of a message file, or a benchmark.")

    @Option(help: "Teddy hotspot CSV (default: hotspot_messages.csv in ../shared/data/teddy2020 beside the repository).") var input: String?
    @Option(help: "Window length in days, ending at --to (0: the whole file, no previous window).") var windowDays = 30
    @Option(help: "Last day of the window (YYYY-MM-DD, China time; default: the newest message's day).") var to: String?
    @Option(help: "Clusters printed per axis.") var top = 20
    @Flag(help: "Do not suggest categories with the shipped classifier (place hotspots need categories).") var noClassify = false
    @Flag(help: "Also rank clusters by likes and look up the most-liked messages.") var likes = false
    @Option(help: "Link similarity (cosine).") var link: Float = HotspotOptions().linkSimilarity
    @Option(help: "Centroid similarity for merging.") var centroid: Float = HotspotOptions().centroidSimilarity
    @Option(help: "Benchmark: cluster this many synthetic messages (recombined real sentences) instead.") var bench: Int?
    @Option(help: "Benchmark: this many synthetic messages in the previous window too.") var benchPrevious = 0
    @Option(help: "Worker threads (default: all cores).") var threads: Int?

    func options() -> HotspotOptions {
        var o = HotspotOptions()
        o.linkSimilarity = link
        o.centroidSimilarity = centroid
        if let threads { o.threads = max(1, threads) }
        return o
    }

    func run() async throws {
        guard let input = input ?? SharedData.teddyDirectory().map({ $0 + "/hotspot_messages.csv" }) else {
            throw ValidationError(SharedData.notFound)
        }
        guard let data = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
        let (rows, skipped) = try TeddyHotspotFile.read(data)
        if let bench { return try runBench(rows.map(\.message), count: bench) }
        guard !rows.isEmpty else { print("no messages in \(input)"); return }
        print("\(rows.count) messages read from \(input)\(skipped > 0 ? ", \(skipped) with an unreadable time skipped" : "")")
        var messages = rows.map(\.message)
        if !noClassify, let classifier = try shippedClassifier() {
            for i in messages.indices { messages[i].category = classifier.classify(title: messages[i].title, text: messages[i].text).label }
        }
        let end: Int64
        if let to {
            guard let t = TeddyHotspotFile.parseTime(to) else { throw ValidationError("--to must be a date YYYY-MM-DD") }
            end = t + 86_400
        } else {
            let newest = messages.map(\.time).max()!
            end = ((newest + 8 * 3600) / 86_400 + 1) * 86_400 - 8 * 3600 // the end of the newest message's day
        }
        let current: [HotspotMessage], previous: [HotspotMessage]
        if windowDays <= 0 {
            current = messages; previous = []
        } else {
            let w = Int64(windowDays) * 86_400
            current = messages.filter { $0.time >= end - w && $0.time < end }
            previous = messages.filter { $0.time >= end - 2 * w && $0.time < end - w }
        }
        var o = options()
        o.maxClusters = max(top, likes ? 200 : top)
        let t0 = Date()
        let report = Hotspots.analyze(current, previous: previous, options: o)
        let secs = Date().timeIntervalSince(t0)
        print(windowDays <= 0 ? "window: the whole file" : "window: \(day(end - Int64(windowDays) * 86_400)) to \(day(end - 1)) (\(windowDays) days); previous window \(previous.count) messages")
        print(String(format: "%d messages → %d linked pairs, %d groups of ≥ 2; %.2f s (%@)", report.messages, report.links, report.groups, secs,
                     report.timings.map { String(format: "%@ %.2f", $0.phase, $0.seconds) }.joined(separator: ", ")))
        print("\n== Topic hotspots (ranked by distinct users, then size) ==")
        for (i, c) in report.topics.prefix(top).enumerated() { print(describe(c, rank: i + 1)) }
        print("\n== Place hotspots (≥ \(o.minPlaceCases) messages, ≥ \(o.minPlaceCategories) categories) ==")
        for (i, c) in report.places.prefix(top).enumerated() { print(describe(c, rank: i + 1)) }
        if likes { compareWithLikes(rows, report: report) }
    }

    func day(_ t: Int64) -> String {
        let d = (t + 8 * 3600) / 86_400
        // Civil date from days (Howard Hinnant).
        let z = d + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let dd = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, dd)
    }

    func describe(_ c: HotspotCluster, rank: Int) -> String {
        let trend: String
        switch c.trend {
        case .new: trend = "new"
        case .up, .down, .flat: trend = "\(c.trend.rawValue) (previous \(c.previousSize))"
        }
        var s = "\(rank). [\(c.size) msgs, \(c.people) users, \(c.weight) likes] \(c.terms.joined(separator: " / "))"
        if let p = c.place { s += "\n   place: \(p)" }
        s += "\n   districts: \(c.districts.isEmpty ? "—" : c.districts.map { "\($0.name)×\($0.count)" }.joined(separator: ", "))"
        if c.systemic { s += "  SYSTEMIC" }
        if !c.categories.isEmpty { s += "\n   categories: " + c.categories.prefix(4).map { "\($0.name)×\($0.count)" }.joined(separator: ", ") }
        s += "\n   \(day(c.firstSeen)) – \(day(c.lastSeen)), trend \(trend)"
        s += "\n   representative #\(c.representative): \(c.representativeTitle)"
        return s
    }

    /// Clusters ranked by total likes, and the most-liked messages: which cluster (if any) holds each.
    func compareWithLikes(_ rows: [TeddyHotspotFile.Row], report: HotspotReport) {
        print("\n== Topic clusters by total likes ==")
        let byLikes = report.topics.enumerated().sorted { $0.element.weight > $1.element.weight }
        for (i, c) in byLikes.prefix(top) {
            print("  \(c.weight) likes — topic #\(i + 1) [\(c.size) msgs, \(c.people) users] \(c.terms.prefix(4).joined(separator: " / ")) — \(c.representativeTitle)")
        }
        var topicOf: [Int64: Int] = [:], placeOf: [Int64: Int] = [:]
        for (i, c) in report.topics.enumerated() { for m in c.members { topicOf[m] = i + 1 } }
        for (i, c) in report.places.enumerated() { for m in c.members { placeOf[m] = i + 1 } }
        print("\n== The 20 most-liked messages ==")
        for r in rows.sorted(by: { $0.likes > $1.likes }).prefix(20) {
            let t = topicOf[r.message.id].map { "topic #\($0)" } ?? "no topic"
            let p = placeOf[r.message.id].map { "place #\($0)" } ?? "no place"
            print("  \(r.likes) likes, \(r.dislikes) dislikes — \(t), \(p) — \(r.message.title)")
        }
    }

    /// N synthetic messages: each takes a real message's title (with a random district code) and one to three of
    /// its sentences, plus two to five sentences of other messages, at a random time in the window.
    func runBench(_ corpus: [HotspotMessage], count: Int) throws {
        guard !corpus.isEmpty else { throw ValidationError("no messages to recombine") }
        let sentences: [[String]] = corpus.map { m in
            var out: [String] = [], cur = ""
            for ch in m.text where !ch.isWhitespace {
                cur.append(ch)
                if "。！？!?；;".contains(ch) { if cur.count >= 4 { out.append(cur) }; cur = "" }
            }
            if cur.count >= 4 { out.append(cur) }
            return out.isEmpty ? [m.title] : out
        }
        var rng = SplitMix(state: 2026)
        let districts = ["A1区", "A2区", "A3区", "A4区", "A5区", "A6区", "A7县", "A8县", "A9市"]
        let window: Int64 = 30 * 86_400, end: Int64 = 1_795_000_000
        func make(_ n: Int, from: Int64) -> [HotspotMessage] {
            (0..<n).map { i in
                let k = Int(rng.next() % UInt64(corpus.count))
                let own = sentences[k]
                var body = ""
                for _ in 0..<(1 + Int(rng.next() % 3)) { body += own[Int(rng.next() % UInt64(own.count))] }
                for _ in 0..<(2 + Int(rng.next() % 4)) {
                    let o = sentences[Int(rng.next() % UInt64(sentences.count))]
                    body += o[Int(rng.next() % UInt64(o.count))]
                }
                let d = districts[Int(rng.next() % UInt64(districts.count))]
                return HotspotMessage(id: Int64(i), title: "A市" + d + corpus[k].title, text: body,
                                      time: from + Int64(rng.next() % UInt64(window)), author: "u\(rng.next() % 1_000_000)")
            }
        }
        let current = make(count, from: end - window)
        let previous = make(benchPrevious, from: end - 2 * window)
        let chars = (current + previous).reduce(0) { $0 + $1.title.count + $1.text.count }
        print("\(count) synthetic messages (+\(benchPrevious) in the previous window), \(chars / max(1, count + benchPrevious)) characters each on average; \(options().threads) threads")
        let rss0 = residentBytes()
        let t0 = Date()
        let report = Hotspots.analyze(current, previous: previous, options: options())
        let secs = Date().timeIntervalSince(t0)
        print(String(format: "clustered in %.2f s: %@", secs, report.timings.map { String(format: "%@ %.2f s", $0.phase, $0.seconds) }.joined(separator: ", ")))
        print("\(report.links) linked pairs, \(report.groups) groups of ≥ 2, \(report.topics.count) topic and \(report.places.count) place clusters described; largest topic \(report.topics.first?.size ?? 0)")
        print(String(format: "resident memory %.0f MB (before: %.0f MB)", Double(residentBytes()) / 1e6, Double(rss0) / 1e6))
    }
}

/// The corpus folder a command reads: the one given, or ../shared/data/teddy2020 found beside the repository.
func corpusDirectory(_ given: String?) throws -> String {
    if let given { return given }
    guard let dir = SharedData.teddyDirectory() else { throw ValidationError(SharedData.notFound) }
    return dir
}
