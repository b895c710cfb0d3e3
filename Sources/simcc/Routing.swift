import Foundation
import Simulation

/// Runs a routing study for `simcc run`: every variant on the same callers, then the reports.
enum RoutingRun {
    static func run(_ study: RoutingStudy, folder: String, threads: Int) throws {
        var study = study
        if let outbound = study.world.outbound {
            study.world.outbound?.contacts = try CampaignRun.loaded(outbound.contacts)
        }
        let result: RoutingResult
        do {
            result = try RoutingStudyRunner.run(study, threads: threads)
        } catch {
            throw CLIError("\(study.name): \(error)")
        }
        do {
            try RoutingReports.write(result, to: folder)
        } catch {
            throw CLIError("cannot write results into \(folder): \(error.localizedDescription)")
        }
        print(RoutingReports.table(result), terminator: "")
        print("results in \(folder)/ (summary.json, intervals.csv, replications.csv, report.html)")
    }
}
