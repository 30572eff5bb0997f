import Foundation
import Testing
import TFYTestSupport
@testable import TFYAWS

/// The transport's promises (docs/aws.md, "Requests"): TLS certificates are verified (against
/// `AWS_CA_BUNDLE` when it is set), and an
/// attempt that gets no answer times out (`TFY_REQUEST_TIMEOUT`) and is retried up to the attempts.
@Suite(.timeLimit(.minutes(30)))
struct TransportTests {
    /// A client configured from `environment` as tfy configures one, with no backoff between attempts.
    func configuredClient(_ environment: [String: String]) throws -> EC2Client {
        let configuration = try AWSConfigurationResolver(environment: ["AWS_ACCESS_KEY_ID": "AKIDTESTING", "AWS_SECRET_ACCESS_KEY": "testing-secret",
                                                                       "AWS_REGION": "us-east-1"].merging(environment) { _, new in new },
                                                         homeDirectory: NSTemporaryDirectory() + "tfy-no-home").resolve()
        return EC2Client(configuration: configuration, retry: RetryPolicy(maxAttempts: configuration.maxAttempts, random: { 0 }, sleep: { _ in }))
    }

    @Test func aSelfSignedCertificateIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "tfy-tls-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await HelperProcess(script: "stub_server.py", arguments: ["tls", directory])
        let endpoint = "https://127.0.0.1:\(server.port)"
        // The server itself works: trusting its certificate explicitly, curl gets its answer. So
        // what tfy refuses below is the certificate, not a broken server.
        let trusted = String(decoding: try await runProgram("curl", ["-sS", "--cacert", directory + "/cert.pem", "-X", "POST", "-d", "Action=DescribeInstances", endpoint + "/"]), as: UTF8.self)
        #expect(trusted.contains("<DescribeInstancesResponse"), "\(trusted)")

        let ec2 = try configuredClient(["AWS_ENDPOINT_URL_EC2": endpoint, "AWS_MAX_ATTEMPTS": "3"])
        do {
            _ = try await ec2.describeInstancesPage()
            Issue.record("a self-signed certificate was accepted")
        } catch {
            // A certificate that fails verification will fail again: not retried.
            #expect(error.attempts == 1)
            #expect(error.description == "EC2 DescribeInstances failed: SSL peer certificate or SSH remote key was not OK: SSL certificate problem: self-signed certificate (\(endpoint)); the endpoint \(endpoint) was set by AWS_ENDPOINT_URL_EC2", "\(error.description)")
        }

        // AWS_CA_BUNDLE, as the SDKs read it, makes tfy trust that certificate: the same call succeeds.
        let trusting = try configuredClient(["AWS_ENDPOINT_URL_EC2": endpoint, "AWS_CA_BUNDLE": directory + "/cert.pem"])
        #expect(try await trusting.describeInstancesPage().instances.isEmpty)
        // A bundle that is not there is named in the error.
        let missing = directory + "/no-such-bundle.pem"
        let misconfigured = try configuredClient(["AWS_ENDPOINT_URL_EC2": endpoint, "AWS_CA_BUNDLE": missing, "AWS_MAX_ATTEMPTS": "1"])
        do {
            _ = try await misconfigured.describeInstancesPage()
            Issue.record("a missing CA bundle was accepted")
        } catch {
            #expect(error.description == "EC2 DescribeInstances failed: Problem with the SSL CA cert (path? access rights?): error setting certificate file: \(missing) (\(endpoint))", "\(error.description)")
        }
    }

    @Test func anAttemptWithNoAnswerTimesOutAndIsRetried() async throws {
        let log = NSTemporaryDirectory() + "tfy-silent-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: log) }
        let server = try await HelperProcess(script: "stub_server.py", arguments: ["silent", log])
        let endpoint = "http://127.0.0.1:\(server.port)"
        let ec2 = try configuredClient(["AWS_ENDPOINT_URL_EC2": endpoint, "AWS_MAX_ATTEMPTS": "2", "TFY_REQUEST_TIMEOUT": "1"])
        #expect(ec2.configuration.requestTimeout == 1)
        let started = Date()
        do {
            _ = try await ec2.describeInstancesPage()
            Issue.record("a server that never answers gave an answer")
        } catch {
            let elapsed = Date().timeIntervalSince(started)
            #expect(error.attempts == 2)
            // Two attempts of 1 s each, not of the default 60 s: libcurl names the time it waited
            // (more than 1 s on a loaded machine, never the 60 s default).
            let waited = error.description.firstMatch(of: /^EC2 DescribeInstances failed: Timeout was reached: Operation timed out after (\d+) milliseconds with 0 bytes received \((.+)\) \(gave up after 2 attempts\)$/)
            #expect(waited?.output.2 == Substring(endpoint), "\(error.description)")
            #expect(waited.map { (1000..<60000).contains(Int($0.output.1)!) } == true, "\(error.description)")
            #expect(elapsed >= 2, "\(elapsed)")
        }
        // Both attempts reached the server: the request was sent, and the answer never came.
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "request\nrequest\n")
    }

    @Test func theRequestTimeoutMustBeAPositiveNumber() throws {
        for text in ["0", "-1", "soon"] {
            #expect(throws: AWSConfigurationError(summary: "Invalid TFY_REQUEST_TIMEOUT", detail: "\"\(text)\" is not a positive number of seconds.")) {
                try configuredClient(["TFY_REQUEST_TIMEOUT": text])
            }
        }
        #expect(try configuredClient([:]).configuration.requestTimeout == 60)
        let settings = try configuredClient(["TFY_REQUEST_TIMEOUT": "2.5"]).configuration.transportSettings
        #expect(settings.totalTimeout == 2.5)
        #expect(settings.connectTimeout == 2.5)
    }
}
