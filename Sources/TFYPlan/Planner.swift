/// The planner: configuration + prior state → plan. Pure: no I/O beyond what expression
/// functions read, no clock, no randomness; the same inputs give the same plan.
import TFYConfig
import TFYCore

public struct PlanRequest: Sendable {
    public var configuration: Configuration
    /// Resolved input variables (sensitive ones marked).
    public var variables: [String: Value]
    public var variableLocations: [String: SourceLocation] = [:]
    /// The refreshed prior state; nil when there is none yet.
    public var prior: State?
    public var options: PlanOptions
    public var files: FileReader
    /// Changes made outside tfy, found by refresh; shown in the plan.
    public var drift: [PlannedChange] = []
    /// Live objects of this stack the state does not track, found by refresh through their tags:
    /// adopted where the configuration has their address, warned about where it has not.
    public var untracked: [UntrackedObject] = []
    /// The existing objects the configuration's `import` blocks name, as read live for the plan
    /// (`ImportReader`): planned as imported at their `to` address.
    public var imported: [UntrackedObject] = []
    /// The key sensitive values are digested with (`SensitiveDigest`): the stack's, so that
    /// digests compare with the state's and a saved plan's. Nil: the prior state's, or, with
    /// none, a key made for this plan alone.
    public var stackKey: StackKey?
    /// The data sources read for this plan (`DataSourceReader`): a data block whose query is
    /// not here is read during apply when an argument is unknown, or an error when it is not.
    public var dataResults = DataResults()
    /// True when apply evaluates the configuration: a data source whose arguments have just
    /// become known is then read by its own operation (`Executor`), not an error here.
    public var readsDuringApply = false

    public init(configuration: Configuration, variables: [String: Value], prior: State?, options: PlanOptions, files: FileReader = FileReader()) {
        self.configuration = configuration
        self.variables = variables
        self.prior = prior
        self.options = options
        self.files = files
    }
}

/// A plan and what apply needs beside it: each instance's planned attributes with their real
/// values (secrets included — these never leave memory), and the evaluated configuration.
public struct PlanOutcome: Sendable {
    public var plan: Plan
    public var plannedValues: [ResourceAddress: [String: Value]]
    public var evaluated: EvaluatedConfiguration
}

public enum Planner {
    /// Plans `request`; nil with the errors when it cannot.
    public static func plan(_ request: PlanRequest) -> (Plan?, Diagnostics) {
        let (outcome, diagnostics) = planWithValues(request)
        return (outcome?.plan, diagnostics)
    }

