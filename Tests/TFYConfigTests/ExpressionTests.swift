import Testing
import TFYConfig
import TFYCore

@Suite(.timeLimit(.minutes(30)))
struct ExpressionTests {
    @Test(arguments: [
        ("${1 + 2 * 3}", Value.number(7)),
        ("${(1 + 2) * 3}", .number(9)),
        ("${10 - 4 - 3}", .number(3)),
        ("${7 % 4 + 1}", .number(4)),
        ("${1 + 2 > 2 && 3 == 3}", .bool(true)),
        ("${false || true && false}", .bool(false)),
        ("${!false == true}", .bool(true)),
        ("${-2 * -3}", .number(6)),
        ("${1 < 2 ? \"yes\" : \"no\"}", .string("yes")),
        ("${true ? 1 : 0 + 5}", .number(1)),
        ("${\"5\" + 1}", .number(6)),
        ("${[1, \"a\", true]}", .list([.number(1), .string("a"), .bool(true)])),
        ("${{a = 1, \"b\": 2}}", .map(["a": .number(1), "b": .number(2)])),
        ("${null}", .null),
        ("${1.5e2}", .number(150)),
        ("a-${1 + 1}-b", .string("a-2-b")),
        ("$${literal}", .string("${literal}")),
        ("${\"nested ${1 + 1}\"}", .string("nested 2")),
        ("${\"tab\\tquote\\\"\"}", .string("tab\tquote\"")),
    ])
    func operatorsAndLiterals(_ text: String, _ expected: Value) throws {
        #expect(try evaluateExpression(text) == expected)
    }

    @Test func aSingleInterpolationKeepsItsType() throws {
        #expect(try evaluateExpression("${local.n}", locals: ["n": .number(3)]) == .number(3))
        #expect(try evaluateExpression(" ${local.n}", locals: ["n": .number(3)]) == .string(" 3"))
        #expect(try evaluateExpression("${local.l}", locals: ["l": .list([.string("a")])]) == .list([.string("a")]))
    }

    @Test func unknownValuesPropagate() throws {
        let locals: [String: Value] = ["ip": .unknown, "ips": .list([.string("1.1.1.1"), .unknown])]
        #expect(try evaluateExpression("http://${local.ip}:19999", locals: locals) == .unknown)
        #expect(try evaluateExpression("${local.ip == \"x\"}", locals: locals) == .unknown)
        #expect(try evaluateExpression("${local.ip ? 1 : 2}", locals: locals) == .unknown)
        #expect(try evaluateExpression("${join(\",\", local.ips)}", locals: locals) == .unknown)
        #expect(try evaluateExpression("${length(local.ips)}", locals: locals) == .number(2))
        #expect(try evaluateExpression("${local.ips[0]}", locals: locals) == .string("1.1.1.1"))
        #expect(try evaluateExpression("${local.ip[3].x}", locals: locals) == .unknown)
    }

    @Test func sensitiveMarksSurviveOperations() throws {
        let variables: [String: Value] = ["secret": .sensitive(.string("hunter2")), "n": .sensitive(.number(2))]
        #expect(try evaluateExpression("pw=${var.secret}", variables: variables) == .sensitive(.string("pw=hunter2")))
        #expect(try evaluateExpression("${var.n + 1}", variables: variables) == .sensitive(.number(3)))
        #expect(try evaluateExpression("${upper(var.secret)}", variables: variables) == .sensitive(.string("HUNTER2")))
        #expect(try evaluateExpression("${[var.secret]}", variables: variables) == .list([.sensitive(.string("hunter2"))]))
        #expect(Value.sensitive(.string("hunter2")).description == "(sensitive value)")
    }

    @Test func splatsAndIndexes() throws {
        let nodes: Value = .list([.map(["ip": .string("a"), "tags": .map(["Name": .string("m1")])]),
                                  .map(["ip": .string("b"), "tags": .map(["Name": .string("m2")])])])
        #expect(try evaluateExpression("${local.nodes[*].ip}", locals: ["nodes": nodes]) == .list([.string("a"), .string("b")]))
        #expect(try evaluateExpression("${local.nodes[*].tags.Name}", locals: ["nodes": nodes]) == .list([.string("m1"), .string("m2")]))
        #expect(try evaluateExpression("${local.nodes.*.ip}", locals: ["nodes": nodes]) == .list([.string("a"), .string("b")]))
        #expect(try evaluateExpression("${local.nodes[1].ip}", locals: ["nodes": nodes]) == .string("b"))
        #expect(try evaluateExpression("${local.nodes.0.ip}", locals: ["nodes": nodes]) == .string("a"))
        #expect(try evaluateExpression("${local.m[\"k\"]}", locals: ["m": .map(["k": .number(1)])]) == .number(1))
    }

