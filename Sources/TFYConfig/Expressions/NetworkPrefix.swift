import Foundation

/// An IP network prefix as `cidrsubnet()` and `cidrhost()` read it ("10.0.0.0/16",
/// "fd00::/56"): the address's bytes (4 or 16) and the prefix length. Arithmetic is done bit by
/// bit on the bytes, so IPv6's 128 bits need no wide integer type.
struct NetworkPrefix: Equatable {
    var bytes: [UInt8]
    var length: Int

    var bitCount: Int { bytes.count * 8 }

    /// Parses "ADDRESS/LENGTH", IPv4 in dotted decimal (no leading zeros) or IPv6; nil when the
    /// text is not one.
    init?(_ text: String) {
        guard let slash = text.lastIndex(of: "/") else { return nil }
        let lengthText = text[text.index(after: slash)...]
        guard !lengthText.isEmpty, lengthText.count <= 3, lengthText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let length = Int(lengthText) else { return nil }
        guard let bytes = Self.parseAddress(String(text[..<slash])), length <= bytes.count * 8 else { return nil }
        self.bytes = bytes
        self.length = length
    }

    init(bytes: [UInt8], length: Int) {
        self.bytes = bytes
        self.length = length
    }

    static func parseAddress(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The prefix's first address: every bit after the prefix cleared.
    var network: [UInt8] { Self.setting(bytes, bits: length..<bitCount, to: 0) }

    /// `bytes` with the bits `range` (0 is the most significant) set to the low bits of
    /// `number`, two's complement (a negative number sets the bits above its 64 to one).
    static func setting(_ bytes: [UInt8], bits range: Range<Int>, to number: Int64) -> [UInt8] {
        var result = bytes
        let pattern = UInt64(bitPattern: number)
        for position in range {
            let fromLow = range.upperBound - 1 - position
            let bit = fromLow < 64 ? (pattern >> UInt64(fromLow)) & 1 == 1 : number < 0
            let mask = UInt8(0x80) >> UInt8(position % 8)
            if bit { result[position / 8] |= mask } else { result[position / 8] &= ~mask }
        }
        return result
    }

    /// The address as Go (and so Terraform) writes it: dotted decimal for IPv4 and for
    /// IPv4-mapped IPv6 addresses, RFC 5952 for IPv6 (lowercase, the longest run of two or more
    /// zero groups, the first of equals, shortened to "::").
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best = (start: -1, count: 0)
        var run = (start: -1, count: 0)
        for (i, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.count + 1)
                if run.count > best.count { best = run }
            } else {
                run = (-1, 0)
            }
        }
        func hex(_ part: ArraySlice<UInt16>) -> String { part.map { String($0, radix: 16) }.joined(separator: ":") }
        guard best.count >= 2 else { return hex(groups[...]) }
        return hex(groups[..<best.start]) + "::" + hex(groups[(best.start + best.count)...])
    }
}

extension NetworkPrefix {
    enum Failure: Error, Equatable {
        case newBitsNegative
        case insufficientSpace(prefix: Int, newBits: Int)
        case subnetTooLarge(newBits: Int, netnum: Int)
        case netnumNegative
        case hostOutOfRange(prefix: Int, hostnum: Int)
    }

    /// `cidrsubnet`: the `netnum`th subnet of this prefix, `newBits` longer.
    func subnet(newBits: Int, netnum: Int) -> Result<NetworkPrefix, Failure> {
        guard newBits >= 0 else { return .failure(.newBitsNegative) }
        guard newBits <= bitCount - length else { return .failure(.insufficientSpace(prefix: length, newBits: newBits)) }
        guard netnum >= 0 else { return .failure(.netnumNegative) }
        guard newBits >= 63 || netnum >> newBits == 0 else { return .failure(.subnetTooLarge(newBits: newBits, netnum: netnum)) }
        let bytes = Self.setting(network, bits: length..<(length + newBits), to: Int64(netnum))
        return .success(NetworkPrefix(bytes: bytes, length: length + newBits))
    }

