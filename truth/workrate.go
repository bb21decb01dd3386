package truth

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"
)

// MeasureWorkRate measures, with the interpreter py, how many iterations
// of the exported programs' work loop (spin) make a second of CPU time:
// the programs' own measure_work_rate, the best of 20 short runs timed by
// the thread's CPU clock, so that another process taking the core away
// does not lower it. Check measures it once and writes it into every
// program it runs (ExportOptions.WorkRate): every run of every model then
// does the same work, and the spread of the runs is the machine's, not the
// calibration's.
func MeasureWorkRate(ctx context.Context, py string) (float64, error) {
	var prog bytes.Buffer
	prog.WriteString("import hashlib\nimport json\nimport sys\nimport threading\nimport time\n\nWORK_RATE = None\nSHARED_GIL = True\n\n\n")
	prog.WriteString(pyWork)
	prog.WriteString("print(json.dumps(measure_work_rate()))\n")
	out, _, err := runProgram(ctx, py, prog.Bytes(), time.Minute)
	if err != nil {
		return 0, fmt.Errorf("measuring the work rate: %w", err)
	}
	rate, err := strconv.ParseFloat(string(bytes.TrimSpace(out)), 64)
	if err != nil || !(rate >= 1) {
		return 0, fmt.Errorf("measuring the work rate: the program printed %.40q", out)
	}
	return rate, nil
}

// hasWork says whether a task has a step of Python work (Work), whose
// length the work rate sets, at any depth.
func hasWork(tasks []Task) bool {
	return anyStep(tasks, func(s Step) bool { return s.Kind == Work })
}