    public static func planWithValues(_ request: PlanRequest) -> (PlanOutcome?, Diagnostics) {
        let key = request.stackKey ?? request.prior?.stackKey ?? StackKey.generate()
        // `moved` statements are applied to the prior state before anything is planned.
        let moves = Moves(request.configuration.moved, prior: request.prior)
        let session = PlanningSession(prior: moves.state, recorded: request.prior, previous: moves.previous, options: request.options, key: key,
                                      untracked: request.untracked, imported: request.imported)
        var diagnostics = Diagnostics()
        session.checkReplaceAddresses(request.configuration, into: &diagnostics)

        let evaluator = ConfigurationEvaluator(files: request.files, instancePlanner: session, dataResults: request.dataResults)
        let (evaluated, evaluationDiagnostics) = evaluator.evaluate(request.configuration, variables: request.variables, variableLocations: request.variableLocations)
        diagnostics.append(contentsOf: evaluationDiagnostics)
        // A destroy reads no data source: it deletes what the state records.
        if !evaluationDiagnostics.hasErrors && !request.options.destroy && !request.readsDuringApply { diagnostics.append(contentsOf: DataSourcePlan.unread(evaluated)) }
        for resource in evaluated.resources where !resource.countIsKnown && !evaluationDiagnostics.hasErrors {
            if let unknownKeys = resource.unknownKeys {
                diagnostics.append(unknownKeys)
                continue
            }
            guard resource.block.count != nil else { continue }
            diagnostics.append(.error(
                "Invalid count argument",
                detail: "The \"count\" value depends on values that cannot be determined until apply, so tfy cannot predict how many instances will be created. Use -target to first apply only the resources that the count depends on.",
                at: resource.block.count?.location, address: resource.address))
        }
        for call in evaluated.unknownModuleCounts where !evaluationDiagnostics.hasErrors {
            if let unknownKeys = call.unknownKeys {
                diagnostics.append(unknownKeys)
                continue
            }
            diagnostics.append(.error(
                "Invalid count argument",
                detail: "The \"count\" value depends on values that cannot be determined until apply, so tfy cannot predict how many instances of the module will be created. Use -target to first apply only the resources that the count depends on.",
                at: call.location, address: call.address))
        }
        if !evaluationDiagnostics.hasErrors {
            diagnostics.append(contentsOf: Moves.stillDeclared(request.configuration.moved, declared: session.visited, configuration: request.configuration))
            diagnostics.append(contentsOf: session.importProblems(request.configuration))
        }
        guard !diagnostics.hasErrors else { return (nil, diagnostics.unique) }

        var changes = session.changes
        session.addOrphans(request.configuration, moduleInstances: evaluated.moduleInstances, to: &changes)
        var outputs = plannedOutputs(evaluated, prior: request.prior, key: key, destroy: request.options.destroy)
        if request.options.destroy {
            changes = destroyChanges(moves.state, key: key)
        }
        for index in changes.indices { changes[index].previousAddress = moves.previous[changes[index].address] }
        var warnings = moves.warnings + session.unadopted(request.configuration, destroy: request.options.destroy)
        if !request.options.targets.isEmpty {
            changes = Targeting.filter(changes, targets: request.options.targets, destroy: request.options.destroy, configuration: evaluated, diagnostics: &diagnostics)
            outputs = []
            warnings.append(Targeting.warning)
        }
        diagnostics.append(contentsOf: preventDestroyViolations(changes, configuration: request.configuration))
        guard !diagnostics.hasErrors else { return (nil, diagnostics.unique) }

        var plan = Plan(
            stack: request.configuration.stack,
            prior: request.prior.map { PriorStateReference(lineage: $0.lineage, serial: $0.serial) },
            configHash: configurationHash(request.configuration),
            variables: planVariables(request, key: key),
            options: request.options,
            changes: changes.sorted { $0.address < $1.address },
            outputs: outputs.sorted { $0.name < $1.name })
        plan.warnings = warnings
        diagnostics.append(contentsOf: warnings)
        // Legacy digests the configuration's values matched are upgraded: the next state write
        // (this plan's apply) stores them in the HMAC form.
        plan.priorState = session.upgradedPrior
        if !request.options.destroy {
            plan.dataState = DataSourcePlan.state(evaluated, key: key)
            plan.dataReads = DataSourcePlan.deferredReads(evaluated, key: key)
            if !request.options.targets.isEmpty { plan.dataReads = DataSourcePlan.needed(plan.dataReads, by: plan.changes) }
        }
        plan.configuration = ConfigurationDescription.describe(request.configuration)
        plan.relevantAttributes = ConfigurationDescription.relevantAttributes(request.configuration)
        plan.drift = relevantDrift(request.drift, changes: plan.changes, relevant: plan.relevantAttributes)
        return (PlanOutcome(plan: plan, plannedValues: session.plannedValues, evaluated: evaluated), diagnostics.unique)
    }

    /// The data source queries `request` leaves unread: those whose arguments are known but
    /// that `request.dataResults` has no result for, with the addresses that ask for each. The
    /// engine reads them and asks again, until none is left (`DataSourceReader`).
    public static func pendingDataReads(_ request: PlanRequest) -> [DataQuery: [String]] {
        guard !request.configuration.dataSources.isEmpty else { return [:] }
        let key = request.stackKey ?? request.prior?.stackKey ?? StackKey.generate()
        let session = PlanningSession(prior: request.prior, options: request.options, key: key, untracked: request.untracked)
        let evaluator = ConfigurationEvaluator(files: request.files, instancePlanner: session, dataResults: request.dataResults)
        return evaluator.evaluate(request.configuration, variables: request.variables, variableLocations: request.variableLocations).0.pendingReads
    }

    /// Drift worth showing: objects that disappeared, or whose changed attributes matter to a
    /// planned change or are referenced by other configuration.
    static func relevantDrift(_ drift: [PlannedChange], changes: [PlannedChange], relevant: [RelevantAttribute]) -> [PlannedChange] {
        drift.filter { item in
            guard let after = item.after?.mapValue, let before = item.before?.mapValue else { return true }
            let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
            if changed.isEmpty { return false }
            if changes.contains(where: { $0.address == item.address && $0.action != .noOp }) { return true }
            return relevant.contains { $0.resource == item.address.resource && changed.contains($0.attribute.first ?? "") }
        }
    }

