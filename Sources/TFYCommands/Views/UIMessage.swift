import Foundation
import TFYAWS
import TFYCore
import TFYEngine
import TFYRender

/// One message of Terraform's machine-readable UI (`terraform plan -json`, `apply -json`): a
/// JSON object on a line of its own with the keys every message has — `@level`, `@message`,
/// `@module`, `@timestamp`, `type` — and those of its type. The messages are built here from
/// tfy's plans and events, with Terraform's field names, shapes and `@message` texts, so tools
/// written for Terraform's stream read tfy's.
struct UIMessage: Equatable {
    /// `@module` of every message: Terraform's is `terraform.ui`.
    static let module = "tfy.ui"
    /// The version of the message schema: Terraform 1.11's, whose messages these are.
    static let schemaVersion = "1.2"

    /// `info`, or `error`/`warn` for a diagnostic.
    var level = "info"
    var message: String
    var type: String
    /// The keys of this type of message.
    var fields: [String: JSONValue] = [:]

    /// The message as its line, stamped `timestamp`.
    func line(at timestamp: String) -> String {
        var object = fields
        object["@level"] = .string(level)
        object["@message"] = .string(message)
        object["@module"] = .string(Self.module)
        object["@timestamp"] = .string(timestamp)
        object["type"] = .string(type)
        return JSONValue.object(object).compact() + "\n"
    }
}

extension UIMessage {
    /// The first message of every stream. `terraform` carries tfy's version (tools read the
    /// version from there), and `tfy` says which program wrote the stream.
    static var version: UIMessage {
        UIMessage(message: "tfy \(TFYVersion.current)", type: "version",
                  fields: ["terraform": .string(TFYVersion.current), "tfy": .string(TFYVersion.current), "ui": .string(schemaVersion)])
    }

    /// An unstructured line (a key fetched from the backend, a cancelled apply).
    static func log(_ text: String) -> UIMessage {
        UIMessage(message: text, type: "log")
    }

    /// A warning or an error, with its source range and line when it has a location.
    static func diagnostic(_ diagnostic: Diagnostic, renderer: DiagnosticRenderer) -> UIMessage {
        let error = diagnostic.severity == .error
        return UIMessage(level: error ? "error" : "warn", message: "\(error ? "Error" : "Warning"): \(diagnostic.summary)", type: "diagnostic",
                         fields: ["diagnostic": renderer.json(diagnostic)])
    }

    // MARK: Plans

    /// The messages of a plan, in Terraform's order: what changed outside tfy, each planned
    /// change, the summary, the outputs' planned actions, then the plan's warnings.
    static func plan(_ plan: Plan, renderer: DiagnosticRenderer) -> [UIMessage] {
        var messages = plan.drift.filter { $0.action != .noOp || plan.refreshOnly }.map(drift)
        messages += plannedChanges(plan)
        let counts = plan.resourceChangeCount
        messages.append(changeSummary(add: counts.add, change: counts.change, remove: counts.destroy, adopt: counts.adopt, imported: plan.importCount, operation: "plan"))
        if let outputs = plannedOutputs(plan.outputs) { messages.append(outputs) }
        messages += plan.warnings.map { diagnostic($0, renderer: renderer) }
        return messages
    }

    /// Every `planned_change` of a plan: the data sources read during apply (Terraform's
    /// `data.…: Plan to read`), then the resources' changes.
    static func plannedChanges(_ plan: Plan) -> [UIMessage] {
        plan.dataReads.map { read in
            var object = changeObject(read)
            if case .object(var fields) = object.json {
                fields["resource"] = resource(read.address, data: true)
                object.json = .object(fields)
            }
            return UIMessage(message: "data.\(read.address): Plan to read", type: "planned_change", fields: ["change": object.json])
        } + plan.changes.compactMap(plannedChange)
    }

    /// `planned_change`, for a change that does something (an adoption is Terraform's import);
    /// nil for one that changes nothing.
    static func plannedChange(_ change: PlannedChange) -> UIMessage? {
        guard change.isShown else { return nil }
        let object = changeObject(change)
        return UIMessage(message: "\(change.address): Plan to \(object.action)", type: "planned_change", fields: ["change": object.json])
    }

