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
/// The cascade's knobs (`CascadeRouter.Configuration` in snake_case): `second_agent_group`
/// (step 013's second agents: `team`, the default, the other agents of the first agent's team;
/// or `skill_group`, the agents of any team serving a business type the first agent serves),
/// `id_attempts`,
/// `id_number_digits`, `id_number_timeout`, `offer_business_type_menu`, `menu_timeout`,
/// `default_business_type` (a menu key, 1...business_types), `bind_new_customer_to_serving_agent`,
/// `callback_deadline`, `follow_up_period`, `initial_priority`, `priority_step`, `max_reminders`,
/// `max_reassignments`, and `seed` (step 021's draws, mixed with the study's seed and the
/// replication; default 0, so `--seed` alone varies everything). The queue's: `strategy`
/// (mod_callcenter's names) and `queue_capacity` ('unlimited' or a whole number), `seed` (the
/// `random` strategy's draws, likewise). The sticky queue's: `sticky_wait`, `queue_capacity`.
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
    static let routingTopFields = [
        "name", "description", "seed", "replications", "horizon", "warmup", "interval", "routing", "variants",
    ]
    static let routingFields = [
        "teams", "team_size", "customers", "business_types", "business_types_per_agent", "arrival_rate",
        "arrival_rates", "busyness", "callers", "ivr", "queue_patience", "talk_time", "wrap_up", "service_target", "callbacks",
        "outbound",
    ]
    static let callerFields = ["known_number", "known_customer_other_number", "valid_id"]
    static let ivrFields = ["id_entry", "menu_choice", "valid_menu_key", "patience"]
    static let callbackFields = ["agents_dial", "answer", "talk", "failed_attempt", "retry"]
    static let routingRouters = ["cascade", "queue", "sticky"]
    static let businessTypeFields = ["name", "share", "talk_time", "wrap_up"]
    /// The blending rule's knobs, in `routing.outbound` and (the first three) in a variant.
    static let blendRuleFields = [
        "inbound_reserve", "max_outbound_agents", "pool_takes_inbound", "dial_from", "dial_until",
    ]
    static let blendVariantFields = ["inbound_reserve", "max_outbound_agents", "pool_takes_inbound"]
    /// A blended campaign: a campaign section without shifts (the routing world's agents work the
    /// whole horizon; they may pause after a campaign call), with its dialer and the rule.
    static let outboundFields = campaignFields.filter { $0 != "shifts" } + ["dialer"] + blendRuleFields
    static let cascadeFields = [
        "name", "router", "seed", "second_agent_group", "id_attempts", "id_number_digits",
        "id_number_timeout", "offer_business_type_menu", "menu_timeout", "default_business_type",
        "bind_new_customer_to_serving_agent", "callback_deadline", "follow_up_period", "initial_priority",
        "priority_step", "max_reminders", "max_reassignments",
    ] + blendVariantFields
    static let queueFields = ["name", "router", "seed", "strategy", "queue_capacity"] + blendVariantFields
    static let stickyFields = ["name", "router", "sticky_wait", "queue_capacity"] + blendVariantFields

    func readRouting(root: Node) throws(ScenarioError) -> RoutingStudy {
        let top = try fields(of: root, path: "", at: Place(root.mark), known: Self.routingTopFields)
        let name = try scenarioName(top)
        var description = ""
        if let node = top.optional("description"), !Self.isNull(node) {
            description = try string(node, "description")
        }
        let seed = try top.optional("seed").map { (n) throws(ScenarioError) in try self.seed(n, "seed") } ?? 1
        let replications =
            try top.optional("replications").map { (n) throws(ScenarioError) in
                try integer(n, "replications", in: 1...Self.maxReplications)
            } ?? 10
        let horizon = try positiveDuration(
            try top.required("horizon", "\(Self.durationExpected): how long callers arrive"), "horizon")
        let interval =
            try top.optional("interval").map { (n) throws(ScenarioError) in
                try positiveDuration(n, "interval")
            }
            ?? 1800
        var warmup = 0.0
        if let node = top.optional("warmup") {
            warmup = try duration(node, "warmup")
            guard warmup < horizon else {
                throw error(
                    node, "warmup",
                    "expected a warmup shorter than the horizon (\(Units.format(seconds: horizon))), got \(Self.text(node))"
                )
            }
        }
        let routingNode = try top.required(
            "routing", "a mapping with teams, team_size, customers and arrival_rate")
        var world = try routingWorld(routingNode, at: top.keyMark("routing"), horizon: horizon)
        world.warmup = warmup
        world.horizon = horizon
        if let node = try fields(of: routingNode, path: "routing", at: top.keyMark("routing"), known: Self.routingFields)
            .optional("outbound")
        {
            world.outbound = try blend(node, horizon: horizon, agents: world.agents)
        }
        world.interval = interval
        world.seed = seed
        world.replications = replications
        let variantsNode = try top.required(
            "variants", "a list of routers to compare, such as [{name: a, router: cascade}]")
        let variants = try routingVariants(variantsNode, world: world)
        return RoutingStudy(name: name, description: description, world: world, variants: variants)
    }

    func routingWorld(_ node: Node, at keyMark: Place?, horizon: Double) throws(ScenarioError) -> RoutingScenario {
        let f = try fields(of: node, path: "routing", at: keyMark, known: Self.routingFields)
        let teams = try integer(
            try f.required("teams", "how many teams, a whole number of at least 1"),
            f.path("teams"), in: 1...Self.maxAgents)
        let teamSize = try integer(
            try f.required("team_size", "how many agents a team has, its leader included"),
            f.path("team_size"), in: 1...Self.maxAgents)
        guard teams * teamSize <= Self.maxAgents else {
            throw error(
                at: f.keyMark("team_size"), f.path("team_size"),
                "expected at most \(Self.maxAgents) agents in all, got \(teams) × \(teamSize)")
        }
        let customersNode = try f.required(
            "customers", "how many customers are known at the start, or the path of a customer table (CSV)")
        var customers = 0
        var table: RoutingScenario.CustomerTable? = nil
        let customersText = try scalar(
            customersNode, f.path("customers"), "a number of customers or a customer table's path")
        if Int(customersText) != nil || customersText.hasPrefix("-") {
            customers = try integer(customersNode, f.path("customers"), in: 0...10_000_000)
        } else {
            let base = URL(fileURLWithPath: file).deletingLastPathComponent()
            let path = customersText.hasPrefix("/") ? customersText : base.appendingPathComponent(customersText).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw error(
                    customersNode, f.path("customers"),
                    "expected a number of customers or an existing customer table (CSV), got '\(customersText)' (no such file: \(path))"
                )
            }
            table = RoutingScenario.CustomerTable(path: path)
        }
        var typeList: [Node]? = nil
        var businessTypes = 3
        if let n = f.optional("business_types") {
            if case .sequence(let items) = n {
                guard !items.isEmpty else {
                    throw error(
                        n, f.path("business_types"),
                        "expected a number of business types or a list of {name, share, talk_time, wrap_up}, got an empty list"
                    )
                }
                typeList = Array(items)
                businessTypes = items.count
            } else {
                businessTypes = try integer(n, f.path("business_types"), in: 1...1000)
            }
        }
        var perAgent = min(2, businessTypes)
        if let n = f.optional("business_types_per_agent") {
            perAgent = try integer(n, f.path("business_types_per_agent"), in: 1...businessTypes)
        }
        let arrivals: ArrivalProfile
        switch (f.optional("arrival_rate"), f.optional("arrival_rates")) {
        case (let rateNode?, nil):
            let r = try rate(rateNode, f.path("arrival_rate"))
            guard r >= 0 else {
                throw error(rateNode, f.path("arrival_rate"), "expected a rate that is not negative, got \(r)/s")
            }
            arrivals = .constant(r)
        case (nil, let listNode?):
            arrivals = try profile(listNode, f.path("arrival_rates"), horizon: horizon)
        case (_?, _?):
            throw error(
                at: f.keyMark("arrival_rates"), f.path("arrival_rates"),
                "expected either arrival_rate (one rate for the whole run) or arrival_rates (a list of periods), not both"
            )
        case (nil, nil):
            throw error(
                at: f.at, "routing",
                "missing the arrivals; expected arrival_rate (one rate such as '120/h') or arrival_rates (a list of {from: DURATION, rate: RATE})"
            )
        }
        var world = RoutingScenario(
            teams: teams, teamSize: teamSize, customers: max(customers, 1), businessTypes: businessTypes,
            businessTypesPerAgent: perAgent, arrivalRate: 0)
        world.arrivals = arrivals
        world.customers = customers
        world.customerTable = table
        if let n = f.optional("busyness") {
            let busyness = try distribution(n, f.path("busyness"))
            guard busyness.mean > 0 else {
                throw error(
                    n, f.path("busyness"), "expected a factor with a positive mean, such as {gamma: {mean: 1, sd: 0.1}}")
            }
            world.busyness = busyness
        }
        if let typeList { world.businessTypeProfiles = try businessTypeProfiles(typeList, f.path("business_types")) }
        if let n = f.optional("callers") {
            let c = try fields(
                of: n, path: f.path("callers"), at: f.keyMark("callers"), known: Self.callerFields)
            let known =
                try c.optional("known_number").map { (m) throws(ScenarioError) in
                    try probability(m, c.path("known_number"))
                } ?? world.callers.knownNumberShare
            let other =
                try c.optional("known_customer_other_number").map { (m) throws(ScenarioError) in
                    try probability(m, c.path("known_customer_other_number"))
                } ?? world.callers.knownCustomerOtherNumberShare
            let valid =
                try c.optional("valid_id").map { (m) throws(ScenarioError) in
                    try probability(m, c.path("valid_id"))
                } ?? world.callers.validIDProbability
            guard known + other <= 1 else {
                throw error(
                    n, c.path("known_customer_other_number"),
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
        if let n = f.optional("ivr") {
            let g = try fields(of: n, path: f.path("ivr"), at: f.keyMark("ivr"), known: Self.ivrFields)
            if let m = g.optional("id_entry") { world.ivr.idEntry = try distribution(m, g.path("id_entry")) }
            if let m = g.optional("menu_choice") {
                world.ivr.menuChoice = try distribution(m, g.path("menu_choice"))
            }
            if let m = g.optional("valid_menu_key") {
                world.ivr.validMenuKeyProbability = try probability(m, g.path("valid_menu_key"))
            }
            if let m = g.optional("patience") { world.ivr.patience = try patience(m, g.path("patience")) }
        }
        if let n = f.optional("queue_patience") {
            world.queuePatience = try patience(n, f.path("queue_patience"))
        }
        if let n = f.optional("talk_time") { world.talk = try distribution(n, f.path("talk_time")) }
        if let n = f.optional("wrap_up") { world.wrapUp = try distribution(n, f.path("wrap_up")) }
        if let n = f.optional("service_target") {
            world.serviceTarget = try duration(n, f.path("service_target"))
        }
        if let n = f.optional("callbacks") {
            let g = try fields(
                of: n, path: f.path("callbacks"), at: f.keyMark("callbacks"), known: Self.callbackFields)
            if let m = g.optional("agents_dial") {
                world.callbacks.agentsDial = try bool(m, g.path("agents_dial"))
            }
            if let m = g.optional("answer") {
                world.callbacks.answerProbability = try probability(m, g.path("answer"))
            }
            if let m = g.optional("talk") { world.callbacks.talk = try distribution(m, g.path("talk")) }
            if let m = g.optional("failed_attempt") {
                world.callbacks.failedAttempt = try distribution(m, g.path("failed_attempt"))
            }
            if let m = g.optional("retry") { world.callbacks.retry = try duration(m, g.path("retry")) }
        }
        return world
    }

    /// The business types as a list: a name, a share of the callers (the shares are normalised,
    /// and must not all be 0), and optionally their own talk and wrap-up times.
    func businessTypeProfiles(_ items: [Node], _ path: String) throws(ScenarioError)
        -> [RoutingScenario.BusinessTypeProfile]
    {
        var result: [RoutingScenario.BusinessTypeProfile] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            let g = try fields(of: item, path: itemPath, at: Place(item.mark), known: Self.businessTypeFields)
            let nameNode = try g.required("name", "a name for the business type, such as 'loans'")
            let name = try string(nameNode, g.path("name"))
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw error(nameNode, g.path("name"), "expected a non-empty name, got an empty one")
            }
            if result.contains(where: { $0.name == name }) {
                throw error(nameNode, g.path("name"), "expected a name no other business type has, got '\(name)' again")
            }
            let shareNode = try g.required("share", "the share of callers of this type, such as 0.25")
            let share = try number(shareNode, g.path("share"))
            guard share >= 0, share.isFinite else {
                throw error(shareNode, g.path("share"), "expected a share of at least 0, got \(Self.text(shareNode))")
            }
            var profile = RoutingScenario.BusinessTypeProfile(name: name, share: share)
            if let n = g.optional("talk_time") { profile.talk = try distribution(n, g.path("talk_time")) }
            if let n = g.optional("wrap_up") { profile.wrapUp = try distribution(n, g.path("wrap_up")) }
            result.append(profile)
        }
        guard result.contains(where: { $0.share > 0 }) else {
            throw error(items[0], path, "expected at least one business type with a share above 0")
        }
        let total = result.reduce(0) { $0 + $1.share }
        for i in result.indices { result[i].share /= total }
        return result
    }

    /// The blended campaign of `routing.outbound`: a campaign's customers, its dialer, the rule.
    func blend(_ node: Node, horizon: Double, agents: Int) throws(ScenarioError) -> Blend {
        let path = "routing.outbound"
        let campaign = try campaign(node, at: Place(node.mark), horizon: horizon, path: path, known: Self.outboundFields)
        let f = try fields(of: node, path: path, at: Place(node.mark), known: Self.outboundFields)
        let dialerNode = try f.required(
            "dialer", "the campaign's dialer and its knobs, such as {dialer: patent, abandon_threshold: 0.03}")
        let (policy, _) = try dialerPolicy(dialerNode, f.path("dialer"))
        var rule = try blendRule(f, agents: agents, Blend.Rule())
        if let n = f.optional("dial_from") { rule.dialFrom = try duration(n, f.path("dial_from")) }
        if let n = f.optional("dial_until") { rule.dialUntil = try positiveDuration(n, f.path("dial_until")) }
        guard rule.dialFrom < min(rule.dialUntil, horizon) else {
            throw error(
                at: f.keyMark(f.optional("dial_until") != nil ? "dial_until" : "dial_from"),
                f.path(f.optional("dial_until") != nil ? "dial_until" : "dial_from"),
                "expected dial_from before dial_until and the horizon (\(Units.format(seconds: horizon))), got from \(Units.format(seconds: rule.dialFrom)) until \(rule.dialUntil.isFinite ? Units.format(seconds: rule.dialUntil) : "the horizon")"
            )
        }
        return Blend(contacts: campaign.contacts, world: campaign.world, dialer: policy, rule: rule)
    }

    /// The reserve and the cap of a blending rule from `f` (a blended campaign or a variant),
    /// over `rule`.
    func blendRule(_ f: Fields, agents: Int, _ rule: Blend.Rule) throws(ScenarioError) -> Blend.Rule {
        var rule = rule
        if let n = f.optional("inbound_reserve") {
            rule.inboundReserve = try integer(n, f.path("inbound_reserve"), in: 0...(agents - 1))
        }
        if let n = f.optional("max_outbound_agents") {
            rule.maxOutboundAgents = try integer(n, f.path("max_outbound_agents"), in: 1...agents)
        }
        if let n = f.optional("pool_takes_inbound") {
            rule.poolTakesInbound = try bool(n, f.path("pool_takes_inbound"))
        }
        return rule
    }

    /// A patience: a distribution, or `never` (nil: the caller never hangs up there).
    func patience(_ node: Node, _ path: String) throws(ScenarioError) -> Distribution? {
        if Self.isNever(node) { return nil }
        return try distribution(node, path, orNever: true)
    }

    func routingVariants(_ node: Node, world: RoutingScenario) throws(ScenarioError) -> [RoutingStudy.Variant]
    {
        var result: [RoutingStudy.Variant] = []
        let items = try list(node, "variants", "a list of routers such as [{name: a, router: cascade}]")
        guard !items.isEmpty else {
            throw error(node, "variants", "expected at least one variant, got an empty list")
        }
        let known = Self.routingRouters.joined(separator: ", ")
        for (i, item) in items.enumerated() {
            let path = "variants[\(i)]"
            guard case .mapping(let mapping) = item else {
                throw error(item, path, "expected a mapping with name and router, got \(Self.kind(item))")
            }
            guard let routerNode = mapping["router"] else {
                throw error(
                    item, path + ".router", "missing required field 'router'; known routers: \(known)")
            }
            let kind = try string(routerNode, path + ".router")
            let router: RoutingScenario.RouterChoice
            let f: Fields
            switch kind {
            case "cascade":
                f = try fields(of: item, path: path, at: Place(item.mark), known: Self.cascadeFields)
                let seed = try f.optional("seed").map { (n) throws(ScenarioError) in
                    try self.seed(n, f.path("seed"))
                }
                router = .cascade(try cascade(f, world: world), seed: seed ?? 0)
            case "queue":
                f = try fields(of: item, path: path, at: Place(item.mark), known: Self.queueFields)
                var c = QueueRouter.Configuration()
                if let n = f.optional("strategy") {
                    let text = try string(n, f.path("strategy"))
                    let names = QueueRouter.Strategy.allCases.map(\.rawValue)
                    guard let strategy = QueueRouter.Strategy(rawValue: text) else {
                        throw error(
                            n, f.path("strategy"),
                            "unknown strategy '\(text)'\(Self.suggestion(text, names)); known strategies: \(names.joined(separator: ", "))"
                        )
                    }
                    c.strategy = strategy
                }
                if let n = f.optional("queue_capacity") {
                    c.queueCapacity = try capacity(n, f.path("queue_capacity"))
                }
                let seed = try f.optional("seed").map { (n) throws(ScenarioError) in
                    try self.seed(n, f.path("seed"))
                }
                router = .queue(c, seed: seed ?? 0)
            case "sticky":
                f = try fields(of: item, path: path, at: Place(item.mark), known: Self.stickyFields)
                var c = StickyRouter.Configuration()
                if let n = f.optional("sticky_wait") { c.stickyWait = try duration(n, f.path("sticky_wait")) }
                if c.stickyWait < 0, let n = f.optional("sticky_wait") {
                    throw error(
                        n, f.path("sticky_wait"), "expected a duration of at least 0s, got \(Self.text(n))")
                }
                if let n = f.optional("queue_capacity") {
                    c.queueCapacity = try capacity(n, f.path("queue_capacity"))
                }
                router = .sticky(c)
            default:
                throw error(
                    routerNode, path + ".router",
                    "unknown router '\(kind)'\(Self.suggestion(kind, Self.routingRouters)); known routers: \(known)"
                )
            }
            let nameNode = try f.required("name", "a name for the variant")
            let name = try string(nameNode, path + ".name")
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw error(nameNode, path + ".name", "expected a non-empty name, got an empty one")
            }
            if result.contains(where: { $0.name == name }) {
                throw error(
                    nameNode, path + ".name", "expected a name no other variant has, got '\(name)' again")
            }
            var variant = RoutingStudy.Variant(name: name, router: router)
            if let key = Self.blendVariantFields.first(where: { f.optional($0) != nil }) {
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
        if let n = f.optional("second_agent_group") {
            let text = try string(n, f.path("second_agent_group"))
            let names = CascadeRouter.SecondAgentGroup.allCases.map(\.rawValue)
            guard let group = CascadeRouter.SecondAgentGroup(rawValue: text) else {
                throw error(
                    n, f.path("second_agent_group"),
                    "unknown second agent group '\(text)'\(Self.suggestion(text, names)); expected \(names.joined(separator: " or ")) (step 013 connects another idle agent of the first agent's team, or of their skill group)"
                )
            }
            c.secondAgentGroup = group
        }
        if let n = f.optional("id_attempts") {
            c.idAttempts = try integer(n, f.path("id_attempts"), in: 0...100)
        }
        if let n = f.optional("id_number_digits") {
            c.idNumberDigits = try integer(n, f.path("id_number_digits"), in: 1...64)
        }
        if let n = f.optional("id_number_timeout") {
            c.idNumberTimeout = try positiveDuration(n, f.path("id_number_timeout"))
        }
        if let n = f.optional("offer_business_type_menu") {
            c.offerBusinessTypeMenu = try bool(n, f.path("offer_business_type_menu"))
        }
        if let n = f.optional("menu_timeout") {
            c.menuTimeout = try positiveDuration(n, f.path("menu_timeout"))
        }
        if let n = f.optional("default_business_type") {
            let key = try integer(n, f.path("default_business_type"), in: 1...world.businessTypes)
            c.defaultBusinessType = BusinessTypeID(Int32(key - 1))
        }
        if let n = f.optional("bind_new_customer_to_serving_agent") {
            c.bindNewCustomerToServingAgent = try bool(n, f.path("bind_new_customer_to_serving_agent"))
        }
        if let n = f.optional("callback_deadline") {
            c.callbackDeadline = try positiveDuration(n, f.path("callback_deadline"))
        }
        if let n = f.optional("follow_up_period") {
            c.followUpPeriod = try positiveDuration(n, f.path("follow_up_period"))
        }
        if let n = f.optional("initial_priority") {
            c.initialPriority = try integer(n, f.path("initial_priority"), in: -1_000_000...1_000_000)
        }
        if let n = f.optional("priority_step") {
            c.priorityStep = try integer(n, f.path("priority_step"), in: 0...1_000_000)
        }
        if let n = f.optional("max_reminders") {
            c.maxReminders = try integer(n, f.path("max_reminders"), in: 0...1000)
        }
        if let n = f.optional("max_reassignments") {
            c.maxReassignments = try integer(n, f.path("max_reassignments"), in: 0...1000)
        }
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
