// Package model turns model expressions such as "threads(8)", "asyncio(limit=100)"
// or "processes(4)*threads(8)" into a Deployment: how the tasks of a workload
// are run (SPEC §2). The same text names a model in workload files, on the
// command line and in every output label; Deployment.String gives the
// normalised label, and Parse accepts it back. ParseSweep also accepts one
// integer range such as "threads(1..64)" and yields one Deployment per value.
// Check says whether a runtime can run a model.
package model
