/// AWS access for tfy: HTTP over libcurl, SigV4 signing over OpenSSL, the credential chain the
/// AWS SDKs use, and an EC2 Query API client with typed shapes, retries and pagination.
internal import COpenSSL
internal import TFYCore

/// SHA-256 through OpenSSL's one-shot function; HMAC-SHA256 is TFYCore's, the one tfy has.
enum Crypto {
    static func sha256(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBufferPointer { input in
            _ = COpenSSL.SHA256(input.baseAddress, input.count, &digest)
        }
        return digest
    }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticate(key: key, message: data)
    }

    static func hex(_ bytes: [UInt8]) -> String { HMACSHA256.hex(bytes) }
}
