import DialingPolicies
import Simulation
import Testing

@Suite("Campaign files")
struct CampaignFileTests {
    static let valid = """
        name: c
        horizon: 2h
        agents: 5
        campaign:
          contacts: 500
          answer:
            - {from: 0h, live: [0.3, 0.2], machine: 0.1, busy: 0.05}
          invalid_numbers: 0.02
          talk_time: {exponential: 3min}
          pauses: {after_call: 0.1, duration: 2min}
        variants:
          - {name: p, dialer: patent, abandon_threshold: 0.02, pause_timeout: 2min, retry_delay: {busy: 5min}}
          - {name: a, dialer: adaptive, method: tapered, drop_cap: 0.03}
          - {name: w, dialer: power, lines_per_agent: 1.5}
          - {name: g, dialer: progressive}
        """

    /// The error `yaml` gives, which must exist.
    func failure(_ yaml: String) -> ScenarioError? {
        do {
            _ = try ScenarioFile.parse(yaml: yaml, file: "c.yaml")
            return nil
        } catch {
            return error
        }
    }

    func replacing(_ old: String, _ new: String) -> String {
        precondition(Self.valid.contains(old))
        return Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test("a valid campaign reads into its variants and world")
    func valid() throws {
        guard case .outbound(let s) = try ScenarioFile.parse(yaml: Self.valid, file: "c.yaml") else {
            Issue.record("not read as a campaign")
            return
        }
        #expect(s.agents == 5 && s.horizon == 7200 && s.contacts.count == 500)
        #expect(s.world.probabilities(at: 0, attempt: 2) == (0.2, 0.1, 0.05))
        #expect(s.world.probabilities(at: 0, attempt: 9).live == 0.2)
        #expect(s.world.pauses.afterCall == 0.1 && s.world.pauses.duration == .deterministic(120))
        #expect(s.variants.map(\.name) == ["p", "a", "w", "g"])
        #expect(s.variants.map(\.policy.kind) == ["patent", "adaptive", "power", "progressive"])
        guard case .patent(let p) = s.variants[0].policy else { return }
        #expect(p.abandonThreshold == 0.02 && p.pauseTimeout == 120 && p.rules.retryDelay[.busy] == 300)
        #expect(p.rules.retryDelay[.noAnswer] == 3600, "defaults kept for outcomes not given")
    }

    @Test("an unknown dialer names the known ones")
    func unknownDialer() {
        let e = failure(replacing("dialer: progressive", "dialer: predictive"))
        #expect(e?.line == 15 && e?.field == "variants[3].dialer")
        #expect(e?.message.contains("known dialers: patent, progressive, power, adaptive") == true)
    }

    @Test("a knob of another dialer is an unknown field")
    func unknownKnob() {
        let e = failure(replacing("lines_per_agent: 1.5", "lines_per_agent: 1.5, pause_timeout: 1min"))
        #expect(e?.field == "variants[2].pause_timeout")
        #expect(e?.message.contains("unknown field") == true)
    }

    @Test("probabilities above 1, or adding up past 1, are refused where they are written")
    func probabilities() {
        let e = failure(replacing("invalid_numbers: 0.02", "invalid_numbers: 1.2"))
        #expect(e?.line == 8 && e?.field == "campaign.invalid_numbers")
        #expect(e?.message.contains("between 0 and 1") == true)
        let sum = failure(replacing("machine: 0.1, busy: 0.05", "machine: 0.5, busy: 0.3"))
        #expect(sum?.line == 7 && sum?.field == "campaign.answer[0]")
        #expect(sum?.message.contains("must not exceed 1") == true)
    }

    @Test("the first answer period must start at 0")
    func firstPeriod() {
        let e = failure(replacing("from: 0h", "from: 1h"))
        #expect(e?.field == "campaign.answer[0].from")
    }

    @Test("missing variants, an empty list, and a name used twice")
    func variants() {
        #expect(failure(String(Self.valid[..<Self.valid.range(of: "variants:")!.lowerBound]))?.field == "variants")
        #expect(failure(replacing("{name: g, dialer: progressive}", "{name: p, dialer: progressive}"))?.message
            .contains("no other variant has") == true)
        #expect(failure(replacing("{name: g, dialer: progressive}", "{dialer: progressive}"))?.field == "variants[3].name")
    }

    @Test("a contact list that does not exist is named")
    func missingList() {
        let e = failure(replacing("contacts: 500", "contacts: lists/nope.csv"))
        #expect(e?.line == 5 && e?.field == "campaign.contacts")
        #expect(e?.message.contains("no such file") == true)
    }

    @Test("a knob out of range is refused with the knob's own place and its bound")
    func knobRange() {
        let e = failure(replacing("lines_per_agent: 1.5", "lines_per_agent: 0.5"))
        #expect(e?.field == "variants[2].lines_per_agent")
        #expect(e?.message == "expected a number of at least 1, got 0.5")
        let m = failure(replacing("method: tapered", "method: tapred"))
        #expect(m?.field == "variants[1].method" && m?.message.contains("did you mean 'tapered'") == true)
    }
}
