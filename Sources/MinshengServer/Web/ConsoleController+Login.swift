import Foundation
import Hummingbird
import MinshengDomain
import MinshengStore

/// The console's login, logout and password change.
extension ConsoleController {
    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.principal != nil { return Web.redirect("/console") }
        return pages.html("login", ["next": Web.safeNext(request.uri.queryParameters.get("next").map { String($0) })])
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let f = try await Web.form(request)
        let login = (f["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let next = Web.safeNext(f["next"])
        func again(_ message: String, _ status: HTTPResponse.Status) -> Response {
            pages.html("login", ["error": message, "login": login, "next": next], status: status)
        }
        guard !login.isEmpty, let pw = f["password"], !pw.isEmpty else { return again("请输入登录名和密码", .badRequest) }
        do {
            let (p, secret) = try await platform.accounts.login(login, password: pw, address: context.clientAddress)
            let cookie = AuthController.sessionCookie(secret, maxAge: platform.accounts.settings.sessionMaxSeconds,
                                                      secure: platform.accounts.settings.secureCookies || context.secure)
            return Web.redirect(p.user.mustChangePassword ? "/console/password" : next, cookie: cookie)
        } catch let e as Accounts.LoginFailure {
            switch e {
            case .invalid: return again("登录名或密码错误", .unauthorized)
            case .disabled: return again("账号已停用，请联系管理员", .forbidden)
            case let .locked(until): return again("连续登录失败次数过多，账号已锁定至 \(Web.time(until))", .init(code: 423, reasonPhrase: "Locked"))
            }
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let p = context.principal {
            try await platform.accounts.revoke(tokenID: p.token.id)
            try await platform.logAuth(AuthEvent(at: platform.clock.now(), login: p.user.login, userID: p.user.id, outcome: "logout", address: context.clientAddress))
        }
        return Web.redirect("/login", cookie: AuthController.clearedCookie(secure: platform.accounts.settings.secureCookies || context.secure))
    }

    @Sendable func passwordForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        var c = base(p, nav: "", title: "修改密码")
        c["must"] = p.user.mustChangePassword
        return pages.html("password", c)
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let p = try user(context)
        let f = try await Web.form(request)
        var c = base(p, nav: "", title: "修改密码")
        c["must"] = p.user.mustChangePassword
        let current = f["current"] ?? "", new = f["new"] ?? ""
        let secret: String
        do {
            guard new == f["confirm"] else { throw APIError.invalid("confirm", "两次输入的新密码不一致") }
            (_, secret) = try await platform.accounts.changePassword(of: p.user, current: current, new: new, address: context.clientAddress)
        } catch let error where APIError.refusal(error) != nil {
            let e = APIError.refusal(error)!
            c["errors"] = [e.field ?? "new": e.message]
            return pages.html("password", c, status: e.status)
        }
        return Web.redirect("/console?flash=password", cookie: AuthController.sessionCookie(
            secret, maxAge: platform.accounts.settings.sessionMaxSeconds, secure: platform.accounts.settings.secureCookies || context.secure))
    }

    /// An event's fields in words: 方式：交办；承办单位：渝中区生态环境局 (the timeline's second line).
    static func describe(_ data: [String: String], platform: Platform) -> [String] {
        func label<E: DomainEnum>(_ t: E.Type, _ v: String) -> String { E(rawValue: v)?.label ?? v }
        let order = ["toUnit", "unit", "mode", "result", "route", "reason", "amount", "caseClass", "evaluation", "service",
                     "kind", "channel", "repeatOf", "finalCase", "similar", "risks", "ownerName", "level", "due"]
        var out: [String] = []
        for k in order {
            guard let v = data[k], !v.isEmpty else { continue }
            switch k {
            case "toUnit", "unit": out.append("单位：" + (Int64(v).flatMap(platform.unit)?.name ?? v))
            case "mode": out.append("方式：" + label(DispatchMode.self, v))
            case "result": out.append("结果：" + label(ReplyResult.self, v))
            case "route": out.append("途径：" + label(LegalRoute.self, v))
            case "reason": out.append("理由：" + (PauseReason(rawValue: v)?.label ?? v))
            case "amount": out.append("天数：" + v)
            case "caseClass": out.append("类别：" + label(CaseClass.self, v))
            case "evaluation": out.append("评价：" + label(Evaluation.self, v))
            case "service": out.append("移交：" + label(EmergencyService.self, v))
            case "kind": out.append("类型：" + (CaseKind(rawValue: v)?.label ?? FieldCheckKind(rawValue: v)?.label ?? AccountabilityKind(rawValue: v)?.label ?? v))
            case "channel": out.append("渠道：" + label(Channel.self, v))
            case "repeatOf": out.append("重复件，首件 #" + v)
            case "finalCase": out.append("终结件 #" + v)
            case "due": if let s = Int64(v) { out.append("期限：" + Instant(seconds: s).deadlineText) }
            case "similar": out.append("相似诉求 " + v.split(separator: ",").map { "#" + $0 }.joined(separator: " "))
            case "risks": out.append("风险：" + v.split(separator: ",").map { platform.riskName(String($0)) }.joined(separator: "、"))
            case "ownerName": out.append("领办人：" + v)
            case "level": out.append("预警：" + label(AlertLevel.self, v))
            default: break
            }
        }
        return out
    }
}
