import Foundation

/// The S3 operations a state backend needs — GetObject, HeadObject, PutObject (with
/// `If-None-Match: *` or `If-Match: ETag`), DeleteObject, and ListObjectsV2 for the journal — through the same `AWSRequestPipeline`
/// as EC2, in S3's REST protocol (`S3RESTProtocol`). The payload is signed
/// (`x-amz-content-sha256` is its SHA-256, never `UNSIGNED-PAYLOAD`). A custom endpoint (an
/// emulator, a VPC endpoint) is addressed path-style (`ENDPOINT/BUCKET/KEY`); AWS itself
/// virtual-host style (`https://BUCKET.s3.REGION.amazonaws.com/KEY`).
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
    /// Where the endpoint came from, for connection failures' errors (`AWSError.endpointNote`).
    public var endpointNote: String?
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
        let regional = configuration.endpoint == AWSConfiguration.regionalEndpoint(service: "s3", region: configuration.region)
        self.init(credentials: configuration.credentials, region: configuration.region, endpoint: regional ? nil : configuration.endpoint,
                  transport: CurlTransport(settings: configuration.transportSettings),
                  retry: RetryPolicy(maxAttempts: configuration.maxAttempts, connectionAttempts: configuration.connectionAttempts),
                  statistics: statistics, log: log)
        debugLogging = configuration.debugLogging
        endpointNote = configuration.endpointNote
    }

    public struct Object: Sendable, Hashable {
        public var body: [UInt8]
        /// The entity tag, quotes included, as S3 sends it and as `If-Match` wants it.
        public var etag: String
        /// The user metadata (`x-amz-meta-NAME`), by NAME in lower case.
        public var metadata: [String: String] = [:]
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
        try await sendUnlessNoSuchKey("GetObject", method: "GET", bucket: bucket, key: key).map { response in
            var metadata: [String: String] = [:]
            for (name, value) in response.headers where name.lowercased().hasPrefix("x-amz-meta-") {
                metadata[String(name.lowercased().dropFirst("x-amz-meta-".count))] = value
            }
            return Object(body: response.body, etag: response.header("ETag") ?? "", metadata: metadata)
        }
    }

    /// The object's ETag, or nil if there is none with that key.
    public func head(bucket: String, key: String) async throws(AWSError) -> String? {
        try await sendUnlessNoSuchKey("HeadObject", method: "HEAD", bucket: bucket, key: key)?.header("ETag")
    }

    /// Writes the object when `condition` holds; returns its new ETag. A condition that does not
    /// hold is the error `PreconditionFailed` (HTTP 412), never retried.
    @discardableResult
    public func put(bucket: String, key: String, body: [UInt8], condition: Condition = .always, encrypt: Bool = false,
                    contentType: String = "application/json", metadata: [String: String] = [:]) async throws(AWSError) -> String {
        var headers: [(name: String, value: String)] = [("Content-Type", contentType)]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(name)", value)) }
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

    /// The keys that begin with `prefix`, in S3's order (UTF-8 binary), every page of them.
    public func list(bucket: String, prefix: String) async throws(AWSError) -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query = "list-type=2&prefix=" + SigV4Signer.uriEncode(prefix)
            if let token { query += "&continuation-token=" + SigV4Signer.uriEncode(token) }
            let (url, host, path) = location(bucket: bucket, key: "")
            let request = AWSRequest(method: "GET", url: url + "?" + query, host: host, path: path, headers: [], body: [], query: query)
            let response = try await pipeline.perform("ListObjectsV2", .success(request), as: S3RESTProtocol.self)
            guard let root = try? XMLNode.parse(response.body), root.name == "ListBucketResult" else {
                throw AWSError(service: S3RESTProtocol.service, action: "ListObjectsV2", cause: AWSFailure.malformed(response, requestID: response.header("x-amz-request-id")).cause,
                               requestID: response.header("x-amz-request-id"), attempts: 1)
            }
            keys += root.children.filter { $0.name == "Contents" }.compactMap { $0.string("Key") }
            token = root.string("IsTruncated") == "true" ? root.string("NextContinuationToken") : nil
        } while token != nil
        return keys
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
        let (url, host, path) = location(bucket: bucket, key: key)
        let request = AWSRequest(method: method, url: url, host: host, path: path, headers: headers, body: body)
        return try await pipeline.perform(action, .success(request), as: S3RESTProtocol.self)
    }

    /// The answer, or nil where S3 has no object with that key.
    private func sendUnlessNoSuchKey(_ action: String, method: String, bucket: String, key: String) async throws(AWSError) -> HTTPResponse? {
        do {
            return try await send(action, method: method, bucket: bucket, key: key)
        } catch {
            if error.code == "NoSuchKey" { return nil }
            throw error
        }
    }

    var pipeline: AWSRequestPipeline {
        AWSRequestPipeline(transport: transport, credentials: credentials, region: region, retry: retry, statistics: statistics,
                           clock: clock, debugLogging: debugLogging, log: log, endpointNote: endpointNote)
    }
}