    /// `resource_drift`: an object changed (`update`) or deleted (`delete`) outside tfy.
    static func drift(_ change: PlannedChange) -> UIMessage {
        let object = changeObject(change)
        return UIMessage(message: "\(change.address): Drift detected (\(object.action))", type: "resource_drift", fields: ["change": object.json])
    }

    /// The `change` object of `planned_change` and `resource_drift`, and its action's name.
    static func changeObject(_ change: PlannedChange) -> (json: JSONValue, action: String) {
        var action = actionName(change.action)
        var fields: [String: JSONValue] = ["resource": resource(change.address)]
        if let id = change.adopting {
            // Terraform reports an import that changes nothing else as the action `import`.
            if change.action == .noOp { action = "import" }
            fields["importing"] = .object(["id": .string(id)])
        }
        if let id = change.importing {
            if change.action == .noOp { action = "import" }
            fields["importing"] = .object(["id": .string(id)])
        }
        if let previous = change.previousAddress {
            // Terraform reports a move that changes nothing else as the action `move`.
            if change.action == .noOp, change.importing == nil { action = "move" }
            fields["previous_resource"] = resource(previous)
        }
        fields["action"] = .string(action)
        if let reason = change.reason.map(reasonName) { fields["reason"] = .string(reason) }
        return (.object(fields), action)
    }

    /// Terraform's name of an action in these messages.
    static func actionName(_ action: ChangeAction) -> String {
        switch action {
        case .noOp: return "noop"
        case .create: return "create"
        case .read: return "read"
        case .update: return "update"
        case .delete: return "delete"
        case .replace: return "replace"
        }
    }

    /// Terraform's name of a reason in these messages (shorter than the plan JSON's).
    static func reasonName(_ reason: ActionReason) -> String {
        switch reason {
        case .replaceBecauseTainted: return "tainted"
        case .replaceBecauseCannotUpdate: return "cannot_update"
        case .replaceByRequest: return "requested"
        case .deleteBecauseNoResourceConfig: return "delete_because_no_resource_config"
        case .deleteBecauseCountIndex: return "delete_because_count_index"
        case .deleteBecauseEachKey: return "delete_because_each_key"
        case .deleteBecauseWrongRepetition: return "delete_because_wrong_repetition"
        case .readBecauseConfigUnknown: return "read_because_config_unknown"
        case .deleteBecauseNoModule: return "delete_because_no_module"
        }
    }

    /// `change_summary`: planned (`plan`) or done (`apply`, `destroy`). Adoptions are counted as
    /// Terraform counts imports; `@message` is tfy's summary line.
    static func changeSummary(add: Int, change: Int, remove: Int, adopt: Int, imported: Int = 0, operation: String) -> UIMessage {
        let message: String
        switch operation {
        case "plan":
            message = "Plan: " + PlanTextRenderer.summary((adopt: adopt, add: add, change: change, destroy: remove), imports: imported)
        case "destroy":
            message = "Destroy complete! Resources: \(remove) destroyed."
        default:
            message = "Apply complete! Resources: \(imported > 0 ? "\(imported) imported, " : "")\(adopt > 0 ? "\(adopt) adopted, " : "")\(add) added, \(change) changed, \(remove) destroyed."
        }
        return UIMessage(message: message, type: "change_summary", fields: ["changes": .object([
            "add": .int(add), "change": .int(change), "import": .int(adopt + imported), "remove": .int(remove), "operation": .string(operation),
        ])])
    }

    /// `outputs` of a plan: each output's planned action; nil when there are no outputs.
    static func plannedOutputs(_ outputs: [PlannedOutput]) -> UIMessage? {
        guard !outputs.isEmpty else { return nil }
        let entries = Dictionary(outputs.map { ($0.name, JSONValue.object(["sensitive": .bool($0.sensitive), "action": .string(actionName($0.action))])) },
                                 uniquingKeysWith: { a, _ in a })
        return UIMessage(message: "Outputs: \(entries.count)", type: "outputs", fields: ["outputs": .object(entries)])
    }

