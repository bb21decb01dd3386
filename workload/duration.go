package workload

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/numfmt"
)

// MaxDuration is the longest duration a workload may write (100 days).
// Together with MaxTasks and MaxRepeat it keeps every instant the engine
// computes well inside int64 nanoseconds.
const MaxDuration = int64(100 * 24 * time.Hour)

// maxSample bounds a drawn duration, so a long tail cannot overflow a sum.
const maxSample = int64(1) << 60

const (
	durationExamples = "e.g. 2s, 15ms, 250us"
	distForms        = "exp(M), uniform(LO, HI), normal(M, SD) or lognormal(M, SD)"
)

// parseFixed reads a plain duration: Go syntax, a unit unless it is 0,
// 0 ≤ d ≤ MaxDuration. The message says what is wrong in user terms.
func parseFixed(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "missing duration (want a duration like 2s, 15ms or 250us)"
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f == 0 {
			return 0, ""
		}
		return 0, "duration " + s + " needs a unit (" + durationExamples + ")"
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		switch {
		case !durationSyntax(s):
			return 0, "invalid duration " + strconv.Quote(s) + " (want a duration like 2s, 15ms or 250us)"
		case s[0] == '-':
			return 0, "duration " + s + " is negative (want 0 or more)"
		}
		// Well written but beyond int64 nanoseconds (about 2562047h).
		return 0, "duration " + s + " is too long (the limit is 2400h)"
	}
	if d < 0 {
		return 0, "duration " + s + " is negative (want 0 or more)"
	}
	if int64(d) > MaxDuration {
		return 0, "duration " + s + " is too long (the limit is 2400h)"
	}
	return int64(d), ""
}

// durationSyntax reports whether s is written as time.ParseDuration
// expects: an optional sign, then numbers each with a unit (ns, us, µs, ms,
// s, m or h), whatever their size.
func durationSyntax(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for s != "" {
		digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
		s = s[digits:]
		if strings.HasPrefix(s, ".") {
			frac := len(s) - 1 - len(strings.TrimLeft(s[1:], "0123456789"))
			if digits+frac == 0 {
				return false
			}
			s = s[1+frac:]
		} else if digits == 0 {
			return false
		}
		unit := len(s) - len(strings.TrimLeft(s, "nsuµμmh"))
		switch s[:unit] {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		default:
			return false
		}
		s = s[unit:]
	}
	return true
}

// parseDist reads a duration or one of the distributions. On failure it
// returns the byte offset in s of the part that is wrong and a message.
func parseDist(s string) (Dist, int, string) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if strings.IndexByte(s, ')') >= 0 {
			return Dist{}, strings.IndexByte(s, ')'), "unexpected \")\" in duration " + strconv.Quote(strings.TrimSpace(s))
		}
		d, msg := parseFixed(s)
		if msg != "" && strings.HasPrefix(msg, "invalid duration") {
			msg = "invalid duration " + strconv.Quote(strings.TrimSpace(s)) +
				" (want a duration like 2s, 15ms, 250us, or " + distForms + ")"
		}
		return Dist{Kind: Fixed, A: d}, 0, msg
	}
	name := strings.TrimSpace(s[:open])
	var kind DistKind
	var params []string
	switch name {
	case "exp":
		kind, params = Exp, []string{"M"}
	case "uniform":
		kind, params = Uniform, []string{"LO", "HI"}
	case "normal":
		kind, params = Normal, []string{"M", "SD"}
	case "lognormal":
		kind, params = LogNormal, []string{"M", "SD"}
	default:
		return Dist{}, 0, "unknown distribution " + strconv.Quote(name) + " (want " + distForms + ")"
	}
	want := name + "(" + strings.Join(params, ", ") + ")"
	closeAt := strings.LastIndexByte(s, ')')
	if closeAt < open {
		return Dist{}, len(s), strconv.Quote(strings.TrimSpace(s)) + " is missing its \")\" (want " + want + ")"
	}
	if rest := strings.TrimSpace(s[closeAt+1:]); rest != "" {
		return Dist{}, closeAt + 1, "unexpected " + strconv.Quote(rest) + " after " + want
	}
	inner := s[open+1 : closeAt]
	if strings.ContainsAny(inner, "()") {
		return Dist{}, open + 1, "distributions do not nest (want " + want + ")"
	}
	args := strings.Split(inner, ",")
	if len(args) != len(params) {
		return Dist{}, open + 1, name + " takes " + strconv.Itoa(len(params)) + " argument" +
			numfmt.Plural(len(params), "", "s") + " (want " + want + "), got " + strconv.Itoa(len(args))
	}
	var vals [2]int64
	off := open + 1
	for i, a := range args {
		v, msg := parseFixed(a)
		if msg != "" {
			lead := len(a) - len(strings.TrimLeft(a, " \t"))
			return Dist{}, off + lead, msg + " in " + want
		}
		vals[i] = v
		off += len(a) + 1
	}
	d := Dist{Kind: kind, A: vals[0], B: vals[1]}
	switch {
	case (kind == Exp || kind == LogNormal) && d.A == 0:
		return Dist{}, open + 1, name + " needs a mean M > 0"
	case kind == Uniform && d.A > d.B:
		return Dist{}, open + 1, "uniform(LO, HI) needs LO ≤ HI, got " + FormatDuration(d.A) + " > " + FormatDuration(d.B)
	}
	return d, 0, ""
}

