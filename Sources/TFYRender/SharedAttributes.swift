import TFYCore

/// What instances of one resource type share, shown once. A five-node cluster plans the same
/// connection, files, environment and triggers for every node of a phase; printed per node they
/// drown the few values that differ. An attribute whose lines are exactly those of an earlier
/// instance of the same type, both created (or both destroyed), is left out, and a note names the instance that shows
/// it: `# (connection, files and id as in tfy_bootstrap.common[0])`, and, where a value left out
/// is known only after apply, that it is this instance's own (the two `id`s will differ). A map created (or
/// destroyed) with most entries the same as such an instance's shows only the entries that
/// differ. Every value that differs stays in its block; `tfy show -json` keeps everything.
///
/// Secrets are compared only as they read: two `(sensitive value)`s are alike whether or not the
/// secrets are equal, and a note standing for one says `sensitive values not compared`. Comparing
/// their digests would tell which secrets are the same (collapsed) and which differ (shown).
struct SharedAttributes {
    let printer: PlanTextRenderer
    let changes: [PlannedChange]
    let rows: [[PlanTextRenderer.Row]]

    typealias Row = PlanTextRenderer.Row

    /// A map shows only its differing entries when at least this many are the same.
    static let fewestSharedEntries = 2
    /// More attributes than this are counted in a note rather than named.
    static let mostNamed = 4

    /// Each change's rows with what an earlier instance shows left out, and the notes saying so.
    func collapsed() -> [(rows: [Row], notes: [String])] {
        changes.indices.map { index in
            let change = changes[index]
            let earlier = changes.indices.prefix(index).filter { other in
                changes[other].address.type == change.address.type && changes[other].action == change.action
                    && changes[other].adopting == nil
            }
            // An update or replacement shows every change it makes (a script change shared by
            // several is already shown in full once); only what is created or destroyed whole
            // is shared.
            guard change.adopting == nil, change.action == .create || change.action == .delete, !earlier.isEmpty else { return (rows[index], []) }
            var kept: [Row] = []
            var shownAt: [(address: ResourceAddress, names: [String], secret: Bool)] = []
            for row in rows[index] {
                // Unchanged context (an update's id, name and tags) identifies this instance.
                // The same lines and the same visible value (a script's digest in its line is
                // only a prefix).
                let mine = value(change, row.name)
                if row.symbol != .none, let other = earlier.first(where: { rows[$0].contains(row) && Self.visible(value(changes[$0], row.name)) == Self.visible(mine) }) {
                    let address = changes[other].address
                    let secret = mine?.containsSensitive == true
                    if let group = shownAt.firstIndex(where: { $0.address == address }) {
                        shownAt[group].names.append(row.name)
                        shownAt[group].secret = shownAt[group].secret || secret
                    } else {
                        shownAt.append((address, [row.name], secret))
                    }
                    continue
                }
                kept.append(differingEntries(of: row, at: index, earlier: earlier) ?? row)
            }
            // An unknown value left out stands for "(known after apply)" there, not for the
            // other instance's value: two instances' `id`s read the same and will differ.
            let ownUnknowns = "; values known after apply are its own"
            return (kept, shownAt.map { group in
                let unknown = group.names.contains { !(value(change, $0)?.isWhollyKnown ?? true) }
                return "\(describe(group.names, action: change.action)) as in \(group.address)" + (unknown ? ownUnknowns : "")
                    + (group.secret ? Self.secretsUncompared : "")
            })
        }
    }

    /// What a note that stands for a secret adds.
    static let secretsUncompared = "; sensitive values not compared"

    /// A value as the plan shows it: each sensitive part only a mark, whatever the secret.
    static func visible(_ value: Value?) -> Value? {
        guard let value else { return nil }
        switch value {
        case .sensitive: return .sensitive(.null)
        case .list(let items): return .list(items.map { visible($0)! })
        case .map(let entries): return .map(entries.mapValues { visible($0)! })
        default: return value
        }
    }

    /// The value of attribute `name` a create adds or a destroy removes.
    func value(_ change: PlannedChange, _ name: String) -> Value? {
        (change.action == .create ? change.after : change.before)?.mapValue?[name]
    }

    /// `connection, files and id`, or `22 attributes` where many are shared.
    func describe(_ names: [String], action: ChangeAction) -> String {
        if names.count > Self.mostNamed { return "\(names.count) attributes" }
        return names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + names.last! : names[0]
    }

    /// A created or destroyed map's row with only the entries that differ from the earlier
    /// instance's map with the most entries in common, and a note naming it; nil when no
    /// earlier map shares enough. That map's keys must all be in this one, so every entry the
    /// note stands for is here, with the value shown there.
    func differingEntries(of row: Row, at index: Int, earlier: [Int]) -> Row? {
        let change = changes[index]
        guard change.action == .create || change.action == .delete else { return nil }
        func entries(_ change: PlannedChange) -> [String: Value]? {
            let object = change.action == .create ? change.after : change.before
            guard case .map(let entries)? = object?.mapValue?[row.name] else { return nil }
            return entries
        }
        guard let mine = entries(change) else { return nil }
        var best: (index: Int, same: Int)?
        for other in earlier {
            guard let theirs = entries(changes[other]), theirs.keys.allSatisfy({ mine[$0] != nil }) else { continue }
            let same = mine.filter { Self.visible(theirs[$0.key]) == Self.visible($0.value) }.count
            if same >= Self.fewestSharedEntries, same > (best?.same ?? 0) { best = (other, same) }
        }
        guard let best, let theirs = entries(changes[best.index]) else { return nil }
        let differing = mine.filter { Self.visible(theirs[$0.key]) != Self.visible($0.value) }
        let secret = mine.contains { differing[$0.key] == nil && $0.value.containsSensitive }
        let unknown = mine.contains { differing[$0.key] == nil && !$0.value.isWhollyKnown }
        guard !differing.isEmpty else { return nil }
        let type = printer.resourceTypes[change.address.type]?.schema.body.attributes[row.name]?.type
        let created = change.action == .create
        var lines = ValueDiff(printer: printer, type: type, address: change.address)
            .lines(before: created ? nil : .map(differing), after: created ? .map(differing) : nil, indent: 8, forcesReplacement: false)
        let element = best.same == 1 ? "element" : "elements"
        let note = "\(best.same) \(element) as in \(changes[best.index].address)" + (unknown ? "; values known after apply are its own" : "")
            + (secret ? Self.secretsUncompared : "")
        lines.insert("            # (\(note))", at: lines.count - 1)
        return Row(name: row.name, lines: lines, symbol: row.symbol)
    }
}
