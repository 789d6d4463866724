package blob

import (
	"context"
	"io"
	"strings"
	"time"
)

// Backend stores named byte strings. It knows nothing of keys or IDs: the
// Store encrypts before writing and verifies after reading, so a backend only
// has to be durable and atomic. Names are chosen by the Store: lowercase
// letters, digits, '-', '_', '.', and '/' between non-empty segments that do
// not start with '.' (so a backend can keep its own files under such names).
//
// A name that does not exist is reported with an error matching fs.ErrNotExist.
type Backend interface {
	// Create starts writing an object. Nothing of it is visible under name
	// until Commit returns; Abort (or an interrupted process) leaves no
	// visible trace.
	Create(ctx context.Context, name string) (Upload, error)
	// Put stores a small object atomically, replacing any object of that
	// name: readers see the old bytes or the new, never a mix.
	Put(ctx context.Context, name string, data []byte) error
	// Get opens an object for reading and returns its stored length.
	Get(ctx context.Context, name string) (io.ReadCloser, int64, error)
	// Stat describes one object.
	Stat(ctx context.Context, name string) (Entry, error)
	// Delete removes an object; a missing name is not an error.
	Delete(ctx context.Context, name string) error
	// List calls fn for every committed object whose name starts with prefix,
	// in no particular order, until fn returns an error.
	List(ctx context.Context, prefix string, fn func(Entry) error) error
}

// Upload is an object being written.
type Upload interface {
	io.Writer
	// Commit makes everything written visible under the upload's name.
	Commit(ctx context.Context) error
	// Abort discards the upload. It is safe to call after Commit (it then
	// does nothing) and more than once.
	Abort() error
}

// Entry describes a stored object.
type Entry struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// validName reports whether name is one the Store could have made; backends
// check it too, so no name can reach outside their root or prefix.
func validName(name string) bool {
	if name == "" || len(name) > 255 {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg[0] == '.' {
			return false
		}
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '/':
		default:
			return false
		}
	}
	return true
}
