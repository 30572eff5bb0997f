import TFYCore
import TFYState

/// The state during an apply: every change is persisted (a local file written atomically, an
/// S3 object written conditionally, or for a large S3 state a record in its journal) before the
/// operation that made it goes on, so a crash at any moment leaves a state that tells the truth.
/// `settle` folds the journal into the state when the apply ends.
///
/// Writes are group-committed: while one write is in flight, further changes from parallel
/// operations are applied in memory and go out together in the next write; each caller returns
/// once a write that includes its change has completed.
public actor StateRecorder {
    public private(set) var state: State
    let store: any StateStorage
    private var version = 0
    private var writtenVersion = 0
    /// The write in flight and the version of the state it holds.
    private var writing: (task: Task<Void, any Error>, version: Int)?

    public init(state: State, store: any StateStorage) {
        self.state = state
        self.store = store
    }

    /// Applies `change` and returns once it is persisted; `serial` moves only when content
    /// changed, unless `always`: then the state is written even so, for a step that must not
    /// start unless the backend still takes this run's writes (a deletion).
    public func update(always: Bool = false, _ change: (inout State) -> Void) async throws {
        var next = state
        change(&next)
        next.resources.removeAll { $0.instances.isEmpty }
        next.resources.sort { $0.address < $1.address }
        guard next != state || always else { return }
        next.serial = state.serial + 1
        next.tfyVersion = TFYVersion.current
        state = next
        version += 1
        try await persist(upTo: version)
    }

    /// True when every change is persisted.
    public var isPersisted: Bool { writtenVersion == version }

    /// Persists what a failed write left unsaved; throws if that fails too.
    public func flush() async throws {
        try await persist(upTo: version)
    }

    private func persist(upTo target: Int) async throws {
        while writtenVersion < target {
            if let current = writing {
                do {
                    try await current.task.value
                } catch {
                    // The next change tries again rather than waiting on a write that failed.
                    if writing?.version == current.version { writing = nil }
                    throw error
                }
                // Whoever sees a write finish records it, so no one waits on a finished write again.
                writtenVersion = max(writtenVersion, current.version)
                if writing?.version == current.version { writing = nil }
                continue
            }
            let snapshot = state, store = self.store
            writing = (Task.detached { try await store.record(snapshot) }, version)
        }
    }

    /// Persists what is not yet, then lets the store fold what it recorded beside the state
    /// (the S3 journal) into it: the apply has ended.
    public func settle() async throws {
        try await persist(upTo: version)
        try await store.settle(state)
    }

    public func instance(_ address: ResourceAddress) -> StateInstance? { state.instance(address) }

    /// Sets (or, with nil, removes) the instance at `address`.
    public func set(_ address: ResourceAddress, _ instance: StateInstance?) async throws {
        try await update { state in state.setInstance(address, instance) }
    }
}
