import TFYCore

/// The plan for people, in Terraform's form: a legend of the symbols used, one block per changed
/// resource instance with its attribute diff, and the `Plan: X to add, …` line.
public struct PlanTextRenderer: Sendable {
    public var color: Bool
    /// The resource types, whose schemas say how an attribute's changes read (a set, a list of objects).
    public var resourceTypes: ResourceCatalog
    /// The script changes of the plan being rendered and the instances that share each.
    var sharedScripts: SharedScripts?

    public init(color: Bool, resourceTypes: ResourceCatalog) {
        self.color = color
        self.resourceTypes = resourceTypes
    }

    enum Symbol: String {
        case create = "+", update = "~", delete = "-", replace = "-/+", replaceCreateFirst = "+/-", read = "<=", none = " "

        var legend: String {
            switch self {
            case .create: return "create"
            case .update: return "update in-place"
            case .delete: return "destroy"
            case .replace: return "destroy and then create replacement"
            case .replaceCreateFirst: return "create replacement and then destroy"
            case .read: return "read (data resources)"
            case .none: return ""
            }
        }

        var colorCode: String {
            switch self {
            case .create: return "32"
            case .delete: return "31"
            case .update: return "33"
            case .replace, .replaceCreateFirst: return "33"
            case .read: return "36"
            case .none: return "0"
            }
        }
    }

    func paint(_ symbol: Symbol) -> String {
        color && symbol != .none ? "\u{1B}[\(symbol.colorCode)m\(symbol.rawValue)\u{1B}[0m" : symbol.rawValue
    }

    func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    static func symbol(for action: ChangeAction) -> Symbol {
        switch action {
        case .create: return .create
        case .update: return .update
        case .delete: return .delete
        case .replace(createFirst: false): return .replace
        case .replace(createFirst: true): return .replaceCreateFirst
        case .read: return .read
        case .noOp: return .none
        }
    }

    /// "Objects have changed outside of tfy": what refresh found, before the plan proper.
    func renderDrift(_ plan: Plan) -> String {
        guard !plan.drift.isEmpty else { return "" }
        var out = "\n" + bold("Note: Objects have changed outside of tfy") + "\n\n"
        out += "tfy detected the following changes made outside of tfy since the last \"tfy apply\" which may have affected this plan:\n"
        for change in plan.drift {
            var body = renderChange(change)
            let header = change.action == .delete ? "  # \(bold(change.address.description)) has been deleted" : "  # \(bold(change.address.description)) has changed"
            body = header + body.drop { $0 != "\n" }
            out += "\n" + body
        }
        if plan.refreshOnly {
            out += "\nThis is a refresh-only plan, so tfy will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the tfy state without changing any remote objects.\n"
        } else {
            out += "\nUnless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n"
            out += "\n" + String(repeating: "─", count: 77) + "\n"
        }
        return out
    }

    public func render(_ plan: Plan) -> String {
        var text = ""
        write(plan) { text += $0 }
        return text
    }

