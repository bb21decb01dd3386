package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
)

// parsedEvent is an event as a trace viewer reads it.
type parsedEvent map[string]any

// str is e[key] when it is a string.
func (e parsedEvent) str(key string) string {
	v, _ := e[key].(string)
	return v
}

// args is e's args object, nil when it has none.
func (e parsedEvent) args() map[string]any {
	a, _ := e["args"].(map[string]any)
	return a
}

// int is e[key] when it is a JSON integer.
func (e parsedEvent) int(key string) (int64, bool) {
	n, ok := e[key].(json.Number)
	if !ok || strings.ContainsAny(n.String(), ".eE") {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// ns is e[key], a time in microseconds, in nanoseconds. Perfetto rounds
// microseconds to nanoseconds; conclab's times are whole nanoseconds, so a
// time must have at most three decimals and no exponent.
func (e parsedEvent) ns(key string) (int64, bool) {
	n, ok := e[key].(json.Number)
	if !ok || strings.ContainsAny(n.String(), "eE-+") {
		return 0, false
	}
	whole, frac, _ := strings.Cut(n.String(), ".")
	if len(frac) > 3 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt((frac + "00")[:3], 10, 64); err != nil {
			return 0, false
		}
	}
	return w*1000 + f, true
}

// traceThread is a thread of a trace: a process and a thread id.
type traceThread struct{ pid, tid int64 }

// checkedTrace is a trace that validateTrace accepted, with what the
// tests look up in it.
type checkedTrace struct {
	Events    []parsedEvent
	Other     map[string]any
	Processes map[int64]string       // process names by pid
	Threads   map[traceThread]string // thread names
	// Flows are the events that start (flow_out) and end (flow_in) each
	// flow, by its bind_id.
	Flows map[int64][2]parsedEvent
	// Depth is, for each async event ("b") by index, how deep it nests on
	// its track: 0 for a task's outer slice.
	Depth map[int]int
}

// stateNames are the names a slice of a state may have: its legend words
// (describe), with or without a GIL.
func stateNames() map[string]sim.State {
	out := map[string]sim.State{}
	for s := range sim.State(nStates) {
		out[describe(s, true)] = s
		out[describe(s, false)] = s
	}
	return out
}

// stateOf is the state whose String is name.
func stateOf(name string) (sim.State, bool) {
	for s := range sim.State(nStates) {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}

// validateTrace checks data against the Trace Event Format (the JSON
// Object Format), as Perfetto's importer of it and chrome://tracing read
// it, for the phases conclab writes, and against conclab's own rules for
// its traces. It returns the trace.
//
// The format: an object whose keys are "traceEvents" (an array),
// "displayTimeUnit" ("ms" or "ns") and "otherData" (an object) only, for
// Perfetto stops reading at a key it does not know. Every event has a
// non-empty name, a phase and a pid; tids and pids are positive integers
// (Perfetto takes a tid of 0 for the pid); times (ts, dur) are
// microseconds, numbers with at most three decimals (whole nanoseconds),
// not negative. Metadata ("M") names processes and threads or sorts them.
// Complete events ("X") have a tid and a dur, and nest on their thread:
// sorted as Perfetto sorts them (by ts, the longer first, then by their
// place in the file), each ends before the one it starts in ends. Async
// events ("b", "e") have a cat and an id2 with a "local" string (an id of
// the process, which Perfetto hashes with the cat into a track); on each
// track, in the order of the file, their times never go back, each "e"
// ends the last "b" open there and has its name, and none is left open.
// Flows (bind_id, flow_out on the event that starts one, flow_in on the
// one that ends it) have exactly one of each, on an "X" or "b", and start
// before they end. Counters ("C") have numeric args; instants ("i") a
// scope. Every pid has a process_name and every thread with slices a
// thread_name.
//
// conclab's rules: slices of a state (their cat is a state's name, or they
// nest in a task's async slice) are named by the state's legend words.
func validateTrace(t testing.TB, data []byte) *checkedTrace {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc map[string]json.RawMessage
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	for k := range doc {
		if k != "traceEvents" && k != "displayTimeUnit" && k != "otherData" {
			t.Errorf("top-level key %q: Perfetto stops reading at a key it does not know", k)
		}
	}
	ct := &checkedTrace{Processes: map[int64]string{}, Threads: map[traceThread]string{},
		Flows: map[int64][2]parsedEvent{}, Depth: map[int]int{}}
	decode := func(key string, v any) {
		raw, ok := doc[key]
		if !ok {
			return
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(v); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	decode("traceEvents", &ct.Events)
	decode("otherData", &ct.Other)
	if ct.Events == nil {
		t.Fatal(`no "traceEvents" array`)
	}
	var unit string
	decode("displayTimeUnit", &unit)
	if _, ok := doc["displayTimeUnit"]; ok && unit != "ms" && unit != "ns" {
		t.Errorf(`displayTimeUnit %q: want "ms" or "ns"`, unit)
	}

	type slice struct {
		start, end int64
		i          int
	}
	type asyncKey struct {
		pid     int64
		cat, id string
	}
	type open struct {
		name string
		ts   int64
	}
	states := stateNames()
	slicesOf := map[traceThread][]slice{}
	tracks := map[asyncKey][]open{}
	last := map[asyncKey]int64{}
	pids := map[int64]bool{}
	threads := map[traceThread]bool{}
	for i, e := range ct.Events {
		where := fmt.Sprintf("event %d %v", i, e)
		name, ph := e.str("name"), e.str("ph")
		if name == "" {
			t.Fatalf("%s: no name", where)
		}
		pid, ok := e.int("pid")
		if !ok || pid <= 0 || pid > 1<<32-1 {
			t.Fatalf("%s: pid is not a positive 32-bit integer", where)
		}
		pids[pid] = true
		tid, hasTID := e.int("tid")
		if _, present := e["tid"]; present && (!hasTID || tid <= 0 || tid > 1<<32-1) {
			t.Fatalf("%s: tid is not a positive 32-bit integer", where)
		}
		th := traceThread{pid, tid}
		ts, hasTS := e.ns("ts")
		if ph != "M" && !hasTS {
			t.Fatalf("%s: ts missing, negative or not whole nanoseconds", where)
		}
		if bind, ok := e["bind_id"]; ok {
			id, isInt := e.int("bind_id")
			out, in := e["flow_out"] == true, e["flow_in"] == true
			switch {
			case !isInt:
				t.Fatalf("%s: bind_id %v is not an integer", where, bind)
			case ph != "X" && ph != "b":
				t.Fatalf("%s: a flow bound to a %q event", where, ph)
			case out == in:
				t.Fatalf("%s: a flow event must be flow_out or flow_in", where)
			}
			f := ct.Flows[id]
			k := 0
			if in {
				k = 1
			}
			if f[k] != nil {
				t.Fatalf("%s: flow %d has two %s events", where, id, []string{"flow_out", "flow_in"}[k])
			}
			f[k] = e
			ct.Flows[id] = f
		}
		switch ph {
		case "M":
			args := e.args()
			switch name {
			case "process_name", "thread_name":
				n, ok := args["name"].(string)
				if !ok || n == "" {
					t.Fatalf("%s: %s without args.name", where, name)
				}
				if name == "process_name" {
					if old, dup := ct.Processes[pid]; dup && old != n {
						t.Fatalf("%s: process %d named %q and %q", where, pid, old, n)
					}
					ct.Processes[pid] = n
					break
				}
				if !hasTID {
					t.Fatalf("%s: thread_name without a tid", where)
				}
				if old, dup := ct.Threads[th]; dup && old != n {
					t.Fatalf("%s: thread %v named %q and %q", where, th, old, n)
				}
				ct.Threads[th] = n
			case "process_sort_index", "thread_sort_index":
				if n, ok := args["sort_index"].(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
					t.Fatalf("%s: %s without an integer args.sort_index", where, name)
				}
			default:
				t.Fatalf("%s: unknown metadata %q", where, name)
			}
		case "X":
			dur, ok := e.ns("dur")
			if !hasTID || !ok {
				t.Fatalf("%s: a complete event needs a tid and a dur (µs, not negative)", where)
			}
			threads[th] = true
			slicesOf[th] = append(slicesOf[th], slice{ts, ts + dur, i})
			if s, ok := stateOf(e.str("cat")); ok {
				// A wait for a resource is named by the resource instead.
				named := s == sim.ResourceWait && strings.HasPrefix(name, "waiting for ") && states[name] == 0
				if states[name] != s && !named {
					t.Fatalf("%s: a slice of state %s named %q, not by its legend", where, s, name)
				}
			}
		case "b", "e":
			id2, _ := e["id2"].(map[string]any)
			local, _ := id2["local"].(string)
			cat := e.str("cat")
			if cat == "" || local == "" {
				t.Fatalf(`%s: an async event needs a cat and an id2 {"local": "…"}`, where)
			}
			if _, ok := e["id"]; ok {
				t.Fatalf("%s: an async event with both id and id2", where)
			}
			k := asyncKey{pid, cat, local}
			if prev, ok := last[k]; ok && ts < prev {
				t.Fatalf("%s: goes back in time on its track (%d ns after %d ns)", where, ts, prev)
			}
			last[k] = ts
			stack := tracks[k]
			if ph == "b" {
				ct.Depth[i] = len(stack)
				if len(stack) > 0 {
					if s, ok := states[name]; !ok || e.args()["state"] != s.String() {
						t.Fatalf("%s: a nested async slice is named by its state's legend, with args.state", where)
					}
				}
				tracks[k] = append(stack, open{name, ts})
				break
			}
			if len(stack) == 0 {
				t.Fatalf("%s: ends no slice", where)
			}
			top := stack[len(stack)-1]
			if top.name != name || ts < top.ts {
				t.Fatalf("%s: ends %q begun at %d ns", where, top.name, top.ts)
			}
			tracks[k] = stack[:len(stack)-1]
		case "C":
			args := e.args()
			if len(args) == 0 {
				t.Fatalf("%s: a counter without values", where)
			}
			for k, v := range args {
				if _, ok := v.(json.Number); !ok {
					t.Fatalf("%s: counter value %s is not a number", where, k)
				}
			}
		case "i":
			switch e.str("s") {
			case "g", "p":
			case "t":
				if !hasTID {
					t.Fatalf("%s: a thread's instant without a tid", where)
				}
				threads[th] = true
			default:
				t.Fatalf("%s: an instant without a scope (s: g, p or t)", where)
			}
		default:
			t.Fatalf("%s: phase %q is not one conclab writes", where, ph)
		}
	}
	for k, stack := range tracks {
		if len(stack) > 0 {
			t.Errorf("async track %v: %q begun at %d ns never ends", k, stack[len(stack)-1].name, stack[len(stack)-1].ts)
		}
	}
	for th, ss := range slicesOf {
		slices.SortStableFunc(ss, func(a, b slice) int {
			if a.start != b.start {
				return int(a.start - b.start)
			}
			return int((b.end - b.start) - (a.end - a.start)) // the longer first
		})
		var stack []slice
		for _, s := range ss {
			for len(stack) > 0 && stack[len(stack)-1].end <= s.start {
				stack = stack[:len(stack)-1]
			}
			if len(stack) > 0 && s.end > stack[len(stack)-1].end {
				t.Fatalf("thread %v: event %d %v overlaps event %d %v without nesting in it", th,
					s.i, ct.Events[s.i], stack[len(stack)-1].i, ct.Events[stack[len(stack)-1].i])
			}
			stack = append(stack, s)
		}
	}
	for id, f := range ct.Flows {
		if f[0] == nil || f[1] == nil {
			t.Fatalf("flow %d: %v starts, %v ends; want one of each", id, f[0], f[1])
		}
		from, _ := f[0].ns("ts")
		to, _ := f[1].ns("ts")
		if from >= to {
			t.Fatalf("flow %d: starts at %d ns, ends at %d ns", id, from, to)
		}
	}
	for pid := range pids {
		if ct.Processes[pid] == "" {
			t.Errorf("pid %d has no process_name", pid)
		}
	}
	for th := range threads {
		if ct.Threads[th] == "" {
			t.Errorf("pid %d tid %d has no thread_name", th.pid, th.tid)
		}
	}
	return ct
}

// find returns the events with the given phase and name.
func find(events []parsedEvent, ph, name string) []parsedEvent {
	var out []parsedEvent
	for _, e := range events {
		if e["ph"] == ph && e["name"] == name {
			out = append(out, e)
		}
	}
	return out
}

// failTB is a testing.TB that records the first failure of what it is
// given to and stops it there.
type failTB struct {
	testing.TB
	failed string
}

type stopped struct{}

func (f *failTB) Helper() {}
func (f *failTB) Errorf(format string, args ...any) {
	if f.failed == "" {
		f.failed = fmt.Sprintf(format, args...)
	}
}
func (f *failTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	panic(stopped{})
}
func (f *failTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

// validateFails is what validateTrace finds wrong with data, "" if nothing.
func validateFails(t *testing.T, data string) (failed string) {
	f := &failTB{TB: t}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
		}
		failed = f.failed
	}()
	validateTrace(f, []byte(data))
	return ""
}

// The validator finds what Perfetto's importer would drop or misread.
func TestValidateTrace(t *testing.T) {
	const names = `{"ph":"M","name":"process_name","pid":1,"args":{"name":"p"}},
{"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"t"}},`
	ok := `{"traceEvents":[` + names + `
{"ph":"X","name":"A","cat":"task","pid":1,"tid":2,"ts":1,"dur":5,"bind_id":1,"flow_in":true},
{"ph":"X","name":"working (holds the GIL)","cat":"working","pid":1,"tid":2,"ts":1,"dur":2},
{"ph":"b","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":0,"bind_id":1,"flow_out":true},
{"ph":"b","name":"ready, not running","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":0,"args":{"state":"ready"}},
{"ph":"e","name":"ready, not running","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":1},
{"ph":"e","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":6}
],"displayTimeUnit":"ms","otherData":{}}`
	if got := validateFails(t, ok); got != "" {
		t.Fatalf("a good trace: %s", got)
	}
	for _, tt := range []struct{ name, events, want string }{
		{"tid 0", `{"ph":"X","name":"x","pid":1,"tid":0,"ts":0,"dur":1}`, "tid is not a positive"},
		{"ts in ns fractions", `{"ph":"X","name":"x","pid":1,"tid":2,"ts":0.0001,"dur":1}`, "ts missing"},
		{"overlap", `{"ph":"X","name":"x","pid":1,"tid":2,"ts":0,"dur":2},{"ph":"X","name":"y","pid":1,"tid":2,"ts":1,"dur":2}`, "without nesting"},
		{"unnamed state", `{"ph":"X","name":"busy","cat":"working","pid":1,"tid":2,"ts":0,"dur":2}`, "not by its legend"},
		{"no thread name", `{"ph":"X","name":"x","pid":1,"tid":3,"ts":0,"dur":2}`, "no thread_name"},
		{"no process name", `{"ph":"C","name":"c","pid":9,"ts":0,"args":{"n":1}}`, "no process_name"},
		{"numeric local id", `{"ph":"b","name":"A","cat":"task","id2":{"local":1},"pid":1,"ts":0}`, "id2"},
		{"unended", `{"ph":"b","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":0}`, "never ends"},
		{"crossed", `{"ph":"b","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":0},
{"ph":"b","name":"waiting (I/O, sleep)","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":1,"args":{"state":"waiting"}},
{"ph":"e","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":2}`, "ends \"waiting"},
		{"back in time", `{"ph":"b","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":5},
{"ph":"e","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":4}`, "back in time"},
		{"nested not a state", `{"ph":"b","name":"A","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":0},
{"ph":"b","name":"B","cat":"task","id2":{"local":"0x1"},"pid":1,"ts":1}`, "named by its state"},
		{"flow without end", `{"ph":"X","name":"x","pid":1,"tid":2,"ts":0,"dur":1,"bind_id":7,"flow_out":true}`, "want one of each"},
		{"flow backwards", `{"ph":"X","name":"x","pid":1,"tid":2,"ts":0,"dur":1,"bind_id":7,"flow_in":true},
{"ph":"X","name":"y","pid":1,"tid":2,"ts":3,"dur":1,"bind_id":7,"flow_out":true}`, "starts at 3000 ns, ends at 0 ns"},
		{"s/f flow", `{"ph":"s","name":"x","cat":"c","id":1,"pid":1,"tid":2,"ts":0}`, "not one conclab writes"},
	} {
		got := validateFails(t, `{"traceEvents":[`+names+"\n"+tt.events+`]}`)
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: validateTrace says %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := validateFails(t, `{"traceEvents":[],"metadata":{}}`); !strings.Contains(got, "does not know") {
		t.Errorf("an unknown top-level key: %q", got)
	}
}
