import TFYCore

/// Evaluates a decoded configuration: checks every reference, orders locals, resources and
/// outputs by their references (reporting cycles), expands `count`, and conforms every resource
/// instance to its schema.
public struct ConfigurationEvaluator: Sendable {
    /// Most instances one resource may have.
    public static let countLimit = 100_000

    public var files: FileReader
    /// When planning: decides each resource's change and what its instances look like to the
    /// expressions evaluated after it (kept computed values, or unknown ones when replaced).
    public var instancePlanner: (any InstancePlanner)?
    /// The data sources read so far: a data block whose query is here takes its result; one
    /// whose query is not is left pending (`EvaluatedConfiguration.pendingReads`).
    public var dataResults = DataResults()

    public init(files: FileReader = FileReader(), instancePlanner: (any InstancePlanner)? = nil, dataResults: DataResults = DataResults()) {
        self.files = files
        self.instancePlanner = instancePlanner
        self.dataResults = dataResults
    }

    public func evaluate(_ configuration: Configuration, variables: [String: Value], variableLocations: [String: SourceLocation] = [:]) -> (EvaluatedConfiguration, Diagnostics) {
        var run = EvaluationRun(configuration: configuration, files: files)
        run.instancePlanner = instancePlanner
        run.dataResults = dataResults
        run.scope.variables = variables
        run.checkValidations(variableLocations: variableLocations)
        run.buildGraph()
        run.evaluateInOrder()
        run.checkProviders()
        // Once the evaluation's running totals are spent, every later value fails the same way:
        // the first place is the one to report.
        var exhausted = false
        let diagnostics = Diagnostics(run.diagnostics.unique.items.filter { item in
            guard item.summary == Evaluator.workExhausted else { return true }
            defer { exhausted = true }
            return !exhausted
        })
        var evaluated = EvaluatedConfiguration(
            configuration: configuration, variables: variables, locals: run.scope.locals,
            // The root module's resources are in address order already; only modules' need sorting in.
            resources: run.moduleResources.isEmpty ? run.allResources : run.allResources.sorted { $0.resourceAddress < $1.resourceAddress },
            outputs: run.outputs)
        evaluated.unknownModuleCounts = run.unknownModuleCounts
        evaluated.moduleInstances = run.moduleInstancePaths
        let dependents = run.dataDependents()
        evaluated.dataSources = configuration.dataSources.compactMap { block in
            run.dataSources["data." + block.address].map { source in
                var source = source
                source.dependents = dependents[source.address] ?? []
                return source
            }
        }
        return (evaluated, diagnostics)
    }
}

struct EvaluationRun {
    let configuration: Configuration
    /// The module instance evaluated; empty for the root module.
    let modulePath: [ModuleStep]
    let checker: ReferenceChecker
    var scope = EvaluationScope()
    var diagnostics = Diagnostics()
    /// Node → the nodes it references (`local.x`, `type.name`, `output.x`), added in source order.
    var graph = DependencyGraph<String>()
    /// Node → where it is declared.
    var declared: [String: SourceLocation] = [:]
    var failed = Set<String>()
    var resources: [String: EvaluatedResource] = [:]
    var outputs: [String: Value] = [:]
    var instancePlanner: (any InstancePlanner)?
    var dataResults = DataResults()
    /// By `data.TYPE.NAME`.
    var dataSources: [String: EvaluatedDataSource] = [:]
    let dataBlocks: [String: ResourceBlock]
    /// Resources (`ResourceAddress.resource`) that every resource of this module instance depends
    /// on: those its call depends on, through its arguments and `depends_on`.
    var inheritedDependencies: [String] = []
    /// The resources of every module instance this module calls, nested ones included.
    var moduleResources: [EvaluatedResource] = []
    /// `module.NAME` → the resources of all its instances (`ResourceAddress.resource`), for what
    /// depends on the call.
    var moduleResourceAddresses: [String: [String]] = [:]
    /// Module calls whose `count` is not known until apply.
    var unknownModuleCounts: [UnknownModuleCount] = []
    /// Module instances made so far, in the whole evaluation.
    var moduleInstances = 0
    /// The paths of the module instances this module calls, nested ones included.
    var moduleInstancePaths: Set<[ModuleStep]> = []

