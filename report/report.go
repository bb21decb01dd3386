package report

import "github.com/conclab/conclab/sim"

// Run is one simulated run to report: what it measured and, optionally, the
// spans recorded while it ran, or, for a run with too many spans to keep,
// what the timelines draw of them (Folded). Both may be nil; the timeline
// then has nothing to draw.
type Run struct {
	Result *sim.Result
	Spans  *sim.Recorder
	Folded *Folded
}

// Options controls the text renderers.
type Options struct {
	Width int    // total columns; 0 means DefaultWidth. No line is wider.
	Color Colors // ANSI colours, NoColor (the zero value) for none; decide with ColorsFor
}

// DefaultWidth is the width used when Options.Width is not set.
const DefaultWidth = 100

func (o Options) width() int {
	if o.Width <= 0 {
		return DefaultWidth
	}
	return o.Width
}
