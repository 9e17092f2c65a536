import ArgumentParser
import Foundation
import MinshengText

/// `minsheng train`: fits the category classifier on a labelled CSV (id, title, text, label) and writes the model
/// file; with `--folds k` it first prints k-fold cross-validation (per class, macro-F1, accuracy) and throughput.
struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the message classifier on a labelled CSV (id,title,text,label) and write the model file.")

    @Option(help: "Labelled CSV (columns id, title, text, label).") var input: String
    @Option(help: "Model file to write.") var output: String
    @Option(help: "Also run k-fold cross-validation first and print per-class metrics (0: skip).") var folds = 0
    @Option(help: "Write the fold of each row (row,id,fold) here, for Benchmarks/baseline_sklearn.py.") var foldsOut: String?
    @Option(help: "Seed of the fold assignment.") var foldSeed: UInt64 = 2026
    @Option(help: "Model: svm-nb (linear SVM + NBSVM, default), svm, logreg or cnb.") var model = "svm-nb"
    @Option(help: "Inverse regularisation (svm, logreg).") var c: Double = 1
    @Option(help: "Shortest character n-gram.") var minN = 1
    @Option(help: "Longest character n-gram.") var maxN = 2
    @Option(help: "log2 of the hash buckets.") var hashBits = 18
    @Option(help: "Weight of the title features.") var titleWeight: Float = 1
    @Option(help: "Drop n-grams seen in fewer training messages.") var minDF = 2
    @Flag(help: "Term frequency 1 + ln(tf) instead of tf.") var sublinearTF = false
    @Flag(help: "Do not reweigh classes by their inverse frequency.") var unbalanced = false

    func options() throws -> TrainingOptions {
        var o = TrainingOptions()
        guard let m = ClassifierModel(rawValue: model) else { throw ValidationError("--model must be svm-nb, svm, logreg or cnb") }
        o.model = m
        o.c = c
        o.features.minN = minN
        o.features.maxN = maxN
        o.features.hashBits = hashBits
        o.features.titleWeight = titleWeight
        o.minDF = minDF
        o.features.sublinearTF = sublinearTF
        o.balanced = !unbalanced
        return o
    }

    func run() async throws {
        let examples = try readExamples(input, requireLabel: true).filter { !$0.label.isEmpty }
        let opts = try options()
        print("\(examples.count) labelled messages, \(Set(examples.map(\.label)).count) classes; model \(opts.model.rawValue), C \(opts.c), n-grams \(opts.features.minN)–\(opts.features.maxN), 2^\(opts.features.hashBits) buckets, title weight \(opts.features.titleWeight), minDF \(opts.minDF), tf \(opts.features.sublinearTF ? "1+ln(tf)" : "raw"), \(opts.balanced ? "balanced" : "unweighted") classes")
        if folds >= 2 || foldsOut != nil {
            let assignment = CrossValidation.assignFolds(labels: examples.map(\.label), folds: max(folds, 2), seed: foldSeed)
            if let foldsOut {
                var s = "row,id,fold\r\n"
                for (i, e) in examples.enumerated() { s += CSV.write([[String(i), e.id, String(assignment[i])]]) }
                try Data(s.utf8).write(to: URL(fileURLWithPath: foldsOut))
                print("folds written to \(foldsOut)")
            }
            if folds >= 2 {
                let t0 = Date()
                let report = try CrossValidation.run(examples, options: opts, folds: assignment)
                print("\n\(folds)-fold cross-validation (seed \(foldSeed), \(String(format: "%.1f", Date().timeIntervalSince(t0))) s):\n")
                print(report.table)
            }
        }
        let t0 = Date()
        let classifier = try TextClassifier.train(examples, options: opts)
        let bytes = classifier.save()
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        print("trained in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s: \(classifier.vocabularySize) n-gram buckets, confidence temperature \(String(format: "%.2f", classifier.temperature)); \(output): \(bytes.count) bytes")
        if folds >= 2 { printThroughput(classifier, examples) }
    }
}

/// `minsheng classify`: labels a CSV (id, title, text; a label column is ignored) and writes id, label, confidence.
struct Classify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label the messages of a CSV (id,title,text) with a trained model; writes id,label,confidence.")

    @Option(help: "Model file written by `minsheng train`.") var model: String
    @Option(help: "CSV with columns id, title, text (label ignored).") var input: String
    @Option(help: "CSV to write (id,label,confidence).") var output: String
    @Flag(help: "If the input has labels, print accuracy, macro-F1 and per-class metrics, and the throughput.") var evaluate = false

    func run() async throws {
        let t0 = Date()
        guard let bytes = FileManager.default.contents(atPath: model) else { throw ValidationError("cannot read \(model)") }
        let classifier: TextClassifier
        do { classifier = try TextClassifier(loading: Array(bytes)) } catch { throw ValidationError("\(model): \(error)") }
        let loadTime = Date().timeIntervalSince(t0)
        let messages = try readExamples(input, requireLabel: false)
        let t1 = Date()
        var rows: [[String]] = [["id", "label", "confidence"]]
        rows.reserveCapacity(messages.count + 1)
        var predicted: [String] = []
        for m in messages {
            let (label, confidence) = classifier.classify(title: m.title, text: m.text)
            predicted.append(label)
            rows.append([m.id, label, String(format: "%.4f", confidence)])
        }
        let elapsed = Date().timeIntervalSince(t1)
        try Data(CSV.write(rows).utf8).write(to: URL(fileURLWithPath: output))
        print("\(messages.count) messages labelled in \(String(format: "%.3f", elapsed)) s (model loaded in \(String(format: "%.1f", loadTime * 1000)) ms) → \(output)")
        if evaluate {
            let labelled = zip(messages, predicted).filter { !$0.0.label.isEmpty }
            if !labelled.isEmpty {
                let report = CrossValidation.evaluate(truth: labelled.map(\.0.label), predicted: labelled.map(\.1))
                print(report.table)
            }
            printThroughput(classifier, messages)
        }
    }
}

func readExamples(_ path: String, requireLabel: Bool) throws -> [LabeledText] {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    do { return try LabeledText.read(csv: Array(data), requireLabel: requireLabel) } catch { throw ValidationError("\(path): \(error)") }
}

/// Messages per second on this thread, normalisation and vectorising included (best of 5 passes, ≥ 0.2 s each).
func printThroughput(_ classifier: TextClassifier, _ messages: [LabeledText]) {
    guard !messages.isEmpty else { return }
    var best = 0.0
    var sink = 0.0
    for _ in 0..<5 {
        var n = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            for m in messages { sink += classifier.classify(title: m.title, text: m.text).confidence }
            n += messages.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        } while elapsed < 0.2
        best = max(best, Double(n) / elapsed)
    }
    let chars = messages.reduce(0) { $0 + $1.title.count + $1.text.count } / messages.count
    print("throughput \(Int(best)) messages/s on one thread (mean \(chars) characters per message, title+text; checksum \(Int(sink) % 10))")
}
