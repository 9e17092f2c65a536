import Crypto
import Foundation
import MinshengDomain
import MinshengStore

/// Turns one e-mail into a case of channel `.email` (README "E-mail"): deduplicated by Message-ID through the
/// platform's idempotency key, the sender's address kept only sealed, attachments checked and stored
/// content-addressed, refused files named in the registration note.
public struct MailIngest: Sendable {
    public struct Limits: Sendable {
        public var maxMessageBytes = 30 * 1024 * 1024
        public var maxFileBytes = 10 * 1024 * 1024
        public var maxFiles = 10
        public init() {}
    }

    public struct Outcome: Sendable {
        public var caseID: CaseID
        public var trackingCode: String
        /// false: this Message-ID was registered before; nothing new was written.
        public var created: Bool
        /// The same Message-ID came before with another subject or text.
        public var differsFromFirst: Bool
        public var messageID: String?
        public var filesStored: Int
        public var refused: [String]
    }

    /// A kept attachment, checked.
    struct Kept {
        var name: String
        var type: String
        var bytes: [UInt8]
        var sha256: String
    }

    public static let actorID = "channel:email"

    /// The database has no center (信访/民生办) to register at: a configuration problem, not the message's.
    public struct NoCenter: Error, CustomStringConvertible {
        public var description: String { "数据库中没有信访/民生办（登记中心），无法登记邮件 no center unit in the database" }
    }
    public let platform: Platform
    public let vault: FileVault?
    public let limits: Limits

    public init(platform: Platform, filesDirectory: String?, limits: Limits = Limits()) throws {
        self.platform = platform
        self.vault = try filesDirectory.map { try FileVault(directory: $0) }
        self.limits = limits
    }

    /// The channel's actor: a registrar of the default center (as a channel account registers).
    public func actor() throws -> Actor {
        guard let center = platform.defaultCenter else { throw NoCenter() }
        return Actor(id: Self.actorID, name: "电子邮件渠道", role: .registrar, unit: center.id)
    }

    /// Registers the message; `receivedAt` is when it reached us (the Maildir file's time), default now.
    public func ingest(_ raw: [UInt8], receivedAt: Instant? = nil) async throws -> Outcome {
        let mail = try MailMessage.parse(raw, maxBytes: limits.maxMessageBytes)
        // Files first: what is refused is said in the registration note.
        var kept: [Kept] = []
        var refused: [String] = []
        for (n, f) in mail.files.enumerated() {
            let name = Self.safeName(f.name, index: n + 1)
            if f.bytes.count > limits.maxFileBytes {
                refused.append("附件《\(name)》超过 \(limits.maxFileBytes / 1_048_576) MB，未保存")
                continue
            }
            switch Self.check(name: name, bytes: f.bytes) {
            case .allowed(let type):
                let sha = Hex.encode(SHA256.hash(data: f.bytes))
                if kept.contains(where: { $0.sha256 == sha }) { continue } // the same file twice (inline and attached)
                if kept.count >= limits.maxFiles {
                    refused.append("附件《\(name)》超出每封 \(limits.maxFiles) 个的上限，未保存")
                    continue
                }
                kept.append(Kept(name: name, type: type, bytes: f.bytes, sha256: sha))
            case .executable:
                refused.append("附件《\(name)》是可执行文件，按安全规定未保存")
            case .notAllowed:
                refused.append("附件《\(name)》类型不在允许范围（图片、PDF、Office 文档、文本），未保存")
            }
        }
        var content = String(mail.text.prefix(APILimits.maxContent))
        var title = (mail.subject ?? "").trimmingASCIIWhitespace()
        if title.isEmpty {
            let firstLine = content.split(separator: "\n").first.map(String.init) ?? ""
            title = String(firstLine.trimmingASCIIWhitespace().prefix(30))
        }
        title = String(title.prefix(APILimits.maxTitle))
        if content.isEmpty {
            guard !title.isEmpty || !mail.files.isEmpty else { throw MailError.empty }
            content = title.isEmpty ? "（邮件无正文，见附件）" : title
        }
        if title.isEmpty { title = "电子邮件来信（无主题）" }
        let sender = mail.replyTo ?? mail.from
        let name = (mail.from?.name ?? mail.replyTo?.name).map { String($0.prefix(50)) }
        var citizen = Citizen(name: name)
        citizen.phone = Self.findMobile(in: content)
        var draft = CaseDraft(channel: .email, kind: Self.kind(title: title), title: title, content: content, citizen: citizen)
        draft.receivedAt = receivedAt
        var notes = ["电子邮件来信"]
        if !kept.isEmpty { notes.append("附件 \(kept.count) 个已保存") }
        notes += refused
        draft.note = notes.joined(separator: "；")
        var data: [String: String] = [:]
        if let a = sender?.address {
            data["emailSealed"] = platform.sealer.seal(a)
            // GB/T 33358: e-mail is acknowledged within 24 hours — a reply with the tracking code, through the outbox
            // (the notification gateway delivers a "mailto:" recipient by e-mail).
            draft.acknowledge = true
            draft.acknowledgeTo = platform.sealer.seal("mailto:" + a)
        }
        if let id = mail.messageID { data["email.messageId"] = String(id.prefix(300)) }
        if let d = mail.date { data["email.date"] = String(d.prefix(100)) }
        if !refused.isEmpty { data["email.refused"] = String(refused.count) }
        draft.eventData = data
        let outcome = try await platform.register(draft, by: try actor(), clientKey: Self.clientKey(mail, raw: raw))
        let c = outcome.case
        // Files: stored once per content; a retry (or a crash between the case and its files) adds only what is missing.
        var stored = 0
        if let vault, !kept.isEmpty {
            let existing = Set(try await platform.attachments(of: c.id).map(\.sha256))
            for k in kept where !existing.contains(k.sha256) {
                _ = try vault.store(k.bytes)
                _ = try await platform.addAttachment(Attachment(caseID: c.id, sha256: k.sha256, name: k.name, type: k.type,
                                                                      size: k.bytes.count, at: platform.clock.now()))
                stored += 1
            }
        }
        let differs = !outcome.created && (c.title != draft.title || c.content != draft.content)
        return Outcome(caseID: c.id, trackingCode: c.trackingCode, created: outcome.created, differsFromFirst: differs,
                       messageID: mail.messageID, filesStored: stored, refused: outcome.created ? refused : [])
    }

