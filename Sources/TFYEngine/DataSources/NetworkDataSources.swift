import TFYAWS
import TFYCore

/// `data.aws_vpc`: one VPC by `id`, `default`, `cidr_block`, `state`, `tags` and `filter`. One
/// DescribeVpcs.
struct VpcDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_vpc", body: ObjectSchema([
        "id": Attribute(.string, .optionalComputed),
        "default": Attribute(.bool, .optionalComputed),
        "cidr_block": Attribute(.string, .optionalComputed),
        "state": Attribute(.string, .optionalComputed),
        "tags": Attribute(.stringMap, .optionalComputed),
        "filter": DataSourceParts.filter,
        "arn": Attribute(.string, .computed),
        "dhcp_options_id": Attribute(.string, .computed),
        "instance_tenancy": Attribute(.string, .computed),
        "owner_id": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        var filters = DataSourceParts.attributeFilter("cidr", arguments["cidr_block"]) + DataSourceParts.attributeFilter("state", arguments["state"])
        // As the provider: `default: false` selects nothing by it.
        if arguments["default"]?.boolValue == true { filters.append(EC2Filter("is-default", ["true"])) }
        filters += DataSourceParts.tagFilters(arguments["tags"]) + DataSourceParts.filters(arguments["filter"])
        let ids = arguments["id"]?.stringValue.map { [$0] } ?? []
        let vpc = try DataSourceParts.single(try await context.ec2.describeVpcs(ids: ids, filters: filters), kind: "EC2 VPC", plural: "EC2 VPCs")
        var attributes = arguments
        attributes["id"] = .string(vpc.vpcId)
        attributes["default"] = .bool(vpc.isDefault)
        attributes["cidr_block"] = DataSourceParts.string(vpc.cidrBlock)
        attributes["state"] = DataSourceParts.string(vpc.state)
        attributes["tags"] = DataSourceParts.tags(vpc.tags)
        attributes["arn"] = DataSourceParts.arn(context, account: vpc.ownerId, "vpc/\(vpc.vpcId)")
        attributes["dhcp_options_id"] = DataSourceParts.string(vpc.dhcpOptionsId)
        attributes["instance_tenancy"] = DataSourceParts.string(vpc.instanceTenancy)
        attributes["owner_id"] = DataSourceParts.string(vpc.ownerId)
        return DataRead(attributes: attributes, objects: [(vpc.vpcId, vpc.tags)])
    }
}

/// `data.aws_subnets`: the IDs of every subnet `filter` and `tags` select (none is no error).
/// One DescribeSubnets.
struct SubnetsDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_subnets", body: ObjectSchema([
        "filter": DataSourceParts.filter,
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "ids": Attribute(.stringList, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        let subnets = try await context.ec2.describeSubnets(filters: DataSourceParts.tagFilters(arguments["tags"]) + DataSourceParts.filters(arguments["filter"]))
        var attributes = arguments
        // The provider's ID for this data source is the region.
        attributes["id"] = .string(context.region)
        attributes["ids"] = .list(subnets.map { .string($0.subnetId) })
        return DataRead(attributes: attributes, objects: subnets.map { ($0.subnetId, $0.tags) })
    }
}

/// `data.aws_subnet`: one subnet by `id`, `vpc_id`, `availability_zone`, `default_for_az`,
/// `cidr_block`, `state`, `tags` and `filter`. One DescribeSubnets.
struct SubnetDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_subnet", body: ObjectSchema([
        "id": Attribute(.string, .optionalComputed),
        "vpc_id": Attribute(.string, .optionalComputed),
        "availability_zone": Attribute(.string, .optionalComputed),
        "availability_zone_id": Attribute(.string, .optionalComputed),
        "cidr_block": Attribute(.string, .optionalComputed),
        "default_for_az": Attribute(.bool, .optionalComputed),
        "state": Attribute(.string, .optionalComputed),
        "tags": Attribute(.stringMap, .optionalComputed),
        "filter": DataSourceParts.filter,
        "arn": Attribute(.string, .computed),
        "available_ip_address_count": Attribute(.number, .computed),
        "map_public_ip_on_launch": Attribute(.bool, .computed),
        "owner_id": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        var filters = DataSourceParts.attributeFilter("availability-zone", arguments["availability_zone"])
            + DataSourceParts.attributeFilter("availability-zone-id", arguments["availability_zone_id"])
            + DataSourceParts.attributeFilter("cidr-block", arguments["cidr_block"])
            + DataSourceParts.attributeFilter("default-for-az", arguments["default_for_az"])
            + DataSourceParts.attributeFilter("state", arguments["state"])
            + DataSourceParts.attributeFilter("vpc-id", arguments["vpc_id"])
        filters += DataSourceParts.tagFilters(arguments["tags"]) + DataSourceParts.filters(arguments["filter"])
        let ids = arguments["id"]?.stringValue.map { [$0] } ?? []
        let subnet = try DataSourceParts.single(try await context.ec2.describeSubnets(ids: ids, filters: filters), kind: "EC2 Subnet", plural: "EC2 Subnets")
        var attributes = arguments
        attributes["id"] = .string(subnet.subnetId)
        attributes["vpc_id"] = .string(subnet.vpcId)
        attributes["availability_zone"] = .string(subnet.availabilityZone)
        attributes["availability_zone_id"] = DataSourceParts.string(subnet.availabilityZoneId)
        attributes["cidr_block"] = DataSourceParts.string(subnet.cidrBlock)
        attributes["default_for_az"] = .bool(subnet.defaultForAz)
        attributes["state"] = DataSourceParts.string(subnet.state)
        attributes["tags"] = DataSourceParts.tags(subnet.tags)
        attributes["arn"] = subnet.subnetArn.map { .string($0) } ?? DataSourceParts.arn(context, account: subnet.ownerId, "subnet/\(subnet.subnetId)")
        attributes["available_ip_address_count"] = subnet.availableIpAddressCount.map { .number(Double($0)) } ?? .null
        attributes["map_public_ip_on_launch"] = .bool(subnet.mapPublicIpOnLaunch)
        attributes["owner_id"] = DataSourceParts.string(subnet.ownerId)
        return DataRead(attributes: attributes, objects: [(subnet.subnetId, subnet.tags)])
    }
}

