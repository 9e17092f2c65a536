import Foundation
import Hummingbird
import HummingbirdTesting
import MinshengDomain
@testable import MinshengServer
import MinshengStore
import Testing

/// /openapi.yaml is hand-maintained; these tests keep it true to the code: the routes the router really has, the
/// enumerations of the domain, the fields each step reads, and which endpoints answer without a credential.
@Suite("OpenAPI document")
struct OpenAPITests {
    /// The source file (the served copy is compared with it below, so the bundle cannot go stale either).
    static let sourceURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/MinshengServer/Resources/openapi.yaml")
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func text() throws -> String { try String(contentsOf: sourceURL, encoding: .utf8) }
    static func document() throws -> YAML { try YAML.parse(try text()) }

    /// (METHOD, path) of every operation in the document, OpenAPI templates (`/cases/{id}`).
    static func documentedOperations(_ doc: YAML) throws -> [(method: String, path: String, op: YAML)] {
        var out: [(String, String, YAML)] = []
        for (path, item) in try #require(doc["paths"]?.pairs) {
            for (method, op) in item.pairs ?? [] where methods.contains(method) {
                out.append((method.uppercased(), path, op))
            }
        }
        return out
    }

    /// (METHOD, path) of every route the router registered, read from the router itself. Hummingbird describes a
    /// captured segment `:id` as `{id}`, the OpenAPI spelling; the mapping is applied anyway in case it changes.
    static func registeredRoutes(_ platform: Platform) -> Set<String> {
        let router = buildRouter(config: AppConfig(calendar: platform.calendar), platform: platform)
        return Set(router.routes.map { r in
            let path = r.path.components.map { c -> String in
                let s = c.description
                return s.hasPrefix(":") ? "{\(s.dropFirst())}" : s
            }
            return "\(r.method.rawValue) /\(path.joined(separator: "/"))"
        })
    }

    @Test("the document is well-formed YAML of OpenAPI 3.1.0: consistent indentation, every $ref resolves, every path parameter declared")
    func wellFormed() throws {
        let text = try Self.text()
        #expect(text.split(separator: "\n").first == "openapi: 3.1.0")
        let doc = try Self.document()
        #expect(doc["openapi"]?.scalar == "3.1.0")
        #expect(doc["info"]?["title"]?.scalar?.isEmpty == false)
        #expect(doc["info"]?["version"]?.scalar?.isEmpty == false)
        #expect(doc["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"]?.scalar == "bearer")
        #expect(doc["components"]?["securitySchemes"]?["cookieAuth"]?["in"]?.scalar == "cookie")
        #expect(doc["components"]?["securitySchemes"]?["cookieAuth"]?["name"]?.scalar == AuthMiddleware.cookieName)

        // Every $ref points at something that exists.
        var refs: [String] = []
        doc.walk { key, node in if key == "$ref", let r = node.scalar { refs.append(r) } }
        #expect(refs.count > 100)
        for ref in Set(refs) {
            #expect(ref.hasPrefix("#/"), "external ref \(ref)")
            #expect(doc.resolve(pointer: ref) != nil, "unresolved \(ref)")
        }

        var operationIDs: Set<String> = []
        for (method, path, op) in try Self.documentedOperations(doc) {
            let where_ = "\(method) \(path)"
            let id = op["operationId"]?.scalar ?? ""
            #expect(!id.isEmpty && operationIDs.insert(id).inserted, "\(where_): missing or repeated operationId \(id)")
            let responses = op["responses"]?.pairs ?? []
            #expect(!responses.isEmpty, "\(where_): no responses")
            #expect(responses.contains { $0.0.hasPrefix("2") }, "\(where_): no success response")
            // A credential is checked wherever it is sent, and one whose password an admin reset is refused
            // everywhere but the password change (403 password_change_required): every operation can be a 403.
            #expect(responses.contains { $0.0 == "403" }, "\(where_): documents no 403")
            if op["security"]?.items?.isEmpty != true {
                #expect(responses.contains { $0.0 == "401" }, "\(where_): needs a credential but documents no 401")
            }
            if op["requestBody"] != nil {
                #expect(responses.contains { $0.0 == "400" }, "\(where_): takes a body but documents no 400")
                // Every body passes the same size limit (BodyLimit), so every body can be a 413.
                #expect(responses.contains { $0.0 == "413" }, "\(where_): takes a body but documents no 413")
            }
            // Path parameters: exactly the template's names, each required.
            let item = doc["paths"]![path]!
            let params = ((item["parameters"]?.items ?? []) + (op["parameters"]?.items ?? [])).map { doc.deref($0) }
            let declared = Set(params.filter { $0["in"]?.scalar == "path" }.compactMap { $0["name"]?.scalar })
            let template = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            #expect(declared == template, "\(where_): path parameters \(declared.sorted()) vs template \(template.sorted())")
            for p in params where p["in"]?.scalar == "path" {
                #expect(p["required"]?.scalar == "true", "\(where_): path parameter \(p["name"]?.scalar ?? "?") not required")
            }
        }
    }

    @Test("every /api/v1 route is documented and every documented operation is a route")
    func routesMatch() async throws {
        try await withAPI { h in
            let routes = Self.registeredRoutes(h.platform)
            #expect(routes.count > 30)
            #expect(routes.contains("POST /api/v1/cases/{id}/{action}"))
            let documented = Set(try Self.documentedOperations(try Self.document()).map { "\($0.method) \($0.path)" })
            for r in routes.sorted() where r.split(separator: " ")[1].hasPrefix("/api/v1/") {
                if !documented.contains(r) { Issue.record("route \(r) is not in openapi.yaml") }
            }
            for d in documented.sorted() {
                if !routes.contains(d) { Issue.record("openapi.yaml documents \(d), which is not a route") }
            }
            #expect(documented.contains("GET /openapi.yaml"))
        }
    }

    @Test("enumerations are the domain's raw values")
    func enums() throws {
        let schemas = try #require(try Self.document()["components"]?["schemas"])
        func values(_ name: String) -> [String] { schemas[name]?["enum"]?.items?.compactMap(\.scalar) ?? [] }
        #expect(values("Channel") == Channel.allowedValues)
        #expect(values("CaseKind") == CaseKind.allowedValues)
        #expect(values("CaseClass") == CaseClass.allowedValues)
        #expect(values("CaseState") == CaseState.allowedValues)
        #expect(values("DispatchMode") == DispatchMode.allowedValues)
        #expect(values("LegalRoute") == LegalRoute.allowedValues)
        #expect(values("ReplyResult") == ReplyResult.allowedValues)
        #expect(values("Evaluation") == Evaluation.allowedValues)
        #expect(values("PauseReason") == PauseReason.allowedValues)
        #expect(values("EmergencyService") == EmergencyService.allowedValues)
        #expect(values("Role") == Role.allowedValues)
        #expect(values("AlertLevel") == AlertLevel.allowedValues)
        #expect(values("UnitLevel") == UnitLevel.allowedValues)
        #expect(values("UnitKind") == UnitKind.allowedValues)
        #expect(values("FieldCheckKind") == FieldCheckKind.allowedValues)
        #expect(values("AccountabilityKind") == AccountabilityKind.allowedValues)
        #expect(values("TokenKind") == TokenKind.allCases.map(\.rawValue))
        #expect(values("Action") == Action.allowedValues)
        #expect(values("StepName") == Action.steps.map(\.rawValue))
        #expect(schemas["StaffRoles"]?["items"]?["enum"]?.items?.compactMap(\.scalar) == Role.allowedValues.filter { $0 != "citizen" })
        #expect(Set(schemas["Deadlines"]?["properties"]?.pairs?.map(\.0) ?? [])
            == Set(DeadlineStep.allCases.filter { $0 != .extensionCap }.map(\.rawValue)))
    }

    @Test("each step's body lists exactly the fields the step reads (Platform.stepFields + note)")
    func stepBodies() throws {
        let doc = try Self.document()
        let schemas = try #require(doc["components"]?["schemas"])
        let alternatives = schemas["StepBody"]?["anyOf"]?.items?.compactMap { $0["$ref"]?.scalar } ?? []
        #expect(alternatives == Action.steps.map { "#/components/schemas/StepBody.\($0.rawValue)" })
        for action in Action.steps {
            let s = try #require(schemas["StepBody.\(action.rawValue)"], "no StepBody.\(action.rawValue)")
            #expect(s["title"]?.scalar == action.rawValue)
            #expect(s["additionalProperties"]?.scalar == "false")
            let documented = Set(s["properties"]?.pairs?.map(\.0) ?? [])
            let read = Set(Platform.stepFields[action, default: []] + ["note"])
            #expect(documented == read, "\(action.rawValue): document \(documented.sorted()), code \(read.sorted())")
            let required = Set(s["required"]?.items?.compactMap(\.scalar) ?? [])
            #expect(required.isSubset(of: read), "\(action.rawValue): required \(required.sorted()) not all fields")
        }
        // The action parameter of the steps endpoint is the step enumeration.
        let op = try #require(doc["paths"]?["/api/v1/cases/{id}/{action}"]?["post"])
        let action = try #require(op["parameters"]?.items?.map { doc.deref($0) }.first { $0["name"]?.scalar == "action" })
        #expect(action["schema"]?["$ref"]?.scalar == "#/components/schemas/StepName")
    }

    @Test("the create endpoints' bodies are the fields the code reads, and both take an Idempotency-Key")
    func createBodies() throws {
        let doc = try Self.document()
        let schemas = try #require(doc["components"]?["schemas"])
        #expect(schemas["CaseDraft"]?["properties"]?.pairs?.map(\.0) == Platform.staffDraftFields)
        #expect(schemas["PublicSubmission"]?["properties"]?.pairs?.map(\.0) == CitizenDesk.draftFields)
        for path in ["/api/v1/cases", "/api/v1/public/cases"] {
            let params = doc["paths"]?[path]?["post"]?["parameters"]?.items?.compactMap { $0["$ref"]?.scalar } ?? []
            #expect(params.contains("#/components/parameters/IdempotencyKey"), "\(path)")
        }
    }

    @Test("security: the operations marked `security: []` are exactly those that answer a request without a credential")
    func security() async throws {
        let ops = try Self.documentedOperations(try Self.document())
        let open = Set(ops.filter { $0.op["security"]?.items?.isEmpty == true }.map { "\($0.method) \($0.path)" })
        #expect(open == ["GET /healthz", "GET /readyz", "GET /metrics", "GET /", "GET /openapi.yaml", "POST /api/v1/public/cases", "GET /api/v1/track/{code}",
                         "POST /api/v1/track/{code}/evaluate", "POST /api/v1/track/{code}/review", "POST /api/v1/auth/login",
                         "GET /api/v1/reception/schedules", "GET /api/v1/reception/schedules/{sid}", "POST /api/v1/reception/bookings",
                         "POST /api/v1/reception/bookings/cancel"])
        let samples = ["id": "1", "action": "sign", "code": "ABCDEFGH23", "year": "2026", "uid": "1", "tid": "1", "callId": "CALL-1", "aid": "1", "sid": "r1"]
        try await withAPI { h in
            for (method, path, _) in ops {
                let uri = path.split(separator: "/", omittingEmptySubsequences: false).map { seg -> String in
                    seg.hasPrefix("{") ? samples[String(seg.dropFirst().dropLast())]! : String(seg)
                }.joined(separator: "/") + (path.hasPrefix("/api/v1/stats") ? "?level=district&from=2026-11-01&to=2026-11-30" : "")
                let m = HTTPRequest.Method(method)!
                let r = try await h.send(m, uri, body: [.post, .patch, .put].contains(m) ? "{}" : nil, token: nil)
                let key = "\(method) \(path)"
                if open.contains(key) {
                    #expect(r.status != .unauthorized, "\(key) is documented without security but answered 401: \(r.text)")
                } else {
                    expectError(r, .unauthorized, "unauthorized")
                    #expect(r.headers[.wwwAuthenticate] != nil, "\(key)")
                }
            }
        }
    }

    @Test("GET /openapi.yaml serves the file as application/yaml, without a credential")
    func served() async throws {
        let file = try Self.text()
        try await withAPI { h in
            let r = try await h.get("/openapi.yaml", token: nil)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/yaml")
            #expect(r.text == file, "the served document differs from Sources/MinshengServer/Resources/openapi.yaml")
            let root = try await h.get("/", token: nil)
            #expect(root.status == .ok && root.headers[.contentType]?.hasPrefix("text/html") == true, "/ is the citizen portal")
        }
    }

    @Test("the YAML reader refuses what it cannot read faithfully")
    func yamlReader() throws {
        let good = try YAML.parse("a: 1\nb:\n  - x\n  - k: v\n    l: [p, 'q r', \"s\"]\nc: |\n  line one\n  line two\nd: {}\n")
        #expect(good["a"]?.scalar == "1")
        #expect(good["b"]?.items?.first?.scalar == "x")
        #expect(good["b"]?.items?.last?["l"]?.items?.compactMap(\.scalar) == ["p", "q r", "s"])
        #expect(good["c"]?.scalar == "line one\nline two\n")
        #expect(good["d"]?.pairs?.isEmpty == true)
        for bad in ["a: 1\n   b: 2\n", "a:\n   b: 2\n", "a: 1\na: 2\n", "a: x: y\n", "a:\n\tb: 1\n", "a: [x\n", "a: 'x\n", "- a\nb: 1\n"] {
            #expect(throws: YAML.Failure.self, "\(bad.debugDescription)") { try YAML.parse(bad) }
        }
    }
}

