import Foundation

/// Which linear model `TextClassifier.train` fits; all give one weight vector and bias per class.
public enum ClassifierModel: String, Sendable, CaseIterable {
    /// One-vs-rest L2-regularised squared-hinge linear SVM, dual coordinate descent (as LIBLINEAR / LinearSVC).
    case linearSVM = "svm"
    static func classWeights(_ y: [Int], k: Int, balanced: Bool) -> [Double] {
        guard balanced else { return [Double](repeating: 1, count: k) }
        var n = [Double](repeating: 0, count: k)
        for c in y { n[c] += 1 }
        return n.map { $0 > 0 ? Double(y.count) / (Double(k) * $0) : 1 }
    }

    /// Multinomial logistic regression, L2, averaged SGD.
    case logistic = "logreg"
    /// Complement naive Bayes (Rennie et al. 2003) on the TF-IDF vectors.
    case complementNB = "cnb"
    /// The sum of two one-vs-rest L2-loss SVMs on the same TF-IDF vectors: the plain `linearSVM` and an NBSVM
    /// (Wang & Manning 2012: each class's features scaled by their naive-Bayes log-count ratio r, computed from
    /// presence counts with add-one smoothing; binary-balanced costs). Both score in margin units, so their sum is
    /// taken as is; it is again one linear function per class (w = w_svm + r ∘ w_nb), so inference costs nothing more.
    case svmNB = "svm-nb"
}

public struct TrainingOptions: Sendable {
    public var features = FeatureConfig()
    public var model: ClassifierModel = .svmNB
    /// Inverse regularisation (SVM, logistic regression).
    public var c: Double = 1
    /// Additive smoothing (complement NB).
    public var alpha: Double = 0.3
    /// Buckets seen in fewer training documents are dropped (keeps the model file small).
    public var minDF: Int = 2
    /// Passes over the data (upper bound for the SVM, which stops when converged).
    public var epochs: Int = 60
    public var seed: UInt64 = 42
    /// Fit the softmax temperature of the confidence on 3-fold out-of-fold scores (3 more trainings).
    public var calibrate = true
    /// Weigh each example by n / (classes × examples of its class) (SVM, logistic regression): rare classes
    /// count as much as frequent ones, which is what macro-F1 rewards.
    public var balanced = true
    public init() {}
}

/// Deterministic generator (SplitMix64): training and fold assignment never depend on the system RNG.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n without modulo bias worth caring about for n ≪ 2^64.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Weights in row-major [feature][class] and one bias per class.
struct LinearWeights {
    var w: [Float]
    var bias: [Float]
}

enum Trainer {
    static func fit(_ x: SparseMatrix, y: [Int], classes k: Int, features f: Int, options o: TrainingOptions) -> LinearWeights {
        switch o.model {
        case .linearSVM: return svm(x, y: y, k: k, f: f, o: o)
        case .logistic: return logistic(x, y: y, k: k, f: f, o: o)
        case .complementNB: return cnb(x, y: y, k: k, f: f, o: o)
        case .svmNB:
            var sum = svm(x, y: y, k: k, f: f, o: o)
            let nb = nbsvm(x, y: y, k: k, f: f, o: o)
            for j in sum.w.indices { sum.w[j] += nb.w[j] }
            for c in 0..<k { sum.bias[c] += nb.bias[c] }
            return sum
        }
    }

    /// NBSVM: for each class, r_j = ln((p_j/‖p‖₁)/(q_j/‖q‖₁)) with p_j = 1 + the class's training messages that
    /// contain feature j, q_j the same for the other classes; a binary L2-loss SVM on x ∘ r (rows not re-normalised),
    /// costs C·n/(2·n_pos) and C·n/(2·n_neg); the returned weights are r ∘ w, so they apply to x directly.
    static func nbsvm(_ x: SparseMatrix, y: [Int], k: Int, f: Int, o: TrainingOptions) -> LinearWeights {
        let n = x.rows
        var out = LinearWeights(w: [Float](repeating: 0, count: f * k), bias: [Float](repeating: 0, count: k))
        var present = [Double](repeating: 0, count: f * k)
        for i in 0..<n {
            for p in x.rowStart[i]..<x.rowStart[i + 1] where x.vals[p] != 0 { present[Int(x.cols[p]) * k + y[i]] += 1 }
        }
        var perClassN = [Int](repeating: 0, count: k)
        for c in y { perClassN[c] += 1 }
        for cls in 0..<k {
            var pos = [Double](repeating: 1, count: f), neg = [Double](repeating: 1, count: f)
            for j in 0..<f {
                for c in 0..<k { if c == cls { pos[j] += present[j * k + c] } else { neg[j] += present[j * k + c] } }
            }
            let ps = pos.reduce(0, +), ns = neg.reduce(0, +)
            let r = (0..<f).map { log((pos[$0] / ps) / (neg[$0] / ns)) }
            var vals = x.vals
            for p in vals.indices { vals[p] = Float(Double(vals[p]) * r[Int(x.cols[p])]) }
            let nPos = Double(perClassN[cls]), nNeg = Double(n - perClassN[cls])
            let costPos = nPos > 0 ? o.c * Double(n) / (2 * nPos) : o.c, costNeg = nNeg > 0 ? o.c * Double(n) / (2 * nNeg) : o.c
            let cost = (0..<n).map { y[$0] == cls ? costPos : costNeg }
            let (w, b) = binarySVM(x, vals: vals, positive: y.map { $0 == cls }, cost: cost, f: f, epochs: o.epochs, seed: o.seed &+ 100 &+ UInt64(cls))
            for j in 0..<f { out.w[j * k + cls] = Float(w[j] * r[j]) }
            out.bias[cls] = Float(b)
        }
        return out
    }

