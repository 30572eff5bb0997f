internal import CYAML
import TFYCore

/// Parses one YAML document with libyaml into a `YAMLNode` tree with 1-based source marks.
///
/// Aliases are expanded, but the expanded document is bounded in nodes and in bytes of text
/// (`EvaluationBudget.yamlNodes`, `yamlBytes`) so a "billion laughs" document, or one large
/// scalar aliased many times, fails at once instead of exhausting memory or time. Duplicate mapping keys are errors; `<<`
/// merge keys are honoured. Every libyaml error becomes a diagnostic with file:line:col.
public struct YAMLParser: Sendable {
    /// Bounds the document's nodes and bytes of text, aliases expanded.
    public var budget = EvaluationBudget.standard
    /// How deeply sequences and mappings may nest.
    public var depthLimit = 64

    public init() {}

    /// False for a file that may hold secrets (a variable file): its syntax errors quote none of
    /// its text, only say where.
    public var quotesSourceInErrors = true

    public struct Result: Sendable {
        /// The document's root node; nil when the stream is empty or could not be parsed.
        public var root: YAMLNode?
        public var diagnostics: Diagnostics
        /// True when the stream holds no document at all (an empty or comment-only file).
        public var isEmpty: Bool
    }

    public func parse(_ source: SourceFile) -> Result {
        guard let handle = LibYAMLHandle(bytes: source.bytes) else {
            return Result(root: nil, diagnostics: Diagnostics([.error(
                "Cannot read YAML", detail: "libyaml could not be initialised (out of memory).",
                at: SourceLocation(file: source.name, line: 1, column: 1))]), isEmpty: false)
        }
        var builder = TreeBuilder(source: source, budget: budget, depthLimit: depthLimit)
        builder.quotesSource = quotesSourceInErrors
        return handle.withParser { parser in builder.run(parser) }
    }
}

/// Owns a libyaml parser and the input buffer it reads from; both are freed in `deinit`.
private final class LibYAMLHandle {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let input: UnsafeMutableBufferPointer<UInt8>

    init?(bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            input.deallocate()
            return nil
        }
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    func withParser<R>(_ body: (UnsafeMutablePointer<yaml_parser_t>) -> R) -> R { body(parser) }
}

private struct TreeBuilder {
    let source: SourceFile
    let budget: EvaluationBudget
    let depthLimit: Int

    /// A list or mapping being built. A struct changed in place on the stack, so adding a node
    /// never copies the nodes added before it (which made loading quadratic in the file's size).
    struct Frame {
        var isMapping: Bool
        var start: SourceLocation
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLNode.Pair] = []
        var pendingKey: YAMLNode?
        /// Where each key of `pairs` is written, once the mapping has `Frame.indexedKeys` keys:
        /// most mappings are small, and a dictionary for each was a noticeable part of loading.
        var keys: [String: SourceLocation] = [:]
        /// Pairs merged in with "<<", and their keys.
        var merged: [YAMLNode.Pair] = []
        var mergedKeys: Set<String> = []
        var size = 1
        /// `expandedBytes` when the frame started, so its own bytes are known at its end.
        var startBytes: Int

        static let indexedKeys = 8

        /// Where the key `name` is written in this mapping, if it is.
        func location(ofKey name: String) -> SourceLocation? {
            guard pairs.count < Self.indexedKeys else { return keys[name] }
            return pairs.first { $0.key.scalar?.text ?? "" == name }?.key.start
        }

