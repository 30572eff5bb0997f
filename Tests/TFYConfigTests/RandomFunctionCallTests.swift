import Testing
import TFYConfig
import TFYCore

/// Thousands of calls of the new functions and object `for` expressions with arguments drawn
/// from a seeded generator (regular-expression syntax, CIDR prefixes, YAML and JSON text, nested
/// values, a secret): each evaluates or fails with a diagnostic, none crashes or hangs, no error
/// quotes the secret, and what yamlencode writes yamldecode reads back as the same value.
@Suite(.timeLimit(.minutes(10)))
struct RandomFunctionCallTests {
    /// SplitMix64: the same sequence on every run, so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let secret = "s3cr3t"
    let variables: [String: Value] = ["pw": .sensitive(.string(secret)), "names": .sensitive(.list([.string("a"), .string(secret)]))]
    let locals: [String: Value] = ["tpl": .string("x${a}y"), "later": .unknown]

    static let patternPieces = ["a", "b", "\\\\d", "\\\\w", "\\\\s", "\\\\p{L}", "\\\\pL", ".", "*", "+", "?", "*?", "{2}", "{1,3}", "{", "}",
                                "(", ")", "(?:", "(?i)", "(?P<n>", "(?<m>", "(?=", "[", "]", "[^", "[:alpha:]", "&&", "-", "^", "$",
                                "|", "\\\\1", "\\\\Q", "\\\\E", "\\\\x{41}", "\\\\", "é", "☃"]
    static let textPieces = ["a", "b", "ab", "1", "22", " ", "\\n", "é", "☃", "-", "/", ".", ":", "[", "]", "{", "}", "#", "\\\"", "${", "$${a}"]

    func string(_ g: inout Generator, from pieces: [String], upTo count: Int) -> String {
        (0..<g.below(count + 1)).map { _ in g.pick(pieces) }.joined()
    }

    func value(_ g: inout Generator, depth: Int = 0) -> String {
        switch depth > 2 ? g.below(4) : g.below(7) {
        case 0: return "\"\(string(&g, from: Self.textPieces, upTo: 4))\""
        case 1: return g.pick(["0", "1", "-1", "2.5", "1e20", "256", "-5000"])
        case 2: return g.pick(["true", "false", "null", "var.pw", "local.later"])
        case 3: return g.pick(["var.names", "local.tpl", "[]", "{}"])
        case 4: return "[" + (0..<g.below(4)).map { _ in value(&g, depth: depth + 1) }.joined(separator: ", ") + "]"
        case 5: return "{" + (0..<g.below(4)).map { i in "k\(i) = \(value(&g, depth: depth + 1))" }.joined(separator: ", ") + "}"
        default: return call(&g, depth: depth + 1)
        }
    }

    func call(_ g: inout Generator, depth: Int) -> String {
        let pattern = "\"\(string(&g, from: Self.patternPieces, upTo: 6))\""
        let prefix = "\"\(g.pick(["10.0.0.0", "fd00::", "::ffff:1.2.3.4", "1.2.3", "::"]))/\(g.pick(["0", "8", "16", "24", "32", "56", "64", "128", "129"]))\""
        let a = value(&g, depth: depth), b = value(&g, depth: depth)
        switch g.below(17) {
        case 0: return "regex(\(pattern), \(a))"
        case 1: return "regexall(\(pattern), \(a))"
        case 2: return "replace(\(a), \"/\(string(&g, from: Self.patternPieces, upTo: 4))/\", \"\(string(&g, from: ["$1", "${n}", "$$", "x", "$"], upTo: 3))\")"
        case 3: return "cidrsubnet(\(prefix), \(g.pick(["0", "4", "8", "-1", "70", "1.5"])), \(g.pick(["0", "1", "255", "256", "-1"])))"
        case 4: return "cidrhost(\(prefix), \(g.pick(["0", "1", "-1", "5000", "-5000", "1e15"])))"
        case 5: return "zipmap(\(a), \(b))"
        case 6: return "setproduct(\(a), \(b))"
        case 7: return "one(\(a))"
        case 8: return "try(\(a).x, \(b))"
        case 9: return "jsondecode(jsonencode(\(a)))"
        case 10: return "jsondecode(\"\(string(&g, from: ["{", "}", "[", "]", "\\\"a\\\"", ":", ",", "1", "true", "null"], upTo: 6))\")"
        case 11: return "yamldecode(\"\(string(&g, from: ["a: ", "- ", "\\n", "[", "]", "{", "}", "&x ", "*x", "? ", "1", "'", "---"], upTo: 6))\")"
        case 12: return "yamlencode(\(a))"
        case 13: return "templatestring(local.tpl, {a = \(a)})"
        case 14: return "{for k, v in \(a) : tostring(v) => k}"
        case 15: return "{for k, v in \(a) : tostring(k) => v...}"
        default: return "can(\(a)[0])"
        }
    }

    @Test func randomCallsEvaluateOrFailWithoutQuotingTheSecret() {
        var g = Generator(state: 20)
        var outcomes = (values: 0, errors: 0)
        for _ in 0..<3000 {
            let text = "${\(call(&g, depth: 0))}"
            let parsed = ExpressionParser.parseString(text, sourceMap: .startOnly(SourceLocation(file: "f", line: 1, column: 1)))
            guard case .success(let expression) = parsed else { continue }
            var scope = EvaluationScope()
            scope.variables = variables
            scope.locals = locals
            do {
                _ = try Evaluator(scope: scope).evaluate(expression)
                outcomes.values += 1
            } catch let error as EvaluationError {
                outcomes.errors += 1
                #expect(!error.diagnostic.detail.contains(Self.secret), "\(text): \(error.diagnostic.detail)")
            } catch {
                Issue.record("\(text): unexpected \(error)")
            }
        }
        // Both outcomes are common: the generator reaches the functions' results and their errors.
        #expect(outcomes.values > 500)
        #expect(outcomes.errors > 500)
    }

    @Test func whatYamlencodeWritesYamldecodeReadsBack() throws {
        var g = Generator(state: 7)
        for _ in 0..<500 {
            let original = value(&g)
            guard !original.contains("var.") && !original.contains("local.") && !original.contains("(") else { continue }
            let direct = try? evaluateExpression("${\(original)}")
            guard let direct, direct.isWhollyKnown else { continue }
            let roundTrip = try evaluateExpression("${yamldecode(yamlencode(\(original)))}")
            // YAML has one kind of number: 2.5 and "2.5" differ, as they should; only values
            // that JSON would keep are compared.
            #expect(roundTrip == direct, "\(original)")
        }
    }
}
