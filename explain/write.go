package explain

import (
	"io"
	"strings"
	"unicode/utf8"
)

// minText is the fewest columns left for the text of a line, whatever the
// width asked for.
const minText = 20

// Write prints lines one per paragraph: the time ("2.000 s"), two spaces and
// the text, wrapped at width columns with a hanging indent under the text.
// Warn lines start with "⚠"; when there are any, the other lines are indented
// to keep the times in one column. A width below what the time column needs
// plus 20 columns is widened to that.
func Write(w io.Writer, lines []Line, width int) error {
	timeW, warn := 0, false
	for _, l := range lines {
		timeW = max(timeW, len(stamp(l.At)))
		warn = warn || l.Warn
	}
	var b strings.Builder
	for _, l := range lines {
		prefix := ""
		if warn {
			prefix = "  "
			if l.Warn {
				prefix = "⚠ "
			}
		}
		t := stamp(l.At)
		prefix += strings.Repeat(" ", timeW-len(t)) + t + "  "
		indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
		for i, row := range wrap(l.Text, max(width-len(indent), minText)) {
			if i == 0 {
				b.WriteString(prefix)
			} else {
				b.WriteString(indent)
			}
			b.WriteString(row)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap splits text into rows of at most width runes at spaces; a word
// longer than width is cut.
func wrap(text string, width int) []string {
	var rows []string
	row := ""
	for _, word := range strings.Fields(text) {
		for utf8.RuneCountInString(word) > width {
			if row != "" {
				rows = append(rows, row)
				row = ""
			}
			r := []rune(word)
			rows = append(rows, string(r[:width]))
			word = string(r[width:])
		}
		switch {
		case word == "":
		case row == "":
			row = word
		case utf8.RuneCountInString(row)+1+utf8.RuneCountInString(word) <= width:
			row += " " + word
		default:
			rows = append(rows, row)
			row = word
		}
	}
	if row != "" || len(rows) == 0 {
		rows = append(rows, row)
	}
	return rows
}
