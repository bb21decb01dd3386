package explain

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// TestGolden compares the narration of the seed's cases with testdata;
// go test ./explain -update rewrites them (review the diff).
func TestGolden(t *testing.T) {
	for _, tc := range []struct{ example, model, file string }{
		{"seed-io", "sync", "seed-io_sync"},
		{"seed-io", "threads(3)", "seed-io_threads3"},
		{"seed-io", "asyncio", "seed-io_asyncio"},
		{"seed-blocking", "asyncio", "seed-blocking_asyncio"},
		{"convoy", "threads", "convoy_threads"},
		{"seed-cpu", "threads(2)", "seed-cpu_threads2"},
		{"offload", "asyncio", "offload_asyncio"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, lines := story(t, tc.example, tc.model)
			got := text(t, lines, 100)
			golden.Check(t, filepath.Join("testdata", tc.file+".golden"), []byte(got))
		})
	}
}

// find returns the lines whose text matches re.
func find(lines []Line, re string) []Line {
	var out []Line
	m := regexp.MustCompile(re)
	for _, l := range lines {
		if m.MatchString(l.Text) {
			out = append(out, l)
		}
	}
	return out
}

func TestSeedStories(t *testing.T) {
	tests := []struct {
		example, model string
		check          func(t *testing.T, r *sim.Result, lines []Line)
	}{
		{"mixed", "asyncio(limit=2)", func(t *testing.T, r *sim.Result, lines []Line) {
			// gather creates all 40; the semaphore lets two run at a time.
			if got := find(lines, `^the loop first runs the main coroutine, which creates the 40 tasks`); len(got) != 1 {
				t.Errorf("no line of the main coroutine creating all 40 tasks: %v", got)
			}
			if got := find(lines, `^request-3 … request-40 wait up to .* for the semaphore: 2 tasks are already in flight \(×38\)$`); len(got) != 1 {
				t.Errorf("no semaphore line for the 38 held tasks: %v", got)
			}
			if got := find(lines, `the loop runs one task at a time`); len(got) != 0 {
				t.Errorf("the semaphore's waits told as the loop's: %v", got)
			}
		}},
		{"seed-io", "asyncio", func(t *testing.T, r *sim.Result, lines []Line) {
			if got := find(lines, `^the loop first runs the main coroutine, which creates the 3 tasks: .* before A starts$`); len(got) != 1 || got[0].At != 0 {
				t.Errorf("no line of the main coroutine creating the tasks at 0: %v", got)
			}
			// A starts once the tasks are created: within microseconds.
			if got := find(lines, `^A starts and awaits a 2 s wait — the loop switches to B$`); len(got) != 1 || got[0].At <= 0 || got[0].At > 100_000 {
				t.Errorf("no line of A starting and the loop switching to B just after 0: %v", got)
			}
			if got := find(lines, `^C starts .*the loop idles`); len(got) != 1 {
				t.Errorf("C's start does not say the loop idles: %v", got)
			}
			if got := find(lines, `^A, B and C finish$`); len(got) != 1 || got[0].Count != 3 || got[0].At < 2e9 {
				t.Errorf("no folded finish of A, B and C after 2 s: %v", got)
			}
		}},
		{"seed-io", "sync", func(t *testing.T, r *sim.Result, lines []Line) {
			if got := find(lines, `^C waits its turn for 4\.000 s`); len(got) != 1 {
				t.Errorf("C's 4 s wait for its turn is not told: %v", got)
			}
			if got := find(lines, `^B starts`); len(got) != 1 || got[0].At < 2e9 {
				t.Errorf("B does not start after A's 2 s: %v", got)
			}
		}},
		{"seed-io", "threads(3)", func(t *testing.T, r *sim.Result, lines []Line) {
			for _, task := range []string{"A on worker-1", "B on worker-2", "C on worker-3"} {
				if got := find(lines, `^`+strings.Replace(task, " on ", " starts on ", 1)+` and waits 2 s`); len(got) != 1 {
					t.Errorf("no start of %s: %v", task, got)
				}
			}
			if got := find(lines, `^the main thread starts worker-1, worker-2 and worker-3 for A, B and C, one at a time \(submit and Thread\.start: \d+ µs each\)`); len(got) != 1 {
				t.Errorf("worker creation not told: %v", got)
			}
		}},
		{"seed-blocking", "asyncio", func(t *testing.T, r *sim.Result, lines []Line) {
			got := find(lines, `^B starts and calls a blocking wait on the loop: nothing else runs for 2\.000 s \(asyncio would report a slow callback\)$`)
			if len(got) != 1 || !got[0].Warn || got[0].At < 2e9 || got[0].At > 2.001e9 {
				t.Errorf("B's blocking call: %+v", got)
			}
			if got := find(lines, ""); countWarn(got) != 3 {
				t.Errorf("%d warnings, want 3 (A, B and C block the loop)", countWarn(got))
			}
		}},
		{"convoy", "threads", func(t *testing.T, r *sim.Result, lines []Line) {
			// The io thread's switch interval ends each wait: the convoy.
			got := find(lines, `^GIL: the io thread waited 5\.08 ms until its switch interval forced the cpu thread to drop the GIL \(×(\d+),`)
			if len(got) != 1 || got[0].Count < 190 {
				t.Fatalf("no folded convoy line with ×N ≥ 190: %+v", got)
			}
			n, _ := strconv.Atoi(regexp.MustCompile(`×(\d+)`).FindStringSubmatch(got[0].Text)[1])
			if n != got[0].Count {
				t.Errorf("text says ×%d, Count is %d", n, got[0].Count)
			}
			if got := find(lines, `^the main thread starts thread-1 and thread-2 for io and cpu, one at a time \(Thread\.start: \d+(\.\d+)? µs each\)`); len(got) != 1 {
				t.Errorf("no start of the two threads by the main thread: %+v", got)
			}
			if got := find(lines, `^GIL: the main thread waited 5\.08 ms for the GIL to return from starting thread-2 \(the (cpu|io) thread held it\)$`); len(got) != 1 {
				t.Errorf("the main thread's wait for the GIL after starting thread-2 is not told: %+v", got)
			}
			if got := find(lines, ` for \(| for ;`); len(got) != 0 {
				t.Errorf("a line names no task: %+v", got)
			}
		}},
		{"seed-cpu", "threads(2)", func(t *testing.T, r *sim.Result, lines []Line) {
			got := find(lines, `^GIL: worker-1 and worker-2 take turns on the GIL every 5\.08 ms: (\d+) hand-overs, each thread runs half the time`)
			if len(got) != 1 || got[0].Count < 390 {
				t.Errorf("no turn-taking line: %+v", got)
			}
			// B waits while the main thread starts worker-1 and then
			// worker-2 for it; no worker is busy with another task.
			if got := find(lines, `^B waits (5|10)\.\d+ ms for the main thread, which submits the tasks and starts the threads one at a time \(worker-2 is started for it\)$`); len(got) != 1 {
				t.Errorf("B's wait for the main thread is not told: %+v", got)
			}
			if got := find(lines, `free worker`); len(got) != 0 {
				t.Errorf("a task waits for a free worker, though the pool was not full: %+v", got)
			}
			if got := find(lines, `^GIL: the main thread waited .* for the GIL to return from starting worker-1 and worker-2`); len(got) != 1 || got[0].Count != 2 {
				t.Errorf("the main thread's waits for the GIL are not told: %+v", got)
			}
		}},
		{"seed-cpu", "processes(2)", func(t *testing.T, r *sim.Result, lines []Line) {
			if got := find(lines, `^proc-1 and proc-2 are forked one after another, 1\.25 ms apart, and start up: [\d.]+ ms each`); len(got) != 1 || got[0].Count != 2 {
				t.Errorf("no process start-up line: %+v", got)
			}
			if got := find(lines, `^B waits [\d.]+ ms for proc-2 to start$`); len(got) != 1 {
				t.Errorf("B's wait for proc-2 is not told: %+v", got)
			}
		}},
		{"seed-cpu", "processes(2, start=spawn)", func(t *testing.T, r *sim.Result, lines []Line) {
			if got := find(lines, `^proc-1 and proc-2 start \(spawn\): [\d.]+ ms each`); len(got) != 1 || got[0].Count != 2 {
				t.Errorf("no process start-up line: %+v", got)
			}
			// Three start-ups on two cores: the tracker's 35.1 ms of CPU
			// take 52.6 ms.
			if got := find(lines, `^multiprocessing's resource tracker starts, a fresh interpreter, on the cores the workers start on: 52\.6 ms$`); len(got) != 1 {
				t.Errorf("no resource tracker line: %+v", got)
			}
		}},
		{"mixed", "threads(8)", func(t *testing.T, r *sim.Result, lines []Line) {
			if got := find(lines, `^request-9 … request-40 wait up to .* for a free worker: all 8 are busy \(×32\)$`); len(got) != 1 {
				t.Errorf("no queueing line: %+v", got)
			}
			// request-1 waits too when its wait (one submit and
			// Thread.start) reaches the story's threshold, a thousandth of
			// the makespan: it did on the VM's EPYC host of 2026-12-01
			// (Thread.start 439 µs, a makespan of 460 ms), and does not on
			// its Zen 5 host (97.3 µs, 451 ms), so the line may begin with
			// either.
			if got := find(lines, `^request-[12] … request-8 wait up to .* for the main thread, which submits the tasks and starts the threads one at a time \(×[78]\)$`); len(got) != 1 {
				t.Errorf("no line of the first tasks waiting for the main thread: %+v", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.example+"/"+tc.model, func(t *testing.T) {
			r, lines := story(t, tc.example, tc.model)
			tc.check(t, r, lines)
			checkShape(t, r, lines)
		})
	}
}

func countWarn(lines []Line) int {
	c := 0
	for _, l := range lines {
		if l.Warn {
			c++
		}
	}
	return c
}

// checkShape checks what every narration must be: sorted by time, within
// the run, counts ≥ 1, ending with the summary.
func checkShape(t *testing.T, r *sim.Result, lines []Line) {
	t.Helper()
	if len(lines) == 0 {
		t.Fatal("no lines")
	}
	for i, l := range lines {
		if i > 0 && l.At < lines[i-1].At {
			t.Errorf("line %d (%q) at %d before line %d at %d", i, l.Text, l.At, i-1, lines[i-1].At)
		}
		if l.At < 0 || l.At > r.Makespan || l.Count < 1 || l.Text == "" {
			t.Errorf("line %d: %+v (makespan %d)", i, l, r.Makespan)
		}
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last.Text, "Makespan ") || last.At != r.Makespan {
		t.Errorf("last line is not the summary: %+v", last)
	}
}

func TestFolding(t *testing.T) {
	for _, tc := range []struct {
		example, model string
		most           int
	}{
		{"memory", "asyncio", 60},
		{"memory", "threads(1000)", 60},
		{"convoy", "threads", 25},
		{"convoy-1ms", "threads", 25},
		{"mixed", "threads(8)", 40},
		{"offload", "asyncio", 40},
	} {
		t.Run(tc.example+"/"+tc.model, func(t *testing.T) {
			r, lines := story(t, tc.example, tc.model)
			if len(lines) > tc.most {
				t.Errorf("%d lines, want at most %d:\n%s", len(lines), tc.most, text(t, lines, 100))
			}
			total := 0
			for _, l := range lines {
				total += l.Count
			}
			if tc.example == "memory" && total < r.Tasks {
				t.Errorf("the lines stand for %d events, fewer than the %d tasks' finishes", total, r.Tasks)
			}
			checkShape(t, r, lines)
		})
	}
}

func TestNarrateWithoutSpans(t *testing.T) {
	r, _ := story(t, "seed-io", "asyncio")
	lines := Narrate(nil, r, nil)
	if len(lines) != 1 || !strings.HasPrefix(lines[0].Text, "Makespan 2.00") {
		t.Errorf("without spans: %+v", lines)
	}
	if Narrate(nil, nil, nil) != nil {
		t.Error("Narrate of no result is not nil")
	}
}

func TestWrite(t *testing.T) {
	lines := []Line{
		{At: 0, Text: "A starts and awaits a 2 s wait — the loop switches to B", Count: 1},
		{At: 2_000_094_600, Text: "B calls a blocking wait on the loop: nothing else runs for 2.000 s", Warn: true, Count: 1},
		{At: 12_000_000_000, Text: "done", Count: 1},
	}
	tests := []struct {
		width int
		want  string
	}{
		{100, "   0.000 s  A starts and awaits a 2 s wait — the loop switches to B\n" +
			"⚠  2.000 s  B calls a blocking wait on the loop: nothing else runs for 2.000 s\n" +
			"  12.000 s  done\n"},
		{40, "   0.000 s  A starts and awaits a 2 s\n" +
			"            wait — the loop switches to\n" +
			"            B\n" +
			"⚠  2.000 s  B calls a blocking wait on\n" +
			"            the loop: nothing else runs\n" +
			"            for 2.000 s\n" +
			"  12.000 s  done\n"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := Write(&b, lines, tc.width); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("width %d:\n%s\nwant:\n%s", tc.width, b.String(), tc.want)
		}
		for _, row := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if n := len([]rune(row)); n > tc.width {
				t.Errorf("width %d: row of %d runes: %q", tc.width, n, row)
			}
		}
	}
	var b bytes.Buffer
	if err := Write(&b, lines[:1], 100); err != nil || b.String() != "0.000 s  A starts and awaits a 2 s wait — the loop switches to B\n" {
		t.Errorf("without warnings: %q, %v", b.String(), err)
	}
}

func TestDeterministic(t *testing.T) {
	_, a := story(t, "mixed", "threads(8)")
	_, b := story(t, "mixed", "threads(8)")
	if text(t, a, 80) != text(t, b, 80) {
		t.Error("two narrations of the same run differ")
	}
}

func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"A"}, "A"},
		{[]string{"A", "B", "C"}, "A, B and C"},
		{[]string{"c-1", "c-2", "c-3", "c-4", "c-5"}, "c-1 … c-5"},
		{[]string{"c-1", "c-2", "c-4", "c-5", "c-6"}, "c-1 … c-6 (5 tasks)"},
		{[]string{"a", "b", "c", "d", "e"}, "a … e (5 tasks)"},
	} {
		if got := compact(tc.in); got != tc.want {
			t.Errorf("compact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSpanOrder checks that the story does not depend on the order in
// which the engine closes spans: the narration of spans shuffled (lanes
// and tasks interleaved anyhow, a lane's own spans out of order) is the
// narration of the spans as recorded. Causes come with each span, so
// nothing is inferred from which span arrived first.
func TestSpanOrder(t *testing.T) {
	for _, tc := range []struct{ example, model string }{
		{"seed-io", "sync"},
		{"seed-io", "threads(3)"},
		{"seed-blocking", "asyncio"},
		{"convoy", "threads"},
		{"seed-cpu", "threads(2)"},
		{"seed-cpu", "processes(2)"},
		{"offload", "asyncio"},
		{"mixed", "asyncio(limit=2)"},
		{"mixed", "threads(8)"},
		{"mixed", "processes(2)*threads(2)"},
		{"mixed", "processes(2)*asyncio(limit=3)"},
	} {
		t.Run(tc.example+"/"+tc.model, func(t *testing.T) {
			wl, r, rec := run(t, tc.example, tc.model)
			want := text(t, Narrate(wl, r, rec), 100)
			for seed := uint64(1); seed <= 3; seed++ {
				rng := rand.New(rand.NewPCG(seed, 9))
				mixed := &sim.Recorder{Lanes: slices.Clone(rec.Lanes), Tasks: slices.Clone(rec.Tasks)}
				rng.Shuffle(len(mixed.Lanes), func(i, j int) { mixed.Lanes[i], mixed.Lanes[j] = mixed.Lanes[j], mixed.Lanes[i] })
				rng.Shuffle(len(mixed.Tasks), func(i, j int) { mixed.Tasks[i], mixed.Tasks[j] = mixed.Tasks[j], mixed.Tasks[i] })
				if got := text(t, Narrate(wl, r, mixed), 100); got != want {
					t.Fatalf("shuffle %d: the story changed:\n%s\nwant:\n%s", seed, got, want)
				}
			}
		})
	}
}

// One worker's event loop takes a burst queued before the others are up
// (issue 10): each task says which loop took it with which, that the
// other loop sat idle, and the summary says so once.
func TestBurstToOneWorker(t *testing.T) {
	wl, err := workload.ParseInline("cores=2; 4 x [work 500ms]")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := storyOf(t, wl, "processes(2)*asyncio")
	if got := find(lines, `^task-1-[234] is ready but waits .*: loop-1 took it at one wake-up with task-1-1 .*; loop-2 is idle meanwhile$`); len(got) != 3 {
		t.Errorf("%d lines say loop-1 took the task with task-1-1 while loop-2 idled, want 3:\n%s", len(got), text(t, lines, 0))
	}
	if got := find(lines, `One worker took the burst: loop-1 took 4 tasks at one wake-up while loop-2 sat idle`); len(got) != 1 {
		t.Errorf("the summary does not say one worker took the burst:\n%s", text(t, lines, 0))
	}
}

// A task that arrives while every worker's loop computes waits for the
// first loop to poll, and the loop takes what waits together.
func TestArrivalWhileLoopsBusy(t *testing.T) {
	// The tasks arrive once both worker processes are up (forked one
	// after another, 8.01 ms each, 49.5 ms on the VM's host of
	// 2026-12-01): C must find both loops computing.
	wl, err := workload.ParseInline("A: [work 100ms] start 500ms; B: [work 300ms] start 510ms; 2 x C: [work 100ms] every 5ms start 520ms")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := storyOf(t, wl, "processes(2)*asyncio")
	if got := find(lines, `^C-1 waits .* for a worker to take it: every worker's event loop was running a task.*loop-1 took it after a callback of A$`); len(got) != 1 {
		t.Errorf("no line says C-1 waited for a loop to poll:\n%s", text(t, lines, 0))
	}
	if got := find(lines, `^C-2 is ready but waits .*: loop-1 took it at one wake-up with C-1`); len(got) != 1 {
		t.Errorf("no line says loop-1 took C-2 with C-1:\n%s", text(t, lines, 0))
	}
	if got := find(lines, `One worker took the burst`); len(got) != 0 {
		t.Errorf("the summary says one worker took a burst, but no loop sat idle:\n%s", text(t, lines, 0))
	}
}

// C code with the GIL released and Python code next to it are told apart
// (issue 10): each step's time is told with what it was, never summed
// into one "of C code" line.
func TestCAndPythonApart(t *testing.T) {
	for _, tc := range []struct {
		expr, model string
		tasks       int
	}{
		{"2 x [work 40ms released, work 6ms]", "threads(2)", 2},
		{"2 x [work 6ms, work 40ms released]", "threads(2)", 2},
		{"[work 40ms released, work 6ms]", "sync", 1},
	} {
		t.Run(tc.expr+" "+tc.model, func(t *testing.T) {
			wl, err := workload.ParseInline(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			_, lines := storyOf(t, wl, tc.model)
			if got := find(lines, `runs 40\.0 ms of C code with the GIL released`); len(got) != tc.tasks {
				t.Errorf("%d lines tell 40 ms of C code, want %d:\n%s", len(got), tc.tasks, text(t, lines, 200))
			}
			if got := find(lines, `computes (for )?6\.00 ms (of )?\(?Python code`); len(got) != tc.tasks {
				t.Errorf("%d lines tell 6 ms of Python code, want %d:\n%s", len(got), tc.tasks, text(t, lines, 200))
			}
			if got := find(lines, `46\.0 ms of C code`); len(got) != 0 {
				t.Errorf("C and Python code summed: %v", got)
			}
		})
	}
}

// On a free-threaded runtime whose locks spin (LockSpin), the thread
// starts that waited out a spin say so, with how long: a pool's, told
// for the group, and a bare Thread's starter's, told start by start.
func TestStartSpins(t *testing.T) {
	for _, tc := range []struct{ model, want string }{
		{"threads(6)", `^the main thread starts worker-1 … worker-6 for .*; 4 starts wait out the spin of the runtime's locks, which yield the core 40 times before they sleep, to threads computing there: 5\d\.\d–\d+(\.\d)? ms`},
		{"threads", `; the start waits out the spin of the runtime's locks, .*: \d+(\.\d)? ms$`},
	} {
		wl, err := workload.ParseInline("6 x [work 50ms, wait 150ms, work 50ms]")
		if err != nil {
			t.Fatal(err)
		}
		wl.Runtime = "cpython-3.13t"
		_, lines := storyOf(t, wl, tc.model)
		if got := find(lines, tc.want); len(got) == 0 {
			t.Errorf("%s: no line says the starts waited out a spin:\n%s", tc.model, text(t, lines, 0))
		}
		wl.Runtime = "cpython-3.13"
		_, lines = storyOf(t, wl, tc.model)
		if got := find(lines, `spin of the runtime's locks`); len(got) != 0 {
			t.Errorf("%s with the GIL: %v", tc.model, got)
		}
	}
}

// A later phase (after:) is told when it is released: which tasks, the
// last one they waited for and when it finished, and the start after it.
func TestPhaseReleased(t *testing.T) {
	wl, err := workload.ParseInline("4 x fetch: [wait 20ms, work 5ms]; 2 x parse: [work 10ms] after fetch start 5ms; report: [work 1ms] after parse")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"sync", "threads(2)", "asyncio", "processes(2)"} {
		_, lines := storyOf(t, wl, m)
		if got := find(lines, `^the 2 tasks of parse are released: every task of fetch has finished \(the last, fetch-4, at [0-9.]+ ms\), and 5.00 ms after that \(start\)$`); len(got) != 1 {
			t.Errorf("%s: no line says the parses were released after the fetches:\n%s", m, text(t, lines, 0))
		}
		if got := find(lines, `^report is released: every task of parse has finished \(the last, parse-[12], at [0-9.]+ ms\)$`); len(got) != 1 {
			t.Errorf("%s: no line says the report was released after the parses:\n%s", m, text(t, lines, 0))
		}
	}
}

// A thread back from a sleep beside several CPU-bound threads waits for
// the GIL through several forced switches, which its own switch interval
// does not force: the line says why (it never asks for the drop).
func TestArrivedWaiterPassedOver(t *testing.T) {
	wl, err := workload.ParseInline("cores=2; 3 x cpu: [work 1s]; io: [repeat 30 [wait 20ms, work 0.05ms]]")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := storyOf(t, wl, "threads")
	got := find(lines, `^GIL: threads back from a wait or from C code waited (\S+ ms) on average \(up to \S+ ms\) for a forced switch to hand them the GIL, .* in all: they never ask for the drop, and CPython gives it to one at a switch only when its condition variable wakes it rather than the thread that asked \(×30,`)
	if len(got) != 1 {
		t.Fatalf("no line on the io thread's waits for the GIL:\n%s", text(t, lines, 0))
	}
	// Beside 3 CPU-bound threads the profile's wait is 18.8 ms: several
	// switch intervals, never one.
	avg, err := strconv.ParseFloat(regexp.MustCompile(`waited (\S+) ms`).FindStringSubmatch(got[0].Text)[1], 64)
	if err != nil || avg < 10 || avg > 40 {
		t.Errorf("the io thread waited %v ms on average, want 10–40 (the profile's 18.8 beside 3): %s", avg, got[0].Text)
	}
}

// TestExplainGoNetpoll: a Go program's sleeps that its netpoller ended are
// counted in the summary, with how late they were; CPython's never are.
func TestExplainGoNetpoll(t *testing.T) {
	wl, err := workload.ParseInline("3 x [wait 500us]")
	if err != nil {
		t.Fatal(err)
	}
	wl.Runtime = "go"
	r, lines := storyOf(t, wl, "sync")
	got := text(t, lines, 1000)
	want := fmt.Sprintf("Go's netpoller ended 3 sleeps, %s after they were due in all", report.Seconds(r.NetpollLate))
	if r.NetpollSleeps != 3 || !strings.Contains(got, want) {
		t.Errorf("%d sleeps, %d late; want %q in:\n%s", r.NetpollSleeps, r.NetpollLate, want, got)
	}
	wl.Runtime = ""
	if _, lines := storyOf(t, wl, "sync"); strings.Contains(text(t, lines, 1000), "netpoller") {
		t.Error("CPython's sleeps are said to be Go's")
	}
}

// TestExplainMainModule: a spawned worker's start-up says how much of it
// is the program's main module run again (main_module); a forked one's
// says nothing of it.
func TestExplainMainModule(t *testing.T) {
	wl, err := workload.ParseInline("2 x [work 50ms]")
	if err != nil {
		t.Fatal(err)
	}
	wl.MainModule = 300_000_000
	_, lines := storyOf(t, wl, "processes(2, start=spawn)")
	if got := find(lines, `^proc-1 and proc-2 start \(spawn\): [\d.]+ ms each, 300 ms of it running the program's main module again \(main_module\) \(×2\)$`); len(got) != 1 {
		t.Errorf("the spawned workers' start-up does not say the main module ran again: %+v", lines)
	}
	_, lines = storyOf(t, wl, "processes(2)")
	if got := find(lines, `main module`); len(got) != 0 {
		t.Errorf("forked workers ran the main module again: %+v", got)
	}
}

// A server's worker processes are up before its first request: the
// story starts none, and its summary says why.
func TestExplainServerWorkersUpFront(t *testing.T) {
	wl, err := workload.ParseInline("arrivals=20/s for 200ms; [work 2ms, wait 5ms]")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := storyOf(t, wl, "processes(2, start=spawn)")
	if got := find(lines, `start \(spawn\)|starts \(spawn\)`); len(got) != 0 {
		t.Errorf("a server's workers started in its story: %+v", got)
	}
	if got := find(lines, `The worker processes were up before the first request`); len(got) != 1 {
		t.Errorf("the summary does not say the workers were up first: %+v", lines)
	}
	_, lines = storyOf(t, wl, "threads(2)")
	if got := find(lines, `worker processes were up`); len(got) != 0 {
		t.Errorf("threads(2) has worker processes: %+v", got)
	}
}
