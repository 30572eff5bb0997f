/// The plan: what apply will do, as data. Every renderer — human text, Markdown, Terraform's
/// JSON — reads this one document, so what `plan` prints and what `show` prints from a saved
/// plan cannot drift apart. Sensitive values in it are digests, never the secrets.
public struct Plan: Sendable, Hashable {
    /// The plan document's format; `tfy show` refuses a newer one.
    public static let formatVersion = 1

    public var formatVersion = Plan.formatVersion
    public var toolVersion = TFYVersion.current
    public var stack: String
    /// The configuration directory as given to `tfy plan` (relative to where it ran), so
    /// `tfy apply PLANFILE` finds the configuration again.
    public var directory = "."
    /// Where the state the plan was made against lives: `s3://BUCKET/KEY`, or a local file
    /// (relative to where `tfy plan` ran when it is under it). `tfy apply PLANFILE` uses that
    /// state and refuses another; nil in plans made before tfy recorded it.
    public var stateLocation: String?
    /// True for a `-refresh-only` plan: applying it only records the refreshed state.
    public var refreshOnly = false
    /// The state the plan was made against; nil when there was none yet.
    public var prior: PriorStateReference?
    /// SHA-256 over the configuration files' names and contents.
    public var configHash: String
    public var variables: [String: PlanVariable]
    public var options: PlanOptions
    /// Sorted by address.
    public var changes: [PlannedChange]
    public var outputs: [PlannedOutput]
    /// Changes made outside tfy, found by refresh.
    public var drift: [PlannedChange] = []
    public var warnings: [Diagnostic] = []
    /// The state the plan was made against, redacted as state files are.
    public var priorState: State?
    /// The data sources this plan read (`mode: "data"`, attributes redacted as state files keep
    /// them): apply records them in the state, and the plan JSON shows them in `prior_state`,
    /// as Terraform does; the plan text does not show them.
    public var dataState: [StateResource] = []
    /// Data sources whose arguments are known only after apply (action `read`), sorted by
    /// address; kept apart from `changes`, which are managed resources only.
    public var dataReads: [PlannedChange] = []
    /// The configuration as Terraform's plan JSON describes it (`configuration.root_module`).
    public var configuration: JSONValue = .object([:])
    /// Resource attributes other resources' configuration refers to.
    public var relevantAttributes: [RelevantAttribute] = []
    /// When the plan was made, as RFC 3339 in UTC (Terraform's plan `timestamp`); nil in plans
    /// made before tfy recorded it.
    public var timestamp: String?

    public init(stack: String, prior: PriorStateReference?, configHash: String, variables: [String: PlanVariable],
                options: PlanOptions, changes: [PlannedChange], outputs: [PlannedOutput]) {
        self.stack = stack
        self.prior = prior
        self.configHash = configHash
        self.variables = variables
        self.options = options
        self.changes = changes
        self.outputs = outputs
    }

    /// True when applying would change anything (resources, outputs, or the state by adopting).
    public var hasChanges: Bool {
        changes.contains(where: \.isShown) || outputs.contains { $0.action != .noOp }
    }

    /// True when a sensitive value (a digest, or one not known yet) is anywhere in the plan.
    public var containsSensitive: Bool {
        variables.values.contains { $0.sensitive || $0.value.containsSensitive }
            || (changes + drift).contains { ($0.before?.containsSensitive ?? false) || ($0.after?.containsSensitive ?? false) }
            || outputs.contains { $0.sensitive || ($0.before?.containsSensitive ?? false) || ($0.after?.containsSensitive ?? false) }
    }

    /// The counts of the summary line; `adopt` is shown only when not zero, as Terraform shows
    /// its imports.
    public var resourceChangeCount: (adopt: Int, add: Int, change: Int, destroy: Int) {
        var counts = (adopt: 0, add: 0, change: 0, destroy: 0)
        for change in changes {
            if change.adopting != nil { counts.adopt += 1 }
            if change.action.creates { counts.add += 1 }
            if change.action == .update { counts.change += 1 }
            if change.action.deletes { counts.destroy += 1 }
        }
        return counts
    }

    /// The `import` blocks this plan carries out (`N to import` in the summary, as Terraform
    /// counts them); moves are not counted, as in Terraform.
    public var importCount: Int { changes.filter { $0.importing != nil }.count }
}

public struct PriorStateReference: Sendable, Hashable {
    public var lineage: String
    public var serial: Int
    public init(lineage: String, serial: Int) {
        self.lineage = lineage
        self.serial = serial
    }
}

public struct PlanVariable: Sendable, Hashable {
    /// The value; for a sensitive variable, its digest under the stack key (`SensitiveDigest`).
    public var value: Value
    public var sensitive: Bool
    /// The text given on the command line or in the environment (`-var`, `TF_VAR_`), which
    /// Terraform's plan JSON shows as it was given: a string, whatever the variable's type.
    /// Nil for a value from a file or a default, and for a sensitive variable.
    public var text: String?
    public init(value: Value, sensitive: Bool, text: String? = nil) {
        self.value = value
        self.sensitive = sensitive
        self.text = text
    }
}

public struct PlanOptions: Sendable, Hashable {
    public var destroy = false
    public var refresh = true
    public var targets: [String] = []
    public var replace: [String] = []
    public init() {}
}

/// One step of a change as Terraform's plan JSON lists them (`"actions": ["delete", "create"]`).
public enum Action: String, Sendable, Hashable, CaseIterable {
    case noOp = "no-op", create, read, update, delete
}