    @Test(arguments: [
        ("${join(\",\", [\"a\", \"b\", 3])}", Value.string("a,b,3")),
        ("${format(\"%s-%03d-%t-%.2f-%q\", \"x\", 7, true, 1.5, \"y\")}", .string("x-007-true-1.50-\"y\"")),
        ("${format(\"%-4s|%v\", \"a\", [1])}", .string("a   |[1]")),
        ("${formatlist(\"%s %s\", [\"10.0.0.1\", \"10.0.0.2\"], \"node\")}", .list([.string("10.0.0.1 node"), .string("10.0.0.2 node")])),
        ("${join(\",\", formatlist(\"%s=%d\", [\"a\", \"b\"], [1, 2]))}", .string("a=1,b=2")),
        ("${length(\"héllo\")}", .number(5)),
        ("${length({a = 1})}", .number(1)),
        ("${concat([1], [2, 3], [])}", .list([.number(1), .number(2), .number(3)])),
        ("${range(3)}", .list([.number(0), .number(1), .number(2)])),
        ("${range(1, 7, 2)}", .list([.number(1), .number(3), .number(5)])),
        ("${range(3, 0)}", .list([.number(3), .number(2), .number(1)])),
        ("${element([\"a\", \"b\"], 3)}", .string("b")),
        ("${lookup({a = 1}, \"b\", 9)}", .number(9)),
        ("${lookup({a = 1}, \"a\")}", .number(1)),
        ("${sha256(\"abc\")}", .string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")),
        ("${base64encode(\"tfy\")}", .string("dGZ5")),
        ("${base64decode(\"dGZ5\")}", .string("tfy")),
        ("${tostring(5)}", .string("5")),
        ("${tonumber(\"2.5\")}", .number(2.5)),
        ("${min(3, 1, 2)}", .number(1)),
        ("${max(3, 1, 2)}", .number(3)),
        ("${max([4, 9]...)}", .number(9)),
        ("${split(\",\", \"a,b\")}", .list([.string("a"), .string("b")])),
        ("${replace(\"a-b-c\", \"-\", \"_\")}", .string("a_b_c")),
        ("${upper(\"a\")}${lower(\"B\")}${trimspace(\"  c \")}", .string("Abc")),
        ("${keys({b = 1, a = 2})}", .list([.string("a"), .string("b")])),
        ("${values({b = 1, a = 2})}", .list([.number(2), .number(1)])),
        ("${merge({a = 1}, {a = 2, b = 3})}", .map(["a": .number(2), "b": .number(3)])),
        ("${contains([\"a\"], \"a\")}", .bool(true)),
        ("${coalesce(\"\", null, \"x\")}", .string("x")),
        ("${jsonencode({b = [1, true], a = \"<x>\"})}", .string("{\"a\":\"\\u003cx\\u003e\",\"b\":[1,true]}")),
        ("${flatten([[1], [[2]], 3])}", .list([.number(1), .number(2), .number(3)])),
        ("${distinct([1, 1, 2])}", .list([.number(1), .number(2)])),
        ("${abs(-2)}${ceil(1.2)}${floor(1.8)}", .string("221")),
        ("${can(tonumber(\"0.05\"))}${can(tonumber(\"cheap\"))}", .string("truefalse")),
        ("${[for x in [1, 2, 3] : x * 2]}", .list([.number(2), .number(4), .number(6)])),
        ("${[for i, x in [\"a\", \"b\"] : \"${i}=${x}\"]}", .list([.string("0=a"), .string("1=b")])),
        ("${[for k, v in {b = 2, a = 1} : \"${k}${v}\" if v > 1]}", .list([.string("b2")])),
        ("${[for d in [{n = 1}, {m = 2}] : lookup(d, \"n\", 0)]}", .list([.number(1), .number(0)])),
        ("${[for x in [[1, 2], [3]] : [for y in x : y + length(x)]]}", .list([.list([.number(3), .number(4)]), .list([.number(4)])])),
        ("${[formatlist(\"%s\", [\"f\"]), 1]}", .list([.list([.string("f")]), .number(1)])),
    ])
    func functions(_ text: String, _ expected: Value) throws {
        #expect(try evaluateExpression(text) == expected)
    }

    @Test(arguments: [
        ("${join(\",\", 5)}", "Invalid function argument", "Invalid value for \"list\" parameter: list of string required."),
        ("${join(5)}", "Not enough function arguments", "Function \"join\" expects 2 arguments. Missing value for \"list\"."),
        ("${length(1, 2)}", "Too many function arguments", "Function \"length\" expects only 1 argument."),
        ("${lenght([])}", "Call to unknown function", "There is no function named \"lenght\". Did you mean \"length\"?"),
        ("${element([], 0)}", "Invalid function argument", "Invalid value for \"list\" parameter: cannot use element function with an empty list."),
        ("${[for x in 5 : x]}", "Iteration over non-iterable value", "A value of type number cannot be used as the collection in a for expression; use a list or a map."),
        ("${[for x in [1] : x if x]}", "Invalid for expression condition", "The condition of a for expression must be a bool, not a number."),
        ("${formatlist(\"%s%s\", [\"a\"], [\"b\", \"c\"])}", "Invalid function argument", "Invalid value for \"args\" parameter: all list arguments must have the same length: 1 and 2."),
        ("${format(\"%d\", 1.5)}", "Invalid function argument", "Invalid value for \"args\" parameter: %d requires a whole number, not 1.5."),
        ("${format(\"%s %s\", \"a\")}", "Error in function call", "Call to function \"format\" failed: not enough arguments for the format string: verb %s at position 2 has no argument."),
        ("${range(0, 1e9)}", "Error in function call", "Call to function \"range\" failed: more than 1000000 numbers would be produced."),
        ("${tonumber(\"x\")}", "Invalid function argument", "Invalid value for \"v\" parameter: cannot convert \"x\" to number."),
        ("${lookup({a = 1}, \"b\")}", "Error in function call", "Call to function \"lookup\" failed: the given key \"b\" is not in the map, and no default was given."),
        ("${1 / 0}", "Division by zero", "The right operand of \"/\" is zero; a number cannot be divided by zero."),
        ("${1 + true}", "Invalid operand", "Unsuitable value for right operand: a number is required."),
        ("${[1][5]}", "Invalid index", "The index 5 is out of range: the list has 1 element."),
        ("${{a = 1}.b}", "Unsupported attribute", "This object does not have an attribute named \"b\"."),
        ("${\"s\".x}", "Unsupported attribute", "Can't access attributes on a primitive-typed value (string)."),
        ("${count.index}", "Reference to \"count\" in non-counted context", "The \"count\" object can only be used in a resource block whose \"count\" argument is set."),
        ("${self.x}", "Invalid \"self\" reference", "\"self\" can only be used inside a \"connection\" block, where it refers to the resource instance itself."),
    ])
    func errors(_ text: String, _ summary: String, _ detail: String) {
        do {
            let value = try evaluateExpression(text)
            Issue.record("expected an error, got \(value)")
        } catch let error as EvaluationError {
            #expect(error.diagnostic.summary == summary)
            #expect(error.diagnostic.detail == detail)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test(arguments: [
        ("${1 +}", "Invalid expression", 6),
        ("${", "Invalid expression", 3),
        ("ab ${x", "Unclosed template interpolation", 4),
        ("${\"open}", "Unterminated template string", 3),
        ("${\"\\q\"}", "Invalid escape sequence", 4),
        ("${1 2}", "Invalid expression", 5),
        ("${a.}", "Invalid attribute name", 5),
        ("${[for x on y : x]}", "Invalid for expression", 10),
        ("${[for x in y : x if]}", "Invalid expression", 21),
    ])
    func parseErrorsPointAtTheProblem(_ text: String, _ summary: String, _ column: Int) {
        let location = SourceLocation(file: "f.yml", line: 3, column: 10)
        let map = ScalarSourceMap.verbatim(startingAt: location)
        switch ExpressionParser.parseString(text, sourceMap: map) {
        case .success(let e): Issue.record("parsed \(e)")
        case .failure(let error):
            #expect(error.diagnostic.summary == summary)
            #expect(error.diagnostic.location == SourceLocation(file: "f.yml", line: 3, column: 10 + column - 1))
        }
    }

    @Test func deeplyNestedExpressionIsAnErrorNotACrash() throws {
        let text = "${" + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + "}"
        switch ExpressionParser.parseString(text, sourceMap: .startOnly(SourceLocation(file: "f", line: 1, column: 1))) {
        case .success: Issue.record("expected an error")
        case .failure(let error): #expect(error.diagnostic.summary == "Expression too deeply nested")
        }
        let chain = "${" + Array(repeating: "1", count: 5000).joined(separator: " + ") + "}"
        switch ExpressionParser.parseString(chain, sourceMap: .startOnly(SourceLocation(file: "f", line: 1, column: 1))) {
        case .success: Issue.record("expected an error")
        case .failure(let error): #expect(error.diagnostic.summary == "Expression too deeply nested")
        }
        #expect(try evaluateExpression("${" + Array(repeating: "1", count: 50).joined(separator: " + ") + "}") == .number(50))
        let negations = "${" + String(repeating: "!", count: 5000) + "true}"
        switch ExpressionParser.parseString(negations, sourceMap: .startOnly(SourceLocation(file: "f", line: 1, column: 1))) {
        case .success: Issue.record("expected an error")
        case .failure(let error): #expect(error.diagnostic.summary == "Expression too deeply nested")
        }
    }
}

