package machine

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	const tick = 10 * time.Millisecond
	tests := []struct {
		name, in            string
		cpus                int
		busy, steal, iowait time.Duration
		wantErr             string
	}{
		{name: "a 2-core VM (Linux 6.1)",
			in:   "cpu  28828 54 20790 1410532 656 0 354 7 0 0\ncpu0 13498 24 9446 707414 51 0 142 3 0 0\ncpu1 15330 30 11344 703118 605 0 212 4 0 0\nintr 808251 0\nctxt 1291360\n",
			cpus: 2, busy: (28828 + 54 + 20790 + 0 + 354) * tick, steal: 7 * tick, iowait: 656 * tick},
		{name: "guest columns are already in user and nice",
			in:   "cpu  100 0 50 1000 0 5 5 0 40 0\ncpu0 100 0 50 1000 0 5 5 0 40 0\n",
			cpus: 1, busy: 160 * tick},
		{name: "no steal column (Linux before 2.6.11)",
			in:   "cpu  10 0 10 100 1 2 3\ncpu0 5 0 5 50 1 1 1\ncpu1 5 0 5 50 0 1 2\n",
			cpus: 2, busy: 25 * tick, iowait: tick},
		{name: "cpufreq-like names are not CPUs",
			in:   "cpu  1 0 1 10 0 0 0 0\ncpu0 1 0 1 10 0 0 0 0\ncpux 1\ncpu\n",
			cpus: 1, busy: 2 * tick},
		{name: "empty", in: "", wantErr: "want cpu and at least 7 counters"},
		{name: "not the cpu line first", in: "intr 1 2 3 4 5 6 7 8\n", wantErr: "want cpu"},
		{name: "a counter that is not a number", in: "cpu  1 2 x 4 5 6 7 8\ncpu0 1\n", wantErr: `counter 3 of the cpu line is "x"`},
		{name: "negative", in: "cpu  1 2 -3 4 5 6 7 8\ncpu0 1\n", wantErr: `counter 3`},
		{name: "no cpuN lines", in: "cpu  1 2 3 4 5 6 7 8\n", wantErr: "no cpuN lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseStat([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.CPUs != tt.cpus || c.Busy != tt.busy || c.Steal != tt.steal || c.IOWait != tt.iowait {
				t.Errorf("got cpus %d busy %v steal %v iowait %v, want %d %v %v %v",
					c.CPUs, c.Busy, c.Steal, c.IOWait, tt.cpus, tt.busy, tt.steal, tt.iowait)
			}
		})
	}
}

func TestParseLoadavg(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.97 1.27 0.65 2/123 20350\n", 1.97, true},
		{"0.00 0.01 0.05 1/80 1", 0, true},
		{"", 0, false},
		{"high 1 1 1/1 1", 0, false},
		{"-1 1 1 1/1 1", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseLoadavg([]byte(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseLoadavg(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestBetween: two /proc/stat samples 2 s apart on 2 cores, in which the
// CPUs were busy for 290 ticks (2.9 s), 1.95 s of it our program's:
// other processes used (2.9 − 1.95) / 2 = 0.475 of a core.
func TestBetween(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a, err := ParseStat([]byte("cpu  1000 0 500 9000 10 0 0 20 0 0\ncpu0 1\ncpu1 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseStat([]byte("cpu  1250 0 540 9100 30 0 0 60 0 0\ncpu0 1\ncpu1 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	a.At, b.At = t0, t0.Add(2*time.Second)
	a.Ours, b.Ours = 3*time.Second, 3*time.Second+1950*time.Millisecond
	b.Load1 = 2.5
	u := Between(a, b)
	near := func(got, want float64) bool { return got > want-1e-9 && got < want+1e-9 }
	if u.Wall != 2*time.Second || u.CPUs != 2 || !near(u.Others, 0.475) || !near(u.Ours, 0.975) ||
		!near(u.Steal, 0.2) || !near(u.IOWait, 0.1) || u.Load1 != 2.5 {
		t.Errorf("Between = %+v", u)
	}
	if !u.Busy(DefaultLimits) {
		t.Errorf("%+v is not busy by %+v", u, DefaultLimits)
	}
	if got, want := u.String(), "other processes used 0.47 of 2 cores; the hypervisor stole 0.2"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}

	// Our children's CPU time counts exactly, the kernel's in ticks: when
	// ours exceeds the ticks, others is 0, never negative.
	b.Ours = a.Ours + 3*time.Second
	if u := Between(a, b); u.Others != 0 {
		t.Errorf("others = %v, want 0", u.Others)
	}
	// One tick too many in a short window: never more than the CPUs.
	c := a
	c.At = a.At.Add(100 * time.Millisecond)
	c.Busy = a.Busy + 21*10*time.Millisecond
	if u := Between(a, c); u.Others != 2 {
		t.Errorf("others = %v over 2 CPUs, want 2", u.Others)
	}
	// No time between: nothing to say.
	if u := Between(a, a); u.Others != 0 || u.Ours != 0 {
		t.Errorf("Between(a, a) = %+v", u)
	}
}

func TestBusy(t *testing.T) {
	tests := []struct {
		u    Usage
		busy bool
	}{
		{Usage{Others: 0.05, CPUs: 2}, false},
		{Usage{Others: 0.25, CPUs: 2}, false},
		{Usage{Others: 0.26, CPUs: 2}, true},
		{Usage{Others: 0.9, CPUs: 2}, true},
		{Usage{Steal: 0.11, CPUs: 2}, true},
		{Usage{Ours: 2, CPUs: 2}, false}, // our own program filling the cores is what we measure
	}
	for _, tt := range tests {
		if got := tt.u.Busy(DefaultLimits); got != tt.busy {
			t.Errorf("%+v: busy = %v, want %v", tt.u, got, tt.busy)
		}
	}
}

func TestCores(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 0.004: "0", 0.05: "0.05", 0.123: "0.12", 0.25: "0.25", 0.94: "0.94",
		0.9: "0.9", 1.96: "2", 1.35: "1.4", 12.3: "12", 128: "128"} {
		if got := Cores(in); got != want {
			t.Errorf("Cores(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestSystem reads this machine: on Linux the counters of /proc, which
// only grow; elsewhere ErrUnknown.
func TestSystem(t *testing.T) {
	a, err := System{}.Read()
	if runtime.GOOS != "linux" {
		if !errors.Is(err, ErrUnknown) {
			t.Errorf("err = %v, want ErrUnknown", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2e6; i++ { // a little CPU of our own
		_ = strings.Repeat("x", i%7)
	}
	b, err := System{}.Read()
	if err != nil {
		t.Fatal(err)
	}
	if a.CPUs < 1 || b.CPUs != a.CPUs || b.Busy < a.Busy || b.Ours <= a.Ours || !b.At.After(a.At) {
		t.Errorf("counters %+v then %+v", a, b)
	}
}
