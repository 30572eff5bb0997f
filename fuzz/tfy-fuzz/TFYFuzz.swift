import Foundation
import TFYFuzzing

// Built two ways (fuzz/run.sh):
// - with `-sanitize=fuzzer -D TFY_LIBFUZZER`, libFuzzer's driver calls the entry point below with
//   each generated input, for the target named by TFY_FUZZ_TARGET;
// - in the ordinary build, `tfy-fuzz TARGET FILE...` replays inputs, e.g. a crash libFuzzer wrote,
//   and `tfy-fuzz seed-plans DIRECTORY CONFIGURATION...` writes the saved plans of configurations
//   as seeds for the plan target.

#if TFY_LIBFUZZER
nonisolated(unsafe) let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["TFY_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("TFY_FUZZ_TARGET must be one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(bytes)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// SwiftPM links an executable with `main` defined as this module's entry point, so libFuzzer's own
// `main` is never pulled in: the entry point starts libFuzzer's driver itself.
@_cdecl("tfy_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "seed-plans", arguments.count > 2 {
            let directory = arguments[arguments.startIndex + 1]
            var written = 0
            for path in arguments.dropFirst(2) {
                guard let data = FileManager.default.contents(atPath: path),
                      let plan = FuzzTarget.savedPlan(configuration: [UInt8](data)) else { continue }
                written += 1
                _ = FileManager.default.createFile(atPath: "\(directory)/plan-\(written).tfplan", contents: Data(plan))
            }
            print("\(written) saved plans written to \(directory)")
            return
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: tfy-fuzz \(names) FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("tfy-fuzz: cannot read \(path)\n".utf8))
                exit(1)
            }
            let output = target.run([UInt8](data))
            print("\(path): \(output.utf8.count) bytes of output")
        }
    }
}
#endif
