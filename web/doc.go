// Package web serves conclab's interactive page and its JSON API, for
// `conclab serve`. The page (HTML, CSS and a small vanilla script, embedded
// with go:embed: no CDN, it works offline) lets a person pick a built-in
// example or edit a workload, choose models, runtime and cores, and see
// every model's timeline on one shared time axis with a cursor to drag or
// play, the summary table and the narration of each run.
//
// The API is POST /api/run, which plans a request as `conclab run` plans
// its flags (package plan) and answers with the `--format json` document of
// SPEC §5 (report.Document, extended by embedding) and, when asked, per
// result the rows and spans a page needs to draw a timeline
// (report.TimelineRows, the terminal's and the SVG's rows) and the
// narration; GET /api/examples and GET /api/examples/{name} list and
// return the built-in scenarios. Requests
// and simulations are bounded (see the Max constants): a body over
// MaxBodyBytes is refused with 413, a workload too big to simulate here
// with 422, and a run beyond MaxSpanTasks is simulated without a timeline.
// Requests from a page elsewhere are refused: a Host header that does not
// name the server with 421, an Origin header that is not its own page with
// 403, and a run in a content type a page may send without asking
// (text/plain, or none) with 415. The handlers never run Python and never
// read files.
package web
