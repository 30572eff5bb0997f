import Foundation
import Testing
import TFYCommands
import TFYCore
import TFYTestSupport

/// The same stack — a security group and three instances, one with a root block device — planned
/// by tfy from YAML and by Terraform from `main.tf.json` against one moto, and `show -json` of
/// both plans compared structurally: tools that read Terraform's plan JSON must read tfy's.
///
/// Needs `terraform` on PATH and the AWS provider as a filesystem mirror (TFY_TERRAFORM_PLUGINS,
/// default /opt/tf-plugins); skipped, saying so, without them. Terraform runs offline: its CLI
/// configuration names only the mirror, and its plugin cache is a temporary directory.
/// The time limit is a guard against a hang, not a measure: Terraform starts its provider for
/// every command, and on a loaded machine one comparison took over 10 minutes.
@Suite(.timeLimit(.minutes(30)))
struct TerraformComparisonTests {
    static let pluginMirror = ProcessInfo.processInfo.environment["TFY_TERRAFORM_PLUGINS"] ?? "/opt/tf-plugins"

    static var terraform: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/terraform" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var available: Bool {
        terraform != nil && FileManager.default.fileExists(atPath: pluginMirror + "/registry.terraform.io/hashicorp/aws")
    }

    static let tfyConfiguration = """
        stack: STACK
        variable:
          machines: {type: number, default: 3}
          AMI: {type: string, default: ami-1ecae776}
          secret: {type: string, default: hush, sensitive: true}
        provider:
          aws: {region: us-east-1}
        resource:
          aws_security_group:
            cluster:
              name: STACK
              description: Tachyon cluster
              ingress:
                - {protocol: udp, from_port: 0, to_port: 65535, cidr_blocks: ["0.0.0.0/0"]}
                - {protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: ["10.0.0.0/8"]}
                - {protocol: tcp, from_port: 0, to_port: 65535, cidr_blocks: ["0.0.0.0/0"]}
          aws_instance:
            master:
              ami: "${var.AMI}"
              instance_type: t2.small
              vpc_security_group_ids: ["${aws_security_group.cluster.id}"]
              root_block_device: {volume_size: 20, encrypted: true}
              tags: {Name: master}
            worker:
              count: "${var.machines - 1}"
              ami: "${var.AMI}"
              instance_type: t2.small
              vpc_security_group_ids: ["${aws_security_group.cluster.id}"]
              tags: {Name: "worker${count.index}"}
        output:
          master_ip: {value: "${aws_instance.master.public_ip}"}

        """

    /// The same stack in Terraform's JSON syntax. A rule written as an attribute needs every
    /// field, so the ones tfy leaves unset are null here.
    static func terraformConfiguration(groupName: String, endpoint: String) -> String {
        let unset = #""description": null, "ipv6_cidr_blocks": null, "prefix_list_ids": null, "security_groups": null, "self": null"#
        return """
            {
              "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
              "provider": {"aws": {"region": "us-east-1", "access_key": "AKIDTEST", "secret_key": "test-secret",
                "skip_credentials_validation": true, "skip_requesting_account_id": true, "skip_metadata_api_check": true,
                "skip_region_validation": true, "endpoints": {"ec2": "\(endpoint)", "sts": "\(endpoint)"}}},
              "variable": {
                "machines": {"type": "number", "default": 3},
                "AMI": {"type": "string", "default": "ami-1ecae776"},
                "secret": {"type": "string", "default": "hush", "sensitive": true}
              },
              "resource": {
                "aws_security_group": {"cluster": {"name": "\(groupName)", "description": "Tachyon cluster", "ingress": [
                  {"protocol": "udp", "from_port": 0, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"], \(unset)},
                  {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"], \(unset)},
                  {"protocol": "tcp", "from_port": 0, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"], \(unset)}]}},
                "aws_instance": {
                  "master": {"ami": "${var.AMI}", "instance_type": "t2.small", "vpc_security_group_ids": ["${aws_security_group.cluster.id}"],
                    "root_block_device": {"volume_size": 20, "encrypted": true}, "tags": {"Name": "master"}},
                  "worker": {"count": "${var.machines - 1}", "ami": "${var.AMI}", "instance_type": "t2.small",
                    "vpc_security_group_ids": ["${aws_security_group.cluster.id}"], "tags": {"Name": "worker${count.index}"}}
                }
              },
              "output": {"master_ip": {"value": "${aws_instance.master.public_ip}"}}
            }

            """
    }

    static func parse(_ text: String, _ what: String) throws -> JSONValue {
        guard case .success(let value) = JSONValue.parse(Array(text.utf8)) else { throw HelperError(description: "\(what) is not JSON: \(text.prefix(500))") }
        return value
    }

    /// One moto, the stack in both syntaxes beside each other, and Terraform initialised offline.
    final class Stacks: @unchecked Sendable {
        let moto: HelperProcess
        let directory = NSTemporaryDirectory() + "tfy-terraform-" + UUID().uuidString
        let terraformEnvironment: [String: String]
        let tfyEnvironment: [String: String]

        /// `applying`: both tools will create their objects, in moto's one VPC, so Terraform's
        /// group takes a name of its own.
        /// `files`: other configurations than the standard stack, by path under the stack's
        /// directory (`tfy/main.yml`, `tf/main.tf.json`, modules beside them); `ENDPOINT` and
        /// `STACK` in them are replaced.
        init(applying: Bool = false, files: [String: String]? = nil) async throws {
            moto = try await HelperProcess(script: "moto_helper.py")
            let endpoint = "http://127.0.0.1:\(moto.port)"
            let stack = "t" + UUID().uuidString.prefix(8).lowercased()
            for path in ["/tfy", "/tf", "/plugin-cache"] { try FileManager.default.createDirectory(atPath: directory + path, withIntermediateDirectories: true) }
            if let files {
                for (path, text) in files {
                    let full = directory + "/" + path
                    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try text.replacingOccurrences(of: "ENDPOINT", with: endpoint).replacingOccurrences(of: "STACK", with: stack)
                        .write(toFile: full, atomically: true, encoding: .utf8)
                }
            } else {
                try TerraformComparisonTests.tfyConfiguration.replacingOccurrences(of: "STACK", with: stack)
                    .write(toFile: directory + "/tfy/main.yml", atomically: true, encoding: .utf8)
                try TerraformComparisonTests.terraformConfiguration(groupName: applying ? stack + "-tf" : stack, endpoint: endpoint)
                    .write(toFile: directory + "/tf/main.tf.json", atomically: true, encoding: .utf8)
            }
            try """
                provider_installation {
                  filesystem_mirror { path = "\(TerraformComparisonTests.pluginMirror)" }
                }
                plugin_cache_dir = "\(directory)/plugin-cache"

                """.write(toFile: directory + "/terraform.rc", atomically: true, encoding: .utf8)
            terraformEnvironment = ["TF_CLI_CONFIG_FILE": directory + "/terraform.rc", "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                                    "TF_DATA_DIR": directory + "/tf/.terraform"]
            tfyEnvironment = ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_ENDPOINT_URL_EC2": endpoint,
                              "TFY_POLL_INTERVAL": "0.1"]
            _ = try await terraform(["init", "-input=false", "-no-color"])
        }

        deinit {
            moto.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Terraform in the stack's directory; its standard output.
        func terraform(_ arguments: [String]) async throws -> String {
            let run = try await runProgramAllowingFailure("terraform", ["-chdir=\(directory)/tf"] + arguments, environment: terraformEnvironment, timeout: 240)
            guard run.status == 0 else {
                throw HelperError(description: "terraform \(arguments.joined(separator: " ")) exited \(run.status): \(run.error)\(String(decoding: run.output, as: UTF8.self).suffix(2000))")
            }
            return String(decoding: run.output, as: UTF8.self)
        }

        /// tfy beside the two configurations; its standard output.
        func tfy(_ arguments: [String]) async throws -> String {
            let run = await TFYCommandLine.capture(arguments, directory: directory, environment: tfyEnvironment)
            guard run.status == 0 else { throw HelperError(description: "tfy \(arguments.joined(separator: " ")) exited \(run.status): \(run.err)") }
            return run.out
        }
    }

    /// Both plans' `show -json`, tfy's first.
    static func plans() async throws -> (tfy: JSONValue, terraform: JSONValue) {
        let stacks = try await Stacks()
        _ = try await stacks.terraform(["plan", "-input=false", "-no-color", "-var", "machines=3", "-out=plan.tfplan"])
        let terraform = try await stacks.terraform(["show", "-json", "-no-color", "plan.tfplan"])
        _ = try await stacks.tfy(["plan", "tfy", "-var", "machines=3", "-out", "tfy.tfplan", "-no-color"])
        let tfy = try await stacks.tfy(["show", "-json", "tfy.tfplan"])
        return (try parse(tfy, "tfy show -json"), try parse(terraform, "terraform show -json"))
    }

    /// Where two values differ in kind — object, array or leaf — along tfy's members: objects
    /// made by two applies hold different IDs and addresses, and what each tool reads back
    /// differs in content (tfy records a `root_block_device` or `credit_specification` only when
    /// configured, and keeps AWS's default egress rule, which the provider's state leaves out),
    /// so lists are compared element by element as far as both go.
    static func kindDifferences(tfy: JSONValue, terraform: JSONValue, path: String) -> [String] {
        switch (tfy, terraform) {
        case (.object(let mine), .object(let theirs)):
            return mine.keys.sorted().flatMap { key -> [String] in
                guard let other = theirs[key] else { return ["\(path).\(key): tfy has it, Terraform does not"] }
                return kindDifferences(tfy: mine[key]!, terraform: other, path: "\(path).\(key)")
            }
        case (.array(let mine), .array(let theirs)):
            return zip(mine, theirs).enumerated().flatMap { kindDifferences(tfy: $1.0, terraform: $1.1, path: "\(path)[\($0)]") }
        case (.object, _), (.array, _), (_, .object), (_, .array):
            return ["\(path): \(tfy.compact()), Terraform \(terraform.compact())"]
        default:
            return []
        }
    }

    /// Where a value tfy gives differs from Terraform's in kind or, for known leaves, in value:
    /// paths such as `after.root_block_device[0].volume_size`. A member tfy leaves out (it does
    /// not model it) is no difference; one Terraform leaves out that tfy has is.
    static func differences(tfy: JSONValue, terraform: JSONValue, path: String) -> [String] {
        switch (tfy, terraform) {
        case (.object(let mine), .object(let theirs)):
            return mine.keys.sorted().flatMap { key -> [String] in
                guard let other = theirs[key] else { return ["\(path).\(key): tfy has it, Terraform does not"] }
                return differences(tfy: mine[key]!, terraform: other, path: "\(path).\(key)")
            }
        case (.array(let mine), .array(let theirs)):
            guard mine.count == theirs.count else { return ["\(path): \(mine.count) elements, Terraform \(theirs.count)"] }
            return zip(mine, theirs).enumerated().flatMap { differences(tfy: $1.0, terraform: $1.1, path: "\(path)[\($0)]") }
        case (.int(let a), .number(let b)), (.number(let b), .int(let a)):
            return Double(a) == b ? [] : ["\(path): \(tfy.compact()), Terraform \(terraform.compact())"]
        default:
            return tfy == terraform ? [] : ["\(path): \(tfy.compact()), Terraform \(terraform.compact())"]
        }
    }

    @Test(.enabled(if: available, "terraform or the AWS provider mirror (/opt/tf-plugins, or TFY_TERRAFORM_PLUGINS) is not installed: nothing to compare with"))
    func showJSONOfBothPlansAgrees() async throws {
        let (tfy, terraform) = try await Self.plans()

        // The same sections, tfy's version beside Terraform's field.
        let tfyKeys = Set(tfy.objectValue?.keys.map { $0 } ?? []).subtracting(["tfy_version"])
        #expect(tfyKeys == Set(terraform.objectValue?.keys.map { $0 } ?? []))
        for key in ["format_version", "applyable", "complete", "errored"] { #expect(tfy[key] == terraform[key], "\(key)") }
        #expect(tfy["terraform_version"] == tfy["tfy_version"])

        // Variables: the -var text stays a string; defaults keep their type. (Terraform shows a
        // sensitive variable's value; tfy never has it.)
        for name in ["machines", "AMI"] { #expect(tfy["variables"]?[name] == terraform["variables"]?[name], "variables.\(name)") }
        #expect(tfy["variables"]?["machines"]?["value"] == .string("3"))
        #expect(tfy["variables"]?["secret"] == .object(["value": .null, "sensitive": .bool(true)]))

        // Resource changes: same addresses in the same order, same actions and keys.
        let mine = try #require(tfy["resource_changes"]?.arrayValue)
        let theirs = try #require(terraform["resource_changes"]?.arrayValue)
        #expect(mine.map { $0["address"] } == theirs.map { $0["address"] })
        for (a, b) in zip(mine, theirs) {
            let address = a["address"]?.stringValue ?? "?"
            #expect(Set(a.objectValue?.keys.map { $0 } ?? []) == Set(b.objectValue?.keys.map { $0 } ?? []), "\(address)")
            let (change, other) = (try #require(a["change"]), try #require(b["change"]))
            #expect(change["actions"] == other["actions"], "\(address)")
            #expect(Set(change.objectValue?.keys.map { $0 } ?? []) == Set(other.objectValue?.keys.map { $0 } ?? []), "\(address)")
            for key in ["before", "before_sensitive"] { #expect(change[key] == other[key], "\(address) \(key)") }
            // Every attribute tfy knows after the change is known to Terraform with the same value,
            // or unknown to Terraform (the provider computes what tfy knows is unset or default).
            let after = change["after"]?.objectValue ?? [:], afterUnknown = other["after_unknown"]?.objectValue ?? [:]
            for (name, value) in after.sorted(by: { $0.key < $1.key }) {
                if let known = other["after"]?[name] {
                    #expect(Self.differences(tfy: value, terraform: known, path: "after.\(name)") == [], "\(address)")
                } else {
                    #expect(afterUnknown[name] != nil, "\(address): Terraform has no attribute \(name)")
                }
            }
            // What tfy does not know yet, Terraform does not either, in the same shape.
            for (name, mirror) in (change["after_unknown"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let theirMirror = afterUnknown[name] else {
                    Issue.record("\(address): after_unknown.\(name) is \(mirror.compact()) in tfy, Terraform knows the value")
                    continue
                }
                if mirror == .bool(true) { #expect(theirMirror == .bool(true), "\(address) after_unknown.\(name)") }
                // Unknown as a whole to Terraform, known to tfy (checked with `after` above).
                else if theirMirror != .bool(true) { #expect(Self.differences(tfy: mirror, terraform: theirMirror, path: "after_unknown.\(name)") == [], "\(address)") }
            }
            // The sensitivity mirrors agree on every attribute tfy models.
            for (name, mirror) in (change["after_sensitive"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                #expect(Self.differences(tfy: mirror, terraform: other["after_sensitive"]?[name] ?? .bool(false), path: "after_sensitive.\(name)") == [], "\(address)")
            }
        }
        #expect(tfy["planned_values"]?["root_module"]?["resources"]?.arrayValue?.map { $0["address"] }
                == terraform["planned_values"]?["root_module"]?["resources"]?.arrayValue?.map { $0["address"] })

        // Outputs: the same changes, a value unknown until apply left out of `after` in both.
        #expect(tfy["output_changes"] == terraform["output_changes"])
        #expect(tfy["planned_values"]?["outputs"] == terraform["planned_values"]?["outputs"])
        #expect(tfy["relevant_attributes"] == terraform["relevant_attributes"])

        // Configuration: the same resources, and every expression tfy describes refers to what
        // Terraform's does (Terraform's JSON syntax adds the template text as constant_value).
        let configured = try #require(tfy["configuration"]?["root_module"]?["resources"]?.arrayValue)
        let terraformConfigured = try #require(terraform["configuration"]?["root_module"]?["resources"]?.arrayValue)
        #expect(configured.map { $0["address"] } == terraformConfigured.map { $0["address"] })
        for (a, b) in zip(configured, terraformConfigured) {
            let address = a["address"]?.stringValue ?? "?"
            #expect(a["count_expression"]?["references"] == b["count_expression"]?["references"], "\(address)")
            for (name, expression) in a["expressions"]?.objectValue ?? [:] {
                let other = b["expressions"]?[name]
                #expect(other != nil, "\(address): Terraform has no expression \(name)")
                if let references = expression["references"] { #expect(other?["references"] == references, "\(address).\(name)") }
                else if let constant = expression["constant_value"], other?["references"] == nil {
                    #expect(Self.differences(tfy: constant, terraform: other?["constant_value"] ?? .null, path: "\(address).\(name)") == [])
                }
            }
        }
        #expect(tfy["configuration"]?["root_module"]?["outputs"] != nil)
    }

    /// The security group and the two workers applied by each tool (`-target`), then `show -json`
    /// of both states: the same resources, keys, dependencies and value shapes.
    @Test(.enabled(if: available, "terraform or the AWS provider mirror (/opt/tf-plugins, or TFY_TERRAFORM_PLUGINS) is not installed: nothing to compare with"))
    func showJSONOfBothStatesAgrees() async throws {
        let stacks = try await Stacks(applying: true)
        _ = try await stacks.terraform(["apply", "-input=false", "-no-color", "-auto-approve", "-var", "machines=3", "-target=aws_instance.worker"])
        let terraform = try Self.parse(try await stacks.terraform(["show", "-json", "-no-color"]), "terraform show -json")
        _ = try await stacks.tfy(["apply", "tfy", "-var", "machines=3", "-target", "aws_instance.worker", "-auto-approve", "-no-color"])
        let tfy = try Self.parse(try await stacks.tfy(["show", "-json", "-chdir", "tfy"]), "tfy show -json")

        #expect(Set(tfy.objectValue?.keys.map { $0 } ?? []).subtracting(["tfy_version"]) == Set(terraform.objectValue?.keys.map { $0 } ?? []))
        #expect(tfy["format_version"] == terraform["format_version"])
        let mine = try #require(tfy["values"]?["root_module"]?["resources"]?.arrayValue)
        let theirs = try #require(terraform["values"]?["root_module"]?["resources"]?.arrayValue)
        #expect(mine.map { $0["address"] } == theirs.map { $0["address"] })
        #expect(mine.map { $0["address"]?.stringValue ?? "" } == ["aws_instance.worker[0]", "aws_instance.worker[1]", "aws_security_group.cluster"])
        for (a, b) in zip(mine, theirs) {
            let address = a["address"]?.stringValue ?? "?"
            #expect(Set(a.objectValue?.keys.map { $0 } ?? []) == Set(b.objectValue?.keys.map { $0 } ?? []), "\(address)")
            for key in ["mode", "type", "name", "index", "provider_name", "depends_on"] { #expect(a[key] == b[key], "\(address) \(key)") }
            let values = try #require(a["values"]), theirValues = try #require(b["values"])
            #expect(Self.kindDifferences(tfy: values, terraform: theirValues, path: "values") == [], "\(address)")
            for name in ["ami", "instance_type", "tags", "instance_state", "description"] where values[name] != nil {
                #expect(values[name] == theirValues[name], "\(address) values.\(name)")
            }
            #expect(Self.kindDifferences(tfy: a["sensitive_values"] ?? .null, terraform: b["sensitive_values"] ?? .null, path: "sensitive_values") == [], "\(address)")
            #expect(!(a["sensitive_values"]?.compact().contains("true") ?? true), "\(address): nothing in this stack is sensitive")
        }
    }

    /// A module used three times, once with `count`, once with `for_each` (string keys), nested
    /// in turn, in both tools: the addresses, `module_address`, the `child_modules` tree of
    /// `planned_values`, the `module_calls` of the configuration and an output that reads the
    /// `for_each` call as a map agree.
    @Test(.enabled(if: available, "terraform or the AWS provider mirror (/opt/tf-plugins, or TFY_TERRAFORM_PLUGINS) is not installed: nothing to compare with"))
    func showJSONOfPlansWithModulesAgrees() async throws {
        let provider = #""provider": {"aws": {"region": "us-east-1", "access_key": "AKIDTEST", "secret_key": "test-secret", "skip_credentials_validation": true, "skip_requesting_account_id": true, "skip_metadata_api_check": true, "skip_region_validation": true, "endpoints": {"ec2": "ENDPOINT", "sts": "ENDPOINT"}}}"#
        let stacks = try await Stacks(files: [
            "tfy/main.yml": "stack: STACK\nprovider:\n  aws: {region: us-east-1}\nmodule:\n  workers: {source: ./modules/node, count: 2, role: w}\n  master: {source: ./modules/node, role: m}\n  zoned: {source: ./modules/node, for_each: {a: alpha, b: beta}, role: \"${each.value}\"}\noutput:\n  names: {value: \"${module.workers[*].name}\"}\n  zoned: {value: \"${{for k, m in module.zoned : k => m.name}}\"}\n",
            "tfy/modules/node/main.yml": "variable:\n  role: {type: string}\nresource:\n  aws_instance:\n    node: {ami: ami-1ecae776, instance_type: t2.small, tags: {Name: \"${var.role}\"}}\nmodule:\n  extra: {source: ./modules/extra, role: \"${var.role}\"}\noutput:\n  name: {value: \"my-${var.role}\"}\n",
            "tfy/modules/node/modules/extra/main.yml": "variable:\n  role: {type: string}\nresource:\n  aws_instance:\n    spare: {ami: ami-1ecae776, instance_type: t2.small, tags: {Name: \"${var.role}-spare\"}}\n",
            "tf/main.tf.json": #"{"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}}, "# + provider + #", "module": {"workers": {"source": "./modules/node", "count": 2, "role": "w"}, "master": {"source": "./modules/node", "role": "m"}, "zoned": {"source": "./modules/node", "for_each": {"a": "alpha", "b": "beta"}, "role": "${each.value}"}}, "output": {"names": {"value": "${module.workers[*].name}"}, "zoned": {"value": "${{for k, m in module.zoned : k => m.name}}"}}}"#,
            "tf/modules/node/main.tf.json": #"{"variable": {"role": {"type": "string"}}, "resource": {"aws_instance": {"node": {"ami": "ami-1ecae776", "instance_type": "t2.small", "tags": {"Name": "${var.role}"}}}}, "module": {"extra": {"source": "./modules/extra", "role": "${var.role}"}}, "output": {"name": {"value": "my-${var.role}"}}}"#,
            "tf/modules/node/modules/extra/main.tf.json": #"{"variable": {"role": {"type": "string"}}, "resource": {"aws_instance": {"spare": {"ami": "ami-1ecae776", "instance_type": "t2.small", "tags": {"Name": "${var.role}-spare"}}}}}"#,
        ])
        _ = try await stacks.terraform(["plan", "-input=false", "-no-color", "-out=plan.tfplan"])
        let terraform = try Self.parse(try await stacks.terraform(["show", "-json", "-no-color", "plan.tfplan"]), "terraform show -json")
        _ = try await stacks.tfy(["plan", "tfy", "-out", "tfy.tfplan", "-no-color"])
        let tfy = try Self.parse(try await stacks.tfy(["show", "-json", "tfy.tfplan"]), "tfy show -json")

        func changes(_ plan: JSONValue) -> [String] {
            (plan["resource_changes"]?.arrayValue ?? []).map { "\($0["address"]?.stringValue ?? "") \($0["module_address"]?.stringValue ?? "-") \($0.objectValue?.keys.sorted().joined(separator: ",") ?? "")" }
        }
        #expect(changes(tfy) == changes(terraform))
        #expect(changes(tfy).first == "module.master.aws_instance.node module.master address,change,mode,module_address,name,provider_name,type")
        /// The module tree: each module's address, keys and resource addresses, depth first.
        func tree(_ module: JSONValue?) -> [String] {
            guard let module else { return [] }
            let own = "\(module["address"]?.stringValue ?? "root") \(module.objectValue?.keys.sorted().joined(separator: ",") ?? "") \((module["resources"]?.arrayValue ?? []).map { $0["address"]?.stringValue ?? "" })"
            return [own] + (module["child_modules"]?.arrayValue ?? []).flatMap(tree)
        }
        #expect(tree(tfy["planned_values"]?["root_module"]) == tree(terraform["planned_values"]?["root_module"]))
        #expect(tree(tfy["planned_values"]?["root_module"]).count == 11)
        #expect(changes(tfy).filter { $0.hasPrefix("module.zoned") } == [
            #"module.zoned["a"].aws_instance.node module.zoned["a"] address,change,mode,module_address,name,provider_name,type"#,
            #"module.zoned["b"].aws_instance.node module.zoned["b"] address,change,mode,module_address,name,provider_name,type"#,
            #"module.zoned["a"].module.extra.aws_instance.spare module.zoned["a"].module.extra address,change,mode,module_address,name,provider_name,type"#,
            #"module.zoned["b"].module.extra.aws_instance.spare module.zoned["b"].module.extra address,change,mode,module_address,name,provider_name,type"#,
        ])
        #expect(tfy["planned_values"]?["outputs"]?["zoned"]?["value"] == terraform["planned_values"]?["outputs"]?["zoned"]?["value"])
        #expect(tfy["planned_values"]?["outputs"]?["zoned"]?["value"] == .object(["a": .string("my-alpha"), "b": .string("my-beta")]))
        func calls(_ module: JSONValue?) -> [String] {
            (module?["module_calls"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.flatMap { name, call in
                ["\(name) \(call.objectValue?.keys.sorted().joined(separator: ",") ?? "") \(call["source"]?.stringValue ?? "")"] + calls(call["module"])
            }
        }
        #expect(calls(tfy["configuration"]?["root_module"]) == calls(terraform["configuration"]?["root_module"]))
        let zoned = tfy["configuration"]?["root_module"]?["module_calls"]?["zoned"], theirs = terraform["configuration"]?["root_module"]?["module_calls"]?["zoned"]
        #expect(zoned?["for_each_expression"] == theirs?["for_each_expression"])
        // (Terraform also gives a JSON-syntax argument's template text as its constant_value.)
        #expect(zoned?["expressions"]?["role"]?["references"] == theirs?["expressions"]?["role"]?["references"])
    }
}
