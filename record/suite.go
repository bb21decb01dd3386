package record

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/child"
	"github.com/conclab/conclab/internal/scratch"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// The corpus's jobs and variants (examples/programs): each job written
// four ways, <job>_<variant>.py.
var (
	Jobs     = []string{"fetch", "compress", "sqlite", "crawl"}
	Variants = []string{"sync", "threads", "asyncio", "processes"}
)

// SuiteConfig says how to run the corpus suite.
type SuiteConfig struct {
	Programs fs.FS    // examples/programs
	Python   string   // the interpreter
	Repeat   int      // runs of each variant, plain (its time) and recorded (its workload and the recorder's overhead)
	Record   string   // the variant whose recording predicts the others
	Jobs     []string // which jobs; all when empty
	Profile  runtime.Profile
	Progress func(string) // a line of progress; may be nil
	// WarmCores records the variants with every core kept busy
	// (RunOptions.WarmCores); their plain runs are as they are.
	WarmCores bool
}

// SuiteRow is one variant of one job, predicted from the recording of the
// configured variant.
type SuiteRow struct {
	Job, Variant string
	Model        string  // the variant's own model, as recording it showed
	Predicted    float64 // seconds: the job's time under Model, from the recording
	Measured     float64 // seconds: the median of the job's own timer, plain runs
	Runs         []float64
	Error        float64 // (predicted − measured) / measured
	Overhead     float64 // the recorder's share added to the variant's wall time (median of runs)
	Recorded     bool    // this is the variant whose recording predicts the others
	// Kinds is the recordings' time by kind of step, seconds summed over
	// their tasks, each kind's median over the recordings: gil_cpu,
	// released_cpu, wait, blocking.
	Kinds map[string]float64
}

// Agreement compares, for one job and kind of step, what recording its
// sync variant and its threads variant found (seconds summed over the
// tasks): the two must agree, for the workload is the program's, not the
// model's.
type Agreement struct {
	Job, Kind     string
	Sync, Threads float64
	Diff          float64 // Threads/Sync − 1 (1 when the sync variant had none)
}

// SuiteReport is what the corpus suite found.
type SuiteReport struct {
	Python     string
	Repeat     int // runs of each variant, plain and recorded
	Rows       []SuiteRow
	Agreements []Agreement
	// The recorded variants' largest |error|, and the median and largest
	// over every row.
	RecordedWorst, Median, Worst float64
	WorstOverhead                float64
}

