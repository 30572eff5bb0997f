import Foundation

/// The provider block's AWS settings (`provider: {aws: {region, endpoint, profile, max_retries}}`).
public struct ProviderSettings: Sendable, Hashable {
    public var region: String?
    public var endpoint: String?
    public var profile: String?
    public var maxRetries: Int?

    public init(region: String? = nil, endpoint: String? = nil, profile: String? = nil, maxRetries: Int? = nil) {
        self.region = region
        self.endpoint = endpoint
        self.profile = profile
        self.maxRetries = maxRetries
    }
}

/// Everything a client needs to reach EC2: credentials, region, endpoint, retry budget.
public struct AWSConfiguration: Sendable, CustomStringConvertible {
    public var credentials: AWSCredentials
    public var region: String
    /// The EC2 endpoint, e.g. `https://ec2.us-east-1.amazonaws.com` or a local emulator.
    public var endpoint: String
    /// What set `endpoint`, completing "the endpoint URL …": "was set by AWS_ENDPOINT_URL_EC2",
    /// "is AWS's own for us-east-1 (no endpoint is configured)"; nil when not known.
    public var endpointSource: String?
    public var maxAttempts: Int
    /// Attempts for a connection that fails outright (`TFY_CONNECT_ATTEMPTS`, default 3), within
    /// `maxAttempts`.
    public var connectionAttempts: Int
    public var proxy: ProxySettings
    /// `TFY_LOG=debug`: log every call (never its credentials).
    public var debugLogging: Bool
    /// Seconds one attempt may take in all (`TFY_REQUEST_TIMEOUT`, default 60); connecting may
    /// take 10 of them at most. An attempt that runs out is retried like a dropped connection.
    public var requestTimeout: Double
    /// A file of CA certificates to verify TLS with instead of the system's (`AWS_CA_BUNDLE`, the
    /// profile's `ca_bundle`), for endpoints behind a TLS-inspecting proxy or with a private CA.
    public var caBundle: String?

    public init(credentials: AWSCredentials, region: String, endpoint: String, endpointSource: String? = nil, maxAttempts: Int = 25,
                connectionAttempts: Int = 3, proxy: ProxySettings = ProxySettings(), debugLogging: Bool = false, requestTimeout: Double = 60,
                caBundle: String? = nil) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.endpointSource = endpointSource
        self.maxAttempts = maxAttempts
        self.connectionAttempts = connectionAttempts
        self.proxy = proxy
        self.debugLogging = debugLogging
        self.requestTimeout = requestTimeout
        self.caBundle = caBundle
    }

    /// The transport settings these call for: proxy and timeouts.
    public var transportSettings: CurlTransport.Settings {
        var settings = CurlTransport.Settings()
        settings.proxy = proxy
        settings.totalTimeout = requestTimeout
        settings.connectTimeout = min(settings.connectTimeout, requestTimeout)
        settings.caBundle = caBundle
        return settings
    }

    /// The endpoint and what set it, for the errors of connections that fail outright.
    public var endpointNote: String? { endpointSource.map { "the endpoint \(endpoint) \($0)" } }

    public var description: String {
        "AWSConfiguration(region: \(region), endpoint: \(endpoint), maxAttempts: \(maxAttempts), credentials: \(credentials))"
    }
}

extension AWSConfiguration {
    /// AWS's own endpoint for a service in a region.
    public static func regionalEndpoint(service: String, region: String) -> String { "https://\(service).\(region).amazonaws.com" }
}

public struct AWSConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var summary: String
    public var detail: String
    public var description: String { "\(summary): \(detail)" }
}

/// Reads credentials and settings exactly as the AWS SDKs do.
///
/// Credentials: a `profile` in the provider block first; otherwise `AWS_ACCESS_KEY_ID` +
/// `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`); otherwise the profile `AWS_PROFILE` (or
/// `default`) in the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/credentials`),
/// then in the config file (`AWS_CONFIG_FILE`, `~/.aws/config`, sections `[profile NAME]`).
/// Region: provider block, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`.
/// Endpoint: provider block, `AWS_ENDPOINT_URL_EC2` (`_S3` for the state backend),
/// `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, then AWS's regional endpoint. Attempts: provider `max_retries` + 1,
/// `AWS_MAX_ATTEMPTS`, the profile's `max_attempts`, 25; for a connection that fails outright
/// (refused, unresolvable, certificate not verified) `TFY_CONNECT_ATTEMPTS`, 3, within those.
/// Seconds per attempt: `TFY_REQUEST_TIMEOUT`, 60.
/// CA certificates: `AWS_CA_BUNDLE`, the profile's `ca_bundle`, the system's.
public struct AWSConfigurationResolver: Sendable {
    public var environment: [String: String]
    public var homeDirectory: String
    public var readFile: @Sendable (String) -> String?

