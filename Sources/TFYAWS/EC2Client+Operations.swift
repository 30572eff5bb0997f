import Foundation

/// Typed EC2 operations, each one Query API action.
extension EC2Client {
    static func list(_ name: String, _ values: [String]) -> Parameters {
        values.enumerated().map { ("\(name).\($0.offset + 1)", $0.element) }
    }

    static func filters(_ filters: [EC2Filter]) -> Parameters {
        filters.enumerated().flatMap { i, filter in
            [("Filter.\(i + 1).Name", filter.name)] + filter.values.enumerated().map { ("Filter.\(i + 1).Value.\($0.offset + 1)", $0.element) }
        }
    }

    static func tagSpecifications(_ resourceType: String, _ tags: [String: String], index: Int = 1) -> Parameters {
        guard !tags.isEmpty else { return [] }
        return [("TagSpecification.\(index).ResourceType", resourceType)] + Self.tags("TagSpecification.\(index).Tag", tags)
    }

    /// `PREFIX.1.Key`, `PREFIX.1.Value`, … in key order.
    static func tags(_ prefix: String, _ tags: [String: String]) -> Parameters {
        tags.keys.sorted().enumerated().flatMap { i, key in [("\(prefix).\(i + 1).Key", key), ("\(prefix).\(i + 1).Value", tags[key]!)] }
    }

    /// `IpPermissions.1.IpProtocol`, … for each permission.
    static func ipPermissions(_ permissions: [EC2IpPermission]) -> Parameters {
        permissions.enumerated().flatMap { $1.parameters("IpPermissions.\($0 + 1)") }
    }

    /// Follows `NextToken` until the last page; `page` extracts one page's items.
    public func paginate<T>(_ action: String, _ parameters: Parameters, page: (XMLNode) -> [T]) async throws(AWSError) -> [T] {
        var results: [T] = []
        var token: String?
        repeat {
            let root = try await call(action, parameters + (token.map { [("NextToken", $0)] } ?? []))
            results += page(root)
            token = root.string("nextToken").nonEmpty
        } while token != nil
        return results
    }

    // MARK: Network and images

    public func describeVpcs(ids: [String] = [], filters: [EC2Filter] = []) async throws(AWSError) -> [EC2Vpc] {
        try await paginate("DescribeVpcs", Self.list("VpcId", ids) + Self.filters(filters)) { root in
            root.items("vpcSet").map(EC2Vpc.init)
        }
    }

    public func describeSubnets(ids: [String] = [], filters: [EC2Filter] = []) async throws(AWSError) -> [EC2Subnet] {
        try await paginate("DescribeSubnets", Self.list("SubnetId", ids) + Self.filters(filters)) { root in
            root.items("subnetSet").map(EC2Subnet.init)
        }
    }

    public func describeAvailabilityZones(names: [String] = [], filters: [EC2Filter] = []) async throws(AWSError) -> [EC2AvailabilityZone] {
        let root = try await call("DescribeAvailabilityZones", Self.filters(filters) + Self.list("ZoneName", names))
        return root.items("availabilityZoneInfo").map(EC2AvailabilityZone.init)
    }

    /// Images by ID, owner (`self`, `amazon`, an account ID) and filters, as the AWS provider's
    /// `aws_ami` asks for them.
    public func describeImages(ids: [String] = [], owners: [String] = [], filters: [EC2Filter] = [], executableUsers: [String] = []) async throws(AWSError) -> [EC2Image] {
        try await paginate("DescribeImages", Self.list("ExecutableBy", executableUsers) + Self.filters(filters) + Self.list("ImageId", ids) + Self.list("Owner", owners)) { root in
            root.items("imagesSet").map(EC2Image.init)
        }
    }

    // MARK: Security groups

    public func describeSecurityGroups(ids: [String] = [], names: [String] = [], filters: [EC2Filter] = []) async throws(AWSError) -> [EC2SecurityGroup] {
        try await paginate("DescribeSecurityGroups", Self.list("GroupId", ids) + Self.list("GroupName", names) + Self.filters(filters)) { root in
            root.items("securityGroupInfo").map(EC2SecurityGroup.init)
        }
    }

