// Package report turns what the simulator measured into something to read:
// a summary table with one row per model, a terminal timeline that draws
// every thread (and, for asyncio, every task) over the makespan, the
// stable JSON document of the `--format json` contract, and the pictures
// to share: an SVG timeline, a self-contained HTML report (table,
// timelines on one time axis, each run's story) and a Trace Event Format
// file for ui.perfetto.dev and chrome://tracing. The timelines are drawn
// from one row model, TimelineRows, which says which rows a run's timeline
// has, in what order and under what names; the page of package web draws
// it too. It reads sim.Result and the spans of a sim.Recorder (or a
// Folded run's grids) and knows nothing of how the engine schedules.
package report
