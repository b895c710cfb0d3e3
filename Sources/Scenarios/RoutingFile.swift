import CallCenter
import Foundation
import RoutingPolicies
import Yams

// MARK: - A routing study: one world, several routers on the same callers

/// A routing study read from a scenario file with a top-level `routing` section: the modelled
/// world of issue 4 and the routers to compare on it. Every variant runs on the same callers
/// (the world's streams depend only on the study's seed and the replication).
///
/// The format (durations, rates and distributions as in inbound scenarios):
/// ```yaml
/// name: Bank service line
/// seed: 11
/// replications: 10
/// horizon: 8h
/// warmup: 30min                 # optional: calls, tasks and agent time before it are left out of the totals
/// interval: 30min
/// routing:
///   teams: 6                    # teams of team_size agents; the first of each team leads it
///   team_size: 5
///   customers: 3000             # known customers, bound to first agents evenly; or the path of
///                               # a customer table (the CSV `simcc import --customers` reads)
///   business_types: 4           # the callback menu's keys 1...business_types; or a list:
///   #  - {name: loans, share: 0.3, talk_time: {exponential: 6min}, wrap_up: 1min}
///   #    (shares are normalised; talk_time and wrap_up default to the ones below)
///   business_types_per_agent: 2
///   arrival_rate: 110/h         # or arrival_rates: [{from: 0h, rate: 80/h}, {from: 2h, rate: 140/h}]
///   busyness: {gamma: {mean: 1, sd: 0.1}}   # optional day-to-day factor on every rate
///   callers: {known_number: 0.7, known_customer_other_number: 0.1, valid_id: 0.8}
///   ivr: {id_entry: {uniform: {min: 5s, max: 12s}}, menu_choice: {uniform: {min: 2s, max: 6s}},
///         valid_menu_key: 0.9, patience: {exponential: 3min}}      # patience: optional, or never
///   queue_patience: {exponential: 2min}                            # optional, or never
///   talk_time: {lognormal: {mean: 4min, sd: 2min}}
///   wrap_up: 30s
///   service_target: 20s
///   callbacks: {agents_dial: true, answer: 0.7, talk: {exponential: 4min}, failed_attempt: 30s, retry: 10min}
/// variants:
///   - {name: cascade, router: cascade, callback_deadline: 30min, max_reminders: 3}
///   - {name: cascade-skills, router: cascade, second_agent_group: skill_group}
///   - {name: queue-lia, router: queue, strategy: longest-idle-agent}
///   - {name: sticky-30s, router: sticky, sticky_wait: 30s}
/// ```
/// Every router's knobs (the cascade's are `CascadeRouter.Configuration` in snake_case, with a
/// `seed` for step 021's draws), with their forms, bounds, defaults and docs, are the `variants`
/// of `KnobTables.routing` (`simcc schema routing` prints them).
public struct RoutingStudy: Sendable, Hashable {
    /// A router to compare, with its name in tables and reports.
    public struct Variant: Sendable, Hashable {
        /// The name in the outputs (unique in the study).
        public var name: String
        /// The router and its knobs.
        public var router: RoutingScenario.RouterChoice
        /// The blending rule of this variant when it differs from the blended campaign's.
        public var rule: Blend.Rule?

        /// A variant, by name.
        public init(name: String, router: RoutingScenario.RouterChoice) {
            self.name = name
            self.router = router
        }

        /// The router's kind: `cascade`, `queue` or `sticky`.
        public var kind: String {
            switch router {
            case .cascade: "cascade"
            case .queue: "queue"
            case .sticky: "sticky"
            }
        }
    }

    /// The study's name.
    public var name: String
    /// What it is about; "" when not given.
    public var description: String
    /// The world every variant runs in; its `router` is replaced by each variant's.
    public var world: RoutingScenario
    /// The routers to compare, the first being the baseline of the paired differences.
    public var variants: [Variant]

    /// A study, by name.
    public init(name: String, description: String = "", world: RoutingScenario, variants: [Variant]) {
        precondition(!variants.isEmpty, "a routing study needs at least one variant")
        self.name = name
        self.description = description
        self.world = world
        self.variants = variants
    }

    /// The scenario of variant `v`: the world with that variant's router.
    public func scenario(variant v: Int) -> RoutingScenario {
        var s = world
        s.router = variants[v].router
        if let rule = variants[v].rule { s.outbound?.rule = rule }
        return s
    }
}

// MARK: - The routing reader

