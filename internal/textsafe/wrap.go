package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Wrap breaks text into lines at white space, each at most width runes
// wide: the first line starts with first and the others with rest (whose
// runes count towards the width), and words are separated by one space. A
// number and the unit after it ("2.000 s", "13.2 MiB") stay on one line. A
// word too long for a line is cut, on a line of its own. Text without words
// gives one line, first. The time taken is linear in the length of text.
func Wrap(text string, width int, first, rest string) []string {
	var (
		lines []string
		line  strings.Builder
		n     int  // runes in line
		words bool // line holds a word
	)
	line.WriteString(first)
	n = utf8.RuneCountInString(first)
	restN := utf8.RuneCountInString(rest)
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		line.WriteString(rest)
		n, words = restN, false
	}
	for i := 0; i < len(text); {
		// The next word: text[i:j], of k runes.
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j, k := i, 0
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
			k++
		}
		word := text[i:j]
		i = j
		if last, _ := utf8.DecodeLastRuneInString(word); unicode.IsDigit(last) {
			// Keep the unit, if one follows, with its number.
			p := i
			for p < len(text) {
				r, size := utf8.DecodeRuneInString(text[p:])
				if !unicode.IsSpace(r) {
					break
				}
				p += size
			}
			q := p
			for q < len(text) {
				r, size := utf8.DecodeRuneInString(text[q:])
				if unicode.IsSpace(r) {
					break
				}
				q += size
			}
			if p > i && isUnit(text[p:q]) {
				word += " " + text[p:q]
				k += 1 + utf8.RuneCountInString(text[p:q])
				i = q
			}
		}
		switch {
		case words && n+1+k <= width:
			line.WriteByte(' ')
			line.WriteString(word)
			n += 1 + k
			continue
		case words:
			flush()
		}
		if n+k <= width {
			line.WriteString(word)
			n += k
			words = true
			continue
		}
		// Too long for any line: cut it, a line's worth at a time.
		for k > 0 {
			room := max(1, width-n)
			if room >= k {
				line.WriteString(word)
				n += k
				words = true
				break
			}
			cut := 0
			for c := 0; c < room; c++ {
				_, size := utf8.DecodeRuneInString(word[cut:])
				cut += size
			}
			line.WriteString(word[:cut])
			word, k = word[cut:], k-room
			words = true
			flush()
		}
	}
	if words || len(lines) == 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// units are the units of measure that follow a number in conclab's text.
var units = map[string]bool{
	"ns": true, "µs": true, "us": true, "ms": true, "s": true,
	"B": true, "KiB": true, "MiB": true, "GiB": true, "TiB": true, "KB": true, "MB": true, "GB": true, "TB": true,
}

// isUnit reports whether word is a unit of measure, perhaps followed by
// punctuation ("s,", "MiB)").
func isUnit(word string) bool {
	return units[strings.TrimRight(word, ",.;:)!?")]
}
