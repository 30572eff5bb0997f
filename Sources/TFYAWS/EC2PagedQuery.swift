/// EC2's paged Describe calls, pipelined: a page's `nextToken` is found in its bytes as soon as
/// they arrive, the next page is asked for at once, and this page is parsed and decoded while
/// EC2 prepares the next. Ten pages of a thousand instances cost the slowest of EC2's time and
/// tfy's, not their sum.
enum EC2PageProtocol: AWSWireProtocol {
    static let service = EC2QueryProtocol.service

    /// One page's body, and the token of the next page as its last `<nextToken>` element says.
    struct Page: Sendable {
        var body: [UInt8]
        var nextToken: String?
    }

    /// A successful answer's token is read without parsing the page; anything else is read as
    /// EC2's Query protocol reads it, so errors and retries are the same as for any call.
    static func decode(_ response: HTTPResponse) -> Result<Page, AWSFailure> {
        guard (200..<300).contains(response.status) else {
            return EC2QueryProtocol.decode(response).map { _ in Page(body: [], nextToken: nil) }
        }
        return .success(Page(body: response.body, nextToken: lastToken(in: response.body)))
    }

    /// The text of the last `<nextToken>…</nextToken>` of `body`, searched from the end, where
    /// EC2 puts it after the page's items; nil when there is none or it is empty. Item text can
    /// not hide a false one, as `<` is always escaped in text. The parse that follows checks it.
    static func lastToken(in body: [UInt8]) -> String? {
        let open = Array("<nextToken>".utf8), close = Array("</nextToken>".utf8)
        var end = body.count - close.count
        while end >= 0 {
            if body[end] == close[0], body[end..<end + close.count].elementsEqual(close) { break }
            end -= 1
        }
        guard end >= 0 else { return nil }
        var start = end - 1
        while start >= 0, body[start] != UInt8(ascii: "<") { start -= 1 }
        guard start >= 0, body[start..<min(start + open.count, body.count)].elementsEqual(open) else { return nil }
        let token = String(decoding: body[(start + open.count)..<end], as: UTF8.self)
        return token.isEmpty ? nil : token
    }
}

extension EC2Client {
    /// Every item of a paged `action`, in page order, the next page asked for while this one is
    /// decoded. Each page is decoded as it is parsed: every element at `path` below the root
    /// (`["reservationSet", "item"]`: one reservation) goes to `decode` as soon as it is read,
    /// and only its results are kept, never the page's whole tree.
    public func paginatePipelined<T: Sendable>(_ action: String, _ parameters: Parameters, streaming path: [String],
                                               decode: (XMLNode) -> [T]) async throws(AWSError) -> [T] {
        var results: [T] = []
        var current = try await fetchPage(action, parameters, token: nil)
        while true {
            let next: Task<EC2PageProtocol.Page, any Error>? = current.nextToken.map { token in
                Task { try await fetchPage(action, parameters, token: token) }
            }
            let root: XMLNode
            do {
                root = try XMLNode.parse(current.body, streaming: path) { results += decode($0) }
            } catch {
                next?.cancel()
                throw AWSError(service: EC2PageProtocol.service, action: action,
                               cause: .malformedResponse(status: 200, excerpt: AWSFailure.excerpt(current.body)), requestID: nil, attempts: 1)
            }
            guard root.string("nextToken").nonEmpty == current.nextToken else {
                next?.cancel()
                throw AWSError(service: EC2PageProtocol.service, action: action,
                               cause: .malformedResponse(status: 200, excerpt: "a nextToken that is not the page's own"), requestID: nil, attempts: 1)
            }
            guard let next else { return results }
            do {
                current = try await next.value
            } catch let error as AWSError {
                throw error
            } catch {
                throw AWSError(service: EC2PageProtocol.service, action: action, cause: .transport(HTTPTransportError(code: 0, message: "\(error)", isRetryable: false)),
                               requestID: nil, attempts: 1)
            }
        }
    }

    private func fetchPage(_ action: String, _ parameters: Parameters, token: String?) async throws(AWSError) -> EC2PageProtocol.Page {
        let request = EC2QueryProtocol.request(endpoint: configuration.endpoint,
                                               parameters: [("Action", action), ("Version", Self.apiVersion)] + parameters + (token.map { [("NextToken", $0)] } ?? []))
        return try await pipeline.perform(action, request, as: EC2PageProtocol.self)
    }
}