extension ScenarioReader {
    func readRouting(root: Node) throws(ScenarioError) -> RoutingStudy {
        let top = try fields(of: root, path: "", at: Place(root.mark), section: KnobTables.routing)
        let name = try top.text("name")!
        let description = try top.text("description") ?? ""
        let seed = try top.seed("seed") ?? 1
        let replications = try top.integer("replications") ?? 10
        let horizon = try top.duration("horizon")!
        let interval = try top.duration("interval") ?? 1800
        let warmup = try self.warmup(top, horizon: horizon) ?? 0
        let routing = try top.section("routing")!
        var world = try routingWorld(routing, horizon: horizon)
        world.warmup = warmup
        world.horizon = horizon
        if let outbound = try routing.section("outbound") {
            world.outbound = try blend(outbound, horizon: horizon, agents: world.agents)
        }
        world.interval = interval
        world.seed = seed
        world.replications = replications
        let variants = try routingVariants(try top.required("variants"), world: world)
        return RoutingStudy(name: name, description: description, world: world, variants: variants)
    }

    func routingWorld(_ f: Fields, horizon: Double) throws(ScenarioError) -> RoutingScenario {
        let teams = try f.integer("teams")!
        let teamSize = try f.integer("team_size")!
        guard teams * teamSize <= Self.maxAgents else {
            throw error(
                at: f.keyMark("team_size"), f.path("team_size"),
                "expected at most \(Self.maxAgents) agents in all, got \(teams) × \(teamSize)")
        }
        let source = try countOrFile(f, "customers", file: "customer table (CSV)")
        let customers = source.count ?? 0
        let table = source.path.map { RoutingScenario.CustomerTable(path: $0) }
        var typeList: [(node: Node, path: String)]? = nil
        var businessTypes = 3
        if let n = f.optional("business_types") {
            guard case .countOrList(let range, _) = f.knob("business_types").type else { preconditionFailure("business_types") }
            if case .sequence(let items) = n {
                guard !items.isEmpty else {
                    throw error(
                        n, f.path("business_types"),
                        "expected a number of business types or a list of {name, share, talk_time, wrap_up}, got an empty list"
                    )
                }
                typeList = items.enumerated().map { (node: $0.element, path: "\(f.path("business_types"))[\($0.offset)]") }
                businessTypes = items.count
            } else {
                businessTypes = try integer(n, f.path("business_types"), in: range)
            }
        }
        let perAgent = try f.integer("business_types_per_agent", atMost: businessTypes) ?? min(2, businessTypes)
        let arrivals = try self.arrivals(f, horizon: horizon, bothPath: f.path("arrival_rates"))
        var world = RoutingScenario(
            teams: teams, teamSize: teamSize, customers: max(customers, 1), businessTypes: businessTypes,
            businessTypesPerAgent: perAgent, arrivalRate: 0)
        world.arrivals = arrivals
        world.customers = customers
        world.customerTable = table
        world.busyness = try busyness(f)
        if let typeList { world.businessTypeProfiles = try businessTypeProfiles(typeList, f) }
        if let c = try f.section("callers") {
            let known = try c.probability("known_number") ?? world.callers.knownNumberShare
            let other = try c.probability("known_customer_other_number") ?? world.callers.knownCustomerOtherNumberShare
            let valid = try c.probability("valid_id") ?? world.callers.validIDProbability
            guard known + other <= 1 else {
                throw error(
                    f.optional("callers")!, c.path("known_customer_other_number"),
                    "expected known_number + known_customer_other_number to be at most 1, got \(known + other)"
                )
            }
            world.callers = .init(
                knownNumberShare: known, knownCustomerOtherNumberShare: other, validIDProbability: valid)
        }
        if customers == 0 && table == nil
            && world.callers.knownNumberShare + world.callers.knownCustomerOtherNumberShare > 0
        {
            throw error(
                at: f.keyMark("customers"), f.path("customers"),
                "expected at least 1 customer, since callers.known_number or known_customer_other_number is above 0"
            )
        }
        if let g = try f.section("ivr") {
            if let x = try g.distribution("id_entry") { world.ivr.idEntry = x }
            if let x = try g.distribution("menu_choice") { world.ivr.menuChoice = x }
            if let x = try g.probability("valid_menu_key") { world.ivr.validMenuKeyProbability = x }
            if let x = try g.distributionOrNever("patience") { world.ivr.patience = x }
        }
        if let x = try f.distributionOrNever("queue_patience") { world.queuePatience = x }
        if let x = try f.distribution("talk_time") { world.talk = x }
        if let x = try f.distribution("wrap_up") { world.wrapUp = x }
        if let x = try f.duration("service_target") { world.serviceTarget = x }
        if let g = try f.section("callbacks") {
            if let x = try g.bool("agents_dial") { world.callbacks.agentsDial = x }
            if let x = try g.probability("answer") { world.callbacks.answerProbability = x }
            if let x = try g.distribution("talk") { world.callbacks.talk = x }
            if let x = try g.distribution("failed_attempt") { world.callbacks.failedAttempt = x }
            if let x = try g.duration("retry") { world.callbacks.retry = x }
        }
        try pauses(f, into: &world.pauses)
        let shifts = try self.shifts(f)
        if !shifts.isEmpty {
            let total = shifts.reduce(0) { $0 + $1.agents }
            guard total == world.agents else {
                throw error(
                    f.optional("shifts")!, f.path("shifts"),
                    "expected the shifts' agents to add up to teams × team_size (\(world.agents)), got \(total)")
            }
            world.shifts = shifts
        }
        return world
    }

