/// What tfy knows exists: the state file's model (DESIGN §6).
///
/// Sensitive values are never stored: each is replaced by a digest (`SensitiveDigest`) and its
/// path is listed in `sensitive_attributes`, so a change is still detected without the secret
/// touching the disk.
public struct State: Sendable, Hashable {
    /// The state format this tfy writes; a newer one is refused.
    public static let formatVersion = 1

    public var version = State.formatVersion
    public var tfyVersion = TFYVersion.current
    public var serial = 0
    /// Identifies one state's history; a plan or a push from another lineage is refused.
    public var lineage: String
    /// The stack whose objects this state records; nil in states written before tfy recorded
    /// it (they get it on their next write). A state is never used with another stack's
    /// configuration.
    public var stack: String?
    public var outputs: [String: StateOutput] = [:]
    /// Sorted by address (module path, then `type.name`).
    public var resources: [StateResource] = []
    /// The data sources the last plan or apply read (`mode: "data"`), sorted by `type.name`.
    /// Kept apart from `resources`: refresh, plan and destroy never treat them as objects to
    /// manage, and every plan reads them again rather than trusting these values.
    public var dataResources: [StateResource] = []

    /// The key this state's digests are made with when it is written (`SensitiveDigest`): kept
    /// beside the state by its storage, never in it, and no part of the state's value (two
    /// states that differ only in it are equal). Nil when none is known: a write then digests
    /// with a key made for that write alone, so a secret still never reaches the file.
    public var stackKey: StackKey? {
        get { keySlot.key }
        set { keySlot.key = newValue }
    }
    var keySlot = KeySlot()

    public init(lineage: String) { self.lineage = lineage }

    /// Every instance, sorted by address.
    public var instances: [(address: ResourceAddress, instance: StateInstance)] {
        resources.flatMap { resource in
            resource.instances.map { (ResourceAddress(module: resource.module, type: resource.type, name: resource.name, key: $0.indexKey), $0) }
        }
    }

    public func instance(_ address: ResourceAddress) -> StateInstance? {
        resources.first { $0.module == address.module && $0.type == address.type && $0.name == address.name }?
            .instances.first { $0.indexKey == address.key }
    }

    /// True when an HMAC digest (not a legacy one) is anywhere in the state: those need the
    /// stack key to be compared.
    public var holdsKeyedDigests: Bool {
        let keyed = { (value: Value) in SensitiveDigest.isDigest(value) && !SensitiveDigest.isLegacy(value) }
        return outputs.values.contains { SensitiveDigest.contains($0.value, where: keyed) }
            || instances.contains { SensitiveDigest.contains(.map($0.instance.attributes), where: keyed) }
    }

    public var isEmpty: Bool { resources.allSatisfy { $0.instances.isEmpty } && outputs.isEmpty }
}

/// Holds a state's stack key outside its value: every two slots are equal.
struct KeySlot: Sendable, Hashable {
    var key: StackKey?
    static func == (a: KeySlot, b: KeySlot) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}

public struct StateOutput: Sendable, Hashable {
    public var value: Value
    public var sensitive: Bool
    public init(value: Value, sensitive: Bool) {
        self.value = value
        self.sensitive = sensitive
    }
}

public struct StateResource: Sendable, Hashable {
    /// The module instance the resource belongs to; empty in the root module.
    public var module: [ModuleStep] = []
    public var mode = "managed"
    public var type: String
    public var name: String
    public var provider: String
    public var instances: [StateInstance]

    public init(module: [ModuleStep] = [], type: String, name: String, instances: [StateInstance]) {
        self.module = module
        self.type = type
        self.name = name
        self.provider = Providers.address(forResourceType: type)
        self.instances = instances
    }

    public var address: String { "\(module.map { "\($0)." }.joined())\(type).\(name)" }

    /// The position of the one instance keyed `key`, found by binary search: nil unless the
    /// instances around it are in key order and no neighbour has the same key.
    func sortedIndex(of key: InstanceKey?) -> Int? {
        var low = 0, high = instances.count
        while low < high {
            let middle = (low + high) / 2
            if InstanceKey.precedes(instances[middle].indexKey, key) { low = middle + 1 } else { high = middle }
        }
        guard low < instances.count, instances[low].indexKey == key,
              low == 0 || InstanceKey.precedes(instances[low - 1].indexKey, key),
              low + 1 == instances.count || InstanceKey.precedes(key, instances[low + 1].indexKey) else { return nil }
        return low
    }

