import TFYCore

/// Module calls in the evaluation: a call is one node of its module's graph (its `count` or
/// `for_each` and arguments are its references); each of its instances is evaluated as a
/// configuration of its own, with its own scope (variables from the arguments, locals,
/// resources, `count.index`, or `each.key` and `each.value` in the call's arguments),
/// as Terraform expands a module per instance.
extension EvaluationRun {
    /// The resources of this module instance and of every module instance it calls.
    var allResources: [EvaluatedResource] {
        configuration.resources.compactMap { resources[$0.address] } + moduleResources
    }

    mutating func addModuleNodes() {
        for name in configuration.moduleCalls.keys.sorted() {
            let call = configuration.moduleCalls[name]!
            let expressions = [call.count, call.forEach].compactMap { $0 } + call.arguments.keys.sorted().map { call.arguments[$0]!.expression }
            addNode(call.address, at: call.location, expressions: expressions, dependsOn: call.dependsOn, address: staticPrefix + call.address)
        }
    }

    mutating func evaluateModule(_ call: ModuleCall) {
        let node = call.address
        let label = instancePrefix + node
        let dependencies = resourceDependencies(of: node)
        moduleResourceAddresses[node] = []
        scope.modules[call.name] = .unknown
        // Past the instance limit (reported where it was crossed) nothing more is expanded.
        guard !failed.contains(node), let module = call.module, moduleInstances <= ConfigurationEvaluator.countLimit else { return }
        guard let repetition = moduleRepetition(call, module: module, address: label) else { return }
        if repetition.isEmpty { checkReferences(in: module, of: call) }
        moduleInstances += repetition.count
        guard moduleInstances <= ConfigurationEvaluator.countLimit else {
            diagnostics.append(.error("Too many module instances", detail: "\(label) would make the configuration's module instances more than \(ConfigurationEvaluator.countLimit), the most one configuration may have.", at: (call.count ?? call.forEach)?.location ?? call.location, address: label))
            failed.insert(node)
            return
        }
        var values: [(key: InstanceKey?, outputs: Value)] = []
        for (key, eachValue) in repetition {
            let step = ModuleStep(name: call.name, key: key)
            var instanceScope = scope
            instanceScope.countIndex = key?.intValue
            if case .string(let name)? = key, let eachValue { instanceScope.each = (name, eachValue) }
            let (variables, locations) = inputs(of: call, module: module, scope: instanceScope, label: instancePrefix + step.description)
            var child = EvaluationRun(configuration: module, files: scope.files, modulePath: modulePath + [step])
            child.instancePlanner = instancePlanner
            child.scope.variables = variables
            child.scope.budget = scope.budget
            child.scope.meter = scope.meter
            child.inheritedDependencies = dependencies
            child.moduleInstances = moduleInstances
            child.checkValidations(variableLocations: locations)
            child.buildGraph()
            child.evaluateInOrder()
            moduleInstances = child.moduleInstances
            moduleInstancePaths.insert(modulePath + [step])
            moduleInstancePaths.formUnion(child.moduleInstancePaths)
            diagnostics.append(contentsOf: child.diagnostics)
            if child.diagnostics.hasErrors { failed.insert(node) }
            let evaluated = child.allResources
            moduleResources += evaluated
            moduleResourceAddresses[node, default: []] += evaluated.map(\.address)
            values.append((key, .map(child.outputs)))
            if moduleInstances > ConfigurationEvaluator.countLimit { break }
        }
        guard !failed.contains(node) else { return }
        if call.count != nil {
            scope.modules[call.name] = .list(values.map(\.outputs))
        } else if call.forEach != nil {
            // A map of output objects by key, as Terraform sees it: `values(...)`, `keys(...)` and
            // a `for` over it work, and `["a"]` picks one.
            var byKey: [String: Value] = [:]
            for (key, outputs) in values { if case .string(let name)? = key { byKey[name] = outputs } }
            scope.modules[call.name] = .map(byKey)
        } else {
            scope.modules[call.name] = values[0].outputs
        }
    }

