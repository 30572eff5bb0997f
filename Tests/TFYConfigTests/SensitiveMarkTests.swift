import Testing
import TFYConfig
import TFYCore

/// Sensitive marks follow the value, element by element and key by key, through functions,
/// operators, `for`, splats, indexes and conditionals (Terraform's rule): one sensitive attribute
/// does not make everything built from its object sensitive, and nothing computed from a
/// sensitive value loses the mark.
@Suite(.timeLimit(.minutes(10)))
struct SensitiveMarkTests {
    static let secret = Value.sensitive(.string("s3cr3t"))
    /// Instances as resources give them: only `user_data` is sensitive.
    static let masters: Value = .list([
        .map(["id": .string("i-1"), "user_data": .sensitive(.string("boot1"))]),
        .map(["id": .string("i-2"), "user_data": .sensitive(.string("boot2"))]),
    ])
    static let workers: Value = .list([.map(["id": .string("i-3"), "user_data": .null])])

    let locals: [String: Value] = [
        "masters": masters, "workers": workers,
        "tags": .map(["Name": .string("m"), "Secret": secret]),
        "nested": .list([.list([.string("a"), secret]), .sensitive(.list([.string("b")]))]),
    ]
    let variables: [String: Value] = [
        "pw": secret,
        "key": .sensitive(.string("Name")),
        "flag": .sensitive(.bool(true)),
        "later": .sensitive(.unknown),
        "names": .sensitive(.list([.string("a"), .string("b")])),
        "creds": .sensitive(.map(["user": .string("admin")])),
    ]

    func value(_ text: String) throws -> Value { try evaluateExpression(text, locals: locals, variables: variables) }

