import CallCenter
import CenterPolicies
import DialingPolicies

// MARK: - Blending: the routing world's agents also work an outbound campaign

/// An outbound campaign the agents of a routing study work between inbound calls and callbacks
/// (blending), with the rule that shares them out.
///
/// The rule is the policy layer's: the routing world's `CenterPolicy` (module `CenterPolicies`)
/// applies `BlendRule` through its `DialerPool`, places the answered customers, lets them go at
/// `max_hold` and keeps the dialer within `dialFrom`..`dialUntil` (and never after the horizon).
/// The routing world only simulates the campaign's calls and carries out the center's commands.
///
/// The campaign's customers behave as in a campaign scenario (`OutboundWorld`, with common random
/// numbers per (contract, attempt)). After a campaign call's wrap-up an agent may pause, as the
/// campaign's `pauses` say and drawn as the campaign world draws them (the dialer sees the agent
/// `paused(since:)`, step S3'; the router has them away); a break counts as idle time.
public struct Blend: Sendable, Hashable {
    /// The knobs of the blending rule.
    public typealias Rule = BlendRule

    /// The campaign's contacts.
    public var contacts: ContactSource
    /// How the campaign's customers answer, wait and talk.
    public var world: OutboundWorld
    /// The dialer and its knobs (the same as a campaign variant's).
    public var dialer: DialerPolicy
    /// The blending rule.
    public var rule: Rule

    /// A campaign to blend, by name.
    public init(contacts: ContactSource, world: OutboundWorld, dialer: DialerPolicy, rule: Rule = Rule()) {
        self.contacts = contacts
        self.world = world
        self.dialer = dialer
        self.rule = rule
    }
}