    init(configuration: Configuration, files: FileReader, modulePath: [ModuleStep] = []) {
        self.configuration = configuration
        self.modulePath = modulePath
        checker = ReferenceChecker(configuration: configuration, modulePath: modulePath)
        dataBlocks = Dictionary(configuration.dataSources.map { ("data." + $0.address, $0) }, uniquingKeysWith: { a, _ in a })
        scope.moduleDirectory = configuration.directory
        scope.files = files
        scope.resourceTypes = Set(configuration.resourceTypes.names)
    }

    // MARK: Variables

    mutating func checkValidations(variableLocations: [String: SourceLocation]) {
        let evaluator = Evaluator(scope: scope)
        for name in configuration.variables.keys.sorted() {
            let declaration = configuration.variables[name]!
            for rule in declaration.validations {
                var ok = true
                for reference in ReferenceChecker.references(in: rule.condition) {
                    switch reference.subject {
                    case .variable:
                        if case .failure(let d) = checker.check(reference, address: nil) { diagnostics.append(d); ok = false }
                    default:
                        diagnostics.append(.error("Invalid reference in variable validation", detail: "A validation condition can refer only to input variables.", at: reference.location))
                        ok = false
                    }
                }
                guard ok else { continue }
                do {
                    let (result, _) = try evaluator.evaluate(rule.condition).unmarked
                    switch result {
                    case .bool(false):
                        var diagnostic = Diagnostic.error("Invalid value for variable", detail: "\(rule.errorMessage)\n\nThis was checked by the validation rule at \(rule.location).", at: variableLocations[name] ?? rule.condition.location)
                        // The location is the variable file's line, which holds the value.
                        diagnostic.sourceIsSensitive = declaration.sensitive && variableLocations[name] != nil
                        diagnostics.append(diagnostic)
                    case .bool(true), .unknown:
                        break
                    default:
                        diagnostics.append(.error("Invalid validation condition", detail: "The condition must be true or false, not \(result.kindDescription).", at: rule.condition.location))
                    }
                } catch let error as EvaluationError {
                    diagnostics.append(error.diagnostic)
                } catch {}
            }
        }
    }

    // MARK: Graph

    mutating func addNode(_ node: String, at location: SourceLocation, expressions: [Expression], dependsOn: [DependsOnEntry], address: String?) {
        declared[node] = location
        var targets: [String] = []
        for expression in expressions {
            for reference in ReferenceChecker.references(in: expression) {
                switch checker.check(reference, address: address) {
                case .success(let target?): if !targets.contains(target) { targets.append(target) }
                case .success(nil): break
                case .failure(let diagnostic):
                    diagnostics.append(diagnostic)
                    failed.insert(node)
                }
            }
        }
        for entry in dependsOn where !targets.contains(entry.address) && checker.isDependable(entry.address) {
            targets.append(entry.address)
        }
        graph.add(node)
        for target in targets { graph.add(node, dependsOn: target) }
    }

    mutating func buildGraph() {
        for name in configuration.locals.keys.sorted() {
            let local = configuration.locals[name]!
            addNode("local.\(name)", at: local.location, expressions: [local.expression], dependsOn: [], address: nil)
        }
        for block in configuration.dataSources {
            let expressions = [block.count].compactMap { $0 } + block.attributes.keys.sorted().map { block.attributes[$0]!.expression }
            addNode("data." + block.address, at: block.location, expressions: expressions, dependsOn: block.dependsOn, address: "data." + block.address)
        }
        for block in configuration.resources {
            let expressions = [block.count, block.forEach].compactMap { $0 } + block.attributes.keys.sorted().map { block.attributes[$0]!.expression }
            addNode(block.address, at: block.location, expressions: expressions, dependsOn: block.dependsOn, address: staticPrefix + block.address)
        }
        addModuleNodes()
        for name in configuration.outputs.keys.sorted() {
            let output = configuration.outputs[name]!
            addNode("output.\(name)", at: output.location, expressions: [output.value], dependsOn: output.dependsOn, address: staticPrefix + "output.\(name)")
        }
    }

    /// Nodes in dependency order; every cycle is reported once and its nodes marked failed.
    mutating func order() -> [String] {
        let (ordered, cycles) = graph.depthFirstOrder()
        for cycle in cycles { reportCycle(cycle) }
        return ordered
    }

