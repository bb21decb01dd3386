//go:build !linux

package machine

// System is the Reader of this machine; off Linux there is no /proc/stat
// and it reports ErrUnknown.
type System struct{}

var _ Reader = System{}

// Read reports ErrUnknown.
func (System) Read() (Counters, error) { return Counters{}, ErrUnknown }
