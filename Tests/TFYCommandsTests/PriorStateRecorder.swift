import Foundation
import Testing
import TFYCommands
import TFYCore
import TFYTestSupport

/// Makes a plan golden case's prior state the way a user's is made: a real `tfy apply` of the
/// case's "before" configuration (`prior.args`) against moto, then normalised so the file is the
/// same on every run. A change in what apply writes therefore shows up as a change in the goldens.
enum PriorStateRecorder {
    /// The lineage of every recorded state: apply starts from an empty state of this lineage, so
    /// the lineage (and the digests of sensitive values, salted with it) is fixed at the source
    /// instead of rewritten afterwards.
    static let lineage = "5f3c2b1a-fixture-lineage"

    /// At most two recordings at once: each starts a moto of its own, and fourteen moto servers
    /// importing at the same time on two cores would run into the helper start timeout.
    static let slots = RecordingSlots(count: 2)

    /// The prior state of the case in `directory`, or nil when it has none (no `prior.args`):
    /// applied from `configs` against a fresh moto, with the addresses of `prior.taint` marked
    /// tainted, normalised.
    static func record(case directory: String, configs: String) async throws -> String? {
        guard let text = try? String(contentsOfFile: directory + "/prior.args", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        let config = try #require(lines.first, "\(directory)/prior.args names no configuration")
        let tainted = ((try? String(contentsOfFile: directory + "/prior.taint", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        await slots.take()
        do {
            let state = try await apply(config: config, options: Array(lines.dropFirst()), configs: configs, tainting: tainted)
            await slots.give()
            return state
        } catch {
            await slots.give()
            throw error
        }
    }

    /// Applies `config` with `options` against a moto of its own; the state file apply wrote,
    /// with `tainting` marked tainted, normalised.
    static func apply(config: String, options: [String], configs: String, tainting: [String]) async throws -> String {
        let moto = try await HelperProcess(script: "moto_helper.py")
        defer { moto.stop() }
        let directory = NSTemporaryDirectory() + "tfy-prior-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let statePath = directory + "/prior.tfstate"
        try Data(State(lineage: lineage).encoded()).write(to: URL(fileURLWithPath: statePath))
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDGOLDEN", "AWS_SECRET_ACCESS_KEY": "golden-secret", "AWS_REGION": "us-east-1",
                           "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:\(moto.port)", "TFY_POLL_INTERVAL": "0.1"]
        let run = await TFYCommandLine.capture(["apply", config, "-auto-approve", "-no-color", "-state", statePath] + options,
                                               directory: configs, environment: environment)
        try #require(run.status == 0, "tfy apply \(config) \(options.joined(separator: " ")) exited \(run.status):\n\(run.out)\(run.err)")
        let bytes = try #require(FileManager.default.contents(atPath: statePath), "tfy apply wrote no \(statePath)")
        var state = try State.decode([UInt8](bytes)).get()
        // There is no `tfy taint`: the status is set as a failed bootstrap or create would leave it.
        for address in tainting {
            var found = false
            for r in state.resources.indices {
                for i in state.resources[r].instances.indices
                where ResourceAddress(type: state.resources[r].type, name: state.resources[r].name, key: state.resources[r].instances[i].indexKey).description == address {
                    state.resources[r].instances[i].status = .tainted
                    found = true
                }
            }
            try #require(found, "prior.taint names \(address), which the apply did not create")
        }
        return StateNormaliser.normalise(String(decoding: state.encoded(), as: UTF8.self))
    }
}

/// Hands out a fixed number of slots; who asks when none is free waits for one.
actor RecordingSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { free = count }

    func take() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Makes a state file written against moto the same on every run: what moto draws at random is
/// replaced by placeholders numbered in order of first appearance in the (sorted, pretty-printed)
/// file, so equal values stay equal and different ones stay different.
///
/// - Object IDs (`i-`, `sg-`, `vpc-`, `subnet-`, `r-`, `eni-`, `vol-` followed by hex digits),
///   wherever they appear (ARNs and lists of group IDs included): the same prefix, then the
///   placeholder's number in hex, zero-padded to the original's length (`i-00000000000000001`).
/// - IPv4 addresses that are not CIDR blocks: private ones (10/8, 172.16/12, 192.168/16) become
///   `172.31.0.N`, public ones `203.0.113.N` (TEST-NET-3), N counting from 10; the same address
///   written with dashes in a DNS name (`ip-172-31-…`, `ec2-54-…`) gets the same placeholder.
/// - `serial` becomes 1: apply writes state after every step and group-commits writes that come
///   together, so how many writes a run makes depends on timing.
///
/// Everything else — lineage (fixed before the apply), moto's account ID, attribute names and
/// values — is kept as apply wrote it.
enum StateNormaliser {
    static func normalise(_ text: String) -> String {
        var ids: [String: String] = [:], counts: [String: Int] = [:]
        var addresses: [String: String] = [:]
        var privateCount = 0, publicCount = 0

        func placeholder(id: String) -> String {
            if let known = ids[id] { return known }
            let dash = id.firstIndex(of: "-")!
            let prefix = String(id[..<dash]), digits = id.count - prefix.count - 1
            counts[prefix, default: 0] += 1
            let number = String(counts[prefix]!, radix: 16)
            let made = prefix + "-" + String(repeating: "0", count: max(0, digits - number.count)) + number
            ids[id] = made
            return made
        }

        func placeholder(address octets: [Int]) -> [Int] {
            let key = octets.map(String.init).joined(separator: ".")
            if let known = addresses[key] { return known.split(separator: ".").map { Int($0)! } }
            let isPrivate = octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168)
            let made: [Int]
            if isPrivate { privateCount += 1; made = [172, 31, 0, 9 + privateCount] } else { publicCount += 1; made = [203, 0, 113, 9 + publicCount] }
            addresses[key] = made.map(String.init).joined(separator: ".")
            return made
        }

        let pattern = /(?<id>\b(?:i|sg|vpc|subnet|r|eni|vol)-[0-9a-f]{8,17}\b)|(?<dns>\b(?:ip|ec2)-(?<d1>\d{1,3})-(?<d2>\d{1,3})-(?<d3>\d{1,3})-(?<d4>\d{1,3})\b)|(?<ip>\b(?<a1>\d{1,3})\.(?<a2>\d{1,3})\.(?<a3>\d{1,3})\.(?<a4>\d{1,3})\b(?!\/))|(?<serial>"serial": \d+)/
        var result = ""
        var rest = text[...]
        while let match = rest.firstMatch(of: pattern) {
            result += rest[..<match.range.lowerBound]
            if let id = match.output.id {
                result += placeholder(id: String(id))
            } else if let dns = match.output.dns {
                let octets = [match.output.d1, match.output.d2, match.output.d3, match.output.d4].map { Int($0!)! }
                let prefix = dns.hasPrefix("ip-") ? "ip-" : "ec2-"
                result += prefix + placeholder(address: octets).map(String.init).joined(separator: "-")
            } else if match.output.ip != nil {
                let octets = [match.output.a1, match.output.a2, match.output.a3, match.output.a4].map { Int($0!)! }
                result += placeholder(address: octets).map(String.init).joined(separator: ".")
            } else {
                result += "\"serial\": 1"
            }
            rest = rest[match.range.upperBound...]
        }
        return result + rest
    }
}
