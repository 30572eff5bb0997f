import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// The S3 backend's errors that docs/backend.md promises ("Errors"): a bucket in another region,
/// S3 out of reach, a corrupt state object. Each is a clear message, exits 1, and writes nothing.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct BackendErrorTests {
    static let bucket = S3BackendTests.bucket

    /// Makes the fault proxy answer every request itself with `status` and `body`.
    func reply(_ proxy: Helper, status: Int, body: String) async throws {
        let faults = try JSONSerialization.data(withJSONObject: ["reply": ["status": status, "body": body]])
        try await runProgram("curl", ["-sf", "-X", "POST", "--data-binary", String(decoding: faults, as: UTF8.self), "http://127.0.0.1:\(proxy.port)/__faults__"])
    }

    /// What S3 answers a request signed for the wrong region at a path-style endpoint, and one sent
    /// to the wrong regional endpoint: moto serves every bucket in every region, so the fault proxy
    /// gives S3's own error documents.
    @Test func aBucketInAnotherRegionSaysWhichSettingToFix() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        try await world.useS3Backend(s3Endpoint: "http://127.0.0.1:\(proxy.port)")
        let location = "s3://\(Self.bucket)/\(world.stateKey)"

        try await reply(proxy, status: 400, body: """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'</Message><Region>us-east-1</Region><RequestId>R1</RequestId><HostId>H1</HostId></Error>
            """)
        let plan = await world.tfy(["plan", "cluster", "-no-color", "-backend-config", "region=eu-west-1"])
        #expect(plan.status == 1)
        #expect(plan.err == "Error: Error acquiring the state lock\n\nCannot create the lock object \(location).tflock: the bucket \"\(Self.bucket)\" is not in region eu-west-1 (S3 PutObject failed: AuthorizationHeaderMalformed: The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1' (HTTP 400, request id R1)). Set the backend's \"region\" to the bucket's region.\n\n", "\(plan.err)")
        // Not retried: a wrong region stays wrong.
        #expect(try await proxyStats(proxy)["replied"] == 1)

        try await reply(proxy, status: 301, body: """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>\(Self.bucket).s3.us-east-1.amazonaws.com</Endpoint><Bucket>\(Self.bucket)</Bucket><RequestId>R2</RequestId><HostId>H2</HostId></Error>
            """)
        let list = await world.tfy(["state", "list", "-chdir", "cluster", "-backend-config", "region=eu-west-1"])
        #expect(list.status == 1)
        #expect(list.err == "Error: Failed to load state\n\nError reading the state \(location): the bucket \"\(Self.bucket)\" is not in region eu-west-1 (S3 GetObject failed: PermanentRedirect: The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint. (HTTP 301, request id R2)). Set the backend's \"region\" to the bucket's region. The object was not modified.\n\n", "\(list.err)")
        #expect(try await proxyStats(proxy)["replied"] == 1)
        #expect(try await world.s3Object(world.stateKey) == nil)
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil)
    }

    /// A port that refuses connections: retried up to the attempts, then one clear error, quickly.
    @Test func anUnreachableEndpointFailsAfterTheRetries() async throws {
        try requireExecutable()
        let world = try await World()
        let refusing = try RefusingPort()
        let endpoint = "http://127.0.0.1:\(refusing.port)"
        try await world.useS3Backend(s3Endpoint: endpoint)
        world.extraEnvironment["AWS_MAX_ATTEMPTS"] = "3"
        world.extraEnvironment["TFY_RETRY_BASE"] = "0.01"
        let started = Date()
        let run = try world.spawnInteractive(["apply", "cluster", "-auto-approve", "-no-color"])
        try run.input.fileHandleForWriting.close()
        let failed = try await run.finished()
        let elapsed = Date().timeIntervalSince(started)
        #expect(failed.status == 1)
        let lockURL = "\(endpoint)/\(Self.bucket)/\(world.stateKey).tflock"
        #expect(failed.err == "Error: Error acquiring the state lock\n\nCannot create the lock object s3://\(Self.bucket)/\(world.stateKey).tflock: cannot reach S3 at \(endpoint) (S3 PutObject failed: Couldn't connect to server (\(lockURL)) (gave up after 3 attempts); the endpoint \(endpoint) was set by AWS_ENDPOINT_URL_S3).\n\n", "\(failed.err)")
        #expect(failed.out.isEmpty, "\(failed.out)")
        #expect(elapsed < 60, "bounded: \(elapsed) s")
        #expect(try await world.liveInstances().isEmpty, "nothing was created")

        // A read (no lock) says the same.
        let list = await world.tfy(["state", "list", "-chdir", "cluster"])
        #expect(list.status == 1)
        #expect(list.err == "Error: Failed to load state\n\nError reading the state s3://\(Self.bucket)/\(world.stateKey): cannot reach S3 at \(endpoint) (S3 GetObject failed: Couldn't connect to server (\(endpoint)/\(Self.bucket)/\(world.stateKey)) (gave up after 3 attempts); the endpoint \(endpoint) was set by AWS_ENDPOINT_URL_S3). The object was not modified.\n\n", "\(list.err)")
    }

    /// Bytes that are not a state, put there with the AWS CLI: every command that reads it stops
    /// with the parse error, and nothing is written over it.
    @Test func aCorruptStateObjectIsNeverOverwritten() async throws {
        let world = try await World()
        try await world.useS3Backend()
        let corrupt = Data("this is not JSON {\n".utf8)
        try await world.putS3Object(world.stateKey, corrupt)
        let location = "s3://\(Self.bucket)/\(world.stateKey)"

        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(apply.status == 1)
        let expected = "Error: Failed to load state\n\nError reading the state \(location): "
        #expect(apply.err == expected + "the file is not valid JSON (line 1, column 2: invalid literal, expected \"true\"); it may be truncated or corrupted. The object was not modified.\n\n", "\(apply.err)")
        #expect(apply.out.isEmpty, "\(apply.out)")
        for command in [["plan", "cluster", "-no-color"], ["state", "list", "-chdir", "cluster"]] {
            let run = await world.tfy(command)
            #expect(run.status == 1)
            #expect(run.err == apply.err, "\(command): \(run.err)")
        }
        let push = await world.tfy(["state", "push", "-", "-chdir", "cluster"], input: String(decoding: State(lineage: "11111111-2222-3333-4444-555555555555").encoded(), as: UTF8.self))
        #expect(push.status == 1)
        #expect(push.err == apply.err, "\(push.err)")

        #expect(try await world.s3Object(world.stateKey) == corrupt, "the object is as it was")
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil, "the lock was released")
        #expect(try await world.liveInstances().isEmpty, "nothing was created")
    }
}