    /// The instances a call asks for, each with its key and, with `for_each`, its `each.value`:
    /// one without a key for a call with neither `count` nor `for_each`. Nil when they cannot be
    /// known: an error was reported, or they are known only after apply (then plan reports it,
    /// from `unknownModuleCounts`); the module's references are still checked.
    mutating func moduleRepetition(_ call: ModuleCall, module: Configuration, address label: String) -> [(key: InstanceKey?, each: Value?)]? {
        let node = call.address
        guard let forEach = call.forEach else {
            let (count, known) = evaluateCount(call.count, node: node, address: label)
            guard known else {
                if !failed.contains(node), let location = call.count?.location {
                    unknownModuleCounts.append(UnknownModuleCount(address: label, location: location))
                }
                checkReferences(in: module, of: call)
                return nil
            }
            guard let count else { return [(key: nil, each: nil)] }
            return (0..<count).map { (key: InstanceKey.int($0), each: nil) }
        }
        // Both set is reported by the loader; neither can be trusted to say which instances.
        guard call.count == nil else {
            failed.insert(node)
            return nil
        }
        let value = evaluate(forEach, node: node, address: label)
        guard !failed.contains(node) else { return nil }
        switch ForEachArgument(forEach, address: label, in: configuration, blockKind: "module").expand(value) {
        case .success(.known(let pairs)):
            return pairs.map { (key: $0.key, each: $0.value) }
        case .success(.unknown(let diagnostic)):
            unknownModuleCounts.append(UnknownModuleCount(address: label, location: forEach.location, unknownKeys: diagnostic))
            checkReferences(in: module, of: call)
            return nil
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            failed.insert(node)
            return nil
        }
    }

    /// A call with no instances (yet) still has its module's references checked, as Terraform
    /// validates a module whatever its count: nothing is evaluated or planned.
    mutating func checkReferences(in module: Configuration, of call: ModuleCall) {
        var probe = EvaluationRun(configuration: module, files: scope.files, modulePath: modulePath + [ModuleStep(name: call.name)])
        probe.buildGraph()
        diagnostics.append(contentsOf: probe.diagnostics)
    }

    /// The module's input variables for one instance: the call's arguments converted to each
    /// variable's type, defaults for the rest, sensitive ones marked; and where each was given.
    mutating func inputs(of call: ModuleCall, module: Configuration, scope instanceScope: EvaluationScope, label: String) -> ([String: Value], [String: SourceLocation]) {
        var values: [String: Value] = [:]
        var locations: [String: SourceLocation] = [:]
        for name in module.variables.keys.sorted() {
            let declaration = module.variables[name]!
            guard let argument = call.arguments[name] else {
                values[name] = (declaration.defaultValue ?? .unknown).marked(declaration.sensitive)
                continue
            }
            let given = evaluate(argument.expression, node: call.address, scope: instanceScope, address: label)
            locations[name] = argument.expression.location
            func invalid(_ message: String) {
                diagnostics.append(.error("Invalid value for input variable", detail: "The given value is not suitable for \(label).var.\(name) declared at \(declaration.location): \(message).", at: argument.expression.location, address: label))
                values[name] = Value.unknown.marked(declaration.sensitive)
            }
            if given.isNull {
                // As in Terraform: null is the value of a nullable variable, and the default of
                // one that is not.
                if declaration.nullable { values[name] = Value.null.marked(declaration.sensitive) } else if let fallback = declaration.defaultValue {
                    values[name] = fallback.marked(declaration.sensitive)
                } else {
                    invalid("the value must not be null")
                }
                continue
            }
            switch (declaration.type ?? .any).convert(given) {
            case .success(let converted): values[name] = converted.marked(declaration.sensitive)
            case .failure(let error): invalid(declaration.sensitive || given.containsSensitive ? error.redacted : error.description)
            }
        }
        return (values, locations)
    }
}