    /// Orders resources as state files list them: by module path, then type and name.
    public static func precedes(_ a: StateResource, _ b: StateResource) -> Bool {
        ResourceAddress(module: a.module, type: a.type, name: a.name, key: nil) < ResourceAddress(module: b.module, type: b.type, name: b.name, key: nil)
    }
}

public struct StateInstance: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case tainted }

    /// The `count` index or `for_each` key; nil for a resource with neither.
    public var indexKey: InstanceKey?
    public var status: Status?
    /// The object's attributes; sensitive parts are their values in memory, digests
    /// (`SensitiveDigest`) once written or read.
    public var attributes: [String: Value]
    /// `type.name` of every resource this one depended on when it was last written, so destroy
    /// can order it without configuration.
    public var dependencies: [String]
    public var createBeforeDestroy: Bool
    /// Provider-private data (e.g. the RunInstances client token); never shown.
    public var privateData: String?
    /// Objects replaced with create-before-destroy whose deletion is still pending.
    public var deposed: [[String: Value]] = []

    /// A create recorded before its call (the client token) whose object is not known yet.
    public var isPendingCreate: Bool { attributes["id"] == nil && pendingClientToken != nil }

    /// The private data's entries, `;`-separated: `key=value` records (`created_at=`,
    /// `client_token=`) and bare markers.
    var privateEntries: [Substring] { privateData.map { $0.split(separator: ";") } ?? [] }

    /// When tfy recorded the object as created (seconds since 1970), from `created_at=` in the
    /// private data; nil for objects recorded before tfy kept it. An object EC2 does not list
    /// within a grace window after this is not yet visible, not gone.
    public var createdAt: Double? {
        privateEntries.first { $0.hasPrefix("created_at=") }.flatMap { Double($0.dropFirst("created_at=".count)) }
    }

    /// Provider-private markers, recorded before a step whose interruption the next run must
    /// know about.
    public enum Marker {
        /// The object's deletion was recorded before the delete call (conditionally, for remote
        /// state): a refused write stops the run before anything is deleted.
        public static let deleting = "deleting"
        /// tfy stopped the instance to update it; the next plan starts it if it is still stopped.
        public static let stoppedForUpdate = "stopped_for_update"
        /// The create failed after the object existed: it stays tainted, to be replaced.
        public static let createFailed = "create_failed"
    }

    /// True when `marker` is recorded.
    public func isMarked(_ marker: String) -> Bool { privateEntries.contains { $0 == marker } }

    /// Records `marker` as the only marker (nil: none), keeping the `key=value` records.
    public mutating func setMarker(_ marker: String?) {
        let kept = privateEntries.filter { $0.contains("=") }.map(String.init) + (marker.map { [$0] } ?? [])
        privateData = kept.isEmpty ? nil : kept.joined(separator: ";")
    }

    /// The client token of a pending create.
    public var pendingClientToken: String? {
        guard let text = privateEntries.first(where: { $0.hasPrefix("client_token=") }) else { return nil }
        return String(text.dropFirst("client_token=".count))
    }

    public init(indexKey: InstanceKey?, status: Status? = nil, attributes: [String: Value], dependencies: [String] = [],
                createBeforeDestroy: Bool = false, privateData: String? = nil) {
        self.indexKey = indexKey
        self.status = status
        self.attributes = attributes
        self.dependencies = dependencies
        self.createBeforeDestroy = createBeforeDestroy
        self.privateData = privateData
    }
}

/// Provider addresses as Terraform writes them, so tools reading state or plan JSON recognise them.
public enum Providers {
    public static func address(forResourceType type: String) -> String {
        type.hasPrefix("aws_") ? "provider[\"registry.terraform.io/hashicorp/aws\"]" : "provider[\"tfy.dev/builtin/tfy\"]"
    }

    public static func name(forResourceType type: String) -> String {
        type.hasPrefix("aws_") ? "registry.terraform.io/hashicorp/aws" : "tfy.dev/builtin/tfy"
    }

    public static func configKey(forResourceType type: String) -> String {
        type.hasPrefix("aws_") ? "aws" : "tfy"
    }
}

