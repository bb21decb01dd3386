package runtime

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// SlowdownScript is runtime/slowdown.py: it times shapes of
// single-threaded Python code (loops, calls, attributes, dicts and strings,
// and the work loop of exported programs) on the interpreter that runs it.
//
//go:embed slowdown.py
var SlowdownScript string

// SlowdownRun is what slowdown.py printed for one interpreter.
type SlowdownRun struct {
	Python string             `json:"python"`
	GIL    bool               `json:"gil"`
	Runs   int                `json:"runs"`
	Rates  map[string]float64 `json:"rates"` // iterations per second of process CPU, by shape
}

// Slowdown is slowdown.py run on the two builds of one CPython release,
// with the GIL and free-threaded: how much slower the second runs each
// shape of Python code on one thread.
type Slowdown struct {
	Date         string      `json:"date"`
	Machine      string      `json:"machine"`
	Build        string      `json:"build"` // how both interpreters were built
	GIL          SlowdownRun `json:"gil"`
	FreeThreaded SlowdownRun `json:"free_threaded"`
}

// ParseSlowdown reads a Slowdown and checks it: both runs of the same
// release, the first with the GIL and the second without, a positive rate
// for every shape in both.
func ParseSlowdown(data []byte) (*Slowdown, error) {
	var s Slowdown
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("slowdown: %w", err)
	}
	switch {
	case !s.GIL.GIL || s.FreeThreaded.GIL:
		return nil, fmt.Errorf("slowdown: want a run with the GIL and one without (gil: %v and %v)", s.GIL.GIL, s.FreeThreaded.GIL)
	case s.GIL.Python != s.FreeThreaded.Python:
		return nil, fmt.Errorf("slowdown: CPython %s against %s; want two builds of one release", s.GIL.Python, s.FreeThreaded.Python)
	}
	for _, shape := range slowdownShapes {
		for _, r := range []float64{s.GIL.Rates[shape], s.FreeThreaded.Rates[shape]} {
			if !(r > 0) || math.IsInf(r, 0) {
				return nil, fmt.Errorf("slowdown: shape %s: rate %v (want iterations per second above 0)", shape, r)
			}
		}
	}
	return &s, nil
}

// Factor is how many times longer the free-threaded build takes to run a
// shape of code, to two decimals.
func (s *Slowdown) Factor(shape string) float64 {
	return math.Round(s.GIL.Rates[shape]/s.FreeThreaded.Rates[shape]*100) / 100
}

// Range is the smallest and largest Factor over the shapes.
func (s *Slowdown) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, shape := range slowdownShapes {
		f := s.Factor(shape)
		lo, hi = min(lo, f), max(hi, f)
	}
	return lo, hi
}

// Source says where the factor comes from, for the profile's sources.
func (s *Slowdown) Source() string {
	var by []string
	for _, shape := range slowdownShapes[1:] {
		by = append(by, fmt.Sprintf("%s %.2f×", strings.ReplaceAll(shape, "_", " "), s.Factor(shape)))
	}
	lo, hi := s.Range()
	return fmt.Sprintf("measured here: python runtime/slowdown.py with CPython %s built twice from the same source, "+
		"with the GIL and free-threaded (%s), on %s, %s, the best of %d runs of each shape: one thread runs the work "+
		"loop of conclab's exported programs (a call, arithmetic, an attribute and a dict per iteration) %.2f× as long "+
		"without the GIL; by shape of code %s (%.2f–%.2f×)",
		s.GIL.Python, s.Build, s.Machine, s.Date, s.GIL.Runs, s.Factor("mixed"), strings.Join(by, ", "), lo, hi)
}

// SlowdownRange is the smallest and largest factor by which a profile's
// free-threaded build runs the shapes of Python code slower, when it was
// measured (ok is false otherwise: a build with the GIL, or no figures).
func (p Profile) SlowdownRange() (lo, hi float64, ok bool) {
	if p.GIL || p.Python == "" {
		return 0, 0, false
	}
	data, err := profileFiles.ReadFile("profiles/slowdown-" + strings.TrimSuffix(p.Python, "t") + ".json")
	if err != nil {
		return 0, 0, false
	}
	s, err := ParseSlowdown(data)
	if err != nil {
		return 0, 0, false
	}
	lo, hi = s.Range()
	return lo, hi, true
}

// SlowdownNote says, for a runtime without the GIL that runs Python code
// slower, by how much and over what range of code; "" for any other.
func (p Profile) SlowdownNote() string {
	if p.GIL || p.Slowdown == 1 || !p.CPython() {
		return ""
	}
	s := fmt.Sprintf("%s has no GIL, so threads run Python code side by side, but each runs it slower: "+
		"every work step takes %.2f× as long as on the build with the GIL", p.Name, p.Slowdown)
	if lo, hi, ok := p.SlowdownRange(); ok {
		s += fmt.Sprintf(" (measured on the work loop of exported programs; %.2f–%.2f× by shape of code: "+
			"loops, calls, attribute access, dicts and strings)", lo, hi)
	} else {
		s += " (a published figure, not measured here)"
	}
	s += ". Threads that call the same functions and make instances of the same classes do not " +
		"slow each other there; threads that all write one object (a dict, a list, a counter) do, through " +
		"its reference count and its lock, which conclab does not model."
	if p.LockSpin > 0 {
		s += fmt.Sprintf(" Its locks spin before they sleep: a thread that finds one taken yields its core "+
			"40 times first, %s with one thread computing per core beside it (lock_spin), so a thread start "+
			"while every core computes other threads waits that long, which conclab charges.", formatNS(float64(p.LockSpin)))
	}
	return s
}
