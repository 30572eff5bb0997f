/// TFYAWS is tfy's access to AWS: the EC2 operations the engine plans and applies with
/// (`EC2Client`) and the S3 object operations the state backend keeps state and locks with
/// (`S3Client`). Both run every call through one `AWSRequestPipeline` — SigV4 signing
/// (`SigV4Signer`), sending over an injected `HTTPTransport` (`CurlTransport`: libcurl with
/// kept-alive connections), reading the answer in the service's wire protocol
/// (`EC2QueryProtocol`, `S3RESTProtocol`), retrying as the AWS SDKs do (`RetryPolicy`),
/// counting calls (`CallStatistics`) and debug logging — and are configured from the
/// environment, profiles and the provider block as the SDKs are (`AWSConfigurationResolver`).
/// Nothing outside this target sees libcurl or OpenSSL.
