import CallCenter
import Testing

/// `CallMap` against a `Dictionary` on a seeded random walk of sets, lookups and removals
/// (clustered ids, as a dialer numbers its calls, to exercise the probe runs and the
/// backward-shift deletion).
@Suite struct CallMapTests {
    @Test("the same answers as a Dictionary over 200,000 random operations")
    func againstDictionary() {
        var map = CallMap()
        var reference: [CallID: Int32] = [:]
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for step in 0..<200_000 {
            let call = CallID(next() % 3_000)
            switch next() % 3 {
            case 0:
                let value = Int32(truncatingIfNeeded: step)
                map.set(call, value)
                reference[call] = value
            case 1:
                #expect(map.remove(call) == reference.removeValue(forKey: call))
            default:
                #expect(map[call] == reference[call])
            }
            if step % 10_000 == 0 { #expect(map.count == reference.count) }
        }
        for (call, value) in reference { #expect(map[call] == value) }
        #expect(map.count == reference.count)
    }
}
