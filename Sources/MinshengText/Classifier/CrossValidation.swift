import Foundation

/// k-fold cross-validation with a documented, reproducible fold assignment (the scikit-learn baseline in
/// Benchmarks/baseline_sklearn.py reads the same folds from the file `minsheng train --folds-out` writes).
public enum CrossValidation {
    public struct ClassMetrics: Sendable {
        public var label: String
        public var support: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public struct Report: Sendable {
        public var perClass: [ClassMetrics]
        public var macroF1: Double
        public var accuracy: Double
        /// Out-of-fold prediction of every example, in input order.
        public var predictions: [String]
        public var folds: [Int]

        /// A Markdown table, one row per class, then macro-F1 and accuracy.
        public var table: String {
            var s = "| class | support | precision | recall | F1 |\n| --- | ---: | ---: | ---: | ---: |\n"
            for m in perClass {
                s += "| \(m.label) | \(m.support) | \(f3(m.precision)) | \(f3(m.recall)) | \(f3(m.f1)) |\n"
            }
            s += "| **macro** | \(perClass.reduce(0) { $0 + $1.support }) | \(f3(perClass.map(\.precision).reduce(0, +) / Double(perClass.count))) | \(f3(perClass.map(\.recall).reduce(0, +) / Double(perClass.count))) | **\(f3(macroF1))** |\n"
            s += "\naccuracy \(f3(accuracy)), macro-F1 \(f3(macroF1))\n"
            return s
        }
    }

    /// Stratified folds: for each label (in sorted order), the indices of its examples in input order are
    /// shuffled (Fisher–Yates driven by SplitMix64 seeded with `seed`, one generator for the whole pass), then the
    /// i-th of them goes to fold i mod `folds`.
    public static func assignFolds(labels: [String], folds: Int, seed: UInt64) -> [Int] {
        var out = [Int](repeating: 0, count: labels.count)
        var rng = SplitMix64(seed: seed)
        for label in Set(labels).sorted() {
            var idx = labels.indices.filter { labels[$0] == label }
            if idx.count > 1 {
                for i in stride(from: idx.count - 1, to: 0, by: -1) {
                    let j = rng.below(i + 1)
                    idx.swapAt(i, j)
                }
            }
            for (p, i) in idx.enumerated() { out[i] = p % folds }
        }
        return out
    }

    /// Trains on all folds but one and predicts that one, for each fold; metrics over all out-of-fold predictions.
    public static func run(_ examples: [LabeledText], options: TrainingOptions, folds: [Int]) throws -> Report {
        var options = options
        options.calibrate = false
        let k = (folds.max() ?? 0) + 1
        var predictions = [String](repeating: "", count: examples.count)
        for f in 0..<k {
            let train = examples.indices.filter { folds[$0] != f }.map { examples[$0] }
            let model = try TextClassifier.train(train, options: options)
            for i in examples.indices where folds[i] == f {
                predictions[i] = model.classify(title: examples[i].title, text: examples[i].text).label
            }
        }
        return evaluate(truth: examples.map(\.label), predicted: predictions, folds: folds)
    }

    public static func evaluate(truth: [String], predicted: [String], folds: [Int] = []) -> Report {
        let labels = Set(truth).sorted()
        var per: [ClassMetrics] = []
        for l in labels {
            var tp = 0, fp = 0, fn = 0
            for (t, p) in zip(truth, predicted) {
                if p == l && t == l { tp += 1 } else if p == l { fp += 1 } else if t == l { fn += 1 }
            }
            let p = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
            let r = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
            per.append(ClassMetrics(label: l, support: tp + fn, precision: p, recall: r, f1: p + r > 0 ? 2 * p * r / (p + r) : 0))
        }
        let acc = Double(zip(truth, predicted).filter { $0 == $1 }.count) / Double(max(truth.count, 1))
        return Report(perClass: per, macroF1: per.map(\.f1).reduce(0, +) / Double(max(per.count, 1)), accuracy: acc,
                      predictions: predicted, folds: folds)
    }
}

private func f3(_ x: Double) -> String { String(format: "%.3f", x) }

extension LabeledText {
    /// Rows of a CSV with a header naming at least `title` and `text` (`id` and `label` optional; a missing id
    /// becomes the row number). Text without a title is fine.
    public static func read(csv data: some Collection<UInt8>, requireLabel: Bool) throws -> [LabeledText] {
        let (_, rows) = try CSV.records(data, required: ["text"] + (requireLabel ? ["label"] : []))
        return rows.enumerated().map { n, r in
            LabeledText(id: r["id"] ?? String(n + 1), title: r["title"] ?? "", text: r["text"] ?? "", label: (r["label"] ?? "").trimmingCharacters(in: .whitespaces))
        }
    }
}
