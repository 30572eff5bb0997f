/// What several test targets share: the helper processes (moto, the fault proxy) and the AWS CLI
/// as an independent client.
import Foundation

/// The python helpers' folder.
public let helperScripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("TFYAWSTests/Fixtures/support").path

public struct HelperError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A helper process that prints its port and lives until its standard input closes: when the test
/// process exits, however it exits, the helper exits too.
public final class HelperProcess: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    public let port: Int

    public init(script: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(helperScripts)/\(script)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw HelperError(description: "\(script) exited before printing its port (is moto[server] installed?)") }
            line += chunk
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HelperError(description: "\(script) printed no port")
        }
        self.port = port
    }

    public convenience init(_ script: String, _ arguments: [String] = []) throws {
        try self.init(script: script, arguments: arguments)
    }

    public func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Runs a program found on PATH to its end; its standard output, or an error naming it when it fails.
@discardableResult
public func runProgram(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw HelperError(description: "\(program) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return data
}

/// Runs the AWS CLI against `endpoint` and returns its JSON answer: an independent client's view.
public func awsCLI(_ endpoint: String, _ arguments: [String], accessKey: String = "AKIDTESTING", secret: String = "testing-secret") throws -> [String: Any] {
    let data = try runProgram("aws", ["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"] + arguments,
                              environment: ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secret, "AWS_PAGER": ""])
    if data.isEmpty { return [:] }
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
}

/// An S3 object's bytes as the AWS CLI reads them, or nil when it cannot (no such key).
public func awsS3Object(_ endpoint: String, bucket: String, key: String, accessKey: String = "AKIDTESTING", secret: String = "testing-secret") -> Data? {
    let file = NSTemporaryDirectory() + "tfy-s3-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: file) }
    guard (try? awsCLI(endpoint, ["s3api", "get-object", "--bucket", bucket, "--key", key, file], accessKey: accessKey, secret: secret)) != nil else { return nil }
    return FileManager.default.contents(atPath: file)
}
