package sim

import (
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// Config is everything one run needs.
type Config struct {
	Workload       *workload.Workload
	Deployment     model.Deployment
	Profile        runtime.Profile
	Cores          int   // ≥ 1
	SwitchInterval int64 // GIL switch interval; ≥ 1
	RecordTasks    bool  // fill Result.Records
	Sink           Sink  // optional: receives every span

	// Progress, when set, is called now and then during the run, and once
	// at its end, for a progress line on long runs.
	Progress func(Progress)
}

// Progress is how far a run has come: the tasks finished, of Total (-1
// while an open workload's count is not known yet), and the virtual time
// reached, which moves on even while two tasks compute for hours.
type Progress struct {
	Done, Total int
	Now         int64 // nanoseconds of virtual time
}

// Recorder is a Sink that keeps every span in memory, for renderers.
type Recorder struct {
	Lanes []Span // lane spans, in the order they closed
	Tasks []Span // task spans, in the order they closed
	Holds []Hold // units of resources taken and given back, in order
}

// LaneSpan records a lane span.
func (r *Recorder) LaneSpan(s Span) { r.Lanes = append(r.Lanes, s) }

// TaskSpan records a task span.
func (r *Recorder) TaskSpan(s Span) { r.Tasks = append(r.Tasks, s) }

// Hold records a unit taken or given back.
func (r *Recorder) Hold(h Hold) { r.Holds = append(r.Holds, h) }

var (
	_ Sink     = (*Recorder)(nil)
	_ HoldSink = (*Recorder)(nil)
)

// HoldSink is a Sink that is also told of every unit of a resource taken
// and given back, in the order it happens: who held a resource at an
// instant (explain's "all are held by …", a resource's track).
type HoldSink interface {
	Hold(h Hold)
}

// Hold is a unit of a resource taken (Take) or given back by a task.
type Hold struct {
	At       int64
	Resource uint16 // index in the workload's Resources
	Instance int32  // its instance: the worker process's index for scope process, else 0
	Task     int32
	Take     bool
}