/// The stand-in for a sensitive value in state and plan files: HMAC-SHA256 of its canonical JSON
/// under the stack key (`StackKey`), so a change is detected without storing the secret, a
/// state or plan file alone cannot confirm a guess, and equal secrets in two stacks do not show
/// as equal digests.
///
/// In files a digest is the object `{"hmac-sha256": "<64 hex digits>"}` at a path the value marks
/// sensitive; every sensitive path holds one, since sensitive values are never written. In
/// memory it is that object marked sensitive twice, a form no value from configuration or AWS
/// takes (`Value.marked` never marks twice), so no user value, whatever its text, is mistaken
/// for a digest and kept verbatim.
///
/// States written before the stack key hold legacy digests: the string `sha256:<hex>` of
/// SHA-256 over the lineage, a NUL and the canonical JSON. They are read (in memory, the string
/// marked twice), compared by the planner with that old formula, and replaced with an HMAC
/// digest when the state is next written with the value known.
public enum SensitiveDigest {
    /// The digest object's one member.
    public static let field = "hmac-sha256"
    /// The legacy digest's prefix.
    public static let legacyPrefix = "sha256:"

    /// The digest of `value` under `key`, as state and plans keep it.
    public static func of(_ value: Value, key: StackKey) -> Value {
        .sensitive(.sensitive(.map([field: .string(key.hexDigest(value))])))
    }

    /// The legacy (lineage-salted SHA-256) digest of `value`, as older tfy wrote it.
    public static func legacy(_ value: Value, salt: String) -> Value {
        .sensitive(.sensitive(.string(legacyPrefix + SHA256.hex(Array((salt + "\u{0}" + JSONText.encode(value.deepUnmarked)).utf8)))))
    }

    /// True for a digest (either form) in its in-memory form.
    public static func isDigest(_ value: Value) -> Bool {
        guard case .sensitive(.sensitive(let inner)) = value else { return false }
        return isDigestShaped(inner)
    }

    /// True for a legacy digest in its in-memory form.
    public static func isLegacy(_ value: Value) -> Bool {
        guard case .sensitive(.sensitive(.string(let text))) = value else { return false }
        return isDigestShaped(.string(text))
    }

    /// True for the JSON shapes of a digest: the object with `field`, or a legacy string.
    static func isDigestShaped(_ value: Value) -> Bool {
        func isHex(_ text: String) -> Bool { text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }
        switch value {
        case .map(let entries):
            guard entries.count == 1, case .string(let hex)? = entries[field] else { return false }
            return isHex(hex)
        case .string(let text):
            return text.hasPrefix(legacyPrefix) && isHex(String(text.dropFirst(legacyPrefix.count)))
        default:
            return false
        }
    }

    /// A value read from a state or plan file, with each sensitive part that has a digest's shape
    /// turned into a digest. Only file readers call this: in a file every sensitive path holds a
    /// digest, since sensitive values are never written.
    public static func recognised(_ value: Value) -> Value {
        switch value {
        case .sensitive(let inner):
            if isDigestShaped(inner) { return .sensitive(.sensitive(inner)) }
            return .sensitive(recognised(inner))
        case .list(let items): return .list(items.map(recognised))
        case .map(let entries): return .map(entries.mapValues(recognised))
        default: return value
        }
    }

    /// The value with every sensitive part replaced by its digest under `key` (digests already
    /// made, and sensitive values not known yet, stay as they are), and the paths of those parts.
    public static func redact(_ value: Value, key: StackKey, path: [JSONValue] = []) -> (Value, [[JSONValue]]) {
        // Most values hold no secret: a walk that allocates nothing says so, and they are kept as they are.
        guard value.containsSensitive else { return (value, []) }
        switch value {
        case .sensitive(let inner):
            if isDigest(value) { return (value, [path]) }
            if case .unknown = inner { return (value, [path]) }
            return (of(inner, key: key), [path])
        case .list(let items):
            var paths: [[JSONValue]] = []
            let redacted = items.enumerated().map { i, item -> Value in
                let (v, p) = redact(item, key: key, path: path + [.int(i)])
                paths += p
                return v
            }
            return (.list(redacted), paths)
        case .map(let entries):
            var paths: [[JSONValue]] = []
            var redacted: [String: Value] = [:]
            for name in entries.keys.sorted() {
                let (v, p) = redact(entries[name]!, key: key, path: path + [.string(name)])
                paths += p
                redacted[name] = v
            }
            return (.map(redacted), paths)
        default:
            return (value, [])
        }
    }

