package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conclab/conclab/internal/yamlguard"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// constant is one cost constant of a Profile as it appears in YAML.
type constant struct {
	key   string // YAML key
	field string // Profile field name, the key of Sources
	size  bool   // bytes; otherwise a duration in nanoseconds
	about string // the comment written beside it
	ptr   func(*Profile) *int64
	// later says the constant came after profiles were first written: a
	// profile file or a measurement without it takes the built-in
	// profile's figure (see builtinFigure).
	later bool
}

// constants lists the cost constants in the order YAML writes them.
var constants = []constant{
	{"thread_start", "ThreadStart", false, "Thread.start(), paid by the starting thread", func(p *Profile) *int64 { return &p.ThreadStart }, false},
	{"pool_submit", "PoolSubmit", false, "CPU of a thread pool's submit, on the submitter", func(p *Profile) *int64 { return &p.PoolSubmit }, false},
	{"pool_task", "PoolTask", false, "CPU per task on a pool worker", func(p *Profile) *int64 { return &p.PoolTask }, false},
	{"wake_latency", "WakeLatency", false, "delay before a signalled thread runs", func(p *Profile) *int64 { return &p.WakeLatency }, false},
	{"gil_handover", "GILHandover", false, "delay before a GIL waiter runs once it is released", func(p *Profile) *int64 { return &p.GILHandover }, true},
	{"gil_arrived_wait_2", "GILArrived2", false, "GIL wait after I/O beside 2 CPU-bound threads (mean)", func(p *Profile) *int64 { return &p.GILArrived2 }, true},
	{"gil_arrived_wait_3", "GILArrived3", false, "the same beside 3 CPU-bound threads", func(p *Profile) *int64 { return &p.GILArrived3 }, true},
	{"gil_arrived_wait_4", "GILArrived4", false, "the same beside 4 CPU-bound threads", func(p *Profile) *int64 { return &p.GILArrived4 }, true},
	{"gil_arrived_wait_5", "GILArrived5", false, "the same beside 5 CPU-bound threads", func(p *Profile) *int64 { return &p.GILArrived5 }, true},
	{"gil_arrived_wait_6", "GILArrived6", false, "the same beside 6 CPU-bound threads", func(p *Profile) *int64 { return &p.GILArrived6 }, true},
	{"lock_spin", "LockSpin", false, "a lock waiter's spin with every core computing", func(p *Profile) *int64 { return &p.LockSpin }, true},
	{"loop_resume", "LoopResume", false, "CPU per resume of a task by the event loop", func(p *Profile) *int64 { return &p.LoopResume }, false},
	{"loop_turn", "LoopTurn", false, "CPU of an event loop's iteration beyond its callbacks", func(p *Profile) *int64 { return &p.LoopTurn }, true},
	{"loop_timer", "LoopTimer", false, "CPU of the timer of an awaited sleep, armed and fired", func(p *Profile) *int64 { return &p.LoopTimer }, false},
	{"loop_timer_fire", "LoopTimerFire", false, "of loop_timer, what the loop pays when it falls due", func(p *Profile) *int64 { return &p.LoopTimerFire }, true},
	{"task_create", "TaskCreate", false, "CPU to create one asyncio task", func(p *Profile) *int64 { return &p.TaskCreate }, false},
	{"gather_child", "GatherChild", false, "CPU per child of asyncio.gather beyond its creation", func(p *Profile) *int64 { return &p.GatherChild }, true},
	{"task_first_touch", "TaskFirstTouch", false, "CPU per asyncio task beyond a loop's peak", func(p *Profile) *int64 { return &p.TaskFirstTouch }, true},
	{"gc_objects_per_task", "GCObjectsPerTask", true, "tracked objects per pending asyncio task (a count)", func(p *Profile) *int64 { return &p.GCObjectsPerTask }, true},
	{"gc_objects_at_create", "GCObjectsAtCreate", true, "of those, made before the task first runs (a count)", func(p *Profile) *int64 { return &p.GCObjectsAtCreate }, true},
	{"gc_transient_objects", "GCObjectsTransient", true, "made at creation, freed by the first run (a count)", func(p *Profile) *int64 { return &p.GCObjectsTransient }, true},
	{"gc_child_objects", "GCObjectsPerChild", true, "tracked objects of a gather's child (a count)", func(p *Profile) *int64 { return &p.GCObjectsPerChild }, true},
	{"gc_gather_objects", "GCObjectsPerGather", true, "tracked objects of a pending gather (a count)", func(p *Profile) *int64 { return &p.GCObjectsPerGather }, true},
	{"gc_threshold", "GCThreshold", true, "tracked allocations per young collection (a count)", func(p *Profile) *int64 { return &p.GCThreshold }, true},
	{"gc_base_objects", "GCBaseObjects", true, "objects the cyclic GC tracks before any task (a count)", func(p *Profile) *int64 { return &p.GCBaseObjects }, true},
	{"gc_count0", "GCCount0", true, "GC generation-0 count as the first coroutine runs", func(p *Profile) *int64 { return &p.GCCount0 }, true},
	{"gc_count1", "GCCount1", true, "GC generation-1 count as the first coroutine runs", func(p *Profile) *int64 { return &p.GCCount1 }, true},
	{"gc_count2", "GCCount2", true, "GC generation-2 count as the first coroutine runs", func(p *Profile) *int64 { return &p.GCCount2 }, true},
	{"gc_young", "GCYoung", false, "CPU of young collections per tracked object allocated", func(p *Profile) *int64 { return &p.GCYoung }, true},
	{"gc_scan", "GCScan", false, "CPU of a full collection per tracked object", func(p *Profile) *int64 { return &p.GCScan }, true},
	{"process_fork", "ProcessFork", false, "start-up of one worker process with fork (elapsed)", func(p *Profile) *int64 { return &p.ProcessFork }, false},
	{"fork_parent", "ForkParent", false, "the parent's time per fork, one fork after another", func(p *Profile) *int64 { return &p.ForkParent }, true},
	{"fork_child", "ForkChild", false, "of process_fork, the forked worker's own CPU", func(p *Profile) *int64 { return &p.ForkChild }, true},
	{"process_spawn", "ProcessSpawn", false, "start-up of one worker process with spawn", func(p *Profile) *int64 { return &p.ProcessSpawn }, false},
	{"resource_tracker", "ResourceTracker", false, "CPU of the resource tracker's start (spawn, forkserver)", func(p *Profile) *int64 { return &p.ResourceTracker }, true},
	{"forkserver_boot", "ForkserverBoot", false, "start-up of a forkserver, once per program", func(p *Profile) *int64 { return &p.ForkserverBoot }, true},
	{"process_forkserver", "ProcessForkserver", false, "start-up of one worker process with forkserver", func(p *Profile) *int64 { return &p.ProcessForkserver }, true},
	{"process_task", "ProcessTask", false, "CPU per task sent to a worker process", func(p *Profile) *int64 { return &p.ProcessTask }, false},
	{"pickle_send_per_mb", "PickleSend", false, "sender's share of moving 1 MB to a worker process", func(p *Profile) *int64 { return &p.PickleSend }, true},
	{"pickle_recv_per_mb", "PickleRecv", false, "receiver's share of moving 1 MB to a worker process", func(p *Profile) *int64 { return &p.PickleRecv }, true},
	{"pickle_fresh_per_mb", "PickleFresh", false, "extra time per MB of a process's first payload received", func(p *Profile) *int64 { return &p.PickleFresh }, true},
	{"sleep_overshoot", "SleepOvershoot", false, "extra elapsed time of a blocking sleep", func(p *Profile) *int64 { return &p.SleepOvershoot }, false},
	{"loop_timer_overshoot", "LoopTimerOvershoot", false, "extra elapsed time of an awaited sleep", func(p *Profile) *int64 { return &p.LoopTimerOvershoot }, false},
	{"timer_slack", "TimerSlack", false, "the kernel's timer slack (part of sleep_overshoot)", func(p *Profile) *int64 { return &p.TimerSlack }, false},
	{"select_resolution", "SelectResolution", false, "unit of an idle event loop's select timeout", func(p *Profile) *int64 { return &p.SelectResolution }, false},
	{"netpoll_resolution", "NetpollResolution", false, "unit of the Go scheduler's netpoll timeout (0: none)", func(p *Profile) *int64 { return &p.NetpollResolution }, true},
	{"thread_rss", "ThreadRSS", true, "resident bytes of one idle thread", func(p *Profile) *int64 { return &p.ThreadRSS }, false},
	{"thread_virtual", "ThreadVirtual", true, "reserved bytes of one thread (its stack)", func(p *Profile) *int64 { return &p.ThreadVirtual }, false},
	{"task_rss", "TaskRSS", true, "resident bytes of one pending asyncio task", func(p *Profile) *int64 { return &p.TaskRSS }, false},
	{"process_rss", "ProcessRSS", true, "resident bytes of one worker process", func(p *Profile) *int64 { return &p.ProcessRSS }, false},
	{"process_virtual", "ProcessVirtual", true, "reserved bytes of one worker process", func(p *Profile) *int64 { return &p.ProcessVirtual }, false},
}

