package explain

import (
	"fmt"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
)

// Story tells a run as Narrate does, in the lines of the HTML report (a
// report.Narrator). A folded run, whose spans were not all kept, is not
// told: its one line says why.
func Story(wl *workload.Workload, run report.Run) []report.StoryLine {
	if run.Folded != nil {
		return []report.StoryLine{{Text: fmt.Sprintf("The story is left out: this run made %s spans, and explain tells runs of at most %s.",
			numfmt.Thousands(run.Folded.Spans()), numfmt.Thousands(report.MaxSpans))}}
	}
	lines := Narrate(wl, run.Result, run.Spans)
	out := make([]report.StoryLine, len(lines))
	for i, l := range lines {
		out[i] = report.StoryLine{At: l.At, Text: l.Text, Warn: l.Warn, Count: l.Count}
	}
	return out
}

var _ report.Narrator = Story
