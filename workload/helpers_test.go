package workload

import (
	"fmt"
	"strings"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

// withoutPos returns a copy of steps with every position zeroed, so that
// the same steps written in two syntaxes compare equal.
func withoutPos(steps []Step) []Step {
	out := make([]Step, len(steps))
	for i, s := range steps {
		s.Pos = Pos{}
		s.Steps = withoutPos(s.Steps)
		if s.Branches != nil {
			bs := make([]Branch, len(s.Branches))
			for j, b := range s.Branches {
				bs[j] = Branch{Count: b.Count, Steps: withoutPos(b.Steps)}
			}
			s.Branches = bs
		}
		if s.Alternatives != nil {
			as := make([]Alternative, len(s.Alternatives))
			for j, a := range s.Alternatives {
				as[j] = Alternative{Weight: a.Weight, Steps: withoutPos(a.Steps)}
			}
			s.Alternatives = as
		}
		out[i] = s
	}
	return out
}
