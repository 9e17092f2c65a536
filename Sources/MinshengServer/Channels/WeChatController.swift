import Foundation
import Hummingbird
import Logging
import MinshengDomain
import MinshengStore

/// The channels' webhooks under /channels (outside /api/v1: the callers are WeChat's servers and an SMS gateway,
/// each checked by its own signature, not by a user's session).
struct ChannelRoutes {
    let platform: Platform
    let config: AppConfig

    func add(to group: RouterGroup<AppRequestContext>) {
        WeChatController(platform: platform, config: config.wechat).addRoutes(to: group)
        SMSController(platform: platform, secret: config.smsSecret).addRoutes(to: group)
    }
}

/// A WeChat official account (公众号) on its server protocol (README "WeChat"): the GET handshake, pushed XML
/// messages turned into cases of channel `wechat` with a passive reply carrying the tracking code, "查询 CODE"
/// answered from the case, MsgId retries deduplicated, the plain and the safe (AES) mode.
struct WeChatController {
    let platform: Platform
    /// nil: not configured (or a bad EncodingAESKey): every route answers 404.
    let crypto: WeChatCrypto?
    /// Failed "查询" look-ups per subscriber: 10 per 15 minutes (tracking codes must not be guessed).
    let queryFailures: RateLimiter
    let logger = Logger(label: "minsheng.wechat")

    init(platform: Platform, config: WeChatConfig?) {
        self.platform = platform
        crypto = config.flatMap { try? WeChatCrypto($0) }
        queryFailures = RateLimiter(limit: 10, window: 15 * 60, clock: platform.clock)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("wechat", use: handshake)
        group.post("wechat", use: receive)
    }

