// Package plan turns a workload and what a command line or a request says
// over it (Overrides) into a Plan: the runtime profile, the cores, the GIL
// switch interval and the models, each resolved once by the same rules for
// every front end, with mistakes reported as an *Error placed in the input
// at fault. It then runs plans: Plan.Simulate runs a plan's models and
// keeps what the renderers need of each run, and Run runs any batch of
// simulations side by side with progress, under a context.
//
// The command line, the web server and advise all plan and run through
// here, so a rule (a default, a limit, how a model error is placed) has
// one home.
package plan
