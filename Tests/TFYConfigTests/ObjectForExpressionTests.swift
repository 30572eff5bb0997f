import Testing
import TFYConfig
import TFYCore

/// Object `for` expressions (`{for k, v in X : KEY => VALUE...  if COND}`), with the values and
/// the error wording of Terraform 1.11 (`terraform console`).
@Suite(.timeLimit(.minutes(10)))
struct ObjectForExpressionTests {
    static let servers: Value = .list([
        .map(["name": .string("m1"), "role": .string("master")]),
        .map(["name": .string("w1"), "role": .string("worker")]),
        .map(["name": .string("w2"), "role": .string("worker")]),
    ])
    static let secret = Value.sensitive(.string("s3cr3t"))
    let locals: [String: Value] = [
        "servers": servers,
        "tags": .map(["Name": .string("m"), "Secret": secret]),
        "later": .unknown,
    ]
    let variables: [String: Value] = ["pw": secret, "names": .sensitive(.list([.string("a"), .string("b")]))]

    func value(_ text: String) throws -> Value { try evaluateExpression(text, locals: locals, variables: variables) }

    @Test(arguments: [
        (#"${{for k, v in ["a", "b"] : v => k}}"#, Value.map(["a": .number(0), "b": .number(1)])),
        (#"${{for i, v in ["x"] : i => v}}"#, .map(["0": .string("x")])),
        (#"${{for k, v in {b = 1, a = 2} : k => v if v > 1}}"#, .map(["a": .number(2)])),
        (#"${{for v in [1, 2] : v => v}}"#, .map(["1": .number(1), "2": .number(2)])),
        (#"${{for v in [true] : v => v}}"#, .map(["true": .bool(true)])),
        (#"${{for v in ["a", "b"] : "k" => v if v == "b"}}"#, .map(["k": .string("b")])),
        (#"${{for k, v in ["a", "a", "b"] : v => k...}}"#, .map(["a": .list([.number(0), .number(1)]), "b": .list([.number(2)])])),
        (#"${{for v in ["a"] : v => v ... if true}}"#, .map(["a": .list([.string("a")])])),
        (#"${{for s in local.servers : s.role => s.name...}}"#, .map(["master": .list([.string("m1")]), "worker": .list([.string("w1"), .string("w2")])])),
        (#"${{for s in local.servers : s.name => upper(s.role) if s.role != "master"}}"#, .map(["w1": .string("WORKER"), "w2": .string("WORKER")])),
        (#"${{for k, v in {a = [1, 2]} : k => [for x in v : x * 2]}}"#, .map(["a": .list([.number(2), .number(4)])])),
        (#"${{for v in [] : v => v}}"#, .map([:])),
        (#"${[for i, v in ["a", "b"] : "${i}${v}"]}"#, .list([.string("0a"), .string("1b")])),
        // An object whose key is the word "for" is still an object.
        (#"${{for = 1}}"#, .map(["for": .number(1)])),
        (#"${{for k, v in local.later : k => v}}"#, .unknown),
        (#"${{for v in ["a", local.later] : v => 1}}"#, .unknown),
    ])
    func values(_ text: String, _ expected: Value) throws {
        #expect(try value(text) == expected)
    }

    @Test(arguments: [
        (#"${{for v in ["a", "a"] : v => 1}}"#, "Duplicate object key",
         #"Two different items produced the key "a" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."#, 26),
        (#"${{for v in ["a"] : null => v}}"#, "Invalid object key", "Key expression in 'for' expression must not produce a null value.", 21),
        (#"${{for v in [[1]] : v => v}}"#, "Invalid object key", "The key expression produced an invalid result: string required.", 21),
        (#"${{for v in null : v => v}}"#, "Iteration over null value", "A null value cannot be used as the collection in a for expression.", 13),
        (#"${{for v in ["a"] : v => v if 1}}"#, "Invalid for expression condition", "The condition of a for expression must be a bool, not a number.", 31),
        // A secret key is not quoted, neither when it repeats nor when it is repeated.
        (#"${{for v in [var.pw, var.pw] : v => 1}}"#, "Duplicate object key",
         #"Two different items produced the key (sensitive value) in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."#, 32),
        (#"${{for v in [var.pw, "s3cr3t"] : v => 1}}"#, "Duplicate object key",
         #"Two different items produced the key (sensitive value) in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."#, 34),
    ])
    func errorsAreLocated(_ text: String, _ summary: String, _ detail: String, _ column: Int) {
        let failure = evaluationFailure(text, locals: locals, variables: variables)
        #expect(failure?.summary == summary)
        #expect(failure?.detail == detail)
        #expect(failure?.column == column)
    }

    @Test(arguments: [
        (#"${{for v in ["a"] : v}}"#, "Key expression is required when building an object.", 21),
        (#"${[for v in ["a"] : v => v]}"#, "Key expression is not valid when building a tuple.", 23),
        (#"${[for v in ["a"] : v...]}"#, "Grouping ellipsis (...) cannot be used when building a tuple.", 22),
    ])
    func keysAndGroupingBelongToObjects(_ text: String, _ detail: String, _ column: Int) {
        switch ExpressionParser.parseString(text, sourceMap: .verbatim(startingAt: SourceLocation(file: "f.yml", line: 1, column: 1))) {
        case .success(let parsed): Issue.record("parsed \(parsed)")
        case .failure(let error):
            #expect(error.diagnostic.summary == "Invalid 'for' expression")
            #expect(error.diagnostic.detail == detail)
            #expect(error.diagnostic.location?.column == column)
        }
    }

    @Test func sensitiveMarksFollowValuesAndKeys() throws {
        // Each value keeps its own mark.
        #expect(try value(#"${{for k, v in local.tags : k => v}}"#) == .map(["Name": .string("m"), "Secret": Self.secret]))
        #expect(try value(#"${{for k, v in local.tags : v => k...}}"#) == .sensitive(.map(["m": .list([.string("Name")]), "s3cr3t": .list([.string("Secret")])])))
        // A key made from a secret marks the whole object: keys carry no marks of their own.
        #expect(try value(#"${{for v in [var.pw] : v => 1}}"#) == .sensitive(.map(["s3cr3t": .number(1)])))
        // A sensitive collection marks every key and value, and so the object.
        #expect(try value(#"${{for i, v in var.names : v => i}}"#) == .sensitive(.map(["a": .sensitive(.number(0)), "b": .sensitive(.number(1))])))
        // Which entries an `if` keeps tells the condition.
        #expect(try value(#"${{for v in ["a", "s3cr3t"] : v => 1 if v != var.pw}}"#) == .sensitive(.map(["a": .number(1)])))
    }

    @Test func iterationsAndBuiltElementsAreTakenFromTheBudget() {
        var budget = EvaluationBudget.standard
        budget.forIterations = 10
        let iterations = evaluationFailure(#"${{for i in range(11) : i => i}}"#, budget: budget)
        #expect(iterations?.summary == "Too many for iterations")
        #expect(iterations?.detail == "The for expressions of this configuration would iterate more than 10 times in all; iterate over smaller collections.")
        #expect(iterations?.exceedsBudget == true)

        budget = .standard
        budget.builtElements = 100
        let built = evaluationFailure(#"${{for i in range(60) : i => i * 2}}"#, budget: budget)
        #expect(built?.summary == "Too much evaluation work")
        #expect(built?.column == 3)

        budget = .standard
        budget.valueElements = 50
        let grouped = evaluationFailure(#"${{for i in range(50) : i % 2 => i...}}"#, budget: budget)
        #expect(grouped?.detail == "The value this for expression builds would hold more than 50 elements, the most one value may hold; build smaller values.")
    }

    /// What Terraform writes as a `dynamic` block: a nested block list built by a `for`
    /// expression, here from an object `for` over named rules.
    @Test func aForExpressionBuildsRepeatedBlocks() {
        let outcome = evaluate(["main.yml": """
            variable:
              ports: {default: {ssh: 22, web: 19999}}
            resource:
              aws_security_group:
                cluster:
                  name: c
                  description: d
                  ingress: "${[for name, port in {for k, v in var.ports : k => v if v != 0} : {description = name, from_port = port, to_port = port, protocol = \\"tcp\\", cidr_blocks = [\\"0.0.0.0/0\\"]}]}"
            """])
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics)")
        func rule(_ name: String, _ port: Double) -> Value {
            .map(["description": .string(name), "from_port": .number(port), "to_port": .number(port), "protocol": .string("tcp"),
                  "cidr_blocks": .list([.string("0.0.0.0/0")]), "ipv6_cidr_blocks": .null, "security_groups": .null, "self": .null])
        }
        let ingress = outcome.evaluated?.resource("aws_security_group.cluster")?.instances.first?.attributes["ingress"]
        #expect(ingress?.listValue.map(Set.init) == [rule("ssh", 22), rule("web", 19999)])
    }

    /// The clause's own names are not references to undeclared resources, in the key as in the value.
    @Test func aConfigurationUsesObjectForInLocals() {
        let outcome = evaluate(["main.yml": """
            stack: s
            locals:
              servers: [{name: m1, role: master}, {name: w1, role: worker}, {name: w2, role: worker}]
              by_role: "${{for s in local.servers : s.role => s.name...}}"
              index: "${{for i, s in local.servers : s.name => i if s.role == \\"worker\\"}}"
            """])
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics)")
        #expect(outcome.evaluated?.locals["by_role"] == .map(["master": .list([.string("m1")]), "worker": .list([.string("w1"), .string("w2")])]))
        #expect(outcome.evaluated?.locals["index"] == .map(["w1": .number(1), "w2": .number(2)]))
    }
}

/// An evaluation's error: summary, detail, the column it points at (in a one-line source that
/// starts at column 1) and whether it is a budget error; nil when evaluation succeeds.
func evaluationFailure(_ text: String, locals: [String: Value] = [:], variables: [String: Value] = [:], budget: EvaluationBudget = .standard)
    -> (summary: String, detail: String, column: Int?, exceedsBudget: Bool)? {
    let parsed = ExpressionParser.parseString(text, sourceMap: .verbatim(startingAt: SourceLocation(file: "f.yml", line: 1, column: 1)))
    guard case .success(let expression) = parsed else {
        Issue.record("did not parse: \(parsed)")
        return nil
    }
    var scope = EvaluationScope()
    scope.locals = locals
    scope.variables = variables
    scope.budget = budget
    do {
        let value = try Evaluator(scope: scope).evaluate(expression)
        Issue.record("expected an error, got \(value)")
        return nil
    } catch let error as EvaluationError {
        return (error.diagnostic.summary, error.diagnostic.detail, error.diagnostic.location?.column, error.exceedsBudget)
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