// sourceKeys maps the keys of `sources:` to the Profile fields they name:
// every constant, and slowdown.
var sourceKeys = func() map[string]string {
	m := map[string]string{"slowdown": "Slowdown"}
	for _, c := range constants {
		m[c.key] = c.field
	}
	return m
}()

func sourceKey(field string) string {
	for key, f := range sourceKeys {
		if f == field {
			return key
		}
	}
	return ""
}

// YAML writes p in the format Load reads: one key per line with a comment
// saying what it is, durations Go-style ("45us"), sizes in bytes, and a
// `sources:` map saying where each number comes from.
func (p Profile) YAML() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# conclab runtime profile. Durations are Go-style (45us, 4.5ms); sizes are in bytes.\n")
	line := func(key, value, about string) {
		kv := key + ": " + value
		if about == "" {
			b.WriteString(kv + "\n")
			return
		}
		fmt.Fprintf(&b, "%-36s # %s\n", kv, about)
	}
	if math.IsNaN(p.Slowdown) || math.IsInf(p.Slowdown, 0) || p.Slowdown <= 0 {
		return nil, fmt.Errorf("profile %s: slowdown %v is not a positive number", p.Name, p.Slowdown)
	}
	line("name", quote(p.Name), "")
	line("gil", strconv.FormatBool(p.GIL), "threads of one process take turns running Python code")
	line("asyncio", strconv.FormatBool(p.Asyncio), "the runtime accepts asyncio models")
	line("processes", strconv.FormatBool(p.Processes), "the runtime accepts processes models")
	if p.ExecWorkers { // optional, and written only when true: CPython forks
		line("exec_workers", "true", "worker processes are fresh programs (exec), never forked")
	}
	line("slowdown", strconv.FormatFloat(p.Slowdown, 'f', -1, 64), "factor on Python code (work holding the GIL); 1 for cpython")
	if p.Python != "" {
		line("python", strconv.Quote(p.Python), "the CPython release measured")
	}
	if p.Verify != "" {
		line("verify", strconv.Quote(p.Verify), "the command that proves the profile")
	}
	for _, c := range constants {
		v := *c.ptr(&p)
		if v < 0 {
			return nil, fmt.Errorf("profile %s: %s is negative (%d)", p.Name, c.key, v)
		}
		text := strconv.FormatInt(v, 10)
		if !c.size {
			text = formatDuration(v)
		}
		line(c.key, text, c.about)
	}
	if len(p.Sources) > 0 {
		fields := make([]string, 0, len(p.Sources))
		for field := range p.Sources {
			if sourceKey(field) == "" {
				return nil, fmt.Errorf("profile %s: a source for %q, which is not a constant", p.Name, field)
			}
			fields = append(fields, field)
		}
		// In the order of the keys above: slowdown first, then the constants.
		order := map[string]int{"Slowdown": -1}
		for i, c := range constants {
			order[c.field] = i
		}
		sort.Slice(fields, func(i, j int) bool { return order[fields[i]] < order[fields[j]] })
		b.WriteString("sources:\n")
		for _, field := range fields {
			fmt.Fprintf(&b, "  %s: %s\n", sourceKey(field), strconv.Quote(p.Sources[field]))
		}
	}
	return b.Bytes(), nil
}

