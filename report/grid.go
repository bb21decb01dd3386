package report

import (
	"math/bits"

	"github.com/conclab/conclab/sim"
)

// nStates is the number of states the renderers know; spans in any other
// state are ignored.
const nStates = sim.NumStates

// grid accumulates, for one timeline row, how long each state covers each
// column. Column c covers [at(c), at(c+1)) of the makespan m.
type grid struct {
	m     int64
	cols  int
	cover [][nStates]int64
	full  [][nStates]int64 // difference array: spans covering whole columns

	// The column last added to, [lo, hi): spans arrive in time order, and
	// most fall in the column of the one before, found without dividing.
	lastC          int
	lastLo, lastHi int64
}

func newGrid(m int64, cols int) *grid {
	return &grid{m: m, cols: cols, cover: make([][nStates]int64, cols), full: make([][nStates]int64, cols+1)}
}

// at is the first instant of column c, floor(c·m/cols), without overflow.
func (g *grid) at(c int) int64 {
	hi, lo := bits.Mul64(uint64(c), uint64(g.m))
	q, _ := bits.Div64(hi, lo, uint64(g.cols))
	return int64(q)
}

// col is the column holding instant t, 0 ≤ t < m.
func (g *grid) col(t int64) int {
	hi, lo := bits.Mul64(uint64(t), uint64(g.cols))
	q, _ := bits.Div64(hi, lo, uint64(g.m))
	return int(q)
}

// add records that state s held over [start, end).
func (g *grid) add(s sim.State, start, end int64) {
	if int(s) >= nStates {
		return
	}
	start, end = max(start, 0), min(end, g.m)
	if end <= start {
		return
	}
	if start >= g.lastLo && end <= g.lastHi {
		g.cover[g.lastC][s] += end - start
		return
	}
	c0, c1 := g.col(start), g.col(end-1)
	g.lastC, g.lastLo, g.lastHi = c1, g.at(c1), g.at(c1+1)
	if c0 == c1 {
		g.cover[c0][s] += end - start
		return
	}
	g.cover[c0][s] += g.at(c0+1) - start
	g.cover[c1][s] += end - g.at(c1)
	if c1 > c0+1 {
		g.full[c0+1][s]++
		g.full[c1][s]--
	}
}

// reset clears the grid for reuse.
func (g *grid) reset() {
	clear(g.cover)
	clear(g.full)
}

// states reduces the grid to one state per column. rows is how many rows
// were added into it (1 for a lane or task, more for an aggregate; see
// column for what counts as Idle).
func (g *grid) states(rows int) []sim.State {
	return g.statesInto(make([]sim.State, g.cols), rows)
}

// statesInto is states written into out, of g.cols states.
//
// Each column is drawn by majority: the state covering most of it, idle
// included, so a column a third busy is not drawn busy. A row whose spans
// together would not fill one column (a loop that ran slivers of work and
// idled) has no majority anywhere; it is drawn instead by what happened
// in each column, so that it still shows when it ran.
func (g *grid) statesInto(out []sim.State, rows int) []sim.State {
	var run [nStates]int64
	var busy int64 // time covered by states other than Idle
	blank := true
	for c := range g.cols {
		cov := g.column(c, &run, rows)
		out[c] = pick(&cov)
		blank = blank && out[c] == sim.Idle
		for s := range nStates {
			if sim.State(s) != sim.Idle {
				busy += cov[s]
			}
		}
	}
	if blank && busy > 0 && busy <= g.at(1) {
		clear(run[:])
		for c := range g.cols {
			cov := g.column(c, &run, rows)
			out[c] = sliver(&cov)
		}
	}
	return out
}

// column returns how long each state covers column c, columns being read
// in order with run carrying the whole-column spans from one to the next.
// In a row of its own, the part of the column no span covered counts as
// Idle; in a row of many (all tasks together), only the rows with a span
// in the column count, so tasks not yet started or already finished do
// not outvote those running.
func (g *grid) column(c int, run *[nStates]int64, rows int) [nStates]int64 {
	dur := g.at(c+1) - g.at(c)
	cov := g.cover[c]
	var used int64
	for s := range nStates {
		run[s] += g.full[c][s]
		cov[s] += run[s] * dur
		if sim.State(s) != sim.Idle {
			used += cov[s]
		}
	}
	if rows == 1 {
		cov[sim.Idle] = max(cov[sim.Idle], dur-used)
	}
	return cov
}

// informative ranks states by how much they tell a reader: of two states
// covering a column equally, the higher one is drawn.
var informative = [nStates]int{
	sim.Idle:         0,
	sim.Waiting:      1,
	sim.Overhead:     2,
	sim.Pickling:     3,
	sim.Ready:        4,
	sim.WorkingC:     5,
	sim.Working:      6,
	sim.Running:      6,
	sim.ResourceWait: 7,
	sim.Blocked:      8,
	sim.GILWait:      9,
}

// pick chooses the state drawn for one column: the one covering most of
// it, the more informative of a tie.
func pick(cov *[nStates]int64) sim.State {
	best := sim.Idle
	for s := range sim.State(nStates) {
		if cov[s] > 0 && (cov[s] > cov[best] || cov[s] == cov[best] && informative[s] > informative[best]) {
			best = s
		}
	}
	return best
}

// sliver is the state other than Idle covering most of a column (the more
// informative of a tie), or Idle when nothing else covers any of it.
func sliver(cov *[nStates]int64) sim.State {
	best := sim.Idle
	for s := range sim.State(nStates) {
		if s == sim.Idle || cov[s] == 0 {
			continue
		}
		if best == sim.Idle || cov[s] > cov[best] || cov[s] == cov[best] && informative[s] > informative[best] {
			best = s
		}
	}
	return best
}

// materialize turns the whole-column spans into coverage, so that cover
// alone says how long each state covers each column.
func (g *grid) materialize() {
	var run [nStates]int64
	for c := range g.cols {
		dur := g.at(c+1) - g.at(c)
		for s := range nStates {
			run[s] += g.full[c][s]
			g.cover[c][s] += run[s] * dur
		}
	}
	clear(g.full)
}

// merge adds the coverage of a materialized grid f into g. A column of f
// inside one column of g adds to it exactly, as its spans would have: so
// when g has f's columns, or every k-th of f's column boundaries, g is
// what the spans would have made. A column of f across a boundary of g is
// shared in proportion to time.
func (g *grid) merge(f *grid) {
	if f == nil {
		return
	}
	same := g.m == f.m && g.cols == f.cols
	for c := range f.cols {
		cov := &f.cover[c]
		if same {
			for s := range nStates {
				g.cover[c][s] += cov[s]
			}
			continue
		}
		lo, hi := f.at(c), min(f.at(c+1), g.m)
		if hi <= lo {
			continue
		}
		c0, c1 := g.col(lo), g.col(hi-1)
		if c0 == c1 {
			for s := range nStates {
				g.cover[c0][s] += cov[s]
			}
			continue
		}
		for s := range nStates {
			if cov[s] == 0 {
				continue
			}
			left := cov[s]
			for k := c0; k <= c1; k++ {
				part := left
				if k < c1 {
					d := min(hi, g.at(k+1)) - max(lo, g.at(k))
					part = int64(float64(cov[s]) * float64(d) / float64(hi-lo))
				}
				g.cover[k][s] += part
				left -= part
			}
		}
	}
}
