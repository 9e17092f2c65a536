import Foundation
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Repeat requests from the same citizen")
struct RepeatTests {
    @Test func theSameCitizenAboutTheSameMatterIsLinkedAndProposedForLeaderOwnership() async throws {
        try await withAPI { h in
            let first = try await h.create(title: "燃气费计费异常", category: "城乡建设", phone: "13800001234")
            let other = try await h.create(title: "幼儿园入学咨询", category: "教育文体", phone: "13800001234")
            h.clock.advance(seconds: 86_400)
            // The same phone written differently, the same category: a repeat of the first.
            let again = try await h.create(title: "燃气费还是不对", category: "城乡建设", phone: "138-0000-1234")
            let c = try await h.show(again)
            #expect(c["repeatOf"].int == first)
            #expect(c["leaderProposed"].bool == true)
            #expect(c["history"][0]["data"]["repeatOf"].string == String(first))
            #expect(try await h.show(other)["repeatOf"].isNull)
            #expect(try await h.listIDs("leaderProposed=true") == [again])
            // A third one links to the first of the chain, not to the repeat.
            let third = try await h.create(title: "燃气费第三次反映", category: "城乡建设", phone: "13800001234")
            #expect(try await h.show(third)["repeatOf"].int == first)
            // Another citizen, or after 90 days, is not a repeat.
            let stranger = try await h.create(title: "燃气费计费异常", category: "城乡建设", phone: "13900009999")
            #expect(try await h.show(stranger)["repeatOf"].isNull)
            h.clock.advance(seconds: 91 * 86_400)
            let late = try await h.create(title: "燃气费计费异常", category: "城乡建设", phone: "13800001234")
            #expect(try await h.show(late)["repeatOf"].isNull)
        }
    }
}
