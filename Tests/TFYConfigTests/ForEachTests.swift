import Testing
import TFYConfig
import TFYCore

/// `for_each` on resources: instances by key with `each.key` and `each.value`, references to them
/// as a map of objects, and every way the argument can be refused, in Terraform 1.11's words
/// (checked with `terraform validate` and `plan` against the AWS provider).
@Suite(.timeLimit(.minutes(10)))
struct ForEachTests {
    static let nodes = """
        variable:
          nodes: {type: map(string), default: {zk: t3.small, master: t3.large, worker: t3.micro}}
        resource:
          aws_instance:
            node:
              for_each: "${var.nodes}"
              ami: ami-1
              instance_type: "${each.value}"
              tags: {Name: "node-${each.key}"}
        output:
          zk_type: {value: "${aws_instance.node[\\"zk\\"].instance_type}"}
          names: {value: "${values(aws_instance.node)[*].tags.Name}"}
          types: {value: "${{for k, n in aws_instance.node : k => n.instance_type}}"}
          keys: {value: "${keys(aws_instance.node)}"}
          count: {value: "${length(aws_instance.node)}"}

        """

    func address(_ key: String) -> ResourceAddress { ResourceAddress(type: "aws_instance", name: "node", key: .string(key)) }

    @Test func aMapMakesOneInstancePerKeyInKeyOrderWithEachKeyAndValue() throws {
        let outcome = evaluate(["main.yml": Self.nodes])
        #expect(outcome.diagnostics.errors.isEmpty, "\(outcome.diagnostics.errors)")
        let evaluated = try #require(outcome.evaluated)
        let instances = evaluated.instances
        #expect(instances.map(\.address.description) == [#"aws_instance.node["master"]"#, #"aws_instance.node["worker"]"#, #"aws_instance.node["zk"]"#])
        #expect(instances.map(\.address) == ["master", "worker", "zk"].map(address))
        #expect(instances.map { $0.attributes["instance_type"] } == [.string("t3.large"), .string("t3.micro"), .string("t3.small")])
        #expect(instances.map { $0.attributes["tags"] } == ["master", "worker", "zk"].map { .map(["Name": .string("node-\($0)")]) })
        #expect(evaluated.outputs["zk_type"] == .string("t3.small"))
        #expect(evaluated.outputs["names"] == .list([.string("node-master"), .string("node-worker"), .string("node-zk")]))
        #expect(evaluated.outputs["types"] == .map(["master": .string("t3.large"), "worker": .string("t3.micro"), "zk": .string("t3.small")]))
        #expect(evaluated.outputs["keys"] == .list([.string("master"), .string("worker"), .string("zk")]))
        #expect(evaluated.outputs["count"] == .number(3))
    }

    @Test func aSetOfStringsMakesOneInstancePerElementWithTheElementAsKeyAndValue() throws {
        let outcome = evaluate(["main.yml": """
            variable:
              roles: {type: "set(string)", default: [b, a]}
              names: {type: "list(string)", default: [zk, master, zk]}
            resource:
              aws_instance:
                node: {for_each: "${toset(var.names)}", ami: "${each.value}", instance_type: "${each.key}"}
                role: {for_each: "${var.roles}", ami: "ami-${each.value}", instance_type: t3.micro}

            """])
        #expect(outcome.diagnostics.errors.isEmpty, "\(outcome.diagnostics.errors)")
        let instances = try #require(outcome.evaluated).instances
        #expect(instances.map(\.address.description) == [#"aws_instance.node["master"]"#, #"aws_instance.node["zk"]"#, #"aws_instance.role["a"]"#, #"aws_instance.role["b"]"#])
        #expect(instances.map { $0.attributes["ami"] } == [.string("master"), .string("zk"), .string("ami-a"), .string("ami-b")])
        #expect(instances.map { $0.attributes["instance_type"] }.prefix(2) == [.string("master"), .string("zk")])
    }

    @Test func anEmptyMapMakesNoInstancesAndAnEmptyMapOfObjects() throws {
        let outcome = evaluate(["main.yml": """
            resource:
              aws_instance:
                node: {for_each: "${{}}", ami: ami-1, instance_type: t3.micro}
            output:
              all: {value: "${aws_instance.node}"}

            """])
        #expect(outcome.diagnostics.errors.isEmpty, "\(outcome.diagnostics.errors)")
        #expect(try #require(outcome.evaluated).instances.isEmpty)
        #expect(outcome.evaluated?.outputs["all"] == .map([:]))
    }

    /// A secret map value is fine (the keys are what addresses show); it stays secret in each.value.
    @Test func aSensitiveMapValueStaysSensitiveInEachValue() throws {
        let outcome = evaluate(["main.yml": """
            variable:
              secret: {type: string, default: s3cr3t, sensitive: true}
            resource:
              aws_instance:
                node: {for_each: "${{a = var.secret}}", ami: ami-1, instance_type: t3.micro, tags: {Secret: "${each.value}"}}

            """])
        #expect(outcome.diagnostics.errors.isEmpty, "\(outcome.diagnostics.errors)")
        let instance = try #require(outcome.evaluated?.instances.first)
        #expect(instance.address == address("a"))
        #expect(instance.attributes["tags"] == .map(["Secret": .sensitive(.string("s3cr3t"))]))
    }