    @Test func concatKeepsEachElementsOwnMarks() throws {
        #expect(try value("${concat(local.masters, local.workers)}") == .list([
            .map(["id": .string("i-1"), "user_data": .sensitive(.string("boot1"))]),
            .map(["id": .string("i-2"), "user_data": .sensitive(.string("boot2"))]),
            .map(["id": .string("i-3"), "user_data": .null]),
        ]))
        #expect(try value("${concat(local.masters, local.workers)[2].id}") == .string("i-3"))
        #expect(try value("${concat([\"a\"], [var.pw])}") == .list([.string("a"), Self.secret]))
        // A sensitive list hides its length, so where every later element lands: all is marked.
        #expect(try value("${concat(var.names, [\"c\"])}") == .sensitive(.list([.string("a"), .string("b"), .string("c")])))
    }

    @Test func mergeKeepsEachEntrysOwnMarks() throws {
        #expect(try value("${merge(local.tags, {Env = \"prod\"})}") == .map(["Name": .string("m"), "Secret": Self.secret, "Env": .string("prod")]))
        #expect(try value("${merge(local.tags, {Env = \"prod\"}).Env}") == .string("prod"))
        #expect(try value("${merge({a = 1}, var.creds)}") == .sensitive(.map(["a": .number(1), "user": .string("admin")])))
    }

    @Test func lookupKeepsTheChosenValuesMarksAndASensitiveKeyOrMapMarksIt() throws {
        #expect(try value("${lookup(local.tags, \"Name\")}") == .string("m"))
        #expect(try value("${lookup(local.tags, \"Secret\")}") == Self.secret)
        #expect(try value("${lookup(local.tags, \"Other\", \"x\")}") == .string("x"))
        #expect(try value("${lookup(local.tags, \"Other\", var.pw)}") == Self.secret)
        #expect(try value("${lookup(local.tags, var.key)}") == .sensitive(.string("m")))
        #expect(try value("${lookup(var.creds, \"user\")}") == .sensitive(.string("admin")))
        #expect(try value("${lookup(var.creds, \"other\", \"x\")}") == .sensitive(.string("x")))
    }

    @Test func forKeepsEachElementsMarksAndASensitiveConditionMarksTheResult() throws {
        #expect(try value("${[for m in concat(local.masters, local.workers) : m.id]}") == .list([.string("i-1"), .string("i-2"), .string("i-3")]))
        #expect(try value("${[for m in local.masters : m.user_data]}") == .list([.sensitive(.string("boot1")), .sensitive(.string("boot2"))]))
        #expect(try value("${[for k, v in local.tags : \"${k}=${v}\"]}") == .list([.string("Name=m"), .sensitive(.string("Secret=s3cr3t"))]))
        // Which elements an `if` keeps tells the condition.
        #expect(try value("${[for n in [\"a\", \"s3cr3t\"] : n if n != var.pw]}") == .sensitive(.list([.string("a")])))
        // A sensitive collection marks its keys too, so nothing made from them escapes.
        #expect(try value("${[for k, v in var.creds : k]}") == .sensitive(.list([.sensitive(.string("user"))])))
    }

    @Test func splatsIndexesAndConditionalsKeepMarks() throws {
        #expect(try value("${concat(local.masters, local.workers)[*].user_data}") == .list([.sensitive(.string("boot1")), .sensitive(.string("boot2")), .null]))
        #expect(try value("${local.masters[*].id}") == .list([.string("i-1"), .string("i-2")]))
        #expect(try value("${local.tags[var.key]}") == .sensitive(.string("m")))
        #expect(try value("${true ? local.masters[0] : local.workers[0]}") == .map(["id": .string("i-1"), "user_data": .sensitive(.string("boot1"))]))
        #expect(try value("${var.flag ? \"a\" : \"b\"}") == .sensitive(.string("a")))
        #expect(try value("${var.later ? \"a\" : \"b\"}") == .sensitive(.unknown))
        // Comparing a list that holds a secret tells about the secret.
        #expect(try value("${[var.pw] == [\"guess\"]}") == .sensitive(.bool(false)))
        #expect(try value("${{\"${var.key}\" = 1}}") == .sensitive(.map(["Name": .number(1)])))
    }

    @Test func collectionFunctionsKeepMarksPerElement() throws {
        #expect(try value("${element(local.masters, 1).id}") == .string("i-2"))
        #expect(try value("${element(var.names, 1)}") == .sensitive(.string("b")))
        #expect(try value("${flatten([[\"x\"], [var.pw]])}") == .list([.string("x"), Self.secret]))
        #expect(try value("${flatten(local.nested)}") == .sensitive(.list([.string("a"), Self.secret, .string("b")])))
        #expect(try value("${keys(local.tags)}") == .list([.string("Name"), .string("Secret")]))
        #expect(try value("${values(local.tags)}") == .list([.string("m"), Self.secret]))
        #expect(try value("${keys(var.creds)}") == .sensitive(.list([.string("user")])))
        #expect(try value("${length(local.masters)}") == .number(2))
        #expect(try value("${length(var.names)}") == .sensitive(.number(2)))
        #expect(try value("${tolist(local.masters)[0].id}") == .string("i-1"))
        #expect(try value("${tomap(local.tags).Name}") == .string("m"))
        #expect(try value("${coalesce(\"\", local.tags.Name, var.pw)}") == .string("m"))
        #expect(try value("${coalesce(var.pw, \"x\")}") == Self.secret)
        #expect(try value("${formatlist(\"%s!\", [\"a\", var.pw])}") == .list([.string("a!"), .sensitive(.string("s3cr3t!"))]))
        #expect(try value("${formatlist(\"%s!\", var.names)}") == .sensitive(.list([.sensitive(.string("a!")), .sensitive(.string("b!"))])))
    }

    @Test func canIsSensitiveWhenWhatItReadsIs() throws {
        // Both answers are marked, so neither gives the other away.
        #expect(try value("${can(tonumber(var.pw))}") == .sensitive(.bool(false)))
        #expect(try value("${can(upper(var.pw))}") == .sensitive(.bool(true)))
        #expect(try value("${[for t in values(local.tags) : can(tonumber(t))]}") == .list([.bool(false), .sensitive(.bool(false))]))
        #expect(try value("${can(local.masters[0].id)}") == .bool(true))
        #expect(try value("${can(local.masters[5].id)}") == .sensitive(.bool(false)))
        #expect(try value("${can(tonumber(local.tags.Name))}") == .bool(false))
    }

    @Test func functionsThatComputeANewValueMarkAllOfIt() throws {
        #expect(try value("${upper(var.pw)}") == .sensitive(.string("S3CR3T")))
        #expect(try value("${join(\",\", [\"a\", var.pw])}") == .sensitive(.string("a,s3cr3t")))
        #expect(try value("${format(\"%s-%s\", \"a\", var.pw)}") == .sensitive(.string("a-s3cr3t")))
        #expect(try value("${jsonencode(local.tags)}") == .sensitive(.string("{\"Name\":\"m\",\"Secret\":\"s3cr3t\"}")))
        #expect(try value("${contains([\"a\", var.pw], \"a\")}") == .sensitive(.bool(true)))
        #expect(try value("${distinct([\"a\", var.pw, \"a\"])}") == .sensitive(.list([.string("a"), .string("s3cr3t")])))
        #expect(try value("${split(\"3\", var.pw)}") == .sensitive(.list([.string("s"), .string("cr"), .string("t")])))
        #expect(try value("${upper(local.tags.Name)}") == .string("M"))
    }
}

/// Every diagnostic that would quote a value says `(sensitive value)` when any part of it is
/// sensitive (Terraform's wording).
@Suite(.timeLimit(.minutes(10)))
struct SensitiveDiagnosticTests {
    let locals: [String: Value] = ["tags": .map(["Name": .string("m")])]
    let variables: [String: Value] = [
        "pw": .sensitive(.string("s3cr3t")),
        "near": .sensitive(.string("Nam")),
        "n": .sensitive(.number(7)),
        "names": .sensitive(.list([.string("a")])),
        "creds": .sensitive(.map(["user": .string("admin")])),
    ]