    /// Dual coordinate descent for one binary L2-loss SVM (LIBLINEAR), rows `x` with values `vals`, per-example
    /// cost, bias as an extra feature of value 1. Returns the weights and the bias.
    static func binarySVM(_ x: SparseMatrix, vals: [Float], positive: [Bool], cost: [Double], f: Int, epochs: Int, seed: UInt64) -> ([Double], Double) {
        let n = x.rows
        let diagOf = cost.map { 0.5 / $0 }
        var qii = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = 1.0
            for p in x.rowStart[i]..<x.rowStart[i + 1] { s += Double(vals[p]) * Double(vals[p]) }
            qii[i] = s + diagOf[i]
        }
        var w = [Double](repeating: 0, count: f)
        var b = 0.0
        var alpha = [Double](repeating: 0, count: n)
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<n)
        for _ in 0..<epochs {
            order.shuffle(using: &rng)
            var maxPG = -Double.infinity, minPG = Double.infinity
            for i in order {
                let yi: Double = positive[i] ? 1 : -1
                var dot = b
                let r = x.rowStart[i]..<x.rowStart[i + 1]
                for p in r { dot += w[Int(x.cols[p])] * Double(vals[p]) }
                let g = yi * dot - 1 + diagOf[i] * alpha[i]
                let pg = alpha[i] == 0 ? min(g, 0) : g
                maxPG = max(maxPG, pg); minPG = min(minPG, pg)
                if pg != 0 {
                    let old = alpha[i]
                    alpha[i] = max(old - g / qii[i], 0)
                    let d = (alpha[i] - old) * yi
                    if d != 0 {
                        for p in r { w[Int(x.cols[p])] += d * Double(vals[p]) }
                        b += d
                    }
                }
            }
            if maxPG - minPG < 0.01 { break }
        }
        return (w, b)
    }

    /// LIBLINEAR's dual coordinate descent for the L2-loss SVM (Hsieh et al. 2008), one class against the rest,
    /// bias as an extra feature of value 1 (regularised, like LinearSVC's intercept_scaling = 1).
    static func svm(_ x: SparseMatrix, y: [Int], k: Int, f: Int, o: TrainingOptions) -> LinearWeights {
        let n = x.rows
        var out = LinearWeights(w: [Float](repeating: 0, count: f * k), bias: [Float](repeating: 0, count: k))
        let cw = classWeights(y, k: k, balanced: o.balanced)
        let diagOf = (0..<n).map { 0.5 / (o.c * cw[y[$0]]) }
        var qii = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = 1.0 // bias feature
            for p in x.rowStart[i]..<x.rowStart[i + 1] { s += Double(x.vals[p]) * Double(x.vals[p]) }
            qii[i] = s + diagOf[i]
        }
        for cls in 0..<k {
            var w = [Double](repeating: 0, count: f)
            var b = 0.0
            var alpha = [Double](repeating: 0, count: n)
            var rng = SplitMix64(seed: o.seed &+ UInt64(cls))
            var order = Array(0..<n)
            for _ in 0..<o.epochs {
                order.shuffle(using: &rng)
                var maxPG = -Double.infinity, minPG = Double.infinity
                for i in order {
                    let yi: Double = y[i] == cls ? 1 : -1
                    var dot = b
                    let r = x.rowStart[i]..<x.rowStart[i + 1]
                    for p in r { dot += w[Int(x.cols[p])] * Double(x.vals[p]) }
                    let g = yi * dot - 1 + diagOf[i] * alpha[i]
                    let pg = alpha[i] == 0 ? min(g, 0) : g
                    maxPG = max(maxPG, pg); minPG = min(minPG, pg)
                    if pg != 0 {
                        let old = alpha[i]
                        alpha[i] = max(old - g / qii[i], 0)
                        let d = (alpha[i] - old) * yi
                        if d != 0 {
                            for p in r { w[Int(x.cols[p])] += d * Double(x.vals[p]) }
                            b += d
                        }
                    }
                }
                if maxPG - minPG < 0.01 { break }
            }
            for j in 0..<f { out.w[j * k + cls] = Float(w[j]) }
            out.bias[cls] = Float(b)
        }
        return out
    }

    static func classWeights(_ y: [Int], k: Int, balanced: Bool) -> [Double] {
        guard balanced else { return [Double](repeating: 1, count: k) }
        var n = [Double](repeating: 0, count: k)
        for c in y { n[c] += 1 }
        return n.map { $0 > 0 ? Double(y.count) / (Double(k) * $0) : 1 }
    }

    /// Multinomial logistic regression, L2 penalty 1/(C·n), SGD with a decaying step and iterate averaging
    /// over the second half of the passes.
    static func logistic(_ x: SparseMatrix, y: [Int], k: Int, f: Int, o: TrainingOptions) -> LinearWeights {
        let n = x.rows
        let lambda = 1 / (o.c * Double(n))
        var w = [Double](repeating: 0, count: f * k)
        var b = [Double](repeating: 0, count: k)
        var avgW = [Double](repeating: 0, count: f * k), avgB = [Double](repeating: 0, count: k)
        var avgCount = 0.0
        var scale = 1.0 // w_true = scale * w (lazy L2 shrinkage)
        var rng = SplitMix64(seed: o.seed)
        var order = Array(0..<n)
        var t = 0.0
        var z = [Double](repeating: 0, count: k)
        let cw = classWeights(y, k: k, balanced: o.balanced)
        let eta0 = 0.5
        for epoch in 0..<o.epochs {
            order.shuffle(using: &rng)
            for i in order {
                t += 1
                let eta = eta0 / (1 + eta0 * lambda * t)
                let r = x.rowStart[i]..<x.rowStart[i + 1]
                for c in 0..<k { z[c] = b[c] }
                for p in r {
                    let base = Int(x.cols[p]) * k, v = Double(x.vals[p]) * scale
                    for c in 0..<k { z[c] += w[base + c] * v }
                }
                let m = z.max()!
                var s = 0.0
                for c in 0..<k { z[c] = exp(z[c] - m); s += z[c] }
                scale *= (1 - eta * lambda)
                if scale < 1e-6 { for j in w.indices { w[j] *= scale }; scale = 1 }
                for c in 0..<k { z[c] = (z[c] / s - (y[i] == c ? 1 : 0)) * cw[y[i]] }
                for p in r {
                    let base = Int(x.cols[p]) * k, v = Double(x.vals[p]) * eta / scale
                    for c in 0..<k { w[base + c] -= z[c] * v }
                }
                for c in 0..<k { b[c] -= eta * z[c] }
            }
            if epoch >= o.epochs / 2 {
                avgCount += 1
                for j in w.indices { avgW[j] += (w[j] * scale - avgW[j]) / avgCount }
                for c in 0..<k { avgB[c] += (b[c] - avgB[c]) / avgCount }
            }
        }
        return LinearWeights(w: avgW.map { Float($0) }, bias: avgB.map { Float($0) })
    }

    /// Complement naive Bayes: class c scores −Σ x_f log θ_{¬c,f}, θ estimated from the other classes' mass.
    static func cnb(_ x: SparseMatrix, y: [Int], k: Int, f: Int, o: TrainingOptions) -> LinearWeights {
        var perClass = [Double](repeating: 0, count: f * k)
        var total = [Double](repeating: 0, count: f)
        for i in 0..<x.rows {
            for p in x.rowStart[i]..<x.rowStart[i + 1] {
                let j = Int(x.cols[p])
                perClass[j * k + y[i]] += Double(x.vals[p]); total[j] += Double(x.vals[p])
            }
        }
        var out = LinearWeights(w: [Float](repeating: 0, count: f * k), bias: [Float](repeating: 0, count: k))
        for c in 0..<k {
            var sum = 0.0
            for j in 0..<f { sum += total[j] - perClass[j * k + c] + o.alpha }
            for j in 0..<f {
                out.w[j * k + c] = Float(-log((total[j] - perClass[j * k + c] + o.alpha) / sum))
            }
        }
        return out
    }
}
