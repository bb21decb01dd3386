package advise

import (
	"slices"

	"github.com/conclab/conclab/workload"
)

// TaskProfile is what one task of a workload (one request, for an open
// workload) does on average, read from its steps: the mean of every
// duration, repeats multiplied out, groups weighted by their weight
// (arrivals) or their count (batches). Times are nanoseconds.
type TaskProfile struct {
	Work     int64 // CPU work that holds the GIL (Python code), after the runtime's slowdown
	Released int64 // CPU work with the GIL released (C code)
	Wait     int64 // every wait, blocking or not
	Blocking int64 // the part of Wait that blocks an event loop: blocking and not offloaded
	// BlockingCalls is how many blocking waits a task makes on average.
	BlockingCalls float64
	Rate          float64 // arrivals per second; 0 for a batch
	Tasks         int     // tasks of a batch, or the arrivals count (0 for a window)
}

// ProfileOf computes the task profile of wl; slowdown is the runtime's
// factor on Python code (≤ 0 means 1).
func ProfileOf(wl *workload.Workload, slowdown float64) TaskProfile {
	if slowdown <= 0 {
		slowdown = 1
	}
	var p TaskProfile
	var sumW float64
	var work, rel, wait, block, calls float64
	for _, g := range wl.Groups {
		w := float64(g.Count)
		if wl.Arrivals != nil {
			w = g.Weight
			if w <= 0 {
				w = 1
			}
		}
		var s stepSums
		s.add(g.Steps, 1)
		work += w * s.work
		rel += w * s.released
		wait += w * s.wait
		block += w * s.blocking
		calls += w * s.calls
		sumW += w
	}
	if sumW > 0 {
		p.Work = int64(work / sumW * slowdown)
		p.Released = int64(rel / sumW)
		p.Wait = int64(wait / sumW)
		p.Blocking = int64(block / sumW)
		p.BlockingCalls = calls / sumW
	}
	p.Tasks = wl.NumTasks()
	if wl.Arrivals != nil {
		p.Rate = wl.Arrivals.Rate
	}
	return p
}

type stepSums struct{ work, released, wait, blocking, calls float64 }

func (s *stepSums) add(steps []workload.Step, times float64) {
	for _, st := range steps {
		switch st.Kind {
		case workload.Work:
			if st.GILReleased {
				s.released += times * float64(st.Dur.Mean())
			} else {
				s.work += times * float64(st.Dur.Mean())
			}
		case workload.Wait:
			d := times * float64(st.Dur.Mean())
			s.wait += d
			if st.Blocking && st.Offload == workload.OffloadNone {
				s.blocking += d
				s.calls += times
			}
		case workload.Repeat:
			s.add(st.Steps, times*float64(st.Count))
		case workload.Use:
			s.add(st.Steps, times)
		case workload.Choose:
			var sum float64
			for _, a := range st.Alternatives {
				sum += a.Weight
			}
			for _, a := range st.Alternatives {
				if sum > 0 {
					s.add(a.Steps, times*a.Weight/sum)
				}
			}
		case workload.Gather:
			// The branches' CPU adds up; their waits overlap, so the
			// task waits about as long as its longest branch's.
			var longest float64
			for _, br := range st.Branches {
				var b stepSums
				b.add(br.Steps, times)
				s.work += float64(br.Count) * b.work
				s.released += float64(br.Count) * b.released
				s.blocking += float64(br.Count) * b.blocking
				s.calls += float64(br.Count) * b.calls
				longest = max(longest, b.wait)
			}
			s.wait += longest
		}
	}
}

// CPU is the CPU time of one task, with the GIL or without.
func (p TaskProfile) CPU() int64 { return p.Work + p.Released }

// Total is one task's duration on its own: its CPU work and its waits.
func (p TaskProfile) Total() int64 { return p.CPU() + p.Wait }

// WaitShare is the part of a task spent waiting, 0 to 1.
func (p TaskProfile) WaitShare() float64 { return share(p.Wait, p.Total()) }

// CPUShare is the part of a task spent on the CPU, 0 to 1.
func (p TaskProfile) CPUShare() float64 { return share(p.CPU(), p.Total()) }

// InFlight is the mean number of tasks of an open workload in flight if
// each is served without queueing (Little's law: rate × duration); 0 for a
// batch.
func (p TaskProfile) InFlight() float64 { return p.Rate * float64(p.Total()) / 1e9 }

// CoresNeeded is the mean number of cores an open workload's CPU work
// keeps busy (rate × CPU per task); 0 for a batch.
func (p TaskProfile) CoresNeeded() float64 { return p.Rate * float64(p.CPU()) / 1e9 }

func share(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// offloadBlocking returns a copy of wl in which every blocking wait that
// is not offloaded is sent to the event loop's thread pool (offload:
// thread), as asyncio.to_thread would, and whether there was any.
func offloadBlocking(wl *workload.Workload) (*workload.Workload, bool) {
	cp := *wl
	cp.Groups = make([]workload.Group, len(wl.Groups))
	any := false
	for i, g := range wl.Groups {
		g.Steps = offloadSteps(g.Steps, &any)
		cp.Groups[i] = g
	}
	return &cp, any
}

func offloadSteps(steps []workload.Step, any *bool) []workload.Step {
	out := make([]workload.Step, len(steps))
	for i, st := range steps {
		switch {
		case st.Kind == workload.Wait && st.Blocking && st.Offload == workload.OffloadNone:
			st.Offload = workload.OffloadThread
			*any = true
		case st.Kind == workload.Repeat || st.Kind == workload.Use:
			st.Steps = offloadSteps(st.Steps, any)
		case st.Kind == workload.Gather:
			st.Branches = slices.Clone(st.Branches)
			for j := range st.Branches {
				st.Branches[j].Steps = offloadSteps(st.Branches[j].Steps, any)
			}
		case st.Kind == workload.Choose:
			st.Alternatives = slices.Clone(st.Alternatives)
			for j := range st.Alternatives {
				st.Alternatives[j].Steps = offloadSteps(st.Alternatives[j].Steps, any)
			}
		}
		out[i] = st
	}
	return out
}
