package scan

import (
	"container/list"
	"sync"

	"github.com/kldcheck/kldcheck/kobj"
)

// DefaultCacheBytes is the default of Options.CacheBytes.
const DefaultCacheBytes = 8 << 20

// cache holds parsed files for the simulated kernels of a scan, the most
// recently used first, within a budget of file bytes (a parse takes about
// 2.5 times its file's bytes): a file evicted is parsed again when needed.
// Memory then grows with the files checked together, not with the tree.
type cache struct {
	mu     sync.Mutex
	files  map[string]*entry
	recent list.List // of *entry, most recently used at the front
	used   int64
	budget int64
}

type entry struct {
	path string
	once sync.Once
	f    *kobj.File
	err  error
	elem *list.Element // nil until parsed and counted, or when evicted
}

func newCache(budget int64) *cache { return &cache{files: map[string]*entry{}, budget: budget} }

func (c *cache) open(path string) (*kobj.File, error) {
	c.mu.Lock()
	e, ok := c.files[path]
	if !ok {
		e = &entry{path: path}
		c.files[path] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.f, e.err = kobj.Open(path) })
	if e.err != nil {
		return nil, e.err // errors are kept: small, and the same again
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.elem != nil {
		c.recent.MoveToFront(e.elem)
		return e.f, nil
	}
	if c.files[path] != e {
		return e.f, nil // evicted while being parsed: not counted again
	}
	e.elem = c.recent.PushFront(e)
	c.used += int64(e.f.Size())
	for c.used > c.budget && c.recent.Len() > 1 {
		old := c.recent.Remove(c.recent.Back()).(*entry)
		old.elem = nil
		c.used -= int64(old.f.Size())
		delete(c.files, old.path)
	}
	return e.f, nil
}