    /// SHA-256 over the configuration files' base names and bytes, in name order, so a plan made
    /// from another working directory still matches.
    public static func configurationHash(_ configuration: Configuration) -> String {
        var bytes: [UInt8] = []
        let files = configuration.sources.values.map { (($0.name as String).split(separator: "/").last.map(String.init) ?? $0.name, $0.bytes) }
        for (name, content) in files.sorted(by: { $0.0 < $1.0 }) {
            bytes += Array(name.utf8) + [0] + content + [0]
        }
        return "sha256:" + SHA256.hex(bytes)
    }

    static func planVariables(_ request: PlanRequest, key: StackKey) -> [String: PlanVariable] {
        var result: [String: PlanVariable] = [:]
        for (name, value) in request.variables {
            let sensitive = request.configuration.variables[name]?.sensitive == true || value.isSensitive
            let (redacted, _) = SensitiveDigest.redact(value.marked(sensitive), key: key)
            result[name] = PlanVariable(value: redacted, sensitive: sensitive)
        }
        return result
    }

    /// Every object the state records, deleted. The objects as refresh read them may hold secrets
    /// (a tag's value read back from EC2): a plan holds their digests.
    static func destroyChanges(_ prior: State?, key: StackKey) -> [PlannedChange] {
        (prior?.instances ?? []).filter { !$0.instance.isPendingCreate }.map { address, instance in
            PlannedChange(address: address, action: .delete, before: SensitiveDigest.redact(.map(instance.attributes), key: key).0, after: nil,
                          dependencies: instance.dependencies)
        }
    }

    static func plannedOutputs(_ evaluated: EvaluatedConfiguration, prior: State?, key: StackKey, destroy: Bool) -> [PlannedOutput] {
        var result: [PlannedOutput] = []
        let declared = evaluated.configuration.outputs
        for name in Set(declared.keys).union(prior?.outputs.keys ?? [:].keys).sorted() {
            var before = prior?.outputs[name]
            guard !destroy, let declaration = declared[name] else {
                if let before {
                    result.append(PlannedOutput(name: name, action: .delete, before: before.value, after: nil, sensitive: before.sensitive))
                }
                continue
            }
            let value = (evaluated.outputs[name] ?? .unknown).marked(declaration.sensitive)
            let (after, _) = SensitiveDigest.redact(value, key: key)
            // A legacy digest the value matches is upgraded, so it shows no change.
            if let old = before?.value { before?.value = SensitiveDigest.upgradingLegacy(old, current: value, key: key, salt: prior?.lineage ?? "") }
            let action: ChangeAction
            if let before { action = before.value == after && after.isWhollyKnown ? .noOp : .update } else { action = .create }
            result.append(PlannedOutput(name: name, action: action, before: before?.value, after: after, sensitive: declaration.sensitive))
        }
        return result
    }

    static func preventDestroyViolations(_ changes: [PlannedChange], configuration: Configuration) -> [Diagnostic] {
        changes.compactMap { change in
            guard change.action.deletes, let block = configuration.resource(at: change.address),
                  block.lifecycle.preventDestroy else { return nil }
            return .error(
                "Instance cannot be destroyed",
                detail: "Resource \(change.address) has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target option.",
                at: block.location, address: change.address.description)
        }
    }
}

/// The planner's state while the configuration is evaluated: the prior state and each change.
final class PlanningSession: InstancePlanner, @unchecked Sendable {
    let prior: State?
    let options: PlanOptions
    let key: StackKey
    private(set) var changes: [PlannedChange] = []
    private(set) var plannedValues: [ResourceAddress: [String: Value]] = [:]
    /// Every instance the configuration has.
    private(set) var visited = Set<ResourceAddress>()
    let untracked: [ResourceAddress: UntrackedObject]
    /// Objects read for `import` blocks, by their `to` address.
    let imported: [ResourceAddress: UntrackedObject]
    /// New address → the address the state recorded, for objects `moved` statements moved:
    /// `prior` holds them at the new address, `upgradedPrior` (the state as recorded) at the old.
    let previous: [ResourceAddress: ResourceAddress]

