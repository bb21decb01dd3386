package record

import (
	"path/filepath"
	"strconv"
	"strings"
)

// A step's source is where in the program it is, in the form Python's
// profilers print: "file:line(function)" for a call (a wait, C code, an
// acquire, an await), "file:first-last(function)" for the CPU between two
// calls of one function, "A to B" for CPU between calls in two functions,
// "after A" for the CPU after a task's last call; the file relative to the
// program's working directory when it is under it.

// defPlace is where task t's function begins, as a place: the recorder's
// site of it ("file:line", or "function file:line" for a coroutine)
// relative to cwd.
func defPlace(t *Task, cwd string) string {
	site, name := t.Site, t.Name
	if fn, rest, ok := strings.Cut(site, " "); ok {
		site, name = rest, fn
	}
	colon := strings.LastIndexByte(site, ':')
	if colon < 0 || name == "" {
		return ""
	}
	line, err := strconv.Atoi(site[colon+1:])
	if err != nil {
		return ""
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:] // a method's qualified name: its code's own
	}
	return span(relativeTo(site[:colon], cwd), line, line, name)
}

// relativeTo is file relative to dir when it is under it.
func relativeTo(file, dir string) string {
	if dir == "" || !filepath.IsAbs(file) {
		return file
	}
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}

// stretch is the source of CPU run from the call at a to the call at b
// (either may be empty: the task's start, its end). from says a is the
// function's own beginning, not a call.
func stretch(a, b string, from bool) string {
	switch {
	case a == "" && b == "":
		return ""
	case b == "":
		if from {
			return a // no call at all: the whole function
		}
		return "after " + a
	case a == "":
		return b
	}
	if both, ok := cover(a, b); ok {
		return both
	}
	return a + " to " + b
}

// span is "file:first-last(function)", or one line.
func span(file string, first, last int, fn string) string {
	lines := strconv.Itoa(first)
	if last != first {
		lines += "-" + strconv.Itoa(last)
	}
	return file + ":" + lines + "(" + fn + ")"
}

// spanOf reads a source made by span or parsePlace's form.
func spanOf(s string) (file string, first, last int, fn string, ok bool) {
	open := strings.LastIndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") || strings.HasPrefix(s, "after ") || strings.Contains(s, " to ") {
		return "", 0, 0, "", false
	}
	at, fn := s[:open], s[open+1:len(s)-1]
	colon := strings.LastIndexByte(at, ':')
	if colon < 0 {
		return "", 0, 0, "", false
	}
	lo, hi, isRange := strings.Cut(at[colon+1:], "-")
	var err error
	if first, err = strconv.Atoi(lo); err != nil {
		return "", 0, 0, "", false
	}
	last = first
	if isRange {
		if last, err = strconv.Atoi(hi); err != nil {
			return "", 0, 0, "", false
		}
	}
	return at[:colon], first, last, fn, true
}

// joinSource is the source of two steps taken as one: the same, the
// lines of one function that cover both, or else the first's.
func joinSource(a, b string) string {
	if a == "" {
		return b
	}
	if j, ok := cover(a, b); ok {
		return j
	}
	return a
}

// commonSource is the source of a step folded over a group's tasks: the
// one they share, the lines of one function that cover them all, or none.
func commonSource(srcs []string) string {
	if len(srcs) == 0 {
		return ""
	}
	out := srcs[0]
	for _, s := range srcs[1:] {
		var ok bool
		if out, ok = cover(out, s); !ok {
			return ""
		}
	}
	return out
}

// cover is a and b, or the lines of one function that cover both.
func cover(a, b string) (string, bool) {
	if a == b {
		return a, true
	}
	fa, la, ha, fnA, okA := spanOf(a)
	fb, lb, hb, fnB, okB := spanOf(b)
	if !okA || !okB || fa != fb || fnA != fnB {
		return "", false
	}
	return span(fa, min(la, lb), max(ha, hb), fnA), true
}

// placeWork gives each CPU step of in the stretch of code it ran: from
// the call before it (or before, where in is entered: the function's
// beginning when from) to the call after it (or after).
func placeWork(in []op, before, after string, from bool) {
	for i := range in {
		o := &in[i]
		switch o.kind {
		case opWork:
			if o.at == "" {
				a, first := endBefore(in, i, before, from)
				o.at = stretch(a, startAfter(in, i, after), first)
			}
		case opUse:
			placeWork(o.body, o.at, startAfter(in, i, after), false)
		case opRepeat:
			a, first := endBefore(in, i, before, from)
			placeWork(o.body, a, startAfter(in, i, after), first)
		}
	}
}

// endBefore is where the last call before in[i] was made, or before;
// first says it is the function's beginning.
func endBefore(in []op, i int, before string, from bool) (string, bool) {
	for j := i - 1; j >= 0; j-- {
		if at := endOf(&in[j]); at != "" {
			return at, false
		}
	}
	return before, from
}

// startAfter is where the first call after in[i] was made, or after.
func startAfter(in []op, i int, after string) string {
	for j := i + 1; j < len(in); j++ {
		if at := startOf(&in[j]); at != "" {
			return at
		}
	}
	return after
}

// startOf is where step o's first call was made.
func startOf(o *op) string {
	switch o.kind {
	case opWork, opMark:
		return ""
	case opRepeat:
		for i := range o.body {
			if at := startOf(&o.body[i]); at != "" {
				return at
			}
		}
		return ""
	}
	return o.at
}

// endOf is where step o's last call was made.
func endOf(o *op) string {
	switch o.kind {
	case opWork, opMark:
		return ""
	case opUse, opRepeat:
		for i := len(o.body) - 1; i >= 0; i-- {
			if at := endOf(&o.body[i]); at != "" {
				return at
			}
		}
		if o.kind == opRepeat {
			return ""
		}
	}
	return o.at
}