    /// Creates a group; returns its ID.
    public func createSecurityGroup(name: String, description: String, vpcId: String? = nil, tags: [String: String] = [:]) async throws(AWSError) -> String {
        var p: Parameters = [("GroupName", name), ("GroupDescription", description)]
        if let vpcId { p.append(("VpcId", vpcId)) }
        let root = try await call("CreateSecurityGroup", p + Self.tagSpecifications("security-group", tags))
        return root.string("groupId") ?? ""
    }

    public func deleteSecurityGroup(id: String) async throws(AWSError) {
        _ = try await call("DeleteSecurityGroup", [("GroupId", id)])
    }

    public func authorizeSecurityGroupIngress(groupId: String, permissions: [EC2IpPermission]) async throws(AWSError) {
        _ = try await call("AuthorizeSecurityGroupIngress", [("GroupId", groupId)] + Self.ipPermissions(permissions))
    }

    public func revokeSecurityGroupIngress(groupId: String, permissions: [EC2IpPermission]) async throws(AWSError) {
        _ = try await call("RevokeSecurityGroupIngress", [("GroupId", groupId)] + Self.ipPermissions(permissions))
    }

    public func authorizeSecurityGroupEgress(groupId: String, permissions: [EC2IpPermission]) async throws(AWSError) {
        _ = try await call("AuthorizeSecurityGroupEgress", [("GroupId", groupId)] + Self.ipPermissions(permissions))
    }

    public func revokeSecurityGroupEgress(groupId: String, permissions: [EC2IpPermission]) async throws(AWSError) {
        _ = try await call("RevokeSecurityGroupEgress", [("GroupId", groupId)] + Self.ipPermissions(permissions))
    }

    // MARK: Instances

    public func runInstances(_ request: RunInstancesRequest) async throws(AWSError) -> [EC2Instance] {
        let root = try await call("RunInstances", Self.parameters(request))
        return root.items("instancesSet").map { EC2Instance($0, ownerId: root.string("ownerId")) }
    }

