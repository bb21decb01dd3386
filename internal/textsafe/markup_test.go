package textsafe

import (
	"html"
	"testing"
)

func TestMarkup(t *testing.T) {
	for _, tt := range []struct{ s, want, text string }{
		{"plain", "plain", "plain"},
		{`<a href="x">Tom & 'Jerry'</a>`, "&lt;a href=&#34;x&#34;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;", ""},
		{"a\nb\x1b[2J", `a\nb\x1b[2J`, "a\nb\\x1b[2J"},
		{"rtl\u202eoff", `rtl\u202eoff`, ""},
		{"\uFFFEx\uFFFF", "?x?", ""},
	} {
		if got := Markup(tt.s); got != tt.want {
			t.Errorf("Markup(%q) = %q, want %q", tt.s, got, tt.want)
		}
		text := tt.text
		if text == "" {
			text = tt.want
		}
		if got := MarkupText(tt.s); got != text {
			t.Errorf("MarkupText(%q) = %q, want %q", tt.s, got, text)
		}
	}
	// Printable text escapes as html.EscapeString does.
	s := `x < y && "q" 'r' > z`
	if got, want := Markup(s), html.EscapeString(s); got != want {
		t.Errorf("Markup(%q) = %q, html.EscapeString %q", s, got, want)
	}
}
