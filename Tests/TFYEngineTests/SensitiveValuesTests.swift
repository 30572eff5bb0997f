import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// Sensitive values end to end against moto (issue 16, docs/configuration.md "Sensitive values"):
/// a secret configured anywhere never reaches a file or a stream, including after EC2 hands it
/// back, and a stack that holds one converges.
@Suite(.timeLimit(.minutes(30)))
struct SensitiveValuesTests {
    static let secret = "s3cr3t-Tag-9f4e"

    /// A group and an instance, each with a tag whose value is a sensitive variable.
    static func taggedConfiguration(stack: String) -> String {
        """
        stack: \(stack)
        provider:
          aws: {region: us-east-1}
        variable:
          pw: {type: string, sensitive: true}
        resource:
          aws_security_group:
            web:
              name: web
              description: web servers
              tags: {Secret: "${var.pw}"}
          aws_instance:
            box:
              ami: ami-1ecae776
              instance_type: t2.small
              vpc_security_group_ids: ["${aws_security_group.web.id}"]
              tags: {Name: box, Secret: "${var.pw}"}

        """
    }

    /// A world whose configuration `tags/` is `taggedConfiguration`, its secret given by `TFY_VAR_pw`.
    static func taggedWorld() async throws -> World {
        let world = try await World()
        try FileManager.default.createDirectory(atPath: world.directory + "/tags", withIntermediateDirectories: true)
        try taggedConfiguration(stack: world.stack).write(toFile: world.directory + "/tags/main.yml", atomically: true, encoding: .utf8)
        world.stateConfiguration = "tags"
        world.extraEnvironment = ["TFY_VAR_pw": secret]
        return world
    }

