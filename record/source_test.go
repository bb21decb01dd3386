package record

import "testing"

func TestStretch(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		from bool
		want string
	}{
		{"app.py:30(handle)", "app.py:42(handle)", false, "app.py:30-42(handle)"},
		{"app.py:42(handle)", "app.py:30(handle)", false, "app.py:30-42(handle)"}, // a loop's next turn
		{"app.py:42(handle)", "app.py:42(handle)", false, "app.py:42(handle)"},
		{"app.py:12(handle)", "", true, "app.py:12(handle)"}, // no call at all: the function
		{"app.py:42(handle)", "", false, "after app.py:42(handle)"},
		{"", "app.py:42(handle)", false, "app.py:42(handle)"},
		{"app.py:30(handle)", "db.py:7(query)", false, "app.py:30(handle) to db.py:7(query)"},
		{"app.py:30(handle)", "app.py:50(parse)", false, "app.py:30(handle) to app.py:50(parse)"},
		{"C:\\app\\x.py:3(f)", "C:\\app\\x.py:9(f)", false, "C:\\app\\x.py:3-9(f)"},
		{"", "", false, ""},
	} {
		if got := stretch(tt.a, tt.b, tt.from); got != tt.want {
			t.Errorf("stretch(%q, %q, %v) = %q, want %q", tt.a, tt.b, tt.from, got, tt.want)
		}
	}
}

func TestCommonSource(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{[]string{"app.py:42(parse)", "app.py:42(parse)"}, "app.py:42(parse)"},
		{[]string{"app.py:30-42(h)", "app.py:35-50(h)", "app.py:31(h)"}, "app.py:30-50(h)"},
		{[]string{"app.py:30(h)", "app.py:30(g)"}, ""}, // two functions
		{[]string{"app.py:30(h)", "lib.py:30(h)"}, ""}, // two files
		{[]string{"app.py:30(h)", ""}, ""},             // one task said nowhere
		{[]string{"after app.py:42(h)", "after app.py:42(h)"}, "after app.py:42(h)"},
		{[]string{"after app.py:42(h)", "after app.py:44(h)"}, ""},
	} {
		if got := commonSource(tt.in); got != tt.want {
			t.Errorf("commonSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// placeWork: CPU between calls gets the lines between them, inside a use
// from its acquire, before the first call from the function's beginning.
func TestPlaceWork(t *testing.T) {
	in := []op{
		{kind: opWork},
		{kind: opWait, at: "app.py:11(handle)"},
		{kind: opWork},
		{kind: opUse, at: "app.py:13(handle)", body: []op{{kind: opWork}, {kind: opWait, at: "app.py:14(handle)"}, {kind: opWork}}},
		{kind: opWork},
	}
	placeWork(in, "app.py:9(handle)", "", true)
	got := []string{in[0].at, in[2].at, in[3].body[0].at, in[3].body[2].at, in[4].at}
	want := []string{"app.py:9-11(handle)", "app.py:11-13(handle)", "app.py:13-14(handle)", "after app.py:14(handle)", "after app.py:14(handle)"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("work %d at %q, want %q", i, got[i], want[i])
		}
	}
}
