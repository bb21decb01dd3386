package advise

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// OffloadSuffix ends the label of a candidate whose blocking waits are
// offloaded to the event loop's threads.
const OffloadSuffix = " + to_thread"

// Equal is how close two candidates' p99s (open workloads) or makespans
// (batches) must be to count as equal when ranking: within 5 %, the
// simulation's own margin against the real interpreter. The knee of a
// pool-size sweep holds p99 to the same margin.
const Equal = 0.05

// Constraints are the bounds a recommendation must keep; zero means none.
type Constraints struct {
	P99    int64 // ns: the tasks' 99th percentile latency
	Memory int64 // bytes: peak resident memory
}

// Candidate is one deployment advise tried.
type Candidate struct {
	Label      string // the model, plus OffloadSuffix when Offload
	Model      model.Deployment
	Offload    bool               // the workload's blocking waits offloaded to threads (asyncio.to_thread)
	Workload   *workload.Workload // what was simulated: the workload, or its offloaded copy
	Result     *sim.Result
	Overloaded bool
	Rejected   string // why it was dropped; empty when it was kept
}

// Advice is the answer of Advise.
type Advice struct {
	Workload    *workload.Workload
	Runtime     string
	Cores       int
	Profile     TaskProfile
	Constraints Constraints
	// Candidates are ranked: those kept, best first, then those rejected,
	// in the order they were tried.
	Candidates     []Candidate
	Best, RunnerUp int // indexes into Candidates; -1 when there is none
	Reasons        []string
	RuleOfThumb    string
	// Resources is the word on each of the workload's resources under
	// the recommendation (see ResourceAdvice); empty when it has none or
	// nothing is recommended.
	Resources []ResourceAdvice
	// Deadlocks says which candidates deadlock and why; "" when none.
	Deadlocks string
	// Change is the one code change that buys the most under the
	// recommendation; nil when nothing is recommended.
	Change *ChangeAdvice
	gil    bool
	// The best p99 (open) or makespan (batch) and throughput of the kept
	// candidates, which the ranking measures from.
	bestPrimary int64
	bestServed  float64
}

// Advise simulates the candidates of wl (see Candidates) in parallel,
// drops those that are overloaded or break the constraints, ranks the
// rest and explains the recommendation with three reasons and a word on
// the tutorial's rule of thumb.
//
// Ranking: for an open workload by p99 latency, p99s within Equal (5 %)
// of each other counting as equal, then by throughput (within 1 % equal),
// then by resident and reserved memory; for a batch by makespan (within
// Equal), then memory.
func Advise(ctx context.Context, wl *workload.Workload, c Constraints, s Setup) (*Advice, error) {
	a := &Advice{Workload: wl, Runtime: s.Profile.Name, Cores: s.Cores, Constraints: c,
		Profile: ProfileOf(wl, s.Profile.Slowdown), Best: -1, RunnerUp: -1, gil: s.Profile.GIL}
	cands := Candidates(wl, s)
	cfgs := make([]sim.Config, len(cands))
	for i, cd := range cands {
		cfgs[i] = sim.Config{Workload: cd.Workload, Deployment: cd.Model, Profile: s.Profile,
			Cores: s.Cores, SwitchInterval: s.SwitchInterval}
	}
	res, err := runAll(ctx, s, cfgs)
	if err != nil {
		return nil, err
	}
	for i := range cands {
		cd := &cands[i]
		cd.Result = res[i]
		cd.Overloaded = Overloaded(cd.Workload, cd.Result)
		cd.Rejected = a.rejection(cd)
	}
	a.Candidates = a.rank(cands)
	for i, cd := range a.Candidates {
		if cd.Rejected != "" {
			break
		}
		if a.Best < 0 {
			a.Best = i
		} else if a.RunnerUp < 0 {
			a.RunnerUp = i
		}
	}
	a.Reasons = a.reasons()
	a.RuleOfThumb = a.ruleOfThumb()
	a.Deadlocks = a.deadlockNote()
	if err := a.adviseResources(ctx, s); err != nil {
		return nil, err
	}
	if err := a.adviseChange(ctx, s); err != nil {
		return nil, err
	}
	return a, nil
}

