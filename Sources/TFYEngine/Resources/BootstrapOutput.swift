import TFYCore

/// What a bootstrap shows of its remote output: every line with each sensitive value of its
/// configuration replaced by `(sensitive value)`, or, with `sensitive_output: suppress`, no line
/// at all — each becomes `(output suppressed due to sensitive value in config)`, as Terraform
/// prints for a provisioner whose configuration holds a sensitive value.
///
/// Every line passes through here before it is printed, put in a `-json` event or kept for an
/// error message. Output is filtered line by line, and ssh's output reaches it in whole lines (a
/// line is held until its newline arrives, however the reads split it), so a value split across
/// two reads is still caught. A value of several lines is looked for line by line: a script that
/// prints it prints it over several lines.
///
/// Only exact bytes are recognised: a value the script transforms (encodes, reverses, prints in
/// parts, or echoes unquoted so the shell squeezes its spaces) is not.
struct BootstrapOutput: Sendable {
    static let redacted = "(sensitive value)"
    static let suppressed = "(output suppressed due to sensitive value in config)"

    /// Lines of a multi-line value shorter than this (after trimming spaces and tabs) are not
    /// looked for on their own: a `}`, `fi` or `--` line is structure, not the secret, and
    /// replacing every such line would hide the output and still show where the value is. The
    /// value's longer lines are looked for; a one-line value is looked for whatever its length.
    static let minimumLineLength = 4

    /// The byte strings to replace of 4 bytes or more, by their first four bytes: a 16 MiB file
    /// of content has many lines, and each line of output is looked up, not compared with each.
    let patternsByPrefix: [UInt32: [[UInt8]]]
    /// The shorter ones (one-line values of 1 to 3 bytes), compared at every position.
    let shortPatterns: [[UInt8]]
    let suppress: Bool

    init(sensitive values: [String], suppress: Bool = false) {
        var patterns = Set<[UInt8]>()
        for value in values { patterns.formUnion(Self.patterns(of: value)) }
        patternsByPrefix = Dictionary(grouping: patterns.filter { $0.count >= 4 }) { Self.prefix($0[...]) }
        shortPatterns = patterns.filter { $0.count < 4 }.sorted { $0.lexicographicallyPrecedes($1) }
        self.suppress = suppress
    }

    /// The first four bytes of `bytes` as one number.
    static func prefix(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// What is looked for of one value: the value itself when it is one line (trailing line
    /// breaks, as a file read with `file()` has, and surrounding spaces left out), else each of
    /// its lines of at least `minimumLineLength` bytes.
    static func patterns(of value: String) -> [[UInt8]] {
        var bytes = Array(value.utf8)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { trimmed(Array($0)) }
        if lines.count == 1 { return lines[0].isEmpty ? [] : [lines[0]] }
        return lines.filter { $0.count >= minimumLineLength }
    }

    /// `line` without surrounding spaces, tabs and a carriage return.
    static func trimmed(_ line: [UInt8]) -> [UInt8] {
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
        guard let first = line.firstIndex(where: { !blank.contains($0) }), let last = line.lastIndex(where: { !blank.contains($0) }) else { return [] }
        return Array(line[first...last])
    }

    /// One line of output as it may be shown.
    func line(_ text: String) -> String {
        suppress ? Self.suppressed : redact(text)
    }

    /// The last lines of a failed session's output as an error may quote them: redacted, or
    /// with `suppress` the one line that says the output is not shown (none when there was none).
    func tail(_ lines: [String]) -> [String] {
        guard suppress else { return lines.map(redact) }
        return lines.isEmpty ? [] : [Self.suppressed]
    }

    /// `text` with every byte that belongs to an occurrence of a sensitive value replaced: each
    /// run of such bytes (occurrences that overlap or touch included) becomes one
    /// `(sensitive value)`. No pattern holds a line break, so text of several lines (an error
    /// message) is redacted as each of its lines would be.
    func redact(_ text: String) -> String {
        guard !patternsByPrefix.isEmpty || !shortPatterns.isEmpty, !text.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var covered = [Bool](repeating: false, count: bytes.count)
        var found = false
        func cover(_ pattern: [UInt8], at start: Int) {
            guard start + pattern.count <= bytes.count, bytes[start..<(start + pattern.count)].elementsEqual(pattern) else { return }
            for i in start..<(start + pattern.count) { covered[i] = true }
            found = true
        }
        for start in bytes.indices {
            for pattern in shortPatterns { cover(pattern, at: start) }
            if start + 4 <= bytes.count, let candidates = patternsByPrefix[Self.prefix(bytes[start..<(start + 4)])] {
                for pattern in candidates { cover(pattern, at: start) }
            }
        }
        guard found else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if covered[i] {
                result += Self.redacted.utf8
                while i < bytes.count, covered[i] { i += 1 }
            } else {
                result.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension Value {
    /// Every string in the value that is marked sensitive or lies inside something that is: what
    /// a bootstrap's remote output must not show.
    public var sensitiveStrings: [String] { sensitiveStrings(inherited: false) }

    private func sensitiveStrings(inherited: Bool) -> [String] {
        switch self {
        case .sensitive(let inner): return inner.sensitiveStrings(inherited: true)
        case .string(let text): return inherited ? [text] : []
        // A sensitive number reaches a script as its text (`echo ${var.pin}` prints 4711).
        case .number(let number): return inherited ? [Value.format(number: number)] : []
        case .list(let items): return items.flatMap { $0.sensitiveStrings(inherited: inherited) }
        // A sensitive map's keys are as secret as its values.
        case .map(let entries): return entries.keys.sorted().flatMap { (inherited ? [$0] : []) + entries[$0]!.sensitiveStrings(inherited: inherited) }
        default: return []
        }
    }
}