    /// The plan's text, given to `emit` in pieces of about 64 KiB as the blocks are written.
    public func write(_ plan: Plan, to emit: (String) -> Void) {
        var out = renderDrift(plan)
        if plan.refreshOnly {
            if plan.drift.isEmpty {
                out += "\n" + bold("No changes.") + " Your infrastructure still matches the configuration.\n\n"
                out += "tfy has checked that the real remote objects still match the result of your most recent changes, and found no differences.\n"
            }
            return emit(out + renderWarnings(plan))
        }
        let visible = plan.changes.filter(\.isShown)
        let outputChanges = plan.outputs.filter { $0.action != .noOp }
        if visible.isEmpty && outputChanges.isEmpty && plan.dataReads.isEmpty {
            out += "\n" + bold("No changes.") + " Your infrastructure matches the configuration.\n\n"
            out += "tfy has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n"
            return emit(out + renderWarnings(plan))
        }
        if !visible.isEmpty || !plan.dataReads.isEmpty {
            let used = Set((visible + plan.dataReads).map { Self.symbol(for: $0.action) }).subtracting([.none])
            // A plan that only adopts has no symbols to explain.
            if !used.isEmpty {
                out += "\ntfy used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n"
                for symbol in [Symbol.create, .update, .delete, .replace, .replaceCreateFirst, .read] where used.contains(symbol) {
                    out += String(repeating: " ", count: 3 - symbol.rawValue.count) + paint(symbol) + " " + symbol.legend + "\n"
                }
            }
            out += "\ntfy will perform the following actions:\n"
            // A first pass finds which instances share each script change, so the second shows
            // it in full once, at the first of them. Only a change with a value before and after
            // can change a script: what is created or destroyed whole is left out of this pass
            // (10,000 instances created are not rendered twice).
            var printer = self
            printer.sharedScripts = SharedScripts()
            for change in visible where change.before != nil && change.after != nil { _ = printer.rows(change) }
            printer.sharedScripts!.recording = false
            // What instances of one type share (the same connection, files, environment) is
            // shown at the first of them; the others say where.
            let rendered = visible.map { printer.rows($0) }
            let shared = SharedAttributes(printer: printer, changes: visible, rows: rendered.map(\.rows)).collapsed()
            var blocks: [(address: ResourceAddress, row: String)] = []
            for (index, change) in visible.enumerated() {
                blocks.append((change.address, printer.block(change, rows: shared[index].rows, hidden: rendered[index].hidden, notes: shared[index].notes)))
            }
            let reads = plan.dataReads.map { ("data." + $0.address.description, printer.renderChange($0)) }
            for text in Self.interleaving(blocks, reads) {
                out += "\n" + text
                if out.utf8.count >= 1 << 16 {
                    emit(out)
                    out = ""
                }
            }
            let counts = plan.resourceChangeCount
            out += "\n" + bold("Plan:") + " \(Self.summary(counts, imports: plan.importCount))\n"
        }
        if !outputChanges.isEmpty {
            out += "\nChanges to Outputs:\n"
            let width = outputChanges.map(\.name.count).max() ?? 0
            for output in outputChanges {
                let symbol = Self.symbol(for: output.action)
                let name = output.name.padded(to: width)
                var lines = ValueDiff(printer: self).lines(before: output.before, after: output.after, indent: 4, forcesReplacement: false)
                if lines.isEmpty { lines = ["(known after apply)"] }
                out += "  \(paint(symbol)) \(name) = \(lines[0])\n"
                for line in lines.dropFirst() { out += line + "\n" }
            }
            if visible.isEmpty {
                out += "\nYou can apply this plan to save these new output values to the tfy state, without changing any real infrastructure.\n"
            }
        }
        emit(out + renderWarnings(plan))
    }

    func renderWarnings(_ plan: Plan) -> String {
        guard !plan.warnings.isEmpty else { return "" }
        let renderer = DiagnosticRenderer(color: color) { _, _ in nil }
        return "\n" + renderer.text(Diagnostics(plan.warnings))
    }

    /// Resource rows in address order (shallower module paths first, as Terraform) after the data
    /// sources read during apply, which only the root module has: Terraform orders a module's
    /// data resources before its managed ones.
    static func interleaving<Row>(_ rows: [(address: ResourceAddress, row: Row)], _ reads: [(address: String, row: Row)]) -> [Row] {
        reads.sorted { $0.address < $1.address }.map(\.row) + rows.sorted { $0.address < $1.address }.map(\.row)
    }

    /// `1 to import, 2 to adopt, 1 to add, 0 to change, 0 to destroy.`: imports and adoptions are
    /// counted only when there are any, as Terraform counts imports; moves are not counted.
    public static func summary(_ counts: (adopt: Int, add: Int, change: Int, destroy: Int), imports: Int = 0) -> String {
        (imports > 0 ? "\(imports) to import, " : "") + (counts.adopt > 0 ? "\(counts.adopt) to adopt, " : "")
            + "\(counts.add) to add, \(counts.change) to change, \(counts.destroy) to destroy."
    }

    func header(_ change: PlannedChange) -> String {
        if change.action == .read {
            return "  # \(bold("data." + change.address.description)) will be read during apply\n  # (config refers to values not yet known)"
        }
        let address = bold(change.address.description)
        if let id = change.adopting, change.action == .noOp { return "  # \(address) will be adopted (found by its tags, \(id))" }
        if change.importing != nil, change.action == .noOp { return "  # \(address) will be imported" }
        if let previous = change.previousAddress, change.action == .noOp { return "  # \(bold(previous.description)) has moved to \(address)" }
        switch (change.action, change.reason) {
        case (.create, _): return "  # \(address) will be created"
        case (.update, _): return "  # \(address) will be updated in-place"
        case (.delete, _): return "  # \(address) will be destroyed"
        case (_, .replaceBecauseTainted?): return "  # \(address) is tainted, so must be replaced"
        case (_, .replaceByRequest?): return "  # \(address) will be replaced, as requested"
        default: return "  # \(address) must be replaced"
        }
    }