// Candidates lists what Advise tries for wl on s.Cores cores, less what
// the runtime cannot run:
//
//   - sync;
//   - threads(N) for N in Series(2, …) up to the pool that could be busy:
//     for an open workload twice the requests in flight by Little's law
//     (at least twice the cores), for a batch its tasks, fewer the less
//     of a task is waiting (2 × cores ÷ its CPU share);
//   - processes(N) for N in Series(2, cores), cores and 2 × cores;
//   - asyncio, and "asyncio + to_thread" when a task makes blocking waits
//     (every blocking wait gets offload: thread);
//   - processes(P)*threads(T) and processes(P)*asyncio for P in
//     Series(2, cores) and cores, T up to the thread bound ÷ P.
func Candidates(wl *workload.Workload, s Setup) []Candidate {
	p := ProfileOf(wl, s.Profile.Slowdown)
	cores := max(1, s.Cores)
	var out []Candidate
	add := func(d model.Deployment, offload bool) {
		if s.Profile.Check(d) != nil {
			return
		}
		c := Candidate{Label: d.String(), Model: d, Workload: wl}
		if offload {
			c.Label += OffloadSuffix
			c.Offload = true
			c.Workload, _ = offloadBlocking(wl)
		}
		out = append(out, c)
	}

	add(model.Deployment{Kind: model.Sync}, false)
	maxThreads := threadBound(p, cores)
	for _, n := range Series(2, seriesCeil(maxThreads)) {
		add(model.Deployment{Kind: model.ThreadPool, Threads: n}, false)
	}
	procs := Series(2, cores)
	procs = append(procs, cores, 2*cores)
	slices.Sort(procs)
	for _, n := range slices.Compact(procs) {
		add(model.Deployment{Kind: model.Processes, Procs: n}, false)
	}
	add(model.Deployment{Kind: model.Asyncio}, false)
	if p.Blocking > 0 {
		add(model.Deployment{Kind: model.Asyncio}, true)
	}
	outer := slices.Compact(append(Series(2, cores), max(2, cores)))
	if cores < 2 {
		outer = nil
	}
	for _, n := range outer {
		for _, t := range Series(2, seriesCeil(max(2, maxThreads/float64(n)))) {
			add(model.Deployment{Kind: model.Processes, Procs: n, Inner: &model.Deployment{Kind: model.ThreadPool, Threads: t}}, false)
		}
		add(model.Deployment{Kind: model.Processes, Procs: n, Inner: &model.Deployment{Kind: model.Asyncio}}, false)
	}
	return out
}

// threadBound is the largest useful thread pool for a task profile.
func threadBound(p TaskProfile, cores int) float64 {
	var hi float64
	if p.Rate > 0 {
		hi = max(2*float64(cores), 2*p.InFlight())
	} else {
		hi = float64(max(p.Tasks, 2))
		if cpu := p.CPUShare(); cpu > 0 {
			hi = min(hi, 2*float64(cores)/cpu)
		}
	}
	return min(max(hi, 2), 1024)
}

// seriesCeil is the smallest value of Series at or above v.
func seriesCeil(v float64) int {
	for _, n := range Series(1, 1<<20) {
		if float64(n) >= v {
			return n
		}
	}
	return 1 << 20
}

// rejection says why a candidate cannot be recommended, or "".
func (a *Advice) rejection(c *Candidate) string {
	r := c.Result
	switch {
	case r.Deadlock != nil:
		return "deadlock at " + report.Seconds(r.Deadlock.At) + ": " + deadlockCycle(r.Deadlock)
	case c.Overloaded:
		return "overloaded: " + servedText(c) + " offered"
	case a.Constraints.P99 > 0 && r.Latency.P99 > a.Constraints.P99:
		return fmt.Sprintf("p99 %s > %s", report.Seconds(r.Latency.P99), report.Seconds(a.Constraints.P99))
	case a.Constraints.Memory > 0 && r.PeakMemoryBytes > a.Constraints.Memory:
		return fmt.Sprintf("resident %s > %s", report.Bytes(r.PeakMemoryBytes), report.Bytes(a.Constraints.Memory))
	}
	return ""
}

// open reports whether the workload is open (a server under arrivals).
func (a *Advice) open() bool { return a.Workload.Arrivals != nil }

// rank orders the kept candidates best first (see Advise), then the
// rejected ones in the order they were tried.
func (a *Advice) rank(cands []Candidate) []Candidate {
	var kept, rejected []Candidate
	for _, c := range cands {
		if c.Rejected == "" {
			kept = append(kept, c)
		} else {
			rejected = append(rejected, c)
		}
	}
	if len(kept) == 0 {
		return rejected
	}
	a.bestPrimary, a.bestServed = int64(math.MaxInt64), 0
	for i := range kept {
		a.bestPrimary = min(a.bestPrimary, a.primary(&kept[i]))
		a.bestServed = max(a.bestServed, Served(kept[i].Workload, kept[i].Result))
	}
	// Stable: candidates with equal keys stay in the order they were tried.
	slices.SortStableFunc(kept, func(x, y Candidate) int {
		c, _ := a.key(&x).cmp(a.key(&y))
		return c
	})
	return append(kept, rejected...)
}

