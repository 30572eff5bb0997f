import Foundation

/// The EC2 Query API (`Version=2016-11-15`): POST form-encoded, SigV4-signed, XML answers,
/// retried as the AWS SDKs retry, counted per action.
/// - SeeAlso: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
public struct EC2Client: Sendable {
    public static let apiVersion = "2016-11-15"

    public var transport: any HTTPTransport
    public var configuration: AWSConfiguration
    public var retry: RetryPolicy
    public var statistics: CallStatistics
    public var clock: @Sendable () -> Date
    /// Receives one line per call when debug logging is on; never credentials.
    public var log: @Sendable (String) -> Void

    public init(configuration: AWSConfiguration, transport: (any HTTPTransport)? = nil, retry: RetryPolicy? = nil,
                statistics: CallStatistics = CallStatistics(), clock: @escaping @Sendable () -> Date = Date.init,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.configuration = configuration
        self.transport = transport ?? CurlTransport(settings: configuration.transportSettings)
        self.retry = retry ?? RetryPolicy(maxAttempts: configuration.maxAttempts, connectionAttempts: configuration.connectionAttempts)
        self.statistics = statistics
        self.clock = clock
        self.log = log
    }

    /// Parameters in EC2's form: `Name=value`, lists numbered from 1 (`InstanceId.1`).
    public typealias Parameters = [(String, String)]

    /// Calls `action` and returns the response's root element, retrying what may succeed later.
    public func call(_ action: String, _ parameters: Parameters = []) async throws(AWSError) -> XMLNode {
        let request = EC2QueryProtocol.request(endpoint: configuration.endpoint, parameters: [("Action", action), ("Version", Self.apiVersion)] + parameters)
        return try await pipeline.perform(action, request, as: EC2QueryProtocol.self)
    }

    var pipeline: AWSRequestPipeline {
        AWSRequestPipeline(transport: transport, credentials: configuration.credentials, region: configuration.region, retry: retry,
                           statistics: statistics, clock: clock, debugLogging: configuration.debugLogging, log: log,
                           endpointNote: configuration.endpointNote)
    }
}
