import Crypto
import Foundation
import Hummingbird
import Logging
import MinshengDomain
import MinshengStore

/// The SMS gateway's inbound webhook (README "SMS"): `POST /channels/sms`, signed with a shared secret.
/// A text registers a case of channel `sms` (deduplicated by the gateway's message id) and queues the
/// acknowledgement with the tracking code in the same transaction; an answer 1 / 2 / 3 to a rating request
/// rates the citizen's latest answered case.
struct SMSController {
    let platform: Platform
    /// The shared secret's bytes; nil: not configured, the route answers 404.
    let secret: [UInt8]?
    let logger = Logger(label: "minsheng.sms")

    init(platform: Platform, secret: String?) {
        self.platform = platform
        self.secret = secret.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("sms", use: receive)
    }

    static let maxBody = 16 * 1024
    static let fields: Set<String> = ["from", "text", "id", "received_at"]
    static let signatureHeader = "X-Minsheng-Signature"

    /// hex(HMAC-SHA256(secret, body)).
    static func signature(secret: [UInt8], body: [UInt8]) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)).map { hex2($0) }.joined()
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        guard let secret else { throw APIError.notFound("短信通道未启用") }
        let raw: [UInt8]
        do {
            raw = Array(try await request.body.collect(upTo: Self.maxBody).readableBytesView)
        } catch {
            throw APIError(.contentTooLarge, "body_too_large", "请求体超过 \(Self.maxBody / 1024) KB 上限")
        }
        guard let given = request.headers[.init(Self.signatureHeader)!]?.trimmed.lowercased(),
              Secrets.constantTimeEqual(Self.signature(secret: secret, body: raw), given) else {
            throw APIError(.unauthorized, "bad_signature", "X-Minsheng-Signature 缺失或不正确（应为请求体的 HMAC-SHA256，十六进制）")
        }
        let f = try Self.parse(raw, contentType: request.headers[.contentType])
        guard let fromRaw = f["from"]?.trimmed, !fromRaw.isEmpty else { throw APIError.missing("from") }
        let phone: String
        do throws(Contact.Problem) { phone = try Contact.normalizedPhone(fromRaw) } catch {
            throw APIError.invalid("from", error.message)
        }
        guard let id = f["id"]?.trimmed, !id.isEmpty else { throw APIError.missing("id") }
        guard id.count <= 100 else { throw APIError.invalid("id", "不能超过 100 个字符") }
        guard let text = f["text"]?.trimmed, !text.isEmpty else { throw APIError.missing("text") }
        guard text.count <= APILimits.maxContent else { throw APIError.invalid("text", "不能超过 \(APILimits.maxContent) 个字符") }
        var receivedAt: Instant?
        if let r = f["received_at"]?.trimmed, !r.isEmpty {
            guard let i = Instant.parse(r) ?? Int64(r).map({ Instant(seconds: $0) }) else {
                throw APIError.invalid("received_at", "应为 ISO 8601 时间或 Unix 秒数")
            }
            receivedAt = i
        }
        if let evaluation = Self.rating(text) {
            return try await rate(evaluation, phone: phone, messageID: id)
        }
        // A new request.
        var draft = CaseDraft(channel: .sms, kind: WeChatController.kind(of: text), title: Open311Controller.title(of: text),
                              content: text, citizen: Citizen(phone: phone))
        draft.acknowledge = true
        draft.receivedAt = receivedAt
        draft.eventData = ["sms.id": id]
        guard let center = platform.defaultCenter else { throw APIError(.internalServerError, "no_center", "没有登记中心") }
        let actor = Actor(id: "channel:sms", name: "短信平台", role: .registrar, unit: center.id)
        let outcome = try await platform.register(draft, by: actor, clientKey: "sms:" + id)
        try Platform.checkReplay(outcome, draft)
        let c = outcome.case
        return JSONResponse(status: outcome.created ? .created : .ok, json: .object([
            ("result", .string("registered")), ("created", .bool(outcome.created)),
            ("caseId", .int(c.id)), ("trackingCode", .string(c.trackingCode)),
        ]))
    }

    /// "1" 满意, "2" 基本满意, "3" 不满意 (also in full-width digits or as the words).
    static func rating(_ text: String) -> Evaluation? {
        let t = text.trimmed.replacingOccurrences(of: "。", with: "").replacingOccurrences(of: ".", with: "")
        switch t {
        case "1", "１", "满意": return .satisfied
        case "2", "２", "基本满意": return .basicallySatisfied
        case "3", "３", "不满意": return .dissatisfied
        default: return nil
        }
    }

    /// Rates the citizen's latest answered case (found by the keyed hash of the phone). The gateway's message id
    /// is in the event's note, so a retried message is recognised and not recorded twice.
    private func rate(_ evaluation: Evaluation, phone: String, messageID: String) async throws -> JSONResponse {
        let key = platform.sealer.citizenKey(phone)
        let note = "短信评价（网关消息 \(messageID)）"
        let recent = try await platform.cases(citizenKey: key, since: platform.clock.now().adding(seconds: -366 * 86_400), limit: 50)
        func answer(_ c: Case, _ e: Evaluation, duplicate: Bool) -> JSONResponse {
            JSONResponse(status: .ok, json: .object([
                ("result", .string("evaluated")), ("duplicate", .bool(duplicate)), ("caseId", .int(c.id)),
                ("trackingCode", .string(c.trackingCode)), ("evaluation", .string(e.rawValue)),
            ]))
        }
        for c in recent where c.evaluation != nil {
            if let e = try await platform.events(of: c.id).last(where: { $0.action == .evaluate && $0.note == note }) {
                return answer(c, e.data["evaluation"].flatMap(Evaluation.init(rawValue:)) ?? evaluation, duplicate: true)
            }
        }
        guard let target = recent.first(where: { $0.state == .replied }) else {
            return JSONResponse(status: .ok, json: .object([
                ("result", .string("nothing_to_rate")), ("message", .string("该号码没有待评价的已答复诉求")),
            ]))
        }
        let updated = try await platform.perform(.evaluate(evaluation), on: target.id, by: CitizenDesk.actor, note: note)
        return answer(updated, evaluation, duplicate: false)
    }

    /// The fields from a JSON object (strings or numbers) or a form; unknown fields are ignored (gateways add their own).
    static func parse(_ raw: [UInt8], contentType: String?) throws -> [String: String] {
        var out: [String: String] = [:]
        if contentType?.lowercased().contains("json") == true {
            guard case let .object(pairs) = try JSON.parse(raw) else { throw APIError.badJSON("请求体应为 JSON 对象") }
            for (k, v) in pairs where fields.contains(k) {
                switch v {
                case let .string(s): out[k] = s
                case let .number(n) where n.rounded() == n && abs(n) < 1e15: out[k] = String(Int64(n))
                case .null: continue
                default: throw APIError.invalid(k, "应为字符串")
                }
            }
        } else {
            guard let text = String(validating: raw, as: UTF8.self) else { throw APIError.invalid("body", "应为 UTF-8 编码的表单") }
            for (k, v) in FormData.parse(text) where fields.contains(k) { out[k] = v }
        }
        return out
    }
}
