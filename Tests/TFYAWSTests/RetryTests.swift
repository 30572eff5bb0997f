import Foundation
import Testing
@testable import TFYAWS

/// Retry behaviour with a scripted transport: exact attempts and exact delays, no sleeping.
@Suite(.timeLimit(.minutes(30)))
struct RetryTests {
    final class Sleeps: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Double] = []
        func add(_ v: Double) { lock.withLock { values.append(v) } }
        var all: [Double] { lock.withLock { values } }
    }

    func client(_ transport: ScriptedTransport, attempts: Int, sleeps: Sleeps, random: Double = 0.5) -> EC2Client {
        EC2Client(configuration: AWSConfiguration(credentials: testCredentials, region: "us-east-1", endpoint: "http://127.0.0.1:9", maxAttempts: attempts),
                  transport: transport, retry: RetryPolicy(maxAttempts: attempts, random: { random }, sleep: { sleeps.add($0) }))
    }

    @Test func throttlingIsRetriedWithCappedExponentialBackoffAndJitter() async throws {
        let transport = ScriptedTransport(Array(repeating: throttled, count: 7) + [describeOK])
        let sleeps = Sleeps()
        let c = client(transport, attempts: 25, sleeps: sleeps)
        _ = try await c.call("DescribeInstances")
        #expect(transport.count == 8)
        // random 0.5 × min(20, 2^(n-1)) seconds.
        #expect(sleeps.all == [0.5, 1, 2, 4, 8, 10, 10])
        #expect(c.statistics.snapshot["DescribeInstances"] == CallStatistics.Entry(calls: 1, attempts: 8, seconds: c.statistics.snapshot["DescribeInstances"]!.seconds))
        #expect(c.statistics.summary == "API calls: DescribeInstances 1 (7 retries)")
    }

    /// Connection refused, an unresolvable host and a failed TLS handshake (libcurl's codes 7, 6
    /// and 35: an https URL for a plain-HTTP endpoint) get a few quick attempts, not the 25
    /// throttling gets: with 25 attempts a wrong endpoint looked like a hang.
    @Test(arguments: [(7, "Couldn't connect to server"), (6, "Couldn't resolve host name"), (35, "SSL connect error")])
    func connectionFailuresGetAFewQuickAttempts(_ code: Int, _ message: String) async {
        let transport = ScriptedTransport([.failure(HTTPTransportError(code: code, message: message, isRetryable: true))])
        let sleeps = Sleeps()
        do {
            _ = try await client(transport, attempts: 25, sleeps: sleeps).call("DescribeInstances")
            Issue.record("expected an error")
        } catch {
            #expect(error.attempts == 3)
        }
        #expect(transport.count == 3)
        // random 0.5 × 0.2 s × 2^(n-1).
        #expect(sleeps.all == [0.1, 0.2])
    }

    /// The few attempts are overridable; the overall budget still bounds them.
    @Test func theConnectionBudgetIsOverridable() async {
        let transport = ScriptedTransport([.failure(HTTPTransportError(code: 7, message: "Couldn't connect to server", isRetryable: true))])
        var policy = RetryPolicy(maxAttempts: 25, random: { 0 }, sleep: { _ in })
        policy.connectionAttempts = 6
        let (_, attempts) = await policy.run { () async -> Result<Int, AWSError> in
            (try? await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:9/"))).map { .success($0.status) }
                ?? .failure(AWSError(service: "ec2", action: "X", cause: .transport(HTTPTransportError(code: 7, message: "refused", isRetryable: true)), attempts: 1))
        }
        #expect(attempts == 6)
        policy.maxAttempts = 2
        #expect(await policy.run { () async -> Result<Int, AWSError> in
            .failure(AWSError(service: "ec2", action: "X", cause: .transport(HTTPTransportError(code: 7, message: "refused", isRetryable: true)), attempts: 1))
        }.attempts == 2)
    }

    /// Throttling keeps the SDK-standard budget beside them.
    @Test func throttlingKeepsTheFullBudget() async {
        let transport = ScriptedTransport([throttled])
        let sleeps = Sleeps()
        await #expect(throws: AWSError.self) { _ = try await client(transport, attempts: 25, sleeps: sleeps).call("DescribeInstances") }
        #expect(transport.count == 25)
    }

    @Test func permanentServerErrorsGiveUpAfterTheConfiguredAttempts() async {
        let transport = ScriptedTransport([.success(HTTPResponse(status: 500, body: Array("<html><h1>Internal Server Error</h1></html>".utf8)))])
        let sleeps = Sleeps()
        do {
            _ = try await client(transport, attempts: 4, sleeps: sleeps).call("DescribeInstances")
            Issue.record("expected an error")
        } catch {
            #expect(error.attempts == 4)
            #expect(error.cause == .malformedResponse(status: 500, excerpt: "Internal Server Error"))
            #expect(error.description == "EC2 DescribeInstances failed: unexpected response \"Internal Server Error\" (HTTP 500, gave up after 4 attempts)")
        }
        #expect(transport.count == 4)
        #expect(sleeps.all.count == 3)
    }

    @Test(arguments: ["InvalidParameterValue", "UnauthorizedOperation", "AuthFailure", "InvalidInstanceID.NotFound"])
    func nonRetryableErrorsAreTriedOnce(_ code: String) async {
        let transport = ScriptedTransport([xmlResponse(400, "<Response><Errors><Error><Code>\(code)</Code><Message>No.</Message></Error></Errors><RequestID>req-9</RequestID></Response>")])
        let sleeps = Sleeps()
        do {
            _ = try await client(transport, attempts: 25, sleeps: sleeps).call("RunInstances")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == code)
            #expect(error.requestID == "req-9")
            #expect(error.description == "EC2 RunInstances failed: \(code): No. (HTTP 400, request id req-9)")
        }
        #expect(transport.count == 1)
        #expect(sleeps.all.isEmpty)
    }

    @Test func connectionFailuresAreRetriedButOthersAreNot() async throws {
        let reset = HTTPTransportError(code: 56, message: "Recv failure: Connection reset by peer", isRetryable: true)
        let transport = ScriptedTransport([.failure(reset), .failure(reset), describeOK])
        _ = try await client(transport, attempts: 5, sleeps: Sleeps()).call("DescribeInstances")
        #expect(transport.count == 3)
        let badURL = HTTPTransportError(code: 3, message: "URL using bad/illegal format", isRetryable: false)
        let failing = ScriptedTransport([.failure(badURL)])
        await #expect(throws: AWSError.self) { _ = try await client(failing, attempts: 5, sleeps: Sleeps()).call("DescribeInstances") }
        #expect(failing.count == 1)
    }

    @Test func requestsAreFormEncodedAndSigned() async throws {
        let transport = ScriptedTransport([describeOK])
        let c = EC2Client(configuration: AWSConfiguration(credentials: testCredentials, region: "eu-west-1", endpoint: "http://127.0.0.1:9/", maxAttempts: 1),
                          transport: transport, clock: { Date(timeIntervalSince1970: 1_440_938_160) })
        _ = try await c.describeInstancesPage(ids: ["i-1", "i-2"], filters: [EC2Filter("tag:Name", ["a b"])])
        let request = try #require(transport.requests.first)
        #expect(String(decoding: request.body, as: UTF8.self) == "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2&Filter.1.Name=tag%3AName&Filter.1.Value.1=a%20b")
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTESTING/20150830/eu-west-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="))
        #expect(!request.headers.contains { $0.value.contains("testing-secret") })
    }

    @Test func userDataIsSentBase64Encoded() async throws {
        let transport = ScriptedTransport([xmlResponse(200, "<ModifyInstanceAttributeResponse><return>true</return></ModifyInstanceAttributeResponse>")])
        try await client(transport, attempts: 1, sleeps: Sleeps()).modifyInstanceAttribute(id: "i-1", .userData("#!/bin/sh\necho changed\n"))
        #expect(String(decoding: try #require(transport.requests.first).body, as: UTF8.self)
                == "Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=i-1&UserData.Value=IyEvYmluL3NoCmVjaG8gY2hhbmdlZAo%3D")
    }

    @Test func debugLogNamesEachCallButNeverItsCredentials() async throws {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        var configuration = AWSConfiguration(credentials: AWSCredentials(accessKeyId: "AKIDLOG", secretAccessKey: "very-secret", sessionToken: "tok-secret"),
                                             region: "us-east-1", endpoint: "http://127.0.0.1:9", maxAttempts: 3)
        configuration.debugLogging = true
        let transport = ScriptedTransport([throttled, describeOK])
        let c = EC2Client(configuration: configuration, transport: transport, retry: RetryPolicy(maxAttempts: 3, random: { 0.25 }, sleep: { _ in }), log: { lines.all.append($0) })
        _ = try await c.call("DescribeInstances")
        #expect(lines.all.count == 2)
        #expect(lines.all[0] == "[DEBUG] ec2 DescribeInstances attempt 1 failed (RequestLimitExceeded); retrying in 0.250s")
        #expect(lines.all[1].hasPrefix("[DEBUG] ec2 DescribeInstances ok in "))
        #expect(lines.all[1].hasSuffix("ms, 2 attempts"))
        #expect(!lines.all.joined().contains("secret"))
    }

    @Test func malformedXMLIsAnErrorNotACrash() async {
        for body in ["<Response><Errors><Error><Code>X", "not xml at all", "<a><b></a>", "<a>&bogus;</a>", ""] {
            let transport = ScriptedTransport([.success(HTTPResponse(status: 200, body: Array(body.utf8)))])
            await #expect(throws: AWSError.self) { _ = try await client(transport, attempts: 1, sleeps: Sleeps()).call("DescribeInstances") }
        }
    }
}
