import Foundation
import Testing
import TFYConfig
import TFYCore

/// Numbers are 64-bit floating point: arithmetic whose result no double holds, an index or a
/// `range` bound beyond what a whole number can be, is a located error, never a trap or a
/// silent infinity.
@Suite(.timeLimit(.minutes(5)))
struct NumberOverflowTests {
    @Test(arguments: [
        ("${1e308 * 10}", "Number out of range", "The result of \"*\" is too large to represent."),
        ("${-1e308 - 1e308}", "Number out of range", "The result of \"-\" is too large to represent."),
        ("${1e308 + 1e308}", "Number out of range", "The result of \"+\" is too large to represent."),
        ("${1 / 1e-308 / 1e-10}", "Number out of range", "The result of \"/\" is too large to represent."),
        ("${[1, 2][1e30]}", "Invalid index", "The index 1e+30 is out of range: the list has 2 elements."),
        ("${[1, 2][-1e30]}", "Invalid index", "The index -1e+30 is out of range: the list has 2 elements."),
        ("${[1, 2][9223372036854775807]}", "Invalid index", "The index 9.223372036854776e+18 is out of range: the list has 2 elements."),
        ("${[1, 2][\"1e30\"]}", "Invalid index", "The index 1e+30 is out of range: the list has 2 elements."),
        ("${[1, 2][0.5]}", "Invalid index", "A list index must be a whole number, not 0.5."),
        ("${range(1e30)}", "Invalid function argument", "Invalid value for \"params\" parameter: must be from -9007199254740992 to 9007199254740992, not 1e+30."),
        ("${range(-1e30, 0)}", "Invalid function argument", "Invalid value for \"params\" parameter: must be from -9007199254740992 to 9007199254740992, not -1e+30."),
        ("${range(0, 1, 1e-300)}", "Error in function call", "Call to function \"range\" failed: more than 1000000 numbers would be produced."),
        ("${element([1, 2], 1e30)}", "Invalid function argument", "Invalid value for \"index\" parameter: must be from -9007199254740992 to 9007199254740992, not 1e+30."),
        ("${element([1, 2], 0.5)}", "Invalid function argument", "Invalid value for \"index\" parameter: a whole number is required, not 0.5."),
        ("${format(\"%d\", 1e30)}", "Invalid function argument", "Invalid value for \"args\" parameter: %d requires a whole number from -9007199254740992 to 9007199254740992, not 1e+30."),
    ])
    func isALocatedError(_ text: String, _ summary: String, _ detail: String) {
        do {
            let value = try evaluateExpression(text)
            Issue.record("\(text): expected an error, got \(value)")
        } catch let error as EvaluationError {
            #expect(error.diagnostic.summary == summary, "\(text)")
            #expect(error.diagnostic.detail == detail, "\(text)")
            #expect(error.diagnostic.location != nil, "\(text)")
        } catch {
            Issue.record("\(text): unexpected error \(error)")
        }
    }

    /// Beyond 2^53 a double holds only some whole numbers: Int.max + 1 is 2^63, exactly, as
    /// the nearest double; it is neither a trap nor an infinity.
    @Test func wholeNumbersBeyondTwoToTheFiftyThreeAreTheNearestDouble() throws {
        #expect(try evaluateExpression("${9223372036854775807 + 1}") == .number(9_223_372_036_854_775_808))
        #expect(try evaluateExpression("${9223372036854775807 + 1}x") == .string("9.223372036854776e+18x"))
        #expect(try evaluateExpression("${-9223372036854775808 - 1}") == .number(-9_223_372_036_854_775_808))
        #expect(try evaluateExpression("${1e308 * 1}") == .number(1e308))
        #expect(try evaluateExpression("${format(\"%+d\", 9007199254740992)}") == .string("+9007199254740992"))
        #expect(try evaluateExpression("${range(9007199254740990, 9007199254740992)}") == .list([.number(9_007_199_254_740_990), .number(9_007_199_254_740_991)]))
    }

    /// The next write adds one to a state's serial: a hand-edited Int.max is refused when read.
    @Test func aStateWhoseSerialCannotGrowIsRefused() {
        let text = #"{"version": 1, "lineage": "l", "serial": 9223372036854775807, "resources": []}"#
        // The same file with a serial that can grow is read.
        #expect(throws: Never.self) { try State.decode(Array(text.replacingOccurrences(of: "9223372036854775807", with: "5").utf8)).get() }
        guard case .failure(let error) = State.decode(Array(text.utf8)) else {
            Issue.record("a state with serial Int.max was read")
            return
        }
        #expect("\(error)".contains(#""serial" is missing, negative or too large"#), "\(error)")
    }

    @Test func anExtremeCountIsALocatedError() {
        let outcome = evaluate(["main.yml": """
            resource:
              aws_key_pair:
                k:
                  count: 1e30
                  key_name: "k${count.index}"
                  public_key: x
            """])
        #expect(outcome.diagnostics.errors.map { "\($0.location!): \($0.detail)" } == [
            "main.yml:4:14: The given \"count\" argument value is unsuitable: must be at most 100000, not 1e+30.",
        ])
    }
}
