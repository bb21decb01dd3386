package fit

import (
	"fmt"
	"math"
	"slices"
)

// Arrivals is what the arrival times of requests say: how many, their mean
// rate, and whether they are Poisson (random and independent, gaps
// exponential) or nearly even.
type Arrivals struct {
	N    int
	Rate float64 // per second: the gaps between the first and the last over their time
	CV   float64 // the gaps' standard deviation over their mean
	// D is the Kolmogorov–Smirnov distance of the gaps from the exponential
	// of their mean, and Poisson says the test does not reject it at 5 %
	// (the exponential with an estimated mean: Stephens' modified
	// statistic (D − 0.2/n)(√n + 0.26 + 0.5/√n) against 1.094).
	D       float64
	Poisson bool
	Pattern string // what the workload says: poisson or uniform
	Why     string // why that pattern, in words
}

// stephens5 is the 5 % point of Stephens' modified KS statistic for an
// exponential whose mean is estimated from the sample (M. A. Stephens,
// "EDF statistics for goodness of fit", JASA 69, 1974, table 1A).
const stephens5 = 1.094

// ArrivalTimes fits arrival times (nanoseconds, in any order).
func ArrivalTimes(ts []int64) Arrivals {
	a := Arrivals{N: len(ts), Pattern: "poisson"}
	if a.N < 2 {
		a.Why = "too few arrivals to tell"
		return a
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	span := s[len(s)-1] - s[0]
	if span <= 0 {
		a.Rate, a.Pattern, a.Why = 1e6, "uniform", "all at one instant"
		return a
	}
	gaps := make([]float64, 0, len(s)-1)
	for i := 1; i < len(s); i++ {
		gaps = append(gaps, float64(s[i]-s[i-1]))
	}
	n := float64(len(gaps))
	mean := float64(span) / n
	a.Rate = 1e9 / mean
	var ss float64
	for _, g := range gaps {
		ss += (g - mean) * (g - mean)
	}
	if len(gaps) > 1 {
		a.CV = math.Sqrt(ss/(n-1)) / mean
	}
	slices.Sort(gaps)
	a.D = ksDistance(gaps, func(x float64) float64 { return 1 - math.Exp(-x/mean) })
	if len(gaps) < 5 {
		a.Poisson = a.CV > 0.5
	} else {
		a.Poisson = (a.D-0.2/n)*(math.Sqrt(n)+0.26+0.5/math.Sqrt(n)) <= stephens5
	}
	switch {
	case a.Poisson:
		a.Why = fmt.Sprintf("Poisson: the gaps are exponential (%s, cv %.2f)", FormatD(a.D), a.CV)
	case a.CV < 0.5:
		a.Pattern = "uniform"
		a.Why = fmt.Sprintf("nearly even, not Poisson (gaps' cv %.2f, %s from the exponential)", a.CV, FormatD(a.D))
	default:
		a.Why = fmt.Sprintf("not Poisson: the gaps vary more than exponential ones (cv %.2f, %s); "+
			"poisson is the nearest pattern a workload has (--replay keeps the exact times)", a.CV, FormatD(a.D))
		if a.CV < 1 {
			a.Why = fmt.Sprintf("not Poisson, not even (gaps' cv %.2f, %s from the exponential); "+
				"poisson is the nearest pattern a workload has (--replay keeps the exact times)", a.CV, FormatD(a.D))
		}
	}
	return a
}
