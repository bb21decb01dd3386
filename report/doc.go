// Package report turns what the simulator measured into something to read:
// a summary table with one row per model, a terminal timeline that draws
// every thread (and, for asyncio, every task) over the makespan, and the
// stable JSON document of the `--format json` contract. It reads sim.Result
// and the spans of a sim.Recorder and knows nothing of how the engine
// schedules.
package report
