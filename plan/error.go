package plan

import "fmt"

// Field names an input of New: what an Error is about.
type Field string

// The inputs of New. The values are the web API's field names.
const (
	FieldWorkload       Field = "workload" // the workload's text, its models: and runtime:
	FieldRuntime        Field = "runtime"
	FieldProfile        Field = "profile"
	FieldCores          Field = "cores"
	FieldSwitchInterval Field = "switch_interval"
	FieldModels         Field = "models"
	FieldMaxSteps       Field = "max_steps"
)

// defaultNames are how messages name the inputs unless Overrides.Names
// says otherwise.
var defaultNames = map[Field]string{
	FieldRuntime:        "runtime",
	FieldProfile:        "profile",
	FieldCores:          "cores",
	FieldSwitchInterval: "switch_interval",
	FieldModels:         "model",
	FieldMaxSteps:       "max_steps",
}

// Error is a mistake in what New was given: which input (Field), where
// (File, Line, Col, when it is in a file) and what (Msg). Find it with
// errors.As and place it with Pos, never by reading its message.
type Error struct {
	Field Field
	// Index is the mistaken model's index in Overrides.Models, for
	// FieldModels.
	Index int
	// Steps is the estimate of the steps per model that was refused, for
	// FieldMaxSteps.
	Steps int64
	// File is the file the mistake is in: the workload's (FieldWorkload)
	// or the profile's (FieldProfile); "" when it is in none.
	File string
	// Line and Col place the mistake in File (1-based; Col counts
	// characters), 0 when they are not known.
	Line, Col int
	// Msg says what is wrong, naming the input as Overrides.Names says,
	// without File and the place.
	Msg string
	// Err is the cause, if any, for errors.Is and errors.As.
	Err error
}

// Error returns "file:line:col: msg" for a placed mistake, "file: msg" for
// one in a file at no known place, else msg.
func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.File != "":
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}

// Pos returns where in File the mistake is (1-based line and column in
// characters), or 0, 0 when it is not placed.
func (e *Error) Pos() (line, col int) { return e.Line, e.Col }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
