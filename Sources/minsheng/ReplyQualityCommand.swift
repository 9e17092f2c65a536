import ArgumentParser
import Foundation
import MinshengText

/// `minsheng reply-quality`: scores each official reply of a CSV for relevance and completeness (who/what/when)
/// and prints the distribution and per-unit averages. See docs/reply-quality.md.
struct ReplyQualityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply-quality",
        abstract: "Score official replies (relevance to the message, completeness: who/what/when); write one row per reply.")

    @Option(help: "CSV with the message and its reply: 留言编号,留言主题,留言详情,答复意见 (replied_messages.csv) or id,title,text,reply.")
    var input: String
    @Option(help: "CSV to write: id,unit,place,consultation,relevance,who,what,when,completeness,score.") var output: String
    @Option(help: "Per-unit averages to write (grouping,unit,replies,mean score,mean relevance,mean completeness): by the unit the reply names and by the message's place; groups with fewer replies are pooled.")
    var unitsOutput: String?
    @Option(help: "Units with fewer replies are not listed separately.") var minReplies = 5

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
        let (header, rows) = try CSV.records(Array(data))
        func column(_ names: [String]) throws -> String {
            guard let c = names.first(where: header.contains) else { throw ValidationError("\(input): no column \(names.joined(separator: " or "))") }
            return c
        }
        let idC = try column(["留言编号", "id"]), titleC = try column(["留言主题", "title"])
        let textC = try column(["留言详情", "text"]), replyC = try column(["答复意见", "reply"])
        let t0 = Date()
        let scorer = ReplyScorer()
        let pairs = rows.map { (message: ($0[titleC] ?? "") + "\n" + ($0[textC] ?? ""), reply: $0[replyC] ?? "") }
        let scores = scorer.score(pairs: pairs)
        let units = pairs.map { scorer.unit(of: $0.reply) }
        var out: [[String]] = [["id", "unit", "place", "consultation", "relevance", "who", "what", "when", "completeness", "score"]]
        for (i, q) in scores.enumerated() {
            out.append([rows[i][idC] ?? "", units[i] ?? "", ReplyScorer.district(of: pairs[i].message) ?? "", q.consultation ? "1" : "0", f3(q.relevance), f3(q.who), f3(q.what), f3(q.when), f3(q.completeness), String(format: "%.1f", q.score)])
        }
        try Data(CSV.write(out).utf8).write(to: URL(fileURLWithPath: output))
        print("\(scores.count) replies scored in \(String(format: "%.2f", Date().timeIntervalSince(t0))) s → \(output)")

        let s = scores.map(\.score).sorted()
        func pct(_ p: Double) -> Double { s.isEmpty ? 0 : s[min(s.count - 1, Int(p * Double(s.count)))] }
        print("score: mean \(f1(mean(s))), p10 \(f1(pct(0.1))), p25 \(f1(pct(0.25))), median \(f1(pct(0.5))), p75 \(f1(pct(0.75))), p90 \(f1(pct(0.9)))")
        let rel = scores.map(\.relevance).sorted()
        print("relevance (cosine): mean \(f3(mean(rel))), p25 \(f3(rel.isEmpty ? 0 : rel[rel.count / 4])), median \(f3(rel.isEmpty ? 0 : rel[rel.count / 2])), p75 \(f3(rel.isEmpty ? 0 : rel[rel.count * 3 / 4]))")
        print("who named \(pctOf(scores.map(\.who))), action \(pctOf(scores.map { $0.what > 0 ? 1 : 0 })), two+ actions \(pctOf(scores.map { $0.what >= 1 ? 1 : 0 })), when \(pctOf(scores.map(\.when))), substance < \(ReplyScorer.minSubstance) chars \(pctOf(scores.map { $0.substance < ReplyScorer.minSubstance ? 1 : 0 })), consultations \(pctOf(scores.map { $0.consultation ? 1 : 0 }))")
        var hist = [Int](repeating: 0, count: 10)
        for v in s { hist[min(9, Int(v / 10))] += 1 }
        print("histogram (score bands of 10): " + hist.enumerated().map { "\($0 * 10)–\($0 * 10 + 10): \($1)" }.joined(separator: ", "))

        var unitRows: [[String]] = [["grouping", "unit", "replies", "mean_score", "mean_relevance", "mean_completeness"]]
        for (grouping, keys) in [("replying unit (named in the reply)", units.map { $0 ?? "(unit not named)" }),
                                 ("place of the message (district or city code)", pairs.map { ReplyScorer.district(of: $0.message) ?? "(no place)" })] {
            var byKey: [String: [ReplyQuality]] = [:]
            for (i, q) in scores.enumerated() { byKey[keys[i], default: []].append(q) }
            var pooled: [ReplyQuality] = []
            var table: [(String, [ReplyQuality])] = []
            for (u, qs) in byKey {
                if qs.count >= minReplies || u.hasPrefix("(") { table.append((u, qs)) } else { pooled += qs }
            }
            if !pooled.isEmpty { table.append(("(others, < \(minReplies) replies each)", pooled)) }
            table.sort { $0.1.count != $1.1.count ? $0.1.count > $1.1.count : $0.0 < $1.0 }
            print("\nBy \(grouping):\n\n| unit | replies | mean score | mean relevance | mean completeness |\n| --- | ---: | ---: | ---: | ---: |")
            for (u, qs) in table {
                let r = [u, String(qs.count), f1(mean(qs.map(\.score))), f3(mean(qs.map(\.relevance))), f3(mean(qs.map(\.completeness)))]
                unitRows.append([grouping] + r)
                print("| " + r.joined(separator: " | ") + " |")
            }
        }
        if let unitsOutput { try Data(CSV.write(unitRows).utf8).write(to: URL(fileURLWithPath: unitsOutput)) }
    }
}

private func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
private func f1(_ x: Double) -> String { String(format: "%.1f", x) }
private func f3(_ x: Double) -> String { String(format: "%.3f", x) }
private func pctOf(_ v: [Double]) -> String { String(format: "%.1f%%", 100 * mean(v)) }