        mutating func append(_ pair: YAMLNode.Pair, name: String) {
            pairs.append(pair)
            if pairs.count == Self.indexedKeys {
                for pair in pairs { keys[pair.key.scalar?.text ?? ""] = pair.key.start }
            } else if pairs.count > Self.indexedKeys {
                keys[name] = pair.key.start
            }
        }
    }

    var stack: [Frame] = []
    var anchors: [String: YAMLNode] = [:]
    /// Nodes and bytes of scalar text so far, aliases expanded.
    var expandedNodes = 0
    var expandedBytes = 0
    /// Bytes of scalar text each anchored node stands for.
    var anchorBytes: [String: Int] = [:]
    var documents = 0
    var root: YAMLNode?
    var diagnostics = Diagnostics()
    var quotesSource = true

    init(source: SourceFile, budget: EvaluationBudget, depthLimit: Int) {
        self.source = source
        self.budget = budget
        self.depthLimit = depthLimit
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: source.name, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    mutating func run(_ parser: UnsafeMutablePointer<yaml_parser_t>) -> YAMLParser.Result {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                diagnostics.append(libyamlError(parser.pointee))
                return YAMLParser.Result(root: nil, diagnostics: diagnostics, isEmpty: false)
            }
            let done = event.type == YAML_STREAM_END_EVENT
            let ok = handle(event)
            yaml_event_delete(&event)
            if !ok { return YAMLParser.Result(root: nil, diagnostics: diagnostics, isEmpty: false) }
            if done { break }
        }
        return YAMLParser.Result(
            root: diagnostics.hasErrors ? nil : root, diagnostics: diagnostics, isEmpty: documents == 0)
    }

    func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    /// Handles one event; false ends parsing (the error is already recorded).
    mutating func handle(_ event: yaml_event_t) -> Bool {
        let start = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                diagnostics.append(.error(
                    "Multiple YAML documents",
                    detail: "A configuration file holds one YAML document; move this one (after \"---\") into a file of its own.",
                    at: start))
                return false
            }
        case YAML_SCALAR_EVENT:
            let scalarData = event.data.scalar
            let text = scalarData.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: scalarData.length), as: UTF8.self)
            } ?? ""
            let style: YAMLNode.ScalarStyle
            switch scalarData.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            var tag = string(scalarData.tag)
            if let t = tag, t.hasPrefix("tag:yaml.org,2002:") { tag = "!!" + t.dropFirst("tag:yaml.org,2002:".count) }
            let end = location(event.end_mark)
            let anchor = string(scalarData.anchor)
            guard expand(nodes: 1, bytes: scalarData.length, at: start, alias: false) else { return false }
            if let anchor { anchorBytes[anchor] = scalarData.length }
            let scalar = YAMLNode.Scalar(text: text, style: style, tag: tag)
            let node = YAMLNode(
                content: .scalar(scalar), start: start, end: end, size: 1,
                sourceMap: sourceMap(for: scalar, start: start, end: end))
            return add(node, anchor: anchor)
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard var target = anchors[name] else {
                diagnostics.append(.error(
                    "Undefined YAML alias", detail: quotesSource
                        ? "No anchor named \"&\(name)\" is defined before this alias."
                        : "No anchor of this alias's name is defined before it (a value starting with \"*\" is an alias; quote it to mean the text).",
                    at: start))
                return false
            }
            guard expand(nodes: target.size, bytes: anchorBytes[name] ?? 0, at: start, alias: true) else { return false }
            target.start = start
            return add(target, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            guard stack.count < depthLimit else { return tooDeep(start) }
            guard expand(nodes: 1, bytes: 0, at: start, alias: false) else { return false }
            stack.append(Frame(isMapping: false, start: start, anchor: string(event.data.sequence_start.anchor), startBytes: expandedBytes))
        case YAML_MAPPING_START_EVENT:
            guard stack.count < depthLimit else { return tooDeep(start) }
            guard expand(nodes: 1, bytes: 0, at: start, alias: false) else { return false }
            stack.append(Frame(isMapping: true, start: start, anchor: string(event.data.mapping_start.anchor), startBytes: expandedBytes))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return true }
            let end = location(event.end_mark)
            if let anchor = frame.anchor { anchorBytes[anchor] = expandedBytes - frame.startBytes }
            guard frame.isMapping else {
                return add(YAMLNode(content: .sequence(frame.items), start: frame.start, end: end, size: frame.size,
                                    sourceMap: .startOnly(frame.start)), anchor: frame.anchor)
            }
            // Keys written in the mapping itself win over keys merged in with "<<".
            let all = frame.merged.isEmpty ? frame.pairs : frame.pairs + frame.merged.filter { frame.location(ofKey: $0.key.scalar?.text ?? "") == nil }
            return add(YAMLNode(content: .mapping(all), start: frame.start, end: end, size: frame.size,
                                sourceMap: .startOnly(frame.start)), anchor: frame.anchor)
        default:
            break
        }
        return true
    }

    /// Counts a node (or the nodes and bytes an alias stands for) against the budget; false,
    /// with the error recorded, when the document grows past it.
    mutating func expand(nodes: Int, bytes: Int, at: SourceLocation, alias: Bool) -> Bool {
        expandedNodes += nodes
        expandedBytes += bytes
        let limit: String
        if expandedNodes > budget.yamlNodes {
            limit = "\(budget.yamlNodes) nodes"
        } else if expandedBytes > budget.yamlBytes {
            limit = "\(EvaluationBudget.describe(bytes: budget.yamlBytes)) of text"
        } else {
            return true
        }
        if alias {
            diagnostics.append(.error(
                "YAML alias expansion too large",
                detail: "With its aliases expanded, this file holds more than \(limit), as in a \"billion laughs\" document; this alias stands for \(nodes) node\(nodes == 1 ? "" : "s") and \(bytes) byte\(bytes == 1 ? "" : "s") of text. Write the values out, or alias them fewer times.",
                at: at))
        } else {
            diagnostics.append(.error(
                "YAML document too large",
                detail: "This file holds more than \(limit); split the configuration into several files.",
                at: at))
        }
        return false
    }

    mutating func tooDeep(_ at: SourceLocation) -> Bool {
        diagnostics.append(.error(
            "YAML nesting too deep",
            detail: "Lists and mappings nest more than \(depthLimit) levels deep here; no configuration needs that many.",
            at: at))
        return false
    }

    /// Adds a finished node to the container being built, or makes it the document's root.
    mutating func add(_ node: YAMLNode, anchor: String?) -> Bool {
        if let anchor { anchors[anchor] = node }
        guard !stack.isEmpty else {
            root = node
            return true
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            stack[top].size += node.size
            return true
        }
        guard let key = stack[top].pendingKey else {
            guard node.scalar != nil else {
                diagnostics.append(.error(
                    "Invalid mapping key",
                    detail: "Mapping keys must be plain strings, not \(node.kindDescription).", at: node.start))
                return false
            }
            stack[top].pendingKey = node
            return true
        }
        stack[top].pendingKey = nil
        stack[top].size += key.size + node.size
        let name = key.scalar?.text ?? ""
        if name == "<<", key.scalar?.style == .plain {
            Self.merge(node, into: &stack[top], diagnostics: &diagnostics)
        } else if let first = stack[top].location(ofKey: name) {
            diagnostics.append(.error(
                "Duplicate mapping key",
                detail: quotesSource
                    ? "The key \"\(name)\" is already defined at line \(first.line), column \(first.column) of this mapping; each key may appear once."
                    : "This key is already defined at line \(first.line), column \(first.column) of this mapping; each key may appear once.",
                at: key.start))
        } else {
            stack[top].append(YAMLNode.Pair(key: key, value: node), name: name)
        }
        return true
    }

    /// A `<<: *defaults` merge: keys the mapping does not set itself are taken from the alias.
    static func merge(_ node: YAMLNode, into frame: inout Frame, diagnostics: inout Diagnostics) {
        let sources: [YAMLNode]
        switch node.content {
        case .mapping: sources = [node]
        case .sequence(let items): sources = items
        case .scalar:
            diagnostics.append(.error(
                "Invalid merge key", detail: "\"<<\" merges a mapping (or a list of mappings) into this one.",
                at: node.start))
            return
        }
        for source in sources {
            guard let sourcePairs = source.pairs else {
                diagnostics.append(.error(
                    "Invalid merge key", detail: "\"<<\" merges a mapping (or a list of mappings) into this one.",
                    at: source.start))
                continue
            }
            for pair in sourcePairs where frame.mergedKeys.insert(pair.key.scalar?.text ?? "").inserted {
                frame.merged.append(pair)
            }
        }
    }

    func sourceMap(for scalar: YAMLNode.Scalar, start: SourceLocation, end: SourceLocation) -> ScalarSourceMap {
        // Compared in place, without copying the text or the line: this runs for every scalar.
        let text = scalar.text.unicodeScalars
        switch scalar.style {
        case .plain, .singleQuoted, .doubleQuoted:
            guard start.line == end.line, start.line <= source.lines.count else { break }
            let line = source.lines[start.line - 1]
            let from = start.column - 1, to = end.column - 1
            guard from >= 0, from <= to, to <= line.count else { break }
            let raw = line[from..<to]
            if scalar.style == .plain, raw.elementsEqual(text) {
                return ScalarSourceMap(start: start, kind: .sameLine(column: start.column))
            }
            if scalar.style != .plain, raw.count >= 2, raw.dropFirst().dropLast().elementsEqual(text) {
                return ScalarSourceMap(start: start, kind: .sameLine(column: start.column + 1))
            }
        case .literal:
            let firstLine = start.line + 1
            guard firstLine <= source.lines.count else { break }
            let line = source.lines[firstLine - 1]
            let indent = line.prefix { $0 == " " }.count
            let firstTextLine = text.prefix { $0 != "\n" }
            if !firstTextLine.isEmpty, Array(line.dropFirst(indent)) == Array(firstTextLine) {
                return ScalarSourceMap(start: start, kind: .lines(firstLine: firstLine, column: indent + 1))
            }
        case .folded:
            break
        }
        return .startOnly(start)
    }

    func libyamlError(_ parser: yaml_parser_t) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if parser.error == YAML_READER_ERROR {
            var offset = min(Int(parser.problem_offset), source.bytes.count)
            var byte = parser.problem_value
            if problem.contains("trailing") || problem.contains("incomplete") {
                // libyaml points past the sequence's first byte; show the byte that began it.
                var start = offset
                while start > 0, offset - start < 4, source.bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
                if start > 0, source.bytes[start - 1] >= 0xC0 { start -= 1 }
                if start < offset { offset = start; byte = Int32(source.bytes[start]) }
            }
            var detail = "The file must be UTF-8 text: \(problem)"
            if byte >= 0 {
                detail += " (byte 0x\(String(UInt8(truncatingIfNeeded: byte), radix: 16, uppercase: true)))"
            }
            return .error("Invalid character encoding", detail: detail + ".", at: source.location(ofByteOffset: offset))
        }
        return YAMLSyntaxError(
            source: source, problem: problem, problemAt: location(parser.problem_mark),
            context: parser.context.map { String(cString: $0) }, contextAt: location(parser.context_mark),
            quotesSource: quotesSource).diagnostic
    }
}
