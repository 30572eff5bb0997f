import Foundation
import Testing
import TFYCommands

/// The command-line habits a Terraform user brings along: `TF_VAR_` variables, `-no-color`
/// everywhere, JSON variable files, automatically loaded variable files, `state list` filters,
/// `plan -parallelism`, a graph without variables.
@Suite(.timeLimit(.minutes(5)))
struct TerraformHabitsTests {
    func tfy(_ arguments: [String], in directory: String = CommandTests.testsDirectory + "/Fixtures", environment: [String: String] = [:]) async -> CommandTests.Run {
        await CommandTests().tfy(arguments, in: directory, environment: environment)
    }

    static let cluster = CommandTests.clusterFixture

    @Test func terraformsVariablePrefixIsRead() async {
        let run = await tfy(["validate", Self.cluster, "-no-color"], environment: ["TF_VAR_machines": "x"])
        #expect(run.status == 1)
        #expect(run.err.contains("The value given by the environment variable TF_VAR_machines is not suitable for var.machines declared at "), "\(run.err)")
        let valid = await tfy(["validate", Self.cluster, "-no-color"], environment: ["TF_VAR_machines": "1"])
        #expect(valid.status == 1)
        #expect(valid.err.contains("A cluster needs at least 2 machines."), "\(valid.err)")
    }

    @Test func tfysOwnPrefixWinsOverTerraforms() async {
        let run = await tfy(["validate", Self.cluster, "-no-color"], environment: ["TF_VAR_machines": "1", "TFY_VAR_machines": "3"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "Success! The configuration is valid.\n")
        let reversed = await tfy(["validate", Self.cluster, "-no-color"], environment: ["TF_VAR_machines": "3", "TFY_VAR_machines": "1"])
        #expect(reversed.status == 1)
        #expect(reversed.err.contains("A cluster needs at least 2 machines."))
    }

    /// Every command takes `-no-color`, as every Terraform command does, and prints what it
    /// prints without it.
    @Test(arguments: [
        ["version"],
        ["output", "-state", "nowhere.tfstate"],
        ["state", "list", "-state", "nowhere.tfstate"],
        ["state", "show", "aws_instance.a", "-state", "nowhere.tfstate"],
        ["state", "rm", "aws_instance.a", "-state", "nowhere.tfstate"],
        ["state", "mv", "aws_instance.a", "aws_instance.b", "-state", "nowhere.tfstate"],
        ["state", "pull", "-state", "nowhere.tfstate"],
        ["state", "push", "nowhere.tfstate", "-state", "nowhere.tfstate"],
        ["state", "migrate", "-state", "nowhere.tfstate"],
        ["import", "aws_instance.a", "i-1", "-state", "nowhere.tfstate"],
        ["force-unlock", "id", "-state", "nowhere.tfstate"],
        ["graph", "nowhere"],
        ["ssh", "master", "-state", "nowhere.tfstate"],
    ])
    func everyCommandTakesNoColor(_ arguments: [String]) async {
        // A state path of its own per case: the cases run in parallel, and those that lock the
        // state would otherwise find each other's lock.
        let state = NSTemporaryDirectory() + "tfy-no-color-\(UUID().uuidString).tfstate"
        let arguments = arguments.map { $0 == "nowhere.tfstate" ? state : $0 }
        let plain = await tfy(arguments)
        let noColor = await tfy(arguments + ["-no-color"])
        #expect(!noColor.err.contains("Unknown option"), "\(noColor.err)")
        #expect(noColor.status == plain.status)
        #expect(noColor.out == plain.out)
        #expect(noColor.err == plain.err)
    }

    /// A configuration whose one variable must be below 5, in a fresh directory, with `files`.
    func withConfiguration(_ files: [String: String], _ body: (String) async -> Void) async {
        await CommandTests().withTemporary { directory in
            let all = files.merging(["main.yml": """
                variable:
                  n:
                    type: number
                    validation: {condition: "${var.n < 5}", error_message: n is too big.}
                """]) { given, _ in given }
            for (name, text) in all {
                _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(text.utf8))
            }
            await body(directory)
        }
    }

