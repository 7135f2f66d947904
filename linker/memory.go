package linker

import (
	"encoding/binary"
	"fmt"
)

// memory is a loaded file's image: the bytes the kernel linker maps, into
// which relocations are written.
type memory struct {
	base uint64
	data []byte
	bo   binary.ByteOrder
}

// maxImage bounds a simulated mapping (the biggest real modules are tens of
// MiB with debug information; mapped segments are smaller).
const maxImage = 256 << 20

// imageLimit bounds the mapping of a file of fileSize bytes, so that a small
// hostile file cannot make kldcheck allocate much: mapped sizes beyond the
// file's bytes are .bss, which real modules keep modest.
func imageLimit(fileSize int) uint64 {
	return min(maxImage, 16<<20+64*uint64(fileSize))
}

// checkImage refuses a mapping of size bytes beyond imageLimit.
func checkImage(size uint64, fileSize int) error {
	if limit := imageLimit(fileSize); size > limit {
		return fmt.Errorf("maps %d bytes, more than kldcheck simulates for a file of %d bytes (%d)", size, fileSize, limit)
	}
	return nil
}

// newMemory returns size zeroed bytes at base (checked with checkImage
// first).
func newMemory(base, size uint64, bo binary.ByteOrder) *memory {
	return &memory{base: base, data: make([]byte, size), bo: bo}
}

// slice returns n bytes at address a, or false when they are not all mapped.
func (m *memory) slice(a, n uint64) ([]byte, bool) {
	if m == nil || a < m.base || a-m.base > uint64(len(m.data)) || n > uint64(len(m.data))-(a-m.base) {
		return nil, false
	}
	off := a - m.base
	return m.data[off : off+n], true
}

func (m *memory) read(a uint64, n int) (uint64, bool) {
	b, ok := m.slice(a, uint64(n))
	if !ok {
		return 0, false
	}
	switch n {
	case 8:
		return m.bo.Uint64(b), true
	case 4:
		return uint64(m.bo.Uint32(b)), true
	case 2:
		return uint64(m.bo.Uint16(b)), true
	}
	return 0, false
}

func (m *memory) write(a uint64, n int, v uint64) bool {
	b, ok := m.slice(a, uint64(n))
	if !ok {
		return false
	}
	switch n {
	case 8:
		m.bo.PutUint64(b, v)
	case 4:
		m.bo.PutUint32(b, uint32(v))
	case 2:
		m.bo.PutUint16(b, uint16(v))
	default:
		return false
	}
	return true
}
