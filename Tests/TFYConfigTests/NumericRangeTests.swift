import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

/// Every numeric attribute of every resource type, nested block and provider has a range that
/// validate checks where the value is written. The attributes are found by walking the schemas,
/// so one added later is covered without touching this file.
@Suite(.timeLimit(.minutes(10)))
struct NumericRangeTests {
    /// One numeric attribute: where it sits and what it takes.
    struct NumericAttribute: CustomStringConvertible, Sendable {
        /// "resource" or "provider", and the type or provider name.
        var block: String
        var type: String
        /// The schema the attribute's block has, for filling in what is required.
        var schema: ObjectSchema
        /// Keys from the block's body down to the attribute; `true` where the step is a list of objects.
        var path: [(key: String, isList: Bool)]
        var attribute: Attribute

        /// The name a message gives it: `ingress[0].from_port`.
        var messageName: String { path.map { $0.key + ($0.isList ? "[0]" : "") }.joined(separator: ".") }
        var description: String { "\(type).\(messageName)" }
    }

    static func numericAttributes(in schema: ObjectSchema, prefix: [(key: String, isList: Bool)]) -> [(path: [(key: String, isList: Bool)], attribute: Attribute)] {
        schema.attributes.keys.sorted().flatMap { key -> [(path: [(key: String, isList: Bool)], attribute: Attribute)] in
            let attribute = schema.attributes[key]!
            guard attribute.isSettable else { return [] }
            switch attribute.type {
            case .value(.number): return [(prefix + [(key, false)], attribute)]
            case .value: return []
            case .object(let nested): return numericAttributes(in: nested, prefix: prefix + [(key, false)])
            case .objectList(let nested): return numericAttributes(in: nested, prefix: prefix + [(key, true)])
            }
        }
    }

    static let attributes: [NumericAttribute] = {
        var result: [NumericAttribute] = []
        let catalog = ResourceCatalog.standard
        for name in catalog.names {
            let schema = catalog[name]!.schema.body
            for (path, attribute) in numericAttributes(in: schema, prefix: []) {
                result.append(NumericAttribute(block: "resource", type: name, schema: schema, path: path, attribute: attribute))
            }
        }
        for name in Schemas.providers.keys.sorted() {
            let schema = Schemas.providers[name]!
            for (path, attribute) in numericAttributes(in: schema, prefix: []) {
                result.append(NumericAttribute(block: "provider", type: name, schema: schema, path: path, attribute: attribute))
            }
        }
        return result
    }()

    // MARK: Writing a configuration that sets one attribute

    /// A flow-style YAML value for what `schema` requires, with `path` leading to `marker`.
    static func body(_ schema: ObjectSchema, path: ArraySlice<(key: String, isList: Bool)>, marker: String) -> String {
        var entries: [String] = []
        let target = path.first
        for key in schema.attributes.keys.sorted() {
            let attribute = schema.attributes[key]!
            if let target, target.key == key {
                let inner: String
                switch attribute.type {
                case .object(let nested): inner = body(nested, path: path.dropFirst(), marker: marker)
                case .objectList(let nested): inner = "[" + body(nested, path: path.dropFirst(), marker: marker) + "]"
                case .value: inner = marker
                }
                entries.append("\(key): \(inner)")
            } else if attribute.presence == .required {
                entries.append("\(key): \(requiredValue(attribute))")
            }
        }
        // One of the attributes a body needs exactly one of (a bootstrap's inline commands).
        if case .each(let checks)? = schema.check, case .exactlyOneOf(let names, _)? = checks.first { entries.append("\(names[0]): [x]") }
        return "{" + entries.joined(separator: ", ") + "}"
    }

    static func requiredValue(_ attribute: Attribute) -> String {
        switch attribute.type {
        case .value(.number):
            guard case .wholeNumber(let range)? = attribute.check else { return "1" }
            return String(range.bounds.lowerBound)
        case .value(.bool): return "true"
        case .value(.list): return "[x]"
        case .value(.map): return "{}"
        case .value:
            if case .oneOf(let words)? = attribute.check { return words[0] }
            return "x"
        case .object(let nested): return body(nested, path: [], marker: "")
        case .objectList(let nested): return "[" + body(nested, path: [], marker: "") + "]"
        }
    }

