internal import COpenSSL

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC()`: the one implementation tfy has, used for
/// SigV4 signing keys and for the digests of sensitive values.
public enum HMACSHA256 {
    public static func authenticate(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                _ = HMAC(tfy_openssl_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &digest, &length)
            }
        }
        return Array(digest.prefix(Int(length)))
    }

    /// Lower-case hexadecimal, two digits a byte.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The stack key: 32 random bytes made with a stack, that its digests of sensitive values are
/// keyed with (`SensitiveDigest`). It is kept beside the state, never in it nor in a plan, so a
/// state or plan file alone cannot confirm a guessed secret, and equal secrets in two stacks
/// give different digests. Stored as 64 hexadecimal digits and a newline (docs/plan.md, "State").
public struct StackKey: Sendable, Hashable {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A new key from OpenSSL's CSPRNG.
    public static func generate() -> StackKey {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        guard RAND_bytes(&bytes, Int32(byteCount)) == 1 else {
            // The CSPRNG failing is no reason to write a guessable digest: a key nobody can
            // know still keeps the secret out; the value then shows as changed on the next plan.
            var generator = SystemRandomNumberGenerator()
            return StackKey(bytes: (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })!
        }
        return StackKey(bytes: bytes)!
    }

    /// The key file's contents.
    public var encoded: [UInt8] { Array((HMACSHA256.hex(bytes) + "\n").utf8) }

    /// Reads a key file's contents; nil when they are not 64 hexadecimal digits.
    public static func decode(_ data: [UInt8]) -> StackKey? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        let digits = data.filter { ![9, 10, 13, 32].contains($0) }
        guard digits.count == byteCount * 2 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return StackKey(bytes: bytes)
    }

    /// HMAC-SHA256 of the value's canonical JSON (`JSONText`, marks removed), in hex.
    public func hexDigest(_ value: Value) -> String {
        HMACSHA256.hex(HMACSHA256.authenticate(key: bytes, message: Array(JSONText.encode(value.deepUnmarked).utf8)))
    }
}

extension StackKey: CustomStringConvertible {
    /// Never the key itself, so a key printed by mistake reveals nothing.
    public var description: String { "(stack key)" }
}
