import Testing
@testable import TFYAWS

/// The token that starts the next page's request before this page is parsed.
@Suite(.timeLimit(.minutes(5)))
struct EC2PageTests {
    func token(_ xml: String) -> String? { EC2PageProtocol.lastToken(in: Array(xml.utf8)) }

    @Test func theTokenAfterThePageItemsIsFound() {
        let page = "<DescribeInstancesResponse><reservationSet><item><reservationId>r-1</reservationId></item></reservationSet>"
            + "<nextToken>eyJhIjoxfQ==</nextToken></DescribeInstancesResponse>"
        #expect(token(page) == "eyJhIjoxfQ==")
    }

    @Test func aLastPageHasNoToken() {
        #expect(token("<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>") == nil)
        #expect(token("<DescribeInstancesResponse><nextToken></nextToken></DescribeInstancesResponse>") == nil)
        #expect(token("<DescribeInstancesResponse><nextToken/></DescribeInstancesResponse>") == nil)
        #expect(token("") == nil)
    }

    @Test func textThatLooksLikeATokenIsEscapedAndNotRead() {
        let page = "<R><tagSet><item><value>&lt;nextToken&gt;x&lt;/nextToken&gt;</value></item></tagSet></R>"
        #expect(token(page) == nil)
    }

    @Test func aTruncatedTokenIsNotRead() {
        #expect(token("<R>abc</nextToken></R>") == nil)
        #expect(token("</nextToken>") == nil)
    }

    @Test func theParsedPageAgreesWithTheScannedToken() throws {
        let page = "<R><reservationSet/><nextToken>t-2</nextToken></R>"
        let root = try XMLNode.parse(Array(page.utf8))
        #expect(root.string("nextToken") == token(page))
    }
}
