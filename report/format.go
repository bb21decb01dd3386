package report

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// Seconds formats a duration of ns nanoseconds for a table: whole seconds
// and above with millisecond precision ("2.000 s"), shorter durations with
// three significant digits in the largest unit that fits ("12.3 ms",
// "575 µs", "1.50 µs", "42 ns").
func Seconds(ns int64) string {
	if ns < 0 {
		if ns == math.MinInt64 {
			ns++ // cannot negate; one nanosecond off is invisible here
		}
		return "-" + Seconds(-ns)
	}
	switch {
	case ns == 0:
		return "0 s"
	case ns < 1000:
		return fmt.Sprintf("%d ns", ns)
	case ns < 999_500:
		return numfmt.Sig3(float64(ns)/1e3) + " µs"
	case ns < 999_500_000:
		return numfmt.Sig3(float64(ns)/1e6) + " ms"
	case ns < 100e9:
		return fmt.Sprintf("%.3f s", float64(ns)/1e9)
	case ns < 1000e9:
		return fmt.Sprintf("%.2f s", float64(ns)/1e9)
	}
	return fmt.Sprintf("%.1f s", float64(ns)/1e9)
}

// Bytes formats a byte count in binary units with three significant
// digits: "0 B", "512 B", "15.6 KiB", "9.00 MiB", "1.25 GiB".
func Bytes(n int64) string {
	if n < 0 {
		if n == math.MinInt64 {
			n++
		}
		return "-" + Bytes(-n)
	}
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= 1024
		// 999.5 would print as "1000"; move to the next unit instead.
		if v < 999.5 || unit == "PiB" {
			return numfmt.Sig3(v) + " " + unit
		}
	}
	panic("unreachable")
}

// width is the number of terminal columns s takes: one per rune (every
// glyph this package draws is one column wide).
func width(s string) int { return utf8.RuneCountInString(s) }

// padRight pads s with spaces to n runes; padLeft pads on the left.
func padRight(s string, n int) string {
	if d := n - width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

func padLeft(s string, n int) string {
	if d := n - width(s); d > 0 {
		return strings.Repeat(" ", d) + s
	}
	return s
}

// clean makes a name from a workload file safe to print: see
// textsafe.Clean.
func clean(s string) string { return textsafe.Clean(s) }
