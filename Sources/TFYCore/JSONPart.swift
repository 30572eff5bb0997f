/// A JSON document whose large lists are made one element at a time as they are written: the
/// `show -json` of 10,000 resources writes each resource's object and lets it go, instead of
/// building the tree of the whole document first. Written, it is byte for byte the `JSONValue`
/// that `materialized` makes of it (keys sorted, two-space indent, final newline).
public indirect enum JSONPart {
    case value(JSONValue)
    /// Members with distinct keys, in any order; written sorted by key, as `JSONValue.object` is.
    case object([(key: String, part: JSONPart)])
    /// `count` elements, element `i` made by `element(i)` when it is written.
    case lazyArray(count: Int, element: (Int) -> JSONValue)

    /// The whole document as a `JSONValue`: what tests and small documents use.
    public var materialized: JSONValue {
        switch self {
        case .value(let value): return value
        case .object(let members):
            return .object(Dictionary(members.map { ($0.key, $0.part.materialized) }, uniquingKeysWith: { _, last in last }))
        case .lazyArray(let count, let element): return .array((0..<count).map(element))
        }
    }

    /// Written in pieces of about `chunk` bytes, as `JSONValue.writePretty` writes: `emit`
    /// receives each piece, the last with the final newline.
    public func writePretty(chunk: Int = 1 << 16, emit: ([UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(chunk + 4096)
        write(to: &out, indent: 0) { buffer in
            guard buffer.count >= chunk else { return }
            emit(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        out.append(UInt8(ascii: "\n"))
        emit(out)
    }

    func write(to out: inout [UInt8], indent: Int, checkpoint: (inout [UInt8]) -> Void) {
        switch self {
        case .value(let value):
            value.write(to: &out, indent: indent, checkpoint: checkpoint)
        case .object(let members):
            guard !members.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 1)
                JSONText.writeString(member.key, to: &out)
                out.append(contentsOf: ": ".utf8)
                member.part.write(to: &out, indent: indent + 1, checkpoint: checkpoint)
                checkpoint(&out)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "}"))
        case .lazyArray(let count, let element):
            guard count > 0 else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for i in 0..<count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 1)
                element(i).write(to: &out, indent: indent + 1, checkpoint: checkpoint)
                checkpoint(&out)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        }
    }
}
