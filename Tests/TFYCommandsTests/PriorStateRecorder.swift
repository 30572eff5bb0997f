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
