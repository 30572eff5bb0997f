// Speed of tfy's AWS layer: signing, and calls to moto on 127.0.0.1.
// Run with `make bench`. Starts its own moto (the tests' helper) and stops it at the end.
import Foundation
import TFYAWS

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

// Signing: the full SigV4 computation for one EC2 request.
let signer = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), region: "us-east-1", service: "ec2")
let request = SignableRequest(method: "POST", path: "/", headers: [("Host", "ec2.us-east-1.amazonaws.com"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                              body: Array("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id&Filter.1.Value.1=i-0123456789abcdef0".utf8))
let date = Date(timeIntervalSince1970: 1_440_938_160)
var signatureLength = 0
let signings = 20_000
let signStart = DispatchTime.now().uptimeNanoseconds
for _ in 0..<signings { signatureLength += signer.authorizationHeaders(for: request, date: date).count }
let signNanos = Double(DispatchTime.now().uptimeNanoseconds - signStart) / Double(signings)
print(String(format: "sign one EC2 request: %.1f µs (mean of %d)", signNanos / 1000, signings))

// moto, through the tests' keep-alive helper.
let moto = Process()
moto.executableURL = URL(fileURLWithPath: "/usr/bin/env")
moto.arguments = ["python3", root + "/Tests/TFYAWSTests/Fixtures/support/moto_helper.py"]
let input = Pipe(), output = Pipe()
moto.standardInput = input
moto.standardOutput = output
try moto.run()
var line = Data()
while !line.contains(UInt8(ascii: "\n")) {
    let chunk = output.fileHandleForReading.availableData
    if chunk.isEmpty { print("moto did not start (pip install 'moto[server]')"); exit(1) }
    line += chunk
}
let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))!
let endpoint = "http://127.0.0.1:\(port)"
defer { try? input.fileHandleForWriting.close(); moto.waitUntilExit() }

func run(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task { await body(); done.signal() }
    done.wait()
}

let calls = 1000
let transport = CurlTransport()
let statistics = CallStatistics()
let client = EC2Client(configuration: AWSConfiguration(credentials: AWSCredentials(accessKeyId: "AKIDBENCH", secretAccessKey: "bench"), region: "us-east-1", endpoint: endpoint, maxAttempts: 1),
                       transport: transport, statistics: statistics)
final class Box: @unchecked Sendable { var seconds = 0.0 }
let tfyTime = Box(), rawTime = Box()
run {
    _ = try? await client.describeInstancesPage()  // warm-up
    let start = Date()
    for _ in 0..<calls { _ = try? await client.describeInstancesPage() }
    tfyTime.seconds = Date().timeIntervalSince(start)
}
print(String(format: "%d sequential DescribeInstances through tfy's client: %.3f s, %.2f ms/call; TCP connections opened: %d (for %d requests)",
             calls, tfyTime.seconds, tfyTime.seconds * 1000 / Double(calls), transport.connectionsOpened, transport.requestsSent))

// The same calls as fixed, pre-signed bytes over a bare transport: moto's own time plus libcurl.
let raw = CurlTransport()
let fixed = HTTPRequest(method: "POST", url: endpoint, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                        ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0")],
                        body: Array("Action=DescribeInstances&Version=2016-11-15".utf8))
run {
    _ = try? await raw.send(fixed)
    let start = Date()
    for _ in 0..<calls { _ = try? await raw.send(fixed) }
    rawTime.seconds = Date().timeIntervalSince(start)
}
print(String(format: "%d sequential DescribeInstances as fixed bytes (moto + libcurl only): %.3f s, %.2f ms/call", calls, rawTime.seconds, rawTime.seconds * 1000 / Double(calls)))
print(String(format: "tfy client overhead per call (signing, encoding, XML decoding, retry bookkeeping): %.3f ms", (tfyTime.seconds - rawTime.seconds) * 1000 / Double(calls)))

// Parsing a DescribeInstances page of 1,000 instances as moto writes them (one instance launched,
// its reservation repeated): the whole page's tree, then one reservation at a time as tfy's
// paged DescribeInstances reads it (the tree of one reservation held at a time).
final class PageBox: @unchecked Sendable { var body: [UInt8] = [] }
let described = PageBox()
run {
    let launch = HTTPRequest(method: "POST", url: endpoint, headers: fixed.headers,
                             body: Array("Action=RunInstances&Version=2016-11-15&ImageId=ami-1ecae776&MinCount=1&MaxCount=1&InstanceType=t2.micro&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=node-0".utf8))
    _ = try? await raw.send(launch)
    described.body = (try? await raw.send(fixed))?.body ?? []
}
let one = String(decoding: described.body, as: UTF8.self)
guard let open = one.range(of: "<reservationSet>"), let close = one.range(of: "</reservationSet>", options: .backwards) else {
    print("moto's DescribeInstances answer has no reservationSet: \(one.prefix(200))"); exit(1)
}
let reservation = String(one[open.upperBound..<close.lowerBound])
let page = Array((String(one[..<open.upperBound]) + String(repeating: reservation, count: 1000) + String(one[close.lowerBound...])).utf8)
func elements(_ node: XMLNode) -> Int { 1 + node.children.reduce(0) { $0 + elements($1) } }
let parses = 20
var held = 0, largest = 0
let wholeStart = DispatchTime.now().uptimeNanoseconds
for _ in 0..<parses { held = elements(try XMLNode.parse(page)) }
let wholeNanos = Double(DispatchTime.now().uptimeNanoseconds - wholeStart) / Double(parses)
let streamStart = DispatchTime.now().uptimeNanoseconds
for _ in 0..<parses {
    largest = 0
    let rest = try XMLNode.parse(page, streaming: ["reservationSet", "item"]) { largest = max(largest, elements($0)) }
    largest = max(largest, elements(rest))
}
let streamNanos = Double(DispatchTime.now().uptimeNanoseconds - streamStart) / Double(parses)
print(String(format: "parse a 1,000-instance DescribeInstances page (%.1f MB): whole tree %.1f ms, %d elements held; one reservation at a time %.1f ms, at most %d elements held",
             Double(page.count) / 1e6, wholeNanos / 1e6, held, streamNanos / 1e6, largest))
