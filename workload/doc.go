// Package workload reads conclab workloads: the YAML files of SPEC §1 and
// the one-line inline form given with `conclab run -e`, into a validated
// Workload with the source position of every group and step.
//
// Parse and ParseInline are strict: an unknown key, a malformed duration or
// a count out of range is an *Error that names the file, line and column and
// says what would be valid. A Workload they return satisfies the limits the
// simulator relies on (see NumTasks and the Max constants), so the engine
// can use it without checking again.
//
// The package also holds what every consumer of durations needs: Dist
// sampling from a small deterministic generator (Rand) and FormatDuration,
// the short form used in output.
package workload
