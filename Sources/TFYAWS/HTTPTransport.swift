/// One HTTP request and its response, as the AWS clients exchange them.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A failure below HTTP: no connection, a reset, a timeout.
public struct HTTPTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libcurl's error code, or 0 for errors of the transport itself.
    public var code: Int
    public var message: String
    /// Whether trying again may succeed (connection refused, reset, timed out).
    public var isRetryable: Bool

    public init(code: Int, message: String, isRetryable: Bool) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable
    }

    public var description: String { message }

    /// Whether no exchange with the endpoint could begin: the connection was refused, the host
    /// name did not resolve, or the server's certificate failed verification. Trying again
    /// within seconds rarely helps — the endpoint is usually wrong — so these get a few quick
    /// attempts (`RetryPolicy.connectionAttempts`) rather than the throttling budget, and their
    /// errors say where the endpoint came from.
    public var isConnectionFailure: Bool { CurlTransport.connectionFailureCodes.contains(code) }
}

/// Sends HTTP requests. Production uses `CurlTransport`; unit tests of decoding and retries may
/// pass a fake.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse
}
