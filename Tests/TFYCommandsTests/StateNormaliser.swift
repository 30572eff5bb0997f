/// Makes a state file written against moto the same on every run: what moto draws at random is
/// replaced by placeholders numbered in order of first appearance in the (sorted, pretty-printed)
/// file, so equal values stay equal and different ones stay different.
///
/// - Object IDs (`i-`, `sg-`, `vpc-`, `subnet-`, `r-`, `eni-`, `vol-` followed by hex digits),
///   wherever they appear (ARNs and lists of group IDs included): the same prefix, then the
///   placeholder's number in hex, zero-padded to the original's length (`i-00000000000000001`).
/// - IPv4 addresses that are not CIDR blocks: private ones (10/8, 172.16/12, 192.168/16) become
///   `172.31.0.N`, public ones `203.0.113.N` (TEST-NET-3), N counting from 10; the same address
///   written with dashes in a DNS name (`ip-172-31-…`, `ec2-54-…`) gets the same placeholder.
/// - `serial` becomes 1: apply writes state after every step and group-commits writes that come
///   together, so how many writes a run makes depends on timing.
/// - `created_at=SECONDS` in an instance's private data (when tfy recorded the object as created)
///   becomes `created_at=1700000000`.
///
/// Everything else — lineage (fixed before the apply), moto's account ID, attribute names and
/// values — is kept as apply wrote it.
enum StateNormaliser {
    static func normalise(_ text: String) -> String {
        var ids: [String: String] = [:], counts: [String: Int] = [:]
        var addresses: [String: String] = [:]
        var privateCount = 0, publicCount = 0

        func placeholder(id: String) -> String {
            if let known = ids[id] { return known }
            let dash = id.firstIndex(of: "-")!
            let prefix = String(id[..<dash]), digits = id.count - prefix.count - 1
            counts[prefix, default: 0] += 1
            let number = String(counts[prefix]!, radix: 16)
            let made = prefix + "-" + String(repeating: "0", count: max(0, digits - number.count)) + number
            ids[id] = made
            return made
        }

        func placeholder(address octets: [Int]) -> [Int] {
            let key = octets.map(String.init).joined(separator: ".")
            if let known = addresses[key] { return known.split(separator: ".").map { Int($0)! } }
            let isPrivate = octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168)
            let made: [Int]
            if isPrivate { privateCount += 1; made = [172, 31, 0, 9 + privateCount] } else { publicCount += 1; made = [203, 0, 113, 9 + publicCount] }
            addresses[key] = made.map(String.init).joined(separator: ".")
            return made
        }

        let pattern = /(?<id>\b(?:i|sg|vpc|subnet|r|eni|vol)-[0-9a-f]{8,17}\b)|(?<dns>\b(?:ip|ec2)-(?<d1>\d{1,3})-(?<d2>\d{1,3})-(?<d3>\d{1,3})-(?<d4>\d{1,3})\b)|(?<ip>\b(?<a1>\d{1,3})\.(?<a2>\d{1,3})\.(?<a3>\d{1,3})\.(?<a4>\d{1,3})\b(?!\/))|(?<serial>"serial": \d+)|(?<created>created_at=\d+)/
        var result = ""
        var rest = text[...]
        while let match = rest.firstMatch(of: pattern) {
            result += rest[..<match.range.lowerBound]
            if let id = match.output.id {
                result += placeholder(id: String(id))
            } else if let dns = match.output.dns {
                let octets = [match.output.d1, match.output.d2, match.output.d3, match.output.d4].map { Int($0!)! }
                let prefix = dns.hasPrefix("ip-") ? "ip-" : "ec2-"
                result += prefix + placeholder(address: octets).map(String.init).joined(separator: "-")
            } else if match.output.ip != nil {
                let octets = [match.output.a1, match.output.a2, match.output.a3, match.output.a4].map { Int($0!)! }
                result += placeholder(address: octets).map(String.init).joined(separator: ".")
            } else if match.output.created != nil {
                result += "created_at=1700000000"
            } else {
                result += "\"serial\": 1"
            }
            rest = rest[match.range.upperBound...]
        }
        return result + rest
    }
}
