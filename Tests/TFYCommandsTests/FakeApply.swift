import Foundation
import TFYCore
import TFYPlan

/// Turns a plan into the state an apply would leave, with deterministic made-up values for what
/// only EC2 would tell (ids, addresses). Test-only: it builds the prior states of the plan
/// fixtures; the real apply, against EC2, is another issue's.
enum FakeApply {
    static func apply(_ plan: Plan, to previous: State?, lineage: String) -> State {
        var state = previous ?? State(lineage: lineage)
        state.serial += 1
        let order = (try? ApplyOrder.order(plan).get()) ?? plan.changes.map(\.address.description)
        let byAddress = Dictionary(uniqueKeysWithValues: plan.changes.map { ($0.address.description, $0) })
        for key in order {
            guard let change = byAddress[key] else { continue }
            state.setInstance(change.address, nil)
            guard let after = change.after?.mapValue else { continue }
            var attributes: [String: Value] = [:]
            for (name, value) in after { attributes[name] = fill(value, attribute: name, address: change.address, state: state) }
            state.setInstance(change.address, StateInstance(indexKey: change.address.key, attributes: attributes, dependencies: change.dependencies))
        }
        return state
    }

    static func hex(_ text: String, _ count: Int) -> String { String(SHA256.hex(Array(text.utf8)).prefix(count)) }

    static func fill(_ value: Value, attribute: String, address: ResourceAddress, state: State) -> Value {
        switch value {
        case .sensitive(let inner): return .sensitive(fill(inner, attribute: attribute, address: address, state: state))
        case .list(let items):
            if attribute == "vpc_security_group_ids" {
                let groups = state.instances.filter { $0.address.type == "aws_security_group" }.compactMap { $0.instance.attributes["id"] }
                return .list(items.flatMap { $0.isUnknown ? groups : [$0] })
            }
            return .list(items.map { fill($0, attribute: attribute, address: address, state: state) })
        case .map(let entries):
            return .map(entries.reduce(into: [:]) { $0[$1.key] = fill($1.value, attribute: $1.key, address: address, state: state) })
        case .unknown:
            return made(attribute, address)
        default:
            return value
        }
    }

    static func made(_ attribute: String, _ address: ResourceAddress) -> Value {
        let n = Int(hex(address.description, 2), radix: 16)! % 200 + 10
        let prefix = address.type == "aws_security_group" ? "sg-" : address.type == "aws_instance" ? "i-" : ""
        let id = prefix + hex(address.description, 17)
        switch attribute {
        case "id": return .string(id)
        case "arn": return .string("arn:aws:ec2:us-east-1:123456789012:\(address.type == "aws_instance" ? "instance" : "security-group")/\(id)")
        case "owner_id": return .string("123456789012")
        case "public_ip": return .string("203.0.113.\(n)")
        case "private_ip": return .string("172.31.7.\(n)")
        case "public_dns": return .string("ec2-203-0-113-\(n).compute-1.amazonaws.com")
        case "private_dns": return .string("ip-172-31-7-\(n).ec2.internal")
        case "instance_state": return .string("running")
        case "availability_zone": return .string("us-east-1a")
        case "subnet_id": return .string("subnet-0a1b2c3d4e5f60718")
        case "vpc_id": return .string("vpc-0a1b2c3d4e5f60718")
        case "associate_public_ip_address": return .bool(true)
        case "root_block_device":
            return .map(["volume_size": .number(8), "volume_type": .string("gp2"), "delete_on_termination": .bool(true), "encrypted": .bool(false), "iops": .number(100)])
        case "egress":
            return .list([.map(["protocol": .string("-1"), "from_port": .number(0), "to_port": .number(0), "cidr_blocks": .list([.string("0.0.0.0/0")]),
                                "ipv6_cidr_blocks": .null, "security_groups": .null, "self": .null, "description": .null])])
        case "triggers": return .map(["scripts": .string(hex(address.description + "scripts", 16))])
        default: return .string("\(attribute)-value")
        }
    }
}
