import Foundation
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import MinshengText
import Testing

@Suite("Category suggestion at registration")
struct SuggestionTests {
    @Test func theShippedModelSuggestsACategoryAndTheDistrictDepartment() async throws {
        let classifier = try #require(try shippedClassifier())
        let store = try await SQLiteStore.open(.memory)
        let platform = Platform(store: store, clock: ManualClock(monday9), calendar: try shippedCalendar(), classifier: classifier)
        try await platform.addUnits(apiUnits)
        var d = CaseDraft(channel: .web, kind: .help, title: "工地拖欠农民工工资",
                          content: "我在工地务工半年，包工头拖欠工资三万多元，劳动合同也没有签，多次讨薪无果，请求劳动监察部门帮助。")
        d.locationUnit = 6 // a street of 渝中区: the district's department is suggested
        let c = try await platform.register(d, by: watchAdmin).case
        let s = try #require(c.suggestion)
        #expect(s.category == "劳动和社会保障")
        #expect(s.confidence > 500 && s.confidence <= 1000)
        #expect(s.unit == 5) // 渝中区人力社保局
        // Stored with the case and shown by the API.
        #expect(try await store.case(c.id)?.suggestion == s)
        // A category with no department at this level falls back to none rather than a wrong unit.
        #expect(platform.suggestedUnit(for: "环境保护", near: 6) == nil)
        #expect(platform.suggestedUnit(for: "城乡建设", near: nil) == nil)
        try await store.close()
    }
}
