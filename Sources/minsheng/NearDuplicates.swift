import ArgumentParser
import Foundation
import MinshengText

/// `minsheng dup-eval`: precision and recall of the near-duplicate index on the labelled pairs of the real corpus.
struct DupEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dup-eval",
        abstract: "Score the near-duplicate index against hand-labelled pairs of real messages (docs/near-duplicate-pairs.csv).")

    @Option(help: "Directory with hotspot_messages.csv, replied_messages.csv, labeled_train.csv (default: ../shared/data/teddy2020 beside the repository).") var data: String?
    @Option(help: "Labelled pairs.") var pairs = "docs/near-duplicate-pairs.csv"
    @Option(help: "LSH bands.") var bands = NearDuplicateOptions().bands
    @Option(help: "Rows (MinHash values) per band.") var rows = NearDuplicateOptions().rows
    @Option(help: "Shingle length in characters (1–3).") var shingle = 3
    @Option(parsing: .upToNextOption, help: "Similarity thresholds to score.") var thresholds: [Double] = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7]

    func run() async throws {
        let messages = try CorpusMessage.readTeddy(directory: try corpusDirectory(data))
        guard let pairData = FileManager.default.contents(atPath: pairs) else { throw ValidationError("cannot read \(pairs)") }
        let eval = try NearDuplicateEvaluation(pairsCSV: pairData)
        var o = NearDuplicateOptions()
        o.bands = bands; o.rows = rows; o.shingleLength = shingle
        print("\(messages.count) messages, \(eval.pairs.count) labelled pairs; \(bands) bands × \(rows) rows, \(shingle)-shingles")
        let t0 = Date()
        let results = eval.run(messages, options: o, thresholds: thresholds)
        print(String(format: "indexed and queried in %.2f s", Date().timeIntervalSince(t0)))
        for r in results {
            print(r)
            print("    recall by exact Jaccard: " + r.sameByJaccard.map { String(format: "≥%.1f %d/%d", $0.lo, $0.found, $0.total) }.joined(separator: ", "))
        }
    }
}

/// `minsheng bench-dup`: builds the index over N synthetic messages recombined from the real corpus and times
/// query+insert per case (hashing included).
struct BenchDup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-dup",
        abstract: "Time near-duplicate query+insert per case with N synthetic messages indexed (release build).")

    @Option(help: "Cases to index.") var cases = 1_000_000
    @Option(help: "Directory with the real messages the synthetic ones are recombined from (default: ../shared/data/teddy2020).") var data: String?
    @Option(help: "Share of cases that are edited copies of a recent case.") var copyRate = 0.05
    @Option(help: "Also write the index here and time reading it back.") var save: String?
    @Option(help: "Random seed.") var seed: UInt64 = 12345

    func run() async throws {
        let corpus = try CorpusMessage.readTeddy(directory: try corpusDirectory(data))
        guard !corpus.isEmpty else { throw ValidationError("no messages in \(data ?? SharedData.teddyRelative)") }
        let gen = SyntheticMessages(corpus: corpus, seed: seed, copyRate: copyRate)
        print("\(corpus.count) real messages → \(gen.sentences.count) distinct sentences, \(gen.titles.count) titles; \(cases) synthetic cases, \(Int(copyRate * 100))% edited copies")
        let index = NearDuplicateIndex()
        var latencies = [Float](repeating: 0, count: cases)
        var cpu = [Float](repeating: 0, count: cases) // thread CPU time: excludes time the scheduler gave to others
        var gen2 = gen
        var matchedCases = 0, matches = 0, chars = 0
        let rss0 = residentBytes()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for i in 0..<cases {
            let (title, text) = gen2.next()
            chars += title.count + text.count
            let c0 = threadCPUNanoseconds()
            let a = DispatchTime.now().uptimeNanoseconds
            let found = index.queryAndAdd(id: Int64(i), title: title, text: text)
            latencies[i] = Float(DispatchTime.now().uptimeNanoseconds - a) / 1000
            cpu[i] = Float(threadCPUNanoseconds() - c0) / 1000
            if !found.isEmpty { matchedCases += 1; matches += found.count }
            if (i + 1) % 200_000 == 0 {
                let s = Array(latencies[(i + 1 - 200_000)...i]).sorted()
                print(String(format: "  %7d cases: p50 %.1f µs, p99 %.1f µs, max %.0f µs over the last 200k; index %.0f MB",
                             i + 1, s[s.count / 2], s[s.count * 99 / 100], s.last!, Double(index.memoryBytes) / 1e6))
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let all = latencies.sorted()
        let tail = Array(latencies[(cases - min(cases, 100_000))...]).sorted()
        let cpuAll = cpu.sorted()
        print(String(format: "thread CPU time per case: p50 %.1f µs, p90 %.1f µs, p99 %.1f µs, p99.9 %.1f µs, max %.0f µs",
                     cpuAll[cases / 2], cpuAll[cases * 9 / 10], cpuAll[cases * 99 / 100], cpuAll[cases * 999 / 1000], cpuAll.last!))
        print(String(format: "all %d cases: p50 %.1f µs, p90 %.1f µs, p99 %.1f µs, p99.9 %.1f µs, max %.0f µs, mean %.1f µs",
                     cases, all[cases / 2], all[cases * 9 / 10], all[cases * 99 / 100], all[cases * 999 / 1000], all.last!, all.reduce(0, +) / Float(cases)))
        print(String(format: "last %d cases (index %d–%d): p50 %.1f µs, p99 %.1f µs", tail.count, cases - tail.count, cases, tail[tail.count / 2], tail[tail.count * 99 / 100]))
        print(String(format: "wall %.1f s including generation; mean message %.0f characters; %d cases (%.1f%%) had near-duplicates (%d matches)",
                     wall, Double(chars) / Double(cases), matchedCases, 100 * Double(matchedCases) / Double(cases), matches))
        print(String(format: "index arrays %.0f MB; process resident %.0f MB (%.0f MB before indexing)",
                     Double(index.memoryBytes) / 1e6, Double(residentBytes()) / 1e6, Double(rss0) / 1e6))
        if let save {
            let t1 = Date()
            let bytes = index.serialized()
            try Data(bytes).write(to: URL(fileURLWithPath: save))
            let t2 = Date()
            let back = try NearDuplicateIndex(serialized: try Data(contentsOf: URL(fileURLWithPath: save)))
            print(String(format: "serialised %.0f MB in %.2f s; read back and rebuilt %d cases in %.2f s",
                         Double(bytes.count) / 1e6, t2.timeIntervalSince(t1), back.count, Date().timeIntervalSince(t2)))
        }
    }
}

func threadCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// Resident set size from /proc (Linux); 0 elsewhere.
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let f = s.split(separator: " ")
    return f.count > 1 ? (Int(f[1]) ?? 0) * 4096 : 0
}

