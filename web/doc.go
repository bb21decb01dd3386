// Package web serves conclab's interactive page and its JSON API, for
// `conclab serve`. The page (HTML, CSS and a small vanilla script, embedded
// with go:embed: no CDN, it works offline) lets a person pick a built-in
// example or edit a workload, choose models, runtime and cores, and see
// every model's timeline on one shared time axis, or each on its own, to
// zoom, pan, hover and play through, the summary table and the narration
// of each run; ask for advice or a sweep; download the run's files; and
// share the run as a link.
//
// The API is POST /api/run, which plans a request as `conclab run` plans
// its flags (package plan) and answers with the `--format json` document of
// SPEC §5 (report.Document, extended by embedding) and, when asked, per
// result the rows and spans a page needs to draw a timeline
// (report.TimelineRows, the terminal's and the SVG's rows), why each span
// ended, and the narration; or, given a format, with the file `conclab
// run --format` writes (JSON, HTML report, SVG, trace), written by package
// report as the command writes it. POST /api/advise, POST /api/sweep and
// POST /api/whatif answer as `conclab advise`, `conclab sweep` and
// `conclab whatif --format json` do (packages advise and whatif), the
// sweep and the whatif with their plots. GET /api/examples and GET
// /api/examples/{name} list and return the built-in scenarios; GET
// /api/states and GET /api/columns give the palette and words of the
// states and the meaning of the summary's columns, from package report, so
// that the page says what the terminal and the pictures say. Requests
// and simulations are bounded (see the Max constants): a body over
// MaxBodyBytes is refused with 413, a workload too big to simulate here
// with 422, and a run beyond MaxSpanTasks is simulated without a timeline.
// Requests from a page elsewhere are refused: a Host header that does not
// name the server with 421, an Origin header that is not its own page with
// 403, and a run in a content type a page may send without asking
// (text/plain, or none) with 415. The handlers never run Python and never
// read files.
package web
