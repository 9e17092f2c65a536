import Synchronization

/// Group commit for an engine with one writer: callers queue work, one drainer runs everything queued so far
/// in a single transaction and acknowledges each caller only after COMMIT returned. Under load one fsync
/// covers hundreds of requests; alone, a request waits for nothing but its own commit.
final class WriteQueue<Job: Sendable>: Sendable {
    private struct State {
        var jobs: [Job] = []
        var draining = false
    }
    private let state = Mutex(State())
    private let maxBatch: Int
    private let runner = Mutex<(@Sendable ([Job]) async -> Void)?>(nil)

    init(maxBatch: Int = 512) {
        self.maxBatch = maxBatch
    }

    /// `run` executes one batch (it must complete every job it is given, successfully or not).
    func setRunner(_ run: @escaping @Sendable ([Job]) async -> Void) {
        runner.withLock { $0 = run }
    }

    func submit(_ job: Job) {
        let start = state.withLock { s -> Bool in
            s.jobs.append(job)
            if s.draining { return false }
            s.draining = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch: [Job] = state.withLock { s in
                if s.jobs.isEmpty { s.draining = false; return [] }
                let n = min(s.jobs.count, maxBatch)
                let b = Array(s.jobs.prefix(n))
                s.jobs.removeFirst(n)
                return b
            }
            if batch.isEmpty { return }
            guard let run = runner.withLock({ $0 }) else { preconditionFailure("WriteQueue used before setRunner") }
            await run(batch)
        }
    }
}

/// A value set once inside a transaction and read after commit.
final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    func get() -> T? { value.withLock { $0 } }
}
