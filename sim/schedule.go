package sim

import "math"

// A schedule holds what is due at a time (timed events, a loop's timers)
// and gives it back in the order of (time, order of scheduling): a heap's
// order. Most of what a run schedules comes in series of one delay (every
// task awaits 2 s; 64 threads sleep the same wait; a loop's timers of one
// asyncio.sleep), and a series falls due in the order it was scheduled,
// as the clock never goes back: a FIFO, O(1) an item where a heap of a
// million costs twenty cache misses. So a schedule keeps scheduleRuns
// FIFOs, each of items whose times never decrease, and a 4-ary heap for
// what fits in none of them (drawn delays, exp(100ms)), and takes the
// earliest of their heads. The order is the heap's, item for item: within
// a FIFO (time, seq) only grows, and the heads are compared by (time, seq).

// scheduleRuns is how many FIFOs a schedule keeps.
const scheduleRuns = 4

// keyed is an item of a schedule: v, due at t, scheduled seq-th.
type keyed[T any] struct {
	t   int64
	seq uint64
	v   T
}

func (x *keyed[T]) before(y *keyed[T]) bool {
	return x.t < y.t || (x.t == y.t && x.seq < y.seq)
}

type schedule[T any] struct {
	runs [scheduleRuns]ring[keyed[T]]
	rest []keyed[T] // a 4-ary min-heap by (t, seq)
	seq  uint64     // items scheduled so far
	n    int
	next int // 1 + where the earliest is (a run, scheduleRuns for rest); 0 unknown
}

func (s *schedule[T]) len() int { return s.n }

// push schedules v at t.
func (s *schedule[T]) push(t int64, v T) {
	s.seq++
	x := keyed[T]{t: t, seq: s.seq, v: v}
	s.n++
	if s.next > 0 {
		// x is the earliest only if it is due before the earliest, which
		// was scheduled before it.
		if e := s.at(s.next - 1); x.t < e.t {
			s.next = 0
		}
	}
	empty := -1
	for i := range s.runs {
		r := &s.runs[i]
		if r.len() == 0 {
			if empty < 0 {
				empty = i
			}
			continue
		}
		if r.ptr(r.len()-1).t <= t {
			r.push(x)
			return
		}
	}
	if empty >= 0 {
		s.runs[empty].push(x)
		return
	}
	s.pushRest(x)
}

// at is the head of run i, or of rest for scheduleRuns.
func (s *schedule[T]) at(i int) *keyed[T] {
	if i < scheduleRuns {
		return s.runs[i].ptr(0)
	}
	return &s.rest[0]
}

// earliest says where the next item to fall due is; -1 when none is.
func (s *schedule[T]) earliest() int {
	if s.next > 0 {
		return s.next - 1
	}
	best := -1
	var b *keyed[T]
	for i := range s.runs {
		if s.runs[i].len() == 0 {
			continue
		}
		if h := s.runs[i].ptr(0); best < 0 || h.before(b) {
			best, b = i, h
		}
	}
	if len(s.rest) > 0 && (best < 0 || s.rest[0].before(b)) {
		best = scheduleRuns
	}
	s.next = best + 1
	return best
}

// top is when the next item falls due; math.MaxInt64 when none is.
func (s *schedule[T]) top() int64 {
	if s.n == 0 {
		return math.MaxInt64
	}
	return s.at(s.earliest()).t
}

// pop removes and returns the next item to fall due; there must be one.
func (s *schedule[T]) pop() keyed[T] {
	i := s.earliest()
	s.n--
	s.next = 0
	if i < scheduleRuns {
		return s.runs[i].pop()
	}
	return s.popRest()
}

// each calls f with every pending item, in no particular order.
func (s *schedule[T]) each(f func(keyed[T])) {
	for i := range s.runs {
		for k := 0; k < s.runs[i].len(); k++ {
			f(s.runs[i].at(k))
		}
	}
	for _, x := range s.rest {
		f(x)
	}
}

func (s *schedule[T]) pushRest(x keyed[T]) {
	h := append(s.rest, x)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !x.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
	s.rest = h
}

func (s *schedule[T]) popRest() keyed[T] {
	h := s.rest
	top := h[0]
	last := len(h) - 1
	x := h[last]
	h = h[:last]
	s.rest = h
	if last == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= last {
			break
		}
		m := c
		for j := c + 1; j < min(c+4, last); j++ {
			if h[j].before(&h[m]) {
				m = j
			}
		}
		if !h[m].before(&x) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
	return top
}