    /// RunInstances' parameters, in the order the AWS CLI sends them.
    static func parameters(_ request: RunInstancesRequest) -> Parameters {
        var p: Parameters = [("ImageId", request.imageId), ("InstanceType", request.instanceType),
                             ("MinCount", String(request.count)), ("MaxCount", String(request.count))]
        if let token = request.clientToken { p.append(("ClientToken", token)) }
        if let key = request.keyName { p.append(("KeyName", key)) }
        if let associate = request.associatePublicIpAddress {
            // EC2 refuses subnet, groups or a private IP beside a network interface: all go in it.
            let prefix = "NetworkInterface.1"
            p += [("\(prefix).DeviceIndex", "0"), ("\(prefix).AssociatePublicIpAddress", Self.bool(associate))]
            if let subnet = request.subnetId { p.append(("\(prefix).SubnetId", subnet)) }
            if let ip = request.privateIpAddress { p.append(("\(prefix).PrivateIpAddress", ip)) }
            p += Self.list("\(prefix).SecurityGroupId", request.securityGroupIds)
        } else {
            p += Self.list("SecurityGroupId", request.securityGroupIds)
            if let subnet = request.subnetId { p.append(("SubnetId", subnet)) }
            if let ip = request.privateIpAddress { p.append(("PrivateIpAddress", ip)) }
        }
        if let zone = request.availabilityZone { p.append(("Placement.AvailabilityZone", zone)) }
        if let group = request.placementGroup { p.append(("Placement.GroupName", group)) }
        if let tenancy = request.tenancy { p.append(("Placement.Tenancy", tenancy)) }
        if let userData = request.userData { p.append(("UserData", Data(userData.utf8).base64EncodedString())) }
        for (i, device) in request.blockDevices.enumerated() {
            let prefix = "BlockDeviceMapping.\(i + 1)"
            p.append(("\(prefix).DeviceName", device.deviceName))
            if device.noDevice {
                // EC2 takes NoDevice as an empty string: the image's device is left out.
                p.append(("\(prefix).NoDevice", ""))
                continue
            }
            if let virtual = device.virtualName { p.append(("\(prefix).VirtualName", virtual)) }
            if let snapshot = device.snapshotId { p.append(("\(prefix).Ebs.SnapshotId", snapshot)) }
            if let size = device.volumeSize { p.append(("\(prefix).Ebs.VolumeSize", String(size))) }
            if let type = device.volumeType { p.append(("\(prefix).Ebs.VolumeType", type)) }
            if let iops = device.iops { p.append(("\(prefix).Ebs.Iops", String(iops))) }
            if let throughput = device.throughput { p.append(("\(prefix).Ebs.Throughput", String(throughput))) }
            if let delete = device.deleteOnTermination { p.append(("\(prefix).Ebs.DeleteOnTermination", Self.bool(delete))) }
            if let encrypted = device.encrypted { p.append(("\(prefix).Ebs.Encrypted", Self.bool(encrypted))) }
            if let key = device.kmsKeyId { p.append(("\(prefix).Ebs.KmsKeyId", key)) }
        }
        if let market = request.market {
            p.append(("InstanceMarketOptions.MarketType", market.marketType))
            let prefix = "InstanceMarketOptions.SpotOptions"
            if let price = market.maxPrice { p.append(("\(prefix).MaxPrice", price)) }
            if let type = market.spotInstanceType { p.append(("\(prefix).SpotInstanceType", type)) }
            if let until = market.validUntil { p.append(("\(prefix).ValidUntil", until)) }
            if let behaviour = market.instanceInterruptionBehavior { p.append(("\(prefix).InstanceInterruptionBehavior", behaviour)) }
        }
        if let monitoring = request.monitoring { p.append(("Monitoring.Enabled", Self.bool(monitoring))) }
        if let profile = request.iamInstanceProfile {
            p.append((profile.hasPrefix("arn:") ? "IamInstanceProfile.Arn" : "IamInstanceProfile.Name", profile))
        }
        if let optimized = request.ebsOptimized { p.append(("EbsOptimized", Self.bool(optimized))) }
        if let disable = request.disableApiTermination { p.append(("DisableApiTermination", Self.bool(disable))) }
        if let behaviour = request.instanceInitiatedShutdownBehavior { p.append(("InstanceInitiatedShutdownBehavior", behaviour)) }
        if let options = request.metadataOptions {
            if let tokens = options.httpTokens { p.append(("MetadataOptions.HttpTokens", tokens)) }
            if let limit = options.httpPutResponseHopLimit { p.append(("MetadataOptions.HttpPutResponseHopLimit", String(limit))) }
            if let endpoint = options.httpEndpoint { p.append(("MetadataOptions.HttpEndpoint", endpoint)) }
        }
        if let credits = request.cpuCredits { p.append(("CreditSpecification.CpuCredits", credits)) }
        if let cores = request.cpuCoreCount { p.append(("CpuOptions.CoreCount", String(cores))) }
        if let threads = request.cpuThreadsPerCore { p.append(("CpuOptions.ThreadsPerCore", String(threads))) }
        p += Self.tagSpecifications("instance", request.tags)
        p += Self.tagSpecifications("volume", request.volumeTags, index: request.tags.isEmpty ? 1 : 2)
        return p
    }

    static func bool(_ value: Bool) -> String { value ? "true" : "false" }

    /// One page of DescribeInstances.
    public func describeInstancesPage(ids: [String] = [], filters: [EC2Filter] = [], maxResults: Int? = nil, nextToken: String? = nil) async throws(AWSError) -> (instances: [EC2Instance], nextToken: String?) {
        var p = Self.list("InstanceId", ids) + Self.filters(filters)
        if let maxResults { p.append(("MaxResults", String(maxResults))) }
        if let nextToken { p.append(("NextToken", nextToken)) }
        let root = try await call("DescribeInstances", p)
        return (Self.instances(root), root.string("nextToken").nonEmpty)
    }

