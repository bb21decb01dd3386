package textsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns s with every character that a terminal would act on or
// not show replaced by a visible escape: the C0 controls (newline and tab
// included), DEL and the C1 controls, so escape sequences cannot start;
// the bidirectional overrides, embeddings, marks and isolates (U+202A–
// U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which reorder the text
// around them; the other invisible format characters (Unicode's Cf, such
// as U+200B or U+FEFF, but not the joiners U+200C and U+200D that some
// scripts and emoji need); the line and paragraph separators; and bytes
// that are not UTF-8. Control characters below U+0080 read as \n, \t, \r or
// \x1b, others as \u202e, bad bytes as \xff. A string with none of them is returned as
// it is, without allocating.
func Clean(s string) string { return clean(s, false) }

// CleanText is Clean for a text meant to have several lines: newlines and
// tabs stay.
func CleanText(s string) string { return clean(s, true) }

func clean(s string, text bool) string {
	i := firstUnsafe(s, text)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case unsafe(r, text):
			b.WriteString(escape(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte of s that Clean replaces, or -1.
func firstUnsafe(s string, text bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !(text && (c == '\n' || c == '\t')) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafe(r, text) {
			return i
		}
		i += size
	}
	return -1
}

// unsafe says whether Clean replaces r.
func unsafe(r rune, text bool) bool {
	switch {
	case text && (r == '\n' || r == '\t'):
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r < 0xa0:
		return false
	case r == 0x200c, r == 0x200d: // the joiners, needed by some scripts and emoji
		return false
	case r == 0x2028, r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// escape writes r as \n, \t, \r, \x1b, \u202e or \U000e0001.
func escape(r rune) string {
	switch {
	case r == '\n':
		return `\n`
	case r == '\t':
		return `\t`
	case r == '\r':
		return `\r`
	case r < 0x80:
		return `\x` + hex2(byte(r))
	case r <= 0xffff:
		return `\u` + pad(strconv.FormatInt(int64(r), 16), 4)
	}
	return `\U` + pad(strconv.FormatInt(int64(r), 16), 8)
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func pad(s string, n int) string {
	return strings.Repeat("0", max(0, n-len(s))) + s
}
