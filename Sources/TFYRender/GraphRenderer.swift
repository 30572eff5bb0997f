import TFYCore

/// A dependency graph in Graphviz DOT, nodes and edges sorted.
public enum GraphRenderer {
    public static func dot(_ graph: DependencyGraph<String>) -> String {
        var out = "digraph {\n  rankdir = \"RL\";\n  node [shape = \"box\"];\n"
        for node in graph.nodes.sorted() { out += "  \(Value.quoted(node));\n" }
        for node in graph.nodes.sorted() {
            for target in (graph.dependencies[node] ?? []).sorted() { out += "  \(Value.quoted(node)) -> \(Value.quoted(target));\n" }
        }
        return out + "}\n"
    }
}
