/// EC2's shapes, as tfy uses them. Decoded from the Query API's XML.
public struct EC2Filter: Sendable, Hashable {
    public var name: String
    public var values: [String]
    public init(_ name: String, _ values: [String]) {
        self.name = name
        self.values = values
    }
}

public struct EC2Tag: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

public struct EC2Instance: Sendable, Hashable {
    public var instanceId: String
    public var imageId: String
    public var instanceType: String
    public var state: String
    public var keyName: String?
    public var availabilityZone: String?
    public var subnetId: String?
    public var vpcId: String?
    public var privateIpAddress: String?
    public var publicIpAddress: String?
    public var privateDnsName: String?
    public var publicDnsName: String?
    public var clientToken: String?
    public var securityGroupIds: [String]
    public var tags: [String: String]
    public var instanceLifecycle: String?
    /// Volume IDs by device name.
    public var blockDevices: [String: String]
    /// Delete-on-termination flags by device name.
    public var deleteOnTermination: [String: Bool]
    public var rootDeviceName: String?
    /// The owning account (from the reservation).
    public var ownerId: String?
    public var monitoring: Bool
    public var ebsOptimized: Bool?
    public var sourceDestCheck: Bool?
    public var iamInstanceProfileArn: String?
    public var placementGroup: String?
    public var tenancy: String?
    public var metadataOptions: MetadataOptions?
    public var cpuCoreCount: Int?
    public var cpuThreadsPerCore: Int?

    /// The instance metadata service settings (IMDS) EC2 reports.
    public struct MetadataOptions: Sendable, Hashable {
        public var httpTokens: String?
        public var httpEndpoint: String?
        public var httpPutResponseHopLimit: Int?
        public init(httpTokens: String? = nil, httpEndpoint: String? = nil, httpPutResponseHopLimit: Int? = nil) {
            self.httpTokens = httpTokens
            self.httpEndpoint = httpEndpoint
            self.httpPutResponseHopLimit = httpPutResponseHopLimit
        }
    }

    init(_ node: XMLNode, ownerId: String? = nil) {
        self.ownerId = ownerId
        instanceId = node.string("instanceId") ?? ""
        imageId = node.string("imageId") ?? ""
        instanceType = node.string("instanceType") ?? ""
        state = node.child("instanceState")?.string("name") ?? ""
        keyName = node.string("keyName").nonEmpty
        availabilityZone = node.child("placement")?.string("availabilityZone").nonEmpty
        subnetId = node.string("subnetId").nonEmpty
        vpcId = node.string("vpcId").nonEmpty
        privateIpAddress = node.string("privateIpAddress").nonEmpty
        publicIpAddress = node.string("ipAddress").nonEmpty
        privateDnsName = node.string("privateDnsName").nonEmpty
        publicDnsName = node.string("dnsName").nonEmpty
        clientToken = node.string("clientToken").nonEmpty
        securityGroupIds = node.items("groupSet").compactMap { $0.string("groupId") }
        tags = EC2Instance.tags(node)
        instanceLifecycle = node.string("instanceLifecycle").nonEmpty
        blockDevices = Dictionary(node.items("blockDeviceMapping").compactMap { item in
            guard let name = item.string("deviceName"), let volume = item.child("ebs")?.string("volumeId") else { return nil }
            return (name, volume)
        }, uniquingKeysWith: { a, _ in a })
        deleteOnTermination = Dictionary(node.items("blockDeviceMapping").compactMap { item in
            guard let name = item.string("deviceName"), let flag = item.child("ebs")?.string("deleteOnTermination") else { return nil }
            return (name, flag == "true")
        }, uniquingKeysWith: { a, _ in a })
        rootDeviceName = node.string("rootDeviceName").nonEmpty
        monitoring = node.child("monitoring")?.string("state").map { $0 == "enabled" || $0 == "pending" } ?? false
        ebsOptimized = node.string("ebsOptimized").map { $0 == "true" }
        sourceDestCheck = node.string("sourceDestCheck").map { $0 == "true" }
        iamInstanceProfileArn = node.child("iamInstanceProfile")?.string("arn").nonEmpty
        placementGroup = node.child("placement")?.string("groupName").nonEmpty
        tenancy = node.child("placement")?.string("tenancy").nonEmpty
        metadataOptions = node.child("metadataOptions").map {
            MetadataOptions(httpTokens: $0.string("httpTokens").nonEmpty, httpEndpoint: $0.string("httpEndpoint").nonEmpty,
                            httpPutResponseHopLimit: $0.string("httpPutResponseHopLimit").flatMap { Int($0) })
        }
        cpuCoreCount = node.child("cpuOptions")?.string("coreCount").flatMap { Int($0) }
        cpuThreadsPerCore = node.child("cpuOptions")?.string("threadsPerCore").flatMap { Int($0) }
    }

