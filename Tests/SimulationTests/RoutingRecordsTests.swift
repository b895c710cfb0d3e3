import CallCenter
import Foundation
import RoutingPolicies
import Simulation
import Store
import Testing

/// Replication 0's records of a routing run (issue 4, item 5): what the world hands a sink, and
/// the same records persisted in a `RoutingStore` that holds the study's customers.
@Suite("Routing records")
struct RoutingRecordsTests {
    final class Collector: RoutingSink, @unchecked Sendable {
        let lock = NSLock()
        var records: [Int: [RoutingRecord]] = [:]
        func record(variant: Int, _ record: RoutingRecord) {
            lock.withLock { records[variant, default: []].append(record) }
        }
    }

    static let scenario = RoutingScenario(
        horizon: 2 * 3600, interval: 1800, seed: 8, replications: 2, teams: 2, teamSize: 3, customers: 200,
        arrivalRate: 90.0 / 3600,
        router: .cascade(CascadeRouter.Configuration(callbackDeadline: 900, followUpPeriod: 300), seed: 0))

    @Test("Every counted event of replication 0 has its record: calls, bindings, customers, callback events")
    func recordsMatchCounts() throws {
        let collector = Collector()
        let reps = try RoutingRunner.run(Self.scenario, threads: 2, sink: (3, collector))
        let rep = reps[0]
        let records = collector.records[3] ?? []
        #expect(collector.records.keys.sorted() == [3])
        var calls: [InboundCallRecord] = [], bound = 0, created = 0
        var events: [String: Int] = [:]
        for record in records {
            switch record {
            case .inboundCall(let call): calls.append(call)
            case .numberBound: bound += 1
            case .customerCreated: created += 1
            case .callback(let event):
                let name =
                    switch event {
                    case .created: "created"
                    case .reminded: "reminded"
                    case .reassigned: "reassigned"
                    case .done: "done"
                    case .expired: "expired"
                    }
                events[name, default: 0] += 1
            }
        }
        #expect(Double(calls.count) == rep.total(.offered))
        #expect(Set(calls.map(\.call)).count == calls.count)
        #expect(Double(calls.filter { $0.ending == .served }.count) == rep.total(.answered))
        #expect(Double(calls.filter { $0.ending == .callback }.count) == rep.total(.endedForCallback))
        #expect(Double(calls.filter { $0.reason?.step == .callback }.count) == rep.total(.routedCallback))
        #expect(calls.allSatisfy { $0.ending != .served || ($0.agent != nil && $0.connectedAt != nil) })
        #expect(calls.allSatisfy { $0.arrivedAt <= ($0.connectedAt ?? $0.endedAt) && ($0.connectedAt ?? 0) <= $0.endedAt })
        #expect(Double(bound) == rep.total(.bindings))
        #expect(Double(created) == rep.total(.customersCreated))
        #expect(Double(events["created"] ?? 0) == rep.total(.callbacksCreated))
        #expect(Double(events["done"] ?? 0) == rep.total(.callbacksDone))
        #expect(Double(events["reminded"] ?? 0) == rep.total(.reminders))
        #expect(Double(events["reassigned"] ?? 0) == rep.total(.reassignments))
        #expect(Double(events["expired"] ?? 0) == rep.total(.callbacksExpired))
        #expect(rep.total(.callbacksCreated) > 5)
        // Calls sent to a callback name their task.
        let missing = calls.filter { $0.reason?.step == .callback && $0.callback == nil }
        #expect(missing.isEmpty, "\(missing.count) calls sent to a callback name no task")
    }

    @Test("The records persist in a store holding the study's customers, ids and all")
    func persisted() throws {
        final class StoreSink: RoutingSink, @unchecked Sendable {
            let writer: RoutingRecordWriter
            init(_ writer: RoutingRecordWriter) { self.writer = writer }
            func record(variant: Int, _ record: RoutingRecord) { writer.append(record) }
        }
        let store = try RoutingStore.inMemory()
        let customers = Self.scenario.directory().customers
        let report = try store.importCustomers(
            CustomerTable(
                file: "(test)",
                entries: customers.map {
                    .init(label: "c\($0.id.index)", numbers: $0.numbers, idNumber: $0.idNumber, firstAgent: $0.firstAgent)
                }))
        #expect(report.imported == 200)
        let writer = try store.recordWriter(batchSize: 50)
        let rep = try RoutingRunner.run(Self.scenario, threads: 1, sink: (0, StoreSink(writer)))[0]
        try writer.close()
        #expect(Double(try store.inboundCalls().count) == rep.total(.offered))
        // The run's bindings: numbers bound at 02, and the numbers of customers created at 021.
        let created = try store.storedCustomers().filter { $0.source == .run }
        #expect(created.allSatisfy { $0.customer.numbers.count == 1 })
        #expect(Double(try store.runBindings().count) == rep.total(.bindings) + Double(created.count))
        #expect(Double(try store.callbackTasks().count) == rep.total(.callbacksCreated))
        #expect(Double(try store.customers().count) == 200 + rep.total(.customersCreated))
        #expect(
            Double(try store.callbackTasks().filter { $0.task.state == .done }.count) == rep.total(.callbacksDone))
        // A binding made in the run is what a restarted router would recognise.
        var directory = Directory()
        try store.fill(&directory)
        for binding in try store.runBindings() {
            #expect(directory.customer(number: binding.number)?.id == binding.customer)
        }
    }
}
