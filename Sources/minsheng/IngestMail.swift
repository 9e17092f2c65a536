import ArgumentParser
import Foundation
import MinshengDomain
import MinshengServer
import MinshengStore

/// `minsheng ingest-mail`: e-mail to cases (README "E-mail"). One message on standard input (a mail server pipes
/// it), or every message of a Maildir folder. Exit codes follow sysexits.h, as MTAs read them: 0 delivered (or
/// already registered), 65 EX_DATAERR not a usable message (the MTA bounces it), 75 EX_TEMPFAIL the database is
/// busy or unavailable (the MTA retries later), 78 EX_CONFIG the database has no center to register at.
struct IngestMail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-mail",
        abstract: "Register e-mail as cases: one RFC 5322 message from standard input, or a Maildir folder.",
        discussion: "Exit codes: 0 registered (or already registered), 65 malformed message, 75 database busy (retry), 78 no center.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Maildir folder: register every message of new/ and cur/, then move those of new/ to cur/ (flag S).")
    var maildir: String?

    @Option(help: "Folder for attachments (default: files/ next to the database, as serve uses).")
    var files: String?

    @Option(help: "Largest message in bytes.")
    var maxMessageBytes: Int = 30 * 1024 * 1024

    @Flag(help: "Print nothing on success.")
    var quiet = false

    static let exDataErr: Int32 = 65, exTempFail: Int32 = 75, exConfig: Int32 = 78, exIOErr: Int32 = 74

    func run() async throws {
        var limits = MailIngest.Limits()
        limits.maxMessageBytes = maxMessageBytes
        // Read the message before touching the database: a bad message never opens it.
        var input: [UInt8] = []
        if maildir == nil {
            guard let bytes = Self.readStandardInput(limit: limits.maxMessageBytes) else {
                fail(MailError.tooLarge(bytes: limits.maxMessageBytes + 1, limit: limits.maxMessageBytes).description, Self.exDataErr)
            }
            input = bytes
            do { _ = try MailMessage.parse(input, maxBytes: limits.maxMessageBytes) } catch { fail("\(error)", Self.exDataErr) }
        }
        let path: String
        let store: any CaseStore
        do {
            let opened = try await database.open()
            store = opened.store
            path = opened.filesAnchor
        } catch {
            fail("数据库不可用 database unavailable: \(error)", Self.exTempFail)
        }
        let code: Int32
        do {
            let platform = Platform(store: store, clock: SystemClock(), calendar: try loadCalendar(extra: []),
                                    classifier: try? shippedClassifier(), sealer: try loadSealer(dbPath: path))
            try await platform.loadUnits()
            try await platform.loadSettings()
            let ingest = try MailIngest(platform: platform, filesDirectory: files ?? (path as NSString).deletingLastPathComponent + "/files",
                                        limits: limits)
            if let maildir {
                code = await runMaildir(maildir, ingest)
            } else {
                code = await deliver(input, ingest, label: "stdin", receivedAt: nil).code
            }
        } catch {
            try? await store.close()
            fail("\(error)", Self.exTempFail) // busy, or anything else: keep the mail, let the MTA retry
        }
        try? await store.close()
        if code != 0 { throw ExitCode(code) }
    }

    /// One message; returns its exit code (and whether a case was created) after saying what happened.
    func deliver(_ bytes: [UInt8], _ ingest: MailIngest, label: String, receivedAt: Instant?) async -> (code: Int32, created: Bool) {
        do {
            let r = try await ingest.ingest(bytes, receivedAt: receivedAt)
            let id = r.messageID.map { "<\($0)>" } ?? "(no Message-ID)"
            if r.created {
                if !quiet {
                    print("\(label): registered case \(r.caseID) tracking code \(r.trackingCode) from \(id); \(r.filesStored) attachment(s) stored"
                          + (r.refused.isEmpty ? "" : "; refused: " + r.refused.joined(separator: "；")))
                }
            } else {
                // Says so on both streams: the operator sees it, and an MTA that logs stdout as well.
                let msg = "\(label): already registered: \(id) is case \(r.caseID) (\(r.trackingCode)); nothing registered again"
                    + (r.filesStored > 0 ? " (\(r.filesStored) missing attachment(s) stored)" : "")
                    + (r.differsFromFirst ? " — warning: this copy's subject or text differs from the first" : "")
                if !quiet { print(msg) }
                FileHandle.standardError.write(Data((msg + "\n").utf8))
            }
            return (0, r.created)
        } catch let e as MailError {
            FileHandle.standardError.write(Data("minsheng ingest-mail: \(label): \(e.description)\n".utf8))
            return (Self.exDataErr, false)
        } catch {
            let why = MailIngest.isBusy(error) ? "数据库忙，稍后重试 database busy, try again later (\(error))" : "\(error)"
            FileHandle.standardError.write(Data("minsheng ingest-mail: \(label): \(why)\n".utf8))
            if error is MailIngest.NoCenter { return (Self.exConfig, false) }
            return (Self.exTempFail, false) // busy, or not the message's fault: the MTA keeps it and retries
        }
    }

    /// Every message of new/ and cur/ (as they were when the run began, oldest first); those of new/ move to cur/
    /// with ":2,S" once registered, a malformed one with ":2,F" (flagged for a person to look at). Messages already in
    /// cur/ are read again (a mail client may have moved them there unread): the Message-ID keeps them from being
    /// registered twice. The exit code is 65 when a message of new/ was malformed; a busy database stops the run
    /// (75) and leaves the rest in new/.
    func runMaildir(_ dir: String, _ ingest: MailIngest) async -> Int32 {
        let fm = FileManager.default
        var worst: Int32 = 0
        var registered = 0, repeated = 0, bad = 0
        var folders: [(String, [(name: String, mtime: Date)])] = []
        for sub in ["new", "cur"] {
            let folder = dir + "/" + sub
            guard let names = try? fm.contentsOfDirectory(atPath: folder) else {
                fail("\(folder): not a Maildir folder (no \(sub)/)", Self.exIOErr)
            }
            var entries: [(name: String, mtime: Date)] = []
            for n in names where !n.hasPrefix(".") {
                let p = folder + "/" + n
                guard let attrs = try? fm.attributesOfItem(atPath: p), (attrs[.type] as? FileAttributeType) == .typeRegular else { continue }
                entries.append((n, attrs[.modificationDate] as? Date ?? Date()))
            }
            folders.append((sub, entries.sorted { ($0.mtime, $0.name) < ($1.mtime, $1.name) }))
        }
        for (sub, entries) in folders {
            for (n, mtime) in entries {
                let p = dir + "/" + sub + "/" + n
                guard let data = fm.contents(atPath: p) else { continue }
                let code: Int32
                if data.count > ingest.limits.maxMessageBytes {
                    let e = MailError.tooLarge(bytes: data.count, limit: ingest.limits.maxMessageBytes)
                    FileHandle.standardError.write(Data("minsheng ingest-mail: \(sub)/\(n): \(e.description)\n".utf8))
                    code = Self.exDataErr
                } else {
                    let r = await deliver([UInt8](data), ingest, label: "\(sub)/\(n)",
                                          receivedAt: Instant(seconds: Int64(mtime.timeIntervalSince1970)))
                    code = r.code
                    if code == 0 { if r.created { registered += 1 } else { repeated += 1 } }
                }
                if code == Self.exTempFail || code == Self.exConfig { return code }
                if code != 0 { bad += 1; if sub == "new" { worst = Self.exDataErr } }
                if sub == "new" {
                    let base = n.split(separator: ":", maxSplits: 1).first.map(String.init) ?? n
                    let target = dir + "/cur/" + base + (code == 0 ? ":2,S" : ":2,F")
                    do { try fm.moveItem(atPath: p, toPath: target) } catch {
                        FileHandle.standardError.write(Data("minsheng ingest-mail: cannot move \(p) to cur/: \(error)\n".utf8))
                    }
                }
            }
        }
        if !quiet { print("maildir \(dir): \(registered) registered, \(repeated) already registered, \(bad) malformed") }
        return worst
    }

    /// Standard input, at most `limit` bytes; nil when there is more.
    static func readStandardInput(limit: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > limit { return nil }
        }
        return out
    }

    func fail(_ message: String, _ code: Int32) -> Never {
        FileHandle.standardError.write(Data("minsheng ingest-mail: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
