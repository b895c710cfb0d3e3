import CallCenter
import FreeSWITCHFake
import LiveRunner
import Synchronization

// MARK: - Time for a live test, as the simulator's calendar has it

/// Drives a `LiveCenter`'s timers on a `ManualLiveClock` the way the simulator's calendar does:
/// time moves only once the center and the fake FreeSWITCH have **settled** (every event frame
/// the fake wrote read by the center, every command the center queued read by the fake), and
/// then only to the first timer's deadline, which goes off alone. So what happens at an instant
/// is over before the next instant comes, however loaded the machine: a live test that waits for
/// a tick, a retry or a hold deadline gets it at its time, never early against the calls.
///
/// Time goes no further than the pump's **limit**: the clock's time when the pump starts
/// (timers due then go off), raised by the test: `run(until:)` lets timers go off one at a time
/// until a condition holds, `advance(by:)` lets a span of time pass, `allow(until:)` raises the
/// limit (`.infinity`: the run goes to its end on its own). Between those, time stands still
/// whatever the test does (an agent on break, a call hung up), so how far the run got never
/// depends on how fast the machine is. A test starts the pump before `center.start()` (the
/// campaign's start may be a timer); it stops by itself once the run is over, or at `stop()`.
public final class LivePump: Sendable {
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    private final class Shared: Sendable {
        let released = Atomic<Int>(0)
        let limit: Mutex<Seconds>
        /// When the pump first saw the center without a connection (real time).
        let disconnectedSince = Mutex<ContinuousClock.Instant?>(nil)
        init(limit: Seconds) { self.limit = Mutex(limit) }
    }
    private let shared: Shared
    /// The clock the pump moves.
    public let clock: ManualLiveClock
    private let center: LiveCenter
    private let fake: FakeFreeSWITCH
    /// What the fake had sent and read before this center (another center's, on the same fake).
    private let baseline: (sent: Int, read: Int)

    /// Starts pumping `center`'s timers against `fake` on `clock`, up to the time `limit` (by
    /// default the clock's time now).
    public init(center: LiveCenter, fake: FakeFreeSWITCH, clock: ManualLiveClock, until limit: Seconds? = nil) {
        self.clock = clock
        self.center = center
        self.fake = fake
        let baseline = fake.state.withLock { ($0.eventsSent, $0.userCommands) }
        self.baseline = baseline
        let shared = Shared(limit: limit ?? clock.now())
        self.shared = shared
        let pump = Task {
            var last: [Int] = []
            var still = 0
            while !Task.isCancelled, await !center.isOver {
                guard let next = clock.nextDeadline, next <= shared.limit.withLock({ $0 }) else {
                    try? await Task.sleep(for: .milliseconds(1))
                    continue
                }
                let (settled, counts) = await Self.probe(center, fake, baseline, disconnectedSince: shared)
                if !settled {
                    // Frames lost with a dropped connection never arrive: once nothing has
                    // moved for a while, time goes on.
                    if counts == last { still += 1 } else { (last, still) = (counts, 0) }
                    if still < 250 {
                        try? await Task.sleep(for: .milliseconds(1))
                        continue
                    }
                }
                still = 0
                let before = await center.timersFired
                clock.set(to: next)
                guard clock.releaseFirst() else { continue }
                shared.released.add(1, ordering: .relaxed)
                // The timer is handled before anything else may happen (a timer for a phase
                // that ended goes off into nothing: give up waiting after a while).
                var waited = 0
                while waited < 2_000, !Task.isCancelled, await center.timersFired == before {
                    try? await Task.sleep(for: .milliseconds(1))
                    waited += 1
                }
            }
        }
        task.withLock { $0 = pump }
    }

    /// Timers released so far.
    public var released: Int { shared.released.load(ordering: .relaxed) }

    /// How far time may go.
    public var limit: Seconds { shared.limit.withLock { $0 } }

    /// Lets time go up to `time` (never back); `.infinity`: the run goes on by itself.
    public func allow(until time: Seconds) { shared.limit.withLock { $0 = max($0, time) } }

    /// Lets the timers go off one at a time, each once everything before it has settled, until
    /// `condition` holds; at most `span` seconds of the run's time. Throws `TestTimeout` when
    /// nothing is left to happen within the span, or after 20 s of wall time.
    public func run(
        until condition: @Sendable () async -> Bool, _ what: String, within span: Seconds = 3_600
    ) async throws {
        let end = clock.now() + span
        let wall = ContinuousClock.now + .seconds(20)
        var idle = 0
        var last: [Int] = []
        var still = 0
        while !(await condition()) {
            if ContinuousClock.now > wall { throw TestTimeout(what: what) }
            let (probed, counts) = await Self.probe(center, fake, baseline, disconnectedSince: shared)
            // Frames or commands lost with a dropped connection never arrive: once nothing has
            // moved for a while, the run counts as settled (as the pump's own loop does).
            if counts == last { still += 1 } else { (last, still) = (counts, 0) }
            let settled = probed || still >= 300
            if settled, let next = clock.nextDeadline, next > limit {
                if next <= end {
                    allow(until: next)
                    idle = 0
                } else {
                    idle += 1
                }
            } else if settled && clock.nextDeadline == nil {
                idle += 1
            } else {
                idle = 0
            }
            // Settled with nothing left to go off within the span: the condition cannot come.
            if idle > 500 { throw TestTimeout(what: "\(what) (nothing left to happen within \(span) s)") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Lets `span` seconds of the run's time pass: every timer due by then goes off, in order,
    /// and the clock then reads `span` later.
    public func advance(by span: Seconds) async throws {
        let target = clock.now() + span
        allow(until: target)
        try await eventually("the timers due within \(span) s") { [clock] in
            await self.settled && (clock.nextDeadline ?? .infinity) > target
        }
        clock.set(to: target)
    }

    /// Stops moving the clock.
    public func stop() async {
        let running = task.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }

    /// Whether the center and the fake are settled: every event frame the fake wrote (since the
    /// pump started) read by the center, every command the center queued read by the fake.
    public var settled: Bool {
        get async { await Self.probe(center, fake, baseline, disconnectedSince: shared).settled }
    }

    private static func probe(
        _ center: LiveCenter, _ fake: FakeFreeSWITCH, _ baseline: (sent: Int, read: Int),
        disconnectedSince shared: Shared
    ) async -> (settled: Bool, counts: [Int]) {
        let (sent, read) = fake.state.withLock { ($0.eventsSent - baseline.sent, $0.userCommands - baseline.read) }
        let received = await center.eventsReceived
        let queued = await center.commandsQueued
        // Reading FreeSWITCH's state (a reconcile) takes no time on the run's clock, nor does
        // a reconnect, for a while (a loaded machine is slow to reconnect; a FreeSWITCH that
        // stays down lets time go on after that).
        var reading = await center.isReadingFreeSWITCH
        if await center.isConnectedToFreeSWITCH {
            shared.disconnectedSince.withLock { $0 = nil }
        } else {
            let since = shared.disconnectedSince.withLock { since -> ContinuousClock.Instant in
                if since == nil { since = ContinuousClock.now }
                return since!
            }
            if ContinuousClock.now - since < .seconds(5) { reading = true }
        }
        let (sentAgain, readAgain) = fake.state.withLock { ($0.eventsSent - baseline.sent, $0.userCommands - baseline.read) }
        let settled = sent == sentAgain && read == readAgain && received == sent && queued == read && !reading
        return (settled, [sentAgain, readAgain, received, queued, reading ? 1 : 0])
    }
}
