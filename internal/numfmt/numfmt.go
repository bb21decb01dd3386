// Package numfmt formats numbers for people, the same way in every
// message, table and page: counts with thousands separators and a noun,
// and fractions as percentages.
package numfmt

import (
	"fmt"
	"math"
	"strconv"
)

// Thousands formats n with commas between groups of three digits:
// 1234567 is "1,234,567".
func Thousands[T ~int | ~int64](n T) string {
	v := int64(n)
	if v < 0 {
		if v == -v { // math.MinInt64 has no positive
			return "-9,223,372,036,854,775,808"
		}
		return "-" + Thousands(-v)
	}
	s := strconv.FormatInt(v, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Plural returns one when n is 1, else many: the noun that goes with n
// ("task" or "tasks"), or a suffix (Plural(n, "", "s")).
func Plural[T ~int | ~int64](n T, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count returns n in Thousands and the noun that goes with it: "1 task",
// "0 tasks", "10,000 tasks".
func Count[T ~int | ~int64](n T, one, many string) string {
	return Thousands(n) + " " + Plural(n, one, many)
}

// Sig3 formats v with three significant digits and no exponent: 193, 9.87,
// 0.50 (two decimals below 10, one below 100, none from there on, so 1234
// stays 1234). The units of report's durations and sizes and advise's
// rates print their numbers this way.
func Sig3(v float64) string {
	switch {
	case v >= 99.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// NoValue is what the percentages print for a fraction that is not a
// number (0/0) or infinite: an en dash.
const NoValue = "–"

// Percent formats a fraction with one decimal, as the tables show it:
// 0.42 is "42.0%".
func Percent(f float64) string {
	if !finite(f) {
		return NoValue
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

// WholePercent formats a fraction rounded to a whole percent, as a
// sentence says it: 0.734 is "73%".
func WholePercent(f float64) string {
	if !finite(f) {
		return NoValue
	}
	return strconv.FormatFloat(f*100, 'f', 0, 64) + "%"
}

// ShortPercent formats a fraction with at most one decimal and no trailing
// zero, as a limit is written: 0.1 is "10%", 0.025 is "2.5%".
func ShortPercent(f float64) string {
	if !finite(f) {
		return NoValue
	}
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}

// SignedPercent formats a relative error with its sign and one decimal:
// 0.031 is "+3.1%", -0.004 is "-0.4%".
func SignedPercent(f float64) string {
	if !finite(f) {
		return NoValue
	}
	return fmt.Sprintf("%+.1f%%", f*100)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// PerSecond formats a rate with three significant digits: "192/s",
// "9.93/s", "0.500/s"; a rate that is not a number reads "0/s".
func PerSecond(f float64) string {
	if !finite(f) {
		f = 0
	}
	return Sig3(f) + "/s"
}
