package textsafe

import "strings"

// Markup returns s safe as text or as a quoted attribute value in XML
// and HTML (SVG included): Clean first, then &, <, >, " and ' as
// character references, and U+FFFE and U+FFFF, which XML cannot carry, as
// '?'. Names come from workload files; this is how every page and picture
// prints them.
func Markup(s string) string { return markup(Clean(s)) }

// MarkupText is Markup for a text of several lines (CleanText): newlines
// and tabs stay, for a <pre>.
func MarkupText(s string) string { return markup(CleanText(s)) }

func markup(s string) string {
	if !strings.ContainsAny(s, "&<>\"'\uFFFE\uFFFF") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case 0xFFFE, 0xFFFF:
			b.WriteRune('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