    /// Every file under `directory` whose bytes contain `needle`, relative to it.
    static func files(under directory: String, containing needle: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var hits: [String] = []
        while let path = enumerator?.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: directory + "/" + path) else { continue }
            if data.range(of: Data(needle.utf8)) != nil { hits.append(path) }
        }
        return hits.sorted()
    }

    @Test func aSensitiveTagStaysSecretAfterEC2ReadsItBackAndThePlanConverges() async throws {
        let world = try await Self.taggedWorld()

        let applied = await world.tfy(["apply", "tags", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        // EC2 holds the tag, so it was sent.
        let id = try #require(try world.stateInstances()["aws_instance.box"])
        #expect(try await OwnershipTests.instances(world, [id])[id]?.tags["Secret"] == Self.secret)

        // The second plan converges (before the fix: an update from the clear value to
        // "(sensitive value)", exit 2, forever), and nothing it writes or prints holds the secret.
        let plan = await world.tfy(["plan", "tags", "-detailed-exitcode", "-out", "saved.plan", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains("No changes. Your infrastructure matches the configuration."), "\(plan.out)")
        var streams = [applied.out, applied.err, plan.out, plan.err]
        for arguments in [["plan", "tags", "-json"], ["show", "-json", "saved.plan"], ["show", "saved.plan", "-no-color"],
                          ["state", "show", "-chdir=tags", "aws_instance.box"], ["state", "show", "-chdir=tags", "aws_security_group.web"],
                          ["apply", "tags", "-auto-approve", "-no-color"]] {
            let run = await world.tfy(arguments)
            #expect(run.status == 0, "\(arguments): \(run.err)")
            streams += [run.out, run.err]
        }
        #expect(streams.filter { $0.contains(Self.secret) }.isEmpty)
        #expect(Self.files(under: world.directory, containing: Self.secret) == [])
        // The tags are still there, shown as sensitive.
        let shown = await world.tfy(["state", "show", "-chdir=tags", "aws_instance.box"])
        #expect(shown.out.contains("\"Secret\" = (sensitive value)"), "\(shown.out)")

        // A hand edit of the secret tag is drift, shown without either value, and planned back.
        _ = try await world.cli(["ec2", "create-tags", "--resources", id, "--tags", "Key=Secret,Value=edited-by-hand"])
        let drifted = await world.tfy(["plan", "tags", "-detailed-exitcode", "-no-color"])
        #expect(drifted.status == 2, "\(drifted.err)")
        #expect(drifted.out.contains("""
              # aws_instance.box has changed
              ~ resource "aws_instance" "box" {
                    id   = "\(id)"
                  ~ tags = {
                      ~ "Secret" = (sensitive value) -> (sensitive value)
                        # (1 unchanged element hidden)
                    }
            """), "\(drifted.out)")
        #expect(!drifted.out.contains("edited-by-hand") && !drifted.out.contains(Self.secret), "\(drifted.out)")
        #expect(drifted.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(drifted.out)")
    }

    @Test func aSensitiveTagOnAnAdoptedObjectIsRecordedAsADigest() async throws {
        let world = try await Self.taggedWorld()
        #expect(await world.tfy(["apply", "tags", "-auto-approve", "-no-color"]).status == 0)
        // The state is lost: refresh finds both objects by their tags, with the secret in them.
        try FileManager.default.removeItem(atPath: world.statePath)

        let adopted = await world.tfy(["apply", "tags", "-auto-approve", "-no-color"])
        #expect(adopted.status == 0, "\(adopted.err)")
        #expect(adopted.out.contains("Apply complete! Resources: 2 adopted, 0 added, 0 changed, 0 destroyed."), "\(adopted.out)")
        #expect(!adopted.out.contains(Self.secret) && !adopted.err.contains(Self.secret))
        #expect(Self.files(under: world.directory, containing: Self.secret) == [])
        let plan = await world.tfy(["plan", "tags", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
    }

    /// `tfy import` records a tag whose configured value is a secret as a digest, as adoption
    /// does, and the next plan converges.
    @Test func anImportedObjectsSecretTagIsRecordedAsADigest() async throws {
        let world = try await Self.taggedWorld()
        #expect(await world.tfy(["apply", "tags", "-auto-approve", "-no-color"]).status == 0)
        let id = try #require(try world.stateInstances()["aws_instance.box"])
        #expect(await world.tfy(["state", "rm", "-chdir=tags", "aws_instance.box"]).status == 0)

        let imported = await world.tfy(["import", "-chdir=tags", "aws_instance.box", id])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(!imported.out.contains(Self.secret) && !imported.err.contains(Self.secret))
        #expect(Self.files(under: world.directory, containing: Self.secret) == [])
        let plan = await world.tfy(["plan", "tags", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
    }

    /// A state in which an older tfy kept a secret tag in clear (as read back from EC2, unmarked)
    /// loses it on the next apply's write, even when nothing changes.
    @Test func aSecretTagAnOlderTfyStoredInClearIsDigestedByTheNextWrite() async throws {
        let world = try await Self.taggedWorld()
        #expect(await world.tfy(["apply", "tags", "-auto-approve", "-no-color"]).status == 0)
        // The state as the older tfy wrote it: the tag's value in clear, no sensitive path for it.
        var json = try #require(JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: world.statePath)))).get().objectValue)
        var resources = try #require(json["resources"]?.arrayValue)
        for (r, resource) in resources.enumerated() {
            var resource = try #require(resource.objectValue)
            var instances = try #require(resource["instances"]?.arrayValue)
            for (i, instance) in instances.enumerated() {
                var instance = try #require(instance.objectValue)
                var attributes = try #require(instance["attributes"]?.objectValue)
                var tags = try #require(attributes["tags"]?.objectValue)
                tags["Secret"] = .string(Self.secret)
                attributes["tags"] = .object(tags)
                instance["attributes"] = .object(attributes)
                instance["sensitive_attributes"] = .array([])
                instances[i] = .object(instance)
            }
            resource["instances"] = .array(instances)
            resources[r] = .object(resource)
        }
        json["resources"] = .array(resources)
        try JSONValue.object(json).pretty().write(toFile: world.statePath, atomically: true, encoding: .utf8)
        #expect(Self.files(under: world.directory, containing: Self.secret) == ["tags/state/\(world.stack).tfstate"])
        // A saved plan made from it holds the secret nowhere, its prior state included.
        let saved = await world.tfy(["plan", "tags", "-out", "saved.plan", "-no-color"])
        #expect(saved.status == 0, "\(saved.err)")
        #expect(Self.files(under: world.directory, containing: Self.secret) == ["tags/state/\(world.stack).tfstate"])

        let applied = await world.tfy(["apply", "tags", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(applied.out)")
        // Neither the state nor its backup (the state as it was, with the secret digested) holds it.
        #expect(Self.files(under: world.directory, containing: Self.secret) == [])
        #expect(FileManager.default.fileExists(atPath: world.statePath + ".backup"))
    }

    /// A Name tag edited by hand to hold an escape sequence (clear the screen, forge a line) is
    /// printed as escapes in the drift section and in `tfy ssh`'s list of instances.
    @Test func anEscapeSequenceInATagIsPrintedEscaped() async throws {
        let world = try await Self.taggedWorld()
        #expect(await world.tfy(["apply", "tags", "-auto-approve", "-no-color"]).status == 0)
        let id = try #require(try world.stateInstances()["aws_instance.box"])
        _ = try await world.cli(["ec2", "create-tags", "--resources", id, "--tags", #"[{"Key": "Name", "Value": "\u001b[2J\rApply complete!"}]"#])

        let drifted = await world.tfy(["refresh", "tags", "-no-color"])
        #expect(drifted.status == 0, "\(drifted.err)")
        let plan = await world.tfy(["plan", "tags", "-refresh=false", "-no-color"])
        #expect(plan.out.contains(#"~ "Name" = "\x1b[2J\rApply complete!" -> "box""#), "\(plan.out)")
        let ssh = await world.tfy(["ssh", "-chdir=tags", "nosuchhost"])
        #expect(ssh.status == 1)
        #expect(ssh.err.contains(#"  \x1b[2J\rApply complete! (aws_instance.box)"#), "\(ssh.err)")
        for text in [plan.out, plan.err, ssh.out, ssh.err] {
            #expect(!text.contains("\u{1B}") && !text.contains("\r"), "\(text)")
        }
    }

    /// Every output stream, every file under the working directory and every object in the S3
    /// bucket, after a full apply, plan, show, output, state, refresh and destroy of a stack that
    /// uses secrets in every place tfy takes them: none holds a secret, nor the uppercase one
    /// derived from it. (The remote host's files are the one place they belong.)
    @Test func noSecretReachesAnyStreamFileOrObject() async throws {
        let world = try await World()
        world.stateConfiguration = "every"
        try FileManager.default.createDirectory(atPath: world.directory + "/every", withIntermediateDirectories: true)
        let text = try String(contentsOfFile: engineFixtures + "/every-secret/main.yml", encoding: .utf8)
        try ("stack: \(world.stack)\n" + text).write(toFile: world.directory + "/every/main.yml", atomically: true, encoding: .utf8)
        try await world.prepareS3()
        try "backend:\n  s3: {bucket: \(S3BackendTests.bucket), key: \(world.stateKey), region: us-east-1, use_lockfile: true}\n"
            .write(toFile: world.directory + "/every/backend.yml", atomically: true, encoding: .utf8)
        let hosts = try await Hosts(world, count: 1)
        let variables = try BootstrapSecretsTests().variables(hosts)
        let secrets = BootstrapSecretsTests.secrets + [BootstrapSecretsTests.password.uppercased()]

        var runs: [(String, World.Run)] = []
        func run(_ arguments: [String], status: Int32 = 0) async {
            let result = await world.tfy(arguments)
            #expect(result.status == status, "\(arguments): \(result.out)\(result.err)")
            runs.append((arguments.joined(separator: " "), result))
        }
        await run(["apply", "every", "-auto-approve", "-no-color"] + variables)
        await run(["plan", "every", "-detailed-exitcode", "-no-color", "-out", "saved.plan"] + variables)
        await run(["plan", "every", "-json"] + variables)
        await run(["show", "saved.plan", "-no-color"])
        await run(["show", "-json", "saved.plan"])
        await run(["output", "-chdir=every"])
        await run(["output", "-chdir=every", "-json"])
        await run(["state", "list", "-chdir=every"])
        for address in ["aws_instance.box", "aws_security_group.web", "tfy_bootstrap.secrets"] {
            await run(["state", "show", "-chdir=every", address])
        }
        await run(["state", "pull", "-chdir=every"])
        await run(["refresh", "every", "-no-color"] + variables)
        await run(["apply", "every", "-auto-approve", "-json"] + variables)
        await run(["plan", "every", "-destroy", "-out", "destroy.plan", "-no-color"] + variables)
        await run(["show", "-json", "destroy.plan"])
        await run(["destroy", "every", "-auto-approve", "-no-color"] + variables)
        #expect(runs.count == 17)
        // The sensitive output is there, redacted.
        #expect(runs[5].1.out == "shouted = <sensitive>\n", "\(runs[5].1.out)")

        for (what, result) in runs {
            for secret in secrets {
                #expect(!result.out.contains(secret) && !result.err.contains(secret), "\(what): \(secret)")
            }
        }
        for secret in secrets {
            let files = Self.files(under: world.directory, containing: secret).filter { !$0.hasPrefix("roots/") && $0 != "local-key" }
            #expect(files == [], "\(secret) in \(files)")
        }
        let listing = try await world.cli(["s3api", "list-objects-v2", "--bucket", S3BackendTests.bucket])
        let keys = ((listing["Contents"] as? [[String: Any]]) ?? []).compactMap { $0["Key"] as? String }
        #expect(keys.contains(world.stateKey), "\(keys)")
        for key in keys {
            let bytes = try #require(try await world.s3Object(key))
            for secret in secrets { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in s3://\(key)") }
        }
    }
}