    /// The business types as a list (the `business_types` of `f`): a name, a share of the
    /// callers (the shares are normalised, and must not all be 0), and optionally their own talk
    /// and wrap-up times.
    func businessTypeProfiles(_ items: [(node: Node, path: String)], _ f: Fields) throws(ScenarioError)
        -> [RoutingScenario.BusinessTypeProfile]
    {
        guard case .countOrList(_, let section) = f.knob("business_types").type else { preconditionFailure("business_types") }
        var result: [RoutingScenario.BusinessTypeProfile] = []
        for (item, itemPath) in items {
            let g = try fields(of: item, path: itemPath, at: Place(item.mark), section: section)
            let name = try g.text("name")!
            if result.contains(where: { $0.name == name }) {
                throw error(
                    g.optional("name")!, g.path("name"), "expected a name no other business type has, got '\(name)' again")
            }
            var profile = RoutingScenario.BusinessTypeProfile(name: name, share: try g.number("share")!)
            if let x = try g.distribution("talk_time") { profile.talk = x }
            if let x = try g.distribution("wrap_up") { profile.wrapUp = x }
            result.append(profile)
        }
        guard result.contains(where: { $0.share > 0 }) else {
            throw error(items[0].node, f.path("business_types"), "expected at least one business type with a share above 0")
        }
        let total = result.reduce(0) { $0 + $1.share }
        for i in result.indices { result[i].share /= total }
        return result
    }

    /// The blended campaign of `routing.outbound`: a campaign's customers, its dialer, the rule.
    func blend(_ f: Fields, horizon: Double, agents: Int) throws(ScenarioError) -> Blend {
        let campaign = try campaign(f, horizon: horizon)
        let (policy, _) = try dialerPolicy(try f.required("dialer"), f.path("dialer"), KnobTables.blendedDialers)
        var rule = try blendRule(f, agents: agents, Blend.Rule())
        if let x = try f.duration("dial_from") { rule.dialFrom = x }
        if let x = try f.duration("dial_until") { rule.dialUntil = x }
        guard rule.dialFrom < min(rule.dialUntil, horizon) else {
            let key = f.optional("dial_until") != nil ? "dial_until" : "dial_from"
            throw error(
                at: f.keyMark(key), f.path(key),
                "expected dial_from before dial_until and the horizon (\(Units.format(seconds: horizon))), got from \(Units.format(seconds: rule.dialFrom)) until \(rule.dialUntil.isFinite ? Units.format(seconds: rule.dialUntil) : "the horizon")"
            )
        }
        return Blend(contacts: campaign.contacts, world: campaign.world, dialer: policy, rule: rule)
    }

    /// The reserve and the cap of a blending rule from `f` (a blended campaign or a variant),
    /// over `rule`: the reserve below the agents, the cap at most the agents.
    func blendRule(_ f: Fields, agents: Int, _ rule: Blend.Rule) throws(ScenarioError) -> Blend.Rule {
        var rule = rule
        if let x = try f.integer("inbound_reserve", atMost: agents - 1) { rule.inboundReserve = x }
        if let x = try f.integer("max_outbound_agents", atMost: agents) { rule.maxOutboundAgents = x }
        if let x = try f.bool("pool_takes_inbound") { rule.poolTakesInbound = x }
        return rule
    }

