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

extension DurationText {
    /// A whole number of seconds as a person reads it: `45s`, `12m5s`, `3h2m`, `2d4h`.
    public static func describe(_ seconds: Double) -> String {
        // Clamped before the conversion, which traps on a value no Int holds (a -lock-timeout of 1e30).
        let total = Int(min(max(0, seconds.isNaN ? 0 : seconds.rounded()), 1e15))
        let (days, hours, minutes, secs) = (total / 86_400, total % 86_400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d" + (hours > 0 ? "\(hours)h" : "") }
        if hours > 0 { return "\(hours)h" + (minutes > 0 ? "\(minutes)m" : "") }
        if minutes > 0 { return "\(minutes)m" + (secs > 0 ? "\(secs)s" : "") }
        return "\(secs)s"
    }
}
