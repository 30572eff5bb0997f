import Foundation
import TFYCommands

exit(await TFYCommandLine.run(Array(CommandLine.arguments.dropFirst()), context: .standard()))
