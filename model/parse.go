package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a mistake in a model expression.
type Error struct {
	Expr string // the whole expression
	Col  int    // 1-based column (in characters) within Expr of the mistake
	Msg  string // what is wrong and what would be valid
}

// Error formats e as `model "EXPR", column N: MSG`. Callers that know where
// Expr sits in a file combine their own position with Col and Msg instead.
func (e *Error) Error() string {
	return fmt.Sprintf("model %q, column %d: %s", e.Expr, e.Col, e.Msg)
}

func errorAt(expr string, pos int, format string, args ...any) *Error {
	if pos > len(expr) {
		pos = len(expr)
	}
	return &Error{Expr: expr, Col: utf8.RuneCountInString(expr[:pos]) + 1, Msg: fmt.Sprintf(format, args...)}
}

// The limits of the numbers in an expression.
const (
	MaxThreads   = 100_000    // MaxThreads is the largest thread pool, threads(N).
	MaxProcesses = 4096       // MaxProcesses is the largest process pool, processes(N).
	MaxLimit     = 10_000_000 // MaxLimit is the largest asyncio(limit=K).
	MaxExecutor  = 100_000    // MaxExecutor is the largest asyncio(executor=E).
	MaxSweep     = 10_000     // MaxSweep is the most values one range of a sweep may have.
	MaxFanout    = 100_000    // MaxFanout is the largest second pool, threads(N, fanout=M).
)

const wantModels = "sync, threads, threads(N), asyncio, asyncio(limit=K, executor=E), " +
	"processes(N), processes(P)*threads(T) or processes(P)*asyncio"

const wantComposite = "processes(P)*threads(T) or processes(P)*asyncio"

// Parse parses one model expression, such as "threads(8)" or
// "processes(2, start=spawn)*asyncio(limit=100)". A range such as
// "threads(1..64)" is an error here: ranges are for ParseSweep.
func Parse(expr string) (Deployment, error) {
	ds, err := parse(expr, false)
	if err != nil {
		return Deployment{}, err
	}
	return ds[0], nil
}

// ParseSweep parses a model expression that may hold one integer range a..b
// in one numeric argument, such as "threads(1..64)",
// "processes(1..8)*threads(4)" or "asyncio(limit=1..100)". It returns one
// Deployment per value, in increasing order; without a range, just one.
func ParseSweep(expr string) ([]Deployment, error) {
	return parse(expr, true)
}

// number is a numeric argument: one value, or a range lo..hi.
type number struct {
	lo, hi  int
	isRange bool
	pos     int
	text    string // as written, without spaces: "4" or "1..64"
}

// value picks the number's value in a sweep where the range stands at v.
func (n *number) value(v int) int {
	if n.isRange {
		return v
	}
	return n.lo
}

// argument is one argument: a positional number or name, or key=value.
type argument struct {
	key    string // "" for a positional argument
	keyPos int
	num    *number // a numeric value, or nil
	word   string  // a name value (fork, spawn) when num is nil
	pos    int     // where the value starts
}

// at is where the argument starts: its key, or its value.
func (a argument) at() int {
	if a.key != "" {
		return a.keyPos
	}
	return a.pos
}

// term is one model name with its optional arguments.
type term struct {
	name   string
	pos    int
	parens bool
	lparen int // position of "("
	args   []argument
	rparen int // position of ")"
}

type parser struct {
	expr  string
	toks  []token
	i     int
	sweep bool
	rng   *number // the range, if any
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEnd {
		p.i++
	}
	return t
}

func (p *parser) errAt(pos int, format string, args ...any) *Error {
	return errorAt(p.expr, pos, format, args...)
}

