package traces

import (
	"slices"
	"strconv"
	"strings"
)

// Request is one request a server handled, as its trace shows it.
type Request struct {
	Start   int64 // Unix nanoseconds
	Dur     int64
	Route   string
	Service string
	// Segments alternate: work, calls, work, calls, …, work (one more work
	// than calls). Work is the request's own time between its calls.
	Work  []int64
	Calls []Call
}

// Call is a wait for one outgoing call, or for several that overlapped (a
// gather): each branch waits from the first call's start to its own end,
// so that the gather lasts as long as the calls together did.
type Call struct {
	Names    []string // the calls' span names, in order of their start
	Branches []int64  // how long each branch waits
}

// Waiting is the request's time in calls.
func (r *Request) Waiting() int64 {
	var w int64
	for _, c := range r.Calls {
		w += slices.Max(c.Branches)
	}
	return w
}

// Options say which spans are requests and how they are named.
type Options struct {
	// Service: the server spans of this service are the requests (the
	// topmost of each trace); "": the root spans of kind server, or each
	// trace's root when it marks none.
	Service string
	// RouteBy: "http.route" (the attribute, else the span's name) or
	// "name" (the span's name).
	RouteBy string
}

// tree is the parent–child links of one trace's spans, by index: the
// children of span i are first[i], next[first[i]], … in order of start
// (-1 ends a list). Its slices are reused from trace to trace.
type tree struct {
	first, last, next []int32
	byID              map[SpanID]int32 // for a large trace; a small one is searched
}

func (t *tree) reset(n int) {
	grow := func(v []int32) []int32 {
		v = slices.Grow(v[:0], n)[:n]
		for i := range v {
			v[i] = -1
		}
		return v
	}
	t.first, t.last, t.next = grow(t.first), grow(t.last), grow(t.next)
}

func (t *tree) add(parent, child int32) {
	if t.last[parent] < 0 {
		t.first[parent] = child
	} else {
		t.next[t.last[parent]] = child
	}
	t.last[parent] = child
}

// index is the index of the span with id among spans, or -1.
func (t *tree) index(spans []Span, id SpanID) int32 {
	if len(spans) <= 32 {
		for i := range spans {
			if spans[i].ID == id {
				return int32(i)
			}
		}
		return -1
	}
	if t.byID == nil {
		t.byID = make(map[SpanID]int32, len(spans))
		for i := range spans {
			t.byID[spans[i].ID] = int32(i)
		}
	}
	if i, ok := t.byID[id]; ok {
		return i
	}
	return -1
}

// trace finds the requests of one trace's spans (sorted by start).
func (rd *Reader) trace(spans []Span, o Options) []Request {
	p := &rd.Problems
	t := &rd.tree
	t.reset(len(spans))
	t.byID = nil
	var roots []int32
	for i := range spans {
		s := &spans[i]
		if s.End < s.Start {
			p.NegativeDuration++
			p.note("%s ends %s before it starts: left out", s.where(), durText(s.Start-s.End))
			continue
		}
		if s.Parent == (SpanID{}) {
			roots = append(roots, int32(i))
			continue
		}
		parent := t.index(spans, s.Parent)
		if parent < 0 {
			p.MissingParent++
			p.note("%s names parent %s, which is not in the input", s.where(), s.Parent)
			roots = append(roots, int32(i))
			continue
		}
		t.add(parent, int32(i))
	}
	var req []int32
	switch {
	case o.Service != "":
		// The topmost server spans of the service.
		var walk func(i int32, inside bool)
		walk = func(i int32, inside bool) {
			s := &spans[i]
			if !inside && s.Kind == Server && rd.names.text(s.Service) == o.Service {
				req = append(req, i)
				inside = true
			}
			for c := t.first[i]; c >= 0; c = t.next[c] {
				walk(c, inside)
			}
		}
		for _, r := range roots {
			walk(r, false)
		}
	default:
		for _, r := range roots {
			if spans[r].Kind == Server {
				req = append(req, r)
			}
		}
		if len(req) == 0 {
			for _, r := range roots {
				if spans[r].Parent == (SpanID{}) {
					req = append(req, r)
				}
			}
		}
	}
	if len(req) == 0 {
		p.NoRequest += len(spans)
		return nil
	}
	out := make([]Request, 0, len(req))
	for _, i := range req {
		out = append(out, rd.request(spans, i, o))
	}
	return out
}

