/// A failed AWS call: what went wrong, on which action, after how many attempts.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public enum Cause: Sendable, Hashable {
        /// The service answered with an error code (`InvalidParameterValue`, `AuthFailure`, …).
        case service(code: String, message: String, status: Int)
        /// The connection failed (refused, reset, timed out).
        case transport(HTTPTransportError)
        /// The body was not the XML expected (moto answers some failures with HTML pages).
        case malformedResponse(status: Int, excerpt: String)
    }

    public var service: String
    public var action: String
    public var cause: Cause
    public var requestID: String?
    public var attempts: Int
    /// For a connection failure: the endpoint and what set it ("the endpoint http://… was set by
    /// AWS_ENDPOINT_URL_EC2"), so a mistyped endpoint is recognised as one.
    public var endpointNote: String?

    public var code: String? {
        if case .service(let code, _, _) = cause { return code }
        return nil
    }

    public var status: Int? {
        switch cause {
        case .service(_, _, let status), .malformedResponse(let status, _): return status
        case .transport: return nil
        }
    }

    public var description: String {
        var text = "\(service.uppercased()) \(action) failed"
        switch cause {
        case .service(let code, let message, let status): text += ": \(code): \(message) (HTTP \(status)"
        case .transport(let error): text += ": \(error.message) ("
        case .malformedResponse(let status, let excerpt): text += ": unexpected response \"\(excerpt)\" (HTTP \(status)"
        }
        if let requestID { text += (text.hasSuffix("(") ? "" : ", ") + "request id \(requestID)" }
        if attempts > 1 { text += (text.hasSuffix("(") ? "" : ", ") + "gave up after \(attempts) attempts" }
        if text.hasSuffix("(") { text.removeLast(2) } else { text += ")" }
        if let endpointNote { text += "; " + endpointNote }
        return text
    }
}
