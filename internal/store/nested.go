package store

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"sync"
)

// ErrNestedWrite is returned by Write when called from inside a write
// function: on SQLite the one writer is busy running the caller, so the
// inner write could never start. Pass the *Tx down instead.
var ErrNestedWrite = errors.New("store: Write called inside a write function; pass the *store.Tx down instead")

// writing holds the writer goroutines, the only ones that run write
// functions. Go has no public goroutine identity, so the ID is read from
// the stack header: once per writer, and once per Write by its caller.
var writing sync.Map

func inWrite(gid uint64) bool {
	_, ok := writing.Load(gid)
	return ok
}

func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// commitAnd carries an error that should reach Write's caller although the
// write itself commits.
type commitAnd struct{ err error }

func (c commitAnd) Error() string { return c.err.Error() }
func (c commitAnd) Unwrap() error { return c.err }

// CommitAnd wraps err so that a write function returning it is committed,
// and Write then returns err. The access point uses it to keep the audit
// entry of a denial made inside a write.
func CommitAnd(err error) error {
	if err == nil {
		return nil
	}
	return commitAnd{err}
}

// splitCommit separates a CommitAnd error from the write's own outcome:
// keep is what Write returns after a successful commit.
func splitCommit(err error) (fail, keep error) {
	var c commitAnd
	if errors.As(err, &c) {
		return nil, c.err
	}
	return err, nil
}
