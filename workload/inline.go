package workload

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// InlineHelp describes the inline form for `conclab run --help`.
const InlineHelp = `Inline workloads (-e) are one line: groups of tasks separated by ";".

  GROUP     [N x] [NAME:] [STEP, STEP, ...] [every DUR] [start DUR] [weight W]
            [input SIZE] [output SIZE] [after NAME, NAME, ...]
  STEP      work DUR [released] [offload thread|process [input SIZE] [output SIZE]]
            wait DUR [blocking] [offload thread|process [input SIZE] [output SIZE]]
            repeat N [STEP, STEP, ...]
            use RES [STEP, STEP, ...]
            gather [[N x] [STEP, ...], [N x] [STEP, ...], ...]
            choose [W: [STEP, ...], W: [STEP, ...], ...]
  DUR       2s | 15ms | 250us | 1m30s | exp(50ms) | uniform(10ms, 30ms)
            | normal(50ms, 10ms) | lognormal(50ms, 20ms)
  SIZE      512B | 10KB | 2MB | 1GB (1000-based) | 64KiB | 2MiB (1024-based)
  SETTING   cores=N | switch=DUR | seed=N | runtime=R | name=NAME
            | arrivals=RATE for DUR|count N [poisson|uniform]
            | res RES=CAPACITY [global]
  RATE      200/s | 5/ms | 30/min

"N x" makes N copies of the group (NAME-1 ... NAME-N); unnamed groups are
task-1, task-2, ... "released" is C code that releases the GIL, "blocking"
a wait that blocks the thread even under asyncio (time.sleep), "offload"
sends the step to the event loop's thread or process pool. Settings may
stand anywhere among the groups.

"res db=10" declares a resource of 10 units (a connection pool; a lock has
1), one per worker process unless "global"; "use db [...]" holds one unit
while its steps run, waiting FIFO when none is free. "gather [...]" runs
its branches side by side (each "N x" copy a task of its own) and goes on
when all have finished; "choose [...]" runs one alternative, drawn by
weight (default 1). "input" and "output" are the bytes pickled to a worker
process and back (processes(N), and steps offloaded to a process).

With arrivals= the workload is open: tasks arrive at RATE (Poisson unless
"uniform") for DUR or until N have come, each built from one group, picked
by its weight (default 1); such groups take no "N x", every, start or after.

"after fetch" releases a group once every task of the group fetch (named
earlier in the line) has finished, its start and every counted from then:
the next phase of a program that waits for the last.
For example:

  3 x [wait 2s]
  2 x [work 1s]
  cores=2; io: [repeat 200 [wait 500us]]; cpu: [work 3s]
  A: [work 5ms, wait 120ms, wait 30ms blocking]; B: [work 40ms released]
  100 x fetch: [work 5ms, wait exp(100ms)] every 10ms
  10 x [work 2ms, wait 100ms blocking offload thread]
  arrivals=200/s for 10s; req: [work 1ms, wait exp(100ms)]
  arrivals=50/s count 1000; hit: [work 50us] weight 9; miss: [work 1ms, wait 40ms]
  res db=10; 100 x [work 2ms, use db [wait 5ms], gather [3 x [wait 30ms]]]
  res a=1; res b=1; A: [use a [wait 10ms, use b [wait 1ms]]]; B: [use b [wait 10ms, use a [wait 1ms]]]
  50 x [choose [90: [work 50us], 10: [wait 40ms]]]
  8 x [work 100ms] input 50MB output 1KB
  20 x fetch: [wait 20ms, work 5ms]; 20 x parse: [work 10ms] after fetch start 20ms`

// maxInline bounds the inline text; a command line is much shorter.
const maxInline = 1 << 16

// ParseInline reads the one-line form described by InlineHelp. Errors are
// *Error with File "-e", Line 1 and Col the 1-based column (in characters)
// in expr. The workload is named "inline" unless a name= setting says
// otherwise, and its File is "".
func ParseInline(expr string) (*Workload, error) {
	w, err := parseInline(expr)
	if err != nil {
		return nil, err
	}
	return w, nil
}

