package workload

import (
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the units of a byte size. The decimal ones are SI, as
// disk and network figures are written (1 KB = 1000 bytes); the binary
// ones say so (1 KiB = 1024 bytes).
var sizeUnits = []struct {
	name string
	mult float64
}{
	{"B", 1},
	{"KB", 1e3}, {"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
}

const sizeWant = "want a size like 2MB, 10KB, 512B or 1MiB: KB, MB and GB are 1000-based, KiB, MiB and GiB 1024-based"

// parseSize reads a byte size: a whole or decimal number with a unit, or
// a plain whole number of bytes, from 0 to MaxBytes. The message says what
// is wrong in user terms.
func parseSize(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "missing size (" + sizeWant + ")"
	}
	num := strings.TrimRight(s, "BKMGTbikmgt")
	unit := strings.TrimSpace(s[len(num):])
	num = strings.TrimSpace(num)
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.ContainsAny(num, "eEnNxXpP_") {
		return 0, "invalid size " + strconv.Quote(s) + " (" + sizeWant + ")"
	}
	mult := 0.0
	for _, u := range sizeUnits {
		if unit == u.name {
			mult = u.mult
		}
	}
	switch {
	case unit == "" && v == math.Trunc(v):
		mult = 1
	case unit == "":
		return 0, "size " + s + " needs a unit (" + sizeWant + ")"
	case mult == 0:
		return 0, "unknown size unit " + strconv.Quote(unit) + " in " + strconv.Quote(s) + " (" + sizeWant + ")"
	}
	if v < 0 {
		return 0, "size " + s + " is negative (want 0 or more)"
	}
	b := math.Round(v * mult)
	if b > float64(MaxBytes) {
		return 0, "size " + s + " is too large (at most 1TiB)"
	}
	return int64(b), ""
}

// FormatSize writes a byte count the short way: 512B, 10KB, 2.5MB, 1GB
// (1000-based, three significant digits at most).
func FormatSize(b int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	v := float64(b)
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatInt(b, 10) + "B"
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) + units[i]
}
