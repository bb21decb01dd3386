package sim

import (
	"testing"
	"unsafe"
)

// What a task in flight costs (README, Performance: memory per task): a
// slot, and a frame when its program gathers or uses resources. A field
// more is a choice to make with the numbers in view, not by accident.
func TestPerTaskSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"slot", unsafe.Sizeof(slot{}), 40},
		{"frame", unsafe.Sizeof(frame{}), 56},
		{"arrivalRun", unsafe.Sizeof(arrivalRun{}), 24},
		{"timer", unsafe.Sizeof(keyed[int32]{}), 24},
	} {
		if c.got > c.want {
			t.Errorf("a %s takes %d bytes, more than %d", c.name, c.got, c.want)
		}
	}
}