    func routingVariants(_ node: Node, world: RoutingScenario) throws(ScenarioError) -> [RoutingStudy.Variant]
    {
        guard case .list(.tagged(_, let routers)) = KnobTables.routing.knob("variants")!.type else {
            preconditionFailure("variants")
        }
        var names: Set<String> = []
        var result: [RoutingStudy.Variant] = []
        let items = try list(node, "variants", "a list of routers such as [{name: a, router: cascade}]")
        guard !items.isEmpty else {
            throw error(node, "variants", "expected at least one variant, got an empty list")
        }
        for (i, item) in items.enumerated() {
            let path = "variants[\(i)]"
            guard case .mapping = item else {
                throw error(item, path, "expected a mapping with name and router, got \(Self.kind(item))")
            }
            let (kind, f) = try tagged(item, path, key: "router", routers, noun: "router")
            let router: RoutingScenario.RouterChoice
            switch kind {
            case "cascade":
                let seed = try f.seed("seed")
                router = .cascade(try cascade(f, world: world), seed: seed ?? 0)
            case "queue":
                var c = QueueRouter.Configuration()
                if let x = try f.name("strategy") { c.strategy = QueueRouter.Strategy(rawValue: x)! }
                if let x = try f.capacity("queue_capacity") { c.queueCapacity = x }
                let seed = try f.seed("seed")
                router = .queue(c, seed: seed ?? 0)
            case "sticky":
                var c = StickyRouter.Configuration()
                if let x = try f.duration("sticky_wait") { c.stickyWait = x }
                if let x = try f.capacity("queue_capacity") { c.queueCapacity = x }
                router = .sticky(c)
            default:
                preconditionFailure("router \(kind) is in the table but has no reader")
            }
            let name = try f.text("name")!
            if !names.insert(name).inserted {
                throw error(
                    f.optional("name")!, path + ".name", "expected a name no other variant has, got '\(name)' again")
            }
            var variant = RoutingStudy.Variant(name: name, router: router)
            let blendKeys = KnobTables.blendVariantKnobs.map(\.name)
            if let key = blendKeys.first(where: { f.optional($0) != nil }) {
                guard let outbound = world.outbound else {
                    throw error(
                        at: f.keyMark(key), f.path(key),
                        "a blending knob needs a campaign to blend: add routing.outbound, or remove \(key)")
                }
                variant.rule = try blendRule(f, agents: world.agents, outbound.rule)
            }
            result.append(variant)
        }
        return result
    }

    func cascade(_ f: Fields, world: RoutingScenario) throws(ScenarioError) -> CascadeRouter.Configuration {
        var c = CascadeRouter.Configuration()
        if let x = try f.name("second_agent_group") { c.secondAgentGroup = CascadeRouter.SecondAgentGroup(rawValue: x)! }
        if let x = try f.integer("id_attempts") { c.idAttempts = x }
        if let x = try f.integer("id_number_digits") { c.idNumberDigits = x }
        if let x = try f.duration("id_number_timeout") { c.idNumberTimeout = x }
        if let x = try f.bool("offer_business_type_menu") { c.offerBusinessTypeMenu = x }
        if let x = try f.duration("menu_timeout") { c.menuTimeout = x }
        if let key = try f.integer("default_business_type", atMost: world.businessTypes) {
            c.defaultBusinessType = BusinessTypeID(Int32(key - 1))
        }
        if let x = try f.bool("bind_new_customer_to_serving_agent") { c.bindNewCustomerToServingAgent = x }
        if let x = try f.duration("callback_deadline") { c.callbackDeadline = x }
        if let x = try f.duration("follow_up_period") { c.followUpPeriod = x }
        if let x = try f.integer("initial_priority") { c.initialPriority = x }
        if let x = try f.integer("priority_step") { c.priorityStep = x }
        if let x = try f.integer("max_reminders") { c.maxReminders = x }
        if let x = try f.integer("max_reassignments") { c.maxReassignments = x }
        return c
    }

    /// A queue capacity: 'unlimited' (nil) or a whole number of at least 0.
    func capacity(_ node: Node, _ path: String) throws(ScenarioError) -> Int? {
        let expected = "'unlimited' or a whole number of at least 0 (0 makes a loss system)"
        let text = try scalar(node, path, expected)
        if text == "unlimited" { return nil }
        guard let n = Int(text), n >= 0 else {
            throw error(node, path, "expected \(expected), got '\(text)'")
        }
        return n
    }
}
