package testutil

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// DWARFBomb returns testdata/arm64-gz/vnet_static.ko (compressed DWARF,
// little-endian ELF64) with its .debug_info's Elf64_Chdr claiming claim
// bytes once inflated: a decompression bomb as far as its header goes.
func DWARFBomb(tb testing.TB, claim uint64) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(Root(tb), "testdata", "arm64-gz", "vnet_static.ko"))
	if err != nil {
		tb.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	info := ef.Section(".debug_info")
	if info == nil || info.Flags&elf.SHF_COMPRESSED == 0 {
		tb.Fatal("arm64-gz/vnet_static.ko has no compressed .debug_info")
	}
	// Elf64_Chdr: ch_type, ch_reserved, then ch_size.
	binary.LittleEndian.PutUint64(data[info.Offset+8:], claim)
	return data
}
