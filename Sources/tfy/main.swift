import Foundation
import TFYCommands

exit(TFYCommandLine.run(Array(CommandLine.arguments.dropFirst()), context: .standard()))