    @Test(arguments: [
        ("${file(var.pw)}", "Invalid function argument", "Invalid value for \"path\" parameter: no file exists at (sensitive value); this function works only with files that are distributed as part of the configuration source code."),
        ("${templatefile(var.pw, {})}", "Invalid function argument", "Invalid value for \"path\" parameter: no file exists at (sensitive value); this function works only with files that are distributed as part of the configuration source code."),
        ("${local.tags[var.near]}", "Invalid index", "The map has no element with the key (sensitive value)."),
        ("${var.creds[\"usr\"]}", "Invalid index", "The map has no element with the key (sensitive value)."),
        ("${var.creds.usr}", "Unsupported attribute", "This object does not have an attribute named \"usr\"."),
        ("${[\"a\"][var.n]}", "Invalid index", "The index (sensitive value) is out of range for the list of 1 element."),
        ("${var.names[3]}", "Invalid index", "The index 3 is out of range for the list, which is sensitive."),
        ("${[\"a\"][var.pw]}", "Invalid index", "A list index must be a whole number, not (sensitive value)."),
        ("${lookup(local.tags, var.near)}", "Error in function call", "Call to function \"lookup\" failed: the given key (sensitive value) is not in the map, and no default was given."),
        ("${lookup(var.creds, \"usr\")}", "Error in function call", "Call to function \"lookup\" failed: the given key (sensitive value) is not in the map, and no default was given."),
        ("${tonumber(var.pw)}", "Invalid function argument", "Invalid value for \"v\" parameter: cannot convert (sensitive value) to number."),
        ("${format(\"%d\", var.n / 2)}", "Invalid function argument", "Invalid value for \"args\" parameter: %d requires a whole number, not (sensitive value)."),
        ("${element([\"a\"], var.n / 2)}", "Invalid function argument", "Invalid value for \"index\" parameter: a whole number is required, not (sensitive value)."),
        ("${range(0, var.n, -1)}", "Error in function call", "Call to function \"range\" failed: the step -1 moves away from the limit (sensitive value)."),
    ])
    func errorsQuoteNoSensitiveValue(_ text: String, _ summary: String, _ detail: String) {
        do {
            let value = try evaluateExpression(text, locals: locals, variables: variables)
            Issue.record("expected an error, got \(value)")
        } catch let error as EvaluationError {
            #expect(error.diagnostic.summary == summary)
            #expect(error.diagnostic.detail == detail)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aTemplatefileErrorQuotesNoSensitiveVariable() throws {
        try withTemporaryDirectory { directory in
            write("port ${tonumber(pw)}\n", to: directory + "/t.tpl")
            let parsed = try ExpressionParser.parseString("${templatefile(\"t.tpl\", {pw = var.pw})}", sourceMap: .startOnly(SourceLocation(file: "test", line: 1, column: 1))).get()
            var scope = EvaluationScope()
            scope.variables = variables
            scope.moduleDirectory = directory
            do {
                let value = try Evaluator(scope: scope).evaluate(parsed)
                Issue.record("expected an error, got \(value)")
            } catch let error as EvaluationError {
                #expect(error.diagnostic.detail == "Call to function \"templatefile\" failed: the template \"t.tpl\" could not be rendered: Invalid value for \"v\" parameter: cannot convert (sensitive value) to number.")
            }
        }
    }

    let config = """
        variable:
          pin: {type: number, sensitive: true}
          ports: {type: "map(number)", sensitive: true}
          zones: {type: "list(string)", sensitive: true}
        """

    func resolve(_ inputs: [VariableInput]) -> Diagnostics {
        let (configuration, _) = ConfigurationLoader(resourceTypes: .standard).load(files: [SourceFile(name: "v.yml", bytes: Array(config.utf8))], directory: ".", defaultStack: "s")
        return VariableResolver(missingRequired: .unknown).resolve(configuration, inputs: inputs).2
    }

    @Test func aSensitiveVariablesTypeErrorSaysWhatWasRequiredNotWhatWasGiven() {
        let commandLine = resolve([VariableInput(name: "pin", raw: .text("s3cr3t"), origin: .commandLine)])
        #expect(commandLine.errors.map(\.detail) == ["The value given by the -var option is not suitable for var.pin declared at v.yml:2:3, which is sensitive: a number is required."])
        let environment = resolve(VariableInput.fromEnvironment(["TFY_VAR_zones": "[s3cr3t"]))
        #expect(environment.errors.map(\.detail) == ["The value given by the environment variable TFY_VAR_zones is not suitable for var.zones declared at v.yml:4:3, which is sensitive: it is not a valid list(string) value."])
        let (file, _) = VariableInput.fromFile(path: "f.yml", bytes: Array("ports: {http: s3cr3t}\n".utf8))
        let fromFile = resolve(file)
        #expect(fromFile.errors.map(\.detail) == ["The value given by the variable file \"f.yml\" is not suitable for var.ports declared at v.yml:3:3, which is sensitive: an element: a number is required."])
        #expect(fromFile.errors.first?.location == SourceLocation(file: "f.yml", line: 1, column: 8))
    }
}
