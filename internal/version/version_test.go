package version

import "testing"

func TestOf(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", Devel},
		{"(devel)", Devel},
		{"v0.3.0", "v0.3.0"},
		{"v0.0.0-20250101120000-abcdef123456", "v0.0.0-20250101120000-abcdef123456"},
	} {
		if got := of(tt.in); got != tt.want {
			t.Errorf("of(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if String() == "" {
		t.Error("String() is empty")
	}
}
