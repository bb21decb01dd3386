package machine

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// System is the Reader of this machine: /proc/stat, /proc/loadavg and
// getrusage.
type System struct{}

var _ Reader = System{}

// Read reads the counters now.
func (System) Read() (Counters, error) {
	at := time.Now()
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return Counters{}, fmt.Errorf("%w: %v", ErrUnknown, err)
	}
	c, err := ParseStat(stat)
	if err != nil {
		return Counters{}, err
	}
	c.At = at
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		c.Load1, _ = ParseLoadavg(data)
	}
	var self, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		return Counters{}, fmt.Errorf("getrusage: %w", err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children); err != nil {
		return Counters{}, fmt.Errorf("getrusage: %w", err)
	}
	for _, r := range []*syscall.Rusage{&self, &children} {
		c.Ours += time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	return c, nil
}
