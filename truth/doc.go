// Package truth puts the simulator's predictions to the test on a real
// CPython (SPEC §6).
package truth
