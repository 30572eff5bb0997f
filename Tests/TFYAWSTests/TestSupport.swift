import Foundation
import Testing
import TFYTestSupport
@testable import TFYAWS

/// moto's EC2 emulator on 127.0.0.1.
final class MotoServer: @unchecked Sendable {
    let helper: HelperProcess
    var endpoint: String { "http://127.0.0.1:\(helper.port)" }

    init(environment: [String: String] = [:]) async throws {
        helper = try await HelperProcess(script: "moto_helper.py", environment: environment)
    }

    /// Forgets everything moto holds: each test starts from the same empty region.
    func reset() async throws {
        let response = try await CurlTransport().send(HTTPRequest(method: "POST", url: endpoint + "/moto-api/reset"))
        guard response.status == 200 else { throw HelperError(description: "moto reset answered \(response.status)") }
    }

    /// A server that lives as long as the test process: one per suite (suites run in parallel,
    /// and each resets its own server between its tests).
    actor Shared {
        private var started: Task<MotoServer, Error>?
        /// The suite's server, started by the first test that asks; a failed start fails every test that asks.
        func get() async throws -> MotoServer {
            if let started { return try await started.value }
            let task = Task { try await MotoServer() }
            started = task
            return try await task.value
        }
    }
}

/// The fault-injecting proxy in front of a server.
final class FaultProxy: @unchecked Sendable {
    let helper: HelperProcess
    var endpoint: String { "http://127.0.0.1:\(helper.port)" }

    init(targetPort: Int, throttle: Double = 0, error5xx: Double = 0, drop: Double = 0, latencyMilliseconds: Double = 0, seed: Int = 1,
         holdUntilInFlight: Int = 0) async throws {
        helper = try await HelperProcess(script: "fault_proxy.py", arguments: [
            String(targetPort), "--throttle", String(throttle), "--error5xx", String(error5xx), "--drop", String(drop),
            "--latency-ms", String(latencyMilliseconds), "--seed", String(seed), "--hold-until-in-flight", String(holdUntilInFlight),
        ])
    }

    func stats() async throws -> [String: Int] {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: endpoint + "/__stats__"))
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]) ?? [:]
    }
}

let testCredentials = AWSCredentials(accessKeyId: "AKIDTESTING", secretAccessKey: "testing-secret", source: "test")

func client(endpoint: String, maxAttempts: Int = 5, transport: (any HTTPTransport)? = nil, statistics: CallStatistics = CallStatistics()) -> EC2Client {
    EC2Client(configuration: AWSConfiguration(credentials: testCredentials, region: "us-east-1", endpoint: endpoint, maxAttempts: maxAttempts),
              transport: transport, retry: RetryPolicy(maxAttempts: maxAttempts, random: { 0 }, sleep: { _ in }), statistics: statistics)
}

/// A transport that answers from a script, for unit tests of decoding and retries.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var responses: [Result<HTTPResponse, HTTPTransportError>]
    private(set) var requests: [HTTPRequest] = []

    init(_ responses: [Result<HTTPResponse, HTTPTransportError>]) { self.responses = responses }

    func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        let next: Result<HTTPResponse, HTTPTransportError> = lock.withLock {
            requests.append(request)
            return responses.count > 1 ? responses.removeFirst() : responses[0]
        }
        return try next.get()
    }

    var count: Int { lock.withLock { requests.count } }
}

func xmlResponse(_ status: Int, _ body: String) -> Result<HTTPResponse, HTTPTransportError> {
    .success(HTTPResponse(status: status, headers: [("Content-Type", "text/xml")], body: Array(body.utf8)))
}

let throttled = xmlResponse(503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>")
let describeOK = xmlResponse(200, "<DescribeInstancesResponse><requestId>ok</requestId><reservationSet/></DescribeInstancesResponse>")
