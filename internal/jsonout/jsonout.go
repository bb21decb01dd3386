// Package jsonout writes JSON the one way conclab writes it: without HTML
// escapes, so a name such as "<script>" or "a & b" reads the same in a
// terminal, a file and an API answer (a page that shows it escapes it
// there), and in one write, so a reader never sees half a document.
package jsonout

import (
	"bytes"
	"encoding/json"
	"io"
)

// Marshal is json.Marshal without HTML escapes: v on one line, with no
// newline after it.
func Marshal(v any) ([]byte, error) {
	b, err := encode(v, false)
	if err != nil {
		return nil, err
	}
	return b[:len(b)-1], nil
}

// Write writes v on one line, followed by a newline.
func Write(w io.Writer, v any) error { return write(w, v, false) }

// WriteIndented writes v indented by two spaces a level, followed by a
// newline: the form of every document the command line writes.
func WriteIndented(w io.Writer, v any) error { return write(w, v, true) }

func write(w io.Writer, v any, indent bool) error {
	b, err := encode(v, indent)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// encode is v as JSON followed by a newline.
func encode(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
