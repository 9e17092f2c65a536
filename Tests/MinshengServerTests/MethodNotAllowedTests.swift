import Foundation
import Hummingbird
import HummingbirdTesting
@testable import MinshengServer
import Testing

/// A documented path asked with a method it does not answer is 405 with the methods it does (issue 22 item 6: a
/// TRACE was 404, as if the path did not exist); a path that does not exist stays 404.
@Suite struct MethodNotAllowedTests {
    @Test(arguments: [
        ("TRACE", "/api/v1/cases", "GET, POST"),
        ("DELETE", "/api/v1/cases/7", "GET"),
        // The literal route wins over /cases/{id}/{action}, as in the router: no POST advertised here.
        ("OPTIONS", "/api/v1/cases/7/contact", "GET"),
        ("PUT", "/api/v1/cases/7/accept", "POST"),
        ("TRACE", "/", "GET"),
        ("HEAD", "/api/v1/policies", "GET"), // not served: not advertised
    ])
    func knownPathOtherMethod(method: String, path: String, allow: String) async throws {
        try await withAPI { h in
            let r = try await h.send(HTTPRequest.Method(method)!, path)
            #expect(r.status == .methodNotAllowed, "\(method) \(path): \(r.status) \(r.text)")
            #expect(r.headers[.allow] == allow)
            #expect(r["error"].string == "method_not_allowed")
            #expect(r["message"].string == "\(method) 不适用于此路径；可用：\(allow)")
        }
    }

    @Test func unknownPathIsStill404() async throws {
        try await withAPI { h in
            let r = try await h.send(.trace, "/api/v1/nothing-here")
            #expect(r.status == .notFound)
            #expect(r["error"].string == "http_error")
            #expect(try await h.get("/api/v1/cases/7/contact").status == .notFound, "GET still reaches its route (a missing case)")
        }
    }
}
