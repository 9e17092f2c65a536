import MinshengDomain

/// Writes a case as the JSON document the store keeps, byte-compatible with `Case`'s Codable form
/// (JSONDecoder reads it back). Hand-written because registration is the hot path: Foundation's JSONEncoder
/// took 17% of the CPU of a registration. `CaseDocumentTests` checks every stored property round-trips.
enum CaseDocument {
    static func encode(_ c: Case) -> String {
        var w = Writer()
        w.open()
        w.int("id", 0) // the id lives in the row
        w.str("trackingCode", c.trackingCode)
        w.str("channel", c.channel.rawValue)
        w.str("kind", c.kind.rawValue)
        w.str("caseClass", c.caseClass?.rawValue)
        w.str("category", c.category)
        w.str("title", c.title)
        w.str("content", c.content)
        w.key("citizen"); w.open()
        w.str("name", c.citizen.name); w.str("phone", c.citizen.phone); w.str("idNumber", c.citizen.idNumber)
        w.bool("anonymous", c.citizen.anonymous)
        w.close()
        w.str("address", c.address)
        w.int("locationUnit", c.locationUnit)
        w.str("policyID", c.policyID)
        w.str("state", c.state.rawValue)
        w.int("registeredAt", c.registeredAt.seconds)
        w.int("center", c.center)
        w.int("holder", c.holder)
        w.int("leadUnit", c.leadUnit)
        w.key("coHandlers"); w.raw("[" + c.coHandlers.map(String.init).joined(separator: ",") + "]")
        w.str("dispatchMode", c.dispatchMode?.rawValue)
        w.int("deliveredAt", c.deliveredAt?.seconds)
        let d = c.deadlines
        w.key("deadlines"); w.open()
        w.int("dispatch", d.dispatch?.seconds); w.int("sign", d.sign?.seconds); w.int("object", d.object?.seconds)
        w.int("accept", d.accept?.seconds); w.int("reply", d.reply?.seconds); w.int("reviewRequest", d.reviewRequest?.seconds)
        w.int("reviewDecision", d.reviewDecision?.seconds); w.int("rereviewRequest", d.rereviewRequest?.seconds)
        w.int("rereviewDecision", d.rereviewDecision?.seconds); w.int("warning", d.warning?.seconds)
        w.close()
        if let p = c.pause {
            w.key("pause"); w.open(); w.str("reason", p.reason.rawValue); w.int("since", p.since.seconds); w.close()
        }
        if let e = c.pendingExtension {
            w.key("pendingExtension"); w.open()
            w.int("amount", Int64(e.amount)); w.str("reason", e.reason); w.int("requestedAt", e.requestedAt.seconds)
            w.close()
        }
        w.int("extended", Int64(c.extended))
        w.int("transferCount", Int64(c.transferCount))
        w.int("reopenCount", Int64(c.reopenCount))
        w.bool("leaderProposed", c.leaderProposed)
        for (key, request) in [("returnRequest", c.returnRequest), ("objectionDenied", c.objectionDenied)] {
            if let r = request {
                w.key(key); w.open()
                w.bool("isObjection", r.isObjection); w.str("reason", r.reason); w.str("fromState", r.fromState.rawValue)
                w.int("fromUnit", r.fromUnit)
                w.close()
            }
        }
        w.str("rejection", c.rejection?.rawValue)
        if let r = c.reply {
            w.key("reply"); w.open()
            w.str("result", r.result.rawValue); w.str("text", r.text); w.int("at", r.at.seconds); w.int("unit", r.unit)
            w.close()
        }
        w.str("evaluation", c.evaluation?.rawValue)
        for (key, decision) in [("reviewDecision", c.reviewDecision), ("rereviewDecision", c.rereviewDecision)] {
            if let r = decision {
                w.key(key); w.open()
                w.str("result", r.result.rawValue); w.str("text", r.text); w.int("at", r.at.seconds); w.int("unit", r.unit)
                w.close()
            }
        }
        w.str("handedOffTo", c.handedOffTo?.rawValue)
        if let g = c.suggestion {
            w.key("suggestion"); w.open()
            w.str("category", g.category); w.int("confidence", Int64(g.confidence)); w.int("unit", g.unit)
            w.close()
        }
        w.int("repeatOf", c.repeatOf)
        w.int("finalCase", c.finalCase)
        if !c.similar.isEmpty { w.key("similar"); w.raw("[" + c.similar.map(String.init).joined(separator: ",") + "]") }
        if !c.risks.isEmpty {
            w.key("risks"); w.raw("[")
            for (i, r) in c.risks.enumerated() {
                if i > 0 { w.raw(",") }
                w.escape(r)
            }
            w.raw("]")
        }
        w.key("supervisionOrders"); w.raw("[")
        for (i, o) in c.supervisionOrders.enumerated() {
            if i > 0 { w.raw(",") }
            w.first.append(true); w.raw("{")
            w.int("seq", Int64(o.seq)); w.int("unit", o.unit); w.str("text", o.text); w.int("issuedAt", o.issuedAt.seconds)
            w.int("due", o.due.seconds); w.str("response", o.response); w.int("respondedAt", o.respondedAt?.seconds)
            w.close()
        }
        w.raw("]")
        if let o = c.owner {
            w.key("owner"); w.open()
            w.str("id", o.id); w.str("name", o.name); w.int("unit", o.unit); w.int("since", o.since.seconds)
            w.close()
        }
        w.int("visitors", c.visitors.map(Int64.init))
        w.int("appointment", c.appointment?.seconds)
        w.str("chainHead", c.chainHead)
        if let n = c.alertNotice {
            w.key("alertNotice"); w.open(); w.str("level", n.level.rawValue); w.str("phase", n.phase); w.close()
        }
        w.int("version", Int64(c.version))
        w.int("updatedAt", c.updatedAt.seconds)
        w.close()
        return w.out
    }

    /// An event's data as a JSON object, keys sorted.
    static func encodeData(_ d: [String: String]) -> String {
        var w = Writer()
        w.open()
        for (k, v) in d.sorted(by: { $0.key < $1.key }) { w.str(k, v) }
        w.close()
        return w.out
    }

    struct Writer {
        var out = ""
        var first = [true]
        init() { out.reserveCapacity(1024) }

        mutating func open() { out += "{"; first.append(true) }
        mutating func close() { out += "}"; first.removeLast() }
        mutating func key(_ k: String) {
            if first[first.count - 1] { first[first.count - 1] = false } else { out += "," }
            out += "\""; out += k; out += "\":"
        }
        mutating func raw(_ s: String) { out += s }
        mutating func str(_ k: String, _ v: String?) {
            guard let v else { return }
            key(k)
            escape(v)
        }
        mutating func int(_ k: String, _ v: Int64?) {
            guard let v else { return }
            key(k)
            out += String(v)
        }
        mutating func bool(_ k: String, _ v: Bool) { key(k); out += v ? "true" : "false" }

        mutating func escape(_ s: String) { JSONText.escape(s, into: &out) }
    }
}

/// JSON string literals, shared by the store's documents and the API's responses.
public enum JSONText {
    /// Appends `s` as a JSON string. With `html`, `<` is escaped too, so the JSON can sit inside a page.
    public static func escape(_ s: String, into out: inout String, html: Bool = false) {
        out += "\""
        // Most strings need no escaping: append them whole (per-scalar appends cost 10% of a registration).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || (html && $0 == 0x3C) }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where html: out += "\\u003c"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

extension Case {
    /// The `visitors` column: a group visit's size, only for visits (the inbox list showed it for visits alone).
    var storedVisitors: Int? { channel == .visit ? visitors : nil }
}
