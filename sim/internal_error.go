package sim

import (
	"fmt"
	"runtime/debug"
)

// InternalError is a broken rule of the engine itself: a bug in conclab,
// never a fault of the workload. Run returns one instead of crashing its
// caller, so that a command can say so in one line and a server can answer
// 500 and go on.
type InternalError struct {
	Value any    // what the engine panicked with
	Stack []byte // the goroutine's stack at the panic, for a bug report
}

func (e *InternalError) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

// recoverInternal turns a panic of the engine into an *InternalError in
// *err. It is deferred by Run.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = &InternalError{Value: r, Stack: debug.Stack()}
	}
}
