package vdata

import "testing"

func TestAllocFirstFitAndFree(t *testing.T) {
	s, err := NewSpace(VNET, 0x1000, 0x3000, 0x2000, 0x100, 8)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := s.Alloc("a.ko", 0x13) // rounds to 0x18
	if !ok || a != 0x2000 {
		t.Fatalf("first alloc at %#x ok=%v", a, ok)
	}
	b, _ := s.Alloc("b.ko", 0x20)
	if b != 0x2018 {
		t.Fatalf("second alloc at %#x, want 0x2018", b)
	}
	if _, ok := s.Alloc("big.ko", 0x100); ok {
		t.Fatal("allocation larger than the free room succeeded")
	}
	s.Free(a)
	if got := s.FreeBytes(); got != 0x100-0x20 {
		t.Fatalf("free %#x after freeing a", got)
	}
	// First fit: the freed hole at the front is reused when large enough.
	c, _ := s.Alloc("c.ko", 8)
	if c != 0x2000 {
		t.Fatalf("reuse at %#x, want 0x2000", c)
	}
	s.Free(c)
	s.Free(b)
	if s.LargestFree() != 0x100 || len(s.free) != 1 {
		t.Fatalf("free list not merged: %+v", s.free)
	}
}

func TestNewSpaceRejectsModspaceOutsideSet(t *testing.T) {
	if _, err := NewSpace(DPCPU, 0x1000, 0x1100, 0x10f0, 0x20, 8); err == nil {
		t.Fatal("no error")
	}
}
