import Foundation

/// One message of the public test corpus (docs/intelligence.md): which file it came from, its id there, title, text.
public struct CorpusMessage: Sendable, Equatable {
    public var file: String
    public var id: String
    public var title: String
    public var text: String
    public init(file: String, id: String, title: String, text: String) {
        self.file = file; self.id = id; self.title = title; self.text = text
    }

    /// Reads the three Teddy Cup 2020 files of `directory` (hotspot_messages.csv, replied_messages.csv,
    /// labeled_train.csv), in that order; files that are missing are skipped.
    public static func readTeddy(directory: String) throws -> [CorpusMessage] {
        var out: [CorpusMessage] = []
        let specs: [(file: String, name: String, id: String, title: String, text: String)] = [
            ("hotspot_messages.csv", "hotspot", "留言编号", "留言主题", "留言详情"),
            ("replied_messages.csv", "replied", "留言编号", "留言主题", "留言详情"),
            ("labeled_train.csv", "labeled", "id", "title", "text"),
        ]
        for s in specs {
            guard let data = FileManager.default.contents(atPath: directory + "/" + s.file) else { continue }
            let (_, rows) = try CSV.records(data, required: [s.id, s.title, s.text])
            for (n, r) in rows.enumerated() {
                // Most rows of labeled_train.csv have no id: those are named by their data row, "#1" first.
                let id = (r[s.id] ?? "").trimmingCharacters(in: .whitespaces)
                out.append(CorpusMessage(file: s.name, id: id.isEmpty ? "#\(n + 1)" : id, title: r[s.title] ?? "", text: r[s.text] ?? ""))
            }
        }
        return out
    }
}

/// Precision and recall of the near-duplicate index against hand-labelled pairs (docs/near-duplicate-pairs.csv).
///
/// The pair file holds every pair of corpus messages whose exact Jaccard similarity of character 3-shingles is
/// at least 0.2 (stratum `all`), plus a random sample of 60 of the 990 pairs between 0.1 and 0.2 (stratum
/// `sample`), each judged by reading: `same` (the same matter: a repost, an edited copy, or a rewrite about the
/// same place and problem), `template` (nearly the same words about a different place or object), `different`.
public struct NearDuplicateEvaluation: Sendable {
    public struct LabelledPair: Sendable, Hashable {
        public var a: String   // "file:id"
        public var b: String
        public var jaccard: Double
        public var sampled: Bool
        public var label: String
    }

    public struct Result: Sendable, CustomStringConvertible {
        public var threshold: Double
        /// Distinct unordered pairs the index reported over the whole corpus.
        public var reported = 0
        public var reportedSame = 0
        public var reportedTemplate = 0
        public var reportedDifferent = 0
        /// Reported pairs that are not in the labelled set (exact Jaccard below 0.2 and not sampled).
        public var reportedUnlabelled = 0
        public var sameInPool = 0        // `same` pairs with exact Jaccard ≥ 0.2
        public var foundInPool = 0
        public var sameByJaccard: [(lo: Double, total: Int, found: Int)] = []

        /// Reported pairs judged the same matter, over all reported pairs (unlabelled ones count as wrong).
        public var precision: Double { reported == 0 ? 1 : Double(reportedSame) / Double(reported) }
        /// Same-matter pairs found, over those with exact Jaccard ≥ 0.2.
        public var recall: Double { sameInPool == 0 ? 0 : Double(foundInPool) / Double(sameInPool) }

        public var description: String {
            String(format: "threshold %.2f: %d pairs reported (%d same, %d template, %d different, %d unlabelled); precision %.3f, recall %.3f (%d of %d same-matter pairs with J ≥ 0.2)",
                   threshold, reported, reportedSame, reportedTemplate, reportedDifferent, reportedUnlabelled, precision, recall, foundInPool, sameInPool)
        }
    }

    public let pairs: [LabelledPair]

    public init(pairsCSV data: some Collection<UInt8>) throws {
        let (_, rows) = try CSV.records(data, required: ["file_a", "id_a", "file_b", "id_b", "jaccard3", "stratum", "label"])
        pairs = rows.map { r in
            LabelledPair(a: (r["file_a"] ?? "") + ":" + (r["id_a"] ?? ""), b: (r["file_b"] ?? "") + ":" + (r["id_b"] ?? ""),
                         jaccard: Double(r["jaccard3"] ?? "") ?? 0, sampled: r["stratum"] == "sample", label: r["label"] ?? "")
        }
    }

    static func key(_ a: String, _ b: String) -> String { a < b ? a + "|" + b : b + "|" + a }

    /// Adds every message to a fresh index in corpus order (query, then add) and scores the reported pairs at each
    /// threshold (the index is queried at the lowest one and the matches are filtered for the others).
    public func run(_ messages: [CorpusMessage], options: NearDuplicateOptions, thresholds: [Double]) -> [Result] {
        let index = NearDuplicateIndex(options: options)
        let low = thresholds.min() ?? options.threshold
        var found: [String: Double] = [:] // pair key → best similarity reported
        var keyOfId: [Int64: String] = [:]
        for (i, m) in messages.enumerated() {
            let me = m.file + ":" + m.id
            keyOfId[Int64(i)] = me
            for match in index.queryAndAdd(id: Int64(i), title: m.title, text: m.text, threshold: low, limit: 100_000) {
                guard let other = keyOfId[match.id], other != me else { continue }
                let k = Self.key(me, other)
                found[k] = max(found[k] ?? 0, match.similarity)
            }
        }
        var labels: [String: LabelledPair] = [:]
        for p in pairs { labels[Self.key(p.a, p.b)] = p }
        return thresholds.map { t in
            var r = Result(threshold: t)
            var bins: [(lo: Double, total: Int, found: Int)] = [(0.2, 0, 0), (0.3, 0, 0), (0.4, 0, 0), (0.5, 0, 0), (0.6, 0, 0), (0.7, 0, 0), (0.8, 0, 0), (0.9, 0, 0)]
            for (k, s) in found where s >= t {
                r.reported += 1
                switch labels[k]?.label {
                case "same": r.reportedSame += 1
                case "template": r.reportedTemplate += 1
                case "different": r.reportedDifferent += 1
                default: r.reportedUnlabelled += 1
                }
            }
            for p in pairs where !p.sampled && p.label == "same" {
                let hit = (found[Self.key(p.a, p.b)] ?? 0) >= t
                r.sameInPool += 1
                if hit { r.foundInPool += 1 }
                if let b = bins.lastIndex(where: { p.jaccard >= $0.lo }) {
                    bins[b].total += 1
                    if hit { bins[b].found += 1 }
                }
            }
            r.sameByJaccard = bins
            return r
        }
    }
}
