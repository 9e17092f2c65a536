import Crypto
import Foundation
import _CryptoExtras

/// The official account's server settings (公众号「服务器配置」): the Token, the AppID and, for the safe mode
/// (安全模式, 消息加解密), the EncodingAESKey.
public struct WeChatConfig: Sendable {
    public var token: String
    public var appID: String
    /// 43 characters; nil runs the plain mode (明文模式).
    public var encodingAESKey: String?
    public init(token: String, appID: String, encodingAESKey: String? = nil) {
        self.token = token; self.appID = appID; self.encodingAESKey = encodingAESKey
    }

    /// A problem with the settings (what `serve` refuses to start with), or nil.
    public var problem: String? {
        if token.count < 3 || token.count > 32 || !token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            return "WeChat token: 3–32 letters or digits, as set in the official account's server settings"
        }
        if appID.isEmpty { return "WeChat AppID is missing" }
        if let k = encodingAESKey, !k.isEmpty, WeChatCrypto.aesKey(fromEncoding: k) == nil {
            return "WeChat EncodingAESKey: 43 characters (letters and digits)"
        }
        return nil
    }
}

/// WeChat's signatures and the safe mode's cipher (消息加解密技术方案):
/// - `signature` = SHA1 of the sorted token, timestamp and nonce, concatenated (hex);
/// - `msg_signature` = the same over token, timestamp, nonce and the `Encrypt` text;
/// - AESKey = Base64_Decode(EncodingAESKey + "="), AES-256-CBC with IV = the key's first 16 bytes,
///   PKCS#7 padding to a multiple of 32 bytes; plaintext = 16 random bytes + 4-byte big-endian length + XML + AppID.
struct WeChatCrypto: Sendable {
    let token: String
    let appID: String
    /// The 32-byte AES key; nil in plain mode.
    let aesKey: [UInt8]?

    enum Failure: Error, Equatable {
        case badKey, badCiphertext, badPadding, badLength, wrongAppID
    }

    init(_ config: WeChatConfig) throws(Failure) {
        token = config.token
        appID = config.appID
        if let k = config.encodingAESKey, !k.isEmpty {
            guard let bytes = Self.aesKey(fromEncoding: k) else { throw .badKey }
            aesKey = bytes
        } else {
            aesKey = nil
        }
    }

    /// Sorted byte-wise (as WeChat's own samples sort), concatenated, SHA-1, lower-case hex.
    static func signature(_ parts: [String]) -> String {
        let joined = parts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined()
        return Insecure.SHA1.hash(data: Array(joined.utf8)).map { hex2($0) }.joined()
    }

    func signature(timestamp: String, nonce: String) -> String { Self.signature([token, timestamp, nonce]) }
    func messageSignature(timestamp: String, nonce: String, encrypt: String) -> String {
        Self.signature([token, timestamp, nonce, encrypt])
    }

    /// The 43-character EncodingAESKey + "=" decoded: 32 bytes. Decoded by hand because a key picked by WeChat
    /// usually leaves non-zero bits after the last byte, which strict Base64 decoders refuse.
    static func aesKey(fromEncoding k: String) -> [UInt8]? {
        let chars = Array(k.utf8)
        guard chars.count == 43 else { return nil }
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0
        for c in chars {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            default: return nil
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out.count == 32 ? out : nil
    }

    static let block = 32

    /// Base64 of AES-CBC(random(16) + length(4, big-endian) + xml + AppID, PKCS#7 to 32 bytes).
    func encrypt(_ xml: String, random: [UInt8]? = nil) throws -> String {
        guard let key = aesKey else { throw Failure.badKey }
        var rnd = random ?? []
        if rnd.count != 16 {
            var g = SystemRandomNumberGenerator()
            rnd = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        }
        let body = Array(xml.utf8)
        var plain = rnd
        let n = UInt32(body.count)
        plain += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        plain += body
        plain += Array(appID.utf8)
        let pad = Self.block - plain.count % Self.block
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        let sealed = try AES._CBC.encrypt(plain, using: SymmetricKey(data: key), iv: try AES._CBC.IV(ivBytes: Array(key[0..<16])), noPadding: true)
        return Data(sealed).base64EncodedString()
    }

    /// The XML inside an `Encrypt` text, after the padding, length and AppID checks.
    func decrypt(_ base64: String) throws -> String {
        guard let key = aesKey else { throw Failure.badKey }
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)),
              data.count >= 32, data.count % 16 == 0 else { throw Failure.badCiphertext }
        let plain: [UInt8]
        do {
            plain = Array(try AES._CBC.decrypt(Array(data), using: SymmetricKey(data: key), iv: try AES._CBC.IV(ivBytes: Array(key[0..<16])),
                                               noPadding: true))
        } catch { throw Failure.badCiphertext }
        guard let last = plain.last, (1...Self.block).contains(Int(last)), Int(last) <= plain.count,
              plain.suffix(Int(last)).allSatisfy({ $0 == last }) else { throw Failure.badPadding }
        let content = Array(plain.dropLast(Int(last)))
        guard content.count >= 20 else { throw Failure.badLength }
        let n = Int(content[16]) << 24 | Int(content[17]) << 16 | Int(content[18]) << 8 | Int(content[19])
        guard n <= content.count - 20 else { throw Failure.badLength }
        let xml = Array(content[20..<(20 + n)])
        let app = Array(content[(20 + n)...])
        guard Secrets.constantTimeEqual(String(decoding: app, as: UTF8.self), appID) else { throw Failure.wrongAppID }
        guard let text = String(validating: xml, as: UTF8.self) else { throw Failure.badCiphertext }
        return text
    }
}

@inline(__always) func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}
