/// The pure model shared by every part of tfy: values (known, unknown, sensitive), value types,
/// resource schemas, addresses and diagnostics. Nothing in this target performs I/O.

/// A position in a configuration file, 1-based as editors count.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location `offset` characters further along the same line.
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One finding about the user's input: what is wrong, why, where, and on which resource.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable { case error, warning }

    public var severity: Severity
    /// A short title, e.g. "Unsupported argument".
    public var summary: String
    /// A full sentence that names the fix.
    public var detail: String
    public var location: SourceLocation?
    /// The resource or block the finding is about, e.g. `aws_instance.master[1]`.
    public var address: String?
    /// The source line at `location` holds a sensitive value (a `-var-file` line): renderers show
    /// the location and `(sensitive value)` instead of the line.
    public var sourceIsSensitive = false

    public init(
        _ severity: Severity, _ summary: String, detail: String = "",
        at location: SourceLocation? = nil, address: String? = nil
    ) {
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.location = location
        self.address = address
    }

    public static func error(
        _ summary: String, detail: String = "", at location: SourceLocation? = nil, address: String? = nil
    ) -> Diagnostic {
        Diagnostic(.error, summary, detail: detail, at: location, address: address)
    }

    public static func warning(
        _ summary: String, detail: String = "", at location: SourceLocation? = nil, address: String? = nil
    ) -> Diagnostic {
        Diagnostic(.warning, summary, detail: detail, at: location, address: address)
    }

    public var description: String {
        var text = "\(severity): \(summary)"
        if let location { text += " at \(location)" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}

/// Diagnostics collected over one operation, so a run reports every mistake it finds.
public struct Diagnostics: Sendable, Hashable, Sequence {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) { self.items = items }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }
    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }

    public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }
    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }
    public mutating func append(contentsOf other: [Diagnostic]) { items.append(contentsOf: other) }

    public func makeIterator() -> IndexingIterator<[Diagnostic]> { items.makeIterator() }

    /// The same diagnostics with repeats removed: two checks may find one mistake, and a mistake
    /// in a counted resource is found once per instance. The first (lowest address) is kept.
    public var unique: Diagnostics {
        var seen = Set<Diagnostic>()
        return Diagnostics(items.filter { item in
            var key = item
            key.address = nil
            return seen.insert(key).inserted
        })
    }

    /// Sorted by file, line and column, so output is stable whatever order checks ran in.
    public var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            switch (la, lb) {
            case let (x?, y?):
                if x.file != y.file { return x.file < y.file }
                if x.line != y.line { return x.line < y.line }
                if x.column != y.column { return x.column < y.column }
                return a.offset < b.offset
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
    }
}

/// Thrown where one failure ends an operation; carries what the user needs to see.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: Diagnostics
    public init(_ diagnostics: Diagnostics) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = Diagnostics([diagnostic]) }
    public var description: String { diagnostics.items.map(\.description).joined(separator: "\n") }
}
