import Foundation
import TFYAWS
import TFYCore

/// What a resource type's provider does to real objects in one run: reads them (refresh),
/// creates, updates and deletes them.
package protocol ResourceProvider: Sendable {
    /// Reads every object of this type that the prior state tracks into `result`, with batched
    /// calls (never one per object): objects gone drop out, changed ones are drift, objects of
    /// this stack the state does not track go into `result.untracked` (the planner adopts or
    /// warns about them). `entries` are this type's instances in `prior` (possibly none; a type
    /// in `result.configuredTypes` still looks for untracked objects). By default nothing is read.
    func refresh(_ entries: [(address: ResourceAddress, instance: StateInstance)], prior: State, into result: inout Refresher.Result) async throws(AWSError)
    /// Creates the object; records it in state as soon as it exists (before waiting for it).
    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value]
    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value]
    /// Updates in place, recording through `record` a step that a run stopped half-way must
    /// find undone (an instance stopped for the update). By default as `update(_:prior:desired:)`.
    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value], record: UpdateRecorder) async throws -> [String: Value]
    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws
    /// Deletes an object whose creation did not complete; by default as any other.
    func deleteTainted(_ address: ResourceAddress, prior: [String: Value]) async throws
    /// `tfy import`: the tags of the live object `id`, or nil when there is no such live object.
    /// Only types whose objects carry the ownership tags can be imported; by default none.
    func liveTags(id: String) async throws(AWSError) -> [String: String]?
}

extension ResourceProvider {
    package func refresh(_ entries: [(address: ResourceAddress, instance: StateInstance)], prior: State, into result: inout Refresher.Result) async throws(AWSError) {}

    package func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value], record: UpdateRecorder) async throws -> [String: Value] {
        try await update(address, prior: prior, desired: desired)
    }

    package func deleteTainted(_ address: ResourceAddress, prior: [String: Value]) async throws {
        try await delete(address, prior: prior)
    }

    package func liveTags(id: String) async throws(AWSError) -> [String: String]? { nil }
}

/// How a provider records progress mid-operation: the pending create token before the call,
/// the object's ID right after it.
package struct Recorder: Sendable {
    package var pending: @Sendable (_ token: String) async throws -> Void
    package var created: @Sendable (_ attributes: [String: Value]) async throws -> Void
    package var token: String
    /// True when an earlier run began this create: the object may exist already.
    package var resumed: Bool
}

/// How an update records, before it takes a step, what the next run must finish if this one
/// stops: `marking(marker)` persists the marker on the object's state entry (nil removes it).
package struct UpdateRecorder: Sendable {
    package var marking: @Sendable (_ marker: String?) async throws -> Void
}

struct EngineError: Error, CustomStringConvertible {
    var description: String
}