func parse(expr string, sweep bool) ([]Deployment, error) {
	toks, lerr := lex(expr)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{expr: expr, toks: toks, sweep: sweep}
	if p.peek().kind == tEnd {
		return nil, p.errAt(0, "empty model expression (want %s)", wantModels)
	}
	outer, err := p.term("")
	if err != nil {
		return nil, err
	}
	if !known(outer.name) {
		return nil, p.unknown(outer)
	}
	var inner *term
	if t := p.peek(); t.kind == tStar {
		p.next()
		if outer.name != "processes" {
			return nil, p.errAt(outer.pos, "only processes(P) can stand before \"*\" (want %s)", wantComposite)
		}
		in, err := p.term(`after "*"`)
		if err != nil {
			return nil, err
		}
		inner = &in
		if t := p.peek(); t.kind == tStar {
			return nil, p.errAt(t.pos, "only one \"*\" (want %s)", wantComposite)
		}
	}
	if t := p.peek(); t.kind != tEnd {
		return nil, p.errAt(t.pos, "unexpected %s after the model (want \"*\" or the end)", t.describe())
	}

	// Build once to find every mistake, then once per value of the range.
	lo, hi := 0, 0
	if p.rng != nil {
		lo, hi = p.rng.lo, p.rng.hi
		if hi < lo {
			return nil, p.errAt(p.rng.pos, "range %s goes down (want %d..%d)", p.rng.text, hi, lo)
		}
	}
	if _, err := p.build(outer, inner, lo, hi); err != nil {
		return nil, err
	}
	if p.rng != nil && hi-lo+1 > MaxSweep {
		return nil, p.errAt(p.rng.pos, "range %s has %d values; a sweep takes at most %d", p.rng.text, hi-lo+1, MaxSweep)
	}
	out := make([]Deployment, 0, hi-lo+1)
	for v := lo; v <= hi; v++ {
		d, _ := p.build(outer, inner, v, v)
		out = append(out, d)
	}
	return out, nil
}

// term parses NAME or NAME(ARG, ...). where says what came before, for the
// message when the name is missing.
func (p *parser) term(where string) (term, *Error) {
	t := p.next()
	if t.kind != tName {
		if where != "" {
			return term{}, p.errAt(t.pos, "expected threads(T) or asyncio %s, found %s", where, t.describe())
		}
		return term{}, p.errAt(t.pos, "expected a model name, found %s (want %s)", t.describe(), wantModels)
	}
	tm := term{name: t.text, pos: t.pos}
	if p.peek().kind != tLParen {
		return tm, nil
	}
	tm.lparen = p.next().pos
	tm.parens = true
	if r := p.peek(); r.kind == tRParen {
		p.next()
		tm.rparen = r.pos
		return tm, nil
	}
	for {
		a, err := p.argument()
		if err != nil {
			return term{}, err
		}
		tm.args = append(tm.args, a)
		switch t := p.next(); t.kind {
		case tComma:
			continue
		case tRParen:
			tm.rparen = t.pos
			return tm, nil
		case tEnd:
			return term{}, p.errAt(t.pos, "missing \")\"")
		default:
			return term{}, p.errAt(t.pos, "unexpected %s (want \",\" or \")\")", t.describe())
		}
	}
}

// argument parses NUMBER, NUMBER..NUMBER, NAME or NAME=VALUE.
func (p *parser) argument() (argument, *Error) {
	t := p.peek()
	switch t.kind {
	case tNumber:
		n, err := p.number()
		return argument{num: n, pos: t.pos}, err
	case tName:
		p.next()
		if p.peek().kind != tEquals {
			return argument{word: t.text, pos: t.pos}, nil
		}
		p.next()
		a := argument{key: t.text, keyPos: t.pos, pos: p.peek().pos}
		switch v := p.peek(); v.kind {
		case tNumber:
			n, err := p.number()
			a.num = n
			return a, err
		case tName:
			p.next()
			a.word = v.text
			return a, nil
		default:
			return argument{}, p.errAt(v.pos, "expected a value after \"%s=\", found %s", t.text, v.describe())
		}
	case tRParen, tComma:
		return argument{}, p.errAt(t.pos, "expected an argument, found %s", t.describe())
	case tEnd:
		return argument{}, p.errAt(t.pos, "missing \")\"")
	default:
		return argument{}, p.errAt(t.pos, "unexpected %s (want a number or name=value)", t.describe())
	}
}

