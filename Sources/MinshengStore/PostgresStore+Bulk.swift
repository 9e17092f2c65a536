import Foundation
import MinshengDomain
import NIOCore
import PostgresNIO
import SQLKit

extension PostgresStore {
    /// Bulk load through `COPY … FROM STDIN`: new cases with their events and search vectors, one transaction per
    /// call, ids from the identity sequence in array order. For loading benchmark worlds and imports of millions of
    /// cases, where the row-at-a-time protocol of `register` is the bottleneck (one round trip per statement). It
    /// skips what only live registrations carry: client keys (idempotency), notices and co-handlers are refused
    /// rather than silently dropped.
    public func copyRegistrations(_ registrations: [Registration]) async throws -> [CaseID] {
        guard !registrations.isEmpty else { return [] }
        for r in registrations where r.clientKey != nil || !r.notices.isEmpty || !r.case.coHandlers.isEmpty {
            throw StoreError.conflict("copyRegistrations takes plain registrations (no client key, notices or co-handlers)")
        }
        let prepared = try registrations.map(PreparedRegistration.init)
        return try await transaction { conn, db in
            let ids = try await db.raw("""
                SELECT nextval(pg_get_serial_sequence('cases', 'id')) AS id FROM generate_series(1, \(bind: prepared.count)) ORDER BY 1
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
            var cases = CopyText(capacity: prepared.count * 1_200)
            var events = CopyText(capacity: prepared.count * 1_000)
            var search = CopyText(capacity: prepared.count * 1_000)
            for (p, id) in zip(prepared, ids) {
                let r = p.registration
                CaseRow.insert(p, id: id, into: &cases)
                cases.endRow()
                for (e, data) in zip(r.events, p.eventData) {
                    EventRow.columns(into: &events, e, caseID: id, data: data)
                    events.endRow()
                }
                search.row([String(id), Self.searchVector(title: p.titleTokens, body: p.bodyTokens)])
            }
            try await Self.copy(conn, "cases", columns: CaseRow.insertColumns, cases, logger: self.logger)
            try await Self.copy(conn, "case_events", columns: EventRow.names, events, logger: self.logger)
            try await Self.copy(conn, "case_search", columns: ["case_id", "tsv"], search, logger: self.logger)
            return ids
        }
    }


    /// Streams the rows in pieces of about 1 MB (the writer applies back-pressure per piece).
    static func copy(_ conn: PostgresConnection, _ table: String, columns: [String], _ text: CopyText, logger: Logger) async throws {
        let bytes = text.bytes
        try await conn.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + (1 << 20))
                try await writer.write(ByteBuffer(bytes: bytes[start..<end]))
                start = end
            }
        }
    }
}

/// Rows in COPY's text format: tab-separated, `\N` for NULL, backslash, tab, newline and carriage return escaped.
struct CopyText {
    var bytes: [UInt8] = []
    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    private var atRowStart = true

    mutating func row(_ fields: [String?]) {
        for f in fields { field(f) }
        endRow()
    }

    mutating func field(_ f: String?) {
        if !atRowStart { bytes.append(0x09) }
        atRowStart = false
        guard let f else {
            bytes.append(0x5C); bytes.append(0x4E)
            return
        }
        for b in f.utf8 {
            switch b {
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            default: bytes.append(b)
            }
        }
    }

    mutating func endRow() {
        bytes.append(0x0A)
        atRowStart = true
    }
}

/// A case row in COPY's text format: integers in decimal, flags 0/1.
extension CopyText: ColumnSink {
    mutating func int(_ column: StaticString, _ value: Int64?, _ use: ColumnUse) {
        if use != .update { field(value.map { String($0) }) }
    }
    mutating func text(_ column: StaticString, _ value: String?, _ use: ColumnUse) {
        if use != .update { field(value) }
    }
    mutating func flag(_ column: StaticString, _ value: Bool, _ use: ColumnUse) {
        if use != .update { field(value ? "1" : "0") }
    }
}