/// Realistic messages that are not trivially identical: a real title (sometimes with a changed place or number) and
/// 2–9 sentences drawn from all real bodies. A share of the cases are edited copies of one of the last 2,000
/// cases (a sentence dropped or swapped, a few characters changed), as people repost.
struct SyntheticMessages {
    let sentences: [String]
    let titles: [String]
    let copyRate: Double
    var rng: SplitMix
    var recent: [(title: Int, body: [Int32], edit: UInt64)] = []
    var nextSlot = 0

    init(corpus: [CorpusMessage], seed: UInt64, copyRate: Double) {
        var seen = Set<String>()
        var sents: [String] = []
        for m in corpus {
            var cur = ""
            for ch in m.text where !ch.isWhitespace {
                cur.append(ch)
                if "。！？!?；;".contains(ch) {
                    if cur.count >= 6, seen.insert(cur).inserted { sents.append(cur) }
                    cur = ""
                }
            }
            if cur.count >= 6, seen.insert(cur).inserted { sents.append(cur) }
        }
        sentences = sents
        titles = Array(Set(corpus.map(\.title).filter { !$0.isEmpty })).sorted()
        self.copyRate = copyRate
        rng = SplitMix(state: seed)
    }

    mutating func next() -> (String, String) {
        if !recent.isEmpty && Double(rng.next() % 10_000) / 10_000 < copyRate {
            let src = recent[Int(rng.next() % UInt64(recent.count))]
            var body = src.body
            switch rng.next() % 3 {
            case 0 where body.count > 2: body.remove(at: Int(rng.next() % UInt64(body.count)))
            case 1: body[Int(rng.next() % UInt64(body.count))] = Int32(rng.next() % UInt64(sentences.count))
            default: break
            }
            return render(title: src.title, body: body, edit: rng.next())
        }
        let n = 2 + Int(rng.next() % 8)
        let body = (0..<n).map { _ in Int32(rng.next() % UInt64(sentences.count)) }
        let t = Int(rng.next() % UInt64(titles.count))
        let edit = rng.next()
        if recent.count < 2_000 { recent.append((t, body, edit)) } else { recent[nextSlot] = (t, body, edit); nextSlot = (nextSlot + 1) % 2_000 }
        return render(title: t, body: body, edit: edit)
    }

    /// Title plus sentences; `edit` changes a few characters (a number, a place letter) so copies are not exact.
    func render(title: Int, body: [Int32], edit: UInt64) -> (String, String) {
        var text = ""
        for s in body { text += sentences[Int(s)] }
        var t = titles[title]
        let places = ["A1区", "A2区", "A3区", "A4区", "A5区", "A6区", "A7县", "B市", "C市"]
        t = places[Int(edit % UInt64(places.count))] + t
        text = String(edit % 1000) + "号，" + text + "联系电话13\(String(edit % 1_000_000_000))"
        return (t, text)
    }
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
