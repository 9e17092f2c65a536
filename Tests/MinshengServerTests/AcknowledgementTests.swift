import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

@Suite("Per-channel time to acknowledgement (GB/T 33358)")
struct AcknowledgementTests {
    @Test("percentiles, shares and the share within target, from given times")
    func compute() {
        let t0 = monday9
        func row(_ ch: Channel, _ delay: Int64?) -> AcknowledgementRow {
            AcknowledgementRow(channel: ch.rawValue, registeredAt: t0, acknowledgedAt: delay.map { t0.adding(seconds: $0) })
        }
        let rows = [row(.sms, 30), row(.sms, 60), row(.sms, 100), row(.sms, 200), row(.sms, nil),
                    row(.email, 3600), row(.email, 90_000), row(.web, 0), row(.phone, 0), row(.phone, 120)]
        let f = ChannelFigures.compute(rows, from: t0, to: t0.adding(seconds: 86_400))
        #expect(f.total == 10)
        #expect(f.rows.map(\.channel) == [.phone, .web, .sms, .email]) // the enumeration's order
        let sms = f.rows.first { $0.channel == .sms }!
        #expect(sms.volume == 5 && sms.acknowledged == 4)
        #expect(sms.share == 0.5)
        #expect(sms.median == 60 && sms.p90 == 200) // nearest rank over [30, 60, 100, 200]
        #expect(sms.withinTarget == 3 && sms.withinShare == 0.6 && sms.target == 180 && sms.targetLabel == "3分钟内")
        let email = f.rows.first { $0.channel == .email }!
        #expect(email.withinTarget == 1 && email.target == 86_400 && email.targetLabel == "24小时内")
        let phone = f.rows.first { $0.channel == .phone }!
        #expect(phone.withinTarget == 1 && phone.target == 0 && phone.targetLabel == "当场")
        #expect(ChannelFigures.duration(125) == "2分5秒" && ChannelFigures.duration(7200) == "2小时" && ChannelFigures.duration(nil) == "—")
    }

    @Test("acknowledgement is recorded per case — at registration when the answer carries the code, at the ack notice's delivery otherwise — and reported per channel")
    func recorded() async throws {
        try await withAPI { h in
            let clock = h.clock
            // Web (portal/public API): acknowledged in the response itself.
            let web = try await h.post("/api/v1/public/cases", ["kind": "help", "title": "路灯不亮", "content": "小区路灯坏了。",
                                                                "citizen": ["name": "王", "phone": "13800001234"]], token: nil)
            #expect(web.status == .created)
            // Phone, registered while the caller waits; another one registered 5 minutes after the call (not "on the spot").
            _ = try await h.create(title: "噪音扰民", channel: "phone")
            let late = try await h.post("/api/v1/cases", ["channel": "phone", "kind": "help", "title": "回拨登记", "content": "通话后补登。",
                                                          "receivedAt": "2026-11-02T08:55:00+08:00"])
            #expect(late.status == .created)
            // SMS: the ack notice is queued with the registration; the outbox delivers one after 2 minutes, one after 4.
            let center = try #require(h.platform.defaultCenter)
            let smsActor = Actor(id: "channel:sms", name: "短信平台", role: .registrar, unit: center.id)
            var ids: [CaseID] = []
            for (i, phone) in ["13900000001", "13900000002", "13900000003"].enumerated() {
                var d = CaseDraft(channel: .sms, kind: .help, title: "短信诉求\(i)", content: "短信内容\(i)", citizen: Citizen(phone: phone))
                d.acknowledge = true
                ids.append(try await h.platform.register(d, by: smsActor).case.id)
            }
            let acks = try await h.platform.store.claimNotices(at: clock.now(), limit: 10, lease: 60).filter { $0.kind == "ack" }
            #expect(acks.count == 3)
            clock.advance(seconds: 120)
            try await h.platform.store.markNoticeSent(acks.first { $0.caseID == ids[0] }!.id, at: clock.now())
            clock.advance(seconds: 120)
            try await h.platform.store.markNoticeSent(acks.first { $0.caseID == ids[1] }!.id, at: clock.now())
            // A second delivery report does not move the acknowledgement.
            clock.advance(seconds: 600)
            try await h.platform.store.markNoticeSent(acks.first { $0.caseID == ids[0] }!.id, at: clock.now())

            let leader = try await h.accounts.user("ack.leader", unit: 1, roles: [.leader])
            let r = try await h.get("/api/v1/stats/channels?from=2026-11-01&to=2026-11-30", token: leader.token)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["total"].int == 6)
            let rows = Dictionary(uniqueKeysWithValues: r["channels"].array.map { ($0["channel"].string ?? "", $0) })
            #expect(rows["web"]?["medianSeconds"].int == 0)
            #expect(rows["web"]?["withinTarget"].int == 1)
            #expect(rows["web"]?["target"].string == "3分钟内")
            #expect(rows["phone"]?["volume"].int == 2)
            #expect(rows["phone"]?["withinTarget"].int == 1)
            #expect(rows["phone"]?["p90Seconds"].int == 300)
            #expect(rows["phone"]?["target"].string == "当场")
            #expect(rows["sms"]?["volume"].int == 3)
            #expect(rows["sms"]?["acknowledged"].int == 2)
            #expect(rows["sms"]?["medianSeconds"].int == 120)
            #expect(rows["sms"]?["p90Seconds"].int == 240)
            #expect(rows["sms"]?["withinTarget"].int == 1)
            #expect(rows["sms"]?["targetSeconds"].int == 180)
            // The dashboard shows the same table, with the targets.
            let page = try await h.get("/console/dashboard?from=2026-11-01&to=2026-11-30", token: leader.token)
            #expect(page.text.contains("各渠道受理回执时效") && page.text.contains("3分钟内") && page.text.contains("2分"))
            // Staff without a statistics role are refused.
            let handler = try await h.accounts.user("ack.handler", unit: 4, roles: [.handler])
            #expect(try await h.get("/api/v1/stats/channels", token: handler.token).status == .forbidden)
        }
    }

    @Test("an e-mail is acknowledged by a reply through the outbox, to its sender's sealed address")
    func emailAck() async throws {
        try await withAPI { h in
            let raw = Array("From: =?UTF-8?B?5byg5LiJ?= <zhangsan@example.com>\r\nTo: 12345@gov.cn\r\nSubject: Complaint\r\nMessage-ID: <ack-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n投诉：楼下餐馆油烟扰民。\r\n".utf8)
            let ingest = try MailIngest(platform: h.platform, filesDirectory: nil)
            let outcome = try await ingest.ingest(raw)
            let notices = try await h.platform.store.notices(of: outcome.caseID)
            let ack = try #require(notices.first { $0.kind == "ack" })
            #expect(ack.phone.map { h.platform.sealer.isSealed($0) } == true)
            #expect(ack.phone.flatMap(h.platform.sealer.open) == "mailto:zhangsan@example.com")
            #expect(ack.message.contains(outcome.trackingCode))
        }
    }
}
