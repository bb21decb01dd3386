package record

import (
	"cmp"
	"strconv"
	"strings"
)

// opKind is what one step of a folded task is.
type opKind uint8

const (
	opWork     opKind = iota // CPU with the GIL held
	opReleased               // CPU in C code that released the GIL
	opWait                   // a wait (I/O, sleep)
	opBlocking               // a blocking wait made on a running event loop
	opGather                 // tasks it started and waited for
	opUse                    // steps holding a resource
	opRepeat                 // a block of steps repeated
	opMark                   // the main program's stack changed (units of work)
	opGet                    // it took an item from a queue: what follows is the item's
)

// op is one step of a task, normalised from the recorder's steps.
type op struct {
	kind  opKind
	ns    int64
	what  string // opWait, opBlocking, opReleased: the call; opMark: "call" or "return" when the recorder saw the edge itself
	kids  []int  // opGather: the tasks
	res   int64  // opUse: the resource; opGet: the queue
	put   int64  // opGet: when the item was put
	body  []op   // opUse, opRepeat
	n     int    // opRepeat: how many times
	depth int    // opMark
	sites []string
	// at is where in the program the step is: the call's place for a
	// wait, C code, a gather (its await) and a use (its acquire); for CPU,
	// the stretch of code between the steps around it (placeWork).
	at string
	// offload: the step ran on an executor thread the task awaited
	// (asyncio.to_thread, run_in_executor).
	offload bool
	// call tells an offloaded step's call from the next one's: 1 + the
	// work item's task. Steps of two calls are never one step.
	call int
}

// Below these a step is noise: CPU between two parts of one wait, a C call
// too short to matter.
const (
	minReleased = 200_000 // ns of C code without the GIL worth a step of its own
	minGap      = 200_000 // ns of CPU between two waits that makes them two
)

// ops is what task t did, as steps: the recorder's boundaries turned into
// work, waits, gathers and uses. It also returns the time t waited for
// resources and the tasks it started and never waited for.
func ops(t *Task) (out []op, lockWait int64, detached []int) {
	type frame struct {
		res  int64
		body []op
		at   string
	}
	var stack []frame
	cur := &out
	var pending []int // started, not yet waited for
	push := func(o op) { *cur = append(*cur, o) }
	for _, s := range t.Steps {
		switch s.Kind {
		case 'w':
			push(op{kind: opWork, ns: s.NS})
		case 'r':
			if s.NS < minReleased {
				push(op{kind: opWork, ns: s.NS})
			} else {
				push(op{kind: opReleased, ns: s.NS, what: s.What, at: s.At})
			}
		case 'i':
			push(op{kind: opWait, ns: s.NS, what: s.What, at: s.At})
		case 'b':
			push(op{kind: opBlocking, ns: s.NS, what: s.What, at: s.At})
		case 'g':
			pending = append(pending, s.Children...)
		case 'q':
			if t.Kind != "main" {
				push(op{kind: opGet, ns: s.NS, res: s.Res, put: s.Put, at: s.At})
				break
			}
			// The main program taking results from a queue: it waits for
			// its tasks, as a join does.
			fallthrough
		case 'j':
			if len(pending) > 0 {
				push(op{kind: opGather, kids: pending, at: s.At})
				pending = nil
			} else if !afterGather(*cur) {
				// Waiting for another task by other means (an event, a
				// queue): conclab cannot say which, so it keeps the time.
				push(op{kind: opWait, ns: s.NS, what: "another task", at: s.At})
			}
			// Else it waits for more of the tasks the gather before
			// waited for (result() of each of a map's futures): the
			// gather is that wait.
		case 'u':
			lockWait += s.NS
		case 'a':
			stack = append(stack, frame{res: s.Res, body: *cur, at: s.At})
			fresh := []op{}
			cur = &fresh
		case 'x':
			if len(stack) == 0 || stack[len(stack)-1].res != s.Res {
				continue // released what it did not take here: no use block
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			inner := *cur
			outer := f.body
			outer = append(outer, op{kind: opUse, res: f.res, body: inner, at: f.at})
			cur = &outer
		case 'k':
			if t.Kind == "main" { // only the main program's stack is followed
				// The edge a monitored call or return makes (the
				// recorder's "call" or "return"), in the step's fourth place.
				push(op{kind: opMark, depth: int(s.NS), sites: s.Sites, what: s.At})
			}
		}
	}
	// A resource still held at the end: its steps stay, outside a use.
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		outer := append(f.body, *cur...)
		cur = &outer
	}
	return tidy(*cur), lockWait, pending
}