// rankKey is what ranks a kept candidate, most telling first.
type rankKey struct {
	tier               int // of p99 or makespan: how many factors of 1 + Equal above the best
	served             int // of throughput, open workloads: how many factors of 1.01 below the best
	resident, reserved int64
	primary            int64 // p99 or makespan itself
}

// Why one candidate ranks above another when their rankKeys differ: the
// field that decided.
const (
	byTier = iota + 1
	byServed
	byResident
	byReserved
	byPrimary
)

// key is c's rankKey among the kept candidates (rank sets the bests).
func (a *Advice) key(c *Candidate) rankKey {
	k := rankKey{tier: tier(float64(a.primary(c)), float64(a.bestPrimary), 1+Equal),
		resident: c.Result.PeakMemoryBytes, reserved: c.Result.PeakVirtualBytes, primary: a.primary(c)}
	if a.open() {
		k.served = tier(a.bestServed, Served(c.Workload, c.Result), 1.01)
	}
	return k
}

// cmp compares two keys, lower first, and says which field decided (0
// when they are equal).
func (k rankKey) cmp(o rankKey) (int, int) {
	for i, d := range []int64{int64(k.tier - o.tier), int64(k.served - o.served), k.resident - o.resident,
		k.reserved - o.reserved, k.primary - o.primary} {
		switch {
		case d < 0:
			return -1, i + 1
		case d > 0:
			return 1, i + 1
		}
	}
	return 0, 0
}

// tier is how many factors of step v lies above best: 0 within one step.
func tier(v, best, step float64) int {
	v, best = max(v, 1), max(best, 1)
	if v <= best {
		return 0
	}
	return int(math.Floor(math.Log(v/best) / math.Log(step)))
}

// Recommendation returns the recommended candidate, or nil.
func (a *Advice) Recommendation() *Candidate { return a.at(a.Best) }

// RunnerUpCandidate returns the runner-up, or nil.
func (a *Advice) RunnerUpCandidate() *Candidate { return a.at(a.RunnerUp) }

func (a *Advice) at(i int) *Candidate {
	if i < 0 || i >= len(a.Candidates) {
		return nil
	}
	return &a.Candidates[i]
}

// family groups candidates the way the tutorial's advice names them.
type family uint8

const (
	famSync family = iota
	famThreads
	famAsyncio
	famAsyncioOffload
	famProcesses
	famProcThreads
	famProcAsyncio
)

func familyOf(c *Candidate) family {
	d := c.Model
	switch {
	case d.Kind == model.Sync:
		return famSync
	case d.Kind == model.ThreadPool || d.Kind == model.ThreadPerTask:
		return famThreads
	case d.Kind == model.Asyncio && c.Offload:
		return famAsyncioOffload
	case d.Kind == model.Asyncio:
		return famAsyncio
	case d.Inner == nil:
		return famProcesses
	case d.Inner.Kind == model.Asyncio:
		return famProcAsyncio
	}
	return famProcThreads
}

// bestOf returns the best candidate of the given families: the best
// ranked kept one, else the rejected one that served most (the least
// overloaded), else nil.
func (a *Advice) bestOf(fams ...family) *Candidate {
	var fallback *Candidate
	for i := range a.Candidates {
		c := &a.Candidates[i]
		if !slices.Contains(fams, familyOf(c)) {
			continue
		}
		if c.Rejected == "" {
			return c
		}
		if fallback == nil || a.better(c, fallback) {
			fallback = c
		}
	}
	return fallback
}

// better compares two rejected candidates: more served, then lower p99.
func (a *Advice) better(x, y *Candidate) bool {
	sx, sy := Served(x.Workload, x.Result), Served(y.Workload, y.Result)
	if sx != sy {
		return sx > sy
	}
	return x.Result.Latency.P99 < y.Result.Latency.P99
}

// deadlockCycle names the tasks of a deadlock's cycle and what each waits
// for, briefly: "A waits for b, B waits for a".
func deadlockCycle(d *sim.Deadlock) string {
	parts := make([]string, len(d.Cycle))
	for i, l := range d.Cycle {
		parts[i] = l.Task + " waits for " + l.WaitsFor
	}
	return strings.Join(parts, ", ")
}
