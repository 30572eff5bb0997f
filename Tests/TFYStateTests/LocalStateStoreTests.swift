import Foundation
import Testing
import TFYCore
import TFYState

@Suite(.timeLimit(.minutes(30)))
struct LocalStateStoreTests {
    func withDirectory(_ body: (String) throws -> Void) rethrows {
        let path = NSTemporaryDirectory() + "tfy-state-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    static func sample() -> State {
        var state = State(lineage: "3b0c1b8e-lineage")
        state.serial = 7
        state.outputs["ip"] = StateOutput(value: .string("203.0.113.9"), sensitive: false)
        state.outputs["password"] = StateOutput(value: .sensitive(.string("hunter2")), sensitive: true)
        state.resources = [
            StateResource(type: "aws_instance", name: "master", instances: [
                StateInstance(indexKey: 1, attributes: ["id": .string("i-2"), "user_data": .sensitive(.string("#!/bin/sh\nsecret"))], dependencies: ["aws_security_group.cluster"]),
                StateInstance(indexKey: 0, status: .tainted, attributes: ["id": .string("i-1"), "tags": .map(["Name": .string("m")]), "count": .number(3)],
                              dependencies: ["aws_security_group.cluster"], privateData: "token-1"),
            ]),
            StateResource(type: "aws_security_group", name: "cluster", instances: [
                StateInstance(indexKey: nil, attributes: ["id": .string("sg-1"), "ingress": .list([.map(["from_port": .number(0)])])], createBeforeDestroy: true),
            ]),
        ]
        return state
    }

    @Test func roundTripsEverythingButSecrets() throws {
        try withDirectory { directory in
            let store = LocalStateStore(path: directory + "/state/test.tfstate")
            var sample = Self.sample()
            let key = StackKey.generate()
            sample.stackKey = key
            try store.write(sample)
            let read = try #require(try store.read())
            #expect(read.lineage == "3b0c1b8e-lineage")
            #expect(read.serial == 7)
            #expect(read.instances.map(\.address.description) == ["aws_instance.master[0]", "aws_instance.master[1]", "aws_security_group.cluster"])
            let master0 = try #require(read.instance(ResourceAddress(type: "aws_instance", name: "master", index: 0)))
            #expect(master0.status == .tainted)
            #expect(master0.privateData == "token-1")
            #expect(master0.attributes["tags"] == .map(["Name": .string("m")]))
            #expect(master0.attributes["count"] == .number(3))
            let master1 = try #require(read.instance(ResourceAddress(type: "aws_instance", name: "master", index: 1)))
            #expect(master1.attributes["user_data"] == SensitiveDigest.of(.string("#!/bin/sh\nsecret"), key: key))
            #expect(read.outputs["password"]?.value == SensitiveDigest.of(.string("hunter2"), key: key))
            #expect(read.instance(ResourceAddress(type: "aws_security_group", name: "cluster"))?.createBeforeDestroy == true)
            let text = try String(contentsOfFile: store.path, encoding: .utf8)
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("secret"))
            // Writing what was read gives the same bytes: digests are not digested again.
            try store.write(read)
            #expect(try String(contentsOfFile: store.path, encoding: .utf8) == text)
        }
    }

    @Test func fileIsPrivateSortedAndEndsWithANewline() throws {
        try withDirectory { directory in
            let store = LocalStateStore(path: directory + "/s.tfstate")
            try store.write(Self.sample())
            let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let text = try String(contentsOfFile: store.path, encoding: .utf8)
            #expect(text.hasSuffix("}\n"))
            #expect(text.hasPrefix("{\n  \"lineage\": \"3b0c1b8e-lineage\",\n  \"outputs\": {"))
            #expect((try FileManager.default.contentsOfDirectory(atPath: directory)) == ["s.tfstate"])
        }
    }

    @Test(arguments: [
        ("truncated", "{\n  \"lineage\": \"x\",\n  \"resources\": [", "the file is not valid JSON (line 3, column 17: unexpected end of data); it may be truncated or corrupted"),
        ("garbage", "\u{7F}ELF", "the file is not valid JSON (line 1, column 1: invalid value); it may be truncated or corrupted"),
        ("newer", "{\"version\": 9, \"tfy_version\": \"7.0.0\", \"lineage\": \"x\", \"serial\": 1}", "the file is in state format version 9, written by tfy 7.0.0; this tfy (\(TFYVersion.current)) reads version 1 and older. Upgrade tfy"),
        ("no-lineage", "{\"version\": 1, \"serial\": 1}", "the file is not a tfy state file: \"lineage\" is missing"),
        ("bad-status", "{\"version\": 1, \"lineage\": \"x\", \"serial\": 1, \"resources\": [{\"type\": \"aws_instance\", \"name\": \"m\", \"instances\": [{\"attributes\": {}, \"status\": \"melted\"}]}]}", "the file is not a tfy state file: resources[0].instances[0] has unknown status \"melted\""),
    ])
    func corruptFilesAreRejectedAndLeftAlone(_ name: String, _ content: String, _ message: String) throws {
        try withDirectory { directory in
            let path = directory + "/\(name).tfstate"
            _ = FileManager.default.createFile(atPath: path, contents: Data(content.utf8))
            let store = LocalStateStore(path: path)
            #expect(throws: StateError.self) { try store.read() }
            do { _ = try store.read() } catch let error as StateError {
                #expect(error.message == message)
                #expect(error.diagnostic.detail == "Error reading the state file \"\(path)\": \(message). The file was not modified.")
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == content)
        }
    }

    @Test func missingFileIsNoState() throws {
        #expect(try LocalStateStore(path: "/nonexistent/dir/x.tfstate").read() == nil)
    }

    /// The atomic rename would turn these into a regular file; the write is refused instead and
    /// leaves them as they were, and a read names them rather than seeing "no state".
    @Test func stateWritesAndReadsRefuseWhatIsNotARegularFile() throws {
        try withDirectory { directory in
            let fifo = directory + "/fifo.tfstate", link = directory + "/link.tfstate", target = directory + "/target"
            #expect(mkfifo(fifo, 0o600) == 0)
            try "kept\n".write(toFile: target, atomically: false, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            for (path, noun) in [(fifo, "a FIFO (named pipe)"), (link, "a symbolic link to \"\(target)\"")] {
                let store = LocalStateStore(path: path)
                do {
                    try store.write(Self.sample())
                    Issue.record("\(path) was replaced")
                } catch let error as StateError {
                    #expect(error.message == "it is \(noun), not a regular file; tfy replaces only a regular file or a missing path, so it was left untouched")
                }
                do {
                    _ = try store.read()
                    Issue.record("\(path) was read")
                } catch let error as StateError {
                    let suffix = path == fifo ? ", not a regular file" : ""
                    #expect(error.message == "it is \(noun)\(suffix); tfy reads the state only from a regular file (give the file itself with -state PATH)")
                }
            }
            var status = stat()
            #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "kept\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["fifo.tfstate", "link.tfstate", "target"])
        }
    }

    @Test func failedWriteLeavesNoTemporaryFileBehind() throws {
        try withDirectory { directory in
            // The state path is taken by a directory: the final rename fails.
            try FileManager.default.createDirectory(atPath: directory + "/s.tfstate/inner", withIntermediateDirectories: true)
            let store = LocalStateStore(path: directory + "/s.tfstate")
            #expect(throws: StateError.self) { try store.write(Self.sample()) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["s.tfstate"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/s.tfstate") == ["inner"])
        }
    }
}