    /// Every instance matching `filters`, `pageSize` a page (EC2 allows 5 to 1,000), the next
    /// page asked for while this one is decoded.
    public func describeInstances(filters: [EC2Filter] = [], pageSize: Int = 1000) async throws(AWSError) -> [EC2Instance] {
        try await paginatePipelined("DescribeInstances", Self.filters(filters) + [("MaxResults", String(pageSize))],
                                    streaming: ["reservationSet", "item"], decode: Self.instances(reservation:))
    }

    /// The instances of one DescribeInstances page, each with its reservation's owner.
    static func instances(_ root: XMLNode) -> [EC2Instance] {
        root.items("reservationSet").flatMap(instances(reservation:))
    }

    /// The instances of one reservation (a `reservationSet` item), each with its owner.
    static func instances(reservation: XMLNode) -> [EC2Instance] {
        reservation.items("instancesSet").map { EC2Instance($0, ownerId: reservation.string("ownerId")) }
    }

    /// The instances with these IDs, in batches of `batchSize` (EC2 accepts 1,000 IDs a call).
    /// IDs EC2 does not know are left out rather than failing the whole batch.
    public func describeInstances(ids: [String], batchSize: Int = 1000) async throws(AWSError) -> [EC2Instance] {
        var all: [EC2Instance] = []
        var start = 0
        while start < ids.count {
            let batch = Array(ids[start..<min(start + batchSize, ids.count)])
            // A filter, unlike InstanceId.N, does not fail the batch on one unknown ID.
            all += try await describeInstances(filters: [EC2Filter("instance-id", batch)])
            start += batchSize
        }
        return all
    }

    public func terminateInstances(ids: [String]) async throws(AWSError) -> [EC2InstanceStateChange] {
        try await stateChange("TerminateInstances", ids)
    }

    public func stopInstances(ids: [String]) async throws(AWSError) -> [EC2InstanceStateChange] {
        try await stateChange("StopInstances", ids)
    }

    public func startInstances(ids: [String]) async throws(AWSError) -> [EC2InstanceStateChange] {
        try await stateChange("StartInstances", ids)
    }

    private func stateChange(_ action: String, _ ids: [String]) async throws(AWSError) -> [EC2InstanceStateChange] {
        let root = try await call(action, Self.list("InstanceId", ids))
        return root.items("instancesSet").map {
            EC2InstanceStateChange(instanceId: $0.string("instanceId") ?? "", previousState: $0.child("previousState")?.string("name") ?? "",
                                   currentState: $0.child("currentState")?.string("name") ?? "")
        }
    }

    /// What ModifyInstanceAttribute changes.
    /// What ModifyInstanceAttribute changes: one attribute per call, as EC2 requires.
    public enum InstanceAttributeChange: Sendable, Hashable {
        case instanceType(String)
        case userData(String)
        case securityGroups([String])
        case ebsOptimized(Bool)
        case disableApiTermination(Bool)
        case instanceInitiatedShutdownBehavior(String)
        case sourceDestCheck(Bool)
        /// The delete-on-termination flag of an attached EBS volume.
        case deleteOnTermination(device: String, Bool)
    }

    public func modifyInstanceAttribute(id: String, _ change: InstanceAttributeChange) async throws(AWSError) {
        var p: Parameters = [("InstanceId", id)]
        switch change {
        case .instanceType(let type): p.append(("InstanceType.Value", type))
        case .userData(let text): p.append(("UserData.Value", Data(text.utf8).base64EncodedString()))
        case .securityGroups(let groups): p += Self.list("GroupId", groups)
        case .ebsOptimized(let flag): p.append(("EbsOptimized.Value", Self.bool(flag)))
        case .disableApiTermination(let flag): p.append(("DisableApiTermination.Value", Self.bool(flag)))
        case .instanceInitiatedShutdownBehavior(let behaviour): p.append(("InstanceInitiatedShutdownBehavior.Value", behaviour))
        case .sourceDestCheck(let flag): p.append(("SourceDestCheck.Value", Self.bool(flag)))
        case .deleteOnTermination(let device, let flag):
            p += [("BlockDeviceMapping.1.DeviceName", device), ("BlockDeviceMapping.1.Ebs.DeleteOnTermination", Self.bool(flag))]
        }
        _ = try await call("ModifyInstanceAttribute", p)
    }

