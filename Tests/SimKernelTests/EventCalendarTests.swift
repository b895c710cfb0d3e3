import SimKernel
import Testing

@Suite("EventCalendar")
struct EventCalendarTests {
    @Test("events come out by time, then priority, then the order they were scheduled")
    func orderAndTies() {
        var calendar = EventCalendar<String>()
        calendar.schedule("late", at: 5)
        calendar.schedule("tie-1", at: 2)
        calendar.schedule("urgent", at: 2, priority: 0)
        calendar.schedule("tie-2", at: 2)
        calendar.schedule("early", at: 1)
        calendar.schedule("tie-3", at: 2)
        var order: [String] = []
        var times: [Double] = []
        while let (t, e) = calendar.next() {
            order.append(e)
            times.append(t)
            #expect(calendar.now == t)
        }
        #expect(order == ["early", "urgent", "tie-1", "tie-2", "tie-3", "late"])
        #expect(times == [1, 2, 2, 2, 2, 5])
    }

    @Test("a cancelled event never runs; cancelling twice or after it ran says false")
    func cancellation() {
        var calendar = EventCalendar<Int>()
        let a = calendar.schedule(1, at: 1)
        let b = calendar.schedule(2, at: 2)
        let c = calendar.schedule(3, at: 3)
        let r1 = calendar.cancel(b)
        #expect(r1)
        let r2 = calendar.cancel(b)
        #expect(!r2)
        #expect(calendar.count == 2)
        let p101 = calendar.isPending(b)
        #expect(!p101)
        let r3 = calendar.next()?.payload == 1
        #expect(r3)
        let r4 = calendar.cancel(a)
        #expect(!r4, "an event that ran cannot be cancelled")
        let r5 = calendar.cancel(.none)
        #expect(!r5)
        let p102 = calendar.isPending(c)
        #expect(p102)
        let r6 = calendar.next()?.payload == 3
        #expect(r6)
        let r7 = calendar.next() == nil
        #expect(r7)
    }

    @Test("a slot reused after an event ran is not cancelled by the old handle")
    func staleHandles() {
        var calendar = EventCalendar<Int>()
        let old = calendar.schedule(1, at: 1)
        _ = calendar.next()
        let new = calendar.schedule(2, at: 2)
        let r8 = calendar.cancel(old)
        #expect(!r8)
        let p103 = calendar.isPending(new)
        #expect(p103)
        let r9 = calendar.next()?.payload == 2
        #expect(r9)
    }

    @Test("next(until:) stops at the limit and the clock stays")
    func until() {
        var calendar = EventCalendar<Int>()
        calendar.schedule(1, at: 1)
        calendar.schedule(2, at: 10)
        let r10 = calendar.next(until: 5)?.payload == 1
        #expect(r10)
        let r11 = calendar.next(until: 5) == nil
        #expect(r11)
        #expect(calendar.now == 1)
        calendar.advance(to: 5)
        #expect(calendar.now == 5)
        let r12 = calendar.next()?.time == 10
        #expect(r12)
    }

    @Test("a million events with most of them cancelled: memory follows the pending events")
    func massCancellation() {
        var calendar = EventCalendar<Int>()
        var handles: [EventHandle] = []
        var ran = 0
        // Each step schedules a far timer and cancels the previous one, as a caller's
        // patience timer is cancelled when the caller is answered.
        for i in 0..<1_000_000 {
            handles.append(calendar.schedule(i, at: Double(i) + 1_000_000))
            if handles.count > 1 { calendar.cancel(handles[handles.count - 2]) }
            if i % 1000 == 0 { handles.removeFirst(handles.count - 1) }
        }
        #expect(calendar.count == 1)
        #expect(calendar.heapEntries < 5_000, "cancelled entries were not reclaimed: \(calendar.heapEntries)")
        while calendar.next() != nil { ran += 1 }
        #expect(ran == 1)
    }

    @Test("a seed sweep against a sorted reference model, naming the failing seed")
    func seedSweep() {
        for seed in 1...2000 {
            var rng = SplitMix(seed: UInt64(seed))
            var calendar = EventCalendar<Int>()
            // The reference: a list of (time, priority, sequence, payload), sorted on demand.
            var reference: [(Double, UInt8, Int, Int)] = []
            var handles: [Int: EventHandle] = [:]
            var sequence = 0
            var failure: String? = nil
            for step in 0..<200 where failure == nil {
                let op = rng.next() % 10
                if op < 5 {
                    // Few distinct times and priorities, so ties are common.
                    let time = calendar.now + Double(rng.next() % 4)
                    let priority = UInt8(rng.next() % 3)
                    handles[sequence] = calendar.schedule(sequence, at: time, priority: priority)
                    reference.append((time, priority, sequence, sequence))
                    sequence += 1
                } else if op < 7, !reference.isEmpty {
                    let victim = reference[Int(rng.next() % UInt64(reference.count))].3
                    let r13 = calendar.cancel(handles[victim]!)
                    #expect(r13)
                    reference.removeAll { $0.3 == victim }
                } else {
                    reference.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
                    let expected = reference.first
                    let got = calendar.next()
                    if expected?.3 != got?.payload || expected?.0 != got?.time {
                        failure = "seed \(seed), step \(step): expected \(String(describing: expected)), got \(String(describing: got))"
                    }
                    if !reference.isEmpty { reference.removeFirst() }
                }
                if failure == nil && !calendar.checkInvariants() {
                    failure = "seed \(seed), step \(step): heap invariants broken"
                }
                if failure == nil && calendar.count != reference.count {
                    failure = "seed \(seed), step \(step): count \(calendar.count), expected \(reference.count)"
                }
            }
            #expect(failure == nil, "\(failure ?? "")")
            if failure != nil { return }
        }
    }
}

/// A tiny deterministic generator for the tests' own choices.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StreamSeeds.mix(state)
    }
}
