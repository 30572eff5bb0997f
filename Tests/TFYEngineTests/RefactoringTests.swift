import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// `moved` and `import` blocks against moto: a rename keeps every instance (same IDs, retagged,
/// nothing launched or terminated), an import adopts an existing object (tagged with this stack
/// and its address, read, recorded), each checked with the AWS CLI and the request log.
@Suite(.timeLimit(.minutes(30)))
struct RefactoringTests {
    static let fixtures = engineFixtures + "/refactoring"

    /// The boxes configuration with `box` renamed `crate` and a `moved` block saying so.
    static func renamed(stack: String) -> String {
        OwnershipTests.boxes(stack: stack).replacingOccurrences(of: "    box:", with: "    crate:")
            + "moved:\n  - {from: aws_instance.box, to: aws_instance.crate}\n"
    }

    /// One instance, `web`, and an `import` block naming `id` for it.
    static func importing(stack: String, id: String, tags: String = "") -> String {
        """
        stack: \(stack)
        provider:
          aws: {region: us-east-1}
        resource:
          aws_instance:
            web: {ami: ami-1ecae776, instance_type: t2.small\(tags)}
        import:
          - {to: aws_instance.web, id: \(id)}

        """
    }

    /// An instance launched outside tfy (with the AWS CLI), with `tags`.
    static func launchOutside(_ world: World, tags: [String: String] = [:]) async throws -> String {
        var arguments = ["ec2", "run-instances", "--image-id", "ami-1ecae776", "--instance-type", "t2.small", "--count", "1"]
        if !tags.isEmpty {
            let list = tags.sorted { $0.key < $1.key }.map { "{Key=\($0.key),Value=\($0.value)}" }.joined(separator: ",")
            arguments += ["--tag-specifications", "ResourceType=instance,Tags=[\(list)]"]
        }
        let json = try await world.cli(arguments)
        let instance = try #require((json["Instances"] as? [[String: Any]])?.first)
        return try #require(instance["InstanceId"] as? String)
    }

