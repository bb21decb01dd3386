// Package machine says how busy this machine's CPUs are, so that a
// measurement of wall time can tell whether other processes shared the
// cores with it. A Reader takes Counters at one instant (on Linux from
// /proc/stat, /proc/loadavg and getrusage; elsewhere it reports
// ErrUnknown); Between turns two of them into the Usage of the time
// between: the cores that other processes used, those this process and
// its children used, the time the hypervisor stole (steal) and the time
// spent waiting for I/O. Usage.Busy judges it against stated Limits, and
// Usage.Others says it in words. verify (package truth) reads it before
// and during each real run.
package machine
