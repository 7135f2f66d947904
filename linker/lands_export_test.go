package linker

import "github.com/kldcheck/kldcheck/vdata"

// LandsLine exposes landsLine to the tests, for an address the code would
// hold for variable, with no master copy to compare with.
func (l *Linker) LandsLine(k vdata.Kind, variable string, actual uint64) string {
	return l.landsLine(k, variable, actual, 0, false)
}
