import Foundation
import Testing
@testable import TFYAWS
import TFYTestSupport

/// The S3 object operations a state backend needs, against moto's S3 on 127.0.0.1, cross-checked
/// with the AWS CLI.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct S3ClientTests {
    static let server = MotoServer.Shared()
    let moto: MotoServer
    let s3: S3Client
    let bucket = "tfy-state-test"

    init() async throws {
        moto = try await Self.server.get()
        try await moto.reset()
        s3 = Self.client(moto.endpoint)
        try await awsCLI(moto.endpoint, ["s3api", "create-bucket", "--bucket", bucket])
    }

    static func client(_ endpoint: String, secret: String = "testing-secret", accessKey: String = "AKIDTESTING",
                       transport: (any HTTPTransport)? = nil) -> S3Client {
        S3Client(credentials: AWSCredentials(accessKeyId: accessKey, secretAccessKey: secret), region: "us-east-1", endpoint: endpoint,
                 transport: transport, retry: RetryPolicy(maxAttempts: 5, random: { 0 }, sleep: { _ in }))
    }

    /// What the AWS CLI reads for the key.
    func cliGet(_ key: String) async throws -> String {
        let data = try #require(try await awsS3Object(moto.endpoint, bucket: bucket, key: key), "the AWS CLI read no \(key)")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func putGetHeadDeleteRoundTrip() async throws {
        let key = "teams/state file ü+1.tfstate"
        let etag = try await s3.put(bucket: bucket, key: key, body: Array("{\"serial\": 1}".utf8), encrypt: true)
        #expect(etag.hasPrefix("\"") && etag.count > 2)
        #expect(try await cliGet(key) == "{\"serial\": 1}")
        let object = try #require(try await s3.get(bucket: bucket, key: key))
        #expect(object.body == Array("{\"serial\": 1}".utf8))
        #expect(object.etag == etag)
        #expect(try await s3.head(bucket: bucket, key: key) == etag)
        try await s3.delete(bucket: bucket, key: key)
        #expect(try await s3.get(bucket: bucket, key: key) == nil)
        #expect(try await s3.head(bucket: bucket, key: key) == nil)
    }

    /// The lock protocol: an object created only if absent.
    @Test func createIfAbsentRefusesASecondWriter() async throws {
        try await s3.put(bucket: bucket, key: "s.tflock", body: Array("first".utf8), condition: .absent)
        do {
            try await s3.put(bucket: bucket, key: "s.tflock", body: Array("second".utf8), condition: .absent)
            Issue.record("a second lock was written")
        } catch {
            #expect(error.code == "PreconditionFailed")
            #expect(error.status == 412)
            #expect(error.attempts == 1)
        }
        #expect(try await cliGet("s.tflock") == "first")
    }

    /// No lost update: a write conditioned on the ETag read is refused once someone else wrote.
    @Test func writeIfMatchRefusesAStaleETag() async throws {
        let first = try await s3.put(bucket: bucket, key: "s.tfstate", body: Array("1".utf8))
        let second = try await s3.put(bucket: bucket, key: "s.tfstate", body: Array("2".utf8), condition: .matching(etag: first))
        do {
            try await s3.put(bucket: bucket, key: "s.tfstate", body: Array("3".utf8), condition: .matching(etag: first))
            Issue.record("a stale write was accepted")
        } catch {
            #expect(error.code == "PreconditionFailed")
        }
        #expect(try await cliGet("s.tfstate") == "2")
        #expect(try await s3.head(bucket: bucket, key: "s.tfstate") == second)
    }

    @Test func aMissingBucketIsAClearError() async throws {
        do {
            _ = try await s3.get(bucket: "no-such-bucket-here", key: "k")
            Issue.record("read from a missing bucket")
        } catch {
            #expect(error.code == "NoSuchBucket")
            #expect(error.description.hasPrefix("S3 GetObject failed: NoSuchBucket: "))
        }
    }

    /// SlowDown and 503 are retried with backoff, as every other AWS throttling.
    @Test func throttlingIsRetried() async throws {
        let slowDown = xmlResponse(503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>r1</RequestId></Error>")
        let ok = Result<HTTPResponse, HTTPTransportError>.success(HTTPResponse(status: 200, headers: [("ETag", "\"abc\"")], body: []))
        let transport = ScriptedTransport([slowDown, slowDown, ok])
        let etag = try await Self.client("http://127.0.0.1:1", transport: transport).put(bucket: bucket, key: "k", body: [1])
        #expect(etag == "\"abc\"")
        #expect(transport.count == 3)
        // And against moto behind a proxy that throttles 30% of requests.
        let proxy = try await FaultProxy(targetPort: moto.helper.port, throttle: 0.3, seed: 11)
        let through = Self.client(proxy.endpoint)
        for i in 0..<10 { try await through.put(bucket: bucket, key: "k\(i)", body: Array("\(i)".utf8)) }
        for i in 0..<10 { #expect(try await cliGet("k\(i)") == "\(i)") }
        #expect(try await proxy.stats()["throttled"] == 2, "sequential puts: the seeded proxy throttles the same requests every run")
    }

    /// The request path is addressed and signed the way S3 expects.
    @Test func addressing() {
        let custom = Self.client("http://127.0.0.1:4566")
        #expect(custom.location(bucket: "b-1", key: "a b/ü.tfstate").url == "http://127.0.0.1:4566/b-1/a%20b/%C3%BC.tfstate")
        #expect(custom.location(bucket: "b-1", key: "a b/ü.tfstate").path == "/b-1/a b/ü.tfstate")
        let aws = S3Client(credentials: AWSCredentials(accessKeyId: "a", secretAccessKey: "b"), region: "eu-west-1")
        #expect(aws.location(bucket: "team-state", key: "prod/tachyon.tfstate").url == "https://team-state.s3.eu-west-1.amazonaws.com/prod/tachyon.tfstate")
        #expect(aws.location(bucket: "team-state", key: "prod/tachyon.tfstate").host == "team-state.s3.eu-west-1.amazonaws.com")
    }
}
