import TFYCore

/// Finds the references in an expression and checks them against the declarations, before
/// anything is evaluated: undeclared variables, locals and resources, attributes a resource type
/// does not have, and missing or unexpected instance keys.
struct ReferenceChecker {
    let configuration: Configuration
    let resourceBlocks: [String: ResourceBlock]
    /// Data blocks by `type.name`.
    let dataBlocks: [String: ResourceBlock]
    /// "the root module", or `module.workers` (without instance keys): where a name is missing.
    let moduleName: String
    /// `module.workers.`: how the addresses of this module's blocks begin in diagnostics.
    let staticPrefix: String

    init(configuration: Configuration, modulePath: [ModuleStep] = []) {
        self.configuration = configuration
        staticPrefix = modulePath.map { "module.\($0.name)." }.joined()
        moduleName = modulePath.isEmpty ? "the root module" : modulePath.map { "module.\($0.name)" }.joined(separator: ".")
        var blocks = [String: ResourceBlock](minimumCapacity: configuration.resources.count)
        for block in configuration.resources { blocks[block.address] = block }
        resourceBlocks = blocks
        dataBlocks = Dictionary(configuration.dataSources.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every reference in `expression`, in source order.
    static func references(in expression: Expression) -> [Reference] {
        var found: [Reference] = []
        collect(expression, into: &found)
        return found
    }

    private static func collect(_ expression: Expression, into found: inout [Reference]) {
        switch expression {
        case .literal:
            return
        case .scope(let root, let location):
            if let subject = subject(root, steps: []) { found.append(Reference(subject: subject, location: location, remainingSteps: [])) }
        case .traversal(let base, let steps):
            if case .scope(let root, let location) = base {
                if let subject = subject(root, steps: steps) {
                    let consumed: Int
                    switch subject {
                    case .selfObject: consumed = 0
                    case .dataSource: consumed = 2
                    default: consumed = 1
                    }
                    found.append(Reference(subject: subject, location: location, remainingSteps: Array(steps.dropFirst(consumed))))
                } else {
                    found.append(Reference(subject: .resource(type: root, name: ""), location: location, remainingSteps: steps))
                }
            } else {
                collect(base, into: &found)
            }
            for step in steps { if case .index(let index, _) = step { collect(index, into: &found) } }
        case .template(let parts, _):
            for part in parts { if case .interpolation(let e) = part { collect(e, into: &found) } }
        case .call(_, let arguments, _, _):
            for argument in arguments { collect(argument, into: &found) }
        case .unary(_, let operand, _):
            collect(operand, into: &found)
        case .binary(_, let left, let right, _):
            collect(left, into: &found)
            collect(right, into: &found)
        case .conditional(let c, let t, let f, _):
            collect(c, into: &found)
            collect(t, into: &found)
            collect(f, into: &found)
        case .tuple(let items, _):
            for item in items { collect(item, into: &found) }
        case .object(let entries, _):
            for entry in entries {
                collect(entry.key, into: &found)
                collect(entry.value, into: &found)
            }
        case .forList(let clause, _), .forObject(let clause, _):
            collect(clause.collection, into: &found)
            // The for expression's own names are not references to anything outside it.
            let bound = clause.boundNames
            var inner: [Reference] = []
            if let key = clause.keyExpression { collect(key, into: &inner) }
            collect(clause.body, into: &inner)
            if let condition = clause.condition { collect(condition, into: &inner) }
            found += inner.filter { reference in
                if case .resource(let root, _) = reference.subject { return !bound.contains(root) }
                if case .each = reference.subject { return !bound.contains("each") }
                return true
            }
        }
    }

    private static func subject(_ root: String, steps: [TraversalStep]) -> Reference.Subject? {
        let first: String?
        if case .attribute(let name, _)? = steps.first { first = name } else { first = nil }
        switch root {
        case "var": return first.map { .variable($0) }
        case "local": return first.map { .local($0) }
        case "count": return .countIndex
        case "each": return .each(first ?? "")
        case "self": return .selfObject
        case "path": return .path(first ?? "")
        case "data":
            guard let type = first else { return .dataSource(type: "", name: "") }
            if steps.count > 1, case .attribute(let name, _) = steps[1] { return .dataSource(type: type, name: name) }
            return .dataSource(type: type, name: "")
        case "module": return first.map { .module($0) }
        default: return first.map { .resource(type: root, name: $0) }
        }
    }

    static func located(_ error: EvaluationError, address: String?) -> Diagnostic {
        var diagnostic = error.diagnostic
        diagnostic.address = address
        return diagnostic
    }

    /// The node a reference makes its holder depend on (`local.x`, `aws_instance.master`), if any,
    /// or the diagnostic when the reference names nothing.
    func check(_ reference: Reference, address: String?) -> Result<String?, Diagnostic> {
        let holder = address
        func failure(_ summary: String, _ detail: String, at location: SourceLocation? = nil) -> Result<String?, Diagnostic> {
            .failure(.error(summary, detail: detail, at: location ?? reference.location, address: address))
        }
        switch reference.subject {
        case .variable(let name):
            guard configuration.variables[name] != nil else {
                return failure("Reference to undeclared input variable", "An input variable with the name \(Value.quoted(name)) has not been declared. This variable can be declared with a \"variable\" block.\(Suggestion.didYouMean(name, among: configuration.variables.keys))")
            }
            return .success(nil)
        case .local(let name):
            guard configuration.locals[name] != nil else {
                return failure("Reference to undeclared local value", "A local value with the name \(Value.quoted(name)) has not been declared.\(Suggestion.didYouMean(name, among: configuration.locals.keys))")
            }
            return .success("local.\(name)")
        case .countIndex, .selfObject, .path:
            return .success(nil)
        case .module(let name):
            return checkModule(name, reference, failure)
        case .each(let attribute):
            guard let address, hasForEach(localAddress(address)) else {
                return .failure(Self.located(Evaluator.eachOutsideForEach(at: reference.location), address: address))
            }
            guard attribute.isEmpty || attribute == "key" || attribute == "value" else {
                return .failure(Self.located(Evaluator.invalidEachAttribute(attribute, at: reference.location), address: address))
            }
            return .success(nil)
        case .dataSource(let type, let name):
            guard !type.isEmpty, !name.isEmpty else {
                return failure("Invalid reference", "A reference to a data source must be followed by the data source type and name, as in data.aws_ami.NAME.")
            }
            let key = "\(type).\(name)"
            guard let dataType = configuration.resourceTypes.dataSource(type), let block = dataBlocks[key] else {
                let known = configuration.resourceTypes.dataSource(type) == nil
                    ? Suggestion.didYouMean(type, among: configuration.resourceTypes.dataSourceNames)
                    : Suggestion.didYouMean(name, among: dataBlocks.values.filter { $0.type == type }.map(\.name))
                return failure("Reference to undeclared resource", "A data resource \(Value.quoted(type)) \(Value.quoted(name)) has not been declared in the root module.\(known)")
            }
            return checkSteps(reference, target: "data." + key, block: block, schema: dataType.schema, holder: holder)
        case .resource(let type, let name):
            guard let schema = configuration.resourceTypes[type]?.schema else {
                let roots = ["var", "local", "count", "each", "self", "path", "module"] + configuration.resourceTypes.names
                return failure("Unknown reference", "There is nothing named \(Value.quoted(type)) in scope; \(Evaluator.referenceHint)\(Suggestion.didYouMean(type, among: roots))")
            }
            guard !name.isEmpty else {
                return failure("Invalid reference", "A reference to a resource type must be followed by the resource name, as in \(type).NAME.")
            }
            let address = "\(type).\(name)"
            guard let block = resourceBlocks[address] else {
                let names = resourceBlocks.values.filter { $0.type == type }.map(\.name)
                return failure("Reference to undeclared resource", "A resource \(Value.quoted(address)) has not been declared.\(Suggestion.didYouMean(name, among: names))")
            }
            return checkSteps(reference, target: address, block: block, schema: schema, holder: holder)
        }
    }

    /// The instance key and attribute after a resource or data source reference, checked against
    /// its `count` and schema.
    private func checkSteps(_ reference: Reference, target address: String, block: ResourceBlock, schema: ResourceSchema, holder: String?) -> Result<String?, Diagnostic> {
        func failure(_ summary: String, _ detail: String, at location: SourceLocation) -> Result<String?, Diagnostic> {
            .failure(.error(summary, detail: detail, at: location, address: holder))
        }
        do {
            var steps = reference.remainingSteps[...]
            switch steps.first {
            case .attribute(let attribute, let location)?:
                if block.count != nil {
                    return failure("Missing resource instance key", "Because \(address) has \"count\" set, its attributes must be accessed on specific instances: \(address)[count.index].\(attribute), \(address)[0].\(attribute), or \(address)[*].\(attribute) for all of them.", at: location)
                }
                if block.forEach != nil {
                    return failure("Missing resource instance key", "Because \(address) has \"for_each\" set, its attributes must be accessed on specific instances.\n\nFor example, to correlate with indices of a referring resource, use:\n    \(address)[each.key]", at: location)
                }
            case .splat(let location)? where block.forEach != nil:
                return failure("Unsupported splat on a for_each resource", "\(address) has \"for_each\" set, so it is a map of instances by key, not a list; use values(\(address))[*] for all of them.", at: location)
            case .index(_, let location)?, .splat(let location)?:
                if !block.isRepeated {
                    return failure("Unexpected resource instance key", "Because \(address) does not have \"count\" or \"for_each\" set, it has one instance; refer to it without an index, as \(address).ATTRIBUTE.", at: location)
                }
                steps = steps.dropFirst()
            case nil:
                break
            }
            if case .attribute(let attribute, let location)? = steps.first, schema.body.attributes[attribute] == nil {
                return failure("Unsupported attribute", "This object has no argument, nested block, or exported attribute named \(Value.quoted(attribute)).\(Suggestion.didYouMean(attribute, among: schema.body.attributes.keys))", at: location)
            }
            return .success(address)
        }
    }

    /// `type.name` of a holder's address as reported (`module.workers.type.name` in a module).
    func localAddress(_ address: String) -> String {
        address.hasPrefix(staticPrefix) ? String(address.dropFirst(staticPrefix.count)) : address
    }

    /// True when the block at `address` (`type.name` or `module.NAME`) has `for_each`: where
    /// `each` may be used.
    func hasForEach(_ address: String) -> Bool {
        if address.hasPrefix("module.") { return configuration.moduleCalls[String(address.dropFirst(7))]?.forEach != nil }
        return resourceBlocks[address]?.forEach != nil
    }

    /// True when `depends_on` may name `address`: a resource or a module call of this module.
    func isDependable(_ address: String) -> Bool {
        if resourceBlocks[address] != nil { return true }
        return address.hasPrefix("module.") && configuration.moduleCalls[String(address.dropFirst(7))] != nil
    }

    /// `module.NAME.OUTPUT`, `module.NAME[i].OUTPUT`, `module.NAME[*].OUTPUT`,
    /// `module.NAME["KEY"].OUTPUT`: the call is declared, has an instance key exactly when it has
    /// `count` or `for_each` (no splat with `for_each`: its instances are a map), and its module
    /// declares the output.
    func checkModule(_ name: String, _ reference: Reference, _ failure: (String, String, SourceLocation?) -> Result<String?, Diagnostic>) -> Result<String?, Diagnostic> {
        guard let call = configuration.moduleCalls[name] else {
            return failure("Reference to undeclared module", "No module call named \(Value.quoted(name)) is declared in \(moduleName).\(Suggestion.didYouMean(name, among: configuration.moduleCalls.keys))", nil)
        }
        var steps = reference.remainingSteps[...]
        switch steps.first {
        case .attribute(let output, let location)?:
            if call.count != nil {
                return failure("Missing module instance key", "Because \(call.address) has \"count\" set, its outputs must be accessed on specific instances: \(call.address)[0].\(output), or \(call.address)[*].\(output) for all of them.", location)
            }
            if call.forEach != nil {
                return failure("Missing module instance key", "Because \(call.address) has \"for_each\" set, its outputs must be accessed on specific instances: \(call.address)[each.key].\(output), \(call.address)[\"KEY\"].\(output), or values(\(call.address))[*].\(output) for all of them.", location)
            }
        case .splat(let location)? where call.forEach != nil:
            return failure("Unsupported splat on a for_each module", "\(call.address) has \"for_each\" set, so it is a map of instances by key, not a list; use values(\(call.address))[*] for all of them.", location)
        case .index(_, let location)?, .splat(let location)?:
            if !call.isRepeated {
                return failure("Unexpected module instance key", "Because \(call.address) does not have \"count\" or \"for_each\" set, it has one instance; refer to its outputs without an index, as \(call.address).OUTPUT.", location)
            }
            steps = steps.dropFirst()
        case nil:
            break
        }
        if case .attribute(let output, let location)? = steps.first, let module = call.module, module.outputs[output] == nil {
            return failure("Reference to undeclared output value", "An output value with the name \(Value.quoted(output)) has not been declared in \(call.address).\(Suggestion.didYouMean(output, among: module.outputs.keys))", location)
        }
        return .success(call.address)
    }
}