    /// Keys known only after apply are left to plan (validate accepts them, as Terraform's does).
    @Test func unknownKeysAreNoErrorBeforePlanning() throws {
        let outcome = evaluate(["main.yml": """
            resource:
              aws_instance:
                seed: {ami: ami-1, instance_type: t3.micro}
                node: {for_each: "${toset([aws_instance.seed.id])}", ami: ami-1, instance_type: t3.micro}

            """])
        #expect(outcome.diagnostics.errors.isEmpty, "\(outcome.diagnostics.errors)")
        let node = try #require(outcome.evaluated?.resource("aws_instance.node"))
        #expect(node.countIsKnown == false)
        #expect(node.instances.isEmpty)
        #expect(node.unknownKeys?.summary == "Invalid for_each argument")
        #expect(node.unknownKeys?.location == SourceLocation(file: "main.yml", line: 4, column: 25))
        #expect(node.unknownKeys?.detail.hasPrefix("The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply") == true)
    }

    static let unsuitable = "The given \"for_each\" argument value is unsuitable:"

    /// One resource block per case, on line 5 of main.yml after two variables: the error at its
    /// line and column, with its detail.
    @Test(arguments: [
        (#"for_each: [a, b]"#, #"5:35 Invalid for_each argument: \#(unsuitable) the "for_each" argument must be a map, or set of strings, and you have provided a value of type tuple."#),
        (#"for_each: "${var.names}""#, #"5:38 Invalid for_each argument: \#(unsuitable) the "for_each" argument must be a map, or set of strings, and you have provided a value of type list of string."#),
        (#"for_each: abc"#, #"5:35 Invalid for_each argument: \#(unsuitable) the "for_each" argument must be a map, or set of strings, and you have provided a value of type string."#),
        (#"for_each: null"#, #"5:35 Invalid for_each argument: \#(unsuitable) the given "for_each" argument value is null. A map, or set of strings is allowed."#),
        (#"for_each: "${var.secrets}""#, #"5:38 Invalid for_each argument: Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key."#),
        (#"for_each: "${toset([var.secrets.a])}""#, #"5:38 Invalid for_each argument: Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key."#),
        (#"for_each: "${toset([1, 2])}""#, #"5:38 Invalid for_each set argument: \#(unsuitable) "for_each" supports maps and sets of strings, but you have provided a set containing type number."#),
        (#"for_each: "${toset([\"a\", null])}""#, #"5:35 Invalid for_each set argument: \#(unsuitable) "for_each" sets must not contain null values."#),
        (#"for_each: "${toset([for i in range(100001) : tostring(i)])}""#, #"5:38 Invalid for_each argument: \#(unsuitable) it has 100001 elements; a resource may have at most 100000 instances."#),
        (#"{count: 1, for_each: {a: 1}}"#, #"5:35 Invalid combination of "count" and "for_each": The "count" and "for_each" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created."#),
        (#"{tags: {k: "${each.key}"}}"#, #"5:38 Reference to "each" in context without for_each: The "each" object can be used only in "module" or "resource" blocks, and only when the "for_each" argument is set."#),
        (#"{for_each: {a: 1}, tags: {k: "${each.foo}"}}"#, #"5:56 Invalid "each" attribute: The "each" object does not have an attribute named "foo". The supported attributes are each.key and each.value, the current key and value pair of the "for_each" attribute set."#),
    ])
    func refusedArgumentsAreLocatedErrorsInTerraformsWords(_ body: String, _ expected: String) {
        let block = body.hasPrefix("{") ? String(body.dropFirst().dropLast()) + ", " : body + ", "
        let text = """
            variable:
              names: {type: "list(string)", default: [a]}
              secrets: {type: "map(string)", default: {a: x}, sensitive: true}
            resource:
              aws_instance: {node: {\(block)ami: ami-1, instance_type: t3.micro}}

            """
        let errors = evaluate(["main.yml": text]).diagnostics.errors
        #expect(errors.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "-") \($0.summary): \($0.detail)" } == [expected])
        #expect(errors.allSatisfy { $0.address == "aws_instance.node" })
    }

    @Test func eachOutsideAResourceWithForEachAndUnkeyedReferencesAreLocatedErrors() {
        let outcome = evaluate(["main.yml": """
            locals:
              k: "${each.key}"
            resource:
              aws_instance:
                node: {for_each: {a: x}, ami: ami-1, instance_type: t3.micro}
            output:
              v: {value: "${each.value}"}
              ami: {value: "${aws_instance.node.ami}"}
              all: {value: "${aws_instance.node[*].ami}"}

            """])
        #expect(outcome.diagnostics.sorted.filter { $0.severity == .error }.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "-") \($0.summary): \($0.detail)" } == [
            #"2:9 Reference to "each" in context without for_each: The "each" object can be used only in "module" or "resource" blocks, and only when the "for_each" argument is set."#,
            #"7:17 Reference to "each" in context without for_each: The "each" object can be used only in "module" or "resource" blocks, and only when the "for_each" argument is set."#,
            "8:37 Missing resource instance key: Because aws_instance.node has \"for_each\" set, its attributes must be accessed on specific instances.\n\nFor example, to correlate with indices of a referring resource, use:\n    aws_instance.node[each.key]",
            #"9:36 Unsupported splat on a for_each resource: aws_instance.node has "for_each" set, so it is a map of instances by key, not a list; use values(aws_instance.node)[*] for all of them."#,
        ])
    }

    @Test func tosetRemovesRepeatsAndSortsAsTerraformListsASet() throws {
        #expect(try evaluateExpression(#"${toset(["b", "a", "b"])}"#) == .list([.string("a"), .string("b")]))
        #expect(try evaluateExpression(#"${toset([10, 2, 10])}"#) == .list([.number(2), .number(10)]))
        #expect(try evaluateExpression(#"${toset(["a", 1, true])}"#) == .list([.string("1"), .string("a"), .string("true")]))
        #expect(try evaluateExpression(#"${toset([])}"#) == .list([]))
    }
}
