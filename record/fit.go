package record

import (
	"math"
	"slices"
	"strconv"

	"github.com/conclab/conclab/workload"
)

// fit is the duration that stands for samples: a constant when they hardly
// vary, else the SPEC distribution (normal, lognormal, exp, uniform) whose
// CDF is nearest theirs (the Kolmogorov–Smirnov distance, D).
type fit struct {
	text    string  // as the workload says it: "5ms", "lognormal(5ms, 2ms)"
	name    string  // constant | normal | lognormal | exp | uniform
	d       float64 // the KS distance of the chosen one (0 for a constant)
	n       int     // samples
	mean    float64 // ns
	cv      float64 // standard deviation / mean
	alterns string  // the runner-up and its distance, for the comment
}

// constantCV: samples that vary less than this (standard deviation over
// mean) are one duration.
const constantCV = 0.10

// tinyStep: steps shorter than this on average are one duration whatever
// they vary: no distribution of them changes a prediction.
const tinyStep = 100_000

func fitDurations(ns []int64) fit {
	n := len(ns)
	if n == 0 {
		return fit{text: "0s", name: "constant"}
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
	f := fit{n: n, mean: mean}
	if mean > 0 {
		f.cv = sd / mean
	}
	if n < 5 || f.cv < constantCV || mean < tinyStep {
		f.name, f.text = "constant", dur(mean)
		return f
	}
	slices.Sort(xs)
	lo, hi := xs[0], xs[n-1]
	type cand struct {
		name, text string
		cdf        func(float64) float64
	}
	s2 := math.Log(1 + sd*sd/(mean*mean))
	mu := math.Log(mean) - s2/2
	cands := []cand{
		{"normal", "normal(" + dur(mean) + ", " + dur(sd) + ")", func(x float64) float64 {
			return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2))
		}},
		{"lognormal", "lognormal(" + dur(mean) + ", " + dur(sd) + ")", func(x float64) float64 {
			if x <= 0 {
				return 0
			}
			return 0.5 * math.Erfc(-(math.Log(x)-mu)/(math.Sqrt(s2)*math.Sqrt2))
		}},
		{"exp", "exp(" + dur(mean) + ")", func(x float64) float64 { return 1 - math.Exp(-x/mean) }},
		{"uniform", "uniform(" + dur(lo) + ", " + dur(hi) + ")", func(x float64) float64 {
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
	f.name, f.text, f.d = cands[best].name, cands[best].text, ds[best]
	if second >= 0 {
		f.alterns = cands[second].name + " " + formatD(ds[second])
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

func formatD(d float64) string {
	return "D=" + strconv.FormatFloat(d, 'f', 2, 64)
}

// dur is ns as a workload duration with three significant digits.
func dur(ns float64) string {
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
