import Testing
import TFYCore
import TFYEngine
@testable import TFYCommands

/// The pieces of `-json`'s messages that the golden streams cannot pin: times as Terraform
/// writes them, and addresses tfy's test stacks do not have (modules, string keys).
@Suite(.timeLimit(.minutes(30)))
struct UIMessageTests {
    @Test func timestampsAreRFC3339WithMicrosecondsAndTheZone() {
        // 2021-05-25T17:32:41.275359Z, Terraform's documented example, seen from UTC-4 and UTC.
        #expect(UITimestamp.format(seconds: 1_621_963_961, microseconds: 275_359, offset: -4 * 3600) == "2021-05-25T13:32:41.275359-04:00")
        #expect(UITimestamp.format(seconds: 1_621_963_961, microseconds: 275_359, offset: 0) == "2021-05-25T17:32:41.275359Z")
        #expect(UITimestamp.format(seconds: 1_621_963_961, microseconds: 5, offset: 5 * 3600 + 1800) == "2021-05-25T23:02:41.000005+05:30")
    }

    @Test func elapsedTimesReadAsGoDurations() {
        #expect([0, 45, 60, 90, 3600, 3723].map(UIMessage.goDuration) == ["0s", "45s", "1m0s", "1m30s", "1h0m0s", "1h2m3s"])
    }

    @Test func resourceObjectsTakeAddressesApart() {
        let address = ResourceAddress(module: [ModuleStep(name: "pets", key: .int(0))], type: "tfy_bootstrap", name: "pet", key: .string("friend"))
        #expect(UIMessage.resource(address) == .object([
            "addr": .string(#"module.pets[0].tfy_bootstrap.pet["friend"]"#),
            "module": .string("module.pets[0]"),
            "resource": .string(#"tfy_bootstrap.pet["friend"]"#),
            "implied_provider": .string("tfy"),
            "resource_type": .string("tfy_bootstrap"),
            "resource_name": .string("pet"),
            "resource_key": .string("friend"),
        ]))
    }

    @Test func movesAndImportsArePlannedAsTerraformsMoveAndImport() throws {
        let address = ResourceAddress(type: "aws_instance", name: "node", index: 1)
        var moved = PlannedChange(address: address, action: .noOp, before: .map([:]), after: .map([:]))
        moved.previousAddress = ResourceAddress(type: "aws_instance", name: "worker", index: 1)
        let move = try #require(UIMessage.plannedChange(moved))
        #expect(move.message == "aws_instance.node[1]: Plan to move")
        #expect(move.fields["change"]?.objectValue?["previous_resource"]?.objectValue?["addr"] == .string("aws_instance.worker[1]"))
        var imported = PlannedChange(address: address, action: .update, before: .map([:]), after: .map([:]))
        imported.importing = "i-0def"
        let update = try #require(UIMessage.plannedChange(imported))
        #expect(update.message == "aws_instance.node[1]: Plan to update")
        #expect(update.fields["change"]?.objectValue?["importing"] == .object(["id": .string("i-0def")]))
        let summary = UIMessage.changeSummary(add: 0, change: 1, remove: 0, adopt: 0, imported: 1, operation: "plan")
        #expect(summary.message == "Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.")
        #expect(summary.fields["changes"]?.objectValue?["import"] == .int(1))
        #expect(UIMessage.changeSummary(add: 0, change: 1, remove: 0, adopt: 0, imported: 1, operation: "apply").message == "Apply complete! Resources: 1 imported, 0 added, 1 changed, 0 destroyed.")
    }

    @Test func anAdoptionIsPlannedAsTerraformsImport() throws {
        let address = ResourceAddress(type: "aws_instance", name: "node", index: 1)
        let adopted = PlannedChange(address: address, action: .noOp, before: .map([:]), after: .map([:]), adopting: "i-0abc")
        let message = try #require(UIMessage.plannedChange(adopted))
        #expect(message.message == "aws_instance.node[1]: Plan to import")
        #expect(message.fields["change"]?.objectValue?["importing"] == .object(["id": .string("i-0abc")]))
        #expect(UIMessage.plannedChange(PlannedChange(address: address, action: .noOp, before: .map([:]), after: .map([:]))) == nil)
        let summary = UIMessage.changeSummary(add: 1, change: 0, remove: 0, adopt: 2, operation: "plan")
        #expect(summary.message == "Plan: 2 to adopt, 1 to add, 0 to change, 0 to destroy.")
        #expect(summary.fields["changes"]?.objectValue?["import"] == .int(2))
    }

    @Test func aDestroyScriptsStepIsNamedAfterRemoteExec() {
        let address = ResourceAddress(type: "tfy_bootstrap", name: "worker", index: 0)
        #expect(UIMessage.progress(.provisioning(address, provisioner: "remote-exec", .started))?.message == "tfy_bootstrap.worker[0]: Provisioning with 'remote-exec'...")
        #expect(UIMessage.progress(.output(address, "bye", provisioner: "remote-exec"))?.message == "tfy_bootstrap.worker[0]: (remote-exec): bye")
        #expect(UIMessage.progress(.failed(address, .delete, seconds: 75, message: "x"))?.message == "tfy_bootstrap.worker[0]: Destruction errored after 1m15s")
        #expect(UIMessage.progress(.skipped(address, because: address)) == nil)
    }
}
