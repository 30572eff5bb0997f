import TFYCore

/// Module calls in the evaluation: a call is one node of its module's graph (its `count` and
/// arguments are its references); each of its instances is evaluated as a configuration of its
/// own, with its own scope (variables from the arguments, locals, resources, `count.index`),
/// as Terraform expands a module per instance.
extension EvaluationRun {
    /// The resources of this module instance and of every module instance it calls.
    var allResources: [EvaluatedResource] {
        configuration.resources.compactMap { resources[$0.address] } + moduleResources
    }

    mutating func addModuleNodes() {
        for name in configuration.moduleCalls.keys.sorted() {
            let call = configuration.moduleCalls[name]!
            let expressions = [call.count].compactMap { $0 } + call.arguments.keys.sorted().map { call.arguments[$0]!.expression }
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
        let (count, known) = evaluateCount(call.count, node: node, address: label)
        guard known else {
            if !failed.contains(node), let location = call.count?.location {
                unknownModuleCounts.append(UnknownModuleCount(address: label, location: location))
            }
            checkReferences(in: module, of: call)
            return
        }
        let keys: [Int?] = count.map { Array(0..<$0) } ?? [nil]
        if keys.isEmpty { checkReferences(in: module, of: call) }
        moduleInstances += keys.count
        guard moduleInstances <= ConfigurationEvaluator.countLimit else {
            diagnostics.append(.error("Too many module instances", detail: "\(label) would make the configuration's module instances more than \(ConfigurationEvaluator.countLimit), the most one configuration may have.", at: call.count?.location ?? call.location, address: label))
            failed.insert(node)
            return
        }
        var values: [Value] = []
        for index in keys {
            let step = ModuleStep(name: call.name, key: index.map(InstanceKey.int))
            var instanceScope = scope
            instanceScope.countIndex = index
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
            values.append(.map(child.outputs))
            if moduleInstances > ConfigurationEvaluator.countLimit { break }
        }
        guard !failed.contains(node) else { return }
        scope.modules[call.name] = count == nil ? values[0] : .list(values)
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
