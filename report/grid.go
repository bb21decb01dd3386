package report

import (
	"math/bits"

	"github.com/conclab/conclab/sim"
)

// nStates is the number of states the renderers know; spans in any other
// state are ignored.
const nStates = int(sim.Overhead) + 1

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
// were added into it (1 for a lane or task, more for an aggregate): a
// column's capacity is rows × its duration, and the part of it no span
// covered counts as Idle.
func (g *grid) states(rows int) []sim.State {
	return g.statesInto(make([]sim.State, g.cols), rows)
}

// statesInto is states written into out, of g.cols states.
func (g *grid) statesInto(out []sim.State, rows int) []sim.State {
	var run [nStates]int64
	for c := range g.cols {
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
		capacity := dur * int64(rows)
		cov[sim.Idle] = max(cov[sim.Idle], capacity-used)
		out[c] = pick(&cov, capacity)
	}
	return out
}

// informative ranks states by how much they tell a reader: when a column
// is shared, the higher one is drawn if it covers at least a third of it.
var informative = [nStates]int{
	sim.Idle:     0,
	sim.Waiting:  1,
	sim.Overhead: 2,
	sim.Ready:    3,
	sim.WorkingC: 4,
	sim.Working:  5,
	sim.Blocked:  6,
	sim.GILWait:  7,
}

// pick chooses the state drawn for one column: the one covering most of
// it, unless a more informative state covers at least a third; and a
// column that is mostly idle still shows the little that happened in it.
func pick(cov *[nStates]int64, capacity int64) sim.State {
	better := func(s, than sim.State) bool {
		return cov[s] > cov[than] || cov[s] == cov[than] && informative[s] > informative[than]
	}
	best := sim.Idle
	for s := range sim.State(nStates) {
		if better(s, best) {
			best = s
		}
	}
	chosen := best
	for s := range sim.State(nStates) {
		// Threads taking turns on the GIL work about half of each column
		// and wait the other half: draw whichever covers more, so that the
		// turns show as a mix of working and waiting.
		if best == sim.Working && cov[s] < cov[best] {
			continue
		}
		if informative[s] > informative[chosen] && cov[s] > 0 && 3*cov[s] >= capacity {
			chosen = s
		}
	}
	if chosen != sim.Idle {
		return chosen
	}
	sliver := sim.Idle
	for s := range sim.State(nStates) {
		if s != sim.Idle && cov[s] > 0 && (sliver == sim.Idle || better(s, sliver)) {
			sliver = s
		}
	}
	return sliver
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
