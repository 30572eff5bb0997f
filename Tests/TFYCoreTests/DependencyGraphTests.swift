import Testing
import TFYCore

@Suite(.timeLimit(.minutes(10)))
struct DependencyGraphTests {
    @Test func depthFirstOrderFollowsEdgesInTheOrderTheyWereAdded() {
        var graph = DependencyGraph<String>()
        graph.add("a", dependsOn: "c")
        graph.add("a", dependsOn: "b")
        graph.add("b", dependsOn: "c")
        graph.add("d")
        let (order, cycles) = graph.depthFirstOrder()
        #expect(order == ["c", "b", "a", "d"])
        #expect(cycles.isEmpty)
    }

    @Test func depthFirstOrderReportsEveryCycleOnceAsThePathAroundIt() {
        var graph = DependencyGraph<String>()
        graph.add("a", dependsOn: "b")
        graph.add("b", dependsOn: "a")
        graph.add("c", dependsOn: "c")
        graph.add("d", dependsOn: "e")
        graph.add("e", dependsOn: "f")
        graph.add("f", dependsOn: "d")
        graph.add("f", dependsOn: "a")
        let (order, cycles) = graph.depthFirstOrder()
        #expect(cycles == [["a", "b"], ["c"], ["d", "e", "f"]])
        #expect(order == ["b", "a", "c", "f", "e", "d"])
    }

    @Test func equalityIgnoresTheOrderEdgesWereAddedIn() {
        var one = DependencyGraph<String>(), other = DependencyGraph<String>()
        one.add("a", dependsOn: "b")
        one.add("a", dependsOn: "c")
        other.add("a", dependsOn: "c")
        other.add("a", dependsOn: "b")
        #expect(one == other)
        #expect(one.edges == [.init("a", dependsOn: "b"), .init("a", dependsOn: "c")])
        #expect(one.dependents == ["b": ["a"], "c": ["a"]])
    }
}