    public init(environment: [String: String], homeDirectory: String = NSHomeDirectory(),
                readFile: @escaping @Sendable (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.readFile = readFile
    }

    func env(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    var credentialsPath: String { env("AWS_SHARED_CREDENTIALS_FILE").map(expand) ?? homeDirectory + "/.aws/credentials" }
    var configPath: String { env("AWS_CONFIG_FILE").map(expand) ?? homeDirectory + "/.aws/config" }

    func expand(_ path: String) -> String { path.hasPrefix("~/") ? homeDirectory + path.dropFirst(1) : path }

    /// `service` names the endpoint variable (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_S3`) and the
    /// regional endpoint (`https://SERVICE.REGION.amazonaws.com`).
    public func resolve(_ provider: ProviderSettings = ProviderSettings(), service: String = "ec2") throws(AWSConfigurationError) -> AWSConfiguration {
        let profileName = provider.profile ?? env("AWS_PROFILE") ?? "default"
        let credentialsFile = readFile(credentialsPath).map(INIFile.parse)
        let configFile = readFile(configPath).map(INIFile.parse)
        let credentialsSection = credentialsFile?.sections[profileName]
        let configSection = configFile?.sections[profileName == "default" ? "default" : "profile \(profileName)"]
            ?? (profileName == "default" ? nil : configFile?.sections[profileName])

        if provider.profile != nil || env("AWS_PROFILE") != nil, credentialsSection == nil, configSection == nil {
            throw AWSConfigurationError(summary: "AWS profile not found", detail: "The profile \"\(profileName)\" (from \(provider.profile != nil ? "the provider block" : "AWS_PROFILE")) is in neither \(credentialsPath) nor \(configPath).")
        }

        var credentials: AWSCredentials?
        var looked: [String] = []
        func fromSection(_ section: [String: String]?, _ where_: String) -> AWSCredentials? {
            guard let section, let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"], !key.isEmpty, !secret.isEmpty else { return nil }
            return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: section["aws_session_token"], source: where_)
        }
        if provider.profile == nil {
            looked.append("the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (\(env("AWS_ACCESS_KEY_ID") == nil ? "not set" : "AWS_SECRET_ACCESS_KEY not set"))")
            if let key = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") {
                credentials = AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN"), source: "environment")
            }
        }
        if credentials == nil {
            credentials = fromSection(credentialsSection, "profile \(profileName) in \(credentialsPath)")
            looked.append("profile \"\(profileName)\" in \(credentialsPath) (\(credentialsFile == nil ? "no such file" : credentialsSection == nil ? "no such profile" : "no keys in it"))")
        }
        if credentials == nil {
            credentials = fromSection(configSection, "profile \(profileName) in \(configPath)")
            looked.append("profile \"\(profileName)\" in \(configPath) (\(configFile == nil ? "no such file" : configSection == nil ? "no such profile" : "no keys in it"))")
        }
        guard let credentials else {
            throw AWSConfigurationError(summary: "No AWS credentials found", detail: "tfy looked in " + looked.joined(separator: "; ") + ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile (aws configure) and select it with AWS_PROFILE or the provider block's profile.")
        }

        guard let region = provider.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? configSection?["region"], !region.isEmpty else {
            throw AWSConfigurationError(summary: "No AWS region", detail: "Set region in the provider block (provider: {aws: {region: us-east-1}}), or AWS_REGION, or region in profile \"\(profileName)\" of \(configPath).")
        }
        let serviceVariable = "AWS_ENDPOINT_URL_\(service.uppercased())"
        let configured: [(value: String?, source: String)] = [
            // The S3 client's "provider" is the backend's settings (the block and -backend-config).
            (provider.endpoint, service == "s3" ? "the backend's \"endpoint\" setting" : "the provider block"),
            (env(serviceVariable), serviceVariable), (env("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"),
            (configSection?["endpoint_url"], "endpoint_url in profile \"\(profileName)\" of \(configPath)"),
        ]
        let (endpoint, endpointSource) = configured.first { $0.value != nil }.map { ($0.value!, "was set by \($0.source)") }
            ?? (AWSConfiguration.regionalEndpoint(service: service, region: region), "is AWS's own for \(region) (no endpoint is configured)")

        var maxAttempts = 25
        if let retries = provider.maxRetries {
            maxAttempts = retries + 1
        } else if let text = env("AWS_MAX_ATTEMPTS") ?? configSection?["max_attempts"] {
            // At most what the provider block's max_retries allows (100 retries): more attempts
            // would keep one failing call retrying for over half an hour.
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1...101).contains(n) else {
                throw AWSConfigurationError(summary: "Invalid AWS_MAX_ATTEMPTS", detail: "\"\(text)\" is not a whole number from 1 to 101.")
            }
            maxAttempts = n
        }
        var connectionAttempts = 3
        if let text = env("TFY_CONNECT_ATTEMPTS") {
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                throw AWSConfigurationError(summary: "Invalid TFY_CONNECT_ATTEMPTS", detail: "\"\(text)\" is not a whole number of at least 1.")
            }
            connectionAttempts = n
        }
        var requestTimeout = 60.0
        if let text = env("TFY_REQUEST_TIMEOUT") {
            guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds > 0, seconds.isFinite else {
                throw AWSConfigurationError(summary: "Invalid TFY_REQUEST_TIMEOUT", detail: "\"\(text)\" is not a positive number of seconds.")
            }
            requestTimeout = seconds
        }
        return AWSConfiguration(credentials: credentials, region: region, endpoint: endpoint, endpointSource: endpointSource,
                                maxAttempts: maxAttempts, connectionAttempts: connectionAttempts,
                                proxy: ProxySettings.from(environment: environment), debugLogging: env("TFY_LOG")?.lowercased() == "debug",
                                requestTimeout: requestTimeout, caBundle: (env("AWS_CA_BUNDLE") ?? configSection?["ca_bundle"]).map(expand))
    }
}

/// The INI dialect of ~/.aws/credentials and ~/.aws/config.
struct INIFile {
    var sections: [String: [String: String]]

    static func parse(_ text: String) -> INIFile {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                let collapsed = name.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = collapsed
                if sections[collapsed] == nil { sections[collapsed] = [:] }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") ?? value.range(of: " ;") { value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
            sections[section]?[key] = value
        }
        return INIFile(sections: sections)
    }
}
