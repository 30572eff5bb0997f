import Foundation
import TFYAWS

/// Calls that many concurrent operations of one run share: an image's root device name, asked
/// once per distinct AMI and kept for the run; volumes, read in one DescribeVolumes for every
/// operation that asks while no read is under way (the next read takes everything that queued
/// meanwhile); and terminations, sent the same way in one TerminateInstances (up to 1,000 IDs),
/// so a hundred launches or deletes make a handful of calls, not a hundred.
public actor EC2Lookups {
    let ec2: EC2Client
    private var images: [String: Task<EC2Image?, any Error>] = [:]
    private var queued: [(ids: [String], continuation: CheckedContinuation<[String: EC2Volume], any Error>)] = []
    private var reading = false
    private var terminations: [(id: String, continuation: CheckedContinuation<Void, any Error>)] = []
    private var terminating = false
    /// The run's operation slots, as the first queued termination saw them: the gathering below
    /// waits until no operation holds or waits for one.
    private var gatheringSlots: OperationSlots?
    /// How long a termination waits at most for others to join it, when other operations keep
    /// their slots (a bootstrap running beside a replacement).
    static let gatheringLimit: Duration = .seconds(10)

    public init(ec2: EC2Client) { self.ec2 = ec2 }

    /// The image's root device name (`/dev/xvda`); nil when EC2 does not list the image.
    func rootDeviceName(of imageId: String) async throws -> String? {
        let task: Task<EC2Image?, any Error>
        if let pending = images[imageId] {
            task = pending
        } else {
            let ec2 = self.ec2
            task = Task { try await ec2.describeImages(ids: [imageId]).first { $0.imageId == imageId } }
            images[imageId] = task
        }
        do {
            return try await task.value?.rootDeviceName
        } catch {
            // A failed read is not kept: the next launch asks again.
            images[imageId] = nil
            throw error
        }
    }

    /// The volumes with these IDs that EC2 lists, by ID.
    func volumes(_ ids: [String]) async throws -> [String: EC2Volume] {
        guard !ids.isEmpty else { return [:] }
        return try await withCheckedThrowingContinuation { continuation in
            queued.append((ids, continuation))
            if !reading {
                reading = true
                Task { await self.readQueued() }
            }
        }
    }

    private func readQueued() async {
        while !queued.isEmpty {
            let batch = queued
            queued = []
            let ids = Set(batch.flatMap(\.ids)).sorted()
            do {
                let found = try await ec2.describeVolumes(ids: ids)
                let byId = Dictionary(found.map { ($0.volumeId, $0) }, uniquingKeysWith: { a, _ in a })
                for (wanted, continuation) in batch {
                    continuation.resume(returning: byId.filter { wanted.contains($0.key) })
                }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        reading = false
    }

    /// Terminates the instance, in one TerminateInstances with every other termination that is
    /// ready with it: the call waits until no operation of the run (`slots`) holds or waits for a
    /// slot, at most `gatheringLimit`. An ID EC2 does not know counts as terminated.
    func terminate(_ id: String, slots: OperationSlots?) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            terminations.append((id, continuation))
            if gatheringSlots == nil { gatheringSlots = slots }
            if !terminating {
                terminating = true
                Task { await self.terminateQueued() }
            }
        }
    }

    private func terminateQueued() async {
        while !terminations.isEmpty {
            // Deletes that are ready together each record their deletion first, one state write
            // at a time, and then queue here with their slot given back: once no operation holds
            // or waits for a slot, every one of them has queued, however slow the machine.
            let started = ContinuousClock.now
            while terminations.count < 1000, let slots = gatheringSlots, !(await slots.isIdle), ContinuousClock.now - started < Self.gatheringLimit {
                try? await Task.sleep(for: .milliseconds(5))
            }
            gatheringSlots = nil
            let batch = Array(terminations.prefix(1000))
            terminations.removeFirst(batch.count)
            do {
                _ = try await ec2.terminateInstances(ids: batch.map(\.id))
                for (_, continuation) in batch { continuation.resume() }
            } catch where batch.count > 1 && error.code == "InvalidInstanceID.NotFound" {
                // One unknown ID fails the whole call: each is sent alone, so the others go.
                for (id, continuation) in batch {
                    do {
                        _ = try await ec2.terminateInstances(ids: [id])
                        continuation.resume()
                    } catch where error.code == "InvalidInstanceID.NotFound" {
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } catch where error.code == "InvalidInstanceID.NotFound" {
                for (_, continuation) in batch { continuation.resume() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        terminating = false
    }
}