// formatDuration writes ns the way time.Duration does, with "us" for µs so
// the file stays ASCII. time.ParseDuration reads it back exactly.
func formatDuration(ns int64) string {
	return strings.Replace(time.Duration(ns).String(), "µs", "us", 1)
}

// quote leaves a plain name as it is and quotes anything else.
func quote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			plain = false
		}
	}
	if plain && s != "true" && s != "false" && s != "null" && (s[0] < '0' || s[0] > '9') {
		return s
	}
	return strconv.Quote(s)
}

// Load reads a profile from a YAML file in the format YAML writes. Every key
// except sources is required and unknown keys are errors; errors name the
// file, line and column.
func Load(path string) (Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return Profile{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, yamlguard.MaxSize+1))
	if err != nil {
		return Profile{}, err
	}
	return parse(path, data)
}

// FileError is a mistake in a profile file, placed at its line and column
// when they are known (0 otherwise), so that a caller can place it without
// reading its message.
type FileError struct {
	Path      string
	Line, Col int
	Msg       string
}

// Error returns "path:line:col: msg", or "path: msg" without a place.
func (e *FileError) Error() string {
	if e.Line < 1 {
		return e.Path + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}

// loadError is a mistake at a place in a profile file.
func loadError(path string, line, col int, format string, args ...any) error {
	return &FileError{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func at(path string, n ast.Node, format string, args ...any) error {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return &FileError{Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	return loadError(path, tk.Position.Line, tk.Position.Column, format, args...)
}

func parse(path string, data []byte) (Profile, error) {
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return Profile{}, &FileError{Path: path, Msg: "not a YAML profile (binary data)"}
	}
	if len(data) > yamlguard.MaxSize {
		return Profile{}, &FileError{Path: path, Msg: fmt.Sprintf("too large for a profile (%d bytes; at most %d MiB)", len(data), yamlguard.MaxSize>>20)}
	}
	// The YAML library's memory and time grow with the square of a text's
	// depth and of a mapping's keys: refuse such a text before it reads it.
	if p := yamlguard.Scan(data); p != nil {
		return Profile{}, loadError(path, p.Line, p.Col, "%s", p.Msg)
	}
	tokens := lexer.Tokenize(string(data))
	if p := yamlguard.Tokens(tokens); p != nil {
		return Profile{}, loadError(path, p.Line, p.Col, "%s", p.Msg)
	}
	file, err := parser.Parse(tokens, 0)
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) && yerr.GetToken() != nil && yerr.GetToken().Position != nil {
			pos := yerr.GetToken().Position
			return Profile{}, loadError(path, pos.Line, pos.Column, "%s", yerr.GetMessage())
		}
		return Profile{}, &FileError{Path: path, Msg: err.Error()}
	}
	if len(file.Docs) != 1 || file.Docs[0].Body == nil {
		return Profile{}, &FileError{Path: path, Msg: "want one YAML document holding a profile"}
	}
	root, ok := file.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		return Profile{}, at(path, file.Docs[0].Body, "want a mapping of profile keys (name, gil, thread_start, …)")
	}

	byKey := map[string]constant{}
	for _, c := range constants {
		byKey[c.key] = c
	}
	var p Profile
	seen := map[string]bool{}
	for _, kv := range root.Values {
		key, ok := kv.Key.(*ast.StringNode)
		if !ok {
			return Profile{}, at(path, kv.Key, "want a key name")
		}
		if seen[key.Value] {
			return Profile{}, at(path, key, "%s given twice", key.Value)
		}
		seen[key.Value] = true
		v := kv.Value
		switch key.Value {
		case "name":
			s, ok := v.(*ast.StringNode)
			if !ok || s.Value == "" {
				return Profile{}, at(path, v, "name: want the profile's name, like cpython")
			}
			p.Name = s.Value
		case "gil", "asyncio", "processes", "exec_workers":
			bv, ok := v.(*ast.BoolNode)
			if !ok {
				return Profile{}, at(path, v, "%s: want true or false", key.Value)
			}
			switch key.Value {
			case "gil":
				p.GIL = bv.Value
			case "asyncio":
				p.Asyncio = bv.Value
			case "exec_workers": // optional: older profiles have none, and fork
				p.ExecWorkers = bv.Value
			default:
				p.Processes = bv.Value
			}
		case "slowdown":
			var f float64
			switch n := v.(type) {
			case *ast.FloatNode:
				f = n.Value
			case *ast.IntegerNode:
				i, ok := intValue(n)
				if !ok {
					return Profile{}, at(path, v, "slowdown: too large")
				}
				f = float64(i)
			default:
				return Profile{}, at(path, v, "slowdown: want a factor, like 1.1")
			}
			if !(f > 0) || math.IsInf(f, 0) {
				return Profile{}, at(path, v, "slowdown: want a factor above 0, like 1.1")
			}
			p.Slowdown = f
		case "python", "verify":
			// "3.10" unquoted is a YAML float (3.1): the text as written.
			var text string
			switch n := v.(type) {
			case *ast.StringNode:
				text = n.Value
			case *ast.FloatNode, *ast.IntegerNode:
				text = n.GetToken().Value
			}
			if strings.TrimSpace(text) == "" {
				return Profile{}, at(path, v, "%s: want text, like %q", key.Value, map[string]string{
					"python": "3.12", "verify": "conclab verify --suite --python python3.12"}[key.Value])
			}
			if key.Value == "python" {
				p.Python = text
			} else {
				p.Verify = text
			}
		case "sources":
			if err := parseSources(path, v, &p); err != nil {
				return Profile{}, err
			}
		default:
			c, ok := byKey[key.Value]
			if !ok {
				return Profile{}, at(path, key, "unknown key %q (want name, gil, asyncio, processes, exec_workers, slowdown, python, verify, %s or sources)",
					key.Value, constantKeys())
			}
			n, err := parseConstant(path, c, v)
			if err != nil {
				return Profile{}, err
			}
			*c.ptr(&p) = n
		}
	}
	for _, c := range constants {
		if c.later && !seen[c.key] {
			seen[c.key] = true
			builtinFigure(&p, c, "not in this profile file")
		}
	}
	for _, key := range append([]string{"name", "gil", "asyncio", "processes", "slowdown"}, keys()...) {
		if !seen[key] {
			var where ast.Node = root
			if len(root.Values) > 0 {
				where = root.Values[0].Key
			}
			return Profile{}, at(path, where, "missing key %s", key)
		}
	}
	return p, nil
}

