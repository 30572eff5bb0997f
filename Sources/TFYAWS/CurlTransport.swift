internal import CCurl
import Foundation

/// HTTP over libcurl. Easy handles are pooled and reused, so sequential requests to one host
/// travel over one kept-alive connection; up to `maxConnections` requests run at once, each on
/// its own handle. TLS verification stays on (libcurl's default); proxies come from the standard
/// environment variables.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    public struct Settings: Sendable {
        public var connectTimeout: Double = 10
        public var totalTimeout: Double = 60
        public var maxConnections = 16
        /// `HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`/`http_proxy`, `NO_PROXY`/`no_proxy`.
        public var proxy = ProxySettings()
        /// A PEM file of CA certificates to verify servers with; nil: the system's.
        public var caBundle: String?
        public init() {}
    }

    let settings: Settings
    private let pool: HandlePool
    private let counters = Counters()

    public init(settings: Settings = Settings()) {
        CurlTransport.globalInit
        self.settings = settings
        self.pool = HandlePool(limit: settings.maxConnections)
    }

    /// `seconds` as whole milliseconds for curl, at most a day: a TFY_REQUEST_TIMEOUT of 1e300
    /// would trap in the conversion to Int.
    static func milliseconds(_ seconds: Double) -> Int {
        Int(min(max(seconds, 0), 86_400) * 1000)
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// libcurl's codes for a connection that never got going (`HTTPTransportError.isConnectionFailure`).
    package static let connectionFailureCodes: Set<Int> = Set([
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_PEER_FAILED_VERIFICATION,
        // A TLS handshake that fails, most often an https URL for an endpoint that speaks plain HTTP.
        CURLE_SSL_CONNECT_ERROR,
    ].map { Int($0.rawValue) })

    /// How many TCP connections libcurl opened in all, across every request.
    package var connectionsOpened: Int { counters.connections }
    package var requestsSent: Int { counters.requests }

    public func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        let handle = await pool.checkout()
        let settings = self.settings
        let counters = self.counters
        // curl_easy_perform blocks its thread for the whole exchange. Dispatch's global queue
        // runs only as many blocking items at once as there are cores (two here), which capped
        // ten parallel operations at two requests in flight; a thread per request does not.
        let result: Result<HTTPResponse, HTTPTransportError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: handle.perform(request, settings: settings, counters: counters))
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        await pool.checkin(handle)
        return try result.get()
    }
}

/// Where requests go through a proxy, read as the AWS SDKs and curl read it.
public struct ProxySettings: Sendable, Hashable {
    public var http: String?
    public var https: String?
    public var noProxy: String?

    public init(http: String? = nil, https: String? = nil, noProxy: String? = nil) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    public static func from(environment: [String: String]) -> ProxySettings {
        func value(_ names: String...) -> String? { names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } }
        return ProxySettings(http: value("HTTP_PROXY", "http_proxy"), https: value("HTTPS_PROXY", "https_proxy"),
                             noProxy: value("NO_PROXY", "no_proxy"))
    }
}

final class Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var _connections = 0
    private var _requests = 0
    var connections: Int { lock.withLock { _connections } }
    var requests: Int { lock.withLock { _requests } }
    func add(connections: Int) { lock.withLock { _connections += connections; _requests += 1 } }
}

/// Hands out easy handles, at most `limit` at a time; idle handles keep their connections.
private actor HandlePool {
    let limit: Int
    var idle: [CurlHandle] = []
    var created = 0
    var waiting: [CheckedContinuation<CurlHandle, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func checkout() async -> CurlHandle {
        if let handle = idle.popLast() { return handle }
        if created < limit {
            created += 1
            return CurlHandle()
        }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func checkin(_ handle: CurlHandle) {
        if !waiting.isEmpty { waiting.removeFirst().resume(returning: handle) } else { idle.append(handle) }
    }
}

/// What a request's callbacks fill in; reached from C through an `Unmanaged` pointer.
private final class ResponseAccumulator {
    var body: [UInt8] = []
    var headerLines: [String] = []
}

/// Owns one libcurl easy handle.
private final class CurlHandle: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer?

    init() { handle = curl_easy_init() }

    deinit { curl_easy_cleanup(handle) }

    func perform(_ request: HTTPRequest, settings: CurlTransport.Settings, counters: Counters) -> Result<HTTPResponse, HTTPTransportError> {
        guard let handle else { return .failure(HTTPTransportError(code: 0, message: "libcurl could not create a handle", isRetryable: false)) }
        let accumulator = ResponseAccumulator()
        let context = Unmanaged.passRetained(accumulator)
        defer { context.release() }

        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip
        defer { curl_slist_free_all(list) }

        tfy_curl_setopt_string(handle, CURLOPT_URL, request.url)
        tfy_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        tfy_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, CurlTransport.milliseconds(settings.connectTimeout))
        tfy_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, CurlTransport.milliseconds(settings.totalTimeout))
        tfy_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        tfy_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        tfy_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundle = settings.caBundle { tfy_curl_setopt_string(handle, CURLOPT_CAINFO, caBundle) }
        let secure = request.url.lowercased().hasPrefix("https:")
        tfy_curl_setopt_string(handle, CURLOPT_PROXY, (secure ? settings.proxy.https : settings.proxy.http) ?? "")
        tfy_curl_setopt_string(handle, CURLOPT_NOPROXY, settings.proxy.noProxy ?? "")
        tfy_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        if request.method == "GET" {
            tfy_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            tfy_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil)
        } else {
            tfy_curl_setopt_long(handle, CURLOPT_POST, 1)
            tfy_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            request.body.withUnsafeBytes { raw in
                _ = tfy_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
            tfy_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method == "POST" ? nil : request.method)
        }
        tfy_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
            accumulator.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        tfy_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        tfy_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
            accumulator.headerLines.append(String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self))
            return size * count
        }
        tfy_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque())

        // libcurl's own words for what went wrong, which its error code alone does not say
        // ("SSL certificate problem: self-signed certificate").
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            tfy_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            defer { tfy_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
            return curl_easy_perform(handle)
        }
        var connects = 0
        tfy_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        counters.add(connections: connects)
        guard code == CURLE_OK else {
            var message = String(cString: curl_easy_strerror(code))
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if Self.explained.contains(code), !detail.isEmpty { message += ": " + detail }
            return .failure(HTTPTransportError(code: Int(code.rawValue), message: "\(message) (\(request.url))", isRetryable: Self.retryable.contains(code)))
        }
        var status = 0
        tfy_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var headers: [(name: String, value: String)] = []
        for line in accumulator.headerLines {
            guard let colon = line.firstIndex(of: ":") else {
                if line.hasPrefix("HTTP/") { headers.removeAll() }  // a new response (after a redirect or 100)
                continue
            }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return .success(HTTPResponse(status: status, headers: headers, body: accumulator.body))
    }

    /// Failures whose code says too little without libcurl's detail: which certificate check
    /// failed, how long the wait was.
    static let explained: Set<CURLcode> = [
        CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_OPERATION_TIMEDOUT,
    ]

    /// A name that did not resolve is tried again too, within the few attempts of a connection
    /// failure: a resolver's passing failure (EAI_AGAIN) has the same code as an unknown name.
    static let retryable: Set<CURLcode> = [
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
        CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR,
    ]
}
