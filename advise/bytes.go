package advise

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ParseBytes reads a memory bound such as 2GiB, 512MiB, 1.5GB or 1000000
// (bytes), for Constraints.Memory.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	mult := map[string]float64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
		"KB": 1e3, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}[unit]
	if err != nil || mult == 0 || !(v > 0) || v*mult > math.MaxInt64/2 {
		return 0, errors.New("want a size such as 2GiB, 512MiB or 1.5GB")
	}
	return int64(v * mult), nil
}
