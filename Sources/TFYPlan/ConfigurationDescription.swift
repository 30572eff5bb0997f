import TFYConfig
import TFYCore

/// The configuration as Terraform's plan JSON describes it: for each attribute, a constant
/// value or the references it makes. Sensitive attributes and variables never carry their value.
enum ConfigurationDescription {
    static func describe(_ configuration: Configuration) -> JSONValue {
        var providers: [String: JSONValue] = [:]
        for (name, body) in configuration.providers {
            providers[name] = .object([
                "name": .string(name),
                "full_name": .string(Providers.name(forResourceType: name + "_")),
                "expressions": .object(body.attributes.mapValues { expression($0.expression, sensitive: false) }),
            ])
        }
        return .object(["provider_config": .object(providers), "root_module": module(configuration)])
    }

    /// One module's part: its resources, outputs, variables and `module_calls`, each call with
    /// the module it loads, as Terraform nests them.
    static func module(_ configuration: Configuration) -> JSONValue {
        let resources: [JSONValue] = configuration.resources.map { block in
            var object: [String: JSONValue] = [
                "address": .string(block.address),
                "mode": .string("managed"),
                "type": .string(block.type),
                "name": .string(block.name),
                "provider_config_key": .string(Providers.configKey(forResourceType: block.type)),
                "schema_version": .int(0),
                "expressions": .object(block.attributes.reduce(into: [:]) { result, entry in
                    let attribute = block.schema.body.attributes[entry.key]
                    let sensitive = attribute.map(holdsSensitive) == true
                    let written = attribute?.readsScriptPaths == true ? scriptPaths(entry.value.expression) : entry.value.expression
                    result[entry.key] = expression(written, sensitive: sensitive)
                }),
            ]
            if let count = block.count { object["count_expression"] = expression(count, sensitive: false) }
            if let forEach = block.forEach { object["for_each_expression"] = expression(forEach, sensitive: false) }
            if !block.dependsOn.isEmpty { object["depends_on"] = .array(block.dependsOn.map { .string($0.address) }) }
            return .object(object)
        }
        var outputs: [String: JSONValue] = [:]
        for (name, output) in configuration.outputs {
            var object: [String: JSONValue] = ["expression": expression(output.value, sensitive: output.sensitive)]
            if output.sensitive { object["sensitive"] = .bool(true) }
            if let description = output.description { object["description"] = .string(description) }
            outputs[name] = .object(object)
        }
        var variables: [String: JSONValue] = [:]
        for (name, variable) in configuration.variables {
            var object: [String: JSONValue] = [:]
            if let value = variable.defaultValue, !variable.sensitive { object["default"] = value.json }
            if let description = variable.description { object["description"] = .string(description) }
            if variable.sensitive { object["sensitive"] = .bool(true) }
            variables[name] = .object(object)
        }
        var object: [String: JSONValue] = ["resources": .array(resources), "outputs": .object(outputs), "variables": .object(variables)]
        if !configuration.moduleCalls.isEmpty {
            object["module_calls"] = .object(configuration.moduleCalls.mapValues { call in
                var described: [String: JSONValue] = [
                    "source": .string(call.source),
                    "expressions": .object(call.arguments.reduce(into: [:]) { result, entry in
                        result[entry.key] = expression(entry.value.expression, sensitive: call.module?.variables[entry.key]?.sensitive == true)
                    }),
                ]
                if let count = call.count { described["count_expression"] = expression(count, sensitive: false) }
                if let forEach = call.forEach { described["for_each_expression"] = expression(forEach, sensitive: false) }
                if !call.dependsOn.isEmpty { described["depends_on"] = .array(call.dependsOn.map { .string($0.address) }) }
                if let called = call.module { described["module"] = Self.module(called) }
                return .object(described)
            })
        }
        return .object(object)
    }

