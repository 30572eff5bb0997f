import Foundation
import Testing
import TFYTestSupport

/// Hostile configurations end with exit 1 and a located error, within the evaluation budget
/// (docs/configuration.md, "Limits"), instead of hanging, crashing or exhausting memory.
///
/// Each runs the built `tfy validate` as a process of its own, so a configuration that crashed
/// or hung tfy would fail the test (killed at the timeout) rather than take the test runner with
/// it. `TFY_TEST_EXECUTABLE` runs them against another build (an older one, to see them fail).
@Suite(.timeLimit(.minutes(10)))
struct EvaluationBudgetTests {
    static let executable = ProcessInfo.processInfo.environment["TFY_TEST_EXECUTABLE"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/.build/debug/tfy"

    /// A fresh configuration directory holding `files` (name → text).
    func directory(_ files: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + "tfy-budget-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: path + "/" + name, atomically: false, encoding: .utf8) }
        return path
    }

    func validate(_ directory: String) async throws -> ProgramResult {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await runProgramAllowingFailure(Self.executable, ["validate", "-no-color", directory], timeout: 600)
    }

    /// One rendered error: its summary, where, the source line with a caret, and the detail.
    func error(_ summary: String, _ file: String, _ line: Int, _ column: Int, address: String? = nil, source: String, _ detail: String) -> String {
        let number = String(line)
        return """
            Error: \(summary)

              on \(file):\(line):\(column)\(address.map { " (\($0))" } ?? ""):
              \(number) | \(source)
              \(String(repeating: " ", count: number.count)) | \(String(repeating: " ", count: column - 1))^

            \(detail)


            """
    }

    @Test func aBillionLaughsIsRefusedAtTheAliasThatPassesTheNodeBudget() async throws {
        let letters = Array("abcdefghi")
        var text = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
        for (previous, letter) in zip(letters, letters.dropFirst()) {
            text += "\(letter): &\(letter) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        let dir = try directory(["main.yml": text])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("YAML alias expansion too large", dir + "/main.yml", 7, 8, source: "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
            "With its aliases expanded, this file holds more than 1000000 nodes, as in a \"billion laughs\" document; this alias stands for 597871 nodes and 531441 bytes of text. Write the values out, or alias them fewer times."))
    }

