import Foundation

/// The four S3 object operations a state backend needs — GetObject, HeadObject, PutObject (with
/// `If-None-Match: *` or `If-Match: ETag`), DeleteObject — over the same transport, signing and
/// retry policy as EC2. The payload is signed (`x-amz-content-sha256` is its SHA-256, never
/// `UNSIGNED-PAYLOAD`). A custom endpoint (an emulator, a VPC endpoint) is addressed path-style
/// (`ENDPOINT/BUCKET/KEY`); AWS itself virtual-host style (`https://BUCKET.s3.REGION.amazonaws.com/KEY`).
/// - SeeAlso: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
public struct S3Client: Sendable {
    public var transport: any HTTPTransport
    public var credentials: AWSCredentials
    public var region: String
    /// nil: AWS's own endpoint for the region.
    public var endpoint: String?
    public var retry: RetryPolicy
    public var statistics: CallStatistics
    public var clock: @Sendable () -> Date
    public var debugLogging = false
    public var log: @Sendable (String) -> Void

    public init(credentials: AWSCredentials, region: String, endpoint: String? = nil, transport: (any HTTPTransport)? = nil,
                retry: RetryPolicy = RetryPolicy(), statistics: CallStatistics = CallStatistics(),
                clock: @escaping @Sendable () -> Date = Date.init,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.transport = transport ?? CurlTransport()
        self.retry = retry
        self.statistics = statistics
        self.clock = clock
        self.log = log
    }

    /// A client configured as the SDKs would be (credentials, region, endpoint, retries, proxy).
    /// AWS's own regional endpoint is addressed virtual-host style, any other path-style.
    public init(configuration: AWSConfiguration, statistics: CallStatistics = CallStatistics(),
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        var settings = CurlTransport.Settings()
        settings.proxy = configuration.proxy
        let regional = configuration.endpoint == AWSConfiguration.regionalEndpoint(service: "s3", region: configuration.region)
        self.init(credentials: configuration.credentials, region: configuration.region, endpoint: regional ? nil : configuration.endpoint,
                  transport: CurlTransport(settings: settings), retry: RetryPolicy(maxAttempts: configuration.maxAttempts), statistics: statistics, log: log)
        debugLogging = configuration.debugLogging
    }

    public struct Object: Sendable, Hashable {
        public var body: [UInt8]
        /// The entity tag, quotes included, as S3 sends it and as `If-Match` wants it.
        public var etag: String
    }

    /// When a PutObject may happen.
    public enum Condition: Sendable, Hashable {
        case always
        /// Only if no object has the key (`If-None-Match: *`): creating a lock.
        case absent
        /// Only if the object is still the one read (`If-Match: ETag`): no lost update.
        case matching(etag: String)
    }

    /// The object, or nil if there is none with that key.
    public func get(bucket: String, key: String) async throws(AWSError) -> Object? {
        do {
            let response = try await send("GetObject", method: "GET", bucket: bucket, key: key)
            return Object(body: response.body, etag: response.header("ETag") ?? "")
        } catch {
            if error.code == "NoSuchKey" { return nil }
            throw error
        }
    }

    /// The object's ETag, or nil if there is none with that key.
    public func head(bucket: String, key: String) async throws(AWSError) -> String? {
        do {
            return try await send("HeadObject", method: "HEAD", bucket: bucket, key: key).header("ETag")
        } catch {
            if error.code == "NoSuchKey" { return nil }
            throw error
        }
    }

    /// Writes the object when `condition` holds; returns its new ETag. A condition that does not
    /// hold is the error `PreconditionFailed` (HTTP 412), never retried.
    @discardableResult
    public func put(bucket: String, key: String, body: [UInt8], condition: Condition = .always, encrypt: Bool = false,
                    contentType: String = "application/json") async throws(AWSError) -> String {
        var headers: [(name: String, value: String)] = [("Content-Type", contentType)]
        switch condition {
        case .always: break
        case .absent: headers.append(("If-None-Match", "*"))
        case .matching(let etag): headers.append(("If-Match", etag))
        }
        if encrypt { headers.append(("x-amz-server-side-encryption", "AES256")) }
        return try await send("PutObject", method: "PUT", bucket: bucket, key: key, headers: headers, body: body).header("ETag") ?? ""
    }

