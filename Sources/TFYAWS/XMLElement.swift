/// A small, strict XML reader for AWS Query API responses: elements, text, entities, CDATA.
/// Attributes, comments, processing instructions and DOCTYPEs are skipped. A malformed
/// document is an error, never a crash.
public struct XMLNode: Sendable, Hashable {
    public var name: String
    public var children: [XMLNode]
    public var text: String

    /// The first child named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// The text of the first child named `name`.
    public func string(_ name: String) -> String? { child(name)?.text }

    /// Children named `item` of the child `name` (EC2's list shape).
    public func items(_ name: String) -> [XMLNode] { child(name)?.children.filter { $0.name == "item" } ?? [] }

    /// The first descendant named `name`, depth first.
    public func find(_ name: String) -> XMLNode? {
        for child in children {
            if child.name == name { return child }
            if let found = child.find(name) { return found }
        }
        return nil
    }

    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> XMLNode {
        var parser = XMLReader(bytes: bytes)
        return try parser.document(streaming: [], each: { _ in })
    }

    /// Parses `bytes` as `parse` does, except that each element at `path` below the root (the
    /// root's child `path[0]`, its child `path[1]`, …) is handed to `each` as soon as its end tag
    /// is read, and is left out of the tree returned: a page of a thousand reservations is
    /// decoded one reservation at a time and never held whole. The document is checked to its
    /// end as `parse` checks it; a malformed one throws, after `each` has seen the elements
    /// before the fault.
    public static func parse(_ bytes: [UInt8], streaming path: [String], each: (XMLNode) -> Void) throws(ParseError) -> XMLNode {
        precondition(!path.isEmpty, "a streamed path names at least one element")
        var parser = XMLReader(bytes: bytes)
        return try parser.document(streaming: path[...], each: each)
    }
}

private struct XMLReader {
    let bytes: [UInt8]
    var position = 0

    func error(_ message: String) -> XMLNode.ParseError { XMLNode.ParseError(message: message, offset: position) }

    /// Whether `literal` starts at `at` (the position by default). Compares in place: a page of
    /// a thousand instances asks this a million times, so nothing is allocated here.
    func peek(_ literal: StaticString, at start: Int? = nil) -> Bool {
        let start = start ?? position
        let count = literal.utf8CodeUnitCount
        guard start + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { l in
            for i in 0..<count where bytes[start + i] != l[i] { return false }
            return true
        }
    }

    mutating func skip(past literal: StaticString) throws(XMLNode.ParseError) {
        let count = literal.utf8CodeUnitCount
        while position + count <= bytes.count {
            if peek(literal) { position += count; return }
            position += 1
        }
        throw error("unterminated \(literal)")
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    mutating func skipSpace() {
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
    }

    mutating func skipMisc() throws(XMLNode.ParseError) {
        while true {
            skipSpace()
            if peek("<?") { try skip(past: "?>") } else if peek("<!--") { try skip(past: "-->") } else if peek("<!DOCTYPE") { try skip(past: ">") } else { return }
        }
    }

    mutating func document(streaming path: ArraySlice<String>, each: (XMLNode) -> Void) throws(XMLNode.ParseError) -> XMLNode {
        try skipMisc()
        guard peek("<") else { throw error("the response is not XML") }
        // The root is never streamed: `path` starts below it.
        let root = try rootElement(below: path, each: each)
        try skipMisc()
        guard position == bytes.count else { throw error("unexpected content after the root element") }
        return root
    }

    mutating func name() throws(XMLNode.ParseError) -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") { break }
            position += 1
        }
        guard position > start else { throw error("expected a name") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// The element starting here, or nil when it is on the streamed path's end and went to
    /// `each` instead. `path` is what remains of the streamed path below the parent: this element
    /// is on it when its name is `path.first`, and then its children are on `path.dropFirst()`.
    mutating func element(depth: Int, path: ArraySlice<String>, each: (XMLNode) -> Void) throws(XMLNode.ParseError) -> XMLNode? {
        guard depth < 256 else { throw error("nested too deeply") }
        position += 1  // "<"
        let tag = try name()
        let onPath = path.first == tag
        let node = try rest(of: tag, depth: depth, below: onPath ? path.dropFirst() : [], each: each)
        guard onPath, path.count == 1 else { return node }
        each(node)
        return nil
    }

    /// The root element: its name is not matched against the path, and it is always kept.
    mutating func rootElement(below: ArraySlice<String>, each: (XMLNode) -> Void) throws(XMLNode.ParseError) -> XMLNode {
        position += 1  // "<"
        let tag = try name()
        return try rest(of: tag, depth: 0, below: below, each: each)
    }

    /// An element's attributes, content and end tag, its start tag's name already read; its
    /// children are on the streamed path `below`.
    mutating func rest(of tag: String, depth: Int, below: ArraySlice<String>, each: (XMLNode) -> Void) throws(XMLNode.ParseError) -> XMLNode {
        // Attributes: skipped, but their quoted values may hold ">".
        while true {
            skipSpace()
            guard position < bytes.count else { throw error("unterminated start tag <\(tag)>") }
            if peek("/>") { position += 2; return XMLNode(name: tag, children: [], text: "") }
            if bytes[position] == UInt8(ascii: ">") { position += 1; break }
            _ = try name()
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else { throw error("expected = in an attribute") }
            position += 1
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else { throw error("expected a quoted attribute value") }
            let quote = bytes[position]
            position += 1
            while position < bytes.count, bytes[position] != quote { position += 1 }
            guard position < bytes.count else { throw error("unterminated attribute value") }
            position += 1
        }
        var children: [XMLNode] = []
        var text: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated element <\(tag)>") }
            if peek("</") {
                position += 2
                let closing = try name()
                guard closing == tag else { throw error("</\(closing)> closes <\(tag)>") }
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw error("expected > after </\(closing)") }
                position += 1
                return XMLNode(name: tag, children: children, text: String(decoding: text, as: UTF8.self))
            }
            if peek("<![CDATA[") {
                position += 9
                let start = position
                try skip(past: "]]>")
                text += bytes[start..<(position - 3)]
            } else if peek("<!--") {
                try skip(past: "-->")
            } else if peek("<?") {
                try skip(past: "?>")
            } else if bytes[position] == UInt8(ascii: "<") {
                if let child = try element(depth: depth + 1, path: below, each: each) { children.append(child) }
            } else if bytes[position] == UInt8(ascii: "&") {
                text += try entity()
            } else {
                // A run of plain text, copied at once.
                let start = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "<"), bytes[position] != UInt8(ascii: "&") { position += 1 }
                text += bytes[start..<position]
            }
        }
    }

    mutating func entity() throws(XMLNode.ParseError) -> [UInt8] {
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: ";"), position - start < 12 { position += 1 }
        guard position < bytes.count, bytes[position] == UInt8(ascii: ";") else { throw error("unterminated entity") }
        let body = String(decoding: bytes[(start + 1)..<position], as: UTF8.self)
        position += 1
        switch body {
        case "lt": return Array("<".utf8)
        case "gt": return Array(">".utf8)
        case "amp": return Array("&".utf8)
        case "quot": return Array("\"".utf8)
        case "apos": return Array("'".utf8)
        default:
            var code: UInt32?
            if body.hasPrefix("#x") { code = UInt32(body.dropFirst(2), radix: 16) } else if body.hasPrefix("#") { code = UInt32(body.dropFirst(1)) }
            guard let code, let scalar = Unicode.Scalar(code) else { throw error("unknown entity &\(body);") }
            return Array(String(Character(scalar)).utf8)
        }
    }
}