    @Test func aVariableFileMayBeJSONWhateverItsName() async {
        await withConfiguration(["small.vars": "{\"n\": 1}\n", "big.yml.txt": "{\n  \"n\": 9\n}\n"]) { directory in
            let small = await tfy(["validate", "-var-file", "small.vars", "-no-color"], in: directory)
            #expect(small.status == 0, "\(small.err)")
            let big = await tfy(["validate", "-var-file", "big.yml.txt", "-no-color"], in: directory)
            #expect(big.status == 1)
            #expect(big.err == """
                Error: Invalid value for variable

                  on big.yml.txt:2:8:
                  2 |   "n": 9
                    |        ^

                n is too big.

                This was checked by the validation rule at main.yml:4:17.


                """)
        }
    }

    /// A YAML flow mapping stays YAML; JSON that YAML refuses (a tab) is still read as JSON.
    @Test func flowMappingsStayYAMLAndTabbedJSONIsJSON() async {
        await withConfiguration(["flow.vars": "{n: 1}\n", "tabbed.vars": "{\n\t\"n\": 1\n}\n"]) { directory in
            let flow = await tfy(["validate", "-var-file", "flow.vars", "-no-color"], in: directory)
            #expect(flow.status == 0, "\(flow.err)")
            let tabbed = await tfy(["validate", "-var-file", "tabbed.vars", "-no-color"], in: directory)
            #expect(tabbed.status == 0, "\(tabbed.err)")
        }
    }

    /// Text that starts as JSON and is neither YAML nor JSON gets JSON's error, whatever the name.
    @Test func anUnterminatedJSONObjectIsReportedAsJSONs() async {
        await withConfiguration(["values.vars": "{\"n\": 1\n"]) { directory in
            let run = await tfy(["validate", "-var-file", "values.vars", "-no-color"], in: directory)
            #expect(run.status == 1)
            #expect(run.err == """
                Error: Invalid variable file

                  on values.vars:2:1:
                  2 | (sensitive value)

                The file is not valid JSON: unexpected end of data in an object.


                """)
        }
    }

    /// A JSON mistake is reported where JSON sees it, quoting none of the file's text.
    @Test func aJSONMistakeIsReportedAsJSONs() async {
        await withConfiguration(["values.tfvars.json": "{\n  \"n\": 1,\n}\n"]) { directory in
            let run = await tfy(["validate", "-var-file", "values.tfvars.json", "-no-color"], in: directory)
            #expect(run.status == 1)
            #expect(run.err == """
                Error: Invalid variable file

                  on values.tfvars.json:3:1:
                  3 | (sensitive value)

                The file is not valid JSON: expected a string key.


                """)
        }
    }

    /// `tfy.tfvars.yml` first, then `*.auto.tfvars.*` in lexical order, then the command line;
    /// none of them is read as configuration.
    @Test func variableFilesOfTheDirectoryLoadInTerraformsOrder() async {
        await withConfiguration(["tfy.tfvars.yml": "n: 9\n", "a.auto.tfvars.json": "{\"n\": 1}\n"]) { directory in
            let run = await tfy(["validate", "-no-color"], in: directory)
            #expect(run.status == 0, "\(run.err)")
            #expect(run.out == "Success! The configuration is valid.\n")
            _ = FileManager.default.createFile(atPath: directory + "/b.auto.tfvars.yml", contents: Data("n: 9\n".utf8))
            let later = await tfy(["validate", "-no-color"], in: directory)
            #expect(later.status == 1)
            #expect(later.err.contains("n is too big."), "\(later.err)")
            #expect(await tfy(["validate", "-var", "n=2"], in: directory).status == 0)
            let elsewhere = await tfy(["validate", directory, "-no-color"])
            #expect(elsewhere.status == 1)
            #expect(elsewhere.err.hasPrefix("Error: Invalid value for variable\n\n  on \(directory)/b.auto.tfvars.yml:1:4:\n  1 | n: 9\n"), "\(elsewhere.err)")
        }
    }

    static let fiveInstances = ["-state", "plan-cases/scale-down/prior.tfstate"]

    /// A resource address matches its instances, an instance address itself, several addresses
    /// their union in the state's order; `-id` keeps the instances of that id.
    @Test(arguments: [
        ([String](), "aws_instance.master[0]\naws_instance.master[1]\naws_instance.worker[0]\naws_instance.worker[1]\naws_instance.worker[2]\naws_security_group.cluster\n"),
        (["aws_instance.worker"], "aws_instance.worker[0]\naws_instance.worker[1]\naws_instance.worker[2]\n"),
        (["aws_instance.worker[1]"], "aws_instance.worker[1]\n"),
        (["aws_security_group.cluster", "aws_instance.master[1]"], "aws_instance.master[1]\naws_security_group.cluster\n"),
        (["aws_instance.work"], ""),
        (["aws_instance.worker[7]"], ""),
        (["module.net"], ""),
        (["-id", "i-00000000000000004"], "aws_instance.worker[1]\n"),
        (["aws_instance.master", "-id", "i-00000000000000004"], ""),
        (["-id", "sg-00000000000000001"], "aws_security_group.cluster\n"),
    ])
    func stateListFilters(_ filters: [String], _ listed: String) async {
        let run = await tfy(["state", "list"] + filters + Self.fiveInstances)
        #expect(run.err == "")
        #expect(run.status == 0)
        #expect(run.out == listed)
    }

    /// Data sources are listed too, first, as Terraform lists them; an address given for one
    /// names it exactly.
    @Test(arguments: [
        ([String](), "data.aws_ami.base\ndata.aws_subnet.zone[0]\ndata.aws_subnet.zone[1]\naws_instance.master[0]\naws_instance.master[1]\naws_instance.worker[0]\naws_instance.worker[1]\naws_instance.worker[2]\naws_security_group.cluster\n"),
        (["data.aws_subnet.zone"], "data.aws_subnet.zone[0]\ndata.aws_subnet.zone[1]\n"),
        (["data.aws_subnet.zone[1]", "aws_instance.master[0]"], "data.aws_subnet.zone[1]\naws_instance.master[0]\n"),
        (["data.aws_ami.other"], ""),
        (["-id", "ami-0123456789abcdef0"], "data.aws_ami.base\n"),
    ])
    func stateListShowsDataSources(_ filters: [String], _ listed: String) async {
        let run = await tfy(["state", "list"] + filters + ["-state", "state-with-data.tfstate"])
        #expect(run.err == "")
        #expect(run.status == 0)
        #expect(run.out == listed)
    }

    @Test func stateListRefusesWhatIsNoAddress() async {
        let run = await tfy(["state", "list", "aws_instance", "-no-color"] + Self.fiveInstances)
        #expect(run.status == 1)
        #expect(run.out == "")
        #expect(run.err == "Error: Invalid address\n\n\"aws_instance\" is not a resource or resource instance address such as aws_instance.master or aws_instance.master[0].\n\n")
    }

    /// `plan -parallelism` is taken, and checked as apply's is.
    @Test func planTakesParallelism() async {
        let taken = await tfy(["plan", "nowhere", "-parallelism", "4", "-no-color"])
        #expect(taken.status == 1)
        #expect(taken.err == "Error: Configuration directory not found\n\nThere is no directory at \"nowhere\".\n\n")
        let zero = await tfy(["plan", "nowhere", "-parallelism=0"])
        #expect(zero.status == 1)
        #expect(zero.err.split(separator: "\n").first == "Error: The value '0' is invalid for '-parallelism <n>': -parallelism must be a whole number of at least 1.")
    }

    /// Without `-type`, the resource graph of the configuration alone: no state, no AWS, a
    /// required variable without a value unknown (the cluster fixture requires `Keypair`, and
    /// its bootstrap counts come from variables).
    @Test func graphWithoutTypeDrawsTheResourceGraph() async {
        let run = await tfy(["graph", Self.cluster])
        #expect(run.err == "")
        #expect(run.status == 0)
        #expect(run.out == """
            digraph {
              rankdir = "RL";
              node [shape = "box"];
              "aws_instance.master";
              "aws_instance.worker";
              "aws_security_group.cluster";
              "tfy_bootstrap.common";
              "tfy_bootstrap.masters";
              "aws_instance.master" -> "aws_security_group.cluster";
              "aws_instance.worker" -> "aws_security_group.cluster";
              "tfy_bootstrap.common" -> "aws_instance.master";
              "tfy_bootstrap.common" -> "aws_instance.worker";
              "tfy_bootstrap.masters" -> "aws_instance.master";
              "tfy_bootstrap.masters" -> "tfy_bootstrap.common";
            }

            """)
    }
}
