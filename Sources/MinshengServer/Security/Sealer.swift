import Crypto
import Foundation
import MinshengDomain

/// Keeps citizens' personal data unreadable in the database file (README "Privacy"): names, phone and ID numbers
/// are sealed with AES-256-GCM under a key from the configuration, and the citizen key used to find a citizen's
/// earlier cases is an HMAC of the phone number under a second key derived from the same master key.
/// Encryption, not hashing alone, because handlers must call the citizen back (回访) and need the real number.
public struct Sealer: Sendable {
    // Raw bytes: SymmetricKey is not Sendable; making one from 32 bytes costs nothing next to the cipher.
    private let sealBytes: [UInt8]
    private let hashBytes: [UInt8]
    private let chainBytes: [UInt8]
    private var sealKey: SymmetricKey { SymmetricKey(data: sealBytes) }
    private var hashKey: SymmetricKey { SymmetricKey(data: hashBytes) }
    static let prefix = "enc1:"

    /// `master` must be 32 bytes.
    public init(master: [UInt8]) throws {
        guard master.count == 32 else { throw PlatformError(.internalFailure, "bad_key", "数据密钥应为 32 字节（base64 编码 44 个字符）") }
        let key = SymmetricKey(data: master)
        sealBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("minsheng seal v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
        hashBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("minsheng citizen key v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
        chainBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("minsheng event chain v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
    }

    /// One link of a case's event chain (痕迹管理): HMAC-SHA256 over the previous link and the event's canonical
    /// bytes, under a key of its own. Without the key nobody can write a link that verifies.
    public func chainLink(previous: String, _ canonical: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: chainBytes))
        mac.update(data: Array(previous.utf8))
        mac.update(data: [0])
        mac.update(data: canonical)
        return Hex.encode(Data(mac.finalize()))
    }

    /// A key for a throwaway database (in memory, tests).
    public static func ephemeral() -> Sealer {
        try! Sealer(master: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// A fresh random master key, base64 (what goes in the key file or MINSHENG_DATA_KEY).
    public static func newMasterKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The key from MINSHENG_DATA_KEY (base64), else from `keyFile`, created (mode 0600) on first start.
    public static func load(environment: String?, keyFile: String) throws -> Sealer {
        if let env = environment, !env.isEmpty {
            guard let d = Data(base64Encoded: env) else { throw PlatformError(.internalFailure, "bad_key", "MINSHENG_DATA_KEY 不是有效的 base64") }
            return try Sealer(master: Array(d))
        }
        let fm = FileManager.default
        if !fm.fileExists(atPath: keyFile) {
            let text = newMasterKey() + "\n"
            guard fm.createFile(atPath: keyFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw PlatformError(.internalFailure, "bad_key", "无法创建数据密钥文件 \(keyFile)")
            }
        }
        let text = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let d = Data(base64Encoded: text) else { throw PlatformError(.internalFailure, "bad_key", "数据密钥文件 \(keyFile) 内容无效") }
        return try Sealer(master: Array(d))
    }

    public func seal(_ text: String) -> String {
        let box = try! AES.GCM.seal(Data(text.utf8), using: sealKey)
        return Self.prefix + box.combined!.base64EncodedString()
    }

    /// The clear text of a sealed value; values stored before sealing existed come back as they are.
    public func open(_ stored: String) -> String? {
        guard stored.hasPrefix(Self.prefix) else { return stored }
        guard let d = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
              let box = try? AES.GCM.SealedBox(combined: d),
              let clear = try? AES.GCM.open(box, using: sealKey) else { return nil }
        return String(decoding: clear, as: UTF8.self)
    }

    public func isSealed(_ stored: String) -> Bool { stored.hasPrefix(Self.prefix) }

    /// The keyed hash that identifies a citizen by phone (or ID number) across cases without revealing it.
    public func citizenKey(_ canonical: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(canonical.utf8), using: hashKey)
        return Hex.encode(Data(mac).prefix(16))
    }

    public func sealCitizen(_ c: Citizen) -> Citizen {
        Citizen(name: c.name.map(seal), phone: c.phone.map(seal), idNumber: c.idNumber.map(seal), anonymous: c.anonymous)
    }

    public func openCitizen(_ c: Citizen) -> Citizen {
        Citizen(name: c.name.flatMap(open), phone: c.phone.flatMap(open), idNumber: c.idNumber.flatMap(open), anonymous: c.anonymous)
    }
}

/// Secrets for sessions and tokens: random, URL-safe, and stored only as their SHA-256.
enum Secrets {
    static func random(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(raw).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Compares without an early exit, so timing tells nothing about the secret.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}

/// Lower-case hex of bytes. Not `String(format: "%02x")` per byte: on Linux that costs about a microsecond a byte,
/// and a token hash and a citizen key on every request made it 13% of a registration's CPU.
enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
