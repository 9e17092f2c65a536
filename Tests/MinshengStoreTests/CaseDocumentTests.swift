import Foundation
import MinshengDomain
import Testing
@testable import MinshengStore

@Suite struct CaseDocumentTests {
    /// A case with every optional set, awkward text included.
    static func fullCase() -> Case {
        var c = Case(id: 0, trackingCode: "ABCDEFGH23", channel: .wechat, kind: .report, title: "标题 \"引号\" \\ 反斜杠",
                     content: "第一行\n第二行\t制表\u{1}控制 😀", citizen: Citizen(name: "张三", phone: "13800001234", idNumber: "110101199003070012", anonymous: true),
                     center: 2, policyID: "statute", registeredAt: Instant(seconds: 1_700_000_000))
        c.caseClass = .accusation; c.category = "城乡建设"; c.address = "渝中区解放碑"; c.locationUnit = 6
        c.state = .reviewing; c.holder = 3; c.leadUnit = 4; c.coHandlers = [5, 7]; c.dispatchMode = .assign
        c.deliveredAt = Instant(seconds: 1_700_000_100)
        for (i, step) in DeadlineStep.allCases.enumerated() { c.deadlines[step] = Instant(seconds: 1_700_100_000 + Int64(i)) }
        c.deadlines.warning = Instant(seconds: 1_700_050_000)
        c.pause = Pause(reason: .hearing, since: Instant(seconds: 1_700_000_200))
        c.pendingExtension = ExtensionRequest(amount: 5, reason: "需要协调", requestedAt: Instant(seconds: 1_700_000_300))
        c.extended = 3; c.transferCount = 2; c.reopenCount = 1; c.leaderProposed = true
        c.returnRequest = ReturnRequest(isObjection: true, reason: "非本单位职责", fromState: .signed, fromUnit: 4)
        c.objectionDenied = ReturnRequest(isObjection: false, reason: "不属本单位", fromState: .dispatched, fromUnit: 5)
        c.rejection = .arbitration
        c.reply = Reply(result: .explain, text: "答复", at: Instant(seconds: 1_700_000_400), unit: 4)
        c.evaluation = .dissatisfied
        c.reviewDecision = Decision(result: .support, text: "复查", at: Instant(seconds: 1_700_000_500), unit: 3)
        c.rereviewDecision = Decision(result: .notSupported, text: "复核", at: Instant(seconds: 1_700_000_600), unit: nil)
        c.alertNotice = AlertNotice(level: .urgent, phase: "reply#0")
        c.chainHead = "3f1a"
        c.supervisionOrders = [SupervisionOrder(seq: 3, unit: 4, text: "督办\"一\"", issuedAt: Instant(seconds: 1_700_000_800),
                                                due: Instant(seconds: 1_700_900_000), response: "已整改", respondedAt: Instant(seconds: 1_700_000_900)),
                               SupervisionOrder(seq: 5, unit: 5, text: "督办二", issuedAt: Instant(seconds: 1_700_001_000), due: Instant(seconds: 1_700_901_000))]
        c.owner = Owner(id: "leader-1", name: "李局长", unit: 3, since: Instant(seconds: 1_700_002_000))
        c.suggestion = Suggestion(category: "环境保护", confidence: 873, unit: 4)
        c.repeatOf = 12
        c.finalCase = 11
        c.similar = [3, 7]
        c.risks = ["self-harm", "gathering"]
        c.visitors = 6
        c.appointment = Instant(seconds: 1_700_003_000)
        c.handedOffTo = .fire; c.version = 9; c.updatedAt = Instant(seconds: 1_700_000_700)
        return c
    }

    @Test func everyPropertyRoundTrips() throws {
        let c = Self.fullCase()
        let doc = CaseDocument.encode(c)
        let back = try JSONDecoder().decode(Case.self, from: Data(doc.utf8))
        #expect(back == c)
        // Every stored property of Case is written (a new property must be added to CaseDocument).
        let json = try #require(try JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String: Any])
        let labels = Mirror(reflecting: c).children.compactMap(\.label)
        #expect(Set(labels).subtracting(json.keys).isEmpty, "missing in the document: \(Set(labels).subtracting(json.keys))")
        let deadlines = try #require(json["deadlines"] as? [String: Any])
        #expect(Set(Mirror(reflecting: c.deadlines).children.compactMap(\.label)).subtracting(deadlines.keys).isEmpty)
    }

    @Test func minimalCaseRoundTrips() throws {
        let c = Case(id: 0, trackingCode: "X", channel: .web, kind: .help, title: "t", content: "c", citizen: Citizen(),
                     center: 2, policyID: "12320", registeredAt: Instant(seconds: 0))
        #expect(try JSONDecoder().decode(Case.self, from: Data(CaseDocument.encode(c).utf8)) == c)
    }
}

@Suite struct CaseDocumentUpgradeTests {
    /// A document as the first landed version wrote it (no suggestion, supervision, owner or alert notice):
    /// it must still be read, with the later fields at their defaults.
    @Test func documentsFromEarlierVersionsAreRead() throws {
        let old = #"{"id":0,"trackingCode":"ABCDEFGH23","channel":"web","kind":"help","title":"t","content":"c","citizen":{"anonymous":false},"policyID":"12320","state":"dispatched","registeredAt":1700000000,"center":2,"holder":4,"coHandlers":[],"deadlines":{"accept":1700300000},"extended":0,"transferCount":0,"reopenCount":0,"leaderProposed":false,"version":2,"updatedAt":1700000100}"#
        let c = try JSONDecoder().decode(Case.self, from: Data(old.utf8))
        #expect(c.state == .dispatched && c.holder == 4 && c.deadlines.accept == Instant(seconds: 1_700_300_000))
        #expect(c.supervisionOrders.isEmpty && c.owner == nil && c.suggestion == nil && c.alertNotice == nil)
    }
}
