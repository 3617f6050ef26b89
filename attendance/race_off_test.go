//go:build !race

package attendance

// raceEnabled is true under the race detector, which slows code about
// tenfold: throughput assertions are skipped then.
const raceEnabled = false
