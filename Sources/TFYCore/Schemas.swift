/// The resource types, provider and backend blocks tfy understands. Names follow the Terraform
/// AWS provider, so people and policy tools that know it read tfy plans unchanged.
public enum Schemas {
    public static let resources: [String: ResourceSchema] = [
        securityGroup.type: securityGroup,
        instance.type: instance,
        keyPair.type: keyPair,
        bootstrap.type: bootstrap,
        sshKey.type: sshKey,
    ]

    public static let providers: [String: ObjectSchema] = [
        "aws": ObjectSchema([
            "region": Attribute(.string, .optional),
            "endpoint": Attribute(.string, .optional),
            "profile": Attribute(.string, .optional),
            "max_retries": Attribute(.number, .optional),
        ]),
    ]

    public static let backends: [String: ObjectSchema] = [
        "local": ObjectSchema(["path": Attribute(.string, .optional)]),
        // bucket and key may come from -backend-config (a partial configuration), so they are
        // checked when the backend is set up, not here.
        "s3": ObjectSchema([
            "bucket": Attribute(.string, .optional),
            "key": Attribute(.string, .optional),
            "region": Attribute(.string, .optional),
            "endpoint": Attribute(.string, .optional),
            "profile": Attribute(.string, .optional),
            "encrypt": Attribute(.bool, .optional),
            "use_lockfile": Attribute(.bool, .optional),
        ]),
    ]

    // MARK: aws_security_group

    static let securityGroupRule = ObjectSchema([
        "protocol": Attribute(.string, .required),
        "from_port": Attribute(.number, .required),
        "to_port": Attribute(.number, .required),
        "cidr_blocks": Attribute(.stringList, .optional),
        "ipv6_cidr_blocks": Attribute(.stringList, .optional),
        "security_groups": Attribute(.stringList, .optional),
        "self": Attribute(.bool, .optional),
        "description": Attribute(.string, .optional),
    ])

    public static let securityGroup = ResourceSchema(type: "aws_security_group", body: ObjectSchema([
        "name": Attribute(.string, .required, forcesReplacement: true),
        "description": Attribute(.string, .optional, forcesReplacement: true, default: .string("Managed by tfy")),
        "vpc_id": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "ingress": Attribute(.objectList(securityGroupRule), .optional),
        "egress": Attribute(.objectList(securityGroupRule), .optionalComputed),
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "owner_id": Attribute(.string, .computed),
    ]))

    // MARK: aws_instance

    static let rootBlockDevice = ObjectSchema([
        "volume_size": Attribute(.number, .optionalComputed),
        "volume_type": Attribute(.string, .optionalComputed),
        "delete_on_termination": Attribute(.bool, .optional, default: .bool(true)),
        "encrypted": Attribute(.bool, .optionalComputed),
        "iops": Attribute(.number, .optionalComputed),
    ])

    static let ebsBlockDevice = ObjectSchema([
        "device_name": Attribute(.string, .required),
        "volume_size": Attribute(.number, .optionalComputed),
        "volume_type": Attribute(.string, .optionalComputed),
        "delete_on_termination": Attribute(.bool, .optional, default: .bool(true)),
        "encrypted": Attribute(.bool, .optionalComputed),
        "iops": Attribute(.number, .optionalComputed),
        "snapshot_id": Attribute(.string, .optionalComputed),
    ])

    static let ephemeralBlockDevice = ObjectSchema([
        "device_name": Attribute(.string, .required),
        "virtual_name": Attribute(.string, .optional),
        "no_device": Attribute(.bool, .optional),
    ])

    static let marketOptions = ObjectSchema([
        "market_type": Attribute(.string, .optional, default: .string("spot")),
        "spot_options": Attribute(.object(ObjectSchema([
            "max_price": Attribute(.string, .optional),
            "spot_instance_type": Attribute(.string, .optional),
            "instance_interruption_behavior": Attribute(.string, .optional),
        ])), .optional),
    ])

    public static let instance = ResourceSchema(type: "aws_instance", body: ObjectSchema([
        "ami": Attribute(.string, .required, forcesReplacement: true),
        "instance_type": Attribute(.string, .required),
        "availability_zone": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "subnet_id": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "key_name": Attribute(.string, .optional, forcesReplacement: true),
        "private_ip": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "associate_public_ip_address": Attribute(.bool, .optionalComputed, forcesReplacement: true),
        "vpc_security_group_ids": Attribute(.value(.set(.string)), .optionalComputed),
        "user_data": Attribute(.string, .optional, sensitive: true),
        "user_data_replace_on_change": Attribute(.bool, .optional, default: .bool(false)),
        "root_block_device": Attribute(.object(rootBlockDevice), .optionalComputed, forcesReplacement: true),
        "ebs_block_device": Attribute(.objectList(ebsBlockDevice), .optional, forcesReplacement: true),
        "ephemeral_block_device": Attribute(.objectList(ephemeralBlockDevice), .optional, forcesReplacement: true),
        "instance_market_options": Attribute(.object(marketOptions), .optional, forcesReplacement: true),
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "public_ip": Attribute(.string, .computed),
        "public_dns": Attribute(.string, .computed),
        "private_dns": Attribute(.string, .computed),
        "instance_state": Attribute(.string, .computed),
    ]))

    // MARK: aws_key_pair

    public static let keyPair = ResourceSchema(type: "aws_key_pair", body: ObjectSchema([
        "key_name": Attribute(.string, .required, forcesReplacement: true),
        "public_key": Attribute(.string, .required, forcesReplacement: true),
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "fingerprint": Attribute(.string, .computed),
        "key_pair_id": Attribute(.string, .computed),
    ]))

    // MARK: tfy_bootstrap

    static let connection = ObjectSchema([
        "host": Attribute(.string, .required),
        "port": Attribute(.number, .optional, default: .number(22)),
        "user": Attribute(.string, .optional, default: .string("ec2-user")),
        "private_key_file": Attribute(.string, .optional),
        "timeout": Attribute(.string, .optional, default: .string("5m")),
        "bastion_host": Attribute(.string, .optional),
        "bastion_port": Attribute(.number, .optional),
        "bastion_user": Attribute(.string, .optional),
    ])

    static let uploadedFile = ObjectSchema([
        "source": Attribute(.string, .optional),
        "content": Attribute(.string, .optional, sensitive: true),
        "destination": Attribute(.string, .required),
        "template": Attribute(.bool, .optional, default: .bool(false)),
        "mode": Attribute(.string, .optional),
    ])

    /// A key pair made for one cluster (its nodes' passwordless SSH to each other). The private key
    /// is a file beside the state, never in the state or a plan.
    public static let sshKey = ResourceSchema(type: "tfy_ssh_key", body: ObjectSchema([
        "algorithm": Attribute(.string, .optional, forcesReplacement: true, default: .string("ed25519")),
        "comment": Attribute(.string, .optional, forcesReplacement: true, default: .string("")),
        "id": Attribute(.string, .computed),
        "public_key": Attribute(.string, .computed),
        "private_key_file": Attribute(.string, .computed),
    ]))

    public static let bootstrap = ResourceSchema(type: "tfy_bootstrap", body: ObjectSchema([
        "connection": Attribute(.object(connection), .required),
        "files": Attribute(.objectList(uploadedFile), .optional),
        "environment": Attribute(.stringMap, .optional),
        "scripts": Attribute(.stringList, .required),
        "destroy_scripts": Attribute(.stringList, .optional),
        "instance_id": Attribute(.string, .optional),
        "triggers": Attribute(.stringMap, .optionalComputed, forcesReplacement: true),
        "id": Attribute(.string, .computed),
    ]))
}