// number parses NUMBER or NUMBER..NUMBER and keeps the range, if any.
func (p *parser) number() (*number, *Error) {
	t := p.next()
	n := &number{lo: t.num, hi: t.num, pos: t.pos, text: t.text}
	if p.peek().kind != tDots {
		return n, nil
	}
	p.next()
	h := p.next()
	if h.kind != tNumber {
		return nil, p.errAt(h.pos, "expected a number after \"..\", found %s", h.describe())
	}
	n.hi, n.isRange = h.num, true
	n.text = t.text + ".." + h.text
	switch {
	case !p.sweep:
		return nil, p.errAt(t.pos, "a range (%s) is only for `conclab sweep`; give one number here", n.text)
	case p.rng != nil:
		return nil, p.errAt(t.pos, "only one range per sweep (already %s)", p.rng.text)
	}
	p.rng = n
	return n, nil
}

// build turns the terms into a Deployment with the range, if any, at v.
// It checks each number at lo and hi, the ends of the range.
func (p *parser) build(outer term, inner *term, lo, hi int) (Deployment, *Error) {
	d, err := p.single(outer, lo, hi)
	if err != nil || inner == nil {
		return d, err
	}
	switch inner.name {
	case "processes":
		return d, p.errAt(inner.pos, "processes cannot be nested (want %s)", wantComposite)
	case "sync":
		return d, p.errAt(inner.pos, "processes(P)*sync is just processes(P): each worker runs its tasks one after another")
	case "threads":
		if !inner.parens {
			return d, p.errAt(inner.pos, "processes(P)*threads needs a pool size per process (want processes(P)*threads(T))")
		}
	case "asyncio":
	default:
		return d, p.unknown(*inner)
	}
	in, err := p.single(*inner, lo, hi)
	if err != nil {
		return d, err
	}
	d.Inner = &in
	return d, nil
}

func known(name string) bool {
	switch name {
	case "sync", "threads", "asyncio", "processes":
		return true
	}
	return false
}

func (p *parser) unknown(t term) *Error {
	if lower := strings.ToLower(t.name); lower != t.name && known(lower) {
		return p.errAt(t.pos, "unknown model %q (names are lowercase: %s)", t.name, lower)
	}
	return p.errAt(t.pos, "unknown model %q (want %s)", t.name, wantModels)
}