    static func tags(_ node: XMLNode) -> [String: String] {
        Dictionary(node.items("tagSet").compactMap { item in item.string("key").map { ($0, item.string("value") ?? "") } }, uniquingKeysWith: { a, _ in a })
    }
}

/// One permission of a security group: a protocol and port range, and its sources. EC2 keeps a
/// rule's description per source (each IPv4 range, IPv6 range and group pair has its own).
public struct EC2IpPermission: Sendable, Hashable {
    /// A CIDR block or a security group ID, with that source's rule description.
    public struct Source: Sendable, Hashable {
        public var id: String
        public var description: String?
        public init(_ id: String, description: String? = nil) {
            self.id = id
            self.description = description
        }
    }

    public var ipProtocol: String
    public var fromPort: Int?
    public var toPort: Int?
    public var ipRanges: [Source]
    public var ipv6Ranges: [Source]
    public var groups: [Source]

    public var cidrBlocks: [String] { ipRanges.map(\.id) }
    public var ipv6CidrBlocks: [String] { ipv6Ranges.map(\.id) }
    public var groupIds: [String] { groups.map(\.id) }

    /// A permission whose sources all share `description`.
    public init(ipProtocol: String, fromPort: Int?, toPort: Int?, cidrBlocks: [String] = [], ipv6CidrBlocks: [String] = [],
                groupIds: [String] = [], description: String? = nil) {
        self.init(ipProtocol: ipProtocol, fromPort: fromPort, toPort: toPort, ipRanges: cidrBlocks.map { Source($0, description: description) },
                  ipv6Ranges: ipv6CidrBlocks.map { Source($0, description: description) }, groups: groupIds.map { Source($0, description: description) })
    }

    public init(ipProtocol: String, fromPort: Int?, toPort: Int?, ipRanges: [Source] = [], ipv6Ranges: [Source] = [], groups: [Source] = []) {
        self.ipProtocol = ipProtocol
        self.fromPort = fromPort
        self.toPort = toPort
        self.ipRanges = ipRanges
        self.ipv6Ranges = ipv6Ranges
        self.groups = groups
    }

    init(_ node: XMLNode) {
        ipProtocol = node.string("ipProtocol") ?? "-1"
        fromPort = node.string("fromPort").flatMap { Int($0) }
        toPort = node.string("toPort").flatMap { Int($0) }
        func sources(_ list: String, _ key: String) -> [Source] {
            node.items(list).compactMap { item in item.string(key).map { Source($0, description: item.string("description").nonEmpty) } }
        }
        ipRanges = sources("ipRanges", "cidrIp")
        ipv6Ranges = sources("ipv6Ranges", "cidrIpv6")
        groups = sources("groups", "groupId")
    }

    /// The permission as EC2's Query API takes it, the way botocore (and so the AWS CLI)
    /// serialises an `IpPermission`: a member's capitalised `locationName`, so the model's
    /// `UserIdGroupPairs` goes on the wire as `Groups.N`; every source with its own description.
    func parameters(_ prefix: String) -> EC2Client.Parameters {
        var p: EC2Client.Parameters = [("\(prefix).IpProtocol", ipProtocol)]
        if let fromPort { p.append(("\(prefix).FromPort", String(fromPort))) }
        if let toPort { p.append(("\(prefix).ToPort", String(toPort))) }
        for (list, key, sources) in [("IpRanges", "CidrIp", ipRanges), ("Ipv6Ranges", "CidrIpv6", ipv6Ranges), ("Groups", "GroupId", groups)] {
            for (i, source) in sources.enumerated() {
                p.append(("\(prefix).\(list).\(i + 1).\(key)", source.id))
                if let description = source.description { p.append(("\(prefix).\(list).\(i + 1).Description", description)) }
            }
        }
        return p
    }
}

public struct EC2SecurityGroup: Sendable, Hashable {
    public var groupId: String
    public var groupName: String
    public var description: String
    public var vpcId: String?
    public var ownerId: String?
    public var ingress: [EC2IpPermission]
    public var egress: [EC2IpPermission]
    public var tags: [String: String]

    init(_ node: XMLNode) {
        groupId = node.string("groupId") ?? ""
        groupName = node.string("groupName") ?? ""
        description = node.string("groupDescription") ?? ""
        vpcId = node.string("vpcId").nonEmpty
        ownerId = node.string("ownerId").nonEmpty
        ingress = node.items("ipPermissions").map(EC2IpPermission.init)
        egress = node.items("ipPermissionsEgress").map(EC2IpPermission.init)
        tags = EC2Instance.tags(node)
    }
}

public struct EC2Vpc: Sendable, Hashable {
    public var vpcId: String
    public var cidrBlock: String?
    public var isDefault: Bool
    public var state: String?
    public var instanceTenancy: String?
    public var dhcpOptionsId: String?
    public var ownerId: String?
    public var tags: [String: String] = [:]

