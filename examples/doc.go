// Package examples holds conclab's built-in scenarios: workload files
// (YAML, SPEC §1) embedded in the binary, so `conclab run seed-io` works
// anywhere. Each file has an about: line and comments giving the Python
// the workload stands for.
package examples