// single builds the Deployment of one term.
func (p *parser) single(t term, lo, hi int) (Deployment, *Error) {
	switch t.name {
	case "sync":
		if t.parens {
			return Deployment{}, p.errAt(t.lparen, "sync takes no arguments")
		}
		return Deployment{Kind: Sync}, nil

	case "threads":
		if !t.parens {
			return Deployment{Kind: ThreadPerTask}, nil
		}
		if len(t.args) == 0 {
			return Deployment{}, p.errAt(t.rparen, "threads() needs a pool size: threads(N), or plain threads for one thread per task")
		}
		a := t.args[0]
		if a.key != "" || a.num == nil {
			return Deployment{}, p.errAt(a.at(), "threads takes a pool size, as in threads(8)")
		}
		if err := p.limits(a.num, 1, MaxThreads, "threads(%s)", "a pool needs at least 1 thread", "at most %d threads"); err != nil {
			return Deployment{}, err
		}
		d := Deployment{Kind: ThreadPool, Threads: a.num.value(lo)}
		for i, b := range t.args[1:] {
			switch {
			case b.key == "" && b.num != nil:
				return Deployment{}, p.errAt(b.pos, "threads takes one number, as in threads(8) (a second pool for gather branches is fanout=M)")
			case b.key == "":
				return Deployment{}, p.errAt(b.pos, "unknown threads argument %q (want fanout=M)", b.word)
			case b.key != "fanout":
				return Deployment{}, p.errAt(b.keyPos, "unknown threads argument %q (want fanout=M)", b.key)
			case i > 0:
				return Deployment{}, p.errAt(b.keyPos, "fanout given twice")
			case b.num == nil:
				return Deployment{}, p.errAt(b.pos, "fanout takes a number, as in threads(8, fanout=4)")
			}
			if err := p.limits(b.num, 1, MaxFanout, "fanout=%s", "the second pool needs at least 1 thread (leave fanout out to use the same pool)", "at most %d threads"); err != nil {
				return Deployment{}, err
			}
			d.Fanout = b.num.value(lo)
		}
		return d, nil

	case "asyncio":
		d := Deployment{Kind: Asyncio}
		if !t.parens {
			return d, nil
		}
		if len(t.args) == 0 {
			return Deployment{}, p.errAt(t.rparen, "asyncio() needs limit=K, executor=E or eager; write plain asyncio for none")
		}
		seen := map[string]bool{}
		for _, a := range t.args {
			if a.key == "" && a.num == nil && a.word == "eager" {
				if d.Eager {
					return Deployment{}, p.errAt(a.pos, "eager given twice")
				}
				d.Eager = true
				continue
			}
			if a.key == "" {
				return Deployment{}, p.errAt(a.pos, "asyncio takes named arguments and eager, as in asyncio(limit=100, executor=8) or asyncio(eager)")
			}
			if a.key != "limit" && a.key != "executor" {
				return Deployment{}, p.errAt(a.keyPos, "unknown asyncio argument %q (want limit, executor or eager)", a.key)
			}
			if seen[a.key] {
				return Deployment{}, p.errAt(a.keyPos, "%s given twice", a.key)
			}
			seen[a.key] = true
			if a.num == nil {
				return Deployment{}, p.errAt(a.pos, "%s takes a number, as in asyncio(%s=100)", a.key, a.key)
			}
			var err *Error
			if a.key == "limit" {
				err = p.limits(a.num, 1, MaxLimit, "asyncio(limit=%s)",
					"the limit needs at least 1 task in flight (leave it out for no limit)", "at most %d tasks in flight")
				d.Limit = a.num.value(lo)
			} else {
				err = p.limits(a.num, 1, MaxExecutor, "asyncio(executor=%s)",
					"the executor needs at least 1 thread (leave it out for the default)", "at most %d executor threads")
				d.Executor = a.num.value(lo)
			}
			if err != nil {
				return Deployment{}, err
			}
		}
		return d, nil

	case "processes":
		if !t.parens {
			return Deployment{}, p.errAt(t.pos, "processes needs a worker count, as in processes(4)")
		}
		if len(t.args) == 0 {
			return Deployment{}, p.errAt(t.rparen, "processes() needs a worker count, as in processes(4)")
		}
		a := t.args[0]
		if a.key != "" || a.num == nil {
			return Deployment{}, p.errAt(a.at(), "processes takes a worker count first, as in processes(4)")
		}
		if err := p.limits(a.num, 1, MaxProcesses, "processes(%s)", "a pool needs at least 1 process", "at most %d processes"); err != nil {
			return Deployment{}, err
		}
		d := Deployment{Kind: Processes, Procs: a.num.value(lo)}
		seenStart := false
		for _, a := range t.args[1:] {
			if a.key == "" {
				return Deployment{}, p.errAt(a.pos, "processes takes one worker count; the rest is named, as in processes(4, start=spawn)")
			}
			if a.key != "start" {
				return Deployment{}, p.errAt(a.keyPos, "unknown processes argument %q (want start)", a.key)
			}
			if seenStart {
				return Deployment{}, p.errAt(a.keyPos, "start given twice")
			}
			seenStart = true
			m, ok := StartMethodNamed(a.word)
			switch {
			case a.num == nil && ok:
				d.Start = m
			case a.num != nil:
				return Deployment{}, p.errAt(a.pos, "unknown start method %q (want fork, spawn or forkserver)", a.num.text)
			default:
				return Deployment{}, p.errAt(a.pos, "unknown start method %q (want fork, spawn or forkserver)", a.word)
			}
		}
		return d, nil
	}
	return Deployment{}, p.unknown(t)
}

// limits checks that a number, or both ends of a range, lie in [min, max].
// label formats the argument (with the number's text) for the message.
func (p *parser) limits(n *number, min, max int, label, tooSmall, tooLarge string) *Error {
	what := fmt.Sprintf(label, n.text)
	if n.lo < min {
		return p.errAt(n.pos, "%s: %s", what, tooSmall)
	}
	if n.hi > max {
		return p.errAt(n.pos, "%s: "+tooLarge, what, max)
	}
	return nil
}