type interval struct {
	start, end int64
	name       string
}

// request builds the request whose span is spans[i].
func (rd *Reader) request(spans []Span, i int32, o Options) Request {
	t := &rd.tree
	root := &spans[i]
	r := Request{Start: root.Start, Dur: root.End - root.Start, Service: rd.names.text(root.Service), Route: rd.names.text(root.Name)}
	if o.RouteBy != "name" && root.Route != 0 {
		r.Route = rd.names.text(root.Route)
	}
	var calls []interval
	var walk func(i int32)
	walk = func(i int32) {
		for c := t.first[i]; c >= 0; c = t.next[c] {
			s := &spans[c]
			if s.End < s.Start {
				continue
			}
			if isCall(s, root) {
				in := interval{s.Start, s.End, rd.names.text(s.Name)}
				if in.start < root.Start || in.end > root.End {
					rd.Problems.Outlived++
					rd.Problems.note("span %s runs from %s before to %s after its request (clock skew?): clipped to it",
						s.ID, durText(max(root.Start-in.start, 0)), durText(max(in.end-root.End, 0)))
					in.start = min(max(in.start, root.Start), root.End)
					in.end = min(max(in.end, in.start), root.End)
				}
				calls = append(calls, in)
				continue
			}
			walk(c)
		}
	}
	walk(i)
	slices.SortStableFunc(calls, func(a, b interval) int { return int(min(max(a.start-b.start, -1), 1)) })
	at := root.Start
	for k := 0; k < len(calls); {
		first, end := calls[k].start, calls[k].end
		m := k + 1
		for m < len(calls) && calls[m].start < end {
			end = max(end, calls[m].end)
			m++
		}
		// The calls of a gather by name, so that requests that made the
		// same calls in another order have one shape.
		cluster := calls[k:m]
		slices.SortStableFunc(cluster, func(a, b interval) int { return strings.Compare(a.name, b.name) })
		c := Call{}
		for _, in := range cluster {
			c.Names = append(c.Names, in.name)
			c.Branches = append(c.Branches, in.end-first)
		}
		r.Work = append(r.Work, max(first-at, 0))
		r.Calls = append(r.Calls, c)
		at = max(at, end)
		k = m
	}
	r.Work = append(r.Work, max(root.End-at, 0))
	return r
}

// isCall says whether s, under the request root, is a call the request
// waits for: a client or producer span, one whose attributes are a call's,
// or a server span of another service with no client span above it.
func isCall(s, root *Span) bool {
	switch s.Kind {
	case Client, Producer:
		return true
	case Server, Consumer:
		return s.Service != root.Service
	}
	return s.Call
}

// shape is the signature of a request's steps, the key its path is
// counted under: its calls and their names, quoted, so that no names
// (empty, or holding brackets or arrows) make two shapes one.
func (r *Request) shape() string {
	var b strings.Builder
	for _, c := range r.Calls {
		b.WriteByte('[')
		for j, name := range c.Names {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Quote(name))
		}
		b.WriteByte(']')
	}
	return b.String()
}

// shapeText is a request's shape for a comment: "a → [b ∥ c]", or "no
// calls".
func (r *Request) shapeText() string {
	if len(r.Calls) == 0 {
		return "no calls"
	}
	var b strings.Builder
	for i, c := range r.Calls {
		if i > 0 {
			b.WriteString(" → ")
		}
		if len(c.Names) > 1 {
			b.WriteString("[")
			for j, name := range c.Names {
				if j > 0 {
					b.WriteString(" ∥ ")
				}
				b.WriteString(callName(name))
			}
			b.WriteString("]")
			continue
		}
		b.WriteString(callName(c.Names[0]))
	}
	return b.String()
}

// callName is a call's name for a comment: "(no name)" for a span without.
func callName(name string) string {
	if name == "" {
		return "(no name)"
	}
	return name
}

func durText(ns int64) string {
	switch {
	case ns >= 1e9:
		return strconv.FormatFloat(float64(ns)/1e9, 'f', 3, 64) + " s"
	case ns >= 1e6:
		return strconv.FormatFloat(float64(ns)/1e6, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(float64(ns)/1e3, 'f', 0, 64) + " µs"
}
