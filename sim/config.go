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

	// Gather branches that ran as tasks of their own (child tasks,
	// futures, threads) or inline, by Branch.ID; the spans of the first
	// kind, whose Task is the branch's ID; and the gathers, in the order
	// they were done (the ones a deadlock left open last).
	Branches    []Branch
	BranchSpans []Span
	Gathers     []Gather
}

// LaneSpan records a lane span.
func (r *Recorder) LaneSpan(s Span) { r.Lanes = append(r.Lanes, s) }

// TaskSpan records a task span.
func (r *Recorder) TaskSpan(s Span) { r.Tasks = append(r.Tasks, s) }

// Hold records a unit taken or given back.
func (r *Recorder) Hold(h Hold) { r.Holds = append(r.Holds, h) }

// Branch records a gather branch as it is created.
func (r *Recorder) Branch(b Branch) { r.Branches = append(r.Branches, b) }

// BranchSpan records a span of a branch that runs as a task of its own.
func (r *Recorder) BranchSpan(s Span) { r.BranchSpans = append(r.BranchSpans, s) }

// Gather records a gather done, or left open by a deadlock.
func (r *Recorder) Gather(g Gather) { r.Gathers = append(r.Gathers, g) }

var (
	_ Sink     = (*Recorder)(nil)
	_ HoldSink = (*Recorder)(nil)
	_ TreeSink = (*Recorder)(nil)
)

// TreeSink is a Sink that is also told of the gathers of a run and of
// their branches: who gathered how many, when, and which branch finished
// last (explain's "crawl gathers 6 branches …"), and the states of each
// branch that runs as a task of its own (a row under its parent).
type TreeSink interface {
	Branch(b Branch)   // a branch, when it is created; IDs count from 0 in that order
	BranchSpan(s Span) // a span of a branch that runs as a task of its own; Span.Task is its Branch.ID
	Gather(g Gather)   // a gather, once its last branch finished (Done), or at the end of a run it never did
}

// BranchRun says how a gather branch runs, relative to its gatherer.
type BranchRun uint8

// The ways a branch runs (SPEC §1.1).
const (
	OwnTask BranchRun = iota // a task of its own: an asyncio child task, a future on a pool, a thread
	Inline                   // on its gatherer's thread, after its earlier siblings (sync, a worker process)
	Eager                    // asyncio(eager): at once, inside its gatherer's step, until it first suspends
)

// Branch is one copy of a gather's branch.
type Branch struct {
	ID      int32     // its index among the run's branches, in the order they were created
	Task    int32     // the task whose tree it is in
	Parent  int32     // the branch that gathered it (its ID), -1 when the task did
	Name    string    // its task's name and its numbers among its parents' children: "crawl/3/1"
	Run     BranchRun // how it runs; after an Eager branch first suspends it is an asyncio task like the others
	Created int64
}

// Gather is one gather of a task or of a branch: Count branches made
// from At to Created (asyncio: created, each paying the task-creation
// cost; threads: submitted one by one; inline: the last one started),
// and the gatherer able to go on at Done, when the last, Last, finished.
type Gather struct {
	Task    int32     // the task whose tree it is in
	Branch  int32     // the branch that gathered (Branch.ID), -1 when the task itself did
	Name    string    // the gatherer's name: "crawl", "crawl/3"
	Count   int       // branches made
	Run     BranchRun // how they ran
	Lane    int32     // the thread that made them
	At      int64     // when the first began to be made
	Created int64     // when the last was made; -1 if it never was
	Done    int64     // when the last finished; -1 if a deadlock kept one from finishing
	Last    int32     // the branch that finished last (Branch.ID); -1 when none finished
}

// HoldSink is a Sink that is also told of every unit of a resource taken
// and given back, and of every wait for one, in the order it happens: who
// held a resource at an instant (explain's "all are held by …", a
// resource's track), how many waited.
type HoldSink interface {
	Hold(h Hold)
}

// Hold is a unit of a resource taken (Take) or given back by a task, or
// (Wait) a task starting to wait for one, which it takes later or never.
type Hold struct {
	At       int64
	Resource uint16 // index in the workload's Resources
	Instance int32  // its instance: the worker process's index for scope process, else 0
	Task     int32
	Take     bool
	Wait     bool  // the task queued for a unit: neither taken nor given back
	Queue    int32 // tasks waiting for a unit of the instance right after this
}