    /// `text` with `id` replaced by a placeholder, for comparing with a golden file.
    static func pinned(_ text: String, _ ids: [String: String]) -> String {
        ids.reduce(text) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    /// Compares `actual` with the golden file at `path`; `RECORD_SNAPSHOTS=1` writes it anew
    /// (and records an issue, so a recording run never passes).
    static func golden(_ actual: String, path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            _ = FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("recorded \(path); run again without RECORD_SNAPSHOTS", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == (try? String(contentsOfFile: path, encoding: .utf8)), "\(path) differs; RECORD_SNAPSHOTS=1 re-records it", sourceLocation: sourceLocation)
    }

    @Test func aRenameMovesEveryInstanceKeepingItsIDAndRetagsIt() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        try Self.renamed(stack: world.stack).write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let proxy = try await InstanceWireTests.proxied(world)

        let plan = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        for index in 0..<3 {
            #expect(plan.out.contains("""
                  # aws_instance.box[\(index)] has moved to aws_instance.crate[\(index)]
                    resource "aws_instance" "crate" {
                        id   = "\(ids["aws_instance.box[\(index)]"]!)"
                        tags = {
                            "Name" = "box\(index)"
                        }
                """), "\(plan.out)")
        }
        #expect(plan.out.contains("\nPlan: 0 to add, 0 to change, 0 to destroy.\n"))
        #expect(!plan.out.contains("will be destroyed") && !plan.out.contains("will be created"))

        let applied = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(try world.stateInstances() == Dictionary(uniqueKeysWithValues: (0..<3).map { ("aws_instance.crate[\($0)]", ids["aws_instance.box[\($0)]"]!) }))

        let sent = try await proxyRequests(proxy)
        #expect(!sent.contains { ["RunInstances", "TerminateInstances", "StopInstances"].contains($0.action) })
        // One CreateTags per moved object, of its tfy:address tag alone.
        var retags: [String: [String: String]] = [:]
        for request in sent where request.action == "CreateTags" { retags[request.params["ResourceId.1"] ?? "", default: [:]].merge(request.tags) { _, new in new } }
        var expected: [String: [String: String]] = [:]
        for index in 0..<3 { expected[ids["aws_instance.box[\(index)]"]!] = ["tfy:address": "aws_instance.crate[\(index)]"] }
        #expect(sent.filter { $0.action == "CreateTags" }.count == 3)
        #expect(retags == expected)
        let live = try await OwnershipTests.instances(world, Array(ids.values))
        for index in 0..<3 {
            let id = ids["aws_instance.box[\(index)]"]!
            #expect(live[id]?.state == "running")
            #expect(live[id]?.tags == ["Name": "box\(index)", "tfy:stack": world.stack, "tfy:address": "aws_instance.crate[\(index)]"])
        }
        // The moved block stays: with nothing left at its source, it does nothing.
        let again = await world.tfy(["plan", "boxes", "-no-color", "-detailed-exitcode"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        #expect(again.out.contains("No changes."))
    }

    /// The boxes resource as a module's own, and a root that calls it as `w` with `moves`.
    static func intoModule(_ world: World, moves: String) throws {
        let module = world.directory + "/boxes/modules/box"
        try FileManager.default.createDirectory(atPath: module, withIntermediateDirectories: true)
        let resource = OwnershipTests.boxes(stack: world.stack).split(separator: "\n").drop { !$0.hasPrefix("resource:") }.joined(separator: "\n")
        try (resource + "\n").write(toFile: module + "/main.yml", atomically: true, encoding: .utf8)
        try """
            stack: \(world.stack)
            provider:
              aws: {region: us-east-1}
            module:
              w: {source: ./modules/box}
            moved:
            \(moves)

            """.write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
    }

    /// A move into a module, then one out of it: the same three instances throughout, each
    /// retagged with its new address, nothing launched or terminated.
    @Test func movesIntoAndOutOfAModuleKeepEveryInstance() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        try #require(ids.count == 3)
        let proxy = try await InstanceWireTests.proxied(world)

        try Self.intoModule(world, moves: "  - {from: aws_instance.box, to: module.w.aws_instance.box}")
        let plan = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        for index in 0..<3 {
            #expect(plan.out.contains("  # aws_instance.box[\(index)] has moved to module.w.aws_instance.box[\(index)]\n"), "\(plan.out)")
        }
        #expect(plan.out.contains("\nPlan: 0 to add, 0 to change, 0 to destroy.\n"), "\(plan.out)")
        let into = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(into.status == 0, "\(into.out)\(into.err)")
        #expect(into.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(into.out)")
        #expect(try world.stateInstances() == Dictionary(uniqueKeysWithValues: (0..<3).map { ("module.w.aws_instance.box[\($0)]", ids["aws_instance.box[\($0)]"]!) }))
        var live = try await OwnershipTests.instances(world, Array(ids.values))
        for index in 0..<3 {
            #expect(live[ids["aws_instance.box[\(index)]"]!]?.tags == ["Name": "box\(index)", "tfy:stack": world.stack, "tfy:address": "module.w.aws_instance.box[\(index)]"])
        }
        let settled = await world.tfy(["plan", "boxes", "-no-color", "-detailed-exitcode"])
        #expect(settled.status == 0, "\(settled.out)\(settled.err)")

        // Out again, to a resource of the root module.
        try OwnershipTests.boxes(stack: world.stack).replacingOccurrences(of: "    box:", with: "    crate:")
            .appending("moved:\n  - {from: module.w.aws_instance.box, to: aws_instance.crate}\n")
            .write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let out = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(out.status == 0, "\(out.out)\(out.err)")
        #expect(out.out.contains("  # module.w.aws_instance.box[2] has moved to aws_instance.crate[2]\n"), "\(out.out)")
        #expect(out.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(out.out)")
        #expect(try world.stateInstances() == Dictionary(uniqueKeysWithValues: (0..<3).map { ("aws_instance.crate[\($0)]", ids["aws_instance.box[\($0)]"]!) }))
        live = try await OwnershipTests.instances(world, Array(ids.values))
        for index in 0..<3 {
            let id = ids["aws_instance.box[\(index)]"]!
            #expect(live[id]?.state == "running")
            #expect(live[id]?.tags == ["Name": "box\(index)", "tfy:stack": world.stack, "tfy:address": "aws_instance.crate[\(index)]"])
        }

        // Six retags, one per object and move, of the address tag alone; nothing launched or ended.
        let sent = try await proxyRequests(proxy)
        #expect(!sent.contains { ["RunInstances", "TerminateInstances", "StopInstances"].contains($0.action) })
        let retags = sent.filter { $0.action == "CreateTags" }.map { "\($0.params["ResourceId.1"] ?? "") \($0.tags)" }
        let expected = (0..<3).map { "\(ids["aws_instance.box[\($0)]"]!) \(["tfy:address": "module.w.aws_instance.box[\($0)]"])" }
            + (0..<3).map { "\(ids["aws_instance.box[\($0)]"]!) \(["tfy:address": "aws_instance.crate[\($0)]"])" }
        #expect(retags.sorted() == expected.sorted())
    }

    @Test func anInstanceMoveWithAnUpdateShowsBothAndUpdatesInPlace() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        let config = OwnershipTests.boxes(stack: world.stack).replacingOccurrences(of: "count: 3", with: "count: 2")
            + "    spare: {ami: ami-1ecae776, instance_type: t2.small, tags: {Name: spare}}\n"
            + "moved:\n  - {from: \"aws_instance.box[2]\", to: aws_instance.spare}\n"
        try config.write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("""
              # aws_instance.spare will be updated in-place
              # (moved from aws_instance.box[2])
              ~ resource "aws_instance" "spare" {
                    id   = "\(ids["aws_instance.box[2]"]!)"
                  ~ tags = {
                      ~ "Name" = "box2" -> "spare"
                    }
            """), "\(plan.out)")
        #expect(plan.out.contains("\nPlan: 0 to add, 1 to change, 0 to destroy.\n"))
        let applied = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(try world.stateInstances()["aws_instance.spare"] == ids["aws_instance.box[2]"])
        let live = try await OwnershipTests.instances(world, [ids["aws_instance.box[2]"]!])
        #expect(live[ids["aws_instance.box[2]"]!]?.tags == ["Name": "spare", "tfy:stack": world.stack, "tfy:address": "aws_instance.spare"])
    }

    @Test func anImportAdoptsTheObjectTagsItAndLaunchesNothing() async throws {
        let world = try await OwnershipTests.twoStacks()
        let id = try await Self.launchOutside(world)
        try Self.importing(stack: world.stack, id: id).write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let proxy = try await InstanceWireTests.proxied(world)

        let plan = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        Self.golden(Self.pinned(plan.out, [id: "i-IMPORTED", world.stack: "STACK"]), path: Self.fixtures + "/import-plan.txt")
        let markdown = await world.tfy(["plan", "boxes", "-format", "markdown"])
        Self.golden(Self.pinned(markdown.out, [id: "i-IMPORTED", world.stack: "STACK"]), path: Self.fixtures + "/import-plan.md")
        let json = await world.tfy(["plan", "boxes", "-format", "json"])
        let change = try #require(JSONValue.parse(Array(json.out.utf8)).get()["resource_changes"]?.arrayValue?.first)
        #expect(change["address"] == .string("aws_instance.web"))
        #expect(change["change"]?["actions"] == .array([.string("no-op")]))
        #expect(change["change"]?["importing"] == .object(["id": .string(id)]))
        #expect(change["change"]?["before"]?["id"] == .string(id))

        let applied = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("aws_instance.web: Importing... [id=\(id)]\naws_instance.web: Import complete [id=\(id)]\n"), "\(applied.out)")
        #expect(applied.out.contains("Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(try world.stateInstances() == ["aws_instance.web": id])
        let sent = try await proxyRequests(proxy)
        #expect(!sent.contains { ["RunInstances", "TerminateInstances", "StopInstances"].contains($0.action) })
        let tagged = sent.filter { $0.action == "CreateTags" }
        #expect(tagged.map(\.tags) == [["tfy:stack": world.stack, "tfy:address": "aws_instance.web"]])
        #expect(tagged.map { $0.params["ResourceId.1"] } == [id])
        let live = try await OwnershipTests.instances(world, [id])
        #expect(live[id]?.state == "running")
        #expect(live[id]?.tags == ["tfy:stack": world.stack, "tfy:address": "aws_instance.web"])

        // The import block stays: the state tracks that object there now, so it does nothing.
        let again = await world.tfy(["plan", "boxes", "-no-color", "-detailed-exitcode"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        #expect(again.out.contains("No changes."))
    }

    @Test func anImportWhoseConfigurationDiffersPlansTheImportAndTheUpdate() async throws {
        let world = try await OwnershipTests.twoStacks()
        let id = try await Self.launchOutside(world, tags: ["Name": "old"])
        try Self.importing(stack: world.stack, id: id, tags: ", tags: {Name: web}").write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("""
              # aws_instance.web will be updated in-place
              # (imported from "\(id)")
              ~ resource "aws_instance" "web" {
                    id   = "\(id)"
                  ~ tags = {
                      ~ "Name" = "old" -> "web"
                    }
            """), "\(plan.out)")
        #expect(plan.out.contains("\nPlan: 1 to import, 0 to add, 1 to change, 0 to destroy.\n"))
        let applied = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 1 imported, 0 added, 1 changed, 0 destroyed."), "\(applied.out)")
        let live = try await OwnershipTests.instances(world, [id])
        #expect(live[id]?.tags == ["Name": "web", "tfy:stack": world.stack, "tfy:address": "aws_instance.web"])
    }

    @Test func importsThatCannotBeDoneAreRefusedWhereTheyAreWritten() async throws {
        let world = try await OwnershipTests.twoStacks()
        let foreign = try await Self.launchOutside(world, tags: ["tfy:stack": "other", "tfy:address": "aws_instance.x"])
        let config = world.directory + "/boxes/main.yml"
        try Self.importing(stack: world.stack, id: foreign).write(toFile: config, atomically: true, encoding: .utf8)
        let refused = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(refused.status == 1)
        #expect(refused.err.hasPrefix("""
            Error: Object belongs to another stack

              on boxes/main.yml:8:5 (aws_instance.web):
              8 |   - {to: aws_instance.web, id: \(foreign)}
                |     ^

            \(foreign) is tagged tfy:stack=other as aws_instance.x; this configuration is stack "\(world.stack)". tfy never takes another stack's objects. To move it, first run tfy state rm in stack "other".
            """), "\(refused.err)")
        #expect(try await OwnershipTests.instances(world, [foreign])[foreign]?.tags == ["tfy:stack": "other", "tfy:address": "aws_instance.x"])

        try Self.importing(stack: world.stack, id: "i-0000000000000dead").write(toFile: config, atomically: true, encoding: .utf8)
        let missing = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(missing.status == 1)
        #expect(missing.err.hasPrefix("Error: Cannot import non-existent remote object\n\n  on boxes/main.yml:8:5 (aws_instance.web):\n"), "\(missing.err)")

        // An address the state tracks with another object.
        let id = try await Self.launchOutside(world)
        try Self.importing(stack: world.stack, id: id).write(toFile: config, atomically: true, encoding: .utf8)
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let other = try await Self.launchOutside(world)
        try Self.importing(stack: world.stack, id: other).write(toFile: config, atomically: true, encoding: .utf8)
        let taken = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(taken.status == 1)
        #expect(taken.err.contains("Error: Resource already managed by tfy\n\n  on boxes/main.yml:8:5 (aws_instance.web):\n"), "\(taken.err)")
        #expect(taken.err.contains("The state already tracks aws_instance.web as \(id), not \(other). To import \(other) there, first forget the tracked object with: tfy state rm aws_instance.web"))
    }

    @Test func movesThatCannotBeDoneAreRefusedWhereTheyAreWritten() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        // An instance move whose source the configuration still has.
        let config = OwnershipTests.boxes(stack: world.stack)
            + "    spare: {ami: ami-1ecae776, instance_type: t2.small}\n"
            + "moved:\n  - {from: \"aws_instance.box[2]\", to: aws_instance.spare}\n"
        try config.write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let still = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(still.status == 1)
        #expect(still.err.hasPrefix("""
            Error: Moved object still exists

              on boxes/main.yml:13:5:
              13 |   - {from: "aws_instance.box[2]", to: aws_instance.spare}
                 |     ^

            This statement declares a move from aws_instance.box[2], but that resource instance is still declared at boxes/main.yml:6,5.

            Change your configuration so that this instance will be declared as aws_instance.spare instead.
            """), "\(still.err)")
    }

    @Test func generateConfigOutWritesTheMissingResourceBlockAndPlansWithIt() async throws {
        let world = try await OwnershipTests.twoStacks()
        let id = try await Self.launchOutside(world, tags: ["Name": "web"])
        let config = "stack: \(world.stack)\nprovider:\n  aws: {region: us-east-1}\nimport:\n  - {to: aws_instance.web, id: \(id)}\n"
        try config.write(toFile: world.directory + "/boxes/main.yml", atomically: true, encoding: .utf8)
        let without = await world.tfy(["plan", "boxes", "-no-color"])
        #expect(without.status == 1)
        #expect(without.err.hasPrefix("Error: Configuration for import target does not exist\n\n  on boxes/main.yml:5:5 (aws_instance.web):\n"), "\(without.err)")

        let plan = await world.tfy(["plan", "boxes", "-generate-config-out=boxes/generated.yml", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("tfy has generated configuration and written it to boxes/generated.yml. Please review the configuration and edit it as necessary before adding it to version control.\n"))
        #expect(plan.out.contains("  # aws_instance.web will be imported\n"), "\(plan.out)")
        #expect(plan.out.contains("\nPlan: 1 to import, 0 to add, 0 to change, 0 to destroy.\n"), "\(plan.out)")
        let generated = try String(contentsOfFile: world.directory + "/boxes/generated.yml", encoding: .utf8)
        #expect(generated.hasPrefix("# __generated__ by tfy\n# Please review these resources and move them into your main configuration files.\n# aws_instance.web from \"\(id)\"\n\nresource:\n  aws_instance:\n    web:\n"), "\(generated)")
        #expect(generated.contains("      ami: \"ami-1ecae776\"\n"))
        #expect(generated.contains("      instance_type: \"t2.small\"\n"))
        #expect(generated.contains("      tags:\n        Name: \"web\"\n"))
        #expect(!generated.contains("tfy:"))

        let again = await world.tfy(["plan", "boxes", "-generate-config-out=boxes/generated.yml", "-no-color"])
        #expect(again.status == 1)
        #expect(again.err == "Error: Target generated file already exists\n\ntfy can only write generated config into a new file. Either choose a different target location or move all existing configuration out of the target file, delete it and try again.\n\n")
        #expect(try String(contentsOfFile: world.directory + "/boxes/generated.yml", encoding: .utf8) == generated)

        // The generated file is configuration from now on: apply imports the object with it.
        let applied = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(try world.stateInstances() == ["aws_instance.web": id])
    }
}
