import Testing
import TFYConfig
import TFYCore

@Suite(.timeLimit(.minutes(30)))
struct YAMLParserTests {
    /// Source lines end where libyaml's do, so the line and column of a mark index the snippet
    /// shown: "\n", "\r\n", a lone "\r", and in non-ASCII text NEL, LS and PS too. ASCII text
    /// takes a faster path that must split the same way.
    @Test(arguments: [
        ("a\rb\r\nc\nd", ["a", "b", "c", "d"]),
        ("\r\n\r\n", ["", "", ""]),
        ("é\rb\r\nc\nd\u{85}e\u{2028}f\u{2029}g", ["é", "b", "c", "d", "e", "f", "g"]),
    ])
    func sourceLinesEndWhereLibyamlsDo(_ text: String, _ lines: [String]) {
        let file = SourceFile(name: "main.yml", bytes: Array(text.utf8))
        #expect(file.lines.map { String(String.UnicodeScalarView($0)) } == lines)
    }

    /// A lone carriage return in an indentation ends a line for libyaml; the error's snippet is
    /// the line libyaml means (the fuzzer found the column past the end of the wrong line).
    @Test func aLoneCarriageReturnStartsALine() {
        let result = YAMLParser().parse(SourceFile(name: "main.yml", bytes: Array("a:\r  b: 1\r c: 2\n".utf8)))
        let error = result.diagnostics.errors.first
        #expect(error?.location == SourceLocation(file: "main.yml", line: 3, column: 2))
        #expect(error?.summary == "Inconsistent indentation")
    }

    func parse(_ text: String) -> YAMLParser.Result {
        YAMLParser().parse(SourceFile(name: "t.yml", bytes: Array(text.utf8)))
    }

    @Test func marksAreOneBased() throws {
        let root = try #require(parse("a:\n  b: [1, \"two\"]\n").root)
        let a = try #require(root.pairs?.first)
        #expect(a.key.start == SourceLocation(file: "t.yml", line: 1, column: 1))
        let b = try #require(a.value.pairs?.first)
        #expect(b.key.start == SourceLocation(file: "t.yml", line: 2, column: 3))
        let items = try #require(b.value.items)
        #expect(items.map(\.start.column) == [7, 10])
        #expect(items.map { YAMLNode.resolve($0.scalar!) } == [.number(1), .string("two")])
    }

    @Test(arguments: [
        ("~", Value.null), ("null", .null), ("", .null), ("true", .bool(true)), ("False", .bool(false)),
        ("42", .number(42)), ("-1.5", .number(-1.5)), ("0x1F", .number(31)), ("0o17", .number(15)), ("1e3", .number(1000)),
        ("0.8.2", .string("0.8.2")), ("yes", .string("yes")), ("1GB", .string("1GB")), (".inf", .string(".inf")),
        ("'42'", .string("42")), ("!!str 42", .string("42")),
    ])
    func scalarsResolveByTheCoreSchema(_ text: String, _ expected: Value) throws {
        let root = try #require(parse("k: \(text)\n").root)
        #expect(YAMLNode.resolve(try #require(root.pairs?.first?.value.scalar)) == expected)
    }

    @Test func mergeKeysTakeWhatTheMappingDoesNotSet() throws {
        let root = try #require(parse("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n").root)
        let thing = try #require(root.pairs?[1].value)
        #expect(thing.literalValue == .map(["x": .number(1), "y": .number(3)]))
    }

    @Test func emptyAndCommentOnlyFilesAreEmpty() {
        for text in ["", "# only a comment\n", "\n\n"] {
            let result = parse(text)
            #expect(result.isEmpty)
            #expect(result.diagnostics.isEmpty)
        }
    }

    @Test func emptyConfigurationFileIsAWarning() {
        let outcome = evaluate(["a.yml": "", "b.yml": "locals:\n  x: 1\n"])
        #expect(outcome.diagnostics.errors.isEmpty)
        #expect(outcome.diagnostics.warnings.map(\.summary) == ["Empty configuration file"])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let result = parse(String(repeating: "[", count: 10_000))
        #expect(errorLines(result.diagnostics) == ["1:65 YAML nesting too deep"])
    }

    @Test func literalBlockScalarsMapExpressionColumns() {
        let outcome = evaluate(["main.yml": "locals:\n  script: |\n    echo ok\n    echo ${local.nope}\n"])
        #expect(errorLines(outcome.diagnostics) == ["4:12 Reference to undeclared local value"])
    }

    @Test func quotedScalarsMapExpressionColumns() {
        let outcome = evaluate(["main.yml": "locals:\n  a: 'x ${var.nope}'\n"])
        #expect(errorLines(outcome.diagnostics) == ["2:11 Reference to undeclared input variable"])
    }
}