/// What apply will do to one resource instance or output: a small closed set, so code asks
/// `change.action == .update` or `change.action.creates`, never compares action lists.
public enum ChangeAction: Sendable, Hashable {
    case noOp, create, read, update, delete
    /// Delete then create (`[delete, create]`), or create then delete (`[create, delete]`) for
    /// `create_before_destroy`.
    case replace(createFirst: Bool)

    /// Terraform's list form, for plan JSON and the plan document.
    public var actions: [Action] {
        switch self {
        case .noOp: return [.noOp]
        case .create: return [.create]
        case .read: return [.read]
        case .update: return [.update]
        case .delete: return [.delete]
        case .replace(let createFirst): return createFirst ? [.create, .delete] : [.delete, .create]
        }
    }

    /// The action a list of Terraform's form stands for; nil for a list no plan contains.
    public init?(actions: [Action]) {
        switch actions {
        case [.noOp]: self = .noOp
        case [.create]: self = .create
        case [.read]: self = .read
        case [.update]: self = .update
        case [.delete]: self = .delete
        case [.delete, .create]: self = .replace(createFirst: false)
        case [.create, .delete]: self = .replace(createFirst: true)
        default: return nil
        }
    }

    /// True when apply creates an object: a create or either kind of replacement.
    public var creates: Bool {
        switch self {
        case .create, .replace: return true
        default: return false
        }
    }

    /// True when apply deletes an object: a delete or either kind of replacement.
    public var deletes: Bool {
        switch self {
        case .delete, .replace: return true
        default: return false
        }
    }

    /// True for a replacement.
    public var isReplace: Bool {
        if case .replace = self { return true }
        return false
    }
}

/// Why an instance is replaced or deleted; shown to people, never used by apply.
public enum ActionReason: String, Sendable, Hashable {
    case replaceBecauseTainted = "replace_because_tainted"
    case replaceBecauseCannotUpdate = "replace_because_cannot_update"
    case replaceByRequest = "replace_by_request"
    case deleteBecauseNoResourceConfig = "delete_because_no_resource_config"
    case deleteBecauseCountIndex = "delete_because_count_index"
    case deleteBecauseEachKey = "delete_because_each_key"
    case deleteBecauseWrongRepetition = "delete_because_wrong_repetition"
    /// A data source read during apply because its configuration refers to values not known yet.
    case readBecauseConfigUnknown = "read_because_config_unknown"
    /// The module instance holding the resource is no longer in the configuration.
    case deleteBecauseNoModule = "delete_because_no_module"
}

public struct PlannedChange: Sendable, Hashable {
    public var address: ResourceAddress
    public var action: ChangeAction
    public var reason: ActionReason?
    /// The object before (from state); nil when created.
    public var before: Value?
    /// The object after; nil when deleted. Unknown parts are `.unknown`.
    public var after: Value?
    /// Attribute paths whose change forces the replacement.
    public var replacePaths: [[String]]
    /// Attributes whose in-place update stops the object and starts it again.
    public var stopPaths: [[String]] = []
    /// `type.name` of the resources this one depends on.
    public var dependencies: [String]
    /// A data source read during apply: what waits for the read (`type.name` of resources,
    /// `data.TYPE.NAME` of other data sources). Empty for a resource's change.
    public var dependents: [String] = []
    /// The ID of a live object of this stack that the state did not track and that was found by
    /// its `tfy:stack` and `tfy:address` tags: apply records it in state (`before` holds it)
    /// rather than creating the object again. Terraform's `importing`, found instead of asked for.
    public var adopting: String?
    /// The address the state recorded this object at before a `moved` block (Terraform's
    /// `previous_address`): apply records it here and retags it, never replaces it.
    public var previousAddress: ResourceAddress?
    /// The ID of the existing object an `import` block brings under this address (Terraform's
    /// `importing`): apply tags it with this stack and the address, then records it.
    public var importing: String?

    public init(address: ResourceAddress, action: ChangeAction, reason: ActionReason? = nil, before: Value?, after: Value?,
                replacePaths: [[String]] = [], dependencies: [String] = [], adopting: String? = nil) {
        self.adopting = adopting
        self.address = address
        self.action = action
        self.reason = reason
        self.before = before
        self.after = after
        self.replacePaths = replacePaths
        self.dependencies = dependencies
    }

    /// Terraform's list form of `action`.
    public var actions: [Action] { action.actions }

    public var isReplace: Bool { action.isReplace }

    /// True when the plan shows this change: it acts, adopts, imports or moves an object.
    public var isShown: Bool { action != .noOp || adopting != nil || importing != nil || previousAddress != nil }
}

public struct PlannedOutput: Sendable, Hashable {
    public var name: String
    public var action: ChangeAction
    public var before: Value?
    public var after: Value?
    public var sensitive: Bool
    public init(name: String, action: ChangeAction, before: Value?, after: Value?, sensitive: Bool) {
        self.name = name
        self.action = action
        self.before = before
        self.after = after
        self.sensitive = sensitive
    }

    /// Terraform's list form of `action`.
    public var actions: [Action] { action.actions }
}

public struct RelevantAttribute: Sendable, Hashable {
    public var resource: String
    public var attribute: [String]
    public init(resource: String, attribute: [String]) {
        self.resource = resource
        self.attribute = attribute
    }
}

extension Plan {
    /// `secondsSince1970` as RFC 3339 in UTC to the second, as Terraform writes a plan's timestamp.
    public static func timestamp(secondsSince1970 seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(second / 3_600)):\(two(second % 3_600 / 60)):\(two(second % 60))Z"
    }
}
