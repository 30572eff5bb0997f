/// A JSON document, printed deterministically: keys sorted, two-space indent, final newline.
/// Used for every JSON file and stream tfy writes, so the same inputs give the same bytes.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public func pretty() -> String {
        String(decoding: prettyBytes(), as: UTF8.self)
    }

    /// `pretty()` as the UTF-8 bytes a file holds, without the copies into and out of a String.
    public func prettyBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(to: &out, indent: 0)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    public func compact() -> String {
        String(decoding: compactBytes(), as: UTF8.self)
    }

    /// `compact()` as UTF-8 bytes: one line, without the copy into a String.
    public func compactBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(to: &out, indent: nil)
        return out
    }

    /// `pretty()` written in pieces of about `chunk` bytes as it goes, so a large document is
    /// never held whole as text: `emit` receives each piece (the last with the final newline).
    public func writePretty(chunk: Int = 1 << 16, emit: ([UInt8]) -> Void) {
        JSONPart.value(self).writePretty(chunk: chunk, emit: emit)
    }

    /// Writes the value; `checkpoint` is called after each member and element,
    /// and may take what has been written so far out of `out`.
    func write(to out: inout [UInt8], indent: Int?, checkpoint: (inout [UInt8]) -> Void = { _ in }) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .number(let n): out.append(contentsOf: (n.isFinite ? Value.format(number: n) : "null").utf8)
        case .string(let s): JSONText.writeString(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent.map { $0 + 1 })
                item.write(to: &out, indent: indent.map { $0 + 1 }, checkpoint: checkpoint)
                checkpoint(&out)
            }
            Self.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let entries):
            guard !entries.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            // Sorted as pairs: each member is found once, not looked up again by its key.
            for (i, entry) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent.map { $0 + 1 })
                JSONText.writeString(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                entry.value.write(to: &out, indent: indent.map { $0 + 1 }, checkpoint: checkpoint)
                checkpoint(&out)
            }
            Self.newline(&out, indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    static func newline(_ out: inout [UInt8], _ indent: Int?) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * 2) { out.append(UInt8(ascii: " ")) }
    }
}