const inlineFile = "-e"

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tPunct // one of [ ] ( ) , ; : =
)

type tok struct {
	kind tokKind
	text string
	off  int // byte offset in the expression
	col  int // 1-based column in characters
}

type inlineParser struct {
	src  string
	toks []tok
	eof  tok
	i    int
	// given holds, per group, where each of its options ("count", "every",
	// "start", "weight") was written: whether they are allowed depends on
	// an arrivals= setting that may come later in the line.
	given []map[string]int
	// The resources the line declares (res), wherever it declares them,
	// and the tokens each declaration spans (from its "res" to its end).
	resources []Resource
	resEnd    map[int]int
}

func parseInline(expr string) (*Workload, *Error) {
	p := &inlineParser{src: expr}
	if len(expr) > maxInline {
		return nil, p.errAt(0, "inline workload too long (at most %d bytes; use a file)", maxInline)
	}
	if !utf8.ValidString(expr) {
		return nil, p.errAt(0, "inline workload is not valid UTF-8 text")
	}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if p.peek().kind == tEOF {
		return nil, p.errAt(0, "empty inline workload (e.g. 3 x [wait 2s])")
	}
	w := &Workload{Name: "inline", Seed: 1}
	if err := p.declarations(); err != nil {
		return nil, err
	}
	w.Resources = p.resources
	seen := map[string]bool{}
	for {
		if p.peek().kind == tEOF {
			break
		}
		if p.is(";") {
			p.i++
			continue
		}
		if end, ok := p.resEnd[p.i]; ok {
			p.i = end // declared already
		} else if t := p.peek(); t.kind == tWord && p.peekAt(1).text == "=" && p.peekAt(1).kind == tPunct {
			if seen[t.text] {
				return nil, p.errAt(t.off, "%s is set twice", t.text)
			}
			seen[t.text] = true
			if err := p.setting(w); err != nil {
				return nil, err
			}
		} else {
			g, err := p.group(len(w.Groups))
			if err != nil {
				return nil, err
			}
			w.Groups = append(w.Groups, g)
		}
		if t := p.peek(); t.kind != tEOF && !p.is(";") {
			return nil, p.errAt(t.off, "unexpected %s (want \";\" between groups)", show(t))
		}
	}
	if len(w.Groups) == 0 {
		return nil, p.errAt(len(p.src), "no tasks (add a group such as 3 x [wait 2s])")
	}
	if err := p.checkOpen(w.Arrivals != nil); err != nil {
		return nil, err
	}
	if err := finish(w, inlineFile); err != nil {
		return nil, err
	}
	return w, nil
}

// checkOpen refuses the group options that do not fit whether the workload
// is open (has arrivals) or not, at the first such option in the line.
func (p *inlineParser) checkOpen(open bool) *Error {
	off, what := -1, ""
	for _, given := range p.given {
		for opt, at := range given {
			if open == (opt == "weight") || off >= 0 && at > off {
				continue
			}
			off, what = at, opt
		}
	}
	switch {
	case off < 0:
		return nil
	case what == "weight":
		return p.errAt(off, "weight is only used with arrivals= (it picks the group an arrival is built from)")
	case what == "count":
		return p.errAt(off, "a count (N x) is not used with arrivals=: each arrival is one task built from a group")
	}
	return p.errAt(off, "%s is not used with arrivals=: each arrival is one task built from a group", what)
}

// errAt places an error at byte offset off of the expression.
func (p *inlineParser) errAt(off int, format string, args ...any) *Error {
	off = min(max(off, 0), len(p.src))
	col := utf8.RuneCountInString(p.src[:off]) + 1
	return errorAt(inlineFile, Pos{1, col}, format, args...)
}

func (t tok) pos() Pos {
	return Pos{Line: 1, Col: t.col}
}

