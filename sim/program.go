package sim

import "github.com/conclab/conclab/workload"

// opKind is an instruction of a compiled task program.
type opKind uint8

const (
	opWork opKind = iota
	opWait
	opLoop // start of a repeat block: set the counter at depth to count
	opEnd  // end of a repeat block: loop back to jump while the counter lasts
)

// op is one instruction. Repeat blocks are flattened so that a task's
// position is a program counter plus one counter per nesting level.
type op struct {
	kind     opKind
	released bool // work: C code with the GIL released
	blocking bool // wait: blocks the thread even on an event loop
	offload  workload.Offload
	depth    uint8
	count    int32 // opLoop
	jump     int32 // opEnd: first instruction of the body
	dist     workload.Dist
}

// program is a group's steps, compiled.
type program struct {
	ops   []op
	depth int // deepest repeat nesting
}

func compile(steps []workload.Step) program {
	var p program
	p.emit(steps, 0)
	return p
}

func (p *program) emit(steps []workload.Step, depth int) {
	for _, s := range steps {
		switch s.Kind {
		case workload.Work:
			p.ops = append(p.ops, op{kind: opWork, released: s.GILReleased, offload: s.Offload, dist: s.Dur})
		case workload.Wait:
			p.ops = append(p.ops, op{kind: opWait, blocking: s.Blocking, offload: s.Offload, dist: s.Dur})
		case workload.Repeat:
			if s.Count <= 0 || len(s.Steps) == 0 {
				continue
			}
			if depth+1 > p.depth {
				p.depth = depth + 1
			}
			p.ops = append(p.ops, op{kind: opLoop, depth: uint8(depth), count: int32(s.Count)})
			body := int32(len(p.ops))
			p.emit(s.Steps, depth+1)
			p.ops = append(p.ops, op{kind: opEnd, depth: uint8(depth), jump: body})
		}
	}
}

// next advances a task to its next work or wait with a non-zero duration.
// It returns the instruction, the drawn duration and false when the task
// has no steps left. counters holds one slot per nesting level.
func (p *program) next(pc *int32, counters []int32, rng *workload.Rand) (*op, int64, bool) {
	for int(*pc) < len(p.ops) {
		o := &p.ops[*pc]
		switch o.kind {
		case opLoop:
			counters[o.depth] = o.count
			*pc++
		case opEnd:
			counters[o.depth]--
			if counters[o.depth] > 0 {
				*pc = o.jump
			} else {
				*pc++
			}
		default:
			*pc++
			d := o.dist.Sample(rng)
			if d <= 0 {
				continue
			}
			return o, d, true
		}
	}
	return nil, 0, false
}
