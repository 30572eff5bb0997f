import Foundation
import TFYEngine
import TFYOperations

/// First Ctrl-C (or SIGTERM): stop starting operations, let running ones finish, save state —
/// ssh children run in process groups of their own, so a terminal's Ctrl-C does not reach them.
/// Second: stop the children and exit at once (the state already records every object that exists).
/// Installed only when the context handles signals (the real process); in-process runs get one
/// that is never interrupted and leaves the process's signal dispositions alone.
final class InterruptHandler: InterruptSignal, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var sources: [DispatchSourceSignal] = []
    private let installed: Bool

    init(context: CommandContext) {
        installed = context.handlesSignals
        guard installed else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let n = self.lock.withLock { self.count += 1; return self.count }
                if n == 1 {
                    context.err("\nInterrupt received.\nPlease wait for tfy to exit or data loss may occur.\nGracefully shutting down...\n")
                } else {
                    context.err("\nTwo interrupts received. Exiting immediately; the state records what exists.\n")
                    // The scripts still running are stopped: no ssh outlives tfy.
                    SSHClient.stopEverything()
                    exit(1)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    var isInterrupted: Bool { lock.withLock { count > 0 } }

    deinit { uninstall() }

    func stopListening() { uninstall() }

    func uninstall() {
        guard installed else { return }
        lock.withLock {
            for source in sources { source.cancel() }
            sources = []
        }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
