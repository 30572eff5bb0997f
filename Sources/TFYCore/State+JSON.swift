/// The state file format: JSON with sorted keys, two-space indent, final newline.
extension State {
    public enum DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        case syntax(JSONValue.ParseError)
        case shape(String)
        case newerVersion(Int, String)

        public var description: String {
            switch self {
            case .syntax(let e): return "the file is not valid JSON (\(e)); it may be truncated or corrupted"
            case .shape(let what): return "the file is not a tfy state file: \(what)"
            case .newerVersion(let v, let tool): return "the file is in state format version \(v), written by tfy \(tool); this tfy (\(TFYVersion.current)) reads version \(State.formatVersion) and older. Upgrade tfy"
            }
        }
    }

    public var json: JSONValue {
        let key = stackKey ?? StackKey.generate()
        var document: [String: JSONValue] = [
            "version": .int(version),
            "tfy_version": .string(tfyVersion),
            "serial": .int(serial),
            "lineage": .string(lineage),
            "outputs": .object(outputs.mapValues { output in
                let (redacted, _) = SensitiveDigest.redact(output.value.marked(output.sensitive), key: key)
                return .object(["value": redacted.json, "sensitive": .bool(output.sensitive)])
            }),
            // Data sources first, as Terraform sorts mode "data" before "managed".
            "resources": .array((dataResources.sorted(by: StateResource.precedes) + resources.sorted(by: StateResource.precedes)).map { resource in
                var object: [String: JSONValue] = [
                    "mode": .string(resource.mode),
                    "type": .string(resource.type),
                    "name": .string(resource.name),
                    "provider": .string(resource.provider),
                    "instances": .array(resource.instances.sorted { InstanceKey.precedes($0.indexKey, $1.indexKey) }.map { instance in
                        let (attributes, paths) = SensitiveDigest.redact(.map(instance.attributes), key: key)
                        var object: [String: JSONValue] = [
                            "attributes": attributes.json,
                            "sensitive_attributes": .array(paths.map { .array($0) }),
                            "dependencies": .array(instance.dependencies.sorted().map { .string($0) }),
                            "create_before_destroy": .bool(instance.createBeforeDestroy),
                        ]
                        if let key = instance.indexKey { object["index_key"] = key.json }
                        if let status = instance.status { object["status"] = .string(status.rawValue) }
                        if let privateData = instance.privateData { object["private"] = .string(privateData) }
                        if !instance.deposed.isEmpty {
                            object["deposed"] = .array(instance.deposed.map { SensitiveDigest.redact(.map($0), key: key).0.json })
                        }
                        return .object(object)
                    }),
                ]
                // Terraform's field: the module instance, `module.workers[0]`; absent in the root module.
                if !resource.module.isEmpty { object["module"] = .string(resource.module.map(\.description).joined(separator: ".")) }
                return .object(object)
            }),
        ]
        if let stack { document["stack"] = .string(stack) }
        return .object(document)
    }

    public func encoded() -> [UInt8] { Array(json.pretty().utf8) }

    public static func decode(_ bytes: [UInt8]) -> Result<State, DecodingError> {
        switch JSONValue.parse(bytes) {
        case .success(let root): return decode(root)
        case .failure(let error): return .failure(.syntax(error))
        }
    }

    /// A state already parsed, as a saved plan holds its prior state: read without printing
    /// and parsing it again.
    public static func decode(_ root: JSONValue) -> Result<State, DecodingError> {
        guard let object = root.objectValue else { return .failure(.shape("the top level is not an object")) }
        guard let version = object["version"]?.intValue else { return .failure(.shape("\"version\" is missing")) }
        let tool = object["tfy_version"]?.stringValue ?? "unknown"
        guard version <= State.formatVersion else { return .failure(.newerVersion(version, tool)) }
        guard let lineage = object["lineage"]?.stringValue, !lineage.isEmpty else { return .failure(.shape("\"lineage\" is missing")) }
        // Every write adds one to the serial: Int.max would trap there.
        guard let serial = object["serial"]?.intValue, serial >= 0, serial < Int.max else { return .failure(.shape("\"serial\" is missing, negative or too large")) }
        var state = State(lineage: lineage)
        state.version = version
        state.tfyVersion = tool
        state.serial = serial
        if let stack = object["stack"] {
            guard let name = stack.stringValue, !name.isEmpty else { return .failure(.shape("\"stack\" is not a stack name")) }
            state.stack = name
        }
        for (name, output) in object["outputs"]?.objectValue ?? [:] {
            guard let value = output["value"] else { return .failure(.shape("output \"\(name)\" has no value")) }
            let sensitive = output["sensitive"]?.boolValue ?? false
            state.outputs[name] = StateOutput(value: SensitiveDigest.recognised(Value(json: value).marked(sensitive)), sensitive: sensitive)
        }
        for (i, item) in (object["resources"]?.arrayValue ?? []).enumerated() {
            guard let type = item["type"]?.stringValue, let name = item["name"]?.stringValue,
                  let instances = item["instances"]?.arrayValue else {
                return .failure(.shape("resources[\(i)] lacks \"type\", \"name\" or \"instances\""))
            }
            var module: [ModuleStep] = []
            if let text = item["module"] {
                guard let path = text.stringValue.flatMap(ModuleStep.parsePath) else {
                    return .failure(.shape("resources[\(i)] has a \"module\" that is not a module address"))
                }
                module = path
            }
            var resource = StateResource(module: module, type: type, name: name, instances: [])
            resource.mode = item["mode"]?.stringValue ?? "managed"
            resource.provider = item["provider"]?.stringValue ?? resource.provider
            for (j, entry) in instances.enumerated() {
                guard let attributes = entry["attributes"]?.objectValue else {
                    return .failure(.shape("resources[\(i)].instances[\(j)] has no \"attributes\""))
                }
                let paths = (entry["sensitive_attributes"]?.arrayValue ?? []).compactMap(\.arrayValue)
                let marked = SensitiveDigest.recognised(Value.map(attributes.mapValues(Value.init(json:))).marking(paths: paths))
                var status: StateInstance.Status?
                if let raw = entry["status"]?.stringValue {
                    guard let known = StateInstance.Status(rawValue: raw) else {
                        return .failure(.shape("resources[\(i)].instances[\(j)] has unknown status \"\(raw)\""))
                    }
                    status = known
                }
                let key: InstanceKey?
                do { key = try InstanceKey.decode(entry["index_key"]) { DecodingError.shape("resources[\(i)].instances[\(j)]: \($0)") } } catch { return .failure(error) }
                var instance = StateInstance(
                    indexKey: key, status: status, attributes: marked.mapValue ?? [:],
                    dependencies: (entry["dependencies"]?.arrayValue ?? []).compactMap(\.stringValue),
                    createBeforeDestroy: entry["create_before_destroy"]?.boolValue ?? false,
                    privateData: entry["private"]?.stringValue)
                instance.deposed = (entry["deposed"]?.arrayValue ?? []).compactMap { Value(json: $0).mapValue }
                resource.instances.append(instance)
            }
            // Kept in key order in memory, as tfy writes them (`setInstance` relies on it).
            resource.instances.sort { InstanceKey.precedes($0.indexKey, $1.indexKey) }
            if resource.mode == "data" { state.dataResources.append(resource) } else { state.resources.append(resource) }
        }
        state.resources.sort(by: StateResource.precedes)
        state.dataResources.sort(by: StateResource.precedes)
        return .success(state)
    }
}
