/// The job queue of a dedicated thread (``EngineThread``, the service's compute pool): first in, first out, with
/// amortized O(1) removal (a head index; the storage is emptied, keeping its capacity, whenever the queue drains).
/// Not synchronized: its owner guards it with its lock.
package struct JobFIFO<Job> {
    private var jobs: [Job] = []
    private var head = 0

    package init() {}

    /// Jobs waiting.
    package var count: Int { jobs.count - head }

    package mutating func append(_ job: Job) { jobs.append(job) }

    /// The oldest job, removed, or `nil` when none waits.
    package mutating func next() -> Job? {
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}

extension JobFIFO: Sendable where Job: Sendable {}