// afterGather: the last step of in that is not CPU is a gather.
func afterGather(in []op) bool {
	for i := len(in) - 1; i >= 0; i-- {
		if in[i].kind != opWork {
			return in[i].kind == opGather
		}
	}
	return false
}

// tidy merges neighbours of one kind, folds two waits (or two C calls)
// with a sliver of CPU between them into one, drops what is empty, and
// puts the CPU in its canonical places (settle).
func tidy(in []op) []op {
	for i := range in {
		if in[i].kind == opUse || in[i].kind == opRepeat {
			in[i].body = tidy(in[i].body)
		}
	}
	out := mergeAdjacent(in)
	var folded []op
	var carry int64 // CPU taken out from between two steps, put back on the next work
	for i := 0; i < len(out); i++ {
		o := out[i]
		if n := len(folded); o.kind == opWork && n > 0 && i+1 < len(out) &&
			out[i+1].kind == folded[n-1].kind && out[i+1].offload == folded[n-1].offload && out[i+1].call == folded[n-1].call && !o.offload &&
			sliver(o.ns, folded[n-1], out[i+1]) {
			carry += o.ns
			folded[n-1].ns += out[i+1].ns
			folded[n-1].what = joinWhat(folded[n-1].what, out[i+1].what)
			folded[n-1].at = cmp.Or(folded[n-1].at, out[i+1].at)
			i++
			continue
		}
		if o.kind == opWork {
			o.ns += carry
			carry = 0
		}
		folded = append(folded, o)
	}
	if carry > 0 {
		folded = append(folded, op{kind: opWork, ns: carry})
	}
	return settle(mergeAdjacent(folded))
}

// mergeAdjacent joins neighbouring steps of one kind and drops the empty.
func mergeAdjacent(in []op) []op {
	var out []op
	for _, o := range in {
		if mergeable(o.kind) && o.ns <= 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].kind == o.kind && out[n-1].offload == o.offload && out[n-1].call == o.call && mergeable(o.kind) {
			out[n-1].ns += o.ns
			out[n-1].what = joinWhat(out[n-1].what, o.what)
			if o.kind == opWork {
				out[n-1].at = joinSource(out[n-1].at, o.at)
			} else {
				out[n-1].at = cmp.Or(out[n-1].at, o.at) // where the first call was made
			}
			continue
		}
		out = append(out, o)
	}
	return out
}

// settle puts the CPU of a list of steps in canonical places: one work
// step before, between and after the other steps (zero when there was
// none), so that tasks of one shape have one list of steps whatever
// slivers of CPU each had. Writing drops the work steps that stayed near
// zero.
func settle(in []op) []op {
	out := make([]op, 0, 2*len(in)+1)
	out = append(out, op{kind: opWork})
	for _, o := range in {
		if o.kind == opWork && !o.offload {
			out[len(out)-1].ns += o.ns
			out[len(out)-1].at = joinSource(out[len(out)-1].at, o.at)
			continue
		}
		out = append(out, o, op{kind: opWork})
	}
	return out
}

// sliver: CPU of ns between two steps a and b of one kind is part of one
// step: between two waits, under minGap (a request and its reply);
// between two C calls, also under a quarter of the two (the Python
// loop feeding a hash its chunks).
func sliver(ns int64, a, b op) bool {
	switch {
	case isWait(a.kind):
		return ns < minGap
	case a.kind == opReleased:
		return ns < minGap || 4*ns < a.ns+b.ns
	}
	return false
}