    func reasonLine(_ change: PlannedChange) -> String? {
        switch change.reason {
        case .deleteBecauseNoResourceConfig?:
            return "  # (because \(change.address.resource) is not in configuration)"
        case .deleteBecauseCountIndex?:
            return "  # (because index [\(change.address.key.map(\.description) ?? "")] is out of range for count)"
        case .deleteBecauseEachKey?:
            return "  # (because key [\(change.address.key.map(\.description) ?? "")] is not in for_each map)"
        case .deleteBecauseWrongRepetition?:
            switch change.address.key {
            case nil: return "  # (because resource uses count or for_each)"
            case .int?: return "  # (because resource does not use count)"
            case .string?: return "  # (because resource does not use for_each)"
            }
        case .deleteBecauseNoModule?:
            return "  # (because \(change.address.module.map(\.description).joined(separator: ".")) is not in configuration)"
        default:
            return nil
        }
    }

    /// Attributes shown for context when unchanged in an update or replacement.
    static let identifyingAttributes: Set<String> = ["id", "name", "tags"]

    func renderChange(_ change: PlannedChange) -> String {
        let (rows, hidden) = rows(change)
        return block(change, rows: rows, hidden: hidden, notes: [])
    }

    /// One attribute's lines in a change's block: the first goes after `name = `, later ones
    /// are complete.
    struct Row: Hashable {
        var name: String
        var lines: [String]
        var symbol: Symbol
    }

    /// A change's block: its header lines, `rows`, the `notes` saying which attributes another
    /// instance shows, and how many unchanged attributes are hidden.
    func block(_ change: PlannedChange, rows: [Row], hidden: Int, notes: [String]) -> String {
        let symbol = Self.symbol(for: change.action)
        var out = header(change) + "\n"
        if let id = change.adopting, change.action != .noOp { out += "  # (adopted: found by its tags, \(id))\n" }
        if let previous = change.previousAddress, change.action != .noOp || change.importing != nil { out += "  # (moved from \(previous))\n" }
        if let id = change.importing, change.action != .noOp { out += "  # (imported from \(Value.quoted(id)))\n" }
        if let reason = reasonLine(change) { out += reason + "\n" }
        if !change.stopPaths.isEmpty {
            // EC2 changes these only while the instance is stopped: the update is an outage.
            out += "  # (stopped and started again to change \(change.stopPaths.map { $0.joined(separator: ".") }.joined(separator: ", ")))\n"
        }
        let pad = String(repeating: " ", count: 3 - symbol.rawValue.count)
        out += "\(pad)\(paint(symbol)) \(change.action == .read ? "data" : "resource") \"\(change.address.type)\" \"\(change.address.name)\" {\n"
        let width = rows.map(\.name.count).max() ?? 0
        for row in rows {
            out += "      \(paint(row.symbol)) \(row.name.padded(to: width)) = \(row.lines[0])\n"
            for line in row.lines.dropFirst() { out += line + "\n" }
        }
        for note in notes { out += "        # (\(note))\n" }
        if hidden > 0 {
            out += "        # (\(hidden) unchanged attribute\(hidden == 1 ? "" : "s") hidden)\n"
        }
        out += "    }\n"
        return out
    }

