import Foundation

/// One request as a service's wire protocol lays it out, before it is signed.
struct AWSRequest: Sendable {
    var method: String
    var url: String
    /// `host` or `host:port`: signed, but sent by the transport from the URL, never as a header.
    var host: String
    /// The path SigV4 signs, not percent-encoded.
    var path: String
    /// The headers to sign and send, Host aside.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// The query string as sent (percent-encoded, no `?`), also in `url`; signed.
    var query = ""
}

/// Every AWS call's path, the same for every service: sign the request, send it through the
/// transport, read the answer with the service's wire protocol, retry what may succeed later,
/// count the call and log it when debug logging is on — as soto-core runs every service through
/// one client. What differs between EC2 and S3 is an `AWSWireProtocol`; nothing else is.
struct AWSRequestPipeline: Sendable {
    var transport: any HTTPTransport
    var credentials: AWSCredentials
    var region: String
    var retry: RetryPolicy
    var statistics: CallStatistics
    var clock: @Sendable () -> Date
    var debugLogging: Bool
    /// Receives the debug lines; never credentials.
    var log: @Sendable (String) -> Void
    /// Where the endpoint came from, for the errors of connections that fail outright.
    var endpointNote: String? = nil

    /// Makes `action`'s call, retrying as `retry` allows, and returns what `Wire` reads from the
    /// answer. A `request` that could not be laid out fails as a first attempt would.
    func perform<Wire: AWSWireProtocol>(_ action: String, _ request: Result<AWSRequest, AWSFailure>,
                                        as wire: Wire.Type) async throws(AWSError) -> Wire.Output {
        let started = Date()
        let (outcome, attempts) = await retry.run({ () async -> Result<Wire.Output, AWSError> in
            await attemptOnce(action, request, as: wire)
        }, onRetry: { attempt, error, delay in
            if debugLogging { log("[DEBUG] \(Wire.service) \(action) attempt \(attempt) failed (\(error.code ?? "\(error.cause)")); retrying in \(String(format: "%.3f", delay))s") }
        })
        let seconds = Date().timeIntervalSince(started)
        statistics.record(action: action, attempts: attempts, seconds: seconds)
        if debugLogging {
            let result: String
            switch outcome {
            case .success: result = "ok"
            case .failure(let error): result = error.code ?? "error"
            }
            log("[DEBUG] \(Wire.service) \(action) \(result) in \(String(format: "%.1f", seconds * 1000))ms, \(attempts) attempt\(attempts == 1 ? "" : "s")")
        }
        return try outcome.get()
    }

    private func attemptOnce<Wire: AWSWireProtocol>(_ action: String, _ prepared: Result<AWSRequest, AWSFailure>,
                                                    as wire: Wire.Type) async -> Result<Wire.Output, AWSError> {
        func failed(_ failure: AWSFailure) -> AWSError {
            AWSError(service: Wire.service, action: action, cause: failure.cause, requestID: failure.requestID, attempts: 1)
        }
        let request: AWSRequest
        switch prepared {
        case .success(let laidOut): request = laidOut
        case .failure(let failure): return .failure(failed(failure))
        }
        let headers = [(name: "Host", value: request.host)] + request.headers
        let signable = SignableRequest(method: request.method, path: request.path, query: request.query, headers: headers, body: request.body)
        let signed = headers + Wire.signer(credentials: credentials, region: region).authorizationHeaders(for: signable, date: clock())
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: request.method, url: request.url, headers: signed.filter { $0.name != "Host" }, body: request.body))
        } catch {
            var failure = failed(AWSFailure(cause: .transport(error)))
            if error.isConnectionFailure { failure.endpointNote = endpointNote }
            return .failure(failure)
        }
        return Wire.decode(response).mapError(failed)
    }
}