    init(_ node: XMLNode) {
        vpcId = node.string("vpcId") ?? ""
        cidrBlock = node.string("cidrBlock")
        isDefault = node.string("isDefault") == "true"
        state = node.string("state").nonEmpty
        instanceTenancy = node.string("instanceTenancy").nonEmpty
        dhcpOptionsId = node.string("dhcpOptionsId").nonEmpty
        ownerId = node.string("ownerId").nonEmpty
        tags = EC2Instance.tags(node)
    }
}

public struct EC2Subnet: Sendable, Hashable {
    public var subnetId: String
    public var vpcId: String
    public var availabilityZone: String
    public var cidrBlock: String?
    public var subnetArn: String?
    public var state: String?
    public var availabilityZoneId: String?
    public var availableIpAddressCount: Int?
    public var defaultForAz: Bool = false
    public var mapPublicIpOnLaunch: Bool = false
    public var ownerId: String?
    public var tags: [String: String] = [:]

    init(_ node: XMLNode) {
        subnetId = node.string("subnetId") ?? ""
        vpcId = node.string("vpcId") ?? ""
        availabilityZone = node.string("availabilityZone") ?? ""
        cidrBlock = node.string("cidrBlock")
        subnetArn = node.string("subnetArn").nonEmpty
        state = node.string("state").nonEmpty
        availabilityZoneId = node.string("availabilityZoneId").nonEmpty
        availableIpAddressCount = node.string("availableIpAddressCount").flatMap { Int($0) }
        defaultForAz = node.string("defaultForAz") == "true"
        mapPublicIpOnLaunch = node.string("mapPublicIpOnLaunch") == "true"
        ownerId = node.string("ownerId").nonEmpty
        tags = EC2Instance.tags(node)
    }
}

public struct EC2AvailabilityZone: Sendable, Hashable {
    public var zoneName: String
    public var state: String
    public var zoneId: String?
    public var groupName: String?
    public var regionName: String?

    init(_ node: XMLNode) {
        zoneName = node.string("zoneName") ?? ""
        state = node.string("zoneState") ?? ""
        zoneId = node.string("zoneId").nonEmpty
        groupName = node.string("groupName").nonEmpty
        regionName = node.string("regionName").nonEmpty
    }
}

public struct EC2Image: Sendable, Hashable {
    public var imageId: String
    public var name: String?
    public var state: String?
    /// The device of the root volume (`/dev/xvda`, `/dev/sda1`): a root block device mapping names it.
    public var rootDeviceName: String?
    public var ownerId: String?
    /// ISO 8601, as EC2 writes it (`2024-05-01T10:00:00.000Z`): sorts in time order as text.
    public var creationDate: String?
    public var architecture: String?
    public var description: String?
    public var imageLocation: String?
    public var imageType: String?
    public var isPublic: Bool = false
    public var rootDeviceType: String?
    public var virtualizationType: String?
    public var hypervisor: String?
    public var platform: String?
    public var tags: [String: String] = [:]

    init(_ node: XMLNode) {
        imageId = node.string("imageId") ?? ""
        name = node.string("name")
        state = node.string("imageState")
        rootDeviceName = node.string("rootDeviceName").nonEmpty
        ownerId = node.string("imageOwnerId").nonEmpty
        creationDate = node.string("creationDate").nonEmpty
        architecture = node.string("architecture").nonEmpty
        description = node.string("description").nonEmpty
        imageLocation = node.string("imageLocation").nonEmpty
        imageType = node.string("imageType").nonEmpty
        isPublic = node.string("isPublic") == "true"
        rootDeviceType = node.string("rootDeviceType").nonEmpty
        virtualizationType = node.string("virtualizationType").nonEmpty
        hypervisor = node.string("hypervisor").nonEmpty
        platform = node.string("platform").nonEmpty
        tags = EC2Instance.tags(node)
    }
}

/// An EBS volume, as DescribeVolumes reports it.
public struct EC2Volume: Sendable, Hashable {
    public var volumeId: String
    public var size: Int?
    public var volumeType: String?
    public var iops: Int?
    public var throughput: Int?
    public var encrypted: Bool?
    public var kmsKeyId: String?
    public var snapshotId: String?
    public var tags: [String: String]

    init(_ node: XMLNode) {
        volumeId = node.string("volumeId") ?? ""
        size = node.string("size").flatMap { Int($0) }
        volumeType = node.string("volumeType").nonEmpty
        iops = node.string("iops").flatMap { Int($0) }
        throughput = node.string("throughput").flatMap { Int($0) }
        encrypted = node.string("encrypted").map { $0 == "true" }
        kmsKeyId = node.string("kmsKeyId").nonEmpty
        snapshotId = node.string("snapshotId").nonEmpty
        tags = EC2Instance.tags(node)
    }
}

