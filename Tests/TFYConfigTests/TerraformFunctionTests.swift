import Foundation
import Testing
import TFYConfig
import TFYCore

/// The functions Terraform users reach for after the basics: values and error wording as
/// Terraform 1.11 gives them (`terraform console`), sensitive marks through each, and the
/// evaluation budget bounding what they build or how long they match.
@Suite(.timeLimit(.minutes(10)))
struct TerraformFunctionTests {
    static let secret = Value.sensitive(.string("s3cr3t"))
    let locals: [String: Value] = [
        "tpl": .string("Hello, ${name}!"),
        "tpl_self": .string("${templatestring(t, {t = t})}"),
        "later": .unknown,
    ]
    let variables: [String: Value] = [
        "pw": secret,
        "cidr": .sensitive(.string("10.0.0.0/16")),
        "names": .sensitive(.list([.string("a"), .string("b")])),
        "single": .sensitive(.list([.string("x")])),
        "doc": .sensitive(.string("a: [s3cr3t")),
        "json": .sensitive(.string("{\"s3cr3t\": ")),
    ]

    func value(_ text: String) throws -> Value { try evaluateExpression(text, locals: locals, variables: variables) }

    @Test(arguments: [
        (#"${zipmap(["a", "b"], [1, 2])}"#, Value.map(["a": .number(1), "b": .number(2)])),
        (#"${zipmap(["a", "a"], [1, 2])}"#, .map(["a": .number(2)])),
        (#"${zipmap([], [])}"#, .map([:])),
        (#"${setproduct(["a", "b"], [1, 2])}"#, .list([.list([.string("a"), .number(1)]), .list([.string("a"), .number(2)]),
                                                       .list([.string("b"), .number(1)]), .list([.string("b"), .number(2)])])),
        (#"${setproduct([], [1])}"#, .list([])),
        (#"${one([])}"#, .null),
        (#"${one(["x"])}"#, .string("x")),
        (#"${cidrsubnet("10.0.0.0/16", 8, 2)}"#, .string("10.0.2.0/24")),
        (#"${cidrsubnet("10.1.2.3/16", 0, 0)}"#, .string("10.1.0.0/16")),
        (#"${cidrsubnet("172.16.0.0/12", 4, 15)}"#, .string("172.31.0.0/16")),
        (#"${cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)}"#, .string("fd00:fd12:3456:7800:a200::/72")),
        (#"${cidrsubnet("::/0", 64, 3)}"#, .string("0:0:0:3::/64")),
        (#"${cidrhost("10.12.112.0/20", 16)}"#, .string("10.12.112.16")),
        (#"${cidrhost("10.12.112.0/20", 268)}"#, .string("10.12.113.12")),
        (#"${cidrhost("10.12.112.0/20", -1)}"#, .string("10.12.127.255")),
        (#"${cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)}"#, .string("fd00:fd12:3456:7890::22")),
        (#"${cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)}"#, .list([.string("10.1.0.0/20"), .string("10.1.16.0/20"), .string("10.1.32.0/24"), .string("10.1.48.0/20")])),
        (#"${cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)}"#, .list([.string("fd00:fd12:3456:7800::/72"), .string("fd00:fd12:3456:7800:100::/72"), .string("fd00:fd12:3456:7800:200::/72"), .string("fd00:fd12:3456:7800:300::/88")])),
        (#"${cidrsubnets("10.0.0.0/8", 8, 4)}"#, .list([.string("10.0.0.0/16"), .string("10.16.0.0/12")])),
        (#"${cidrsubnets("10.0.0.0/24", 2, 1)}"#, .list([.string("10.0.0.0/26"), .string("10.0.0.128/25")])),
        (#"${cidrsubnets("10.0.0.0/24")}"#, .list([])),
        (#"${cidrnetmask("172.16.0.0/12")}"#, .string("255.240.0.0")),
        (#"${[for i in range(3) : cidrsubnet("10.0.0.0/16", 4, i)]}"#, .list([.string("10.0.0.0/20"), .string("10.0.16.0/20"), .string("10.0.32.0/20")])),
        (#"${try({a = 1}.b, "fallback")}"#, .string("fallback")),
        (#"${try({a = 1}.a, "fallback")}"#, .number(1)),
        (#"${try(local.later.x, "fallback")}"#, .unknown),
        (#"${jsondecode("{\"a\": [1, true, null, \"x\"]}")}"#, .map(["a": .list([.number(1), .bool(true), .null, .string("x")])])),
        (#"${jsondecode("\"s\"")}"#, .string("s")),
        (#"${yamldecode("a: 1\nb: [x, 2, true, null]\nc: {d: e}\n")}"#, .map(["a": .number(1), "b": .list([.string("x"), .number(2), .bool(true), .null]), "c": .map(["d": .string("e")])])),
        (#"${yamldecode("a: &x 1\nb: *x")}"#, .map(["a": .number(1), "b": .number(1)])),
        (#"${yamldecode("0x10")}"#, .number(16)),
        (#"${yamldecode("b: \"$${x}\"")}"#, .map(["b": .string("${x}")])),
        (#"${regex("[a-z]+", "53453453.345345aaabbbccc23454")}"#, .string("aaabbbccc")),
        (#"${regex("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01")}"#, .list([.string("2019"), .string("02"), .string("01")])),
        (#"${regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")}"#, .map(["scheme": .string("https"), "authority": .string("terraform.io")])),
        (#"${regex("(a)?b", "b")}"#, .list([.null])),
        (#"${regex("(?P<account_id>\\d+):role/(?P<role>.+)$", "arn:aws:iam::123456789012:role/admin")}"#, .map(["account_id": .string("123456789012"), "role": .string("admin")])),
        (#"${regex("(?i)ABC", "xabcx")}"#, .string("abc")),
        (#"${regex("\\w+", "héllo")}"#, .string("h")),
        (#"${regex("\\pL+", "héllo1")}"#, .string("héllo")),
        (#"${regex("[[:alpha:]-]+", "ab-c1")}"#, .string("ab-c")),
        (#"${regex("[\\d.]+", "v1.25")}"#, .string("1.25")),
        (#"${regex("\\Q1+1\\E", "a1+1")}"#, .string("1+1")),
        (#"${regex("\\p{Greek}+", "abcαβγ")}"#, .string("αβγ")),
        (#"${regex("a{2}b{,3}c{x}", "aab{,3}c{x}")}"#, .string("aab{,3}c{x}")),
        (#"${regex("[]a]+", "a]b")}"#, .string("a]")),
        (#"${regex("[a-c&&b]+", "a&&b")}"#, .string("a&&b")),
        (#"${regex("(?P<a>x)(?P<a>y)", "xy")}"#, .map(["a": .string("y")])),
        (#"${regexall("a|", "baab")}"#, .list([.string(""), .string("a"), .string("a"), .string("")])),
        (#"${replace("a-b", "/(?P<first>\\w)-(?P<second>\\w)/", "$second-$first")}"#, .string("b-a")),
        (#"${replace("foo", "/(o)/", "$${1}0")}"#, .string("fo0o0")),
        (#"${regexall("[a-z]+", "1234abcd5678efgh9")}"#, .list([.string("abcd"), .string("efgh")])),
        (#"${regexall("(\\d)(x)?", "1x2")}"#, .list([.list([.string("1"), .string("x")]), .list([.string("2"), .null])])),
        (#"${regexall("z", "abc")}"#, .list([])),
        (#"${regexall("", "ab")}"#, .list([.string(""), .string(""), .string("")])),
        (#"${length(regexall("^[a-z]+$", "abc\n"))}"#, .number(0)),
        (#"${length(regexall("(?m)^[a-z]+$", "abc\ndef"))}"#, .number(2)),
        (#"${replace("1 + 2 + 3", "+", "-")}"#, .string("1 - 2 - 3")),
        (#"${replace("hello world", "/w.*d/", "everybody")}"#, .string("hello everybody")),
        (#"${replace("a1b22", "/(\\d+)/", "<$1>")}"#, .string("a<1>b<22>")),
        (#"${replace("a1b22", "/(?P<n>\\d+)/", "<$${n}>")}"#, .string("a<1>b<22>")),
        (#"${replace("abc", "/(b)/", "$1x")}"#, .string("ac")),
        (#"${replace("abc", "/b/", "$$")}"#, .string("a$c")),
        (#"${replace("abc", "//", "-")}"#, .string("-a-b-c-")),
        (#"${replace("abc", "/", "-")}"#, .string("abc")),
        (#"${replace("baaac", "/a*/", "-")}"#, .string("-b-c-")),
        (#"${replace("héllo wörld", "/[öé]/", "_")}"#, .string("h_llo w_rld")),
        (#"${templatestring(local.tpl, {name = "Jodie"})}"#, .string("Hello, Jodie!")),
        (#"${base64decode(base64encode("tfy ☃"))}"#, .string("tfy ☃")),
        (#"${sha256("")}"#, .string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")),
    ])
    func values(_ text: String, _ expected: Value) throws {
        #expect(try value(text) == expected)
    }

    /// Terraform's text for each case, from `terraform console`.
    @Test(arguments: [
        (#"${yamlencode({a = 1, b = ["x", "y"], c = {}, d = [], e = null, f = true, g = "multi\nline", h = "", i = 1.5, "k k" = "v: w", j = [{x = 1, y = [2]}], l = [[1, 2], []]})}"#,
         "\"a\": 1\n\"b\":\n- \"x\"\n- \"y\"\n\"c\": {}\n\"d\": []\n\"e\": null\n\"f\": true\n\"g\": |-\n  multi\n  line\n\"h\": \"\"\n\"i\": 1.5\n\"j\":\n- \"x\": 1\n  \"y\":\n  - 2\n\"k k\": \"v: w\"\n\"l\":\n- - 1\n  - 2\n- []\n"),
        (#"${yamlencode("x")}"#, "\"x\"\n"),
        (#"${yamlencode([])}"#, "[]\n"),
        (#"${yamlencode(1)}"#, "1\n...\n"),
        (#"${yamlencode(1e20)}"#, "100000000000000000000\n...\n"),
        (#"${yamlencode(1e-7)}"#, "0.0000001\n...\n"),
        (#"${yamlencode(-1.5)}"#, "-1.5\n...\n"),
        (#"${yamlencode(null)}"#, "null\n...\n"),
        (#"${yamlencode(["123", "true", "null", "-", "a#b"])}"#, "- \"123\"\n- \"true\"\n- \"null\"\n- \"-\"\n- \"a#b\"\n"),
        (#"${yamlencode("a\n")}"#, "|\n  a\n"),
        (#"${yamlencode({x = " a\nb"})}"#, "\"x\": |2-\n   a\n  b\n"),
        (#"${yamlencode({x = "a\n\n"})}"#, "\"x\": |+\n  a\n\n"),
        (#"${yamlencode("tab\there")}"#, "\"tab\\there\"\n"),
        (#"${yamlencode("héllo ☃ \u0001")}"#, "\"héllo ☃ \\x01\"\n"),
        (#"${yamlencode({a = {b = {c = 1}}})}"#, "\"a\":\n  \"b\":\n    \"c\": 1\n"),
        (#"${yamlencode([{}])}"#, "- {}\n"),
        (#"${yamlencode("a\r\nb")}"#, "\"a\\r\\nb\"\n"),
        (#"${yamlencode({x = ["a\nb"]})}"#, "\"x\":\n- |-\n  a\n  b\n"),
        (#"${yamlencode("a  \nb")}"#, "\"a  \\nb\"\n"),
        // Long values fold past column 80 as libyaml folds them (a second space kept with "\").
        (#"${yamlencode(join("", [for i in range(30) : "abcd "]))}"#,
         "\"abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd\n  abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd abcd \"\n"),
        (#"${yamlencode({a = {b = join(" ", [for i in range(40) : "wörd"])}})}"#,
         "\"a\":\n  \"b\": \"\(Array(repeating: "wörd", count: 15).joined(separator: " "))\n    \(Array(repeating: "wörd", count: 16).joined(separator: " "))\n    \(Array(repeating: "wörd", count: 9).joined(separator: " "))\"\n"),
        (#"${yamlencode(join("", [for i in range(20) : "abcdefg  "]))}"#,
         "\"\(Array(repeating: "abcdefg", count: 10).joined(separator: "  "))\n  \\ \(Array(repeating: "abcdefg", count: 9).joined(separator: "  "))\n  \\ abcdefg  \"\n"),
        (#"${yamlencode({x = "a\u0085b\nc"})}"#, "\"x\": \"a\\Nb\\nc\"\n"),
        (#"${yamlencode(-0)}"#, "-0\n...\n"),
        (#"${yamlencode(123456.789e3)}"#, "123456789\n...\n"),
        (#"${jsonencode(jsondecode("{\"b\": [1, 2.5], \"a\": {}}"))}"#, "{\"a\":{},\"b\":[1,2.5]}"),
    ])
    func encodings(_ text: String, _ expected: String) throws {
        #expect(try value(text) == .string(expected))
    }

    /// What yamlencode writes, yamldecode reads back as the same value.
    @Test func yamlRoundTrips() throws {
        let original = #"{a = 1, b = ["x", "y\nz", " lead\n"], c = {d = [[], {}], "e f" = "tab\t\u0001"}, g = 1e-7, h = "a  \nb"}"#
        #expect(try value("${yamldecode(yamlencode(\(original)))}") == value("${\(original)}"))
    }

    @Test(arguments: [
        (#"${zipmap(["a", "b"], [1])}"#, "Error in function call", #"Call to function "zipmap" failed: number of keys (2) does not match number of values (1)."#, 3),
        (#"${zipmap([null], [1])}"#, "Error in function call", #"Call to function "zipmap" failed: keys list has null value at index 0."#, 3),
        (#"${setproduct(["a"])}"#, "Error in function call", #"Call to function "setproduct" failed: at least two arguments are required."#, 3),
        (#"${one([1, 2])}"#, "Invalid function argument", #"Invalid value for "list" parameter: must be a list, set, or tuple value with either zero or one elements."#, 7),
        (#"${one({a = 1})}"#, "Invalid function argument", #"Invalid value for "list" parameter: must be a list, set, or tuple value with either zero or one elements."#, 7),
        (#"${cidrsubnet("10.0.0.0/16", 8, 256)}"#, "Error in function call", #"Call to function "cidrsubnet" failed: prefix extension of 8 does not accommodate a subnet numbered 256."#, 3),
        (#"${cidrsubnet("10.0.0.0/16", 20, 2)}"#, "Error in function call", #"Call to function "cidrsubnet" failed: insufficient address space to extend prefix of 16 by 20."#, 3),
        (#"${cidrsubnet("10.0.0.0/33", 8, 2)}"#, "Error in function call", #"Call to function "cidrsubnet" failed: invalid CIDR expression: invalid CIDR address: 10.0.0.0/33."#, 3),
        (#"${cidrsubnet("10.0.0.0", 8, 2)}"#, "Error in function call", #"Call to function "cidrsubnet" failed: invalid CIDR expression: invalid CIDR address: 10.0.0.0."#, 3),
        (#"${cidrsubnet("10.0.0.0/16", -1, 2)}"#, "Invalid function argument", #"Invalid value for "newbits" parameter: must not be negative."#, 29),
        (#"${cidrsubnet("10.0.0.0/16", 8, -1)}"#, "Invalid function argument", #"Invalid value for "netnum" parameter: must not be negative."#, 32),
        (#"${cidrsubnet("10.0.0.0/16", 1.5, 2)}"#, "Invalid function argument", #"Invalid value for "newbits" parameter: a whole number is required, not 1.5."#, 29),
        (#"${cidrhost("10.12.112.0/20", 5000)}"#, "Error in function call", #"Call to function "cidrhost" failed: prefix of 20 does not accommodate a host numbered 5000."#, 3),
        (#"${cidrhost("10.12.112.0/20", -5000)}"#, "Error in function call", #"Call to function "cidrhost" failed: prefix of 20 does not accommodate a host numbered -904."#, 3),
        (#"${cidrsubnets("10.0.0.0/24", 1, 1, 1)}"#, "Invalid function argument", #"Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25."#, 36),
        (#"${cidrsubnets("10.0.0.0/24", 30)}"#, "Invalid function argument", #"Invalid value for "newbits" parameter: would extend prefix to 54 bits, which is too long for an IPv4 address."#, 30),
        (#"${cidrsubnets("10.0.0.0/24", 1, 0)}"#, "Invalid function argument", #"Invalid value for "newbits" parameter: must extend prefix by at least one bit."#, 33),
        (#"${cidrsubnets("0.0.0.0/0", 1, 1)}"#, "Invalid function argument", #"Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of 1 bits after 128.0.0.0/1."#, 28),
        (#"${cidrnetmask("fd00::/56")}"#, "Error in function call", #"Call to function "cidrnetmask" failed: IPv6 addresses cannot have a netmask: fd00::/56."#, 3),
        (#"${try({a = 1}.b, [1][5])}"#, "Error in function call",
         "Call to function \"try\" failed: no expression succeeded:\n- Unsupported attribute: This object does not have an attribute named \"b\" (at f.yml:1:15)\n- Invalid index: The index 5 is out of range: the list has 1 element (at f.yml:1:21)\nAt least one expression must produce a successful result.", 3),
        (#"${try()}"#, "Error in function call", #"Call to function "try" failed: at least one argument is required."#, 3),
        (#"${jsondecode("{")}"#, "Error in function call", #"Call to function "jsondecode" failed: line 1, column 2: expected a string key."#, 3),
        (#"${yamldecode("a: [")}"#, "Error in function call", #"Call to function "yamldecode" failed: on line 2, column 1: Did not find expected node content while parsing a flow node."#, 3),
        (#"${yamldecode("")}"#, "Error in function call", #"Call to function "yamldecode" failed: on line 1, column 1: missing start of document."#, 3),
        (#"${yamldecode("a: 1\n---\nb: 2\n")}"#, "Error in function call", #"Call to function "yamldecode" failed: on line 2, column 1: unexpected extra content after value."#, 3),
        (#"${yamldecode("? [a]\n: 1")}"#, "Error in function call", #"Call to function "yamldecode" failed: on line 1, column 3: Mapping keys must be plain strings, not a list."#, 3),
        (#"${regex("[a-z]+", "123")}"#, "Error in function call", #"Call to function "regex" failed: pattern did not match any part of the given string."#, 3),
        (#"${regex("(a)(?P<b>b)", "ab")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: cannot mix both named and unnamed capture groups."#, 9),
        (#"${regex("(a)\\1", "aa")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \1."#, 9),
        (#"${regex("(?=a)", "aa")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?=."#, 9),
        (#"${regex("[", "aa")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [."#, 9),
        (#"${regex("a**", "aa")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: invalid nested repetition operator in **."#, 9),
        (#"${regex("x{1001}", "x")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {1001}."#, 9),
        (#"${regex("(", "x")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ) in (."#, 9),
        (#"${regex(")", "x")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: unexpected ) in )."#, 9),
        (#"${regex("a|*", "x")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: missing argument to repetition operator in *."#, 9),
        (#"${regex("\\Z", "x")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \Z."#, 9),
        (#"${regex("a{2", "aa")}"#, "Error in function call", #"Call to function "regex" failed: pattern did not match any part of the given string."#, 3),
        (#"${replace("abc", "/(/", "x")}"#, "Invalid function argument", #"Invalid value for "substr" parameter: invalid regexp pattern: missing closing ) in (."#, 18),
        (#"${regex("a[", "aa")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [."#, 9),
        (#"${regex("(?<=a)b", "ab")}"#, "Invalid function argument", #"Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?<."#, 9),
        (#"${templatestring("hello $${x}", {x = 1})}"#, "Invalid function argument", #"Invalid value for "template" parameter: invalid template expression: templatestring is only for rendering templates retrieved dynamically from elsewhere, and so does not support providing a literal template; consider using a template string expression instead."#, 18),
        (#"${templatestring(local.tpl, {})}"#, "Error in function call", #"Call to function "templatestring" failed: the template could not be rendered: "name" alone is not a value; references start with var., local., count., self., path. or a resource type."#, 3),
    ])
    func errorsAreLocated(_ text: String, _ summary: String, _ detail: String, _ column: Int) {
        let failure = evaluationFailure(text, locals: locals, variables: variables)
        #expect(failure?.summary == summary)
        #expect(failure?.detail == detail)
        #expect(failure?.column == column)
    }

    /// `fileexists`: true for a regular file of any size (it is not read), false when nothing is
    /// there, an error for a directory.
    @Test func fileexistsTellsWhetherARegularFileIsThere() throws {
        let directory = NSTemporaryDirectory() + "tfy-fileexists-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Larger than file() reads: fileexists only looks.
        #expect(FileManager.default.createFile(atPath: directory + "/big", contents: nil))
        truncate(directory + "/big", 17 << 20)
        #expect(try value("${fileexists(\"\(directory)/big\")}") == .bool(true))
        #expect(try value("${fileexists(\"\(directory)/none\")}") == .bool(false))
        #expect(try value("${fileexists(\"\(directory)/none/deeper\")}") == .bool(false))
        let failure = evaluationFailure("${fileexists(\"\(directory)\")}", locals: locals, variables: variables)
        #expect(failure?.summary == "Error in function call")
        #expect(failure?.detail == "Call to function \"fileexists\" failed: \"\(directory)\" is a directory, not a regular file.")
    }

    /// Every new function gives a sensitive result from a sensitive input, and its errors quote
    /// nothing of it.
    @Test func sensitiveInputsGiveSensitiveResults() throws {
        #expect(try value(#"${zipmap(["k"], [var.pw])}"#) == .map(["k": Self.secret]))
        #expect(try value(#"${zipmap([var.pw], ["v"])}"#) == .sensitive(.map(["s3cr3t": .string("v")])))
        #expect(try value(#"${zipmap(var.names, [1, 2])}"#) == .sensitive(.map(["a": .number(1), "b": .number(2)])))
        #expect(try value(#"${setproduct(var.names, [1])}"#) == .sensitive(.list([.list([.string("a"), .number(1)]), .list([.string("b"), .number(1)])])))
        #expect(try value(#"${setproduct([var.pw], [1])}"#) == .list([.list([Self.secret, .number(1)])]))
        #expect(try value(#"${one([var.pw])}"#) == Self.secret)
        #expect(try value(#"${one(var.single)}"#) == .sensitive(.string("x")))
        #expect(try value(#"${cidrsubnet(var.cidr, 8, 1)}"#) == .sensitive(.string("10.0.1.0/24")))
        #expect(try value(#"${cidrhost(var.cidr, 5)}"#) == .sensitive(.string("10.0.0.5")))
        #expect(try value(#"${cidrsubnets(var.cidr, 8, 8)}"#) == .sensitive(.list([.string("10.0.0.0/24"), .string("10.0.1.0/24")])))
        #expect(try value(#"${cidrnetmask(var.cidr)}"#) == .sensitive(.string("255.255.0.0")))
        #expect(try value(#"${jsondecode(jsonencode({p = var.pw}))}"#) == .sensitive(.map(["p": .string("s3cr3t")])))
        #expect(try value(#"${yamldecode(yamlencode([var.pw]))}"#) == .sensitive(.list([.string("s3cr3t")])))
        #expect(try value(#"${yamlencode({p = var.pw})}"#) == .sensitive(.string("\"p\": \"s3cr3t\"\n")))
        #expect(try value(#"${regex("c(r)", var.pw)}"#) == .sensitive(.list([.string("r")])))
        #expect(try value(#"${regexall(var.pw, "s3cr3t")}"#) == .sensitive(.list([.string("s3cr3t")])))
        #expect(try value(#"${replace(var.pw, "/\\d/", "_")}"#) == .sensitive(.string("s_cr_t")))
        #expect(try value(#"${templatestring(local.tpl, {name = var.pw})}"#) == .sensitive(.string("Hello, s3cr3t!")))
        #expect(try value(#"${base64encode(var.pw)}"#) == .sensitive(.string("czNjcjN0")))
        #expect(try value(#"${sha256(var.pw)}"#) == .sensitive(.string("4e738ca5563c06cfd0018299933d58db1dd8bf97f6973dc99bf6cdc64b5550bd")))
        // try: the value keeps its marks; a failed expression that read a secret decided the
        // choice, so it marks the result.
        #expect(try value(#"${try(var.pw, "x")}"#) == Self.secret)
        #expect(try value(#"${try(tonumber(var.pw), "x")}"#) == .sensitive(.string("x")))
        #expect(try value(#"${try(tonumber("x"), "y")}"#) == .string("y"))

        for text in [#"${zipmap(var.names, [1])}"#, #"${cidrsubnet(var.cidr, 20, 1)}"#, #"${cidrhost(var.cidr, 70000)}"#,
                     #"${cidrsubnet(var.pw, 1, 1)}"#, #"${cidrsubnets(var.cidr, 1, 1, 1)}"#, #"${cidrnetmask(var.pw)}"#, #"${jsondecode(var.json)}"#, #"${yamldecode(var.doc)}"#, #"${regex(var.pw, "x")}"#,
                     #"${regex("[", var.pw)}"#, #"${regex("(", var.pw)}"#, #"${try(tonumber(var.pw), [var.pw][3])}"#,
                     #"${templatestring(local.tpl, {nom = var.pw})}"#] {
            let failure = evaluationFailure(text, locals: locals, variables: variables)
            #expect(failure != nil, "\(text)")
            #expect(failure.map { !$0.detail.contains("s3cr3t") && !$0.detail.contains("10.0.0.0") } == true, "\(text): \(failure?.detail ?? "")")
        }
        #expect(evaluationFailure(#"${zipmap(var.names, [1])}"#, variables: variables)?.detail == #"Call to function "zipmap" failed: the number of keys does not match the number of values."#)
        #expect(evaluationFailure(#"${try(tonumber(var.pw), "x" + 1)}"#, variables: variables)?.detail == "Call to function \"try\" failed: no expression succeeded:\n- Invalid function argument (at f.yml:1:16)\n- Invalid operand: Unsuitable value for left operand: a number is required (at f.yml:1:25)\nAt least one expression must produce a successful result.")
        #expect(evaluationFailure(#"${jsondecode(var.json)}"#, variables: variables)?.detail == #"Call to function "jsondecode" failed: the string is not valid JSON."#)
        #expect(evaluationFailure(#"${yamldecode(var.doc)}"#, variables: variables)?.detail == #"Call to function "yamldecode" failed: on line 1, column 4: the string is not valid YAML."#)
        #expect(evaluationFailure(#"${cidrsubnets(var.cidr, 1, 1, 1)}"#, variables: variables)?.detail == #"Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of (sensitive value) bits after (sensitive value)."#)
        #expect(evaluationFailure(#"${cidrsubnet(var.cidr, 20, 1)}"#, variables: variables)?.detail == #"Call to function "cidrsubnet" failed: insufficient address space to extend prefix of (sensitive value) by 20."#)
    }

    /// What a function builds or matches is bounded before the memory or time is spent.
    @Test func budgetsBoundWhatFunctionsBuild() throws {
        let product = evaluationFailure(#"${setproduct(range(1000), range(1000), range(1000))}"#)
        #expect(product?.summary == "Value too large")
        #expect(product?.detail == "The value setproduct() builds would hold more than 1000000 elements, the most one value may hold; build smaller values.")
        #expect(product?.exceedsBudget == true)
        #expect(evaluationFailure(#"${setproduct(range(600), range(600), range(600), range(600), range(600), range(600), range(600))}"#)?.summary == "Value too large")

        // A catastrophic pattern (exponential backtracking) stops within its work budget.
        let regex = evaluationFailure(#"${regex("(a+)+$", "\#(String(repeating: "a", count: 40))b")}"#)
        #expect(regex?.summary == "Too much evaluation work")
        #expect(regex?.detail == "The regular expressions of this configuration would take more than 2000 units of matching work in all, the most one evaluation may; a pattern with nested repetition such as (a+)+ can take exponential time: simplify it.")
        #expect(regex?.column == 3)
        #expect(regex?.exceedsBudget == true)
        // Ordinary matching costs nothing, however often and over however long a text: only
        // backtracking beyond one attempt a position is drawn from the budget.
        #expect(try evaluateExpression(#"${length([for i in range(3000) : regex("a(b)", "xab")])}"#) == .number(3000))
        #expect(try evaluateExpression("${length(regexall(\"z\", \"\(String(repeating: "a", count: 100_000))\"))}") == .number(0))
        #expect(try evaluateExpression("${length(regexall(\"a\", \"\(String(repeating: "a", count: 100_000))\"))}") == .number(100_000))
        // can() and try() do not hide a budget error.
        #expect(evaluationFailure(#"${try(regex("(a+)+$", "\#(String(repeating: "a", count: 40))b"), "x")}"#)?.summary == "Too much evaluation work")

        // Indentation grows the text beyond the value's own size: still refused, not built.
        var small = EvaluationBudget.standard
        small.valueBytes = 1000
        let nested = String(repeating: "{a = ", count: 40) + "\"x\"" + String(repeating: "}", count: 40)
        let yaml = evaluationFailure("${yamlencode(\(nested))}", budget: small)
        #expect(yaml?.detail == "The value yamlencode() builds would hold more than 1000 bytes of text, the most one value may hold; build smaller values.")

        // Nesting deeper than a configuration file may.
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        let json = evaluationFailure("${jsondecode(\"\(deep)\")}")
        #expect(json?.summary == "Value too large")
        #expect(json?.detail == "The value jsondecode() decodes would hold more than 1000000 values or nest them more than 64 deep, the most a configuration or variable file may; decode a smaller document.")
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e, *e]"
        #expect(evaluationFailure("${yamldecode(\"\(laughs)\")}")?.summary == "Value too large")
        // A template string that renders itself stops at the template depth.
        let recursion = evaluationFailure(#"${templatestring(local.tpl_self, {t = local.tpl_self})}"#, locals: locals)
        #expect(recursion?.summary == "Templates nested too deeply")
        #expect(recursion?.exceedsBudget == true)
    }
}

/// docs/configuration.md's function table names every built-in function, and each example in it
/// (`EXPRESSION` → `VALUE`) evaluates to the value shown.
@Suite(.timeLimit(.minutes(10)))
struct FunctionDocumentationTests {
    static func table() throws -> [[String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let text = try String(contentsOfFile: root + "/docs/configuration.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Functions\n").dropFirst().first?.components(separatedBy: "\n\n").first)
        return section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
        }
    }

    @Test func everyFunctionIsDocumented() throws {
        let names = try Self.table().flatMap { row in
            row[0].components(separatedBy: "`, `").map { String($0.trimmingCharacters(in: CharacterSet(charactersIn: "`")).prefix { $0 != "(" }) }
        }
        #expect(names.sorted() == Evaluator.functionNames)
    }

    @Test func everyExampleGivesTheValueShown() throws {
        let locals: [String: Value] = ["settings": .map(["host": .string("a")]), "tpl": .string("Hello, ${name}!")]
        var checked = 0
        for row in try Self.table() {
            let example = row[2]
            guard let arrow = example.range(of: "` → `", options: .backwards), example.hasSuffix("`") else { continue }
            let expression = String(example[..<arrow.lowerBound].split(separator: "`", omittingEmptySubsequences: false).last ?? "")
            let expected = String(example[arrow.upperBound...].dropLast())
            #expect(try evaluateExpression("${\(expression)}", locals: locals) == evaluateExpression("${\(expected)}"), "\(expression)")
            checked += 1
        }
        #expect(checked >= 34)
    }
}
