// Package report turns what the simulator measured into something to read:
// a summary table with one row per model, a terminal timeline that draws
// every thread (and, for asyncio, every task) over the makespan, the
// stable JSON document of the `--format json` contract, and the pictures
// to share: an SVG timeline, a self-contained HTML report (table,
// timelines on one time axis, each run's story) and a Trace Event Format
// file for ui.perfetto.dev and chrome://tracing. It reads sim.Result and
// the spans of a sim.Recorder and knows nothing of how the engine
// schedules.
package report
