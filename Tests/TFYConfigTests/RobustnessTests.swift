import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

/// Mutates valid configurations thousands of times — truncation, byte flips, random insertions —
/// and checks that each run ends in diagnostics or success, never in a crash or a trap.
@Suite(.timeLimit(.minutes(30)))
struct RobustnessTests {
    /// A deterministic generator (SplitMix64), so a failure reproduces from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments: [String] = [
        "${", "}", "\"", "'", ":", "- ", "\n", "\t", "[", "]", "{", "}", "&a ", "*a", "<<: ", "---\n", "${var.", "${local.",
        "count.index", "aws_instance.master[", "[*]", "(", ")", "?", " : ", "/0", "%", "join(", "\\", "\u{00}", "\u{FF}", "é",
        "1e999", "-1", "99999999999999999999", "null", "true", "!!str ", "|\n", ">\n", "#", "${{", "...", "&&", "||",
    ]

    /// The fixture cluster's files and a small single-file configuration; a missing fixture throws
    /// (fuzzing an empty file would prove nothing).
    static func sources() throws -> [[String: [UInt8]]] {
        let cluster = fixturesDirectory + "/valid/cluster"
        let names = ["bootstrap.yml", "instances.yml", "network.yml", "variables.yml"]
        var whole: [String: [UInt8]] = [:]
        for name in names { whole[name] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(cluster)/\(name)"))) }
        let single = ["main.yml": Array("""
            variable:
              n: {type: number, default: 2}
            locals:
              names: "${[for_each_is_not, 1]}"
              x: "${local.y + 1}"
              y: 3
            resource:
              aws_instance:
                a: {count: "${var.n}", ami: "${format(\\"%s-%d\\", \\"ami\\", count.index)}", instance_type: t2.small}
            output:
              o: {value: "${aws_instance.a[*].ami}"}
            """.utf8)]
        return [whole, single]
    }

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                result = Array(result.prefix(Int.random(in: 0...result.count, using: &rng)))
            case 1 where !result.isEmpty:
                result[Int.random(in: 0..<result.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 2:
                let fragment = Array(fragments.randomElement(using: &rng)!.utf8)
                result.insert(contentsOf: fragment, at: Int.random(in: 0...result.count, using: &rng))
            default:
                if result.count > 2 {
                    let a = Int.random(in: 0..<result.count, using: &rng)
                    let b = Int.random(in: a...min(result.count, a + 40), using: &rng)
                    result.removeSubrange(a..<b)
                }
            }
        }
        return result
    }

    @Test(arguments: 0..<6)
    func mutatedConfigurationsEndInDiagnosticsOrSuccess(_ batch: Int) throws {
        var rng = SplitMix(state: UInt64(batch) &* 7919 &+ 1)
        var outcomes = (valid: 0, invalid: 0)
        let originals = try Self.sources()
        for round in 0..<500 {
            let original = originals[round % 2]
            let victim = original.keys.sorted().randomElement(using: &rng)!
            var files = original
            files[victim] = Self.mutate(original[victim]!, &rng)
            let sources = files.keys.sorted().map { SourceFile(name: $0, bytes: files[$0]!) }
            let (configuration, loadDiagnostics) = ConfigurationLoader(resourceTypes: .standard).load(files: sources, directory: fixturesDirectory + "/valid/cluster", defaultStack: "fuzz")
            let (variables, _, variableDiagnostics) = VariableResolver(missingRequired: .unknown).resolve(configuration, inputs: [])
            let (_, evaluationDiagnostics) = ConfigurationEvaluator().evaluate(configuration, variables: variables)
            var all = loadDiagnostics
            all.append(contentsOf: variableDiagnostics)
            all.append(contentsOf: evaluationDiagnostics)
            if all.hasErrors { outcomes.invalid += 1 } else { outcomes.valid += 1 }
            for error in all.errors {
                #expect(!error.summary.isEmpty && !error.detail.isEmpty, "seed batch \(batch) round \(round): \(error)")
                #expect(error.location != nil, "seed batch \(batch) round \(round): \(error)")
            }
        }
        // Both kinds occur: mutations that break the file and ones that keep it valid.
        #expect(outcomes.invalid > 100)
        #expect(outcomes.valid > 0)
    }
}
