package kobj

import "fmt"

// Metadata record types (sys/sys/module.h: MDT_DEPEND, MDT_MODULE, MDT_VERSION,
// MDT_PNP_INFO).
const (
	MDTDepend  = 1
	MDTModule  = 2
	MDTVersion = 3
	MDTPNPInfo = 4
)

// maxNameLen bounds module names read from files (kldxref refuses names over
// 255 bytes when writing linker.hints).
const maxNameLen = 256

// Metadata is one struct mod_metadata record of set_modmetadata_set, read
// through the pointers and relocations of the file as kldxref(8) does
// (usr.sbin/kldxref/kldxref.c, read_kld).
type Metadata struct {
	Addr    uint64 // address of the record
	Version int    // md_version (MDT_STRUCT_VERSION, 1)
	Type    int    // md_type
	Name    string // md_cval: the module this record names
	// For MDTDepend: the version range of the module depended on
	// (struct mod_depend).
	Min, Preferred, Max int
	// For MDTVersion: the module's version (struct mod_version).
	ModVersion int
}

// TypeName spells the record type as module.h does.
func (m *Metadata) TypeName() string { return MDTName(m.Type) }

// MDTName spells a metadata record type as module.h does (MDT_<n> for a
// type it does not define).
func MDTName(t int) string {
	switch t {
	case MDTDepend:
		return "MDT_DEPEND"
	case MDTModule:
		return "MDT_MODULE"
	case MDTVersion:
		return "MDT_VERSION"
	case MDTPNPInfo:
		return "MDT_PNP_INFO"
	}
	return fmt.Sprintf("MDT_%d", t)
}

// readMetadata follows every pointer of set_modmetadata_set. The record layout
// is { int md_version; int md_type; void *md_data; const char *md_cval; },
// pointers aligned to their size, so md_data sits at offset 8 on both ILP32 and
// LP64 and md_cval at 8+sizeof(void *).
func (f *File) readMetadata() error {
	set := f.Set(SetModMetadata)
	if set == nil {
		return nil
	}
	ptr := uint64(f.Arch.PtrSize)
	start, end := set.Addr(), set.Addr()+set.Size()
	if set.Size()%ptr != 0 {
		return f.errf("%s: size %d is not a multiple of the pointer size %d", SetModMetadata, set.Size(), ptr)
	}
	for slot := start; slot < end; slot += ptr {
		rec, err := f.ReadPointer(slot)
		if err != nil {
			return err
		}
		m, err := f.readRecord(rec)
		if err != nil {
			return f.errf("%s entry at %#x: %v", SetModMetadata, slot, unwrap(err))
		}
		f.Metadata = append(f.Metadata, m)
	}
	return nil
}

func (f *File) readRecord(a uint64) (Metadata, error) {
	m := Metadata{Addr: a}
	ptr := uint64(f.Arch.PtrSize)
	v, err := f.ReadUint(a, 4)
	if err != nil {
		return m, err
	}
	t, err := f.ReadUint(a+4, 4)
	if err != nil {
		return m, err
	}
	m.Version, m.Type = int(int32(v)), int(int32(t))
	data, err := f.ReadPointer(a + 8)
	if err != nil {
		return m, err
	}
	cval, relocated, err := f.readPointer(a + 8 + ptr)
	if err != nil {
		return m, err
	}
	if cval != 0 || relocated {
		if m.Name, err = f.ReadString(cval, maxNameLen); err != nil {
			return m, err
		}
	}
	switch m.Type {
	case MDTDepend:
		var vals [3]uint64
		for i := range vals {
			if vals[i], err = f.ReadUint(data+uint64(4*i), 4); err != nil {
				return m, err
			}
		}
		m.Min, m.Preferred, m.Max = int(int32(vals[0])), int(int32(vals[1])), int(int32(vals[2]))
	case MDTVersion:
		ver, err := f.ReadUint(data, 4)
		if err != nil {
			return m, err
		}
		m.ModVersion = int(int32(ver))
	}
	return m, nil
}

// unwrap strips the file name from a nested *Error, to avoid repeating it.
func unwrap(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Msg
	}
	return err.Error()
}

// ModuleInfo is a module a file declares (DECLARE_MODULE) with its
// MODULE_VERSION, 0 when it declares none.
type ModuleInfo struct {
	Name    string
	Version int
}

// Modules returns the modules the file declares with MDT_MODULE records, and
// the interface versions it provides (MDT_VERSION records whose name has no
// MDT_MODULE record, as the kernel's own "kernel" version).
func (f *File) Modules() []ModuleInfo {
	var out []ModuleInfo
	index := make(map[string]int)
	for _, m := range f.Metadata {
		if m.Type == MDTModule {
			if _, ok := index[m.Name]; !ok {
				index[m.Name] = len(out)
				out = append(out, ModuleInfo{Name: m.Name})
			}
		}
	}
	for _, m := range f.Metadata {
		if m.Type != MDTVersion {
			continue
		}
		if i, ok := index[m.Name]; ok {
			out[i].Version = m.ModVersion
		} else {
			index[m.Name] = len(out)
			out = append(out, ModuleInfo{Name: m.Name, Version: m.ModVersion})
		}
	}
	return out
}

// Depends returns the MDT_DEPEND records, leaving out those naming a module of
// this same file, which the kernel skips (kern_linker.c,
// linker_load_dependencies).
func (f *File) Depends() []Metadata {
	own := make(map[string]bool)
	for _, m := range f.Metadata {
		if m.Type == MDTVersion {
			own[m.Name] = true
		}
	}
	var out []Metadata
	for _, m := range f.Metadata {
		if m.Type == MDTDepend && !own[m.Name] {
			out = append(out, m)
		}
	}
	return out
}
