import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Killed runs, interrupts and injected faults: whatever happens, the state tells the truth and
/// the next apply finishes the job with no orphan and no duplicate.
@Suite(.timeLimit(.minutes(30)))
struct CrashAndFaultTests {
    /// Every live instance of the stack is in state under its own address, and nothing else is.
    func expectConsistent(_ world: World, count: Int? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let live = try await world.liveInstances()
        // Creates whose call failed stay recorded with their client token (no object yet).
        let recorded = try world.stateInstances().filter { $0.value != "(none)" }
        #expect(Set(live.map(\.id)) == Set(recorded.values), sourceLocation: sourceLocation)
        #expect(Set(live.map(\.name)).count == live.count, "no duplicated names", sourceLocation: sourceLocation)
        if let count {
            #expect(live.count == count, sourceLocation: sourceLocation)
            #expect(recorded.count == count, sourceLocation: sourceLocation)
        }
    }

    /// Sends `signal` to `process` once it holds the state lock and its state records at least
    /// `instances` instances with an ID, and waits for it to exit (killed if it has not within
    /// `programTimeout`). Driven by what the apply has done rather than by time, so the signal lands
    /// mid-apply however fast or loaded the machine is. The state is watched, and the signal sent,
    /// from a thread of its own: a watcher on Swift's concurrency pool, busy with other tests,
    /// can wake long after the moment and signal a run that has already finished. A run that ends
    /// first, or never gets there within `deadline` seconds, fails the test: a signal that lands
    /// on nothing proves nothing.
    func signal(_ process: Process, _ signal: Int32, whenStateRecords instances: Int, _ world: World, deadline seconds: TimeInterval = programTimeout) async throws {
        let command = "tfy \(process.arguments?.joined(separator: " ") ?? "")"
        let statePath = world.statePath
        let outcome: String? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(seconds)
                while true {
                    if StateLock.holder(statePath: statePath)?.pid == process.processIdentifier, Self.recordedInstances(statePath) >= instances {
                        kill(process.processIdentifier, signal)
                        return continuation.resume(returning: nil)
                    }
                    if !process.isRunning { return continuation.resume(returning: "\(command) ended (status \(process.terminationStatus)) before its state recorded \(instances) instance(s)") }
                    if Date() >= deadline { return continuation.resume(returning: "\(command) did not hold the lock with \(instances) instance(s) recorded within \(Int(seconds)) s") }
                    usleep(2_000)
                }
            }
        }
        if let outcome {
            kill(process.processIdentifier, SIGKILL)
            try await waitForExit(process, name: command)
            throw HelperError(description: outcome)
        }
        try await waitForExit(process, name: "\(command) after signal \(signal)")
    }

    /// How many aws_instance objects the state file records with an ID (read as an independent
    /// reader would: the JSON on disk).
    static func recordedInstances(_ path: String) -> Int {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resources = json["resources"] as? [[String: Any]] else { return 0 }
        return resources.filter { $0["type"] as? String == "aws_instance" }
            .flatMap { ($0["instances"] as? [[String: Any]]) ?? [] }
            .filter { (($0["attributes"] as? [String: Any])?["id"] as? String) != nil }.count
    }

    /// The killed run's lock file is left behind (the kill landed while it held the lock), but
    /// no process holds the lock any more: it died with its holder, so the next run takes it
    /// over without a force-unlock.
    func expectLockDiedWithItsHolder(_ world: World, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(FileManager.default.fileExists(atPath: StateLock.lockPath(forState: world.statePath)), "the killed run left its lock file", sourceLocation: sourceLocation)
        #expect(StateLock.holder(statePath: world.statePath) == nil, "no process holds the lock", sourceLocation: sourceLocation)
    }

    @Test func killedMidApplyTheNextApplyAdoptsWhatExists() async throws {
        try requireExecutable()
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--latency-ms", "150"])
        var countsAfterKills: [Int] = []
        // Each run is killed once the state records a few more instances: RunInstances calls are
        // in flight then, some launched and not yet recorded.
        for threshold in [3, 9, 15] {
            let process = try world.spawn(["apply", "cluster", "-auto-approve", "-var", "machines=20"], endpoint: "http://127.0.0.1:\(proxy.port)")
            try await signal(process, SIGKILL, whenStateRecords: threshold, world)
            expectLockDiedWithItsHolder(world)
            countsAfterKills.append(try await world.liveInstances().count)
        }
        // The kills landed mid-apply: some instances existed, not yet all.
        #expect(countsAfterKills.contains { $0 > 0 && $0 < 20 }, "\(countsAfterKills)")
        let finished = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-no-color"])
        #expect(finished.status == 0, "\(finished.err)")
        try await expectConsistent(world, count: 20)
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=20", "-detailed-exitcode"]).status == 0)
    }

    @Test func interruptStopsSchedulingAndTheNextApplyFinishes() async throws {
        try requireExecutable()
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--latency-ms", "150"])
        let run = try world.spawnInteractive(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-parallelism", "4", "-no-color"],
                                             endpoint: "http://127.0.0.1:\(proxy.port)")
        try run.input.fileHandleForWriting.close()
        try await signal(run.process, SIGINT, whenStateRecords: 6, world)
        let interrupted = try await run.finished()
        #expect(interrupted.status == 1)
        // tfy really started applying, saw the interrupt and stopped: not a run that failed at start.
        #expect(interrupted.out.contains("aws_instance.master[0]: Creating..."), "\(interrupted.out)")
        #expect(interrupted.err.hasPrefix("\nInterrupt received.\nPlease wait for tfy to exit or data loss may occur.\nGracefully shutting down...\n"), "\(interrupted.err)")
        #expect(interrupted.err.contains("Error: Apply interrupted\n\ntfy stopped starting new operations after the interrupt;"), "\(interrupted.err)")
        #expect(StateLock.holder(statePath: world.statePath) == nil, "a graceful stop releases the lock")
        try await expectConsistent(world)
        #expect(try await world.liveInstances().count < 20)
        let finished = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20"])
        #expect(finished.status == 0, "\(finished.err)")
        try await expectConsistent(world, count: 20)
    }

    @Test func throttlingAndLatencyStillApplyCorrectly() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--throttle", "0.3", "--latency-ms", "200", "--seed", "5"])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        world.extraEnvironment = ["TFY_RETRY_BASE": "0.05", "TFY_LOG": "debug"]
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 21 added, 0 changed, 0 destroyed."))
        // Every request the proxy throttled was retried as throttled, and the run's API-calls line
        // counts every retry the debug log shows. (How many requests there are, and so how many the
        // seeded proxy throttles, depends on how often the waiter polled.)
        let throttled = try #require(try await proxyStats(proxy)["throttled"])
        #expect(throttled > 0)
        let retries = applied.err.split(separator: "\n").filter { $0.hasPrefix("[DEBUG] ec2 ") && $0.contains("; retrying in ") }
        #expect(retries.filter { $0.contains(" failed (RequestLimitExceeded); retrying in ") }.count == throttled, "\(retries)")
        #expect(reportedRetries(applied.out) == retries.count, "\(applied.out.suffix(300))")
        try await expectConsistent(world, count: 20)
    }

    @Test func permanentServerErrorsFailCleanly() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--error5xx", "1.0"])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        world.extraEnvironment = ["AWS_MAX_ATTEMPTS": "3", "TFY_RETRY_BASE": "0.01"]
        let failed = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=5", "-refresh=false", "-no-color"])
        #expect(failed.status == 1)
        #expect(failed.err.contains("gave up after 3 attempts"))
        try await expectConsistent(world, count: 3)
        #expect(StateLock.holder(statePath: world.statePath) == nil)
    }
}
