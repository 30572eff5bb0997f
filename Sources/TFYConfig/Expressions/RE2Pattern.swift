import Foundation

/// A regular expression written in RE2's syntax, as Terraform's `regex`, `regexall` and
/// `replace` take it, run by Foundation's NSRegularExpression (ICU) with its work bounded.
///
/// ICU backtracks, so a pattern with nested repetition (`(a+)+$`) can take exponential time
/// where RE2 takes linear time. Matching therefore reports its progress (ICU calls back at each
/// position a search starts from and every fixed number of steps), and the reports beyond one a
/// position are drawn from the evaluation's `EvaluationBudget.regexWork`: a catastrophic pattern
/// stops with a located error within a fraction of a second instead of hanging the plan, while
/// any number of ordinary matches costs nothing. Patterns are limited to
/// `RE2Pattern.lengthLimit` bytes; the text matched is a value, bounded like every value.
///
/// The pattern is translated to ICU's syntax where the two differ: RE2's `\d`, `\w` and `\s`
/// are ASCII-only, `$` without the `m` flag matches only at the very end, named groups
/// (`(?P<name>…)`, whose names ICU would restrict) become numbered ones, and what RE2 refuses
/// (backreferences, lookaround, atomic groups, possessive repetition) is refused here too with
/// RE2's words.
struct RE2Pattern {
    let regex: NSRegularExpression
    /// Each capture group's name in order, nil for an unnamed group.
    let groupNames: [String?]

    static let lengthLimit = 4096

    struct Invalid: Error { var reason: String }
    /// Matching would pass the evaluation's budget of regular-expression work.
    struct TooMuchWork: Error {}

    init(_ pattern: String) throws(Invalid) {
        guard pattern.utf8.count <= Self.lengthLimit else {
            throw Invalid(reason: "the pattern is longer than \(Self.lengthLimit) bytes, the most a pattern may be")
        }
        let (translated, names) = try Self.translate(Array(pattern.unicodeScalars))
        guard let regex = try? NSRegularExpression(pattern: translated, options: []) else {
            throw Invalid(reason: "the pattern is not valid RE2 syntax")
        }
        self.regex = regex
        self.groupNames = names
    }

    static let asciiClasses: [Unicode.Scalar: String] = [
        "d": "[0-9]", "D": "[^0-9]",
        "w": "[0-9A-Za-z_]", "W": "[^0-9A-Za-z_]",
        "s": "[\\t\\n\\f\\r ]", "S": "[^\\t\\n\\f\\r ]",
    ]

