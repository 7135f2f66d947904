package report

import (
	"maps"
	"slices"

	"github.com/kldcheck/kldcheck/profile"
)

// ProfilesDoc is the JSON document of `kldcheck profiles`.
type ProfilesDoc struct {
	Profiles []ProfileJSON `json:"profiles"`
}

// ProfileJSON is one kernel-linker profile, field by field (profile.Profile).
type ProfileJSON struct {
	Name              string `json:"name"`
	OSRelDate         int    `json:"osreldate"`
	Summary           string `json:"summary"`
	CrossModuleSets   bool   `json:"cross_module_sets"`
	VNETModMin        uint64 `json:"vnet_module_space"`
	DPCPUModMin       uint64 `json:"dpcpu_module_space"`
	SetSizeInPointers bool   `json:"set_size_in_pointers"`
	ReportsNoSpace    bool   `json:"reports_no_space"`
	LeakLocals        bool   `json:"leak_locals"`
	I386SetPadding    bool   `json:"i386_set_padding"`
	ObjVNETPropagated bool   `json:"obj_vnet_propagated"`
	// Unsupported lists, by architecture, the relocation types this
	// release's kernel linker rejects although the newest accepts them.
	Unsupported map[string][]string `json:"unsupported_relocations"`
}

// NewProfiles converts the profiles, oldest first.
func NewProfiles(ps []*profile.Profile) ProfilesDoc {
	doc := ProfilesDoc{Profiles: []ProfileJSON{}}
	for _, p := range ps {
		u := map[string][]string{}
		for _, a := range slices.Sorted(maps.Keys(p.Unsupported)) {
			u[a] = append([]string{}, p.Unsupported[a]...)
		}
		doc.Profiles = append(doc.Profiles, ProfileJSON{Name: p.Name, OSRelDate: p.OSRelDate, Summary: p.Summary,
			CrossModuleSets: p.CrossModuleSets, VNETModMin: p.VNETModMin, DPCPUModMin: p.DPCPUModMin,
			SetSizeInPointers: p.SetSizeInPointers, ReportsNoSpace: p.ReportsNoSpace, LeakLocals: p.LeakLocals,
			I386SetPadding: p.I386SetPadding, ObjVNETPropagated: p.ObjVNETPropagated, Unsupported: u})
	}
	return doc
}
