package report

import (
	"testing"
)

func TestSeconds(t *testing.T) {
	tests := []struct {
		ns   int64
		want string
	}{
		{0, "0 s"},
		{1, "1 ns"},
		{999, "999 ns"},
		{1000, "1.00 µs"},
		{1500, "1.50 µs"},
		{12_340, "12.3 µs"},
		{575_000, "575 µs"},
		{999_499, "999 µs"},
		{999_500, "1.00 ms"},
		{12_300_000, "12.3 ms"},
		{999_499_999, "999 ms"},
		{999_500_000, "1.000 s"},
		{2_000_000_000, "2.000 s"},
		{2_000_575_000, "2.001 s"},
		{99_000_000_000, "99.000 s"},
		{150_000_000_000, "150.00 s"},
		{1_002_000_000_000, "1002.0 s"},
		{-575_000, "-575 µs"},
	}
	for _, tt := range tests {
		if got := Seconds(tt.ns); got != tt.want {
			t.Errorf("Seconds(%d) = %q, want %q", tt.ns, got, tt.want)
		}
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.00 KiB"},
		{16 << 10, "16.0 KiB"},
		{1023 << 10, "1.00 MiB"},
		{9 << 20, "9.00 MiB"},
		{9_961_472, "9.50 MiB"},
		{3 << 30, "3.00 GiB"},
		{1 << 62, "4096 PiB"},
		{-2048, "-2.00 KiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
