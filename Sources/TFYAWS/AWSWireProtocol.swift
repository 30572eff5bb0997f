/// What differs between AWS's wire protocols — EC2's Query protocol, S3's REST-XML — as far as
/// `AWSRequestPipeline` is concerned: the service's name, how it wants SigV4, and how its answers
/// read. Laying out a request is left to each client, whose inputs have nothing in common.
protocol AWSWireProtocol {
    associatedtype Output: Sendable
    /// The service as SigV4, debug lines and errors name it: `ec2`, `s3`.
    static var service: String { get }
    static func signer(credentials: AWSCredentials, region: String) -> SigV4Signer
    /// Reads one answer: the output, or why the attempt failed.
    static func decode(_ response: HTTPResponse) -> Result<Output, AWSFailure>
}

extension AWSWireProtocol {
    static func signer(credentials: AWSCredentials, region: String) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: region, service: service)
    }
}

/// Why one attempt failed, before the pipeline adds the service, the action and the attempts.
struct AWSFailure: Error {
    var cause: AWSError.Cause
    var requestID: String?

    /// An `<Error><Code>…</Code><Message>…</Message></Error>` element, as every XML protocol sends it.
    static func service(_ error: XMLNode, status: Int, requestID: String?) -> AWSFailure {
        AWSFailure(cause: .service(code: error.string("Code") ?? "Unknown", message: error.string("Message") ?? "", status: status), requestID: requestID)
    }

    /// An answer that is neither the output nor an error the protocol knows.
    static func malformed(_ response: HTTPResponse, requestID: String?) -> AWSFailure {
        AWSFailure(cause: .malformedResponse(status: response.status, excerpt: excerpt(response.body)), requestID: requestID)
    }

    /// The first words of a non-XML body, tags stripped, for an error message.
    static func excerpt(_ body: [UInt8]) -> String {
        var text = ""
        var inTag = false
        for character in String(decoding: body.prefix(2000), as: UTF8.self) {
            if character == "<" { inTag = true; text += " "; continue }
            if character == ">" { inTag = false; continue }
            if !inTag { text.append(character) }
        }
        let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return words.count > 160 ? String(words.prefix(157)) + "..." : (words.isEmpty ? "(empty body)" : words)
    }
}
