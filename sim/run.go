package sim

import "errors"

// Run simulates the workload under one deployment and returns what it measured.
func Run(cfg Config) (*Result, error) {
	return nil, errors.New("sim: not written yet")
}
