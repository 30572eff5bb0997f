import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

/// The multi-file cluster fixture: two masters, workers, a security group and bootstrap phases.
@Suite(.timeLimit(.minutes(30)))
struct ValidConfigurationTests {
    static let directory = fixturesDirectory + "/valid/cluster"

    func load(_ inputs: [VariableInput] = [VariableInput(name: "Keypair", raw: .text("aws-east"), origin: .commandLine)]) -> EvaluatedConfiguration? {
        let outcome = ConfigurationPipeline(directory: "cluster", inputs: inputs, missingRequired: .error, resourceTypes: .standard)
            .run(workingDirectory: fixturesDirectory + "/valid")
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics)")
        return outcome.evaluated
    }

    @Test func mergesEveryFileOfTheDirectory() throws {
        let config = try #require(load())
        #expect(config.configuration.stack == "tachyon-test")
        #expect(config.resources.map(\.block.address) == [
            "aws_instance.master", "aws_instance.worker", "aws_security_group.cluster",
            "tfy_bootstrap.common", "tfy_bootstrap.masters",
        ])
        #expect(config.configuration.sources.keys.sorted() == [
            "cluster/bootstrap.yml", "cluster/instances.yml", "cluster/network.yml", "cluster/variables.yml",
        ])
    }

    @Test func evaluatesVariablesAndLocals() throws {
        let config = try #require(load())
        #expect(config.variables["machines"] == .number(4))
        #expect(config.variables["Instance_Type"] == .string("t2.small"))
        #expect(config.variables["zk_secret"] == .sensitive(.string("s3cret")))
        #expect(config.locals["worker_count"] == .number(2))
        #expect(config.locals["zk_address"] == .string("my-TachyonMaster:2181"))
    }

    @Test func expandsCountAndEvaluatesEachInstance() throws {
        let config = try #require(load())
        let masters = try #require(config.resource("aws_instance.master"))
        #expect(masters.count == 2)
        #expect(masters.instances.map(\.address.description) == ["aws_instance.master[0]", "aws_instance.master[1]"])
        #expect(masters.instances.map { $0.attributes["tags"] } == [
            .map(["Name": .string("my-TachyonMaster")]), .map(["Name": .string("my-TachyonMaster2")]),
        ])
        let first = masters.instances[0].attributes
        #expect(first["ami"] == .string("ami-1ecae776"))
        #expect(first["key_name"] == .string("aws-east"))
        #expect(first["vpc_security_group_ids"] == .list([.unknown]))
        #expect(first["id"] == .unknown)
        #expect(first["public_ip"] == .unknown)
        #expect(first["user_data"] == .null)
        #expect(first["user_data_replace_on_change"] == .bool(false))
        #expect(masters.dependencies == ["aws_security_group.cluster"])

        let workers = try #require(config.resource("aws_instance.worker"))
        #expect(workers.instances.map { $0.attributes["tags"] } == [
            .map(["Name": .string("my-TachyonWorker1")]), .map(["Name": .string("my-TachyonWorker2")]),
        ])
        #expect(workers.instances[0].attributes["ebs_block_device"] == .list([.map([
            "device_name": .string("/dev/sdb"), "volume_size": .number(100), "delete_on_termination": .bool(true),
            "encrypted": .unknown, "iops": .unknown, "snapshot_id": .unknown, "volume_type": .unknown,
            "throughput": .unknown, "kms_key_id": .unknown, "volume_id": .unknown,
        ])]))
    }

    @Test func securityGroupRulesAreTyped() throws {
        let config = try #require(load())
        let group = try #require(config.resource("aws_security_group.cluster")?.instances.first)
        #expect(group.address.description == "aws_security_group.cluster")
        #expect(group.attributes["name"] == .string("tachyon-my"))
        #expect(group.attributes["egress"] == .unknown)
        #expect(group.attributes["ingress"] == .list(["tcp", "udp"].map { proto in
            .map([
                "protocol": .string(proto), "from_port": .number(0), "to_port": .number(65535),
                "cidr_blocks": .list([.string("0.0.0.0/0")]), "ipv6_cidr_blocks": .null,
                "security_groups": .null, "self": .null, "description": .null,
            ])
        }))
        #expect(config.resource("aws_security_group.cluster")?.block.lifecycle.createBeforeDestroy == true)
    }

    @Test func bootstrapConnectionsEnvironmentAndDependencies() throws {
        let config = try #require(load())
        let common = try #require(config.resource("tfy_bootstrap.common"))
        #expect(common.count == 4)
        #expect(common.dependencies == ["aws_instance.master", "aws_instance.worker"])
        let environment = common.instances[3].attributes["environment"]
        #expect(environment == .map([
            "ZK_ADDRESS": .string("my-TachyonMaster:2181"),
            "ZK_SECRET": .sensitive(.string("s3cret")),
            "NODE_INDEX": .string("3"),
        ]))
        #expect(common.instances[0].attributes["connection"] == .map([
            "host": .unknown, "port": .number(22), "user": .string("ec2-user"),
            "private_key_file": .string("~/.ssh/aws-east.pem"), "timeout": .string("5m"),
            "bastion_host": .null, "bastion_port": .null, "bastion_user": .null,
        ]))
        let masters = try #require(config.resource("tfy_bootstrap.masters"))
        #expect(masters.dependencies == ["aws_instance.master", "tfy_bootstrap.common"])
        #expect(masters.instances[1].attributes["connection"]?.mapValue?["port"] == .number(2222))
    }

    @Test func outputsAreEvaluatedAndUnknownsPropagate() throws {
        let config = try #require(load())
        #expect(config.outputs["master_names"] == .list([.string("my-TachyonMaster"), .string("my-TachyonMaster2")]))
        #expect(config.outputs["worker_count"] == .number(2))
        #expect(config.outputs["leader_check"] == .string("ssh my-TachyonMaster"))
        #expect(config.outputs["first_master_ip"] == .unknown)
    }

    @Test func variablesChangeTheShape() throws {
        let config = try #require(load([
            VariableInput(name: "Keypair", raw: .text("k"), origin: .commandLine),
            VariableInput(name: "machines", raw: .text("6"), origin: .commandLine),
            VariableInput(name: "Masters", raw: .text("3"), origin: .commandLine),
        ]))
        #expect(config.instances.filter { $0.address.type == "aws_instance" }.map(\.address.description) == [
            "aws_instance.master[0]", "aws_instance.master[1]", "aws_instance.master[2]",
            "aws_instance.worker[0]", "aws_instance.worker[1]", "aws_instance.worker[2]",
        ])
        #expect(config.resource("aws_instance.master")?.instances[2].attributes["tags"] == .map(["Name": .string("my-TachyonMaster3")]))
    }

    @Test func unsetRequiredVariableIsAnErrorWhenPlanning() {
        let outcome = ConfigurationPipeline(directory: "cluster", inputs: [], missingRequired: .error, resourceTypes: .standard)
            .run(workingDirectory: fixturesDirectory + "/valid")
        #expect(errorLines(outcome.diagnostics) == ["14:3 No value for required variable"])
        #expect(outcome.diagnostics.errors.first?.detail == "The input variable \"Keypair\" is not set, and has no default value. Use a -var or -var-file command line argument, or set TFY_VAR_Keypair in the environment.")
    }

    @Test func unsetRequiredVariableIsUnknownWhenValidating() throws {
        let outcome = ConfigurationPipeline(directory: "cluster", inputs: [], missingRequired: .unknown, resourceTypes: .standard)
            .run(workingDirectory: fixturesDirectory + "/valid")
        #expect(outcome.diagnostics.isEmpty)
        let master = try #require(outcome.evaluated?.resource("aws_instance.master")?.instances.first)
        #expect(master.attributes["key_name"] == .unknown)
    }
}
