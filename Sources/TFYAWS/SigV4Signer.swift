import Foundation

/// AWS credentials. Their description never shows the secret or the session token.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Where they were found, for messages ("environment", "profile default in ~/.aws/credentials").
    public var source: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, source: String = "given") {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    public var description: String { "AWSCredentials(\(accessKeyId), secret: (redacted), from \(source))" }
}

/// A request as SigV4 sees it.
public struct SignableRequest: Sendable, Hashable {
    public var method: String
    /// The path, not percent-encoded (`/example space/`).
    public var path: String
    /// The query string as sent (already percent-encoded), without the `?`.
    public var query: String
    /// Header names and values in order; names are case-insensitive.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public static func == (a: SignableRequest, b: SignableRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(path)
        hasher.combine(query)
    }
}

/// AWS Signature Version 4, with its stages named as the AWS documentation names them:
/// canonical request, string to sign, signing key, signature.
/// - SeeAlso: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Remove `.`/`..` segments and repeated slashes from the path (every service but S3).
    package var normalizePath = true
    /// Add `x-amz-content-sha256` (S3 requires it).
    package var signPayloadHeader = false
    /// Leave the session token out of the signature (and add it after), as STS-style callers do.
    package var omitSessionToken = false

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// `20150830T123600Z` and `20150830`.
    static func timestamps(_ date: Date) -> (dateTime: String, day: String) {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return ("\(day)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z", day)
    }

    /// The headers that are signed: the request's, plus `x-amz-date`, the session token and the
    /// payload hash where they apply; lower-cased, values trimmed and folded, duplicates joined.
    func signedHeaders(_ request: SignableRequest, dateTime: String, payloadHash: String) -> [(String, String)] {
        var headers = request.headers
        headers.append(("X-Amz-Date", dateTime))
        if let token = credentials.sessionToken, !omitSessionToken { headers.append(("X-Amz-Security-Token", token)) }
        if signPayloadHeader { headers.append(("X-Amz-Content-Sha256", payloadHash)) }
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(Self.canonicalHeaderValue(value))
        }
        return merged.keys.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    static func canonicalHeaderValue(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

    /// Percent-encodes every byte but the unreserved ones (and `/` when `keepSlash`).
    package static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func percentDecode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: "%20").removingPercentEncoding ?? text
    }

    func canonicalPath(_ path: String) -> String {
        var result = path.isEmpty ? "/" : path
        if normalizePath {
            var segments: [Substring] = []
            for segment in result.split(separator: "/", omittingEmptySubsequences: true) {
                if segment == "." { continue }
                if segment == ".." { _ = segments.popLast(); continue }
                segments.append(segment)
            }
            result = "/" + segments.joined(separator: "/")
            if path.hasSuffix("/"), !segments.isEmpty, !path.hasSuffix("/.."), !path.hasSuffix("/.") { result += "/" }
        }
        return Self.uriEncode(result, keepSlash: true)
    }

    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = uriEncode(percentDecode(String(parts[0])))
            let value = parts.count > 1 ? uriEncode(percentDecode(String(parts[1]))) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    package func canonicalRequest(_ request: SignableRequest, date: Date) -> String {
        let payloadHash = Crypto.hex(Crypto.sha256(request.body))
        let headers = signedHeaders(request, dateTime: Self.timestamps(date).dateTime, payloadHash: payloadHash)
        return [
            request.method,
            canonicalPath(request.path),
            Self.canonicalQuery(request.query),
            headers.map { "\($0.0):\($0.1)\n" }.joined(),
            headers.map(\.0).joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    func scope(day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    package func stringToSign(canonicalRequest: String, date: Date) -> String {
        let (dateTime, day) = Self.timestamps(date)
        return "AWS4-HMAC-SHA256\n\(dateTime)\n\(scope(day: day))\n" + Crypto.hex(Crypto.sha256(Array(canonicalRequest.utf8)))
    }

    package func signingKey(date: Date) -> [UInt8] {
        let day = Self.timestamps(date).day
        let dateKey = Crypto.hmacSHA256(key: Array(("AWS4" + credentials.secretAccessKey).utf8), data: Array(day.utf8))
        let regionKey = Crypto.hmacSHA256(key: dateKey, data: Array(region.utf8))
        let serviceKey = Crypto.hmacSHA256(key: regionKey, data: Array(service.utf8))
        return Crypto.hmacSHA256(key: serviceKey, data: Array("aws4_request".utf8))
    }

    package func signature(stringToSign: String, date: Date) -> String {
        Crypto.hex(Crypto.hmacSHA256(key: signingKey(date: date), data: Array(stringToSign.utf8)))
    }

    /// The headers to add to the request: `X-Amz-Date`, the session token, the payload hash
    /// (when signed) and `Authorization`.
    public func authorizationHeaders(for request: SignableRequest, date: Date) -> [(name: String, value: String)] {
        let canonical = canonicalRequest(request, date: date)
        let toSign = stringToSign(canonicalRequest: canonical, date: date)
        let (dateTime, day) = Self.timestamps(date)
        let payloadHash = Crypto.hex(Crypto.sha256(request.body))
        let signed = signedHeaders(request, dateTime: dateTime, payloadHash: payloadHash).map(\.0).joined(separator: ";")
        var headers: [(name: String, value: String)] = [("X-Amz-Date", dateTime)]
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        if signPayloadHeader { headers.append(("X-Amz-Content-Sha256", payloadHash)) }
        headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope(day: day)), SignedHeaders=\(signed), Signature=\(signature(stringToSign: toSign, date: date))"))
        return headers
    }
}
