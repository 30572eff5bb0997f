/// The plan document: the JSON form of `Plan` that saved plan files hold and every renderer
/// reads. Values are written as Terraform writes them — JSON with unknown parts null, plus
/// mirrors saying which parts are unknown and which are sensitive.
extension Plan {
    public enum DocumentError: Error, Sendable, CustomStringConvertible {
        case syntax(JSONValue.ParseError)
        case shape(String)
        case newerFormat(Int)

        public var description: String {
            switch self {
            case .syntax(let e): return "the file is not valid JSON (\(e)); it may be truncated or corrupted"
            case .shape(let what): return "the file is not a tfy plan: \(what)"
            case .newerFormat(let v): return "the plan is in format version \(v); this tfy (\(TFYVersion.current)) reads version \(Plan.formatVersion)"
            }
        }
    }

    static func encodeValue(_ value: Value?) -> JSONValue {
        guard let value else { return .null }
        return .object([
            "value": value.json,
            // A sensitive value not known yet is unknown too (it is rebuilt as both).
            "unknown": value.mirror { if case .unknown = $0.unmarked.value { return true }; return false },
            "sensitive": value.mirror(\.isSensitive),
        ])
    }

    static func decodeValue(_ json: JSONValue?) -> Value? {
        guard let json, let object = json.objectValue, let raw = object["value"] else { return nil }
        return rebuild(raw, unknown: object["unknown"] ?? .bool(false), sensitive: object["sensitive"] ?? .bool(false))
    }

    static func rebuild(_ raw: JSONValue, unknown: JSONValue, sensitive: JSONValue) -> Value {
        if unknown == .bool(true) { return sensitive == .bool(true) ? .sensitive(.unknown) : .unknown }
        var value: Value
        switch raw {
        case .array(let items):
            value = .list(items.enumerated().map { i, item in
                rebuild(item, unknown: unknown.arrayValue.flatMap { i < $0.count ? $0[i] : nil } ?? .bool(false),
                        sensitive: sensitive.arrayValue.flatMap { i < $0.count ? $0[i] : nil } ?? .bool(false))
            })
        case .object(let entries):
            var result: [String: Value] = [:]
            for (key, item) in entries {
                result[key] = rebuild(item, unknown: unknown[key] ?? .bool(false), sensitive: sensitive[key] ?? .bool(false))
            }
            // Unknown members are null in `value`; the mirror names them.
            for (key, flag) in unknown.objectValue ?? [:] where result[key] == nil && flag == .bool(true) {
                result[key] = .unknown
            }
            value = .map(result)
        default:
            value = Value(json: raw)
        }
        if sensitive == .bool(true) { value = SensitiveDigest.recognised(.sensitive(value)) }
        return value
    }

    static func encodeDiagnostic(_ d: Diagnostic) -> JSONValue {
        var object: [String: JSONValue] = ["severity": .string(d.severity.rawValue), "summary": .string(d.summary), "detail": .string(d.detail)]
        if let address = d.address { object["address"] = .string(address) }
        return .object(object)
    }

    public var document: JSONValue {
        var document = documentFields
        if let stateLocation { document["state"] = .string(stateLocation) }
        if let timestamp { document["timestamp"] = .string(timestamp) }
        return .object(document)
    }

    private var documentFields: [String: JSONValue] {
        [
            "format_version": .int(formatVersion),
            "tool_version": .string(toolVersion),
            "stack": .string(stack),
            "directory": .string(directory),
            "refresh_only": .bool(refreshOnly),
            "prior": prior.map { .object(["lineage": .string($0.lineage), "serial": .int($0.serial)]) } ?? .null,
            "config_hash": .string(configHash),
            "variables": .object(variables.mapValues { variable in
                var object: [String: JSONValue] = ["value": Plan.encodeValue(variable.value), "sensitive": .bool(variable.sensitive)]
                if let text = variable.text, !variable.sensitive { object["text"] = .string(text) }
                return .object(object)
            }),
            "options": .object([
                "destroy": .bool(options.destroy),
                "refresh": .bool(options.refresh),
                "targets": .array(options.targets.map { .string($0) }),
                "replace": .array(options.replace.map { .string($0) }),
            ]),
            "changes": .array(changes.map(Plan.encodeChange)),
            "drift": .array(drift.map(Plan.encodeChange)),
            "outputs": .array(outputs.map { output in
                .object([
                    "name": .string(output.name),
                    "actions": .array(output.actions.map { .string($0.rawValue) }),
                    "before": Plan.encodeValue(output.before),
                    "after": Plan.encodeValue(output.after),
                    "sensitive": .bool(output.sensitive),
                ])
            }),
            "warnings": .array(warnings.map(Plan.encodeDiagnostic)),
            "prior_state": priorState?.json ?? .null,
            "data_reads": .array(dataReads.map(Plan.encodeChange)),
            "data_state": .array(dataState.map(Plan.encodeDataResource)),
            "configuration": configuration,
            "relevant_attributes": .array(relevantAttributes.map {
                .object(["resource": .string($0.resource), "attribute": .array($0.attribute.map { .string($0) })])
            }),
        ]
    }

