import Foundation

/// Hotspots of a time window, along two axes (docs/hotspots.md):
///
/// - **topics**: messages about the same matter, wherever they come from. TF-IDF vectors of character bigrams;
///   candidate pairs from an inverted index of each message's heaviest bigrams (only neighbours in time order are
///   compared, so a bigram used by 10,000 messages costs as much as one used by 120); linked when the cosine
///   reaches `linkSimilarity`; links taken strongest first, two groups merging only when their centroids are
///   `centroidSimilarity` alike (no single-link chaining). A topic spanning `systemicDistricts` districts is systemic.
/// - **places**: one estate, road, street or village named by many messages of different categories.
///
/// The previous window (same length, just before) is clustered together with the current one, so each cluster
/// knows how many similar messages it had then (growth, trend).
///
///     let report = Hotspots.analyze(current, previous: earlier)
///     report.topics.first?.terms   // ["搅拌站", "丽发新城", "噪音"]
public enum Hotspots {
    public static func analyze(_ current: [HotspotMessage], previous: [HotspotMessage] = [],
                               options o: HotspotOptions = HotspotOptions()) -> HotspotReport {
        var timings: [(String, Double)] = []
        var t0 = Date()
        func lap(_ name: String) { let t = Date(); timings.append((name, t.timeIntervalSince(t0))); t0 = t }

        // Time order; `isCurrent` tells the windows apart.
        var all: [(m: HotspotMessage, current: Bool)] = previous.map { ($0, false) } + current.map { ($0, true) }
        all.sort { ($0.m.time, $0.m.id) < ($1.m.time, $1.m.id) }
        let messages = all.map(\.m)
        let isCurrent = all.map(\.current)
        let n = messages.count

        // Districts and places per message (given, else read from the text).
        var districts = [String?](repeating: nil, count: n)
        var places = [PlaceExtractor.Place?](repeating: nil, count: n)
        var placeNames = [[String]](repeating: [], count: n)
        districts.withUnsafeMutableBufferPointer { d in
            places.withUnsafeMutableBufferPointer { p in
              placeNames.withUnsafeMutableBufferPointer { names in
                let d = d, p = p, names = names
                parallelChunks(n, threads: o.threads) { r in
                    for i in r {
                        let m = messages[i]
                        let found = m.place == nil ? PlaceExtractor.primaryPlace(title: m.title, text: m.text) : nil
                        d[i] = m.district ?? found?.district ?? PlaceExtractor.district(title: m.title, text: m.text)
                        names[i] = [m.place ?? found?.name, d[i]].compactMap { $0 }
                        p[i] = m.place.map { PlaceExtractor.Place(name: $0, kind: .street, district: m.district) } ?? found
                    }
                }
              }
            }
        }
        lap("places")
        let vectors = BigramVectors(messages, placeNames: placeNames, options: o)
        lap("vectors")
        let edges = links(vectors.vectors, options: o)
        lap("links")
        var groups = Grouping(vectors: vectors.vectors)
        for e in edges { groups.consider(Int(e.a), Int(e.b), centroidSimilarity: o.centroidSimilarity) }
        lap("clustering")

        let context = Describer(messages: messages, isCurrent: isCurrent, districts: districts, places: places,
                                vectors: vectors, options: o)

        // Topics.
        var members: [Int: [Int]] = [:]
        for i in 0..<n { members[groups.find(i), default: []].append(i) }
        let multi = members.values.filter { $0.count >= 2 }
        var topics = multi.filter { g in g.reduce(0) { $0 + (isCurrent[$1] ? 1 : 0) } >= o.minClusterSize }
            .map { g in (g, context.people(g.filter { isCurrent[$0] })) }
        topics.sort { a, b in
            (a.1, a.0.count, -(a.0.first ?? 0)) > (b.1, b.0.count, -(b.0.first ?? 0))
        }
        let topicClusters = topics.prefix(o.maxClusters).map { g, _ in
            context.describe(.topic, members: g, centroid: groups.centroid(ofMember: g[0]))
        }

        // Places.
        var byPlace: [String: [Int]] = [:]
        for i in 0..<n { if let p = places[i] { byPlace[p.key, default: []].append(i) } }
        var placeGroups: [([Int], Int)] = []
        for (_, g) in byPlace {
            let cur = g.filter { isCurrent[$0] }
            guard cur.count >= o.minPlaceCases else { continue }
            let cats = Set(cur.compactMap { messages[$0].category })
            guard cats.count >= o.minPlaceCategories else { continue }
            placeGroups.append((g, context.people(cur)))
        }
        placeGroups.sort { a, b in (a.1, a.0.count, -(a.0.first ?? 0)) > (b.1, b.0.count, -(b.0.first ?? 0)) }
        let placeClusters = placeGroups.prefix(o.maxClusters).map { g, _ in
            context.describe(.place, members: g, centroid: Centroid(sumOf: g.map { vectors.vectors[$0] }))
        }
        lap("description")
        return HotspotReport(topics: Array(topicClusters), places: Array(placeClusters),
                             messages: current.count, previousMessages: previous.count, groups: multi.count,
                             links: edges.count, timings: timings)
    }

