import TFYCore
import TFYState

/// The state during an apply: every change is written to disk (atomically) before the next
/// operation relies on it, so a crash at any moment leaves a state file that tells the truth.
public actor StateRecorder {
    public private(set) var state: State
    let store: LocalStateStore

    public init(state: State, store: LocalStateStore) {
        self.state = state
        self.store = store
    }

    /// Applies `change` and persists the result; `serial` moves only when content changed.
    public func update(_ change: (inout State) -> Void) throws(StateError) {
        var next = state
        change(&next)
        next.resources.removeAll { $0.instances.isEmpty }
        next.resources.sort { $0.address < $1.address }
        guard next != state else { return }
        next.serial = state.serial + 1
        next.tfyVersion = TFYVersion.current
        try store.write(next)
        state = next
    }

    public func instance(_ address: ResourceAddress) -> StateInstance? { state.instance(address) }

    /// Sets (or, with nil, removes) the instance at `address`.
    public func set(_ address: ResourceAddress, _ instance: StateInstance?) throws(StateError) {
        try update { state in state.setInstance(address, instance) }
    }
}

extension State {
    public mutating func setInstance(_ address: ResourceAddress, _ instance: StateInstance?) {
        if let r = resources.firstIndex(where: { $0.type == address.type && $0.name == address.name }) {
            resources[r].instances.removeAll { $0.indexKey == address.index }
            if let instance { resources[r].instances.append(instance) }
            resources[r].instances.sort { ($0.indexKey ?? -1) < ($1.indexKey ?? -1) }
        } else if let instance {
            resources.append(StateResource(type: address.type, name: address.name, instances: [instance]))
        }
        resources.removeAll { $0.instances.isEmpty }
        resources.sort { $0.address < $1.address }
    }
}
