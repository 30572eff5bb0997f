// The S3 state backend against moto on 127.0.0.1: lock + read + write + unlock of a
// 1,000-instance state, its time and its S3 calls; then the S3 calls of a whole `tfy plan` and
// `tfy state push`. Run with `make bench`; starts its own moto and fault proxy.
import Foundation
import TFYAWS
import TFYCommands
import TFYCore
import TFYState
import TFYTestSupport

func start(_ script: String, _ arguments: [String] = []) async -> HelperProcess {
    do { return try await HelperProcess(script, arguments) } catch {
        print("\(error)")
        exit(1)
    }
}

/// A state as an apply of 1,000 instances leaves it: a group and 1,000 instances with every
/// attribute tfy records.
func largeState(instances: Int) -> State {
    var state = State(lineage: "0d5c2f0e-6a3b-4c1e-9f7a-1b2c3d4e5f60")
    state.serial = 1
    state.setInstance(ResourceAddress(type: "aws_security_group", name: "cluster"),
                      StateInstance(indexKey: nil, attributes: ["id": .string("sg-0123456789abcdef0"), "name": .string("bench-cluster")]))
    var resource = StateResource(type: "aws_instance", name: "node", instances: [])
    for i in 0..<instances {
        let id = String(format: "i-%017x", 0x1000 + i)
        resource.instances.append(StateInstance(indexKey: .int(i), attributes: [
            "id": .string(id), "arn": .string("arn:aws:ec2:us-east-1:123456789012:instance/\(id)"),
            "ami": .string("ami-1ecae776"), "instance_type": .string("t2.micro"), "availability_zone": .string("us-east-1a"),
            "private_ip": .string("172.31.\(i / 250).\(i % 250 + 4)"), "public_ip": .string("54.0.\(i / 250).\(i % 250 + 4)"),
            "private_dns": .string("ip-172-31-\(i / 250)-\(i % 250 + 4).ec2.internal"), "public_dns": .string("ec2-54-0-\(i / 250)-\(i % 250 + 4).compute-1.amazonaws.com"),
            "subnet_id": .string("subnet-0abc"), "instance_state": .string("running"), "associate_public_ip_address": .bool(true),
            "key_name": .string("aws-east"), "user_data_replace_on_change": .bool(false),
            "tags": .map(["Name": .string("node-\(i)")]), "vpc_security_group_ids": .list([.string("sg-0123456789abcdef0")]),
            "root_block_device": .list([.map(["volume_size": .number(8), "volume_type": .string("gp2"), "delete_on_termination": .bool(true)])]),
        ], dependencies: ["aws_security_group.cluster"]))
    }
    state.resources.append(resource)
    return state
}

func summary(_ values: [Double]) -> String {
    let sorted = values.sorted()
    return String(format: "median %.1f ms (min %.1f, max %.1f, %d runs)", sorted[sorted.count / 2] * 1000, sorted.first! * 1000, sorted.last! * 1000, sorted.count)
}

func tfy(_ arguments: [String], directory: String, environment: [String: String]) async -> (Int32, TFYCommandLine.Captured) {
    let run = await TFYCommandLine.capture(arguments, directory: directory, environment: environment)
    return (run.status, run)
}

/// `[DEBUG] s3 Action ok in 1.2ms, 1 attempt` lines, by action.
func s3Calls(_ log: String) -> [String: Int] {
    log.split(separator: "\n").reduce(into: [:]) { counts, line in
        let parts = line.split(separator: " ")
        if parts.count >= 4, parts[0] == "[DEBUG]", parts[1] == "s3", parts[4] == "in" { counts[String(parts[2]), default: 0] += 1 }
    }
}

let moto = await start("moto_helper.py")
defer { moto.stop() }
let endpoint = "http://127.0.0.1:\(moto.port)"
let bucket = "tfy-bench"
do { _ = try await awsCLI(endpoint, ["s3api", "create-bucket", "--bucket", bucket]) } catch {
    print("cannot create the bucket: \(error)")
    exit(1)
}
let state = largeState(instances: 1000)
let bytes = state.encoded()
var encodeTimes: [Double] = [], decodeTimes: [Double] = []
for _ in 0..<11 {
    var started = Date()
    _ = state.encoded()
    encodeTimes.append(Date().timeIntervalSince(started))
    started = Date()
    _ = State.decode(bytes)
    decodeTimes.append(Date().timeIntervalSince(started))
}
print("state of 1,000 instances: \(bytes.count) bytes; encode \(summary(encodeTimes)); decode \(summary(decodeTimes))")

