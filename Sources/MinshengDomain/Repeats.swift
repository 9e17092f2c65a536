/// How alike two requests of one citizen are, as the text analysis measured them (MinshengText's matter profiles):
/// the input of the repeat rule, which decides.
public struct MatterScore: Sendable, Equatable {
    /// Matter terms both share.
    public var sharedTerms: Int
    /// `sharedTerms` over the smaller side's terms (a short follow-up is compared by what it says).
    public var overlap: Double
    /// A named place (estate, road, street) or the address in common.
    public var samePlace: Bool
    /// Each request names some place or an address (two different sites, then, are two matters).
    public var bothPlaced: Bool
    /// The same non-empty set of terms: the same (short) text again.
    public var sameWords: Bool

    public init(sharedTerms: Int, overlap: Double, samePlace: Bool = false, bothPlaced: Bool = false, sameWords: Bool = false) {
        self.sharedTerms = sharedTerms; self.overlap = overlap; self.samePlace = samePlace
        self.bothPlaced = bothPlaced; self.sameWords = sameWords
    }
}

/// 重复件 (治重化积): a request from a citizen about the same matter as one of their earlier cases within the window
/// links to the earlier case (the first of its chain) and proposes the matter for leader ownership. 终结: when that
/// matter's re-review ended it, however long ago, the request is linked to the final case instead and is not
/// accepted again (《信访工作条例》第三十六条).
public enum RepeatRule {
    /// How far back a citizen's earlier cases count (the final ones are looked up however old).
    public static let windowSeconds: Int64 = 90 * 86_400
    /// How many earlier cases are compared at most (final ones first, then the newest).
    public static let candidateLimit = 20
    /// Text alone: at least 3 matter terms in common, a quarter of the smaller side's.
    public static let textOnlyShared = 3
    public static let textOnlyOverlap = 0.25
    /// At the same site: at least 2 matter terms in common, a tenth of the smaller side's.
    public static let samePlaceShared = 2
    public static let samePlaceOverlap = 0.10

    /// The same town or village (a lower bar, like a named place in common): both requests are located at one unit
    /// of town level or below.
    public static func sameLocality(_ a: UnitID?, _ b: UnitID?, in tree: UnitTree) -> Bool {
        guard let a, a == b, let u = tree.unit(a) else { return false }
        return u.level >= .town
    }

    /// Whether two requests are the same matter: the same words of the matter, with a lower bar at the same site.
    public static func sameMatter(_ s: MatterScore, sameLocality: Bool) -> Bool {
        if sameLocality || s.samePlace { return s.sharedTerms >= samePlaceShared && s.overlap >= samePlaceOverlap }
        // Two different sites are two matters, however alike the words (a broken lamp here, another there).
        if s.bothPlaced { return false }
        if s.sameWords { return true }
        return s.sharedTerms >= textOnlyShared && s.overlap >= textOnlyOverlap
    }

    /// An earlier case of the citizen, as the decision needs it.
    public struct Earlier: Sendable, Equatable {
        public var id: CaseID
        public var repeatOf: CaseID?
        public var isFinal: Bool
        public init(id: CaseID, repeatOf: CaseID? = nil, isFinal: Bool = false) {
            self.id = id; self.repeatOf = repeatOf; self.isFinal = isFinal
        }
    }

    /// What registration records of a new request.
    public struct Decision: Sendable, Equatable {
        /// The first case of the chain the request repeats.
        public var repeatOf: CaseID?
        /// The final case (终结) of the same matter: the request is at once not accepted.
        public var finalCase: CaseID?
        /// Proposed for leader ownership (a repeat of a matter still open to handling).
        public var leaderProposed: Bool
        public init(repeatOf: CaseID? = nil, finalCase: CaseID? = nil, leaderProposed: Bool = false) {
            self.repeatOf = repeatOf; self.finalCase = finalCase; self.leaderProposed = leaderProposed
        }
    }

    /// The decision over the citizen's earlier cases (final ones first, then the newest first), compared one by one
    /// by `isSameMatter(i)` (the comparison is the costly part: it stops at the newest repeat). The first final case
    /// of the same matter is the final case; a later non-final repeat, if any, is the one linked to.
    public static func decide(_ earlier: [Earlier], isSameMatter: (Int) throws -> Bool) rethrows -> Decision {
        var finalCase: CaseID?
        var link: Earlier?
        for (i, m) in earlier.enumerated() {
            if m.isFinal {
                if finalCase == nil, try isSameMatter(i) { finalCase = m.id; link = m }
            } else if try isSameMatter(i) {
                link = m
                break
            }
        }
        guard let link else { return Decision() }
        return Decision(repeatOf: link.repeatOf ?? link.id, finalCase: finalCase, leaderProposed: finalCase == nil)
    }
}
