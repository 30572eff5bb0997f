import Testing
import TFYConfig
import TFYCore

/// Modules from local paths: loaded with the root's loader, evaluated per instance in a scope of
/// their own, their resources addressed behind the module path.
@Suite(.timeLimit(.minutes(5)))
struct ModuleTests {
    static let node = """
        variable:
          role: {type: string}
          size: {type: number, default: 1}
        locals:
          name: "my-${var.role}"
        resource:
          aws_instance:
            node:
              count: "${var.size}"
              ami: ami-1
              instance_type: t2.small
              tags: {Name: "${local.name}-${count.index}"}
        output:
          name: {value: "${local.name}"}
          ids: {value: "${aws_instance.node[*].id}"}
        """

    static func errors(_ outcome: ConfigurationPipeline.Outcome) -> [String] {
        outcome.diagnostics.sorted.filter { $0.severity == .error }.map { "\($0.location.map(String.init(describing:)) ?? "-") [\($0.address ?? "")] \($0.summary): \($0.detail)" }
    }

    @Test func eachInstanceHasItsOwnScopeAndItsResourcesAreAddressedBehindTheModulePath() throws {
        let outcome = evaluate([
            "main.yml": """
                module:
                  workers: {source: ./modules/node, count: 2, role: "w${count.index}", size: 2}
                  master: {source: ./modules/node, role: m}
                output:
                  names: {value: "${module.workers[*].name}"}
                  first: {value: "${module.workers[0].name}"}
                  master: {value: "${module.master.name}"}
                """,
            "modules/node/main.yml": Self.node,
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.outputs["names"] == .list([.string("my-w0"), .string("my-w1")]))
        #expect(evaluated.outputs["first"] == .string("my-w0"))
        #expect(evaluated.outputs["master"] == .string("my-m"))
        #expect(evaluated.instances.map(\.address.description) == [
            "module.master.aws_instance.node[0]",
            "module.workers[0].aws_instance.node[0]", "module.workers[0].aws_instance.node[1]",
            "module.workers[1].aws_instance.node[0]", "module.workers[1].aws_instance.node[1]",
        ])
        #expect(evaluated.instances.map { $0.attributes["tags"]?.mapValue?["Name"] } == ["my-m-0", "my-w0-0", "my-w0-1", "my-w1-0", "my-w1-1"].map { .string($0) })
        #expect(outcome.sources.keys.sorted() == ["main.yml", "modules/node/main.yml"])
    }

    /// Destroy order across modules comes from these: a resource that reads a module's output
    /// depends on the module's resources, and a module's resources on what its call reads.
    @Test func dependenciesCrossModuleBoundaries() throws {
        let outcome = evaluate([
            "main.yml": """
                resource:
                  aws_security_group:
                    cluster: {name: c, description: c}
                  aws_instance:
                    front: {ami: ami-1, instance_type: t2.small, tags: {Peers: "${join(\\",\\", module.workers[0].ids)}"}}
                module:
                  workers: {source: ./modules/node, count: 1, role: "${aws_security_group.cluster.id}"}
                """,
            "modules/node/main.yml": Self.node,
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.resource("aws_instance.front")?.dependencies == ["module.workers[0].aws_instance.node"])
        #expect(evaluated.resource("module.workers[0].aws_instance.node")?.dependencies == ["aws_security_group.cluster"])
    }

    @Test func nestedModulesResolveSourcesAgainstTheirCallersDirectory() throws {
        let outcome = evaluate([
            "main.yml": "module:\n  outer: {source: ./modules/outer}\noutput:\n  deep: {value: \"${module.outer.deep}\"}\n",
            "modules/outer/main.yml": "module:\n  inner: {source: ../inner, role: x}\noutput:\n  deep: {value: \"${module.inner.name}\"}\n",
            "modules/inner/main.yml": Self.node,
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.outputs["deep"] == .string("my-x"))
        #expect(evaluated.instances.map(\.address.description) == ["module.outer.module.inner.aws_instance.node[0]"])
    }

    /// A module used twice reports a mistake in its file once, at that file: not once for each
    /// call or each instance.
    @Test func aMistakeInAModuleIsReportedOnceWhereItIsWritten() {
        let outcome = evaluate([
            "main.yml": "module:\n  a: {source: ./modules/node, count: 3, role: x}\n  b: {source: ./modules/node, role: y}\n",
            "modules/node/main.yml": Self.node.replacingOccurrences(of: "${local.name}-", with: "${local.nme}-"),
        ])
        #expect(Self.errors(outcome) == [
            #"modules/node/main.yml:12:23 [module.a.aws_instance.node] Reference to undeclared local value: A local value with the name "nme" has not been declared. Did you mean "name"?"#,
        ])
        // A call with no instances has its module checked all the same.
        let unused = evaluate([
            "main.yml": "module:\n  a: {source: ./modules/node, count: 0, role: x}\n",
            "modules/node/main.yml": Self.node.replacingOccurrences(of: "${local.name}-", with: "${local.nme}-"),
        ])
        #expect(Self.errors(unused) == [
            #"modules/node/main.yml:12:23 [module.a.aws_instance.node] Reference to undeclared local value: A local value with the name "nme" has not been declared. Did you mean "name"?"#,
        ])
    }

    @Test func aModuleThatCallsItselfIsAnErrorNotAHang() {
        let outcome = evaluate([
            "main.yml": "module:\n  a: {source: ./modules/a}\n",
            "modules/a/main.yml": "module:\n  b: {source: ../b}\n",
            "modules/b/main.yml": "module:\n  a: {source: ./../a}\n",
        ])
        #expect(Self.errors(outcome) == [
            #"modules/b/main.yml:2:15 [module.a.module.b.module.a] Recursive module call: module.a.module.b.module.a calls the module in "modules/a", which is already being called: "modules/a" → "modules/b" → "modules/a". A module cannot call itself, directly or through other modules."#,
        ])
    }

    /// Module instances count against the instance limit: 1,000 × 1,000 nested instances fail
    /// at once at the count that crosses it.
    @Test func moduleInstancesCountAgainstTheLimit() {
        let outcome = evaluate([
            "main.yml": "module:\n  a: {source: ./modules/a, count: 1000}\n",
            "modules/a/main.yml": "module:\n  b: {source: ../b, count: 1000}\n",
            "modules/b/main.yml": "locals:\n  x: 1\n",
        ])
        #expect(Self.errors(outcome) == [
            "modules/a/main.yml:2:28 [module.a[99].module.b] Too many module instances: module.a[99].module.b would make the configuration's module instances more than 100000, the most one configuration may have.",
        ])
    }

    @Test func inputsAreConvertedDefaultedAndKeepTheirSensitivity() throws {
        let outcome = evaluate([
            "main.yml": """
                variable:
                  secret: {type: string, sensitive: true, default: hunter2}
                module:
                  m: {source: ./modules/m, count: "2", token: "${var.secret}", port: "8080"}
                output:
                  ports: {value: "${module.m[*].port}"}
                  token: {value: "${module.m[0].token}", sensitive: true}
                """,
            "modules/m/main.yml": """
                variable:
                  token: {type: string}
                  port: {type: number}
                  zone: {type: string, default: us-east-1a}
                output:
                  port: {value: "${var.port}"}
                  token: {value: "${var.token}-${var.zone}", sensitive: true}
                """,
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.outputs["ports"] == .list([.number(8080), .number(8080)]))
        #expect(evaluated.outputs["token"] == Value.string("hunter2-us-east-1a").marked(true))
    }

    /// A module's output that holds a secret must say so, as a root output must.
    @Test func aModuleOutputHoldingASecretMustBeMarkedSensitive() {
        let outcome = evaluate([
            "main.yml": "variable:\n  s: {type: string, sensitive: true, default: x}\nmodule:\n  m: {source: ./modules/m, token: \"${var.s}\"}\n",
            "modules/m/main.yml": "variable:\n  token: {type: string}\noutput:\n  t: {value: \"${var.token}\"}\n",
        ])
        #expect(Self.errors(outcome).map { $0.components(separatedBy: ": To reduce").first ?? "" } == [
            "modules/m/main.yml:4:17 [module.m.output.t] Output refers to sensitive values",
        ])
    }

    @Test func referencesToModulesAreCheckedBeforeEvaluation() {
        let outcome = evaluate([
            "main.yml": """
                module:
                  w: {source: ./modules/node, count: 2, role: x}
                output:
                  a: {value: "${module.w.name}"}
                  b: {value: "${module.w[0].nam}"}
                  c: {value: "${module.x.name}"}
                """,
            "modules/node/main.yml": Self.node,
        ])
        #expect(Self.errors(outcome) == [
            #"main.yml:4:26 [output.a] Missing module instance key: Because module.w has "count" set, its outputs must be accessed on specific instances: module.w[0].name, or module.w[*].name for all of them."#,
            #"main.yml:5:29 [output.b] Reference to undeclared output value: An output value with the name "nam" has not been declared in module.w. Did you mean "name"?"#,
            #"main.yml:6:17 [output.c] Reference to undeclared module: No module call named "x" is declared in the root module."#,
        ])
    }

    /// `depends_on` may name a module call, and file() in a module reads beside the module's files.
    @Test func dependsOnAModuleAndFilesReadFromTheModulesDirectory() throws {
        let outcome = evaluate([
            "main.yml": """
                module:
                  m: {source: ./modules/m}
                resource:
                  aws_instance:
                    after: {ami: ami-1, instance_type: t2.small, depends_on: [module.m]}
                """,
            "modules/m/main.yml": "resource:\n  aws_instance:\n    box: {ami: ami-1, instance_type: t2.small, tags: {Motd: \"${file(\\\"motd.txt\\\")}\"}}\n",
            "modules/m/motd.txt": "hello from m",
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.resource("aws_instance.after")?.dependencies == ["module.m.aws_instance.box"])
        #expect(evaluated.resource("module.m.aws_instance.box")?.instances.first?.attributes["tags"]?.mapValue?["Motd"] == .string("hello from m"))
    }

    /// A module count not known until apply leaves the call without instances, for the planner
    /// to report (as it reports a resource's).
    @Test func aModuleCountNotKnownYetIsRecorded() throws {
        let outcome = evaluate([
            "main.yml": "resource:\n  aws_instance:\n    a: {ami: ami-1, instance_type: t2.small}\nmodule:\n  m: {source: ./modules/m, count: \"${length(aws_instance.a.id)}\"}\n",
            "modules/m/main.yml": "locals:\n  x: 1\n",
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.unknownModuleCounts.map { "\($0.address) \($0.location)" } == ["module.m main.yml:5:38"])
        #expect(evaluated.moduleInstances.isEmpty)
    }

    /// A `for_each` resource inside a module: string keys behind the module path, `each` in scope.
    @Test func forEachResourcesInsideAModule() throws {
        let outcome = evaluate([
            "main.yml": "module:\n  m: {source: ./modules/m, count: 1, names: [a, b]}\n",
            "modules/m/main.yml": "variable:\n  names: {type: set(string)}\nresource:\n  aws_instance:\n    n: {for_each: \"${var.names}\", ami: ami-1, instance_type: t2.small, tags: {Name: \"${each.key}\"}}\n",
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.instances.map(\.address.description) == [#"module.m[0].aws_instance.n["a"]"#, #"module.m[0].aws_instance.n["b"]"#])
        #expect(evaluated.instances.map { $0.attributes["tags"]?.mapValue?["Name"] } == [.string("a"), .string("b")])
    }

    /// A module call with `for_each`: one instance per key, `each` in the call's arguments, the
    /// call a map of output objects by key in expressions.
    @Test func aModuleCallWithForEachHasAnInstancePerKey() throws {
        let outcome = evaluate([
            "main.yml": """
                variable:
                  roles: {type: "map(number)", default: {a: 1, b: 2}}
                module:
                  workers: {source: ./modules/node, for_each: "${var.roles}", role: "${each.key}", size: "${each.value}"}
                  zones: {source: ./modules/node, for_each: '${toset(["z"])}', role: "${each.value}"}
                output:
                  names: {value: "${{for k, m in module.workers : k => m.name}}"}
                  keys: {value: "${keys(module.workers)}"}
                  all: {value: "${values(module.workers)[*].name}"}
                  b: {value: '${module.workers["b"].name}'}
                  z: {value: '${module.zones["z"].name}'}
                """,
            "modules/node/main.yml": Self.node,
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.outputs["names"] == .map(["a": .string("my-a"), "b": .string("my-b")]))
        #expect(evaluated.outputs["keys"] == .list([.string("a"), .string("b")]))
        #expect(evaluated.outputs["all"] == .list([.string("my-a"), .string("my-b")]))
        #expect(evaluated.outputs["b"] == .string("my-b"))
        #expect(evaluated.outputs["z"] == .string("my-z"))
        #expect(evaluated.instances.map(\.address.description) == [
            #"module.workers["a"].aws_instance.node[0]"#, #"module.workers["b"].aws_instance.node[0]"#,
            #"module.workers["b"].aws_instance.node[1]"#, #"module.zones["z"].aws_instance.node[0]"#,
        ])
        #expect(evaluated.moduleInstances == [
            [ModuleStep(name: "workers", key: .string("a"))], [ModuleStep(name: "workers", key: .string("b"))], [ModuleStep(name: "zones", key: .string("z"))],
        ])
    }

    /// The mistakes a `for_each` module call can hold, each where it is written, in tfy's (and,
    /// where it has them, Terraform's) words.
    @Test func forEachModuleCallMistakesAreLocated() {
        let outcome = evaluate([
            "main.yml": """
                module:
                  both: {source: ./modules/node, count: 1, for_each: {a: 1}, role: x}
                  single: {source: ./modules/node, role: "${each.key}"}
                  keyed: {source: ./modules/node, for_each: {a: 1}, role: "${each.key}"}
                  listed: {source: ./modules/node, for_each: [a], role: x}
                output:
                  a: {value: "${module.keyed.name}"}
                  b: {value: "${module.keyed[*].name}"}
                  c: {value: '${module.single["a"].name}'}
                """,
            "modules/node/main.yml": Self.node,
        ])
        #expect(Self.errors(outcome) == [
            #"main.yml:2:44 [module.both] Invalid combination of "count" and "for_each": The "count" and "for_each" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created."#,
            #"main.yml:3:45 [module.single] Reference to "each" in context without for_each: The "each" object can be used only in "module" or "resource" blocks, and only when the "for_each" argument is set."#,
            #"main.yml:5:46 [module.listed] Invalid for_each argument: The given "for_each" argument value is unsuitable: the "for_each" argument must be a map, or set of strings, and you have provided a value of type tuple."#,
            #"main.yml:7:30 [output.a] Missing module instance key: Because module.keyed has "for_each" set, its outputs must be accessed on specific instances: module.keyed[each.key].name, module.keyed["KEY"].name, or values(module.keyed)[*].name for all of them."#,
            #"main.yml:8:29 [output.b] Unsupported splat on a for_each module: module.keyed has "for_each" set, so it is a map of instances by key, not a list; use values(module.keyed)[*] for all of them."#,
            #"main.yml:9:30 [output.c] Unexpected module instance key: Because module.single does not have "count" or "for_each" set, it has one instance; refer to its outputs without an index, as module.single.OUTPUT."#,
        ])
    }

    /// Keys known only after apply leave the call without instances, with Terraform's error for
    /// the planner to report at the `for_each` expression.
    @Test func forEachModuleKeysNotKnownYetAreRecordedWithTheirError() throws {
        let outcome = evaluate([
            "main.yml": "resource:\n  aws_instance:\n    a: {ami: ami-1, instance_type: t2.small}\nmodule:\n  m: {source: ./modules/m, for_each: \"${toset([aws_instance.a.id])}\"}\n",
            "modules/m/main.yml": "locals:\n  x: 1\n",
        ])
        #expect(Self.errors(outcome) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.unknownModuleCounts.map { "\($0.address) \($0.location) \($0.unknownKeys?.location.map(String.init(describing:)) ?? "-") \($0.unknownKeys?.summary ?? "-")" }
            == ["module.m main.yml:5:41 main.yml:5:41 Invalid for_each argument"])
        #expect(evaluated.unknownModuleCounts.first?.unknownKeys?.detail.hasPrefix("The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply, and so tfy cannot determine the full set of keys that will identify the instances of this module.") == true)
        #expect(evaluated.moduleInstances.isEmpty)
    }
}
