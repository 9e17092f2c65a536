import Hummingbird
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// Platform, domain and store refusals become HTTP at one place, the edge (issue 17 item 3): the status, the code and
/// the details a client reads.
@Suite struct ErrorMappingTests {
    @Test(arguments: [
        (PlatformError.Kind.invalid, HTTPResponse.Status.badRequest),
        (.badRequest, .badRequest),
        (.unprocessable, .unprocessableContent),
        (.notFound, .notFound),
        (.forbidden, .forbidden),
        (.conflict, .conflict),
        (.rateLimited, .tooManyRequests),
        (.internalFailure, .internalServerError),
    ])
    func platformKinds(kind: PlatformError.Kind, status: HTTPResponse.Status) {
        let e = APIError.from(PlatformError(kind, "code_\(status.code)", "说明", details: [("field", .string("unit"))]))
        #expect(e.status == status)
        #expect(e.code == "code_\(status.code)" && e.message == "说明" && e.field == "unit")
        // A page shows a refusal beside its form; an internal failure is thrown on.
        #expect((APIError.refusal(PlatformError(kind, "c", "m")) == nil) == (status == .internalServerError))
    }

    @Test func aRateLimitKeepsItsWait() {
        let e = APIError.from(PlatformError(.rateLimited, "rate_limited", "操作过于频繁", details: [("retryAfter", .int(42))]))
        #expect(e.status == .tooManyRequests && e.retryAfter == 42)
    }

    @Test func domainAndStoreRefusals() {
        #expect(APIError.from(LifecycleError.paused(action: .sign)).status == .conflict)
        #expect(APIError.from(StoreError.caseNotFound(7)).message == "诉求件 7 不存在")
        #expect(APIError.refusal(CancellationError()) == nil, "anything else is no refusal")
    }
}
