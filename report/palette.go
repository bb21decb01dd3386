package report

import "github.com/conclab/conclab/sim"

// StateStyle is how the pictures draw a state and what their legends call
// it: the SVG, the HTML report and the page of package web all draw from
// these, so that a colour means one thing everywhere.
type StateStyle struct {
	State sim.State
	// Name is the state's name (sim.State.String), as the page's JSON
	// names states.
	Name string
	// Fill is the state's colour; Stroke, when set, outlines the light
	// fills of states in which a thread runs nothing; Text is the colour
	// of text drawn on the fill. All are CSS hex colours.
	Fill, Stroke, Text string
	// Words is the legend's word for the state; WordsGIL the word on a
	// runtime with a GIL, where working means holding it.
	Words, WordsGIL string
}

// StateStyles returns the styles of the states the pictures draw, in the
// legend's order: running, then not. The colours are the Okabe–Ito
// palette's, which colour-blind readers can tell apart.
func StateStyles() []StateStyle {
	out := make([]StateStyle, 0, len(legendOrder))
	for _, s := range legendOrder {
		st := svgStates[s]
		out = append(out, StateStyle{State: s, Name: s.String(), Fill: st.fill, Stroke: st.stroke, Text: st.text,
			Words: describe(s, false), WordsGIL: describe(s, true)})
	}
	return out
}
