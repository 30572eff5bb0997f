import TFYCore

/// The plan as Markdown for a pull-request comment: a summary table of every change, and the
/// full text plan in a collapsible section.
public enum PlanMarkdownRenderer {
    public static func render(_ plan: Plan, resourceTypes: ResourceCatalog) -> String {
        let changes = plan.changes.filter(\.isShown)
        let outputChanges = plan.outputs.filter { $0.action != .noOp }
        var out = "### tfy plan: `\(plan.stack)`\n\n"
        if changes.isEmpty && outputChanges.isEmpty && plan.dataReads.isEmpty {
            return out + "**No changes.** Your infrastructure matches the configuration.\n"
        }
        let counts = plan.resourceChangeCount
        out += "**Plan:** \(PlanTextRenderer.summary(counts, imports: plan.importCount))\n\n"
        if !changes.isEmpty || !plan.dataReads.isEmpty {
            out += "| Action | Resource | Reason |\n|---|---|---|\n"
            let rows = PlanTextRenderer.interleaving(changes.map { ($0.address, ($0.address.description, $0)) },
                                                     plan.dataReads.map { ("data." + $0.address.description, ("data." + $0.address.description, $0)) })
            for (address, change) in rows {
                out += "| \(label(change)) | `\(address)` | \(reason(change)) |\n"
            }
            out += "\n"
        }
        if !outputChanges.isEmpty {
            out += "Outputs changing: " + outputChanges.map { "`\($0.name)`" }.joined(separator: ", ") + "\n\n"
        }
        for warning in plan.warnings { out += "> **Warning: \(warning.summary)**\n\n" }
        out += "<details><summary>Show the full plan</summary>\n\n```diff\n"
        out += PlanTextRenderer(color: false, resourceTypes: resourceTypes).render(plan).trimmingTrailingNewlines().replacingFence()
        out += "\n```\n\n</details>\n"
        return out
    }

    static func label(_ change: PlannedChange) -> String {
        if change.adopting != nil, change.action == .noOp { return "📥 adopt" }
        if change.importing != nil, change.action == .noOp { return "📥 import" }
        if change.previousAddress != nil, change.action == .noOp { return "🚚 move" }
        let action = change.action
        switch action {
        case .create: return "➕ create"
        case .update: return "🔧 update"
        case .delete: return "❌ destroy"
        case .replace(createFirst: false): return "♻️ replace (destroy first)"
        case .replace(createFirst: true): return "♻️ replace (create first)"
        case .read: return "📖 read during apply"
        case .noOp: return action.actions.map(\.rawValue).joined(separator: ", ")
        }
    }

    static func reason(_ change: PlannedChange) -> String {
        var notes: [String] = []
        if let previous = change.previousAddress { notes.append("moved from `\(previous)`") }
        if let id = change.importing { notes.append("imported from `\(id)`") }
        if !notes.isEmpty {
            let action = change.action == .noOp ? "" : reasonForAction(change)
            return (notes + (action.isEmpty ? [] : [action])).joined(separator: "; ")
        }
        if let id = change.adopting {
            let adopted = "found by its tags, `\(id)`"
            return change.action == .noOp ? adopted : adopted + "; " + reasonForAction(change)
        }
        return reasonForAction(change)
    }

    static func reasonForAction(_ change: PlannedChange) -> String {
        switch change.reason {
        case .replaceBecauseTainted?: return "tainted"
        case .replaceByRequest?: return "requested with -replace"
        case .replaceBecauseCannotUpdate?: return "forced by " + change.replacePaths.map { "`\($0.joined(separator: "."))`" }.joined(separator: ", ")
        case .deleteBecauseNoResourceConfig?: return "not in configuration"
        case .deleteBecauseCountIndex?: return "index out of range for count"
        case .deleteBecauseEachKey?: return "key not in for_each"
        case .deleteBecauseWrongRepetition?: return change.address.key == nil ? "count or for_each added" : "count or for_each removed or changed"
        case .readBecauseConfigUnknown?: return "config refers to values not yet known"
        case .deleteBecauseNoModule?: return "module not in configuration"
        case nil: return ""
        }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }

    /// A plan line holding ``` would end the code block early; break the fence.
    func replacingFence() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { $0.contains("```") ? $0.split(separator: "`", omittingEmptySubsequences: false).joined(separator: "`\u{200B}") : String($0) }.joined(separator: "\n")
    }
}