    struct Edge { var a: Int32; var b: Int32; var w: Float }

    /// Linked pairs (a < b, cosine ≥ linkSimilarity), strongest first.
    static func links(_ vectors: [SparseVector], options o: HotspotOptions) -> [Edge] {
        let n = vectors.count
        // Each message's candidate terms: its heaviest bigrams.
        let top: [[Int32]] = vectors.map { v in
            guard v.terms.count > o.candidateTerms else { return v.terms }
            let idx = v.weights.indices.sorted { v.weights[$0] > v.weights[$1] }.prefix(o.candidateTerms)
            return idx.map { v.terms[$0] }.sorted()
        }
        // Postings (compressed rows), messages in time order.
        var maxTerm: Int32 = -1
        for t in top { if let l = t.last, l > maxTerm { maxTerm = l } }
        let terms = Int(maxTerm) + 1
        var start = [Int](repeating: 0, count: terms + 1)
        for t in top { for x in t { start[Int(x) + 1] += 1 } }
        for k in 0..<terms { start[k + 1] += start[k] }
        var fill = start
        var posting = [Int32](repeating: 0, count: start[terms])
        for (i, t) in top.enumerated() { for x in t { posting[fill[Int(x)]] = Int32(i); fill[Int(x)] += 1 } }

        var found = [[Edge]](repeating: [], count: n)
        found.withUnsafeMutableBufferPointer { out in
            let out = out
            parallelChunks(n, threads: o.threads) { r in
                var cand: [Int32] = []
                for i in r {
                    let mine = top[i]
                    guard !mine.isEmpty else { continue }
                    cand.removeAll(keepingCapacity: true)
                    for x in mine {
                        let lo = start[Int(x)], hi = start[Int(x) + 1]
                        // Position of i in the posting (binary search), then its neighbours in time.
                        var a = lo, b = hi
                        while a < b { let m = (a + b) / 2; if posting[m] < Int32(i) { a = m + 1 } else { b = m } }
                        let from = max(lo, a - o.postingWindow), to = min(hi, a + o.postingWindow + 1)
                        for k in from..<to where posting[k] != Int32(i) { cand.append(posting[k]) }
                    }
                    guard !cand.isEmpty else { continue }
                    cand.sort()
                    let need = min(o.minSharedCandidateTerms, mine.count)
                    var edges: [Edge] = []
                    var k = 0
                    while k < cand.count {
                        var e = k + 1
                        while e < cand.count && cand[e] == cand[k] { e += 1 }
                        if e - k >= need {
                            let j = Int(cand[k])
                            let w = vectors[i].dot(vectors[j])
                            if w >= o.linkSimilarity { edges.append(Edge(a: Int32(min(i, j)), b: Int32(max(i, j)), w: w)) }
                        }
                        k = e
                    }
                    out[i] = edges
                }
            }
        }
        var edges = found.flatMap { $0 }
        edges.sort { ($0.w, $1.a, $1.b) > ($1.w, $0.a, $0.b) }
        // Each pair may have been found from both ends.
        var out: [Edge] = []
        out.reserveCapacity(edges.count / 2 + 1)
        var seen = Set<Int64>()
        for e in edges where seen.insert(Int64(e.a) << 32 | Int64(e.b)).inserted { out.append(e) }
        return out
    }
}

/// The sum of unit vectors (a centroid up to scale), as a dictionary with its squared norm.
struct Centroid {
    var weights: [Int32: Float] = [:]
    var norm2: Float = 0

