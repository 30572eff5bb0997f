import Testing
@testable import TFYAWS

/// A DescribeInstances page decoded one reservation at a time, as it is parsed.
@Suite(.timeLimit(.minutes(5)))
struct XMLStreamingTests {
    /// A page in EC2's shape: `reservations` reservations of `perReservation` instances each.
    static func page(reservations: Int, perReservation: Int, token: String? = nil) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
            + "<requestId>req-1</requestId><reservationSet>"
        for r in 0..<reservations {
            xml += "<item><reservationId>r-\(r)</reservationId><ownerId>11112222333\(r % 10)</ownerId><groupSet/><instancesSet>"
            for i in 0..<perReservation {
                let n = r * perReservation + i
                xml += "<item><instanceId>i-\(n)</instanceId><imageId>ami-1</imageId><instanceState><code>16</code><name>running</name></instanceState>"
                    + "<instanceType>t2.micro</instanceType><groupSet><item><groupId>sg-1</groupId><groupName>g</groupName></item></groupSet>"
                    + "<tagSet><item><key>Name</key><value>node-\(n) &amp; co</value></item><item><key>tfy:stack</key><value>s</value></item></tagSet></item>"
            }
            xml += "</instancesSet></item>"
        }
        xml += "</reservationSet>" + (token.map { "<nextToken>\($0)</nextToken>" } ?? "") + "</DescribeInstancesResponse>"
        return xml
    }

    func streamed(_ xml: String, _ path: [String]) throws -> (root: XMLNode, items: [XMLNode]) {
        var items: [XMLNode] = []
        let root = try XMLNode.parse(Array(xml.utf8), streaming: path) { items.append($0) }
        return (root, items)
    }

    @Test func eachReservationIsHandedOverInOrderAndLeftOutOfTheTree() throws {
        let (root, items) = try streamed(Self.page(reservations: 3, perReservation: 2, token: "t-2"), ["reservationSet", "item"])
        #expect(items.map { $0.string("reservationId") } == ["r-0", "r-1", "r-2"])
        #expect(items.map { $0.items("instancesSet").compactMap { $0.string("instanceId") } } == [["i-0", "i-1"], ["i-2", "i-3"], ["i-4", "i-5"]])
        #expect(root.child("reservationSet")?.children == [])
        #expect(root.string("requestId") == "req-1")
        #expect(root.string("nextToken") == "t-2")
    }

    @Test func theInstancesDecodedAsStreamedEqualThoseDecodedFromTheWholeTree() throws {
        let xml = Self.page(reservations: 7, perReservation: 5)
        let whole = EC2Client.instances(try XMLNode.parse(Array(xml.utf8)))
        let (_, items) = try streamed(xml, ["reservationSet", "item"])
        let decoded = items.flatMap(EC2Client.instances(reservation:))
        #expect(decoded == whole)
        #expect(decoded.count == 35)
        #expect(decoded[6].tags == ["Name": "node-6 & co", "tfy:stack": "s"])
        #expect(decoded[6].ownerId == "111122223331")
    }

    @Test func onlyElementsOnThePathFromTheRootAreStreamed() throws {
        // `item` under another parent, and a `reservationSet` deeper down, are kept in the tree.
        let xml = "<R><groupSet><item>g</item></groupSet><x><reservationSet><item>deep</item></reservationSet></x>"
            + "<reservationSet><item>a</item><other>o</other><item/></reservationSet></R>"
        let (root, items) = try streamed(xml, ["reservationSet", "item"])
        #expect(items.map(\.text) == ["a", ""])
        #expect(root.child("groupSet")?.string("item") == "g")
        #expect(root.child("x")?.child("reservationSet")?.string("item") == "deep")
        #expect(root.child("reservationSet")?.children.map(\.name) == ["other"])
    }

    @Test func aPageWithoutThePathIsTheTreeParseReads() throws {
        let xml = "<R><a>1</a><b><c>2</c></b></R>"
        let (root, items) = try streamed(xml, ["reservationSet", "item"])
        #expect(items.isEmpty)
        #expect(root == (try XMLNode.parse(Array(xml.utf8))))
    }

    @Test func aFaultAfterSomeReservationsThrowsWhereParseThrowsAfterTheEarlierOnesWereSeen() throws {
        let good = Self.page(reservations: 2, perReservation: 1)
        let broken = String(good.dropLast("</reservationSet></DescribeInstancesResponse>".count)) + "<item><reservationId>r-9</reservationI"
        var seen: [String?] = []
        let whole = #expect(throws: XMLNode.ParseError.self) { try XMLNode.parse(Array(broken.utf8)) }
        let streamedError = #expect(throws: XMLNode.ParseError.self) {
            try XMLNode.parse(Array(broken.utf8), streaming: ["reservationSet", "item"]) { seen.append($0.string("reservationId")) }
        }
        #expect(seen == ["r-0", "r-1"])
        #expect(streamedError == whole)
        #expect(streamedError?.message == "</reservationI> closes <reservationId>")
    }

    @Test func theRootIsNeverStreamedEvenWhenItsNameIsOnThePath() throws {
        let (root, items) = try streamed("<item><item>1</item><item>2</item></item>", ["item"])
        #expect(items.map(\.text) == ["1", "2"])
        #expect(root.name == "item")
        #expect(root.children.isEmpty)
    }
}
