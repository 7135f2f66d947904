package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/vdata"
)

// Load is the JSON document of `kldcheck load`.
type Load struct {
	Profile string       `json:"profile"`
	Files   []LoadedFile `json:"files"`
	Spaces  []SpaceMap   `json:"module_space"`
	Notes   []string     `json:"notes"`
	// Failed lists the files whose load the kernel refused, with why.
	Failed []FailedLoad `json:"failed"`
}

// LoadedFile is one file as kldstat -v would show it.
type LoadedFile struct {
	ID      int      `json:"id"`
	Refs    int      `json:"refs"`
	Address string   `json:"address"`
	Size    uint64   `json:"size"`
	Name    string   `json:"name"`
	Path    string   `json:"path"`
	Modules []string `json:"modules"`
	Deps    []string `json:"depends_on"`
}

// SpaceMap is the VNET or DPCPU module space: who owns which range.
type SpaceMap struct {
	Kind     string       `json:"kind"` // VNET or DPCPU
	Start    string       `json:"start"`
	Size     uint64       `json:"size"`
	Free     uint64       `json:"free"`
	Extents  []SpaceAlloc `json:"allocations"`
	SetStart string       `json:"master_set_start"`
	SetStop  string       `json:"master_set_stop"`
}

// FailedLoad is a refused load: the file, the kernel's message and the
// rule of the finding that stopped it.
type FailedLoad struct {
	File    string `json:"file"`
	Message string `json:"message"`
	Rule    string `json:"rule"`
}

// SpaceAlloc is one module's range of module space.
type SpaceAlloc struct {
	Owner   string `json:"owner"`
	Address string `json:"address"`
	Size    uint64 `json:"size"`
}

// NewLoad summarises a simulated kernel after its loads.
func NewLoad(l *linker.Linker) Load {
	doc := Load{Profile: l.Profile.Name, Files: []LoadedFile{}, Spaces: []SpaceMap{}, Notes: append([]string{}, l.Notes...),
		Failed: []FailedLoad{}}
	for _, e := range l.Failed {
		doc.Failed = append(doc.Failed, FailedLoad{File: e.File, Message: e.Msg, Rule: e.Rule})
	}
	for i, f := range l.Files {
		lf := LoadedFile{ID: i + 1, Refs: l.Refcount(f), Address: hex(f.Address), Size: f.Size, Name: f.Name, Path: f.Obj.Path,
			Modules: append([]string{}, f.Modules()...), Deps: []string{}}
		for _, d := range f.Deps {
			lf.Deps = append(lf.Deps, d.Name)
		}
		doc.Files = append(doc.Files, lf)
	}
	for _, k := range []vdata.Kind{vdata.VNET, vdata.DPCPU} {
		sp := l.Spaces[k]
		if sp == nil {
			continue
		}
		m := SpaceMap{Kind: k.String(), Start: hex(sp.ModStart), Size: sp.ModSize, Free: sp.FreeBytes(),
			Extents: []SpaceAlloc{}, SetStart: hex(sp.Start), SetStop: hex(sp.Stop)}
		for _, a := range sp.Allocs() {
			m.Extents = append(m.Extents, SpaceAlloc{Owner: a.Owner, Address: hex(a.Addr), Size: a.Size})
		}
		doc.Spaces = append(doc.Spaces, m)
	}
	return doc
}

// WriteLoadText writes the loaded files as kldstat -v does, then the module
// space maps.
func WriteLoadText(w io.Writer, l *linker.Linker) error {
	var b strings.Builder
	width := 2 * l.Arch.PtrSize
	fmt.Fprintf(&b, "profile %s\n", l.Profile.Name)
	fmt.Fprintf(&b, "Id Refs %-*s %8s Name\n", width+2, "Address", "Size")
	for i, f := range l.Files {
		fmt.Fprintf(&b, "%2d %4d 0x%0*x %8x %s\n", i+1, l.Refcount(f), width, f.Address, f.Size, kobj.Printable(f.Name))
		if mods := f.Modules(); len(mods) > 0 {
			b.WriteString("        Contains modules:\n")
			for _, m := range mods {
				fmt.Fprintf(&b, "                %s\n", kobj.Printable(m))
			}
		}
	}
	for _, k := range []vdata.Kind{vdata.VNET, vdata.DPCPU} {
		sp := l.Spaces[k]
		if sp == nil {
			continue
		}
		fmt.Fprintf(&b, "\n%s module space: %#x, %d bytes, %d free (master %s %#x-%#x)\n",
			k, sp.ModStart, sp.ModSize, sp.FreeBytes(), k.SetName(), sp.Start, sp.Stop)
		cursor, end := sp.ModStart, sp.ModStart+sp.ModSize
		for _, a := range sp.Allocs() {
			if a.Addr > cursor {
				fmt.Fprintf(&b, "  %#x %8d  (free)\n", cursor, a.Addr-cursor)
			}
			fmt.Fprintf(&b, "  %#x %8d  %s\n", a.Addr, a.Size, kobj.Printable(a.Owner))
			cursor = a.Addr + a.Size
		}
		if cursor < end {
			fmt.Fprintf(&b, "  %#x %8d  (free)\n", cursor, end-cursor)
		}
	}
	for _, n := range l.Notes {
		fmt.Fprintf(&b, "\nnote: %s\n", kobj.Printable(n))
	}
	for _, e := range l.Failed {
		fmt.Fprintf(&b, "\nkldload: %s: not loaded: %s [%s]\n", kobj.Printable(e.File), kobj.Printable(e.Msg), e.Rule)
	}
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}
