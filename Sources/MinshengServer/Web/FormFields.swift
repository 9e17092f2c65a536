import MinshengDomain

/// A console form's fields read as typed values, for the platform's one parser of steps and registrations (the
/// form is never turned into JSON for another controller to parse back). Only the names `allowed` are read; an
/// empty field is an absent one.
struct FormFields: InputFields {
    let form: [String: String]
    let allowed: Set<String>

    init(_ form: [String: String], allowed: [String]) {
        self.form = form
        self.allowed = Set(allowed)
    }

    private func raw(_ key: String) -> String? {
        guard allowed.contains(key), let v = form[key]?.trimmed, !v.isEmpty else { return nil }
        return v
    }

    func string(_ key: String, max: Int, required: Bool) throws -> String? {
        guard let v = raw(key) else {
            if required { throw PlatformError.missing(key) }
            return nil
        }
        if v.count > max { throw PlatformError.invalid(key, "不能超过 \(max) 个字符（当前 \(v.count)）") }
        return v
    }

    func int(_ key: String, required: Bool) throws -> Int64? {
        guard let v = raw(key) else {
            if required { throw PlatformError.missing(key) }
            return nil
        }
        guard let i = Int64(v) else { throw PlatformError.invalid(key, "应为整数") }
        return i
    }

    func bool(_ key: String) throws -> Bool? {
        // A checkbox: present (any value) is yes; a hidden "false" is no.
        guard let v = raw(key) else { return nil }
        return v != "false" && v != "0"
    }

    func value<E: DomainEnum>(_ key: String, _ type: E.Type, required: Bool) throws -> E? {
        guard let v = raw(key) else {
            if required { throw PlatformError.missing(key) }
            return nil
        }
        return try parseEnum(key, v, type)
    }

    /// Several units in one field: separated by commas or spaces.
    func intArray(_ key: String) throws -> [Int64] {
        guard let v = raw(key) else { return [] }
        return try v.split(whereSeparator: { $0 == "," || $0 == "，" || $0.isWhitespace }).map { part in
            guard let i = Int64(part) else { throw PlatformError.invalid(key, "应为整数数组") }
            return i
        }
    }
}
