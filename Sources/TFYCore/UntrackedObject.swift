/// A live object tagged `tfy:stack` with this stack whose address the state does not track (a
/// run that died before its state write, a lost or deleted state file, `state rm -keep-tags`).
/// Refresh finds it by its tags; the planner adopts it when the configuration has its address
/// and warns about it when not. It is never created again and never deleted because the state
/// forgot it.
public struct UntrackedObject: Sendable, Hashable {
    /// From its `tfy:address` tag.
    public var address: ResourceAddress
    public var id: String
    /// Its attributes as refresh read them, as state would record them.
    public var attributes: [String: Value]

    public init(address: ResourceAddress, id: String, attributes: [String: Value]) {
        self.address = address
        self.id = id
        self.attributes = attributes
    }
}
