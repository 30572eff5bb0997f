import Foundation
import TFYAWS

/// Waits for instances to reach a state, polling with one batched DescribeInstances for every
/// instance being waited on, however many operations are waiting.
public actor InstanceWaiter {
    struct Waiting {
        var targets: Set<String>
        var deadline: Date
        /// The time allowed, as given: the message states it (the deadline minus the start, in
        /// floating point, can come out a hair short — "timed out after 0s" for a 1 s timeout).
        var timeout: Double
        var continuation: CheckedContinuation<EC2Instance?, any Error>
    }

    let ec2: EC2Client
    let pollInterval: Double
    var waiting: [String: [Waiting]] = [:]
    var polling = false

    public init(ec2: EC2Client, pollInterval: Double = 2) {
        self.ec2 = ec2
        self.pollInterval = pollInterval
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var instanceId: String
        public var targets: Set<String>
        public var lastState: String?
        public var seconds: Double
        public var description: String {
            "timed out after \(Int(min(max(seconds, 0), 1e15)))s waiting for instance \(instanceId) to become \(targets.sorted().joined(separator: " or ")) (last seen: \(lastState ?? "not found"))"
        }
    }

    /// Returns the instance once its state is one of `targets`; nil when waiting for
    /// `terminated` and the instance is gone altogether. The waiting operation's parallelism slot
    /// is free meanwhile; with `last`, the operation makes no more calls and does not take it back.
    public nonisolated func wait(for id: String, until targets: Set<String>, timeout: Double, last: Bool = false) async throws -> EC2Instance? {
        try await OperationSlots.released(reacquire: !last) { try await self.enqueue(id, until: targets, timeout: timeout) }
    }

    func enqueue(_ id: String, until targets: Set<String>, timeout: Double) async throws -> EC2Instance? {
        try await withCheckedThrowingContinuation { continuation in
            waiting[id, default: []].append(Waiting(targets: targets, deadline: Date().addingTimeInterval(timeout), timeout: timeout, continuation: continuation))
            if !polling {
                polling = true
                Task { await self.pollLoop() }
            }
        }
    }

    var lastStates: [String: String] = [:]

    func pollLoop() async {
        while !waiting.isEmpty {
            let ids = waiting.keys.sorted()
            do {
                let found = try await ec2.describeInstances(ids: ids)
                var byId: [String: EC2Instance] = [:]
                for instance in found { byId[instance.instanceId] = instance }
                for id in ids {
                    guard var list = waiting[id] else { continue }
                    let instance = byId[id]
                    if let instance { lastStates[id] = instance.state }
                    list.removeAll { w in
                        if let instance, w.targets.contains(instance.state) {
                            w.continuation.resume(returning: instance)
                            return true
                        }
                        // Gone for good counts as terminated; just after creation it may not be visible yet.
                        if instance == nil, w.targets.contains("terminated") {
                            w.continuation.resume(returning: nil)
                            return true
                        }
                        if Date() >= w.deadline {
                            w.continuation.resume(throwing: Timeout(instanceId: id, targets: w.targets, lastState: lastStates[id], seconds: w.timeout))
                            return true
                        }
                        return false
                    }
                    waiting[id] = list.isEmpty ? nil : list
                }
            } catch {
                for (id, list) in waiting {
                    for w in list where Date() >= w.deadline { w.continuation.resume(throwing: error) }
                    waiting[id] = list.filter { Date() < $0.deadline }
                    if waiting[id]?.isEmpty == true { waiting[id] = nil }
                }
            }
            if waiting.isEmpty { break }
            try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
        }
        polling = false
    }
}
