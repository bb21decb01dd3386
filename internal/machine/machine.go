package machine

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrUnknown is the error of a Reader on a system that does not say how
// busy its CPUs are (no /proc/stat).
var ErrUnknown = errors.New("this system does not say how busy its CPUs are (no /proc/stat)")

// UserHZ is the unit of the times in /proc/stat: 1/100 s. Linux fixes it
// at 100 for user space (USER_HZ) on every architecture Go supports,
// whatever the kernel's own tick rate.
const UserHZ = 100

// Counters are the machine's CPU time counters at one instant. The times
// are summed over all CPUs since boot (Busy, Steal, IOWait) or over the
// life of this process (Ours), so only the difference of two Counters
// means anything.
type Counters struct {
	At   time.Time // when they were read (with Go's monotonic clock)
	CPUs int       // logical CPUs (the cpuN lines of /proc/stat)
	// Busy is the time the CPUs ran any process or the kernel: user, nice,
	// system, irq and softirq (guest time is part of user and nice).
	Busy   time.Duration
	Steal  time.Duration // the hypervisor ran another machine on our CPUs
	IOWait time.Duration // idle with I/O outstanding
	// Ours is the CPU time of this process and of its children that
	// have ended and been waited for (getrusage RUSAGE_SELF plus
	// RUSAGE_CHILDREN): the part of Busy that is no other process's.
	Ours  time.Duration
	Load1 float64 // the 1-minute load average
}

// Reader reads the Counters now. It returns an error wrapping ErrUnknown
// on a system that does not say.
type Reader interface {
	Read() (Counters, error)
}

// ReaderFunc is a function that is a Reader.
type ReaderFunc func() (Counters, error)

// Read calls f.
func (f ReaderFunc) Read() (Counters, error) { return f() }

// Usage is how the CPUs were used between two Counters, in cores: a CPU
// time divided by the wall time between them (0.5 is half of one core
// on average; at most CPUs).
type Usage struct {
	Wall   time.Duration
	CPUs   int
	Others float64 // cores used by other processes (and the kernel): Busy − Ours
	Ours   float64 // cores used by this process and its children
	Steal  float64 // cores the hypervisor took away
	IOWait float64 // cores idle waiting for I/O
	Load1  float64 // the 1-minute load average at the end
}

// Between is the usage from a to b. Busy comes from the kernel's
// accounting in ticks of 10 ms and Ours from exact CPU times, so Others
// is accurate to a few hundredths of a core over a second; it is never
// below 0 nor above the CPUs (a window of a quarter second holds only 25
// ticks per CPU, and one more is 4 %).
func Between(a, b Counters) Usage {
	u := Usage{Wall: b.At.Sub(a.At), CPUs: b.CPUs, Load1: b.Load1}
	if u.Wall <= 0 {
		return u
	}
	cores := func(d time.Duration) float64 { return max(0, float64(d)/float64(u.Wall)) }
	u.Ours = cores(b.Ours - a.Ours)
	u.Others = max(0, cores(b.Busy-a.Busy)-u.Ours)
	if b.CPUs > 0 {
		u.Others = min(u.Others, float64(b.CPUs))
	}
	u.Steal = cores(b.Steal - a.Steal)
	u.IOWait = cores(b.IOWait - a.IOWait)
	return u
}

// BusyDuring runs f and says whether other processes kept the machine
// busy meanwhile (beyond DefaultLimits), and how; a system that does not
// say counts as quiet.
func BusyDuring(f func()) (busy bool, u Usage) {
	before, errBefore := System{}.Read()
	f()
	after, errAfter := System{}.Read()
	if errBefore != nil || errAfter != nil {
		return false, Usage{}
	}
	u = Between(before, after)
	return u.Busy(DefaultLimits), u
}

// Limits say when a machine is too busy for a measurement of wall time to
// be trusted, in cores.
type Limits struct {
	Others float64 // other processes used more than this on average
	Steal  float64 // the hypervisor stole more than this
}

// DefaultLimits: other processes used more than a quarter of a core, or
// the hypervisor stole more than a tenth of one. A quarter of a core is
// 12.5 % of a 2-core machine: enough to stretch a run that keeps both
// cores busy beyond a 10 % tolerance.
var DefaultLimits = Limits{Others: 0.25, Steal: 0.1}

// Busy says whether u is beyond l.
func (u Usage) Busy(l Limits) bool {
	return u.Others > l.Others || u.Steal > l.Steal
}

// String says in words what else used the CPUs, e.g. "other processes
// used 0.9 of 2 cores" or, with steal, "other processes used 0.12 of 2
// cores; the hypervisor stole 0.3".
func (u Usage) String() string {
	s := fmt.Sprintf("other processes used %s of %d cores", Cores(u.Others), u.CPUs)
	if u.Steal >= 0.005 {
		s += fmt.Sprintf("; the hypervisor stole %s", Cores(u.Steal))
	}
	return s
}

// Cores formats a number of cores with two significant digits, whole
// from 10 on ("0.9", "0.25", "1.5", "0.05", "12", "0").
func Cores(c float64) string {
	switch {
	case !(c >= 0.005):
		return "0"
	case c >= 9.95:
		return strconv.FormatFloat(c, 'f', 0, 64)
	}
	return strconv.FormatFloat(c, 'g', 2, 64)
}

// ParseStat reads the first line of /proc/stat ("cpu  user nice system
// idle iowait irq softirq steal guest guest_nice", in USER_HZ ticks) and
// counts the cpuN lines. Kernels older than 2.6.11 have no steal column:
// it reads as 0.
func ParseStat(data []byte) (c Counters, err error) {
	lines := strings.Split(string(data), "\n")
	fields := strings.Fields(lines[0])
	if len(fields) < 8 || fields[0] != "cpu" {
		return c, fmt.Errorf("/proc/stat: first line %.60q: want cpu and at least 7 counters", lines[0])
	}
	var v [8]int64 // user nice system idle iowait irq softirq steal
	for i := range v {
		if i+1 >= len(fields) {
			break
		}
		n, err := strconv.ParseInt(fields[i+1], 10, 64)
		if err != nil || n < 0 {
			return c, fmt.Errorf("/proc/stat: counter %d of the cpu line is %q", i+1, fields[i+1])
		}
		v[i] = n
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * (time.Second / UserHZ) }
	c.Busy = tick(v[0] + v[1] + v[2] + v[5] + v[6])
	c.IOWait = tick(v[4])
	c.Steal = tick(v[7])
	for _, l := range lines[1:] {
		if name, _, ok := strings.Cut(l, " "); ok && len(name) > 3 && strings.HasPrefix(name, "cpu") {
			if _, err := strconv.Atoi(name[3:]); err == nil {
				c.CPUs++
			}
		}
	}
	if c.CPUs == 0 {
		return c, errors.New("/proc/stat: no cpuN lines")
	}
	return c, nil
}

// ParseLoadavg reads the 1-minute load average from /proc/loadavg
// ("0.52 0.58 0.59 2/123 4567").
func ParseLoadavg(data []byte) (float64, error) {
	f := bytes.Fields(data)
	if len(f) == 0 {
		return 0, errors.New("/proc/loadavg is empty")
	}
	l, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil || l < 0 {
		return 0, fmt.Errorf("/proc/loadavg: %.20q is not a load average", f[0])
	}
	return l, nil
}