    /// `prior` with each legacy digest that `current` (the value now, secrets included) matches
    /// under the old formula replaced by `current`'s HMAC digest: the first plan after an upgrade
    /// sees no change, and the next state write stores the new form. A legacy digest that does
    /// not match, or whose value is not known, is left as it is (and so shows as a change).
    public static func upgradingLegacy(_ prior: Value, current: Value, key: StackKey, salt: String) -> Value {
        if isLegacy(prior) {
            guard current.isWhollyKnown, !isDigest(current) else { return prior }
            let now = current.unmarked.value
            // A sensitive value that itself read like a digest (a bootstrap's `triggers`, digests
            // of its scripts and files) was kept verbatim by older tfy: it is the value, not a digest.
            if case .sensitive(.sensitive(.string(let kept))) = prior, now.deepUnmarked == .string(kept) { return of(now, key: key) }
            return legacy(now, salt: salt) == prior ? of(now, key: key) : prior
        }
        switch (prior, current.unmarked.value) {
        case (.list(let items), .list(let now)):
            return .list(items.enumerated().map { i, item in i < now.count ? upgradingLegacy(item, current: now[i], key: key, salt: salt) : item })
        case (.map(let entries), .map(let now)):
            var upgraded = entries
            for (name, item) in entries { if let value = now[name] { upgraded[name] = upgradingLegacy(item, current: value, key: key, salt: salt) } }
            return .map(upgraded)
        case (.sensitive(let inner), _):
            return .sensitive(upgradingLegacy(inner, current: current, key: key, salt: salt))
        default:
            return prior
        }
    }

    /// True when a legacy or HMAC digest appears anywhere in the value.
    public static func contains(_ value: Value, where predicate: (Value) -> Bool = isDigest) -> Bool {
        if predicate(value) { return true }
        switch value.unmarked.value {
        case .list(let items): return items.contains { contains($0, where: predicate) }
        case .map(let entries): return entries.values.contains { contains($0, where: predicate) }
        default: return false
        }
    }
}

extension State {
    /// Sets (or, with nil, removes) the instance at `address`, keeping resources sorted.
    /// Records a data source's instance (`mode: "data"`, read during apply), replacing what was
    /// recorded at its address.
    public mutating func setDataInstance(_ address: ResourceAddress, _ instance: StateInstance) {
        if let r = dataResources.firstIndex(where: { $0.module == address.module && $0.type == address.type && $0.name == address.name }) {
            dataResources[r].instances.removeAll { $0.indexKey == address.key }
            dataResources[r].instances.append(instance)
            dataResources[r].instances.sort { InstanceKey.precedes($0.indexKey, $1.indexKey) }
        } else {
            var resource = StateResource(module: address.module, type: address.type, name: address.name, instances: [instance])
            resource.mode = "data"
            dataResources.append(resource)
        }
        dataResources.sort(by: StateResource.precedes)
    }

    public mutating func setInstance(_ address: ResourceAddress, _ instance: StateInstance?) {
        let found = resources.firstIndex { $0.module == address.module && $0.type == address.type && $0.name == address.name }
        // The common case, refresh or apply recording an object the state already holds, replaces
        // it in place: found by binary search (a resource's instances are kept sorted by key),
        // with no copy or sort of the others, which made recording 10,000 instances quadratic.
        // What follows does the same, for any case.
        if let r = found, let instance, let i = resources[r].sortedIndex(of: address.key), !resources.contains(where: \.instances.isEmpty) {
            resources[r].instances[i] = instance
            return
        }
        if let r = found {
            resources[r].instances.removeAll { $0.indexKey == address.key }
            if let instance { resources[r].instances.append(instance) }
            resources[r].instances.sort { InstanceKey.precedes($0.indexKey, $1.indexKey) }
        } else if let instance {
            resources.append(StateResource(module: address.module, type: address.type, name: address.name, instances: [instance]))
        }
        resources.removeAll { $0.instances.isEmpty }
        resources.sort(by: StateResource.precedes)
    }
}