    /// The attribute rows of a change, and how many unchanged attributes it hides.
    func rows(_ change: PlannedChange) -> (rows: [Row], hidden: Int) {
        let before = change.before?.mapValue ?? [:]
        let after = change.after?.mapValue ?? [:]
        let forcing = Set(change.replacePaths.compactMap(\.first))
        var shown: [Row] = []
        var hidden = 0
        let schema = (change.action == .read ? resourceTypes.dataSource(change.address.type) : resourceTypes[change.address.type])?.schema.body
        let names = before.isEmpty ? after.keys.sorted() : after.isEmpty ? before.keys.sorted() : Set(before.keys).union(after.keys).sorted()
        for name in names {
            let diff = ValueDiff(printer: self, type: schema?.attributes[name]?.type, address: change.address)
            let old = change.before == nil ? nil : (before[name] ?? .null)
            let new = change.after == nil ? nil : (after[name] ?? .null)
            if (old ?? .null).isNull && (new ?? .null).isNull { continue }
            let attributeSymbol = diff.symbol(before: old, after: new)
            if attributeSymbol == .none {
                if (old ?? .null).isNull { continue }
                if Self.identifyingAttributes.contains(name) && change.action != .delete {
                    shown.append(Row(name: name, lines: diff.lines(before: old, after: new, indent: 8, forcesReplacement: false), symbol: .none))
                } else {
                    hidden += 1
                }
                continue
            }
            if change.action == .create, (new ?? .null).isNull { continue }
            shown.append(Row(name: name, lines: diff.lines(before: old, after: new, indent: 8, forcesReplacement: forcing.contains(name)), symbol: attributeSymbol))
        }
        return (shown, hidden)
    }
}

/// Renders the difference between two values as Terraform does, line by line.
struct ValueDiff {
    let printer: PlanTextRenderer
    /// The schema type of the value, when known: object attributes print bare, map keys quoted.
    var type: AttributeType?
    /// The instance whose value this is, to show a script change shared by several once.
    var address: ResourceAddress?
    typealias Symbol = PlanTextRenderer.Symbol

    /// The diff for an element or member of this value.
    func nested(_ key: String?) -> ValueDiff {
        switch type {
        case .objectList(let schema)?: return ValueDiff(printer: printer, type: key == nil ? .object(schema) : nil, address: address)
        case .object(let schema)?: return ValueDiff(printer: printer, type: key.flatMap { schema.attributes[$0]?.type }, address: address)
        default: return ValueDiff(printer: printer, type: nil, address: address)
        }
    }

