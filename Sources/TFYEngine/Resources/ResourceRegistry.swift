import TFYCore

/// The resource types tfy manages, in the order refresh reads them. Adding a type is one file in
/// this folder and one line in `standard`.
public struct ResourceRegistry: Sendable {
    package let types: [any ManagedResourceType]
    /// The data source types (`DataSources/`).
    package let dataSources: [any DataSourceType]

    package init(_ types: [any ManagedResourceType], dataSources: [any DataSourceType] = []) {
        self.types = types
        self.dataSources = dataSources
    }

    /// The types every command works with.
    public static let standard = ResourceRegistry([
        SecurityGroupResource(),
        InstanceResource(),
        KeyPairResource(),
        SSHKeyResource(),
        BootstrapResource(),
    ], dataSources: [
        ImageDataSource(),
        VpcDataSource(),
        SubnetsDataSource(),
        SubnetDataSource(),
        AvailabilityZonesDataSource(),
        SecurityGroupDataSource(),
        KeyPairDataSource(),
    ])

    /// The pure part of each type, for the loader and the planner.
    public var catalog: ResourceCatalog {
        ResourceCatalog(types.map { $0 as any ResourceType }, dataSources: dataSources.map { $0 as any ResourceType })
    }

    package subscript(_ name: String) -> (any ManagedResourceType)? { types.first { $0.name == name } }

    /// What `tfy ssh` finds in objects of `type`; nil: nothing.
    package func sshRole(of type: String) -> SSHRole? { self[type]?.sshRole }
}

extension ResourceCatalog {
    /// The types of `ResourceRegistry.standard`.
    public static var standard: ResourceCatalog { ResourceRegistry.standard.catalog }
}

/// A resource type tfy manages: its schema and plan rules (`ResourceType`), the provider that
/// reads and changes its objects in a run, and what `tfy ssh` finds in them.
package protocol ManagedResourceType: ResourceType {
    /// The provider for one run; `output` receives the lines remote commands print.
    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider
    var sshRole: SSHRole? { get }
    /// True when the object's `id` is an EC2 resource ID that carries the `tfy:stack` and
    /// `tfy:address` tags, which `state rm` removes so that no later run adopts the object.
    var carriesOwnershipTags: Bool { get }
    /// Terraform's name for the provisioner whose work this type's objects do (`remote-exec`),
    /// for the machine-readable UI's `provision_*` messages; nil for a type that provisions nothing.
    var provisioner: String? { get }
}

extension ManagedResourceType {
    package var sshRole: SSHRole? { nil }
    package var carriesOwnershipTags: Bool { false }
    package var provisioner: String? { nil }
}

/// What `tfy ssh` looks for in a type's objects.
package enum SSHRole: Sendable {
    /// A machine to open a shell on (its addresses, its `tags.Name`).
    case host
    /// Something that reaches a host: its `connection` (host, user, key) and `instance_id`.
    case connection
}
