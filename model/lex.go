package model

import (
	"fmt"
	"unicode/utf8"
)

// tokKind is the kind of a token of a model expression.
type tokKind uint8

const (
	tEnd    tokKind = iota // end of the expression
	tName                  // threads, limit, spawn…
	tNumber                // 42
	tDots                  // .. of a range
	tLParen                // (
	tRParen                // )
	tComma                 // ,
	tEquals                // =
	tStar                  // *
)

// token is one token; pos is its byte offset in the expression.
type token struct {
	kind tokKind
	pos  int
	text string
	num  int // tNumber: the value, saturated at maxNumber
}

// maxNumber is where numbers saturate: far above every limit, so a huge
// number gets the same "at most" message as a merely large one.
const maxNumber = 1 << 40

// describe names a token for an error message.
func (t token) describe() string {
	switch t.kind {
	case tEnd:
		return "the end"
	case tName:
		return fmt.Sprintf("%q", t.text)
	case tNumber:
		return t.text
	default:
		return fmt.Sprintf("%q", t.text)
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// lex splits expr into tokens, ending with one tEnd token.
func lex(expr string) ([]token, *Error) {
	var toks []token
	i := 0
	for i < len(expr) {
		c := expr[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isLetter(c):
			for i < len(expr) && (isLetter(expr[i]) || isDigit(expr[i])) {
				i++
			}
			toks = append(toks, token{kind: tName, pos: start, text: expr[start:i]})
			continue
		case isDigit(c):
			n := 0
			for i < len(expr) && isDigit(expr[i]) {
				n = n*10 + int(expr[i]-'0')
				if n > maxNumber {
					n = maxNumber
				}
				i++
			}
			// 4.5, 1e3, 8k: not a whole number. Take the rest of the word
			// so the message quotes all of it.
			bad := i < len(expr) && (isLetter(expr[i]) ||
				expr[i] == '.' && i+1 < len(expr) && isDigit(expr[i+1]))
			if bad {
				for i < len(expr) && (isLetter(expr[i]) || isDigit(expr[i]) ||
					expr[i] == '.' && i+1 < len(expr) && isDigit(expr[i+1])) {
					i++
				}
				return nil, errorAt(expr, start, "bad number %q (want a whole number, like 4)", expr[start:i])
			}
			toks = append(toks, token{kind: tNumber, pos: start, text: expr[start:i], num: n})
			continue
		case c == '.' && i+1 < len(expr) && expr[i+1] == '.':
			i += 2
			toks = append(toks, token{kind: tDots, pos: start, text: ".."})
			continue
		}
		kind := tEnd
		switch c {
		case '(':
			kind = tLParen
		case ')':
			kind = tRParen
		case ',':
			kind = tComma
		case '=':
			kind = tEquals
		case '*':
			kind = tStar
		}
		if kind == tEnd {
			r, _ := utf8.DecodeRuneInString(expr[i:])
			return nil, errorAt(expr, start, "unexpected character %q", r)
		}
		i++
		toks = append(toks, token{kind: kind, pos: start, text: expr[start:i]})
	}
	return append(toks, token{kind: tEnd, pos: len(expr)}), nil
}