    /// `cidrhost`: the `hostnum`th address of this prefix; a negative number counts back from
    /// its last address (-1 is the last).
    func host(_ hostnum: Int) -> Result<[UInt8], Failure> {
        let hostBits = bitCount - length
        if hostBits < 63 {
            let size = 1 << hostBits
            guard hostnum < size else { return .failure(.hostOutOfRange(prefix: length, hostnum: hostnum)) }
            // Terraform names the host the negative number stands for, counted from the start.
            guard hostnum >= -size else { return .failure(.hostOutOfRange(prefix: length, hostnum: hostnum + size)) }
        }
        return .success(Self.setting(network, bits: length..<bitCount, to: Int64(hostnum)))
    }

    var formatted: String { "\(Self.format(bytes))/\(length)" }

    /// The netmask of an IPv4 prefix (`cidrnetmask`): "255.240.0.0" for a /12.
    var netmask: String { Self.format(Self.setting([UInt8](repeating: 0, count: bytes.count), bits: 0..<length, to: -1)) }

    func contains(_ address: [UInt8]) -> Bool {
        Self.setting(address, bits: length..<bitCount, to: 0) == network
    }

    /// `bytes` plus or minus one, and whether it wrapped around.
    static func step(_ bytes: [UInt8], by delta: Int) -> (bytes: [UInt8], wrapped: Bool) {
        var result = bytes
        for i in result.indices.reversed() {
            if delta > 0 {
                result[i] &+= 1
                if result[i] != 0 { return (result, false) }
            } else {
                result[i] &-= 1
                if result[i] != 0xff { return (result, false) }
            }
        }
        return (result, true)
    }

    /// go-cidr's `NextSubnet`, which Terraform's `cidrsubnets` uses: the subnet of `length`
    /// bits right after this one, and whether the address space wrapped around.
    func next(length newLength: Int) -> (prefix: NetworkPrefix, wrapped: Bool) {
        let last = Self.setting(bytes, bits: length..<bitCount, to: -1)
        let lastOfSubnet = Self.setting(last, bits: newLength..<bitCount, to: -1)
        let (after, wrapped) = Self.step(lastOfSubnet, by: 1)
        return (NetworkPrefix(bytes: Self.setting(after, bits: newLength..<bitCount, to: 0), length: newLength), wrapped)
    }

    /// `cidrsubnets(prefix, newbits…)`: consecutive subnets of this prefix, each `newbits`
    /// longer, each starting after the previous one at a multiple of its own size, exactly as
    /// Terraform allocates them. A failure names the `newbits` argument (0 for the first).
    func subnets(_ newBits: [Int]) -> Result<[NetworkPrefix], SubnetsFailure> {
        guard let first = newBits.first else { return .success([]) }
        let firstLength = min(max(length + first, 0), bitCount)
        let (before, _) = Self.step(network, by: -1)
        var current = NetworkPrefix(bytes: Self.setting(before, bits: firstLength..<bitCount, to: 0), length: firstLength)
        var result: [NetworkPrefix] = []
        for (i, bits) in newBits.enumerated() {
            guard bits >= 1 else { return .failure(SubnetsFailure(argument: i, reason: .notExtended)) }
            let newLength = length + bits
            guard newLength <= bitCount else { return .failure(SubnetsFailure(argument: i, reason: .tooLong(newLength))) }
            let (next, wrapped) = current.next(length: newLength)
            guard !wrapped, contains(next.bytes) else {
                return .failure(SubnetsFailure(argument: i, reason: .noSpace(newLength, after: current)))
            }
            current = next
            result.append(next)
        }
        return .success(result)
    }

    struct SubnetsFailure: Error {
        enum Reason {
            case notExtended
            case tooLong(Int)
            case noSpace(Int, after: NetworkPrefix)
        }
        var argument: Int
        var reason: Reason
    }
}
