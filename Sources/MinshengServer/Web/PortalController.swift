import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The citizen portal (issue 5 item 1): submit a request with photos, get the tracking code on screen, follow it,
/// rate the reply, ask for a review; the public disclosure page. No account; readable on a phone; no JavaScript
/// needed. The same checks and limits as the public API: both go through one CitizenDesk.
struct PortalController {
    let platform: Platform
    let pages: Pages
    let desk: CitizenDesk
    /// The fields of the portal's form that show their own error.
    static let inlineErrorFields: Set<String> = ["content", "district", "name", "phone", "photos", "title"]
    let files: FileVault?

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("/", use: home)
        group.post("submit", use: submit)
        group.get("track", use: track)
        group.post("track/evaluate", use: evaluate)
        group.post("track/review", use: review)
        group.get("disclosure", use: disclosure)
        group.get("portal/towns", use: towns)
    }

    /// Districts and counties (the city's government children), then the towns of the chosen one.
    func districts(selected: Int64?) -> [[String: Any]] {
        guard let root = platform.allUnits().first(where: { $0.parentID == nil }) else { return [] }
        return platform.allUnits().filter { $0.parentID == root.id && $0.kind == .government }
            .map { ["id": $0.id, "name": $0.name, "selected": $0.id == selected] }
    }

    func townList(_ district: Int64?, selected: Int64?) -> [[String: Any]] {
        guard let d = district else { return [] }
        return platform.allUnits().filter { $0.parentID == d && $0.kind == .government }
            .map { ["id": $0.id, "name": $0.name, "selected": $0.id == selected] }
    }

    func formContext(_ v: [String: String], errors: [String: String] = [:], message: String? = nil) -> [String: Any] {
        let district = v["district"].flatMap(Int64.init)
        return Web.compact([
            "v": v, "e": errors, "message": message,
            "kinds": ConsoleController.options(CaseKind.self, selected: v["kind"] ?? "complaint"),
            "districts": districts(selected: district),
            "towns": townList(district, selected: v["town"].flatMap(Int64.init)),
            "hasTowns": district != nil,
            "key": v["_key"] ?? Secrets.random(bytes: 12),
            "uploads": files != nil,
            "maxFiles": FileVault.maxFiles,
        ])
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        var v: [String: String] = [:]
        for (k, val) in request.uri.queryParameters { v[String(k)] = String(val) }
        var c = formContext(v)
        c["portal"] = true
        return pages.html("portal", c)
    }

    @Sendable func towns(_ request: Request, context: AppRequestContext) async throws -> JSON {
        let d = request.uri.queryParameters.get("district").flatMap { Int64($0) }
        return .object([("items", .array(townList(d, selected: nil).map { t in
            .object([("id", .int(t["id"] as! Int64)), ("name", .string(t["name"] as! String))])
        }))])
    }

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        // Photos make the body larger than the API's 64 KB: 3 × 5 MB plus the text.
        let body = try await request.collectBody(upTo: FileVault.maxFiles * FileVault.maxFileBytes + 256 * 1024)
        var v: [String: String] = [:]
        var parts: [MultipartPart] = []
        if let boundary = Multipart.boundary(request.headers[.contentType]) {
            parts = try Multipart.parse(Array(body.readableBytesView), boundary: boundary)
            for p in parts where p.filename == nil { v[p.name] = String(decoding: p.data, as: UTF8.self) }
        } else {
            v = FormData.parse(String(buffer: body))
        }
        // "选择镇街" without JavaScript: show the towns of the district, keep everything typed.
        if v["pickTown"] != nil {
            var c = formContext(v)
            c["portal"] = true
            return pages.html("portal", c)
        }
        func again(_ field: String?, _ message: String, _ status: HTTPResponse.Status) -> Response {
            // Beside the field when the form has a place for its error (portal.mustache), else at the top: the
            // citizen always reads why nothing was sent (诉求类型, an address too long).
            let inline = field.map(Self.inlineErrorFields.contains) ?? false
            var c = formContext(v, errors: inline ? [field!: message] : [:], message: inline ? nil : message)
            c["portal"] = true
            c["failed"] = true
            return pages.html("portal", c, status: status)
        }
        var photos: [(name: String, type: String, bytes: [UInt8])] = []
        do {
            if parts.contains(where: { $0.filename != nil && !$0.data.isEmpty }) {
                guard let files else { throw APIError.invalid("photos", "本平台未开启照片上传") }
                photos = try files.accept(parts)
            }
        } catch let error where APIError.refusal(error) != nil {
            let e = APIError.refusal(error)!
            return again("photos", e.message, e.status)
        }
        let c0: Case
        do {
            var values = v
            // The place: the town if one was chosen, else the district.
            values["locationUnit"] = v["town"].flatMap { Int64($0) == nil ? nil : $0 } ?? v["district"].flatMap { Int64($0) == nil ? nil : $0 }
            values["channel"] = nil
            let form = FormFields(values, allowed: CitizenDesk.draftFields + ["name", "phone", "anonymous"])
            let citizen = Citizen(name: try form.text("name", max: 50), phone: try form.text("phone", max: 20),
                                  anonymous: try form.bool("anonymous") ?? false)
            (c0, _) = try await desk.submit(try CitizenDesk.draft(form, citizen: citizen), address: context.clientAddress,
                                            idempotencyKey: v["_key"].map { "portal:" + $0 })
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            var field = e.field
            if field?.hasPrefix("citizen.") == true { field = String(field!.dropFirst(8)) }
            if field == "locationUnit" { field = "district" }
            return again(field, e.message, e.status)
        }
        if let files, !photos.isEmpty {
            // A retry of the same submission (same key) finds its photos already there.
            let existing = Set(try await platform.attachments(of: c0.id).map(\.sha256))
            for p in photos {
                let sha = try files.store(p.bytes)
                if existing.contains(sha) { continue }
                _ = try await platform.addAttachment(Attachment(caseID: c0.id, sha256: sha, name: p.name, type: p.type,
                                                                      size: p.bytes.count, at: platform.clock.now()))
            }
        }
        var done: [String: Any] = ["portal": true, "code": c0.trackingCode, "title": c0.title,
                                   "phone4": (v["phone"] ?? "").filter(\.isNumber).suffix(4).description, "photos": photos.count]
        if c0.finalCase != nil { done["flash"] = ["kind": "bad", "text": "经核查，您反映的事项\(Lifecycle.matterFinalNotice)。"] } // 终结: not accepted again
        return pages.html("portal-done", done)
    }

    func trackContext(_ c: Case, phone4: String) async throws -> [String: Any] {
        let view = CitizenView(c, events: try await platform.events(of: c.id), platform: platform, now: platform.clock.now())
        var out = Web.compact(view.page)
        out["portal"] = true
        out["found"] = true
        out["phone4"] = phone4
        out["evaluations"] = ConsoleController.options(Evaluation.self)
        if let a = c.appointment {
            out["appointment"] = Web.time(a)
            if let o = c.owner { out["receptionLeader"] = o.name }
            if a > platform.clock.now() { out["canCancel"] = true } // once the time has come, there is nothing to cancel
        }
        return out
    }

    @Sendable func track(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = request.uri.queryParameters
        let code = p.get("code").map { String($0) } ?? "", phone4 = p.get("phone4").map { String($0) } ?? ""
        if code.isEmpty { return pages.html("track", ["portal": true]) }
        do {
            let c = try await desk.lookUp(code: code, phone4: phone4, address: context.clientAddress)
            var ctx = try await trackContext(c, phone4: phone4)
            if p.get("cancelled") != nil { ctx["flash"] = ["kind": "ok", "text": "已取消接访预约，名额已释放"] }
            return pages.html("track", ctx)
        } catch let error where APIError.refusal(error) != nil {
            let e = APIError.refusal(error)!
            return pages.html("track", ["portal": true, "error": e.message, "code": code], status: e.status)
        }
    }

    func afterCitizenStep(_ request: Request, context: AppRequestContext, _ step: (Case, [String: String]) async throws -> Case) async throws -> Response {
        let f = try await Web.form(request)
        let code = f["code"] ?? "", phone4 = f["phone4"] ?? ""
        do {
            let c = try await desk.lookUp(code: code, phone4: phone4, address: context.clientAddress)
            let updated = try await step(c, f)
            var ctx = try await trackContext(updated, phone4: phone4)
            ctx["flash"] = ["kind": "ok", "text": "已提交，感谢您的反馈"]
            return pages.html("track", ctx)
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError { throw error }
            if let c = try? await desk.lookUp(code: code, phone4: phone4, address: context.clientAddress) {
                var ctx = try await trackContext(c, phone4: phone4)
                ctx["flash"] = ["kind": "bad", "text": e.message]
                return pages.html("track", ctx, status: e.status)
            }
            return pages.html("track", ["portal": true, "error": e.message, "code": code], status: e.status)
        }
    }

    @Sendable func evaluate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await afterCitizenStep(request, context: context) { c, f in
            guard let ev = f["evaluation"].flatMap(Evaluation.init(rawValue:)) else { throw APIError.invalid("evaluation", "请选择评价") }
            let comment = String((f["comment"] ?? "").prefix(APILimits.maxNote))
            return try await platform.perform(.evaluate(ev), on: c.id, by: CitizenDesk.actor, note: comment)
        }
    }

    @Sendable func review(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await afterCitizenStep(request, context: context) { c, f in
            let reason = (f["reason"] ?? "").trimmed
            guard !reason.isEmpty else { throw APIError.invalid("reason", "请写明申请复查的理由") }
            return try await desk.review(c, reason: String(reason.prefix(APILimits.maxNote)))
        }
    }

    @Sendable func disclosure(_ request: Request, context: AppRequestContext) async throws -> Response {
        let items = try await platform.disclosures(limit: 50, before: nil)
        return pages.html("disclosure", ["portal": true, "empty": items.isEmpty, "items": items.map { d in
            // Redacted when chosen, and again here: every public read goes through PublicText.
            Web.compact(["title": PublicText.redact(d.title), "content": PublicText.redact(d.content), "reply": PublicText.redact(d.reply),
                         "unit": d.unitName, "category": d.category ?? "",
                         "registered": Web.time(d.registeredAt), "replied": Web.time(d.repliedAt), "evaluation": d.evaluation ?? ""])
        }])
    }
}