    mutating func reportCycle(_ cycle: [String]) {
        failed.formUnion(cycle)
        let first = cycle.min { (declared[$0]?.line ?? 0, $0) < (declared[$1]?.line ?? 0, $1) } ?? cycle[0]
        let start = cycle.firstIndex(of: first) ?? 0
        let rotated = Array(cycle[start...] + cycle[..<start]) + [first]
        let located = rotated.map { node in declared[node].map { "\(node) (\($0))" } ?? node }
        let detail = cycle.count == 1
            ? "\(first) refers to itself."
            : "These values refer to each other in a loop: \(located.joined(separator: " → ")). Break the loop by removing one of these references."
        diagnostics.append(.error("Reference cycle", detail: detail, at: declared[first], address: first.hasPrefix("local.") ? nil : first))
    }

    // MARK: Evaluation

    mutating func evaluateInOrder() {
        for node in order() {
            if node.hasPrefix("local.") {
                let name = String(node.dropFirst(6))
                scope.locals[name] = failed.contains(node) ? .unknown : evaluate(configuration.locals[name]!.expression, node: node)
            } else if node.hasPrefix("output.") {
                evaluateOutput(String(node.dropFirst(7)))
            } else if let block = checker.resourceBlocks[node] {
                evaluateResource(block)
            } else if let block = dataBlocks[node] {
                evaluateDataSource(block)
            } else if node.hasPrefix("module."), let call = configuration.moduleCalls[String(node.dropFirst(7))] {
                evaluateModule(call)
            }
        }
    }

    /// The provider blocks' values, converted and checked against their schemas where they are
    /// written: a `max_retries` of 1e30 is reported by validate, not met when the AWS client is made.
    mutating func checkProviders() {
        for name in configuration.providers.keys.sorted() {
            guard let body = configuration.providers[name], let schema = Schemas.providers[name] else { continue }
            for key in body.attributes.keys.sorted() {
                guard let attribute = schema.attributes[key], let written = body.attributes[key] else { continue }
                let value = evaluate(written.expression, node: "provider.\(name)")
                do {
                    _ = try SchemaConformance.conform(value, attribute, name: key, expression: written.expression, location: written.expression.location, address: "provider.\(name)")
                } catch let failure as SchemaConformance.Failure {
                    var diagnostic = failure.diagnostic
                    diagnostic.address = nil
                    diagnostics.append(diagnostic)
                } catch {}
            }
        }
    }

    mutating func evaluate(_ expression: Expression, node: String, scope custom: EvaluationScope? = nil, address: String? = nil) -> Value {
        do {
            return try Evaluator(scope: custom ?? scope).evaluate(expression)
        } catch let error as EvaluationError {
            var diagnostic = error.diagnostic
            diagnostic.address = diagnostic.address ?? address
            diagnostics.append(diagnostic)
            failed.insert(node)
            return .unknown
        } catch {
            failed.insert(node)
            return .unknown
        }
    }

