import Foundation

/// One labelled message (the columns of labeled_train.csv).
public struct LabeledText: Sendable, Equatable {
    public var id: String
    public var title: String
    public var text: String
    public var label: String
    public init(id: String = "", title: String, text: String, label: String) {
        self.id = id; self.title = title; self.text = text; self.label = label
    }
}

public enum ClassifierError: Error, CustomStringConvertible, Equatable {
    case notAModelFile
    case unsupportedVersion(Int)
    case truncated(String)
    case corrupt(String)
    case noTrainingData(String)

    public var description: String {
        switch self {
        case .notAModelFile: return "not a Minsheng classifier model file (bad magic bytes)"
        case let .unsupportedVersion(v): return "unsupported classifier model version \(v) (this build reads version \(TextClassifier.formatVersion))"
        case let .truncated(what): return "classifier model file is truncated (while reading \(what))"
        case let .corrupt(what): return "classifier model file is corrupt: \(what)"
        case let .noTrainingData(why): return "cannot train: \(why)"
        }
    }
}

/// A trained text classifier: normalisation, hashed character n-grams with TF-IDF, one linear function per class.
/// Immutable and `Sendable`: one instance serves every request; `classify` allocates nothing on the heap for
/// ordinary messages (temporary buffers live on the stack).
public struct TextClassifier: Sendable {
    public static let formatVersion = 1

    public let labels: [String]
    public let features: FeatureConfig
    public let model: ClassifierModel
    /// Softmax temperature turning scores into the confidence.
    public let temperature: Float
    /// Number of n-gram buckets with weights (the model's vocabulary).
    public var vocabularySize: Int { buckets.count }

    let buckets: [UInt32]        // sorted, for saving
    let slotOf: [Int32]          // bucket → row, −1 when unknown
    let table: [Float]           // row-major: idf, then one weight per class
    let bias: [Float]
    let weightScale: [Float]     // int8 quantisation step per class
    let idfScale: Float          // uint16 quantisation step of the IDF

    var stride: Int { labels.count + 1 }

    // MARK: - Training

    /// Trains on `examples` (labels are the distinct `label` values, sorted). Deterministic for given options.
    public static func train(_ examples: [LabeledText], options: TrainingOptions = TrainingOptions()) throws -> TextClassifier {
        let labels = Array(Set(examples.map(\.label))).sorted()
        guard labels.count >= 2 else { throw ClassifierError.noTrainingData("need at least two labels, got \(labels.count)") }
        let config = options.features
        guard (1...8).contains(config.minN), (config.minN...8).contains(config.maxN), (12...24).contains(config.hashBits) else {
            throw ClassifierError.noTrainingData("n-gram range \(config.minN)…\(config.maxN) or hash bits \(config.hashBits) out of bounds")
        }
        let docs = examples.map { RawDoc(title: $0.title, text: $0.text, config: config) }
        var temperature: Float = 1
        if options.calibrate && examples.count >= 30 {
            temperature = calibrate(examples, docs: docs, labels: labels, options: options)
        }
        return build(docs: docs, y: examples.map { labels.firstIndex(of: $0.label)! }, labels: labels, options: options, temperature: temperature)
    }

    static func build(docs: [RawDoc], y: [Int], labels: [String], options: TrainingOptions, temperature: Float) -> TextClassifier {
        let config = options.features
        let minDF = docs.count >= 50 ? options.minDF : 1
        var vocab = Vocabulary(docs: docs, minDF: minDF)
        // Quantise the IDF first so that training sees exactly the values the saved model will hold.
        let maxIDF = vocab.idf.max() ?? 1
        let idfScale = maxIDF / 65535
        vocab.idf = vocab.idf.map { (($0 / idfScale).rounded()) * idfScale }
        let x = vocab.vectorize(docs, config: config)
        let k = labels.count
        let fitted = Trainer.fit(x, y: y, classes: k, features: vocab.buckets.count, options: options)
        var scales = [Float](repeating: 1, count: k)
        for c in 0..<k {
            var m: Float = 0
            for j in 0..<vocab.buckets.count { m = max(m, abs(fitted.w[j * k + c])) }
            scales[c] = m > 0 ? m / 127 : 1
        }
        var table = [Float](repeating: 0, count: vocab.buckets.count * (k + 1))
        for j in 0..<vocab.buckets.count {
            table[j * (k + 1)] = vocab.idf[j]
            for c in 0..<k { table[j * (k + 1) + 1 + c] = (fitted.w[j * k + c] / scales[c]).rounded() * scales[c] }
        }
        return TextClassifier(labels: labels, features: config, model: options.model, temperature: temperature,
                              buckets: vocab.buckets, table: table, bias: fitted.bias, weightScale: scales, idfScale: idfScale)
    }

    init(labels: [String], features: FeatureConfig, model: ClassifierModel, temperature: Float, buckets: [UInt32], table: [Float],
         bias: [Float], weightScale: [Float], idfScale: Float) {
        self.labels = labels; self.features = features; self.model = model; self.temperature = temperature
        self.buckets = buckets; self.table = table; self.bias = bias; self.weightScale = weightScale; self.idfScale = idfScale
        var slots = [Int32](repeating: -1, count: 1 << features.hashBits)
        for (j, b) in buckets.enumerated() { slots[Int(b)] = Int32(j) }
        self.slotOf = slots
    }

