import Foundation
import Testing
@testable import TFYAWS

/// AWS's published SigV4 test suite (Fixtures/sigv4, from aws-c-auth): every case's canonical
/// request, string to sign, signature and Authorization header must match exactly.
@Suite(.timeLimit(.minutes(30)))
struct SigV4Tests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4").path
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { FileManager.default.fileExists(atPath: "\(directory)/\($0)/context.json") }.sorted()

    struct Case {
        var signer: SigV4Signer
        var request: SignableRequest
        var date: Date
    }

    static func load(_ name: String) throws -> Case {
        let folder = "\(directory)/\(name)"
        let context = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/context.json"))) as! [String: Any]
        let credentials = context["credentials"] as! [String: Any]
        var signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: credentials["access_key_id"] as! String, secretAccessKey: credentials["secret_access_key"] as! String,
                                        sessionToken: credentials["token"] as? String),
            region: context["region"] as! String, service: context["service"] as! String)
        signer.normalizePath = context["normalize"] as? Bool ?? true
        signer.signPayloadHeader = context["sign_body"] as? Bool ?? false
        signer.omitSessionToken = context["omit_session_token"] as? Bool ?? false
        let date = ISO8601DateFormatter().date(from: context["timestamp"] as! String)!
        return Case(signer: signer, request: try parseRequest(String(contentsOfFile: folder + "/request.txt", encoding: .utf8)), date: date)
    }

    /// Parses request.txt: request line, headers (continuation lines fold into the previous
    /// header), a blank line, the body.
    static func parseRequest(_ text: String) throws -> SignableRequest {
        let (head, body) = text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) } ?? (text, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if target.hasSuffix(" HTTP/1.1") { target = String(target.dropLast(" HTTP/1.1".count)) }
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
                continue
            }
            let colon = try #require(line.firstIndex(of: ":"))
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        return SignableRequest(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
    }

    static func expected(_ name: String, _ file: String) throws -> String {
        try String(contentsOfFile: "\(directory)/\(name)/\(file)", encoding: .utf8)
    }

    @Test func theSuiteIsComplete() {
        #expect(Self.cases.count == 38)
    }

    @Test(arguments: cases)
    func headerSigningMatchesTheVectors(_ name: String) throws {
        let c = try Self.load(name)
        let canonical = c.signer.canonicalRequest(c.request, date: c.date)
        #expect(canonical == (try Self.expected(name, "header-canonical-request.txt")))
        let toSign = c.signer.stringToSign(canonicalRequest: canonical, date: c.date)
        #expect(toSign == (try Self.expected(name, "header-string-to-sign.txt")))
        let signature = c.signer.signature(stringToSign: toSign, date: c.date)
        #expect(signature == (try Self.expected(name, "header-signature.txt")))
        let signedRequest = try Self.expected(name, "header-signed-request.txt")
        let authorization = c.signer.authorizationHeaders(for: c.request, date: c.date).first { $0.name == "Authorization" }?.value
        #expect(signedRequest.contains("Authorization:\(authorization ?? "?")\n"))
    }

    @Test func credentialsNeverDescribeTheirSecret() {
        let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG", sessionToken: "token-value", source: "environment")
        #expect("\(credentials)" == "AWSCredentials(AKIDEXAMPLE, secret: (redacted), from environment)")
        #expect(!String(reflecting: credentials).contains("wJalr"))
    }
}
