import Foundation
import Testing
import TFYCommands
import TFYTestSupport

/// The command line refuses what it does not understand, with exit 1, whatever letters a mistyped
/// option contains; option values are checked before anything runs; `NO_COLOR` and `TERM=dumb`
/// turn colour off; an endpoint that cannot be reached fails after a few quick attempts, naming
/// where the endpoint came from.
@Suite(.timeLimit(.minutes(5)))
struct StrictCommandLineTests {
    func tfy(_ arguments: [String], in directory: String = CommandTests.testsDirectory + "/Fixtures", environment: [String: String] = [:]) async -> CommandTests.Run {
        await CommandTests().tfy(arguments, in: directory, environment: environment)
    }

    /// Single-dash options made of letters that include `h` used to be read as a bundle of short
    /// flags holding `-h`: help, exit 0, nothing done (in CI, `plan -detailed-exitcode` read as
    /// "no changes").
    @Test(arguments: [
        (["plan", "-this", "web"], "-this", "plan"),
        (["plan", "-detailed-exitcode", "-ahoy", "web"], "-ahoy", "plan"),
        (["apply", "-hello", "web", "-auto-approve"], "-hello", "apply"),
        (["destroy", "-h2"], "-h2", "destroy"),
        (["refresh", "-shh"], "-shh", "refresh"),
        (["validate", "-hush"], "-hush", "validate"),
        (["show", "-hh", "x.tfplan"], "-hh", "show"),
        (["output", "-hello"], "-hello", "output"),
        (["state", "list", "-shh"], "-shh", "state list"),
        (["state", "show", "-hx", "aws_instance.a"], "-hx", "state show"),
        (["state", "rm", "-hq", "aws_instance.a"], "-hq", "state rm"),
        (["state", "pull", "-hmm"], "-hmm", "state pull"),
        (["state", "push", "-ha", "x.tfstate"], "-ha", "state push"),
        (["state", "migrate", "-hm"], "-hm", "state migrate"),
        (["import", "-ho", "aws_instance.a", "i-1"], "-ho", "import"),
        (["force-unlock", "-hi", "id"], "-hi", "force-unlock"),
        (["graph", "-hx"], "-hx", "graph"),
        (["ssh", "-hq", "master"], "-hq", "ssh"),
        (["version", "-hh"], "-hh", "version"),
        (["-hush", "plan"], "-hush", ""),
    ])
    func unknownOptionsAreErrorsWhateverTheirLetters(_ arguments: [String], _ option: String, _ command: String) async {
        let run = await tfy(arguments)
        #expect(run.status == 1, "\(arguments): \(run.out)")
        #expect(run.out == "")
        #expect(run.err.hasPrefix("Error: Unknown option '\(option)'"), "\(run.err)")
        #expect(run.err.hasSuffix("See 'tfy \(command.isEmpty ? "" : command + " ")-help' for more information.\n"), "\(run.err)")
    }

    @Test func aMistypedOptionGetsASuggestion() async {
        let run = await tfy(["plan", "-detailed-exitcodee", "web"])
        #expect(run.status == 1)
        #expect(run.err == "Error: Unknown option '-detailed-exitcodee'. Did you mean '-detailed-exitcode'?\nUsage: tfy plan [<options>] [<directory>]\n  See 'tfy plan -help' for more information.\n")
    }

    /// Help is still there however it is asked for, Terraform's `-help` included.
    @Test(arguments: [["plan", "-h"], ["plan", "--help"], ["plan", "-help"], ["help", "plan"], ["plan", "web", "-h"]])
    func helpAsked(_ arguments: [String]) async {
        let run = await tfy(arguments)
        #expect(run.status == 0)
        #expect(run.out.hasPrefix("OVERVIEW: Show what apply would change, and optionally save the plan.\n"), "\(run.out)")
    }

    static let durationError = "is not a duration: give a number and a unit, such as 0s, 30s, 5m or 1h (at most 2562047h)."

