package jsonout

import (
	"bytes"
	"math"
	"testing"
)

func TestForms(t *testing.T) {
	v := map[string]any{"name": "<a & b>", "n": []int{1, 2}}
	b, err := Marshal(v)
	if err != nil || string(b) != `{"n":[1,2],"name":"<a & b>"}` {
		t.Errorf("Marshal = %q, %v", b, err)
	}
	var w bytes.Buffer
	if err := Write(&w, v); err != nil || w.String() != `{"n":[1,2],"name":"<a & b>"}`+"\n" {
		t.Errorf("Write = %q, %v", w.String(), err)
	}
	w.Reset()
	want := "{\n  \"n\": [\n    1,\n    2\n  ],\n  \"name\": \"<a & b>\"\n}\n"
	if err := WriteIndented(&w, v); err != nil || w.String() != want {
		t.Errorf("WriteIndented = %q, %v", w.String(), err)
	}
}

type writes struct{ n int }

func (c *writes) Write(p []byte) (int, error) { c.n++; return len(p), nil }

func TestOneWriteNothingOnError(t *testing.T) {
	var c writes
	if err := WriteIndented(&c, map[string][]int{"a": make([]int, 10_000)}); err != nil || c.n != 1 {
		t.Errorf("%d writes, %v", c.n, err)
	}
	c.n = 0
	if err := Write(&c, math.NaN()); err == nil || c.n != 0 {
		t.Errorf("NaN: %d writes, %v", c.n, err)
	}
}
