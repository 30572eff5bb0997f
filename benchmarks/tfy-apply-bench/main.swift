// Speed of refresh and apply against moto on 127.0.0.1 (with the tests' helpers).
// Run with `make bench`. Starts its own moto and fault proxy and stops them at the end.
import Foundation
import TFYAWS
import TFYCommands
import TFYTestSupport


typealias Helper = HelperProcess

extension HelperProcess {
    /// Starts a helper or ends the benchmark with the reason.
    static func start(_ script: String, _ arguments: [String] = []) async -> HelperProcess {
        do { return try await HelperProcess(script, arguments) } catch {
            print("\(error)")
            exit(1)
        }
    }
}

func tfy(_ arguments: [String], directory: String, environment: [String: String]) async -> (Int32, TFYCommandLine.Captured) {
    let run = await TFYCommandLine.capture(arguments, directory: directory, environment: environment)
    return (run.status, run)
}

func configuration(stack: String, instances: Int) -> String {
    """
    stack: \(stack)
    provider:
      aws: {region: us-east-1}
    resource:
      aws_security_group:
        cluster:
          name: \(stack)-cluster
          ingress:
            - {protocol: tcp, from_port: 0, to_port: 65535, cidr_blocks: ["0.0.0.0/0"]}
      aws_instance:
        node:
          count: \(instances)
          ami: ami-1ecae776
          instance_type: t2.micro
          vpc_security_group_ids: ["${aws_security_group.cluster.id}"]
          tags: {Name: "node-${count.index}"}
    """
}

/// `[DEBUG] ec2 Action ok in 12.3ms, 1 attempt` lines: (action, milliseconds).
func calls(_ log: String) -> [(String, Double)] {
    log.split(separator: "\n").compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.count >= 6, parts[0] == "[DEBUG]", parts[3] == "ok", parts[4] == "in", parts[5].hasSuffix("ms,") else { return nil }
        return (String(parts[2]), Double(parts[5].dropLast(3)) ?? 0)
    }
}

let moto = await Helper.start("moto_helper.py")
let motoPort = moto.port
defer { moto.stop() }
let base = NSTemporaryDirectory() + "tfy-apply-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: base) }
let environment = ["AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:\(moto.port)",
                   "TFY_POLL_INTERVAL": "0.05"]

