import TFYCore
import TFYEngine
import TFYState

/// The instance `tfy ssh NAME` reaches, and how: read from the state alone.
package enum SSHTargetLookup {
    /// Where `name` leads: the instance it names, reached the way its bootstrap reaches it.
    package static func target(for name: String, in state: State) -> Result<SSHTarget, Diagnostic> {
        let instances = state.instances.filter { ResourceRegistry.standard.sshRole(of: $0.address.type) == .host && !$0.instance.isPendingCreate }
        func label(_ address: ResourceAddress, _ instance: StateInstance) -> String {
            // A Name tag is text from outside tfy (escaped), and a sensitive one is not shown.
            guard let name = instance.attributes["tags"]?.mapValue?["Name"], !name.isSensitive, let text = name.stringValue else { return address.description }
            return TerminalText.escaped(text)
        }
        let matches = instances.filter { address, instance in
            let tag = instance.attributes["tags"]?.mapValue?["Name"]?.stringValue
            return address.description == name || tag == name || tag?.hasSuffix("-" + name) == true
        }
        guard matches.count == 1, let (address, instance) = matches.first else {
            let listed = (matches.isEmpty ? instances : matches).map { "  \(label($0.address, $0.instance)) (\($0.address))" }.joined(separator: "\n")
            if matches.isEmpty {
                return .failure(.error("No instance named \(Value.quoted(name))", detail: instances.isEmpty ? "The state holds no instances." : "The instances of this stack are:\n\(listed)"))
            }
            return .failure(.error("\(matches.count) instances match \(Value.quoted(name))", detail: "Name one of them exactly, by its address or by a Name no other instance has:\n\(listed)"))
        }
        let id = instance.attributes["id"]?.stringValue
        let addresses = ["public_ip", "private_ip", "public_dns", "private_dns"].compactMap { instance.attributes[$0]?.stringValue }.filter { !$0.isEmpty }
        let bootstraps = state.instances.filter { ResourceRegistry.standard.sshRole(of: $0.address.type) == .connection }.map(\.instance)
        let own = bootstraps.first { $0.attributes["instance_id"]?.stringValue == id && id != nil }
            ?? bootstraps.first { addresses.contains($0.attributes["connection"]?.mapValue?["host"]?.stringValue ?? "") }
        if let own, let target = try? SSHTarget(connection: own.attributes["connection"]) { return .success(target) }
        // No bootstrap runs on it: its address, with the stack's user and key.
        guard let host = addresses.first else {
            return .failure(.error("No address for \(address)", detail: "The instance has no public or private IP address in the state; run \"tfy refresh\" if it is running."))
        }
        var target = SSHTarget(host: host)
        if let any = bootstraps.first, let stack = try? SSHTarget(connection: any.attributes["connection"]) {
            target.user = stack.user
            target.privateKeyFile = stack.privateKeyFile
            target.bastion = stack.bastion
        }
        return .success(target)
    }
}
