import Foundation

/// EC2's Query protocol: a POST of the form-encoded parameters to the endpoint itself; answers
/// are XML, errors `<Response><Errors><Error><Code>` with the request ID beside them.
/// - SeeAlso: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
enum EC2QueryProtocol: AWSWireProtocol {
    static let service = "ec2"

    /// The request for `parameters` (`Action` and `Version` first) at `endpoint`.
    static func request(endpoint: String, parameters: EC2Client.Parameters) -> Result<AWSRequest, AWSFailure> {
        guard let url = URL(string: endpoint), let host = url.host else {
            return .failure(AWSFailure(cause: .transport(HTTPTransportError(code: 0, message: "invalid endpoint \(endpoint)", isRetryable: false))))
        }
        return .success(AWSRequest(method: "POST", url: endpoint, host: url.port.map { "\(host):\($0)" } ?? host, path: url.path.isEmpty ? "/" : url.path,
                                   headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: formBody(parameters)))
    }

    static func formBody(_ parameters: EC2Client.Parameters) -> [UInt8] {
        Array(parameters.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&").utf8)
    }

    /// The answer's root element, or the error it carries.
    static func decode(_ response: HTTPResponse) -> Result<XMLNode, AWSFailure> {
        let requestID = response.header("x-amzn-requestid") ?? response.header("x-amz-request-id")
        let root = try? XMLNode.parse(response.body)
        if (200..<300).contains(response.status), let root {
            return .success(root)
        }
        if let root, let error = root.find("Error") {
            return .failure(.service(error, status: response.status, requestID: root.find("RequestID")?.text ?? root.find("RequestId")?.text ?? requestID))
        }
        return .failure(.malformed(response, requestID: requestID))
    }
}