    /// Softmax temperature minimising the log-loss of 3-fold out-of-fold scores.
    static func calibrate(_ examples: [LabeledText], docs: [RawDoc], labels: [String], options: TrainingOptions) -> Float {
        var inner = options
        inner.calibrate = false
        let y = examples.map { labels.firstIndex(of: $0.label)! }
        let folds = CrossValidation.assignFolds(labels: examples.map(\.label), folds: 3, seed: options.seed &+ 7)
        var scored: [([Float], Int)] = []
        for f in 0..<3 {
            let tr = docs.indices.filter { folds[$0] != f }
            let trLabels = Set(tr.map { y[$0] })
            guard trLabels.count == labels.count else { continue }
            let m = build(docs: tr.map { docs[$0] }, y: tr.map { y[$0] }, labels: labels, options: inner, temperature: 1)
            for i in docs.indices where folds[i] == f {
                scored.append((m.scores(title: examples[i].title, text: examples[i].text), y[i]))
            }
        }
        guard !scored.isEmpty else { return 1 }
        func nll(_ t: Float) -> Double {
            var s = 0.0
            for (sc, yi) in scored {
                let m = sc.max()!
                var z = 0.0
                for v in sc { z += exp(Double(t * (v - m))) }
                s += log(z) - Double(t * (sc[yi] - m))
            }
            return s
        }
        // Golden-section search on log T.
        var a = log(0.01), b = log(200.0)
        let g = (sqrt(5.0) - 1) / 2
        for _ in 0..<40 {
            let c = b - g * (b - a), d = a + g * (b - a)
            if nll(Float(exp(c))) < nll(Float(exp(d))) { b = d } else { a = c }
        }
        return Float(exp((a + b) / 2))
    }

    // MARK: - Inference

    /// The label with the highest score and its confidence (softmax probability of the scores).
    public func classify(title: String, text: String) -> (label: String, confidence: Double) {
        let k = labels.count
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { s in
            score(title: title, text: text, into: s)
            var best = 0
            for c in 1..<k where s[c] > s[best] { best = c }
            var z: Float = 0
            for c in 0..<k { z += expf(temperature * (s[c] - s[best])) }
            return (labels[best], Double(1 / z))
        }
    }

    /// Raw linear scores per class (in `labels` order).
    public func scores(title: String, text: String) -> [Float] {
        [Float](unsafeUninitializedCapacity: labels.count) { buf, n in
            score(title: title, text: text, into: buf)
            n = labels.count
        }
    }

    func score(title: String, text: String, into s: UnsafeMutableBufferPointer<Float>) {
        let k = labels.count
        for c in 0..<k { s[c] = 0 }
        var norm2: Float = 0
        if features.titleWeight != 0 {
            accumulate(title, seed: Hashing.titleSeed, weight: features.titleWeight, into: s, norm2: &norm2)
        }
        accumulate(text, seed: Hashing.bodySeed, weight: 1, into: s, norm2: &norm2)
        let inv: Float = norm2 > 0 ? 1 / norm2.squareRoot() : 0
        for c in 0..<k { s[c] = s[c] * inv + bias[c] }
    }

    /// Three passes for memory-level parallelism: hash every n-gram and gather its row (independent loads), count
    /// the distinct rows in a small open-addressing table, then add each distinct row (idf and weights, SIMD).
    @inline(__always)
    func accumulate(_ part: String, seed: UInt64, weight: Float, into s: UnsafeMutableBufferPointer<Float>, norm2: inout Float) {
        let config = features
        let k = labels.count, stride = k + 1
        let perPosition = config.maxN - config.minN + 1
        slotOf.withUnsafeBufferPointer { slotOf in
            table.withUnsafeBufferPointer { table in
                withCodes(part) { codes in
                    guard !codes.isEmpty else { return }
                    let maxGrams = codes.count * perPosition
                    var cap = 16
                    while cap < maxGrams * 2 { cap <<= 1 }
                    let mask = cap - 1
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: maxGrams + 2 * cap + maxGrams) { mem in
                        let rows = mem.baseAddress!
                        let keys = rows + maxGrams, counts = keys + cap, distinct = counts + cap
                        var m = 0
                        Hashing.forEachBucket(codes, seed: seed, config: config) { b in
                            rows[m] = slotOf[Int(b)]
                            m += 1
                        }
                        for q in 0..<cap { keys[q] = -1 }
                        var nd = 0
                        for i in 0..<m {
                            let row = rows[i]
                            if row < 0 { continue }
                            var q = Int((UInt32(bitPattern: row) &* 0x9E37_79B1) >> 12) & mask
                            while true {
                                let key = keys[q]
                                if key == row { counts[q] += 1; break }
                                if key < 0 { keys[q] = row; counts[q] = 1; distinct[nd] = Int32(q); nd += 1; break }
                                q = (q + 1) & mask
                            }
                        }
                        let t = table.baseAddress!
                        if stride == 8 {
                            var acc = SIMD8<Float>()
                            var n2: Float = 0
                            for d in 0..<nd {
                                let q = Int(distinct[d])
                                let r = UnsafeRawPointer(t + Int(keys[q]) * 8).loadUnaligned(as: SIMD8<Float>.self)
                                let x = Hashing.tfWeight(counts[q], sublinear: config.sublinearTF) * r[0] * weight
                                n2 += x * x
                                acc += x * r
                            }
                            norm2 += n2
                            for c in 0..<k { s[c] += acc[c + 1] }
                        } else {
                            for d in 0..<nd {
                                let q = Int(distinct[d])
                                let base = Int(keys[q]) * stride
                                let x = Hashing.tfWeight(counts[q], sublinear: config.sublinearTF) * t[base] * weight
                                norm2 += x * x
                                for c in 0..<k { s[c] += x * t[base + 1 + c] }
                            }
                        }
                    }
                }
            }
        }
    }
}
