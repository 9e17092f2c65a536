import MinshengDomain
import MinshengStore

/// The records adapters read and append through Platform, never through its store: one door, so that a rule about
/// a read (a scope, a redaction, a cache) has one place to go.
extension Platform {
    public func `case`(_ id: CaseID) async throws -> Case? { try await store.case(id) }
    public func `case`(trackingCode: String) async throws -> Case? { try await store.case(trackingCode: trackingCode) }
    public func cases(_ query: CaseQuery) async throws -> CasePage { try await store.cases(query) }
    public func cases(citizenKey: String, since: Instant, limit: Int) async throws -> [Case] {
        try await store.cases(citizenKey: citizenKey, since: since, limit: limit)
    }
    public func events(of id: CaseID) async throws -> [CaseEvent] { try await store.events(of: id) }
    public func supervisionRecord(unit: UnitID, limit: Int) async throws -> [CaseEvent] {
        try await store.supervisionRecord(unit: unit, limit: limit)
    }
    public func units(parent: UnitID?, query: String?, limit: Int) async throws -> [Unit] {
        try await store.units(parent: parent, query: query, limit: limit)
    }

    public func attachments(of caseID: CaseID) async throws -> [Attachment] { try await store.attachments(of: caseID) }
    public func addAttachment(_ a: Attachment) async throws -> Attachment { try await store.addAttachment(a) }
    public func disclose(_ d: Disclosure) async throws { try await store.disclose(d) }
    public func disclosures(limit: Int, before: Instant?) async throws -> [Disclosure] {
        try await store.disclosures(limit: limit, before: before)
    }
    public func recordCall(_ call: Call) async throws -> Call { try await store.recordCall(call) }
    public func call(_ id: String) async throws -> Call? { try await store.call(id) }

    public func user(id: Int64) async throws -> User? { try await store.user(id: id) }
    public func user(login: String) async throws -> User? { try await store.user(login: login) }
    public func users(units: Set<UnitID>?, limit: Int) async throws -> [User] { try await store.users(units: units, limit: limit) }
    public func tokens(userID: Int64) async throws -> [TokenRecord] { try await store.tokens(userID: userID) }
    public func logAuth(_ event: AuthEvent) async throws { try await store.logAuth(event) }
    public func authLog(_ query: LogQuery) async throws -> [AuthEvent] { try await store.authLog(query) }
    public func logAccess(_ record: AccessRecord) async throws { try await store.logAccess(record) }
    public func accessLog(_ query: LogQuery) async throws -> [AccessRecord] { try await store.accessLog(query) }
}