    /// Invalid values, refused before anything runs.
    @Test(arguments: [
        (["plan", "nowhere", "-lock-timeout", "abc"], "Error: The value 'abc' is invalid for '-lock-timeout <duration>': \"abc\" \(durationError)"),
        (["apply", "nowhere", "-lock-timeout=5 minutes"], "Error: The value '5 minutes' is invalid for '-lock-timeout <duration>': \"5 minutes\" \(durationError)"),
        (["destroy", "nowhere", "-lock-timeout", "-1s"], "Error: The value '-1s' is invalid for '-lock-timeout <duration>': \"-1s\" \(durationError)"),
        (["refresh", "nowhere", "-lock-timeout", "1e30"], "Error: The value '1e30' is invalid for '-lock-timeout <duration>': \"1e30\" \(durationError)"),
        (["apply", "nowhere", "-parallelism", "0"], "Error: The value '0' is invalid for '-parallelism <n>': -parallelism must be a whole number of at least 1."),
        (["destroy", "nowhere", "-parallelism", "-3"], "Error: The value '-3' is invalid for '-parallelism <n>': -parallelism must be a whole number of at least 1."),
        (["refresh", "nowhere", "-parallelism=many"], "Error: The value 'many' is invalid for '-parallelism <n>': -parallelism must be a whole number of at least 1."),
        (["apply", "nowhere", "-parallelism", "99999999999999999999"], "Error: The value '99999999999999999999' is invalid for '-parallelism <n>': -parallelism must be a whole number of at least 1."),
    ])
    func invalidOptionValuesAreRefused(_ arguments: [String], _ firstLine: String) async {
        let run = await tfy(arguments)
        #expect(run.status == 1)
        #expect(run.out == "")
        #expect(run.err.split(separator: "\n").first.map(String.init) == firstLine, "\(run.err)")
    }

    /// Terraform's duration forms are accepted: the run goes on to the missing directory.
    @Test(arguments: ["0s", "30s", "5m", "1h", "1h30m", "250ms", "2562047h"])
    func durationsAreAccepted(_ duration: String) async {
        let run = await tfy(["plan", "nowhere", "-lock-timeout", duration, "-no-color"])
        #expect(run.status == 1)
        #expect(run.err == "Error: Configuration directory not found\n\nThere is no directory at \"nowhere\".\n\n")
    }

    @Test(arguments: ["=3", " =3", "x"])
    func malformedVarAssignments(_ assignment: String) async {
        let run = await tfy(["validate", CommandTests.clusterFixture, "-var", assignment, "-no-color"])
        #expect(run.status == 1)
        #expect(run.err == "Error: Invalid -var option\n\nThe given -var option \(String(reflecting: assignment)) is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\".\n\n")
    }

    /// Runs tfy as on a terminal, where it colours its output unless told not to.
    func onTerminal(_ arguments: [String], environment: [String: String]) async -> (status: Int32, text: String) {
        final class Collected: @unchecked Sendable { var text = "" }
        let collected = Collected()
        let context = CommandContext(environment: environment, workingDirectory: CommandTests.testsDirectory + "/Fixtures", isTerminal: true,
                                     out: { collected.text += $0 }, err: { collected.text += $0 })
        let status = await TFYCommandLine.run(arguments, context: context)
        return (status, collected.text)
    }

    /// Every command that colours its errors: its output as on a terminal. (`show` colours a
    /// plan, never its errors.)
    static let colouring: [[String]] = [
        ["validate", "broken"], ["plan", "broken"], ["apply", "broken"], ["destroy", "broken"], ["refresh", "broken"],
    ]

    @Test(arguments: colouring)
    func noColorAndDumbTerminalsTurnColourOffAsNoColorDoes(_ arguments: [String]) async {
        let plain = await onTerminal(arguments + ["-no-color"], environment: [:])
        #expect(!plain.text.contains("\u{1B}["))
        let coloured = await onTerminal(arguments, environment: [:])
        #expect(coloured.text.contains("\u{1B}["), "\(arguments) colours on a terminal")
        for environment in [["NO_COLOR": "1"], ["NO_COLOR": "false"], ["TERM": "dumb"], ["TERM": "dumb", "NO_COLOR": ""]] {
            let run = await onTerminal(arguments, environment: environment)
            #expect(run.status == plain.status)
            #expect(run.text == plain.text, "\(arguments) with \(environment)")
        }
        // no-color.org: an empty NO_COLOR is as if it were not set.
        #expect(await onTerminal(arguments, environment: ["NO_COLOR": "", "TERM": "xterm-256color"]).text == coloured.text)
    }