    /// Resource addresses (`ResourceAddress.resource`) a node depends on, through locals and
    /// resources without instances, transitively: a module call stands for every resource of its instances, and everything
    /// in a module instance depends on what its call depends on.
    func resourceDependencies(of node: String) -> [String] {
        var seen = Set<String>()
        var result = Set(inheritedDependencies)
        var queue = Array(graph.dependencies[node] ?? [])
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            if next.hasPrefix("local.") || next.hasPrefix("data.") {
                queue.append(contentsOf: graph.dependencies[next] ?? [])
            } else if let called = moduleResourceAddresses[next] {
                result.formUnion(called)
            } else if !next.hasPrefix("module.") {
                result.insert(instancePrefix + next)
                // A resource with no instances (count 0, no keys) has nothing to wait for: what
                // depends on it waits for what it depends on, as Terraform's graph waits
                // through the resource node.
                if resources[next]?.instances.isEmpty == true { queue.append(contentsOf: graph.dependencies[next] ?? []) }
            }
        }
        return result.sorted()
    }

    /// Data source (`data.TYPE.NAME`) → what refers to it (`EvaluatedDataSource.dependents`),
    /// through locals and other data sources; a module call stands for every resource of its
    /// instances. Sorted.
    func dataDependents() -> [String: [String]] {
        guard !dataBlocks.isEmpty else { return [:] }
        var result: [String: Set<String>] = [:]
        for node in graph.nodes {
            let referrers: [String]
            if checker.resourceBlocks[node] != nil || dataBlocks[node] != nil {
                referrers = [dataBlocks[node] != nil ? node : instancePrefix + node]
            } else if let called = moduleResourceAddresses[node] {
                referrers = called
            } else {
                continue
            }
            var seen = Set<String>()
            var queue = Array(graph.dependencies[node] ?? [])
            while let next = queue.popLast() {
                guard seen.insert(next).inserted else { continue }
                guard next.hasPrefix("local.") || next.hasPrefix("data.") else { continue }
                if dataBlocks[next] != nil { result[next, default: []].formUnion(referrers) }
                queue.append(contentsOf: graph.dependencies[next] ?? [])
            }
        }
        return result.mapValues { $0.sorted() }
    }

    /// `module.workers[0].` in that module instance; empty in the root module.
    var instancePrefix: String { modulePath.map { "\($0)." }.joined() }

    /// `module.workers.`, without instance keys: where a mistake in the module's text is
    /// reported, once for all its instances.
    var staticPrefix: String { modulePath.map { "module.\($0.name)." }.joined() }

    /// The instances a block asks for, each with its key and, with `for_each`, its `each.value`:
    /// one without a key for a block with neither `count` nor `for_each`. Nil when they cannot be
    /// known: an error was reported, or they are known only after apply (then with the
    /// diagnostic plan reports).
    mutating func evaluateRepetition(_ block: ResourceBlock) -> (instances: [(key: InstanceKey?, each: Value?)]?, unknownKeys: Diagnostic?) {
        if let forEach = block.forEach {
            // Both set is reported by the loader; neither can be trusted to say which instances.
            guard block.count == nil else {
                failed.insert(block.address)
                return (nil, nil)
            }
            let value = evaluate(forEach, node: block.address, address: instancePrefix + block.address)
            guard !failed.contains(block.address) else { return (nil, nil) }
            switch ForEachArgument(forEach, address: instancePrefix + block.address, in: configuration).expand(value) {
            case .success(.known(let pairs)):
                return (pairs.map { (key: $0.key, each: $0.value) }, nil)
            case .success(.unknown(let diagnostic)):
                return (nil, diagnostic)
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
                failed.insert(block.address)
                return (nil, nil)
            }
        }
        let (count, known) = evaluateCount(block)
        guard known else { return (nil, nil) }
        guard let count else { return ([(key: nil, each: nil)], nil) }
        return ((0..<count).map { (key: InstanceKey.int($0), each: nil) }, nil)
    }

    mutating func evaluateCount(_ block: ResourceBlock) -> (count: Int?, known: Bool) {
        evaluateCount(block.count, node: block.address, address: instancePrefix + block.address)
    }

    /// The value of a `count` argument (of a resource or a module call).
    mutating func evaluateCount(_ countExpression: Expression?, node: String, address: String) -> (count: Int?, known: Bool) {
        guard let expression = countExpression else { return (nil, true) }
        let value = evaluate(expression, node: node, address: address)
        func invalid(_ detail: String) -> (Int?, Bool) {
            diagnostics.append(.error("Invalid count argument", detail: detail, at: expression.location, address: address))
            return (nil, false)
        }
        if value.isSensitive { return invalid("Sensitive values, or values derived from sensitive values, cannot be used as count arguments.") }
        switch value {
        case .unknown:
            return (nil, false)
        case .null:
            return invalid("The given \"count\" argument value is null. A whole number is required.")
        default:
            guard let number = ValueType.number.convert(value).successValue?.numberValue else {
                return invalid("The given \"count\" argument value is unsuitable: a number is required, not \(value.kindDescription).")
            }
            guard number.isFinite, number == number.rounded() else {
                return invalid("The given \"count\" argument value is unsuitable: must be a whole number, not \(Value.format(number: number)).")
            }
            guard number >= 0 else {
                return invalid("The given \"count\" argument value is unsuitable: must be greater than or equal to zero, not \(Value.format(number: number)).")
            }
            // Compared as a double: 1e30 is too many, not a number the conversion to Int traps on.
            guard number <= Double(ConfigurationEvaluator.countLimit), let whole = Value.wholeNumber(number) else {
                return invalid("The given \"count\" argument value is unsuitable: must be at most \(ConfigurationEvaluator.countLimit), not \(Value.format(number: number)).")
            }
            return (whole, true)
        }
    }

    /// Whether `expression` reads nothing of the instance it is evaluated for.
    static func sameForEveryInstance(_ expression: Expression) -> Bool {
        !ReferenceChecker.references(in: expression).contains { reference in
            switch reference.subject {
            case .countIndex, .each, .selfObject: return true
            default: return false
            }
        }
    }

    mutating func evaluateResource(_ block: ResourceBlock) {
        let node = block.address
        let dependencies = resourceDependencies(of: node)
        let schema = block.schema
        guard !failed.contains(node) else {
            resources[node] = EvaluatedResource(block: block, module: modulePath, count: nil, countIsKnown: false, instances: [], dependencies: dependencies)
            scope.resources[node] = .unknown
            return
        }
        let (repetition, unknownKeys) = evaluateRepetition(block)
        guard let repetition else {
            var unknown = EvaluatedResource(block: block, module: modulePath, count: nil, countIsKnown: false, instances: [], dependencies: dependencies)
            unknown.unknownKeys = unknownKeys
            resources[node] = unknown
            scope.resources[node] = .unknown
            return
        }
        var instances: [ResourceInstance] = []
        instances.reserveCapacity(repetition.count)
        let names = block.attributes.keys.sorted().filter { $0 != "connection" }
        // An argument that names no `count`, `each` or `self` has one value for every instance
        // (tfy's functions are pure): it is evaluated for the first and shared, storage and all.
        // One that failed is evaluated again for each, as it was, so every error keeps its address.
        let sharedNames = repetition.count > 1 ? Set(names.filter { Self.sameForEveryInstance(block.attributes[$0]!.expression) }) : []
        var shared: [String: Value] = [:]
        // What the first instance's conformance made of the shared arguments and of those not
        // configured (their defaults): the same for every instance.
        var conformedShared: (conformed: [String: Value], conforming: [String])?
        for (key, eachValue) in repetition {
            let address = ResourceAddress(module: modulePath, type: block.type, name: block.name, key: key)
            let label = address.description
            var instanceScope = scope
            instanceScope.countIndex = key?.intValue
            if case .string(let name)? = key, let eachValue { instanceScope.each = (name, eachValue) }
            var values: [String: Value] = [:]
            for name in names {
                if let value = shared[name] {
                    values[name] = value
                    continue
                }
                let errors = diagnostics.count
                let value = evaluate(block.attributes[name]!.expression, node: node, scope: instanceScope, address: label)
                values[name] = value
                if sharedNames.contains(name), diagnostics.count == errors, !failed.contains(node) { shared[name] = value }
            }
            if let connection = block.attributes["connection"] {
                var selfObject = values
                for (key, attribute) in schema.body.attributes where selfObject[key] == nil && key != "connection" {
                    selfObject[key] = SchemaConformance.fill(attribute)
                }
                instanceScope.selfValue = .map(selfObject)
                values["connection"] = evaluate(connection.expression, node: node, scope: instanceScope, address: label)
            }
            do {
                let attributes = try SchemaConformance.conformBody(values, schema.body, expressions: block.attributes, address: label, location: block.location,
                                                                   shared: conformedShared)
                if conformedShared == nil, !sharedNames.isEmpty {
                    let reused = attributes.filter { values[$0.key] == nil || shared[$0.key] != nil }
                    conformedShared = (reused, schema.body.attributes.keys.filter { reused[$0] == nil })
                }
                var instance = ResourceInstance(address: address, attributes: attributes)
                // Optional, computed attributes configured as null are left to the provider.
                for (name, value) in values where value.isNull && schema.body.attributes[name]?.presence == .optionalComputed {
                    instance.nullConfigured.insert(name)
                }
                instances.append(instance)
            } catch let failure as SchemaConformance.Failure {
                diagnostics.append(failure.diagnostic)
                failed.insert(node)
            } catch {
                failed.insert(node)
            }
        }
        let count = block.count != nil ? repetition.count : nil
        resources[node] = EvaluatedResource(block: block, module: modulePath, count: count, countIsKnown: true, instances: instances, dependencies: dependencies)
        var visible = instances
        if !failed.contains(node), let planner = instancePlanner {
            visible = planner.plan(block, desired: instances, dependencies: dependencies)
        }
        if failed.contains(node) {
            scope.resources[node] = .unknown
        } else if count != nil {
            scope.resources[node] = .list(visible.map { .map($0.attributes) })
        } else if block.forEach != nil {
            // A map of objects by key, as Terraform sees it: `values(...)`, `keys(...)` and a
            // `for` over it work, and `["zk"]` picks one.
            var byKey: [String: Value] = [:]
            for instance in visible {
                if case .string(let key)? = instance.address.key { byKey[key] = .map(instance.attributes) }
            }
            scope.resources[node] = .map(byKey)
        } else {
            scope.resources[node] = visible.first.map { .map($0.attributes) } ?? .unknown
        }
    }

    /// A data block's instances: arguments evaluated and converted; the result of their query
    /// when `dataResults` has it, pending when it does not, deferred to apply when an argument
    /// is not known yet. Its value in expressions is the result, or the arguments with every
    /// exported attribute unknown.
    mutating func evaluateDataSource(_ block: ResourceBlock) {
        let node = "data." + block.address
        let dependencies = resourceDependencies(of: node)
        let schema = block.schema
        guard !failed.contains(node) else {
            dataSources[node] = EvaluatedDataSource(block: block, count: nil, instances: [], dependencies: dependencies)
            scope.resources[node] = .unknown
            return
        }
        let (count, known) = evaluateCount(block.count, node: node, address: node)
        guard known else {
            dataSources[node] = EvaluatedDataSource(block: block, count: nil, instances: [], dependencies: dependencies)
            scope.resources[node] = .unknown
            return
        }
        let indices: [Int?] = count.map { Array(0..<$0) } ?? [nil]
        var instances: [DataInstance] = []
        var visible: [Value] = []
        let names = block.attributes.keys.sorted()
        for index in indices {
            let address = ResourceAddress(type: block.type, name: block.name, index: index)
            let label = "data." + address.description
            var instanceScope = scope
            instanceScope.countIndex = index
            var values: [String: Value] = [:]
            for name in names {
                values[name] = evaluate(block.attributes[name]!.expression, node: node, scope: instanceScope, address: label)
            }
            do {
                let attributes = try SchemaConformance.conformBody(values, schema.body, expressions: block.attributes, address: label, location: block.location)
                // A null argument is left out, as Terraform omits it (`id: null` asks for no ID;
                // conformance would make it unknown, as a computed attribute not set is).
                var arguments: [String: Value] = [:]
                for name in names where !(values[name]?.deepUnmarked.isNull ?? true) { arguments[name] = attributes[name] ?? .null }
                let status: DataInstance.Status
                if !Value.map(arguments).isWhollyKnown {
                    status = .deferred(attributes)
                    visible.append(.map(attributes))
                } else {
                    let query = DataQuery(type: block.type, arguments: arguments)
                    if let result = dataResults.saved[label] ?? dataResults[query] {
                        status = .read(result)
                        visible.append(.map(result))
                    } else {
                        status = .pending(query)
                        visible.append(.map(attributes))
                    }
                }
                instances.append(DataInstance(address: address, status: status))
            } catch let failure as SchemaConformance.Failure {
                diagnostics.append(failure.diagnostic)
                failed.insert(node)
            } catch {
                failed.insert(node)
            }
        }
        dataSources[node] = EvaluatedDataSource(block: block, count: count, instances: instances, dependencies: dependencies)
        if failed.contains(node) {
            scope.resources[node] = .unknown
        } else {
            scope.resources[node] = count != nil ? .list(visible) : visible.first ?? .unknown
        }
    }

    mutating func evaluateOutput(_ name: String) {
        let output = configuration.outputs[name]!
        let node = "output.\(name)"
        guard !failed.contains(node) else {
            outputs[name] = .unknown
            return
        }
        let value = evaluate(output.value, node: node, address: instancePrefix + node)
        if value.containsSensitive, !output.sensitive {
            diagnostics.append(.error("Output refers to sensitive values", detail: "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, tfy requires that any output containing sensitive data be explicitly marked as sensitive, to confirm your intent. If you do intend to export this data, add \"sensitive: true\" to output \(Value.quoted(name)).", at: output.value.location, address: staticPrefix + node))
        }
        outputs[name] = value.marked(output.sensitive)
    }
}

/// Plans resources while the configuration is evaluated, in dependency order, so references to a
/// resource see its planned values: computed attributes kept from state, or unknown when the
/// object will be created or replaced.
public protocol InstancePlanner: AnyObject, Sendable {
    /// Records the change for each desired instance and returns the instances as planned.
    func plan(_ block: ResourceBlock, desired: [ResourceInstance], dependencies: [String]) -> [ResourceInstance]
}
