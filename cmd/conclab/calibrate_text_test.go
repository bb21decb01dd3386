package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/conclab/conclab/runtime"

	"github.com/conclab/conclab/internal/golden"
)

// TestCalibrationTable checks the table calibrate prints, from a recorded
// measurement: no Python runs.
func TestCalibrationTable(t *testing.T) {
	data, err := os.ReadFile("../../runtime/testdata/cpython-measured.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.ParseMeasurement(data)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := m.Profile()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeCalibration(&b, m, prof); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/calibration.golden", b.Bytes())
}
