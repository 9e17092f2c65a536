import Foundation
import MinshengDomain

/// The form for each lifecycle step on the case page: its fields, their labels and choices, and the way a
/// submitted form becomes the same JSON body the API takes (so both paths share every check).
enum ActionForms {
    struct Field: @unchecked Sendable { // options hold only strings and booleans
        enum Kind: String { case text, textarea, select, unit, number, date }
        var name: String
        var label: String
        var kind: Kind
        var required = false
        var options: [[String: Any]] = []
        var hint = ""
    }

    static func select<E: DomainEnum>(_ name: String, _ label: String, _ type: E.Type, required: Bool = true, blank: String? = nil) -> Field {
        Field(name: name, label: label, kind: .select, required: required,
              options: ConsoleController.options(type, selected: nil, blank: blank))
    }

    static let reason = Field(name: "reason", label: "理由", kind: .textarea, required: true)
    static let text = Field(name: "text", label: "内容", kind: .textarea, required: true)

    static func fields(_ a: Action) -> [Field] {
        switch a {
        case .dispatch: [Field(name: "unit", label: "承办单位", kind: .unit, required: true),
                         select("mode", "方式", DispatchMode.self)]
        case .redispatch: [Field(name: "unit", label: "改派给", kind: .unit, required: true), select("mode", "方式", DispatchMode.self), reason]
        case .transfer: [Field(name: "unit", label: "转办给", kind: .unit, required: true), reason]
        case .addCoHandler: [Field(name: "unit", label: "协办单位", kind: .unit, required: true)]
        case .return, .object, .denyReturn, .denyExtension, .reopen: [reason]
        case .accept: [select("caseClass", "信访类别", CaseClass.self, required: false, blank: "（不区分）")]
        case .reject: [select("route", "法定途径", LegalRoute.self), reason]
        case .requestExtension: [Field(name: "amount", label: "延期天数（工作日）", kind: .number, required: true), reason]
        case .approveExtension: [Field(name: "amount", label: "批准天数（留空按申请）", kind: .number)]
        case .pause: [select("reason", "暂停原因", PauseReason.self)]
        case .handOff: [select("service", "移交", EmergencyService.self)]
        case .reply, .decideReview, .decideRereview: [select("result", "处理结果", ReplyResult.self), Field(name: "text", label: "答复意见", kind: .textarea, required: true)]
        case .evaluate: [select("evaluation", "群众评价", Evaluation.self)]
        case .review, .rereview: [reason]
        case .superviseOrder: [text, Field(name: "due", label: "办结期限", kind: .date, required: true)]
        case .respondSupervision: [text]
        case .fieldCheck: [select("kind", "核查类型", FieldCheckKind.self), Field(name: "finding", label: "核查结果", kind: .textarea, required: true)]
        case .holdAccountable: [select("kind", "问责方式", AccountabilityKind.self), text]
        case .note, .remind: [Field(name: "note", label: a == .remind ? "催办意见" : "备注", kind: .textarea, required: true)]
        case .sign, .approveReturn, .resume, .close, .takeOwnership, .releaseOwnership, .register, .raiseAlert: []
        }
    }

    /// A step that changes who holds the case or ends it is shown as the main button.
    static let primary: Set<Action> = [.dispatch, .sign, .accept, .reply, .approveReturn, .evaluate, .decideReview, .decideRereview]

    static func form(for a: Action, case c: Case, platform: Platform) -> [String: Any] {
        var fs = fields(a).map(render)
        let hasNote = fields(a).contains { $0.name == "note" }
        if !hasNote { fs.append(render(Field(name: "note", label: "备注（可选）", kind: .text))) }
        var form: [String: Any] = ["action": a.rawValue, "label": a.label, "fields": fs, "primary": primary.contains(a)]
        // The dispatcher sees the suggested unit as the first choice.
        if (a == .dispatch || a == .redispatch), let s = c.suggestion, let uid = s.unit, let un = platform.unit(uid) {
            form["suggested"] = ["id": uid, "name": un.name, "category": s.category]
        }
        return form
    }

    static func render(_ f: Field) -> [String: Any] {
        ["name": f.name, "label": f.label, "required": f.required, "options": f.options, "hint": f.hint,
         "isText": f.kind == .text, "isTextarea": f.kind == .textarea, "isSelect": f.kind == .select,
         "isUnit": f.kind == .unit, "isNumber": f.kind == .number, "isDate": f.kind == .date, "value": ""]
    }

    /// Puts what the user typed back into the form and marks the field the refusal named.
    static func fill(_ form: [String: Any], values: [String: String], errorField: String?) -> [String: Any] {
        var form = form
        form["fields"] = (form["fields"] as? [[String: Any]] ?? []).map { f in
            var f = f
            let name = f["name"] as? String ?? ""
            f["value"] = values[name] ?? ""
            if name == errorField { f["error"] = true }
            if var opts = f["options"] as? [[String: Any]] {
                for i in opts.indices { opts[i]["selected"] = (opts[i]["value"] as? String) == values[name] }
                f["options"] = opts
            }
            if name == "unit", let v = values["unit"], let id = Int64(v) { f["unitChosen"] = ["id": id] }
            return f
        }
        return form
    }

    static func withUnitChoices(_ form: [String: Any], hits: [UnitSearch.Hit], query: String) -> [String: Any] {
        var form = form
        form["fields"] = (form["fields"] as? [[String: Any]] ?? []).map { f in
            var f = f
            if f["isUnit"] as? Bool == true {
                f["unitq"] = query
                f["hits"] = hits.map { ["id": $0.id, "name": $0.name, "path": $0.path] }
                f["noHits"] = hits.isEmpty
            }
            return f
        }
        return form
    }

}
