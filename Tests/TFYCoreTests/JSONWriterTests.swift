import Testing
@testable import TFYCore

/// Large documents are written in pieces (`show -json` of a 10,000-instance plan is 36 MB):
/// the pieces together must be exactly the document, and none much larger than asked for.
@Suite(.timeLimit(.minutes(5)))
struct JSONWriterTests {
    static let document: JSONValue = .object([
        "resources": .array((0..<3000).map { i in
            .object(["address": .string("aws_instance.node[\(i)]"), "index": .int(i), "tags": .object(["Name": .string("node-\(i)"), "<&>": .null]),
                     "ids": .array([.bool(true), .number(1.5)])])
        }),
        "format_version": .string("1.2"),
    ])

    @Test func piecesTogetherAreThePrettyDocument() {
        var pieces: [[UInt8]] = []
        Self.document.writePretty(chunk: 4096) { pieces.append($0) }
        #expect(pieces.joined().elementsEqual(Self.document.prettyBytes()))
        #expect(pieces.count > 50)
        // Each piece but the last ends where a member or element did, at most one resource past the size.
        #expect(pieces.dropLast().allSatisfy { $0.count >= 4096 && $0.count < 4096 + 400 })
        #expect(pieces.last?.last == UInt8(ascii: "\n"))
    }

    @Test func compactBytesAreOneLineAndReadBack() {
        let bytes = Self.document.compactBytes()
        #expect(!bytes.contains(UInt8(ascii: "\n")))
        #expect(JSONValue.parse(bytes) == .success(Self.document))
        #expect(String(decoding: bytes.prefix(41), as: UTF8.self) == #"{"format_version":"1.2","resources":[{"ad"#)
    }

    /// A document whose resources are made as they are written: the same bytes as its
    /// materialized tree, and no resource made before the pieces ahead of it were handed out.
    final class Made { var count = 0 }

    static func lazyDocument(_ made: Made) -> JSONPart {
        guard case .array(let resources)? = document["resources"] else { return .value(.null) }
        return .object([
            ("resources", .lazyArray(count: resources.count) { i in made.count += 1; return resources[i] }),
            ("format_version", .value(.string("1.2"))),
            ("empty", .object([("list", .lazyArray(count: 0) { _ in .null }), ("object", .object([]))])),
        ])
    }

    @Test func aLazyDocumentIsWrittenAsItsMaterializedTree() {
        let made = Made()
        var pieces: [[UInt8]] = []
        Self.lazyDocument(made).writePretty(chunk: 4096) { pieces.append($0) }
        let tree = Self.lazyDocument(Made()).materialized
        #expect(pieces.joined().elementsEqual(tree.prettyBytes()))
        #expect(made.count == 3000)
        #expect(String(decoding: tree.prettyBytes(), as: UTF8.self).hasPrefix("{\n  \"empty\": {\n    \"list\": [],\n    \"object\": {}\n  },\n  \"format_version\""))
    }

    @Test func aLazyListsElementsAreMadeAsTheyAreWritten() {
        let made = Made()
        var madeAtEachPiece: [Int] = []
        Self.lazyDocument(made).writePretty(chunk: 4096) { _ in madeAtEachPiece.append(made.count) }
        // A piece of 4 KiB holds about 25 resources: each is handed out before the next ones are made.
        #expect(madeAtEachPiece.count > 50)
        #expect(madeAtEachPiece.first.map { $0 > 0 && $0 < 40 } == true)
        #expect(madeAtEachPiece == madeAtEachPiece.sorted())
    }
}
