/// What a citizen's e-mail says: who wrote, about what, the text, and the files that came with it.
public struct MailMessage: Sendable {
    public struct File: Sendable {
        public var name: String?
        /// The type the sender declared (not trusted: the ingestion checks the bytes).
        public var declaredType: String
        public var bytes: [UInt8]
    }

    public var root: MIMEPart
    public var subject: String?
    /// Without the angle brackets.
    public var messageID: String?
    public var from: MailAddress?
    public var replyTo: MailAddress?
    public var date: String?
    /// The text: text/plain preferred in multipart/alternative, else the HTML reduced to text; several text parts
    /// of a mixed message joined by a blank line.
    public var text: String
    public var files: [File]

    public static func parse(_ bytes: [UInt8], maxBytes: Int = 30 * 1024 * 1024) throws(MailError) -> MailMessage {
        guard bytes.count <= maxBytes else { throw .tooLarge(bytes: bytes.count, limit: maxBytes) }
        let root = try MIMEParser.parse(bytes)
        let h = root.headers
        var texts: [String] = []
        var files: [File] = []
        try walk(root, textAllowed: true, texts: &texts, files: &files)
        var id = h.raw("Message-ID") ?? h.raw("Message-Id")
        if let m = id {
            var t = m.trimmingASCIIWhitespace()
            if let lt = t.firstIndex(of: "<"), let gt = t[lt...].firstIndex(of: ">") { t = String(t[t.index(after: lt)..<gt]) }
            t = t.trimmingASCIIWhitespace()
            id = t.isEmpty ? nil : t
        }
        let subject = h.text("Subject").map { s in
            String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }).trimmingASCIIWhitespace()
        }
        return MailMessage(root: root, subject: subject?.isEmpty == true ? nil : subject, messageID: id,
                           from: h.raw("From").flatMap(MailText.firstAddress),
                           replyTo: h.raw("Reply-To").flatMap(MailText.firstAddress),
                           date: h.raw("Date"), text: MailText.collapseBlankLines(texts.joined(separator: "\n\n")
                               .split(separator: "\n", omittingEmptySubsequences: false).map { line in
                                   var l = Substring(line)
                                   while let last = l.last, last == " " || last == "\t" { l = l.dropLast() }
                                   return String(l)
                               }).trimmingASCIIWhitespace(),
                           files: files)
    }

    /// Signatures of signed mail: not the citizen's files.
    static let ignoredTypes: Set<String> = ["application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"]

    static func walk(_ part: MIMEPart, textAllowed: Bool, texts: inout [String], files: inout [File]) throws(MailError) {
        if part.isMultipart {
            if part.contentType == "multipart/alternative" {
                // The plain text if there is one (directly or inside a nested multipart), else the richest.
                let kids = part.children
                func hasPlain(_ p: MIMEPart) -> Bool {
                    p.isMultipart ? p.children.contains(where: hasPlain) : (p.contentType == "text/plain" && !isAttachment(p))
                }
                let chosen = kids.firstIndex(where: { $0.contentType == "text/plain" && !isAttachment($0) })
                    ?? kids.firstIndex(where: hasPlain)
                    ?? kids.lastIndex(where: { $0.isMultipart || ($0.contentType == "text/html" && !isAttachment($0)) })
                for (n, k) in kids.enumerated() {
                    try walk(k, textAllowed: textAllowed && n == chosen, texts: &texts, files: &files)
                }
            } else {
                for k in part.children { try walk(k, textAllowed: textAllowed, texts: &texts, files: &files) }
            }
            return
        }
        if ignoredTypes.contains(part.contentType) { return }
        if isAttachment(part) {
            if !part.body.isEmpty { files.append(File(name: part.filename, declaredType: part.contentType, bytes: part.body)) }
            return
        }
        guard textAllowed else { return }
        let t = try MailText.text(of: part)
        if !t.trimmingASCIIWhitespace().isEmpty { texts.append(t) }
    }

    /// A file rather than the message's text: marked as an attachment, named (unless inline text), or not text.
    static func isAttachment(_ p: MIMEPart) -> Bool {
        let textual = p.contentType == "text/plain" || p.contentType == "text/html"
        if p.disposition == "attachment" { return true }
        if !textual { return true }
        if p.filename != nil && p.disposition != "inline" { return true }
        return false
    }
}