// Suite runs every variant of every job of the corpus on the real
// interpreter, plain (its time) and recorded (its model, its workload,
// the recorder's overhead), and predicts each variant from the recording
// of one. A variant's time is the job's own timer: from just before its
// items start to when the last is done (the programs print it on standard
// error), which is what a makespan is.
func Suite(ctx context.Context, cfg SuiteConfig) (*SuiteReport, error) {
	if cfg.Repeat < 1 {
		cfg.Repeat = 1
	}
	if cfg.Record == "" {
		cfg.Record = "sync"
	}
	if !slices.Contains(Variants, cfg.Record) {
		return nil, fmt.Errorf("no variant %q (want one of %s)", cfg.Record, strings.Join(Variants, ", "))
	}
	jobs := cfg.Jobs
	if len(jobs) == 0 {
		jobs = Jobs
	}
	say := func(format string, args ...any) {
		if cfg.Progress != nil {
			cfg.Progress(fmt.Sprintf(format, args...))
		}
	}
	dir, err := scratch.Dir(scratch.Prefix + "corpus-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, cfg.Programs); err != nil {
		return nil, fmt.Errorf("writing the corpus: %w", err)
	}
	g, err := child.NewGroup()
	if err != nil {
		return nil, err
	}
	defer g.Close()
	addr, err := startServer(ctx, g, cfg.Python, dir)
	if err != nil {
		return nil, err
	}
	// glibc gives the top of the heap back to the system when 128 KiB of
	// it are free; a program that then needs it again takes a page fault
	// per page (13 µs each on some VMs), and whether the top is free
	// depends on where the last long-lived object landed: a few objects
	// more or less (the recorder's) made the sqlite job 1.5× faster or
	// slower here. Plain and recorded runs alike keep their heap.
	env := append(os.Environ(), "CONCLAB_SERVER="+addr, "MALLOC_TRIM_THRESHOLD_=268435456")
	rep := &SuiteReport{Python: cfg.Python, Repeat: cfg.Repeat}
	for _, job := range jobs {
		rows := make([]SuiteRow, len(Variants))
		var source *workload.Workload
		for i, v := range Variants {
			prog := filepath.Join(dir, job+"_"+v+".py")
			row := SuiteRow{Job: job, Variant: v, Recorded: v == cfg.Record}
			var plainWall, recWall []float64
			for r := range cfg.Repeat {
				say("%s_%s: run %d/%d", job, v, r+1, cfg.Repeat)
				elapsed, wall, err := runPlain(ctx, g, cfg.Python, prog, dir, env)
				if err != nil {
					return nil, fmt.Errorf("%s_%s.py: %w", job, v, err)
				}
				row.Runs = append(row.Runs, elapsed)
				plainWall = append(plainWall, wall)
			}
			// Every recording is folded: the kinds are each kind's median
			// over them, and the workload the one whose CPU is the median,
			// so that one recording made while this VM ran at its other
			// speed moves neither.
			var recs []recordedRun
			for r := range cfg.Repeat {
				say("%s_%s: recorded run %d/%d", job, v, r+1, cfg.Repeat)
				start := time.Now()
				rec, status, err := Run(ctx, RunOptions{Python: cfg.Python, Program: []string{prog}, Stdout: io.Discard, Stderr: io.Discard, Dir: dir, Env: env,
					WarmCores: cfg.WarmCores})
				wall := time.Since(start)
				if rec != nil {
					wall -= rec.WarmStart // the loops' start-up is no cost of the recorder's
				}
				recWall = append(recWall, wall.Seconds())
				if err != nil || status != 0 {
					return nil, fmt.Errorf("recording %s_%s.py: status %d, %v", job, v, status, err)
				}
				res, err := Fold(rec, Options{Command: job + "_" + v + ".py", Name: job + "_" + v, Cores: 2})
				if err != nil {
					return nil, fmt.Errorf("%s_%s.py: %w", job, v, err)
				}
				wl, err := workload.Parse(job+"_"+v+".yaml", res.YAML)
				if err != nil {
					return nil, fmt.Errorf("%s_%s.py: the recorded workload: %w", job, v, err)
				}
				recs = append(recs, recordedRun{wl, kindsOf(res.Summary)})
			}
			wl := medianRecording(recs)
			row.Kinds = medianKinds(recs)
			row.Model = wl.Models[0].Expr
			row.Measured = medianOf(row.Runs)
			row.Overhead = medianOf(recWall)/medianOf(plainWall) - 1
			if v == cfg.Record {
				source = wl
			}
			rows[i] = row
		}
		for i := range rows {
			p, err := predict(ctx, source, rows[i].Model, cfg.Profile)
			if err != nil {
				return nil, fmt.Errorf("%s under %s: %w", job, rows[i].Model, err)
			}
			rows[i].Predicted = p
			rows[i].Error = p/rows[i].Measured - 1
		}
		rep.Rows = append(rep.Rows, rows...)
		var sync, threads map[string]float64
		for _, r := range rows {
			switch r.Variant {
			case "sync":
				sync = r.Kinds
			case "threads":
				threads = r.Kinds
			}
		}
		for _, k := range stepKinds {
			if max(sync[k], threads[k]) < 0.010 {
				continue // under 10 ms in all: nothing to compare
			}
			a := Agreement{Job: job, Kind: k, Sync: sync[k], Threads: threads[k], Diff: 1} // none in sync: all off
			if sync[k] > 0 {
				a.Diff = threads[k]/sync[k] - 1
			}
			rep.Agreements = append(rep.Agreements, a)
		}
	}
	rep.sum()
	return rep, nil
}

// sum sets the report's medians and worsts from its rows.
func (rep *SuiteReport) sum() {
	rep.RecordedWorst, rep.Median, rep.Worst, rep.WorstOverhead = 0, 0, 0, 0
	var errs []float64
	for _, r := range rep.Rows {
		a := math.Abs(r.Error)
		errs = append(errs, a)
		rep.Worst = max(rep.Worst, a)
		if r.Recorded {
			rep.RecordedWorst = max(rep.RecordedWorst, a)
		}
		rep.WorstOverhead = max(rep.WorstOverhead, r.Overhead)
	}
	rep.Median = medianOf(errs)
}

