import Foundation
import Testing
@testable import TFYAWS

/// The credential and settings chain, with fixture files and environments.
@Suite(.timeLimit(.minutes(30)))
struct AWSConfigurationTests {
    static let credentialsFile = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret

        [ team ]
        aws_access_key_id=AKIDTEAM
        aws_secret_access_key=team-secret
        aws_session_token = team-token  # a comment
        """
    static let configFile = """
        [default]
        region = eu-west-1

        [profile team]
        region = ap-southeast-2
        max_attempts = 7
        endpoint_url = http://127.0.0.1:4566

        [profile configonly]
        aws_access_key_id = AKIDCONFIG
        aws_secret_access_key = config-secret
        region = us-west-2
        """

    func resolver(_ environment: [String: String], files: [String: String] = ["/home/u/.aws/credentials": credentialsFile, "/home/u/.aws/config": configFile]) -> AWSConfigurationResolver {
        AWSConfigurationResolver(environment: environment, homeDirectory: "/home/u", readFile: { files[$0] })
    }

    @Test func environmentCredentialsComeFirst() throws {
        let c = try resolver(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token", "AWS_REGION": "us-east-2"]).resolve()
        #expect(c.credentials == AWSCredentials(accessKeyId: "AKIDENV", secretAccessKey: "env-secret", sessionToken: "env-token", source: "environment"))
        #expect(c.region == "us-east-2")
        #expect(c.endpoint == "https://ec2.us-east-2.amazonaws.com")
        #expect(c.maxAttempts == 25)
    }

    @Test func defaultProfileFromTheSharedFiles() throws {
        let c = try resolver([:]).resolve()
        #expect(c.credentials.accessKeyId == "AKIDDEFAULT")
        #expect(c.credentials.source == "profile default in /home/u/.aws/credentials")
        #expect(c.region == "eu-west-1")
    }

    @Test func awsProfileSelectsASectionOfBothFiles() throws {
        let c = try resolver(["AWS_PROFILE": "team"]).resolve()
        #expect(c.credentials == AWSCredentials(accessKeyId: "AKIDTEAM", secretAccessKey: "team-secret", sessionToken: "team-token", source: "profile team in /home/u/.aws/credentials"))
        #expect(c.region == "ap-southeast-2")
        #expect(c.maxAttempts == 7)
        #expect(c.endpoint == "http://127.0.0.1:4566")
    }

    @Test func providerBlockWinsOverEnvironment() throws {
        let c = try resolver(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-2", "AWS_MAX_ATTEMPTS": "3", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"])
            .resolve(ProviderSettings(region: "sa-east-1", endpoint: "http://127.0.0.1:2", profile: "configonly", maxRetries: 10))
        #expect(c.credentials.accessKeyId == "AKIDCONFIG")
        #expect(c.credentials.source == "profile configonly in /home/u/.aws/config")
        #expect(c.region == "sa-east-1")
        #expect(c.endpoint == "http://127.0.0.1:2")
        #expect(c.maxAttempts == 11)
    }

    @Test func endpointPrecedence() throws {
        let base = ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"]
        #expect(try resolver(base.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:1"]) { $1 }).resolve().endpoint == "http://127.0.0.1:1")
        #expect(try resolver(base.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:2"]) { $1 }).resolve().endpoint == "http://127.0.0.1:2")
        #expect(try resolver(base.merging(["AWS_DEFAULT_REGION": "eu-north-1", "AWS_REGION": ""]) { $1 }).resolve().region == "eu-north-1")
        #expect(try resolver(base.merging(["AWS_MAX_ATTEMPTS": "4"]) { $1 }).resolve().maxAttempts == 4)
    }

    /// What set the endpoint, as connection failures' errors name it.
    @Test func theEndpointsSourceIsKnown() throws {
        let base = ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"]
        func note(_ environment: [String: String], _ provider: ProviderSettings = ProviderSettings(), service: String = "ec2",
                  files: [String: String] = [:]) throws -> String? {
            try resolver(base.merging(environment) { $1 }, files: files).resolve(provider, service: service).endpointNote
        }
        #expect(try note([:]) == "the endpoint https://ec2.us-east-1.amazonaws.com is AWS's own for us-east-1 (no endpoint is configured)")
        #expect(try note(["AWS_ENDPOINT_URL": "http://a"]) == "the endpoint http://a was set by AWS_ENDPOINT_URL")
        #expect(try note(["AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_EC2": "http://b"]) == "the endpoint http://b was set by AWS_ENDPOINT_URL_EC2")
        #expect(try note(["AWS_ENDPOINT_URL_S3": "http://c"], service: "s3") == "the endpoint http://c was set by AWS_ENDPOINT_URL_S3")
        #expect(try note(["AWS_ENDPOINT_URL_EC2": "http://b"], ProviderSettings(endpoint: "http://p")) == "the endpoint http://p was set by the provider block")
        #expect(try note([:], ProviderSettings(endpoint: "http://p"), service: "s3") == "the endpoint http://p was set by the backend's \"endpoint\" setting")
        #expect(try note([:], files: ["/home/u/.aws/config": "[default]\nendpoint_url = http://f\n"])
            == "the endpoint http://f was set by endpoint_url in profile \"default\" of /home/u/.aws/config")
    }

    /// As many attempts as the provider block's max_retries allows (100 retries), no more.
    @Test func maxAttemptsHasTheProvidersBound() throws {
        let base = ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"]
        #expect(try resolver(base.merging(["AWS_MAX_ATTEMPTS": "101"]) { $1 }).resolve().maxAttempts == 101)
        for text in ["0", "102", "1000000000000"] {
            #expect(throws: AWSConfigurationError(summary: "Invalid AWS_MAX_ATTEMPTS", detail: "\"\(text)\" is not a whole number from 1 to 101.")) {
                try resolver(base.merging(["AWS_MAX_ATTEMPTS": text]) { $1 }).resolve()
            }
        }
    }

    @Test func theConnectionAttemptsAreThreeUnlessSet() throws {
        let base = ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1"]
        #expect(try resolver(base).resolve().connectionAttempts == 3)
        #expect(try resolver(base.merging(["TFY_CONNECT_ATTEMPTS": "10"]) { $1 }).resolve().connectionAttempts == 10)
        for text in ["0", "x"] {
            #expect(throws: AWSConfigurationError(summary: "Invalid TFY_CONNECT_ATTEMPTS", detail: "\"\(text)\" is not a whole number of at least 1.")) {
                try resolver(base.merging(["TFY_CONNECT_ATTEMPTS": text]) { $1 }).resolve()
            }
        }
    }

    @Test func alternativeFileLocations() throws {
        let files = ["/etc/creds": "[default]\naws_access_key_id = AKIDALT\naws_secret_access_key = x\n", "/etc/conf": "[default]\nregion = us-west-1\n"]
        let c = try resolver(["AWS_SHARED_CREDENTIALS_FILE": "/etc/creds", "AWS_CONFIG_FILE": "/etc/conf"], files: files).resolve()
        #expect(c.credentials.accessKeyId == "AKIDALT")
        #expect(c.region == "us-west-1")
    }

    @Test func missingCredentialsSayWhereTfyLooked() {
        #expect(throws: AWSConfigurationError(summary: "No AWS credentials found", detail: "tfy looked in the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (not set); profile \"default\" in /home/u/.aws/credentials (no such file); profile \"default\" in /home/u/.aws/config (no such file). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile (aws configure) and select it with AWS_PROFILE or the provider block's profile.")) {
            try resolver([:], files: [:]).resolve()
        }
    }

    @Test func unknownProfileAndMissingRegionAreErrors() {
        #expect(throws: AWSConfigurationError(summary: "AWS profile not found", detail: "The profile \"nope\" (from AWS_PROFILE) is in neither /home/u/.aws/credentials nor /home/u/.aws/config.")) {
            try resolver(["AWS_PROFILE": "nope"]).resolve()
        }
        #expect(throws: AWSConfigurationError.self) { try resolver(["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s"], files: [:]).resolve() }
        #expect(throws: AWSConfigurationError.self) { try resolver(["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "x", "AWS_MAX_ATTEMPTS": "zero"]).resolve() }
    }

    @Test func describingAConfigurationNeverShowsSecrets() throws {
        let c = try resolver(["AWS_PROFILE": "team"]).resolve()
        #expect(!"\(c)".contains("team-secret"))
        #expect(!"\(c)".contains("team-token"))
    }

    @Test func proxiesComeFromTheStandardVariables() {
        #expect(ProxySettings.from(environment: ["HTTPS_PROXY": "http://127.0.0.1:3128", "no_proxy": "127.0.0.1,localhost"])
                == ProxySettings(http: nil, https: "http://127.0.0.1:3128", noProxy: "127.0.0.1,localhost"))
        #expect(ProxySettings.from(environment: ["http_proxy": "http://127.0.0.1:8080"]).http == "http://127.0.0.1:8080")
    }
}
