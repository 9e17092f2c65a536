import Testing
@testable import MinshengStore

@Suite struct SearchTokensTests {
    @Test func cjkRunsBecomeBigrams() {
        #expect(SearchTokens.indexText("路灯不亮") == "路灯 灯不 不亮")
        #expect(SearchTokens.indexText("灯") == "灯")
        #expect(SearchTokens.indexText("A3区路灯，ＷｉＦｉ坏了") == "a3 区路 路灯 wifi 坏了")
    }

    @Test func queriesArePhrasesOfBigrams() {
        #expect(SearchTokens.queryTerms("快递代收点") == [.phrase(["快递", "递代", "代收", "收点"])])
        #expect(SearchTokens.queryTerms("灯 噪音") == [.single("灯"), .phrase(["噪音"])])
        #expect(SearchTokens.fts5Match("路灯 噪音") == "\"路灯\" AND \"噪音\"")
        #expect(SearchTokens.fts5Match("\"") == nil)
        #expect(SearchTokens.fts5Match("灯") == nil)
    }
}
