package blob

import (
	"errors"
	"fmt"

	"dbtp/internal/platform"
)

// Sentinels, matched with errors.Is. Every error the store returns for an
// object is also a *platform.Error (so the web layer can map its code) and an
// *ObjectError (so logs and Verify can name the object).
var (
	// ErrNotFound: no object has this ID. Code not_found.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt: the stored header or body fails authentication, has the
	// wrong length or does not hash to its ID. Code internal.
	ErrCorrupt = errors.New("corrupt")
	// ErrMissing: the header is there but the body it names is gone.
	ErrMissing = errors.New("content missing")
	// ErrWrongKey: the object's data key is wrapped under a master key the
	// store was not given. Nothing was decrypted. Code internal.
	ErrWrongKey = errors.New("master key does not match")
)

// ObjectError says which object a failure is about and why.
type ObjectError struct {
	ID     string
	Err    error // one of the sentinels
	Detail string
}

func (e *ObjectError) Error() string {
	if e.Detail == "" {
		return "blob " + e.ID + ": " + e.Err.Error()
	}
	return "blob " + e.ID + ": " + e.Err.Error() + ": " + e.Detail
}

func (e *ObjectError) Unwrap() error { return e.Err }

func objectErr(code platform.Code, msg, id string, sentinel error, format string, args ...any) error {
	return &platform.Error{Code: code, Message: msg, Err: &ObjectError{ID: id, Err: sentinel, Detail: fmt.Sprintf(format, args...)}}
}

func corrupt(id, format string, args ...any) error {
	return objectErr(platform.CodeInternal, "a stored file is damaged", id, ErrCorrupt, format, args...)
}

func missing(id, format string, args ...any) error {
	return objectErr(platform.CodeInternal, "a stored file is missing", id, ErrMissing, format, args...)
}

func notFound(id string) error {
	return objectErr(platform.CodeNotFound, "file not found", id, ErrNotFound, "")
}

func wrongKey(id, have, want string) error {
	return objectErr(platform.CodeInternal, "the file store's key does not match", id, ErrWrongKey,
		"its data key is wrapped under master key %s; this store has %s; nothing was decrypted", have, want)
}

func internalf(format string, args ...any) error {
	return platform.Internal(fmt.Errorf(format, args...))
}