/// `data.aws_availability_zones`: the region's zones, by `state` and `filter`, less
/// `exclude_names` and `exclude_zone_ids`; names sorted, as the provider sorts them. One
/// DescribeAvailabilityZones.
struct AvailabilityZonesDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_availability_zones", body: ObjectSchema([
        "state": Attribute(.string, .optional, check: .oneOf(["available", "information", "impaired", "unavailable"])),
        "filter": DataSourceParts.filter,
        "exclude_names": Attribute(.stringList, .optional, isSet: true),
        "exclude_zone_ids": Attribute(.stringList, .optional, isSet: true),
        "id": Attribute(.string, .computed),
        "names": Attribute(.stringList, .computed),
        "zone_ids": Attribute(.stringList, .computed),
        "group_names": Attribute(.stringList, .computed, isSet: true),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        let filters = DataSourceParts.attributeFilter("state", arguments["state"]) + DataSourceParts.filters(arguments["filter"])
        let excludedNames = Set(AWSAttributes.strings(arguments["exclude_names"]))
        let excludedIds = Set(AWSAttributes.strings(arguments["exclude_zone_ids"]))
        let zones = try await context.ec2.describeAvailabilityZones(filters: filters)
            .filter { !excludedNames.contains($0.zoneName) && !excludedIds.contains($0.zoneId ?? "") }
            .sorted { $0.zoneName < $1.zoneName }
        var attributes = arguments
        attributes["id"] = .string(context.region)
        attributes["names"] = .list(zones.map { .string($0.zoneName) })
        attributes["zone_ids"] = .list(zones.map { DataSourceParts.string($0.zoneId) })
        attributes["group_names"] = .list(Set(zones.compactMap(\.groupName)).sorted().map { .string($0) })
        return DataRead(attributes: attributes, objects: [])
    }
}

/// `data.aws_security_group`: one group by `id`, `name`, `vpc_id`, `tags` and `filter`. One
/// DescribeSecurityGroups. (The provider's data source exports no `owner_id`.)
struct SecurityGroupDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_security_group", body: ObjectSchema([
        "id": Attribute(.string, .optionalComputed),
        "name": Attribute(.string, .optionalComputed),
        "vpc_id": Attribute(.string, .optionalComputed),
        "tags": Attribute(.stringMap, .optionalComputed),
        "filter": DataSourceParts.filter,
        "arn": Attribute(.string, .computed),
        "description": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        let filters = DataSourceParts.attributeFilter("group-name", arguments["name"]) + DataSourceParts.attributeFilter("vpc-id", arguments["vpc_id"])
            + DataSourceParts.tagFilters(arguments["tags"]) + DataSourceParts.filters(arguments["filter"])
        let ids = arguments["id"]?.stringValue.map { [$0] } ?? []
        let group = try DataSourceParts.single(try await context.ec2.describeSecurityGroups(ids: ids, filters: filters),
                                               kind: "EC2 Security Group", plural: "EC2 Security Groups")
        var attributes = arguments
        attributes["id"] = .string(group.groupId)
        attributes["name"] = .string(group.groupName)
        attributes["vpc_id"] = DataSourceParts.string(group.vpcId)
        attributes["tags"] = DataSourceParts.tags(group.tags)
        attributes["arn"] = DataSourceParts.arn(context, account: group.ownerId, "security-group/\(group.groupId)")
        attributes["description"] = .string(group.description)
        return DataRead(attributes: attributes, objects: [(group.groupId, group.tags)])
    }
}

/// `data.aws_key_pair`: one key pair by `key_name`, `key_pair_id` and `filter`. One
/// DescribeKeyPairs.
struct KeyPairDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_key_pair", body: ObjectSchema([
        "key_name": Attribute(.string, .optionalComputed),
        "key_pair_id": Attribute(.string, .optionalComputed),
        "filter": DataSourceParts.filter,
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "create_time": Attribute(.string, .computed),
        "fingerprint": Attribute(.string, .computed),
        "key_type": Attribute(.string, .computed),
        "tags": Attribute(.stringMap, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        let names = arguments["key_name"]?.stringValue.map { [$0] } ?? []
        let ids = arguments["key_pair_id"]?.stringValue.map { [$0] } ?? []
        let pair = try DataSourceParts.single(try await context.ec2.describeKeyPairs(names: names, ids: ids, filters: DataSourceParts.filters(arguments["filter"])),
                                              kind: "EC2 Key Pair", plural: "EC2 Key Pairs")
        var attributes = arguments
        attributes["id"] = DataSourceParts.string(pair.keyPairId)
        attributes["key_name"] = .string(pair.keyName)
        attributes["key_pair_id"] = DataSourceParts.string(pair.keyPairId)
        attributes["arn"] = DataSourceParts.arn(context, account: nil, "key-pair/\(pair.keyName)")
        attributes["create_time"] = DataSourceParts.string(pair.createTime)
        attributes["fingerprint"] = DataSourceParts.string(pair.fingerprint)
        attributes["key_type"] = DataSourceParts.string(pair.keyType)
        attributes["tags"] = DataSourceParts.tags(pair.tags)
        return DataRead(attributes: attributes, objects: [(pair.keyPairId ?? pair.keyName, pair.tags)])
    }
}