let done = DispatchSemaphore(value: 0)
Task.detached {
    if ProcessInfo.processInfo.environment["BENCH_ONLY_CREATE"] == nil {
    // 1. No-change plans of 10, 100 and 1,000-instance clusters: the EC2 calls each makes (the
    // budget is three at any size), and for 1,000 the wall time against the calls' own time.
    // Setting a cluster up through `tfy apply` would spend minutes in moto's Python; instead tfy
    // creates the group, the instances are launched in one RunInstances and tagged as tfy tags
    // them, and `tfy apply` adopts them by their tags.
    var ratios: [Double] = []
    for size in [10, 100, 1000] {
    let stack = "bench-\(size)"
    let large = base + "/" + stack
    try? FileManager.default.createDirectory(atPath: large + "/cluster", withIntermediateDirectories: true)
    try? configuration(stack: stack, instances: size).write(toFile: large + "/cluster/main.yml", atomically: true, encoding: .utf8)
    let start = Date()
    let (groupStatus, _) = await tfy(["apply", "cluster", "-auto-approve", "-target", "aws_security_group.cluster"], directory: large, environment: environment)
    let state = (try? String(contentsOfFile: large + "/state/\(stack).tfstate", encoding: .utf8)) ?? ""
    let groupId = state.range(of: "\"sg-[0-9a-f]+\"", options: .regularExpression).map { String(state[$0].dropFirst().dropLast()) } ?? ""
    let ec2 = EC2Client(configuration: AWSConfiguration(credentials: AWSCredentials(accessKeyId: "AKIDBENCH", secretAccessKey: "bench"), region: "us-east-1",
                                                        endpoint: "http://127.0.0.1:\(motoPort)"))
    var request = RunInstancesRequest(imageId: "ami-1ecae776", instanceType: "t2.micro")
    request.count = size
    request.securityGroupIds = [groupId]
    let launched = (try? await ec2.runInstances(request)) ?? []
    for (index, instance) in launched.enumerated() {
        try? await ec2.createTags(resources: [instance.instanceId], tags: ["Name": "node-\(index)", "tfy:stack": stack, "tfy:address": "aws_instance.node[\(index)]"])
    }
    let (adoptStatus, _) = await tfy(["apply", "cluster", "-auto-approve"], directory: large, environment: environment)
    print(String(format: "setup: group %d, %d instances launched and tagged, apply (adoption) %d; %.1f s", groupStatus, launched.count, adoptStatus, Date().timeIntervalSince(start)))
    for _ in 0..<(size == 1000 ? 5 : 1) {
        let start = Date()
        let (status, box) = await tfy(["plan", "cluster", "-detailed-exitcode"], directory: large, environment: environment.merging(["TFY_LOG": "debug"]) { $1 })
        let wall = Date().timeIntervalSince(start) * 1000
        let made = calls(box.err)
        let motoTime = made.reduce(0) { $0 + $1.1 }
        if size == 1000 { ratios.append(wall / max(motoTime, 0.001)) }
        print(String(format: "no-change plan of %d instances: exit %d, %.0f ms wall; %d EC2 calls (%@) taking %.0f ms; wall / call time = %.2f",
                     size, status, wall, made.count, made.map(\.0).joined(separator: ", "), motoTime, wall / max(motoTime, 0.001)))
    }
    }
    print(String(format: "  median ratio %.2f", ratios.sorted()[ratios.count / 2]))
    }

    // 2. Creating 100 instances with 50 ms of latency on every call, at parallelism 10 — and the
    // same apply with no added latency, which is what moto's own processing costs on this path.
    func create(latency: Int, stack: String) async -> (Int32, Double, [(String, Double)]) {
        let proxy = await Helper.start("fault_proxy.py", [String(motoPort), "--latency-ms", String(latency)])
        defer { proxy.stop() }
        let directory = base + "/" + stack
        try? FileManager.default.createDirectory(atPath: directory + "/cluster", withIntermediateDirectories: true)
        try? configuration(stack: stack, instances: 100).write(toFile: directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
        let start = Date()
        let (status, box) = await tfy(["apply", "cluster", "-auto-approve", "-parallelism", "10"], directory: directory,
                                      environment: environment.merging(["AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:\(proxy.port)", "TFY_LOG": "debug",
                                                                         "TFY_POLL_INTERVAL": ProcessInfo.processInfo.environment["BENCH_POLL"] ?? "0.05"]) { $1 })
        return (status, Date().timeIntervalSince(start), calls(box.err))
    }
    func describe(_ made: [(String, Double)]) -> String {
        var perAction: [String: Int] = [:]
        var milliseconds: [String: Double] = [:]
        for (action, ms) in made { perAction[action, default: 0] += 1; milliseconds[action, default: 0] += ms }
        return perAction.keys.sorted().map { String(format: "%@ %d (%.0f ms)", $0, perAction[$0]!, milliseconds[$0]! / Double(perAction[$0]!)) }.joined(separator: ", ")
    }
    // Warm moto up (its first call in a region builds the default VPC) so both runs see the same server.
    _ = await create(latency: 0, stack: "bench-warm")
    let (baseStatus, baseWall, baseCalls) = await create(latency: 0, stack: "bench-fast")
    let (status, wall, made) = await create(latency: 50, stack: "bench-slow")
    // The critical path: the group's calls (tag lookup, default VPC, create, read, authorize,
    // read), then ten waves of ten RunInstances through the ten slots, then the waiter's last
    // poll. (Waiting instances give their slots back, so polls are not in the waves.)
    let criticalCalls = 6 + 10 + 1
    let critical = Double(criticalCalls) * 0.05
    print(String(format: "create 100 instances, parallelism 10, no added latency: exit %d, %.2f s (moto's own time on this path)", baseStatus, baseWall))
    print("  calls by action (mean duration as tfy saw it): " + describe(baseCalls))
    print(String(format: "create 100 instances, parallelism 10, 50 ms latency: exit %d, %.2f s; critical path %d calls × 50 ms = %.2f s; ratio %.2f",
                 status, wall, criticalCalls, critical, wall / critical))
    print("  calls by action (mean duration as tfy saw it): " + describe(made))
    print(String(format: "  time the latency added: %.2f s = %.2f × the critical path's latency", wall - baseWall, (wall - baseWall) / critical))

    // 3. Destroying the 100 instances created without latency: TerminateInstances takes up to
    // 1,000 IDs, so the target is ≤ 10 EC2 calls in all (refresh, terminations, the waiter's polls).
    let destroyStart = Date()
    let (destroyStatus, destroyed) = await tfy(["destroy", "cluster", "-auto-approve"], directory: base + "/bench-fast",
                                               environment: environment.merging(["TFY_LOG": "debug", "TFY_POLL_INTERVAL": "0.05"]) { $1 })
    let destroyCalls = calls(destroyed.err)
    print(String(format: "destroy 100 instances: exit %d, %.2f s; %d EC2 calls (target ≤ 10)", destroyStatus, Date().timeIntervalSince(destroyStart), destroyCalls.count))
    print("  calls by action (mean duration as tfy saw it): " + describe(destroyCalls))
    done.signal()
}
done.wait()
