import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// The demo's path, end to end: examples/tachyon-ft against moto and local sshd hosts (one per
/// node name), checked with the AWS CLI and by reading what the bootstrap wrote on each host.
final class TachyonCluster: @unchecked Sendable {
    static let names = ["TachyonMaster", "TachyonMaster2", "TachyonWorker1", "TachyonWorker2", "TachyonWorker3"]
    let world: World
    var hosts: [Helper] = []
    let keyFile: String

    init() async throws {
        world = try await World()
        let example = repositoryRoot + "/examples/tachyon-ft"
        try FileManager.default.copyItem(atPath: example, toPath: world.directory + "/tachyon-ft")
        keyFile = world.directory + "/demo_key"
        try await runProgram("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile])
        try FileManager.default.copyItem(atPath: keyFile + ".pub", toPath: world.directory + "/authorized_keys")
        for name in Self.names {
            hosts.append(try await Helper(script: "sshd_helper.py", arguments: [world.directory + "/hosts/" + name, world.directory + "/authorized_keys"]))
        }
        // The bootstrap scripts write authorized_keys, /etc/hosts and the hostname under host_root:
        // an empty or shared root would let them change this machine. Only a temporary directory
        // of this test's own will do.
        let hostRoot = URL(fileURLWithPath: world.directory + "/roots").standardizedFileURL.path
        let temporary = URL(fileURLWithPath: NSTemporaryDirectory()).standardizedFileURL.path
        guard world.directory.hasPrefix(NSTemporaryDirectory()), hostRoot.hasPrefix(temporary + "/"), hostRoot.count > temporary.count + 1 else {
            throw HelperError(description: "refusing to run the Tachyon scripts: host_root \(hostRoot.debugDescription) is not a temporary directory")
        }
        let endpoints = zip(Self.names, hosts).map { "  \($0): \"127.0.0.1:\($1.port)\"" }.joined(separator: "\n")
        try """
            Masters: 2
            Keypair: tfy-test
            Key_Path: \(keyFile)
            install_software: false
            host_root: \(hostRoot)
            ssh_user: \(NSUserName())
            ssh_endpoints:
            \(endpoints)

            """.write(toFile: world.directory + "/demo-vars.yml", atomically: true, encoding: .utf8)
    }

    func tfy(_ command: String, machines: Int, _ more: [String] = []) async -> World.Run {
        await world.tfy([command, "tachyon-ft", "-var-file", world.directory + "/demo-vars.yml", "-var", "machines=\(machines)",
                         "-state", "state/demo.tfstate"] + more)
    }

    func file(_ node: String, _ path: String) -> String? {
        try? String(contentsOfFile: world.directory + "/roots/\(node)" + path, encoding: .utf8)
    }

    /// What EC2 says, by Name tag: private IPs.
    func privateIPs() async throws -> [String: String] {
        let json = try await world.cli(["ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=pending,running"])
        var result: [String: String] = [:]
        for instance in ((json["Reservations"] as? [[String: Any]]) ?? []).flatMap({ ($0["Instances"] as? [[String: Any]]) ?? [] }) {
            let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
            result[tags["Name"] ?? "?"] = instance["PrivateIpAddress"] as? String
        }
        return result
    }

    /// The hosts file every node must have for these nodes.
    func expectedHosts(_ count: Int) async throws -> String {
        let ips = try await privateIPs()
        let lines = Self.names.prefix(count).map { "\(ips["my-" + $0] ?? "?") \($0)" }
        return (["# BEGIN tfy cluster"] + lines + ["# END tfy cluster"]).joined(separator: "\n") + "\n"
    }
}

@Suite(.serialized, .timeLimit(.minutes(30))) struct TachyonExampleTests {
    @Test func createScaleRerunAndDestroyTheCluster() async throws {
        let cluster = try await TachyonCluster()
        let created = await cluster.tfy("apply", machines: 3, ["-auto-approve"])
        try #require(created.status == 0, "\(created.out)\(created.err)")
        #expect(created.out.contains("Apply complete! Resources: 18 added, 0 changed, 0 destroyed."))

        // The cluster's shape, as EC2 reports it.
        #expect(try await cluster.privateIPs().keys.sorted() == ["my-TachyonMaster", "my-TachyonMaster2", "my-TachyonWorker1"])
        let groups = try await cluster.world.cli(["ec2", "describe-security-groups", "--group-names", "tachyon-vagrant-test"])
        let rules = ((groups["SecurityGroups"] as? [[String: Any]])?.first?["IpPermissions"] as? [[String: Any]]) ?? []
        #expect(Set(rules.compactMap { $0["IpProtocol"] as? String }) == ["tcp", "udp", "-1"])

        // What the bootstrap wrote on each host.
        for node in TachyonCluster.names.prefix(3) {
            #expect(cluster.file(node, "/etc/hosts") == (try await cluster.expectedHosts(3)))
            #expect(cluster.file(node, "/etc/hostname") == node + "\n")
            #expect(cluster.file(node, "/tachyon/conf/workers") == "TachyonMaster\nTachyonMaster2\nTachyonWorker1\n")
            let home = NSHomeDirectory()
            #expect(cluster.file(node, home + "/.ssh/authorized_keys")?.split(separator: "\n").count == 1)
            #expect(cluster.file(node, home + "/.ssh/id_cluster")?.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") == true)
        }
        // Fault tolerant (Masters = 2): ZooKeeper's settings, each master its own address.
        let env2 = try #require(cluster.file("TachyonMaster2", "/tachyon/conf/tachyon-env.sh"))
        #expect(env2.contains("export TACHYON_MASTER_ADDRESS=TachyonMaster2\n"))
        #expect(env2.contains("-Dtachyon.zookeeper.enabled=true -Dtachyon.zookeeper.address=TachyonMaster:2181 -Dtachyon.master.journal.folder=hdfs://TachyonMaster:9000/tachyon/journal/"))
        #expect(cluster.file("TachyonWorker1", "/tachyon/conf/tachyon-env.sh")?.contains("export TACHYON_MASTER_ADDRESS=TachyonMaster\n") == true)
        #expect(cluster.file("TachyonMaster", "/zookeeper/conf/zoo.cfg")?.contains("clientPort=2181") == true)
        await #expect(throws: Never.self) { try await runProgram("shellcheck", [cluster.world.directory + "/roots/TachyonMaster2/tachyon/conf/tachyon-env.sh"]) }
        // The journal is formatted once, by the first master only.
        #expect(cluster.file("TachyonMaster", "/var/lib/tachyon-ft/tachyon-journal-formatted") != nil)
        #expect(cluster.file("TachyonMaster2", "/var/lib/tachyon-ft/tachyon-journal-formatted") == nil)

        let same = await cluster.tfy("plan", machines: 3, ["-detailed-exitcode"])
        #expect(same.status == 0, "\(same.out)\(same.err)")

        // Scale up: two instances; the bootstraps whose inputs changed (every hosts file, the
        // workers list) run again; the masters and the running workers do not.
        let up = await cluster.tfy("apply", machines: 5, ["-auto-approve"])
        try #require(up.status == 0, "\(up.out)\(up.err)")
        let replaced = up.out.split(separator: "\n").filter { $0.hasSuffix("must be replaced") }.map { String($0.dropFirst(4).dropLast(" must be replaced".count)) }
        #expect(replaced == [#"tfy_bootstrap.common["TachyonMaster"]"#, #"tfy_bootstrap.common["TachyonMaster2"]"#, #"tfy_bootstrap.common["TachyonWorker1"]"#,
                             #"tfy_bootstrap.configure["TachyonMaster"]"#, #"tfy_bootstrap.distribute["TachyonMaster2"]"#, #"tfy_bootstrap.distribute["TachyonWorker1"]"#])
        // Exactly the new names are added: the instances keyed by them, and their phases.
        let added = up.out.split(separator: "\n").filter { $0.hasSuffix("will be created") }.map { String($0.dropFirst(4).dropLast(" will be created".count)) }
        #expect(added == [#"tfy_bootstrap.common["TachyonWorker2"]"#, #"tfy_bootstrap.common["TachyonWorker3"]"#,
                          #"tfy_bootstrap.distribute["TachyonWorker2"]"#, #"tfy_bootstrap.distribute["TachyonWorker3"]"#,
                          #"tfy_bootstrap.workers["TachyonWorker2"]"#, #"tfy_bootstrap.workers["TachyonWorker3"]"#,
                          #"module.worker.aws_instance.node["TachyonWorker2"]"#, #"module.worker.aws_instance.node["TachyonWorker3"]"#])
        #expect(!up.out.contains(#"tfy_bootstrap.masters["TachyonMaster"] (remote-exec)"#))
        #expect(up.out.contains(#"tfy_bootstrap.workers["TachyonWorker3"] (remote-exec): worker: TachyonWorker3 is a Tachyon worker"#))
        #expect(try await cluster.privateIPs().count == 5)
        for node in TachyonCluster.names {
            #expect(cluster.file(node, "/etc/hosts") == (try await cluster.expectedHosts(5)))
            #expect(cluster.file(node, NSHomeDirectory() + "/.ssh/authorized_keys")?.split(separator: "\n").count == 1)
        }

        // Re-running phases never formats again.
        let rerun = await cluster.tfy("apply", machines: 5, ["-auto-approve", "-replace", #"tfy_bootstrap.hdfs["TachyonMaster"]"#, "-replace", #"tfy_bootstrap.masters["TachyonMaster"]"#])
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains(#"tfy_bootstrap.hdfs["TachyonMaster"] (remote-exec): hdfs: NameNode already formatted; not formatting again"#))
        #expect(!rerun.out.contains("journal formatted"))

        // Scale down: the last two go.
        let down = await cluster.tfy("apply", machines: 3, ["-auto-approve"])
        #expect(down.status == 0, "\(down.err)")
        #expect(try await cluster.privateIPs().keys.sorted() == ["my-TachyonMaster", "my-TachyonMaster2", "my-TachyonWorker1"])

        let ssh = await cluster.world.tfy(["ssh", "TachyonMaster2", "-state", "state/demo.tfstate", "--", "cat", cluster.world.directory + "/roots/TachyonMaster2/etc/hostname"])
        #expect(ssh.out == "TachyonMaster2\n")

        let destroyed = await cluster.tfy("destroy", machines: 3, ["-auto-approve"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        #expect(try await cluster.privateIPs().isEmpty)
        await #expect((try cluster.world.cli(["ec2", "describe-security-groups", "--filters", "Name=group-name,Values=tachyon-vagrant-test"])["SecurityGroups"] as? [Any])?.isEmpty == true)
        // The generated private keys go with their resources; the stack key stays with the state.
        let keys = try FileManager.default.contentsOfDirectory(atPath: cluster.world.directory + "/state").filter { $0.hasSuffix(".key") }
        #expect(keys == ["demo.tfstate.key"])
    }

    /// A cluster made by the earlier layout of the example (Fixtures/tachyon-ft-earlier: masters
    /// and workers with `count`, numbered phases, ami-1ecae776) keeps its machines under the
    /// current one: moved.yml moves the instances and the phases on masters, the image lookup
    /// replaces nothing, and only the phases whose old numbers cannot be moved statically are
    /// forgotten and run again. The instances keep their IDs; their tfy:address tags follow.
    @Test func aClusterMadeByTheEarlierLayoutIsMovedNotReplaced() async throws {
        let cluster = try await TachyonCluster()
        let world = cluster.world, files = FileManager.default
        let earlier = world.directory + "/tachyon-ft-earlier"
        try files.copyItem(atPath: world.directory + "/tachyon-ft", toPath: earlier)
        try files.removeItem(atPath: earlier + "/modules")
        try files.removeItem(atPath: earlier + "/moved.yml")
        for file in ["cluster.yml", "bootstrap.yml", "outputs.yml", "variables.yml", "templates/hosts.tpl"] {
            try files.removeItem(atPath: earlier + "/" + file)
            try files.copyItem(atPath: engineFixtures + "/tachyon-ft-earlier/" + file, toPath: earlier + "/" + file)
        }
        let made = await world.tfy(["apply", "tachyon-ft-earlier", "-var-file", world.directory + "/demo-vars.yml", "-var", "machines=3",
                                    "-state", "state/demo.tfstate", "-auto-approve"])
        try #require(made.status == 0, "\(made.out)\(made.err)")
        let instances = try await Self.instancesByName(world)
        #expect(instances.keys.sorted() == ["my-TachyonMaster", "my-TachyonMaster2", "my-TachyonWorker1"])

        let plan = await cluster.tfy("plan", machines: 3, ["-no-color"])
        try #require(plan.status == 0, "\(plan.out)\(plan.err)")
        let headings = plan.out.split(separator: "\n").filter { $0.hasPrefix("  # ") && !$0.hasPrefix("  # (") }.map { String($0.dropFirst(4)) }
        #expect(headings.filter { $0.contains(" has moved to ") } == [
            #"tfy_bootstrap.configure[0] has moved to tfy_bootstrap.configure["TachyonMaster"]"#,
            #"tfy_bootstrap.hdfs[0] has moved to tfy_bootstrap.hdfs["TachyonMaster"]"#,
            #"tfy_bootstrap.masters[0] has moved to tfy_bootstrap.masters["TachyonMaster"]"#,
            #"tfy_bootstrap.masters[1] has moved to tfy_bootstrap.masters["TachyonMaster2"]"#,
            #"tfy_bootstrap.zookeeper[0] has moved to tfy_bootstrap.zookeeper["TachyonMaster"]"#,
            #"aws_instance.master[0] has moved to module.master.aws_instance.node["TachyonMaster"]"#,
            #"aws_instance.master[1] has moved to module.master.aws_instance.node["TachyonMaster2"]"#,
            #"aws_instance.worker[0] has moved to module.worker.aws_instance.node["TachyonWorker1"]"#,
        ])
        #expect(headings.filter { $0.hasSuffix(" will be destroyed") } == [
            "tfy_bootstrap.common[0]", "tfy_bootstrap.common[1]", "tfy_bootstrap.common[2]", "tfy_bootstrap.distribute[0]",
            "tfy_bootstrap.distribute[1]", "tfy_bootstrap.workers[0]", "tfy_bootstrap.workers[1]", "tfy_bootstrap.workers[2]",
        ].map { $0 + " will be destroyed" })
        #expect(plan.out.contains("Plan: 8 to add, 0 to change, 8 to destroy."), "\(plan.out)")

        let applied = await cluster.tfy("apply", machines: 3, ["-auto-approve"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let after = try await Self.instancesByName(world)
        #expect(after.mapValues { $0.id } == instances.mapValues { $0.id })
        #expect(after.mapValues { $0.address } == [
            "my-TachyonMaster": #"module.master.aws_instance.node["TachyonMaster"]"#,
            "my-TachyonMaster2": #"module.master.aws_instance.node["TachyonMaster2"]"#,
            "my-TachyonWorker1": #"module.worker.aws_instance.node["TachyonWorker1"]"#,
        ])
        let same = await cluster.tfy("plan", machines: 3, ["-detailed-exitcode"])
        #expect(same.status == 0, "\(same.out)\(same.err)")
        let destroyed = await cluster.tfy("destroy", machines: 3, ["-auto-approve"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
    }

    /// What EC2 says of the running instances, by Name tag: the ID and the tfy:address tag.
    static func instancesByName(_ world: World) async throws -> [String: (id: String, address: String)] {
        let json = try await world.cli(["ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=pending,running"])
        var result: [String: (id: String, address: String)] = [:]
        for instance in ((json["Reservations"] as? [[String: Any]]) ?? []).flatMap({ ($0["Instances"] as? [[String: Any]]) ?? [] }) {
            let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
            result[tags["Name"] ?? "?"] = (instance["InstanceId"] as? String ?? "?", tags["tfy:address"] ?? "?")
        }
        return result
    }

    @Test(arguments: [
        ("machines=1", "machines must be at least 2: a Tachyon cluster needs a master and a worker."),
        ("Masters=0", "Masters must be at least 1."),
        ("Masters=4", "machines must be at least Masters: every master is a machine."),
        ("Spot_Price=cheap", "Spot_Price must be a number such as \"0.05\", or empty for on-demand instances."),
        ("Type=Local", "Type Local needs tachyon_archive: the absolute path on this machine of a Tachyon binary tarball (tachyon-VERSION-bin.tar.gz, as a release or mvn package gives it), which tfy uploads to TachyonMaster."),
        ("Type=Source", "Type must be Release, Github or Local, as in the old tool's conf/tachyon.yml."),
    ])
    func invalidSettingsAreRefusedWithTheReason(_ setting: String, _ message: String) async throws {
        let world = try await World()
        try FileManager.default.copyItem(atPath: repositoryRoot + "/examples/tachyon-ft", toPath: world.directory + "/tachyon-ft")
        let run = await world.tfy(["validate", "tachyon-ft", "-var", setting])
        #expect(run.status == 1)
        #expect(run.err.contains(message))
    }

    /// The old tool's conf/tachyon.yml, conf/ufs.yml and conf/zookeeper.yml choices this example
    /// cannot carry out are refused, each with the reason and the old tool's values.
    @Test(arguments: [
        (["Type: Github", "Github: {Repo: https://github.com/amplab/tachyon}"], "tachyon.yml", "Type Github needs Github.Repo (a git URL, such as https://github.com/amplab/tachyon) and Github.Version (a branch, tag or commit, such as branch-0.8)."),
        (["Type: Local"], "tachyon.yml", "Type Local needs tachyon_archive: the absolute path on this machine of a Tachyon binary tarball (tachyon-VERSION-bin.tar.gz, as a release or mvn package gives it), which tfy uploads to TachyonMaster."),
        (["Type: Local", "tachyon_archive: tachyon-0.8.2-bin.tar.gz"], "tachyon.yml", "tachyon_archive must be an absolute path, such as /home/me/tachyon-0.8.2-bin.tar.gz: tfy reads it when it uploads it, on the machine that applies, from wherever tfy runs."),
        (["Type: Local", "tachyon_archive: /nonexistent/tachyon-0.8.2-bin.tar.gz"], "tachyon.yml", "tachyon_archive names no file on this machine: with Type Local it is the path of a Tachyon binary tarball, uploaded to TachyonMaster."),
        (["Type: hadoop1", "Hadoop: {Type: apache, Version: 1.2.1}"], "ufs.yml", "conf/ufs.yml Type hadoop1 is not supported: Tachyon's releases are built with the Hadoop 2 client, which cannot talk to a Hadoop 1 NameNode, and Hadoop 1 installs and starts differently. Use hadoop2 (Hadoop.Version 2.x) or s3."),
        (["Type: glusterfs"], "ufs.yml", "conf/ufs.yml Type glusterfs is not supported: it needs GlusterFS servers, which this example does not create. Use hadoop2 or s3."),
        (["Type: hdfs"], "ufs.yml", "conf/ufs.yml Type must be hadoop2 or s3 (the old tool's choices are hadoop1 | hadoop2 | glusterfs | s3; hadoop1 and glusterfs are not supported)."),
        (["Type: hadoop2", "Hadoop: {Type: cdh, Version: 2.0.0-cdh4.7.1}"], "ufs.yml", "conf/ufs.yml Hadoop.Type must be apache (the old tool's apache | cdh; cdh is not supported): Hadoop is downloaded from archive.apache.org."),
        (["Type: s3", "S3:", "  Bucket:"], "ufs.yml", "conf/ufs.yml Type s3 needs S3.Bucket: the name of an existing bucket (such as tachyondata, not s3://tachyondata)."),
        (["Type: s3", "S3: {Bucket: tachyondata}"], "ufs.yml", "conf/ufs.yml Type s3 needs s3_access_key_id and s3_secret_access_key: Tachyon's S3 client reads its key from its configuration, not from the instance."),
        (["Type: None"], "zookeeper.yml", "conf/zookeeper.yml Type None runs no ZooKeeper, so Masters must be 1: the masters of a fault-tolerant cluster (Masters > 1) elect their leader with ZooKeeper."),
        (["Type: Local"], "zookeeper.yml", "conf/zookeeper.yml Type must be Release or None, as in the old tool."),
    ])
    func oldConfChoicesThatCannotWorkAreRefused(_ lines: [String], _ file: String, _ message: String) async throws {
        let world = try await World()
        try FileManager.default.copyItem(atPath: repositoryRoot + "/examples/tachyon-ft", toPath: world.directory + "/tachyon-ft")
        try (lines.joined(separator: "\n") + "\n").write(toFile: world.directory + "/tachyon-ft/conf/mine-" + file, atomically: true, encoding: .utf8)
        let given = switch file {
        case "tachyon.yml": ["-var-file", "tachyon-ft/conf/mine-tachyon.yml"]
        case "ufs.yml" where message.contains("s3_access_key_id"): ["-var", "ufs_conf=conf/mine-ufs.yml"]
        case "ufs.yml": ["-var", "ufs_conf=conf/mine-ufs.yml", "-var", "s3_access_key_id=AKIDS3TEST", "-var", "s3_secret_access_key=s3-secret-not-real"]
        default: ["-var", "zookeeper_conf=conf/mine-zookeeper.yml", "-var", "Masters=2"]
        }
        let run = await world.tfy(["validate", "tachyon-ft"] + given)
        #expect(run.status == 1)
        #expect(run.err.contains(message), "\(run.err)")
        #expect(run.err.components(separatedBy: "Error: ").count == 2, "one error, not a cascade: \(run.err)")
    }

    /// A missing conf/ufs.yml is an error at the file() call that reads it, naming the path.
    @Test func aMissingUfsConfIsALocatedError() async throws {
        let world = try await World()
        try FileManager.default.copyItem(atPath: repositoryRoot + "/examples/tachyon-ft", toPath: world.directory + "/tachyon-ft")
        let run = await world.tfy(["validate", "-no-color", "tachyon-ft", "-var", "ufs_conf=conf/nowhere.yml"])
        #expect(run.status == 1)
        #expect(run.err.contains("on tachyon-ft/choices.yml:5:53:"), "\(run.err)")
        #expect(run.err.contains("Invalid value for \"path\" parameter: no file exists at \"conf/nowhere.yml\""), "\(run.err)")
    }

    /// Type Local with an archive that is not there is refused at the validation that checks it,
    /// before anything is planned; a directory there is fileexists()'s own error.
    @Test func aLocalArchiveThatIsNotThereIsALocatedError() async throws {
        let world = try await World()
        try FileManager.default.copyItem(atPath: repositoryRoot + "/examples/tachyon-ft", toPath: world.directory + "/tachyon-ft")
        let missing = await world.tfy(["validate", "-no-color", "tachyon-ft", "-var", "Type=Local", "-var", "tachyon_archive=" + world.directory + "/nowhere.tar.gz"])
        #expect(missing.status == 1)
        #expect(missing.err.contains("on tachyon-ft/variables.yml:50:84:"), "\(missing.err)")
        #expect(missing.err.contains("tachyon_archive names no file on this machine: with Type Local it is the path of a Tachyon binary tarball, uploaded to TachyonMaster."), "\(missing.err)")
        let directory = await world.tfy(["validate", "-no-color", "tachyon-ft", "-var", "Type=Local", "-var", "tachyon_archive=" + world.directory])
        #expect(directory.status == 1)
        #expect(directory.err.contains("on tachyon-ft/variables.yml:50:86:"), "\(directory.err)")
        #expect(directory.err.contains("Call to function \"fileexists\" failed: \"\(world.directory)\" is a directory, not a regular file."), "\(directory.err)")
    }

    /// Github, S3 underneath and two masters, applied on the demo's stand-in hosts: the rendered
    /// tachyon-env.sh and core-site.xml put Tachyon's files and journal in the bucket with its
    /// key, no HDFS phase runs, and the key is never shown.
    @Test func githubAndS3RenderTheirConfiguration() async throws {
        let cluster = try await TachyonCluster()
        let world = cluster.world
        try "Type: s3\nHadoop: {Type: apache, Version: 2.7.1}\nS3: {Bucket: tachyondata}\n".write(toFile: world.directory + "/tachyon-ft/conf/ufs-s3.yml", atomically: true, encoding: .utf8)
        try "Type: Github\nGithub: {Repo: https://git.example.com/tachyon.git, Version: v0.8.2-fixes}\n".write(toFile: world.directory + "/github.yml", atomically: true, encoding: .utf8)
        let choices = ["-var-file", "github.yml", "-var", "ufs_conf=conf/ufs-s3.yml", "-var", "s3_access_key_id=AKIDS3TEST", "-var", "s3_secret_access_key=s3-secret-not-real"]
        let created = await cluster.tfy("apply", machines: 2, ["-auto-approve"] + choices)
        try #require(created.status == 0, "\(created.out)\(created.err)")
        #expect(created.out.contains("Apply complete! Resources: 13 added, 0 changed, 0 destroyed."))
        #expect(!created.out.contains("tfy_bootstrap.hdfs"))
        #expect(created.out.contains(#"tfy_bootstrap.configure["TachyonMaster"] (remote-exec): configure: (sensitive value) has Hadoop 2.7.1 and Tachyon built from https://git.example.com/tachyon.git at v0.8.2-fixes configuration"#))
        #expect(!(created.out + created.err).contains("s3-secret-not-real"))
        #expect(!(created.out + created.err).contains("AKIDS3TEST"))

        #expect(cluster.file("TachyonMaster2", "/tachyon/conf/tachyon-env.sh") == """
            #!/usr/bin/env bash
            # Written by tfy from examples/tachyon-ft/templates/tachyon-env.sh.tpl: change it there and apply.
            export JAVA="${JAVA_HOME:-/usr/lib/jvm/java}/bin/java"
            export TACHYON_MASTER_ADDRESS=TachyonMaster2
            export TACHYON_UNDERFS_ADDRESS=s3n://tachyondata
            export TACHYON_WORKER_MEMORY_SIZE=1GB
            export TACHYON_UNDERFS_HDFS_IMPL=org.apache.hadoop.hdfs.DistributedFileSystem
            export TACHYON_RAM_FOLDER=/mnt/ramdisk
            export TACHYON_JAVA_OPTS="-Dtachyon.master.hostname=$TACHYON_MASTER_ADDRESS -Dtachyon.underfs.address=$TACHYON_UNDERFS_ADDRESS -Dtachyon.worker.memory.size=$TACHYON_WORKER_MEMORY_SIZE -Dtachyon.underfs.hdfs.impl=$TACHYON_UNDERFS_HDFS_IMPL -Dtachyon.zookeeper.enabled=true -Dtachyon.zookeeper.address=TachyonMaster:2181 -Dtachyon.master.journal.folder=s3n://tachyondata/tachyon/journal/ -Dtachyon.worker.heartbeat.timeout.ms=300000 -Dfs.s3n.awsAccessKeyId=AKIDS3TEST -Dfs.s3n.awsSecretAccessKey=s3-secret-not-real"

            """)
        #expect(cluster.file("TachyonMaster", "/hadoop/etc/hadoop/core-site.xml") == """
            <?xml version="1.0"?>
            <!-- Written by tfy from examples/tachyon-ft/templates/core-site.xml.tpl. -->
            <configuration>
              <property><name>fs.defaultFS</name><value>s3n://tachyondata</value></property>
              <property><name>fs.tachyon.impl</name><value>tachyon.hadoop.TFS</value></property>
              <property><name>fs.tachyon-ft.impl</name><value>tachyon.hadoop.TFSFT</value></property>
              <property><name>hadoop.tmp.dir</name><value>/var/lib/tachyon-ft/hadoop-tmp</value></property>
              <property><name>fs.s3n.awsAccessKeyId</name><value>AKIDS3TEST</value></property>
              <property><name>fs.s3n.awsSecretAccessKey</name><value>s3-secret-not-real</value></property>
            </configuration>

            """)
        // The rendered tachyon-env.sh is a shell script Tachyon sources: shellcheck clean.
        for node in ["TachyonMaster", "TachyonMaster2"] {
            await #expect(throws: Never.self, "\(node)") { try await runProgram("shellcheck", [world.directory + "/roots/\(node)/tachyon/conf/tachyon-env.sh"]) }
        }
        let state = try String(contentsOfFile: world.directory + "/state/demo.tfstate", encoding: .utf8)
        #expect(!state.contains("s3-secret-not-real") && !state.contains("AKIDS3TEST"))
        let output = await world.tfy(["output", "-state", "state/demo.tfstate", "-json", "hdfs_web_ui"])
        #expect(output.out == "null\n", "\(output.err)")

        let destroyed = await cluster.tfy("destroy", machines: 2, ["-auto-approve"] + choices)
        #expect(destroyed.status == 0, "\(destroyed.err)")
    }

    /// Type Local, applied on the demo's stand-in hosts: the archive on this machine reaches
    /// TachyonMaster alone, byte for byte and readable, before configure runs there; a second plan
    /// has nothing to do.
    @Test func localUploadsTheArchiveToTachyonMasterBeforeConfigure() async throws {
        let cluster = try await TachyonCluster()
        let world = cluster.world, files = FileManager.default
        let build = world.directory + "/build/tachyon-0.8.2"
        try files.createDirectory(atPath: build + "/bin", withIntermediateDirectories: true)
        try "a local build\n".write(toFile: build + "/RELEASE", atomically: true, encoding: .utf8)
        let archive = world.directory + "/tachyon-0.8.2-bin.tar.gz"
        try await runProgram("tar", ["-czf", archive, "-C", world.directory + "/build", "tachyon-0.8.2"])
        let size = try #require(try files.attributesOfItem(atPath: archive)[.size] as? Int)
        let choices = ["-var", "Type=Local", "-var", "tachyon_archive=" + archive]
        let created = await cluster.tfy("apply", machines: 2, ["-auto-approve"] + choices)
        try #require(created.status == 0, "\(created.out)\(created.err)")
        #expect(created.out.contains("Apply complete! Resources: 15 added, 0 changed, 0 destroyed."), "\(created.out)")
        let lines = created.out.split(separator: "\n").map(String.init)
        let uploaded = try #require(lines.firstIndex(of: #"tfy_bootstrap.upload["TachyonMaster"] (remote-exec): upload: TachyonMaster has the Tachyon archive (\#(size) bytes)"#), "\(created.out)")
        // (The node's name is redacted there: it is a line of the workers file, uploaded as content.)
        let configured = try #require(lines.firstIndex(of: #"tfy_bootstrap.configure["TachyonMaster"] (remote-exec): configure: (sensitive value) has Hadoop 2.4.1 and Tachyon from the uploaded archive configuration"#), "\(created.out)")
        #expect(uploaded < configured)
        let staged = "/var/tmp/tfy-tachyon/tachyon-local.tar.gz"
        #expect(files.contents(atPath: world.directory + "/roots/TachyonMaster" + staged) == files.contents(atPath: archive))
        #expect(try files.attributesOfItem(atPath: world.directory + "/roots/TachyonMaster" + staged)[.posixPermissions] as? Int == 0o644)
        #expect(!files.fileExists(atPath: world.directory + "/roots/TachyonMaster2" + staged))

        let same = await cluster.tfy("plan", machines: 2, ["-detailed-exitcode"] + choices)
        #expect(same.status == 0, "\(same.out)\(same.err)")

        // Another archive at the same path: the plan sees only the path, so upload and configure
        // are replaced by hand, and the other nodes' distribute follows configure's new run.
        try "a newer build\n".write(toFile: build + "/RELEASE", atomically: true, encoding: .utf8)
        try await runProgram("tar", ["-czf", archive, "-C", world.directory + "/build", "tachyon-0.8.2"])
        let replaced = await cluster.tfy("apply", machines: 2, ["-auto-approve", "-no-color", "-replace", #"tfy_bootstrap.upload["TachyonMaster"]"#,
                                                                "-replace", #"tfy_bootstrap.configure["TachyonMaster"]"#] + choices)
        try #require(replaced.status == 0, "\(replaced.out)\(replaced.err)")
        let headings = replaced.out.split(separator: "\n").filter { $0.hasPrefix("  # tfy_bootstrap.") }.map { String($0.dropFirst(4)) }
        #expect(headings == [#"tfy_bootstrap.configure["TachyonMaster"] will be replaced, as requested"#,
                             #"tfy_bootstrap.distribute["TachyonMaster2"] must be replaced"#,
                             #"tfy_bootstrap.upload["TachyonMaster"] will be replaced, as requested"#], "\(replaced.out)")
        #expect(files.contents(atPath: world.directory + "/roots/TachyonMaster" + staged) == files.contents(atPath: archive))
        let again = await cluster.tfy("plan", machines: 2, ["-detailed-exitcode"] + choices)
        #expect(again.status == 0, "\(again.out)\(again.err)")

        let destroyed = await cluster.tfy("destroy", machines: 2, ["-auto-approve"] + choices)
        #expect(destroyed.status == 0, "\(destroyed.err)")
    }

    /// The old tool's configuration files work unchanged, block devices and spot price included.
    @Test func theOldConfigurationFilesWorkUnchanged() async throws {
        let world = try await World()
        try FileManager.default.copyItem(atPath: repositoryRoot + "/examples/tachyon-ft", toPath: world.directory + "/tachyon-ft")
        var ec2 = try String(contentsOfFile: world.directory + "/tachyon-ft/conf/ec2.yml", encoding: .utf8)
        ec2 = ec2.replacingOccurrences(of: "Block_Device_Mapping: []\n", with: """
            Block_Device_Mapping:
              - {DeviceName: /dev/sdb, VirtualName: ephemeral0}
              - {DeviceName: /dev/sdc, Ebs: {VolumeSize: 100}}

            """).replacingOccurrences(of: "Spot_Price: \"\"", with: "Spot_Price: \"0.05\"").replacingOccurrences(of: "t2.small", with: "m4.large")
        try ec2.write(toFile: world.directory + "/ec2.yml", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["plan", "tachyon-ft", "-var-file", "ec2.yml", "-var-file", "tachyon-ft/conf/tachyon.yml", "-var", "machines=4",
                                    "-refresh=false", "-lock=false", "-format", "json"])
        #expect(plan.status == 0, "\(plan.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.out.utf8)) as? [String: Any])
        let changes = (json["resource_changes"] as? [[String: Any]]) ?? []
        let worker = try #require(changes.first { $0["address"] as? String == #"module.worker.aws_instance.node["TachyonWorker2"]"# })
        let after = try #require((worker["change"] as? [String: Any])?["after"] as? [String: Any])
        #expect(after["instance_type"] as? String == "m4.large")
        #expect((after["tags"] as? [String: String])?["Name"] == "my-TachyonWorker2")
        #expect((after["ephemeral_block_device"] as? [[String: Any]])?.first?["virtual_name"] as? String == "ephemeral0")
        let ebs = try #require((after["ebs_block_device"] as? [[String: Any]])?.first)
        #expect(ebs["device_name"] as? String == "/dev/sdc")
        #expect(ebs["volume_size"] as? Int == 100)
        #expect(ebs["delete_on_termination"] as? Bool == true)
        // Blocks are lists of one, as in Terraform's plan JSON.
        #expect((((after["instance_market_options"] as? [[String: Any]])?.first?["spot_options"] as? [[String: Any]])?.first)?["max_price"] as? String == "0.05")
        // Masters: 2 from tachyon.yml: two masters, ZooKeeper.
        #expect(changes.contains { $0["address"] as? String == #"module.master.aws_instance.node["TachyonMaster2"]"# })
        #expect(changes.contains { $0["address"] as? String == #"tfy_bootstrap.zookeeper["TachyonMaster"]"# })

        // And they apply: the machine reaches EC2 with both devices and the spot price.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let applied = await world.tfy(["apply", "tachyon-ft", "-var-file", "ec2.yml", "-var-file", "tachyon-ft/conf/tachyon.yml", "-var", "machines=4",
                                       "-target", #"module.worker.aws_instance.node["TachyonWorker2"]"#, "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        let launch = try #require(try await proxyRequests(proxy).first { $0.action == "RunInstances" })
        #expect(launch.params.filter { $0.key.hasPrefix("BlockDeviceMapping.") || $0.key.hasPrefix("InstanceMarketOptions.") } == [
            "BlockDeviceMapping.1.DeviceName": "/dev/sdc", "BlockDeviceMapping.1.Ebs.VolumeSize": "100",
            "BlockDeviceMapping.1.Ebs.DeleteOnTermination": "true",
            "BlockDeviceMapping.2.DeviceName": "/dev/sdb", "BlockDeviceMapping.2.VirtualName": "ephemeral0",
            "InstanceMarketOptions.MarketType": "spot", "InstanceMarketOptions.SpotOptions.MaxPrice": "0.05",
        ], "\(launch.params)")
        #expect(launch.params["InstanceType"] == "m4.large")
    }

    /// The scripts parse, and shellcheck finds nothing in them.
    @Test func scriptsAreBashAndShellcheckClean() async throws {
        let scripts = repositoryRoot + "/examples/tachyon-ft/scripts"
        let names = try FileManager.default.contentsOfDirectory(atPath: scripts).filter { $0.hasSuffix(".sh") }.sorted()
        #expect(names == ["common.sh", "configure.sh", "hdfs.sh", "master.sh", "worker.sh", "zookeeper.sh"])
        for tool in [["bash", "-n"], ["shellcheck"]] {
            for name in names {
                await #expect(throws: Never.self, "\(tool[0]) \(name)") { try await runProgram(tool[0], Array(tool.dropFirst()) + [scripts + "/" + name]) }
            }
        }
    }
}
