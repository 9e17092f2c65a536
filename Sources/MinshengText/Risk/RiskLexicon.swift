import Foundation

/// A list of risk phrases by category, with exclusions, read from a text file an admin can edit.
///
/// Format (UTF-8, one entry a line; blank lines and lines starting with `#` are ignored):
///
/// ```
/// [self-harm] 自伤自杀          ← a category: id in brackets, then a display name
/// 自杀                          ← a phrase: a match raises the case
/// !跳楼机                       ← an exclusion: a phrase match lying inside an occurrence of this text is dropped
/// [*]                           ← exclusions under [*] apply to every category
/// ```
///
/// Matching folds full-width forms, traditional characters (the classifier's table) and Latin case, and ignores
/// whitespace, so 跳　楼 and 跳樓 match 跳楼. An exclusion only suppresses matches it covers: "油炸" hides the 炸 of
/// 油炸 but not another 炸 elsewhere in the message.
public struct RiskLexicon: Sendable, Equatable {
    public struct Category: Sendable, Equatable {
        public var id: String
        public var name: String
        public var phrases: [String]
        public var exclusions: [String]
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "risk words line \(line): \(message)" }
    }

    public var categories: [Category]
    /// Exclusions of the `[*]` section.
    public var globalExclusions: [String]

    public init(categories: [Category], globalExclusions: [String] = []) {
        self.categories = categories
        self.globalExclusions = globalExclusions
    }

    public init(parsing text: String) throws {
        var cats: [Category] = []
        var global: [String] = []
        var inGlobal = false
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { throw ParseError(line: n + 1, message: "missing ] in category header") }
                let id = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty else { throw ParseError(line: n + 1, message: "empty category id") }
                if id == "*" { inGlobal = true; continue }
                inGlobal = false
                guard !cats.contains(where: { $0.id == id }) else { throw ParseError(line: n + 1, message: "category \(id) defined twice") }
                let name = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
                cats.append(Category(id: id, name: name.isEmpty ? id : name, phrases: [], exclusions: []))
                continue
            }
            let exclusion = line.hasPrefix("!")
            let phrase = (exclusion ? String(line.dropFirst()) : line).trimmingCharacters(in: .whitespaces)
            guard !RiskMatcher.fold(phrase).isEmpty else { throw ParseError(line: n + 1, message: "empty phrase") }
            if inGlobal {
                guard exclusion else { throw ParseError(line: n + 1, message: "[*] holds exclusions only (start the line with !)") }
                global.append(phrase)
            } else {
                guard !cats.isEmpty else { throw ParseError(line: n + 1, message: "phrase before any [category]") }
                if exclusion { cats[cats.count - 1].exclusions.append(phrase) } else { cats[cats.count - 1].phrases.append(phrase) }
            }
        }
        self.init(categories: cats, globalExclusions: global)
    }

    /// The file text of this lexicon (parses back to an equal value).
    public var text: String {
        var s = ""
        if !globalExclusions.isEmpty {
            s += "[*]\n" + globalExclusions.map { "!" + $0 + "\n" }.joined() + "\n"
        }
        for c in categories {
            s += "[\(c.id)] \(c.name)\n"
            s += c.phrases.map { $0 + "\n" }.joined()
            s += c.exclusions.map { "!" + $0 + "\n" }.joined()
            s += "\n"
        }
        return s
    }

    public static let shipped: RiskLexicon = try! RiskLexicon(parsing: defaultText)
}