/// The YAML the document is written in, read strictly: block mappings and sequences indented two spaces per level,
/// flow sequences of scalars, `{}`, quoted and plain scalars, literal and folded block scalars, full-line comments.
/// Anything else (tabs, uneven indentation, duplicate keys, `: ` inside a plain scalar, anchors) is refused, so a
/// document it reads is read the way any YAML parser reads it.
indirect enum YAML: Sendable {
    case map([(String, YAML)])
    case seq([YAML])
    case scalar(String)

    struct Failure: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "openapi.yaml line \(line): \(reason)" }
    }

    subscript(_ key: String) -> YAML? {
        if case let .map(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }
    var pairs: [(String, YAML)]? { if case let .map(p) = self { return p }; return nil }
    var items: [YAML]? { if case let .seq(i) = self { return i }; return nil }
    var scalar: String? { if case let .scalar(s) = self { return s }; return nil }

    /// Visits every mapping entry, depth first.
    func walk(_ visit: (String, YAML) -> Void) {
        switch self {
        case let .map(pairs): for (k, v) in pairs { visit(k, v); v.walk(visit) }
        case let .seq(items): for i in items { i.walk(visit) }
        case .scalar: break
        }
    }

    /// The node at a JSON pointer within this document (`#/components/schemas/Case`).
    func resolve(pointer: String) -> YAML? {
        var node: YAML? = self
        for part in pointer.dropFirst(2).split(separator: "/") {
            node = node?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return node
    }

    /// The node itself, or what its `$ref` points at.
    func deref(_ node: YAML) -> YAML {
        guard let r = node["$ref"]?.scalar, let target = resolve(pointer: r) else { return node }
        return target
    }

    // MARK: Reading

    private struct Line {
        let number: Int
        let indent: Int
        let text: String   // without the indentation
        let raw: String
        var isBlank: Bool { text.isEmpty || text.hasPrefix("#") }
    }

    static func parse(_ text: String) throws -> YAML {
        var lines: [Line] = []
        for (n, rawSub) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let raw = String(rawSub)
            let spaces = raw.prefix { $0 == " " }.count
            let rest = String(raw.dropFirst(spaces))
            if rest.hasPrefix("\t") { throw Failure(line: n + 1, reason: "tab in indentation") }
            if rest.hasSuffix(" ") && !rest.trimmingCharacters(in: .whitespaces).isEmpty {
                throw Failure(line: n + 1, reason: "trailing space")
            }
            lines.append(Line(number: n + 1, indent: spaces, text: rest.trimmingCharacters(in: .whitespaces), raw: raw))
        }
        var reader = Reader(lines: lines)
        reader.skipBlank()
        guard reader.i < lines.count else { throw Failure(line: 1, reason: "empty document") }
        guard lines[reader.i].indent == 0 else { throw Failure(line: lines[reader.i].number, reason: "document must start at column 0") }
        let root = try reader.block(indent: 0)
        reader.skipBlank()
        if reader.i < lines.count { throw Failure(line: lines[reader.i].number, reason: "unexpected content (indentation?)") }
        return root
    }

    private struct Reader {
        let lines: [Line]
        var i = 0

        mutating func skipBlank() {
            while i < lines.count, lines[i].isBlank { i += 1 }
        }

        static func isSeqItem(_ text: String) -> Bool { text == "-" || text.hasPrefix("- ") }

        /// A mapping or a sequence whose entries start at `indent`.
        mutating func block(indent: Int) throws -> YAML {
            skipBlank()
            return Self.isSeqItem(lines[i].text) ? try seq(indent: indent) : try map(indent: indent)
        }

        mutating func map(indent: Int, firstText: String? = nil) throws -> YAML {
            var pairs: [(String, YAML)] = []
            var first = firstText
            while true {
                let line: Line
                let text: String
                if let f = first {
                    line = lines[i]; text = f; first = nil
                } else {
                    skipBlank()
                    guard i < lines.count, lines[i].indent >= indent else { break }
                    line = lines[i]; text = line.text
                    guard line.indent == indent else { throw Failure(line: line.number, reason: "indentation \(line.indent), expected \(indent)") }
                    if Self.isSeqItem(text) { throw Failure(line: line.number, reason: "sequence item inside a mapping") }
                }
                let (key, rest) = try Self.splitKey(text, line: line.number)
                if pairs.contains(where: { $0.0 == key }) { throw Failure(line: line.number, reason: "duplicate key \(key)") }
                i += 1
                let value: YAML
                if rest.isEmpty {
                    skipBlank()
                    if i < lines.count, lines[i].indent > indent {
                        guard lines[i].indent == indent + 2 else {
                            throw Failure(line: lines[i].number, reason: "indentation \(lines[i].indent), expected \(indent + 2)")
                        }
                        value = try block(indent: indent + 2)
                    } else {
                        value = .scalar("")
                    }
                } else if ["|", "|-", ">", ">-"].contains(rest) {
                    value = .scalar(try blockScalar(parentIndent: indent, style: rest, line: line.number))
                } else {
                    value = try Self.inline(rest, line: line.number)
                }
                pairs.append((key, value))
            }
            return .map(pairs)
        }

        mutating func seq(indent: Int) throws -> YAML {
            var items: [YAML] = []
            while true {
                skipBlank()
                guard i < lines.count, lines[i].indent >= indent else { break }
                let line = lines[i]
                guard line.indent == indent else { throw Failure(line: line.number, reason: "indentation \(line.indent), expected \(indent)") }
                guard Self.isSeqItem(line.text) else { throw Failure(line: line.number, reason: "mapping entry inside a sequence") }
                let rest = String(line.text.dropFirst(1)).trimmingCharacters(in: .whitespaces)
                if rest.isEmpty {
                    i += 1
                    skipBlank()
                    guard i < lines.count, lines[i].indent == indent + 2 else { throw Failure(line: line.number, reason: "empty sequence item") }
                    items.append(try block(indent: indent + 2))
                } else if Self.startsMapping(rest) {
                    // `- key: value` opens a mapping whose further keys are indented under `key`.
                    items.append(try map(indent: indent + 2, firstText: rest))
                } else {
                    i += 1
                    items.append(try Self.inline(rest, line: line.number))
                }
            }
            return .seq(items)
        }

        mutating func blockScalar(parentIndent: Int, style: String, line: Int) throws -> String {
            var body: [String] = []
            var contentIndent: Int?
            while i < lines.count {
                let l = lines[i]
                if l.text.isEmpty { body.append(""); i += 1; continue }
                guard l.indent > parentIndent else { break }
                if contentIndent == nil {
                    guard l.indent == parentIndent + 2 else { throw Failure(line: l.number, reason: "block scalar indentation \(l.indent), expected \(parentIndent + 2)") }
                    contentIndent = l.indent
                }
                guard l.indent >= contentIndent! else { throw Failure(line: l.number, reason: "block scalar line less indented than its first") }
                body.append(String(l.raw.dropFirst(contentIndent!)))
                i += 1
            }
            while body.last == "" { body.removeLast() }
            guard !body.isEmpty else { throw Failure(line: line, reason: "empty block scalar") }
            var out: String
            if style.hasPrefix("|") {
                out = body.joined(separator: "\n")
            } else {
                out = ""
                for (k, b) in body.enumerated() {
                    if k > 0 { out += (b.isEmpty || body[k - 1].isEmpty) ? "\n" : " " }
                    out += b
                }
            }
            if !style.hasSuffix("-") { out += "\n" }
            return out
        }

        static func startsMapping(_ text: String) -> Bool {
            if text.hasPrefix("'") || text.hasPrefix("\"") {
                guard let (_, after) = try? quoted(text, line: 0) else { return false }
                return after.hasPrefix(":")
            }
            if text.hasPrefix("[") || text.hasPrefix("{") { return false }
            return text.contains(": ") || text.hasSuffix(":")
        }

        static func splitKey(_ text: String, line: Int) throws -> (String, String) {
            if text.hasPrefix("'") || text.hasPrefix("\"") {
                let (key, after) = try quoted(text, line: line)
                guard after.hasPrefix(":") else { throw Failure(line: line, reason: "expected `:` after key") }
                let rest = after.dropFirst()
                guard rest.isEmpty || rest.hasPrefix(" ") else { throw Failure(line: line, reason: "expected space after `:`") }
                return (key, rest.trimmingCharacters(in: .whitespaces))
            }
            if text.hasSuffix(":") && !text.dropLast().contains(": ") { return (try plain(String(text.dropLast()), line: line), "") }
            guard let r = text.range(of: ": ") else { throw Failure(line: line, reason: "expected `key: value`") }
            return (try plain(String(text[..<r.lowerBound]), line: line), String(text[r.upperBound...]).trimmingCharacters(in: .whitespaces))
        }

        /// A value on the same line as its key or dash.
        static func inline(_ text: String, line: Int) throws -> YAML {
            if text == "{}" { return .map([]) }
            if text.hasPrefix("[") {
                guard text.hasSuffix("]") else { throw Failure(line: line, reason: "unterminated flow sequence") }
                let inner = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if inner.isEmpty { return .seq([]) }
                var items: [YAML] = []
                var rest = Substring(inner)
                while true {
                    rest = rest.drop { $0 == " " }
                    if rest.hasPrefix("'") || rest.hasPrefix("\"") {
                        let (s, after) = try quoted(String(rest), line: line)
                        items.append(.scalar(s))
                        rest = Substring(after).drop { $0 == " " }
                    } else {
                        let end = rest.firstIndex(of: ",") ?? rest.endIndex
                        let item = rest[..<end].trimmingCharacters(in: .whitespaces)
                        if item.contains(where: { "[]{}".contains($0) }) { throw Failure(line: line, reason: "nested flow collection") }
                        items.append(.scalar(try plain(item, line: line)))
                        rest = rest[end...]
                    }
                    if rest.isEmpty { break }
                    guard rest.hasPrefix(",") else { throw Failure(line: line, reason: "expected `,` in flow sequence") }
                    rest = rest.dropFirst()
                }
                return .seq(items)
            }
            if text.hasPrefix("'") || text.hasPrefix("\"") {
                let (s, after) = try quoted(text, line: line)
                guard after.trimmingCharacters(in: .whitespaces).isEmpty else { throw Failure(line: line, reason: "text after quoted scalar") }
                return .scalar(s)
            }
            return .scalar(try plain(text, line: line))
        }

        static func plain(_ text: String, line: Int) throws -> String {
            guard !text.isEmpty else { throw Failure(line: line, reason: "empty plain scalar") }
            if let c = text.first, "&*!%@`|>{}[],#'\"".contains(c) { throw Failure(line: line, reason: "plain scalar may not start with \(c)") }
            if text.hasPrefix("- ") || text.hasPrefix("? ") { throw Failure(line: line, reason: "plain scalar may not start with an indicator") }
            if text.contains(": ") || text.hasSuffix(":") { throw Failure(line: line, reason: "`: ` in a plain scalar (quote it)") }
            if text.contains(" #") { throw Failure(line: line, reason: "` #` in a plain scalar (quote it)") }
            return text
        }

        /// A quoted scalar at the start of `text`, and what follows it.
        static func quoted(_ text: String, line: Int) throws -> (String, String) {
            let q = text.first!
            var out = ""
            var idx = text.index(after: text.startIndex)
            while idx < text.endIndex {
                let c = text[idx]
                if c == q {
                    let next = text.index(after: idx)
                    if q == "'", next < text.endIndex, text[next] == "'" { out.append("'"); idx = text.index(after: next); continue }
                    return (out, String(text[next...]))
                }
                if q == "\"", c == "\\" {
                    idx = text.index(after: idx)
                    guard idx < text.endIndex else { break }
                    switch text[idx] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\\": out.append("\\")
                    case "\"": out.append("\"")
                    default: throw Failure(line: line, reason: "unsupported escape \\\(text[idx])")
                    }
                    idx = text.index(after: idx)
                    continue
                }
                out.append(c)
                idx = text.index(after: idx)
            }
            throw Failure(line: line, reason: "unterminated quoted scalar")
        }
    }
}
