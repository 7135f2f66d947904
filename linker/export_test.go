package linker_test

import "github.com/kldcheck/kldcheck/vdata"

type linkerKind = vdata.Kind

const (
	dpcpu = vdata.DPCPU
	vnet  = vdata.VNET
)