    public func delete(bucket: String, key: String) async throws(AWSError) {
        _ = try await send("DeleteObject", method: "DELETE", bucket: bucket, key: key)
    }

    /// The URL and the path S3 signs, for `bucket`/`key`.
    func location(bucket: String, key: String) -> (url: String, host: String, path: String) {
        let encodedKey = SigV4Signer.uriEncode(key, keepSlash: true)
        if let endpoint, let url = URL(string: endpoint), let host = url.host {
            let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            let prefix = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
            return ("\(base)/\(SigV4Signer.uriEncode(bucket))/\(encodedKey)", url.port.map { "\(host):\($0)" } ?? host, "\(prefix)/\(bucket)/\(key)")
        }
        let host = "\(bucket).s3.\(region).amazonaws.com"
        return ("https://\(host)/\(encodedKey)", host, "/\(key)")
    }

    private func send(_ action: String, method: String, bucket: String, key: String, headers: [(name: String, value: String)] = [],
                      body: [UInt8] = []) async throws(AWSError) -> HTTPResponse {
        let started = Date()
        let (response, attempts) = await retry.run({ () async -> Result<HTTPResponse, AWSError> in
            await attemptOnce(action, method: method, bucket: bucket, key: key, headers: headers, body: body)
        }, onRetry: { attempt, error, delay in
            if debugLogging { log("[DEBUG] s3 \(action) attempt \(attempt) failed (\(error.code ?? "\(error.cause)")); retrying in \(String(format: "%.3f", delay))s") }
        })
        let seconds = Date().timeIntervalSince(started)
        statistics.record(action: action, attempts: attempts, seconds: seconds)
        if debugLogging {
            let result: String
            switch response {
            case .success: result = "ok"
            case .failure(let error): result = error.code ?? "error"
            }
            log("[DEBUG] s3 \(action) \(result) in \(String(format: "%.1f", seconds * 1000))ms, \(attempts) attempt\(attempts == 1 ? "" : "s")")
        }
        return try response.get()
    }

    private func attemptOnce(_ action: String, method: String, bucket: String, key: String, headers: [(name: String, value: String)],
                             body: [UInt8]) async -> Result<HTTPResponse, AWSError> {
        let (url, host, path) = location(bucket: bucket, key: key)
        var signer = SigV4Signer(credentials: credentials, region: region, service: "s3")
        signer.normalizePath = false
        signer.signPayloadHeader = true
        let all = [(name: "Host", value: host)] + headers
        let signed = all + signer.authorizationHeaders(for: SignableRequest(method: method, path: path, headers: all, body: body), date: clock())
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: method, url: url, headers: signed.filter { $0.name != "Host" }, body: body))
        } catch {
            return .failure(AWSError(service: "s3", action: action, cause: .transport(error), attempts: 1))
        }
        if (200..<300).contains(response.status) { return .success(response) }
        let requestID = response.header("x-amz-request-id")
        if let root = try? XMLNode.parse(response.body), root.name == "Error" {
            return .failure(AWSError(service: "s3", action: action, cause: .service(code: root.string("Code") ?? "Unknown", message: root.string("Message") ?? "",
                                                                                   status: response.status),
                                     requestID: root.string("RequestId") ?? requestID, attempts: 1))
        }
        // HEAD answers carry no body: the status is all there is.
        let code: String? = [404: "NoSuchKey", 403: "AccessDenied", 412: "PreconditionFailed", 503: "SlowDown"][response.status]
        if let code {
            return .failure(AWSError(service: "s3", action: action, cause: .service(code: code, message: "HTTP \(response.status)", status: response.status),
                                     requestID: requestID, attempts: 1))
        }
        return .failure(AWSError(service: "s3", action: action, cause: .malformedResponse(status: response.status, excerpt: EC2Client.excerpt(response.body)),
                                 requestID: requestID, attempts: 1))
    }
}
