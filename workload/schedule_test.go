package workload

import "testing"

func TestSchedule(t *testing.T) {
	tests := []struct {
		text string
		n    int
		last float64 // the last arrival's time, when exact
	}{
		{`{arrivals: {rate: 10/s, count: 5, pattern: uniform}, tasks: [{steps: [{work: 1ms}]}]}`, 5, 400e6},
		{`{arrivals: {rate: 10/s, for: 1s, pattern: uniform}, tasks: [{steps: [{work: 1ms}]}]}`, 10, 900e6},
		{`{arrivals: {rate: 200/s, for: 10s}, tasks: [{steps: [{work: 1ms}]}]}`, -1, -1},
		{`{arrivals: {rate: 1e-300/s, for: 30s}, tasks: [{steps: [{work: 1ms}]}]}`, 0, -1},
	}
	for _, tt := range tests {
		wl, err := Parse("w.yaml", []byte(tt.text))
		if err != nil {
			t.Fatal(err)
		}
		s, again := wl.Schedule(), wl.Schedule()
		n, last, prev := 0, 0.0, -1.0
		for {
			at, g, ok := s.Next()
			at2, g2, ok2 := again.Next()
			if at != at2 || g != g2 || ok != ok2 {
				t.Fatalf("%s: two schedules of one workload differ", tt.text)
			}
			if !ok {
				break
			}
			if at < prev || g != 0 {
				t.Fatalf("%s: arrival %d at %v after %v, group %d", tt.text, n, at, prev, g)
			}
			n, last, prev = n+1, at, at
		}
		if tt.n >= 0 && n != tt.n || tt.last >= 0 && last != tt.last {
			t.Errorf("%s: %d arrivals, the last at %v; want %d, %v", tt.text, n, last, tt.n, tt.last)
		}
		if tt.n < 0 && (n < 1800 || n > 2200) {
			t.Errorf("%s: %d arrivals, want about 2,000", tt.text, n)
		}
	}
}
