/// The engine: what tfy does to real objects. Reads them (refresh), creates, updates and deletes
/// them through the EC2 client, waits for them, and walks a plan's changes in dependency order
/// with bounded parallelism, persisting state after every operation.
import Foundation
import TFYAWS
import TFYCore
import TFYState

/// What every operation needs: the EC2 client, the stack, the waiter, timeouts.
public struct EngineContext: Sendable {
    public var ec2: EC2Client
    public var region: String
    public var stack: String
    public var waiter: InstanceWaiter
    /// Image and volume reads shared by the run's operations.
    public var lookups: EC2Lookups
    public var timeouts = Timeouts()
    /// Seconds between polls of a waiter.
    public var pollInterval: Double
    /// How long after tfy recorded an object's creation an ID that EC2 does not list is taken as
    /// not yet visible (EC2 is eventually consistent) and waited for, rather than as gone:
    /// 300 s, or `TFY_VISIBILITY_GRACE`.
    public var visibilityGrace: Double = 300
    public var clock: @Sendable () -> Date = Date.init
    /// How `tfy_bootstrap` reaches hosts; nil where no host is contacted.
    public var ssh: SSHClient?
    /// The working directory: relative paths read during the apply resolve against it, as
    /// `file()` does, and keys beside the state are recorded relative to it.
    public var workingDirectory = FileManager.default.currentDirectoryPath
    /// Where the backend keeps generated private keys for other machines (S3); nil: only here.
    public var keys: (any KeyEscrow)?
    /// The run's sensitive variable values: a bootstrap's remote output never shows them, even
    /// when its script was built from one and so holds it only inside a longer text.
    public var sensitiveValues: [String] = []

    /// Terraform's defaults for aws_instance: 10 min create, 10 min update, 20 min delete.
    public struct Timeouts: Sendable {
        public var create: Double = 600
        public var update: Double = 600
        public var delete: Double = 1200
        public init() {}
    }

    public init(ec2: EC2Client, region: String, stack: String, pollInterval: Double = 2) {
        self.ec2 = ec2
        self.region = region
        self.stack = stack
        self.pollInterval = pollInterval
        self.waiter = InstanceWaiter(ec2: ec2, pollInterval: pollInterval)
        self.lookups = EC2Lookups(ec2: ec2)
    }

    /// The tags every object tfy creates carries.
    func ownershipTags(_ address: ResourceAddress) -> [String: String] {
        ["tfy:stack": stack, "tfy:address": address.description]
    }

    /// A ClientToken that is the same for every retry of one create, and new for the next create
    /// of the same address (a replacement).
    static func clientToken(stack: String, address: ResourceAddress, lineage: String, serial: Int) -> String {
        String(SHA256.hex(Array("\(stack)\u{0}\(address)\u{0}\(lineage)\u{0}\(serial)".utf8)).prefix(48))
    }
}

extension EngineContext {
    /// The deadline until which an object the state records but EC2 does not list counts as not
    /// yet visible; nil when that is over (or its creation time was never recorded): it is gone.
    func visibilityDeadline(_ instance: StateInstance) -> Date? {
        guard let created = instance.createdAt else { return nil }
        let deadline = Date(timeIntervalSince1970: created + visibilityGrace)
        return deadline > clock() ? deadline : nil
    }

    /// Polls `read` for the IDs EC2 does not list yet, every poll interval, until each is listed
    /// or its deadline passes; returns what appeared. `read` answers for the IDs it is given.
    func awaitVisible<Object: Sendable>(_ deadlines: [String: Date], read: ([String]) async throws(AWSError) -> [String: Object]) async throws(AWSError) -> [String: Object] {
        var waiting = deadlines, found: [String: Object] = [:]
        while true {
            let now = clock()
            waiting = waiting.filter { $0.value > now }
            if waiting.isEmpty { return found }
            try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            for (id, object) in try await read(waiting.keys.sorted()) where waiting[id] != nil {
                found[id] = object
                waiting[id] = nil
            }
        }
    }

    /// `path` as the apply reads it: relative paths from the working directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
    }
}
