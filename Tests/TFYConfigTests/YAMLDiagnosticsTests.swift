import Testing
import TFYConfig
import TFYCore

/// YAML mistakes as people make them: each is reported once, where it is fixed, in plain words,
/// and nothing else is reported about the configuration a file that did not parse leaves out.
@Suite(.timeLimit(.minutes(30)))
struct YAMLDiagnosticsTests {
    /// "file:line:col Severity Summary: detail" for every diagnostic, in source order.
    func report(_ files: [String: String]) -> [String] {
        evaluate(files).diagnostics.sorted.map { d in
            "\(d.location.map(String.init(describing:)) ?? "-") \(d.severity == .error ? "Error" : "Warning") \(d.summary): \(d.detail)"
        }
    }

    /// A second file that refers to what `main.yml` declares: were `main.yml` checked without its
    /// unparsed part, each of these would be a false "undeclared" error.
    static let referrer = """
        output:
          ip: {value: "${aws_instance.master.private_ip}"}
          tag: {value: "${var.Tag}"}
        resource:
          tfy_bootstrap:
            b:
              connection: {host: "${aws_instance.master.public_ip}"}
              inline: [s]
              depends_on: [aws_instance.master]

        """

    @Test func unclosedDoubleQuoteIsReportedAtTheQuote() {
        #expect(report(["main.yml": "variable:\n  Tag: {default: \"my}\n"]) == [
            #"main.yml:2:18 Error Unclosed quote: The string that starts with " here has no closing " before the end of the file. Add the closing quote where the value ends."#,
        ])
    }

    @Test func unclosedSingleQuoteIsReportedAtTheQuote() {
        #expect(report(["main.yml": "locals:\n  a: 'abc\n  b: 1\n"]) == [
            #"main.yml:2:6 Error Unclosed quote: The string that starts with ' here has no closing ' before the end of the file. Add the closing quote where the value ends."#,
        ])
    }

    @Test func unclosedBracketIsReportedAtTheBracket() {
        #expect(report(["main.yml": "variable:\n  zones: {default: [a, b}\n"]) == [
            #"main.yml:2:20 Error Unclosed bracket: The list that starts with "[" here is not closed: at line 2, column 25 YAML expected "," or "]" but found "}"."#,
        ])
        #expect(report(["main.yml": "locals:\n  zones: [a, b\n  c: 1\n"]) == [
            #"main.yml:2:10 Error Unclosed bracket: The list that starts with "[" here is not closed: at line 3, column 4 YAML expected "," or "]" but found ":"."#,
        ])
    }

    @Test func unclosedBraceIsReportedAtTheBrace() {
        #expect(report(["main.yml": "locals:\n  z: {a: 1, b: 2\n"]) == [
            #"main.yml:2:6 Error Unclosed brace: The mapping that starts with "{" here is not closed: YAML expected "," or "}" but the file ends."#,
        ])
    }

    @Test func missingCommaInAFlowListIsReportedWhereTheCommaGoes() {
        #expect(report(["main.yml": "locals:\n  z: [\"a\" \"b\"]\n"]) == [
            #"main.yml:2:11 Error Missing item separator: Expected a comma to mark the beginning of the next item of the list that starts at line 2, column 6."#,
        ])
    }

    @Test func badIndentationIsOneErrorWithNoCascade() {
        let main = "variable:\n  Tag: {default: my}\nresource:\n  aws_instance:\n    master:\n      ami: ami-1\n     instance_type: t2.small\n"
        #expect(report(["main.yml": main, "other.yml": Self.referrer]) == [
            #"main.yml:7:6 Error Inconsistent indentation: This line starts in column 6, which lines it up with no key above it: "ami" (line 6) starts in column 7 and "master" (line 5) in column 5. Keys of one mapping start in the same column."#,
        ])
        #expect(report(["main.yml": "locals:\n  a: 1\n b: 2\n"]) == [
            #"main.yml:3:2 Error Inconsistent indentation: This line starts in column 2, which lines it up with no key above it: "a" (line 2) starts in column 3 and "locals" (line 1) in column 1. Keys of one mapping start in the same column."#,
        ])
    }

    @Test func lineIndentedUnderAValueIsReportedAsIndentation() {
        #expect(report(["main.yml": "locals:\n  x: b\n    c: d\n"]) == [
            #"main.yml:3:5 Error Inconsistent indentation: This line is indented more than "x" (line 2), whose value is already on its line, so YAML reads it as more of that value. Line it up with "x", or move x's value onto lines of its own below it."#,
        ])
    }

    @Test func tabIndentationSaysToUseSpaces() {
        #expect(report(["main.yml": "variable:\n\tTag: {default: my}\n"]) == [
            #"main.yml:2:1 Error Tab in indentation: YAML indents with spaces only, and this line is indented with a tab. Replace the tab with spaces."#,
        ])
    }

    @Test func duplicateKeyIsOneErrorWithNoCascade() {
        let main = "variable:\n  Tag: {default: my}\n  Tag: {default: other}\nresource:\n  aws_instance:\n    master: {ami: a, instance_type: t2.small}\n"
        #expect(report(["main.yml": main, "other.yml": Self.referrer]) == [
            #"main.yml:3:3 Error Duplicate mapping key: The key "Tag" is already defined at line 2, column 3 of this mapping; each key may appear once."#,
        ])
    }

    @Test func unquotedConditionalSaysQuoteTheWholeValue() {
        let text = "variable:\n  a: {default: true}\nlocals:\n  x: ${var.a ? \"b\" : \"c\"}\n"
        #expect(report(["main.yml": text]) == [
            #"main.yml:4:6 Error Value must be quoted: This expression contains ": " (as a conditional's "? … : …" does), which YAML reads as the start of a key. Quote the whole value: '${var.a ? "b" : "c"}'"#,
        ])
    }

    @Test func colonInAPlainValueSaysQuoteTheWholeValue() {
        #expect(report(["main.yml": "locals:\n  x: echo it's: done # note\n"]) == [
            #"main.yml:2:6 Error Value must be quoted: This value contains ": ", which YAML reads as the start of a key. Quote the whole value: 'echo it''s: done'"#,
        ])
    }

    @Test func bareReferencesAreWarnings() {
        let text = """
            variable:
              ami: {default: ami-1}
            locals:
              n: local.other
              other: 1
              first: aws_instance.web[0].id
            resource:
              aws_instance:
                web:
                  count: 2
                  ami: var.ami
                  instance_type: t2.small
                  tags: {Name: "web-${count.index}", Index: count.index, Quoted: "var.ami"}

            """
        #expect(report(["main.yml": text]) == [
            #"main.yml:4:6 Warning Value looks like a reference: "local.other" is plain text here, so it is the string "local.other". Did you mean "${local.other}"?"#,
            #"main.yml:6:10 Warning Value looks like a reference: "aws_instance.web[0].id" is plain text here, so it is the string "aws_instance.web[0].id". Did you mean "${aws_instance.web[0].id}"?"#,
            #"main.yml:11:12 Warning Value looks like a reference: "var.ami" is plain text here, so it is the string "var.ami". Did you mean "${var.ami}"?"#,
            #"main.yml:13:49 Warning Value looks like a reference: "count.index" is plain text here, so it is the string "count.index". Did you mean "${count.index}"?"#,
        ])
    }

    @Test func dottedStringsThatAreNotReferencesDoNotWarn() {
        let text = """
            variable:
              ami: {default: ami-1}
            locals:
              names: [www.example.com, ami-0abc1234, setup.sh, data.json, local.conf, path.txt, var.log, self.signed, module.js, aws_instance.other, count.x, "1.5", v1.2.3]

            """
        #expect(report(["main.yml": text]) == [])
    }

    @Test func dedentedArgumentUnderResourceIsNotAResourceType() {
        let text = "resource:\n  aws_instance:\n    web:\n      ami: ami-1\n      instance_type: t2.small\n  tags:\n    Name: web\n"
        #expect(report(["main.yml": text]) == [
            #"main.yml:6:3 Error Invalid resource type: "tags" is not a resource type; is it indented too little? It is an argument of aws_instance, aws_key_pair and aws_security_group: indent it under the resource it belongs to."#,
        ])
    }

    @Test func dedentedArgumentUnderAResourceTypeIsNotAResource() {
        let text = "resource:\n  aws_instance:\n    web:\n      ami: ami-1\n      instance_type: t2.small\n    tags:\n      Name: web\n"
        #expect(report(["main.yml": text]) == [
            #"main.yml:6:5 Error Argument in place of a resource: "tags" is an argument of aws_instance, not a resource name; is it indented too little? Indent it under the aws_instance block it belongs to."#,
        ])
        // A resource may still be called by an argument's name when its body is a resource's.
        let named = "resource:\n  aws_instance:\n    tags: {ami: ami-1, instance_type: t2.small}\n"
        #expect(report(["main.yml": named]) == [])
    }

    @Test func dedentedArgumentAtTheTopLevelSaysSo() {
        let text = "resource:\n  aws_instance:\n    web: {ami: ami-1, instance_type: t2.small}\ntags:\n  Name: web\n"
        #expect(report(["main.yml": text]) == [
            #"main.yml:4:1 Error Unsupported block type: Blocks of type "tags" are not expected here. "tags" is an argument of aws_instance, aws_key_pair and aws_security_group; is it indented too little?"#,
        ])
    }

    @Test func missingSpaceAfterAColonIsReportedAtTheColon() {
        #expect(report(["main.yml": "locals:\n  x:1\n  y: 2\n"]) == [
            #"main.yml:2:4 Error Missing space after colon: No space follows the ":" after "x", so YAML does not read "x" as a key. Write "x: 1"."#,
        ])
        #expect(report(["main.yml": "variable:\n  Tag:{type: string, default: my}\n"]) == [
            #"main.yml:2:6 Error Missing space after colon: No space follows the ":" after "Tag", so YAML does not read "Tag" as a key. Write "Tag: {type: string, default: my}"."#,
        ])
    }

    @Test func keyWithoutAColonSaysSo() {
        #expect(report(["main.yml": "locals:\n  x: 1\n  y 2\n  z: 3\n"]) == [
            #"main.yml:3:3 Error Missing colon: This line stands where a key goes, but no ":" follows "y 2". Write a key as "name: value"."#,
        ])
    }

    @Test func strayClosingBracketSaysSo() {
        #expect(report(["main.yml": "locals:\n  x: 1\n}\n"]) == [
            #"main.yml:3:1 Error Unexpected closing bracket: This "}" closes no "{" before it. Remove it, or add the "{" it was meant to close."#,
        ])
    }

    @Test func innerDoubleQuoteEndingTheValueIsReportedAtThatQuote() {
        #expect(report(["main.yml": "locals:\n  x: \"${join(\",\", [\"a\"])}\"\n"]) == [
            #"main.yml:2:14 Error Quote ends the value early: This " closes the quoted string before it, and more text follows on the line. Write a " that belongs to the value as \", or put the whole value in single quotes."#,
        ])
    }

    @Test func listItemOnAKeysLineSaysWhereItGoes() {
        #expect(report(["main.yml": "locals:\n  x: - a\n"]) == [
            #"main.yml:2:6 Error List item on a key's line: A "- " list item cannot follow a key on its line. Put it on the next line, indented under the key, or write the list in brackets: [a, b]."#,
        ])
    }

    @Test func valueStartingWithAReservedCharacterSaysQuoteIt() {
        #expect(report(["main.yml": "locals:\n  x: @home\n"]) == [
            #"main.yml:2:6 Error Value must be quoted: A plain value cannot start with "@"; YAML reserves it. Quote the whole value: '@home'"#,
        ])
    }

    @Test func quoteLeftOpenOnAnEarlierLineIsReportedThere() {
        #expect(report(["main.yml": "locals:\n  a: \"x\n  b: \"y\"\n"]) == [
            #"main.yml:2:6 Error Unclosed quote: The string that starts with " here has no closing " on its line, so it runs on to the " at line 3, column 6, and YAML found more text after that. Add the closing quote where the value ends."#,
        ])
    }

    @Test func misalignedKeyOfAListItemNamesTheColumns() {
        #expect(report(["main.yml": "locals:\n  files:\n    - content: x\n     destination: y\n"]) == [
            #"main.yml:4:6 Error Inconsistent indentation: This line starts in column 6, which lines it up with no key above it: "content" (line 3) starts in column 7 and "files" (line 2) in column 3. Keys of one mapping start in the same column."#,
        ])
    }

    @Test func keyWithoutAColonAboveItsBlockSaysSo() {
        #expect(report(["main.yml": "variable:\n  machines\n    type: number\n"]) == [
            #"main.yml:2:3 Error Missing colon: This line stands where a key goes, but no ":" follows "machines". Write a key as "name: value"."#,
        ])
    }

    @Test func unknownEscapeInDoubleQuotesSaysHowToWriteABackslash() {
        #expect(report(["main.yml": "locals:\n  x: \"^\\d+$\"\n"]) == [
            #"main.yml:2:8 Error Invalid escape sequence: In double quotes a backslash starts an escape such as \n or \", and "\d" is not one. Write \\ for a backslash, or use single quotes, in which a backslash is an ordinary character."#,
        ])
    }

    @Test func keyLineWithAColonIsNotAMissingColon() {
        #expect(report(["main.yml": "locals:\n  x: 1\n  y:}\n  z: 2\n"]) == [
            #"main.yml:4:3 Error Invalid YAML syntax: Could not find expected ':' while scanning a simple key that starts at line 3, column 3."#,
        ])
    }

    /// The block a dedented required argument was taken from does not also report it missing.
    @Test func dedentedRequiredArgumentIsNotAlsoMissing() {
        let underType = "resource:\n  aws_instance:\n    web:\n      ami: ami-1\n    instance_type: t2.small\n"
        #expect(report(["main.yml": underType]) == [
            #"main.yml:5:5 Error Argument in place of a resource: "instance_type" is an argument of aws_instance, not a resource name; is it indented too little? Indent it under the aws_instance block it belongs to."#,
        ])
        let underResource = "resource:\n  aws_instance:\n    web:\n      ami: ami-1\n  instance_type: t2.small\n"
        #expect(report(["main.yml": underResource]) == [
            #"main.yml:5:3 Error Invalid resource type: "instance_type" is not a resource type; is it indented too little? It is an argument of aws_instance: indent it under the resource it belongs to."#,
        ])
    }

    /// A variable file may hold secrets before any value is known to be sensitive: its syntax
    /// errors say what is wrong and where, and quote none of its text.
    @Test(arguments: [
        ("pw: hunter: two\n", #"s.vars:1:5 Error Value must be quoted: This value contains ": ", which YAML reads as the start of a key. Quote the whole value."#),
        ("pw: @hunter\n", #"s.vars:1:5 Error Value must be quoted: A plain value cannot start with "@"; YAML reserves it. Quote the whole value."#),
        ("pw: \"hun\\qer\"\n", #"s.vars:1:9 Error Invalid escape sequence: In double quotes a backslash starts an escape such as \n or \", and this one is not an escape YAML knows. Write \\ for a backslash, or use single quotes, in which a backslash is an ordinary character."#),
        ("a: 1\nhunter2\nb: 2\n", #"s.vars:2:1 Error Missing colon: This line stands where a key goes, but no ":" follows it. Write a key as "name: value"."#),
        ("m:\n  hunter:2\n  b: 2\n", #"s.vars:2:9 Error Missing space after colon: No space follows this ":", so YAML does not read what comes before it as a key. Put a space after the colon."#),
        ("m:\n  hunter: 1\n b: 2\n", #"s.vars:3:2 Error Inconsistent indentation: This line starts in column 2, which lines it up with no key above it: the key on line 2 starts in column 3 and the one on line 1 in column 1. Keys of one mapping start in the same column."#),
        ("m:\n  hunter: two\n    b: 2\n", #"s.vars:3:5 Error Inconsistent indentation: This line is indented more than the key on line 2, whose value is already on its line, so YAML reads it as more of that value. Line it up with that key, or move its value onto lines of its own below it."#),
    ])
    func variableFileErrorsQuoteNoneOfItsText(_ text: String, _ expected: String) {
        let (_, diagnostics) = VariableInput.fromFile(path: "s.vars", bytes: Array(text.utf8))
        let lines = diagnostics.sorted.map { d in
            "\(d.location.map(String.init(describing:)) ?? "-") \(d.severity == .error ? "Error" : "Warning") \(d.summary): \(d.detail)"
        }
        #expect(lines == [expected])
    }
}
