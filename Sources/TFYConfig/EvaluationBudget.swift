import Foundation
import TFYCore

/// The most work one configuration may cause while it is loaded and evaluated.
///
/// A hostile or mistaken file (a "billion laughs" of aliases, `join` over a million numbers, a
/// template that includes itself, nested `for` over large ranges) fails with a located error
/// when it crosses one of these limits, before the memory for the result is taken, instead of
/// running for minutes or exhausting memory. The defaults are far above what a real cluster
/// configuration needs and keep every case within a couple of seconds and a few hundred MB.
/// docs/configuration.md ("Limits") lists them.
public struct EvaluationBudget: Sendable, Hashable {
    /// Nodes one YAML document may hold once its aliases are expanded (every scalar, list and
    /// mapping, each alias counted as the nodes it stands for).
    public var yamlNodes = 1_000_000
    /// Bytes of scalar text one YAML document may hold once its aliases are expanded.
    public var yamlBytes = 32 * 1024 * 1024
    /// How many templates `templatefile()` may nest, the outermost included.
    public var templateDepth = 8
    /// Elements (list items and map entries, nested ones included) of one value a function,
    /// a `for` expression or a template builds.
    public var valueElements = 1_000_000
    /// Bytes of string text in one value a function, a `for` expression or a template builds.
    /// As large as a file may be, so whatever `file()` reads can be used whole.
    public var valueBytes = 16 * 1024 * 1024
    /// Iterations of every `for` expression of one evaluation of a configuration, in all.
    public var forIterations = 1_000_000
    /// Elements and bytes of string text that every value built during one evaluation holds, in
    /// all: each value is bounded on its own, and this bounds how many may be built, so a cheap
    /// loop over an expensive call (`[for i in range(20) : length(range(1000000))]`) or values
    /// nested in one another thousands deep stop instead of running for minutes.
    public var builtElements = 10_000_000
    public var builtBytes = 256 * 1024 * 1024
    /// Largest file `file()`, `templatefile()` or a bootstrap `files.source` reads. Its contents
    /// end up in plans (a bootstrap file's content) and in memory several times over; larger
    /// files belong in an artifact store the machine downloads from.
    public var fileBytes = 16 * 1024 * 1024
    /// Backtracking the regular expressions of `regex`, `regexall` and `replace` may do in one
    /// evaluation, in all: ICU's progress reports beyond one for each position of the text a
    /// search starts from, each a fixed number of matching steps (2,000 take well under a
    /// second). An ordinary pattern uses none; a nested repetition such as `(a+)+$`, which
    /// backtracks exponentially, stops here.
    public var regexWork = 2_000

    public init() {}

    public static let standard = EvaluationBudget()

    /// `bytes` as a person reads a limit: "16 MiB".
    public static func describe(bytes: Int) -> String {
        bytes % (1024 * 1024) == 0 ? "\(bytes / 1024 / 1024) MiB" : "\(bytes) bytes"
    }
}

/// The shared, running count of what one evaluation has used of its budget: copies of an
/// `EvaluationScope` (templates, `count` instances, each resource) all draw on one meter.
public final class EvaluationMeter: @unchecked Sendable {
    private let lock = NSLock()
    private var forIterationsUsed = 0

    public init() {}

    private var elementsBuilt = 0
    private var bytesBuilt = 0

    /// Takes a built value's `elements` and `bytes`; false when either total would pass its limit.
    func takeBuilt(elements: Int, bytes: Int, budget: EvaluationBudget) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard elements <= budget.builtElements - elementsBuilt, bytes <= budget.builtBytes - bytesBuilt else { return false }
        elementsBuilt += elements
        bytesBuilt += bytes
        return true
    }

    private var regexWorkUsed = 0

    /// Takes `n` more units of regular-expression work; false when that would pass `limit`.
    func takeRegexWork(_ n: Int, limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard n <= limit - regexWorkUsed else { return false }
        regexWorkUsed += n
        return true
    }

    /// Takes `n` more `for` iterations; false when that would pass `limit`.
    func takeForIterations(_ n: Int, limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard n <= limit - forIterationsUsed else { return false }
        forIterationsUsed += n
        return true
    }
}

/// Measures values against the budget, stopping as soon as a limit is passed, so measuring
/// costs no more than the budget allows however the value shares its parts.
struct ValueSize {
    var elements = 0
    var bytes = 0

    /// Adds `value`'s elements and string bytes; false as soon as either passes its limit.
    mutating func add(_ value: Value, budget: EvaluationBudget) -> Bool {
        switch value {
        case .string(let s):
            bytes += s.utf8.count
        case .list(let items):
            elements += items.count
            guard elements <= budget.valueElements else { return false }
            for item in items where !add(item, budget: budget) { return false }
        case .map(let entries):
            elements += entries.count
            guard elements <= budget.valueElements else { return false }
            for (key, item) in entries {
                bytes += key.utf8.count
                guard add(item, budget: budget) else { return false }
            }
        case .sensitive(let inner):
            return add(inner, budget: budget)
        default:
            break
        }
        return elements <= budget.valueElements && bytes <= budget.valueBytes
    }
}
