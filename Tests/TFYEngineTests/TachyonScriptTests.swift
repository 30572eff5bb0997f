import Foundation
import Testing
import TFYCommands
import TFYCore
import TFYTestSupport

/// examples/tachyon-ft's bootstrap scripts for each choice of the old tool's conf files, run as the
/// plan says: each phase's environment is read from `tfy plan -format json`, and each phase runs on
/// its node — a directory of its own (`host_root`), with `install_software = true` and stub
/// commands (Fixtures/tachyon-stubs) first on PATH for yum, curl, git, rsync, ssh, pgrep and the
/// software they unpack; a file whose `source` the plan computes (Type Local's archive) is copied
/// where tfy would upload it. Every choice runs twice: the second run changes no file and downloads,
/// builds, formats or starts nothing.
@Suite(.serialized, .timeLimit(.minutes(30))) struct TachyonScriptTests {
    static let stubs = engineFixtures + "/tachyon-stubs"
    static let phaseOrder = ["common", "upload", "configure", "distribute", "hdfs", "zookeeper", "masters", "workers"]
    static let scripts = ["common": "common", "configure": "configure", "distribute": "configure", "hdfs": "hdfs",
                          "zookeeper": "zookeeper", "masters": "master", "workers": "worker"]

    /// One choice: the plan's arguments, the phases it plans, and the commands each run makes.
    struct Choice: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let bootstraps: [String]
        let firstRun: [String]
        let secondRun: [String]
        var testDescription: String { name }
    }

    static let hadoop = "curl -fsSL https://archive.apache.org/dist/hadoop/common/hadoop-2.4.1/hadoop-2.4.1.tar.gz -o /tmp/tfy-download.tgz"
    static let release = "curl -fsSL https://github.com/amplab/tachyon/releases/download/v0.8.2/tachyon-0.8.2-bin.tar.gz -o /tmp/tfy-download.tgz"
    static func on(_ node: String, _ commands: String...) -> [String] { commands.map { "\(node): \($0)" } }
    static func java(_ nodes: String...) -> [String] { nodes.flatMap { on($0, "yum install -y -q java-1.8.0-openjdk-devel rsync") } }
    static let hdfsFirst = on("TachyonMaster", "hdfs namenode -format -nonInteractive", "pgrep -f org.apache.hadoop.hdfs.server.namenode.NameNode", "start-dfs.sh ")
    static let hdfsAgain = on("TachyonMaster", "pgrep -f org.apache.hadoop.hdfs.server.namenode.NameNode")
    static let zookeeperFirst = on("TachyonMaster", "curl -fsSL https://archive.apache.org/dist/zookeeper/zookeeper-3.4.6/zookeeper-3.4.6.tar.gz -o /tmp/tfy-zk.tgz",
                                   "zkServer.sh status", "zkServer.sh start")
    static func masterFirst(_ node: String) -> [String] { on(node, "pgrep -f tachyon.master.TachyonMaster", "tachyon-start.sh master") }
    static func workerFirst(_ node: String) -> [String] { on(node, "pgrep -f tachyon.worker.TachyonWorker", "tachyon-start.sh worker SudoMount") }
    static func running(_ nodes: String..., masters: Int) -> [String] {
        nodes.prefix(masters).flatMap { on($0, "pgrep -f tachyon.master.TachyonMaster") } + nodes.flatMap { on($0, "pgrep -f tachyon.worker.TachyonWorker") }
    }
    /// The phases every choice has, on TachyonMaster and the `second` node.
    static func all(_ second: String) -> [String] {
        [#"common["TachyonMaster"]"#, #"common["\#(second)"]"#, #"configure["TachyonMaster"]"#, #"distribute["\#(second)"]"#]
    }
    /// The phase's instances on `nodes`, keyed by node name.
    static func phase(_ phase: String, _ nodes: String...) -> [String] { nodes.map { #"\#(phase)["\#($0)"]"# } }

    static let copyToWorker = "rsync -a --delete --exclude /conf/ --exclude /.git/ TachyonMaster:/tachyon/ $D/roots/TachyonWorker1/tachyon/"
    static let askTachyonMaster = "ssh TachyonMaster cat /tachyon/.tfy-installed"

    static let choices: [Choice] = [
        Choice(name: "Release, hadoop2, fault tolerant", arguments: ["-var", "Masters=2"],
               bootstraps: all("TachyonMaster2") + phase("hdfs", "TachyonMaster") + phase("zookeeper", "TachyonMaster")
                   + phase("masters", "TachyonMaster", "TachyonMaster2") + phase("workers", "TachyonMaster", "TachyonMaster2"),
               firstRun: java("TachyonMaster", "TachyonMaster2") + on("TachyonMaster", hadoop, release) + on("TachyonMaster2", hadoop, release)
                   + hdfsFirst + zookeeperFirst + on("TachyonMaster", "tachyon format") + masterFirst("TachyonMaster") + masterFirst("TachyonMaster2")
                   + workerFirst("TachyonMaster") + workerFirst("TachyonMaster2"),
               secondRun: java("TachyonMaster", "TachyonMaster2") + hdfsAgain + on("TachyonMaster", "zkServer.sh status")
                   + running("TachyonMaster", "TachyonMaster2", masters: 2)),
        Choice(name: "Github, built once on TachyonMaster", arguments: ["-var-file", "github.yml"],
               bootstraps: all("TachyonWorker1") + phase("hdfs", "TachyonMaster") + phase("masters", "TachyonMaster")
                   + phase("workers", "TachyonMaster", "TachyonWorker1"),
               firstRun: java("TachyonMaster", "TachyonWorker1")
                   + on("TachyonMaster", hadoop, "yum install -y -q git",
                        "curl -fsSL https://archive.apache.org/dist/maven/maven-3/3.3.9/binaries/apache-maven-3.3.9-bin.tar.gz -o /tmp/tfy-download.tgz",
                        "git init -q $D/roots/TachyonMaster/tachyon",
                        "git -C $D/roots/TachyonMaster/tachyon fetch -q https://git.example.com/tachyon.git v0.8.2-fixes",
                        "git -C $D/roots/TachyonMaster/tachyon checkout -q -f FETCH_HEAD",
                        "mvn -q -f $D/roots/TachyonMaster/tachyon/pom.xml -DskipTests -Dmaven.javadoc.skip=true -Dhadoop.version=2.4.1 clean package")
                   + on("TachyonWorker1", hadoop, copyToWorker)
                   + hdfsFirst + on("TachyonMaster", "tachyon format") + masterFirst("TachyonMaster") + workerFirst("TachyonMaster") + workerFirst("TachyonWorker1"),
               secondRun: java("TachyonMaster", "TachyonWorker1") + hdfsAgain + running("TachyonMaster", "TachyonWorker1", masters: 1)),
        // Type Local: no download of Tachyon; TachyonMaster unpacks the uploaded archive (tar, not
        // a stub), the other nodes copy its tree, knowing what it holds by asking it.
        Choice(name: "Local, unpacked once on TachyonMaster", arguments: ["-var", "Type=Local", "-var", "tachyon_archive=$D/tachyon-0.8.2-bin.tar.gz"],
               bootstraps: [#"common["TachyonMaster"]"#, #"common["TachyonWorker1"]"#, #"upload["TachyonMaster"]"#, #"configure["TachyonMaster"]"#,
                            #"distribute["TachyonWorker1"]"#] + phase("hdfs", "TachyonMaster") + phase("masters", "TachyonMaster")
                   + phase("workers", "TachyonMaster", "TachyonWorker1"),
               firstRun: java("TachyonMaster", "TachyonWorker1") + on("TachyonMaster", hadoop) + on("TachyonWorker1", hadoop, askTachyonMaster, copyToWorker)
                   + hdfsFirst + on("TachyonMaster", "tachyon format") + masterFirst("TachyonMaster") + workerFirst("TachyonMaster") + workerFirst("TachyonWorker1"),
               secondRun: java("TachyonMaster", "TachyonWorker1") + on("TachyonWorker1", askTachyonMaster) + hdfsAgain
                   + running("TachyonMaster", "TachyonWorker1", masters: 1)),
        Choice(name: "s3 under filesystem, fault tolerant",
               arguments: ["-var", "Masters=2", "-var", "ufs_conf=conf/ufs-s3.yml", "-var", "s3_access_key_id=AKIDS3TEST", "-var", "s3_secret_access_key=s3-secret-not-real"],
               bootstraps: all("TachyonMaster2") + phase("zookeeper", "TachyonMaster") + phase("masters", "TachyonMaster", "TachyonMaster2")
                   + phase("workers", "TachyonMaster", "TachyonMaster2"),
               firstRun: java("TachyonMaster", "TachyonMaster2") + on("TachyonMaster", hadoop, release) + on("TachyonMaster2", hadoop, release)
                   + zookeeperFirst + on("TachyonMaster", "tachyon format") + masterFirst("TachyonMaster") + masterFirst("TachyonMaster2")
                   + workerFirst("TachyonMaster") + workerFirst("TachyonMaster2"),
               secondRun: java("TachyonMaster", "TachyonMaster2") + on("TachyonMaster", "zkServer.sh status") + running("TachyonMaster", "TachyonMaster2", masters: 2)),
        Choice(name: "ZooKeeper None, one master", arguments: ["-var", "zookeeper_conf=conf/zookeeper-none.yml"],
               bootstraps: all("TachyonWorker1") + phase("hdfs", "TachyonMaster") + phase("masters", "TachyonMaster")
                   + phase("workers", "TachyonMaster", "TachyonWorker1"),
               firstRun: java("TachyonMaster", "TachyonWorker1") + on("TachyonMaster", hadoop, release) + on("TachyonWorker1", hadoop, release)
                   + hdfsFirst + on("TachyonMaster", "tachyon format") + masterFirst("TachyonMaster") + workerFirst("TachyonMaster") + workerFirst("TachyonWorker1"),
               secondRun: java("TachyonMaster", "TachyonWorker1") + hdfsAgain + running("TachyonMaster", "TachyonWorker1", masters: 1)),
    ]

    /// A scratch directory with a copy of the example, the choices' conf files, and the nodes' roots.
    final class Scratch: @unchecked Sendable {
        let directory = NSTemporaryDirectory() + "tfy-tachyon-scripts-" + UUID().uuidString
        var roots: String { directory + "/roots" }
        var log: String { directory + "/calls.log" }

        init() throws {
            let fm = FileManager.default
            try fm.createDirectory(atPath: roots, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: directory + "/running", withIntermediateDirectories: true)
            try fm.copyItem(atPath: repositoryRoot + "/examples/tachyon-ft", toPath: directory + "/tachyon-ft")
            try? fm.removeItem(atPath: directory + "/tachyon-ft/state")
            try "Type: s3\nS3:\n  Bucket: tachyondata\n".write(toFile: directory + "/tachyon-ft/conf/ufs-s3.yml", atomically: true, encoding: .utf8)
            let zookeeper = try String(contentsOfFile: directory + "/tachyon-ft/conf/zookeeper.yml", encoding: .utf8)
            try zookeeper.replacingOccurrences(of: "\nType: Release\n", with: "\nType: None\n")
                .write(toFile: directory + "/tachyon-ft/conf/zookeeper-none.yml", atomically: true, encoding: .utf8)
            try "Type: Github\nGithub:\n  Repo: https://git.example.com/tachyon.git\n  Version: v0.8.2-fixes\n"
                .write(toFile: directory + "/github.yml", atomically: true, encoding: .utf8)
            FileManager.default.createFile(atPath: log, contents: nil)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// A Tachyon binary tarball (Type Local) at `$D/tachyon-0.8.2-bin.tar.gz`: the stub release
        /// under a top directory, its RELEASE file saying `release`. Returns its sha256.
        @discardableResult
        func makeArchive(release: String) async throws -> String {
            let top = directory + "/build/tachyon-0.8.2"
            try? FileManager.default.removeItem(atPath: directory + "/build")
            try FileManager.default.createDirectory(atPath: directory + "/build", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TachyonScriptTests.stubs + "/payload/tachyon", toPath: top)
            try release.write(toFile: top + "/RELEASE", atomically: true, encoding: .utf8)
            try await runProgram("tar", ["-czf", archive, "-C", directory + "/build", "tachyon-0.8.2"])
            return SHA256.hex(try [UInt8](Data(contentsOf: URL(fileURLWithPath: archive))))
        }
        var archive: String { directory + "/tachyon-0.8.2-bin.tar.gz" }

        /// The plan, with the image and network pinned: no data source is read, so it needs no EC2.
        /// `$D` in an argument is the scratch directory.
        func plan(_ arguments: [String]) async -> TFYCommandLine.Captured {
            await TFYCommandLine.capture(["plan", "tachyon-ft", "-refresh=false", "-lock=false", "-state", directory + "/none.tfstate", "-format", "json",
                                          "-var", "machines=2", "-var", "install_software=true", "-var", "host_root=" + roots,
                                          "-var", "AMI=ami-1ecae776", "-var", "VPC=vpc-0tachyon", "-var", "Subnet=subnet-0tachyon"]
                                            + arguments.map { $0.replacingOccurrences(of: "$D", with: directory) },
                                         directory: directory, environment: ["HOME": NSHomeDirectory()])
        }

        typealias Bootstrap = (address: String, phase: String, environment: [String: String], uploads: [(source: String, destination: String)])

        /// What the plan knows only after apply, as apply would give it: the ID of TachyonMaster's
        /// configure run, in the Local distribute's TACHYON_FROM.
        static let knownAfterApply = ["TACHYON_FROM": "Local 0bef710e0839956a"]

        /// The planned bootstraps in the order the graph runs them: (address, phase, environment,
        /// the files whose source the plan computed: read when uploaded).
        func bootstraps(_ plan: String) throws -> [Bootstrap] {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [String: Any])
            let changes = ((json["resource_changes"] as? [[String: Any]]) ?? []).filter { $0["type"] as? String == "tfy_bootstrap" }
            return try changes.map { change in
                let after = try #require((change["change"] as? [String: Any])?["after"] as? [String: Any])
                var environment = (after["environment"] as? [String: String]) ?? [:]
                let unknown = ((change["change"] as? [String: Any])?["after_unknown"] as? [String: Any])?["environment"] as? [String: Bool] ?? [:]
                for (name, _) in unknown {
                    environment[name] = try #require(Scratch.knownAfterApply[name], "\(name) is known only after apply")
                }
                let uploads = ((after["files"] as? [[String: Any]]) ?? []).compactMap { file -> (source: String, destination: String)? in
                    guard let source = file["source"] as? String, source.hasPrefix(directory), let destination = file["destination"] as? String else { return nil }
                    return (source, destination)
                }
                return (change["address"] as? String ?? "", change["name"] as? String ?? "", environment, uploads)
            }.sorted { a, b in
                let (pa, pb) = (TachyonScriptTests.phaseOrder.firstIndex(of: a.phase) ?? 99, TachyonScriptTests.phaseOrder.firstIndex(of: b.phase) ?? 99)
                return pa != pb ? pa < pb : a.address.count != b.address.count ? a.address.count < b.address.count : a.address < b.address
            }
        }

        /// Runs every phase's script on its node, with the files tfy would have uploaded; the
        /// commands the stubs saw, the scratch directory written as `$D`.
        func run(_ bootstraps: [Bootstrap]) async throws -> [String] {
            try "".write(toFile: log, atomically: true, encoding: .utf8)
            for bootstrap in bootstraps {
                let stage = try #require(bootstrap.environment["STAGE"])
                try FileManager.default.createDirectory(atPath: stage, withIntermediateDirectories: true)
                for (name, text) in [("hosts", "10.0.0.1 TachyonMaster\n10.0.0.2 TachyonWorker1\n"), ("cluster_key", "PRIVATE KEY\n"),
                                     ("cluster_key.pub", "ssh-ed25519 AAAAC3Nz cluster\n"), ("ssh_config", "Host TachyonMaster* TachyonWorker*\n"),
                                     ("tachyon-env.sh", "export TACHYON_MASTER_ADDRESS=TachyonMaster\n"), ("core-site.xml", "<configuration/>\n"),
                                     ("hdfs-site.xml", "<configuration/>\n"), ("workers", "TachyonMaster\nTachyonWorker1\n")] {
                    try text.write(toFile: stage + "/" + name, atomically: true, encoding: .utf8)
                }
                for upload in bootstrap.uploads {
                    try? FileManager.default.removeItem(atPath: upload.destination)
                    try FileManager.default.copyItem(atPath: upload.source, toPath: upload.destination)
                }
                guard let name = TachyonScriptTests.scripts[bootstrap.phase] else { continue } // upload: its files are the phase
                let script = repositoryRoot + "/examples/tachyon-ft/scripts/\(name).sh"
                let environment = bootstrap.environment.merging([
                    "PATH": TachyonScriptTests.stubs + "/bin:/usr/bin:/bin", "STUB_LOG": log, "STUB_PAYLOAD": TachyonScriptTests.stubs + "/payload",
                    "STUB_RUNNING": directory + "/running", "STUB_HOSTS": roots,
                ]) { _, stub in stub }
                let result = try await runProgramAllowingFailure("bash", [script], environment: environment)
                try #require(result.status == 0, "\(bootstrap.address): \(result.error)")
            }
            return try String(contentsOfFile: log, encoding: .utf8).replacingOccurrences(of: directory, with: "$D")
                .split(separator: "\n").map(String.init)
        }

        /// Every file and directory the nodes have (and every stub daemon started): kind, mode, content.
        func snapshot() throws -> [String: String] {
            var files: [String: String] = [:]
            for base in [roots, directory + "/running"] {
                for path in FileManager.default.enumerator(atPath: base)?.compactMap({ $0 as? String }) ?? [] {
                    let full = base + "/" + path
                    let attributes = try FileManager.default.attributesOfItem(atPath: full)
                    let mode = String((attributes[.posixPermissions] as? Int) ?? 0, radix: 8)
                    let content = (attributes[.type] as? FileAttributeType) == .typeDirectory ? "directory" : (try? String(contentsOfFile: full, encoding: .utf8)) ?? "?"
                    files[full] = mode + " " + content
                }
            }
            return files
        }
    }

    @Test(arguments: choices)
    func eachChoiceRunsItsPhasesAndASecondRunChangesNothing(_ choice: Choice) async throws {
        let scratch = try Scratch()
        try await scratch.makeArchive(release: "a local build\n")
        let plan = await scratch.plan(choice.arguments)
        try #require(plan.status == 0, "\(plan.err)")
        let bootstraps = try scratch.bootstraps(plan.out)
        #expect(bootstraps.map(\.address) == choice.bootstraps.map { "tfy_bootstrap." + $0 })
        #expect(!plan.out.contains("s3-secret-not-real") && !plan.out.contains("AKIDS3TEST"))

        let first = try await scratch.run(bootstraps)
        #expect(first == choice.firstRun)
        let afterFirst = try scratch.snapshot()
        let second = try await scratch.run(bootstraps)
        #expect(second == choice.secondRun)
        let afterSecond = try scratch.snapshot()
        #expect(afterSecond.count == afterFirst.count)
        for (path, state) in afterSecond where afterFirst[path] != state {
            Issue.record("the second run changed \(path): \(afterFirst[path] ?? "absent") → \(state)")
        }
        // The configuration files, with S3's key in them, are this user's alone.
        #expect(afterSecond[scratch.roots + "/TachyonMaster/tachyon/conf/tachyon-env.sh"]?.hasPrefix("600 ") == true)
        #expect(afterSecond[scratch.roots + "/TachyonMaster/hadoop/etc/hadoop/core-site.xml"]?.hasPrefix("600 ") == true)
    }

    /// Github: the other nodes get TachyonMaster's build, not a build of their own; a new
    /// Github.Version is fetched and built again on TachyonMaster and copied again.
    @Test func aGithubBuildIsCopiedToTheOtherNodesAndRebuiltForANewVersion() async throws {
        let scratch = try Scratch()
        let plan = await scratch.plan(["-var-file", "github.yml"])
        try #require(plan.status == 0, "\(plan.err)")
        _ = try await scratch.run(try scratch.bootstraps(plan.out))
        let worker = try scratch.snapshot()
        let jar = "/tachyon/assembly/target/tachyon-assembly.jar"
        #expect(worker[scratch.roots + "/TachyonWorker1" + jar] == "644 built\n")
        #expect(worker[scratch.roots + "/TachyonWorker1/tachyon/.tfy-installed"] == "644 https://git.example.com/tachyon.git v0.8.2-fixes\n")
        #expect(worker[scratch.roots + "/TachyonWorker1/tachyon/.git"] == nil)
        #expect(worker[scratch.roots + "/TachyonWorker1/tachyon/conf/workers"] == "644 TachyonMaster\nTachyonWorker1\n")

        try "Type: Github\nGithub:\n  Repo: https://git.example.com/tachyon.git\n  Version: v0.8.3\n"
            .write(toFile: scratch.directory + "/github-newer.yml", atomically: true, encoding: .utf8)
        let newer = await scratch.plan(["-var-file", "github-newer.yml"])
        try #require(newer.status == 0, "\(newer.err)")
        let calls = try await scratch.run(try scratch.bootstraps(newer.out))
        #expect(calls.filter { $0.contains(" git ") || $0.contains(" mvn ") || $0.contains(" rsync ") } == [
            "TachyonMaster: git -C $D/roots/TachyonMaster/tachyon fetch -q https://git.example.com/tachyon.git v0.8.3",
            "TachyonMaster: git -C $D/roots/TachyonMaster/tachyon checkout -q -f FETCH_HEAD",
            "TachyonMaster: mvn -q -f $D/roots/TachyonMaster/tachyon/pom.xml -DskipTests -Dmaven.javadoc.skip=true -Dhadoop.version=2.4.1 clean package",
            "TachyonWorker1: rsync -a --delete --exclude /conf/ --exclude /.git/ TachyonMaster:/tachyon/ $D/roots/TachyonWorker1/tachyon/",
        ])
        #expect(try scratch.snapshot()[scratch.roots + "/TachyonWorker1/tachyon/.tfy-installed"] == "644 https://git.example.com/tachyon.git v0.8.3\n")
    }

    /// Type Local: TachyonMaster unpacks the uploaded archive and records it by its digest; the
    /// other nodes copy that tree. Another archive uploaded to the same path (an apply with
    /// `-replace` of the upload and configure phases) replaces the tree, and the nodes copy again.
    @Test func aLocalArchiveIsUnpackedOnTachyonMasterCopiedAndReplacedByAnother() async throws {
        let scratch = try Scratch()
        let first = try await scratch.makeArchive(release: "a local build\n")
        let plan = await scratch.plan(["-var", "Type=Local", "-var", "tachyon_archive=" + scratch.archive])
        try #require(plan.status == 0, "\(plan.err)")
        let bootstraps = try scratch.bootstraps(plan.out)
        let upload = try #require(bootstraps.first { $0.phase == "upload" })
        #expect(upload.uploads.map { [$0.source, $0.destination] } == [[scratch.archive, scratch.roots + "/TachyonMaster/var/tmp/tfy-tachyon/tachyon-local.tar.gz"]])
        #expect(bootstraps.first { $0.phase == "configure" }?.environment["TACHYON_FROM"] == "Local")
        // The other nodes follow TachyonMaster's configure run, whose ID apply gives.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.out.utf8)) as? [String: Any])
        let distribute = ((json["resource_changes"] as? [[String: Any]]) ?? []).first { $0["address"] as? String == #"tfy_bootstrap.distribute["TachyonWorker1"]"# }
        #expect(((distribute?["change"] as? [String: Any])?["after_unknown"] as? [String: Any])?["environment"] as? [String: Bool] == ["TACHYON_FROM": true])
        _ = try await scratch.run(bootstraps)
        let nodes = try scratch.snapshot()
        for node in ["TachyonMaster", "TachyonWorker1"] {
            #expect(nodes[scratch.roots + "/\(node)/tachyon/RELEASE"] == "644 a local build\n", "\(node)")
            #expect(nodes[scratch.roots + "/\(node)/tachyon/.tfy-installed"] == "644 Local \(first)\n", "\(node)")
            #expect(nodes[scratch.roots + "/\(node)/tachyon/bin/tachyon-start.sh"]?.hasPrefix("755 ") == true, "\(node)")
            #expect(nodes[scratch.roots + "/\(node)/tachyon/conf/workers"] == "644 TachyonMaster\nTachyonWorker1\n", "\(node)")
        }
        // Only TachyonMaster receives the archive.
        #expect(nodes[scratch.roots + "/TachyonWorker1/var/tmp/tfy-tachyon/tachyon-local.tar.gz"] == nil)

        let second = try await scratch.makeArchive(release: "a newer build\n")
        let calls = try await scratch.run(bootstraps)
        // Nothing is downloaded: the new tree comes from the archive, and to the other node from TachyonMaster.
        #expect(calls.filter { $0.contains(" ssh ") || $0.contains(" rsync ") || $0.contains(" curl ") } == [
            "TachyonWorker1: " + Self.askTachyonMaster, "TachyonWorker1: " + Self.copyToWorker,
        ])
        let replaced = try scratch.snapshot()
        for node in ["TachyonMaster", "TachyonWorker1"] {
            #expect(replaced[scratch.roots + "/\(node)/tachyon/RELEASE"] == "644 a newer build\n", "\(node)")
            #expect(replaced[scratch.roots + "/\(node)/tachyon/.tfy-installed"] == "644 Local \(second)\n", "\(node)")
        }
    }

    /// The versions in conf/ufs.yml and conf/zookeeper.yml are the ones the phases download.
    @Test func theConfFilesVersionsReachThePhases() async throws {
        let scratch = try Scratch()
        try "Type: hadoop2\nHadoop: {Type: apache, Version: 2.7.1, SparkProfile: 2.7}\nS3:\n  Bucket:\n"
            .write(toFile: scratch.directory + "/tachyon-ft/conf/ufs-2.7.yml", atomically: true, encoding: .utf8)
        try "Type: Release\nRelease:\n  Version: 3.4.8\n".write(toFile: scratch.directory + "/tachyon-ft/conf/zookeeper-3.4.8.yml", atomically: true, encoding: .utf8)
        let plan = await scratch.plan(["-var", "Masters=2", "-var", "ufs_conf=conf/ufs-2.7.yml", "-var", "zookeeper_conf=conf/zookeeper-3.4.8.yml"])
        try #require(plan.status == 0, "\(plan.err)")
        let environments = Dictionary(uniqueKeysWithValues: try scratch.bootstraps(plan.out).map { ($0.address, $0.environment) })
        #expect(environments[#"tfy_bootstrap.configure["TachyonMaster"]"#]?["HADOOP_VERSION"] == "2.7.1")
        #expect(environments[#"tfy_bootstrap.distribute["TachyonMaster2"]"#]?["HADOOP_VERSION"] == "2.7.1")
        #expect(environments[#"tfy_bootstrap.zookeeper["TachyonMaster"]"#]?["ZOOKEEPER_VERSION"] == "3.4.8")
        #expect(environments[#"tfy_bootstrap.hdfs["TachyonMaster"]"#] != nil)
    }

    /// The stubs stay shellcheck clean, as the scripts they stand in for are.
    @Test func theStubsAreShellcheckClean() async throws {
        let stubs = try FileManager.default.subpathsOfDirectory(atPath: Self.stubs).filter { $0.hasPrefix("bin/") || $0.contains("/bin/") || $0.contains("/sbin/") }
            .filter { !$0.hasSuffix("/bin") && !$0.hasSuffix("/sbin") }.sorted()
        #expect(stubs.count == 14)
        await #expect(throws: Never.self) { try await runProgram("shellcheck", stubs.map { Self.stubs + "/" + $0 }) }
    }
}
