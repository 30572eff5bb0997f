import TFYAWS
import TFYConfig
import TFYCore

/// Reads data sources for a plan. The evaluator is synchronous, so reading is a loop around it
/// (`Deployment.readDataSources`): each evaluation leaves the queries whose arguments are known
/// but not yet read pending, this reads all of them at once — each distinct query once, all
/// concurrently — and the next evaluation takes the results. A query whose arguments wait for a
/// resource not yet created is never pending: the plan shows it as read during apply, and apply
/// reads it with this reader once that resource exists (`Executor.read`).
public struct DataSourceReader: Sendable {
    public var context: EngineContext
    let types: [String: any DataSourceType]
    /// True when apply reads (a data source whose arguments became known during apply): what a
    /// refused read stopped says so.
    package var duringApply = false

    public init(context: EngineContext) {
        self.init(context: context, registry: .standard)
    }

    package init(context: EngineContext, registry: ResourceRegistry) {
        self.context = context
        types = Dictionary(registry.dataSources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Reads `queries` (each with the addresses that asked for it) into `results`; a failed
    /// read is an error at the first asking block's `locations` entry (by `data.TYPE.NAME`).
    public func read(_ queries: [DataQuery: [String]], into results: inout DataResults, locations: [String: SourceLocation]) async -> Diagnostics {
        let context = context
        let types = types
        let stopped = duringApply ? "so it did not read it and stopped what depends on it" : "so it stopped before planning"
        let outcomes = await withTaskGroup(of: (DataQuery, Result<DataRead, DataSourceError>).self) { group in
            for query in queries.keys {
                group.addTask {
                    guard let type = types[query.type] else {
                        return (query, .failure(DataSourceError(summary: "Unsupported data source", detail: "tfy cannot read \(query.type).")))
                    }
                    do {
                        return (query, .success(try await type.read(query.arguments, context: context)))
                    } catch let error as DataSourceError {
                        return (query, .failure(error))
                    } catch let error as AWSError where error.code?.hasSuffix(".NotFound") == true || error.code?.hasSuffix(".Malformed") == true {
                        // An ID or name EC2 does not know is a query that matched nothing.
                        return (query, .failure(Self.nothingFound(query.type, error)))
                    } catch {
                        return (query, .failure(DataSourceError(summary: "Failed to read data source", detail: "\(error)")))
                    }
                }
            }
            var outcomes: [(DataQuery, Result<DataRead, DataSourceError>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var diagnostics = Diagnostics()
        for (query, outcome) in outcomes.sorted(by: { (queries[$0.0]?.first ?? "") < (queries[$1.0]?.first ?? "") }) {
            let address = queries[query]?.first ?? "data.\(query.type)"
            let location = locations[Self.blockAddress(address)]
            switch outcome {
            case .failure(let error):
                diagnostics.append(.error(error.summary, detail: error.detail, at: location, address: address))
            case .success(let read):
                let foreign = read.objects.filter { $0.tags["tfy:stack"].map { $0 != context.stack } ?? false }
                if let object = foreign.first {
                    let owner = object.tags["tfy:stack"]!
                    diagnostics.append(.error(
                        "Data source matched another stack's object",
                        detail: "\(address) selected \(object.id), which is tagged tfy:stack=\(owner)\(object.tags["tfy:address"].map { " as \($0)" } ?? ""); this configuration is stack \(Value.quoted(context.stack)). tfy never reads another stack's objects into this state, \(stopped). Narrow the data source's arguments (an id, tags or a filter) so that it selects no object of stack \(Value.quoted(owner)).",
                        at: location, address: address))
                    continue
                }
                var attributes = read.attributes
                for (name, attribute) in types[query.type]?.schema.body.attributes ?? [:] where attributes[name] == nil {
                    attributes[name] = attribute.defaultValue ?? .null
                }
                results[query] = attributes
            }
        }
        return diagnostics
    }

    /// `data.aws_ami.x` of `data.aws_ami.x[0]`.
    static func blockAddress(_ address: String) -> String {
        address.firstIndex(of: "[").map { String(address[..<$0]) } ?? address
    }

    static func nothingFound(_ type: String, _ error: AWSError) -> DataSourceError {
        let kinds = ["aws_vpc": "EC2 VPC", "aws_subnet": "EC2 Subnet", "aws_security_group": "EC2 Security Group", "aws_key_pair": "EC2 Key Pair"]
        guard let kind = kinds[type] else {
            return DataSourceError(summary: "Your query returned no results. Please change your search criteria and try again.", detail: "EC2 answered \(error.code ?? "").")
        }
        return DataSourceError(summary: "no matching \(kind) found", detail: "EC2 answered \(error.code ?? ""): the query matched no \(kind).")
    }
}
