import Testing
@testable import MinshengDomain

/// 重复件 and 终结: the decision over a citizen's earlier cases, given how alike the text analysis found them.
@Suite("Repeat rule")
struct RepeatRuleTests {
    @Test(arguments: [
        // (score, same town or village, same matter?)
        // Text alone: 3 shared terms and a quarter of the smaller side.
        (MatterScore(sharedTerms: 3, overlap: 0.25), false, true),
        (MatterScore(sharedTerms: 2, overlap: 0.9), false, false),
        (MatterScore(sharedTerms: 9, overlap: 0.24), false, false),
        (MatterScore(sharedTerms: 0, overlap: 0), false, false),
        // The same short text again, with fewer terms than the bar.
        (MatterScore(sharedTerms: 1, overlap: 1, sameWords: true), false, true),
        // Two different sites: two matters, whatever the words.
        (MatterScore(sharedTerms: 12, overlap: 1, bothPlaced: true, sameWords: true), false, false),
        // The same site: 2 shared terms and a tenth.
        (MatterScore(sharedTerms: 2, overlap: 0.10, samePlace: true, bothPlaced: true), false, true),
        (MatterScore(sharedTerms: 1, overlap: 1, samePlace: true, bothPlaced: true, sameWords: true), false, false),
        (MatterScore(sharedTerms: 5, overlap: 0.09, samePlace: true, bothPlaced: true), false, false),
        // The same town or village lowers the bar like a named place, even when the texts name two sites.
        (MatterScore(sharedTerms: 2, overlap: 0.2), true, true),
        (MatterScore(sharedTerms: 2, overlap: 0.2, bothPlaced: true), true, true),
        (MatterScore(sharedTerms: 1, overlap: 0.5), true, false),
        (MatterScore(sharedTerms: 1, overlap: 1, sameWords: true), true, false),
    ] as [(MatterScore, Bool, Bool)])
    func sameMatter(_ score: MatterScore, _ locality: Bool, _ expected: Bool) {
        #expect(RepeatRule.sameMatter(score, sameLocality: locality) == expected)
    }

    @Test(arguments: [
        // (new request's place, earlier case's place, same locality?) over TreeFixture
        (6, 6, true),       // a town
        (11, 11, true),     // a village
        (3, 3, false),      // a district is too wide
        (4, 4, false),      // a district department
        (6, 11, false),     // a town and a village below it: not the same unit
        (nil, nil, false), (6, nil, false), (nil, 6, false),
        (500, 500, false),  // unknown
    ] as [(UnitID?, UnitID?, Bool)])
    func sameLocality(_ a: UnitID?, _ b: UnitID?, _ expected: Bool) {
        #expect(RepeatRule.sameLocality(a, b, in: TreeFixture.tree) == expected)
    }

    typealias E = RepeatRule.Earlier
    typealias D = RepeatRule.Decision

    @Test(arguments: [
        // (earlier cases, final first then newest first; which are the same matter; decision; how many compared)
        ([], [], D(), 0),
        ([E(id: 5)], [], D(), 1),
        ([E(id: 5)], [5], D(repeatOf: 5, leaderProposed: true), 1),
        ([E(id: 5, repeatOf: 2)], [5], D(repeatOf: 2, leaderProposed: true), 1),             // the first of the chain
        ([E(id: 7), E(id: 5), E(id: 3)], [5, 3], D(repeatOf: 5, leaderProposed: true), 2),   // the newest repeat; stops there
        ([E(id: 9, isFinal: true), E(id: 5)], [9], D(repeatOf: 9, finalCase: 9), 2),         // 终结: not proposed
        ([E(id: 9, repeatOf: 4, isFinal: true)], [9], D(repeatOf: 4, finalCase: 9), 1),
        ([E(id: 9, isFinal: true), E(id: 5)], [9, 5], D(repeatOf: 5, finalCase: 9), 2),      // linked to the open repeat, still final
        ([E(id: 9, isFinal: true), E(id: 8, isFinal: true), E(id: 5)], [9, 8], D(repeatOf: 9, finalCase: 9), 2), // the first final; no second asked
        ([E(id: 9, isFinal: true), E(id: 5)], [5], D(repeatOf: 5, leaderProposed: true), 2), // another matter was final
    ] as [([E], Set<CaseID>, D, Int)])
    func decide(_ earlier: [E], _ same: Set<CaseID>, _ expected: D, _ compared: Int) {
        var asked = 0
        let d = RepeatRule.decide(earlier) { i in
            asked += 1
            return same.contains(earlier[i].id)
        }
        #expect(d == expected)
        #expect(asked == compared)
    }

    @Test func window() {
        #expect(RepeatRule.windowSeconds == 90 * 86_400 && RepeatRule.candidateLimit == 20)
    }
}
