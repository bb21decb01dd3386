package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Recording is what the recorder wrote: every task of one run of a
// program, its steps in order.
type Recording struct {
	Recorder       int        `json:"recorder"`
	Python         string     `json:"python"`
	Implementation string     `json:"implementation"`
	GIL            bool       `json:"gil"`
	Argv           []string   `json:"argv"`
	Cwd            string     `json:"cwd"`  // the program's working directory: the steps' places are relative to it
	Wall           int64      `json:"wall"` // ns from the recorder's start to the program's end
	Exit           int        `json:"exit"`
	Error          string     `json:"error"`
	Loops          int        `json:"loops"` // event loops the program made
	Pools          []Pool     `json:"pools"`
	Resources      []Resource `json:"resources"`
	Queues         []Queue    `json:"queues"`
	Tasks          []Task     `json:"tasks"`
	Main           int        `json:"main"`  // the id of the main program's task
	Notes          []string   `json:"notes"` // what the recorder could not follow
	PID            int        `json:"pid"`
	// MainModule is the CPU this process spent running the program's main
	// module again (a spawned or forkserver worker), in ns; nil if it
	// did not.
	MainModule *int64 `json:"main_module"`
	// MainModules is, by process id, the MainModule of its worker
	// processes: a pool's workers, as their work items said, and the
	// children Merge adds.
	MainModules map[int]int64 `json:"main_modules"`
	// Children are the processes the program forked that recorded what
	// they did (a server's workers), merged in by Merge.
	Children []int `json:"-"`
	// WarmCores: the cores were kept busy while it ran (RunOptions).
	WarmCores bool          `json:"-"`
	WarmStart time.Duration `json:"-"` // how long the warm loops took to start, before the program did
}

// Pool is an executor the program made.
type Pool struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"` // threads | processes
	Workers int    `json:"workers"`
	Site    string `json:"site"`  // where it was made: "func file:line"
	Start   string `json:"start"` // processes: fork | spawn | forkserver
	// Class is the pool's class: ThreadPoolExecutor, ProcessPoolExecutor,
	// multiprocessing.Pool or multiprocessing.pool.ThreadPool.
	Class string `json:"class"`
	// Default: an event loop's default executor, which
	// run_in_executor(None, ...) made.
	Default bool `json:"default"`
}

// Made is how the program made the pool, as Python: its class and size.
func (p *Pool) Made() string {
	switch p.Class {
	case "multiprocessing.Pool", "multiprocessing.pool.ThreadPool":
		return fmt.Sprintf("%s(processes=%d)", p.Class, p.Workers)
	case "":
		if p.Kind == "processes" {
			return fmt.Sprintf("ProcessPoolExecutor(max_workers=%d)", p.Workers)
		}
		return fmt.Sprintf("ThreadPoolExecutor(max_workers=%d)", p.Workers)
	}
	return fmt.Sprintf("%s(max_workers=%d)", p.Class, p.Workers)
}

// Resource is a semaphore or lock the program's tasks queued for.
type Resource struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"` // threading.Semaphore, asyncio.Lock, …
	Capacity int    `json:"capacity"`
	Site     string `json:"site"`
}

// Queue is a queue.Queue, LifoQueue or PriorityQueue, or an asyncio queue
// of one of those kinds, the program made: the items its tasks took from
// it are tasks of their own.
type Queue struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"` // queue.Queue, asyncio.Queue, …
	Maxsize int    `json:"maxsize"`
	Site    string `json:"site"`
	PutWait int64  `json:"put_wait"` // ns its puts waited for room, in all
}

// HeldBack: the queue is bounded and its puts waited for room (1 ms or
// more in all), so the recorder stamped its items with when they would
// have been put with room to spare.
func (q *Queue) HeldBack() bool { return q.Maxsize > 0 && q.PutWait >= 1_000_000 }

// Made is how the program made the queue, as Python.
func (q *Queue) Made() string {
	if q.Kind == "queue.SimpleQueue" {
		return q.Kind + "()" // unbounded: it takes no maxsize
	}
	return fmt.Sprintf("%s(maxsize=%d)", q.Kind, q.Maxsize)
}

