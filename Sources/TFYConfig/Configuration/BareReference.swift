import TFYCore

/// An unquoted string that reads as a reference written the HCL way (`ami: var.ami`), which YAML
/// takes as the text "var.ami". Only strings that can hardly be anything else count: a declared
/// variable, local value or resource (`aws_instance.web.id`), `count.index`, `each.key`,
/// `each.value`, `path.module`, `self.ATTRIBUTE`, `data.TYPE.NAME…` and `module.NAME.OUTPUT`.
/// Host and file names (`www.example.com`, `setup.sh`, `data.json`, `local.conf`) do not.
struct BareReference {
    let configuration: Configuration
    /// The declared resources' addresses, TYPE.NAME.
    let declared: Set<String>

    func matches(_ text: String) -> Bool {
        guard let names = Self.names(text), names.count >= 2 else { return false }
        switch names[0] {
        case "var": return configuration.variables[names[1]] != nil
        case "local": return configuration.locals[names[1]] != nil
        case "count": return names[1] == "index"
        case "each": return names[1] == "key" || names[1] == "value"
        case "path": return ["module", "root", "cwd"].contains(names[1])
        case "self": return configuration.resourceTypes.names.contains { configuration.resourceTypes[$0]?.schema.body.attributes[names[1]] != nil }
        case "data": return names.count >= 3 && names[1].contains("_")
        case "module": return names.count >= 3
        default: return declared.contains(names[0] + "." + names[1])
        }
    }

    /// The names of a traversal such as `aws_instance.web[0].id` (its indexes left out), or nil
    /// when `text` is not one.
    static func names(_ text: String) -> [String]? {
        var names: [String] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var name = part
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                let index = name[name.index(after: open)..<name.index(before: name.endIndex)]
                guard index == "*" || (!index.isEmpty && index.allSatisfy(\.isASCII) && index.allSatisfy(\.isNumber)) else { return nil }
                name = name[..<open]
            }
            let scalars = Array(name.unicodeScalars)
            if name == "*", !names.isEmpty { names.append("*"); continue }
            guard let first = scalars.first, ExpressionParser.isIdentifierStart(first),
                  scalars.allSatisfy(ExpressionParser.isIdentifierContinue) else { return nil }
            names.append(String(name))
        }
        return names
    }
}