    /// `prior` is the prior state with the `moved` statements applied, `recorded` the state as it
    /// was read (and refreshed), which apply starts from and moves itself.
    init(prior: State?, recorded: State? = nil, previous: [ResourceAddress: ResourceAddress] = [:], options: PlanOptions, key: StackKey,
         untracked: [UntrackedObject] = [], imported: [UntrackedObject] = []) {
        self.prior = prior
        self.previous = previous
        self.imported = Dictionary(imported.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        self.upgradedPrior = previous.isEmpty ? prior : recorded
        self.upgradedPrior?.stackKey = key
        self.options = options
        self.key = key
        var byAddress: [ResourceAddress: UntrackedObject] = [:]
        // Two objects tagged with one address: the lowest ID is adopted, the other warned about.
        for object in untracked.sorted(by: { $0.id > $1.id }) { byAddress[object.address] = object }
        self.untracked = byAddress
        self.duplicates = untracked.filter { byAddress[$0.address]?.id != $0.id }
    }

    /// Objects tagged with an address another object of this stack already holds.
    let duplicates: [UntrackedObject]
    /// The addresses planned as adopted.
    private var adopted = Set<ResourceAddress>()

    /// Warnings for the untracked objects of this stack that are not adopted: their address is
    /// not in the configuration, the state tracks another object there, or this is a destroy
    /// (which deletes only what the state records).
    func unadopted(_ configuration: Configuration, destroy: Bool) -> [Diagnostic] {
        let left = untracked.values.filter { destroy || !adopted.contains($0.address) } + duplicates
        return left.sorted { ($0.address, $0.id) < ($1.address, $1.id) }.map { object in
            let why: String
            if destroy {
                why = "tfy destroy deletes only what the state records, so it leaves this object running."
            } else if visited.contains(object.address) {
                why = "another object is \(object.address) already, so tfy neither adopts this one nor deletes it; it is left running."
            } else {
                why = "the configuration has no \(object.address), so tfy neither adopts it into the state nor deletes it; it is left running."
            }
            return .warning("Untracked object of this stack",
                            detail: "\(object.address.type) \(object.id) is tagged tfy:stack=\(configuration.stack) and tfy:address=\(object.address), but \(why) To manage it again, put \(object.address) (back) in the configuration: the next plan adopts it. To get rid of it, terminate or delete it yourself. To keep it and stop this warning, remove its tfy:stack and tfy:address tags, as tfy state rm does.",
                            address: object.address.description)
        }
    }

    func checkReplaceAddresses(_ configuration: Configuration, into diagnostics: inout Diagnostics) {
        let known = Set((prior?.instances ?? []).map(\.address.description))
        for address in options.replace where !known.contains(address) {
            diagnostics.append(.error("Invalid -replace address", detail: "There is no resource instance \(Value.quoted(address)) in the state to replace.\(Suggestion.didYouMean(address, among: known))"))
        }
    }

    func plan(_ block: ResourceBlock, desired: [ResourceInstance], dependencies: [String]) -> [ResourceInstance] {
        let type = block.resourceType
        return desired.map { configured in
            var instance = configured
            for name in type.derivedAttributeNames.sorted() where block.attributes[name] == nil {
                instance.attributes[name] = type.derivedValue(name, configured: instance.attributes)
            }
            visited.insert(instance.address)
            let (change, planned) = planInstance(instance, block: block, type: type, dependencies: dependencies)
            changes.append(change)
            plannedValues[instance.address] = planned
            return ResourceInstance(address: instance.address, attributes: planned)
        }
    }

    /// The prior state with the legacy digests the configuration's values matched upgraded, and
    /// the key of this plan.
    private(set) var upgradedPrior: State?

    func redacted(_ value: Value) -> Value { SensitiveDigest.redact(value, key: key).0 }

    func planInstance(_ instance: ResourceInstance, block: ResourceBlock, type: any ResourceType, dependencies: [String]) -> (PlannedChange, [String: Value]) {
        let address = instance.address
        let schema = type.schema
        // Attributes tfy fills in at plan time are compared like configured values.
        let derived = type.derivedAttributeNames
        // An entry with no object yet (a create whose call may or may not have launched) is a
        // create, unless refresh found the object by its tags: then it is adopted.
        var tracked = prior?.instance(address).flatMap { $0.isPendingCreate ? nil : $0 }
        if var upgraded = tracked, let lineage = prior?.lineage {
            upgraded.attributes = SensitiveDigest.upgradingLegacy(.map(upgraded.attributes), current: .map(instance.attributes), key: key, salt: lineage).mapValue ?? upgraded.attributes
            if upgraded != tracked {
                tracked = upgraded
                upgradedPrior?.setInstance(recordedAddress(address), upgraded)
            }
        }
        let importedObject = tracked == nil ? imported[address] : nil
        let found = tracked == nil ? (importedObject ?? untracked[address]) : nil
        if found != nil, importedObject == nil { adopted.insert(address) }
        guard var prior = tracked ?? found.map({ StateInstance(indexKey: address.key, attributes: $0.attributes, dependencies: dependencies) }) else {
            return (PlannedChange(address: address, action: .create, before: nil, after: redacted(.map(instance.attributes)), dependencies: dependencies),
                    instance.attributes)
        }
        // An attribute with a default that an older tfy did not record (added to the schema since)
        // reads as that default, as Terraform upgrades a resource's state to a new schema: a new
        // setting the configuration leaves alone is no change.
        for (name, attribute) in schema.body.attributes where prior.attributes[name] == nil {
            if let value = attribute.defaultValue { prior.attributes[name] = value }
        }
        var planned = instance.attributes
        // An optional, computed attribute configured as null is left to the provider, as in
        // Terraform: `subnet_id: ${var.Subnet == "" ? null : var.Subnet}` keeps the subnet EC2 chose.
        let unset = Set(schema.body.attributes.filter { name, attribute in
            attribute.presence == .optionalComputed && (block.attributes[name] == nil || instance.nullConfigured.contains(name)) && !derived.contains(name)
        }.keys)
        for (name, attribute) in schema.body.attributes {
            let configured = !unset.contains(name) && (block.attributes[name] != nil || derived.contains(name))
            if attribute.presence == .computed || (attribute.presence == .optionalComputed && !configured) {
                planned[name] = prior.attributes[name] ?? .unknown
            } else if let priorValue = prior.attributes[name], let value = planned[name] {
                planned[name] = Self.keepingProviderDefaults(value, prior: priorValue, type: attribute.type)
            }
            if attribute.isSettable, let priorValue = prior.attributes[name] {
                let ignored = block.lifecycle.ignoreChanges.filter { $0.attribute == name }
                if block.lifecycle.ignoreAllChanges || ignored.contains(where: \.steps.isEmpty) {
                    planned[name] = priorValue
                } else {
                    for path in ignored { planned[name] = path.keepingPrior(planned: planned[name] ?? .null, prior: priorValue) }
                }
            }
        }
        for (name, value) in type.recoveredAttributes(prior) { planned[name] = value }
        // The prior object as the configuration marks it: a tag read back from EC2 (or found on
        // an adopted object) is as sensitive as the configured value it is compared with.
        let marked = Value.map(prior.attributes).markedLike(.map(planned)).mapValue ?? prior.attributes
        // The plan's prior state too: a secret an older tfy kept in clear is digested in it.
        if tracked != nil, marked != prior.attributes, var upgraded = upgradedPrior?.instance(recordedAddress(address)) {
            upgraded.attributes = marked
            upgradedPrior?.setInstance(recordedAddress(address), upgraded)
        }
        let before = redacted(.map(marked)).mapValue ?? prior.attributes
        var changed: [String] = []
        for (name, attribute) in schema.body.attributes.sorted(by: { $0.key < $1.key }) {
            let after = redacted(planned[name] ?? .null)
            let before = before[name] ?? .null
            // What the provider decides (computed, or optional and unset) is unknown only because
            // the prior object lacks it; that is no reason to change anything.
            let providerDecided = attribute.presence == .computed || unset.contains(name)
            if providerDecided, after.isUnknown { continue }
            if !after.isWhollyKnown || after.deepUnmarked != before.deepUnmarked { changed.append(name) }
        }
        let forcing = changed.filter { type.forcesReplacement($0, planned: planned) }

        var reason: ActionReason?
        if prior.status == .tainted {
            reason = .replaceBecauseTainted
        } else if options.replace.contains(address.description) {
            reason = .replaceByRequest
        } else if !forcing.isEmpty {
            reason = .replaceBecauseCannotUpdate
        }
        let action: ChangeAction
        if reason != nil {
            action = .replace(createFirst: block.lifecycle.createBeforeDestroy)
            for (name, attribute) in schema.body.attributes where attribute.presence == .computed || unset.contains(name) {
                planned[name] = .unknown
            }
        } else {
            action = changed.isEmpty ? .noOp : .update
        }
        var change = PlannedChange(
            address: address, action: action, reason: reason, before: .map(before), after: redacted(.map(planned)),
            replacePaths: reason == .replaceBecauseCannotUpdate ? forcing.map { [$0] } : [], dependencies: dependencies,
            adopting: importedObject == nil ? found?.id : nil)
        change.importing = importedObject?.id
        if action == .update { change.stopPaths = changed.filter { type.updateStopsObject($0, planned: planned) }.map { [$0] } }
        return (change, planned)
    }

    /// Nested attributes the user left to the provider (a volume's type, say) are unknown in the
    /// configuration; where the prior object has them, they keep their value instead of showing
    /// as a change.
    static func keepingProviderDefaults(_ value: Value, prior: Value, type: AttributeType) -> Value {
        switch type {
        case .value(.map):
            // No map and an empty one mean the same, as in Terraform: `tags: {}` plans no change
            // against an object whose tags EC2 reads back as none, nor no `tags` against `{}`.
            func isEmpty(_ map: Value) -> Bool { map.isNull || map.unmarked.value.mapValue?.isEmpty == true }
            return isEmpty(value) && isEmpty(prior) ? prior : value
        case .value:
            return value
        case .object(let schema):
            return keepingDefaults(value, prior: prior, schema: schema)
        case .objectList(let schema):
            guard let items = value.listValue, let priorItems = prior.listValue else { return value }
            return .list(items.enumerated().map { i, item in
                i < priorItems.count ? keepingDefaults(item, prior: priorItems[i], schema: schema) : item
            })
        }
    }

    static func keepingDefaults(_ value: Value, prior: Value, schema: ObjectSchema) -> Value {
        guard var entries = value.mapValue, let priorEntries = prior.mapValue else { return value }
        for (key, attribute) in schema.attributes where attribute.isComputed {
            if case .unknown? = entries[key], let known = priorEntries[key] { entries[key] = known }
        }
        return .map(entries)
    }

    /// Where the state as recorded holds the object planned at `address`.
    func recordedAddress(_ address: ResourceAddress) -> ResourceAddress { previous[address] ?? address }

    /// The `import` blocks that cannot be carried out, with where they are written: a `to` the
    /// configuration does not have, one the state tracks with another object, an ID the state
    /// records at another address, or an object that was not read.
    func importProblems(_ configuration: Configuration) -> [Diagnostic] {
        configuration.imports.compactMap { block -> Diagnostic? in
            if !visited.contains(block.to) {
                return .error("Configuration for import target does not exist",
                              detail: "The configuration for the given import target \(block.to) does not exist. All target instances must have an associated configuration to be imported.",
                              at: block.location, address: block.to.description)
            }
            if let existing = prior?.instance(block.to), !existing.isPendingCreate {
                let id = existing.attributes["id"]?.stringValue
                if id == block.id { return nil }
                return .error("Resource already managed by tfy",
                              detail: "The state already tracks \(block.to)\(id.map { " as \($0)" } ?? ""), not \(block.id). To import \(block.id) there, first forget the tracked object with: tfy state rm \(block.to)",
                              at: block.location, address: block.to.description)
            }
            if let other = prior?.instances.first(where: { $0.instance.attributes["id"]?.stringValue == block.id }) {
                return .error("Object already managed by tfy", detail: "\(block.id) is already in the state as \(other.address), so it cannot be imported as \(block.to) too.",
                              at: block.location, address: block.to.description)
            }
            if imported[block.to]?.id != block.id {
                return .error("Cannot import non-existent remote object", detail: ImportProblems.nonExistent(block.to), at: block.location, address: block.to.description)
            }
            return nil
        }
    }

    /// Instances in state that the configuration no longer has: deleted, with the reason.
    func addOrphans(_ configuration: Configuration, moduleInstances: Set<[ModuleStep]>, to changes: inout [PlannedChange]) {
        for (address, instance) in prior?.instances ?? [] where !visited.contains(address) && !instance.isPendingCreate {
            let reason: ActionReason
            if !address.module.isEmpty, !moduleInstances.contains(address.module) {
                reason = .deleteBecauseNoModule
            } else if let block = configuration.resource(at: address) {
                switch (address.key, block.count != nil, block.forEach != nil) {
                case (.int?, true, _): reason = .deleteBecauseCountIndex
                case (.string?, _, true): reason = .deleteBecauseEachKey
                default: reason = .deleteBecauseWrongRepetition
                }
            } else {
                reason = .deleteBecauseNoResourceConfig
            }
            changes.append(PlannedChange(address: address, action: .delete, reason: reason, before: redacted(.map(instance.attributes)), after: nil,
                                         dependencies: instance.dependencies))
        }
    }
}
