// Package numfmt formats numbers for people, the same way in every
// message, table and page.
package numfmt

import "strconv"

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