// intValue returns an integer node's value, which the parser stores as
// int64 or uint64; ok is false when it does not fit an int64.
func intValue(n *ast.IntegerNode) (int64, bool) {
	switch v := n.Value.(type) {
	case int64:
		return v, true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

func keys() []string {
	out := make([]string, len(constants))
	for i, c := range constants {
		out[i] = c.key
	}
	return out
}

func constantKeys() string { return strings.Join(keys(), ", ") }

// builtinFigure sets constant c of p, which a profile file or a
// measurement leaves out, to the figure of the built-in profile of p's
// name (0 when there is none), and says so in its source.
func builtinFigure(p *Profile, c constant, why string) {
	name := p.Name
	if isArrived(c.field) && strings.HasPrefix(name, "cpython") {
		// Every release's are 3.11's (measured builds them from it).
		name = "cpython-3.11"
	}
	b, err := Builtin(name)
	if err == nil && isArrived(c.field) && !p.GIL {
		*c.ptr(&b) = 0 // no GIL to wait for
	}
	if err != nil {
		*c.ptr(p) = 0
		return
	}
	*c.ptr(p) = *c.ptr(&b)
	if p.Sources == nil {
		p.Sources = map[string]string{}
	}
	if src := b.Sources[c.field]; src != "" {
		p.Sources[c.field] = why + ": the built-in " + b.Name + " figure, " + src
	}
}

// parseConstant reads a duration (Go-style) or a size (whole bytes).
func parseConstant(path string, c constant, v ast.Node) (int64, error) {
	if c.size {
		n, ok := v.(*ast.IntegerNode)
		if !ok {
			return 0, at(path, v, "%s: want a size in bytes, like 16384", c.key)
		}
		i, ok := intValue(n)
		if !ok || i < 0 {
			return 0, at(path, v, "%s: want a size in bytes from 0 up, like 16384", c.key)
		}
		return i, nil
	}
	if n, ok := v.(*ast.IntegerNode); ok {
		if i, ok := intValue(n); ok && i == 0 {
			return 0, nil
		}
		return 0, at(path, v, "%s: a duration needs a unit, like 45us or 4.5ms", c.key)
	}
	s, ok := v.(*ast.StringNode)
	if !ok {
		return 0, at(path, v, "%s: want a duration, like 45us or 4.5ms", c.key)
	}
	d, err := time.ParseDuration(s.Value)
	if err != nil {
		return 0, at(path, v, "%s: bad duration %q (want a duration like 45us or 4.5ms)", c.key, s.Value)
	}
	if d < 0 {
		return 0, at(path, v, "%s: negative duration %q", c.key, s.Value)
	}
	return int64(d), nil
}

func parseSources(path string, v ast.Node, p *Profile) error {
	if _, ok := v.(*ast.NullNode); ok {
		return nil
	}
	m, ok := v.(*ast.MappingNode)
	if !ok {
		return at(path, v, "sources: want a mapping from keys to where their numbers come from")
	}
	p.Sources = map[string]string{}
	for _, kv := range m.Values {
		key, ok := kv.Key.(*ast.StringNode)
		if !ok {
			return at(path, kv.Key, "sources: want a key name")
		}
		field, ok := sourceKeys[key.Value]
		if !ok {
			return at(path, key, "sources: unknown key %q (want slowdown or %s)", key.Value, constantKeys())
		}
		if _, dup := p.Sources[field]; dup {
			return at(path, key, "sources: %s given twice", key.Value)
		}
		s, ok := kv.Value.(*ast.StringNode)
		if !ok {
			return at(path, kv.Value, "sources: %s: want text", key.Value)
		}
		p.Sources[field] = s.Value
	}
	return nil
}