// Task is one thread, pool work item, asyncio task or the main program.
type Task struct {
	ID     int     `json:"id"`
	Kind   string  `json:"kind"` // main | thread | pool | process | async
	Name   string  `json:"name"`
	Site   string  `json:"site"` // "file:line" of its function
	Parent *int    `json:"parent"`
	Start  int64   `json:"start"` // made (submitted, started)
	Began  *int64  `json:"began"` // first ran
	End    *int64  `json:"end"`
	Steps  []Step  `json:"steps"`
	Pool   *int64  `json:"pool"`
	Input  *int64  `json:"input"`
	Output *int64  `json:"output"`
	Error  *string `json:"error"`
	Thread int64   `json:"thread"` // the thread it ran on (its first)
	PID    int     `json:"pid"`    // the process it ran in
	// StartMethod is how a multiprocessing.Process's process was started
	// (fork, spawn, forkserver): the starter's "s" step says (Adopt).
	StartMethod string `json:"-"`
}

// Step is one entry of a task's steps: [kind, value] or [kind, value,
// what]; see the recorder's docstring for the kinds.
type Step struct {
	Kind     byte
	NS       int64    // w r i b j u p: nanoseconds; k: depth; s: the process id
	Children []int    // g
	Res      int64    // u a x: the resource; q: the queue
	Put      int64    // q: when the item taken was put; s: when start() was called (the recorder's clock)
	What     string   // r i b: the call
	Sites    []string // k: the functions of the main program's stack from NS down
	// At is where in the program the call was made (r i b j a),
	// "file:line(function)"; empty when the recorder saw none.
	At string
}

// UnmarshalJSON reads [kind, value(, what(, at))].
func (s *Step) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil || len(a) < 2 {
		return fmt.Errorf("a step is [kind, value, …], not %.40s", b)
	}
	var kind string
	if err := json.Unmarshal(a[0], &kind); err != nil || len(kind) != 1 {
		return fmt.Errorf("a step's kind is one letter, not %.20s", a[0])
	}
	s.Kind = kind[0]
	switch s.Kind {
	case 'w', 'r', 'i', 'b', 'j', 'p', 'k', 's':
		var v float64
		if err := json.Unmarshal(a[1], &v); err != nil || v < 0 {
			return fmt.Errorf("step %q: want a count of nanoseconds, not %.20s", kind, a[1])
		}
		s.NS = int64(v)
		if s.Kind == 's' && len(a) > 3 {
			// The start method and when start() was called; anything
			// else: none said, and the time the process's task began.
			var at float64
			json.Unmarshal(a[2], &s.What)
			if json.Unmarshal(a[3], &at) == nil && at >= 0 {
				s.Put = int64(at)
			}
		}
	case 'q':
		var ns, put float64
		if len(a) < 4 || json.Unmarshal(a[1], &ns) != nil || ns < 0 || json.Unmarshal(a[2], &s.Res) != nil || json.Unmarshal(a[3], &put) != nil {
			return fmt.Errorf("step \"q\": want [\"q\", ns, queue, put, at], not %.60s", b)
		}
		s.NS, s.Put = int64(ns), int64(put)
		if len(a) > 4 {
			json.Unmarshal(a[4], &s.At) // anything else: nowhere
		}
		return nil
	case 'g':
		if err := json.Unmarshal(a[1], &s.Children); err != nil {
			return fmt.Errorf("step \"g\": want a list of task ids, not %.40s", a[1])
		}
	case 'u', 'a', 'x':
		v := a[1]
		if s.Kind == 'u' {
			var ns float64
			if err := json.Unmarshal(a[1], &ns); err != nil || ns < 0 {
				return fmt.Errorf("step \"u\": want a count of nanoseconds, not %.20s", a[1])
			}
			s.NS = int64(ns)
			if len(a) < 3 {
				return errors.New(`step "u" names no resource`)
			}
			v = a[2]
		}
		if err := json.Unmarshal(v, &s.Res); err != nil {
			return fmt.Errorf("step %q: want a resource id, not %.20s", kind, v)
		}
		if s.Kind == 'a' && len(a) > 2 {
			json.Unmarshal(a[2], &s.At) // anything else: nowhere
		}
		return nil
	default:
		return fmt.Errorf("unknown step kind %q", kind)
	}
	if len(a) > 2 {
		if s.Kind == 'k' {
			json.Unmarshal(a[2], &s.Sites) // anything else: no sites
		} else {
			json.Unmarshal(a[2], &s.What) // anything else: no label
		}
	}
	if len(a) > 3 {
		json.Unmarshal(a[3], &s.At) // anything else: nowhere
	}
	return nil
}

// Read reads a recording and checks that it holds together: ids in range,
// parents before children, a main task.
func Read(r io.Reader) (*Recording, error) {
	rec, err := read(r)
	if err != nil {
		return nil, err
	}
	if rec.Main < 0 || rec.Main >= len(rec.Tasks) || rec.Tasks[rec.Main].Kind != "main" {
		return nil, errors.New("the recording has no main task")
	}
	return rec, nil
}