func isWait(k opKind) bool { return k == opWait || k == opBlocking }

func mergeable(k opKind) bool {
	return k == opWork || k == opReleased || k == opWait || k == opBlocking
}

// joinWhat names the calls behind a merged step: "socket.recv_into,
// socket.sendall".
func joinWhat(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" || strings.Contains(","+a+",", ","+b+",") {
		return a
	}
	return a + "," + b
}

// signature is the shape of a list of steps: the kinds in order, uses with
// their resource, gathers with the shapes of their children, repeats with
// their count. Tasks of one signature fold into one group.
func signature(in []op, kid func(int) string) string {
	var b strings.Builder
	for _, o := range in {
		if o.offload {
			b.WriteByte('o')
		}
		switch o.kind {
		case opWork:
			b.WriteByte('w')
		case opReleased:
			b.WriteByte('r')
		case opWait:
			b.WriteByte('i')
		case opBlocking:
			b.WriteByte('b')
		case opUse:
			b.WriteString("u" + strconv.FormatInt(o.res, 36) + "(" + signature(o.body, kid) + ")")
		case opGet:
			b.WriteString("q" + strconv.FormatInt(o.res, 36))
		case opRepeat:
			b.WriteString(strconv.Itoa(o.n) + "*(" + signature(o.body, kid) + ")")
		case opGather:
			b.WriteString("g(")
			for i, g := range branchGroups(o.kids, kid) {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Itoa(len(g.ids)) + "x" + g.sig)
			}
			b.WriteByte(')')
		}
	}
	return b.String()
}

// branchGroup is the children of a gather that have one shape.
type branchGroup struct {
	sig string
	ids []int
}

// branchGroups groups a gather's children by shape, in the order each
// shape first appears.
func branchGroups(kids []int, kid func(int) string) []branchGroup {
	var gs []branchGroup
	at := map[string]int{}
	for _, k := range kids {
		s := kid(k)
		i, ok := at[s]
		if !ok {
			i = len(gs)
			at[s] = i
			gs = append(gs, branchGroup{sig: s})
		}
		gs[i].ids = append(gs[i].ids, k)
	}
	return gs
}

// repeats folds a block of steps that comes three or more times in a row
// into a repeat (a loop in the program): the longest run first.
func repeats(in []op) []op {
	var out []op
	for i := 0; i < len(in); {
		bestP, bestN := 0, 1
		for p := 1; p <= 6 && i+2*p <= len(in); p++ {
			n := 1
			for i+(n+1)*p <= len(in) && sameKinds(in[i:i+p], in[i+n*p:i+(n+1)*p]) {
				n++
			}
			if n >= 3 && n*p > bestN*bestP {
				bestP, bestN = p, n
			}
		}
		if bestP == 0 {
			out = append(out, in[i])
			i++
			continue
		}
		// The body is the first copy, each step the mean of its copies.
		body := make([]op, bestP)
		copy(body, in[i:i+bestP])
		for j := range body {
			var sum int64
			for c := range bestN {
				sum += in[i+c*bestP+j].ns
			}
			body[j].ns = sum / int64(bestN)
		}
		out = append(out, op{kind: opRepeat, n: bestN, body: body})
		i += bestN * bestP
	}
	return out
}

// sameKinds: b is another turn of the loop whose turn is a: the same
// kinds of steps, of the same calls, taking about as long (within a factor
// of three, or both under 100 µs).
func sameKinds(a, b []op) bool {
	for i := range a {
		if a[i].kind != b[i].kind || a[i].kind == opGather || a[i].kind == opUse || a[i].kind == opRepeat || a[i].kind == opMark ||
			a[i].kind == opGet {
			return false
		}
		if a[i].what != b[i].what {
			return false
		}
		x, y := a[i].ns, b[i].ns
		if max(x, y) >= 100_000 && 3*min(x, y) < max(x, y) {
			return false
		}
	}
	return true
}