// Mean returns the mean of the durations Sample draws. For Normal it is the
// mean after clamping at 0, which exceeds A when B is large relative to A.
func (d Dist) Mean() int64 {
	switch d.Kind {
	case Uniform:
		return d.A + (d.B-d.A)/2
	case Normal:
		if d.B == 0 {
			return d.A
		}
		m, s := float64(d.A), float64(d.B)
		z := m / s
		phi := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
		cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
		return int64(math.Round(m*cdf + s*phi))
	default: // Fixed, Exp, LogNormal: A is the mean
		return d.A
	}
}

// String returns the duration as it would be written in a workload file:
// "2s", "exp(50ms)", "uniform(10ms, 30ms)", "normal(50ms, 10ms)",
// "lognormal(50ms, 20ms)". The text parses back to the same Dist.
func (d Dist) String() string {
	switch d.Kind {
	case Fixed:
		return formatExact(d.A)
	case Exp:
		return "exp(" + formatExact(d.A) + ")"
	case Uniform:
		return "uniform(" + formatExact(d.A) + ", " + formatExact(d.B) + ")"
	case Normal:
		return "normal(" + formatExact(d.A) + ", " + formatExact(d.B) + ")"
	case LogNormal:
		return "lognormal(" + formatExact(d.A) + ", " + formatExact(d.B) + ")"
	}
	return "Dist(" + strconv.Itoa(int(d.Kind)) + ")"
}

// FormatDuration returns the short human form of ns used in output: the
// largest unit of s, ms, us and ns that keeps the number at least 1, with
// at most three decimals ("2s", "1.5ms", "250us", "0s", "2.001s").
func FormatDuration(ns int64) string {
	if ns < 0 {
		if ns == math.MinInt64 {
			ns++
		}
		return "-" + FormatDuration(-ns)
	}
	if ns >= 1000 {
		ns = roundTo(ns, unitOf(ns)/1000)
	}
	return formatExact(ns)
}

func unitOf(ns int64) int64 {
	switch {
	case ns >= 1e9:
		return 1e9
	case ns >= 1e6:
		return 1e6
	case ns >= 1e3:
		return 1e3
	}
	return 1
}

// roundTo rounds ns ≥ 0 to a multiple of step, halves up (down where
// rounding up would overflow).
func roundTo(ns, step int64) int64 {
	q, r := ns/step, ns%step
	if 2*r >= step && q < math.MaxInt64/step {
		q++
	}
	return q * step
}

// formatExact writes ns in the largest unit with a whole part ≥ 1, with as
// many decimals as it takes to be exact.
func formatExact(ns int64) string {
	if ns == 0 {
		return "0s"
	}
	neg := ns < 0
	u := uint64(ns)
	if neg {
		u = -u
	}
	unit, name := uint64(1), "ns"
	switch {
	case u >= 1e9:
		unit, name = 1e9, "s"
	case u >= 1e6:
		unit, name = 1e6, "ms"
	case u >= 1e3:
		unit, name = 1e3, "us"
	}
	s := strconv.FormatUint(u/unit, 10)
	if frac := u % unit; frac != 0 {
		digits := len(strconv.FormatUint(unit, 10)) - 1
		f := strconv.FormatUint(frac, 10)
		f = strings.Repeat("0", digits-len(f)) + f
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s + name
}