    /// `outputs` after an apply: each output's value and type. A sensitive output has neither
    /// (tfy keeps no secret to print), as Terraform leaves out a sensitive output's value.
    static func appliedOutputs(_ outputs: [String: StateOutput]) -> UIMessage? {
        guard !outputs.isEmpty else { return nil }
        let entries = outputs.mapValues { output -> JSONValue in
            guard !output.sensitive else { return .object(["sensitive": .bool(true)]) }
            return .object(["sensitive": .bool(false), "type": OutputCommand.typeJSON(output.value), "value": output.value.json])
        }
        return UIMessage(message: "Outputs: \(entries.count)", type: "outputs", fields: ["outputs": .object(entries)])
    }

    // MARK: Progress

    /// A resource instance address taken apart, as every message about a resource carries it.
    static func resource(_ address: ResourceAddress, data: Bool = false) -> JSONValue {
        let key: JSONValue
        switch address.key {
        case nil: key = .null
        case .int(let index)?: key = .int(index)
        case .string(let name)?: key = .string(name)
        }
        let local = ResourceAddress(type: address.type, name: address.name, key: address.key)
        let prefix = data ? "data." : ""
        return .object([
            "addr": .string(address.module.map { "\($0)." }.joined() + prefix + local.description),
            "module": .string(address.module.map(\.description).joined(separator: ".")),
            "resource": .string(prefix + local.description),
            // As Terraform: the resource type's prefix up to its first underscore.
            "implied_provider": .string(String(address.type.prefix { $0 != "_" })),
            "resource_type": .string(address.type),
            "resource_name": .string(address.name),
            "resource_key": key,
        ])
    }

    /// `refresh_start` and `refresh_complete`.
    static func refresh(_ progress: Refresher.Progress) -> UIMessage {
        switch progress {
        case .started(let address, let id):
            return hook("refresh_start", "\(address): Refreshing state...\(idSuffix(id))", address, identified(id))
        case .completed(let address, let id):
            return hook("refresh_complete", "\(address): Refresh complete\(idSuffix(id))", address, identified(id))
        }
    }

    /// The `apply_*` and `provision_*` messages of a resource operation; nil for a skip, which
    /// Terraform does not report.
    static func progress(_ event: ApplyEvent) -> UIMessage? {
        switch event {
        // A data source read during apply: Terraform's JSON view words it as a refresh, with the
        // action "read", and reports no `apply_errored` for a failed read.
        case .started(let address, .read, _):
            return hook("apply_start", "data.\(address): Refreshing...", address, ["action": .string("read")], data: true)
        case .stillRunning(let address, .read, let seconds):
            return hook("apply_progress", "data.\(address): Still refreshing... [\(goDuration(seconds)) elapsed]", address,
                        ["action": .string("read"), "elapsed_seconds": .int(seconds)], data: true)
        case .completed(let address, .read, let seconds, let id):
            return hook("apply_complete", "data.\(address): Refresh complete after \(goDuration(seconds))\(idSuffix(id))", address,
                        identified(id).merging(["action": .string("read"), "elapsed_seconds": .int(seconds)]) { a, _ in a }, data: true)
        case .failed(_, .read, _, _):
            return nil
        case .started(let address, let operation, let id):
            return hook("apply_start", "\(address): \(operation.rawValue)...\(idSuffix(id))", address,
                        identified(id).merging(["action": .string(name(operation))]) { a, _ in a })
        case .stillRunning(let address, let operation, let seconds):
            let verb = operation == .create ? "creating" : operation == .update ? "modifying" : "destroying"
            return hook("apply_progress", "\(address): Still \(verb)... [\(goDuration(seconds)) elapsed]", address,
                        ["action": .string(name(operation)), "elapsed_seconds": .int(seconds)])
        case .completed(let address, let operation, let seconds, let id):
            return hook("apply_complete", "\(address): \(noun(operation)) complete after \(goDuration(seconds))\(idSuffix(id))", address,
                        identified(id).merging(["action": .string(name(operation)), "elapsed_seconds": .int(seconds)]) { a, _ in a })
        case .failed(let address, let operation, let seconds, _):
            return hook("apply_errored", "\(address): \(noun(operation)) errored after \(goDuration(seconds))", address,
                        ["action": .string(name(operation)), "elapsed_seconds": .int(seconds)])
        case .skipped:
            return nil
        case .output(let address, let line, let provisioner):
            return hook("provision_progress", "\(address): (\(provisioner)): \(line)", address,
                        ["provisioner": .string(provisioner), "output": .string(line)])
        case .provisioning(let address, let provisioner, .started):
            return hook("provision_start", "\(address): Provisioning with '\(provisioner)'...", address, ["provisioner": .string(provisioner)])
        case .provisioning(let address, let provisioner, .completed):
            return hook("provision_complete", "\(address): (\(provisioner)) Provisioning complete", address, ["provisioner": .string(provisioner)])
        case .provisioning(let address, let provisioner, .failed):
            return hook("provision_errored", "\(address): (\(provisioner)) Provisioning errored", address, ["provisioner": .string(provisioner)])
        }
    }

