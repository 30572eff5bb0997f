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

    public init(files: FileReader = FileReader(), instancePlanner: (any InstancePlanner)? = nil) {
        self.files = files
        self.instancePlanner = instancePlanner
    }

    public func evaluate(_ configuration: Configuration, variables: [String: Value], variableLocations: [String: SourceLocation] = [:]) -> (EvaluatedConfiguration, Diagnostics) {
        var run = EvaluationRun(configuration: configuration, files: files)
        run.instancePlanner = instancePlanner
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
        let evaluated = EvaluatedConfiguration(
            configuration: configuration, variables: variables, locals: run.scope.locals,
            resources: configuration.resources.compactMap { run.resources[$0.address] }, outputs: run.outputs)
        return (evaluated, diagnostics)
    }
}

private struct EvaluationRun {
    let configuration: Configuration
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

    init(configuration: Configuration, files: FileReader) {
        self.configuration = configuration
        checker = ReferenceChecker(configuration: configuration)
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
        for entry in dependsOn where !targets.contains(entry.address) && checker.resourceBlocks[entry.address] != nil {
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
        for block in configuration.resources {
            let expressions = [block.count, block.forEach].compactMap { $0 } + block.attributes.keys.sorted().map { block.attributes[$0]!.expression }
            addNode(block.address, at: block.location, expressions: expressions, dependsOn: block.dependsOn, address: block.address)
        }
        for name in configuration.outputs.keys.sorted() {
            let output = configuration.outputs[name]!
            addNode("output.\(name)", at: output.location, expressions: [output.value], dependsOn: output.dependsOn, address: "output.\(name)")
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

    /// Resource addresses a node depends on, through locals, transitively.
    func resourceDependencies(of node: String) -> [String] {
        var seen = Set<String>()
        var result = Set<String>()
        var queue = Array(graph.dependencies[node] ?? [])
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            if next.hasPrefix("local.") { queue.append(contentsOf: graph.dependencies[next] ?? []) } else { result.insert(next) }
        }
        return result.sorted()
    }

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
            let value = evaluate(forEach, node: block.address, address: block.address)
            guard !failed.contains(block.address) else { return (nil, nil) }
            switch ForEachArgument(forEach, address: block.address, in: configuration).expand(value) {
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
        guard let expression = block.count else { return (nil, true) }
        let value = evaluate(expression, node: block.address, address: block.address)
        func invalid(_ detail: String) -> (Int?, Bool) {
            diagnostics.append(.error("Invalid count argument", detail: detail, at: expression.location, address: block.address))
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

    mutating func evaluateResource(_ block: ResourceBlock) {
        let node = block.address
        let dependencies = resourceDependencies(of: node)
        let schema = block.schema
        guard !failed.contains(node) else {
            resources[node] = EvaluatedResource(block: block, count: nil, countIsKnown: false, instances: [], dependencies: dependencies)
            scope.resources[node] = .unknown
            return
        }
        let (repetition, unknownKeys) = evaluateRepetition(block)
        guard let repetition else {
            var unknown = EvaluatedResource(block: block, count: nil, countIsKnown: false, instances: [], dependencies: dependencies)
            unknown.unknownKeys = unknownKeys
            resources[node] = unknown
            scope.resources[node] = .unknown
            return
        }
        var instances: [ResourceInstance] = []
        instances.reserveCapacity(repetition.count)
        let names = block.attributes.keys.sorted().filter { $0 != "connection" }
        for (key, eachValue) in repetition {
            let address = ResourceAddress(type: block.type, name: block.name, key: key)
            let label = address.description
            var instanceScope = scope
            instanceScope.countIndex = key?.intValue
            if case .string(let name)? = key, let eachValue { instanceScope.each = (name, eachValue) }
            var values: [String: Value] = [:]
            for name in names {
                values[name] = evaluate(block.attributes[name]!.expression, node: node, scope: instanceScope, address: label)
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
                let attributes = try SchemaConformance.conformBody(values, schema.body, expressions: block.attributes, address: label, location: block.location)
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
        resources[node] = EvaluatedResource(block: block, count: count, countIsKnown: true, instances: instances, dependencies: dependencies)
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

    mutating func evaluateOutput(_ name: String) {
        let output = configuration.outputs[name]!
        let node = "output.\(name)"
        guard !failed.contains(node) else {
            outputs[name] = .unknown
            return
        }
        let value = evaluate(output.value, node: node, address: node)
        if value.containsSensitive, !output.sensitive {
            diagnostics.append(.error("Output refers to sensitive values", detail: "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, tfy requires that any output containing sensitive data be explicitly marked as sensitive, to confirm your intent. If you do intend to export this data, add \"sensitive: true\" to output \(Value.quoted(name)).", at: output.value.location, address: node))
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
