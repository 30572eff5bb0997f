/// Durations as Terraform writes them: `30s`, `5m`, `1h30m`, `1.5m`, `250ms`, or plain seconds.
public enum DurationText {
    /// The duration in seconds, or nil when `text` is not one (negative ones included).
    public static func seconds(_ text: String) -> Double? {
        let trimmed = Substring(text).drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        if let plain = Double(String(trimmed)) { return plain >= 0 ? plain : nil }
        var rest = Substring(String(trimmed))
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let units: [(name: String, factor: Double)] = [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1)]
            guard let unit = units.first(where: { rest.hasPrefix($0.name) }) else { return nil }
            rest = rest.dropFirst(unit.name.count)
            total += value * unit.factor
        }
        return total
    }
}
