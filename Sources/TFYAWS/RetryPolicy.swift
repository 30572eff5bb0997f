import Foundation

/// When and how long to wait before trying a failed call again: the AWS SDKs' standard mode —
/// capped exponential backoff with full jitter — with the Terraform AWS provider's budget of
/// 25 attempts. A connection that fails outright (refused, host name not resolved) is another
/// matter: retrying it for minutes only makes a wrong endpoint look like a hang, so it gets
/// `connectionAttempts` quick attempts (a certificate that fails verification, none more). The
/// sleep and the random source are injected, so tests check exact delays without sleeping.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    /// The backoff before jitter is `base × 2^(attempt-1)`, capped at `maxBackoff` (seconds).
    public var base: Double = 1
    public var maxBackoff: Double = 20
    /// Attempts for a connection failure (`HTTPTransportError.isConnectionFailure`), within
    /// `maxAttempts`: `TFY_CONNECT_ATTEMPTS`, default 3.
    public var connectionAttempts: Int
    /// Their backoff before jitter: `connectionBase × 2^(attempt-1)` seconds (0.2 s, 0.4 s, …).
    public var connectionBase: Double = 0.2
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Double) async -> Void

    public init(maxAttempts: Int = 25, connectionAttempts: Int = 3,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                sleep: @escaping @Sendable (Double) async -> Void = { seconds in try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }) {
        self.maxAttempts = max(1, maxAttempts)
        self.connectionAttempts = max(1, connectionAttempts)
        self.random = random
        self.sleep = sleep
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failures (1-based).
    package func delay(afterFailedAttempt attempt: Int, connectionFailure: Bool = false) -> Double {
        let exponential = (connectionFailure ? connectionBase : base) * pow(2, Double(min(attempt - 1, 30)))
        return random() * min(maxBackoff, exponential)
    }

    /// Runs `attempt` until it succeeds, fails with what is not worth retrying, or the attempts
    /// run out, sleeping between attempts; `onRetry` hears of each retry (attempt, error, delay).
    /// Returns the last outcome, its error's `attempts` set, and how many attempts were made.
    package func run<T>(_ attempt: () async -> Result<T, AWSError>,
                       onRetry: (Int, AWSError, Double) -> Void = { _, _, _ in }) async -> (Result<T, AWSError>, attempts: Int) {
        var count = 0
        while true {
            count += 1
            switch await attempt() {
            case .success(let value):
                return (.success(value), count)
            case .failure(var error):
                error.attempts = count
                let connectionFailure = Self.isConnectionFailure(error.cause)
                let limit = connectionFailure ? min(maxAttempts, connectionAttempts) : maxAttempts
                guard Self.isRetryable(error.cause), count < limit else { return (.failure(error), count) }
                let wait = delay(afterFailedAttempt: count, connectionFailure: connectionFailure)
                onRetry(count, error, wait)
                await sleep(wait)
            }
        }
    }

    /// Error codes that mean "slow down": retried.
    package static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    ]

    /// Error codes of passing server trouble: retried.
    package static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable",
    ]

    package static let retryableStatuses: Set<Int> = [500, 502, 503, 504]

    package static func isConnectionFailure(_ error: AWSError.Cause) -> Bool {
        if case .transport(let e) = error { return e.isConnectionFailure }
        return false
    }

    package static func isRetryable(_ error: AWSError.Cause) -> Bool {
        switch error {
        case .transport(let e): return e.isRetryable
        case .service(let code, _, let status): return throttlingCodes.contains(code) || transientCodes.contains(code) || retryableStatuses.contains(status)
        case .malformedResponse(let status, _): return retryableStatuses.contains(status)
        }
    }
}
