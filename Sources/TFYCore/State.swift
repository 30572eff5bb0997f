/// What tfy knows exists: the state file's model (DESIGN §6).
///
/// Sensitive values are never stored: each is replaced by a digest (`SensitiveDigest`) and its
/// path is listed in `sensitiveAttributes`, so a change is still detected without the secret
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
    /// Sorted by `type.name`.
    public var resources: [StateResource] = []

    public init(lineage: String) { self.lineage = lineage }

    /// Every instance, sorted by address.
    public var instances: [(address: ResourceAddress, instance: StateInstance)] {
        resources.flatMap { resource in
            resource.instances.map { (ResourceAddress(type: resource.type, name: resource.name, key: $0.indexKey), $0) }
        }
    }

    public func instance(_ address: ResourceAddress) -> StateInstance? {
        resources.first { $0.type == address.type && $0.name == address.name }?
            .instances.first { $0.indexKey == address.key }
    }

    public var isEmpty: Bool { resources.allSatisfy { $0.instances.isEmpty } && outputs.isEmpty }
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
    public var mode = "managed"
    public var type: String
    public var name: String
    public var provider: String
    public var instances: [StateInstance]

    public init(type: String, name: String, instances: [StateInstance]) {
        self.type = type
        self.name = name
        self.provider = Providers.address(forResourceType: type)
        self.instances = instances
    }

    public var address: String { "\(type).\(name)" }
}

public struct StateInstance: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case tainted }

    /// The `count` index or `for_each` key; nil for a resource with neither.
    public var indexKey: InstanceKey?
    public var status: Status?
    /// The object's attributes; sensitive parts are `.sensitive(.string(digest))`.
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

/// The stand-in for a sensitive value in state and plan files: a digest salted with the state's
/// lineage, so a change is detected without storing the secret, and equal secrets in two
/// stacks do not show as equal digests.
public enum SensitiveDigest {
    public static let prefix = "sha256:"

    public static func of(_ value: Value, salt: String) -> String {
        prefix + SHA256.hex(Array((salt + "\u{0}" + JSONText.encode(value.deepUnmarked)).utf8))
    }

    /// The value with every sensitive part replaced by its digest (still marked sensitive),
    /// and the paths of those parts.
    public static func redact(_ value: Value, salt: String, path: [JSONValue] = []) -> (Value, [[JSONValue]]) {
        switch value {
        case .sensitive(let inner):
            if case .string(let s) = inner, s.hasPrefix(prefix) { return (value, [path]) }
            if case .unknown = inner { return (value, [path]) }
            return (.sensitive(.string(of(inner, salt: salt))), [path])
        case .list(let items):
            var paths: [[JSONValue]] = []
            let redacted = items.enumerated().map { i, item -> Value in
                let (v, p) = redact(item, salt: salt, path: path + [.int(i)])
                paths += p
                return v
            }
            return (.list(redacted), paths)
        case .map(let entries):
            var paths: [[JSONValue]] = []
            var redacted: [String: Value] = [:]
            for key in entries.keys.sorted() {
                let (v, p) = redact(entries[key]!, salt: salt, path: path + [.string(key)])
                paths += p
                redacted[key] = v
            }
            return (.map(redacted), paths)
        default:
            return (value, [])
        }
    }
}

extension State {
    /// Sets (or, with nil, removes) the instance at `address`, keeping resources sorted.
    public mutating func setInstance(_ address: ResourceAddress, _ instance: StateInstance?) {
        if let r = resources.firstIndex(where: { $0.type == address.type && $0.name == address.name }) {
            resources[r].instances.removeAll { $0.indexKey == address.key }
            if let instance { resources[r].instances.append(instance) }
            resources[r].instances.sort { InstanceKey.precedes($0.indexKey, $1.indexKey) }
        } else if let instance {
            resources.append(StateResource(type: address.type, name: address.name, instances: [instance]))
        }
        resources.removeAll { $0.instances.isEmpty }
        resources.sort { $0.address < $1.address }
    }
}