    /// A data source as the plan keeps it: attributes already redacted by the planner.
    static func encodeDataResource(_ resource: StateResource) -> JSONValue {
        .object([
            "type": .string(resource.type),
            "name": .string(resource.name),
            "instances": .array(resource.instances.map { instance in
                .object(["index": instance.indexKey?.json ?? .null, "attributes": encodeValue(.map(instance.attributes))])
            }),
        ])
    }

    static func decodeDataResource(_ json: JSONValue) throws(DocumentError) -> StateResource {
        guard let type = json["type"]?.stringValue, let name = json["name"]?.stringValue else { throw .shape("a data source has no type or name") }
        var resource = StateResource(type: type, name: name, instances: [])
        resource.mode = "data"
        for item in json["instances"]?.arrayValue ?? [] {
            let key: InstanceKey?
            key = try InstanceKey.decode(item["index"]) { DocumentError.shape("data source \(type).\(name): \($0)") }
            resource.instances.append(StateInstance(indexKey: key, attributes: decodeValue(item["attributes"])?.mapValue ?? [:], dependencies: []))
        }
        return resource
    }

    static func encodeChange(_ change: PlannedChange) -> JSONValue {
        var object: [String: JSONValue] = [
            "address": .string(change.address.description),
            "type": .string(change.address.type),
            "name": .string(change.address.name),
            "index": change.address.key?.json ?? .null,
            "actions": .array(change.actions.map { .string($0.rawValue) }),
            "before": encodeValue(change.before),
            "after": encodeValue(change.after),
            "replace_paths": .array(change.replacePaths.map { .array($0.map { .string($0) }) }),
            "dependencies": .array(change.dependencies.map { .string($0) }),
        ]
        if !change.address.module.isEmpty { object["module_address"] = .string(change.address.module.map(\.description).joined(separator: ".")) }
        if let reason = change.reason { object["reason"] = .string(reason.rawValue) }
        if let id = change.adopting { object["adopting"] = .object(["id": .string(id)]) }
        if let previous = change.previousAddress { object["previous_address"] = .string(previous.description) }
        if let id = change.importing { object["importing"] = .object(["id": .string(id)]) }
        if !change.stopPaths.isEmpty { object["stop_paths"] = .array(change.stopPaths.map { .array($0.map { .string($0) }) }) }
        if !change.dependents.isEmpty { object["dependents"] = .array(change.dependents.map { .string($0) }) }
        return .object(object)
    }

    static func decodeAction(_ raw: [JSONValue]) throws(DocumentError) -> ChangeAction {
        var actions: [Action] = []
        for item in raw {
            guard let action = item.stringValue.flatMap(Action.init(rawValue:)) else { throw .shape("unknown action \(item.compact())") }
            actions.append(action)
        }
        guard let action = ChangeAction(actions: actions) else { throw .shape("unknown list of actions \(JSONValue.array(raw).compact())") }
        return action
    }

