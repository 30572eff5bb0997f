import Foundation
import Testing
import TFYTestSupport

/// A file whose `source` is computed and larger than tfy reads into memory (16 MiB), such as a
/// software archive, is streamed to the host byte for byte.
@Suite(.serialized, .timeLimit(.minutes(30))) struct LargeUploadTests {
    @Test func anArchiveLargerThan16MiBIsStreamedByteForByte() async throws {
        let world = try await World()
        let hosts = try await Hosts(world, count: 1)
        try FileManager.default.createDirectory(atPath: world.directory + "/cluster", withIntermediateDirectories: true)
        try world.configure("""
            variable:
              stack_tag: {type: string}
              port: {type: number}
              key_file: {type: string}
              root: {type: string}
              user: {type: string}
              archive: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              tfy_bootstrap:
                big:
                  connection: {host: 127.0.0.1, port: "${var.port}", user: "${var.user}", private_key_file: "${var.key_file}", timeout: 20s}
                  files:
                    - {source: "${var.archive}", destination: "${var.root}/opt/archive.tgz", mode: "0644"}
                  inline: ["sha256sum ${var.root}/opt/archive.tgz | cut -c1-64"]
            """)
        // Bytes of every value, 16 MiB and a little more.
        var bytes = [UInt8](repeating: 0, count: 16 << 20 + 4099)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in bytes.indices {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: seed >> 33)
        }
        let archive = world.directory + "/tachyon-bin.tar.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: archive))
        let root = world.directory + "/roots/h0"
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color", "-var", "port=\(hosts.ports[0])", "-var", "key_file=\(hosts.keyFile)",
                                       "-var", "root=\(root)", "-var", "user=\(NSUserName())", "-var", "archive=\(archive)"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        let digest = String(decoding: try await runProgram("sha256sum", [archive]), as: UTF8.self).prefix(64)
        #expect(applied.out.contains("tfy_bootstrap.big (remote-exec): \(digest)\n"), "\(applied.out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/opt/archive.tgz")) == Data(bytes))
        let mode = try FileManager.default.attributesOfItem(atPath: root + "/opt/archive.tgz")[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }
}