    init(_ v: SparseVector) {
        weights.reserveCapacity(v.terms.count)
        for (k, t) in v.terms.enumerated() { weights[t] = v.weights[k] }
        norm2 = v.weights.reduce(0) { $0 + $1 * $1 }
    }

    init(sumOf vs: [SparseVector]) {
        for v in vs { add(v) }
    }

    mutating func add(_ v: SparseVector) {
        for (k, t) in v.terms.enumerated() {
            let old = weights[t] ?? 0, new = old + v.weights[k]
            weights[t] = new
            norm2 += new * new - old * old
        }
    }

    /// Keeps the `k` heaviest terms (the direction of a large group; its long tail is noise).
    mutating func truncate(to k: Int) {
        let kept = weights.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(k)
        weights = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        norm2 = kept.reduce(0) { $0 + $1.value * $1.value }
    }

    mutating func add(_ c: Centroid) {
        for (t, w) in c.weights {
            let old = weights[t] ?? 0, new = old + w
            weights[t] = new
            norm2 += new * new - old * old
        }
    }

    func dot(_ v: SparseVector) -> Float {
        var s: Float = 0
        for (k, t) in v.terms.enumerated() { if let w = weights[t] { s += w * v.weights[k] } }
        return s
    }

    func cosine(_ c: Centroid) -> Float {
        let (small, large) = weights.count <= c.weights.count ? (self, c) : (c, self)
        var s: Float = 0
        for (t, w) in small.weights { if let x = large.weights[t] { s += w * x } }
        let d = (norm2 * c.norm2).squareRoot()
        return d > 0 ? s / d : 0
    }
}

/// Union–find whose roots keep the centroid of their group; a link merges two groups only when the centroids
/// agree, so a chain of pairwise links cannot glue unrelated matters together.
struct Grouping {
    let vectors: [SparseVector]
    var parent: [Int32]
    var size: [Int32]
    var centroids: [Int: Centroid] = [:]

    init(vectors: [SparseVector]) {
        self.vectors = vectors
        parent = (0..<Int32(vectors.count)).map { $0 }
        size = [Int32](repeating: 1, count: vectors.count)
    }

    mutating func find(_ i: Int) -> Int {
        var r = i
        while Int(parent[r]) != r { r = Int(parent[r]) }
        var c = i
        while Int(parent[c]) != r { let next = Int(parent[c]); parent[c] = Int32(r); c = next }
        return r
    }

    func centroid(of root: Int) -> Centroid {
        centroids[root] ?? Centroid(vectors[root])
    }

    mutating func centroid(ofRoot r: Int) -> Centroid {
        centroids[r] ?? Centroid(vectors[r])
    }

    /// Root pairs whose centroids were compared and found apart (roots change when groups merge, so a stale
    /// entry is never consulted): many links join the same two groups.
    var refused = Set<Int64>()
    /// A centroid keeps at most this many terms (its heaviest) once it has twice as many.
    static let maxCentroidTerms = 256

    mutating func consider(_ a: Int, _ b: Int, centroidSimilarity: Float) {
        var ra = find(a), rb = find(b)
        guard ra != rb else { return }
        // Singletons: the link itself is the centroids' cosine.
        if size[ra] > 1 || size[rb] > 1 {
            let pair = Int64(min(ra, rb)) << 32 | Int64(max(ra, rb))
            guard !refused.contains(pair) else { return }
            let ca = centroid(ofRoot: ra), cb = centroid(ofRoot: rb)
            guard ca.cosine(cb) >= centroidSimilarity else { refused.insert(pair); return }
        }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        var big = centroids.removeValue(forKey: ra) ?? Centroid(vectors[ra])
        if let small = centroids.removeValue(forKey: rb) { big.add(small) } else { big.add(vectors[rb]) }
        if big.weights.count > 2 * Self.maxCentroidTerms { big.truncate(to: Self.maxCentroidTerms) }
        centroids[ra] = big
        parent[rb] = Int32(ra)
        size[ra] += size[rb]
    }

    /// The centroid of the group `i` belongs to.
    func centroid(ofMember i: Int) -> Centroid {
        var r = i
        while Int(parent[r]) != r { r = Int(parent[r]) }
        return centroid(of: r)
    }
}
