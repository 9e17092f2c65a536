import Foundation

/// Where the public corpus (the Teddy 2020 citizen messages) lives without a machine's absolute path: named by
/// MINSHENG_TEDDY_DIR, or found as `shared/data/teddy2020` beside the repository — the first folder upward from
/// `start` (the working directory, or a test's own file) that holds one. Nil when neither exists.
public enum SharedData {
    public static let teddyRelative = "shared/data/teddy2020"

    public static func teddyDirectory(from start: String = FileManager.default.currentDirectoryPath,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let dir = environment["MINSHENG_TEDDY_DIR"], !dir.isEmpty { return dir }
        var url = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            let candidate = url.appendingPathComponent(teddyRelative).path
            if FileManager.default.fileExists(atPath: candidate + "/hotspot_messages.csv") { return candidate }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }

    /// The sentence a command prints when it has no corpus to read.
    public static let notFound = "no corpus: pass the folder with hotspot_messages.csv (--data), set MINSHENG_TEDDY_DIR, "
        + "or run from a checkout that has \(teddyRelative) beside it (../shared)"
}