public struct EC2KeyPair: Sendable, Hashable {
    public var keyName: String
    public var keyPairId: String?
    public var fingerprint: String?
    public var tags: [String: String] = [:]
    public var keyType: String?
    public var createTime: String?
}

extension EC2KeyPair {
    init(_ node: XMLNode) {
        self.init(keyName: node.string("keyName") ?? "", keyPairId: node.string("keyPairId").nonEmpty, fingerprint: node.string("keyFingerprint").nonEmpty,
                  tags: EC2Instance.tags(node), keyType: node.string("keyType").nonEmpty, createTime: node.string("createTime").nonEmpty)
    }
}

public struct EC2InstanceStateChange: Sendable, Hashable {
    public var instanceId: String
    public var previousState: String
    public var currentState: String
}

/// What RunInstances launches.
public struct RunInstancesRequest: Sendable, Hashable {
    /// One `BlockDeviceMapping.N`: an EBS volume (any `Ebs` field set), an instance store volume
    /// (`virtualName`), or a device of the image left out (`noDevice`).
    public struct BlockDevice: Sendable, Hashable {
        public var deviceName: String
        public var virtualName: String?
        public var volumeSize: Int?
        public var volumeType: String?
        public var deleteOnTermination: Bool?
        public var encrypted: Bool?
        public var iops: Int?
        public var throughput: Int?
        public var snapshotId: String?
        public var kmsKeyId: String?
        public var noDevice = false
        public init(deviceName: String, virtualName: String? = nil, volumeSize: Int? = nil, volumeType: String? = nil,
                    deleteOnTermination: Bool? = nil, encrypted: Bool? = nil, iops: Int? = nil, throughput: Int? = nil,
                    snapshotId: String? = nil, kmsKeyId: String? = nil, noDevice: Bool = false) {
            self.deviceName = deviceName
            self.virtualName = virtualName
            self.volumeSize = volumeSize
            self.volumeType = volumeType
            self.deleteOnTermination = deleteOnTermination
            self.encrypted = encrypted
            self.iops = iops
            self.throughput = throughput
            self.snapshotId = snapshotId
            self.kmsKeyId = kmsKeyId
            self.noDevice = noDevice
        }

        var hasEbs: Bool {
            volumeSize != nil || volumeType != nil || deleteOnTermination != nil || encrypted != nil || iops != nil
                || throughput != nil || snapshotId != nil || kmsKeyId != nil
        }
    }

    /// `InstanceMarketOptions`: a Spot Instance.
    public struct MarketOptions: Sendable, Hashable {
        public var marketType = "spot"
        public var maxPrice: String?
        public var spotInstanceType: String?
        public var instanceInterruptionBehavior: String?
        /// ISO 8601, for a persistent request.
        public var validUntil: String?
        public init(marketType: String = "spot", maxPrice: String? = nil, spotInstanceType: String? = nil,
                    instanceInterruptionBehavior: String? = nil, validUntil: String? = nil) {
            self.marketType = marketType
            self.maxPrice = maxPrice
            self.spotInstanceType = spotInstanceType
            self.instanceInterruptionBehavior = instanceInterruptionBehavior
            self.validUntil = validUntil
        }
    }

    public var imageId: String
    public var instanceType: String
    public var count = 1
    public var clientToken: String?
    public var keyName: String?
    public var securityGroupIds: [String] = []
    public var subnetId: String?
    public var privateIpAddress: String?
    /// When set, the network settings go through `NetworkInterface.1` (device 0), the only place
    /// EC2 takes the public-IP choice; subnet, groups and private IP move there with it.
    public var associatePublicIpAddress: Bool?
    public var availabilityZone: String?
    public var placementGroup: String?
    public var tenancy: String?
    /// The user data as text; base64-encoded on the wire.
    public var userData: String?
    public var tags: [String: String] = [:]
    /// Tags for the volumes launched with the instance.
    public var volumeTags: [String: String] = [:]
    public var blockDevices: [BlockDevice] = []
    public var market: MarketOptions?
    public var monitoring: Bool?
    public var iamInstanceProfile: String?
    public var ebsOptimized: Bool?
    public var disableApiTermination: Bool?
    public var instanceInitiatedShutdownBehavior: String?
    public var metadataOptions: EC2Instance.MetadataOptions?
    public var cpuCredits: String?
    public var cpuCoreCount: Int?
    public var cpuThreadsPerCore: Int?

    /// Launch as Spot Instances at this maximum price (one-time, terminated on interruption).
    public var spotMaxPrice: String? {
        get { market?.maxPrice }
        set { market = newValue.map { MarketOptions(maxPrice: $0) } }
    }

    public init(imageId: String, instanceType: String) {
        self.imageId = imageId
        self.instanceType = instanceType
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
