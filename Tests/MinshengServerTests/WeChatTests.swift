import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// WeChat's server protocol spoken as WeChat speaks it: signed query strings, XML bodies, passive replies.
let wxToken = "minsheng2026"
let wxAppID = "wx1234567890abcdef"
/// The example key of WeChat's documentation: its last character leaves non-zero bits (a strict Base64 decoder refuses it).
let wxAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
let wxPlain = WeChatConfig(token: wxToken, appID: wxAppID)
let wxSafe = WeChatConfig(token: wxToken, appID: wxAppID, encodingAESKey: wxAESKey)

/// A message as WeChat pushes it.
func wxMessage(_ type: String, from: String = "oUser1", msgId: String? = "7000000000000000001", createTime: Int64 = 1_793_581_200,
               _ fields: [(String, String)]) -> String {
    var x = "<xml>\n  <ToUserName><![CDATA[gh_minsheng]]></ToUserName>\n  <FromUserName><![CDATA[\(from)]]></FromUserName>\n"
    x += "  <CreateTime>\(createTime)</CreateTime>\n  <MsgType><![CDATA[\(type)]]></MsgType>\n"
    for (k, v) in fields { x += "  <\(k)><![CDATA[\(v)]]></\(k)>\n" }
    if let msgId { x += "  <MsgId>\(msgId)</MsgId>\n" }
    return x + "</xml>"
}

func wxText(_ content: String, from: String = "oUser1", msgId: String = "7000000000000000001") -> String {
    wxMessage("text", from: from, msgId: msgId, [("Content", content)])
}

extension Harness {
    /// The signed query string WeChat adds to every request, at the platform's clock (or `timestamp`).
    func wxQuery(timestamp: Int64? = nil, nonce: String = "486452656", token: String = wxToken, extra: [(String, String)] = []) -> String {
        let ts = String(timestamp ?? clock.now().seconds)
        let sig = WeChatCrypto.signature([token, ts, nonce])
        return (["signature=\(sig)", "timestamp=\(ts)", "nonce=\(nonce)"] + extra.map { "\($0.0)=\(enc($0.1))" }).joined(separator: "&")
    }

    func wxPost(_ xml: String, query: String? = nil) async throws -> APIResponse {
        try await send(.post, "/channels/wechat?" + (query ?? wxQuery()), body: xml, token: nil, headers: [.contentType: "text/xml"])
    }

    /// Posts a message that must be answered with a passive text reply; returns the reply's fields.
    func wxReply(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> XMLTexts {
        let r = try await wxPost(xml)
        #expect(r.status == .ok, "\(r.status.code): \(r.text)", sourceLocation: sourceLocation)
        return try #require(XMLTexts.parse(r.text), "reply is not XML: \(r.text)", sourceLocation: sourceLocation)
    }
}

extension Harness {
    /// The case whose tracking code a reply carries.
    func wxCase(_ reply: XMLTexts, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Case {
        let code = try #require(trackingCode(in: reply.first("Content")), "\(reply.texts)", sourceLocation: sourceLocation)
        return try #require(try await platform.store.case(trackingCode: code), sourceLocation: sourceLocation)
    }
}

/// The tracking code in "…查询码：XXXXXXXXXX。…".
func trackingCode(in text: String?) -> String? {
    guard let t = text, let r = t.range(of: "查询码：") else { return nil }
    return String(t[r.upperBound...].prefix(10))
}

@Suite("WeChat") struct WeChatTests {
    @Test func signatureMatchesWeChatsExample() {
        // 接入指南: Token "AAAAA", timestamp 1714037059, nonce 486452656.
        #expect(WeChatCrypto.signature(["AAAAA", "1714037059", "486452656"]) == "899cf89e464efb63f54ddac96b0a0a235f53aa78")
    }