    static func decodeChange(_ json: JSONValue) throws(DocumentError) -> PlannedChange {
        guard let type = json["type"]?.stringValue, let name = json["name"]?.stringValue,
              let rawActions = json["actions"]?.arrayValue else { throw .shape("a change lacks type, name or actions") }
        let action = try decodeAction(rawActions)
        var reason: ActionReason?
        if let raw = json["reason"]?.stringValue {
            guard let known = ActionReason(rawValue: raw) else { throw .shape("unknown reason \"\(raw)\"") }
            reason = known
        }
        var module: [ModuleStep] = []
        if let text = json["module_address"] {
            guard let path = text.stringValue.flatMap(ModuleStep.parsePath) else { throw .shape("a change's module_address is not a module address") }
            module = path
        }
        var change = PlannedChange(
            address: ResourceAddress(module: module, type: type, name: name, key: try InstanceKey.decode(json["index"]) { DocumentError.shape($0) }),
            action: action, reason: reason, before: decodeValue(json["before"]), after: decodeValue(json["after"]),
            replacePaths: (json["replace_paths"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.stringValue) },
            dependencies: (json["dependencies"]?.arrayValue ?? []).compactMap(\.stringValue),
            adopting: json["adopting"]?["id"]?.stringValue)
        change.stopPaths = (json["stop_paths"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
        change.dependents = (json["dependents"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let previous = json["previous_address"]?.stringValue {
            guard let address = ResourceAddress(parsing: previous) else { throw .shape("a previous address \"\(previous)\" is not an address") }
            change.previousAddress = address
        }
        change.importing = json["importing"]?["id"]?.stringValue
        return change
    }

    public static func decode(_ bytes: [UInt8]) -> Result<Plan, DocumentError> {
        switch JSONValue.parse(bytes) {
        case .failure(let error): return .failure(.syntax(error))
        case .success(let json):
            do { return .success(try decode(json)) } catch { return .failure(error) }
        }
    }

    public static func decode(_ json: JSONValue) throws(DocumentError) -> Plan {
        guard let version = json["format_version"]?.intValue else { throw .shape("\"format_version\" is missing") }
        guard version <= Plan.formatVersion else { throw .newerFormat(version) }
        guard let stack = json["stack"]?.stringValue, let hash = json["config_hash"]?.stringValue,
              let tool = json["tool_version"]?.stringValue else { throw .shape("\"stack\", \"config_hash\" or \"tool_version\" is missing") }
        var prior: PriorStateReference?
        if let p = json["prior"], p != .null {
            guard let lineage = p["lineage"]?.stringValue, let serial = p["serial"]?.intValue else { throw .shape("\"prior\" is incomplete") }
            prior = PriorStateReference(lineage: lineage, serial: serial)
        }
        var variables: [String: PlanVariable] = [:]
        for (name, v) in json["variables"]?.objectValue ?? [:] {
            let sensitive = v["sensitive"]?.boolValue ?? false
            variables[name] = PlanVariable(value: decodeValue(v["value"]) ?? .null, sensitive: sensitive, text: sensitive ? nil : v["text"]?.stringValue)
        }
        var options = PlanOptions()
        options.destroy = json["options"]?["destroy"]?.boolValue ?? false
        options.refresh = json["options"]?["refresh"]?.boolValue ?? true
        options.targets = (json["options"]?["targets"]?.arrayValue ?? []).compactMap(\.stringValue)
        options.replace = (json["options"]?["replace"]?.arrayValue ?? []).compactMap(\.stringValue)
        var changes: [PlannedChange] = []
        for item in json["changes"]?.arrayValue ?? [] { changes.append(try decodeChange(item)) }
        var drift: [PlannedChange] = []
        for item in json["drift"]?.arrayValue ?? [] { drift.append(try decodeChange(item)) }
        var outputs: [PlannedOutput] = []
        for item in json["outputs"]?.arrayValue ?? [] {
            guard let name = item["name"]?.stringValue else { throw .shape("an output has no name") }
            let action = try decodeAction(item["actions"]?.arrayValue ?? [])
            outputs.append(PlannedOutput(name: name, action: action, before: decodeValue(item["before"]), after: decodeValue(item["after"]),
                                         sensitive: item["sensitive"]?.boolValue ?? false))
        }
        var plan = Plan(stack: stack, prior: prior, configHash: hash, variables: variables, options: options, changes: changes, outputs: outputs)
        plan.toolVersion = tool
        plan.formatVersion = version
        plan.directory = json["directory"]?.stringValue ?? "."
        plan.stateLocation = json["state"]?.stringValue
        plan.timestamp = json["timestamp"]?.stringValue
        plan.refreshOnly = json["refresh_only"]?.boolValue ?? false
        plan.drift = drift
        plan.warnings = (json["warnings"]?.arrayValue ?? []).map {
            Diagnostic($0["severity"]?.stringValue == "error" ? .error : .warning, $0["summary"]?.stringValue ?? "",
                       detail: $0["detail"]?.stringValue ?? "", address: $0["address"]?.stringValue)
        }
        if let state = json["prior_state"], state != .null {
            switch State.decode(state) {
            case .success(let s): plan.priorState = s
            case .failure(let e): throw .shape("prior_state: \(e)")
            }
        }
        for item in json["data_reads"]?.arrayValue ?? [] { plan.dataReads.append(try decodeChange(item)) }
        for item in json["data_state"]?.arrayValue ?? [] { plan.dataState.append(try decodeDataResource(item)) }
        plan.configuration = json["configuration"] ?? .object([:])
        plan.relevantAttributes = (json["relevant_attributes"]?.arrayValue ?? []).compactMap {
            guard let r = $0["resource"]?.stringValue else { return nil }
            return RelevantAttribute(resource: r, attribute: ($0["attribute"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        return plan
    }

    /// The saved plan file's bytes: deterministic, so the same inputs at the same second give the
    /// same file (only `timestamp` tells two plans of the same inputs apart). The document is on
    /// one line: a plan file is read by tfy, not by people (`tfy show` prints it), and compact a
    /// 10,000-instance plan is 40% smaller.
    public func encoded() -> [UInt8] { document.compactBytes() + [UInt8(ascii: "\n")] }
}
