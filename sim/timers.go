package sim

// A loop's timers (loop.call_at) are taken in the order they fall due, and
// in the order they were scheduled when they fall due together: asyncio's
// heap of TimerHandles. Most programs await a few distinct delays, and the
// timers of one delay fall due in the order they were scheduled (the
// clock never goes back): each such series is a FIFO, which costs O(1) a
// timer where a heap of a million costs twenty cache misses. So timers
// keeps timerRuns FIFOs, each of timers whose due times never decrease, and
// a heap for what fits in none of them (drawn delays, exp(100ms)), and
// takes the earliest of their heads. The order is the heap's, timer for
// timer: within a FIFO (due, seq) only grows, and between them the heads
// are compared by (due, seq).

// timerRuns is how many FIFOs a loop's timers keep.
const timerRuns = 4

// timers is a loop's scheduled timers.
type timers struct {
	runs [timerRuns]ring[timer]
	rest timerHeap
	seq  uint64
	n    int
	next int // 1 + where the earliest is (a run, timerRuns for rest); 0 unknown
}

func (t *timers) len() int { return t.n }

// push schedules the timer of task slot sl, due at due.
func (t *timers) push(due int64, sl int32) {
	t.seq++
	x := timer{due: due, seq: t.seq, slot: sl}
	t.n++
	t.next = 0
	empty := -1
	for i := range t.runs {
		r := &t.runs[i]
		if r.len() == 0 {
			if empty < 0 {
				empty = i
			}
			continue
		}
		if r.last().due <= due {
			r.push(x)
			return
		}
	}
	if empty >= 0 {
		t.runs[empty].push(x)
		return
	}
	t.rest.push(x)
}

// earliest says where the next timer to fall due is.
func (t *timers) earliest() int {
	if t.next > 0 {
		return t.next - 1
	}
	best := -1
	var b timer
	for i := range t.runs {
		if t.runs[i].len() == 0 {
			continue
		}
		if h := t.runs[i].peek(); best < 0 || h.before(b) {
			best, b = i, h
		}
	}
	if t.rest.len() > 0 && (best < 0 || t.rest.h[0].before(b)) {
		best = timerRuns
	}
	t.next = best + 1
	return best
}

// first is when the next timer falls due; there must be one.
func (t *timers) first() int64 {
	if i := t.earliest(); i < timerRuns {
		return t.runs[i].peek().due
	}
	return t.rest.h[0].due
}

// pop removes and returns the next timer to fall due; there must be one.
func (t *timers) pop() timer {
	i := t.earliest()
	t.n--
	t.next = 0
	if i < timerRuns {
		return t.runs[i].pop()
	}
	return t.rest.pop()
}

// each calls f with every pending timer, in no particular order.
func (t *timers) each(f func(timer)) {
	for i := range t.runs {
		for k := 0; k < t.runs[i].len(); k++ {
			f(t.runs[i].at(k))
		}
	}
	for _, x := range t.rest.h {
		f(x)
	}
}

// timer is an awaited wait of an asyncio task: loop.call_at.
type timer struct {
	due  int64
	seq  uint64
	slot int32
}

func (x timer) before(y timer) bool {
	return x.due < y.due || (x.due == y.due && x.seq < y.seq)
}

// timerHeap is timers by (due, order of scheduling).
type timerHeap struct {
	h []timer
}

func (t *timerHeap) len() int { return len(t.h) }

func (t *timerHeap) less(i, j int) bool { return t.h[i].before(t.h[j]) }

func (t *timerHeap) push(x timer) {
	t.h = append(t.h, x)
	for i := len(t.h) - 1; i > 0; {
		p := (i - 1) / 2
		if !t.less(i, p) {
			break
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *timerHeap) pop() timer {
	top := t.h[0]
	n := len(t.h) - 1
	t.h[0] = t.h[n]
	t.h = t.h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if l+1 < n && t.less(l+1, l) {
			m = l + 1
		}
		if !t.less(m, i) {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
	return top
}