    /// True for an attribute that is sensitive or has a sensitive member (a file's `content`,
    /// which a literal `source` is read into as the configuration loads): its constant is not shown.
    static func holdsSensitive(_ attribute: Attribute) -> Bool {
        if attribute.sensitive { return true }
        switch attribute.type {
        case .object(let schema), .objectList(let schema): return schema.attributes.values.contains(where: holdsSensitive)
        case .value: return false
        }
    }

    static func expression(_ expression: Expression, sensitive: Bool) -> JSONValue {
        let references = self.references(expression)
        if references.isEmpty {
            if sensitive { return .object([:]) }
            if let constant = constant(expression) { return .object(["constant_value": constant.json]) }
            return .object([:])
        }
        return .object(["references": .array(references.map { .string($0) })])
    }

    /// A bootstrap's `script` or `scripts` as written: the paths, not the `{path, content}`
    /// objects the loader made of them to read each file.
    static func scriptPaths(_ expression: Expression) -> Expression {
        switch expression {
        case .object: return expression.entry("path") ?? expression
        case .tuple(let items, let location): return .tuple(items.map(scriptPaths), location)
        case .forList(let clause, _): return clause.collection
        default: return expression
        }
    }

    static func constant(_ expression: Expression) -> Value? {
        switch expression {
        case .literal(let value, _): return value
        case .tuple(let items, _):
            let values = items.compactMap(constant)
            return values.count == items.count ? .list(values) : nil
        case .object(let entries, _):
            var result: [String: Value] = [:]
            for entry in entries {
                guard let key = entry.key.literalString, let value = constant(entry.value) else { return nil }
                result[key] = value
            }
            return .map(result)
        default: return nil
        }
    }

    /// Terraform's reference strings: `var.x`, `local.x`, `count.index`, `type.name.attr` and `type.name`.
    static func references(_ expression: Expression) -> [String] {
        var result: [String] = []
        for reference in expression.references {
            let names: [String]
            switch reference.subject {
            case .variable(let n): names = ["var.\(n)"]
            case .local(let n): names = ["local.\(n)"]
            case .countIndex: names = ["count.index"]
            case .each(let attribute):
                let base = attribute.isEmpty ? "each" : "each.\(attribute)"
                // As Terraform writes them: `each.value.t` refers to ["each.value.t", "each.value"].
                if case .attribute(let next, _)? = reference.remainingSteps.first { names = ["\(base).\(next)", base] } else { names = [base] }
            case .selfObject, .path: names = []
            case .module(let name):
                let base = "module.\(name)"
                if let output = firstAttribute(reference.remainingSteps) { names = ["\(base).\(output)", base] } else { names = [base] }
            case .resource(let type, let name), .dataSource(let type, let name):
                var base = "\(type).\(name)"
                if case .dataSource = reference.subject { base = "data." + base }
                if let attribute = firstAttribute(reference.remainingSteps) { names = ["\(base).\(attribute)", base] } else { names = [base] }
            }
            for name in names where !result.contains(name) { result.append(name) }
        }
        return result
    }

    static func firstAttribute(_ steps: [TraversalStep]) -> String? {
        for step in steps {
            switch step {
            case .attribute(let name, _): return name
            case .index, .splat: continue
            }
        }
        return nil
    }

    static func relevantAttributes(_ configuration: Configuration) -> [RelevantAttribute] {
        var found = Set<RelevantAttribute>()
        let expressions = configuration.resources.flatMap { block in block.attributes.values.map(\.expression) + [block.count, block.forEach].compactMap { $0 } }
            + configuration.outputs.values.map(\.value) + configuration.locals.values.map(\.expression)
        for expression in expressions {
            for reference in expression.references {
                guard case .resource(let type, let name) = reference.subject, let attribute = firstAttribute(reference.remainingSteps) else { continue }
                found.insert(RelevantAttribute(resource: "\(type).\(name)", attribute: [attribute]))
            }
        }
        return found.sorted { ($0.resource, $0.attribute.joined(separator: ".")) < ($1.resource, $1.attribute.joined(separator: ".")) }
    }
}
