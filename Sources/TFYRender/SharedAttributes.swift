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

    /// Which earlier instances a change may share with: those of its type with its action
    /// (created or destroyed), not adopted.
    struct Peers: Hashable {
        let type: String
        let created: Bool
    }

    /// A row an earlier instance shows, with the value it stands for. Hashed once when made: a
    /// plan of 10,000 instances looks each of its rows up twice.
    struct ShownRow: Hashable {
        let peers: Peers
        let row: Row
        let value: Value?
        private let hash: Int

        init(peers: Peers, row: Row, value: Value?) {
            (self.peers, self.row, self.value) = (peers, row, value)
            var hasher = Hasher()
            hasher.combine(peers)
            hasher.combine(row)
            hasher.combine(value)
            hash = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// A map attribute of earlier instances.
    struct MapAttribute: Hashable {
        let peers: Peers
        let name: String
    }

    /// Each change's rows with what an earlier instance shows left out, and the notes saying so.
    /// Linear in the number of changes: the earlier instances are indexed as they are passed
    /// (the first to show each row; each distinct map once, at its first instance), so a plan of
    /// 10,000 instances does not compare each with every one before it.
    func collapsed() -> [(rows: [Row], notes: [String])] {
        var result: [(rows: [Row], notes: [String])] = []
        result.reserveCapacity(changes.count)
        var seenPeers: Set<Peers> = []
        var firstShowing: [ShownRow: Int] = [:]
        var maps = EarlierMaps()
        for index in changes.indices {
            let change = changes[index]
            // An update or replacement shows every change it makes (a script change shared by
            // several is already shown in full once); only what is created or destroyed whole
            // is shared.
            guard change.adopting == nil, change.action == .create || change.action == .delete else {
                result.append((rows[index], []))
                continue
            }
            let peers = Peers(type: change.address.type, created: change.action == .create)
            let keys = rows[index].map { ShownRow(peers: peers, row: $0, value: Self.visible(value(change, $0.name))) }
            let shownBefore = keys.map { firstShowing[$0] }
            defer {
                seenPeers.insert(peers)
                for (key, earlier) in zip(keys, shownBefore) where earlier == nil { firstShowing[key] = index }
                maps.add(change, at: index, peers: peers)
            }
            guard seenPeers.contains(peers) else {
                result.append((rows[index], []))
                continue
            }
            var kept: [Row] = []
            var shownAt: [(address: ResourceAddress, names: [String], secret: Bool)] = []
            for (row, earlier) in zip(rows[index], shownBefore) {
                // Unchanged context (an update's id, name and tags) identifies this instance.
                // The same lines and the same visible value (a script's digest in its line is
                // only a prefix).
                let mine = value(change, row.name)
                if row.symbol != .none, let other = earlier {
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
                let attribute = MapAttribute(peers: peers, name: row.name)
                kept.append(differingEntries(of: row, at: index, earlier: maps.candidates(attribute), hasIdentical: { maps.contains($0, at: attribute) }) ?? row)
            }
            result.append((kept, shownAt.map { group in
                let unknown = group.names.contains { !(value(change, $0)?.isWhollyKnown ?? true) }
                return "\(describe(group.names, action: change.action)) as in \(group.address)" + (unknown ? Self.ownUnknowns : "")
                    + (group.secret ? Self.secretsUncompared : "")
            }))
        }
        return result
    }

    /// What a note that stands for a value known only after apply adds: "(known after apply)"
    /// there stands for this instance's own value, not the other's (two `id`s read alike and differ).
    static let ownUnknowns = "; values known after apply are its own"
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

    /// A map's entries as the plan shows them.
    static func visible(_ entries: [String: Value]) -> [String: Value] {
        entries.mapValues { visible($0)! }
    }

    /// The map attributes of the instances passed so far: each distinct map once, at the first
    /// instance that has it. Identical maps share as many entries with any other, so only the
    /// first of them could be chosen.
    struct EarlierMaps {
        private var indices: [MapAttribute: [Int]] = [:]
        private var seenKeys: [MapAttribute: Set<[String: Value]>] = [:]

        mutating func add(_ change: PlannedChange, at index: Int, peers: Peers) {
            guard let attributes = (peers.created ? change.after : change.before)?.mapValue else { return }
            for (name, value) in attributes {
                guard case .map(let entries) = value else { continue }
                let key = MapAttribute(peers: peers, name: name)
                if seenKeys[key, default: []].insert(SharedAttributes.visible(entries)).inserted { indices[key, default: []].append(index) }
            }
        }

        func candidates(_ key: MapAttribute) -> [Int] { indices[key] ?? [] }

        func contains(_ entries: [String: Value], at key: MapAttribute) -> Bool { seenKeys[key]?.contains(SharedAttributes.visible(entries)) == true }
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
    /// `earlier` lists one instance per distinct earlier map, in plan order; `hasIdentical` says
    /// whether one of them equals this map (which then shares every entry: nothing is shortened).
    func differingEntries(of row: Row, at index: Int, earlier: [Int], hasIdentical: ([String: Value]) -> Bool) -> Row? {
        let change = changes[index]
        guard change.action == .create || change.action == .delete else { return nil }
        func entries(_ change: PlannedChange) -> [String: Value]? {
            let object = change.action == .create ? change.after : change.before
            guard case .map(let entries)? = object?.mapValue?[row.name] else { return nil }
            return entries
        }
        // Only a map sharing at least `fewestSharedEntries` entries, and not all of them, is
        // shortened; the earlier one's keys are all in this one, so this one needs more.
        guard let mine = entries(change), mine.count > Self.fewestSharedEntries else { return nil }
        guard !hasIdentical(mine) else { return nil }
        var best: (index: Int, same: Int)?
        for other in earlier {
            guard let theirs = entries(changes[other]), theirs.keys.allSatisfy({ mine[$0] != nil }) else { continue }
            let same = mine.filter { Self.visible(theirs[$0.key]) == Self.visible($0.value) }.count
            if same >= Self.fewestSharedEntries, same > (best?.same ?? 0) { best = (other, same) }
            // No map but an identical one shares more: the first to share all but one entry is the one.
            if best?.same == mine.count - 1 { break }
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
        let note = "\(best.same) \(element) as in \(changes[best.index].address)" + (unknown ? Self.ownUnknowns : "")
            + (secret ? Self.secretsUncompared : "")
        lines.insert("            # (\(note))", at: lines.count - 1)
        return Row(name: row.name, lines: lines, symbol: row.symbol)
    }
}