    /// "email:" + the Message-ID (a long one, or none, by its SHA-256; without a Message-ID, of the whole message).
    static func clientKey(_ mail: MailMessage, raw: [UInt8]) -> String {
        if let id = mail.messageID, id.utf8.count <= 200 { return "email:" + id }
        let bytes = mail.messageID.map { Array($0.utf8) } ?? raw
        return "email:sha256:" + Hex.encode(SHA256.hash(data: bytes))
    }

    /// The request's kind from words in its subject; help (求助) otherwise.
    static func kind(title: String) -> CaseKind {
        let table: [(String, CaseKind)] = [("举报", .report), ("投诉", .complaint), ("建议", .suggestion), ("咨询", .consultation),
                                           ("表扬", .praise), ("感谢", .praise), ("求助", .help)]
        return table.first { title.contains($0.0) }?.1 ?? .help
    }

    /// The first mainland mobile number in the text (13800001234, 138-0000-1234, 138 0000 1234, +86 13800001234),
    /// not part of a longer number (an ID number, an order number).
    static func findMobile(in text: String) -> String? {
        let s = Array(text.unicodeScalars)
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < s.count && ("0"..."9").contains(s[i]) }
        var i = 0
        while i < s.count {
            guard isDigit(i), !isDigit(i - 1) else { i += 1; continue }
            // Digits with single separators (space or dash) between groups.
            var digits = "", j = i
            while j < s.count {
                if isDigit(j) { digits.unicodeScalars.append(s[j]); j += 1; continue }
                if (s[j] == " " || s[j] == "-"), isDigit(j + 1), digits.count < 13 { j += 1; continue }
                break
            }
            for candidate in [digits, digits.hasPrefix("86") ? String(digits.dropFirst(2)) : ""] where candidate.count == 11 {
                if let p = try? Contact.normalizedPhone(candidate), Contact.isMobile(p) { return p }
            }
            // A run that is too long may still begin with a number followed by another figure ("13800001234 2024"):
            // take an 11-digit run without separators.
            var plain = "", k = i
            while isDigit(k) { plain.unicodeScalars.append(s[k]); k += 1 }
            if plain.count == 11, let p = try? Contact.normalizedPhone(plain), Contact.isMobile(p) { return p }
            i = max(j, i + 1)
        }
        return nil
    }

    static func safeName(_ raw: String?, index: Int) -> String {
        let base = (raw ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(base.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }.map(Character.init))
            .trimmingASCIIWhitespace()
        if clean.isEmpty || clean == "." || clean == ".." { return "附件\(index)" }
        if clean.count <= 100 { return clean }
        let ext = (clean as NSString).pathExtension
        return String(clean.prefix(90)) + (ext.isEmpty || ext.count > 8 ? "" : "." + ext)
    }

    enum Verdict: Equatable {
        case allowed(String)
        case executable
        case notAllowed
    }

    static let executableExtensions: Set<String> = [
        "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf",
        "wsh", "hta", "jar", "sh", "bash", "apk", "app", "deb", "rpm", "lnk", "reg", "elf", "run",
        "dmg", "chm", "scf", "inf", "docm", "xlsm", "pptm", "dotm", "xlam",
    ]
    static let oleExtensions: [String: String] = [
        "doc": "application/msword", "dot": "application/msword", "wps": "application/vnd.ms-works",
        "xls": "application/vnd.ms-excel", "et": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
        "dps": "application/vnd.ms-powerpoint",
    ]
    static let zipExtensions: [String: String] = [
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation", "ofd": "application/ofd",
    ]

    /// What the bytes are, whatever the sender declared: images, PDF, Office documents (the older binary ones and
    /// the zipped ones, by extension), plain text; executables (by magic or extension) are refused by name.
    static func check(name: String, bytes: [UInt8]) -> Verdict {
        let ext = (name as NSString).pathExtension.lowercased()
        func starts(_ m: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + m.count && bytes[offset..<(offset + m.count)].elementsEqual(m)
        }
        // Executables: Windows PE, ELF, Mach-O, scripts with a #! line, by extension.
        if starts([0x4D, 0x5A]) || starts([0x7F, 0x45, 0x4C, 0x46]) || starts([0xCF, 0xFA, 0xED, 0xFE]) || starts([0xCE, 0xFA, 0xED, 0xFE])
            || starts([0xFE, 0xED, 0xFA, 0xCE]) || starts([0xFE, 0xED, 0xFA, 0xCF]) || starts([0xCA, 0xFE, 0xBA, 0xBE])
            || starts(Array("#!".utf8)) || executableExtensions.contains(ext) {
            return .executable
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .allowed("image/jpeg") }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .allowed("image/png") }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .allowed("image/gif") }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .allowed("image/webp") }
        if starts([0x42, 0x4D]) && ext == "bmp" { return .allowed("image/bmp") }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .allowed("image/tiff") }
        if starts(Array("ftyp".utf8), at: 4), bytes.count >= 12 {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            if ["heic", "heix", "mif1", "msf1", "hevc"].contains(brand) { return .allowed("image/heic") }
        }
        if starts(Array("%PDF-".utf8)) { return .allowed("application/pdf") }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return oleExtensions[ext].map(Verdict.allowed) ?? .notAllowed // an OLE file could be an installer (msi)
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            return zipExtensions[ext].map(Verdict.allowed) ?? .notAllowed // other archives may carry anything
        }
        if starts(Array("{\\rtf".utf8)) { return .allowed("application/rtf") }
        if ["txt", "csv", "text", "log", ""].contains(ext), !bytes.isEmpty, !bytes.prefix(65536).contains(0) {
            let text = Charsets.decodeGuessing(Array(bytes.prefix(65536)))
            if !text.unicodeScalars.contains(where: { $0.value < 32 && $0 != "\n" && $0 != "\r" && $0 != "\t" && $0 != "\u{0C}" }) {
                return .allowed(ext == "csv" ? "text/csv" : "text/plain")
            }
        }
        return .notAllowed
    }
}

extension MailIngest {
    /// Whether an error means "the database is busy or locked" (another writer held it past the busy timeout):
    /// the mail server should try again later.
    public static func isBusy(_ error: any Error) -> Bool {
        let d = String(describing: error).lowercased()
        return d.hasPrefix("busy") || d.hasPrefix("locked") || d.contains("database is locked") || d.contains("sqlite_busy")
            || d.contains("database table is locked")
    }
}
