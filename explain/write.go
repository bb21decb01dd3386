package explain

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/conclab/conclab/internal/textsafe"
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
		for i, row := range textsafe.Wrap(textsafe.Clean(l.Text), max(width-len(indent), minText), "", "") {
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
