import ArgumentParser
import Foundation
import MinshengDomain
import MinshengServer
import MinshengStore

/// `minsheng verify`: checks every case's chain of events (痕迹管理) and names the first broken event of each case
/// that does not verify. Exit 0 when every chain holds, 1 otherwise.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every case's event chain (tamper-evident trail); name the first changed or missing event.")
    @OptionGroup var target: UserCommand.Target
    @Flag(help: "Print only the result line.") var quiet = false
    @Option(help: "Instead: time N links of a typical event (the cost the chain adds to every step) and exit.") var benchLinks: Int?

    func run() async throws {
        if let n = benchLinks, n > 0 {
            let sealer = Sealer.ephemeral()
            let seconds = EventChainBench.run(links: n, sealer: sealer)
            print(String(format: "%d links in %.3f s: %.2f µs per event", n, seconds, seconds / Double(n) * 1e6))
            return
        }
        let quiet = quiet
        let started = Date()
        let report = try await target.withPlatform { platform in
            try await platform.verifyChains(progress: { n in
                if !quiet && n % 10_000 == 0 { FileHandle.standardError.write(Data("verified \(n) cases…\n".utf8)) }
            })
        }
        for b in report.broken {
            print("case \(b.caseID): \(b.what)")
        }
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "%d cases, %d events checked in %.1f s; %d events from before chaining; %@", report.cases, report.events,
                     seconds, report.legacyEvents, report.brokenCases == 0 ? "every chain holds" : "\(report.brokenCases) case(s) broken"))
        if report.brokenCases > 0 { throw ExitCode(1) }
    }
}
