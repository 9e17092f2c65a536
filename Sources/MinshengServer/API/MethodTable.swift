import Foundation
import Hummingbird

/// The methods each documented path answers, read from the bundled OpenAPI document (which OpenAPITests keeps
/// equal to the router): a known path asked with another method is 405 with `Allow`, not 404.
struct MethodTable: Sendable {
    private let routes: [(segments: [Substring?], methods: Set<String>)]

    init(openAPI text: String) {
        var routes: [(segments: [Substring?], methods: Set<String>)] = []
        let verbs: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            // Paths sit at two spaces ("  /api/v1/cases:"), their operations at four ("    get:").
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                let path = line.dropFirst(2).dropLast()
                let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 }
                routes.append((segments, []))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"), !routes.isEmpty {
                let verb = String(line.dropFirst(4).dropLast())
                if verbs.contains(verb) { routes[routes.count - 1].methods.insert(verb.uppercased()) }
            } else if !line.hasPrefix(" "), !line.isEmpty, !line.hasPrefix("#"), !routes.isEmpty, line != "paths:" {
                break // past the paths section
            }
        }
        self.routes = routes.filter { !$0.methods.isEmpty }
    }

    /// The methods `path` answers, or nil for a path that is not documented.
    func methods(for path: String) -> Set<String>? {
        let parts = path.split(separator: "/")
        // Like the router, a literal segment wins over a parameter: /cases/7/contact is that route, not {action}.
        var best: (literals: [Bool], methods: Set<String>)?
        for r in routes where r.segments.count == parts.count {
            guard zip(r.segments, parts).allSatisfy({ $0.0 == nil || $0.0 == $0.1 }) else { continue }
            let literals = r.segments.map { $0 != nil }
            if let b = best, !Self.moreLiteral(literals, than: b.literals) {
                if literals == b.literals { best = (literals, b.methods.union(r.methods)) }
                continue
            }
            best = (literals, r.methods)
        }
        return best?.methods
    }

    /// The first segment where they differ is a literal in `a` and a parameter in `b`.
    private static func moreLiteral(_ a: [Bool], than b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x }
        return false
    }

    static let shared = MethodTable(openAPI: openAPIDocument.map { String(decoding: $0, as: UTF8.self) } ?? "")
}
