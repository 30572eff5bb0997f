import Foundation

/// The EC2 Query API (`Version=2016-11-15`): POST form-encoded, SigV4-signed, XML answers,
/// retried as the AWS SDKs retry, counted per action.
/// - SeeAlso: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
public struct EC2Client: Sendable {
    public static let apiVersion = "2016-11-15"

    public var transport: any HTTPTransport
    public var configuration: AWSConfiguration
    public var retry: RetryPolicy
    public var statistics: CallStatistics
    public var clock: @Sendable () -> Date
    /// Receives one line per call when debug logging is on; never credentials.
    public var log: @Sendable (String) -> Void

    public init(configuration: AWSConfiguration, transport: (any HTTPTransport)? = nil, retry: RetryPolicy? = nil,
                statistics: CallStatistics = CallStatistics(), clock: @escaping @Sendable () -> Date = Date.init,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.configuration = configuration
        var settings = CurlTransport.Settings()
        settings.proxy = configuration.proxy
        self.transport = transport ?? CurlTransport(settings: settings)
        self.retry = retry ?? RetryPolicy(maxAttempts: configuration.maxAttempts)
        self.statistics = statistics
        self.clock = clock
        self.log = log
    }

    /// Parameters in EC2's form: `Name=value`, lists numbered from 1 (`InstanceId.1`).
    public typealias Parameters = [(String, String)]

    static func formBody(_ parameters: Parameters) -> [UInt8] {
        Array(parameters.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&").utf8)
    }

    /// Calls `action` and returns the response's root element, retrying what may succeed later.
    public func call(_ action: String, _ parameters: Parameters = []) async throws(AWSError) -> XMLNode {
        let body = Self.formBody([("Action", action), ("Version", Self.apiVersion)] + parameters)
        let started = Date()
        let (outcome, attempts) = await retry.run({ () async -> Result<XMLNode, AWSError> in await attemptOnce(action, body: body) },
                                                  onRetry: { attempt, error, delay in
            if configuration.debugLogging { log("[DEBUG] ec2 \(action) attempt \(attempt) failed (\(error.code ?? "\(error.cause)")); retrying in \(String(format: "%.3f", delay))s") }
        })
        switch outcome {
        case .success(let root):
            finish(action, attempts: attempts, started: started, result: "ok")
            return root
        case .failure(let error):
            finish(action, attempts: attempts, started: started, result: error.code ?? "error")
            throw error
        }
    }

    private func finish(_ action: String, attempts: Int, started: Date, result: String) {
        let seconds = Date().timeIntervalSince(started)
        statistics.record(action: action, attempts: attempts, seconds: seconds)
        if configuration.debugLogging {
            log("[DEBUG] ec2 \(action) \(result) in \(String(format: "%.1f", seconds * 1000))ms, \(attempts) attempt\(attempts == 1 ? "" : "s")")
        }
    }

    private func attemptOnce(_ action: String, body: [UInt8]) async -> Result<XMLNode, AWSError> {
        guard let url = URL(string: configuration.endpoint), let host = url.host else {
            return .failure(AWSError(service: "ec2", action: action, cause: .transport(HTTPTransportError(code: 0, message: "invalid endpoint \(configuration.endpoint)", isRetryable: false)), attempts: 1))
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let path = url.path.isEmpty ? "/" : url.path
        let headers: [(name: String, value: String)] = [("Host", hostHeader), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "ec2")
        let signable = SignableRequest(method: "POST", path: path, headers: headers, body: body)
        let signed = headers + signer.authorizationHeaders(for: signable, date: clock())
        let request = HTTPRequest(method: "POST", url: configuration.endpoint, headers: signed.filter { $0.name != "Host" }, body: body)
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failure(AWSError(service: "ec2", action: action, cause: .transport(error), attempts: 1))
        }
        let requestID = response.header("x-amzn-requestid") ?? response.header("x-amz-request-id")
        let root = try? XMLNode.parse(response.body)
        if (200..<300).contains(response.status), let root {
            return .success(root)
        }
        if let root, let error = root.find("Error") {
            let code = error.string("Code") ?? "Unknown"
            let message = error.string("Message") ?? ""
            return .failure(AWSError(service: "ec2", action: action, cause: .service(code: code, message: message, status: response.status),
                                     requestID: root.find("RequestID")?.text ?? root.find("RequestId")?.text ?? requestID, attempts: 1))
        }
        return .failure(AWSError(service: "ec2", action: action, cause: .malformedResponse(status: response.status, excerpt: Self.excerpt(response.body)),
                                 requestID: requestID, attempts: 1))
    }

    /// The first words of a non-XML body, tags stripped, for an error message.
    static func excerpt(_ body: [UInt8]) -> String {
        var text = ""
        var inTag = false
        for character in String(decoding: body.prefix(2000), as: UTF8.self) {
            if character == "<" { inTag = true; text += " "; continue }
            if character == ">" { inTag = false; continue }
            if !inTag { text.append(character) }
        }
        let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return words.count > 160 ? String(words.prefix(157)) + "..." : (words.isEmpty ? "(empty body)" : words)
    }
}
