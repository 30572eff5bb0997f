import Foundation
import Testing

/// A plan's `timestamp` is when it was made, so golden files hold a placeholder in its place:
/// `pinned` checks the real one has Terraform's form (RFC 3339, UTC, to the second) and is
/// within `window` seconds of now, then puts the placeholder in.
enum PlanTimestamp {
    static let placeholder = "<timestamp>"

    static func pinned(_ json: String, window: TimeInterval = 600, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
        let pattern = /"timestamp":( ?)"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z"/
        var result = json
        for match in json.matches(of: pattern).reversed() {
            var components = DateComponents()
            (components.year, components.month, components.day) = (Int(match.2), Int(match.3), Int(match.4))
            (components.hour, components.minute, components.second) = (Int(match.5), Int(match.6), Int(match.7))
            components.timeZone = TimeZone(identifier: "UTC")
            let date = Calendar(identifier: .gregorian).date(from: components)
            #expect(date.map { abs($0.timeIntervalSinceNow) < window } == true, "timestamp \(match.0) is not about now", sourceLocation: sourceLocation)
            result.replaceSubrange(match.range, with: "\"timestamp\":\(match.1)\"\(placeholder)\"")
        }
        return result
    }
}