    /// The configuration that sets `attribute` to `value` (as written in YAML), and where the value is.
    static func configuration(setting attribute: NumericAttribute, to value: String) -> (text: String, line: Int, column: Int) {
        let marker = "@@"
        let line = body(attribute.schema, path: attribute.path[...], marker: marker)
        let text = attribute.block == "provider"
            ? "provider:\n  \(attribute.type): \(line)\n"
            : "resource:\n  \(attribute.type):\n    probe: \(line)\n"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let index = lines.firstIndex { $0.contains(marker) }!
        let column = lines[index].distance(from: lines[index].startIndex, to: lines[index].range(of: marker)!.lowerBound) + 1
        return (text.replacingOccurrences(of: marker, with: value), index + 1, column)
    }

    /// "main.yml:6:34: Summary: detail".
    static func line(_ diagnostic: Diagnostic) -> String {
        "\(diagnostic.location.map(\.description) ?? "-"): \(diagnostic.summary): \(diagnostic.detail)"
    }

    static func validate(_ text: String) -> Diagnostics {
        evaluate(["main.yml": text]).diagnostics
    }

    // MARK: Tests

    @Test func everyNumericAttributeIsFound() {
        #expect(Self.attributes.map(\.description) == [
            "aws_instance.cpu_options.core_count",
            "aws_instance.cpu_options.threads_per_core",
            "aws_instance.ebs_block_device[0].iops",
            "aws_instance.ebs_block_device[0].throughput",
            "aws_instance.ebs_block_device[0].volume_size",
            "aws_instance.metadata_options.http_put_response_hop_limit",
            "aws_instance.root_block_device.iops",
            "aws_instance.root_block_device.throughput",
            "aws_instance.root_block_device.volume_size",
            "aws_security_group.egress[0].from_port",
            "aws_security_group.egress[0].to_port",
            "aws_security_group.ingress[0].from_port",
            "aws_security_group.ingress[0].to_port",
            "tfy_bootstrap.connection.bastion_port",
            "tfy_bootstrap.connection.port",
            "aws.max_retries",
        ])
    }

    /// The ranges as docs/configuration.md gives them.
    @Test func everyNumericAttributeHasItsDocumentedRange() {
        var ranges: [String: String] = [:]
        for attribute in Self.attributes {
            guard case .wholeNumber(let range)? = attribute.attribute.check else {
                Issue.record("\(attribute) has no range")
                continue
            }
            ranges[attribute.description] = range.description
        }
        let volume = ["iops": "a whole number from 100 to 256000", "throughput": "a whole number of MiB/s from 125 to 2000", "volume_size": "a whole number of GiB from 1 to 65536"]
        var expected: [String: String] = [
            "aws_instance.cpu_options.core_count": "a whole number from 1 to 1024",
            "aws_instance.cpu_options.threads_per_core": "a whole number from 1 to 2",
            "aws_instance.metadata_options.http_put_response_hop_limit": "a whole number from 1 to 64",
            "tfy_bootstrap.connection.bastion_port": "a whole number from 0 to 65535",
            "tfy_bootstrap.connection.port": "a whole number from 0 to 65535",
            "aws.max_retries": "a whole number from 0 to 100",
        ]
        for (name, range) in volume {
            expected["aws_instance.ebs_block_device[0].\(name)"] = range
            expected["aws_instance.root_block_device.\(name)"] = range
        }
        for rules in ["ingress", "egress"] {
            for port in ["from_port", "to_port"] { expected["aws_security_group.\(rules)[0].\(port)"] = "a whole number from 0 to 65535 (or -1 for all ports)" }
        }
        #expect(ranges == expected)
    }

    @Test func theDocumentedTableIsTheSchemas() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let text = try String(contentsOfFile: root + "/docs/configuration.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Numeric ranges").dropFirst().first?.components(separatedBy: "\n### ").first)
        var documented: [String: String] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        var schemas: [String: String] = [:]
        for attribute in Self.attributes {
            if case .wholeNumber(let range)? = attribute.attribute.check { schemas[attribute.description] = range.description }
        }
        #expect(documented == schemas)
    }

    /// Values written as YAML, and whether each is accepted, for an attribute's range.
    static func cases(for range: NumberRange) -> [(written: String, accepted: Bool)] {
        let low = range.bounds.lowerBound, high = range.bounds.upperBound
        var cases: [(String, Bool)] = [
            ("1e30", false), ("-1e30", false), ("1e300", false), ("0.5", false), ("\(low).5", false),
            (String(low), true), (String(high), true), (String(high + 1), false),
        ]
        if let special = range.special {
            cases.append((String(special), true))
            cases.append((String(min(special, low) - 1), false))
        } else {
            cases.append((String(low - 1), false))
        }
        // A number written as a string converts as Terraform converts it, and is checked the same way.
        cases.append(("\"1e30\"", false))
        return cases
    }

    @Test(arguments: attributes.map(\.description))
    func extremeAndEdgeValuesAreCheckedWhereTheyAreWritten(_ name: String) throws {
        let attribute = try #require(Self.attributes.first { $0.description == name })
        guard case .wholeNumber(let range)? = attribute.attribute.check else {
            Issue.record("\(name) has no range")
            return
        }
        for (written, accepted) in Self.cases(for: range) {
            let (text, line, column) = Self.configuration(setting: attribute, to: written)
            let errors = Self.validate(text).errors
            if accepted {
                #expect(errors.isEmpty, "\(name) = \(written): \(errors)\n\(text)")
                continue
            }
            let shown = Value.format(number: Double(written.replacingOccurrences(of: "\"", with: ""))!)
            let shownValue = written.hasPrefix("\"") ? Value.quoted(String(written.dropFirst().dropLast())) : shown
            #expect(errors.map(\.summary) == ["Invalid value"], "\(name) = \(written)\n\(text)")
            #expect(errors.first?.detail == "The value of \"\(attribute.messageName)\" must be \(range.description), not \(shownValue).", "\(name) = \(written)")
            #expect(errors.first?.location == SourceLocation(file: "main.yml", line: line, column: column), "\(name) = \(written)\n\(text)")
            #expect(errors.first?.address == (attribute.block == "resource" ? "\(attribute.type).probe" : nil))
        }
    }

    @Test func aSecurityGroupPortMessageNamesTheRuleAndTheRange() {
        let errors = Self.validate("""
            resource:
              aws_security_group:
                web:
                  name: web
                  ingress:
                    - {protocol: tcp, from_port: 22.5, to_port: 22, cidr_blocks: [0.0.0.0/0]}
            """).errors
        #expect(errors.map(Self.line) == [
            "main.yml:6:38: Invalid value: The value of \"ingress[0].from_port\" must be a whole number from 0 to 65535 (or -1 for all ports), not 22.5.",
        ])
    }

    /// A rule's ports follow its protocol, as EC2 and the AWS provider take them: a rule EC2
    /// would refuse after the group exists is an error at the port.
    @Test(arguments: [
        ("tcp", "-1", "22", #"main.yml:3:32: Invalid value: The value of "ingress[0].from_port" must be a whole number from 0 to 65535 with protocol "tcp", not -1."#),
        ("udp", "53", "-1", #"main.yml:3:45: Invalid value: The value of "ingress[0].to_port" must be a whole number from 0 to 65535 with protocol "udp", not -1."#),
        ("tcp", "8080", "80", #"main.yml:3:32: Invalid value: The value of "ingress[0].from_port" must be no greater than to_port (80) with protocol "tcp", not 8080."#),
        ("icmp", "300", "0", #"main.yml:3:33: Invalid value: The value of "ingress[0].from_port" must be the ICMP type, a whole number from 0 to 255 (or -1 for all), with protocol "icmp", not 300."#),
        ("\"1\"", "8", "256", #"main.yml:3:44: Invalid value: The value of "ingress[0].to_port" must be the ICMP code, a whole number from 0 to 255 (or -1 for all), with protocol "1", not 256."#),
        ("\"-1\"", "22", "22", #"main.yml:3:33: Invalid value: The value of "ingress[0].from_port" must be 0 with protocol "-1" (all traffic, which has no ports; the AWS provider requires 0), not 22."#),
        ("all", "0", "-1", #"main.yml:3:44: Invalid value: The value of "ingress[0].to_port" must be 0 with protocol "all" (all traffic, which has no ports; the AWS provider requires 0), not -1."#),
        ("tcp", "0", "65535", nil), ("tcp", "22", "22", nil), ("icmp", "-1", "-1", nil), ("icmpv6", "8", "0", nil),
        ("\"-1\"", "0", "0", nil), ("\"50\"", "0", "0", nil),
    ] as [(String, String, String, String?)])
    func aRulesPortsFollowItsProtocol(_ proto: String, _ from: String, _ to: String, _ expected: String?) {
        let errors = Self.validate("""
            resource:
              aws_security_group: {web: {name: web, ingress: [
                {protocol: \(proto), from_port: \(from), to_port: \(to), cidr_blocks: [0.0.0.0/0]}]}}
            """).errors
        #expect(errors.map(Self.line) == (expected.map { [$0] } ?? []))
    }

    @Test func aValueFromAnExpressionIsCheckedAtTheExpression() {
        let errors = Self.validate("""
            variable:
              size: {default: 70000}
            resource:
              aws_instance:
                web:
                  ami: ami-1
                  instance_type: t3.micro
                  root_block_device: {volume_size: "${var.size * 2}"}
            """).errors
        #expect(errors.map(Self.line) == [
            "main.yml:8:52: Invalid value: The value of \"root_block_device.volume_size\" must be a whole number of GiB from 1 to 65536, not 140000.",
        ])
    }

    @Test func aSensitiveValueIsNotQuoted() {
        let errors = Self.validate("""
            variable:
              port: {default: 70000, sensitive: true}
            resource:
              tfy_bootstrap:
                b:
                  connection: {host: h, port: "${var.port}"}
                  inline: [x]
            """).errors
        #expect(errors.map(\.detail) == [
            "The value of \"connection.port\" must be a whole number from 0 to 65535, not (sensitive value).",
        ])
    }

    /// A rule's ports are checked with its protocol; a sensitive protocol is named, not quoted.
    @Test func aSensitiveProtocolIsNotQuoted() {
        let errors = Self.validate("""
            variable:
              p: {default: UdP, sensitive: true}
            resource:
              aws_security_group:
                g:
                  name: g
                  ingress:
                    - {protocol: "${var.p}", from_port: 300, to_port: 1, cidr_blocks: ["0.0.0.0/0"]}
            """).errors
        #expect(errors.map(\.detail) == [
            "The value of \"ingress[0].from_port\" must be no greater than to_port (1) with protocol (sensitive value), not 300.",
        ])
    }

    @Test func theConnectionTimeoutIsADurationOfAtMostADay() {
        func errors(_ timeout: String) -> [String] {
            Self.validate("""
                resource:
                  tfy_bootstrap:
                    b:
                      connection: {host: h, timeout: \(timeout)}
                      inline: [x]
                """).errors.map(Self.line)
        }
        #expect(errors("30s") == [])
        #expect(errors("24h") == [])
        let detail = #"must be a duration such as "30s", "5m" or "1h30m", from 0s to 24h"#
        #expect(errors("1e30") == [#"main.yml:4:38: Invalid value: The value of "connection.timeout" \#(detail), not 1e+30."#])
        #expect(errors("25h") == [#"main.yml:4:38: Invalid value: The value of "connection.timeout" \#(detail), not "25h"."#])
        #expect(errors("soon") == [#"main.yml:4:38: Invalid value: The value of "connection.timeout" \#(detail), not "soon"."#])
    }

    @Test func aProviderValueOfTheWrongTypeIsReported() {
        let errors = Self.validate("""
            provider:
              aws: {region: us-east-1, max_retries: many}
            """).errors
        #expect(errors.map(Self.line) == [
            "main.yml:2:41: Incorrect attribute value type: Inappropriate value for attribute \"max_retries\": a number is required, but \"many\" is not a number.",
        ])
    }
}
