import Foundation
import Testing
@testable import TFYAWS

/// EC2 and S3 go through one `AWSRequestPipeline`: the same answers are retried, slept on,
/// counted and logged alike; only the wire protocol's reading of an answer differs.
@Suite(.timeLimit(.minutes(10)))
struct AWSRequestPipelineTests {
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var sleeps: [Double] = []
        private var lines: [String] = []
        func sleep(_ seconds: Double) { lock.withLock { sleeps.append(seconds) } }
        func log(_ line: String) { lock.withLock { lines.append(line) } }
        var allSleeps: [Double] { lock.withLock { sleeps } }
        /// The debug lines, with the one figure that varies (milliseconds taken) left out.
        var allLines: [String] { lock.withLock { lines.map { $0.replacingOccurrences(of: #"in [0-9]+\.[0-9]ms"#, with: "in _ms", options: .regularExpression) } } }
    }

    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let credentials = AWSCredentials(accessKeyId: "AK", secretAccessKey: "S", sessionToken: "T")
    /// An answer both clients take as success: XML for EC2, an ETag for S3.
    static let ok = Result<HTTPResponse, HTTPTransportError>.success(HTTPResponse(status: 200, headers: [("ETag", "\"e1\"")],
                                                                                  body: Array("<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>".utf8)))

    func ec2(_ transport: ScriptedTransport, attempts: Int, record: Record) -> EC2Client {
        var configuration = AWSConfiguration(credentials: Self.credentials, region: "eu-west-1", endpoint: "http://127.0.0.1:9/", maxAttempts: attempts)
        configuration.debugLogging = true
        return EC2Client(configuration: configuration, transport: transport, retry: RetryPolicy(maxAttempts: attempts, random: { 0.5 }, sleep: record.sleep),
                         clock: { Self.date }, log: record.log)
    }

    func s3(_ transport: ScriptedTransport, attempts: Int, record: Record) -> S3Client {
        var client = S3Client(credentials: Self.credentials, region: "eu-west-1", endpoint: "http://127.0.0.1:4566", transport: transport,
                              retry: RetryPolicy(maxAttempts: attempts, random: { 0.5 }, sleep: record.sleep), clock: { Self.date }, log: record.log)
        client.debugLogging = true
        return client
    }

    @Test func aThrottledCallIsRetriedCountedAndLoggedAlikeForEC2AndS3() async throws {
        let ec2Record = Record(), s3Record = Record()
        let ec2Transport = ScriptedTransport([throttled, throttled, Self.ok])
        let s3Transport = ScriptedTransport([throttled, throttled, Self.ok])
        let ec2 = ec2(ec2Transport, attempts: 25, record: ec2Record)
        let s3 = s3(s3Transport, attempts: 25, record: s3Record)

        _ = try await ec2.call("DescribeInstances")
        let etag = try await s3.put(bucket: "b", key: "k", body: [1])

        #expect(etag == "\"e1\"")
        #expect(ec2Transport.count == 3)
        #expect(s3Transport.count == 3)
        #expect(ec2Record.allSleeps == [0.5, 1])
        #expect(s3Record.allSleeps == [0.5, 1])
        #expect(ec2.statistics.snapshot.mapValues { [$0.calls, $0.attempts] } == ["DescribeInstances": [1, 3]])
        #expect(s3.statistics.snapshot.mapValues { [$0.calls, $0.attempts] } == ["PutObject": [1, 3]])
        #expect(ec2.statistics.summary == "API calls: DescribeInstances 1 (2 retries)")
        #expect(s3.statistics.summary == "API calls: PutObject 1 (2 retries)")
        // EC2 reads the code from Response/Errors/Error; S3 wants an Error root and otherwise
        // goes by the status, so the same 503 is SlowDown to it.
        #expect(ec2Record.allLines == [
            "[DEBUG] ec2 DescribeInstances attempt 1 failed (RequestLimitExceeded); retrying in 0.500s",
            "[DEBUG] ec2 DescribeInstances attempt 2 failed (RequestLimitExceeded); retrying in 1.000s",
            "[DEBUG] ec2 DescribeInstances ok in _ms, 3 attempts",
        ])
        #expect(s3Record.allLines == [
            "[DEBUG] s3 PutObject attempt 1 failed (SlowDown); retrying in 0.500s",
            "[DEBUG] s3 PutObject attempt 2 failed (SlowDown); retrying in 1.000s",
            "[DEBUG] s3 PutObject ok in _ms, 3 attempts",
        ])
    }

    @Test func aThrottledCallGivesUpAfterTheSameAttemptsForEC2AndS3() async {
        let ec2Record = Record(), s3Record = Record()
        let ec2 = ec2(ScriptedTransport([throttled]), attempts: 3, record: ec2Record)
        let s3 = s3(ScriptedTransport([throttled]), attempts: 3, record: s3Record)
        do {
            _ = try await ec2.call("DescribeInstances")
            Issue.record("expected an error")
        } catch {
            #expect(error.attempts == 3)
            #expect(error.description == "EC2 DescribeInstances failed: RequestLimitExceeded: Request limit exceeded. (HTTP 503, request id r-1, gave up after 3 attempts)")
        }
        do {
            _ = try await s3.put(bucket: "b", key: "k", body: [1])
            Issue.record("expected an error")
        } catch {
            #expect(error.attempts == 3)
            #expect(error.description == "S3 PutObject failed: SlowDown: HTTP 503 (HTTP 503, gave up after 3 attempts)")
        }
        #expect(ec2Record.allSleeps == [0.5, 1])
        #expect(s3Record.allSleeps == [0.5, 1])
        #expect(ec2.statistics.summary == "API calls: DescribeInstances 1 (2 retries)")
        #expect(s3.statistics.summary == "API calls: PutObject 1 (2 retries)")
        #expect(ec2Record.allLines.last == "[DEBUG] ec2 DescribeInstances RequestLimitExceeded in _ms, 3 attempts")
        #expect(s3Record.allLines.last == "[DEBUG] s3 PutObject SlowDown in _ms, 3 attempts")
    }

    /// The signed bytes each protocol sends, pinned: the pipeline signs what the protocol laid out.
    @Test func eachProtocolsRequestIsSignedAsItsServiceWants() async throws {
        let ec2Transport = ScriptedTransport([Self.ok]), s3Transport = ScriptedTransport([Self.ok])
        _ = try await ec2(ec2Transport, attempts: 1, record: Record()).call("DescribeInstances", [("InstanceId.1", "i-1"), ("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", "a b")])
        try await s3(s3Transport, attempts: 1, record: Record()).put(bucket: "b", key: "a b/ü.tfstate", body: [1, 2], condition: .matching(etag: "\"x\""), encrypt: true)

        let ec2Request = try #require(ec2Transport.requests.first)
        #expect(ec2Request.method == "POST")
        #expect(ec2Request.url == "http://127.0.0.1:9/")
        #expect(ec2Request.headers.map { "\($0.name): \($0.value)" } == [
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Date: 20150830T123600Z",
            "X-Amz-Security-Token: T",
            "Authorization: AWS4-HMAC-SHA256 Credential=AK/20150830/eu-west-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=9b961c13f3da49468059b6a8b16e4109af40dde7730a7e6085c358b89a428a0f",
        ])
        #expect(String(decoding: ec2Request.body, as: UTF8.self) == "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&Filter.1.Name=tag%3AName&Filter.1.Value.1=a%20b")

        let s3Request = try #require(s3Transport.requests.first)
        #expect(s3Request.method == "PUT")
        #expect(s3Request.url == "http://127.0.0.1:4566/b/a%20b/%C3%BC.tfstate")
        #expect(s3Request.headers.map { "\($0.name): \($0.value)" } == [
            "Content-Type: application/json",
            "If-Match: \"x\"",
            "x-amz-server-side-encryption: AES256",
            "X-Amz-Date: 20150830T123600Z",
            "X-Amz-Security-Token: T",
            "X-Amz-Content-Sha256: a12871fee210fb8619291eaea194581cbd2531e4b23759d225f6806923f63222",
            "Authorization: AWS4-HMAC-SHA256 Credential=AK/20150830/eu-west-1/s3/aws4_request, SignedHeaders=content-type;host;if-match;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-server-side-encryption, Signature=341399ecd8462ea71ae98cccb9fe50c528d78c46ece18eea6f2bdff98c589cf7",
        ])
        #expect(s3Request.body == [1, 2])
    }

    /// An EC2 endpoint that is no URL fails as one attempt, counted and logged like any other.
    @Test func anEndpointThatIsNoURLFailsOnceAndIsCounted() async {
        let record = Record()
        var configuration = AWSConfiguration(credentials: Self.credentials, region: "eu-west-1", endpoint: "", maxAttempts: 5)
        configuration.debugLogging = true
        let transport = ScriptedTransport([Self.ok])
        let client = EC2Client(configuration: configuration, transport: transport, retry: RetryPolicy(maxAttempts: 5, random: { 0.5 }, sleep: record.sleep), log: record.log)
        do {
            _ = try await client.call("DescribeInstances")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "EC2 DescribeInstances failed: invalid endpoint ")
            #expect(error.attempts == 1)
        }
        #expect(transport.count == 0)
        #expect(client.statistics.summary == "API calls: DescribeInstances 1")
        #expect(record.allLines == ["[DEBUG] ec2 DescribeInstances error in _ms, 1 attempt"])
    }
}
