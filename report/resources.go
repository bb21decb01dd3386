package report

import (
	"strings"

	"github.com/conclab/conclab/sim"
)

// resourceNames lists the resources the runs' spans waited for, by the
// cause the engine gave each wait (the unit handed over), in the order the
// workload declares them; nil when none was recorded (folded runs, runs
// without resources).
func resourceNames(runs ...Run) []string {
	var waited []bool
	var names []string
	for _, run := range runs {
		if run.Result == nil || run.Spans == nil || len(run.Result.Resources) == 0 {
			continue
		}
		rs := run.Result.Resources
		if len(waited) < len(rs) {
			waited = append(waited, make([]bool, len(rs)-len(waited))...)
			names = make([]string, len(rs))
		}
		for i := range rs {
			names[i] = rs[i].Name
		}
		for _, list := range [][]sim.Span{run.Spans.Lanes, run.Spans.Tasks} {
			for i := range list {
				if s := &list[i]; s.State == sim.ResourceWait && s.Cause.Kind == sim.ResourceFreed && int(s.Cause.Resource) < len(rs) {
					waited[s.Cause.Resource] = true
				}
			}
		}
	}
	var out []string
	for i, w := range waited {
		if w {
			out = append(out, names[i])
		}
	}
	return out
}

// resourceWords is the legend's word for waiting for a resource: "waiting
// for db", "waiting for db, lock", or the general words when no names are
// known.
func resourceWords(names []string) string {
	if len(names) == 0 {
		return describe(sim.ResourceWait, false)
	}
	return "waiting for " + strings.Join(names, ", ")
}

// legendWords is describe, with the resources waited for named.
func legendWords(s sim.State, gil bool, res []string) string {
	if s == sim.ResourceWait {
		return resourceWords(res)
	}
	return describe(s, gil)
}