func isPunct(r rune) bool {
	return strings.ContainsRune("[](),;:=", r)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r'
}

func (p *inlineParser) lex() *Error {
	s := p.src
	col := 1 // of s[i]
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case isSpace(r):
			i += n
			col++
		case isPunct(r):
			p.toks = append(p.toks, tok{kind: tPunct, text: s[i : i+n], off: i, col: col})
			i += n
			col++
		case r < ' ' || r == 0x7f:
			return p.errAt(i, "unexpected control character %q", r)
		default:
			start, startCol := i, col
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if isSpace(r) || isPunct(r) || r < ' ' || r == 0x7f {
					break
				}
				i += n
				col++
			}
			p.toks = append(p.toks, tok{kind: tWord, text: s[start:i], off: start, col: startCol})
		}
	}
	p.eof = tok{kind: tEOF, off: len(s), col: col}
	return nil
}

func (p *inlineParser) peek() tok { return p.peekAt(0) }

func (p *inlineParser) peekAt(k int) tok {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.eof
}

func (p *inlineParser) next() tok {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// is reports whether the next token is the punctuation s.
func (p *inlineParser) is(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func show(t tok) string {
	if t.kind == tEOF {
		return "the end"
	}
	return strconv.Quote(t.text)
}

func (p *inlineParser) setting(w *Workload) *Error {
	key := p.next()
	p.next() // "="
	val := p.next()
	if val.kind != tWord {
		return p.errAt(val.off, "%s= needs a value, got %s", key.text, show(val))
	}
	switch key.text {
	case "cores":
		n, err := strconv.Atoi(val.text)
		if err != nil || n < 1 || n > MaxCores {
			return p.errAt(val.off, "cores must be a whole number from 1 to %d, got %s", MaxCores, val.text)
		}
		w.Cores = n
	case "switch", "switch_interval":
		d, msg := parseFixed(val.text)
		if msg == "" && d == 0 {
			msg = "switch must be more than 0 (CPython's default is " + FormatDuration(DefaultSwitchInterval) + ")"
		}
		if msg != "" {
			return p.errAt(val.off, "%s", msg)
		}
		w.SwitchInterval = d
	case "seed":
		s, err := strconv.ParseUint(val.text, 10, 64)
		if err != nil {
			return p.errAt(val.off, "seed must be a whole number ≥ 0, got %s", val.text)
		}
		w.Seed = s
	case "runtime":
		for _, r := range Runtimes {
			if val.text == r {
				w.Runtime = r
				return nil
			}
		}
		return p.errAt(val.off, "runtime must be %s, got %s", orList(Runtimes), val.text)
	case "name":
		if msg, at := nameProblem(val.text); msg != "" {
			return p.errAt(val.off+at, "%s", msg)
		}
		w.Name = val.text
	case "arrivals":
		a, err := p.arrivals(val)
		if err != nil {
			return err
		}
		w.Arrivals = a
	default:
		return p.errAt(key.off, "unknown setting %q (want cores, switch, seed, runtime, name or arrivals)", key.text)
	}
	return nil
}

// arrivals reads the rest of "arrivals=RATE for DUR|count N [poisson|uniform]"
// after the rate token.
func (p *inlineParser) arrivals(rate tok) (*Arrivals, *Error) {
	a := &Arrivals{Pattern: Poisson, Pos: rate.pos()}
	r, msg := parseRate(rate.text)
	if msg != "" {
		return nil, p.errAt(rate.off, "%s", msg)
	}
	a.Rate = r
	var forSet, countSet, patternSet bool
	for {
		t := p.peek()
		if t.kind != tWord {
			break
		}
		p.i++
		switch t.text {
		case "for":
			if forSet || countSet {
				return nil, p.errAt(t.off, "arrivals takes one of for DUR or count N, once")
			}
			d, err := p.fixed("for")
			if err != nil {
				return nil, err
			}
			if d == 0 {
				return nil, p.errAt(p.toks[p.i-1].off, "for must be more than 0")
			}
			a.For, forSet = d, true
		case "count":
			if forSet || countSet {
				return nil, p.errAt(t.off, "arrivals takes one of for DUR or count N, once")
			}
			n, err := p.count("count", MaxTasks)
			if err != nil {
				return nil, err
			}
			a.Count, countSet = n, true
		case "poisson", "uniform":
			if patternSet {
				return nil, p.errAt(t.off, "the arrival pattern is given twice")
			}
			patternSet = true
			if t.text == "uniform" {
				a.Pattern = UniformArrivals
			}
		default:
			return nil, p.errAt(t.off, "unexpected %q in arrivals= (want for DUR, count N, poisson or uniform)", t.text)
		}
	}
	if msg := a.problem(rate.text, forSet, countSet, "for 30s", "count 10000"); msg != "" {
		return nil, p.errAt(rate.off, "%s", msg)
	}
	return a, nil
}

// declarations reads every "res NAME=CAPACITY [global|process]" of the
// line first, so that a use may come before the declaration it names.
// They stand between ";" outside brackets, like settings.
func (p *inlineParser) declarations() *Error {
	p.resEnd = map[int]int{}
	depth, start := 0, true
	for i := 0; i < len(p.toks); i++ {
		t := p.toks[i]
		switch {
		case t.kind == tPunct && (t.text == "[" || t.text == "("):
			depth++
		case t.kind == tPunct && (t.text == "]" || t.text == ")"):
			depth--
		}
		if depth == 0 && t.kind == tPunct && t.text == ";" {
			start = true
			continue
		}
		if !start {
			continue
		}
		start = false
		if t.kind != tWord || t.text != "res" || i+1 >= len(p.toks) || p.toks[i+1].kind != tWord {
			continue
		}
		p.i = i + 1
		name := p.next()
		if msg := resourceNameProblem(name.text); msg != "" {
			return p.errAt(name.off, "%s", msg)
		}
		if resourceIndex(p.resources, name.text) >= 0 {
			return p.errAt(name.off, "resource %q is declared twice", name.text)
		}
		if !p.is("=") {
			return p.errAt(p.peek().off, "expected \"=\" and a capacity after the resource name (e.g. res %s=10), got %s", name.text, show(p.peek()))
		}
		p.i++
		c := p.next()
		n, err := strconv.Atoi(c.text)
		if c.kind != tWord || err != nil || n < 1 || n > MaxCapacity {
			return p.errAt(c.off, "capacity must be a whole number from 1 to %d, got %s", MaxCapacity, show(c))
		}
		r := Resource{Name: name.text, Capacity: n, Pos: name.pos()}
		if sc := p.peek(); sc.kind == tWord && (sc.text == "global" || sc.text == "process") {
			p.i++
			if sc.text == "global" {
				r.Scope = ScopeGlobal
			}
		}
		if t := p.peek(); t.kind != tEOF && !p.is(";") {
			return p.errAt(t.off, "unexpected %s after res %s=%d (want global, process or \";\")", show(t), name.text, n)
		}
		if len(p.resources) == MaxResources {
			return p.errAt(t.off, "too many resources (at most %d)", MaxResources)
		}
		p.resources = append(p.resources, r)
		p.resEnd[i] = p.i
		i = p.i - 1
	}
	p.i = 0
	return nil
}

// count reads a whole number in [1, hi] at the next token.
func (p *inlineParser) count(what string, hi int) (int, *Error) {
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tWord || err != nil || n < 1 || n > hi {
		return 0, p.errAt(t.off, "%s must be a whole number from 1 to %d, got %s", what, hi, show(t))
	}
	return n, nil
}

func isTimes(s string) bool {
	return s == "x" || s == "X" || s == "×" || s == "*"
}

func (p *inlineParser) group(index int) (Group, *Error) {
	start := p.peek()
	g := Group{Count: 1, Weight: 1, Pos: start.pos()}
	given := map[string]int{}
	p.given = append(p.given, given)
	if t := p.peek(); t.kind == tWord && startsNumber(t.text) && !(p.peekAt(1).kind == tPunct && p.peekAt(1).text == ":") {
		// "3 x", "3x", "3×", "3 *"
		digits := strings.TrimRightFunc(t.text, func(r rune) bool { return isTimes(string(r)) })
		n, err := strconv.Atoi(digits)
		if err != nil || n < 1 || n > MaxTasks {
			return g, p.errAt(t.off, "count must be a whole number from 1 to %d, got %s", MaxTasks, digits)
		}
		g.Count = n
		given["count"] = t.off
		p.i++
		if digits == t.text {
			if x := p.peek(); x.kind != tWord || !isTimes(x.text) {
				return g, p.errAt(x.off, "expected x after the count (e.g. %d x [wait 2s]), got %s", n, show(x))
			}
			p.i++
		}
	}
	if t := p.peek(); t.kind == tWord {
		if c := p.peekAt(1); c.kind == tPunct && c.text == ":" {
			if msg, at := nameProblem(t.text); msg != "" {
				return g, p.errAt(t.off+at, "%s", msg)
			}
			g.Name = t.text
			p.i += 2
		} else if isStepWord(t.text) {
			return g, p.errAt(t.off, "steps go inside [ ] (e.g. [%s ...])", t.text)
		} else {
			return g, p.errAt(c.off, "expected \":\" after the task name %q, got %s", t.text, show(c))
		}
	}
	if !p.is("[") {
		t := p.peek()
		return g, p.errAt(t.off, "expected \"[\" to start the steps (e.g. 3 x [wait 2s]), got %s", show(t))
	}
	steps, err := p.steps(0, 0)
	if err != nil {
		return g, err
	}
	g.Steps = steps
	for {
		t := p.peek()
		if t.kind != tWord {
			break
		}
		if _, twice := given[t.text]; twice && t.text != "count" {
			return g, p.errAt(t.off, "%s is set twice", t.text)
		}
		switch t.text {
		case "weight":
			given[t.text] = t.off
			p.i++
			v := p.next()
			w, err := strconv.ParseFloat(v.text, 64)
			if v.kind != tWord || err != nil || !(w > 0) || math.IsInf(w, 0) {
				return g, p.errAt(v.off, "weight must be a number > 0, got %s", show(v))
			}
			if w > MaxWeight {
				return g, p.errAt(v.off, "weight %s is too large (at most %g; weights are relative, e.g. 90 and 10)", v.text, MaxWeight)
			}
			g.Weight = w
		case "every", "start":
			given[t.text] = t.off
			p.i++
			d, err := p.fixed(t.text)
			if err != nil {
				return g, err
			}
			if t.text == "every" {
				g.Every = d
			} else {
				g.Start = d
			}
		case "after":
			given[t.text] = t.off
			p.i++
			g.AfterPos = p.peek().pos()
			for {
				v := p.next()
				if v.kind != tWord {
					return g, p.errAt(v.off, "after needs the name of a task above (e.g. after fetch), got %s", show(v))
				}
				if msg, at := nameProblem(v.text); msg != "" {
					return g, p.errAt(v.off+at, "%s", msg)
				}
				g.AfterNames = append(g.AfterNames, v.text)
				if c := p.peek(); c.kind != tPunct || c.text != "," {
					break
				}
				p.i++
			}
		case "input", "output":
			given[t.text] = t.off
			p.i++
			n, err := p.size(t.text)
			if err != nil {
				return g, err
			}
			if t.text == "input" {
				g.Input = n
			} else {
				g.Output = n
			}
		default:
			return g, p.errAt(t.off, "unexpected %q after the steps (want every DUR, start DUR, weight W, input SIZE, output SIZE, after NAME or \";\")", t.text)
		}
	}
	return g, nil
}

func startsNumber(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '+')
}

func isStepWord(s string) bool {
	return isStepKind(s)
}

// size reads a byte size for the option what.
func (p *inlineParser) size(what string) (int64, *Error) {
	t := p.next()
	if t.kind != tWord {
		return 0, p.errAt(t.off, "%s needs a size like 2MB, got %s", what, show(t))
	}
	n, msg := parseSize(t.text)
	if msg != "" {
		return 0, p.errAt(t.off, "%s", msg)
	}
	return n, nil
}

// fixed reads a plain duration for the option what.
func (p *inlineParser) fixed(what string) (int64, *Error) {
	t := p.next()
	if t.kind != tWord {
		return 0, p.errAt(t.off, "%s needs a duration like 10ms, got %s", what, show(t))
	}
	if p.is("(") {
		return 0, p.errAt(t.off, "%s must be a plain duration like 10ms (distributions are for work and wait)", what)
	}
	d, msg := parseFixed(t.text)
	if msg != "" {
		return 0, p.errAt(t.off, "%s", msg)
	}
	return d, nil
}

// steps reads "[ step, step, ... ]"; depth counts the repeats around it,
// blocks the blocks of any kind.
func (p *inlineParser) steps(depth, blocks int) ([]Step, *Error) {
	open := p.next() // "["
	var out []Step
	for {
		if p.is("]") {
			if len(out) == 0 {
				return nil, p.errAt(open.off, "empty steps [ ] (want e.g. [work 5ms, wait 100ms])")
			}
			p.i++
			return out, nil
		}
		s, err := p.step(depth, blocks)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		switch t := p.peek(); {
		case t.kind == tPunct && t.text == ",":
			p.i++
		case t.kind == tPunct && t.text == "]":
		case t.kind == tEOF:
			return nil, p.errAt(t.off, "missing \"]\" to close the steps opened at column %d", open.col)
		default:
			return nil, p.errAt(t.off, "unexpected %s after a step (want \",\" or \"]\")", show(t))
		}
	}
}

func (p *inlineParser) step(depth, blocks int) (Step, *Error) {
	t := p.next()
	st := Step{Pos: t.pos()}
	if t.kind != tWord {
		return st, p.errAt(t.off, "expected a step (%s), got %s", orList(stepKinds), show(t))
	}
	if t.text != "work" && t.text != "wait" && isStepKind(t.text) && blocks+1 > MaxNest {
		return st, p.errAt(t.off, "blocks nested too deeply (at most %d levels of repeat, use, gather and choose)", MaxNest)
	}
	switch t.text {
	case "use", "gather", "choose":
		return p.block(t, depth, blocks)
	case "work":
		st.Kind = Work
	case "wait":
		st.Kind = Wait
	case "repeat":
		st.Kind = Repeat
		if depth+1 > MaxDepth {
			return st, p.errAt(t.off, "repeats nested too deeply (at most %d levels)", MaxDepth)
		}
		n, err := p.count("repeat count", MaxRepeat)
		if err != nil {
			return st, err
		}
		st.Count = n
		if x := p.peek(); x.kind == tWord && isTimes(x.text) {
			p.i++
		}
		if !p.is("[") {
			x := p.peek()
			return st, p.errAt(x.off, "expected \"[\" with the steps to repeat (e.g. repeat %d [wait 1ms]), got %s", n, show(x))
		}
		st.Steps, err = p.steps(depth+1, blocks+1)
		return st, err
	default:
		return st, p.errAt(t.off, "%s", unknownStepKind(t.text))
	}
	d, err := p.dist(t.text)
	if err != nil {
		return st, err
	}
	st.Dur = d
	// Each flag once, as YAML refuses a key given twice; released and
	// held are the one key gil.
	seen := map[string]string{}
	for {
		f := p.peek()
		if f.kind != tWord {
			return st, nil
		}
		p.i++
		key := f.text
		if key == "released" || key == "held" {
			key = "gil"
		}
		if prev, dup := seen[key]; dup && (key == "gil" || key == "blocking" || key == "offload" || key == "input" || key == "output") {
			if prev != f.text {
				return st, p.errAt(f.off, "%s and %s contradict each other (give one)", prev, f.text)
			}
			return st, p.errAt(f.off, "%s is set twice", f.text)
		}
		seen[key] = f.text
		switch {
		case f.text == "released" && st.Kind == Work:
			st.GILReleased = true
		case f.text == "held" && st.Kind == Work:
			st.GILReleased = false
		case f.text == "blocking" && st.Kind == Wait:
			st.Blocking = true
		case f.text == "input" || f.text == "output":
			if st.Offload != OffloadProcess {
				return st, p.errAt(f.off, "%s applies to a step offloaded to a process (put it after offload process); a task's own data goes after its steps", f.text)
			}
			n, err := p.size(f.text)
			if err != nil {
				return st, err
			}
			if f.text == "input" {
				st.Input = n
			} else {
				st.Output = n
			}
		case f.text == "offload":
			o := p.next()
			switch o.text {
			case "thread":
				st.Offload = OffloadThread
			case "process":
				st.Offload = OffloadProcess
			default:
				return st, p.errAt(o.off, "offload must be thread or process, got %s", show(o))
			}
		case f.text == "blocking":
			return st, p.errAt(f.off, "blocking applies to wait steps only (work always occupies its thread)")
		case f.text == "released" || f.text == "held":
			return st, p.errAt(f.off, "%s applies to work steps only (a wait does not hold the GIL)", f.text)
		default:
			flags := "released, offload thread|process"
			if st.Kind == Wait {
				flags = "blocking, offload thread|process"
			}
			if st.Offload == OffloadProcess {
				flags += ", input SIZE, output SIZE"
			}
			return st, p.errAt(f.off, "unexpected %q after %s (want %s, \",\" or \"]\")", f.text, t.text, flags)
		}
	}
}

// dist reads a duration or a distribution after the step word what.
func (p *inlineParser) dist(what string) (Dist, *Error) {
	t := p.next()
	if t.kind != tWord {
		return Dist{}, p.errAt(t.off, "%s needs a duration like 5ms or exp(50ms), got %s", what, show(t))
	}
	end := t.off + len(t.text)
	if p.is("(") {
		for {
			c := p.next()
			if c.kind == tEOF {
				return Dist{}, p.errAt(t.off, "%s( is missing its \")\"", t.text)
			}
			if c.kind == tPunct && c.text == ")" {
				end = c.off + 1
				break
			}
		}
	}
	d, off, msg := parseDist(p.src[t.off:end])
	if msg != "" {
		return Dist{}, p.errAt(t.off+off, "%s", msg)
	}
	return d, nil
}

// block reads the rest of a use, gather or choose step after its word t.
func (p *inlineParser) block(t tok, depth, blocks int) (Step, *Error) {
	st := Step{Pos: t.pos()}
	switch t.text {
	case "use":
		st.Kind = Use
		name := p.next()
		if name.kind != tWord {
			return st, p.errAt(name.off, "use needs the name of a resource (e.g. use db [wait 5ms]), got %s", show(name))
		}
		if st.Resource = resourceIndex(p.resources, name.text); st.Resource < 0 {
			msg := unknownResource(name.text, p.resources)
			if len(p.resources) == 0 {
				msg = "unknown resource " + strconv.Quote(name.text) + ": declare it with res " + name.text + "=N (e.g. res " + name.text + "=10; ...)"
			}
			return st, p.errAt(name.off, "%s", msg)
		}
		if !p.is("[") {
			x := p.peek()
			return st, p.errAt(x.off, "expected \"[\" with the steps that hold %s (e.g. use %s [wait 5ms]), got %s", name.text, name.text, show(x))
		}
		var err *Error
		st.Steps, err = p.steps(depth, blocks+1)
		return st, err
	case "gather":
		st.Kind = Gather
	default:
		st.Kind = Choose
	}
	open := p.peek()
	if !p.is("[") {
		return st, p.errAt(open.off, "expected \"[\" after %s (e.g. %s), got %s", t.text, inlineBlockExample(t.text), show(open))
	}
	p.i++
	for {
		if p.is("]") {
			if len(st.Branches)+len(st.Alternatives) == 0 {
				return st, p.errAt(open.off, "empty %s [ ] (want e.g. %s)", t.text, inlineBlockExample(t.text))
			}
			p.i++
			return st, nil
		}
		if err := p.entry(&st, depth, blocks); err != nil {
			return st, err
		}
		switch x := p.peek(); {
		case x.kind == tPunct && x.text == ",":
			p.i++
		case x.kind == tPunct && x.text == "]":
		case x.kind == tEOF:
			return st, p.errAt(x.off, "missing \"]\" to close the %s opened at column %d", t.text, open.col)
		default:
			return st, p.errAt(x.off, "unexpected %s after an entry of %s (want \",\" or \"]\")", show(x), t.text)
		}
	}
}

// entry reads one branch of a gather, "[N x] [steps]", or one alternative
// of a choose, "[W:] [steps]", into st.
func (p *inlineParser) entry(st *Step, depth, blocks int) *Error {
	start := p.peek()
	if st.Kind == Gather {
		b := Branch{Count: 1, Pos: start.pos()}
		if t := p.peek(); t.kind == tWord && startsNumber(t.text) {
			digits := strings.TrimRightFunc(t.text, func(r rune) bool { return isTimes(string(r)) })
			n, err := strconv.Atoi(digits)
			if err != nil || n < 1 || n > MaxTasks {
				return p.errAt(t.off, "a branch count must be a whole number from 1 to %d, got %s", MaxTasks, digits)
			}
			b.Count = n
			p.i++
			if digits == t.text {
				if x := p.peek(); x.kind != tWord || !isTimes(x.text) {
					return p.errAt(x.off, "expected x after the branch count (e.g. %d x [wait 30ms]), got %s", n, show(x))
				}
				p.i++
			}
		}
		if !p.is("[") {
			x := p.peek()
			return p.errAt(x.off, "expected \"[\" with a branch's steps (e.g. gather [3 x [wait 30ms], [work 1ms]]), got %s", show(x))
		}
		var err *Error
		b.Steps, err = p.steps(depth, blocks+1)
		st.Branches = append(st.Branches, b)
		return err
	}
	a := Alternative{Weight: 1, Pos: start.pos()}
	if t := p.peek(); t.kind == tWord {
		w, err := strconv.ParseFloat(t.text, 64)
		if err != nil || !(w > 0) || math.IsInf(w, 0) {
			return p.errAt(t.off, "weight must be a number > 0, got %s", show(t))
		}
		if w > MaxWeight {
			return p.errAt(t.off, "weight %s is too large (at most %g; weights are relative, e.g. 90 and 10)", t.text, MaxWeight)
		}
		a.Weight = w
		p.i++
		if !p.is(":") {
			x := p.peek()
			return p.errAt(x.off, "expected \":\" after the weight (e.g. %s: [work 50us]), got %s", t.text, show(x))
		}
		p.i++
	}
	if !p.is("[") {
		x := p.peek()
		return p.errAt(x.off, "expected \"[\" with an alternative's steps (e.g. choose [90: [work 50us], 10: [wait 40ms]]), got %s", show(x))
	}
	var err *Error
	a.Steps, err = p.steps(depth, blocks+1)
	st.Alternatives = append(st.Alternatives, a)
	return err
}

// inlineBlockExample shows a gather or a choose written inline.
func inlineBlockExample(kind string) string {
	if kind == "choose" {
		return "choose [90: [work 50us], 10: [wait 40ms]]"
	}
	return "gather [3 x [wait 30ms], [work 1ms]]"
}
