package report

import (
	"slices"
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

// maxResourceSteps is the most steps a resource's track is drawn in; a
// busier one is drawn in as many equal stretches, each at its peak.
const maxResourceSteps = 1000

// resourceTrack is how one resource (one instance of it, per worker
// process for scope process) was held over a run: its units in use and
// the tasks waiting, step by step, from the units taken and given back
// that the engine recorded.
type resourceTrack struct {
	name     string // "db", or "db · process 2" for one of several instances
	capacity int
	steps    []resourceStep
}

// resourceStep is a stretch in which a resource had the same units in use
// (by holders) and the same tasks waiting; in a track drawn in stretches,
// the most of each (peak).
type resourceStep struct {
	start, end int64
	held, wait int
	holders    []int32 // the tasks holding its units (a task holding two counts twice); nil when peak
	peak       bool
}

// resourceTracks returns the tracks of the run's resources that were
// used, in the order the workload declares them, up to end; nil without
// resources or holds.
func resourceTracks(run Run, end int64) []resourceTrack {
	r, rec := run.Result, run.Spans
	if r == nil || rec == nil || len(r.Resources) == 0 || len(rec.Holds) == 0 {
		return nil
	}
	type key struct {
		res  uint16
		inst int32
	}
	type state struct {
		held, wait int
		since      int64
		holders    []int32
		steps      []resourceStep
	}
	states := map[key]*state{}
	var keys []key
	// Who holds is told on hover for a run of few holds only: a million
	// would keep a list per step.
	named := len(rec.Holds) <= 4*maxResourceSteps
	for _, h := range rec.Holds {
		if int(h.Resource) >= len(r.Resources) {
			continue
		}
		k := key{h.Resource, h.Instance}
		st := states[k]
		if st == nil {
			st = &state{}
			states[k] = st
			keys = append(keys, k)
		}
		if h.At > st.since && (st.held > 0 || st.wait > 0) {
			step := resourceStep{start: st.since, end: h.At, held: st.held, wait: st.wait}
			if named {
				step.holders = slices.Clone(st.holders)
			}
			st.steps = append(st.steps, step)
		}
		if h.At > st.since {
			st.since = h.At
		}
		switch {
		case h.Take:
			st.held++
			if named {
				st.holders = append(st.holders, h.Task)
			}
		case !h.Wait:
			st.held--
			if i := slices.Index(st.holders, h.Task); i >= 0 {
				st.holders = slices.Delete(st.holders, i, i+1)
			}
		}
		st.wait = int(h.Queue)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.res != b.res {
			return int(a.res) - int(b.res)
		}
		return int(a.inst - b.inst)
	})
	var tracks []resourceTrack
	for _, k := range keys {
		st := states[k]
		if end > st.since && (st.held > 0 || st.wait > 0) {
			// Held or waited for to the end: a deadlock.
			st.steps = append(st.steps, resourceStep{start: st.since, end: end, held: st.held, wait: st.wait, holders: st.holders})
		}
		rs := r.Resources[k.res]
		name := rs.Name
		if rs.Instances > 1 {
			name += " · " + ProcessName(int(k.inst)+1)
		}
		tracks = append(tracks, resourceTrack{name: clean(name), capacity: rs.Capacity, steps: peaks(st.steps, end)})
	}
	return tracks
}

// peaks draws steps in at most maxResourceSteps equal stretches of
// [0, end), each at the most held and waiting in it, when there are more.
func peaks(steps []resourceStep, end int64) []resourceStep {
	if len(steps) <= maxResourceSteps || end <= 0 {
		return steps
	}
	out := make([]resourceStep, maxResourceSteps)
	for i := range out {
		out[i] = resourceStep{start: end * int64(i) / maxResourceSteps, end: end * int64(i+1) / maxResourceSteps, peak: true}
	}
	for _, s := range steps {
		for i := int(s.start * maxResourceSteps / end); i < maxResourceSteps && out[i].start < s.end; i++ {
			out[i].held = max(out[i].held, s.held)
			out[i].wait = max(out[i].wait, s.wait)
		}
	}
	kept := out[:0]
	for _, s := range out {
		if s.held > 0 || s.wait > 0 {
			kept = append(kept, s)
		}
	}
	return kept
}