    /// tfy's own message: the API calls a run made, per action, as the text view's `API calls:` line.
    static func apiCalls(_ calls: [String: CallStatistics.Entry], summary: String) -> UIMessage {
        UIMessage(message: summary, type: "tfy_api_calls", fields: ["api_calls": .object(calls.mapValues { entry in
            .object(["calls": .int(entry.calls), "retries": .int(entry.attempts - entry.calls)])
        })])
    }

    static func hook(_ type: String, _ message: String, _ address: ResourceAddress, _ fields: [String: JSONValue], data: Bool = false) -> UIMessage {
        var hook = fields
        hook["resource"] = resource(address, data: data)
        return UIMessage(message: message, type: type, fields: ["hook": .object(hook)])
    }

    /// `id_key` and `id_value`, when the object has an ID.
    static func identified(_ id: String?) -> [String: JSONValue] {
        id.map { ["id_key": .string("id"), "id_value": .string($0)] } ?? [:]
    }

    static func idSuffix(_ id: String?) -> String { id.map { " [id=\($0)]" } ?? "" }

    static func name(_ operation: ApplyEvent.Operation) -> String {
        switch operation {
        case .create: return "create"
        case .update: return "update"
        case .delete: return "delete"
        case .read: return "read"
        }
    }

    static func noun(_ operation: ApplyEvent.Operation) -> String {
        switch operation {
        case .create: return "Creation"
        case .update: return "Modifications"
        case .delete: return "Destruction"
        case .read: return "Refresh"
        }
    }

    /// Whole seconds as Go prints a duration, which Terraform's messages use: `0s`, `45s`,
    /// `1m0s`, `2h3m4s`.
    static func goDuration(_ seconds: Int) -> String {
        let hours = seconds / 3600, minutes = seconds % 3600 / 60, rest = seconds % 60
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }
}

/// `@timestamp`: RFC 3339 with microseconds in the local time zone, as Terraform writes it
/// (`2021-05-25T13:32:41.275359-04:00`, `…Z` in UTC).
enum UITimestamp {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var local = tm()
        localtime_r(&seconds, &local)
        return format(seconds: Int(spec.tv_sec), microseconds: Int(spec.tv_nsec) / 1000, offset: Int(local.tm_gmtoff))
    }

    /// The time `seconds` (since 1970, UTC) and `microseconds`, written at `offset` seconds east of UTC.
    static func format(seconds: Int, microseconds: Int, offset: Int) -> String {
        var shifted = time_t(seconds + offset)
        var parts = tm()
        gmtime_r(&shifted, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let fraction = String(microseconds)
        let date = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
        let time = "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
        guard offset != 0 else { return "\(date)T\(time)Z" }
        let minutes = abs(offset) / 60
        return "\(date)T\(time)\(offset < 0 ? "-" : "+")\(two(Int32(minutes / 60))):\(two(Int32(minutes % 60)))"
    }
}
