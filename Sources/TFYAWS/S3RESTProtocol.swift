/// S3's REST protocol: the operation is the method and the path; the payload is signed
/// (`x-amz-content-sha256`) and the path signed as given. Errors are `<Error><Code>`, except
/// where there is no body to carry one (HEAD): then the status is all there is.
/// - SeeAlso: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
enum S3RESTProtocol: AWSWireProtocol {
    static let service = "s3"

    static func signer(credentials: AWSCredentials, region: String) -> SigV4Signer {
        var signer = SigV4Signer(credentials: credentials, region: region, service: service)
        signer.normalizePath = false
        signer.signPayloadHeader = true
        return signer
    }

    /// The error codes a bodiless answer's status stands for.
    static let statusCodes = [404: "NoSuchKey", 403: "AccessDenied", 412: "PreconditionFailed", 503: "SlowDown"]

    /// The whole answer (its body and headers are the output), or the error it carries.
    static func decode(_ response: HTTPResponse) -> Result<HTTPResponse, AWSFailure> {
        if (200..<300).contains(response.status) { return .success(response) }
        let requestID = response.header("x-amz-request-id")
        if let root = try? XMLNode.parse(response.body), root.name == "Error" {
            return .failure(.service(root, status: response.status, requestID: root.string("RequestId") ?? requestID))
        }
        if let code = statusCodes[response.status] {
            return .failure(AWSFailure(cause: .service(code: code, message: "HTTP \(response.status)", status: response.status), requestID: requestID))
        }
        return .failure(.malformed(response, requestID: requestID))
    }
}
