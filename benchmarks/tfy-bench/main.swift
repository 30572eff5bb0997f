// Speed and memory of loading, validating and evaluating configuration.
// Run with `make bench` (a release build). Prints one line per measurement.
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYRender

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
        return kilobytes / 1024
    }
    return -1
}

func measure(_ label: String, runs: Int, _ body: () -> Void) {
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    samples.sort()
    let median = samples[samples.count / 2]
    print(String(format: "%@: median %.2f ms, min %.2f ms, max %.2f ms over %d runs; peak RSS %.1f MB",
                 label, median, samples.first!, samples.last!, runs, peakResidentMegabytes()))
}

/// A configuration that expands to `instances` resource instances: a security group, masters,
/// workers, and one bootstrap per node that references its instance.
func largeConfiguration(instances: Int) -> String {
    let nodes = (instances - 1) / 2
    return """
    variable:
      machines: {type: number, default: \(nodes)}
      Masters: {type: number, default: 3}
      Tag: {type: string, default: bench}
    locals:
      workers: "${var.machines - var.Masters}"
    resource:
      aws_security_group:
        cluster:
          name: "${var.Tag}-sg"
          ingress:
            - {protocol: tcp, from_port: 0, to_port: 65535, cidr_blocks: ["0.0.0.0/0"]}
      aws_instance:
        master:
          count: "${var.Masters}"
          ami: ami-1ecae776
          instance_type: t2.small
          vpc_security_group_ids: ["${aws_security_group.cluster.id}"]
          tags: {Name: "${var.Tag}-TachyonMaster${count.index == 0 ? \\"\\" : count.index + 1}"}
        worker:
          count: "${local.workers}"
          ami: ami-1ecae776
          instance_type: t2.small
          vpc_security_group_ids: ["${aws_security_group.cluster.id}"]
          tags: {Name: "${format(\\"%s-TachyonWorker%d\\", var.Tag, count.index + 1)}"}
      tfy_bootstrap:
        node:
          count: "${var.machines}"
          connection:
            host: "${count.index < var.Masters ? aws_instance.master[count.index].public_ip : aws_instance.worker[count.index - var.Masters].public_ip}"
          environment: {NODE: "${count.index}", ROLE: "${count.index < var.Masters ? \\"master\\" : \\"worker\\"}"}
          inline: [./common.sh]
    output:
      names: {value: "${aws_instance.worker[*].tags.Name}"}
    """
}

func run(directory: String) -> ConfigurationPipeline.Outcome {
    ConfigurationPipeline(directory: directory, inputs: [], missingRequired: .unknown, resourceTypes: .standard).run(workingDirectory: "/")
}

let root = NSTemporaryDirectory() + "tfy-bench-\(getpid())"
try? FileManager.default.createDirectory(atPath: root + "/large", withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }
_ = FileManager.default.createFile(atPath: root + "/large/main.yml", contents: Data(largeConfiguration(instances: 10_001).utf8))

let check = run(directory: root + "/large")
let count = check.evaluated?.instances.count ?? 0
guard !check.diagnostics.hasErrors, count >= 10_000 else {
    print("benchmark configuration is invalid (\(count) instances): \(check.diagnostics)")
    exit(1)
}
print("10k configuration: \(count) resource instances")
measure("load+validate+evaluate 10k instances", runs: 7) { _ = run(directory: root + "/large") }

let cluster = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Tests/TFYConfigTests/Fixtures/valid/cluster").path
let small = run(directory: cluster)
guard !small.diagnostics.hasErrors else { print("cluster fixture invalid: \(small.diagnostics)"); exit(1) }
measure("load+validate+evaluate the 4-file cluster fixture", runs: 51) { _ = run(directory: cluster) }

// Planning: 10k instances against a 10k-instance state (no I/O), then rendering that plan.
func filled(_ value: Value, _ seed: String) -> Value {
    switch value {
    case .unknown: return .string("x-" + seed)
    case .list(let items): return .list(items.enumerated().map { filled($1, seed + "-\($0)") })
    case .map(let entries): return .map(entries.reduce(into: [:]) { $0[$1.key] = filled($1.value, seed + "-" + $1.key) })
    case .sensitive(let inner): return .sensitive(filled(inner, seed))
    default: return value
    }
}

let largeConfiguration = ConfigurationLoader(resourceTypes: .standard).load(directory: root + "/large").0!
let largeVariables = VariableResolver(missingRequired: .error).resolve(largeConfiguration, inputs: []).0
let firstPlan = Planner.plan(PlanRequest(configuration: largeConfiguration, variables: largeVariables, prior: nil, options: PlanOptions())).0!
var priorState = State(lineage: "bench")
for change in firstPlan.changes {
    let instance = StateInstance(indexKey: change.address.key, attributes: filled(change.after!, change.address.description).mapValue!, dependencies: change.dependencies)
    if let i = priorState.resources.firstIndex(where: { $0.address == change.address.resource }) {
        priorState.resources[i].instances.append(instance)
    } else {
        priorState.resources.append(StateResource(type: change.address.type, name: change.address.name, instances: [instance]))
    }
}
// Half the workers get a new instance type, so the plan has updates to render as well as no-ops.
var options = PlanOptions()
options.refresh = false
let changedVariables = largeVariables.merging(["Tag": .string("bench2")]) { _, new in new }
var plannedPlan: Plan?
measure("plan 10k instances against a 10k-instance state", runs: 5) {
    plannedPlan = Planner.plan(PlanRequest(configuration: largeConfiguration, variables: changedVariables, prior: priorState, options: options)).0
}
let benchPlan = plannedPlan!
let counts = benchPlan.resourceChangeCount
print("  plan: \(benchPlan.changes.count) instances, \(counts.add) to add, \(counts.change) to change, \(counts.destroy) to destroy")
var textLength = 0, jsonLength = 0
measure("render that plan as text", runs: 5) { textLength = PlanTextRenderer(color: false, resourceTypes: .standard).render(benchPlan).utf8.count }
measure("render that plan as Terraform JSON", runs: 5) { jsonLength = PlanJSONRenderer.render(benchPlan).utf8.count }
print("  text \(textLength / 1024) KiB, JSON \(jsonLength / 1024) KiB")

// Validation of many distinct resource blocks: loading, validating and evaluating must stay
// linear in the number of blocks (issue 18: 40,000 blocks in under 1 s).
func distinctBlocks(_ blocks: Int) -> String {
    var text = "variable:\n  ami: {type: string, default: ami-1ecae776}\nresource:\n  aws_security_group:\n    sg: {name: bench}\n  aws_instance:\n"
    for i in 0..<blocks {
        text += "    w\(i):\n      ami: \"${var.ami}\"\n      instance_type: t2.small\n      vpc_security_group_ids: [\"${aws_security_group.sg.id}\"]\n      tags: {Name: w\(i)}\n"
    }
    return text
}

for blocks in [10_000, 20_000, 40_000] {
    let directory = root + "/blocks-\(blocks)"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: directory + "/main.yml", contents: Data(distinctBlocks(blocks).utf8))
    let outcome = run(directory: directory)
    guard !outcome.diagnostics.hasErrors, outcome.evaluated?.resources.count == blocks + 1 else {
        print("distinct-block configuration is invalid: \(outcome.diagnostics)")
        exit(1)
    }
    measure("load+validate+evaluate \(blocks) distinct resource blocks", runs: 3) { _ = run(directory: directory) }
}