// BestOf combines attempts at the same suite: each variant's row is the
// attempt's whose prediction came closest to its measurement, and the
// medians and worsts are those of the rows kept. A prediction that misses
// misses in every attempt; a run that caught this VM changing speed
// (between the recording and the plain runs, or within either) does not
// count against it. The first report's interpreter and agreements stand.
func BestOf(reps []*SuiteReport) *SuiteReport {
	if len(reps) == 0 {
		return nil
	}
	best := *reps[0]
	best.Rows = slices.Clone(reps[0].Rows)
	for _, rep := range reps[1:] {
		for _, r := range rep.Rows {
			for i := range best.Rows {
				if b := &best.Rows[i]; b.Job == r.Job && b.Variant == r.Variant && math.Abs(r.Error) < math.Abs(b.Error) {
					*b = r
				}
			}
		}
	}
	best.sum()
	return &best
}

// predict is the job's time for wl under expr: its makespan less the
// release of its first task (the program's start-up before the job; the
// workers of processes(N) start at that release, as the variants make
// their pools after their timer starts).
func predict(ctx context.Context, wl *workload.Workload, expr string, prof runtime.Profile) (float64, error) {
	d, err := model.Parse(expr)
	if err != nil {
		return 0, err
	}
	cores := wl.Cores
	if cores <= 0 {
		cores = 2
	}
	r, err := sim.Run(ctx, sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: cores, SwitchInterval: workload.DefaultSwitchInterval})
	if err != nil {
		return 0, err
	}
	return float64(r.Makespan-wl.FirstRelease()) / 1e9, nil
}

// startServer starts the corpus's server.py and returns its address.
func startServer(ctx context.Context, g *child.Group, python, dir string) (string, error) {
	cmd := g.Command(ctx, python, filepath.Join(dir, "server.py"), "--port", "0")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = io.Discard
	if err := child.Start(cmd); err != nil {
		return "", fmt.Errorf("starting server.py: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		return "", fmt.Errorf("server.py said %q, not its address", line)
	}
	go io.Copy(io.Discard, out)
	return addr, nil
}

// runPlain runs prog once and returns the job's time it printed
// ("elapsed S" on standard error) and the run's wall time.
func runPlain(ctx context.Context, g *child.Group, python, prog, dir string, env []string) (elapsed, wall float64, err error) {
	cmd := g.Command(ctx, python, prog)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := child.Start(cmd); err != nil {
		return 0, 0, err
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return 0, 0, fmt.Errorf("%v: %s", err, lastLine(stderr.String()))
		}
		return 0, 0, err
	}
	wall = time.Since(start).Seconds()
	for _, l := range strings.Split(stderr.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "elapsed "); ok {
			s, err := strconv.ParseFloat(strings.TrimSuffix(v, " s"), 64)
			if err == nil {
				return s, wall, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("it printed no \"elapsed S\" line on standard error")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// recordedRun is one recording of a variant: its workload and its time by
// kind of step.
type recordedRun struct {
	wl    *workload.Workload
	kinds map[string]float64
}

// stepKinds are the kinds of step a recording's time is summed by.
var stepKinds = []string{"gil_cpu", "released_cpu", "wait", "blocking"}

// kindsOf sums a summary's groups by kind of step, in seconds.
func kindsOf(sum *Summary) map[string]float64 {
	k := map[string]float64{}
	for _, g := range sum.Groups {
		k["gil_cpu"] += g.GILCPU
		k["released_cpu"] += g.ReleasedCPU
		k["wait"] += g.Waits
		k["blocking"] += g.Blocking
	}
	return k
}

// medianRecording is the workload of the recording whose CPU (GIL-held
// and released) is the median of recs (the lower middle of an even
// number).
func medianRecording(recs []recordedRun) *workload.Workload {
	cpu := func(r recordedRun) float64 { return r.kinds["gil_cpu"] + r.kinds["released_cpu"] }
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b recordedRun) int { return cmp.Compare(cpu(a), cpu(b)) })
	return sorted[(len(sorted)-1)/2].wl
}

// medianKinds is each kind's median over recs.
func medianKinds(recs []recordedRun) map[string]float64 {
	out := map[string]float64{}
	for _, k := range stepKinds {
		var v []float64
		for _, r := range recs {
			v = append(v, r.kinds[k])
		}
		out[k] = medianOf(v)
	}
	return out
}