    static func translate(_ p: [Unicode.Scalar]) throws(Invalid) -> (String, [String?]) {
        var out = ""
        var names: [String?] = []
        var multiline = false
        var depth = 0
        var i = 0
        func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(p[range.clamped(to: 0..<p.count)])) }
        /// RE2 refuses repetition of a repetition (`a**`, possessive `a*+`).
        func checkRepetition(after end: Int) throws(Invalid) {
            if end < p.count, p[end] == "*" || p[end] == "+" {
                throw Invalid(reason: "invalid nested repetition operator in \(text((end - 1)..<(end + 1)))")
            }
        }
        while i < p.count {
            let c = p[i]
            switch c {
            case "\\":
                guard i + 1 < p.count else { throw Invalid(reason: "trailing backslash at end of expression") }
                let e = p[i + 1]
                // Backreferences, and ICU's escapes RE2 does not have.
                if ("1"..."9").contains(e) || e == "Z" || e == "C" || e == "G" || e == "X" || e == "R" { throw Invalid(reason: "invalid escape sequence in \\\(e)") }
                if e == "Q" {
                    // Quoted text, copied as it is to the closing \E (or the end).
                    var j = i + 2
                    while j < p.count, !(p[j] == "\\" && j + 1 < p.count && p[j + 1] == "E") { j += 1 }
                    out += NSRegularExpression.escapedPattern(for: text((i + 2)..<j))
                    i = min(j + 2, p.count)
                    continue
                }
                if let ascii = asciiClasses[e] {
                    out += ascii
                } else if e == "p" || e == "P" || e == "x", i + 2 < p.count, p[i + 2] == "{" {
                    // `\p{Greek}`, `\x{263a}`: copied whole, so the brace is not a repetition.
                    var j = i + 3
                    while j < p.count, p[j] != "}" { j += 1 }
                    out += text(i..<min(j + 1, p.count))
                    i = j + 1
                    continue
                } else if e == "p" || e == "P", i + 2 < p.count {
                    // RE2's one-letter class `\pL`; ICU wants braces.
                    out += "\\\(e){\(p[i + 2])}"
                    i += 3
                    continue
                } else {
                    out.unicodeScalars.append(contentsOf: [c, e])
                }
                i += 2
            case "[":
                i = try translateClass(p, from: i, into: &out)
            case "(":
                depth += 1
                guard i + 1 < p.count, p[i + 1] == "?" else {
                    names.append(nil)
                    out += "("
                    i += 1
                    continue
                }
                var nameStart = -1
                if i + 2 < p.count, p[i + 2] == "P", i + 3 < p.count, p[i + 3] == "<" { nameStart = i + 4 }
                if i + 2 < p.count, p[i + 2] == "<", i + 3 < p.count, p[i + 3] != "=", p[i + 3] != "!" { nameStart = i + 3 }
                if nameStart >= 0 {
                    var j = nameStart
                    while j < p.count, p[j] != ">" { j += 1 }
                    let name = text(nameStart..<j)
                    guard j < p.count, !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) else {
                        throw Invalid(reason: "invalid named capture: `\(text(i..<min(j + 1, p.count)))`")
                    }
                    names.append(name)
                    out += "("
                    i = j + 1
                    continue
                }
                // Flags, with or without a group: `(?i)`, `(?s:…)`. Anything else is Perl
                // syntax RE2 does not have: lookaround, atomic groups, comments.
                var j = i + 2
                while j < p.count, "imsU-".unicodeScalars.contains(p[j]) { j += 1 }
                guard j < p.count, p[j] == ")" || p[j] == ":", j > i + 2 || p[j] == ":" else {
                    throw Invalid(reason: "invalid or unsupported Perl syntax in \(text(i..<min(i + 3, p.count)))")
                }
                let flags = text((i + 2)..<j)
                if flags.split(separator: "-", omittingEmptySubsequences: false).first?.contains("m") == true { multiline = true }
                guard !flags.contains("U") else { throw Invalid(reason: "the U (ungreedy) flag is not supported") }
                // `(?i)` sets flags and closes at once; `(?i:` opens a group that `)` closes.
                if p[j] == ")" { depth -= 1 }
                out += text(i..<(j + 1))
                i = j + 1
            case "$":
                // RE2's `$` is the end of the text unless the `m` flag is set; ICU's also
                // matches before a final newline.
                out += multiline ? "$" : "\\z"
                i += 1
            case "*", "+", "?":
                if i == 0 || p[i - 1] == "(" || p[i - 1] == "|" {
                    throw Invalid(reason: "missing argument to repetition operator in \(c)")
                }
                out.unicodeScalars.append(c)
                i += 1
                if i < p.count, p[i] == "?" {
                    out += "?"
                    i += 1
                }
                try checkRepetition(after: i)
            case "{":
                // `{n}`, `{n,}` or `{n,m}` repeats (at most 1000 times, as in RE2); any
                // other brace is a literal character.
                var j = i + 1
                while j < p.count, ("0"..."9").contains(p[j]) || p[j] == "," { j += 1 }
                let counts = text((i + 1)..<j).split(separator: ",", omittingEmptySubsequences: false)
                guard j < p.count, p[j] == "}", (1...2).contains(counts.count), !counts[0].isEmpty,
                      counts.allSatisfy({ $0.count <= 4 }) else {
                    out += "\\{"
                    i += 1
                    continue
                }
                guard counts.allSatisfy({ (Int($0) ?? 0) <= 1000 }) else {
                    throw Invalid(reason: "invalid repeat count in \(text(i..<(j + 1)))")
                }
                out += text(i..<(j + 1))
                i = j + 1
                if i < p.count, p[i] == "?" {
                    out += "?"
                    i += 1
                }
                try checkRepetition(after: i)
            case "}":
                out += "\\}"
                i += 1
            case ")":
                guard depth > 0 else { throw Invalid(reason: "unexpected ) in \(text(0..<p.count))") }
                depth -= 1
                out += ")"
                i += 1
            default:
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        guard depth == 0 else { throw Invalid(reason: "missing closing ) in \(text(0..<p.count))") }
        // ICU refuses an empty pattern, which RE2 matches everywhere.
        return (out.isEmpty ? "(?:)" : out, names)
    }

    /// Copies the character class starting at `start` ("[") into `out` in ICU's syntax and
    /// returns the index after it. ICU reads `[` inside a class as a nested set and `&&` as an
    /// intersection, RE2 as literal characters; `[:alpha:]` is the same in both.
    static func translateClass(_ p: [Unicode.Scalar], from start: Int, into out: inout String) throws(Invalid) -> Int {
        var i = start + 1
        out += "["
        if i < p.count, p[i] == "^" { out += "^"; i += 1 }
        var first = true
        while i < p.count {
            let c = p[i]
            if c == "]", !first { out += "]"; return i + 1 }
            first = false
            if c == "\\", i + 1 < p.count {
                let e = p[i + 1]
                if ("1"..."9").contains(e) { throw Invalid(reason: "invalid escape sequence in \\\(e)") }
                if let ascii = asciiClasses[e] { out += ascii } else { out.unicodeScalars.append(contentsOf: [c, e]) }
                i += 2
                continue
            }
            if c == "[", i + 1 < p.count, p[i + 1] == ":" {
                var j = i + 2
                while j + 1 < p.count, !(p[j] == ":" && p[j + 1] == "]") { j += 1 }
                guard j + 1 < p.count else { break }
                out += String(String.UnicodeScalarView(p[i...(j + 1)]))
                i = j + 2
                continue
            }
            if c == "[" || c == "&" || (c == "]" && i == start + 1) { out += "\\" }
            out.unicodeScalars.append(c)
            i += 1
        }
        throw Invalid(reason: "missing closing ] in \(String(String.UnicodeScalarView(p[start...].prefix(20))))")
    }

    /// One match: the whole match's range and each group's, in UTF-16 offsets of the text
    /// (nil for a group that took no part).
    struct Match {
        var range: NSRange
        var groups: [NSRange?]
    }

    /// The matches of the pattern in `text`, left to right, at most `limit`; as Go's regexp,
    /// an empty match right after the previous match is skipped. Every step of matching is
    /// drawn from `meter`.
    func matches(in text: String, limit: Int, meter: EvaluationMeter, budget: EvaluationBudget) throws(TooMuchWork) -> [Match] {
        var found: [Match] = []
        var exceeded = false
        var previousEnd = -1
        // ICU reports progress at each position where a search for a match starts, and every
        // fixed number of steps of one attempt: the reports past one a position are the
        // backtracking work drawn from the budget, so a linear scan of any text costs nothing.
        let length = text.utf16.count
        var reports = 0
        regex.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: length)) { result, flags, stop in
            if flags.contains(.progress) {
                reports += 1
                if reports > length + 1, !meter.takeRegexWork(1, limit: budget.regexWork) {
                    exceeded = true
                    stop.pointee = true
                    return
                }
            }
            guard let result else { return }
            let range = result.range
            if range.length == 0, range.location == previousEnd { return }
            previousEnd = range.location + range.length
            let groups: [NSRange?] = (0..<groupNames.count).map { i in
                let group = result.range(at: i + 1)
                return group.location == NSNotFound ? nil : group
            }
            found.append(Match(range: range, groups: groups))
            if found.count >= limit { stop.pointee = true }
        }
        if exceeded { throw TooMuchWork() }
        return found
    }

    /// A replacement template as Go's `Regexp.Expand` reads it (Terraform's `replace`): `$1`
    /// or `${1}` for a numbered group, `$name` or `${name}` for a named one (the longest run of
    /// letters, digits and `_`), `$$` for "$"; a group that is missing or took no part gives
    /// nothing, and a `$` that starts no reference stays as it is.
    func expand(_ template: [Unicode.Scalar], match: Match, in text: NSString) -> String {
        var out = ""
        var i = 0
        func isNameScalar(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_") }
        while i < template.count {
            let c = template[i]
            guard c == "$", i + 1 < template.count else { out.unicodeScalars.append(c); i += 1; continue }
            if template[i + 1] == "$" { out += "$"; i += 2; continue }
            var name = ""
            var next = i + 1
            if template[next] == "{" {
                var j = next + 1
                while j < template.count, isNameScalar(template[j]) { j += 1 }
                if j < template.count, template[j] == "}", j > next + 1 {
                    name = String(String.UnicodeScalarView(template[(next + 1)..<j]))
                    next = j + 1
                }
            } else {
                var j = next
                while j < template.count, isNameScalar(template[j]) { j += 1 }
                name = String(String.UnicodeScalarView(template[next..<j]))
                next = j
            }
            guard !name.isEmpty else { out += "$"; i += 1; continue }
            let group: Int?
            if let number = Int(name), name.allSatisfy(\.isNumber) { group = number } else { group = groupNames.firstIndex(of: name).map { $0 + 1 } }
            if let group, group == 0 {
                out += text.substring(with: match.range)
            } else if let group, group <= match.groups.count, let range = match.groups[group - 1] {
                out += text.substring(with: range)
            }
            i = next
        }
        return out
    }
}