let done = DispatchSemaphore(value: 0)
Task.detached {
    // 1. The cycle every locked command makes, through the library: lock, read, write, unlock.
    for (label, target) in [("moto", endpoint), ("moto + 50 ms latency", "")] {
        var proxy: HelperProcess?
        var url = target
        if target.isEmpty {
            proxy = await start("fault_proxy.py", [String(moto.port), "--latency-ms", "50"])
            url = "http://127.0.0.1:\(proxy!.port)"
        }
        var times: [Double] = []
        var calls: [String: CallStatistics.Entry] = [:]
        for run in 0..<(target.isEmpty ? 5 : 21) {
            let statistics = CallStatistics()
            let client = S3Client(credentials: AWSCredentials(accessKeyId: "AKIDBENCH", secretAccessKey: "bench"), region: "us-east-1", endpoint: url, statistics: statistics)
            let store = S3StateStore(client: client, bucket: bucket, key: "bench/large.tfstate")
            let started = Date()
            do {
                let lock = try await store.lock(operation: "OperationTypeApply", timeout: 0)
                var current = try await store.read() ?? state
                current.serial += 1
                try await store.write(current)
                try await lock.unlock()
            } catch {
                print("cycle failed: \(error)")
                exit(1)
            }
            if run > 0 || target.isEmpty { times.append(Date().timeIntervalSince(started)) }
            calls = statistics.snapshot
        }
        let total = calls.values.reduce(0) { $0 + $1.calls }
        let each = calls.keys.sorted().map { "\($0) \(calls[$0]!.calls)" }.joined(separator: ", ")
        print("lock + read + write + unlock, \(label): \(summary(times)); \(total) S3 calls (\(each))")
        proxy?.stop()
    }

    // 2. Whole commands: the S3 calls of a plan (no refresh) and of a state push.
    let directory = NSTemporaryDirectory() + "tfy-state-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try? FileManager.default.createDirectory(atPath: directory + "/cluster", withIntermediateDirectories: true)
    try? """
        stack: bench
        backend:
          s3: {bucket: \(bucket), key: bench/large.tfstate, region: us-east-1}
        resource:
          aws_security_group:
            cluster: {name: bench-cluster}
        """.write(toFile: directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
    let environment = ["AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL": endpoint, "TFY_LOG": "debug"]
    for (label, arguments) in [("tfy state push (1,000 instances)", ["state", "push", "large.tfstate", "-chdir", "cluster"]),
                               ("tfy plan -refresh=false (1,000 instances in state)", ["plan", "cluster", "-refresh=false"])] {
        var times: [Double] = []
        var counts: [String: Int] = [:]
        for run in 0..<7 {
            // Each push carries a newer serial, so each one writes.
            var pushed = state
            pushed.serial = 1000 + run
            try? Data(pushed.encoded()).write(to: URL(fileURLWithPath: directory + "/large.tfstate"))
            let started = Date()
            let (status, box) = await tfy(arguments, directory: directory, environment: environment)
            times.append(Date().timeIntervalSince(started))
            guard status == 0 else {
                print("\(label) failed: \(box.err)")
                exit(1)
            }
            counts = s3Calls(box.err)
        }
        let each = counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        print("\(label): \(summary(times)); \(counts.values.reduce(0, +)) S3 calls (\(each))")
    }

    // 3. An apply of 100 instances (parallelism 10) with each backend, twice each, alternating:
    // what persisting every step costs in writes and time. moto serves both EC2 and S3.
    for (run, backend) in ["local", "s3", "local", "s3"].enumerated() {
        let directory = NSTemporaryDirectory() + "tfy-state-bench-apply-\(run)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try? FileManager.default.createDirectory(atPath: directory + "/cluster", withIntermediateDirectories: true)
        try? """
            stack: bench-\(run)
            \(backend == "s3" ? "backend:\n  s3: {bucket: \(bucket), key: bench/apply-\(run).tfstate, region: us-east-1}" : "")
            provider:
              aws: {region: us-east-1}
            resource:
              aws_security_group:
                cluster: {name: bench-\(run)-cluster}
              aws_instance:
                node:
                  count: 100
                  ami: ami-1ecae776
                  instance_type: t2.micro
                  vpc_security_group_ids: ["${aws_security_group.cluster.id}"]
                  tags: {Name: "node-${count.index}"}
            """.write(toFile: directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL": endpoint, "TFY_POLL_INTERVAL": "0.05"]
        let started = Date()
        let (status, box) = await tfy(["apply", "cluster", "-auto-approve"], directory: directory, environment: environment)
        let seconds = Date().timeIntervalSince(started)
        guard status == 0 else {
            print("apply with the \(backend) backend failed: \(box.err)")
            exit(1)
        }
        let calls = box.out.split(separator: "\n").last { $0.hasPrefix("API calls: ") } ?? ""
        let puts = calls.split(separator: ",").first { $0.contains("PutObject") }?.split(separator: " ").last.flatMap { Int($0) } ?? 0
        print(String(format: "apply of 100 instances, %@ state: %.2f s%@", backend, seconds,
                     backend == "s3" ? "; \(puts - 1) state writes (PutObject minus the lock) for 101 resources" : ""))
    }
    done.signal()
}
done.wait()
