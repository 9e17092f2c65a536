import ArgumentParser
import Foundation
import MinshengText

/// `minsheng risk-scan`: runs the risk words over the real corpus (or prints the shipped list) so the list can be
/// tuned by reading what it finds.
struct RiskScan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk-scan",
        abstract: "Scan messages for risk words and print the matches in context, or print the shipped list.")

    @Option(help: "Directory with hotspot_messages.csv, replied_messages.csv, labeled_train.csv (default: ../shared/data/teddy2020 beside the repository).") var data: String?
    @Option(help: "Risk words file (default: the shipped list).") var words: String?
    @Option(help: "Characters of context shown on each side.") var context = 16
    @Flag(help: "Print the shipped risk words file and exit.") var printDefault = false

    func run() async throws {
        if printDefault { print(RiskLexicon.defaultText); return }
        var lexicon = RiskLexicon.shipped
        if let words {
            guard let s = try? String(contentsOfFile: words, encoding: .utf8) else { throw ValidationError("cannot read \(words)") }
            lexicon = try RiskLexicon(parsing: s)
        }
        let matcher = RiskMatcher(lexicon)
        let corpus = try CorpusMessage.readTeddy(directory: try corpusDirectory(data))
        var messagesWith: [String: Int] = [:], any = 0
        var byPhrase: [String: Int] = [:]
        let t0 = DispatchTime.now().uptimeNanoseconds
        var all: [(CorpusMessage, String, [RiskMatcher.Match])] = []
        var chars = 0
        for m in corpus {
            let text = m.title + "。" + m.text
            chars += text.count
            let found = matcher.matches(in: text)
            if !found.isEmpty { all.append((m, text, found)) }
        }
        let secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        for (m, text, found) in all {
            any += 1
            for c in Set(found.map(\.category)) { messagesWith[c, default: 0] += 1 }
            for f in found {
                byPhrase[f.category + " " + f.phrase, default: 0] += 1
                let lo = text.index(f.range.lowerBound, offsetBy: -context, limitedBy: text.startIndex) ?? text.startIndex
                let hi = text.index(f.range.upperBound, offsetBy: context, limitedBy: text.endIndex) ?? text.endIndex
                let snippet = String(text[lo..<f.range.lowerBound]) + "【" + String(text[f.range]) + "】" + String(text[f.range.upperBound..<hi])
                print("\(m.file):\(m.id)\t\(f.category)\t\(f.phrase)\t\(snippet.filter { !$0.isWhitespace })")
            }
        }
        print("\n\(corpus.count) messages, \(any) with a risk phrase; per category: " + lexicon.categories.map { "\($0.id) \(messagesWith[$0.id] ?? 0)" }.joined(separator: ", "))
        print("per phrase: " + byPhrase.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print(String(format: "scan: %.3f s for %d characters (%.0f MB/s of text, %.1f µs per message)", secs, chars, Double(chars) * 3 / secs / 1e6, secs * 1e6 / Double(corpus.count)))
    }
}
