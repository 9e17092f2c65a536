import Foundation

/// GeoReport v2 XML, written by hand from the same values as the JSON.
enum Open311XML {
    /// Element names of the items of a top-level array, by what the items hold, and of nested arrays.
    static let itemNames: [String: String] = ["services": "service", "service_requests": "request", "errors": "error",
                                              "attributes": "attribute", "values": "value"]

    static func document(_ value: JSON, root: String?) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        switch value {
        case let .array(items):
            let rootName = arrayRoot(items)
            element(rootName, .array(items), into: &out)
        default:
            element(root ?? "response", value, into: &out)
        }
        out += "\n"
        return out
    }

    /// services for services, errors for errors, service_requests for requests and tokens.
    static func arrayRoot(_ items: [JSON]) -> String {
        guard case let .object(pairs)? = items.first else { return "service_requests" }
        let keys = Set(pairs.map(\.0))
        if keys.contains("service_name") && keys.contains("metadata") { return "services" }
        if keys == ["code", "description"] { return "errors" }
        return "service_requests"
    }

    static func element(_ name: String, _ value: JSON, into out: inout String) {
        switch value {
        case .null:
            out += "<\(name)/>"
        case let .array(items):
            out += "<\(name)>"
            let item = itemNames[name] ?? "item"
            for i in items { element(item, i, into: &out) }
            out += "</\(name)>"
        case let .object(pairs):
            out += "<\(name)>"
            for (k, v) in pairs { element(k, v, into: &out) }
            out += "</\(name)>"
        case let .bool(b):
            out += "<\(name)>\(b ? "true" : "false")</\(name)>"
        case .number:
            out += "<\(name)>\(value.serialized())</\(name)>"
        case let .string(s):
            out += "<\(name)>"
            escape(s, into: &out)
            out += "</\(name)>"
        }
    }

    /// Text content: the five markup characters as entities; characters XML 1.0 cannot carry are dropped.
    static func escape(_ s: String, into out: inout String) {
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
    }
}
