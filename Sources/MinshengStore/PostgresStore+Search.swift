import Foundation
import MinshengDomain
import PostgresKit
import PostgresNIO
import SQLKit

/// Full-text search: a tsvector of the same tokens as SQLite's FTS5 table, its part of the case list, the search rows of
/// transferred cases; and a citizen's earlier matters (repeat detection, on the registration path).
extension PostgresStore {
    /// A `tsvector` literal of the index tokens with their positions: the title's with weight A, then, after a gap
    /// (so no phrase spans title and body), the body's with weight B. Built here, not by `to_tsvector`, so the text
    /// search parser and the database's locale cannot split the tokens differently from `SearchTokens`. PostgreSQL
    /// keeps positions up to 16,383: a phrase further into a very long text (over ~16,000 characters) is not found.
    static func searchVector(title: String, body: String) -> String {
        var out = ""
        var pos = 1
        for (text, weight) in [(title, "A"), (body, "B")] {
            for token in text.split(separator: " ") {
                if !out.isEmpty { out += " " }
                out += lexeme(token) + ":\(min(pos, 16383))" + weight
                pos += 1
            }
            pos += 1
        }
        return out
    }

    static func lexeme(_ token: some StringProtocol) -> String {
        var s = "'"
        for ch in token {
            if ch == "'" { s += "''" } else if ch == "\\" { s += "\\\\" } else { s.append(ch) }
        }
        return s + "'"
    }

    /// A `tsquery` requiring every term, each a phrase of consecutive tokens (`<->`); nil when the query has no
    /// indexable term. Every token is a quoted lexeme, so no user text is read as query syntax.
    static func searchQuery(_ text: String) -> String? {
        let phrases = SearchTokens.queryTerms(text).compactMap { term -> String? in
            guard case let .phrase(tokens) = term, !tokens.isEmpty else { return nil }
            return "(" + tokens.map { lexeme($0) }.joined(separator: " <-> ") + ")"
        }
        return phrases.isEmpty ? nil : phrases.joined(separator: " & ")
    }

    public func matters(citizenKey: String, since: Instant, limit: Int) async throws -> [CitizenMatter] {
        // Two reads in index order, each stopping at `limit`: the final cases (their partial index), then the window.
        let n = max(1, min(limit, 100))
        func rows(_ condition: SQLQueryString) async throws -> [CitizenMatter] {
            try await self.read { db in
                try await db.raw("""
                    SELECT id, category, d #>> '{suggestion,category}' AS suggested, (d ->> 'repeatOf')::bigint AS repeat_of, title, \
                    left(d ->> 'content', \(literal: CitizenMatter.contentPrefix)) AS content, d ->> 'address' AS address, location_unit, state \
                    FROM (SELECT id, category, title, location_unit, state, registered_at, doc::jsonb AS d FROM cases \
                          WHERE citizen_key = \(bind: citizenKey) AND \(condition) \
                          ORDER BY registered_at DESC, id DESC LIMIT \(literal: n)) c \
                    ORDER BY registered_at DESC, id DESC
                    """).all().map {
                    CitizenMatter(id: try $0.decode(column: "id", as: Int64.self), category: try $0.decode(column: "category", as: String?.self),
                                  suggestedCategory: try $0.decode(column: "suggested", as: String?.self),
                                  repeatOf: try $0.decode(column: "repeat_of", as: Int64?.self),
                                  title: try $0.decode(column: "title", as: String.self),
                                  content: try $0.decode(column: "content", as: String?.self) ?? "",
                                  address: try $0.decode(column: "address", as: String?.self),
                                  locationUnit: try $0.decode(column: "location_unit", as: Int64?.self),
                                  state: CaseState(rawValue: try $0.decode(column: "state", as: String.self)))
                }
            }
        }
        let finals = try await rows("state = 'final'")
        let recent = try await rows("registered_at >= \(bind: since.seconds)")
        var seen = Set<CaseID>()
        return Array((finals + recent).filter { seen.insert($0.id).inserted }.prefix(n))
    }

    // MARK: The case list's full-text part (SQLStore+CaseList.swift)

    static func textQuery(_ text: String) -> String? { searchQuery(text) }

    static func titleContains(_ ch: String) -> SQLQueryString { "strpos(c.title, \(bind: ch)) > 0" }

    static func textJoin(_ query: String, above bound: Int64, ranked: Bool) -> SQLQueryString {
        // ts_rank with title (A) worth four times the body (B), as bm25's column weights on SQLite; normalisation 1
        // divides by the log of the document length, so a hit in a short text ranks above one deep in a long text.
        let rank: SQLQueryString = ranked ? ", ts_rank('{0.1, 0.1, 0.25, 1.0}', s.tsv, CAST(\(bind: query) AS tsquery), 1) AS rank" : ""
        return """
            JOIN (SELECT s.case_id AS fid\(rank) FROM case_search s WHERE s.case_id > \(bind: bound) \
            AND s.tsv @@ CAST(\(bind: query) AS tsquery)) f ON f.fid = c.id
            """
    }

    /// ts_rank: higher is better.
    static var relevanceOrder: SQLQueryString { "ORDER BY f.rank DESC, c.id DESC" }
}

extension PostgresStore {
    /// Writes the search rows of cases copied in by `Transfer` (registration writes its own).
    func indexSearch(_ texts: [(CaseID, String, String)]) async throws {
        guard !texts.isEmpty else { return }
        var binds = PostgresBindings(capacity: texts.count * 2)
        for (id, title, content) in texts {
            binds.append(id)
            binds.append(Self.searchVector(title: SearchTokens.indexText(title), body: SearchTokens.indexText(content)))
        }
        try await transaction { conn, _ in
            try await self.run(conn, "INSERT INTO case_search (case_id, tsv) VALUES" + Self.placeholders(rows: texts.count, columns: 2, casts: [1: "tsvector"]) +
                               " ON CONFLICT DO NOTHING", binds)
        }
    }
}
