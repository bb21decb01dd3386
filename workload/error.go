package workload

import (
	"fmt"
	"strconv"
)

// Error is a problem with a workload's text, placed at a line and column
// (both 1-based) of File. File is "-e" for the inline form and may be empty
// for a workload read from an unnamed source.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error returns "file:line:col: msg", leaving out "file:" when File is empty.
func (e *Error) Error() string {
	pos := strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col)
	if e.File != "" {
		pos = e.File + ":" + pos
	}
	return pos + ": " + e.Msg
}

func errorAt(file string, p Pos, format string, args ...any) *Error {
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Col < 1 {
		p.Col = 1
	}
	return &Error{File: file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}
