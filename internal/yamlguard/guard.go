// Package yamlguard refuses YAML texts that the YAML library would take
// far too much memory or time to read: nested too deeply, with too many
// nodes, or with a mapping of too many keys. Workload and profile files
// both pass through it before the library sees them.
package yamlguard

import (
	"fmt"

	"github.com/goccy/go-yaml/token"
)

// MaxSize is the largest YAML file conclab reads (8 MiB): a workload or a
// profile is a small text.
const MaxSize = 8 << 20

// Problem is what is wrong with a text, and where (1-based line and
// column, in characters).
type Problem struct {
	Line, Col int
	Msg       string
}

func at(line, col int, format string, args ...any) *Problem {
	return &Problem{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// MaxNesting is how deeply lists and mappings may nest in a workload file,
// flow ([ ], { }) and block (- entries, indented keys) alike. A task with
// repeats nested MaxDepth deep needs about 21 levels; the limit leaves room
// for the rest and refuses what the YAML library would take memory
// quadratic in the depth to read (20 KB of "[" cost it 177 MiB).
const MaxNesting = 64

// MaxItems bounds the entries, keys and values of a workload file. The YAML
// library takes about 800 bytes of memory for each (8 MiB of "1," took it
// 3.2 GB); a workload says "count:" and "repeat:" instead of listing tasks
// one by one, so 200,000 is far more than one needs and keeps reading a
// file under about 200 MB.
const MaxItems = 200_000

// MaxKeys bounds the keys of one mapping. The YAML library's time grows
// with the square of a mapping's keys (20,000 took it 9 s); a workload's
// mappings have a dozen keys at most.
const MaxKeys = 1000

// keysMsg is the message for a mapping with more than MaxKeys keys.
const keysMsg = "a mapping with more than %d keys (a workload's mappings have a few keys each)"

// itemsMsg is the message for a file with more than MaxItems.
const itemsMsg = "too many list entries, keys and values (more than %s; a workload gives copies with count: and repeat:, not one by one)"

// nestingMsg is the one message for both checks below.
const nestingMsg = "lists and mappings nested too deeply (at most %d levels; a workload needs about 20)"

// Scan refuses text nested deeper than MaxNesting before the YAML
// library reads it, in one pass that stops at the first level too deep and
// allocates only the stack of indents (at most MaxNesting of them). It
// reads YAML the way a person would: brackets and dashes in quoted text,
// comments and block scalars (|, >) do not count. Where it may misread
// hostile text it counts fewer levels, never more, and Tokens,
// which sees exactly what the parser will, catches the rest.
func Scan(data []byte) *Problem {
	var (
		indents     [MaxNesting + 1]int // columns of the open block levels
		nb          int                 // open block levels
		flow        int                 // open [ and {
		quote       byte                // ' or " while inside a quoted scalar
		scalarAbove = -1                // block scalar: lines indented more than this are its text
		line        = 1
	)
	tooDeep := func(col int) *Problem {
		return at(line, col, nestingMsg, MaxNesting)
	}
	// items counts, from above, the nodes the YAML library will build: a
	// line's node, each "- ", and each "[", "{" and "," of flow text.
	items := 0
	// keys counts the keys of each open block level and of each open flow
	// mapping; flowKind says which flow levels are mappings.
	var keys, flowKeys [MaxNesting + 1]int
	var flowKind [MaxNesting + 1]byte
	tooMany := func(col int) *Problem {
		return at(line, col, itemsMsg, "200,000")
	}
	for i := 0; i < len(data); line++ {
		end := i
		for end < len(data) && data[end] != '\n' {
			end++
		}
		next := end + 1
		// Indentation, in bytes: YAML indents with spaces only.
		j := i
		for j < end && data[j] == ' ' {
			j++
		}
		indent := j - i
		blank := j == end || data[j] == '\r' || (data[j] == '#' && quote == 0)
		if scalarAbove >= 0 {
			if blank || indent > scalarAbove {
				i = next
				continue
			}
			scalarAbove = -1
		}
		if quote == 0 && flow == 0 && !blank {
			if items++; items > MaxItems {
				return tooMany(indent + 1)
			}
			// A block level per deeper indent, and one per "- " or "? "
			// opening a node on the same line ("- - x" is a list in a list).
			for nb > 0 && indents[nb-1] > indent {
				nb--
			}
			if nb == 0 || indents[nb-1] < indent {
				if nb+1 > MaxNesting {
					return tooDeep(indent + 1)
				}
				indents[nb] = indent
				keys[nb] = 0
				nb++
			}
			for j < end && (data[j] == '-' || data[j] == '?') && (j+1 == end || data[j+1] == ' ' || data[j+1] == '\r') {
				j++
				for j < end && data[j] == ' ' {
					j++
				}
				if j == end || data[j] == '#' || data[j] == '\r' {
					break
				}
				col := columnOf(data, i, j)
				if items++; items > MaxItems {
					return tooMany(col)
				}
				if nb+1 > MaxNesting {
					return tooDeep(col)
				}
				indents[nb] = col - 1
				keys[nb] = 0
				nb++
			}
			if j < end && data[j] != '#' && data[j] != '\r' && data[j] != '-' {
				if keys[nb-1]++; keys[nb-1] > MaxKeys {
					return at(line, columnOf(data, i, j), keysMsg, MaxKeys)
				}
			}
		}
		// The rest of the line: quotes, comments, flow brackets, and the
		// header of a block scalar.
		start := true // at the start of a node: a quote or bracket opens here
		for ; j < end; j++ {
			c := data[j]
			if quote != 0 {
				switch {
				case c == '\\' && quote == '"':
					j++
				case c == quote && quote == '\'' && j+1 < end && data[j+1] == '\'':
					j++
				case c == quote:
					quote, start = 0, false
				}
				continue
			}
			switch c {
			case ' ', '\t', '\r':
				start = start || j > i && data[j-1] == ':'
				continue
			case '#':
				if j == i || data[j-1] == ' ' || data[j-1] == '\t' {
					j = end
					continue
				}
			case '\'', '"':
				if start || flow > 0 {
					quote = c
					continue
				}
			case '[', '{':
				if start || flow > 0 {
					flowKind[min(flow, MaxNesting)], flowKeys[min(flow, MaxNesting)] = c, 0
					flow++
					if nb+flow > MaxNesting {
						return tooDeep(columnOf(data, i, j))
					}
					if items++; items > MaxItems {
						return tooMany(columnOf(data, i, j))
					}
					continue
				}
			case ']', '}':
				if flow > 0 {
					flow--
				}
			case ',':
				if flow > 0 {
					if items++; items > MaxItems {
						return tooMany(columnOf(data, i, j))
					}
					if k := min(flow-1, MaxNesting); flowKind[k] == '{' {
						if flowKeys[k]++; flowKeys[k] >= MaxKeys {
							return at(line, columnOf(data, i, j), keysMsg, MaxKeys)
						}
					}
					start = true
					continue
				}
			case '|', '>':
				if start && flow == 0 {
					scalarAbove = indent
					j = end
					continue
				}
			}
			start = false
		}
		i = next
	}
	return nil
}

// columnOf returns the 1-based column, in characters, of data[at] on the
// line that starts at data[lineStart].
func columnOf(data []byte, lineStart, at int) int {
	col := 1
	for k := lineStart; k < at; k++ {
		if data[k]&0xC0 != 0x80 {
			col++
		}
	}
	return col
}

// Tokens measures nesting on the tokens the parser is about to read,
// so no way of writing the text can hide a level from it. Scan has
// refused the plain cases already, with the same message.
func Tokens(tokens token.Tokens) *Problem {
	var indents []int
	flow := 0
	for i, tk := range tokens {
		if tk == nil || tk.Position == nil {
			continue
		}
		col := tk.Position.Column
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			if flow > 0 {
				flow--
			}
			continue
		case token.SequenceEntryType, token.MappingKeyType:
			if flow > 0 {
				continue
			}
		default:
			// A key of a block mapping: the token before ":".
			if flow > 0 || i+1 >= len(tokens) || tokens[i+1] == nil || tokens[i+1].Type != token.MappingValueType {
				continue
			}
		}
		if tk.Type != token.SequenceStartType && tk.Type != token.MappingStartType {
			for len(indents) > 0 && indents[len(indents)-1] > col {
				indents = indents[:len(indents)-1]
			}
			if len(indents) == 0 || indents[len(indents)-1] < col {
				indents = append(indents, col)
			}
		}
		if len(indents)+flow > MaxNesting {
			return at(tk.Position.Line, col, nestingMsg, MaxNesting)
		}
	}
	return nil
}