    /// 1 MiB of text aliased 90,000 times is few nodes but 90 GB of text.
    @Test func aLargeScalarAliasedManyTimesIsRefusedAtTheAliasThatPassesTheByteBudget() async throws {
        let text = "locals:\n  big: &big " + String(repeating: "x", count: 1 << 20) + "\n  copies:\n" + String(repeating: "    - *big\n", count: 90_000)
        let dir = try directory(["main.yml": text])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("YAML alias expansion too large", dir + "/main.yml", 34, 7, source: "    - *big",
            "With its aliases expanded, this file holds more than 32 MiB of text, as in a \"billion laughs\" document; this alias stands for 1 node and 1048576 bytes of text. Write the values out, or alias them fewer times."))
    }

    @Test func aTemplateIncludingItselfIsACycleNamingTheChain() async throws {
        let dir = try directory([
            "main.yml": "output:\n  page:\n    value: ${templatefile(\"page.tpl\", {})}\n",
            "page.tpl": "<p>${templatefile(\"page.tpl\", {})}</p>\n",
        ])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Template inclusion cycle", dir + "/main.yml", 3, 14, address: "output.page", source: "    value: ${templatefile(\"page.tpl\", {})}",
            "The template \"page.tpl\" includes itself: page.tpl -> page.tpl. A template cannot call templatefile() on itself, directly or through other templates."))
    }

    @Test func twoTemplatesIncludingEachOtherAreACycleNamingTheChain() async throws {
        let dir = try directory([
            "main.yml": "output:\n  page:\n    value: ${templatefile(\"a.tpl\", {})}\n",
            "a.tpl": "a ${templatefile(\"b.tpl\", {})}\n",
            "b.tpl": "b ${templatefile(\"a.tpl\", {})}\n",
        ])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Template inclusion cycle", dir + "/main.yml", 3, 14, address: "output.page", source: "    value: ${templatefile(\"a.tpl\", {})}",
            "The template \"a.tpl\" includes itself: a.tpl -> b.tpl -> a.tpl. A template cannot call templatefile() on itself, directly or through other templates."))
    }

    /// Nine templates, each including the next, are one more than may nest.
    @Test func templatesNestedDeeperThanTheBudgetAreRefusedNamingTheChain() async throws {
        var files = ["main.yml": "output:\n  page:\n    value: ${templatefile(\"t1.tpl\", {})}\n", "t9.tpl": "end\n"]
        for i in 1...8 { files["t\(i).tpl"] = "${templatefile(\"t\(i + 1).tpl\", {})}\n" }
        let dir = try directory(files)
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Templates nested too deeply", dir + "/main.yml", 3, 14, address: "output.page", source: "    value: ${templatefile(\"t1.tpl\", {})}",
            "templatefile() calls nest more than 8 templates deep: t1.tpl -> t2.tpl -> t3.tpl -> t4.tpl -> t5.tpl -> t6.tpl -> t7.tpl -> t8.tpl -> t9.tpl."))
    }

    /// Running out of budget says nothing about whether the expression is valid: `can` does not
    /// turn it into false.
    @Test func canDoesNotHideAnExceededBudget() async throws {
        let line = "  ok: ${can(join(\"--------------------\", range(1000000)))}"
        let dir = try directory(["main.yml": "locals:\n\(line)\n"])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Value too large", dir + "/main.yml", 2, 13, source: line,
            "The value join() builds would hold more than 16 MiB of text, the most one value may hold; build smaller values."))
    }

    /// Twenty separator bytes between a million numbers make 25 MB, more than one value may hold;
    /// the size is known before the string is made.
    @Test func joinOverAMillionNumbersIsRefusedBeforeItsResultIsBuilt() async throws {
        let line = "  joined: ${join(\"--------------------\", range(1000000))}"
        let dir = try directory(["main.yml": "locals:\n\(line)\n"])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Value too large", dir + "/main.yml", 2, 13, source: line,
            "The value join() builds would hold more than 16 MiB of text, the most one value may hold; build smaller values."))
    }

    /// Each value within its own limit, but many of them: a cheap loop over an expensive call,
    /// and lists nested in one another thousands deep (each measured again by the next). The
    /// evaluation's running totals stop both, reported once.
    @Test func manyValuesWithinTheirLimitsRunOutOfWork() async throws {
        let line = "  a: '${[for i in range(20): length(range(1000000))]}'"
        let dir = try directory(["main.yml": "locals:\n\(line)\n"])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Too much evaluation work", dir + "/main.yml", 2, 37, source: line,
            "The values this configuration builds would hold more than 10000000 elements or 256 MiB of text in all, the most one evaluation may build; build fewer or smaller values."))

        let chain = (1...5000).map { "  a\($0): \"${[local.a\($0 - 1)]}\"" }
        let nested = try directory(["main.yml": "locals:\n  a0: \"${[1]}\"\n" + chain.joined(separator: "\n") + "\n"])
        let deep = try await validate(nested)
        #expect(deep.status == 1)
        #expect(deep.error.components(separatedBy: "Error: ").count == 2)
        #expect(deep.error.hasPrefix("Error: Too much evaluation work"))
    }

    @Test func nestedForOverAMillionByAMillionRunsOutOfIterations() async throws {
        let line = "  grid: \"${[for i in range(1000000): [for j in range(1000000): i * j]]}\""
        let dir = try directory(["main.yml": "locals:\n\(line)\n"])
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == error("Too many for iterations", dir + "/main.yml", 2, 38, source: line,
            "The for expressions of this configuration would iterate more than 1000000 times in all; iterate over smaller collections."))
    }

    /// Files a command reads because the user named them or put them in the configuration
    /// directory are read as `file()` reads: regular files only, of bounded size, and the error
    /// says which rule the file broke (it said "does not exist or cannot be read" of a FIFO).
    @Test func aFIFOAsAConfigurationFileIsRefused() async throws {
        let dir = try directory(["main.yml": "output:\n  x: {value: 1}\n"])
        #expect(mkfifo(dir + "/pipe.yml", 0o600) == 0)
        let result = try await validate(dir)
        #expect(result.status == 1)
        #expect(result.error == """
            Error: Cannot read configuration file

              on \(dir)/pipe.yml:1:1:

            "\(dir)/pipe.yml" is a FIFO (named pipe), not a regular file.


            """)
    }

    @Test func aFIFOAsAVariablesFileIsRefused() async throws {
        let dir = try directory(["main.yml": "output:\n  x: {value: 1}\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/pipe.tfvars.yml", 0o600) == 0)
        let result = try await runProgramAllowingFailure(Self.executable, ["validate", "-no-color", "-var-file", dir + "/pipe.tfvars.yml", dir], timeout: 120)
        #expect(result.status == 1)
        #expect(result.error == """
            Error: Failed to read variables file

            Given variables file \(dir)/pipe.tfvars.yml is a FIFO (named pipe), not a regular file.


            """)
    }

    @Test func aDeviceAsAPlanFileIsRefused() async throws {
        let result = try await runProgramAllowingFailure(Self.executable, ["show", "-no-color", "/dev/zero"], timeout: 120)
        #expect(result.status == 1)
        #expect(result.error == """
            Error: Failed to read plan file

            The plan file "/dev/zero" is a character device, not a regular file.


            """)
    }

    /// A FIFO, a directory and a file over 16 MiB, given to file() and to a bootstrap file's
    /// source: each refused where it is named, without opening the FIFO (which would block).
    @Test func fileAndBootstrapSourcesReadOnlyRegularFilesOfBoundedSize() async throws {
        let dir = try directory(["main.yml": """
            output:
              pipe:
                value: ${file("pipe")}
              folder:
                value: ${file("folder")}
              big:
                value: ${file("big.txt")}
            resource:
              tfy_bootstrap:
                setup:
                  connection: {host: 127.0.0.1}
                  inline: ["true"]
                  files:
                    - {source: pipe, destination: /tmp/p}
                    - {source: folder, destination: /tmp/f}
                    - {source: big.txt, destination: /tmp/b}

            """])
        #expect(mkfifo(dir + "/pipe", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: dir + "/big.txt", contents: nil))
        #expect(truncate(dir + "/big.txt", 16 * 1024 * 1024 + 1) == 0)
        let result = try await validate(dir)
        let file = dir + "/main.yml"
        #expect(result.status == 1)
        #expect(result.error == [
            error("Invalid function argument", file, 3, 19, address: "output.pipe", source: "    value: ${file(\"pipe\")}",
                  "Invalid value for \"path\" parameter: \"pipe\" is a FIFO (named pipe), not a regular file; file() reads only regular files."),
            error("Invalid function argument", file, 5, 19, address: "output.folder", source: "    value: ${file(\"folder\")}",
                  "Invalid value for \"path\" parameter: \"folder\" is a directory, not a regular file; file() reads only regular files."),
            error("Invalid function argument", file, 7, 19, address: "output.big", source: "    value: ${file(\"big.txt\")}",
                  "Invalid value for \"path\" parameter: the file \"big.txt\" is larger than 16 MiB, the most a file read by file() may hold."),
            error("Not a regular file", file, 14, 20, address: "tfy_bootstrap.setup", source: "        - {source: pipe, destination: /tmp/p}",
                  "\"pipe\" is a FIFO (named pipe); a bootstrap file's source must be a regular file."),
            error("Not a regular file", file, 15, 20, address: "tfy_bootstrap.setup", source: "        - {source: folder, destination: /tmp/f}",
                  "\"folder\" is a directory; a bootstrap file's source must be a regular file."),
            error("File too large", file, 16, 20, address: "tfy_bootstrap.setup", source: "        - {source: big.txt, destination: /tmp/b}",
                  "\"big.txt\" is larger than 16 MiB; upload it another way, for example with a script that downloads it."),
        ].joined())
    }
}
