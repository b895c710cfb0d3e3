import CallCenter

/// The outbound dialers: the CN107613150B dispatcher (steps S1'-S3', S31-S34) and the baselines
/// it is compared with (progressive, power, adaptive). They arrive with the outbound issue;
/// this namespace holds the module's place in the package so that its import rules hold from
/// the start.
public enum DialingPolicies {}
