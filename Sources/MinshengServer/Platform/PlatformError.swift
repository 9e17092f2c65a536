import MinshengDomain

/// What the platform refuses, in its own terms; the edge (`APIError.from`) chooses the HTTP status, once.
public struct PlatformError: Error, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The input is wrong (a field names its problem).
        case invalid
        /// Syntactically wrong input that names no field.
        case badRequest
        /// Well-formed input the platform cannot carry out (a reused idempotency key, a rule of the case).
        case unprocessable
        case notFound
        /// The user may not do this (role or scope).
        case forbidden
        /// The state of things forbids it now (a duplicate, a lock, a race lost).
        case conflict
        case rateLimited
        /// Something the platform itself lacks (a missing resource of the build, a broken setting).
        case internalFailure
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var details: [(String, JSON)]

    public init(_ kind: Kind, _ code: String, _ message: String, details: [(String, JSON)] = []) {
        self.kind = kind; self.code = code; self.message = message; self.details = details
    }

    public static func invalid(_ field: String, _ m: String) -> PlatformError {
        PlatformError(.invalid, "invalid_field", "\(field)：\(m)", details: [("field", .string(field))])
    }
    public static func missing(_ field: String) -> PlatformError {
        PlatformError(.invalid, "missing_field", "缺少必填字段 \(field)", details: [("field", .string(field))])
    }
    public static func notFound(_ what: String) -> PlatformError { PlatformError(.notFound, "not_found", what) }
}

/// Input as its adapter read it (a JSON body, a console form): typed values by name. The adapter refuses a wrong
/// type or an unknown value in its own words; the platform parses steps and registrations over this, once.
protocol InputFields {
    /// The trimmed text, nil when absent or empty (empty and required: refused), refused beyond `max` characters.
    func string(_ key: String, max: Int, required: Bool) throws -> String?
    func int(_ key: String, required: Bool) throws -> Int64?
    func bool(_ key: String) throws -> Bool?
    func value<E: DomainEnum>(_ key: String, _ type: E.Type, required: Bool) throws -> E?
    func intArray(_ key: String) throws -> [Int64]
}

extension InputFields {
    func text(_ key: String, max: Int = 200) throws -> String? { try string(key, max: max, required: false) }
    func requiredText(_ key: String, max: Int = 200) throws -> String { try string(key, max: max, required: true)! }
    func integer(_ key: String) throws -> Int64? { try int(key, required: false) }
    func requiredInteger(_ key: String) throws -> Int64 { try int(key, required: true)! }
    func choice<E: DomainEnum>(_ key: String, _ type: E.Type) throws -> E? { try value(key, type, required: false) }
    func requiredChoice<E: DomainEnum>(_ key: String, _ type: E.Type) throws -> E { try value(key, type, required: true)! }
}