    /// Turns detailed monitoring on or off (MonitorInstances / UnmonitorInstances).
    public func setMonitoring(ids: [String], enabled: Bool) async throws(AWSError) {
        _ = try await call(enabled ? "MonitorInstances" : "UnmonitorInstances", Self.list("InstanceId", ids))
    }

    public func modifyInstanceMetadataOptions(id: String, _ options: EC2Instance.MetadataOptions) async throws(AWSError) {
        var p: Parameters = [("InstanceId", id)]
        if let tokens = options.httpTokens { p.append(("HttpTokens", tokens)) }
        if let limit = options.httpPutResponseHopLimit { p.append(("HttpPutResponseHopLimit", String(limit))) }
        if let endpoint = options.httpEndpoint { p.append(("HttpEndpoint", endpoint)) }
        _ = try await call("ModifyInstanceMetadataOptions", p)
    }

    public func modifyInstanceCreditSpecification(id: String, cpuCredits: String) async throws(AWSError) {
        _ = try await call("ModifyInstanceCreditSpecification", [("InstanceCreditSpecification.1.InstanceId", id),
                                                                 ("InstanceCreditSpecification.1.CpuCredits", cpuCredits)])
    }

    /// The instance profile association of each instance that has one, by instance ID.
    public func describeIamInstanceProfileAssociations(instanceIds: [String]) async throws(AWSError) -> [String: (associationId: String, arn: String)] {
        let items = try await paginate("DescribeIamInstanceProfileAssociations", Self.filters([EC2Filter("instance-id", instanceIds), EC2Filter("state", ["associating", "associated"])])) { root in
            root.items("iamInstanceProfileAssociationSet").map { ($0.string("instanceId") ?? "", $0.string("associationId") ?? "", $0.child("iamInstanceProfile")?.string("arn") ?? "") }
        }
        return Dictionary(items.map { ($0.0, (associationId: $0.1, arn: $0.2)) }, uniquingKeysWith: { a, _ in a })
    }

    /// `IamInstanceProfile.Name` or `.Arn`, as the profile is given.
    static func profile(_ profile: String) -> Parameters {
        [(profile.hasPrefix("arn:") ? "IamInstanceProfile.Arn" : "IamInstanceProfile.Name", profile)]
    }

    public func associateIamInstanceProfile(id: String, profile: String) async throws(AWSError) {
        _ = try await call("AssociateIamInstanceProfile", Self.profile(profile) + [("InstanceId", id)])
    }

    public func replaceIamInstanceProfileAssociation(associationId: String, profile: String) async throws(AWSError) {
        _ = try await call("ReplaceIamInstanceProfileAssociation", Self.profile(profile) + [("AssociationId", associationId)])
    }

    public func disassociateIamInstanceProfile(associationId: String) async throws(AWSError) {
        _ = try await call("DisassociateIamInstanceProfile", [("AssociationId", associationId)])
    }

    // MARK: Volumes

    /// The volumes with these IDs, by a `volume-id` filter in batches of 200 (a filter, unlike
    /// VolumeId.N, does not fail the call on one unknown ID).
    public func describeVolumes(ids: [String], batchSize: Int = 200) async throws(AWSError) -> [EC2Volume] {
        var all: [EC2Volume] = []
        var start = 0
        while start < ids.count {
            let batch = Array(ids[start..<min(start + batchSize, ids.count)])
            all += try await paginate("DescribeVolumes", Self.filters([EC2Filter("volume-id", batch)])) { root in root.items("volumeSet").map(EC2Volume.init) }
            start += batchSize
        }
        return all
    }