// Adopt joins each multiprocessing.Process a task started (its "s" step,
// with the process id) to the task that process recorded, merged from its
// recording: the step becomes a "g" of that task, its parent the starter,
// and it was made when start() was called.
// A process that wrote no recording (killed, or it ran none of the
// program's code) is dropped from the steps.
func (rec *Recording) Adopt() {
	for i := range rec.Tasks {
		t := &rec.Tasks[i]
		if !slices.ContainsFunc(t.Steps, func(s Step) bool { return s.Kind == 's' }) {
			continue
		}
		steps := make([]Step, 0, len(t.Steps))
		for _, s := range t.Steps {
			if s.Kind != 's' {
				steps = append(steps, s)
				continue
			}
			k := slices.IndexFunc(rec.Tasks, func(c Task) bool {
				return c.ID > i && c.PID == int(s.NS) && c.Kind == "process" && c.Parent == nil && c.Pool == nil
			})
			if k < 0 {
				continue
			}
			p := i
			c := &rec.Tasks[k]
			c.Parent, c.StartMethod = &p, s.What
			if s.Put > 0 && s.Put < c.Start {
				// Made when start() was called, as a thread is: its process's
				// start-up is the runtime's, which the model predicts.
				c.Start = s.Put
			}
			if n := len(steps); n > 0 && steps[n-1].Kind == 'g' {
				steps[n-1].Children = append(slices.Clone(steps[n-1].Children), k)
			} else {
				steps = append(steps, Step{Kind: 'g', Children: []int{k}})
			}
		}
		t.Steps = steps
	}
}

// ReadChild reads the recording of a forked child: no main task.
func ReadChild(r io.Reader) (*Recording, error) { return read(r) }

// Merge adds the tasks of a forked child's recording to rec, renumbered
// after rec's.
func (rec *Recording) Merge(c *Recording) {
	off := len(rec.Tasks)
	for _, t := range c.Tasks {
		t.ID += off
		if t.Parent != nil {
			p := *t.Parent + off
			t.Parent = &p
		}
		steps := make([]Step, len(t.Steps))
		for i, s := range t.Steps {
			if s.Children != nil {
				kids := make([]int, len(s.Children))
				for j, k := range s.Children {
					kids[j] = k + off
				}
				s.Children = kids
			}
			steps[i] = s
		}
		t.Steps = steps
		rec.Tasks = append(rec.Tasks, t)
	}
	for _, p := range c.Pools {
		if !slices.ContainsFunc(rec.Pools, func(q Pool) bool { return q.ID == p.ID }) {
			rec.Pools = append(rec.Pools, p)
		}
	}
	for _, r := range c.Resources {
		if !slices.ContainsFunc(rec.Resources, func(q Resource) bool { return q.ID == r.ID }) {
			rec.Resources = append(rec.Resources, r)
		}
	}
	for _, q := range c.Queues {
		if !slices.ContainsFunc(rec.Queues, func(x Queue) bool { return x.ID == q.ID }) {
			rec.Queues = append(rec.Queues, q)
		}
	}
	rec.Loops += c.Loops
	rec.Notes = append(rec.Notes, c.Notes...)
	rec.Children = append(rec.Children, c.PID)
	if c.MainModule != nil || len(c.MainModules) > 0 {
		if rec.MainModules == nil {
			rec.MainModules = map[int]int64{}
		}
		maps.Copy(rec.MainModules, c.MainModules)
		if c.MainModule != nil {
			rec.MainModules[c.PID] = *c.MainModule
		}
	}
}

func read(r io.Reader) (*Recording, error) {
	var rec Recording
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("the recording: %w", err)
	}
	if rec.Recorder != 1 {
		return nil, fmt.Errorf("the recording is of format %d; this conclab reads format 1", rec.Recorder)
	}
	for i, t := range rec.Tasks {
		if t.ID != i {
			return nil, fmt.Errorf("the recording's task %d has id %d", i, t.ID)
		}
		if t.Parent != nil && (*t.Parent < 0 || *t.Parent >= len(rec.Tasks)) {
			return nil, fmt.Errorf("task %d: parent %d is no task", i, *t.Parent)
		}
		for _, s := range t.Steps {
			for _, c := range s.Children {
				if c <= i || c >= len(rec.Tasks) {
					return nil, fmt.Errorf("task %d: child %d is no later task", i, c)
				}
			}
		}
	}
	return &rec, nil
}
