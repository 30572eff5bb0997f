import Testing
import TFYConfig
import TFYCore
import TFYPlan

/// How the planner treats `for_each` instances beside those the state holds, and how the plan
/// JSON describes the argument (as `terraform show -json` 1.11 does).
@Suite(.timeLimit(.minutes(10)))
struct ForEachPlanTests {
    static let nodes = """
        variable:
          nodes: {type: "map(object({t = string}))", default: {a: {t: t3.micro}}}
        resource:
          aws_instance:
            x: {for_each: "${var.nodes}", ami: "${each.key}", instance_type: "${each.value.t}"}

        """

    @Test func planJSONNamesTheReferencesAsTerraformDoes() throws {
        let (planned, diagnostics) = plan(load(["main.yml": Self.nodes]))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        guard case .object(let configuration)? = planned?.configuration,
              case .object(let root)? = configuration["root_module"], case .array(let resources)? = root["resources"],
              case .object(let resource)? = resources.first, case .object(let expressions)? = resource["expressions"] else {
            Issue.record("no resource in the plan's configuration")
            return
        }
        #expect(resource["for_each_expression"] == .object(["references": .array([.string("var.nodes")])]))
        #expect(expressions["ami"] == .object(["references": .array([.string("each.key")])]))
        #expect(expressions["instance_type"] == .object(["references": .array([.string("each.value.t"), .string("each.value")])]))
        #expect(planned?.changes.map(\.address.description) == [#"aws_instance.x["a"]"#])
    }

    /// A block that changed from `count` to `for_each` (or back) plans its old instances'
    /// deletion with Terraform's reason, and a key no longer in the map its own.
    @Test func instancesOfAnotherRepetitionOrAGoneKeyAreDeletedWithTheirReasons() throws {
        var prior = State(lineage: "l")
        for key: InstanceKey in [0, .string("gone"), .string("a")] {
            prior.setInstance(ResourceAddress(type: "aws_instance", name: "x", key: key),
                              StateInstance(indexKey: key, attributes: ["id": .string("i-\(key)"), "ami": .string("a"), "instance_type": .string("t3.micro")]))
        }
        let (planned, diagnostics) = plan(load(["main.yml": Self.nodes]), prior: prior)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let deleted = (planned?.changes ?? []).filter { $0.action == .delete }
        #expect(deleted.map { "\($0.address) \($0.reason?.rawValue ?? "-")" } == [
            "aws_instance.x[0] delete_because_wrong_repetition",
            #"aws_instance.x["gone"] delete_because_each_key"#,
        ])
    }

    @Test func keysKnownOnlyAfterApplyStopThePlanAtTheArgument() {
        let (planned, diagnostics) = plan(load(["main.yml": """
            resource:
              aws_instance:
                seed: {ami: a, instance_type: t3.micro}
                x: {for_each: "${{for s in [aws_instance.seed.id] : s => 1}}", ami: a, instance_type: t3.micro}

            """]))
        #expect(planned == nil)
        #expect(diagnostics.errors.map { "\($0.location.map(String.init(describing:)) ?? "-") \($0.summary)" } == ["main.yml:4:22 Invalid for_each argument"])
        #expect(diagnostics.errors.first?.detail.hasPrefix("The \"for_each\" map includes keys derived from resource attributes that cannot be determined until apply, and so tfy cannot determine the full set of keys that will identify the instances of this resource.") == true)
        #expect(diagnostics.errors.first?.address == "aws_instance.x")
    }
}