    func keyText(_ key: String) -> String {
        if case .object? = type, key.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0) }) {
            return key
        }
        return Value.quoted(key)
    }

    func symbol(before: Value?, after: Value?) -> Symbol {
        switch (before, after) {
        case (nil, nil): return .none
        case (nil, _?): return .create
        case (_?, nil): return .delete
        case let (b?, a?):
            if b.isNull && !a.isNull { return .create }
            if !b.isNull && a.isNull { return .delete }
            return a.isWhollyKnown && a == b ? .none : .update
        }
    }

    /// The rendering of one attribute's value or change: the first line goes after `name = `,
    /// later lines are complete (indented by `indent`).
    func lines(before: Value?, after: Value?, indent: Int, forcesReplacement: Bool) -> [String] {
        var result: [String]
        let suffix = forcesReplacement ? " # forces replacement" : ""
        switch (before, after) {
        case (nil, let a?), (.null?, let a?):
            result = render(a, symbol: .create, indent: indent)
        case (let b?, nil), (let b?, .null?):
            result = render(b, symbol: .delete, indent: indent)
            result[result.count - 1] += " -> null"
        case let (b?, a?):
            result = change(b, a, indent: indent)
        case (nil, nil):
            result = ["null"]
        }
        result[0] += suffix
        return result
    }

    func scalar(_ value: Value) -> String? {
        switch value {
        case .unknown: return "(known after apply)"
        case .sensitive: return "(sensitive value)"
        case .null: return "null"
        case .bool, .number, .string: return value.description
        case .list(let items) where items.isEmpty: return "[]"
        case .map(let entries) where entries.isEmpty: return "{}"
        default: return nil
        }
    }

    /// A whole value, every line marked with `symbol`.
    func render(_ value: Value, symbol: Symbol, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        // A multi-line string (a script, a configuration file) created, destroyed or unchanged
        // reads as one line: a plan of five nodes would otherwise repeat every script in full
        // per instance. `tfy show -json` keeps the whole text.
        if case .string(let text) = value, text.contains("\n") { return [Self.summary(text)] }
        if isScriptFile, let line = Self.scriptFileLine(value) { return [line] }
        if case .object(let schema)? = type, schema == .uploadedFile, case .map(let fields) = value,
           fields.values.allSatisfy({ scalar($0) != nil && !$0.isMultiLineString }) {
            // `{ content = (sensitive value), destination = "/etc/hosts", template = true }`
            let shown = fields.keys.sorted().filter { !fields[$0]!.isNull }
            return ["{ " + shown.map { "\($0) = \(scalar(fields[$0]!)!)" }.joined(separator: ", ") + " }"]
        }
        if let s = scalar(value) { return [s] }
        let mark = printer.paint(symbol)
        switch value {
        case .list(let items):
            var lines = ["["]
            for item in items {
                let inner = nested(nil).render(item, symbol: symbol, indent: indent + 4)
                lines.append("\(pad)  \(mark) \(inner[0])" + (inner.count == 1 ? "," : ""))
                if inner.count > 1 {
                    lines.append(contentsOf: inner.dropFirst().dropLast())
                    lines.append(inner[inner.count - 1] + ",")
                }
            }
            lines.append("\(pad)]")
            return lines
        case .map(let entries):
            var lines = ["{"]
            let keys = entries.keys.sorted()
            let shownKeys = keys.filter { !((symbol == .create || symbol == .delete) && entries[$0]!.isNull) }
            let width = shownKeys.map { keyText($0).count }.max() ?? 0
            for key in shownKeys {
                let inner = nested(key).render(entries[key]!, symbol: symbol, indent: indent + 4)
                lines.append("\(pad)  \(mark) \(keyText(key).padded(to: width)) = \(inner[0])")
                lines.append(contentsOf: inner.dropFirst())
            }
            lines.append("\(pad)}")
            return lines
        default:
            return [value.description]
        }
    }

    /// True when the value is a local script as a bootstrap keeps it (`{path, content}`).
    var isScriptFile: Bool {
        if case .object(let schema)? = type { return schema == .scriptFile }
        return false
    }

    /// `"scripts/common.sh" (1834 bytes, sha256:0123abcd)`: a local script as its path, the
    /// size and enough of the digest of its text to tell two versions apart. Nil when the value
    /// is not such an object (a sensitive or unknown one reads as any other).
    static func scriptFileLine(_ value: Value) -> String? {
        guard case .map(let fields) = value, let path = fields["path"], let content = fields["content"] else { return nil }
        let shownPath = path.stringValue != nil && !path.isSensitive ? path.description : ValueDiff.plain(path)
        switch content {
        case .string(let text): return "\(shownPath) (\(text.utf8.count) bytes, sha256:\(SHA256.hex(Array(text.utf8)).prefix(8)))"
        default: return "\(shownPath) \(ValueDiff.plain(content))"
        }
    }

    /// A scalar's text outside a diff: `(sensitive value)`, `(known after apply)`, `"text"`.
    static func plain(_ value: Value) -> String {
        switch value {
        case .sensitive: return "(sensitive value)"
        case .unknown: return "(known after apply)"
        default: return value.description
        }
    }

    /// The text of a script in a list or attribute that can be diffed line by line: a
    /// multi-line string, or a local script's content. Never a sensitive one.
    static func scriptText(_ value: Value) -> String? {
        if case .string(let text) = value, text.contains("\n") { return text }
        if case .map(let fields) = value, Set(fields.keys) == ["path", "content"], case .string(let text)? = fields["content"] { return text }
        return nil
    }

    /// A script's change: a local script's path (and its old path, when it moved) before the
    /// line diff of its text, or, unchanged text, the old and new lines.
    func scriptValueChange(_ old: Value, _ new: Value, indent: Int) -> [String] {
        guard let oldText = Self.scriptText(old), let newText = Self.scriptText(new), oldText != newText else {
            let before = render(old, symbol: .delete, indent: indent)[0], after = render(new, symbol: .create, indent: indent)[0]
            return ["\(before) -> \(after)"]
        }
        var lines = scriptChange(oldText, newText, indent: indent)
        func path(_ value: Value) -> String? {
            guard case .map(let fields) = value, case .string(let text)? = fields["path"] else { return nil }
            return Value.string(text).description
        }
        let oldPath = path(old), newPath = path(new)
        if let newPath {
            lines[0] = (oldPath.map { $0 == newPath ? newPath : "\($0) -> \(newPath)" } ?? newPath) + " " + lines[0]
        }
        return lines
    }

    /// `"#!/bin/bash" … (65 lines, sha256:0123abcd)`: the first line, how many lines, and
    /// enough of the digest to tell two versions apart.
    static func summary(_ text: String) -> String {
        let lines = scriptLines(text)
        return "\(Value.string(lines.first ?? "").description) … (\(lines.count) lines, sha256:\(SHA256.hex(Array(text.utf8)).prefix(8)))"
    }

    /// A script's lines, without the empty one after its final newline.
    static func scriptLines(_ text: String) -> [String] {
        (text.hasSuffix("\n") ? String(text.dropLast()) : text).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Unchanged lines shown around each changed one, as `diff -U2` shows them.
    static let contextLines = 2

    /// Two versions of a script or file: only the changed lines with their context, marked as a
    /// diff; the unchanged runs between them are counted, as Terraform counts hidden elements.
    /// A change shared by several instances is shown in full at the first of them only.
    func scriptChange(_ old: String, _ new: String, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        let shared = printer.sharedScripts?.sharing(old, new, at: address) ?? []
        if let first = shared.first, first != address {
            return ["(the same change as in \(first), sha256:\(SHA256.hex(Array(old.utf8)).prefix(8)) -> sha256:\(SHA256.hex(Array(new.utf8)).prefix(8)))"]
        }
        let steps = Self.alignment(Self.scriptLines(old).map(Value.string), Self.scriptLines(new).map(Value.string))
        var nearChange = [Bool](repeating: false, count: steps.count)
        for (index, step) in steps.enumerated() {
            if case .same = step { continue }
            for near in max(0, index - Self.contextLines)...min(steps.count - 1, index + Self.contextLines) { nearChange[near] = true }
        }
        var result = ["<<-EOT"]
        if shared.count > 1 {
            result[0] += " # (the same change in \(shared.dropFirst().map(\.description).joined(separator: ", ")))"
        }
        var hidden = 0
        func flushHidden() {
            if hidden > 0 { result.append("\(pad)    # (\(hidden) unchanged line\(hidden == 1 ? "" : "s") hidden)") }
            hidden = 0
        }
        for (index, step) in steps.enumerated() {
            let (mark, line): (String, Value) = {
                switch step {
                case .same(let l): return (" ", l)
                case .removed(let l): return (printer.paint(.delete), l)
                case .added(let l): return (printer.paint(.create), l)
                }
            }()
            guard nearChange[index] else { hidden += 1; continue }
            flushHidden()
            result.append("\(pad)  \(mark) \(TerminalText.escaped(line.stringValue ?? ""))".trimmingTrailingSpaces)
        }
        flushHidden()
        return result + [pad + "EOT"]
    }

    /// A list's steps, with a removed script followed by an added one paired as one change, so
    /// a one-line edit reads as a one-line diff rather than two whole scripts.
    static func pairingScripts(_ steps: [Step]) -> [ListStep] {
        var result: [ListStep] = []
        var index = 0
        while index < steps.count {
            var removed: [Value] = [], added: [Value] = []
            var end = index
            while end < steps.count, case .removed(let v) = steps[end] { removed.append(v); end += 1 }
            while end < steps.count, case .added(let v) = steps[end] { added.append(v); end += 1 }
            // Only plain strings: `stringValue` would see through a sensitive mark, and a
            // secret is never diffed.
            if !removed.isEmpty, removed.count == added.count, (removed + added).allSatisfy({ scriptText($0) != nil }) {
                result += zip(removed, added).map { .changed($0, $1) }
                index = end
                continue
            }
            result.append(.step(steps[index]))
            index += 1
        }
        return result
    }

    enum ListStep { case step(Step), changed(Value, Value) }

    func change(_ before: Value, _ after: Value, indent: Int) -> [String] {
        if before == after && after.isWhollyKnown { return render(after, symbol: .none, indent: indent) }
        if isScriptFile, case .map = after { return scriptValueChange(before, after, indent: indent) }
        let pad = String(repeating: " ", count: indent)
        switch (before, after) {
        case (.list(let old), .list(let new)) where !old.isEmpty && !new.isEmpty:
            var lines = ["["]
            var unchanged = 0
            for listStep in Self.pairingScripts(Self.alignment(old, new)) {
                let step: Step
                switch listStep {
                case .changed(let o, let n):
                    let inner = nested(nil).scriptValueChange(o, n, indent: indent + 4)
                    lines.append("\(pad)  \(printer.paint(.update)) \(inner[0])" + (inner.count == 1 ? "," : ""))
                    if inner.count > 1 { lines += inner.dropFirst().dropLast() + [inner.last! + ","] }
                    continue
                case .step(let s): step = s
                }
                switch step {
                case .same: unchanged += 1
                case .removed(let v):
                    let inner = nested(nil).render(v, symbol: .delete, indent: indent + 4)
                    lines.append("\(pad)  \(printer.paint(.delete)) \(inner[0])" + (inner.count == 1 ? "," : ""))
                    if inner.count > 1 { lines += inner.dropFirst().dropLast() + [inner.last! + ","] }
                case .added(let v):
                    let inner = nested(nil).render(v, symbol: .create, indent: indent + 4)
                    lines.append("\(pad)  \(printer.paint(.create)) \(inner[0])" + (inner.count == 1 ? "," : ""))
                    if inner.count > 1 { lines += inner.dropFirst().dropLast() + [inner.last! + ","] }
                }
            }
            if unchanged > 0 { lines.append("\(pad)    # (\(unchanged) unchanged element\(unchanged == 1 ? "" : "s") hidden)") }
            lines.append("\(pad)]")
            return lines
        case (.map(let old), .map(let new)):
            var result = ["{"]
            var unchanged = 0
            let keys = Set(old.keys).union(new.keys).sorted()
            var rows: [(String, [String], Symbol)] = []
            for key in keys {
                let symbol = symbol(before: old[key], after: new[key])
                if symbol == .none {
                    if !(old[key] ?? .null).isNull { unchanged += 1 }
                    continue
                }
                rows.append((keyText(key), nested(key).lines(before: old[key], after: new[key], indent: indent + 4, forcesReplacement: false), symbol))
            }
            let width = rows.map(\.0.count).max() ?? 0
            for (key, inner, symbol) in rows {
                result.append("\(pad)  \(printer.paint(symbol)) \(key.padded(to: width)) = \(inner[0])")
                result.append(contentsOf: inner.dropFirst())
            }
            if unchanged > 0 { result.append("\(pad)    # (\(unchanged) unchanged element\(unchanged == 1 ? "" : "s") hidden)") }
            result.append("\(pad)}")
            return result
        case (.string(let old), .string(let new)) where old.contains("\n") && new.contains("\n"):
            return scriptChange(old, new, indent: indent)

        default:
            let old = render(before, symbol: .delete, indent: indent)
            let new = render(after, symbol: .create, indent: indent)
            if old.count == 1 && new.count == 1 { return ["\(old[0]) -> \(new[0])"] }
            var lines = old
            lines[lines.count - 1] += " -> " + new[0]
            return lines + new.dropFirst()
        }
    }

    enum Step { case same(Value), removed(Value), added(Value) }

    /// The longest-common-subsequence alignment of two lists, removals before additions.
    static func alignment(_ old: [Value], _ new: [Value]) -> [Step] {
        let n = old.count, m = new.count
        guard n * m <= 4_000_000 else { return old.map { .removed($0) } + new.map { .added($0) } }
        var table = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = old[i] == new[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var steps: [Step] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, old[i] == new[j], new[j].isWhollyKnown {
                steps.append(.same(old[i])); i += 1; j += 1
            } else if i < n, j == m || table[i + 1][j] >= table[i][j + 1] {
                steps.append(.removed(old[i])); i += 1
            } else {
                steps.append(.added(new[j])); j += 1
            }
        }
        return steps
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }

    /// The string followed by spaces up to `width` characters.
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// The (old, new) pairs of changed scripts in one plan and the instances each appears in, in
/// plan order: when every node runs the same script, its change is shown once. Used by one
/// render on one thread.
final class SharedScripts: @unchecked Sendable {
    struct Pair: Hashable { let old: String, new: String }
    private var addresses: [Pair: [ResourceAddress]] = [:]
    /// While true, `sharing` records and answers nothing.
    var recording = true

    /// The instances that have this change, if `address` is one of several; else empty.
    func sharing(_ old: String, _ new: String, at address: ResourceAddress?) -> [ResourceAddress] {
        guard let address else { return [] }
        let pair = Pair(old: old, new: new)
        if recording {
            if addresses[pair]?.contains(address) != true { addresses[pair, default: []].append(address) }
            return []
        }
        guard let shared = addresses[pair], shared.count > 1, shared.contains(address) else { return [] }
        return shared
    }
}

extension Value {
    /// A string of several lines: a script or a file, which a plan summarises.
    var isMultiLineString: Bool {
        if case .string(let text) = self { return text.contains("\n") }
        return false
    }
}
