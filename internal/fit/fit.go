// Package fit says which duration stands for measured samples (a constant
// or one of the SPEC's distributions, by the Kolmogorov–Smirnov distance)
// and whether arrival times are Poisson: the one home of these rules for
// record and import.
package fit

import (
	"math"
	"slices"
	"strconv"

	"github.com/conclab/conclab/workload"
)

// Fit is the duration that stands for samples: a constant when they hardly
// vary, else the SPEC distribution (normal, lognormal, exp, uniform) whose
// CDF is nearest theirs (the Kolmogorov–Smirnov distance, D).
type Fit struct {
	Text   string  // as the workload says it: "5ms", "lognormal(5ms, 2ms)"
	Name   string  // constant | normal | lognormal | exp | uniform
	D      float64 // the KS distance of the chosen one (0 for a constant)
	N      int     // samples
	Mean   float64 // ns
	CV     float64 // standard deviation / mean
	Second string  // the runner-up and its distance ("exp D=0.12"), for a comment
}

// constantCV: samples that vary less than this (standard deviation over
// mean) are one duration.
const constantCV = 0.10

// tinyStep: steps shorter than this on average are one duration whatever
// they vary: no distribution of them changes a prediction.
const tinyStep = 100_000

// Durations fits samples of a duration, in nanoseconds.
func Durations(ns []int64) Fit {
	n := len(ns)
	if n == 0 {
		return Fit{Text: "0s", Name: "constant"}
	}
	xs := make([]float64, n)
	var sum float64
	for i, v := range ns {
		xs[i] = float64(v)
		sum += xs[i]
	}
	mean := sum / float64(n)
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := 0.0
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	f := Fit{N: n, Mean: mean}
	if mean > 0 {
		f.CV = sd / mean
	}
	if n < 5 || f.CV < constantCV || mean < tinyStep {
		f.Name, f.Text = "constant", Dur(mean)
		return f
	}
	slices.Sort(xs)
	lo, hi := xs[0], xs[n-1]
	type cand struct {
		Name, text string
		cdf        func(float64) float64
	}
	s2 := math.Log(1 + sd*sd/(mean*mean))
	mu := math.Log(mean) - s2/2
	cands := []cand{
		{"normal", "normal(" + Dur(mean) + ", " + Dur(sd) + ")", func(x float64) float64 {
			return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2))
		}},
		{"lognormal", "lognormal(" + Dur(mean) + ", " + Dur(sd) + ")", func(x float64) float64 {
			if x <= 0 {
				return 0
			}
			return 0.5 * math.Erfc(-(math.Log(x)-mu)/(math.Sqrt(s2)*math.Sqrt2))
		}},
		{"exp", "exp(" + Dur(mean) + ")", func(x float64) float64 { return 1 - math.Exp(-x/mean) }},
		{"uniform", "uniform(" + Dur(lo) + ", " + Dur(hi) + ")", func(x float64) float64 {
			if hi <= lo {
				return 1
			}
			return math.Min(1, math.Max(0, (x-lo)/(hi-lo)))
		}},
	}
	best, second := -1, -1
	ds := make([]float64, len(cands))
	for i, c := range cands {
		ds[i] = ksDistance(xs, c.cdf)
		switch {
		case best < 0 || ds[i] < ds[best]:
			best, second = i, best
		case second < 0 || ds[i] < ds[second]:
			second = i
		}
	}
	f.Name, f.Text, f.D = cands[best].Name, cands[best].text, ds[best]
	if second >= 0 {
		f.Second = cands[second].Name + " " + FormatD(ds[second])
	}
	return f
}

// ksDistance is the largest gap between the empirical CDF of sorted xs and
// cdf.
func ksDistance(xs []float64, cdf func(float64) float64) float64 {
	n := float64(len(xs))
	var d float64
	for i, x := range xs {
		c := cdf(x)
		d = math.Max(d, math.Max(math.Abs(float64(i+1)/n-c), math.Abs(c-float64(i)/n)))
	}
	return d
}

// FormatD writes a KS distance: "D=0.04".
func FormatD(d float64) string {
	return "D=" + strconv.FormatFloat(d, 'f', 2, 64)
}

// Dur is ns as a workload duration with three significant digits.
func Dur(ns float64) string {
	if ns < 0 {
		ns = 0
	}
	v := int64(math.Round(ns))
	if v >= 1000 {
		// Three significant digits: round to a thousandth of the unit
		// below, as FormatDuration does, then to 3 digits.
		mag := int64(1)
		for m := v; m >= 1000; m /= 10 {
			mag *= 10
		}
		v = (v + mag/2) / mag * mag
	}
	return workload.FormatDuration(v)
}
