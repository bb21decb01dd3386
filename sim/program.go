package sim

import "github.com/conclab/conclab/workload"

// opKind is an instruction of a compiled task program.
type opKind uint8

const (
	opWork opKind = iota
	opWait
	opLoop    // start of a repeat block: set the counter at depth to count
	opEnd     // end of a repeat block: loop back to jump while the counter lasts
	opChoose  // draw one of chooses[count]'s alternatives and go there
	opJump    // go to jump (the end of a choose's alternative)
	opGather  // start the branches of gathers[count]; the task goes on at its after
	opRet     // the end of a gather's branch: the branch task finishes
	opAcquire // take a unit of resource count
	opRelease // give back a unit of resource count
)

// op is one instruction. Repeat blocks are flattened so that a task's
// position is a program counter plus one counter per nesting level; the
// bodies of a gather's branches and of a choose's alternatives follow
// their instruction, which jumps over them.
type op struct {
	kind     opKind
	released bool // work: C code with the GIL released
	blocking bool // wait: blocks the thread even on an event loop
	offload  workload.Offload
	depth    uint8
	// count is the repeat count of an opLoop, the table index of an
	// opChoose or opGather, the resource of an opAcquire or opRelease, and
	// for a work or wait, 1 + its index in io when it moves data (else 0).
	count int32
	jump  int32 // opEnd: first instruction of the body; opJump: where to go
	dist  workload.Dist
}

// gatherOp is a gather: its branches' bodies, and where its task goes on.
type gatherOp struct {
	branches []branchOp
	total    int32 // copies of all branches
	after    int32
}

// branchOp is one branch of a gather: where its body starts, and how many
// copies of it run.
type branchOp struct {
	start, count int32
}

// chooseOp is a choose: where each alternative starts, and the running sum
// of their weights.
type chooseOp struct {
	starts []int32
	cum    []float64
}

// pick draws an alternative with r and returns its index.
func (c *chooseOp) pick(r *workload.Rand) int { return r.Pick(c.cum) }

// ioBytes is what an offloaded step pickles to its worker process and back.
type ioBytes struct {
	in, out int64
}

// program is a group's steps, compiled.
type program struct {
	ops     []op
	depth   int // deepest repeat nesting
	gathers []gatherOp
	chooses []chooseOp
	io      []ioBytes
	// tree says that its tasks gather or use resources: they need a frame
	// each (engine.frames).
	tree bool
}

func compile(steps []workload.Step) program {
	var p program
	p.emit(steps, 0)
	return p
}

func (p *program) emit(steps []workload.Step, depth int) {
	for _, s := range steps {
		switch s.Kind {
		case workload.Work, workload.Wait:
			o := op{kind: opWork, released: s.GILReleased, offload: s.Offload, dist: s.Dur}
			if s.Kind == workload.Wait {
				o = op{kind: opWait, blocking: s.Blocking, offload: s.Offload, dist: s.Dur}
			}
			if s.Offload == workload.OffloadProcess && (s.Input > 0 || s.Output > 0) {
				p.io = append(p.io, ioBytes{s.Input, s.Output})
				o.count = int32(len(p.io))
			}
			p.ops = append(p.ops, o)
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
		case workload.Use:
			p.tree = true
			p.ops = append(p.ops, op{kind: opAcquire, count: int32(s.Resource)})
			p.emit(s.Steps, depth)
			p.ops = append(p.ops, op{kind: opRelease, count: int32(s.Resource)})
		case workload.Gather:
			p.tree = true
			g := len(p.gathers)
			p.gathers = append(p.gathers, gatherOp{})
			p.ops = append(p.ops, op{kind: opGather, count: int32(g)})
			var branches []branchOp
			var total int32
			for _, b := range s.Branches {
				start := int32(len(p.ops))
				p.emit(b.Steps, depth)
				p.ops = append(p.ops, op{kind: opRet})
				branches = append(branches, branchOp{start: start, count: int32(b.Count)})
				total += int32(b.Count)
			}
			p.gathers[g] = gatherOp{branches: branches, total: total, after: int32(len(p.ops))}
		case workload.Choose:
			c := len(p.chooses)
			p.chooses = append(p.chooses, chooseOp{})
			p.ops = append(p.ops, op{kind: opChoose, count: int32(c)})
			var ch chooseOp
			var jumps []int
			sum := 0.0
			for _, a := range s.Alternatives {
				ch.starts = append(ch.starts, int32(len(p.ops)))
				sum += a.Weight
				ch.cum = append(ch.cum, sum)
				p.emit(a.Steps, depth)
				jumps = append(jumps, len(p.ops))
				p.ops = append(p.ops, op{kind: opJump})
			}
			for _, j := range jumps {
				p.ops[j].jump = int32(len(p.ops))
			}
			p.chooses[c] = ch
		}
	}
}

// branchStart is where copy i (0-based, over all branches) of gather g
// starts.
func (p *program) branchStart(g int32, i int32) int32 {
	for _, b := range p.gathers[g].branches {
		if i < b.count {
			return b.start
		}
		i -= b.count
	}
	panic("sim: a gather's copy beyond its branches")
}

// next advances a task to its next work or wait with a non-zero duration
// (or one that moves data), or to an instruction the engine carries out
// itself (opChoose, opGather, opRet, opAcquire, opRelease, returned with
// duration 0).
// It returns false when the task has no steps left. counters holds one
// slot per nesting level. Every draw, durations and choices, comes from
// rng in the order of the task's own steps.
func (p *program) next(pc *int32, counters []int32, rng *workload.Rand) (*op, int64, bool) {
	for int(*pc) < len(p.ops) {
		o := &p.ops[*pc]
		switch o.kind {
		case opWork, opWait:
			*pc++
			d := o.dist.Sample(rng)
			if d <= 0 && o.count == 0 {
				continue
			}
			return o, d, true
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
		case opJump:
			*pc = o.jump
		default:
			*pc++
			return o, 0, true
		}
	}
	return nil, 0, false
}
