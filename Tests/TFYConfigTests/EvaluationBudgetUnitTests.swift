import Testing
import TFYConfig
import TFYCore

/// Each function that can build a value larger than its arguments measures the result before
/// making it, and says which function and which limit (docs/configuration.md, "Limits").
@Suite(.timeLimit(.minutes(10)))
struct EvaluationBudgetUnitTests {
    static let tooManyBytes = "the most one value may hold; build smaller values."
    /// A string of 1,488,880 bytes, made without a budget error (and without `for`, whose
    /// iterations count against a budget of their own).
    static let megabyte = "join(\"0123456789\", range(100000))"

    @Test(arguments: [
        // Each of more than 100,000 zeros grows by 199 bytes.
        ("${replace(\(megabyte), \"0\", \"\(String(repeating: "x", count: 200))\")}", "The value replace() builds would hold more than 16 MiB of text, \(tooManyBytes)"),
        ("${concat(range(600000), range(600000))}", "The value concat() builds would hold more than 1000000 elements, \(tooManyBytes)"),
        ("${format(\"%s%s%s%s%s%s%s%s%s%s%s%s\", \(Array(repeating: megabyte, count: 12).joined(separator: ", ")))}", "The value format() builds would hold more than 16 MiB of text, \(tooManyBytes)"),
        ("${formatlist(\"%s%s\", [for i in range(6) : \(megabyte)], [for i in range(6) : \(megabyte)])}", "The value formatlist() builds would hold more than 16 MiB of text, \(tooManyBytes)"),
        ("${\"\(String(repeating: "${\(megabyte)}", count: 12))\"}", "The value this string template builds would hold more than 16 MiB of text, \(tooManyBytes)"),
        ("${[for i in range(12) : \(megabyte)]}", "The value this for expression builds would hold more than 16 MiB of text, \(tooManyBytes)"),
    ])
    func aValueLargerThanTheBudgetIsRefused(_ text: String, _ detail: String) {
        do {
            let value = try evaluateExpression(text)
            Issue.record("expected an error, got a \(value.kindDescription)")
        } catch let error as EvaluationError {
            #expect(error.diagnostic.summary == "Value too large")
            #expect(error.diagnostic.detail == detail)
            #expect(error.exceedsBudget)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// Just under the limits, the same functions succeed.
    @Test func valuesWithinTheBudgetAreBuilt() throws {
        #expect(try evaluateExpression("${length(concat(range(500000), range(500000)))}") == .number(1_000_000))
        #expect(try evaluateExpression("${length(replace(\(Self.megabyte), \"0123456789\", \"01234567890123456789\"))}") == .number(2_488_870))
    }
}