    /// One attribute (`instanceType`, `userData`, …) as text; user data comes back decoded.
    public func describeInstanceAttribute(id: String, attribute: String) async throws(AWSError) -> String? {
        let root = try await call("DescribeInstanceAttribute", [("InstanceId", id), ("Attribute", attribute)])
        guard let value = root.child(attribute)?.string("value") else { return nil }
        if attribute == "userData" { return Data(base64Encoded: value).flatMap { String(data: $0, encoding: .utf8) } ?? value }
        return value
    }

    // MARK: Tags and key pairs

    public func createTags(resources: [String], tags: [String: String]) async throws(AWSError) {
        _ = try await call("CreateTags", Self.list("ResourceId", resources) + Self.tags("Tag", tags))
    }

    public func deleteTags(resources: [String], keys: [String]) async throws(AWSError) {
        var p = Self.list("ResourceId", resources)
        for (i, key) in keys.enumerated() { p.append(("Tag.\(i + 1).Key", key)) }
        _ = try await call("DeleteTags", p)
    }

    public func importKeyPair(name: String, publicKey: String, tags: [String: String] = [:]) async throws(AWSError) -> EC2KeyPair {
        let root = try await call("ImportKeyPair", [("KeyName", name), ("PublicKeyMaterial", Data(publicKey.utf8).base64EncodedString())] + Self.tagSpecifications("key-pair", tags))
        return EC2KeyPair(keyName: root.string("keyName") ?? name, keyPairId: root.string("keyPairId"), fingerprint: root.string("keyFingerprint"))
    }

    public func describeKeyPairs(names: [String] = []) async throws(AWSError) -> [EC2KeyPair] {
        let root = try await call("DescribeKeyPairs", Self.list("KeyName", names))
        return root.items("keySet").map { EC2KeyPair(keyName: $0.string("keyName") ?? "", keyPairId: $0.string("keyPairId"), fingerprint: $0.string("keyFingerprint")) }
    }

    public func deleteKeyPair(name: String) async throws(AWSError) {
        _ = try await call("DeleteKeyPair", [("KeyName", name)])
    }
}

// MARK: Security group rule descriptions

extension EC2Client {
    /// Sets the descriptions of existing ingress rules. Each permission names its rules by
    /// protocol, ports and source, as Revoke does; a source given without a description loses
    /// the one it had.
    public func updateSecurityGroupRuleDescriptionsIngress(groupId: String, permissions: [EC2IpPermission]) async throws(AWSError) {
        _ = try await call("UpdateSecurityGroupRuleDescriptionsIngress", [("GroupId", groupId)] + Self.ipPermissions(permissions))
    }

    /// Sets the descriptions of existing egress rules, as `updateSecurityGroupRuleDescriptionsIngress`.
    public func updateSecurityGroupRuleDescriptionsEgress(groupId: String, permissions: [EC2IpPermission]) async throws(AWSError) {
        _ = try await call("UpdateSecurityGroupRuleDescriptionsEgress", [("GroupId", groupId)] + Self.ipPermissions(permissions))
    }
}

// MARK: Key pairs with their tags

extension EC2Client {
    /// The key pairs with these names, IDs and filters, with their tags: what `aws_key_pair`'s
    /// data source asks for.
    public func describeKeyPairs(names: [String], ids: [String], filters: [EC2Filter]) async throws(AWSError) -> [EC2KeyPair] {
        let root = try await call("DescribeKeyPairs", Self.filters(filters) + Self.list("KeyName", names) + Self.list("KeyPairId", ids))
        return root.items("keySet").map(EC2KeyPair.init)
    }

    /// The key pairs with these IDs (`KeyPairId.N`) or matching `filters`, with their tags.
    public func describeKeyPairs(ids: [String], filters: [EC2Filter] = []) async throws(AWSError) -> [EC2KeyPair] {
        let root = try await call("DescribeKeyPairs", Self.list("KeyPairId", ids) + Self.filters(filters))
        return root.items("keySet").map(EC2KeyPair.init)
    }
}
