package numfmt

import (
	"math"
	"testing"
)

func TestThousands(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {-1234567, "-1,234,567"},
		{100_000_000, "100,000,000"}, {math.MinInt64, "-9,223,372,036,854,775,808"},
	} {
		if got := Thousands(tt.n); got != tt.want {
			t.Errorf("Thousands(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := Thousands(20_000); got != "20,000" {
		t.Errorf("Thousands(int 20000) = %q", got)
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n          int
		count, one string
	}{
		{0, "0 tasks", "tasks"}, {1, "1 task", "task"}, {2, "2 tasks", "tasks"}, {10_000, "10,000 tasks", "tasks"},
	} {
		if got := Count(tt.n, "task", "tasks"); got != tt.count {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.count)
		}
		if got := Plural(int64(tt.n), "task", "tasks"); got != tt.one {
			t.Errorf("Plural(%d) = %q, want %q", tt.n, got, tt.one)
		}
	}
}

func TestPercents(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		f                           float64
		percent, whole, short, sign string
	}{
		{0, "0.0%", "0%", "0%", "+0.0%"},
		{0.42, "42.0%", "42%", "42%", "+42.0%"},
		{0.025, "2.5%", "2%", "2.5%", "+2.5%"},
		{0.7346, "73.5%", "73%", "73.5%", "+73.5%"},
		{-0.004, "-0.4%", "-0%", "-0.4%", "-0.4%"},
		{1, "100.0%", "100%", "100%", "+100.0%"},
		{nan, "–", "–", "–", "–"},
		{inf, "–", "–", "–", "–"},
	} {
		if got := Percent(tt.f); got != tt.percent {
			t.Errorf("Percent(%v) = %q, want %q", tt.f, got, tt.percent)
		}
		if got := WholePercent(tt.f); got != tt.whole {
			t.Errorf("WholePercent(%v) = %q, want %q", tt.f, got, tt.whole)
		}
		if got := ShortPercent(tt.f); got != tt.short {
			t.Errorf("ShortPercent(%v) = %q, want %q", tt.f, got, tt.short)
		}
		if got := SignedPercent(tt.f); got != tt.sign {
			t.Errorf("SignedPercent(%v) = %q, want %q", tt.f, got, tt.sign)
		}
	}
}

func TestSig3(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{0, "0.00"}, {0.5, "0.50"}, {9.87, "9.87"}, {9.995, "10.0"}, {99.94, "99.9"}, {99.95, "100"},
		{193.4, "193"}, {1234, "1234"},
	} {
		if got := Sig3(tt.v); got != tt.want {
			t.Errorf("Sig3(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