    /// A request's timestamp may be at most this far from the platform's clock (a replayed request is refused).
    static let replayWindow: Int64 = 300

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func xml(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The signature, timestamp and nonce every request carries: nil when they are right, else the refusal.
    private func refusal(_ request: Request, _ crypto: WeChatCrypto) -> Response? {
        let q = request.uri.queryParameters
        guard let sig = q.get("signature"), let ts = q.get("timestamp"), let nonce = q.get("nonce"),
              !sig.isEmpty, sig.count <= 64, nonce.count <= 64 else {
            return Self.plain(.forbidden, "missing signature, timestamp or nonce")
        }
        guard let t = Int64(ts), abs(platform.clock.now().seconds - t) <= Self.replayWindow else {
            return Self.plain(.forbidden, "stale or invalid timestamp")
        }
        guard Secrets.constantTimeEqual(crypto.signature(timestamp: ts, nonce: nonce), sig.lowercased()) else {
            return Self.plain(.forbidden, "bad signature")
        }
        return nil
    }

    /// 接入验证: WeChat checks the server by a GET whose `echostr` must come back as it is.
    @Sendable func handshake(_ request: Request, context: AppRequestContext) async -> Response {
        guard let crypto else { return Self.plain(.notFound, "not found") }
        if let refused = refusal(request, crypto) { return refused }
        guard let echo = request.uri.queryParameters.get("echostr"), !echo.isEmpty, echo.count <= 128 else {
            return Self.plain(.badRequest, "missing echostr")
        }
        return Self.plain(.ok, echo)
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async -> Response {
        guard let crypto else { return Self.plain(.notFound, "not found") }
        if let refused = refusal(request, crypto) { return refused }
        let q = request.uri.queryParameters
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.body.collect(upTo: WeChatXML.maxBytes).readableBytesView)
        } catch {
            return Self.plain(.contentTooLarge, "message over \(WeChatXML.maxBytes / 1024) KB")
        }
        var fields: [String: String]
        do throws(WeChatXML.Malformed) { fields = try WeChatXML.parse(bytes) } catch {
            logger.notice("wechat: malformed message refused: \(error)")
            return Self.plain(.badRequest, "malformed message: \(error.reason)")
        }
        // The safe mode: the message is in <Encrypt>, signed by msg_signature; the reply is encrypted alike.
        let encrypted = crypto.aesKey != nil
        if encrypted {
            guard q.get("encrypt_type") == "aes", let msgSig = q.get("msg_signature"), let enc = fields["Encrypt"], !enc.isEmpty else {
                return Self.plain(.badRequest, "safe mode: an encrypted message (encrypt_type=aes, msg_signature, Encrypt) is expected")
            }
            let ts = q.get("timestamp") ?? "", nonce = q.get("nonce") ?? ""
            guard Secrets.constantTimeEqual(crypto.messageSignature(timestamp: ts, nonce: nonce, encrypt: enc), msgSig.lowercased()) else {
                return Self.plain(.forbidden, "bad msg_signature")
            }
            do {
                fields = try WeChatXML.parse(try crypto.decrypt(enc))
            } catch {
                logger.notice("wechat: encrypted message refused: \(error)")
                return Self.plain(.badRequest, "cannot decrypt the message (key, padding or AppID)")
            }
        } else if q.get("encrypt_type") == "aes" {
            return Self.plain(.badRequest, "encrypted message, but no EncodingAESKey is configured")
        }
        guard let openID = fields["FromUserName"], !openID.isEmpty, openID.count <= 128,
              let account = fields["ToUserName"], !account.isEmpty, account.count <= 128,
              let type = fields["MsgType"], !type.isEmpty else {
            return Self.plain(.badRequest, "malformed message: ToUserName, FromUserName and MsgType are required")
        }
        if let id = fields["MsgId"], id.isEmpty || id.count > 32 || !id.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Self.plain(.badRequest, "malformed message: MsgId")
        }
        let answer: String?
        do {
            answer = try await handle(type: type, fields, openID: openID)
        } catch {
            logger.error("wechat: message not registered: \(error)")
            answer = "系统繁忙，您的消息未能登记，请稍后重新发送。如情况紧急请拨打 12345。"
        }
        guard let answer else { return Self.plain(.ok, "success") }
        // 被动回复: to and from swapped.
        let now = platform.clock.now()
        let reply = WeChatXML.document([("ToUserName", openID, false), ("FromUserName", account, false),
                                        ("CreateTime", String(now.seconds), true), ("MsgType", "text", false), ("Content", answer, false)])
        guard encrypted else { return Self.xml(reply) }
        do {
            let ts = String(now.seconds)
            let nonce = String(UInt64.random(in: 1_000_000_000...9_999_999_999))
            let enc = try crypto.encrypt(reply)
            return Self.xml(WeChatXML.document([("Encrypt", enc, false),
                                                ("MsgSignature", crypto.messageSignature(timestamp: ts, nonce: nonce, encrypt: enc), false),
                                                ("TimeStamp", ts, true), ("Nonce", nonce, false)]))
        } catch {
            logger.error("wechat: cannot encrypt the reply: \(error)")
            return Self.plain(.ok, "success")
        }
    }

    /// The subscriber as a citizen: a keyed hash of the OpenID (the OpenID itself is never stored).
    func citizenKey(openID: String) -> String { "wx:" + platform.sealer.citizenKey(openID) }

    static let welcome = "欢迎关注！直接发送文字、图片、语音或位置即可反映诉求，我们会回复查询码；发送“查询 查询码”可查看办理进度。"
    static let unsupported = "目前只受理文字、图片、语音和位置消息，请用文字描述您的诉求。"

    /// The reply text, or nil for "success" (nothing to say).
    func handle(type: String, _ m: [String: String], openID: String) async throws -> String? {
        let key = citizenKey(openID: openID)
        var data: [String: String] = ["wechat.msgType": type]
        if let id = m["MsgId"] { data["wechat.msgId"] = id }
        switch type {
        case "event":
            return m["Event"]?.lowercased() == "subscribe" ? Self.welcome : nil
        case "text":
            let text = (m["Content"] ?? "").trimmed
            if let code = Self.queryCode(text) { return try await answerQuery(code: code, citizenKey: key) }
            guard !text.isEmpty else { return "请用文字描述您的诉求。" }
            return try await register(content: text, kind: Self.kind(of: text), address: nil, data: data, m, key: key)
        case "image":
            guard let url = m["PicUrl"], !url.isEmpty, url.count <= 1000 else { return Self.unsupported }
            data["wechat.picUrl"] = url
            if let media = m["MediaId"], media.count <= 200 { data["wechat.mediaId"] = media }
            return try await register(content: "群众通过微信发来图片：\(url)", kind: .help, address: nil, data: data, m, key: key,
                                      title: "微信图片诉求")
        case "voice":
            let text = (m["Recognition"] ?? "").trimmed
            guard !text.isEmpty else { return "未能识别您的语音，请改用文字描述诉求。" }
            if let media = m["MediaId"], media.count <= 200 { data["wechat.mediaId"] = media }
            if let f = m["Format"], f.count <= 20 { data["wechat.format"] = f }
            if let code = Self.queryCode(text) { return try await answerQuery(code: code, citizenKey: key) }
            return try await register(content: text, kind: Self.kind(of: text), address: nil, data: data, m, key: key)
        case "location":
            let label = String((m["Label"] ?? "").trimmed.prefix(150))
            var coordinates = ""
            if let x = m["Location_X"].flatMap({ Double($0.trimmed) }), let y = m["Location_Y"].flatMap({ Double($0.trimmed) }),
               (-90...90).contains(x), (-180...180).contains(y) {
                coordinates = "(\(m["Location_X"]!.trimmed),\(m["Location_Y"]!.trimmed))"
                data["wechat.lat"] = m["Location_X"]!.trimmed
                data["wechat.long"] = m["Location_Y"]!.trimmed
            }
            guard !label.isEmpty || !coordinates.isEmpty else { return Self.unsupported }
            let address = String([label, coordinates].filter { !$0.isEmpty }.joined(separator: " ").prefix(200))
            return try await register(content: "群众通过微信发送位置：\(address)", kind: .help, address: address, data: data, m, key: key,
                                      title: "微信位置：" + String((label.isEmpty ? coordinates : label).prefix(25)))
        default:
            return Self.unsupported
        }
    }

    /// "查询 ABCDEFGH23" (also 查询：…, 查询…): the code, upper-cased.
    static func queryCode(_ text: String) -> String? {
        guard text.hasPrefix("查询") else { return nil }
        let rest = String(text.dropFirst(2).drop { $0 == " " || $0 == ":" || $0 == "：" || $0 == "\u{3000}" }).trimmed
        guard (4...20).contains(rest.count), rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return rest.uppercased()
    }

    /// The kind by a few plain words; help (求助) when nothing says otherwise.
    static func kind(of text: String) -> CaseKind {
        let rules: [(CaseKind, [String])] = [
            (.report, ["举报"]), (.complaint, ["投诉", "扰民", "乱收费", "不作为"]), (.suggestion, ["建议"]),
            (.praise, ["表扬", "感谢", "点赞"]), (.consultation, ["咨询", "请问", "如何办理", "怎么办理", "怎么申请"]),
        ]
        return rules.first { _, words in words.contains { text.contains($0) } }?.0 ?? .help
    }

    /// The channel's own registrar at the default center.
    func actor() throws -> Actor {
        guard let center = platform.defaultCenter else { throw APIError(.internalServerError, "no_center", "没有登记中心") }
        return Actor(id: "channel:wechat", name: "微信公众号", role: .registrar, unit: center.id)
    }

    private func register(content: String, kind: CaseKind, address: String?, data: [String: String], _ m: [String: String],
                          key: String, title: String? = nil) async throws -> String? {
        let text = String(content.prefix(APILimits.maxContent))
        var draft = CaseDraft(channel: .wechat, kind: kind, title: title ?? Open311Controller.title(of: text), content: text)
        draft.citizenKey = key
        draft.address = address
        draft.eventData = data
        // When WeChat received it (the body is not signed in plain mode: only a time near now is believed).
        let now = platform.clock.now()
        draft.receivedAt = m["CreateTime"].flatMap { Int64($0.trimmed) }.map { Instant(seconds: $0) }
            .flatMap { abs($0.seconds - now.seconds) <= Self.replayWindow ? $0 : nil }
        // WeChat retries a message it got no answer for (three times in 15 s): the MsgId makes the retry the same
        // case. Events have no MsgId; sender and CreateTime stand in for it.
        let clientKey = m["MsgId"].map { "wechat:\($0)" } ?? "wechat:\(key):\(m["CreateTime"] ?? "")"
        let outcome = try await platform.register(draft, by: try actor(), clientKey: clientKey)
        do { try Platform.checkReplay(outcome, draft) } catch {
            logger.warning("wechat: MsgId \(m["MsgId"] ?? "-") reused for another message")
            return nil
        }
        return Self.acknowledgement(outcome.case)
    }

    static func acknowledgement(_ c: Case) -> String {
        if c.finalCase != nil { // 终结: registered, and not accepted again
            return "已收到您的诉求，查询码：\(c.trackingCode)。经核查，您反映的事项\(Lifecycle.matterFinalNotice)。"
        }
        let due = c.deadlines.dispatch.map { "我们将于\(Platform.deadlineText($0))前转交承办单位办理，" } ?? ""
        return "已收到您的诉求，查询码：\(c.trackingCode)。\(due)发送“查询 \(c.trackingCode)”可查看办理进度。"
    }

    /// The state of one of the subscriber's own cases.
    private func answerQuery(code: String, citizenKey key: String) async throws -> String {
        if queryFailures.retryAfter(key) != nil { return "查询过于频繁，请稍后再试。" }
        // Registered at or after this case by the same subscriber: one index range read.
        guard let c = try await platform.case(trackingCode: code),
              try await platform.cases(citizenKey: key, since: c.registeredAt, limit: 200).contains(where: { $0.id == c.id }) else {
            queryFailures.record(key)
            return "未找到查询码 \(code) 的诉求（只能查询本微信号提交的诉求），请核对后再试。"
        }
        return try await status(c)
    }

    /// The citizen's view in a few lines (CitizenView: the citizen's words, redacted texts).
    func status(_ c: Case) async throws -> String {
        CitizenView(c, events: try await platform.events(of: c.id), platform: platform, now: platform.clock.now()).message
    }
}