    /// A plan, as `plan` prints it and as `show` prints it saved: coloured on a terminal, plain
    /// with `NO_COLOR` or `TERM=dumb` exactly as with `-no-color`.
    @Test func planAndShowColourThePlanUnlessDeclined() async throws {
        let directory = NSTemporaryDirectory() + "tfy-colour-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan = ["plan", PlanGoldenTests.configs + "/cluster", "-refresh=false", "-lock=false", "-state", directory + "/none.tfstate", "-var=machines=3"]
        let saved = await onTerminal(plan + ["-out", directory + "/p.tfplan", "-no-color"], environment: [:])
        try #require(saved.status == 0, "\(saved.text)")
        for command in [plan, ["show", directory + "/p.tfplan"]] {
            let plain = await onTerminal(command + ["-no-color"], environment: [:])
            #expect(!plain.text.contains("\u{1B}["))
            #expect(await onTerminal(command, environment: [:]).text.contains("\u{1B}["), "\(command[0]) colours on a terminal")
            for environment in [["NO_COLOR": "1"], ["TERM": "dumb"]] {
                #expect(await onTerminal(command, environment: environment).text == plain.text, "\(command[0]) with \(environment)")
            }
        }
    }

    // MARK: Fail fast where retrying cannot help

    static let noAWSFiles = ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                             "AWS_CONFIG_FILE": "/nonexistent/config"]

    /// A configuration whose plan reads EC2 (its security group carries the stack's tags).
    func withConfiguration(provider: String = "{region: us-east-1}", _ body: (String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "tfy-failfast-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            stack: failfast
            provider:
              aws: \(provider)
            resource:
              aws_security_group:
                web: {name: web, description: web}
            """.write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
        try await body(directory)
    }

    @Test func aRefusedConnectionFailsAfterThreeQuickAttemptsNamingTheVariable() async throws {
        let refusing = try RefusingPort()
        let endpoint = "http://127.0.0.1:\(refusing.port)"
        try await withConfiguration { directory in
            var environment = Self.noAWSFiles
            environment["AWS_ENDPOINT_URL_EC2"] = endpoint
            let run = await tfy(["plan", "-no-color"], in: directory, environment: environment)
            #expect(run.status == 1)
            #expect(run.out == "")
            #expect(run.err == "Error: Failed to refresh\n\nEC2 DescribeSecurityGroups failed: Couldn't connect to server (\(endpoint)) (gave up after 3 attempts); the endpoint \(endpoint) was set by AWS_ENDPOINT_URL_EC2\n\n", "\(run.err)")
        }
    }

    @Test func anUnresolvableHostFailsAfterThreeQuickAttemptsNamingTheVariable() async throws {
        try await withConfiguration { directory in
            var environment = Self.noAWSFiles
            environment["AWS_ENDPOINT_URL"] = "http://nonexistent.invalid"
            let run = await tfy(["plan", "-no-color"], in: directory, environment: environment)
            #expect(run.status == 1)
            #expect(run.err == "Error: Failed to refresh\n\nEC2 DescribeSecurityGroups failed: Couldn't resolve host name (http://nonexistent.invalid) (gave up after 3 attempts); the endpoint http://nonexistent.invalid was set by AWS_ENDPOINT_URL\n\n", "\(run.err)")
        }
    }

    /// The budget is overridable, and the provider block is named when it set the endpoint.
    @Test func theConnectionBudgetIsOverridableAndTheProviderBlockIsNamed() async throws {
        let refusing = try RefusingPort()
        let endpoint = "http://127.0.0.1:\(refusing.port)"
        try await withConfiguration(provider: "{region: us-east-1, endpoint: \"\(endpoint)\"}") { directory in
            var environment = Self.noAWSFiles
            environment["TFY_CONNECT_ATTEMPTS"] = "5"
            environment["TFY_LOG"] = "debug"
            let run = await tfy(["plan", "-no-color"], in: directory, environment: environment)
            #expect(run.status == 1)
            let retries = run.err.split(separator: "\n").filter { $0.hasPrefix("[DEBUG] ec2 DescribeSecurityGroups attempt ") }
            #expect(retries.count == 4, "\(run.err)")
            #expect(run.err.hasSuffix("Error: Failed to refresh\n\nEC2 DescribeSecurityGroups failed: Couldn't connect to server (\(endpoint)) (gave up after 5 attempts); the endpoint \(endpoint) was set by the provider block\n\n"), "\(run.err)")
        }
    }
}