    @Test func handshakeEchoesOnlyWithTheRightSignature() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let ok = try await h.send(.get, "/channels/wechat?" + h.wxQuery(extra: [("echostr", "5837397520667384")]), token: nil)
            #expect(ok.status == .ok)
            #expect(ok.text == "5837397520667384")
            let bad = try await h.send(.get, "/channels/wechat?" + h.wxQuery(token: "wrong-token", extra: [("echostr", "1")]), token: nil)
            #expect(bad.status == .forbidden)
            #expect(bad.text != "1")
            let stale = try await h.send(.get, "/channels/wechat?" + h.wxQuery(timestamp: h.clock.now().seconds - 301, extra: [("echostr", "1")]), token: nil)
            #expect(stale.status == .forbidden)
            let missing = try await h.send(.get, "/channels/wechat?echostr=1", token: nil)
            #expect(missing.status == .forbidden)
        }
        // Not configured: the channel does not exist.
        try await withAPI { h in
            let get = try await h.send(.get, "/channels/wechat?" + h.wxQuery(extra: [("echostr", "1")]), token: nil)
            let post = try await h.wxPost(wxText("路灯不亮"))
            #expect(get.status == .notFound && post.status == .notFound)
        }
    }

    @Test func textBecomesACaseWithAPassiveReply() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let text = "投诉：解放碑好吃街的烧烤店每晚油烟扰民，窗户都不能开，希望有关部门管一管。"
            let reply = try await h.wxReply(wxText(text))
            // To and from swapped, a text reply with the tracking code.
            #expect(reply.first("ToUserName") == "oUser1")
            #expect(reply.first("FromUserName") == "gh_minsheng")
            #expect(reply.first("MsgType") == "text")
            #expect(Int64(reply.first("CreateTime") ?? "") == h.clock.now().seconds)
            #expect(reply.first("Content")?.hasPrefix("已收到您的诉求，查询码：") == true, "\(reply.texts)")
            let code = try #require(trackingCode(in: reply.first("Content")))
            let c = try #require(try await h.platform.store.case(trackingCode: code))
            #expect(c.channel == .wechat)
            #expect(c.kind == .complaint)
            #expect(c.content == text)
            #expect(c.title == Open311Controller.title(of: text))
            #expect(c.title.count <= 31)
            #expect(c.state == .registered && c.center == 2)
            // In the same inbox as every other channel.
            #expect(try await h.listIDs("channel=wechat") == [Int(c.id)])
            let events = try await h.platform.store.events(of: c.id)
            #expect(events[0].actorID == "channel:wechat" && events[0].role == .registrar)
            #expect(events[0].data["wechat.msgId"] == "7000000000000000001")
            // The subscriber is known by a keyed hash only: the OpenID is nowhere in the case, its events or its view.
            let key = "wx:" + h.platform.sealer.citizenKey("oUser1")
            #expect(try await h.platform.store.cases(citizenKey: key, since: Instant(seconds: 0), limit: 10).map(\.id) == [c.id])
            let view = try await h.get("/api/v1/cases/\(c.id)")
            #expect(view.status == .ok)
            #expect(!view.text.contains("oUser1"))
            #expect(!events.contains { $0.data.values.contains { $0.contains("oUser1") } || $0.note.contains("oUser1") })
            #expect(c.citizen.phone == nil && c.citizen.name == nil)
        }
    }

    @Test func imageLocationAndVoice() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let image = try await h.wxReply(wxMessage("image", msgId: "7000000000000000002",
                                                      [("PicUrl", "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"), ("MediaId", "media_abc")]))
            let ic = try await h.wxCase(image)
            #expect(ic.channel == .wechat && ic.kind == .help)
            #expect(ic.content.contains("http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"))
            let ie = try await h.platform.store.events(of: ic.id)[0]
            #expect(ie.data["wechat.picUrl"] == "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0")
            #expect(ie.data["wechat.mediaId"] == "media_abc")
            #expect(ie.data["wechat.msgType"] == "image")

            let location = try await h.wxReply(wxMessage("location", msgId: "7000000000000000003",
                                                         [("Location_X", "29.5628"), ("Location_Y", "106.5528"), ("Scale", "15"),
                                                          ("Label", "重庆市渝中区解放碑步行街")]))
            let lc = try await h.wxCase(location)
            #expect(lc.address == "重庆市渝中区解放碑步行街 (29.5628,106.5528)")
            #expect(lc.title == "微信位置：重庆市渝中区解放碑步行街")
            let le = try await h.platform.store.events(of: lc.id)[0]
            #expect(le.data["wechat.lat"] == "29.5628" && le.data["wechat.long"] == "106.5528")

            let voice = try await h.wxReply(wxMessage("voice", msgId: "7000000000000000004",
                                                      [("MediaId", "media_voice"), ("Format", "amr"), ("Recognition", "我要举报小区里有人违章搭建")]))
            let vc = try await h.wxCase(voice)
            #expect(vc.content == "我要举报小区里有人违章搭建")
            #expect(vc.kind == .report)
            // A voice message without recognition text asks for text and registers nothing.
            let unheard = try await h.wxReply(wxMessage("voice", msgId: "7000000000000000005", [("MediaId", "m"), ("Format", "amr")]))
            #expect(unheard.first("Content")?.contains("文字") == true)
            #expect(try await h.caseCount() == 3)
            // The same subscriber's cases are found together by the keyed hash.
            let key = "wx:" + h.platform.sealer.citizenKey("oUser1")
            #expect(try await h.platform.store.cases(citizenKey: key, since: Instant(seconds: 0), limit: 10).count == 3)
        }
    }

    @Test func retryOfTheSameMsgIdIsOneCaseAndTheSameReply() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let msg = wxText("小区门口的路灯坏了两周，晚上很黑。", msgId: "7100000000000000001")
            let first = try await h.wxReply(msg)
            h.clock.advance(seconds: 5)
            let second = try await h.wxReply(msg)
            h.clock.advance(seconds: 5)
            let third = try await h.wxReply(msg)
            #expect(try await h.caseCount() == 1)
            #expect(first.first("Content") == second.first("Content"))
            #expect(second.first("Content") == third.first("Content"))
            // Another message is another case.
            _ = try await h.wxReply(wxText("小区门口的路灯坏了两周，晚上很黑。", msgId: "7100000000000000002"))
            #expect(try await h.caseCount() == 2)
        }
    }

    @Test func queryAnswersTheStateAndRegistersNothing() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let reply = try await h.wxReply(wxText("咨询：新生儿落户需要哪些材料？"))
            let code = try #require(trackingCode(in: reply.first("Content")))
            let c = try #require(try await h.platform.store.case(trackingCode: code))
            #expect(c.kind == .consultation)
            try await h.step(Int(c.id), "dispatch", ["unit": 4])
            let q = try await h.wxReply(wxText("查询 \(code.lowercased())", msgId: "7000000000000000009"))
            let content = try #require(q.first("Content"))
            #expect(content.contains(code) && content.contains("状态：已转交承办单位") && !content.contains("待签收") && content.contains("渝中区城市管理局"), "\(content)")
            #expect(try await h.caseCount() == 1)
            // Another subscriber cannot read it by the code.
            let other = try await h.wxReply(wxText("查询 \(code)", from: "oUser2", msgId: "7000000000000000010"))
            #expect(other.first("Content")?.contains("未找到") == true)
            #expect(other.first("Content")?.contains("状态") == false)
            #expect(try await h.caseCount() == 1)
        }
    }

    @Test func subscribeIsWelcomedAndOtherEventsAnsweredSuccess() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let welcome = try await h.wxReply(wxMessage("event", msgId: nil, [("Event", "subscribe")]))
            #expect(welcome.first("Content") == WeChatController.welcome)
            let r = try await h.wxPost(wxMessage("event", msgId: nil, [("Event", "unsubscribe")]))
            #expect(r.status == .ok && r.text == "success")
            #expect(try await h.caseCount() == 0)
        }
    }

    @Test func hostileInputIsRefusedAndCreatesNothing() async throws {
        try await withAPI(wechat: wxPlain) { h in
            let bodies = [
                "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text", // unclosed
                "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>gh</ToUserName>"
                    + "<FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>",
                "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&x;</Content></xml>",
                "<xml><!ENTITY a \"b\"><MsgType>text</MsgType></xml>",
                "<xml><ToUserName a=\"1\">gh</ToUserName></xml>",
                "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>没有收件人</Content></xml>",
                "not xml at all",
                "",
                wxText("路灯不亮").replacingOccurrences(of: "<MsgId>7000000000000000001</MsgId>", with: "<MsgId>1; DROP</MsgId>"),
                "<xml>" + String(repeating: "<a>", count: 50) + "x" + String(repeating: "</a>", count: 50) + "</xml>",
            ]
            for b in bodies {
                let r = try await h.wxPost(b)
                #expect(r.status == .badRequest, "\(b.prefix(60)): \(r.status.code) \(r.text)")
                #expect(!r.text.contains("查询码"))
            }
            // Oversize.
            let big = wxText(String(repeating: "很长的诉求", count: 14_000))
            #expect(try await h.wxPost(big).status == .contentTooLarge)
            // Replayed (stale) and unsigned requests.
            #expect(try await h.wxPost(wxText("路灯不亮"), query: h.wxQuery(timestamp: h.clock.now().seconds - 301)).status == .forbidden)
            #expect(try await h.wxPost(wxText("路灯不亮"), query: h.wxQuery(token: "guessed")).status == .forbidden)
            #expect(try await h.wxPost(wxText("路灯不亮"), query: "timestamp=\(h.clock.now().seconds)&nonce=1").status == .forbidden)
            // An encrypted message without a configured key.
            #expect(try await h.wxPost(wxText("路灯不亮"), query: h.wxQuery(extra: [("encrypt_type", "aes"), ("msg_signature", "x")])).status == .badRequest)
            #expect(try await h.caseCount() == 0)
            // A predefined entity and a character reference are text, not markup.
            let ok = try await h.wxReply(wxText("").replacingOccurrences(of: "<Content><![CDATA[]]></Content>",
                                                                         with: "<Content>噪音 &lt;凌晨&gt; &amp; 灯光&#x21;</Content>"))
            let c = try await h.wxCase(ok)
            #expect(c.content == "噪音 <凌晨> & 灯光!")
        }
    }

    @Test func parserUnitCases() throws {
        #expect(try WeChatXML.parse("<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>2</B></xml>") == ["A": "x]]>y", "B": "2"])
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<xml><A>1</B></xml>") }
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<xml><A>1</A></xml><xml></xml>") }
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<xml><A>&#0;</A></xml>") }
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<xml><A>&lol1;</A></xml>") }
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse([0xFF, 0xFE, 0x3C]) }
        // Processing instructions are refused (issue 22 item 5): before the root, after the declaration, inside.
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<?xml-stylesheet type=\"text/xsl\" href=\"x.xsl\"?><xml><A>1</A></xml>") }
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<?xml version=\"1.0\"?><?evil x?><xml><A>1</A></xml>") }
        #expect(throws: WeChatXML.Malformed.self) { try WeChatXML.parse("<xml><?pi x?><A>1</A></xml>") }
        #expect(try WeChatXML.parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<xml><A>1</A></xml>") == ["A": "1"])
        // What we write, we read back (a "]]>" inside a value survives).
        let doc = WeChatXML.document([("Content", "a]]>b", false), ("CreateTime", "12", true)])
        #expect(doc == "<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content><CreateTime>12</CreateTime></xml>")
        #expect(try WeChatXML.parse(doc) == ["Content": "a]]>b", "CreateTime": "12"])
    }

    // MARK: Safe mode

    @Test func cipherMatchesAKnownVector() throws {
        // Made with Python's `cryptography` (AES-256-CBC, no padding of its own) from WeChat's documented scheme:
        // key = Base64Decode(key + "="), IV = key[0..<16], random(16) + length(4, big-endian) + XML + AppID, PKCS#7 to 32.
        let crypto = try WeChatCrypto(wxSafe)
        #expect(crypto.aesKey?.map { hex2($0) }.joined() == "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051")
        let xml = "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1793581200</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[投诉：楼下烧烤店油烟扰民]]></Content><MsgId>7000000000000000001</MsgId></xml>"
        let vector = "Q3stYC6hdFzMh9T8HCvyDDN2GmpDSDx4IFlkR91d2k+IwE0yD41moHDX6v7V50D2MpBOpc1+zBcCRE7KW3Chgsrob9pLXb5BGK3qmG7240T6Fym16fAslpRcRdemMgjO1iaxFnfaHmu5hsY9aRk3ifcG19kV9DLr0Q8835EmYmzrkP8qyHPv/ayKjeJk+litXF4WvxAO1aE6SRsK0qyP+KKCwqG9cycpcv1zo0RlRnCxjk8IaSKN2OGf+IQpMaOzjGEd99MEQnnJ1Geby3zuE8P2TfTMomPmgArBkNhyo8Rg4YwXmSN0sKebZ4mcG4Qmd/HJslISZSv2g7UEje71IbJd/XGjnJPEQnsGm/KcTy6B6WLc2wR1UX7/Q61Zl9VGEFlCRUqDQSfwztjAAyVAYiwhpEdg51uVo4g+c1MrIOg="
        #expect(try crypto.encrypt(xml, random: Array("0123456789abcdef".utf8)) == vector)
        #expect(try crypto.decrypt(vector) == xml)
        // Another AppID's message is refused.
        let other = try WeChatCrypto(WeChatConfig(token: wxToken, appID: "wxOTHER", encodingAESKey: wxAESKey))
        #expect(throws: WeChatCrypto.Failure.wrongAppID) { try other.decrypt(vector) }
        #expect(throws: (any Error).self) { try crypto.decrypt("bm90IGEgY2lwaGVydGV4dA==") }
        #expect(WeChatConfig(token: wxToken, appID: wxAppID, encodingAESKey: "short").problem != nil)
        #expect(wxSafe.problem == nil)
    }

    @Test func safeModeRoundTrip() async throws {
        try await withAPI(wechat: wxSafe) { h in
            let crypto = try WeChatCrypto(wxSafe)
            func post(_ inner: String, appID: String = wxAppID) async throws -> APIResponse {
                let sender = appID == wxAppID ? crypto : try WeChatCrypto(WeChatConfig(token: wxToken, appID: appID, encodingAESKey: wxAESKey))
                let enc = try sender.encrypt(inner)
                let ts = String(h.clock.now().seconds), nonce = "1320562132"
                let body = "<xml><ToUserName><![CDATA[gh_minsheng]]></ToUserName><Encrypt><![CDATA[\(enc)]]></Encrypt></xml>"
                let query = h.wxQuery(nonce: nonce, extra: [("openid", "oUser1"), ("encrypt_type", "aes"),
                                                            ("msg_signature", crypto.messageSignature(timestamp: ts, nonce: nonce, encrypt: enc))])
                return try await h.wxPost(body, query: query)
            }
            let r = try await post(wxText("投诉：夜间施工噪音扰民，凌晨两点还在打桩。"))
            #expect(r.status == .ok, "\(r.text)")
            let outer = try #require(XMLTexts.parse(r.text))
            let enc = try #require(outer.first("Encrypt"))
            let ts = try #require(outer.first("TimeStamp")), nonce = try #require(outer.first("Nonce"))
            #expect(outer.first("MsgSignature") == crypto.messageSignature(timestamp: ts, nonce: nonce, encrypt: enc))
            #expect(outer.first("Content") == nil, "nothing in clear")
            // Decrypting checks the AppID; the reply inside is the usual passive reply.
            let inner = try #require(XMLTexts.parse(try crypto.decrypt(enc)))
            #expect(inner.first("ToUserName") == "oUser1" && inner.first("FromUserName") == "gh_minsheng")
            let code = try #require(trackingCode(in: inner.first("Content")))
            let c = try #require(try await h.platform.store.case(trackingCode: code))
            #expect(c.channel == .wechat && c.content == "投诉：夜间施工噪音扰民，凌晨两点还在打桩。")
            // A plain message in safe mode, a wrong msg_signature, another AppID: refused, nothing registered.
            #expect(try await h.wxPost(wxText("路灯不亮", msgId: "1")).status == .badRequest)
            let enc2 = try crypto.encrypt(wxText("路灯不亮", msgId: "2"))
            let bad = h.wxQuery(extra: [("encrypt_type", "aes"), ("msg_signature", String(repeating: "0", count: 40))])
            #expect(try await h.wxPost("<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[\(enc2)]]></Encrypt></xml>", query: bad).status == .forbidden)
            #expect(try await post(wxText("路灯不亮", msgId: "3"), appID: "wxOTHER").status == .badRequest)
            #expect(try await h.caseCount() == 1)
        }
    }
}
