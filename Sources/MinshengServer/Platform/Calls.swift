import MinshengDomain
import MinshengStore

/// A hotline call's use cases, for the API and the console alike: a call belongs to the agent it was routed to.
extension Platform {
    /// The call, for the agent it belongs to; anyone else gets the answer an unknown call gets.
    public func ownCall(_ id: String?, for user: User) async throws -> Call {
        guard let id, let call = try await store.call(id), call.userID == user.id else { throw PlatformError.notFound("来电记录不存在") }
        return call
    }

    /// The caller's number in clear, logged like a case's contact (fields `phone` and the call's id).
    public func revealCaller(_ call: Call, to user: User, address: String) async throws -> String? {
        guard let phone = call.callerSealed.flatMap(sealer.open) else { return nil }
        try await store.logAccess(AccessRecord(at: clock.now(), userID: user.id, login: user.login, unit: user.unit,
                                                        caseID: call.caseID ?? 0, fields: ["phone", "call:\(call.id)"], address: address))
        return phone
    }

    /// The caller's cases of the last year the agent may see, newest first, and how many are still open. A number
    /// typed on a call must not confirm who made a report or an anonymous request: those are listed only to the
    /// registering center (the rule of the contact endpoint, `mayReveal`).
    public func earlierCases(_ call: Call, for user: User) async throws -> [Case] {
        guard let key = call.callerKey else { return [] }
        let since = clock.now().adding(seconds: -365 * 86_400)
        return try await store.cases(citizenKey: key, since: since, limit: 50).filter { mayReveal($0, to: user) }
    }
}
